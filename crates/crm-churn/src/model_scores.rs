//! Churn scores from the BG/NBD customer-base model (crm-clv).
//!
//! BG/NBD (Fader, Hardie & Lee 2005) describes a non-contractual customer by a purchase rate
//! and a probability of dropping out after each purchase, both heterogeneous across customers.
//! Fitted on everyone's `(x, t_x, T)` as of a date (time in **weeks** here), it gives for every
//! customer:
//!
//! ```text
//! P(alive)         = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))
//! E[Y(h)]          = expected purchases in the next h weeks (FHL 2005 eq. 10)
//! P(no purchase h) = 1 - P(alive) + P(alive) ((alpha+T)/(alpha+T+h))^(r+x)
//! ```
//!
//! `P(no purchase in the next horizon)` *is* the non-contractual churn label's probability, so
//! it is the natural churn score: calibrated if the model fits, and it ranks.
//!
//! **Why P(alive) alone ranks poorly.** In BG/NBD a customer can only drop out right after a
//! purchase, so a customer with no repeat purchase (x = 0) has P(alive) = 1 exactly, however
//! long ago the first purchase was. On data like CDNOW, where most customers never came back,
//! `1 - P(alive)` puts the majority of customers, including the longest silent ones, at 0
//! risk, tied with the most active. Use `P(no purchase)` (which also counts how likely an alive
//! customer is to stay silent) or the expected purchases; read P(alive) only among repeat
//! buyers. (Fader, Hardie & Lee 2005, section 5; Batislam et al. 2007's MBG/NBD removes the
//! artefact by letting customers drop out at time 0.)

use crm_clv::{BgNbd, FitOptions, Fitted, Histories, History, PurchaseModel};
use crm_model::CustomerKey;
use serde::{Deserialize, Serialize};

use crate::error::{ChurnError, Result};
use crate::features::CustomerFeatures;

/// Days per model time unit: BG/NBD is fitted and scored in weeks.
pub const DAYS_PER_WEEK: f64 = 7.0;

/// One customer's BG/NBD scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgNbdScore {
    /// The customer.
    pub customer: CustomerKey,
    /// P(no purchase in the horizon): the churn score.
    pub p_no_purchase: f64,
    /// P(alive) at the as-of date (1 for every customer with x = 0: see the module docs).
    pub p_alive: f64,
    /// Expected purchases in the horizon (a retention score: low = risk).
    pub expected_purchases: f64,
}

fn history(f: &CustomerFeatures) -> History {
    let (x, t_x, t) = f.bgnbd_inputs(DAYS_PER_WEEK);
    History::new(x, if x == 0 { 0.0 } else { t_x }, t)
}

/// Fits BG/NBD (weeks) to the customers' histories as of the features' date.
///
/// # Errors
/// [`ChurnError::Clv`] (degenerate data, e.g. nobody ever came back; no convergence).
pub fn fit_bgnbd(features: &[CustomerFeatures], options: &FitOptions) -> Result<Fitted<BgNbd>> {
    if features.is_empty() {
        return Err(ChurnError::Empty {
            what: "BG/NBD customers",
        });
    }
    let h = Histories::from_weighted(features.iter().map(|f| (history(f), 1.0)))?;
    Ok(BgNbd::fit(&h, options)?)
}

/// BG/NBD scores of every customer over the next `horizon_days` days.
///
/// Set `with_expectation = false` to skip `expected_purchases` (a hypergeometric series, the
/// slowest of the three; it is then 0).
///
/// # Errors
/// [`ChurnError::InvalidParameter`] for a horizon that is not positive and finite.
///
/// ```
/// use crm_analytics::churn::{bgnbd_scores, CustomerFeatures};
/// use crm_analytics::clv::BgNbd;
/// use crm_analytics::model::CustomerKey;
/// use crm_analytics::model::chrono::NaiveDate;
/// // Published CDNOW parameters (weeks).
/// let m = BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap();
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
/// let f = |first, last, freq| CustomerFeatures {
///     customer: CustomerKey::from_index(0), first_purchase: first, last_purchase: last,
///     recency_days: (d(1997, 9, 30) - last).num_days() as f64, frequency: freq,
///     monetary: 20.0, total_spend: 20.0 * freq as f64,
///     tenure_days: (d(1997, 9, 30) - first).num_days() as f64,
///     purchases_last_window: 0, purchases_prev_window: 0, trend: 0.0, mean_gap_days: None,
///     gap_ratio: None, complaints_recent: 0, days_since_complaint: None, unresolved_tickets: 0,
///     last_nps: None, last_csat: None, days_since_contact: None,
/// };
/// let one_timer = f(d(1997, 1, 1), d(1997, 1, 1), 1);
/// let lapsed = f(d(1997, 1, 1), d(1997, 2, 1), 4);
/// let s = bgnbd_scores(&m, &[one_timer, lapsed], 273.0, true)?;
/// assert_eq!(s[0].p_alive, 1.0);                 // x = 0: always "alive"
/// assert!(s[1].p_alive < 0.1);                    // 3 quick repeats, then 8 months of silence
/// // Yet P(no purchase) ranks the lapsed repeat buyer as the bigger risk... and the one-timer
/// // is not "safe" either:
/// assert!(s[1].p_no_purchase > s[0].p_no_purchase && s[0].p_no_purchase > 0.5);
/// # Ok::<(), crm_analytics::churn::ChurnError>(())
/// ```
pub fn bgnbd_scores(
    model: &BgNbd,
    features: &[CustomerFeatures],
    horizon_days: f64,
    with_expectation: bool,
) -> Result<Vec<BgNbdScore>> {
    if !(horizon_days > 0.0 && horizon_days.is_finite()) {
        return Err(ChurnError::InvalidParameter {
            name: "horizon_days",
            reason: format!("must be positive and finite, got {horizon_days}"),
        });
    }
    let h = horizon_days / DAYS_PER_WEEK;
    Ok(features
        .iter()
        .map(|f| {
            let hist = history(f);
            BgNbdScore {
                customer: f.customer,
                p_no_purchase: model.p_no_purchase(h, &hist),
                p_alive: model.p_alive(&hist),
                expected_purchases: if with_expectation {
                    model.conditional_expected_purchases(h, &hist)
                } else {
                    0.0
                },
            }
        })
        .collect())
}
