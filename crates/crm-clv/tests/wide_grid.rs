#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Issue #14: over a wide parameter grid (r up to 1e4, a and b up to 1e4, extreme ages), the
//! batch paths agree with the per-customer definitions and every value is finite.
//!
//! It passes (60 cases) since the BG-family expectation detects a cancelling series and
//! integrates instead (see `cancellation.rs` for the counterexample it was ignored for, BG/NBD
//! r = 60.7, a = b = 1: batch 7.2134 vs single 7.3293, true 7.3490). It stays out of the default
//! run for time: with r near 1e4 every customer takes the integral, and one case can take minutes
//! (2 to 15 minutes for the 60 cases on a loaded 2-core machine). Run with
//! `cargo test --release -p crm-clv --test wide_grid -- --ignored`.

use crm_clv::{BgNbd, ClvOptions, History, MbgNbd, ParetoNbd, PurchaseModel};
use proptest::prelude::*;

fn close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * a.abs().max(b.abs()) || (a - b).abs() < 1e-300
}

fn log_uniform(lo: f64, hi: f64) -> impl Strategy<Value = f64> {
    (lo.log10()..hi.log10()).prop_map(|e| 10f64.powf(e))
}

fn population(lo: f64) -> Vec<History> {
    let mut hs: Vec<History> = (0..240)
        .map(|i| {
            let tt = lo * (1.0 + f64::from(i) / 240.0);
            let x = (i % 3) as u32;
            History::new(x, if x == 0 { 0.0 } else { tt * 0.4 }, tt)
        })
        .collect();
    hs.push(History::new(221, 103.4, 103.6));
    hs.push(History::new(5000, lo * 0.9, lo));
    hs
}

fn check<M: PurchaseModel + Sync>(m: &M, hs: &[History], t: f64, opts: &ClvOptions) {
    let batch = m.predict_batch(hs, t);
    for (h, p) in hs.iter().zip(&batch) {
        let (pa, e, p0) = (
            m.p_alive(h),
            m.conditional_expected_purchases(t, h),
            m.p_no_purchase(t, h),
        );
        assert!(
            pa.is_finite() && e.is_finite() && p0.is_finite(),
            "{h:?}: {pa} {e} {p0}"
        );
        assert!(p.expected_purchases.is_finite(), "{h:?} {p:?}");
        assert!(close(p.p_alive, pa, 1e-9), "{h:?} {p:?} {pa}");
        assert!(
            close(p.expected_purchases, e, 1e-9),
            "{h:?} t {t}: {p:?} {e}"
        );
    }
    let batch = m.discounted_purchases_if_alive_batch(hs, opts);
    for (h, d) in hs.iter().zip(&batch) {
        let one = crm_clv::discounted_purchases_if_alive(m, h, opts);
        assert!(d.is_finite() && one.is_finite(), "{h:?}: {d} {one}");
        assert!(
            close(*d, one, 1e-9) || (d - one).abs() < 1e-13,
            "{h:?} {opts:?}: batch {d:e} one {one:e}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]

    #[test]
    #[ignore = "slow (minutes): r up to 1e4 takes the integral for every customer; see the module docs"]
    fn batch_equals_single_on_a_wide_grid(
        r in log_uniform(1e-2, 1e4), alpha in log_uniform(1e-2, 1e4),
        a in log_uniform(1e-2, 1e4), b in log_uniform(1e-2, 1e4),
        s in log_uniform(1e-2, 1e3), beta in log_uniform(1e-2, 1e4),
        lo_exp in -2i32..9, t in 0.5f64..200.0, periods in 1.0f64..60.0, d in 0.0f64..0.2,
    ) {
        let hs = population(2f64.powi(lo_exp));
        let opts = ClvOptions::new(t, d, t / periods).unwrap();
        check(&BgNbd::new(r, alpha, a, b).unwrap(), &hs, t, &opts);
        check(&MbgNbd::new(r, alpha, a, b).unwrap(), &hs, t, &opts);
        check(&ParetoNbd::new(r, alpha, s, beta).unwrap(), &hs, t, &opts);
    }
}
