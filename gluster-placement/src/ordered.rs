//! An ordered set kept as sorted chunks: the index's per-zone device order.
//!
//! A query is two binary searches over contiguous memory (the chunks' first entries, then
//! one chunk), where a `BTreeSet` descends a pointer tree and walks both ends of a range; an
//! update moves at most `CHUNK` entries of one chunk plus, on a split or merge, the chunk
//! list (`len / CHUNK` entries). Queries dominate placement, updates happen once per brick.

/// Most entries of a chunk; a full chunk splits in two.
const CHUNK: usize = 32;

/// A chunk this small merges into a neighbour that has room.
const SMALL: usize = CHUNK / 4;

/// A set of `T` in ascending order.
#[derive(Debug, Clone)]
pub(crate) struct OrderedSet<T> {
    /// Non-empty sorted chunks; every entry of a chunk is below every entry of the next.
    chunks: Vec<Vec<T>>,
    /// The first entry of every chunk (what the chunk search reads).
    firsts: Vec<T>,
}

impl<T> Default for OrderedSet<T> {
    fn default() -> Self {
        OrderedSet {
            chunks: Vec::new(),
            firsts: Vec::new(),
        }
    }
}

impl<T: Ord + Copy> OrderedSet<T> {
    /// The set of `sorted` (ascending, without duplicates), in chunks half full so that
    /// the first inserts do not split every chunk.
    pub(crate) fn from_sorted(sorted: Vec<T>) -> Self {
        let chunks: Vec<Vec<T>> = sorted.chunks(CHUNK / 2).map(<[T]>::to_vec).collect();
        let firsts = chunks.iter().map(|c| c[0]).collect();
        OrderedSet { chunks, firsts }
    }

    /// The smallest entry.
    pub(crate) fn first(&self) -> Option<&T> {
        self.firsts.first()
    }

    /// The chunk that holds `x` or would: the last chunk whose first entry is at most `x`
    /// (the first chunk when `x` is below everything).
    fn chunk_of(&self, x: &T) -> usize {
        self.firsts.partition_point(|f| f <= x).saturating_sub(1)
    }

    /// Adds `x`; false if it was there.
    pub(crate) fn insert(&mut self, x: T) -> bool {
        if self.chunks.is_empty() {
            self.chunks.push(vec![x]);
            self.firsts.push(x);
            return true;
        }
        let c = self.chunk_of(&x);
        let chunk = &mut self.chunks[c];
        let Err(at) = chunk.binary_search(&x) else {
            return false;
        };
        chunk.insert(at, x);
        self.firsts[c] = chunk[0];
        if chunk.len() > CHUNK {
            let tail = chunk.split_off(CHUNK / 2);
            self.firsts.insert(c + 1, tail[0]);
            self.chunks.insert(c + 1, tail);
        }
        true
    }

    /// Removes `x`; false if it was not there.
    pub(crate) fn remove(&mut self, x: &T) -> bool {
        if self.chunks.is_empty() {
            return false;
        }
        let c = self.chunk_of(x);
        let chunk = &mut self.chunks[c];
        let Ok(at) = chunk.binary_search(x) else {
            return false;
        };
        chunk.remove(at);
        if chunk.is_empty() {
            self.chunks.remove(c);
            self.firsts.remove(c);
            return true;
        }
        self.firsts[c] = chunk[0];
        if chunk.len() < SMALL && c + 1 < self.chunks.len() {
            let next = self.chunks[c + 1].len();
            if self.chunks[c].len() + next <= CHUNK {
                let tail = self.chunks.remove(c + 1);
                self.firsts.remove(c + 1);
                self.chunks[c].extend(tail);
            }
        }
        true
    }

    /// Replaces `old` by `new` (a device's entry after its use changed): one move inside a
    /// chunk when `new` belongs in `old`'s chunk, which is the common case (a brick moves a
    /// device's rank by little), else a remove and an insert. False, with nothing changed,
    /// if `old` was not there.
    pub(crate) fn replace(&mut self, old: &T, new: T) -> bool {
        if self.chunks.is_empty() {
            return false;
        }
        let c = self.chunk_of(old);
        let Ok(at) = self.chunks[c].binary_search(old) else {
            return false;
        };
        let above_previous = c == 0 || self.chunks[c - 1].last().is_some_and(|l| *l < new);
        let below_next = self.firsts.get(c + 1).is_none_or(|f| new < *f);
        if !(above_previous && below_next) {
            self.remove(old);
            self.insert(new);
            return true;
        }
        let chunk = &mut self.chunks[c];
        match chunk.binary_search(&new) {
            Ok(_) if new == *old => {}
            Ok(_) => {
                // `new` is there already: the set loses `old` only.
                self.remove(old);
            }
            Err(to) if to > at => {
                chunk[at..to].rotate_left(1);
                chunk[to - 1] = new;
                self.firsts[c] = chunk[0];
            }
            Err(to) => {
                chunk[to..=at].rotate_right(1);
                chunk[to] = new;
                self.firsts[c] = chunk[0];
            }
        }
        true
    }

    /// The entries at or above `from`, ascending.
    pub(crate) fn range_from(&self, from: &T) -> impl Iterator<Item = &T> + '_ {
        let c = self.chunk_of(from);
        let at = self
            .chunks
            .get(c)
            .map_or(0, |chunk| chunk.partition_point(|e| e < from));
        let head = self.chunks.get(c).map_or(&[][..], |chunk| &chunk[at..]);
        let rest = self.chunks.get(c + 1..).unwrap_or_default();
        head.iter().chain(rest.iter().flatten())
    }

    /// Every entry, ascending.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.chunks.iter().flatten()
    }

    /// Number of entries.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.chunks.iter().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    /// An operation on both sets.
    #[derive(Debug, Clone)]
    enum Op {
        Insert(u16),
        Remove(u16),
        Replace(u16, u16),
    }

    /// `op` on the reference set.
    fn reference_op(reference: &mut BTreeSet<u16>, op: &Op) -> bool {
        match *op {
            Op::Insert(x) => reference.insert(x),
            Op::Remove(x) => reference.remove(&x),
            Op::Replace(old, new) => {
                let there = reference.remove(&old);
                if there {
                    reference.insert(new);
                }
                there
            }
        }
    }

    /// `op` on our set.
    fn our_op(ours: &mut OrderedSet<u16>, op: &Op) -> bool {
        match *op {
            Op::Insert(x) => ours.insert(x),
            Op::Remove(x) => ours.remove(&x),
            Op::Replace(old, new) => ours.replace(&old, new),
        }
    }

    fn ops() -> impl Strategy<Value = Vec<Op>> {
        // Small values over long sequences: many duplicates, splits, merges and empty chunks.
        let op = prop_oneof![
            3 => (0u16..600).prop_map(Op::Insert),
            2 => (0u16..600).prop_map(Op::Remove),
            // Mostly near moves (within a chunk), some far ones.
            2 => (0u16..600, -8i32..8).prop_map(|(x, d)| Op::Replace(x, (i32::from(x) + d).clamp(0, 599) as u16)),
            1 => (0u16..600, 0u16..600).prop_map(|(x, y)| Op::Replace(x, y)),
        ];
        proptest::collection::vec(op, 0..2000)
    }

    proptest! {
        /// Every answer equals `BTreeSet`'s after every operation.
        #[test]
        fn behaves_like_a_btree_set(ops in ops(), probes in proptest::collection::vec(0u16..620, 8)) {
            let mut ours = OrderedSet::default();
            let mut reference = BTreeSet::new();
            for op in ops {
                prop_assert_eq!(our_op(&mut ours, &op), reference_op(&mut reference, &op));
                prop_assert_eq!(ours.first(), reference.first());
            }
            prop_assert_eq!(ours.len(), reference.len());
            prop_assert!(ours.iter().eq(reference.iter()));
            for p in probes {
                prop_assert!(ours.range_from(&p).eq(reference.range(p..)));
            }
            for (chunk, first) in ours.chunks.iter().zip(&ours.firsts) {
                prop_assert!(!chunk.is_empty() && chunk.len() <= CHUNK);
                prop_assert_eq!(chunk[0], *first);
            }
        }

        /// A set built from a sorted run behaves like one built by inserts.
        #[test]
        fn from_sorted_equals_inserts(values in proptest::collection::btree_set(0u16..2000, 0..500), ops in ops()) {
            let mut built = OrderedSet::from_sorted(values.iter().copied().collect());
            let mut reference = values.clone();
            prop_assert!(built.iter().eq(reference.iter()));
            for op in ops {
                prop_assert_eq!(our_op(&mut built, &op), reference_op(&mut reference, &op));
            }
            prop_assert!(built.iter().eq(reference.iter()));
            prop_assert_eq!(built.first(), reference.first());
        }
    }

    #[test]
    fn range_below_everything_and_above_everything() {
        let mut s = OrderedSet::default();
        for x in (10..1000).step_by(3) {
            s.insert(x);
        }
        assert_eq!(s.range_from(&0).next(), Some(&10));
        assert_eq!(s.range_from(&11).next(), Some(&13));
        assert_eq!(s.range_from(&1000).next(), None);
        assert_eq!(OrderedSet::<u32>::default().range_from(&5).next(), None);
    }
}
