//! `SharedStr`: an immutable string that is cheap to clone.
//!
//! Host and device names are copied into every planned brick, and a planner makes millions
//! of plans. A `SharedStr` of up to 23 bytes is stored inline (a clone copies 24 bytes:
//! no allocation, no atomic reference count, no cache miss on a heap block); a longer one
//! shares one reference-counted allocation (`smol_str`, as rust-analyzer uses).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use smol_str::SmolStr;
use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

/// An immutable string, cheap to clone; serializes as a plain string and compares with
/// `str` and `String`.
///
/// ```
/// use gluster_model::SharedStr;
///
/// let a = SharedStr::from("node1.example");
/// let b = a.clone();
/// assert_eq!(b, "node1.example");
/// assert_eq!(a.len(), 13);
/// assert_eq!(serde_json::to_string(&a).unwrap(), "\"node1.example\"");
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SharedStr(SmolStr);

impl SharedStr {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> Self {
        SharedStr(SmolStr::new(s))
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> Self {
        SharedStr(SmolStr::from(s))
    }
}

impl From<&String> for SharedStr {
    fn from(s: &String) -> Self {
        SharedStr(SmolStr::new(s))
    }
}

impl From<SharedStr> for String {
    fn from(s: SharedStr) -> Self {
        s.0.to_string()
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<SharedStr> for str {
    fn eq(&self, other: &SharedStr) -> bool {
        self == &*other.0
    }
}

impl PartialEq<SharedStr> for &str {
    fn eq(&self, other: &SharedStr) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<SharedStr> for String {
    fn eq(&self, other: &SharedStr) -> bool {
        **self == *other.0
    }
}

impl Serialize for SharedStr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SharedStr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(SharedStr::from(&*s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_compare_as_text() {
        let a = SharedStr::from(String::from("/dev/sdb"));
        let b = a.clone();
        assert!(!a.0.is_heap_allocated());
        assert_eq!(a, b);
        let long = SharedStr::from("storage-node-17.rack-4.example.com");
        assert!(long.0.is_heap_allocated());
        assert_eq!(long.clone(), "storage-node-17.rack-4.example.com");
        assert_eq!(a, "/dev/sdb");
        assert_eq!("/dev/sdb", a);
        assert_eq!(a, String::from("/dev/sdb"));
        assert_eq!(format!("[{a:>9}]"), "[ /dev/sdb]");
        assert_eq!(format!("{a:?}"), "\"/dev/sdb\"");
        let back: SharedStr = serde_json::from_str("\"/dev/sdb\"").unwrap();
        assert_eq!(back, a);
        assert!(serde_json::from_str::<SharedStr>("3").is_err());
    }
}
