//! # crm-datafusion
//!
//! CRM metrics and models as SQL functions of [Apache DataFusion](https://datafusion.apache.org):
//! `SELECT region, crm_nps(score) FROM surveys GROUP BY region` on any table DataFusion reads.
//!
//! Every function wraps the native code of `crm-analytics` (through `crm_analytics::` paths):
//! the aggregates hold the native mergeable states (`NpsState`, `CsatState`, `CesState`,
//! `RetentionCounts`, orders per customer, a customer's purchase days, RFM values, the BG/NBD,
//! Pareto/NBD and Gamma-Gamma groups), ship them between partitions exactly (counts, decimals,
//! floats as they are), and `finish` them natively,
//! so a query gives the same numbers as the native single pass, bit for bit, on any partitioning.
//!
//! ## Functions
//!
//! | function | kind | returns |
//! |---|---|---|
//! | `crm_nps(score)` | aggregate | Float64, NPS in -100..=100 (scores 0..=10) |
//! | `crm_nps_detail(score)` | aggregate | struct `n, promoters, passives, detractors, score, standard_error, low, high` (adjusted-Wald 95%) |
//! | `crm_csat(score)` | aggregate | struct `n, satisfied, top_two_box, low, high, mean, std_dev` (1-5 scale, top-2-box share with Wilson 95% interval) |
//! | `crm_ces(score)`, `crm_ces_v1(score)` | aggregate | struct `n, mean, std_dev, low, high, low_effort_share` (v2: 1-7, v1: 1-5; Student-t 95% interval of the mean) |
//! | `crm_aov(amount)` | aggregate | Decimal128(38, 10): purchase revenue / orders, in exact decimal arithmetic |
//! | `crm_repeat_rate(customer)` | aggregate | Float64, customers with two or more orders / customers (each row one order) |
//! | `crm_retention(span_start, span_end, period_start, period_end)` | aggregate | struct `start, end, new, retained, joined_and_left, count_retention, cohort_retention` (one row per customer span; NULL `span_end`: still active) |
//! | `crm_churn_rate(span_start, span_end, period_start, period_end [, joiners])` | aggregate | Float64, customer churn rate (`joiners` literal `'exclude'` (default) or `'include'`) |
//! | `crm_rfm_cuts(recency_days, frequency, monetary [, bins])` | aggregate | struct of three `List<Float64>`: the cut points of `RfmModel::fit` (`bins` literal, default 5) |
//! | `crm_summary(date, amount, observation_end [, unit])` | aggregate (GROUP BY customer) | struct `x, t_x, T, monetary, first_purchase, last_purchase, total_spend` (`unit` literal, default week) |
//! | `crm_bgnbd_fit(x, t_x, T [, weight])` | aggregate | struct `r, alpha, a, b, log_likelihood` (native BG/NBD maximum likelihood) |
//! | `crm_pnbd_fit(x, t_x, T [, weight])` | aggregate | struct `r, alpha, s, beta, log_likelihood` (native Pareto/NBD) |
//! | `crm_gamma_gamma_fit(x, monetary [, weight])` | aggregate | struct `p, q, gamma, log_likelihood` (native Gamma-Gamma; x = 0 rows left out) |
//! | `crm_bgnbd_p_alive(r, alpha, a, b, x, t_x, T)` | scalar | Float64 |
//! | `crm_bgnbd_expected(r, alpha, a, b, x, t_x, T, t)` | scalar | Float64, expected purchases in (T, T + t] |
//! | `crm_pnbd_p_alive(r, alpha, s, beta, x, t_x, T)` | scalar | Float64 |
//! | `crm_pnbd_expected(r, alpha, s, beta, x, t_x, T, t)` | scalar | Float64, expected purchases in (T, T + t] |
//! | `crm_gamma_gamma_spend(p, q, gamma, x, monetary)` | scalar | Float64, expected spend per purchase |
//! | `crm_clv(params, x, t_x, T, spend, horizon [, discount_rate [, period]])` | scalar | Float64, `expected_clv` (params: the struct of `crm_bgnbd_fit` or `crm_pnbd_fit`) |
//! | `crm_rfm_score(recency_days, frequency, monetary, cuts)` | scalar | struct `r, f, m` (UInt8) |
//! | `crm_rfm_segment(r, f, m [, map])` | scalar | Utf8, segment name (`'default'`, `'with-lost'`, `'tiers'`) |
//! | `crm_fs_weight(model, levels)` | scalar | Float64, Fellegi-Sunter match weight in bits (model: `FsModel` JSON; levels: list, 0 exact .. 3 far, 4 or NULL missing) |
//! | `crm_norm_email(s [, fold_gmail])` | scalar | Utf8, NULL when not a plausible address |
//! | `crm_norm_phone(s [, region])` | scalar | Utf8, E.164 (default region `CN`, as `crm dedup`) |
//! | `crm_norm_name(s)`, `crm_norm_company(s)` | scalar | Utf8 |
//! | `crm_jaro_winkler(a, b)`, `crm_levenshtein(a, b)` | scalar | Float64 similarity in [0, 1] (not DataFusion's `levenshtein` distance) |
//!
//! ## NULLs and bad input
//!
//! - Aggregates skip rows with a NULL argument, as SQL aggregates do; over no remaining row they
//!   return NULL. `crm_ces`'s interval bounds are NULL below two answers, `crm_csat`'s and
//!   `crm_ces`'s `std_dev` too.
//! - Scalars return NULL when any argument is NULL (and the e-mail normaliser when the value is
//!   not an address, as natively).
//! - Invalid values are a DataFusion execution error that names the function and the value
//!   (a score of 11 or 9.5, a negative amount, x = -1, t_x > T, a non-positive parameter, a
//!   region that is not two letters); wrong argument types or counts are planning errors.
//!   Nothing panics.
//!
//! ## Exactness
//!
//! Counts merge exactly, so the survey aggregates equal the native result whatever the
//! partitioning. `crm_bgnbd_fit` and `crm_pnbd_fit` group the rows by `(x, t_x, T)` and fit the
//! groups in the numeric order of `(x, t_x, T)`, so their result does not depend on the
//! partitioning either; they equal `BgNbd::fit` / `ParetoNbd::fit` on `Histories::from_weighted`
//! of the rows sorted by `(x, t_x, T)`. `crm_gamma_gamma_fit` groups by `(x, monetary)` and
//! equals `GammaGamma::fit` on `Spends::from_slices` of the sorted repeat buyers. Weights are
//! summed per group in f64: exact for whole-number weights (customer counts) below 2^53.
//! `crm_rfm_cuts` keeps every customer's values and calls `RfmModel::fit` (its quantiles depend
//! on the values only), `crm_summary` sums a customer's amounts per day as exact decimals and
//! calls `summarize`, `crm_retention`/`crm_churn_rate` add the native counts S, E, N, R, J.
//!
//! ```no_run
//! use datafusion::prelude::{CsvReadOptions, SessionContext};
//! # async fn run() -> datafusion::error::Result<()> {
//! let ctx = SessionContext::new();
//! crm_datafusion::register(&ctx)?;
//! ctx.register_csv("surveys", "surveys.csv", CsvReadOptions::new()).await?;
//! ctx.sql("SELECT region, crm_nps(score) AS nps FROM surveys GROUP BY region ORDER BY region")
//!     .await?
//!     .show()
//!     .await?;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

mod activity;
mod aov;
mod bgnbd;
mod clv;
mod dedup;
mod gamma_gamma;
mod rfm;
mod summary;
mod survey;
mod text;
mod util;

use datafusion::common::{Result, plan_err};
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::{AggregateUDF, ScalarUDF};
use datafusion::prelude::SessionContext;

pub use activity::retention_fields;
pub use aov::{AOV_SCALE, AOV_TYPE};
pub use bgnbd::{bgnbd_fit_fields, pnbd_fit_fields};
pub use gamma_gamma::gamma_gamma_fit_fields;
pub use rfm::{rfm_cuts_fields, rfm_score_fields};
pub use summary::summary_fields;
pub use survey::{LEVEL, ces_fields, csat_fields, nps_detail_fields};

/// The aggregate functions: `crm_nps`, `crm_nps_detail`, `crm_csat`, `crm_ces`, `crm_ces_v1`,
/// `crm_aov`, `crm_repeat_rate`, `crm_retention`, `crm_churn_rate`, `crm_rfm_cuts`,
/// `crm_summary`, `crm_bgnbd_fit`, `crm_pnbd_fit`, `crm_gamma_gamma_fit`.
#[must_use]
pub fn aggregate_functions() -> Vec<AggregateUDF> {
    vec![
        AggregateUDF::from(survey::SurveyUdaf::nps()),
        AggregateUDF::from(survey::SurveyUdaf::nps_detail()),
        AggregateUDF::from(survey::SurveyUdaf::csat()),
        AggregateUDF::from(survey::SurveyUdaf::ces()),
        AggregateUDF::from(survey::SurveyUdaf::ces_v1()),
        AggregateUDF::from(aov::AovUdaf::new()),
        AggregateUDF::from(activity::RepeatRateUdaf::new()),
        AggregateUDF::from(activity::RetentionUdaf::retention()),
        AggregateUDF::from(activity::RetentionUdaf::churn()),
        AggregateUDF::from(rfm::RfmCutsUdaf::new()),
        AggregateUDF::from(summary::SummaryUdaf::new()),
        AggregateUDF::from(bgnbd::BgNbdFitUdaf::new()),
        AggregateUDF::from(bgnbd::BgNbdFitUdaf::pnbd()),
        AggregateUDF::from(gamma_gamma::GammaGammaFitUdaf::new()),
    ]
}

/// The scalar functions: `crm_rfm_score`, `crm_rfm_segment`, `crm_bgnbd_p_alive`,
/// `crm_bgnbd_expected`, `crm_pnbd_p_alive`, `crm_pnbd_expected`, `crm_gamma_gamma_spend`,
/// `crm_clv`, `crm_fs_weight`, the normalisers
/// `crm_norm_email`, `crm_norm_phone`, `crm_norm_name`, `crm_norm_company` and the comparators
/// `crm_jaro_winkler`, `crm_levenshtein`.
#[must_use]
pub fn scalar_functions() -> Vec<ScalarUDF> {
    let mut v = vec![
        ScalarUDF::from(bgnbd::BgNbdScalar::p_alive()),
        ScalarUDF::from(bgnbd::BgNbdScalar::expected()),
        ScalarUDF::from(bgnbd::BgNbdScalar::pnbd_p_alive()),
        ScalarUDF::from(bgnbd::BgNbdScalar::pnbd_expected()),
        ScalarUDF::from(gamma_gamma::GammaGammaSpend::new()),
        ScalarUDF::from(clv::ClvUdf::new()),
        ScalarUDF::from(rfm::RfmScoreUdf::new()),
        ScalarUDF::from(rfm::RfmSegmentUdf::new()),
        ScalarUDF::from(dedup::FsWeightUdf::new()),
    ];
    v.extend(text::TextUdf::all().into_iter().map(ScalarUDF::from));
    v
}

/// Registers every function on `ctx`.
///
/// Built-ins and other functions are never replaced: registering again is a no-op, and a
/// different function already registered under one of our names is an error (and nothing is
/// registered then).
///
/// # Errors
/// A planning error naming the function whose name is taken.
pub fn register(ctx: &SessionContext) -> Result<()> {
    let aggregates = aggregate_functions();
    let scalars = scalar_functions();
    for f in &aggregates {
        if let Ok(existing) = ctx.udaf(f.name())
            && *existing != *f
        {
            return plan_err!(
                "crm_datafusion::register: an aggregate function named {} already exists",
                f.name()
            );
        }
        if ctx.udf(f.name()).is_ok() {
            return plan_err!(
                "crm_datafusion::register: a scalar function named {} already exists",
                f.name()
            );
        }
    }
    for f in &scalars {
        if let Ok(existing) = ctx.udf(f.name())
            && *existing != *f
        {
            return plan_err!(
                "crm_datafusion::register: a scalar function named {} already exists",
                f.name()
            );
        }
        if ctx.udaf(f.name()).is_ok() {
            return plan_err!(
                "crm_datafusion::register: an aggregate function named {} already exists",
                f.name()
            );
        }
    }
    for f in aggregates {
        ctx.register_udaf(f);
    }
    for f in scalars {
        ctx.register_udf(f);
    }
    Ok(())
}
