//! Byte sizes with checked arithmetic and binary units.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A number of bytes.
///
/// Arithmetic is checked: an overflow or an underflow is `None`, never a wrap.
/// Sizes parse from binary units (`"100GiB"`, `"1.5TiB"`, `"512Mi"`), decimal units
/// (`"100GB"` is 10^11 bytes) and bare byte counts; a one-letter unit (`"10G"`) is refused as
/// ambiguous. They print in binary units, exactly, so `size.to_string().parse()` gives back
/// the same size; [`ByteSize::human`] rounds to two decimals for people.
///
/// Serialized as a plain integer number of bytes; deserializes from an integer or from a
/// string with a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ByteSize(u64);

/// Binary units, smallest first.
const UNITS: [(&str, u64); 7] = [
    ("B", 1),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("TiB", 1 << 40),
    ("PiB", 1 << 50),
    ("EiB", 1 << 60),
];

impl ByteSize {
    /// Zero bytes.
    pub const ZERO: ByteSize = ByteSize(0);

    /// A size of `bytes` bytes.
    pub const fn b(bytes: u64) -> Self {
        ByteSize(bytes)
    }

    /// `n` KiB; panics in const contexts on overflow, use [`ByteSize::checked_mul`] for input.
    pub const fn kib(n: u64) -> Self {
        ByteSize(n * (1 << 10))
    }

    /// `n` MiB.
    pub const fn mib(n: u64) -> Self {
        ByteSize(n * (1 << 20))
    }

    /// `n` GiB.
    pub const fn gib(n: u64) -> Self {
        ByteSize(n * (1 << 30))
    }

    /// `n` TiB.
    pub const fn tib(n: u64) -> Self {
        ByteSize(n * (1 << 40))
    }

    /// The number of bytes.
    pub const fn bytes(self) -> u64 {
        self.0
    }

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: ByteSize) -> Option<ByteSize> {
        self.0.checked_add(other.0).map(ByteSize)
    }

    /// `self - other`, or `None` when `other` is larger.
    pub fn checked_sub(self, other: ByteSize) -> Option<ByteSize> {
        self.0.checked_sub(other.0).map(ByteSize)
    }

    /// `self * factor`, or `None` on overflow.
    pub fn checked_mul(self, factor: u64) -> Option<ByteSize> {
        self.0.checked_mul(factor).map(ByteSize)
    }

    /// `self - other`, or zero when `other` is larger.
    pub fn saturating_sub(self, other: ByteSize) -> ByteSize {
        ByteSize(self.0.saturating_sub(other.0))
    }

    /// Rounds up to a multiple of `unit` (a zero unit leaves the size as it is);
    /// `None` on overflow.
    pub fn round_up_to(self, unit: ByteSize) -> Option<ByteSize> {
        if unit.0 == 0 {
            return Some(self);
        }
        let rem = self.0 % unit.0;
        if rem == 0 {
            Some(self)
        } else {
            self.0.checked_add(unit.0 - rem).map(ByteSize)
        }
    }

    /// `self * num / den` rounded up, computed without intermediate overflow;
    /// `None` when `den` is zero or the result does not fit.
    pub fn mul_ratio_ceil(self, num: u64, den: u64) -> Option<ByteSize> {
        if den == 0 {
            return None;
        }
        let wide = u128::from(self.0) * u128::from(num);
        let q = wide.div_ceil(u128::from(den));
        u64::try_from(q).ok().map(ByteSize)
    }

    /// `self / den` rounded down; `None` when `den` is zero.
    pub fn checked_div(self, den: u64) -> Option<ByteSize> {
        self.0.checked_div(den).map(ByteSize)
    }
}

impl ByteSize {
    /// For people: the largest binary unit the size reaches, with two decimals
    /// (`10.05 GiB`, `512 B`); not exact, so not for parsing back (use `Display`).
    pub fn human(self) -> Human {
        Human(u128::from(self.0))
    }
}

/// A byte count shown with the largest binary unit it reaches and two decimals. Holds a
/// `u128`, so sums of sizes ([`ByteSize::human_total`]) show without saturating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Human(pub u128);

impl ByteSize {
    /// The sum of `sizes` for people: a `u128` total cannot overflow.
    pub fn human_total(sizes: impl IntoIterator<Item = ByteSize>) -> Human {
        Human(sizes.into_iter().map(|s| u128::from(s.0)).sum())
    }
}

impl fmt::Display for Human {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [&str; 9] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];
        let mut unit = 0;
        while unit + 1 < NAMES.len() && self.0 >> (10 * (unit + 1)) > 0 {
            unit += 1;
        }
        if unit == 0 {
            return write!(f, "{} B", self.0);
        }
        let factor = 1u128 << (10 * unit);
        // Hundredths, rounded half up.
        let hundredths = (self.0 * 100 + factor / 2) / factor;
        write!(
            f,
            "{}.{:02} {}",
            hundredths / 100,
            hundredths % 100,
            NAMES[unit]
        )
    }
}

/// Why a size string did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SizeParseError {
    /// The string is empty.
    #[error("empty size")]
    Empty,
    /// The number part is missing or malformed.
    #[error("invalid number in size {0:?}")]
    InvalidNumber(String),
    /// The unit is not one of B, KiB, MiB, GiB, TiB, PiB, EiB (or Ki, Mi, ...), nor a
    /// decimal kB, MB, GB, TB, PB, EB.
    #[error("unknown unit {unit:?} in size {input:?} (use B, KiB, MiB, GiB, TiB, PiB or EiB)")]
    UnknownUnit {
        /// The whole input.
        input: String,
        /// The unit as written.
        unit: String,
    },
    /// A one-letter unit (`G`): binary to some tools, decimal to Kubernetes.
    #[error("ambiguous unit {unit:?} in size {input:?}: write {number}{unit}iB (binary, 2^n) or {number}{unit}B (decimal, 10^n)")]
    AmbiguousUnit {
        /// The whole input.
        input: String,
        /// The number as written.
        number: String,
        /// The unit as written (upper case).
        unit: String,
    },
    /// The size starts with a minus sign.
    #[error("size {0:?} is negative")]
    Negative(String),
    /// The size does not fit in 64 bits of bytes.
    #[error("size {0:?} is too large")]
    Overflow(String),
}

/// What a unit means: a factor, or a one-letter unit that is ambiguous.
enum Unit {
    Factor(u64),
    Ambiguous,
}

fn unit_factor(unit: &str) -> Option<Unit> {
    let canonical = match unit.trim() {
        "" | "B" | "b" => "B",
        "Ki" | "KiB" => "KiB",
        "Mi" | "MiB" => "MiB",
        "Gi" | "GiB" => "GiB",
        "Ti" | "TiB" => "TiB",
        "Pi" | "PiB" => "PiB",
        "Ei" | "EiB" => "EiB",
        "K" | "k" | "M" | "G" | "T" | "P" | "E" => return Some(Unit::Ambiguous),
        decimal => {
            let power = match decimal {
                "kB" | "KB" => 3,
                "MB" => 6,
                "GB" => 9,
                "TB" => 12,
                "PB" => 15,
                "EB" => 18,
                _ => return None,
            };
            return Some(Unit::Factor(10u64.pow(power)));
        }
    };
    UNITS
        .iter()
        .find(|(n, _)| *n == canonical)
        .map(|(_, f)| Unit::Factor(*f))
}

impl FromStr for ByteSize {
    type Err = SizeParseError;

    /// Parses `"<number>[.<fraction>][ ]<unit>"`: `KiB`/`Ki` and up are binary, `kB`/`KB`,
    /// `MB` and up decimal, no unit is bytes; `K`, `M`, `G`... alone are refused as
    /// ambiguous. A fraction that does not land on a whole byte is rounded up.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let input = s.trim();
        if input.is_empty() {
            return Err(SizeParseError::Empty);
        }
        if input.starts_with('-') {
            return Err(SizeParseError::Negative(input.to_string()));
        }
        let split = input
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(input.len());
        let (number, unit) = input.split_at(split);
        let factor = match unit_factor(unit) {
            Some(Unit::Factor(f)) => f,
            Some(Unit::Ambiguous) => {
                return Err(SizeParseError::AmbiguousUnit {
                    input: input.to_string(),
                    number: number.to_string(),
                    unit: unit.trim().to_ascii_uppercase(),
                })
            }
            None => {
                return Err(SizeParseError::UnknownUnit {
                    input: input.to_string(),
                    unit: unit.trim().to_string(),
                })
            }
        };
        let bad_number = || SizeParseError::InvalidNumber(input.to_string());
        let overflow = || SizeParseError::Overflow(input.to_string());
        let (int_part, frac_part) = match number.split_once('.') {
            Some((i, f)) => (i, f),
            None => (number, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(bad_number());
        }
        if !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
            || (number.contains('.') && frac_part.is_empty())
        {
            return Err(bad_number());
        }
        let int: u64 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| overflow())?
        };
        let whole = int.checked_mul(factor).ok_or_else(overflow)?;
        // Fractions: at most 19 digits keep 10^n within u64; more digits cannot change a byte
        // count by more than the rounding we do anyway.
        let frac_digits = &frac_part[..frac_part.len().min(18)];
        let frac_bytes = if frac_digits.is_empty() {
            0
        } else {
            let num: u128 = frac_digits.parse().map_err(|_| bad_number())?;
            let den = 10u128.pow(frac_digits.len() as u32);
            let truncated = frac_part.len() > frac_digits.len()
                && frac_part[frac_digits.len()..].bytes().any(|b| b != b'0');
            let mut v = (num * u128::from(factor)).div_ceil(den);
            if truncated && (num * u128::from(factor)).is_multiple_of(den) {
                v += 1;
            }
            u64::try_from(v).map_err(|_| overflow())?
        };
        whole
            .checked_add(frac_bytes)
            .map(ByteSize)
            .ok_or_else(overflow)
    }
}

impl fmt::Display for ByteSize {
    /// Prints the largest unit that shows the size exactly with at most two decimals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = u128::from(self.0);
        for (name, factor) in UNITS.iter().rev() {
            let factor = u128::from(*factor);
            if v < factor && factor > 1 {
                continue;
            }
            if (v * 100) % factor != 0 {
                continue;
            }
            let hundredths = v * 100 / factor;
            let (whole, frac) = (hundredths / 100, hundredths % 100);
            return match frac {
                0 => write!(f, "{whole}{name}"),
                x if x % 10 == 0 => write!(f, "{whole}.{}{name}", x / 10),
                x => write!(f, "{whole}.{x:02}{name}"),
            };
        }
        write!(f, "{}B", self.0)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of bytes or a size such as \"100GiB\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ByteSize, E> {
                u64::try_from(v)
                    .map(ByteSize)
                    .map_err(|_| E::custom("a size cannot be negative"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ByteSize, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_binary_units() {
        assert_eq!("100GiB".parse::<ByteSize>(), Ok(ByteSize::gib(100)));
        assert_eq!("1.5TiB".parse::<ByteSize>(), Ok(ByteSize::gib(1536)));
        assert_eq!("512MiB".parse::<ByteSize>(), Ok(ByteSize::mib(512)));
        assert_eq!("512 Mi".parse::<ByteSize>(), Ok(ByteSize::mib(512)));
        assert_eq!("42".parse::<ByteSize>(), Ok(ByteSize::b(42)));
        assert_eq!(".5KiB".parse::<ByteSize>(), Ok(ByteSize::b(512)));
        assert_eq!("0.1KiB".parse::<ByteSize>(), Ok(ByteSize::b(103)));
    }

    #[test]
    fn refuses_garbage() {
        assert_eq!("".parse::<ByteSize>(), Err(SizeParseError::Empty));
        assert!(matches!(
            "12 parsecs".parse::<ByteSize>(),
            Err(SizeParseError::UnknownUnit { .. })
        ));
        assert!(matches!(
            "1.2.3GiB".parse::<ByteSize>(),
            Err(SizeParseError::InvalidNumber(_))
        ));
        assert_eq!(
            "-1GiB".parse::<ByteSize>(),
            Err(SizeParseError::Negative("-1GiB".into()))
        );
        assert!(matches!(
            "GiB".parse::<ByteSize>(),
            Err(SizeParseError::InvalidNumber(_))
        ));
        assert!(matches!(
            "16EiB".parse::<ByteSize>(),
            Err(SizeParseError::Overflow(_))
        ));
        assert!(matches!(
            "99999999999999999999999".parse::<ByteSize>(),
            Err(SizeParseError::Overflow(_))
        ));
    }

    /// Issue 15 item 9: decimal units are decimal, one-letter units are refused with a hint.
    #[test]
    fn decimal_units_are_decimal_and_one_letter_units_ambiguous() {
        assert_eq!("10GB".parse::<ByteSize>(), Ok(ByteSize::b(10_000_000_000)));
        assert_eq!("10MB".parse::<ByteSize>(), Ok(ByteSize::b(10_000_000)));
        assert_eq!("1.5kB".parse::<ByteSize>(), Ok(ByteSize::b(1500)));
        assert_eq!(
            "2TB".parse::<ByteSize>(),
            Ok(ByteSize::b(2_000_000_000_000))
        );
        let err = "10G".parse::<ByteSize>().unwrap_err();
        assert!(matches!(err, SizeParseError::AmbiguousUnit { .. }));
        assert!(err.to_string().contains("10GiB"), "{err}");
        assert!(err.to_string().contains("10GB"), "{err}");
        assert!(matches!(
            "10k".parse::<ByteSize>(),
            Err(SizeParseError::AmbiguousUnit { .. })
        ));
    }

    /// Issue 15 item 14: sizes for people show the largest unit with two decimals, and
    /// totals past 16 EiB do not saturate.
    #[test]
    fn human_sizes_have_two_decimals_and_totals_do_not_saturate() {
        assert_eq!(ByteSize::mib(10292).human().to_string(), "10.05 GiB");
        assert_eq!(ByteSize::mib(31_604_760).human().to_string(), "30.14 TiB");
        assert_eq!(ByteSize::gib(6372).human().to_string(), "6.22 TiB");
        assert_eq!(ByteSize::b(512).human().to_string(), "512 B");
        assert_eq!(ByteSize::b(1024).human().to_string(), "1.00 KiB");
        let max = ByteSize::b(u64::MAX);
        assert_eq!(ByteSize::human_total([max, max]).to_string(), "32.00 EiB");
    }

    #[test]
    fn prints_exactly() {
        assert_eq!(ByteSize::gib(100).to_string(), "100GiB");
        assert_eq!(ByteSize::gib(1536).to_string(), "1.5TiB");
        assert_eq!(ByteSize::mib(512).to_string(), "512MiB");
        assert_eq!(ByteSize::b(1000).to_string(), "1000B");
        assert_eq!(ByteSize::b(0).to_string(), "0B");
        assert_eq!(ByteSize::b(u64::MAX).to_string(), format!("{}B", u64::MAX));
        assert_eq!(ByteSize::kib(1_073_737_728).to_string(), "1048572MiB");
    }

    #[test]
    fn checked_arithmetic_never_wraps() {
        let max = ByteSize::b(u64::MAX);
        assert_eq!(max.checked_add(ByteSize::b(1)), None);
        assert_eq!(ByteSize::ZERO.checked_sub(ByteSize::b(1)), None);
        assert_eq!(max.checked_mul(2), None);
        assert_eq!(max.round_up_to(ByteSize::mib(4)), None);
        assert_eq!(
            ByteSize::b(5).round_up_to(ByteSize::b(4)),
            Some(ByteSize::b(8))
        );
        assert_eq!(max.mul_ratio_ceil(3, 2), None);
        assert_eq!(ByteSize::b(10).mul_ratio_ceil(1, 3), Some(ByteSize::b(4)));
    }

    #[test]
    fn serde_accepts_numbers_and_strings() {
        let a: ByteSize = serde_json::from_str("1024").unwrap();
        let b: ByteSize = serde_json::from_str("\"1KiB\"").unwrap();
        assert_eq!(a, b);
        assert!(serde_json::from_str::<ByteSize>("-1").is_err());
        assert_eq!(serde_json::to_string(&a).unwrap(), "1024");
    }

    proptest::proptest! {
        #[test]
        fn display_round_trips(bytes in proptest::prelude::any::<u64>()) {
            let s = ByteSize::b(bytes);
            proptest::prop_assert_eq!(s.to_string().parse::<ByteSize>(), Ok(s));
        }
    }
}
