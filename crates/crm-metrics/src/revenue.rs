//! Revenue churn and retention from MRR movements: gross and net MRR churn, GRR, NRR, quick ratio.

use crm_model::rust_decimal::Decimal;
use crm_model::{
    CurrencyGuard, Limits, MrrMovement, MrrMovementKind, Period, TimeUnit, checked_amount_add,
    checked_amount_sub, to_f64,
};
use serde::Serialize;

use crate::error::{MetricsError, Result};

/// Mergeable sums of MRR movements inside one period, by kind.
///
/// Movements dated outside the period are counted in [`MrrTotals::outside_period`] and otherwise
/// ignored. Currencies are checked: mixing two is an error.
///
/// ```
/// use crm_analytics::metrics::revenue::RevenueState;
/// use crm_analytics::model::{CustomerKey, MrrMovement, MrrMovementKind as K, Period};
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::rust_decimal::Decimal;
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let jan = Period::new(d(1, 1), d(2, 1))?;
/// let mv = |k, a: i64| MrrMovement::new(CustomerKey::from_index(0), d(1, 15), k, Decimal::from(a));
/// let mut s = RevenueState::new(jan);
/// for m in [mv(K::New, 2_000)?, mv(K::Expansion, 1_500)?, mv(K::Contraction, 300)?,
///           mv(K::Churn, 700)?, mv(K::Reactivation, 200)?] {
///     s.push(&m)?;
/// }
/// let r = s.finish(Decimal::from(10_000))?;   // starting MRR
/// assert_eq!(r.ending_mrr, Decimal::from(12_700));
/// assert!((r.gross_mrr_churn - 0.10).abs() < 1e-12);     // (700 + 300) / 10 000
/// assert!((r.net_mrr_churn - (-0.05)).abs() < 1e-12);    // (1000 - 1500) / 10 000
/// assert!((r.grr - 0.90).abs() < 1e-12 && (r.nrr - 1.05).abs() < 1e-12);
/// assert!((r.quick_ratio.unwrap() - 3.7).abs() < 1e-12); // (2000 + 1500 + 200) / 1000
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevenueState {
    period: Period,
    totals: MrrTotals,
    /// Net (signed) MRR of the movements dated before the period.
    before: Decimal,
    currency: CurrencyGuard,
}

/// Sums of movement amounts (magnitudes) by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MrrTotals {
    /// New MRR.
    pub new: Decimal,
    /// Expansion MRR.
    pub expansion: Decimal,
    /// Contraction MRR (magnitude).
    pub contraction: Decimal,
    /// Churned MRR (magnitude).
    pub churn: Decimal,
    /// Reactivation MRR.
    pub reactivation: Decimal,
    /// Movements dated outside the period (ignored).
    pub outside_period: u64,
}

impl RevenueState {
    /// An empty state for `period`.
    #[must_use]
    pub fn new(period: Period) -> Self {
        RevenueState {
            period,
            totals: MrrTotals::default(),
            before: Decimal::ZERO,
            currency: CurrencyGuard::new(),
        }
    }
    /// Adds one movement.
    ///
    /// # Errors
    /// [`crm_model::ModelError::CurrencyMismatch`] when currencies mix;
    /// [`crm_model::ModelError::AmountOverflow`] when a total leaves the decimal range (the
    /// state is left unchanged).
    pub fn push(&mut self, m: &MrrMovement) -> Result<()> {
        self.currency.check(m.currency())?;
        if !self.period.contains(m.date()) {
            if m.date() < self.period.start() {
                self.before =
                    checked_amount_add(self.before, m.signed_amount(), "MRR before the period")?;
            }
            self.totals.outside_period += 1;
            return Ok(());
        }
        let t = &mut self.totals;
        let slot = match m.kind() {
            MrrMovementKind::New => &mut t.new,
            MrrMovementKind::Expansion => &mut t.expansion,
            MrrMovementKind::Contraction => &mut t.contraction,
            MrrMovementKind::Churn => &mut t.churn,
            MrrMovementKind::Reactivation => &mut t.reactivation,
        };
        *slot = checked_amount_add(*slot, m.amount(), "MRR movement total")?;
        Ok(())
    }
    /// The state of `movements` over `period`, pushed in order (one call).
    ///
    /// # Errors
    /// As [`RevenueState::push`], wrapped in [`crm_model::ModelError::AtRecord`] with the
    /// movement's index.
    pub fn from_movements(period: Period, movements: &[MrrMovement]) -> Result<Self> {
        let mut s = RevenueState::new(period);
        for (i, m) in movements.iter().enumerate() {
            s.push(m).map_err(|e| crate::error::at_record(e, i))?;
        }
        Ok(s)
    }
    /// Combines two states over the same period.
    ///
    /// # Errors
    /// [`MetricsError::Incompatible`] for different periods; currency mismatch;
    /// [`crm_model::ModelError::AmountOverflow`] (the state is left unchanged).
    pub fn merge(&mut self, o: &RevenueState) -> Result<()> {
        if o.period != self.period {
            return Err(MetricsError::Incompatible {
                what: "revenue periods",
                left: self.period.to_string(),
                right: o.period.to_string(),
            });
        }
        let (a, b) = (&self.totals, &o.totals);
        let add = |x, y| checked_amount_add(x, y, "MRR movement total");
        let sum = MrrTotals {
            new: add(a.new, b.new)?,
            expansion: add(a.expansion, b.expansion)?,
            contraction: add(a.contraction, b.contraction)?,
            churn: add(a.churn, b.churn)?,
            reactivation: add(a.reactivation, b.reactivation)?,
            outside_period: a.outside_period.saturating_add(b.outside_period),
        };
        let before = checked_amount_add(self.before, o.before, "MRR before the period")?;
        self.currency.check(o.currency.currency())?;
        self.totals = sum;
        self.before = before;
        Ok(())
    }
    /// The totals so far.
    #[must_use]
    pub fn totals(&self) -> MrrTotals {
        self.totals
    }
    /// The revenue figures given the MRR at the start of the period.
    ///
    /// # Errors
    /// As [`RevenueMetrics::from_totals`].
    pub fn finish(&self, starting_mrr: Decimal) -> Result<RevenueMetrics> {
        RevenueMetrics::from_totals(starting_mrr, self.totals)
    }
    /// The MRR at the start of the period as the movements tell it: the net of every movement
    /// dated before the period (new, expansion and reactivation add, contraction and churn
    /// subtract). Only right when the movements go back to the first subscription.
    ///
    /// ```
    /// use crm_analytics::metrics::revenue::RevenueState;
    /// use crm_analytics::model::{CustomerKey, MrrMovement, MrrMovementKind, Period};
    /// use crm_analytics::model::{chrono::NaiveDate, rust_decimal::Decimal};
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let mut s = RevenueState::new(Period::new(d(2, 1), d(3, 1))?);
    /// let c = CustomerKey::from_index(0);
    /// s.push(&MrrMovement::new(c, d(1, 5), MrrMovementKind::New, Decimal::from(100))?)?;
    /// s.push(&MrrMovement::new(c, d(1, 20), MrrMovementKind::Contraction, Decimal::from(30))?)?;
    /// s.push(&MrrMovement::new(c, d(2, 10), MrrMovementKind::Expansion, Decimal::from(10))?)?;
    /// assert_eq!(s.mrr_before_period(), Decimal::from(70));
    /// assert_eq!(s.finish(s.mrr_before_period())?.ending_mrr, Decimal::from(80));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn mrr_before_period(&self) -> Decimal {
        self.before
    }
}

/// Revenue figures for each week, month or quarter of a range, chained: each period starts from
/// the MRR the period before ended with (the first from the net of every movement before it),
/// so the periods add up to the whole range. One [`RevenueState`] per period, mergeable,
/// bounded by [`Limits`].
///
/// ```
/// use crm_analytics::metrics::revenue::RevenueSeries;
/// use crm_analytics::model::{CustomerKey, Limits, MrrMovement, MrrMovementKind as K, Period, TimeUnit};
/// use crm_analytics::model::{chrono::NaiveDate, rust_decimal::Decimal};
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mv = |m, day, k, a: i64| MrrMovement::new(CustomerKey::from_index(0), d(m, day), k, Decimal::from(a));
/// let feb_to_apr = Period::inclusive(d(2, 1), d(4, 30))?;
/// let mut s = RevenueSeries::every(feb_to_apr, TimeUnit::Month, &Limits::default())?;
/// for m in [mv(1, 15, K::New, 100)?, mv(2, 10, K::Expansion, 20)?, mv(4, 5, K::Churn, 120)?] {
///     s.push(&m)?;
/// }
/// let months = s.finish();
/// let start = |i: usize| months[i].1.as_ref().unwrap().starting_mrr;
/// assert_eq!((start(0), start(1), start(2)), (Decimal::from(100), Decimal::from(120), Decimal::from(120)));
/// assert_eq!(months[2].1.as_ref().unwrap().ending_mrr, Decimal::ZERO);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevenueSeries {
    /// One state per period, in order; movements before the first period go to the first (its
    /// MRR before the period), movements after the last to the last (counted outside).
    states: Vec<RevenueState>,
}

impl RevenueSeries {
    /// A series over `periods` (in order, not overlapping).
    #[must_use]
    pub fn new(periods: &[Period]) -> Self {
        RevenueSeries {
            states: periods.iter().map(|p| RevenueState::new(*p)).collect(),
        }
    }

    /// A series over the calendar periods of `unit` that overlap `range` (the first and the last
    /// may reach beyond it).
    ///
    /// # Errors
    /// [`crm_model::ModelError::LimitExceeded`] for more periods than
    /// [`Limits::max_periods`] (weeks and days: [`Limits::max_weekly_periods`]).
    pub fn every(range: Period, unit: TimeUnit, limits: &Limits) -> Result<Self> {
        Ok(Self::new(&crate::periods::every(
            range,
            unit,
            limits,
            "revenue series",
        )?))
    }

    /// Adds one movement to the period it falls in.
    ///
    /// # Errors
    /// As [`RevenueState::push`].
    pub fn push(&mut self, m: &MrrMovement) -> Result<()> {
        let k = self.states.partition_point(|s| s.period.end() <= m.date());
        match self.states.len() {
            0 => Ok(()),
            n => self.states[k.min(n - 1)].push(m),
        }
    }

    /// Combines two series over the same periods.
    ///
    /// # Errors
    /// [`MetricsError::Incompatible`] for different periods; as [`RevenueState::merge`].
    pub fn merge(&mut self, o: &RevenueSeries) -> Result<()> {
        if o.states.len() != self.states.len() {
            return Err(MetricsError::Incompatible {
                what: "revenue series",
                left: format!("{} periods", self.states.len()),
                right: format!("{} periods", o.states.len()),
            });
        }
        for (a, b) in self.states.iter_mut().zip(&o.states) {
            a.merge(b)?;
        }
        Ok(())
    }

    /// Each period with its figures, chained from the MRR before the first period (an error
    /// for a period that starts without MRR, whose rates are undefined; the chain goes on).
    #[must_use]
    pub fn finish(&self) -> Vec<(Period, Result<RevenueMetrics>)> {
        let mut start = Ok(self.states.first().map_or(Decimal::ZERO, |s| s.before));
        let mut out = Vec::with_capacity(self.states.len());
        for s in &self.states {
            out.push((s.period, start.clone().and_then(|m| s.finish(m))));
            start = start.and_then(|m| s.totals.ending_mrr(m));
        }
        out
    }
}

impl MrrTotals {
    /// The MRR at the end of a period that started with `starting_mrr`: plus new, expansion
    /// and reactivation, minus contraction and churn.
    ///
    /// # Errors
    /// [`crm_model::ModelError::AmountOverflow`] beyond the decimal range.
    pub fn ending_mrr(&self, starting_mrr: Decimal) -> Result<Decimal> {
        const F: &str = "MRR";
        let lost = checked_amount_add(self.churn, self.contraction, F)?;
        let gained = checked_amount_add(self.new, self.expansion, F)?;
        let gained = checked_amount_add(gained, self.reactivation, F)?;
        Ok(checked_amount_sub(
            checked_amount_add(starting_mrr, gained, F)?,
            lost,
            F,
        )?)
    }
}

/// Revenue churn and retention over a period (SaaS definitions).
///
/// ```text
/// gross MRR churn = (churn + contraction) / MRR_start
/// net MRR churn   = (churn + contraction - expansion) / MRR_start       (negative = net expansion)
/// GRR             = (MRR_start - churn - contraction) / MRR_start        (at most 100%)
/// NRR             = (MRR_start + expansion - contraction - churn) / MRR_start   (may exceed 100%)
/// quick ratio     = (new + expansion + reactivation) / (churn + contraction)    (Mamoon Hamid)
/// ending MRR      = MRR_start + new + expansion + reactivation - contraction - churn
/// ```
///
/// New and reactivation MRR come from customers who were not paying at the start, so they enter
/// neither GRR nor NRR. Edge cases: MRR_start = 0 is [`MetricsError::ZeroDenominator`]; the quick
/// ratio is `None` when nothing was lost (churn + contraction = 0). GRR is not clipped: a value
/// below 0 means the movements remove more than the starting MRR (inconsistent input).
/// References: ChartMogul, "SaaS metrics cheat sheet"; KeyBanc Capital Markets SaaS survey
/// (GRR/NRR); Hamid (2015), "Social Capital's quick ratio".
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RevenueMetrics {
    /// MRR at the start.
    pub starting_mrr: Decimal,
    /// MRR at the end implied by the movements.
    pub ending_mrr: Decimal,
    /// The movement totals.
    pub totals: MrrTotals,
    /// Gross MRR churn rate.
    pub gross_mrr_churn: f64,
    /// Net MRR churn rate (may be negative).
    pub net_mrr_churn: f64,
    /// Gross revenue retention.
    pub grr: f64,
    /// Net revenue retention.
    pub nrr: f64,
    /// Quick ratio, `None` when nothing was lost.
    pub quick_ratio: Option<f64>,
}

impl RevenueMetrics {
    /// Figures from the starting MRR and movement totals.
    ///
    /// # Errors
    /// [`MetricsError::ZeroDenominator`] when `starting_mrr` is 0;
    /// [`MetricsError::InvalidParameter`] when it is negative;
    /// [`crm_model::ModelError::AmountOverflow`] when a figure leaves the decimal range.
    pub fn from_totals(starting_mrr: Decimal, t: MrrTotals) -> Result<RevenueMetrics> {
        if starting_mrr.is_zero() {
            return Err(MetricsError::ZeroDenominator {
                metric: "revenue retention",
                denominator: "starting MRR",
            });
        }
        if starting_mrr.is_sign_negative() {
            return Err(MetricsError::InvalidParameter {
                name: "starting MRR",
                value: starting_mrr.to_string(),
                reason: "must be positive",
            });
        }
        let s = starting_mrr;
        const F: &str = "MRR";
        let lost = checked_amount_add(t.churn, t.contraction, F)?;
        let gained = checked_amount_add(
            checked_amount_add(t.new, t.expansion, F)?,
            t.reactivation,
            F,
        )?;
        let r = |x: Decimal| to_f64(x) / to_f64(s);
        Ok(RevenueMetrics {
            starting_mrr: s,
            ending_mrr: t.ending_mrr(s)?,
            totals: t,
            gross_mrr_churn: r(lost),
            net_mrr_churn: r(checked_amount_sub(lost, t.expansion, F)?),
            grr: r(checked_amount_sub(s, lost, F)?),
            nrr: r(checked_amount_sub(
                checked_amount_add(s, t.expansion, F)?,
                lost,
                F,
            )?),
            quick_ratio: (!lost.is_zero()).then(|| to_f64(gained) / to_f64(lost)),
        })
    }
}

/// Revenue figures for `period` from movements.
///
/// ```
/// use crm_analytics::metrics::model::chrono::NaiveDate;
/// use crm_analytics::metrics::model::{CustomerKey, MrrMovement, MrrMovementKind::*, Period};
/// use crm_analytics::metrics::revenue::revenue;
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mv = |c, day, kind, amount: i64| MrrMovement::new(CustomerKey::from_index(c), day, kind, amount.into());
/// let june = Period::new(d(6, 1), d(7, 1))?;
/// let moves = [
///     mv(0, d(6, 3), Expansion, 200)?,
///     mv(1, d(6, 9), Contraction, 50)?,
///     mv(2, d(6, 20), Churn, 100)?,
///     mv(3, d(6, 25), New, 300)?,
/// ];
/// let r = revenue(&moves, june, 1000.into())?;        // MRR on June 1: 1000
/// assert_eq!(r.gross_mrr_churn, 0.15);                // (50 + 100) / 1000
/// assert_eq!(r.net_mrr_churn, -0.05);                 // (150 - 200) / 1000: negative
/// assert_eq!(r.grr, 0.85);                            // (1000 - 150) / 1000
/// assert_eq!(r.nrr, 1.05);                            // (1000 + 200 - 150) / 1000
/// assert_eq!(r.quick_ratio, Some(500.0 / 150.0));     // (new + expansion) / lost
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`RevenueState::push`] (with the record index) and [`RevenueMetrics::from_totals`].
pub fn revenue(
    movements: &[MrrMovement],
    period: Period,
    starting_mrr: Decimal,
) -> Result<RevenueMetrics> {
    let mut s = RevenueState::new(period);
    for (i, m) in movements.iter().enumerate() {
        s.push(m).map_err(|e| match e {
            MetricsError::Model(m) => MetricsError::Model(m.at_record(i)),
            other => other,
        })?;
    }
    s.finish(starting_mrr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_model::CustomerKey;
    use crm_model::chrono::NaiveDate;
    use proptest::prelude::*;

    fn kind(i: u8) -> MrrMovementKind {
        [
            MrrMovementKind::New,
            MrrMovementKind::Expansion,
            MrrMovementKind::Contraction,
            MrrMovementKind::Churn,
            MrrMovementKind::Reactivation,
        ][usize::from(i % 5)]
    }

    #[test]
    fn zero_start_and_currency() {
        let d = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
        let p = Period::new(d, d + crm_model::chrono::Duration::days(30)).unwrap();
        assert!(RevenueState::new(p).finish(Decimal::ZERO).is_err());
        let m = |c: &str| {
            MrrMovement::new(
                CustomerKey::from_index(0),
                d,
                MrrMovementKind::New,
                Decimal::ONE,
            )
            .unwrap()
            .with_currency(c.parse().unwrap())
        };
        let e = revenue(&[m("USD"), m("EUR")], p, Decimal::ONE).unwrap_err();
        assert!(e.to_string().contains("record 1"), "{e}");
        let r = RevenueState::new(p).finish(Decimal::TEN).unwrap();
        assert_eq!(r.quick_ratio, None);
        assert_eq!(r.nrr, 1.0);
    }

    proptest! {
        #[test]
        fn merge_single_pass(mv in prop::collection::vec((0u8..5, 0i64..1000, 0i64..40), 0..100),
                             cut in 0usize..100, start in 1i64..100_000) {
            let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
            let p = Period::new(d0, d0 + crm_model::chrono::Duration::days(31)).unwrap();
            let ms: Vec<MrrMovement> = mv.iter().map(|(k, a, day)| MrrMovement::new(
                CustomerKey::from_index(0), d0 + crm_model::chrono::Duration::days(*day), kind(*k),
                Decimal::new(*a, 2)).unwrap()).collect();
            let cut = cut % (ms.len() + 1);
            let mut all = RevenueState::new(p);
            let (mut a, mut b) = (RevenueState::new(p), RevenueState::new(p));
            for (i, m) in ms.iter().enumerate() {
                all.push(m).unwrap();
                if i < cut { a.push(m).unwrap() } else { b.push(m).unwrap() }
            }
            a.merge(&b).unwrap();
            prop_assert_eq!(a, all);
            let r = all.finish(Decimal::from(start)).unwrap();
            prop_assert!(r.grr <= 1.0);
            prop_assert!((r.nrr - r.grr - to_f64(r.totals.expansion) / start as f64).abs() < 1e-9);
            prop_assert!((1.0 - r.net_mrr_churn - r.nrr).abs() < 1e-9);
        }

        #[test]
        fn series_periods_chain_and_equal_one_state_per_period(
            mv in prop::collection::vec((0u8..5, 0i64..1000, -40i64..120), 0..100),
            cut in 0usize..100,
        ) {
            let day = |n: i64| NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
                + crm_model::chrono::Duration::days(n);
            let range = Period::new(day(0), day(91)).unwrap();
            let ms: Vec<MrrMovement> = mv.iter().map(|(k, a, n)| MrrMovement::new(
                CustomerKey::from_index(0), day(*n), kind(*k), Decimal::new(*a, 2)).unwrap())
                .collect();
            let cut = cut % (ms.len() + 1);
            let template = RevenueSeries::every(range, TimeUnit::Month, &Limits::default()).unwrap();
            let (mut all, mut a, mut b) = (template.clone(), template.clone(), template);
            for (i, m) in ms.iter().enumerate() {
                all.push(m).unwrap();
                if i < cut { a.push(m).unwrap() } else { b.push(m).unwrap() }
            }
            a.merge(&b).unwrap();
            prop_assert_eq!(&a, &all);
            // Each month equals one state over the whole file for that month, started from
            // the net of everything before it.
            for (p, r) in all.finish() {
                let mut one = RevenueState::new(p);
                ms.iter().for_each(|m| one.push(m).unwrap());
                if p.end() > day(91) {
                    // the last month also counts the movements after the range as outside
                    prop_assert_eq!(r.is_ok(), one.finish(one.mrr_before_period()).is_ok());
                    continue;
                }
                let want = one.finish(one.mrr_before_period());
                match (r, want) {
                    (Ok(r), Ok(w)) => {
                        prop_assert_eq!(r.starting_mrr, w.starting_mrr);
                        prop_assert_eq!(r.ending_mrr, w.ending_mrr);
                    }
                    (r, w) => prop_assert_eq!(r.is_ok(), w.is_ok()),
                }
            }
        }
    }
}
