//! Survey responses: NPS, CSAT and CES, each validated against its scale.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::CustomerKey;
use crate::error::{ModelError, Result};

fn check_range(field: &'static str, value: u8, min: u8, max: u8) -> Result<u8> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ModelError::OutOfRange {
            field,
            value: f64::from(value),
            min: f64::from(min),
            max: f64::from(max),
        })
    }
}

/// Answer to "How likely are you to recommend us to a friend or colleague?" on 0..=10.
///
/// ```
/// use crm_analytics::model::{NpsCategory, NpsScore};
/// assert_eq!(NpsScore::new(9)?.category(), NpsCategory::Promoter);
/// assert_eq!(NpsScore::new(7)?.category(), NpsCategory::Passive);
/// assert_eq!(NpsScore::new(6)?.category(), NpsCategory::Detractor);
/// assert!(NpsScore::new(11).is_err());
/// # Ok::<(), crm_analytics::model::ModelError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct NpsScore(u8);

/// NPS respondent category (Reichheld 2003): 9-10 promoter, 7-8 passive, 0-6 detractor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NpsCategory {
    /// 0 to 6.
    Detractor,
    /// 7 or 8.
    Passive,
    /// 9 or 10.
    Promoter,
}

impl NpsScore {
    /// A score in 0..=10.
    ///
    /// # Errors
    /// [`ModelError::OutOfRange`] otherwise.
    pub fn new(value: u8) -> Result<Self> {
        check_range("nps score", value, 0, 10).map(NpsScore)
    }
    /// The score.
    #[must_use]
    pub const fn get(self) -> u8 {
        self.0
    }
    /// Promoter, passive or detractor.
    #[must_use]
    pub const fn category(self) -> NpsCategory {
        match self.0 {
            9..=10 => NpsCategory::Promoter,
            7..=8 => NpsCategory::Passive,
            _ => NpsCategory::Detractor,
        }
    }
}

impl TryFrom<u8> for NpsScore {
    type Error = ModelError;
    fn try_from(v: u8) -> Result<Self> {
        NpsScore::new(v)
    }
}
impl From<NpsScore> for u8 {
    fn from(s: NpsScore) -> u8 {
        s.0
    }
}

/// The scale a CSAT question was asked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum CsatScale {
    /// 1 (very unsatisfied) to 5 (very satisfied): the common default.
    #[default]
    #[serde(rename = "1-5")]
    OneToFive,
    /// 1 to 7.
    #[serde(rename = "1-7")]
    OneToSeven,
    /// 1 to 10.
    #[serde(rename = "1-10")]
    OneToTen,
}

impl crate::Named for CsatScale {
    const CHOICES: &'static [crate::Choice<Self>] = &[
        crate::Choice::new("1-5", CsatScale::OneToFive, "1 to 5 (top two boxes: 4-5)."),
        crate::Choice::new("1-7", CsatScale::OneToSeven, "1 to 7 (6-7)."),
        crate::Choice::new("1-10", CsatScale::OneToTen, "1 to 10 (9-10)."),
    ];
}

impl CsatScale {
    /// Highest value on the scale (lowest is always 1).
    #[must_use]
    pub const fn max(self) -> u8 {
        match self {
            CsatScale::OneToFive => 5,
            CsatScale::OneToSeven => 7,
            CsatScale::OneToTen => 10,
        }
    }
    /// True for the top two boxes of the scale (4-5 on 1-5, 6-7 on 1-7, 9-10 on 1-10).
    #[must_use]
    pub const fn is_top_two_box(self, value: u8) -> bool {
        value + 1 >= self.max()
    }
}

/// A CSAT answer with its scale.
///
/// ```
/// use crm_analytics::model::{CsatScale, CsatScore};
/// let s = CsatScore::new(4, CsatScale::OneToFive)?;
/// assert!(s.is_satisfied());
/// assert!(CsatScore::new(6, CsatScale::OneToFive).is_err());
/// # Ok::<(), crm_analytics::model::ModelError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawScaled<CsatScale>", into = "RawScaled<CsatScale>")]
pub struct CsatScore {
    value: u8,
    scale: CsatScale,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct RawScaled<S> {
    value: u8,
    scale: S,
}

impl CsatScore {
    /// A score on `scale`.
    ///
    /// # Errors
    /// [`ModelError::OutOfRange`] when `value` is not on the scale.
    pub fn new(value: u8, scale: CsatScale) -> Result<Self> {
        check_range("csat score", value, 1, scale.max()).map(|value| CsatScore { value, scale })
    }
    /// The value.
    #[must_use]
    pub const fn get(self) -> u8 {
        self.value
    }
    /// The scale.
    #[must_use]
    pub const fn scale(self) -> CsatScale {
        self.scale
    }
    /// Top-two-box: the answer counts as "satisfied".
    #[must_use]
    pub const fn is_satisfied(self) -> bool {
        self.scale.is_top_two_box(self.value)
    }
}

impl TryFrom<RawScaled<CsatScale>> for CsatScore {
    type Error = ModelError;
    fn try_from(r: RawScaled<CsatScale>) -> Result<Self> {
        CsatScore::new(r.value, r.scale)
    }
}
impl From<CsatScore> for RawScaled<CsatScale> {
    fn from(s: CsatScore) -> Self {
        RawScaled {
            value: s.value,
            scale: s.scale,
        }
    }
}

/// The Customer Effort Score question version; the versions run in opposite directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CesVersion {
    /// CEB 2010: "How much effort did you personally have to put forth?" 1 (very low effort) to 5
    /// (very high effort). Lower is better.
    V1,
    /// CEB 2013: "The company made it easy for me to handle my issue", 1 (strongly disagree) to 7
    /// (strongly agree). Higher is better.
    V2,
}

impl crate::Named for CesVersion {
    const CHOICES: &'static [crate::Choice<Self>] = &[
        crate::Choice::new(
            "v1",
            CesVersion::V1,
            "CEB 2010: 1 (very low effort) to 5 (very high effort); lower is better.",
        ),
        crate::Choice::new(
            "v2",
            CesVersion::V2,
            "CEB 2013: 1 (strongly disagree it was easy) to 7 (strongly agree); higher is better.",
        ),
    ];
}

impl CesVersion {
    /// Highest value on the scale (lowest is 1).
    #[must_use]
    pub const fn max(self) -> u8 {
        match self {
            CesVersion::V1 => 5,
            CesVersion::V2 => 7,
        }
    }
    /// True when a higher answer means less effort (a better experience).
    #[must_use]
    pub const fn higher_is_better(self) -> bool {
        matches!(self, CesVersion::V2)
    }
}

/// A CES answer with its version.
///
/// ```
/// use crm_analytics::model::{CesScore, CesVersion};
/// assert!(CesScore::new(7, CesVersion::V2).is_ok());
/// assert!(CesScore::new(7, CesVersion::V1).is_err());
/// # Ok::<(), crm_analytics::model::ModelError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawScaled<CesVersion>", into = "RawScaled<CesVersion>")]
pub struct CesScore {
    value: u8,
    scale: CesVersion,
}

impl CesScore {
    /// A score of `version`.
    ///
    /// # Errors
    /// [`ModelError::OutOfRange`] when `value` is not on the version's scale.
    pub fn new(value: u8, version: CesVersion) -> Result<Self> {
        check_range("ces score", value, 1, version.max()).map(|value| CesScore {
            value,
            scale: version,
        })
    }
    /// The value.
    #[must_use]
    pub const fn get(self) -> u8 {
        self.value
    }
    /// The version.
    #[must_use]
    pub const fn version(self) -> CesVersion {
        self.scale
    }
}

impl TryFrom<RawScaled<CesVersion>> for CesScore {
    type Error = ModelError;
    fn try_from(r: RawScaled<CesVersion>) -> Result<Self> {
        CesScore::new(r.value, r.scale)
    }
}
impl From<CesScore> for RawScaled<CesVersion> {
    fn from(s: CesScore) -> Self {
        RawScaled {
            value: s.value,
            scale: s.scale,
        }
    }
}

/// One answer of a survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum SurveyAnswer {
    /// Net Promoter Score question.
    Nps {
        /// The score.
        score: NpsScore,
    },
    /// Customer satisfaction question.
    Csat {
        /// The score.
        score: CsatScore,
    },
    /// Customer effort question.
    Ces {
        /// The score.
        score: CesScore,
    },
}

/// A survey response: who (if known), when, what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SurveyResponse {
    /// Respondent, when the survey is not anonymous.
    pub customer: Option<CustomerKey>,
    /// Date answered.
    pub date: NaiveDate,
    /// The answer (already validated by its score type).
    pub answer: SurveyAnswer,
}
