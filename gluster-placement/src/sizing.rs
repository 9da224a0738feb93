//! Sizing: how many brick sets, and how large their bricks are.
//!
//! Any set count is tried, not only powers of two: from the fewest the maximum brick size
//! allows, upwards, while bricks stay at or above the minimum and the volume within the
//! maximum brick count.

use gluster_model::{arbiter_brick_size, ByteSize, Durability};

use crate::request::{PlacementSettings, VolumeRequest};

/// Bricks are sized in whole KiB, as Heketi did.
const BRICK_UNIT: ByteSize = ByteSize::kib(1);

/// One candidate layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) sets: usize,
    pub(crate) data_brick: ByteSize,
    pub(crate) arbiter_brick: Option<ByteSize>,
}

/// The candidate layouts in the order they are tried, and why the list may be empty.
#[derive(Debug, Clone)]
pub(crate) struct Sizing {
    pub(crate) layouts: Vec<Layout>,
    /// The fewest sets the maximum brick size allows.
    pub(crate) min_sets: usize,
    /// The data brick at `min_sets` (the largest possible).
    pub(crate) largest_brick: ByteSize,
}

/// The data brick of a volume of `size` split into `sets` sets of `share` data bricks.
pub(crate) fn data_brick(size: ByteSize, sets: usize, share: usize) -> Option<ByteSize> {
    let parts = u64::try_from(sets.checked_mul(share)?).ok()?;
    ByteSize::b(size.bytes().div_ceil(parts)).round_up_to(BRICK_UNIT)
}

/// The arbiter brick of sets whose data bricks are `data`: one KiB per expected file
/// (`data / average_file_size`), at least `floor`, at most the data brick (unless the floor
/// is larger), in whole KiB. The one arbiter sizing of new volumes, expansions and growth
/// (the latter two with the default average file size: the model does not keep it).
pub(crate) fn arbiter_brick(
    data: ByteSize,
    average_file_size: ByteSize,
    floor: ByteSize,
) -> ByteSize {
    arbiter_brick_size(data, average_file_size, floor)
        .round_up_to(BRICK_UNIT)
        .unwrap_or(data)
}

/// The settings sizing reads (a copy, so a planner can size while it places).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SizeLimits {
    min_brick_size: ByteSize,
    max_brick_size: ByteSize,
    max_bricks_per_volume: usize,
    min_arbiter_brick_size: ByteSize,
}

impl SizeLimits {
    pub(crate) fn of(settings: &PlacementSettings) -> SizeLimits {
        SizeLimits {
            min_brick_size: settings.min_brick_size,
            max_brick_size: settings.max_brick_size,
            max_bricks_per_volume: settings.max_bricks_per_volume,
            min_arbiter_brick_size: settings.min_arbiter_brick_size,
        }
    }
}

/// The fewest sets the maximum brick size allows for `request`.
fn fewest_sets(request: &VolumeRequest, settings: SizeLimits) -> usize {
    let share = request.durability.data_share();
    let per_set_max = u128::from(settings.max_brick_size.bytes()) * share as u128;
    let min_sets = u128::from(request.size.bytes())
        .div_ceil(per_set_max.max(1))
        .max(1);
    usize::try_from(min_sets).unwrap_or(usize::MAX)
}

/// The candidate layouts in the order they are tried, computed one at a time (a plan
/// usually takes the first).
pub(crate) fn layout_iter(
    request: &VolumeRequest,
    settings: SizeLimits,
) -> impl Iterator<Item = Layout> + '_ {
    let durability = request.durability;
    let share = durability.data_share();
    let max_sets = settings.max_bricks_per_volume / durability.set_size();
    let min_sets = fewest_sets(request, settings);
    (min_sets..=max_sets)
        .map(move |sets| (sets, data_brick(request.size, sets, share)))
        .take_while(move |(_, brick)| brick.is_some_and(|b| b >= settings.min_brick_size))
        .filter_map(move |(sets, brick)| {
            let brick = brick.filter(|b| *b <= settings.max_brick_size)?;
            let arbiter_brick = (durability == Durability::Arbiter).then(|| {
                arbiter_brick(
                    brick,
                    request.average_file_size,
                    settings.min_arbiter_brick_size,
                )
            });
            Some(Layout {
                sets,
                data_brick: brick,
                arbiter_brick,
            })
        })
}

/// Every candidate layout, with what explains an empty list.
pub(crate) fn layouts(request: &VolumeRequest, settings: &PlacementSettings) -> Sizing {
    let settings = SizeLimits::of(settings);
    let min_sets = fewest_sets(request, settings);
    let share = request.durability.data_share();
    Sizing {
        layouts: layout_iter(request, settings).collect(),
        min_sets,
        largest_brick: data_brick(request.size, min_sets, share).unwrap_or(ByteSize::ZERO),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets_for(size: ByteSize, d: Durability, s: &PlacementSettings) -> Vec<usize> {
        layouts(&VolumeRequest::new(size, d), s)
            .layouts
            .iter()
            .map(|l| l.sets)
            .collect()
    }

    #[test]
    fn any_set_count_from_the_fewest() {
        let s = PlacementSettings {
            max_brick_size: ByteSize::gib(100),
            ..PlacementSettings::default()
        };
        let r3 = Durability::replicate(3).unwrap();
        // 300 GiB at most 100 GiB per brick: 3 sets first (not 4).
        assert_eq!(sets_for(ByteSize::gib(300), r3, &s)[0], 3);
        // At most 32 bricks: 10 sets of 3.
        assert_eq!(sets_for(ByteSize::gib(300), r3, &s).last(), Some(&10));
        // Below the minimum brick: nothing.
        assert!(sets_for(ByteSize::mib(512), r3, &s).is_empty());
        // Too many bricks: nothing.
        assert!(sets_for(ByteSize::tib(4), r3, &s).is_empty());
    }

    #[test]
    fn disperse_splits_over_data_bricks() {
        let d = Durability::disperse(4, 2).unwrap();
        let l = layouts(
            &VolumeRequest::new(ByteSize::gib(100), d),
            &PlacementSettings::default(),
        );
        assert_eq!(l.layouts[0].sets, 1);
        assert_eq!(l.layouts[0].data_brick, ByteSize::gib(25));
        assert_eq!(l.layouts.len(), 5);
    }

    #[test]
    fn arbiter_brick_is_small_with_a_floor() {
        let l = layouts(
            &VolumeRequest::new(ByteSize::gib(64), Durability::Arbiter),
            &PlacementSettings::default(),
        );
        assert_eq!(l.layouts[0].arbiter_brick, Some(ByteSize::gib(1)));
        let l = layouts(
            &VolumeRequest::new(ByteSize::gib(1), Durability::Arbiter),
            &PlacementSettings::default(),
        );
        assert_eq!(l.layouts[0].arbiter_brick, Some(ByteSize::mib(16)));
    }
}
