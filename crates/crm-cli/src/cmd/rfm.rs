//! `crm rfm`: recency, frequency, monetary value, scores and segments per customer.
//!
//! The file is streamed straight into a per-customer accumulator by
//! `crm_analytics::io::fold_purchases` (parallel parts, no transaction list is kept).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::{
    CustomerInterner, LateEvents, Limits, ModelError, SameDayPurchases, TimeUnit,
};
use crm_analytics::report::{drill, listings, notes};
use crm_analytics::rfm::{
    MonetaryValue, RfmAccumulator, RfmCustomer, RfmModel, SegmentMap, SegmentReport, TiePolicy,
    analyze_rows, sort_by_customer_id,
};
use serde::Serialize;

use crate::args::{
    ByCustomer, InputOptions, RowsOutput, TransactionColumns, among, choice, print_notes,
    report_skipped,
};
use crate::cmd::summary::parse_day;
use crate::error::{CliError, CliResult};
use crate::output::{self, Format};
use crm_analytics::io::{
    IoError, OutputFormat, fold_purchases, load_transactions, read_json, write_rows,
};

/// Tie handling of the n-tile scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Ties {
    /// Cut points on values: equal values share a score, input order never matters (default).
    Value,
    /// pandas rank(method="first") + qcut: equal-sized scores, ties broken by customer id order.
    RankFirst,
}

/// Arguments of `crm rfm`.
#[derive(Debug, Args)]
pub struct RfmArgs {
    /// Transaction file (CSV with a header unless --no-header).
    #[arg(long)]
    pub transactions: PathBuf,
    #[command(flatten)]
    pub columns: TransactionColumns,
    /// Date recency is measured to (YYYY-MM-DD); default: the day after the last purchase.
    #[arg(long, value_parser = parse_day)]
    pub as_of: Option<NaiveDate>,
    /// Number of score levels (n-tiles).
    #[arg(long, default_value_t = 5)]
    pub bins: u8,
    /// Tie policy of the scores.
    #[arg(long, value_enum, default_value = "value")]
    pub ties: Ties,
    /// Segment map: default (10 segments), with-lost (11), tiers (VIP / Potential / Churn
    /// warning), or a JSON file with {"rules": [...], "fallback": "..."}.
    #[arg(long, default_value = "default")]
    pub segments: String,
    /// Score with stored cut points (JSON from --save-cut-points, or hand-written thresholds)
    /// instead of fitting them on this file.
    #[arg(long, conflicts_with = "ties")]
    pub cut_points: Option<PathBuf>,
    /// Write the value-based cut points fitted on this file as JSON, to score other files later.
    #[arg(long)]
    pub save_cut_points: Option<PathBuf>,
    /// Count purchases on the same day as one.
    #[arg(long)]
    pub merge_same_day: bool,
    /// Monetary value: total spend or mean spend per purchase.
    #[arg(long, value_parser = choice::<MonetaryValue>(), default_value = "total")]
    pub monetary: MonetaryValue,
    /// Leave out purchases after --as-of (and report how many) instead of failing.
    #[arg(long)]
    pub exclude_after_as_of: bool,
    /// Also write the segment report (count, revenue, shares, mean R/F/M per segment) after the
    /// rows: CSV and table output put it after a blank line, JSON output becomes one object
    /// `{"customers": [...], "report": {...}}`. With --report-output it goes to its own file.
    #[arg(long)]
    pub report: bool,
    /// Write only the segment report, no per-customer rows.
    #[arg(long, conflicts_with_all = ["report", "report_output"])]
    pub report_only: bool,
    /// Write the segment report to this file (in --format) and the rows to --output or stdout.
    #[arg(long)]
    pub report_output: Option<PathBuf>,
    /// The segment report per group (without --report or --report-output, only it).
    #[command(flatten)]
    pub by: ByCustomer,
    /// The segment report as of the end of each week, month or quarter up to --as-of, each
    /// date scored on its own (instead of the per-customer rows).
    #[arg(long, value_parser = among(&[TimeUnit::Week, TimeUnit::Month, TimeUnit::Quarter]))]
    #[arg(conflicts_with_all = ["report", "report_output", "save_cut_points"])]
    pub every: Option<TimeUnit>,
    #[command(flatten)]
    pub out: RowsOutput,
    #[command(flatten)]
    pub input: InputOptions,
}

fn segment_map(spec: &str) -> CliResult<SegmentMap> {
    match SegmentMap::preset(spec) {
        Some(map) => Ok(map),
        None => Ok(read_json(Path::new(spec), "a segment map").map_err(|e| {
            e.with_note(
                r#"expected {"rules": [{"segment": "VIP", "r": [4, 5]}], "fallback": "Other"}"#,
            )
        })?),
    }
}

/// Runs `crm rfm`.
pub fn run(a: &RfmArgs) -> CliResult<()> {
    let map = segment_map(&a.segments)?;
    let seg = map
        .compile(a.bins)
        .map_err(|e| CliError::Usage(format!("--segments {}: {e}", a.segments)))?;
    let ties = match &a.cut_points {
        Some(p) => {
            let m: RfmModel = read_json(p, "cut points")?;
            TiePolicy::Fixed(m.cut_points().clone())
        }
        None => match a.ties {
            Ties::Value => TiePolicy::ValueBased,
            Ties::RankFirst => TiePolicy::RankFirst,
        },
    };
    if a.save_cut_points.is_some() && ties != TiePolicy::ValueBased {
        return Err(CliError::Usage(
            "--save-cut-points needs value-based cut points (--ties value, no --cut-points)".into(),
        ));
    }
    let same_day = if a.merge_same_day {
        SameDayPurchases::Merge
    } else {
        SameDayPurchases::Separate
    };
    let late = if a.exclude_after_as_of {
        LateEvents::Exclude
    } else {
        LateEvents::Reject
    };
    if let Some(unit) = a.every {
        let loaded = load_transactions(&a.transactions, &a.columns.columns(), &a.input.read())?;
        report_skipped(&loaded.skipped);
        let l =
            a.by.lookup(&a.transactions, &a.columns.customer_column, &a.input)?;
        let (bins, ties, map, monetary) = (a.bins, &ties, &map, a.monetary);
        let recipe = drill::RfmRecipe {
            same_day,
            monetary,
            bins,
            ties,
            map,
        };
        let (tx, ids, limits) = (&loaded.transactions, &loaded.ids, Limits::default());
        let r = drill::rfm_segments_every(tx, ids, unit, a.as_of, recipe, l.as_ref(), limits)?;
        print_notes(notes::drill(r.unmatched, 0, ""));
        return output::grouped_rows(a.out.output.as_ref(), a.out.format, &r.into_flat_rows());
    }
    let (acc, ids) = load(a, same_day, late)?;
    let monetary = a.monetary;
    let table = acc
        .finish(a.as_of, monetary)
        .map_err(|e| CliError::Library(format!("{}: {e}", a.transactions.display())))?;
    print_notes(notes::rfm(&table));
    // Rows in customer-id order (numeric ids by value, "00042" = 42, then text ids); rank-first
    // ties follow this order, as they follow pandas' sorted groupby.
    let mut values = table.customers;
    let sorted_ids = sort_by_customer_id(&mut values, &ids);
    if let Some(p) = &a.save_cut_points {
        let m = RfmModel::fit(&values, a.bins)?;
        let j = serde_json::to_string_pretty(&m)?;
        output::write_with(Some(p), |w| w.write_all((j + "\n").as_bytes()))?;
    }
    let res = analyze_rows(&values, a.bins, &ties, &map)?;
    let by = match a
        .by
        .lookup(&a.transactions, &a.columns.customer_column, &a.input)?
    {
        Some(l) => {
            let r = drill::rfm_segments_by(&values, &res, &ids, &l, Limits::default())?;
            print_notes(notes::drill(r.unmatched, 0, ""));
            Some(r.map(|r| r.segments).into_flat_rows())
        }
        None => None,
    };
    let report_only = a.report_only || (by.is_some() && !a.report && a.report_output.is_none());
    let report = |w: &mut dyn Write| match &by {
        Some(g) => output::grouped(w, a.out.format, &g.names, &g.keys, &g.rows),
        None => write_report(w, a.out.format, &res.report),
    };
    drop(seg);
    drop(values);
    let rows = res.with_ids(&sorted_ids);
    if !report_only && output::parquet(a.out.output.as_ref(), &rows)? {
        if let Some(rp) = &a.report_output {
            output::write_with(Some(rp), report)?;
        }
        return Ok(());
    }
    let out_path = a.out.output.as_ref();
    let mut w = output::open(out_path)?;
    let werr = output::write_err(out_path);
    if report_only {
        report(&mut w).map_err(&werr)?;
    } else if let Some(rp) = &a.report_output {
        write_customers(&mut w, a.out.format, &rows).map_err(&werr)?;
        output::write_with(Some(rp), report)?;
    } else if a.report && by.is_none() {
        match a.out.format {
            Format::Json => {
                #[derive(Serialize)]
                struct Both<'a> {
                    customers: &'a [RfmCustomer<'a>],
                    report: &'a crm_analytics::rfm::SegmentReport,
                }
                let both = Both {
                    customers: &rows,
                    report: &res.report,
                };
                serde_json::to_writer_pretty(&mut w, &both).map_err(|e| werr(e.into()))?;
                writeln!(w).map_err(&werr)?;
            }
            Format::Csv | Format::Table => {
                write_customers(&mut w, a.out.format, &rows).map_err(&werr)?;
                writeln!(w).map_err(&werr)?;
                report(&mut w).map_err(&werr)?;
            }
        }
    } else {
        write_customers(&mut w, a.out.format, &rows).map_err(&werr)?;
    }
    w.flush().map_err(&werr)?;
    Ok(())
}

fn write_customers(
    w: &mut dyn Write,
    format: Format,
    rows: &[RfmCustomer<'_>],
) -> std::io::Result<()> {
    match format {
        Format::Csv => write_rows(w, OutputFormat::Csv, rows),
        Format::Json => output::json(w, &rows),
        Format::Table => w.write_all(listings::rfm_customers(rows).as_bytes()),
    }
}

fn write_report(w: &mut dyn Write, format: Format, r: &SegmentReport) -> std::io::Result<()> {
    match format {
        Format::Json => output::json(w, r),
        Format::Csv => listings::rfm_segments(r).write_csv(w),
        Format::Table => w.write_all(listings::rfm_segments(r).aligned().as_bytes()),
    }
}

/// Streams the file into the accumulator (in parallel parts for comma, tab and semicolon files).
fn load(
    a: &RfmArgs,
    same_day: SameDayPurchases,
    late: LateEvents,
) -> CliResult<(RfmAccumulator, CustomerInterner)> {
    let folded = fold_purchases(
        &a.transactions,
        &a.columns.columns(),
        &a.input.read(),
        None,
        || {
            let acc = RfmAccumulator::new(same_day);
            match a.as_of {
                Some(d) => acc.cutoff(d, late),
                None => acc,
            }
        },
    )
    .map_err(late_hint)?;
    report_skipped(&folded.skipped);
    Ok((folded.state, folded.ids))
}

/// Adds the way out to an error about a purchase after `--as-of`.
fn late_hint(e: IoError) -> CliError {
    let late = (ModelError::AfterObservationEnd {
        date: NaiveDate::MIN,
        end: NaiveDate::MIN,
    })
    .to_string();
    // The fixed words of that message: "is after the observation end".
    let words = late.split(' ').skip(2).take(5).collect::<Vec<_>>();
    if e.message().is_some_and(|m| m.contains(&words.join(" "))) {
        return e
            .with_note("use --exclude-after-as-of to leave such rows out")
            .into();
    }
    e.into()
}
