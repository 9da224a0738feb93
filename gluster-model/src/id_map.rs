//! A map from ids to entities for the model: values in a slab (stable slots, freed slots
//! reused), found by a hash of the id, and listed in id order by a sorted list of the ids
//! made on the first listing after a change.
//!
//! A `BTreeMap` of 200-byte bricks moved kilobytes per insert and missed the cache at every
//! level of a lookup; here a lookup is one hash probe and one slot, an insert one probe and
//! a push, and only listings (exports, checks, re-indexing: O(entities) anyway) pay for the
//! order, once per change (O(n log n)).

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::OnceLock;

/// The hasher of the model's maps: fast, seeded per process (hash order never shows: every
/// listing goes by id).
pub(crate) type Hasher = foldhash::fast::RandomState;

/// Ids to values; iteration in ascending id order.
#[derive(Clone)]
pub(crate) struct IdMap<K, V> {
    /// Values by slot; `None` for a free slot.
    slots: Vec<Option<V>>,
    /// Free slots, reused last freed first.
    free: Vec<u32>,
    /// The slot of every id.
    at: HashMap<K, u32, Hasher>,
    /// Every id with its slot, in id order: made by the first listing after a change of the
    /// ids.
    order: OnceLock<Vec<(K, u32)>>,
}

impl<K, V> Default for IdMap<K, V> {
    fn default() -> Self {
        IdMap {
            slots: Vec::new(),
            free: Vec::new(),
            at: HashMap::default(),
            order: OnceLock::new(),
        }
    }
}

impl<K: Ord + Hash + Copy, V> IdMap<K, V> {
    /// Room for `n` more values without growing the slab or the hash table (an import
    /// that knows its count avoids the doubling copies at its peak).
    pub(crate) fn reserve(&mut self, n: usize) {
        self.slots.reserve(n);
        self.at.reserve(n);
    }

    pub(crate) fn len(&self) -> usize {
        self.at.len()
    }

    pub(crate) fn contains_key(&self, k: &K) -> bool {
        self.at.contains_key(k)
    }

    pub(crate) fn get(&self, k: &K) -> Option<&V> {
        let slot = *self.at.get(k)?;
        self.slots[slot as usize].as_ref()
    }

    pub(crate) fn get_mut(&mut self, k: &K) -> Option<&mut V> {
        let slot = *self.at.get(k)?;
        self.slots[slot as usize].as_mut()
    }

    /// Inserts; returns the value that was there.
    pub(crate) fn insert(&mut self, k: K, v: V) -> Option<V> {
        if let Some(&slot) = self.at.get(&k) {
            return self.slots[slot as usize].replace(v);
        }
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(v);
                slot
            }
            None => {
                // More than u32::MAX entities do not fit in memory first.
                let slot = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
                self.slots.push(Some(v));
                slot
            }
        };
        self.at.insert(k, slot);
        self.order = OnceLock::new();
        None
    }

    pub(crate) fn remove(&mut self, k: &K) -> Option<V> {
        let slot = self.at.remove(k)?;
        self.order = OnceLock::new();
        let v = self.slots[slot as usize].take();
        if slot as usize + 1 == self.slots.len() {
            self.slots.pop();
        } else {
            self.free.push(slot);
        }
        v
    }

    /// Ids and values in id order.
    pub(crate) fn iter(&self) -> Iter<'_, K, V> {
        let order = self.order.get_or_init(|| {
            let mut order: Vec<(K, u32)> = self.at.iter().map(|(k, s)| (*k, *s)).collect();
            order.sort_unstable_by_key(|e| e.0);
            order
        });
        Iter {
            order: order.iter(),
            slots: &self.slots,
        }
    }

    /// Values in id order.
    pub(crate) fn values(&self) -> Values<'_, K, V> {
        Values(self.iter())
    }

    /// Values in no particular order (a plain scan of the slab: for searches and sums).
    pub(crate) fn values_unordered(&self) -> impl Iterator<Item = &V> + '_ {
        self.slots.iter().flatten()
    }
}

/// Ids and values of an [`IdMap`], in id order.
pub(crate) struct Iter<'a, K, V> {
    order: std::slice::Iter<'a, (K, u32)>,
    slots: &'a [Option<V>],
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        let (k, slot) = self.order.next()?;
        // Every listed id has a filled slot.
        self.slots[*slot as usize].as_ref().map(|v| (k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.order.size_hint()
    }
}

impl<K, V> ExactSizeIterator for Iter<'_, K, V> {}

/// Values of an [`IdMap`], in id order.
pub(crate) struct Values<'a, K, V>(Iter<'a, K, V>);

impl<'a, K, V> Iterator for Values<'a, K, V> {
    type Item = &'a V;

    fn next(&mut self) -> Option<&'a V> {
        self.0.next().map(|(_, v)| v)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<K, V> ExactSizeIterator for Values<'_, K, V> {}

impl<K: Ord + Hash + Copy, V: PartialEq> PartialEq for IdMap<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<K: Ord + Hash + Copy, V: Eq> Eq for IdMap<K, V> {}

impl<K: Ord + Hash + Copy + fmt::Debug, V: fmt::Debug> fmt::Debug for IdMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Every answer and listing equals `BTreeMap`'s after every operation.
        #[test]
        fn behaves_like_a_btree_map(ops in proptest::collection::vec((any::<bool>(), 0u8..40, any::<u16>()), 0..400)) {
            let mut ours = IdMap::default();
            let mut reference = BTreeMap::new();
            for (insert, k, v) in ops {
                if insert {
                    prop_assert_eq!(ours.insert(k, v), reference.insert(k, v));
                } else {
                    prop_assert_eq!(ours.remove(&k), reference.remove(&k));
                }
                prop_assert_eq!(ours.len(), reference.len());
                prop_assert_eq!(ours.get(&k), reference.get(&k));
                prop_assert_eq!(ours.contains_key(&k), reference.contains_key(&k));
                if k % 7 == 0 {
                    // Listings between changes.
                    prop_assert!(ours.iter().eq(reference.iter()));
                }
            }
            prop_assert!(ours.iter().eq(reference.iter()));
            prop_assert!(ours.values().eq(reference.values()));
            prop_assert_eq!(ours.values().len(), reference.len());
            let mut unordered: Vec<_> = ours.values_unordered().copied().collect();
            let mut values: Vec<_> = reference.values().copied().collect();
            unordered.sort_unstable();
            values.sort_unstable();
            prop_assert_eq!(unordered, values);
            prop_assert_eq!(format!("{ours:?}"), format!("{reference:?}"));
            let mut rebuilt = IdMap::default();
            for (k, v) in reference.iter().rev() {
                rebuilt.insert(*k, *v);
            }
            prop_assert!(rebuilt == ours);
        }
    }

    #[test]
    fn values_differ_means_unequal() {
        let mut a = IdMap::default();
        let mut b = IdMap::default();
        a.insert(1, "x");
        b.insert(1, "y");
        assert!(a != b);
        b.insert(1, "x");
        assert!(a == b);
        b.insert(2, "x");
        assert!(a != b);
    }
}
