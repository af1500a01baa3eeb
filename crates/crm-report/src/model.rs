//! The report view-model: plain serde structs, one per section. Renderers (table, JSON, HTML)
//! read only these; the builder fills them from the libraries. Every section is optional so the
//! report uses whatever inputs are given; `missing` says why a section is absent.

use crm_model::chrono::NaiveDate;
use crm_model::rust_decimal::Decimal;
use serde::Serialize;

/// The whole report.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    /// Where the data came from and the reference date.
    pub meta: Meta,
    /// Headline numbers.
    pub kpis: Kpis,
    /// RFM segment table and R-by-F grid.
    pub rfm: Option<RfmSection>,
    /// Probabilistic CLV (BG/NBD + Gamma-Gamma).
    pub clv: Option<ClvSection>,
    /// Churn risk tiers and the customers to call.
    pub churn: Option<ChurnSection>,
    /// Duplicate customer records and golden records.
    pub dedup: Option<DedupSection>,
    /// Cohort retention matrix.
    pub cohorts: Option<CohortSection>,
    /// Funnel step counts.
    pub funnel: Option<FunnelSection>,
    /// Lifecycle stages as of the as-of date, by month, and the moves of the last quarter.
    pub lifecycle: Option<LifecycleSection>,
    /// Monthly trends of active customers, revenue and NPS.
    pub trends: Option<TrendSection>,
    /// NPS distribution.
    pub nps: Option<NpsSection>,
    /// Key figures per group of customers (only with `BuildOptions::by`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<GroupSection>,
    /// Why absent sections are absent: `(section, what it needs)`.
    pub missing: Vec<Missing>,
}

/// Why a section is absent.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Missing {
    /// Section key (`rfm`, `clv`, `churn`, `dedup`, `cohorts`, `funnel`, `nps`, or a KPI name).
    pub section: String,
    /// What it needs, e.g. "surveys.csv with nps answers".
    pub needs: String,
}

impl Report {
    /// What a missing section needs, if it is recorded.
    pub fn needs(&self, section: &str) -> Option<&str> {
        self.missing
            .iter()
            .find(|m| m.section == section)
            .map(|m| m.needs.as_str())
    }
}

/// One input file.
#[derive(Debug, Clone, Serialize, Default)]
pub struct InputFile {
    /// What it holds (`transactions`, `customers`, ...).
    pub kind: String,
    /// Path as given.
    pub path: String,
    /// Rows read.
    pub rows: u64,
    /// Rows skipped under `--skip-invalid`.
    pub skipped: u64,
}

/// Report metadata.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Meta {
    /// Tool name and version.
    pub generator: String,
    /// Reference day (inclusive): "now" for recency, activity and churn.
    pub as_of: Option<NaiveDate>,
    /// First transaction date.
    pub first_date: Option<NaiveDate>,
    /// Last transaction date on or before `as_of`.
    pub last_date: Option<NaiveDate>,
    /// Transactions dated after `as_of`, left out.
    pub after_as_of: u64,
    /// The files read.
    pub inputs: Vec<InputFile>,
}

/// NPS with its interval.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NpsKpi {
    /// NPS in -100..=100.
    pub score: f64,
    /// Lower end of the confidence interval, when computed.
    pub ci_low: Option<f64>,
    /// Upper end of the confidence interval, when computed.
    pub ci_high: Option<f64>,
    /// Confidence level of the interval (e.g. 0.95).
    pub confidence: Option<f64>,
    /// Number of answers.
    pub responses: u64,
}

/// CSAT summary.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CsatKpi {
    /// Share of answers in the top two boxes (4-5 on 1-5).
    pub top_two_box: f64,
    /// Lower end of the Wilson interval of the top-two-box share.
    pub ci_low: Option<f64>,
    /// Upper end of the Wilson interval of the top-two-box share.
    pub ci_high: Option<f64>,
    /// Highest answer of the scale (5 on 1-5).
    pub scale_max: u8,
    /// Mean answer.
    pub mean: f64,
    /// Number of answers.
    pub responses: u64,
}

/// Support ticket and complaint summary.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ServiceKpi {
    /// Support tickets.
    pub tickets: u64,
    /// Complaints.
    pub complaints: u64,
    /// Tickets and complaints without a resolution time.
    pub unresolved: u64,
    /// Median hours from opening to resolution of resolved complaints.
    pub median_resolution_hours: Option<f64>,
    /// Resolved complaints / complaints.
    pub resolution_rate: Option<f64>,
    /// Complaints per 100 customers.
    pub complaints_per_100_customers: Option<f64>,
}

/// A half-open period `[start, end)`.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct PeriodView {
    /// First day.
    pub start: NaiveDate,
    /// Day after the last.
    pub end: NaiveDate,
}

/// Headline numbers. `None`: not computable from the inputs given (see `Report::missing`).
#[derive(Debug, Clone, Serialize, Default)]
pub struct Kpis {
    /// Customers with at least one purchase up to `as_of`.
    pub customers: u64,
    /// Customers with a purchase in the 30 days ending on `as_of`.
    pub active_last_30_days: u64,
    /// Net revenue (purchases minus returns) up to `as_of`.
    pub revenue: Decimal,
    /// The last complete calendar month before `as_of` (retention/churn period).
    pub last_period: Option<PeriodView>,
    /// Customer retention over `last_period`.
    pub retention: Option<f64>,
    /// Customer churn over `last_period`.
    pub churn: Option<f64>,
    /// How a customer counts as active for retention and churn, in words.
    pub retention_definition: Option<String>,
    /// Share of customers with more than one purchase occasion.
    pub repeat_purchase_rate: Option<f64>,
    /// Average order value: gross purchase revenue / purchases.
    pub aov: Option<Decimal>,
    /// Average revenue per customer over the data window: net revenue / customers.
    pub arpu: Option<Decimal>,
    /// Net Promoter Score.
    pub nps: Option<NpsKpi>,
    /// Customer satisfaction.
    pub csat: Option<CsatKpi>,
    /// Customer acquisition cost.
    pub cac: Option<Decimal>,
    /// Lifetime value to CAC ratio.
    pub ltv_to_cac: Option<f64>,
    /// The LTV used in `ltv_to_cac`.
    pub ltv: Option<f64>,
    /// Where the LTV comes from, in words.
    pub ltv_basis: Option<String>,
    /// Gross revenue retention of subscription MRR.
    pub grr: Option<f64>,
    /// Net revenue retention of subscription MRR.
    pub nrr: Option<f64>,
    /// SaaS quick ratio of `last_period`: (new + expansion + reactivation) / (churn + contraction).
    pub quick_ratio: Option<f64>,
    /// Subscription MRR at `as_of`.
    pub mrr: Option<Decimal>,
    /// Tickets and complaints.
    pub service: Option<ServiceKpi>,
}

// ---------------------------------------------------------------------------------------------
// RFM
// ---------------------------------------------------------------------------------------------

/// One RFM segment.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RfmSegmentRow {
    /// Segment name (e.g. "Champions").
    pub segment: String,
    /// Customers in it.
    pub customers: u64,
    /// Share of all customers.
    pub share: f64,
    /// Mean days since last purchase.
    pub mean_recency_days: f64,
    /// Mean number of purchases.
    pub mean_frequency: f64,
    /// Mean spend per customer.
    pub mean_monetary: f64,
    /// Share of revenue.
    pub revenue_share: f64,
    /// Suggested action, when the segment scheme has one.
    pub action: Option<String>,
}

/// One cell of the R-by-F grid.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RfmGridCell {
    /// Recency score (1 = longest ago).
    pub r: u8,
    /// Frequency score (1 = fewest purchases).
    pub f: u8,
    /// Customers in the cell.
    pub customers: u64,
    /// The segment most customers of the cell belong to.
    pub segment: String,
}

/// RFM section.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RfmSection {
    /// Scoring method in words (e.g. "quintiles, F and M averaged").
    pub method: String,
    /// Number of score levels (usually 5).
    pub levels: u8,
    /// Segment table, largest first.
    pub segments: Vec<RfmSegmentRow>,
    /// R-by-F grid, all `levels x levels` cells.
    pub grid: Vec<RfmGridCell>,
}

// ---------------------------------------------------------------------------------------------
// CLV
// ---------------------------------------------------------------------------------------------

/// Fitted BG/NBD parameters.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BgNbdParams {
    /// r.
    pub r: f64,
    /// alpha.
    pub alpha: f64,
    /// a.
    pub a: f64,
    /// b.
    pub b: f64,
    /// Log-likelihood at the optimum.
    pub log_likelihood: Option<f64>,
}

/// Fitted Gamma-Gamma parameters.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GammaGammaParams {
    /// p.
    pub p: f64,
    /// q.
    pub q: f64,
    /// v (gamma).
    pub v: f64,
}

/// One customer's CLV row.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClvCustomer {
    /// External id.
    pub customer_id: String,
    /// Repeat purchases x.
    pub frequency: u32,
    /// Recency t_x in the model unit.
    pub recency: f64,
    /// Age T in the model unit.
    pub age: f64,
    /// Probability of being alive.
    pub p_alive: f64,
    /// Expected purchases over the horizon.
    pub expected_purchases: f64,
    /// Expected spend per purchase.
    pub expected_spend: f64,
    /// Expected value over the horizon.
    pub clv: f64,
}

/// A histogram bin `[lo, hi)`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HistogramBin {
    /// Lower edge.
    pub lo: f64,
    /// Upper edge.
    pub hi: f64,
    /// Count.
    pub count: u64,
}

/// A heat-map grid: `values[row][col]`, rows along y, columns along x.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HeatGrid {
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// Column labels.
    pub x_ticks: Vec<String>,
    /// Row labels.
    pub y_ticks: Vec<String>,
    /// Cell values (`None`: no value).
    pub values: Vec<Vec<Option<f64>>>,
}

/// CLV section.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClvSection {
    /// How the models were fitted and used, in words (fit notes included).
    pub method: String,
    /// Model unit (e.g. "week").
    pub unit: String,
    /// Horizon in the unit.
    pub horizon: f64,
    /// Annual discount rate applied, if any.
    pub discount_rate: Option<f64>,
    /// BG/NBD fit.
    pub bgnbd: BgNbdParams,
    /// Gamma-Gamma fit (absent when too few repeat buyers).
    pub gamma_gamma: Option<GammaGammaParams>,
    /// Sum of expected value over all customers.
    pub total_expected_value: f64,
    /// Highest-value customers, best first.
    pub top_customers: Vec<ClvCustomer>,
    /// Distribution of per-customer CLV.
    pub distribution: Vec<HistogramBin>,
    /// P(alive) by frequency (x) and recency (y).
    pub p_alive: HeatGrid,
}

// ---------------------------------------------------------------------------------------------
// Churn
// ---------------------------------------------------------------------------------------------

/// One risk tier.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChurnTier {
    /// Name ("high", "medium", "low").
    pub tier: String,
    /// Score range in words (e.g. "P(churn) >= 0.7").
    pub rule: String,
    /// Customers in it.
    pub customers: u64,
    /// Their share of revenue (value at risk).
    pub revenue_share: Option<f64>,
}

/// A customer to call.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChurnCustomer {
    /// External id.
    pub customer_id: String,
    /// Churn score in [0, 1].
    pub score: f64,
    /// Tier.
    pub tier: String,
    /// Value at stake (e.g. historical or expected value).
    pub value: f64,
    /// Why (e.g. "no purchase for 120 days, usually every 30").
    pub reason: Option<String>,
}

/// One calibration point: predicted vs observed churn in a score bin.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CalibrationPoint {
    /// Mean predicted probability in the bin.
    pub predicted: f64,
    /// Observed rate in the bin.
    pub observed: f64,
    /// Customers in the bin.
    pub count: u64,
}

/// Churn section.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChurnSection {
    /// Scoring method in words.
    pub method: String,
    /// Risk tiers, highest risk first.
    pub tiers: Vec<ChurnTier>,
    /// Customers to call first (high risk, high value).
    pub to_call: Vec<ChurnCustomer>,
    /// Calibration on a holdout, when evaluated.
    pub calibration: Vec<CalibrationPoint>,
    /// Area under the ROC curve on the holdout.
    pub auc: Option<f64>,
    /// How the calibration was obtained (earlier as-of date, horizon), in words.
    pub calibration_note: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Dedup
// ---------------------------------------------------------------------------------------------

/// A golden record (the merged view of one cluster).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GoldenRecord {
    /// Ids of the merged records.
    pub members: Vec<String>,
    /// Surviving name.
    pub name: Option<String>,
    /// Surviving email.
    pub email: Option<String>,
    /// Surviving phone.
    pub phone: Option<String>,
    /// Surviving company.
    pub company: Option<String>,
}

/// Precision / recall against known truth.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DedupEvaluation {
    /// Pair precision.
    pub precision: f64,
    /// Pair recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
}

/// Dedup section.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DedupSection {
    /// Records examined.
    pub records: u64,
    /// Candidate pairs compared.
    pub candidate_pairs: u64,
    /// Pairs classified as matches.
    pub matched_pairs: u64,
    /// Clusters of two or more records.
    pub clusters: u64,
    /// Records that would disappear by merging (records - golden records).
    pub redundant_records: u64,
    /// Largest clusters / a sample of golden records.
    pub examples: Vec<GoldenRecord>,
    /// Evaluation against ground truth (demo data has it).
    pub evaluation: Option<DedupEvaluation>,
}

// ---------------------------------------------------------------------------------------------
// Cohorts, funnel, NPS
// ---------------------------------------------------------------------------------------------

/// One acquisition cohort.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CohortRow {
    /// First day of the cohort period.
    pub cohort: NaiveDate,
    /// Customers whose first purchase fell in it.
    pub size: u64,
    /// `active[k]`: cohort customers who purchased in period `k` after the cohort period
    /// (`active[0] == size`); only periods that ended by `as_of` are included.
    pub active: Vec<u64>,
    /// `active[k] / size`.
    pub retention: Vec<f64>,
}

/// Lifecycle section (`crm_metrics::lifecycle` with the default rules).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LifecycleSection {
    /// The stage rules in words.
    pub definition: String,
    /// Customers, share and revenue per stage as of the as-of date (stage order: new, active,
    /// reactivated, silent, churned, lead).
    pub counts: Vec<crm_metrics::lifecycle::StageCount>,
    /// Customers per stage at each month end (the last: the as-of date), oldest first.
    pub monthly: Vec<StageMonth>,
    /// Moves between stages from the start of the window to the as-of date.
    pub transitions: crm_metrics::lifecycle::Transitions,
}

/// Customers per stage at one date.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct StageMonth {
    /// The date (a month end, or the as-of date).
    pub date: NaiveDate,
    /// Customers per stage, in the order of [`crm_metrics::lifecycle::Stage::ALL`].
    pub customers: [u64; 6],
}

/// Monthly trends.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrendSection {
    /// One row per month, oldest first (at most the last 24 months up to the as-of date).
    pub months: Vec<TrendMonth>,
}

/// Key figures per group of customers (`crm report --by COLUMN`), defined as the report's.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupSection {
    /// The group columns (customer attributes).
    pub columns: Vec<String>,
    /// First days of the months of [`GroupFigures::monthly_revenue`].
    pub months: Vec<NaiveDate>,
    /// One entry per group, in the order of the group values.
    pub groups: Vec<GroupFigures>,
    /// Customers not in the customer table (in the group of empty values).
    pub unmatched: u64,
}

/// One group of [`GroupSection`].
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupFigures {
    /// The group's values of the group columns.
    pub key: Vec<String>,
    /// Customers with a purchase up to the as-of date.
    pub customers: u64,
    /// Customers with a purchase in the last 30 days.
    pub active_last_30_days: u64,
    /// Net revenue.
    pub revenue: Decimal,
    /// Average order value.
    pub aov: Option<Decimal>,
    /// Share of customers with two or more orders.
    pub repeat_purchase_rate: Option<f64>,
    /// Retention over the last complete month (as the key figure).
    pub retention: Option<f64>,
    /// Churn over the last complete month.
    pub churn: Option<f64>,
    /// NPS of the group's answers up to the as-of date.
    pub nps: Option<f64>,
    /// NPS answers of the group.
    pub nps_answers: u64,
    /// Revenue of each month of [`GroupSection::months`].
    pub monthly_revenue: Vec<Decimal>,
}

/// One month of [`TrendSection`].
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrendMonth {
    /// First day of the month.
    pub month: NaiveDate,
    /// Customers new, active or reactivated at the month's end (or the as-of date).
    pub active_customers: u64,
    /// Revenue of the month's purchases (up to the as-of date).
    pub revenue: Decimal,
    /// NPS of the month's answers, when there were any.
    pub nps: Option<f64>,
    /// NPS answers of the month.
    pub nps_answers: u64,
    /// Customer retention of the month (cohort form: of the customers active before it began,
    /// the share still active at its end; activity by the 90-day inactivity rule); `None` for
    /// the month of the as-of date unless it is complete, and for a month nobody began in.
    pub retention: Option<f64>,
}

/// Cohort section.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CohortSection {
    /// Period unit ("month").
    pub unit: String,
    /// Definition of "retained" in words.
    pub definition: String,
    /// Cohorts, oldest first.
    pub rows: Vec<CohortRow>,
}

/// One funnel step.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FunnelStep {
    /// Stage name.
    pub stage: String,
    /// Subjects that reached it.
    pub subjects: u64,
    /// `subjects / previous step's subjects`.
    pub from_previous: Option<f64>,
    /// `subjects / first step's subjects`.
    pub from_start: Option<f64>,
}

/// Funnel section.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FunnelSection {
    /// Counting rule in words.
    pub definition: String,
    /// Steps in order.
    pub steps: Vec<FunnelStep>,
}

/// NPS distribution.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NpsSection {
    /// `counts[s]`: answers with score `s` (0..=10).
    pub counts: Vec<u64>,
    /// Answers 9-10.
    pub promoters: u64,
    /// Answers 7-8.
    pub passives: u64,
    /// Answers 0-6.
    pub detractors: u64,
    /// NPS = %promoters - %detractors.
    pub score: f64,
}
