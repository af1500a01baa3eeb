//! Net Promoter Score with a confidence interval and a two-period comparison.
//!
//! Run: `cargo run --example nps [Q1.csv Q2.csv]` (each a CSV with a `score` column, 0-10);
//! without arguments it uses two built-in quarters of answers.
//!
//! What it shows:
//! - NPS = % promoters (9-10) - % detractors (0-6), in points from -100 to 100;
//! - its standard error SE = 100 sqrt((p + d - (p - d)^2) / n);
//! - the 95% interval by the adjusted-Wald method (the default: add 3/4 of an answer to promoters
//!   and to detractors and 3 to n, Rocks 2016) next to the plain Wald interval;
//! - a z test of "did NPS change between the quarters?".

use std::error::Error;
use std::path::Path;

use crm_analytics::io::{ReadOptions, read_scores};
use crm_analytics::metrics::satisfaction::{Nps, NpsInterval, NpsState};

/// Built-in answers: counts of each score 0..=10 in two quarters.
const Q1: [u64; 11] = [4, 2, 3, 5, 6, 9, 14, 30, 38, 41, 28];
const Q2: [u64; 11] = [2, 1, 2, 3, 4, 7, 11, 27, 36, 52, 45];

fn from_counts(counts: &[u64; 11]) -> Vec<u8> {
    (0u8..=10)
        .zip(counts)
        .flat_map(|(s, &c)| std::iter::repeat_n(s, c as usize))
        .collect()
}

/// The `score` column of a CSV file, read with `crm_analytics::io::read_scores` (a malformed
/// score stops with an error naming the file, line and column).
fn read(path: &str) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut out = Vec::new();
    read_scores(Path::new(path), "score", &ReadOptions::default(), |v| {
        out.push(v);
        Ok(())
    })?;
    Ok(out)
}

fn nps(scores: &[u8]) -> Result<Nps, Box<dyn Error>> {
    let mut s = NpsState::new();
    s.push_raw(scores)?; // validates 0..=10 and counts in one pass
    Ok(s.finish()?)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (a, b) = if args.len() == 2 {
        (read(&args[0])?, read(&args[1])?)
    } else {
        (from_counts(&Q1), from_counts(&Q2))
    };
    let periods = [("Q1", nps(&a)?), ("Q2", nps(&b)?)];

    println!(
        "{:<6} {:>5} {:>6} {:>6} {:>6} {:>7} {:>6}   {:>17}   {:>17}",
        "period", "n", "prom%", "pass%", "detr%", "NPS", "SE", "95% adj-Wald", "95% Wald"
    );
    for (name, n) in &periods {
        let aw = n.interval(0.95, NpsInterval::AdjustedWald)?;
        let w = n.interval(0.95, NpsInterval::Wald)?;
        println!(
            "{name:<6} {:>5} {:>6.1} {:>6.1} {:>6.1} {:>7.1} {:>6.2}   [{:>6.1}, {:>6.1}]   [{:>6.1}, {:>6.1}]",
            n.n,
            100.0 * n.promoter_share,
            100.0 * n.passive_share,
            100.0 * n.detractor_share,
            n.score,
            n.standard_error,
            aw.low,
            aw.high,
            w.low,
            w.high
        );
    }
    let t = periods[1].1.compare(&periods[0].1)?;
    println!(
        "\nQ2 - Q1 = {:+.1} points, SE {:.2}, z = {:.2}, two-sided p = {:.4}",
        t.difference, t.standard_error, t.z, t.p_value
    );
    println!(
        "{}",
        if t.p_value < 0.05 {
            "The change is statistically significant at the 5% level."
        } else {
            "The change is within sampling noise at the 5% level: do not celebrate (or panic) yet."
        }
    );
    println!(
        "\nThe adjusted-Wald interval is centred on the adjusted score, so it is pulled slightly \
         toward 0; with a few hundred answers it differs from Wald by well under a point."
    );
    Ok(())
}
