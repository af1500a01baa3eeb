//! `crm`: CRM analytics on CSV files.
//!
//! Each subcommand reads plain CSV (or whitespace-separated) files, runs one capability of the
//! crm-analytics libraries and writes CSV, JSON or a table. Bad input stops the run with one line
//! `error: FILE:LINE: column C: ...` and exit code 2 (or, with `--skip-invalid`, is skipped and
//! counted on stderr).

mod args;
mod cmd;
mod error;
mod output;
mod progress;

use clap::{CommandFactory, Parser, Subcommand};

/// CRM analytics on CSV files: summaries, metrics, RFM, CLV, churn, deduplication.
#[derive(Debug, Parser)]
#[command(name = "crm", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Worker threads for reading and computing (default: the available cores).
    #[arg(long, global = true)]
    threads: Option<usize>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Per-customer purchase summary: repeat purchases x, recency t_x, age T, monetary value.
    Summary(cmd::summary::SummaryArgs),
    /// Metrics: NPS, CSAT, retention, cohort matrices, revenue retention, funnels.
    Metrics(cmd::metrics::MetricsArgs),
    /// Generate a synthetic CRM data set (CSV files) and print its report.
    Demo(cmd::demo::DemoArgs),
    /// One overview of CRM files: KPIs, segments, CLV, churn, duplicates, cohorts, funnel, NPS.
    Report(Box<cmd::report::ReportArgs>),
    /// Print a shell completion script (bash, zsh, fish, ...).
    Completions(cmd::completions::CompletionsArgs),
    /// Churn risk: score customers as of a date (rules, BG/NBD, logistic) and evaluate scores.
    Churn(cmd::churn::ChurnArgs),
    /// Buy-till-you-die models: fit BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, Gamma-Gamma; predict
    /// P(alive), expected purchases and CLV.
    Clv(cmd::clv::ClvArgs),
    /// Lifecycle stages (new, active, reactivated, silent, churned, lead) per customer, per
    /// stage, over time, or between two dates.
    Lifecycle(cmd::lifecycle::LifecycleArgs),
    /// RFM: recency, frequency, monetary value, 1-n scores and named segments per customer.
    Rfm(cmd::rfm::RfmArgs),
    /// Find duplicate customers (Fellegi-Sunter), write clusters and golden records; `explain`
    /// and `evaluate` subcommands.
    Dedup(cmd::dedup::DedupArgs),
    /// Link records of two files describing the same customers.
    Link(cmd::dedup::LinkArgs),
}

fn main() {
    let cli = Cli::parse();
    if let Some(n) = cli.threads {
        // The libraries run on rayon's pool: sizing the global pool sizes all of their work.
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
        {
            eprintln!("error: --threads {n}: {e}");
            std::process::exit(2);
        }
    }
    let result = match &cli.command {
        Command::Summary(a) => cmd::summary::run(a),
        Command::Metrics(a) => cmd::metrics::run(a),
        Command::Demo(a) => cmd::demo::run(a),
        Command::Report(a) => cmd::report::run(a),
        Command::Completions(a) => {
            cmd::completions::run(a, &mut Cli::command());
            Ok(())
        }
        Command::Churn(a) => cmd::churn::run(a),
        Command::Clv(a) => cmd::clv::run(a),
        Command::Lifecycle(a) => cmd::lifecycle::run(a),
        Command::Rfm(a) => cmd::rfm::run(a),
        Command::Dedup(a) => cmd::dedup::run(a),
        Command::Link(a) => cmd::dedup::run_link(a),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
