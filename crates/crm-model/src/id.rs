//! Customer identity: external ids as real systems write them, and compact interned keys.
//!
//! Real systems identify customers by integers (`42`) or strings (`"C-00042"`, `"00042"`, a UUID).
//! Hashing and comparing such strings on every one of ten million rows is slow, so the model works
//! with a [`CustomerKey`]: a dense `u32` handed out by a [`CustomerInterner`] in order of first
//! appearance. Aggregations index plain vectors by key instead of hashing, and the interner maps keys
//! back to the original [`CustomerId`] for output.
//!
//! ```
//! use crm_analytics::model::{CustomerId, CustomerInterner};
//! let mut ids = CustomerInterner::new();
//! let a = ids.intern("C-7")?;
//! let b = ids.intern("42")?;
//! assert_eq!(ids.intern("C-7")?, a);           // same text, same key
//! assert_eq!(a.index(), 0);                      // dense: 0, 1, 2, ...
//! assert_eq!(ids.id(b), Some(&CustomerId::Int(42)));
//! assert_eq!(ids.id(a).unwrap().to_string(), "C-7");
//! # Ok::<(), crm_analytics::model::ModelError>(())
//! ```

use std::fmt;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};

/// A customer identifier as an external system writes it.
///
/// Text that is a canonical unsigned decimal integer (no sign, no leading zeros, fits `u64`) is
/// stored as [`CustomerId::Int`]; everything else, including `"00042"`, keeps its exact text as
/// [`CustomerId::Str`], so ids print back exactly as they were read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CustomerId {
    /// An integer key.
    Int(u64),
    /// A text key (never empty, never surrounding whitespace).
    Str(Box<str>),
}

impl CustomerId {
    /// Parses an id from text, trimming surrounding whitespace.
    ///
    /// # Errors
    /// [`ModelError::EmptyId`] if the text is empty after trimming;
    /// [`ModelError::ControlCharInId`] if it holds a control character other than tab.
    pub fn parse(text: &str) -> Result<Self> {
        let t = checked_text(text)?;
        Ok(match canonical_u64(t) {
            Some(n) => CustomerId::Int(n),
            None => CustomerId::Str(t.into()),
        })
    }

    /// The order ids are listed in by the `crm` tool's per-customer outputs: ids written in
    /// digits only by numeric value (`"00042"` next to `42`; equal values by their text),
    /// then the other text ids in byte order. Unlike the derived [`Ord`] (all integers before
    /// all text), `"007"` sorts between `6` and `8`.
    ///
    /// ```
    /// use crm_analytics::model::CustomerId;
    /// let mut ids: Vec<CustomerId> = ["b", "10", "007", "9", "a"]
    ///     .iter()
    ///     .map(|t| CustomerId::parse(t))
    ///     .collect::<Result<_, _>>()?;
    /// ids.sort_by(CustomerId::natural_cmp);
    /// let text: Vec<String> = ids.iter().map(ToString::to_string).collect();
    /// assert_eq!(text, ["007", "9", "10", "a", "b"]);
    /// # Ok::<(), crm_analytics::model::ModelError>(())
    /// ```
    #[must_use]
    pub fn natural_cmp(&self, other: &Self) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (self, other) {
            (CustomerId::Int(x), CustomerId::Int(y)) => x.cmp(y),
            _ => match (self.numeric_value(), other.numeric_value()) {
                (Some(x), Some(y)) => x
                    .cmp(&y)
                    .then_with(|| self.to_string().cmp(&other.to_string())),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => self.cmp(other),
            },
        }
    }

    /// Numeric value of an id written in digits only (leading zeros allowed).
    fn numeric_value(&self) -> Option<u128> {
        match self {
            CustomerId::Int(n) => Some(u128::from(*n)),
            CustomerId::Str(s) if s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
            CustomerId::Str(_) => None,
        }
    }
}

impl From<u64> for CustomerId {
    fn from(n: u64) -> Self {
        CustomerId::Int(n)
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CustomerId::Int(n) => write!(f, "{n}"),
            CustomerId::Str(s) => f.write_str(s),
        }
    }
}

/// `text` trimmed, when it is a valid id: not empty, no control character but tab (NUL bytes,
/// line breaks, escapes from hostile or broken files would corrupt every output that prints it).
fn checked_text(text: &str) -> Result<&str> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ModelError::EmptyId {
            field: "customer_id",
        });
    }
    if let Some(ch) = t.chars().find(|&c| c.is_control() && c != '\t') {
        return Err(ModelError::ControlCharInId {
            field: "customer_id",
            value: t.to_string(),
            ch,
        });
    }
    Ok(t)
}

/// `Some(n)` when `t` is the canonical decimal text of `n`.
fn canonical_u64(t: &str) -> Option<u64> {
    let b = t.as_bytes();
    if b.is_empty() || b.len() > 20 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if b.len() > 1 && b[0] == b'0' {
        return None;
    }
    t.parse().ok()
}

/// A dense, compact customer key: 4 bytes, `Copy`, hashed and compared as one integer.
///
/// Keys come from a [`CustomerInterner`] and number customers `0, 1, 2, ...` in order of first
/// appearance, so `key.index()` can index a `Vec` directly. A key means nothing without the
/// interner that issued it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CustomerKey(u32);

impl CustomerKey {
    /// Builds a key from a raw index (for callers that manage their own dense numbering).
    #[must_use]
    pub const fn from_index(index: u32) -> Self {
        CustomerKey(index)
    }

    /// The key as a `usize` index.
    #[must_use]
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// The raw `u32`.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for CustomerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Maps external [`CustomerId`]s to dense [`CustomerKey`]s and back.
///
/// Integer ids are looked up without allocating; text ids allocate once, on first sight.
/// Not global: each data set owns its interner, and merging two data sets means re-interning.
///
/// Small integer ids (the usual warehouse keys `1, 2, 3, ...`) are found by one array read
/// instead of a hash lookup: an id `n` below 2^24 that is also below 8 x (customers interned +
/// 65,536) goes into a direct-indexed table of 4 bytes per slot, so the table never holds more
/// than 64 MiB nor more than 32 bytes per customer plus 2 MiB; other integer ids are hashed.
#[derive(Debug, Clone, Default)]
pub struct CustomerInterner {
    /// `dense[n]` is the key of the integer id `n` plus one (0: not interned here).
    dense: Vec<u32>,
    ints: FxHashMap<u64, CustomerKey>,
    strs: FxHashMap<Box<str>, CustomerKey>,
    ids: Vec<CustomerId>,
}

/// Integer ids below this bound may use the direct-indexed table of [`CustomerInterner`].
const DENSE_IDS: u64 = 1 << 24;

impl CustomerInterner {
    /// An empty interner.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty interner with room for `n` customers.
    #[must_use]
    pub fn with_capacity(n: usize) -> Self {
        Self {
            dense: Vec::new(),
            ints: FxHashMap::default(),
            strs: FxHashMap::default(),
            ids: Vec::with_capacity(n),
        }
    }

    /// The key of the id written as `text`, issuing a new key on first sight.
    ///
    /// # Errors
    /// [`ModelError::EmptyId`] for empty text; [`ModelError::ControlCharInId`] for text holding
    /// a control character other than tab; [`ModelError::TooManyCustomers`] past `u32::MAX`
    /// distinct ids.
    pub fn intern(&mut self, text: &str) -> Result<CustomerKey> {
        let t = text.trim();
        if let Some(n) = canonical_u64(t) {
            return self.intern_int(n);
        }
        if let Some(&k) = self.strs.get(t) {
            return Ok(k);
        }
        let t = checked_text(t)?;
        let k = self.next_key()?;
        self.strs.insert(t.into(), k);
        self.ids.push(CustomerId::Str(t.into()));
        Ok(k)
    }

    /// The key of an integer id, issuing a new key on first sight.
    ///
    /// # Errors
    /// [`ModelError::TooManyCustomers`] past `u32::MAX` distinct ids.
    #[inline]
    pub fn intern_int(&mut self, id: u64) -> Result<CustomerKey> {
        if let Some(&k) = usize::try_from(id).ok().and_then(|i| self.dense.get(i)) {
            if k != 0 {
                return Ok(CustomerKey(k - 1));
            }
        }
        self.intern_int_slow(id)
    }

    /// [`CustomerInterner::intern_int`] past the direct-indexed table.
    fn intern_int_slow(&mut self, id: u64) -> Result<CustomerKey> {
        if let Some(&k) = self.ints.get(&id) {
            return Ok(k);
        }
        let k = self.next_key()?;
        self.ids.push(CustomerId::Int(id));
        let room = 8 * (self.ids.len() as u64 + (1 << 16));
        match usize::try_from(id) {
            Ok(i) if id < DENSE_IDS && id < room => {
                if i >= self.dense.len() {
                    let len = (i + 1).next_power_of_two().min(DENSE_IDS as usize);
                    self.dense.resize(len, 0);
                }
                if let Some(slot) = self.dense.get_mut(i) {
                    *slot = k.0 + 1;
                }
            }
            _ => {
                self.ints.insert(id, k);
            }
        }
        Ok(k)
    }

    /// The key of the integer id `id` if it was interned before.
    fn get_int(&self, id: u64) -> Option<CustomerKey> {
        match usize::try_from(id).ok().and_then(|i| self.dense.get(i)) {
            Some(&k) if k != 0 => Some(CustomerKey(k - 1)),
            _ => self.ints.get(&id).copied(),
        }
    }

    /// The key of an already parsed id, issuing a new key on first sight.
    ///
    /// # Errors
    /// As [`CustomerInterner::intern`].
    pub fn intern_id(&mut self, id: &CustomerId) -> Result<CustomerKey> {
        match id {
            CustomerId::Int(n) => self.intern_int(*n),
            CustomerId::Str(s) => self.intern(s),
        }
    }

    /// The key of `text` if it was interned before.
    #[must_use]
    pub fn get(&self, text: &str) -> Option<CustomerKey> {
        let t = text.trim();
        match canonical_u64(t) {
            Some(n) => self.get_int(n),
            None => self.strs.get(t).copied(),
        }
    }

    /// The external id of a key issued by this interner.
    #[must_use]
    pub fn id(&self, key: CustomerKey) -> Option<&CustomerId> {
        self.ids.get(key.index())
    }

    /// Number of distinct customers interned.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when nothing was interned.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// All ids in key order (`ids()[k.index()]` is the id of `k`).
    #[must_use]
    pub fn ids(&self) -> &[CustomerId] {
        &self.ids
    }

    fn next_key(&self) -> Result<CustomerKey> {
        u32::try_from(self.ids.len())
            .ok()
            .filter(|&n| n < u32::MAX)
            .map(CustomerKey)
            .ok_or(ModelError::TooManyCustomers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_hashed_ints_never_give_two_keys() {
        let mut ids = CustomerInterner::new();
        // Far beyond the dense room of an empty interner: hashed.
        let big = 3_000_000u64;
        let k_big = ids.intern_int(big).unwrap();
        // Fill the interner until `big` would fit the dense table.
        for n in 0..400_000u64 {
            ids.intern_int(n).unwrap();
        }
        assert_eq!(ids.intern_int(big).unwrap(), k_big);
        assert_eq!(ids.get("3000000"), Some(k_big));
        assert_eq!(ids.len(), 400_001);
        // Dense ids keep first-appearance keys and map back.
        assert_eq!(ids.get("7"), Some(CustomerKey(8)));
        assert_eq!(ids.id(CustomerKey(8)), Some(&CustomerId::Int(7)));
        // Past the dense bound: hashed, still one key per id.
        let huge = u64::MAX;
        let k = ids.intern_int(huge).unwrap();
        assert_eq!(ids.intern("18446744073709551615").unwrap(), k);
    }

    #[test]
    fn parse_keeps_text_of_non_canonical_integers() {
        assert_eq!(CustomerId::parse(" 42 ").unwrap(), CustomerId::Int(42));
        assert_eq!(CustomerId::parse("0").unwrap(), CustomerId::Int(0));
        assert_eq!(
            CustomerId::parse("00042").unwrap(),
            CustomerId::Str("00042".into())
        );
        assert_eq!(
            CustomerId::parse("-1").unwrap(),
            CustomerId::Str("-1".into())
        );
        assert_eq!(
            CustomerId::parse("99999999999999999999").unwrap(),
            CustomerId::Str("99999999999999999999".into())
        );
        assert!(matches!(
            CustomerId::parse("  "),
            Err(ModelError::EmptyId { .. })
        ));
    }

    #[test]
    fn ids_with_control_characters_are_errors() {
        let mut i = CustomerInterner::new();
        for bad in [
            "a\0b",
            "\0",
            "x\u{1b}[31m",
            "a\nb",
            "a\rb",
            "a\u{7f}",
            "a\u{85}b",
        ] {
            assert!(
                matches!(
                    CustomerId::parse(bad),
                    Err(ModelError::ControlCharInId { .. })
                ),
                "{bad:?}"
            );
            let e = i.intern(bad).unwrap_err();
            assert!(e.to_string().contains("control character"), "{e}");
        }
        assert!(i.is_empty());
        // Tab inside an id is kept; surrounding whitespace is trimmed.
        assert_eq!(i.intern("a\tb").unwrap().index(), 0);
        assert_eq!(
            CustomerId::parse(" a\tb ").unwrap(),
            CustomerId::Str("a\tb".into())
        );
    }

    #[test]
    fn interner_is_dense_and_round_trips() {
        let mut i = CustomerInterner::new();
        let keys: Vec<_> = ["a", "7", "b", "a", "007", "7"]
            .iter()
            .map(|s| i.intern(s).unwrap())
            .collect();
        let idx: Vec<_> = keys.iter().map(|k| k.index()).collect();
        assert_eq!(idx, vec![0, 1, 2, 0, 3, 1]);
        assert_eq!(i.len(), 4);
        assert_eq!(i.id(keys[4]).unwrap().to_string(), "007");
        assert_eq!(i.get("7"), Some(keys[1]));
        assert_eq!(i.get("x"), None);
        assert_eq!(i.intern_id(&CustomerId::Int(7)).unwrap(), keys[1]);
    }

    #[test]
    fn id_serde_is_untagged() {
        let v: Vec<CustomerId> = serde_json::from_str(r#"[1, "x"]"#).unwrap();
        assert_eq!(v, vec![CustomerId::Int(1), CustomerId::Str("x".into())]);
        assert_eq!(serde_json::to_string(&v).unwrap(), r#"[1,"x"]"#);
    }
}
