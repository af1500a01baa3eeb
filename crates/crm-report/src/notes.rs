//! The notes a computation leaves for the person who ran it: what was left out, assumed or
//! fitted on the way, and why. Each note is one sentence without a prefix; the `crm` tool prints
//! them on stderr as `note: ...`, a service may log them.

use crm_churn::{MatchedScores, ScoreNote};
use crm_clv::Intervals;
use crm_dedup::DedupResult;
use crm_io::ScoresRead;
use crm_model::chrono::NaiveDate;
use crm_rfm::RfmTable;

use crate::text::num;

/// The notes on rows a purchase summary or RFM table left out: transactions dated after `end`
/// (its words: "the as-of date") and returns (negative amounts), which are not purchases.
///
/// ```
/// let n = crm_analytics::report::notes::left_out(2, "the as-of date", 0);
/// assert_eq!(n, ["left out 2 transaction(s) dated after the as-of date"]);
/// ```
pub fn left_out(after_end: usize, end: &str, returns: usize) -> Vec<String> {
    let mut notes = Vec::new();
    if after_end > 0 {
        notes.push(format!(
            "left out {after_end} transaction(s) dated after {end}"
        ));
    }
    if returns > 0 {
        notes.push(format!(
            "{returns} refund/return row(s) (negative amounts) do not count as purchases"
        ));
    }
    notes
}

/// The notes of an RFM table: customers and as-of date, then [`left_out`].
pub fn rfm(t: &RfmTable) -> Vec<String> {
    let mut notes = vec![format!(
        "{} customer(s), as-of {}",
        t.customers.len(),
        t.as_of
    )];
    notes.extend(left_out(
        t.excluded_after_as_of,
        "the as-of date",
        t.non_purchases,
    ));
    notes
}

/// The notes of a churn scoring run (how the model was fitted or trained).
pub fn churn_scores(notes: &[ScoreNote], as_of: NaiveDate) -> Vec<String> {
    (notes.iter())
        .map(|note| match note {
            ScoreNote::BgNbdNotConverged { gradient_norm } => format!(
                "the BG/NBD fit stopped before its convergence test passed (gradient norm {gradient_norm:.2e}); scores use the best parameters found"
            ),
            ScoreNote::LogisticTrained {
                customers,
                churned,
                train_as_of,
            } => format!(
                "logistic model trained on {customers} customers as of {train_as_of} ({churned} churned by {as_of})"
            ),
        })
        .collect()
}

/// The notes of matching churn scores to labels: scores left out and customers without one.
pub fn score_matching(m: &MatchedScores, as_of: NaiveDate) -> Vec<String> {
    let mut notes = Vec::new();
    if m.unknown > 0 {
        notes.push(format!(
            "{} scored customer(s) never appear in the transactions; left out",
            m.unknown
        ));
    }
    if m.outside > 0 {
        notes.push(format!(
            "{} scored customer(s) had no purchase on or before {as_of}; left out",
            m.outside
        ));
    }
    if m.unscored > 0 {
        notes.push(format!(
            "{} customer(s) who bought by {as_of} have no score; evaluated on the {} scored",
            m.unscored,
            m.scores.len()
        ));
    }
    notes
}

/// The note of CLV prediction intervals at `level`: draws and the totals with their intervals.
pub fn clv_intervals(iv: &Intervals, level: f64) -> String {
    let t = &iv.total_expected_purchases;
    format!(
        "{:.0}% intervals from {} parameter draws; total expected purchases {:.1} [{:.1}, {:.1}]{}",
        100.0 * level,
        iv.draws,
        t.point,
        t.interval.low,
        t.interval.high,
        iv.total_clv.map_or_else(String::new, |c| format!(
            ", total CLV {:.2} [{:.2}, {:.2}]",
            c.point, c.interval.low, c.interval.high
        ))
    )
}

/// The notes of reading survey answers of the question `kind`: rows of other questions, rows
/// left out by filters (`filtered`: filters were given) and answers of unknown customers.
pub fn survey_answers(read: &ScoresRead, kind: &str, filtered: bool) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some((col, other)) = &read.other_types {
        notes.push(format!(
            "{} {kind} answer(s), rows with {col} = {kind}; left out {other} row(s) of other questions",
            read.answers
        ));
    }
    if filtered {
        notes.push(format!("--where left out {} row(s)", read.filtered_out));
    }
    if read.unmatched > 0 {
        notes.push(format!(
            "{} answer(s) from customers not in --customers: grouped under empty values",
            read.unmatched
        ));
    }
    notes
}

/// The note on `n` customers a drill-down by customer attributes found no row for in the
/// customer table (none when `n` is 0).
pub fn ungrouped_customers(n: u64) -> Option<String> {
    (n > 0).then(|| format!("{n} customer(s) not in --customers: grouped under empty values"))
}

/// The notes of a drill-down by customer attributes: customers the customer table lacks
/// (grouped under empty values) and `empty` results left out, `what` naming them and what they
/// lacked (e.g. "group(s) without purchases").
pub fn drill(unmatched: u64, empty: u64, what: &str) -> Vec<String> {
    let left_out = (empty > 0).then(|| format!("left out {empty} {what}"));
    ungrouped_customers(unmatched)
        .into_iter()
        .chain(left_out)
        .collect()
}

/// The note on `n` customers whose first purchase is in the holdout window (none when 0).
pub fn first_seen_in_holdout(n: usize) -> Option<String> {
    (n > 0).then(|| {
        format!("{n} customer(s) first bought in the holdout window and are not summarised")
    })
}

/// The note on `n` customers whose rows of the data file hold more than one value of the group
/// `columns` (the first row's are used; none when `n` is 0).
pub fn first_row_attributes(n: u64, columns: &[String]) -> Option<String> {
    (n > 0).then(|| {
        format!(
            "{n} customer(s) have more than one value of {} in the file: grouped by their first row's",
            columns.join(", ")
        )
    })
}

/// The note on `n` (group, period) rows left out of a retention series because nobody was
/// carried into the period (none when `n` is 0).
pub fn empty_periods(n: u64) -> Option<String> {
    (n > 0).then(|| format!("left out {n} period(s) nobody was carried into"))
}

/// The one-paragraph account of a deduplication run of `records` records: candidate pairs,
/// clusters, links, merges the chaining guard refused and exact copies folded.
pub fn dedup(records: usize, r: &DedupResult) -> Vec<String> {
    let mut notes = vec![format!(
        "{} records, {} candidate pairs (reduction ratio {}), {} clusters, {} links, {} merges refused by the chaining guard",
        records,
        r.blocking.candidate_pairs,
        r.blocking.reduction_ratio.map_or("-".into(), |x| num(x, 4)),
        r.clustering.n_clusters,
        r.clustering.links,
        r.clustering.rejected_merges
    )];
    if r.exact.folded() > 0 {
        notes.push(format!(
            "{} records were exact copies (after normalisation) of an earlier record: each joined that record's cluster without being paired again",
            r.exact.folded()
        ));
    }
    notes
}
