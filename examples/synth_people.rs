//! Writes synthetic people with known duplicates: `OUT_DIR/people.csv` (a `rec_id` column and
//! the style's columns) and `OUT_DIR/truth.csv` (`record_id,entity_id`), streaming, so ten million
//! records need no more memory than ten thousand.
//!
//! ```text
//! cargo run --release --example synth_people -- --style febrl --records 1000000 --seed 1 OUT_DIR
//! ```
//!
//! Options: `--style febrl|contact` (default febrl), `--records N` (default 10000), `--seed S`
//! (default 1), `--duplicate-rate P` (default 0.3), `--max-duplicates K` (default 4); OUT_DIR
//! defaults to `crm-synth-people` in the system's temp directory. The FEBRL
//! files are read unchanged by `crm dedup --input OUT_DIR/people.csv`, by
//! `crm dedup evaluate --truth OUT_DIR/truth.csv` and by `../shared/peers/splink_dedup.py`.

use std::fs::File;
use std::path::PathBuf;
use std::time::Instant;

use crm_analytics::demo::people::{People, PeopleOptions, PeopleStyle, write_csv};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut opts = PeopleOptions {
        records: 10_000,
        ..PeopleOptions::new(PeopleStyle::Febrl)
    };
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--style" => opts.style = PeopleStyle::parse(&value()?)?,
            "--records" => opts.records = value()?.parse()?,
            "--seed" => opts.seed = value()?.parse()?,
            "--duplicate-rate" => opts.duplicate_rate = value()?.parse()?,
            "--max-duplicates" => opts.max_duplicates = value()?.parse()?,
            _ if a.starts_with("--") => return Err(format!("unknown option {a}").into()),
            _ => out = Some(PathBuf::from(a)),
        }
    }
    // Without OUT_DIR (as CI runs every example): a directory under the system's temp dir.
    let dir = out.unwrap_or_else(|| std::env::temp_dir().join("crm-synth-people"));
    std::fs::create_dir_all(&dir)?;
    let t0 = Instant::now();
    // The generator checks the options (a typed error, e.g. records = 0).
    let records = People::new(&opts)?.records();
    let n = write_csv(
        opts.style,
        records,
        File::create(dir.join("people.csv"))?,
        File::create(dir.join("truth.csv"))?,
    )?;
    println!(
        "wrote {n} {} records (seed {}) to {} (people.csv, truth.csv) in {:.2} s",
        opts.style.as_str(),
        opts.seed,
        dir.display(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
