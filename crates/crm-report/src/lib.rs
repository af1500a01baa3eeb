//! `crm report`: one overview of whatever inputs are given.
//!
//! Facade module: `crm_report` = `crm_analytics::report`. Depend on `crm-analytics` and use
//! `crm_analytics::report::...`, or on this crate alone for a smaller tree.
//!
//! - [`model`]: the view-model (plain serde structs), the contract between the builder and the
//!   renderers;
//! - [`build`]: turns the loaded inputs into a [`model::Report`];
//! - [`table`], [`html`] (with [`svg`] charts): renderers; JSON is `serde_json` on the model;
//! - [`results`]: text tables of single results (a metric, a churn evaluation, an explained
//!   record pair), as the `crm` commands print them;
//! - [`listings`]: per-customer result rows under their ids (RFM, CLV predictions, churn
//!   scores) and the text forms of row results (segment report, dedup clusters, links, golden
//!   records);
//! - [`shape`]: helpers that turn model outputs into view-model values (grids, bins, top lists).

pub mod dedup_page;
pub mod diagnostics;
pub mod drill;
mod error;
mod groups;
pub mod html;
pub mod json;
pub mod kpi;
pub mod listings;
pub mod model;
pub mod models;
pub mod notes;
pub mod results;
#[cfg(test)]
pub mod sample;
pub mod shape;
pub mod svg;
pub mod table;
pub mod text;
mod trends;

use crm_model::chrono::NaiveDate;
use crm_model::{LateEvents, PurchaseSummaries, SummaryOptions, TimeUnit, Transaction, summarize};

pub use error::{ReportError, Result};
use model::{InputFile, Kpis, Meta, Missing, Report};

/// Everything the report can use (only transactions are required): a data set as
/// [`crm_io::read_data_set`] reads it, or as a caller fills it in.
pub use crm_io::DataSet as Inputs;

/// Report options.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Reference day; default: the last transaction date.
    pub as_of: Option<NaiveDate>,
    /// Rows in "top" lists.
    pub top: usize,
    /// Most recent cohorts shown.
    pub max_cohorts: usize,
    /// Key figures per group of customers by these customer attributes (a section of its own;
    /// [`crm_io::read_customer_attributes`] reads them from the customer table).
    pub by: Option<crm_io::Lookup>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            as_of: None,
            top: 10,
            max_cohorts: 24,
            by: None,
        }
    }
}

/// What the section builders share.
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
    pub fn id(&self, key: crm_model::CustomerKey) -> String {
        self.inputs
            .ids
            .id(key)
            .map_or_else(|| format!("#{}", key.index()), ToString::to_string)
    }
}

/// Builds the report, calling `step` with the name of each step as it starts (for a progress
/// spinner).
pub fn build(
    inputs: &Inputs,
    options: &BuildOptions,
    step: &mut dyn FnMut(&str),
) -> Result<Report> {
    let as_of = match options.as_of {
        Some(d) => d,
        None => inputs
            .transactions
            .iter()
            .map(Transaction::date)
            .max()
            .ok_or(ReportError::NoTransactions)?,
    };
    step("summaries");
    let opts = SummaryOptions::new(as_of, TimeUnit::Week).late_events(LateEvents::Exclude);
    let summaries = summarize(&inputs.transactions, &opts)?;
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

    step("key figures");
    let b = kpi::basics(&inputs.transactions, as_of)?;
    let period = kpi::last_complete_month(as_of);
    let mut kpis = Kpis {
        customers: b.customers,
        active_last_30_days: b.active_30,
        revenue: b.revenue,
        last_period: period.map(kpi::view),
        repeat_purchase_rate: b.repeat_rate,
        aov: b.aov,
        arpu: kpi::arpu_whole_window(&b),
        ..Kpis::default()
    };
    match period.map(|p| kpi::retention_churn(&inputs.transactions, p, as_of)) {
        Some(Ok((r, c))) => {
            kpis.retention = Some(r);
            kpis.churn = Some(c);
            kpis.retention_definition = Some(format!(
                "active = a purchase in the last {} days",
                kpi::LAPSE_DAYS
            ));
        }
        // The only failure is S = 0: nobody was active when the month began.
        Some(Err(_)) => {
            need(
                "kpi.retention",
                "customers active at the start of the month",
            );
            need("kpi.churn", "customers active at the start of the month");
        }
        None => {
            need("kpi.retention", "a complete month before the as-of date");
            need("kpi.churn", "a complete month before the as-of date");
        }
    }

    // Survey-based figures.
    let mut nps_section = None;
    match &inputs.surveys {
        Some(s) => {
            match kpi::nps(s, as_of) {
                Some((dist, k)) => {
                    nps_section = Some(dist);
                    kpis.nps = Some(k);
                }
                None => need("nps", "nps answers in surveys.csv"),
            }
            kpis.csat = kpi::csat(s, as_of);
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
        Some(i) => {
            kpis.service = kpi::service(i, b.customers);
            if kpis.service.is_none() {
                need("kpi.service", "tickets or complaints in interactions.csv");
            }
        }
        None => need("kpi.service", "interactions.csv"),
    }
    match &inputs.mrr {
        Some(m) => {
            let f = kpi::mrr(m, period, as_of);
            match f.mrr_at_as_of {
                Ok(v) => kpis.mrr = Some(v),
                Err(e) => need("kpi.mrr", &e),
            }
            match f.period {
                Ok((grr, nrr, quick)) => {
                    kpis.grr = Some(grr);
                    kpis.nrr = Some(nrr);
                    kpis.quick_ratio = quick;
                    if quick.is_none() {
                        need(
                            "kpi.quick_ratio",
                            "some churned or contracted MRR in the month",
                        );
                    }
                }
                Err(e) => {
                    for k in ["kpi.grr", "kpi.nrr", "kpi.quick_ratio"] {
                        need(k, &e);
                    }
                }
            }
        }
        None => {
            for k in ["kpi.mrr", "kpi.grr", "kpi.nrr", "kpi.quick_ratio"] {
                need(k, "mrr_movements.csv");
            }
        }
    }
    match &inputs.spend {
        Some(s) => match kpi::cac(s, &inputs.transactions, inputs.customers.as_deref(), as_of) {
            Ok(c) => kpis.cac = Some(c),
            Err(e) => {
                need("kpi.cac", &e);
                need("kpi.ltv_to_cac", "a CAC");
            }
        },
        None => {
            need("kpi.cac", "spend.csv");
            need("kpi.ltv_to_cac", "spend.csv");
        }
    }

    step("cohorts and funnel");
    let cohorts = kpi::cohorts(&inputs.transactions, as_of, options.max_cohorts);
    if cohorts.is_none() {
        need("cohorts", "purchases on or before the as-of date");
    }
    let funnel = match &inputs.funnel {
        Some(e) => match kpi::funnel(e, inputs.funnel_stages.as_deref()) {
            Ok(f) => Some(f),
            Err(e) => {
                need("funnel", &format!("usable funnel events ({e})"));
                None
            }
        },
        None => {
            need("funnel", "funnel_events.csv");
            None
        }
    };

    step("lifecycle and trends");
    let lifecycle = match trends::lifecycle(&inputs.transactions, as_of) {
        Ok(l) => Some(l),
        Err(e) => {
            need("lifecycle", &e);
            None
        }
    };
    let trend = match &lifecycle {
        Some(l) => {
            match trends::trends(&inputs.transactions, inputs.surveys.as_deref(), l, as_of) {
                Ok(t) => Some(t),
                Err(e) => {
                    need("trends", &e);
                    None
                }
            }
        }
        None => {
            need("trends", "the lifecycle section");
            None
        }
    };

    // Model-based sections.
    step("RFM");
    let rfm = match models::rfm(&ctx) {
        Ok(s) => Some(s),
        Err(e) => {
            need("rfm", &e);
            None
        }
    };
    step("CLV (BG/NBD + Gamma-Gamma)");
    let clv_out = match models::clv(&ctx) {
        Ok(o) => Some(o),
        Err(e) => {
            need("clv", &e);
            None
        }
    };
    if let (Some(cac), Some(o)) = (kpis.cac, clv_out.as_ref()) {
        kpis.ltv = Some(o.mean_clv);
        kpis.ltv_to_cac = kpi::ltv_cac(o.mean_clv, cac);
        kpis.ltv_basis = Some(format!(
            "LTV = mean {:.0}-month CLV from crm-clv",
            models::CLV_HORIZON_MONTHS
        ));
        if kpis.ltv_to_cac.is_none() {
            need("kpi.ltv_to_cac", "a CAC above zero");
        }
    } else if kpis.cac.is_some() {
        need("kpi.ltv_to_cac", "the CLV model (see clv)");
    }
    step("churn risk");
    let churn = match models::churn(&ctx, clv_out.as_ref().map(|o| &o.bgnbd)) {
        Ok(s) => Some(s),
        Err(e) => {
            need("churn", &e);
            None
        }
    };
    let dedup = match &inputs.customers {
        Some(c) => {
            step("duplicates");
            match models::dedup(&ctx, c, step) {
                Ok(s) => Some(s),
                Err(e) => {
                    need("dedup", &e);
                    None
                }
            }
        }
        None => {
            need("dedup", "customers.csv");
            None
        }
    };

    let groups = match &options.by {
        Some(lookup) => {
            step("groups");
            let months: Vec<NaiveDate> = (trend.as_ref())
                .map(|t| t.months.iter().map(|m| m.month).collect())
                .unwrap_or_default();
            let s = inputs.surveys.as_deref();
            match groups::section(&inputs.transactions, s, &inputs.ids, lookup, as_of, &months) {
                Ok(g) => Some(g),
                Err(e) => {
                    need("groups", &e);
                    None
                }
            }
        }
        None => None,
    };

    Ok(Report {
        meta: Meta {
            generator: format!("crm {}", env!("CARGO_PKG_VERSION")),
            as_of: Some(as_of),
            first_date: b.first,
            last_date: b.last,
            after_as_of: b.after,
            inputs: inputs
                .files
                .iter()
                .map(|f| InputFile {
                    kind: f.kind.into(),
                    path: f.path.display().to_string(),
                    rows: f.rows as u64,
                    skipped: f.skipped.count,
                })
                .collect(),
        },
        kpis,
        rfm,
        clv: clv_out.map(|o| o.section),
        churn,
        dedup,
        cohorts,
        funnel,
        lifecycle,
        trends: trend,
        nps: nps_section,
        groups,
        missing,
    })
}
