//! Customer acquisition cost (blended, paid, per channel), CAC payback and LTV:CAC.

use std::collections::BTreeMap;

use crm_model::rust_decimal::Decimal;
use crm_model::{AcquisitionSpend, CurrencyGuard, checked_amount_add, to_f64};
use serde::Serialize;

use crate::error::{MetricsError, Result};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
struct ChannelTotals {
    paid_spend: Decimal,
    other_spend: Decimal,
    customers: u64,
}

/// Mergeable acquisition state: spend and new customers per channel.
///
/// ```
/// use crm_analytics::metrics::acquisition::CacState;
/// use crm_analytics::model::{AcquisitionSpend, Period};
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::rust_decimal::Decimal;
/// let may = Period::new(NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
///                       NaiveDate::from_ymd_opt(2024, 6, 1).unwrap())?;
/// let mut s = CacState::new();
/// s.push_spend(&AcquisitionSpend::new("search", may, Decimal::from(12_000), true)?)?;
/// s.push_spend(&AcquisitionSpend::new("content", may, Decimal::from(3_000), false)?)?;
/// s.push_customers("search", 80);
/// s.push_customers("content", 20);
/// s.push_customers("referral", 50);          // organic, no spend
/// let r = s.finish()?;
/// assert_eq!(r.blended, Some(Decimal::from(100)));    // 15 000 / 150
/// assert_eq!(r.paid, Some(Decimal::from(150)));       // 12 000 / 80
/// assert_eq!(r.channels[2].channel, "search");        // channels sorted by name
/// assert_eq!(r.channels[2].cac, Some(Decimal::from(150)));
/// assert_eq!(r.channels[1].cac, None);                // referral: no spend
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacState {
    channels: BTreeMap<String, ChannelTotals>,
    currency: CurrencyGuard,
}

impl CacState {
    /// An empty state.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a spend record.
    ///
    /// # Errors
    /// Currency mismatch; [`crm_model::ModelError::AmountOverflow`] when the channel's spend
    /// leaves the decimal range (the state is left unchanged).
    pub fn push_spend(&mut self, s: &AcquisitionSpend) -> Result<()> {
        let old = self.channels.get(s.channel()).copied().unwrap_or_default();
        let mut new = old;
        if s.is_paid() {
            new.paid_spend = checked_amount_add(old.paid_spend, s.amount(), "paid spend")?;
        } else {
            new.other_spend = checked_amount_add(old.other_spend, s.amount(), "other spend")?;
        }
        // Also the channel total must stay in range (finish adds paid and other spend).
        checked_amount_add(new.paid_spend, new.other_spend, "channel spend")?;
        self.currency.check(s.currency())?;
        self.channels.insert(s.channel().to_string(), new);
        Ok(())
    }
    /// Adds `count` new customers attributed to `channel`.
    pub fn push_customers(&mut self, channel: &str, count: u64) {
        let c = self.channels.entry(channel.trim().to_string()).or_default();
        c.customers = c.customers.saturating_add(count);
    }
    /// Combines two states.
    ///
    /// # Errors
    /// Currency mismatch; [`crm_model::ModelError::AmountOverflow`] (the state is left
    /// unchanged).
    pub fn merge(&mut self, o: &CacState) -> Result<()> {
        let mut merged = Vec::with_capacity(o.channels.len());
        for (k, v) in &o.channels {
            let c = self.channels.get(k).copied().unwrap_or_default();
            let sum = ChannelTotals {
                paid_spend: checked_amount_add(c.paid_spend, v.paid_spend, "paid spend")?,
                other_spend: checked_amount_add(c.other_spend, v.other_spend, "other spend")?,
                customers: c.customers.saturating_add(v.customers),
            };
            checked_amount_add(sum.paid_spend, sum.other_spend, "channel spend")?;
            merged.push((k.clone(), sum));
        }
        self.currency.check(o.currency.currency())?;
        self.channels.extend(merged);
        Ok(())
    }
    /// The CAC report.
    ///
    /// # Errors
    /// [`MetricsError::Empty`] when nothing was pushed;
    /// [`crm_model::ModelError::AmountOverflow`] when the spend of all channels together
    /// leaves the decimal range.
    pub fn finish(&self) -> Result<CacReport> {
        if self.channels.is_empty() {
            return Err(MetricsError::Empty { metric: "CAC" });
        }
        let div = |s: Decimal, n: u64| (n > 0).then(|| s / Decimal::from(n));
        let (mut spend, mut paid_spend, mut customers, mut paid_customers) =
            (Decimal::ZERO, Decimal::ZERO, 0u64, 0u64);
        let mut channels = Vec::with_capacity(self.channels.len());
        for (name, c) in &self.channels {
            let total = checked_amount_add(c.paid_spend, c.other_spend, "channel spend")?;
            spend = checked_amount_add(spend, total, "total spend")?;
            customers = customers.saturating_add(c.customers);
            if c.paid_spend > Decimal::ZERO {
                paid_spend = checked_amount_add(paid_spend, c.paid_spend, "paid spend")?;
                paid_customers = paid_customers.saturating_add(c.customers);
            }
            channels.push(ChannelCac {
                channel: name.clone(),
                spend: total,
                customers: c.customers,
                cac: if total.is_zero() {
                    None
                } else {
                    div(total, c.customers)
                },
            });
        }
        Ok(CacReport {
            spend,
            customers,
            blended: div(spend, customers),
            paid_spend,
            paid_customers,
            paid: div(paid_spend, paid_customers),
            channels,
        })
    }
}

/// Customer acquisition cost.
///
/// ```text
/// blended CAC = all acquisition spend / all new customers (organic included)
/// paid CAC    = paid-media spend / new customers attributed to channels with paid spend
/// channel CAC = channel spend / channel's new customers
/// ```
///
/// Variants: blended is the company-level figure (investor decks); paid isolates what money buys
/// (marketing decisions). A channel with spend but no customers, or no customers at all, has
/// `None`; so does a channel with customers but no spend (organic, CAC not defined). Reference:
/// Skok, "SaaS metrics 2.0" (forEntrepreneurs, 2013).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacReport {
    /// Total spend.
    pub spend: Decimal,
    /// Total new customers.
    pub customers: u64,
    /// Blended CAC (`None` without customers).
    pub blended: Option<Decimal>,
    /// Paid spend.
    pub paid_spend: Decimal,
    /// Customers of channels with paid spend.
    pub paid_customers: u64,
    /// Paid CAC (`None` without paid customers).
    pub paid: Option<Decimal>,
    /// Per channel, sorted by name.
    pub channels: Vec<ChannelCac>,
}

/// CAC of one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelCac {
    /// Channel.
    pub channel: String,
    /// Spend.
    pub spend: Decimal,
    /// New customers.
    pub customers: u64,
    /// spend / customers, `None` when either is zero.
    pub cac: Option<Decimal>,
}

/// Months of gross margin needed to earn back the CAC.
///
/// ```text
/// payback (months) = CAC / (monthly revenue per account x gross margin)
/// ```
///
/// Edge cases: zero monthly margin is [`MetricsError::ZeroDenominator`]; a margin outside (0, 1]
/// or negative amounts are [`MetricsError::InvalidParameter`]. Reference: Skok, "SaaS metrics 2.0".
///
/// ```
/// use crm_analytics::metrics::acquisition::cac_payback_months;
/// use crm_analytics::model::rust_decimal::Decimal;
/// // CAC 1 200, ARPA 100 a month, 80% margin: 1 200 / 80 = 15 months.
/// let m = cac_payback_months(Decimal::from(1_200), Decimal::from(100), 0.8)?;
/// assert!((m - 15.0).abs() < 1e-12);
/// # Ok::<(), crm_analytics::metrics::MetricsError>(())
/// ```
///
/// # Errors
/// See above.
pub fn cac_payback_months(
    cac: Decimal,
    monthly_revenue_per_account: Decimal,
    gross_margin: f64,
) -> Result<f64> {
    if !(gross_margin > 0.0 && gross_margin <= 1.0) {
        return Err(MetricsError::InvalidParameter {
            name: "gross margin",
            value: gross_margin.to_string(),
            reason: "must lie in (0, 1]",
        });
    }
    if cac.is_sign_negative() || monthly_revenue_per_account.is_sign_negative() {
        return Err(MetricsError::InvalidParameter {
            name: "CAC / revenue per account",
            value: format!("{cac} / {monthly_revenue_per_account}"),
            reason: "must not be negative",
        });
    }
    let monthly = to_f64(monthly_revenue_per_account) * gross_margin;
    crate::error::ratio(
        to_f64(cac),
        monthly,
        "CAC payback",
        "monthly gross margin per account",
    )
}

/// LTV to CAC ratio (3:1 is the usual SaaS rule of thumb).
///
/// ```text
/// LTV:CAC = LTV / CAC
/// ```
///
/// Edge case: CAC = 0 is [`MetricsError::ZeroDenominator`]. Reference: Skok, "SaaS metrics 2.0".
///
/// ```
/// use crm_analytics::metrics::acquisition::ltv_to_cac;
/// use crm_analytics::model::rust_decimal::Decimal;
/// assert_eq!(ltv_to_cac(Decimal::from(3_600), Decimal::from(1_200))?, 3.0);
/// # Ok::<(), crm_analytics::metrics::MetricsError>(())
/// ```
///
/// # Errors
/// See above.
pub fn ltv_to_cac(ltv: Decimal, cac: Decimal) -> Result<f64> {
    crate::error::ratio(to_f64(ltv), to_f64(cac), "LTV:CAC", "CAC")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_model::Period;
    use crm_model::chrono::NaiveDate;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn merge_single_pass(rows in prop::collection::vec((0u8..4, 0i64..10_000, any::<bool>(), 0u64..50), 1..60),
                             cut in 0usize..60) {
            let d = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
            let p = Period::new(d, d + crm_model::chrono::Duration::days(10)).unwrap();
            let names = ["a", "b", "c", "d"];
            let cut = cut % (rows.len() + 1);
            let mut all = CacState::new();
            let (mut x, mut y) = (CacState::new(), CacState::new());
            for (i, (c, amt, paid, n)) in rows.iter().enumerate() {
                let s = AcquisitionSpend::new(names[usize::from(*c)], p, Decimal::from(*amt), *paid).unwrap();
                for st in [&mut all, if i < cut { &mut x } else { &mut y }] {
                    st.push_spend(&s).unwrap();
                    st.push_customers(names[usize::from(*c)], *n);
                }
            }
            x.merge(&y).unwrap();
            prop_assert_eq!(x.finish().unwrap(), all.finish().unwrap());
        }
    }

    #[test]
    fn payback_errors() {
        assert!(cac_payback_months(Decimal::ONE, Decimal::ZERO, 0.5).is_err());
        assert!(cac_payback_months(Decimal::ONE, Decimal::ONE, 1.5).is_err());
        assert!(ltv_to_cac(Decimal::ONE, Decimal::ZERO).is_err());
    }
}
