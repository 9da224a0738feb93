//! Typed identifiers in Heketi's 32-hex-digit form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why an identifier did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid id {input:?}: expected 32 hexadecimal digits")]
pub struct IdParseError {
    /// The rejected input.
    pub input: String,
}

fn parse_hex128(s: &str) -> Result<u128, IdParseError> {
    if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(IdParseError {
            input: s.chars().take(64).collect(),
        });
    }
    u128::from_str_radix(s, 16).map_err(|_| IdParseError {
        input: s.to_string(),
    })
}

/// 128-bit FNV-1a: a stable hash for deriving ids from names (same input, same id, forever).
pub fn stable_hash128(parts: &[&str]) -> u128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    let mut h = OFFSET;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u128::from(b);
            h = h.wrapping_mul(PRIME);
        }
    }
    h
}

/// The 16 lowercase hex digits of `x`, computed on all digits at once (SWAR): every nibble
/// is spread into its own byte, then offset to `'0'..='9'` or `'a'..='f'`.
fn hex64(x: u64) -> [u8; 16] {
    const ONES: u128 = 0x0101_0101_0101_0101_0101_0101_0101_0101;
    let mut v = u128::from(x);
    v = (v | v << 32) & 0x0000_0000_ffff_ffff_0000_0000_ffff_ffff;
    v = (v | v << 16) & 0x0000_ffff_0000_ffff_0000_ffff_0000_ffff;
    v = (v | v << 8) & 0x00ff_00ff_00ff_00ff_00ff_00ff_00ff_00ff;
    v = (v | v << 4) & 0x0f0f_0f0f_0f0f_0f0f_0f0f_0f0f_0f0f_0f0f;
    // 1 in every byte whose nibble is 10 or more.
    let letters = ((v + 6 * ONES) >> 4) & ONES;
    (v + u128::from(b'0') * ONES + letters * u128::from(b'a' - b'0' - 10)).to_be_bytes()
}

/// The 32 lowercase hex digits of `value`, without formatting machinery (ids are printed
/// in every brick path and volume name, so this is on the planner's hot path).
pub(crate) fn hex128(value: u128) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[..16].copy_from_slice(&hex64((value >> 64) as u64));
    out[16..].copy_from_slice(&hex64(value as u64));
    out
}

/// Appends the 32 hex digits of `value` to `out`.
fn push_hex128(out: &mut String, value: u128) {
    let digits = hex128(value);
    // ASCII hex digits are valid UTF-8.
    out.push_str(std::str::from_utf8(&digits).unwrap_or_default());
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Prints as 32 lowercase hex digits (Heketi's form); parses and deserializes only that
        /// form (upper case accepted).
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u128);

        impl $name {
            /// The id with this numeric value.
            pub const fn from_u128(value: u128) -> Self {
                Self(value)
            }

            /// The numeric value.
            pub const fn as_u128(self) -> u128 {
                self.0
            }

            /// An id derived from names by a stable hash: the same names always give the same id.
            pub fn derived(parts: &[&str]) -> Self {
                Self(stable_hash128(parts))
            }

            /// Appends the id's 32 hex digits to `out` (what `Display` prints, cheaper).
            pub fn push_to(self, out: &mut String) {
                push_hex128(out, self.0);
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let digits = hex128(self.0);
                f.pad(std::str::from_utf8(&digits).unwrap_or_default())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:032x})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_hex128(s).map(Self)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

typed_id!(
    /// Identifies a cluster (a trusted storage pool).
    ClusterId
);
typed_id!(
    /// Identifies a node (a glusterd host).
    NodeId
);
typed_id!(
    /// Identifies a device (a raw disk on a node).
    DeviceId
);
typed_id!(
    /// Identifies a brick.
    BrickId
);
typed_id!(
    /// Identifies a volume.
    VolumeId
);
typed_id!(
    /// Identifies a block volume.
    BlockVolumeId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heketi_form_round_trips() {
        let s = "d8988ccefa516f5b4e454f32147a7c4f";
        let id: VolumeId = s.parse().unwrap();
        assert_eq!(id.to_string(), s);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{s}\""));
        assert_eq!(serde_json::from_str::<VolumeId>(&json).unwrap(), id);
        let upper: VolumeId = s.to_uppercase().parse().unwrap();
        assert_eq!(upper, id);
    }

    #[test]
    fn hex_digits_match_the_formatter() {
        let mut x = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835_u128;
        let mut values = vec![
            0,
            1,
            0xabc,
            u128::MAX,
            1 << 127,
            0x0123_4567_89ab_cdef << 40,
        ];
        for _ in 0..200 {
            x = x
                .wrapping_mul(0x2360_ed05_1fc6_5da4_4385_df64_9fcc_f645)
                .wrapping_add(1);
            values.push(x);
        }
        for v in values {
            let id = BrickId::from_u128(v);
            assert_eq!(id.to_string(), format!("{v:032x}"));
            let mut s = String::from("x");
            id.push_to(&mut s);
            assert_eq!(s, format!("x{v:032x}"));
        }
        assert_eq!(
            format!("{:>34}", NodeId::from_u128(1)),
            format!("  {:032x}", 1)
        );
    }

    #[test]
    fn rejects_malformed_ids() {
        assert!("abc".parse::<NodeId>().is_err());
        assert!("g8988ccefa516f5b4e454f32147a7c4f"
            .parse::<NodeId>()
            .is_err());
        assert!("+8988ccefa516f5b4e454f32147a7c4f"
            .parse::<NodeId>()
            .is_err());
        assert!("d8988ccefa516f5b4e454f32147a7c4f0"
            .parse::<NodeId>()
            .is_err());
        assert!(serde_json::from_str::<NodeId>("\"xyz\"").is_err());
        assert!(serde_json::from_str::<NodeId>("17").is_err());
    }

    #[test]
    fn derived_ids_are_stable() {
        let a = DeviceId::derived(&["node-a", "/dev/sdb"]);
        assert_eq!(a, DeviceId::derived(&["node-a", "/dev/sdb"]));
        assert_ne!(a, DeviceId::derived(&["node-a", "/dev/sdc"]));
        assert_ne!(a, DeviceId::derived(&["node-a/dev/sdb"]));
        // Pinned: derived ids must never change across releases.
        assert_eq!(
            DeviceId::derived(&["node-a", "/dev/sdb"]).to_string(),
            "0dcbc9fa191534cdcf45e2c3fa4cd3bd"
        );
    }
}
