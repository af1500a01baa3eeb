//! `crm`: CRM analytics on CSV files.
//!
//! Each subcommand reads plain CSV (or whitespace-separated) files, runs one capability of the
//! crm-analytics libraries and writes CSV, JSON or a table. Bad input stops the run with one line
//! `error: FILE:LINE: column C: ...` and exit code 2 (or, with `--skip-invalid`, is skipped and
//! counted on stderr).

mod cmd;
mod error;
mod input;
mod output;

use clap::{Parser, Subcommand};

/// CRM analytics on CSV files: summaries, metrics, RFM, CLV, churn, deduplication.
#[derive(Debug, Parser)]
#[command(name = "crm", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Per-customer purchase summary: repeat purchases x, recency t_x, age T, monetary value.
    Summary(cmd::summary::SummaryArgs),
    /// RFM: recency, frequency, monetary value, 1-n scores and named segments per customer.
    Rfm(cmd::rfm::RfmArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Summary(a) => cmd::summary::run(a),
        Command::Rfm(a) => cmd::rfm::run(a),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
