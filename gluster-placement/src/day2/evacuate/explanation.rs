//! Why a brick cannot move: its candidate funnel on the pristine model.

#[allow(unused_imports)]
use super::*;

/// The candidate funnel of a mover alone on the pristine model.
pub(super) fn explain(topo: &Topo<'_>, m: &Mover<'_>, target: &[bool]) -> Unmovable {
    let mut f = CandidateFunnel::default();
    for (d, dev) in topo.devs.iter().enumerate() {
        if target[d] || !dev.online || dev.cluster != m.cluster {
            continue;
        }
        f.online += 1;
        if m.fixed_nodes.contains(&dev.node) {
            continue;
        }
        f.node_separation += 1;
        let zone_ok = m.policy.allows_zone(dev.zone)
            && (m.degrade_ok || zone_good(m.policy.zone_checking, dev.zone, &m.fixed_zones));
        if !zone_ok {
            continue;
        }
        f.zones += 1;
        let node_tags = topo.nodes[dev.node].tags;
        if !m
            .policy
            .device_tag_match
            .iter()
            .all(|r| r.matches(node_tags, dev.tags))
        {
            continue;
        }
        f.tags += 1;
        let role_ok = match m.role {
            BrickRole::Data => dev.arbiter.takes_data(),
            BrickRole::Arbiter => dev.arbiter.takes_arbiter(),
        };
        if !role_ok {
            continue;
        }
        f.arbiter_tag += 1;
        if topo
            .space_on(d, m.size, m.factor)
            .is_some_and(|s| topo.usable(d) >= s)
        {
            f.with_room += 1;
        }
    }
    let cause = if f.online == 0 {
        Some(NoCandidateCause::NoOnlineDevice)
    } else if f.node_separation == 0 {
        Some(NoCandidateCause::NodeSeparation)
    } else if f.zones == 0 {
        Some(NoCandidateCause::Zones)
    } else if f.tags == 0 {
        Some(NoCandidateCause::Tags)
    } else if f.arbiter_tag == 0 {
        Some(NoCandidateCause::ArbiterTag)
    } else if f.with_room == 0 {
        Some(NoCandidateCause::Capacity)
    } else {
        None
    };
    Unmovable {
        volume_id: m.volume.id,
        volume_name: m.volume.name.clone(),
        set: m.set,
        position: m.position,
        brick: topo.location(m.brick),
        cause: match cause {
            Some(cause) => UnmovableCause::NoCandidate { cause, funnel: f },
            None => UnmovableCause::Contended { funnel: f },
        },
    }
}
