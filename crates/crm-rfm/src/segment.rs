//! Named segments: a segment map is data, an ordered list of rules over score ranges with a
//! fallback, and it round-trips through JSON.
//!
//! ```text
//! segment(R, F, M) = name of the first rule with R in r, F in f, M in m   (ranges inclusive)
//!                  | fallback                                            (no rule matches)
//! ```
//!
//! JSON form (`r`, `f`, `m` are `[min, max]`; an omitted range matches any score):
//!
//! ```json
//! {"rules": [{"segment": "VIP", "r": [4, 5], "f": [4, 5], "m": [4, 5]},
//!            {"segment": "Potential", "r": [3, 5]}],
//!  "fallback": "Churn warning"}
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{Result, RfmError};
use crate::score::RfmScore;

/// An inclusive range of scores `min..=max`; serialises as `[min, max]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "(u8, u8)", into = "(u8, u8)")]
pub struct ScoreRange {
    /// Smallest score in the range.
    pub min: u8,
    /// Largest score in the range.
    pub max: u8,
}

impl From<(u8, u8)> for ScoreRange {
    fn from((min, max): (u8, u8)) -> Self {
        ScoreRange { min, max }
    }
}

impl From<ScoreRange> for (u8, u8) {
    fn from(r: ScoreRange) -> Self {
        (r.min, r.max)
    }
}

impl Default for ScoreRange {
    fn default() -> Self {
        Self::ANY
    }
}

impl ScoreRange {
    /// Matches every score.
    pub const ANY: ScoreRange = ScoreRange {
        min: 1,
        max: u8::MAX,
    };

    /// `min..=max`.
    #[must_use]
    pub const fn new(min: u8, max: u8) -> Self {
        ScoreRange { min, max }
    }

    /// True when `s` lies in the range.
    #[must_use]
    pub fn contains(&self, s: u8) -> bool {
        self.min <= s && s <= self.max
    }

    fn is_any(&self) -> bool {
        *self == Self::ANY
    }
}

/// One rule: a segment name and the score ranges it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentRule {
    /// Segment name (several rules may share one).
    pub segment: String,
    /// Recency score range.
    #[serde(default, skip_serializing_if = "ScoreRange::is_any")]
    pub r: ScoreRange,
    /// Frequency score range.
    #[serde(default, skip_serializing_if = "ScoreRange::is_any")]
    pub f: ScoreRange,
    /// Monetary score range.
    #[serde(default, skip_serializing_if = "ScoreRange::is_any")]
    pub m: ScoreRange,
}

impl SegmentRule {
    /// A rule over R and F (any M).
    #[must_use]
    pub fn rf(segment: &str, r: (u8, u8), f: (u8, u8)) -> Self {
        SegmentRule {
            segment: segment.into(),
            r: r.into(),
            f: f.into(),
            m: ScoreRange::ANY,
        }
    }

    /// A rule over R, F and M.
    #[must_use]
    pub fn rfm(segment: &str, r: (u8, u8), f: (u8, u8), m: (u8, u8)) -> Self {
        SegmentRule {
            m: m.into(),
            ..Self::rf(segment, r, f)
        }
    }

    /// True when the rule covers `s`.
    #[must_use]
    pub fn matches(&self, s: &RfmScore) -> bool {
        self.r.contains(s.r) && self.f.contains(s.f) && self.m.contains(s.m)
    }
}

/// An ordered list of rules with a fallback; the first matching rule names the segment.
///
/// fallback, and it round-trips through JSON.
///
/// ```text
/// segment(R, F, M) = name of the first rule with R in r, F in f, M in m   (ranges inclusive)
///                  | fallback                                            (no rule matches)
/// ```
///
/// JSON form (`r`, `f`, `m` are `[min, max]`; an omitted range matches any score):
///
/// ```json
/// {"rules": [{"segment": "VIP", "r": [4, 5], "f": [4, 5], "m": [4, 5]},
///            {"segment": "Potential", "r": [3, 5]}],
///  "fallback": "Churn warning"}
/// ```
///
/// Built-in maps (all for 5 score levels):
///
/// - [`SegmentMap::standard`] (default): the widely used 10-segment R-by-F grid, as in the
///   common pandas recipe `seg_map = {r'[1-2][1-2]': 'hibernating', r'[1-2][3-4]': 'at_Risk',
///   r'[1-2]5': 'cant_loose', r'3[1-2]': 'about_to_sleep', r'33': 'need_attention',
///   r'[3-4][4-5]': 'loyal_customers', r'41': 'promising', r'51': 'new_customers',
///   r'[4-5][2-3]': 'potential_loyalists', r'5[4-5]': 'champions'}` applied to the string
///   `R F` (e.g. repository `SaadAbdElGhaffar/customer-segmentation-rfm-kmeans`,
///   `utils/rfm_analysis.py`). The ten rules partition the 25 R-F cells.
///
///   ```text
///            F=1            F=2            F=3             F=4              F=5
///   R=5  New Customers  Potential Loy. Potential Loy.  Champions        Champions
///   R=4  Promising      Potential Loy. Potential Loy.  Loyal Customers  Loyal Customers
///   R=3  About to Sleep About to Sleep Need Attention  Loyal Customers  Loyal Customers
///   R=2  Hibernating    Hibernating    At Risk         At Risk          Can't Lose Them
///   R=1  Hibernating    Hibernating    At Risk         At Risk          Can't Lose Them
///   ```
/// - [`SegmentMap::with_lost`]: the same grid with an eleventh segment, Lost = R 1-2, F 1-2,
///   M 1-2 (the "Lost" rule of the R package `rfm`, `rfm_segment` documentation), checked before
///   Hibernating, which keeps the low-R, low-F customers who spent more (M 3-5).
/// - [`SegmentMap::tiers`]: three tiers: VIP (R, F, M all 4-5), Potential (R 3-5), and the
///   fallback Churn warning (R 1-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentMap {
    /// Rules, checked in order.
    pub rules: Vec<SegmentRule>,
    /// Name of the segment for scores no rule covers.
    pub fallback: String,
}

impl Default for SegmentMap {
    fn default() -> Self {
        Self::standard()
    }
}

impl SegmentMap {
    /// The built-in map named `name`: `default` ([`SegmentMap::standard`]), `with-lost`
    /// ([`SegmentMap::with_lost`]) or `tiers` ([`SegmentMap::tiers`]); `None` for any other name.
    ///
    /// ```
    /// use crm_analytics::rfm::SegmentMap;
    /// assert_eq!(SegmentMap::preset("tiers"), Some(SegmentMap::tiers()));
    /// assert_eq!(SegmentMap::preset("segments.json"), None);
    /// ```
    #[must_use]
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "default" => Some(Self::standard()),
            "with-lost" => Some(Self::with_lost()),
            "tiers" => Some(Self::tiers()),
            _ => None,
        }
    }

    /// The 10-segment R-by-F map (default). See [`SegmentMap`].
    #[must_use]
    pub fn standard() -> Self {
        SegmentMap {
            rules: vec![
                SegmentRule::rf("Champions", (5, 5), (4, 5)),
                SegmentRule::rf("Loyal Customers", (3, 4), (4, 5)),
                SegmentRule::rf("Potential Loyalists", (4, 5), (2, 3)),
                SegmentRule::rf("New Customers", (5, 5), (1, 1)),
                SegmentRule::rf("Promising", (4, 4), (1, 1)),
                SegmentRule::rf("Need Attention", (3, 3), (3, 3)),
                SegmentRule::rf("About to Sleep", (3, 3), (1, 2)),
                SegmentRule::rf("At Risk", (1, 2), (3, 4)),
                SegmentRule::rf("Can't Lose Them", (1, 2), (5, 5)),
                SegmentRule::rf("Hibernating", (1, 2), (1, 2)),
            ],
            fallback: "Other".into(),
        }
    }

    /// The 11-segment variant with Lost. See [`SegmentMap`].
    #[must_use]
    pub fn with_lost() -> Self {
        let mut m = Self::standard();
        let at = m.rules.len() - 1;
        m.rules
            .insert(at, SegmentRule::rfm("Lost", (1, 2), (1, 2), (1, 2)));
        m
    }

    /// Three tiers: VIP / Potential / Churn warning. See [`SegmentMap`].
    #[must_use]
    pub fn tiers() -> Self {
        SegmentMap {
            rules: vec![
                SegmentRule::rfm("VIP", (4, 5), (4, 5), (4, 5)),
                SegmentRule::rf("Potential", (3, 5), (1, u8::MAX)),
            ],
            fallback: "Churn warning".into(),
        }
    }

    /// The segment name of a score.
    #[must_use]
    pub fn segment_of(&self, s: &RfmScore) -> &str {
        self.rules
            .iter()
            .find(|r| r.matches(s))
            .map_or(self.fallback.as_str(), |r| r.segment.as_str())
    }

    /// Checks the map against `bins` score levels and builds a lookup table.
    ///
    /// # Errors
    /// [`RfmError::InvalidSegmentMap`] for an empty segment name, a range with `min > max` or
    /// `min < 1`, or a range reaching past `bins` (other than the "any" range `[1, 255]`);
    /// [`RfmError::InvalidBins`] outside `2..=100`.
    pub fn compile(&self, bins: u8) -> Result<Segmenter> {
        if !(crate::score::MIN_BINS..=crate::score::MAX_BINS).contains(&bins) {
            return Err(RfmError::InvalidBins(bins.into()));
        }
        if self.fallback.trim().is_empty() {
            return Err(RfmError::InvalidSegmentMap(
                "the fallback segment name is empty".into(),
            ));
        }
        for (i, rule) in self.rules.iter().enumerate() {
            let bad = |msg: String| {
                RfmError::InvalidSegmentMap(format!("rule {} ({:?}): {msg}", i + 1, rule.segment))
            };
            if rule.segment.trim().is_empty() {
                return Err(bad("empty segment name".into()));
            }
            for (dim, r) in [("r", rule.r), ("f", rule.f), ("m", rule.m)] {
                if r.min < 1 || r.min > r.max {
                    return Err(bad(format!("{dim} range [{}, {}] is empty", r.min, r.max)));
                }
                if r.max > bins && r.max != u8::MAX {
                    return Err(bad(format!(
                        "{dim} range [{}, {}] reaches past the {bins} score levels in use \
                         (the built-in maps are for 5 levels)",
                        r.min, r.max
                    )));
                }
            }
        }
        let mut names: Vec<String> = Vec::new();
        let mut index_of = |name: &str| -> u16 {
            match names.iter().position(|n| n == name) {
                Some(i) => i as u16,
                None => {
                    names.push(name.to_string());
                    (names.len() - 1) as u16
                }
            }
        };
        let rule_idx: Vec<u16> = self.rules.iter().map(|r| index_of(&r.segment)).collect();
        let fallback = index_of(&self.fallback);
        let n = usize::from(bins);
        let mut table = vec![fallback; n * n * n];
        for r in 1..=bins {
            for f in 1..=bins {
                for m in 1..=bins {
                    let s = RfmScore { r, f, m };
                    if let Some(i) = self.rules.iter().position(|x| x.matches(&s)) {
                        table[cell(bins, &s)] = rule_idx[i];
                    }
                }
            }
        }
        Ok(Segmenter {
            bins,
            names,
            table,
            fallback,
        })
    }
}

fn cell(bins: u8, s: &RfmScore) -> usize {
    let n = usize::from(bins);
    (usize::from(s.r) - 1) * n * n + (usize::from(s.f) - 1) * n + (usize::from(s.m) - 1)
}

/// A compiled [`SegmentMap`]: one table lookup per customer.
///
/// ```
/// use crm_analytics::rfm::{RfmScore, SegmentMap};
/// let seg = SegmentMap::standard().compile(5)?;
/// let s = |r, f, m| RfmScore { r, f, m };
/// assert_eq!(seg.name_of(&s(5, 5, 1)), "Champions");
/// assert_eq!(seg.name_of(&s(1, 5, 5)), "Can't Lose Them");
/// assert_eq!(seg.name_of(&s(3, 3, 2)), "Need Attention");
/// let lost = SegmentMap::with_lost().compile(5)?;
/// assert_eq!(lost.name_of(&s(1, 1, 1)), "Lost");
/// assert_eq!(lost.name_of(&s(1, 1, 4)), "Hibernating");
/// # Ok::<(), crm_analytics::rfm::RfmError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segmenter {
    bins: u8,
    names: Vec<String>,
    table: Vec<u16>,
    fallback: u16,
}

impl Segmenter {
    /// Segment names in order of first appearance in the map (rules, then the fallback).
    #[must_use]
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Index of the fallback segment in [`Segmenter::names`].
    #[must_use]
    pub fn fallback(&self) -> usize {
        usize::from(self.fallback)
    }

    /// Number of score levels the table was built for.
    #[must_use]
    pub fn bins(&self) -> u8 {
        self.bins
    }

    /// Index (into [`Segmenter::names`]) of the segment of `s`; scores outside `1..=bins` get
    /// the fallback.
    #[must_use]
    #[inline]
    pub fn classify(&self, s: &RfmScore) -> usize {
        let ok = |x: u8| (1..=self.bins).contains(&x);
        if ok(s.r) && ok(s.f) && ok(s.m) {
            usize::from(
                self.table
                    .get(cell(self.bins, s))
                    .copied()
                    .unwrap_or(self.fallback),
            )
        } else {
            usize::from(self.fallback)
        }
    }

    /// Name of the segment of `s`.
    #[must_use]
    pub fn name_of(&self, s: &RfmScore) -> &str {
        self.names.get(self.classify(s)).map_or("", String::as_str)
    }

    /// Segment index of every score, parallel to `scores` (the low-level form;
    /// [`crate::analyze_rows`] gives rows that carry the customer and its segment).
    #[must_use]
    pub fn classify_all(&self, scores: &[RfmScore]) -> Vec<u16> {
        scores.iter().map(|s| self.classify(s) as u16).collect()
    }
}
