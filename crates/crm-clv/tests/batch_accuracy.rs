#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `predict_batch` (the specialised batch paths) against the single-customer methods, on
//! random and extreme inputs: P(alive) and P(no purchase) to 1e-12, expected purchases to
//! 1e-10 relative.

use crm_clv::{
    BgNbd, ClvOptions, History, MbgNbd, ParetoNbd, Prediction, PurchaseModel, expected_clv,
    predict_clv_batch,
};
use proptest::prelude::*;

fn close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * a.abs().max(b.abs()) || (a - b).abs() < 1e-300
}

fn check<M: PurchaseModel + Sync>(m: &M, hs: &[History], t: f64) -> f64 {
    let mut worst: f64 = 0.0;
    let batch = m.predict_batch(hs, t);
    assert_eq!(batch.len(), hs.len());
    for (h, p) in hs.iter().zip(&batch) {
        let one = Prediction {
            p_alive: m.p_alive(h),
            expected_purchases: m.conditional_expected_purchases(t, h),
            p_no_purchase: m.p_no_purchase(t, h),
        };
        assert!(p.p_alive.is_finite() && p.expected_purchases.is_finite());
        assert!(close(p.p_alive, one.p_alive, 1e-12), "{h:?} {p:?} {one:?}");
        assert!(
            close(p.p_no_purchase, one.p_no_purchase, 1e-12),
            "{h:?} {p:?} {one:?}"
        );
        assert!(
            close(p.expected_purchases, one.expected_purchases, 1e-10),
            "{h:?} t {t}: batch {p:?} one {one:?}"
        );
        let (a, b) = (p.expected_purchases, one.expected_purchases);
        if a != b {
            worst = worst.max((a - b).abs() / a.abs().max(b.abs()));
        }
        let (a, b) = (p.p_no_purchase, one.p_no_purchase);
        if a != b {
            worst = worst.max((a - b).abs() / a.abs().max(b.abs()));
        }
    }
    worst
}

/// Extreme histories: heavy buyers (x up to 5000), long and short ages, t_x = 0 and t_x = T.
fn extremes() -> Vec<History> {
    let mut hs = vec![
        History::new(221, 103.4, 103.6),
        History::new(300, 50.0, 52.0),
        History::new(300, 10.0, 52.0),
        History::new(5000, 99.9, 100.0),
        History::new(5000, 1.0, 5000.0),
        History::new(0, 0.0, 0.0),
        History::new(0, 0.0, 1e-9),
        History::new(1, 1e-9, 1e-9),
        History::new(1, 0.5, 1e5),
        History::new(40, 1e4, 1e5),
        History::new(0, 0.0, 1e6),
    ];
    for x in [0u32, 1, 2, 3, 7, 20, 100, 1000, 4095, 4096, 4097] {
        for tt in [0.1, 1.0, 38.86, 78.0, 500.0] {
            hs.push(History::new(x, tt * 0.7, tt));
        }
    }
    hs
}

#[test]
fn bgnbd_batch_matches_single_on_extremes() {
    let mut worst: f64 = 0.0;
    for (r, alpha, a, b) in [
        (0.2426, 4.4136, 0.7929, 2.4259),
        (0.25, 4.0, 1.0, 2.5),
        (2.0, 0.5, 3.5, 0.3),
        (0.05, 40.0, 0.2, 0.6),
        (5.0, 1.0, 0.5, 50.0),
    ] {
        let m = BgNbd::new(r, alpha, a, b).unwrap();
        for t in [0.0, 0.5, 39.0, 52.0, 1000.0] {
            worst = worst.max(check(&m, &extremes(), t));
        }
    }
    eprintln!("BG/NBD batch vs single, worst relative difference {worst:e}");
}

#[test]
fn pnbd_batch_matches_single_on_extremes() {
    let mut worst: f64 = 0.0;
    for (r, alpha, s, beta) in [
        (0.553, 10.578, 0.606, 11.669),
        (0.8, 15.0, 1.3, 4.0),
        (0.55, 10.6, 1.0, 11.7),
    ] {
        let m = ParetoNbd::new(r, alpha, s, beta).unwrap();
        for t in [0.0, 39.0, 300.0] {
            worst = worst.max(check(&m, &extremes(), t));
        }
    }
    eprintln!("Pareto/NBD batch vs single, worst relative difference {worst:e}");
}

#[test]
fn mbgnbd_batch_matches_single_on_extremes() {
    let mut worst: f64 = 0.0;
    for (r, alpha, a, b) in [
        (0.525, 6.183, 0.891, 1.614),
        (0.25, 4.0, 1.0, 2.5),
        (2.0, 0.5, 3.5, 0.3),
        (0.05, 40.0, 0.2, 0.6),
        (5.0, 1.0, 0.5, 50.0),
    ] {
        let m = MbgNbd::new(r, alpha, a, b).unwrap();
        for t in [0.0, 0.5, 39.0, 52.0, 1000.0] {
            worst = worst.max(check(&m, &extremes(), t));
        }
    }
    eprintln!("MBG/NBD batch vs single, worst relative difference {worst:e}");
}

#[test]
fn batch_is_deterministic_and_ordered_across_threads() {
    // More than one thread's share (16,384) so the batch is split.
    let m = BgNbd::new(0.25, 4.0, 0.8, 2.5).unwrap();
    let ages: Vec<f64> = (0..40_000)
        .map(|i| 78.0 - 52.0 * f64::from(i) / 4e4)
        .collect();
    let hs = m.simulate(&ages, 7);
    let a = m.predict_batch(&hs, 39.0);
    let b = m.predict_batch(&hs, 39.0);
    assert_eq!(a, b);
    // Each result depends on its own customer only: a batch of one gives the same bits.
    for i in [0usize, 1, 16_383, 16_384, 20_000, 39_999] {
        assert_eq!(m.predict_batch(&hs[i..=i], 39.0)[0], a[i]);
    }
    assert!(check(&m, &hs[..4000], 39.0) < 1e-10);
    let p = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap();
    let a = p.predict_batch(&hs, 39.0);
    for i in [0usize, 16_384, 39_999] {
        assert_eq!(p.predict_batch(&hs[i..=i], 39.0)[0], a[i]);
    }
    assert!(check(&p, &hs[..4000], 39.0) < 1e-10);
    let mb = MbgNbd::new(0.525, 6.183, 0.891, 1.614).unwrap();
    let a = mb.predict_batch(&hs, 39.0);
    assert_eq!(a, mb.predict_batch(&hs, 39.0));
    for i in [0usize, 16_384, 39_999] {
        assert_eq!(mb.predict_batch(&hs[i..=i], 39.0)[0], a[i]);
    }
    assert!(check(&mb, &hs[..4000], 39.0) < 1e-10);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn bgnbd_batch_matches_single_random(
        r in 0.01f64..10.0, alpha in 0.01f64..100.0, a in 0.05f64..10.0, b in 0.05f64..50.0,
        x in prop_oneof![0u32..20, 0u32..5001], frac in 0.0f64..=1.0, tt in 0.0f64..2000.0,
        t in 0.0f64..500.0,
    ) {
        let m = BgNbd::new(r, alpha, a, b).unwrap();
        let tx = if x == 0 { 0.0 } else { frac * tt };
        let hs = [History::new(x, tx, tt), History::new(x, tx * 0.5, tt), History::new(x + 1, tx, tt)];
        let _ = check(&m, &hs, t);
    }

    #[test]
    fn mbgnbd_batch_matches_single_random(
        r in 0.01f64..10.0, alpha in 0.01f64..100.0, a in 0.05f64..10.0, b in 0.05f64..50.0,
        x in prop_oneof![0u32..20, 0u32..5001], frac in 0.0f64..=1.0, tt in 0.0f64..2000.0,
        t in 0.0f64..500.0,
    ) {
        let m = MbgNbd::new(r, alpha, a, b).unwrap();
        let tx = if x == 0 { 0.0 } else { frac * tt };
        let hs = [History::new(x, tx, tt), History::new(x, tx * 0.5, tt), History::new(x + 1, tx, tt)];
        let _ = check(&m, &hs, t);
    }

    #[test]
    fn pnbd_batch_matches_single_random(
        r in 0.05f64..5.0, alpha in 0.1f64..50.0, s in 0.05f64..5.0, beta in 0.1f64..50.0,
        x in prop_oneof![0u32..20, 0u32..5001], frac in 0.0f64..=1.0, tt in 0.0f64..500.0,
        t in 0.0f64..200.0,
    ) {
        let m = ParetoNbd::new(r, alpha, s, beta).unwrap();
        let tx = if x == 0 { 0.0 } else { frac * tt };
        let _ = check(&m, &[History::new(x, tx, tt)], t);
    }
}

fn check_clv<M: PurchaseModel + Sync>(m: &M, hs: &[History]) {
    for (h, d, p) in [
        (39.0, 0.0, 1.0),
        (39.0, 0.01, 1.0),
        (52.0, 0.1, 4.348),
        (10.5, 0.02, 3.0),
    ] {
        let opts = ClvOptions::new(h, d, p).unwrap();
        let batch = predict_clv_batch(m, hs, &opts);
        let preds = m.predict_batch(hs, h);
        for ((hist, c), pred) in hs.iter().zip(&batch).zip(&preds) {
            assert_eq!(c.prediction, *pred);
            let one = expected_clv(m, hist, 1.0, &opts);
            assert!(
                close(c.clv_per_spend, one, 1e-10) || (c.clv_per_spend - one).abs() < 1e-13,
                "{hist:?} {opts:?}: batch {} one {one}",
                c.clv_per_spend
            );
        }
    }
}

#[test]
fn clv_batch_matches_expected_clv() {
    check_clv(
        &BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259).unwrap(),
        &extremes(),
    );
    check_clv(
        &MbgNbd::new(0.525, 6.183, 0.891, 1.614).unwrap(),
        &extremes(),
    );
    check_clv(
        &ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap(),
        &extremes(),
    );
    check_clv(&ParetoNbd::new(0.8, 15.0, 1.3, 4.0).unwrap(), &extremes());
}

/// Customers that share (x, binade of T) often enough for the discounted-CLV batch to
/// tabulate its sum (at least 32 per piece), plus heavy buyers and the regression history.
fn shared_histories(n: usize) -> Vec<History> {
    let mut hs = Vec::with_capacity(n + 200);
    for i in 0..n {
        let x = (i % 7) as u32;
        let tt = 3.0 + 150.0 * (i as f64 / n as f64);
        hs.push(History::new(x, if x == 0 { 0.0 } else { tt * 0.55 }, tt));
    }
    for i in 0..40 {
        let tt = 103.6 + 0.2 * f64::from(i);
        hs.push(History::new(221, 103.4, tt));
        hs.push(History::new(5000, tt - 0.1, tt));
        hs.push(History::new(300, 50.0, 52.0 + 0.3 * f64::from(i)));
    }
    hs.push(History::new(221, 103.4, 103.6));
    hs
}

#[test]
fn discounted_clv_batch_matches_expected_clv_on_shared_histories() {
    let hs = shared_histories(6000);
    check_clv(&BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259).unwrap(), &hs);
    check_clv(&MbgNbd::new(0.525, 6.183, 0.891, 1.614).unwrap(), &hs);
    check_clv(&ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap(), &hs);
    check_clv(&ParetoNbd::new(0.8, 15.0, 1.3, 4.0).unwrap(), &hs);
}

fn check_discounted<M: PurchaseModel + Sync>(m: &M, hs: &[History], opts: &ClvOptions) {
    let batch = m.discounted_purchases_if_alive_batch(hs, opts);
    for (h, d) in hs.iter().zip(&batch) {
        let one = crm_clv::discounted_purchases_if_alive(m, h, opts);
        assert!(
            close(*d, one, 1e-10) || (d - one).abs() < 1e-13,
            "{h:?} {opts:?}: batch {d:e} one {one:e}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Random parameters, horizon, period and rate; 240 customers in one binade of T with
    /// x in 0..3 (so every piece is shared and tabulated) plus a heavy buyer.
    #[test]
    fn discounted_batch_matches_per_customer_random(
        r in 0.02f64..10.0, alpha in 0.05f64..100.0, a in 0.05f64..10.0, b in 0.05f64..50.0,
        s in 0.05f64..5.0, beta in 0.05f64..100.0,
        lo_exp in -2i32..9, horizon in 0.5f64..200.0, periods in 1.0f64..60.0,
        d in 0.0f64..0.2,
    ) {
        let lo = 2f64.powi(lo_exp);
        let mut hs: Vec<History> = (0..240)
            .map(|i| {
                let tt = lo * (1.0 + f64::from(i) / 240.0);
                let x = (i % 3) as u32;
                History::new(x, if x == 0 { 0.0 } else { tt * 0.4 }, tt)
            })
            .collect();
        hs.push(History::new(221, 103.4, 103.6));
        hs.push(History::new(5000, lo * 0.9, lo));
        let opts = ClvOptions::new(horizon, d, horizon / periods).unwrap();
        check_discounted(&BgNbd::new(r, alpha, a, b).unwrap(), &hs, &opts);
        check_discounted(&MbgNbd::new(r, alpha, a, b).unwrap(), &hs, &opts);
        check_discounted(&ParetoNbd::new(r, alpha, s, beta).unwrap(), &hs, &opts);
    }
}
