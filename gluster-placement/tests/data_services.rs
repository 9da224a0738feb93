//! Pure data-service decisions: snapshot capacity, subvolume hosting, brick budgets, each
//! against an oracle written independently of the code.

use gluster_model::ByteSize;
use gluster_placement::multiplex::{check_nodes, BrickBudget};
use gluster_placement::snapshot::{check_snapshot, snapshots_left, SnapshotRefusal, ThinPoolUse};
use gluster_placement::subvolume::{
    check_expand, choose_hosting, HostingVolume, SubvolumeHost, SubvolumePolicy,
};
use proptest::prelude::*;

const MIB: u64 = 1 << 20;

fn pool(i: usize, brick: u64, factor_pct: u64, used: u64, reserved: u64) -> ThinPoolUse {
    ThinPoolUse {
        brick: format!("node{i}:/b"),
        brick_size: ByteSize::mib(brick),
        pool_size: ByteSize::mib(brick * factor_pct / 100),
        data_used: ByteSize::mib(used.min(brick)),
        reserved: ByteSize::mib(reserved),
    }
}

fn pools() -> impl Strategy<Value = Vec<ThinPoolUse>> {
    prop::collection::vec((1u64..2000, 100u64..300, 0u64..2000, 0u64..3000), 1..7).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (b, f, u, r))| pool(i, b, f, u, r))
            .collect()
    })
}

/// Oracle: a pool takes a snapshot when brick + earlier charges + max(data, 4 MiB) <= pool.
fn fits(p: &ThinPoolUse) -> bool {
    let charge = p.data_used.bytes().max(4 * MIB);
    p.brick_size.bytes() as u128 + p.reserved.bytes() as u128 + charge as u128
        <= p.pool_size.bytes() as u128
}

proptest! {
    #[test]
    fn snapshot_is_accepted_exactly_when_every_pool_has_room(pools in pools()) {
        let all_fit = pools.iter().all(fits);
        match check_snapshot(&pools) {
            Ok(charge) => {
                prop_assert!(all_fit);
                prop_assert_eq!(charge.per_brick.len(), pools.len());
            }
            Err(SnapshotRefusal::PoolsFull(short)) => {
                prop_assert!(!all_fit);
                let expected: Vec<&str> =
                    pools.iter().filter(|p| !fits(p)).map(|p| p.brick.as_str()).collect();
                let named: Vec<&str> = short.iter().map(|s| s.brick.as_str()).collect();
                prop_assert_eq!(named, expected);
            }
            Err(SnapshotRefusal::NoBricks) => prop_assert!(false, "pools were given"),
        }
    }

    #[test]
    fn repeated_snapshots_never_overcommit_a_pool(pools in pools()) {
        let mut pools = pools;
        let predicted = snapshots_left(&pools);
        let mut taken = 0;
        while let Ok(charge) = check_snapshot(&pools) {
            for (p, c) in pools.iter_mut().zip(&charge.per_brick) {
                p.reserved = p.reserved.checked_add(*c).unwrap();
                prop_assert!(
                    p.brick_size.bytes() + p.reserved.bytes() <= p.pool_size.bytes(),
                    "{p:?}"
                );
            }
            taken += 1;
            prop_assert!(taken <= 10_000);
        }
        prop_assert_eq!(taken, predicted);
    }

    #[test]
    fn subvolumes_never_overcommit_a_hosting_volume(
        sizes in prop::collection::vec(1u64..400, 1..60),
        percent in 50u32..300,
        hosts in 1usize..4,
    ) {
        let policy = SubvolumePolicy { overcommit_percent: percent, hosting_size: ByteSize::gib(1) };
        let mut volumes: Vec<HostingVolume> = (0..hosts)
            .map(|i| HostingVolume { name: format!("h{i}"), size: ByteSize::gib(1), committed: ByteSize::ZERO })
            .collect();
        for s in sizes {
            let size = ByteSize::mib(s);
            let cap = |v: &HostingVolume| v.size.bytes() as u128 * percent as u128 / 100;
            let room = |v: &HostingVolume| cap(v).saturating_sub(v.committed.bytes() as u128);
            match choose_hosting(&volumes, size, &policy) {
                SubvolumeHost::Existing { name } => {
                    let best = volumes.iter().map(room).max().unwrap();
                    let v = volumes.iter_mut().find(|v| v.name == name).unwrap();
                    prop_assert!(room(v) >= size.bytes() as u128);
                    prop_assert_eq!(room(v), best);
                    v.committed = v.committed.checked_add(size).unwrap();
                    prop_assert!(v.committed.bytes() as u128 <= cap(v));
                }
                SubvolumeHost::New { size: new } => {
                    prop_assert!(volumes.iter().all(|v| room(v) < size.bytes() as u128));
                    prop_assert!(new.bytes() as u128 * percent as u128 / 100 >= size.bytes() as u128);
                    volumes.push(HostingVolume {
                        name: format!("h{}", volumes.len()),
                        size: new,
                        committed: size,
                    });
                }
            }
        }
    }

    #[test]
    fn brick_budget_matches_the_process_count(
        multiplex: bool, per in 0u32..20, max in 0u32..50, now in 0u64..500, add in 0u64..50,
    ) {
        let budget = BrickBudget { multiplex, max_bricks_per_process: per, max_processes: max };
        let total = now + add;
        let processes = if multiplex { total.div_ceil(u64::from(per.max(1))) } else { total };
        prop_assert_eq!(budget.processes(total), processes);
        prop_assert_eq!(budget.check("n", now, add).is_ok(), processes <= u64::from(max));
        prop_assert_eq!(total <= budget.max_bricks(), processes <= u64::from(max));
    }
}

#[test]
fn snapshot_with_factor_one_is_refused_with_the_reason() {
    let p = pool(0, 100, 100, 0, 0);
    let err = check_snapshot(&[p]).unwrap_err().to_string();
    assert!(
        err.contains("node0:/b") && err.contains("snapshot factor 1"),
        "{err}"
    );
    assert_eq!(check_snapshot(&[]), Err(SnapshotRefusal::NoBricks));
}

#[test]
fn subvolume_expand_is_refused_past_the_ratio() {
    let policy = SubvolumePolicy::default();
    let v = HostingVolume {
        name: "h".into(),
        size: ByteSize::gib(10),
        committed: ByteSize::gib(9),
    };
    assert_eq!(
        check_expand(&v, ByteSize::gib(1), ByteSize::gib(2), &policy),
        Ok(ByteSize::gib(2))
    );
    let err = check_expand(&v, ByteSize::gib(1), ByteSize::gib(3), &policy).unwrap_err();
    assert_eq!(err.room, ByteSize::gib(1));
    // A subvolume larger than a default hosting volume gets a hosting volume that fits it.
    let big = choose_hosting(&[v], ByteSize::tib(2), &policy);
    assert_eq!(
        big,
        SubvolumeHost::New {
            size: ByteSize::tib(2)
        }
    );
}

#[test]
fn multiplex_budget_names_the_nodes_over_it() {
    let budget = BrickBudget {
        multiplex: false,
        max_bricks_per_process: 250,
        max_processes: 10,
    };
    let err = check_nodes(&budget, [("a", 9, 1), ("b", 10, 1), ("c", 0, 11)]).unwrap_err();
    let nodes: Vec<&str> = err.iter().map(|e| e.node.as_str()).collect();
    assert_eq!(nodes, ["b", "c"]);
    assert!(err[0].to_string().contains("brick-multiplex"), "{}", err[0]);
}
