//! `crm report`: one overview of whatever inputs are given.
//!
//! - [`model`]: the view-model (plain serde structs), the contract between the builder and the
//!   renderers;
//! - [`build`]: turns the loaded inputs into a [`model::Report`];
//! - [`table`], [`html`] (with [`svg`] charts): renderers; JSON is `serde_json` on the model;
//! - [`shape`]: helpers that turn model outputs into view-model values (grids, bins, top lists).

pub mod html;
pub mod local;
pub mod model;
#[cfg(test)]
pub mod sample;
pub mod shape;
pub mod svg;
pub mod table;

use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::{
    AcquisitionSpend, CustomerInterner, FunnelEvent, Interaction, LateEvents, MrrMovement,
    PurchaseSummaries, SummaryOptions, SurveyResponse, TimeUnit, Transaction, summarize,
};

use crate::datafiles::CustomerRow;
use crate::error::{CliError, CliResult};
use model::{InputFile, Kpis, Meta, Missing, Report};

/// Everything the report can use; only transactions are required.
#[derive(Default)]
pub struct Inputs {
    /// One key space for every file.
    pub ids: CustomerInterner,
    /// Purchases and returns.
    pub transactions: Vec<Transaction>,
    /// Customer records.
    pub customers: Option<Vec<CustomerRow>>,
    /// Survey answers.
    pub surveys: Option<Vec<SurveyResponse>>,
    /// Tickets and complaints.
    pub interactions: Option<Vec<Interaction>>,
    /// MRR movements.
    pub mrr: Option<Vec<MrrMovement>>,
    /// Funnel events.
    pub funnel: Option<Vec<FunnelEvent>>,
    /// Funnel stage order, when known.
    pub funnel_stages: Option<Vec<String>>,
    /// Marketing spend.
    pub spend: Option<Vec<AcquisitionSpend>>,
    /// Files read.
    pub files: Vec<InputFile>,
}

/// Report options.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Reference day; default: the last transaction date.
    pub as_of: Option<NaiveDate>,
    /// Rows in "top" lists.
    #[allow(dead_code)] // used by the CLV/churn sections (integration)
    pub top: usize,
    /// Most recent cohorts shown.
    pub max_cohorts: usize,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            as_of: None,
            top: 10,
            max_cohorts: 24,
        }
    }
}

/// What the section builders share.
#[allow(dead_code)] // read by the model-based sections (integration)
pub struct Context<'a> {
    /// Inputs.
    pub inputs: &'a Inputs,
    /// Reference day.
    pub as_of: NaiveDate,
    /// Weekly purchase summaries up to `as_of` (later transactions excluded).
    pub summaries: PurchaseSummaries,
    /// Options.
    pub options: &'a BuildOptions,
}

impl Context<'_> {
    /// External id of a key, as text.
    #[allow(dead_code)] // used by the model-based sections (integration)
    pub fn id(&self, key: crm_analytics::model::CustomerKey) -> String {
        self.inputs
            .ids
            .id(key)
            .map_or_else(|| format!("#{}", key.index()), ToString::to_string)
    }
}

/// Builds the report.
pub fn build(inputs: &Inputs, options: &BuildOptions) -> CliResult<Report> {
    let as_of = match options.as_of {
        Some(d) => d,
        None => inputs
            .transactions
            .iter()
            .map(Transaction::date)
            .max()
            .ok_or_else(|| {
                CliError::Usage("the transaction file has no rows: nothing to report".into())
            })?,
    };
    let opts = SummaryOptions::new(as_of, TimeUnit::Week).late_events(LateEvents::Exclude);
    let summaries =
        summarize(&inputs.transactions, &opts).map_err(|e| CliError::Library(e.to_string()))?;
    let ctx = Context {
        inputs,
        as_of,
        summaries,
        options,
    };
    let mut missing = Vec::new();
    let mut need = |section: &str, needs: &str| {
        missing.push(Missing {
            section: section.into(),
            needs: needs.into(),
        });
    };

    let b = local::basics(&inputs.transactions, inputs.ids.len(), as_of);
    let mut kpis = Kpis {
        customers: b.customers,
        active_last_30_days: b.active_30,
        revenue: b.revenue,
        repeat_purchase_rate: local::repeat_rate(&ctx.summaries),
        aov: local::ratio_money(b.gross, b.purchases),
        arpu: local::ratio_money(b.revenue, b.customers),
        ..Kpis::default()
    };

    // Survey-based figures.
    let mut nps_section = None;
    match &inputs.surveys {
        Some(s) => {
            match local::nps(s, as_of) {
                Some((dist, kpi)) => {
                    nps_section = Some(dist);
                    kpis.nps = Some(kpi);
                }
                None => need("nps", "nps answers in surveys.csv"),
            }
            kpis.csat = local::csat(s, as_of);
            if kpis.csat.is_none() {
                need("kpi.csat", "csat answers in surveys.csv");
            }
        }
        None => {
            need("nps", "surveys.csv (type nps)");
            need("kpi.csat", "surveys.csv (type csat)");
        }
    }
    match &inputs.interactions {
        Some(i) => kpis.service = local::service(i, b.customers),
        None => need("kpi.service", "interactions.csv"),
    }
    match &inputs.mrr {
        Some(m) => kpis.mrr = local::mrr(m, as_of),
        None => {
            need("kpi.mrr", "mrr_movements.csv");
            need("kpi.grr", "mrr_movements.csv");
            need("kpi.nrr", "mrr_movements.csv");
        }
    }
    if inputs.spend.is_none() {
        need("kpi.cac", "spend.csv");
        need("kpi.ltv_to_cac", "spend.csv");
    }

    // Definitional metrics that belong to crm-metrics.
    // TODO(integration): kpis.last_period/retention/churn <- crm_metrics retention & churn over
    // the last complete month; kpis.nps.ci_* <- crm_metrics NPS interval; kpis.cac <-
    // crm_metrics CAC(spend, new customers); kpis.ltv_to_cac <- clv / cac; kpis.grr/nrr <-
    // crm_metrics revenue retention over MRR movements. Remove the matching `need` lines.
    for k in ["kpi.retention", "kpi.churn"] {
        need(k, "crm-metrics (not yet wired into the report)");
    }
    if inputs.mrr.is_some() {
        need("kpi.grr", "crm-metrics (not yet wired into the report)");
        need("kpi.nrr", "crm-metrics (not yet wired into the report)");
    }
    if inputs.spend.is_some() {
        need("kpi.cac", "crm-metrics (not yet wired into the report)");
        need(
            "kpi.ltv_to_cac",
            "crm-metrics and crm-clv (not yet wired into the report)",
        );
    }

    let cohorts = local::cohorts(
        &inputs.transactions,
        as_of,
        TimeUnit::Month,
        options.max_cohorts,
    );
    if cohorts.is_none() {
        need("cohorts", "purchases on or before the as-of date");
    }
    let funnel = match &inputs.funnel {
        Some(e) => local::funnel(e, inputs.funnel_stages.as_deref()),
        None => None,
    };
    if funnel.is_none() {
        need("funnel", "funnel_events.csv");
    }

    // Model-based sections.
    let rfm = rfm_section(&ctx);
    if rfm.is_none() {
        need("rfm", "crm-rfm (not yet wired into the report)");
    }
    let clv = clv_section(&ctx);
    if clv.is_none() {
        need("clv", "crm-clv (not yet wired into the report)");
    }
    let churn = churn_section(&ctx);
    if churn.is_none() {
        need("churn", "crm-churn (not yet wired into the report)");
    }
    let dedup = match &inputs.customers {
        Some(c) => {
            let d = dedup_section(&ctx, c);
            if d.is_none() {
                need("dedup", "crm-dedup (not yet wired into the report)");
            }
            d
        }
        None => {
            need("dedup", "customers.csv");
            None
        }
    };

    Ok(Report {
        meta: Meta {
            generator: format!("crm {}", env!("CARGO_PKG_VERSION")),
            as_of: Some(as_of),
            first_date: b.first,
            last_date: b.last,
            after_as_of: b.after,
            inputs: inputs.files.clone(),
        },
        kpis,
        rfm,
        clv,
        churn,
        dedup,
        cohorts,
        funnel,
        nps: nps_section,
        missing,
    })
}

/// RFM segment table and R-by-F grid.
///
/// TODO(integration): score `ctx.summaries` (or transactions up to `ctx.as_of`) with crm_rfm,
/// then map: segments -> `RfmSegmentRow` (largest first); per-customer (r, f, segment) ->
/// `shape::rfm_grid(.., levels)` for the R-by-F grid.
fn rfm_section(_ctx: &Context<'_>) -> Option<model::RfmSection> {
    None
}

/// BG/NBD + Gamma-Gamma fit, expected value, P(alive) grid.
///
/// TODO(integration): fit crm_clv BG/NBD on `ctx.summaries` (weekly) and Gamma-Gamma on repeat
/// buyers; map params -> `BgNbdParams`/`GammaGammaParams`, per-customer CLV -> `top_customers`
/// (`shape::top_n(.., ctx.options.top, ..)`) and `distribution` (`svg::histogram_bins`),
/// P(alive) -> `shape::model_grid(max_x, max_T, rows, "week", |x, t_x, T| model.p_alive(..))`.
fn clv_section(_ctx: &Context<'_>) -> Option<model::ClvSection> {
    None
}

/// Churn tiers, customers to call, calibration.
///
/// TODO(integration): crm_churn scores (P(alive)-based by default) -> tiers, top-risk x value
/// -> `to_call` (`shape::top_n`), calibration on a holdout split -> `calibration` (the
/// library's bins, or `shape::calibration(pred_and_outcome, 10)`), AUC -> `auc`.
fn churn_section(_ctx: &Context<'_>) -> Option<model::ChurnSection> {
    None
}

/// Duplicates and golden records.
///
/// TODO(integration): crm_dedup pipeline over `customers` -> counts, golden records ->
/// `examples`; when `person_id` is present, evaluate pairs against it -> `evaluation`.
fn dedup_section(_ctx: &Context<'_>, _customers: &[CustomerRow]) -> Option<model::DedupSection> {
    None
}
