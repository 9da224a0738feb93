//! Names and the network of one pool run: a bridge in the root namespace, one network
//! namespace per node joined to it by a veth pair.
//!
//! Every name starts with `gtp<run>-`, where the run number `0..=255` also picks the subnet
//! `198.18.<run>.0/24` (RFC 2544's benchmarking range): parallel runs never share a name or a
//! route. A run claims its number by creating its bridge (atomic: the kernel refuses a
//! duplicate name).

use super::cmd::{run, run_any};
use super::PoolError;

/// Prefix of every bridge, veth and network namespace the harness creates.
pub const NAME_PREFIX: &str = "gtp";

/// The names and addresses of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunNet {
    /// Run number; also the third octet of the subnet.
    pub run: u8,
}

impl RunNet {
    /// `gtp<run>-`: the prefix of this run's names.
    pub fn prefix(&self) -> String {
        format!("{NAME_PREFIX}{}-", self.run)
    }
    /// The bridge in the root namespace.
    pub fn bridge(&self) -> String {
        format!("{}br", self.prefix())
    }
    /// The bridge's own address (the root namespace's side).
    pub fn gateway(&self) -> String {
        format!("198.18.{}.1", self.run)
    }
    /// Node `i`'s address.
    pub fn address(&self, i: usize) -> String {
        format!("198.18.{}.{}", self.run, 10 + i)
    }
    /// Node `i`'s network namespace.
    pub fn netns(&self, i: usize) -> String {
        format!("{}n{i}", self.prefix())
    }
    /// The root-namespace end of node `i`'s veth pair.
    pub fn veth(&self, i: usize) -> String {
        format!("{}v{i}", self.prefix())
    }
    fn peer(&self, i: usize) -> String {
        format!("{}p{i}", self.prefix())
    }

    /// Claim a free run number by creating its bridge, starting the search at `start`.
    pub fn claim(start: u8) -> Result<RunNet, PoolError> {
        for k in 0..=255u16 {
            let net = RunNet {
                run: start.wrapping_add(k as u8),
            };
            if address_in_use(&net.gateway())? {
                continue;
            }
            let ran = run_any(&["ip", "link", "add", "name", &net.bridge(), "type", "bridge"])?;
            if ran.status == 0 {
                return Ok(net);
            }
        }
        Err(PoolError::Invalid(
            "no free run number: 256 pools exist; clean leftovers first".into(),
        ))
    }

    /// Address and start the claimed bridge.
    pub fn bring_up_bridge(&self) -> Result<(), PoolError> {
        let cidr = format!("{}/24", self.gateway());
        run(&["ip", "addr", "add", &cidr, "dev", &self.bridge()])?;
        run(&["ip", "link", "set", &self.bridge(), "up"])?;
        Ok(())
    }

    /// Create node `i`'s namespace, veth pair and address.
    pub fn add_node(&self, i: usize) -> Result<(), PoolError> {
        let (ns, veth, peer) = (self.netns(i), self.veth(i), self.peer(i));
        run(&["ip", "netns", "add", &ns])?;
        run(&[
            "ip", "link", "add", &veth, "type", "veth", "peer", "name", &peer,
        ])?;
        run(&["ip", "link", "set", &peer, "netns", &ns])?;
        run(&["ip", "link", "set", &veth, "master", &self.bridge(), "up"])?;
        let inside = |args: &[&str]| {
            let mut argv = vec!["ip", "netns", "exec", &ns];
            argv.extend_from_slice(args);
            run(&argv).map(drop)
        };
        inside(&["ip", "link", "set", &peer, "name", "eth0"])?;
        let cidr = format!("{}/24", self.address(i));
        inside(&["ip", "addr", "add", &cidr, "dev", "eth0"])?;
        inside(&["ip", "link", "set", "eth0", "up"])?;
        inside(&["ip", "link", "set", "lo", "up"])?;
        Ok(())
    }
}

/// Whether any interface of the root namespace already has `address`.
fn address_in_use(address: &str) -> Result<bool, PoolError> {
    let out = run(&["ip", "-o", "-4", "addr", "show"])?;
    let needle = format!(" {address}/");
    Ok(out.contains(&needle))
}

/// Network namespaces whose name starts with `prefix`.
pub fn netns_with_prefix(prefix: &str) -> Vec<String> {
    run_any(&["ip", "netns", "list"])
        .map(|r| {
            r.stdout
                .lines()
                .filter_map(|l| l.split_whitespace().next())
                .filter(|n| n.starts_with(prefix))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Links of the root namespace whose name starts with `prefix`.
pub fn links_with_prefix(prefix: &str) -> Vec<String> {
    run_any(&["ip", "-o", "link", "show"])
        .map(|r| {
            r.stdout
                .lines()
                .filter_map(|l| l.split(": ").nth(1))
                .map(|n| n.split('@').next().unwrap_or(n).to_string())
                .filter(|n| n.starts_with(prefix))
                .collect()
        })
        .unwrap_or_default()
}

/// Pids of the processes in network namespace `ns`.
pub fn netns_pids(ns: &str) -> Vec<u32> {
    run_any(&["ip", "netns", "pids", ns])
        .map(|r| {
            r.stdout
                .lines()
                .filter_map(|l| l.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::RunNet;

    #[test]
    fn names_fit_the_kernel_limit_and_runs_do_not_share_prefixes() {
        let net = RunNet { run: 255 };
        for name in [net.bridge(), net.veth(99), net.peer(99), net.netns(99)] {
            assert!(name.len() <= 15, "{name} is longer than IFNAMSIZ - 1");
        }
        assert_eq!(net.address(5), "198.18.255.15");
        assert!(!RunNet { run: 12 }
            .bridge()
            .starts_with(&RunNet { run: 1 }.prefix()));
    }
}
