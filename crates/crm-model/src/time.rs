//! Time units as types, and half-open periods.
//!
//! Nothing here assumes a 30-day month: day and week are fixed lengths (1 and 7 days); month,
//! quarter and year follow the calendar. Elapsed time in a calendar unit counts whole calendar
//! units first, then the remaining days as a fraction of the next unit's actual length:
//!
//! ```text
//! elapsed(from, to, Month) = k + (to - add_months(from, k)) / (add_months(from, k+1) - add_months(from, k))
//!   where k = the largest whole number of months with add_months(from, k) <= to
//! ```
//!
//! ```
//! use crm_analytics::model::chrono::NaiveDate;
//! use crm_analytics::model::TimeUnit;
//! let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
//! assert_eq!(TimeUnit::Week.elapsed(d(1997, 1, 1), d(1997, 1, 15)), 2.0);
//! assert_eq!(TimeUnit::Month.elapsed(d(2024, 1, 31), d(2024, 2, 29)), 1.0); // end-of-month clamps
//! assert_eq!(TimeUnit::Month.elapsed(d(2024, 2, 1), d(2024, 2, 15)), 14.0 / 29.0);
//! assert_eq!(TimeUnit::Year.elapsed(d(2023, 7, 1), d(2025, 7, 1)), 2.0);
//! ```

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};

/// A named unit of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// One calendar day.
    Day,
    /// Seven days; calendar weeks start on Monday (ISO 8601).
    Week,
    /// One calendar month (28 to 31 days).
    Month,
    /// Three calendar months, starting January, April, July, October.
    Quarter,
    /// One calendar year.
    Year,
}

impl TimeUnit {
    /// All units, shortest first.
    pub const ALL: [TimeUnit; 5] = [
        TimeUnit::Day,
        TimeUnit::Week,
        TimeUnit::Month,
        TimeUnit::Quarter,
        TimeUnit::Year,
    ];

    /// Fixed length in days for day and week; `None` for calendar units.
    #[must_use]
    pub const fn fixed_days(self) -> Option<i64> {
        match self {
            TimeUnit::Day => Some(1),
            TimeUnit::Week => Some(7),
            _ => None,
        }
    }

    /// Length in calendar months for month, quarter and year; `None` for day and week.
    #[must_use]
    pub const fn months(self) -> Option<u32> {
        match self {
            TimeUnit::Month => Some(1),
            TimeUnit::Quarter => Some(3),
            TimeUnit::Year => Some(12),
            _ => None,
        }
    }

    /// Exact elapsed time from `from` to `to` in this unit (negative when `to < from`).
    #[must_use]
    pub fn elapsed(self, from: NaiveDate, to: NaiveDate) -> f64 {
        if to < from {
            return -self.elapsed(to, from);
        }
        let days = (to - from).num_days();
        if let Some(n) = self.fixed_days() {
            return days as f64 / n as f64;
        }
        let step = self.months().unwrap_or(1);
        // Estimate whole units from the month difference, then correct by at most one step.
        let month_diff = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
        let mut k = (month_diff.max(0) as u32) / step;
        let at = |k: u32| from.checked_add_months(Months::new(k * step));
        while k > 0 && at(k).is_none_or(|d| d > to) {
            k -= 1;
        }
        while at(k + 1).is_some_and(|d| d <= to) {
            k += 1;
        }
        let (Some(lo), Some(hi)) = (at(k), at(k + 1)) else {
            return f64::from(k);
        };
        f64::from(k) + (to - lo).num_days() as f64 / (hi - lo).num_days() as f64
    }

    /// `date` moved by `n` units (calendar units clamp to the month's last day, as chrono does).
    ///
    /// # Errors
    /// [`ModelError::DateOverflow`] outside chrono's calendar range.
    pub fn add(self, date: NaiveDate, n: i64) -> Result<NaiveDate> {
        let out = if let Some(d) = self.fixed_days() {
            let days = n.checked_mul(d).ok_or(ModelError::DateOverflow)?;
            if days >= 0 {
                date.checked_add_days(Days::new(days.unsigned_abs()))
            } else {
                date.checked_sub_days(Days::new(days.unsigned_abs()))
            }
        } else {
            let months = n
                .checked_mul(i64::from(self.months().unwrap_or(1)))
                .and_then(|m| u32::try_from(m.unsigned_abs()).ok())
                .ok_or(ModelError::DateOverflow)?;
            if n >= 0 {
                date.checked_add_months(Months::new(months))
            } else {
                date.checked_sub_months(Months::new(months))
            }
        };
        out.ok_or(ModelError::DateOverflow)
    }

    /// The first day of the calendar period of this unit that contains `date` (Monday for weeks).
    #[must_use]
    pub fn truncate(self, date: NaiveDate) -> NaiveDate {
        let first_of = |m: u32| NaiveDate::from_ymd_opt(date.year(), m, 1).unwrap_or(date);
        match self {
            TimeUnit::Day => date,
            TimeUnit::Week => date
                .checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
                .unwrap_or(date),
            TimeUnit::Month => first_of(date.month()),
            TimeUnit::Quarter => first_of((date.month0() / 3) * 3 + 1),
            TimeUnit::Year => first_of(1),
        }
    }

    /// Signed number of whole calendar periods between the periods containing `from` and `to`
    /// (0 when both fall in the same period). This is the cohort "period index".
    #[must_use]
    pub fn periods_between(self, from: NaiveDate, to: NaiveDate) -> i64 {
        let month_index = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
        match self {
            TimeUnit::Day => (to - from).num_days(),
            TimeUnit::Week => (self.truncate(to) - self.truncate(from)).num_days() / 7,
            _ => {
                let step = i64::from(self.months().unwrap_or(1));
                month_index(self.truncate(to)).div_euclid(step)
                    - month_index(self.truncate(from)).div_euclid(step)
            }
        }
    }

    /// The calendar period of this unit that contains `date`.
    ///
    /// # Errors
    /// [`ModelError::DateOverflow`] at the end of chrono's calendar range.
    pub fn period_of(self, date: NaiveDate) -> Result<Period> {
        let start = self.truncate(date);
        Period::new(start, self.add(start, 1)?)
    }

    /// The calendar periods of this unit that overlap `range`, in order (the first and last may
    /// extend beyond `range`).
    pub fn periods(self, range: Period) -> impl Iterator<Item = Period> {
        let mut next = Some(self.truncate(range.start));
        std::iter::from_fn(move || {
            let start = next?;
            if start >= range.end {
                return None;
            }
            let end = self.add(start, 1).ok()?;
            next = Some(end);
            Some(Period { start, end })
        })
    }
}

impl fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
            TimeUnit::Month => "month",
            TimeUnit::Quarter => "quarter",
            TimeUnit::Year => "year",
        })
    }
}

impl crate::Named for TimeUnit {
    const CHOICES: &'static [crate::Choice<Self>] = &[
        crate::Choice::new("day", TimeUnit::Day, "Days."),
        crate::Choice::new(
            "week",
            TimeUnit::Week,
            "Weeks of 7 days (calendar weeks start on Monday).",
        ),
        crate::Choice::new("month", TimeUnit::Month, "Calendar months."),
        crate::Choice::new("quarter", TimeUnit::Quarter, "Calendar quarters."),
        crate::Choice::new("year", TimeUnit::Year, "Calendar years."),
    ];
}

impl FromStr for TimeUnit {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().trim_end_matches('s') {
            "day" | "d" => Ok(TimeUnit::Day),
            "week" | "w" => Ok(TimeUnit::Week),
            "month" | "m" => Ok(TimeUnit::Month),
            "quarter" | "q" => Ok(TimeUnit::Quarter),
            "year" | "y" => Ok(TimeUnit::Year),
            _ => Err(ModelError::Unknown {
                field: "time unit",
                value: s.to_string(),
            }),
        }
    }
}

/// A half-open date range `[start, end)`: `start` is inside, `end` is the first day after.
///
/// ```
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::Period;
/// let d = |m, d| NaiveDate::from_ymd_opt(2024, m, d).unwrap();
/// let q1 = Period::new(d(1, 1), d(4, 1))?;
/// assert!(q1.contains(d(3, 31)) && !q1.contains(d(4, 1)));
/// assert_eq!(q1.days(), 91);
/// # Ok::<(), crm_analytics::model::ModelError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "RawPeriod")]
pub struct Period {
    start: NaiveDate,
    end: NaiveDate,
}

#[derive(Deserialize)]
struct RawPeriod {
    start: NaiveDate,
    end: NaiveDate,
}

impl TryFrom<RawPeriod> for Period {
    type Error = ModelError;
    fn try_from(r: RawPeriod) -> Result<Self> {
        Period::new(r.start, r.end)
    }
}

impl Period {
    /// A period `[start, end)`.
    ///
    /// # Errors
    /// [`ModelError::DatesOutOfOrder`] unless `start < end`.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self> {
        if end <= start {
            return Err(ModelError::DatesOutOfOrder {
                field: "period start/end (end must be after start)",
                earlier: start,
                later: end,
            });
        }
        Ok(Period { start, end })
    }

    /// The period from `first` to `last`, both days inside (as people write a date range).
    ///
    /// ```
    /// use crm_analytics::model::{chrono::NaiveDate, Period};
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let q1 = Period::inclusive(d(1, 1), d(3, 31))?;
    /// assert_eq!((q1.start(), q1.end(), q1.last_day()), (d(1, 1), d(4, 1), d(3, 31)));
    /// assert!(Period::inclusive(d(2, 1), d(1, 31)).is_err());
    /// assert!(Period::inclusive(d(5, 5), d(5, 5)).is_ok()); // one day
    /// # Ok::<(), crm_analytics::model::ModelError>(())
    /// ```
    ///
    /// # Errors
    /// [`ModelError::DatesOutOfOrder`] when `last` is before `first`;
    /// [`ModelError::DateOverflow`] when `last` is the calendar's last day.
    pub fn inclusive(first: NaiveDate, last: NaiveDate) -> Result<Self> {
        Period::new(first, last.succ_opt().ok_or(ModelError::DateOverflow)?)
    }

    /// First day inside the period.
    #[must_use]
    pub const fn start(&self) -> NaiveDate {
        self.start
    }

    /// First day after the period.
    #[must_use]
    pub const fn end(&self) -> NaiveDate {
        self.end
    }

    /// Last day inside the period.
    #[must_use]
    pub fn last_day(&self) -> NaiveDate {
        self.end.pred_opt().unwrap_or(self.start)
    }

    /// True when `start <= date < end`.
    #[must_use]
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date < self.end
    }

    /// Number of days in the period.
    #[must_use]
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days()
    }

    /// Length of the period in `unit` (exact, see [`TimeUnit::elapsed`]).
    #[must_use]
    pub fn length(&self, unit: TimeUnit) -> f64 {
        unit.elapsed(self.start, self.end)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {})", self.start, self.end)
    }
}

/// Parses a date in ISO form `YYYY-MM-DD` or compact `YYYYMMDD`.
///
/// # Errors
/// [`ModelError::UnparseableDate`] naming `field`.
pub fn parse_date(field: &'static str, text: &str) -> Result<NaiveDate> {
    let t = text.trim();
    let fmt = if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        "%Y%m%d"
    } else {
        "%Y-%m-%d"
    };
    NaiveDate::parse_from_str(t, fmt).map_err(|_| ModelError::UnparseableDate {
        field,
        value: text.to_string(),
        expected: "YYYY-MM-DD or YYYYMMDD".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn calendar_elapsed() {
        assert_eq!(TimeUnit::Month.elapsed(d(2024, 1, 15), d(2024, 3, 15)), 2.0);
        assert_eq!(
            TimeUnit::Month.elapsed(d(2024, 1, 15), d(2024, 2, 1)),
            17.0 / 31.0
        );
        assert_eq!(TimeUnit::Quarter.elapsed(d(2024, 1, 1), d(2024, 7, 1)), 2.0);
        assert_eq!(TimeUnit::Year.elapsed(d(2024, 2, 29), d(2025, 2, 28)), 1.0);
        assert_eq!(TimeUnit::Day.elapsed(d(2024, 3, 1), d(2024, 2, 28)), -2.0);
        assert_eq!(TimeUnit::Month.elapsed(d(2024, 3, 1), d(2024, 1, 1)), -2.0);
    }

    #[test]
    fn truncate_and_periods() {
        assert_eq!(TimeUnit::Week.truncate(d(2024, 6, 9)), d(2024, 6, 3)); // Sunday -> Monday
        assert_eq!(TimeUnit::Quarter.truncate(d(2024, 6, 9)), d(2024, 4, 1));
        assert_eq!(
            TimeUnit::Month.periods_between(d(2023, 12, 31), d(2024, 1, 1)),
            1
        );
        assert_eq!(
            TimeUnit::Week.periods_between(d(2024, 6, 3), d(2024, 6, 9)),
            0
        );
        assert_eq!(
            TimeUnit::Week.periods_between(d(2024, 6, 3), d(2024, 6, 10)),
            1
        );
        assert_eq!(
            TimeUnit::Quarter.periods_between(d(2023, 12, 31), d(2024, 4, 1)),
            2
        );
        let p: Vec<_> = TimeUnit::Month
            .periods(Period::new(d(2024, 1, 15), d(2024, 3, 2)).unwrap())
            .collect();
        assert_eq!(p.len(), 3);
        assert_eq!(p[1], Period::new(d(2024, 2, 1), d(2024, 3, 1)).unwrap());
        assert!(Period::new(d(2024, 1, 1), d(2024, 1, 1)).is_err());
    }

    #[test]
    fn parse_dates() {
        assert_eq!(parse_date("date", "19970101").unwrap(), d(1997, 1, 1));
        assert_eq!(parse_date("date", " 1997-01-01").unwrap(), d(1997, 1, 1));
        let e = parse_date("date", "1997/01/01").unwrap_err();
        assert!(e.to_string().contains("\"1997/01/01\""), "{e}");
    }

    proptest! {
        #[test]
        fn elapsed_is_monotone_and_consistent(a in 0i64..20000, b in 0i64..20000) {
            let base = d(1990, 1, 1);
            let x = base + chrono::Duration::days(a);
            let y = base + chrono::Duration::days(b);
            for u in TimeUnit::ALL {
                let e = u.elapsed(x, y);
                prop_assert!(e.is_finite());
                prop_assert_eq!(e, -u.elapsed(y, x));
                if a <= b { prop_assert!(e >= 0.0); }
                // Adding whole units lands on whole elapsed values.
                let z = u.add(x, 3).unwrap();
                prop_assert!((u.elapsed(x, z) - 3.0).abs() < 1e-12);
            }
        }
    }
}
