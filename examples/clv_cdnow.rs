//! The CDNOW walkthrough of Fader, Hardie & Lee (2005), "Counting your customers the easy way".
//!
//! Run: `cargo run --release --example clv_cdnow [CDNOW_sample.txt]`
//!
//! Reads the 1/10 CDNOW sample (2,357 customers who first bought in 1997 Q1) from the shared
//! reference data (`$CRM_SHARED_DATA`, default `../shared/data` next to the workspace), or the
//! file given as argument, and:
//! 1. summarises each customer's calibration period (to 1997-09-30, weeks): x, t_x, T;
//! 2. fits BG/NBD (and Pareto/NBD, MBG/NBD for comparison) and prints the parameter table;
//! 3. prints P(alive) and expected purchases for a few customers;
//! 4. compares the predicted and actual repeat purchases in the holdout weeks 40-78;
//! 5. fits Gamma-Gamma to the repeat buyers' spend and prints a 1-year CLV for the same customers.
//!
//! Without the data file it prints a note and exits successfully.

use std::error::Error;
use std::path::PathBuf;

use crm_analytics::clv::{
    BgNbd, ClvOptions, FitOptions, GammaGamma, Histories, History, MbgNbd, ParetoNbd,
    PurchaseModel, Spends, expected_clv,
};
use crm_analytics::io::{Delimiter, ReadOptions, TransactionColumns, load_transactions};
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::{SummaryOptions, TimeUnit, summarize_with_holdout, to_f64};

fn data_file() -> PathBuf {
    if let Some(p) = std::env::args().nth(1) {
        return PathBuf::from(p);
    }
    let dir = std::env::var_os("CRM_SHARED_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
        PathBuf::from,
    );
    dir.join("cdnow/CDNOW_sample.txt")
}

fn main() -> Result<(), Box<dyn Error>> {
    let path = data_file();
    if !path.is_file() {
        println!(
            "note: {} not found; set CRM_SHARED_DATA to the shared data directory or pass the \
             path of CDNOW_sample.txt. Nothing to do.",
            path.display()
        );
        return Ok(());
    }

    // 1. Transactions -> calibration summary (weeks) with the holdout counts. The sample file
    // has no header: columns separated by runs of spaces, named by 1-based position
    // (1 master id, 2 sample id, 3 date YYYYMMDD, 4 number of CDs, 5 dollar value).
    let cols = TransactionColumns {
        customer: "2".into(),
        date: "3".into(),
        amount: Some("5".into()),
        ..TransactionColumns::default()
    };
    let opts = ReadOptions {
        delimiter: Delimiter::Whitespace,
        has_header: false,
        ..ReadOptions::default()
    };
    let loaded = load_transactions(&path, &cols, &opts)?;
    let (ids, tx) = (loaded.ids, loaded.transactions);
    // Sample ids are zero-padded ("0001"); the paper calls that customer 1.
    let id_of = |k| {
        ids.id(k).map_or("?".into(), |i| {
            i.to_string().trim_start_matches('0').to_string()
        })
    };
    let cal_end = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("date")?;
    let hold_end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("date")?;
    let s = summarize_with_holdout(&tx, &SummaryOptions::new(cal_end, TimeUnit::Week), hold_end)?;
    let cal: Vec<_> = s.customers.iter().map(|c| c.calibration.clone()).collect();
    let data = Histories::from_summaries(&cal)?;
    println!(
        "{} transactions, {} customers, {} distinct (x, t_x, T) histories\n",
        tx.len(),
        cal.len(),
        data.len()
    );

    // 2. Fit the models.
    let opts = FitOptions::default();
    let bg = BgNbd::fit(&data, &opts)?;
    let pn = ParetoNbd::fit(&data, &opts)?;
    let mbg = MbgNbd::fit(&data, &opts)?;
    println!("BG/NBD (paper: r 0.243, alpha 4.414, a 0.793, b 2.426, LL -9582.4)");
    let se = bg.standard_errors.unwrap_or(bg.params);
    for (name, (v, e)) in BgNbd::NAMES
        .iter()
        .zip(bg.params.to_vec().into_iter().zip(se.to_vec()))
    {
        println!("  {name:<6} {v:>8.4}  (se {e:.4})");
    }
    println!(
        "  log-likelihood {:.4}, {} iterations, converged {}",
        bg.report.log_likelihood, bg.report.iterations, bg.report.converged
    );
    println!(
        "Pareto/NBD: r {:.3}, alpha {:.3}, s {:.3}, beta {:.3}, LL {:.2} (paper -9595.0)",
        pn.params.r, pn.params.alpha, pn.params.s, pn.params.beta, pn.report.log_likelihood
    );
    println!(
        "MBG/NBD:    r {:.3}, alpha {:.3}, a {:.3}, b {:.3}, LL {:.2}\n",
        mbg.params.r, mbg.params.alpha, mbg.params.a, mbg.params.b, mbg.report.log_likelihood
    );

    // 3. A few customers.
    let m = bg.params;
    println!("customer   x    t_x      T   P(alive)  E[purchases in 39 wk]  P(none in 39 wk)");
    for c in s.customers.iter().take(6) {
        let h = History::new(
            c.calibration.frequency,
            c.calibration.recency,
            c.calibration.age,
        );
        println!(
            "{:>8} {:>3} {:>6.2} {:>6.2} {:>10.3} {:>22.3} {:>17.3}",
            id_of(c.calibration.customer),
            h.x,
            h.t_x,
            h.t,
            m.p_alive(&h),
            m.conditional_expected_purchases(39.0, &h),
            m.p_no_purchase(39.0, &h),
        );
    }

    // 4. Holdout comparison (paper: 1,882 actual, about 1,653 predicted).
    let (mut pred_bg, mut pred_pn, mut actual) = (0.0, 0.0, 0u32);
    for c in &s.customers {
        let h = History::new(
            c.calibration.frequency,
            c.calibration.recency,
            c.calibration.age,
        );
        pred_bg += m.conditional_expected_purchases(c.holdout_duration, &h);
        pred_pn += pn
            .params
            .conditional_expected_purchases(c.holdout_duration, &h);
        actual += c.holdout_frequency;
    }
    println!(
        "\nholdout weeks 40-78: actual {actual}, BG/NBD predicts {pred_bg:.0}, Pareto/NBD {pred_pn:.0}"
    );

    // 5. Spend and CLV: Gamma-Gamma on the repeat buyers, 52 weeks, 1% per month.
    let spends = Spends::from_summaries(&cal)?;
    let gg = GammaGamma::fit(&spends, &opts)?;
    println!(
        "Gamma-Gamma on {} repeat buyers: p {:.2}, q {:.2}, gamma {:.2} (paper 6.25, 3.74, 15.44)",
        spends.total_weight(),
        gg.params.p,
        gg.params.q,
        gg.params.gamma
    );
    let clv_opts = ClvOptions::in_units(12.0, 0.01, TimeUnit::Month, TimeUnit::Week)?;
    for c in s.customers.iter().take(6) {
        let h = History::new(
            c.calibration.frequency,
            c.calibration.recency,
            c.calibration.age,
        );
        let zbar = c.calibration.monetary.map_or(0.0, to_f64);
        if let Some(spend) = gg.params.conditional_expected_spend(h.x, zbar) {
            println!(
                "  customer {:>4}: expected spend per purchase {spend:>6.2}, 12-month CLV {:>7.2}",
                id_of(c.calibration.customer),
                expected_clv(&m, &h, spend, &clv_opts)
            );
        }
    }
    Ok(())
}
