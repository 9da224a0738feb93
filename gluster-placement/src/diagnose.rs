//! Why no plan exists: a pass over the cluster that names every cause that applies.
//!
//! Context first (offline nodes and devices, what each tag rule and the allowed zones
//! leave), then the causes at the natural brick size (failure domains, arbiter devices,
//! capacity); when none applies there, the causes at the smallest brick tried; when still
//! none, the free space is too fragmented for the layouts tried.

use std::collections::BTreeSet;

use gluster_model::{ByteSize, Durability, ZoneChecking};

use crate::error::{Reason, Uncounted};
use crate::filter::{Filter, Needs};
use crate::index::Index;
use crate::request::{PlacementSettings, VolumeRequest};
use crate::sizing::{Layout, Sizing};

pub(crate) fn diagnose(
    index: &Index,
    filter: &Filter,
    request: &VolumeRequest,
    settings: &PlacementSettings,
    sizing: &Sizing,
) -> Vec<Reason> {
    let set_size = request.durability.set_size();
    let mut reasons = Vec::new();
    let needed_bricks = sizing.min_sets.saturating_mul(set_size);
    if needed_bricks > settings.max_bricks_per_volume {
        reasons.push(Reason::TooManyBricks {
            needed: needed_bricks,
            max: settings.max_bricks_per_volume,
        });
    }
    if sizing.largest_brick < settings.min_brick_size {
        reasons.push(Reason::BelowMinBrick {
            brick: sizing.largest_brick,
            min: settings.min_brick_size,
        });
    }
    context(index, filter, request, &mut reasons);
    let Some(first) = sizing.layouts.first() else {
        return reasons;
    };
    let mut causes = causes_at(index, filter, request, first);
    if causes.is_empty() {
        if let Some(last) = sizing.layouts.last() {
            causes = causes_at(index, filter, request, last);
        }
    }
    if causes.is_empty() {
        causes.push(Reason::NoLayout {
            min_sets: first.sets,
            max_sets: sizing.layouts.last().map_or(first.sets, |l| l.sets),
        });
    }
    reasons.extend(causes);
    reasons
}

/// Offline nodes and devices, tag rules, allowed zones.
fn context(index: &Index, filter: &Filter, request: &VolumeRequest, out: &mut Vec<Reason>) {
    let cluster = &index.clusters[filter.cluster.ix()];
    let offline_nodes = cluster
        .nodes
        .iter()
        .filter(|n| !index.nodes[n.ix()].online)
        .count();
    if offline_nodes > 0 {
        out.push(Reason::NodesOffline {
            offline: offline_nodes,
            total: cluster.nodes.len(),
        });
    }
    let devices = || {
        cluster
            .nodes
            .iter()
            .flat_map(|n| index.nodes[n.ix()].devices.iter())
            .map(|d| &index.devs[d.ix()])
    };
    let offline_devices = devices()
        .filter(|d| index.nodes[d.node.ix()].online && !d.device_online)
        .count();
    if offline_devices > 0 {
        out.push(Reason::DevicesOffline {
            offline: offline_devices,
            total: devices().count(),
        });
    }
    for rule in &request.device_tag_match {
        let matching = devices()
            .filter(|d| d.online && rule.matches(&index.nodes[d.node.ix()].tags, &d.tags))
            .count();
        out.push(Reason::TagRule {
            rule: rule.to_string(),
            matching_devices: matching,
        });
    }
    if !request.allowed_zones.is_empty() {
        let matching_nodes = filter
            .zones
            .iter()
            .flat_map(|z| index.zones[z.ix()].nodes.iter())
            .filter(|n| index.nodes[n.ix()].online)
            .count();
        out.push(Reason::AllowedZones {
            zones: request.allowed_zones.clone(),
            matching_nodes,
        });
    }
}

/// Failure domains, arbiter devices and capacity for one layout.
fn causes_at(
    index: &Index,
    filter: &Filter,
    request: &VolumeRequest,
    layout: &Layout,
) -> Vec<Reason> {
    let mut out = Vec::new();
    let Some(needs) = Needs::new(
        layout.data_brick,
        layout.arbiter_brick,
        request.snapshot_factor,
    ) else {
        out.push(Reason::Capacity {
            needed: ByteSize::b(u64::MAX),
            free: ByteSize::ZERO,
            uncounted: uncounted(index, filter, request.durability == Durability::Arbiter),
        });
        return out;
    };
    let arbiter = request.durability == Durability::Arbiter;
    let set_size = request.durability.set_size();
    let data_slots = set_size - usize::from(arbiter);
    let (mut data_nodes, mut arb_nodes) = (BTreeSet::new(), BTreeSet::new());
    let (mut data_zones, mut arb_zones) = (BTreeSet::new(), BTreeSet::new());
    let mut largest_free_by_zone = Vec::new();
    let mut free = 0u64;
    for &z in filter.zones.iter() {
        let zone = index.zones[z.ix()].zone;
        let mut largest = 0u64;
        for &n in &index.zones[z.ix()].nodes {
            for &dx in &index.nodes[n.ix()].devices {
                let d = &index.devs[dx.ix()];
                if !d.online || !filter.tags_match(dx) {
                    continue;
                }
                let takes_arbiter = arbiter && d.arbiter.takes_arbiter();
                if d.arbiter.takes_data() {
                    largest = largest.max(d.room());
                    if d.room() >= needs.bytes(false, d.extent) {
                        data_nodes.insert(n);
                        data_zones.insert(zone);
                    }
                }
                if takes_arbiter && d.room() >= needs.bytes(true, d.extent) {
                    arb_nodes.insert(n);
                    arb_zones.insert(zone);
                }
                if d.arbiter.takes_data() || takes_arbiter {
                    free = free.saturating_add(d.room());
                }
            }
        }
        largest_free_by_zone.push((zone, ByteSize::b(largest)));
    }
    let uncounted = uncounted(index, filter, arbiter);
    let zones_with_room: Vec<_> = data_zones.union(&arb_zones).copied().collect();
    let nodes_with_room = data_nodes.union(&arb_nodes).count();
    let strict = request.zone_checking == ZoneChecking::Strict;
    let (data_units, all_units) = if strict {
        (data_zones.len(), zones_with_room.len())
    } else {
        (data_nodes.len(), nodes_with_room)
    };
    if data_units < data_slots || all_units < set_size {
        out.push(Reason::FailureDomains {
            policy: request.zone_checking,
            set_size,
            need_per_brick: ByteSize::b(needs.default_bytes(false)),
            zones_with_room,
            nodes_with_room,
            largest_free_by_zone,
            uncounted,
        });
    }
    if arbiter && (arb_nodes.is_empty() || (data_units >= data_slots && all_units < set_size)) {
        out.push(Reason::ArbiterDevices {
            nodes_with_room: arb_nodes.len(),
        });
    }
    let per_set = needs
        .default_bytes(false)
        .saturating_mul(data_slots as u64)
        .saturating_add(if arbiter {
            needs.default_bytes(true)
        } else {
            0
        });
    let needed = per_set.saturating_mul(layout.sets as u64);
    if needed > free {
        out.push(Reason::Capacity {
            needed: ByteSize::b(needed),
            free: ByteSize::b(free),
            uncounted,
        });
    }
    out
}

/// Free space of the cluster that `causes_at` does not count, by cause.
fn uncounted(index: &Index, filter: &Filter, arbiter: bool) -> Uncounted {
    let (mut arbiter_only, mut offline, mut excluded) = (0u64, 0u64, 0u64);
    let cluster = &index.clusters[filter.cluster.ix()];
    for &n in &cluster.nodes {
        for &dx in &index.nodes[n.ix()].devices {
            let d = &index.devs[dx.ix()];
            let room = d.room();
            if !d.online {
                offline = offline.saturating_add(room);
            } else if !filter.zones.contains(&d.zone) || !filter.tags_match(dx) {
                excluded = excluded.saturating_add(room);
            } else if !arbiter && !d.arbiter.takes_data() {
                arbiter_only = arbiter_only.saturating_add(room);
            }
        }
    }
    Uncounted {
        arbiter_only: ByteSize::b(arbiter_only),
        offline: ByteSize::b(offline),
        excluded: ByteSize::b(excluded),
    }
}
