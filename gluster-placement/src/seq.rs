//! The seeded sequence behind tie-breaks and new ids: SplitMix64 (Steele, Lea and Flood,
//! 2014). A few lines of arithmetic, pinned by a known-answer test, so the same seed gives
//! the same plan in every release; seeding costs nothing, unlike a block cipher's first
//! block, which showed in the cost of one-set plans.

/// SplitMix64's increment (the golden ratio in 64 bits).
pub(crate) const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's finalizer: a bijection of 64-bit words that mixes every input bit into
/// every output bit. The one copy behind the sequence, device labels, zone rotations and
/// day-2 tie-breaks.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A SplitMix64 sequence.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// The sequence of `seed`.
    pub(crate) fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next word.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix64(self.state)
    }

    /// The next 128-bit id, never 0. Ids of one sequence are distinct: every word comes
    /// from a distinct state through a bijection.
    pub(crate) fn next_id(&mut self) -> u128 {
        let high = u128::from(self.next_u64());
        (high << 64 | u128::from(self.next_u64())).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        // The reference implementation's first outputs for seed 0.
        let mut s = SplitMix64::new(0);
        assert_eq!(s.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(s.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(s.next_u64(), 0x06c4_5d18_8009_454f);
    }
}
