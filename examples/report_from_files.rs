//! The full CRM report (key figures, RFM, CLV, churn risk, duplicates, cohorts, funnel, NPS)
//! from a directory of CSV files, through the facade only.
//!
//! Run: `cargo run --release --example report_from_files -- DIR OUT.html`
//!
//! `DIR` holds the files named in `crm_analytics::io::names`: `transactions.csv` (required:
//! `customer_id,date,amount`) and any of `customers.csv`, `surveys.csv`, `interactions.csv`,
//! `mrr_movements.csv`, `funnel_events.csv`, `spend.csv`; sections whose files are missing are
//! listed as such. The HTML report (one self-contained page with inline SVG charts) goes to
//! `OUT.html` and the text rendering to stdout.
//!
//! Without arguments a small demo data directory (300 customers, seed 42) is generated first in
//! a temporary directory, as `crm demo` does, and the report is written next to it.
//!
//! The steps:
//! 1. `io::DataFiles::in_dir` finds the files, `io::read_data_set` reads them into one customer
//!    key space (a malformed row stops with its file, line and column);
//! 2. `report::build` computes every section it has data for;
//! 3. `report::html::render` and `report::table::render` turn the report into HTML and text
//!    (`report::json::render` would give JSON).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crm_analytics::demo::{DemoConfig, DemoData, DemoGenerator, FUNNEL_STAGES, spend};
use crm_analytics::io::{DataDirWriter, DataFiles, ReadOptions, TransactionColumns, read_data_set};
use crm_analytics::report::{self, BuildOptions};

/// Writes a demo data set of `customers` people to `dir`: one CSV file per kind of record,
/// generated person by person (constant memory) as `crm demo` does.
fn write_demo(dir: &Path, config: &DemoConfig) -> crm_analytics::Result<()> {
    let mut writers = DataDirWriter::create(dir, DemoData::id_of)?;
    for person in DemoGenerator::new(config)? {
        let p = person?;
        let person_id = p.truth.person.to_string();
        writers.write_customers(&p.records, Some(&person_id))?;
        writers.write_transactions(&p.transactions)?;
        writers.write_surveys(&p.surveys)?;
        writers.write_interactions(&p.interactions)?;
        writers.write_mrr_movements(&p.mrr_movements)?;
        writers.write_funnel_events(&p.funnel_events)?;
    }
    writers.write_spend(&spend(config)?)?;
    writers.finish()?;
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The facade error's message names the file, line and column of bad input.
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> crm_analytics::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, out, demo) = match args.as_slice() {
        [dir, out] => (PathBuf::from(dir), PathBuf::from(out), None),
        [] => {
            let tmp =
                std::env::temp_dir().join(format!("crm-report-example-{}", std::process::id()));
            let config = DemoConfig {
                customers: 300,
                seed: 42,
                ..DemoConfig::default()
            };
            write_demo(&tmp, &config)?;
            eprintln!("wrote a demo data set to {}", tmp.display());
            (tmp.clone(), tmp.join("report.html"), Some(config))
        }
        _ => {
            eprintln!("usage: report_from_files [DIR OUT.html]");
            std::process::exit(2)
        }
    };

    // 1. Read every file of the directory (transactions first: their ids key the others).
    let files = DataFiles::in_dir(&dir);
    let mut data = read_data_set(
        &files,
        &TransactionColumns::default(),
        &ReadOptions::default(),
        &mut |_| {},
    )?;
    for f in &data.files {
        eprintln!("read {:>7} {:<14} {}", f.rows, f.kind, f.path.display());
    }

    // 2. Build the report. The funnel's stage order is not in the files: the demo's is known.
    let mut options = BuildOptions::default();
    if let Some(config) = &demo {
        data.funnel_stages = Some(FUNNEL_STAGES.iter().map(|s| s.to_string()).collect());
        options.as_of = Some(config.end);
    }
    // Steps are announced as they start (a sub-step may be announced more than once).
    let mut last_step = String::new();
    let built = report::build(&data, &options, &mut |step| {
        if step != last_step {
            eprintln!("  {step}");
            last_step = step.to_string();
        }
    })?;

    // 3. Render: HTML to OUT, text to stdout.
    std::fs::write(&out, report::html::render(&built)).map_err(|source| {
        crm_analytics::io::IoError::Io {
            file: out.clone(),
            source,
        }
    })?;
    print!("{}", report::table::render(&built));
    eprintln!("wrote {}", out.display());
    Ok(())
}
