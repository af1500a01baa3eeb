//! Customer value: ARPU, AOV, purchase frequency, repeat purchase rate, historical and formula CLV.

use crm_model::rust_decimal::Decimal;
use crm_model::{
    CurrencyGuard, CustomerKey, TimeUnit, Transaction, TransactionKind, checked_amount_add,
    checked_amount_mul, checked_amount_sum, to_f64,
};
use serde::Serialize;

use crate::error::{MetricsError, Result};

/// Which customer count divides revenue in ARPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArpuDenominator {
    /// (customers at start + customers at end) / 2: the default, as telecom and SaaS reports use.
    #[default]
    Average,
    /// Customers at the start of the period.
    Start,
    /// Customers at the end of the period.
    End,
    /// Customers active (with at least one transaction or session) during the period.
    Active,
}

/// Customer counts of a period, for ARPU.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CustomerBase {
    /// Customers at the start.
    pub start: u64,
    /// Customers at the end.
    pub end: u64,
    /// Customers active during the period.
    pub active: u64,
}

/// Average revenue per user over a period.
///
/// ```text
/// ARPU = revenue of the period / customers, where customers is
///        (start + end) / 2 (default) | start | end | active during the period
/// ```
///
/// Edge case: a zero denominator is [`MetricsError::ZeroDenominator`]. Reference: GSMA
/// Intelligence, "Definitions: ARPU"; Farris et al. (2010), "Marketing Metrics", ch. 5.
///
/// ```
/// use crm_analytics::metrics::value::{arpu, ArpuDenominator, CustomerBase};
/// use crm_analytics::model::rust_decimal::Decimal;
/// let base = CustomerBase { start: 900, end: 1_100, active: 800 };
/// let rev = Decimal::from(50_000);
/// assert_eq!(arpu(rev, base, ArpuDenominator::Average)?, Decimal::from(50));
/// assert_eq!(arpu(rev, base, ArpuDenominator::Active)?, Decimal::new(625, 1));
/// # Ok::<(), crm_analytics::metrics::MetricsError>(())
/// ```
///
/// # Errors
/// See above.
pub fn arpu(revenue: Decimal, base: CustomerBase, denominator: ArpuDenominator) -> Result<Decimal> {
    let n = match denominator {
        ArpuDenominator::Average => {
            (Decimal::from(base.start) + Decimal::from(base.end)) / Decimal::TWO
        }
        ArpuDenominator::Start => Decimal::from(base.start),
        ArpuDenominator::End => Decimal::from(base.end),
        ArpuDenominator::Active => Decimal::from(base.active),
    };
    if n.is_zero() {
        return Err(MetricsError::ZeroDenominator {
            metric: "ARPU",
            denominator: "customers",
        });
    }
    Ok(revenue / n)
}

/// Mergeable per-customer purchase state: orders and net revenue per customer key.
///
/// An order is one purchase transaction; refunds and returns reduce the customer's net revenue
/// (and so the historical CLV) but are not orders and do not reduce AOV's purchase revenue.
///
/// ```
/// use crm_analytics::metrics::value::PurchaseState;
/// use crm_analytics::model::{CustomerKey, Transaction};
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::rust_decimal::Decimal;
/// let day = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// let t = |c, a| Transaction::purchase(CustomerKey::from_index(c), day, Decimal::from(a));
/// let mut s = PurchaseState::new();
/// for tx in [t(0, 30)?, t(0, 50)?, t(1, 20)?, t(2, 40)?, t(2, 10)?, t(2, 90)?] {
///     s.push(&tx)?;
/// }
/// let m = s.finish()?;
/// assert_eq!((m.customers, m.orders, m.repeat_customers), (3, 6, 2));
/// assert_eq!(m.aov, Decimal::from(40));                  // 240 / 6
/// assert!((m.purchase_frequency - 2.0).abs() < 1e-12);   // 6 / 3
/// assert!((m.repeat_purchase_rate - 2.0 / 3.0).abs() < 1e-12);
/// let clv = s.historical_clv(Decimal::new(25, 2))?;      // 25% margin
/// assert_eq!(clv.per_customer[2], (CustomerKey::from_index(2), Decimal::new(3500, 2)));
/// assert_eq!(clv.mean, Decimal::from(20));               // 240 * 0.25 / 3
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurchaseState {
    orders: Vec<u32>,
    net: Vec<Decimal>,
    purchase_revenue: Decimal,
    currency: CurrencyGuard,
}

impl PurchaseState {
    /// An empty state.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
    fn slot(&mut self, k: CustomerKey) -> usize {
        let i = k.index();
        if i >= self.orders.len() {
            self.orders.resize(i + 1, 0);
            self.net.resize(i + 1, Decimal::ZERO);
        }
        i
    }
    /// Adds one transaction.
    ///
    /// # Errors
    /// Currency mismatch; [`crm_model::ModelError::AmountOverflow`] when the customer's net
    /// revenue or the purchase revenue leaves the decimal range (the state is left unchanged).
    pub fn push(&mut self, t: &Transaction) -> Result<()> {
        let i = t.customer().index();
        let net = self.net.get(i).copied().unwrap_or_default();
        let net = checked_amount_add(net, t.signed_amount(), "customer net revenue")?;
        let revenue = if t.kind() == TransactionKind::Purchase {
            checked_amount_add(self.purchase_revenue, t.amount(), "purchase revenue")?
        } else {
            self.purchase_revenue
        };
        self.currency.check(t.currency())?;
        let i = self.slot(t.customer());
        self.net[i] = net;
        if t.kind() == TransactionKind::Purchase {
            self.orders[i] = self.orders[i].saturating_add(1);
        }
        self.purchase_revenue = revenue;
        Ok(())
    }
    /// Combines two states (customer keys must come from the same interner).
    ///
    /// # Errors
    /// Currency mismatch; [`crm_model::ModelError::AmountOverflow`] (the state is left
    /// unchanged).
    pub fn merge(&mut self, o: &PurchaseState) -> Result<()> {
        let revenue = checked_amount_add(
            self.purchase_revenue,
            o.purchase_revenue,
            "purchase revenue",
        )?;
        for (i, (a, b)) in self.net.iter().zip(&o.net).enumerate() {
            checked_amount_add(*a, *b, "customer net revenue").map_err(|e| e.at_record(i))?;
        }
        self.currency.check(o.currency.currency())?;
        if o.orders.len() > self.orders.len() {
            self.orders.resize(o.orders.len(), 0);
            self.net.resize(o.net.len(), Decimal::ZERO);
        }
        for (a, b) in self.orders.iter_mut().zip(&o.orders) {
            *a = a.saturating_add(*b);
        }
        for (a, b) in self.net.iter_mut().zip(&o.net) {
            // Checked above.
            *a = a.checked_add(*b).unwrap_or(*a);
        }
        self.purchase_revenue = revenue;
        Ok(())
    }
    /// AOV, purchase frequency and repeat purchase rate.
    ///
    /// # Errors
    /// [`MetricsError::Empty`] when there is no purchase.
    pub fn finish(&self) -> Result<PurchaseMetrics> {
        let customers = self.orders.iter().filter(|&&o| o > 0).count() as u64;
        let repeat = self.orders.iter().filter(|&&o| o > 1).count() as u64;
        let orders: u64 = self.orders.iter().map(|&o| u64::from(o)).sum();
        if orders == 0 {
            return Err(MetricsError::Empty {
                metric: "purchase metrics",
            });
        }
        Ok(PurchaseMetrics {
            customers,
            orders,
            revenue: self.purchase_revenue,
            aov: self.purchase_revenue / Decimal::from(orders),
            purchase_frequency: orders as f64 / customers as f64,
            repeat_customers: repeat,
            repeat_purchase_rate: repeat as f64 / customers as f64,
        })
    }
    /// Historical CLV: each customer's net revenue to date times the gross margin.
    ///
    /// ```text
    /// historical CLV_i = margin x sum of customer i's purchases - refunds - returns (to date)
    /// mean             = sum of CLV_i / customers with any transaction
    /// ```
    ///
    /// It is a record of the past, not a forecast (see [`formula_clv`] and crm-clv for those).
    /// Reference: Kumar (2008), "Customer Lifetime Value: The Path to Profitability", ch. 1.
    ///
    /// # Errors
    /// [`MetricsError::InvalidParameter`] for a margin outside [0, 1]; [`MetricsError::Empty`]
    /// without customers; [`crm_model::ModelError::AmountOverflow`] when the total leaves the
    /// decimal range.
    pub fn historical_clv(&self, margin: Decimal) -> Result<HistoricalClv> {
        if margin < Decimal::ZERO || margin > Decimal::ONE {
            return Err(MetricsError::InvalidParameter {
                name: "margin",
                value: margin.to_string(),
                reason: "must lie in [0, 1]",
            });
        }
        let per_customer: Vec<(CustomerKey, Decimal)> = self
            .orders
            .iter()
            .zip(&self.net)
            .enumerate()
            .filter(|(_, (o, n))| **o > 0 || !n.is_zero())
            .map(|(i, (_, n))| (CustomerKey::from_index(i as u32), *n * margin))
            .collect();
        if per_customer.is_empty() {
            return Err(MetricsError::Empty {
                metric: "historical CLV",
            });
        }
        let total = checked_amount_sum(per_customer.iter().map(|(_, v)| *v), "historical CLV")?;
        Ok(HistoricalClv {
            mean: total / Decimal::from(per_customer.len() as u64),
            total,
            per_customer,
        })
    }
}

/// Purchase behaviour over the transactions pushed.
///
/// ```text
/// AOV                  = purchase revenue / orders
/// purchase frequency   = orders / customers with at least one order
/// repeat purchase rate = customers with two or more orders / customers with at least one order
/// ```
///
/// Reference: Farris et al. (2010), "Marketing Metrics", ch. 5 and 7.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PurchaseMetrics {
    /// Customers with at least one order.
    pub customers: u64,
    /// Orders (purchase transactions).
    pub orders: u64,
    /// Purchase revenue (refunds and returns not deducted).
    pub revenue: Decimal,
    /// Average order value.
    pub aov: Decimal,
    /// Orders per customer.
    pub purchase_frequency: f64,
    /// Customers with two or more orders.
    pub repeat_customers: u64,
    /// repeat customers / customers, in [0, 1].
    pub repeat_purchase_rate: f64,
}

/// Historical CLV per customer and on average.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoricalClv {
    /// Mean over customers.
    pub mean: Decimal,
    /// Sum over customers.
    pub total: Decimal,
    /// (customer, margin to date), by key.
    pub per_customer: Vec<(CustomerKey, Decimal)>,
}

/// When the first margin of the formula CLV is received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstMargin {
    /// Default (Gupta & Lehmann 2003): margins at the end of each period the customer survives,
    /// the first one after one period: `CLV = m r / (1 + d - r)`.
    #[default]
    AfterOnePeriod,
    /// The first margin is received now (time 0, undiscounted, certain), then as above:
    /// `CLV = m + m r / (1 + d - r) = m (1 + d) / (1 + d - r)`.
    AtTimeZero,
}

/// Inputs of the formula CLV, all per one explicit time unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClvInputs {
    /// Margin per customer per `unit`.
    pub margin: Decimal,
    /// Retention rate per `unit`, in [0, 1).
    pub retention: Decimal,
    /// Discount rate per `unit`, >= 0.
    pub discount: Decimal,
    /// The unit all three rates refer to (a monthly margin needs a monthly retention and
    /// discount rate; never mix an annual discount rate with a monthly margin).
    pub unit: TimeUnit,
}

/// Formula CLV with constant margin and retention over an infinite horizon.
///
/// ```text
/// AfterOnePeriod (default): CLV = m r / (1 + d - r)
/// AtTimeZero:               CLV = m (1 + d) / (1 + d - r)
/// m, r, d per the same time unit
/// ```
///
/// Edge cases: r outside [0, 1), d < 0 or a negative margin are
/// [`MetricsError::InvalidParameter`]. Reference: Gupta & Lehmann (2003), "Customers as assets",
/// J. Interactive Marketing 17(1):9-24; Gupta, Lehmann & Stuart (2004), "Valuing customers", JMR.
///
/// ```
/// use crm_analytics::metrics::value::{formula_clv, ClvInputs, FirstMargin};
/// use crm_analytics::model::{TimeUnit, rust_decimal::Decimal};
/// // Yearly margin 100, retention 80%, discount 10%: 100 * 0.8 / 0.3 = 266.67.
/// let x = ClvInputs { margin: Decimal::from(100), retention: Decimal::new(8, 1),
///                     discount: Decimal::new(1, 1), unit: TimeUnit::Year };
/// assert_eq!(formula_clv(&x, FirstMargin::AfterOnePeriod)?.round_dp(2), Decimal::new(26667, 2));
/// assert_eq!(formula_clv(&x, FirstMargin::AtTimeZero)?.round_dp(2), Decimal::new(36667, 2));
/// # Ok::<(), crm_analytics::metrics::MetricsError>(())
/// ```
///
/// # Errors
/// See above.
pub fn formula_clv(x: &ClvInputs, first: FirstMargin) -> Result<Decimal> {
    if x.retention < Decimal::ZERO || x.retention >= Decimal::ONE {
        return Err(MetricsError::InvalidParameter {
            name: "retention",
            value: x.retention.to_string(),
            reason: "must lie in [0, 1)",
        });
    }
    if x.discount < Decimal::ZERO {
        return Err(MetricsError::InvalidParameter {
            name: "discount",
            value: x.discount.to_string(),
            reason: "must not be negative",
        });
    }
    if x.margin < Decimal::ZERO {
        return Err(MetricsError::InvalidParameter {
            name: "margin",
            value: x.margin.to_string(),
            reason: "must not be negative",
        });
    }
    let one_plus_d = checked_amount_add(Decimal::ONE, x.discount, "discount")?;
    let denom = one_plus_d - x.retention; // retention in [0, 1): cannot overflow
    let numer = match first {
        FirstMargin::AfterOnePeriod => x.margin * x.retention, // |result| <= |margin|
        FirstMargin::AtTimeZero => checked_amount_mul(x.margin, one_plus_d, "formula CLV")?,
    };
    numer
        .checked_div(denom)
        .ok_or(MetricsError::ZeroDenominator {
            metric: "formula CLV",
            denominator: "1 + d - r",
        })
}

/// Formula CLV as `f64` (convenience for charts).
#[must_use]
pub fn formula_clv_f64(x: &ClvInputs, first: FirstMargin) -> Option<f64> {
    formula_clv(x, first).ok().map(to_f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_model::chrono::NaiveDate;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn merge_single_pass(rows in prop::collection::vec((0u32..20, -500i64..5000), 1..100), cut in 0usize..100) {
            let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
            let tx: Vec<Transaction> = rows.iter()
                .map(|(c, a)| Transaction::from_signed(CustomerKey::from_index(*c), day, Decimal::new(*a, 2)))
                .collect();
            let cut = cut % (tx.len() + 1);
            let mut all = PurchaseState::new();
            let (mut a, mut b) = (PurchaseState::new(), PurchaseState::new());
            for (i, t) in tx.iter().enumerate() {
                all.push(t).unwrap();
                if i < cut { a.push(t).unwrap() } else { b.push(t).unwrap() }
            }
            a.merge(&b).unwrap();
            prop_assert_eq!(&a, &all);
            if let Ok(m) = all.finish() {
                prop_assert!((0.0..=1.0).contains(&m.repeat_purchase_rate));
                prop_assert!(m.purchase_frequency >= 1.0);
            }
        }

        #[test]
        fn time_zero_variant_adds_one_margin(m in 0i64..10_000, r in 0i64..99, d in 0i64..50) {
            let x = ClvInputs { margin: Decimal::from(m), retention: Decimal::new(r, 2),
                                discount: Decimal::new(d, 2), unit: TimeUnit::Month };
            let a = formula_clv(&x, FirstMargin::AfterOnePeriod).unwrap();
            let b = formula_clv(&x, FirstMargin::AtTimeZero).unwrap();
            prop_assert!((b - a - x.margin).abs() < Decimal::new(1, 10));
        }
    }

    #[test]
    fn bad_inputs() {
        let x = ClvInputs {
            margin: Decimal::ONE,
            retention: Decimal::ONE,
            discount: Decimal::ZERO,
            unit: TimeUnit::Year,
        };
        assert!(formula_clv(&x, FirstMargin::default()).is_err());
        assert!(
            arpu(
                Decimal::ONE,
                CustomerBase::default(),
                ArpuDenominator::Start
            )
            .is_err()
        );
        assert!(PurchaseState::new().finish().is_err());
    }
}
