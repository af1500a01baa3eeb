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
    /// Find duplicate customers (Fellegi-Sunter), write clusters and golden records; `explain`
    /// and `evaluate` subcommands.
    Dedup(cmd::dedup::DedupArgs),
    /// Link records of two files describing the same customers.
    Link(cmd::dedup::LinkArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Summary(a) => cmd::summary::run(a),
        Command::Dedup(a) => cmd::dedup::run(a),
        Command::Link(a) => cmd::dedup::run_link(a),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
