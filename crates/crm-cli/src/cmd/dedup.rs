//! `crm dedup`, `crm dedup explain`, `crm dedup evaluate` and `crm link`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use crm_analytics::dedup::DedupError;
use crm_analytics::dedup::eval::{EvalInput, evaluate_cluster_rows, threshold_curve, truth_labels};
use crm_analytics::dedup::golden::golden_records;
use crm_analytics::dedup::pipeline::{DedupConfig, Progress, Stage, deduplicate, link};
use crm_analytics::dedup::recall::{RecallOptions, recall_breakdown_rows};
use crm_analytics::dedup::schema::{ColumnPlan, Record, Schema};
use crm_analytics::dedup::settings::Settings;

use crate::args::{InputOptions, report_skipped};
use crate::error::{CliError, CliResult};
use crate::output;
use crm_analytics::io::{self as io, IoError, Table};
use crm_analytics::report::{dedup_page, listings, notes, results};

/// Arguments of `crm dedup`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct DedupArgs {
    #[command(subcommand)]
    pub action: Option<DedupAction>,
    /// Customer file (CSV with a header; spaces after commas are tolerated).
    #[arg(long, required = true)]
    pub input: Option<PathBuf>,
    /// Configuration (TOML): id column, field kinds, threshold. Without it, kinds are inferred
    /// from the column names and printed to stderr.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Match probability at or above which two records are linked (overrides the config).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Where to write `record_id,cluster_id`.
    #[arg(long, short, required = true)]
    pub output: Option<PathBuf>,
    /// Also write one golden record per cluster (with the ids each value came from).
    #[arg(long)]
    pub golden: Option<PathBuf>,
    /// `record_id,entity_id` truth file: print precision, recall and where the missed true pairs
    /// went (never compared, scored below the threshold, split by clustering) with examples.
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// Write the diagnostics page (match-weight histogram, m and u per comparison level, and
    /// with --truth precision, recall and F1 against the threshold) to this HTML file.
    #[arg(long)]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub input_opts: InputOptions,
}

/// Subcommands of `crm dedup`.
#[derive(Debug, Subcommand)]
pub enum DedupAction {
    /// Print the per-field waterfall of the match weight of two records.
    Explain(ExplainArgs),
    /// Pairwise precision, recall and F1 of clusters against a truth file (`crm dedup --truth`
    /// also says where the missed true pairs went).
    Evaluate(EvaluateArgs),
}

/// Arguments of `crm dedup explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Customer file.
    #[arg(long)]
    pub input: PathBuf,
    /// Configuration (TOML).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// First record id.
    pub id1: String,
    /// Second record id.
    pub id2: String,
    /// Also write the waterfall chart of the match weight to this HTML file.
    #[arg(long)]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub input_opts: InputOptions,
}

/// Arguments of `crm dedup evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// `record_id,cluster_id` file (as written by `crm dedup`).
    #[arg(long)]
    pub clusters: PathBuf,
    /// `record_id,entity_id` truth file.
    #[arg(long)]
    pub truth: PathBuf,
    #[command(flatten)]
    pub input_opts: InputOptions,
}

/// Arguments of `crm link`.
#[derive(Debug, Args)]
pub struct LinkArgs {
    /// Left file.
    #[arg(long)]
    pub left: PathBuf,
    /// Right file (same columns as the left).
    #[arg(long)]
    pub right: PathBuf,
    /// Configuration (TOML).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Minimum match probability of a link (overrides the config).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Where to write `left_id,right_id,match_probability`.
    #[arg(long, short)]
    pub output: PathBuf,
    #[command(flatten)]
    pub input_opts: InputOptions,
}

fn read_config(path: Option<&PathBuf>) -> CliResult<Settings> {
    let Some(p) = path else {
        return Ok(Settings::default());
    };
    let text = std::fs::read_to_string(p).map_err(|source| CliError::Io {
        file: p.clone(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| CliError::input(p, None, None, e.to_string()))
}

struct Loaded {
    schema: Schema,
    records: Vec<Record>,
    inferred: bool,
}

fn load_records(path: &Path, cfg: &Settings, opts: &InputOptions) -> CliResult<Loaded> {
    let table = Table::open(path, &opts.read())?;
    let header: Vec<String> = (0..).map_while(|i| table.header_name(i)).collect();
    // Configured names are looked up by the table (its errors list the header).
    let id = cfg.id.as_deref().map(|c| table.column(c)).transpose()?;
    let fields = (cfg.fields.as_ref())
        .map(|m| (m.iter()).map(|(c, k)| Ok((table.column(c)?, k.as_str()))))
        .map(Iterator::collect::<Result<Vec<_>, IoError>>)
        .transpose()?;
    let plan = ColumnPlan::new(&header, id, fields.as_deref()).map_err(|e| match e {
        DedupError::ColumnKind { column, source } => {
            CliError::input(path, None, Some(&column), source.to_string())
        }
        e => CliError::input(path, Some(1), None, e.to_string()),
    })?;
    let read = io::read_keyed_rows(path, table, plan.id, &plan.columns)?;
    let records = read
        .rows
        .into_iter()
        .map(|r| Record::new(r.id, r.fields))
        .collect();
    let skipped = read.skipped;
    report_skipped(&skipped);
    Ok(Loaded {
        schema: plan.schema,
        records,
        inferred: plan.inferred,
    })
}

fn config_for(schema: Schema, cfg: &Settings, threshold: Option<f64>) -> CliResult<DedupConfig> {
    cfg.config(schema, threshold).map_err(|e| match e {
        DedupError::InvalidParameter {
            name: "threshold", ..
        } => CliError::Usage(format!(
            "--threshold {} is not a probability in [0, 1]",
            threshold.or(cfg.threshold).unwrap_or(f64::NAN)
        )),
        e => CliError::Usage(format!("config `phonetic`: {e}")),
    })
}

fn print_kinds(schema: &Schema) {
    eprintln!("field kinds inferred from column names (override with --config):");
    for f in &schema.fields {
        eprintln!("  {} = \"{}\"", f.name, f.kind.as_str());
    }
}

/// A progress callback drawing a bar on stderr when it is a terminal (and nothing otherwise).
fn progress_bar() -> impl FnMut(Progress) {
    let bar = crate::progress::Progress::new(false).bar(0, "");
    move |p: Progress| {
        bar.set_message(format!("{:?}", p.stage));
        bar.set_length(p.total);
        bar.set_position(p.done);
        if p.stage == Stage::Cluster && p.done == p.total {
            bar.finish_and_clear();
        }
    }
}

/// Runs `crm dedup` (and its subcommands).
pub fn run(a: &DedupArgs) -> CliResult<()> {
    match &a.action {
        Some(DedupAction::Explain(e)) => return explain(e),
        Some(DedupAction::Evaluate(e)) => return evaluate(e),
        None => {}
    }
    let (Some(input), Some(out_path)) = (&a.input, &a.output) else {
        return Err(CliError::Usage(
            "crm dedup needs --input and --output".into(),
        ));
    };
    let cfg = read_config(a.config.as_ref())?;
    let loaded = load_records(input, &cfg, &a.input_opts)?;
    if loaded.inferred {
        print_kinds(&loaded.schema);
    }
    let config = config_for(loaded.schema, &cfg, a.threshold)?;
    let truth = (a.truth.as_ref())
        .map(|t| io::read_id_values(t, "record_id", "entity_id", &a.input_opts.read()));
    let truth = truth.transpose()?; // a bad truth file fails before the run
    let mut progress = progress_bar();
    let r = deduplicate(&loaded.records, &config, &mut progress).map_err(CliError::lib)?;
    let ids = loaded.records.iter().map(|rec| rec.id.as_str());
    let clusters = listings::dedup_clusters(ids, &r.clustering.labels);
    output::write_with(Some(out_path), |w| clusters.write_csv(w))?;
    for line in notes::dedup(loaded.records.len(), &r) {
        eprintln!("{line}");
    }
    if let Some(gp) = &a.golden {
        let golden = golden_records(&r.prepared, &loaded.records, &r.clustering.labels, &[]);
        let table = listings::golden_records(&config.schema, &golden);
        output::write_with(Some(gp), |w| table.write_csv(w))?;
    }
    if let (Some(t), Some(truth)) = (&a.truth, &truth) {
        let b = recall_breakdown_rows(&r, &config, &truth.rows, RecallOptions::default())
            .map_err(|e| CliError::input(t, None, None, e.to_string()))?;
        print!("{}", results::recall_breakdown(&b));
    }
    if let Some(p) = &a.html {
        let ids: Vec<&str> = loaded.records.iter().map(|rec| rec.id.as_str()).collect();
        let curve = match &truth {
            Some(t) => Some(threshold_curve(
                &r.scores,
                &truth_labels(&ids, &t.rows).map_err(CliError::lib)?,
                41,
            )),
            None => None,
        };
        let page = dedup_page::render_html(&r, config.cluster.threshold, curve.as_deref());
        output::write_with(Some(p), |w| w.write_all(page.as_bytes()))?;
    }
    Ok(())
}

fn explain(a: &ExplainArgs) -> CliResult<()> {
    let cfg = read_config(a.config.as_ref())?;
    let loaded = load_records(&a.input, &cfg, &a.input_opts)?;
    if loaded.inferred {
        print_kinds(&loaded.schema);
    }
    let config = config_for(loaded.schema, &cfg, None)?;
    for id in [&a.id1, &a.id2] {
        if !loaded.records.iter().any(|r| &r.id == id) {
            return Err(CliError::input(
                &a.input,
                None,
                None,
                format!("no record with id {id:?}"),
            ));
        }
    }
    let r = deduplicate(&loaded.records, &config, &mut |_| {}).map_err(CliError::lib)?;
    let e = r.explain(&a.id1, &a.id2).map_err(CliError::lib)?;
    let keys = (r.prepared.phonetic_keys(&a.id1, &a.id2)).map_err(CliError::lib)?;
    let mut text = results::match_explanation(&e, &a.id1, &a.id2);
    text += &results::phonetic_keys(&keys, config.normalize.phonetic.as_str());
    output::write_with(None, |w| w.write_all(text.as_bytes()))?;
    if let Some(p) = &a.html {
        let page = dedup_page::explanation_html(&e, config.cluster.threshold);
        output::write_with(Some(p), |w| w.write_all(page.as_bytes()))?;
    }
    Ok(())
}

fn evaluate(a: &EvaluateArgs) -> CliResult<()> {
    let clusters =
        io::read_id_values(&a.clusters, "record_id", "cluster_id", &a.input_opts.read())?;
    let truth = io::read_id_values(&a.truth, "record_id", "entity_id", &a.input_opts.read())?;
    // The library checks the rows; errors come back with the file and line they are about.
    let m = evaluate_cluster_rows(&clusters.rows, &truth.rows).map_err(|e| {
        let on = |l: Option<u64>| l.map_or("?".into(), |l| l.to_string());
        match &e {
            DedupError::DuplicateEvalId {
                input,
                id,
                first,
                second,
            } => {
                let (path, rows) = match input {
                    EvalInput::Clusters => (&a.clusters, &clusters),
                    EvalInput::Truth => (&a.truth, &truth),
                };
                let m = format!(
                    "record id {id:?} already used on line {}",
                    on(rows.line(*first))
                );
                CliError::input(path, rows.line(*second), Some("record_id"), m)
            }
            DedupError::MissingTruth { id, index } => {
                let line = on(clusters.line(*index));
                let m =
                    format!("record {id:?} of the clusters file (line {line}) has no truth row");
                CliError::input(&a.truth, None, Some("record_id"), m)
            }
            _ => CliError::lib(e),
        }
    })?;
    print!("{}", results::pair_metrics(clusters.rows.len(), &m));
    Ok(())
}

/// Runs `crm link`.
pub fn run_link(a: &LinkArgs) -> CliResult<()> {
    let cfg = read_config(a.config.as_ref())?;
    let left = load_records(&a.left, &cfg, &a.input_opts)?;
    let right = load_records(&a.right, &cfg, &a.input_opts)?;
    if left.schema != right.schema {
        return Err(CliError::input(
            &a.right,
            Some(1),
            None,
            "the right file's compared columns differ from the left file's",
        ));
    }
    if left.inferred {
        print_kinds(&left.schema);
    }
    let config = config_for(left.schema, &cfg, a.threshold)?;
    let mut progress = progress_bar();
    let r = link(&left.records, &right.records, &config, &mut progress).map_err(CliError::lib)?;
    let table = listings::dedup_links(&r.links);
    output::write_with(Some(&a.output), |w| table.write_csv(w))?;
    eprintln!("{} links", r.links.len());
    Ok(())
}
