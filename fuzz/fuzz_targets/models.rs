//! Every model of crm-clv on parameters and customer summaries decoded from the bytes (extreme
//! magnitudes, zeros, negatives, NaN and infinities included): constructors and input checks
//! return an error, or every likelihood and prediction they lead to is finite (probabilities in
//! [0, 1], expectations >= 0). Fits run only on the few decoded histories with a bounded
//! iteration count.
#![no_main]

mod input;

use crm_clv::model::chrono::NaiveDate;
use crm_clv::model::rust_decimal::Decimal;
use crm_clv::model::{CustomerKey, PurchaseSummary};
use crm_clv::{
    BgBb, BgNbd, ClvOptions, FitOptions, GammaGamma, Histories, History, MbgNbd, ParetoNbd,
    PurchaseModel, Sbg, Spends, discounted_purchases_if_alive, expected_clv, predict_clv_batch,
    predict_clv_rows, predict_rows,
};
use input::Input;
use libfuzzer_sys::fuzz_target;

#[track_caller]
fn finite(what: &str, v: f64) {
    assert!(v.is_finite(), "{what} is not finite: {v}");
}

/// The raw `f64` methods (no `Result`): an expectation is never NaN nor negative; it may be
/// +inf only where the true value exceeds the f64 range (e.g. r / alpha = 1e600).
#[track_caller]
fn expectation(what: &str, v: f64) {
    assert!(v >= 0.0, "{what} is NaN or negative: {v}");
}

/// A raw log-likelihood: never NaN nor +inf (-inf where the likelihood underflows).
#[track_caller]
fn log_lik(what: &str, v: f64) {
    assert!(v < f64::INFINITY, "{what} is NaN or +inf: {v}");
}

#[track_caller]
fn probability(what: &str, v: f64) {
    assert!((0.0..=1.0).contains(&v), "{what} is not a probability: {v}");
}

fn fit_options(inp: &mut Input) -> FitOptions {
    FitOptions::default().max_iterations(u64::from(inp.byte() % 16) + 1)
}

/// A history that passes `History::check` most of the time (and sometimes does not).
fn history(inp: &mut Input) -> History {
    let x = inp.count();
    let t = inp.f64();
    let t_x = if x == 0 {
        0.0
    } else {
        match inp.byte() % 4 {
            0 => inp.f64(),
            1 => t,
            _ => t * f64::from(inp.byte()) / 255.0,
        }
    };
    History::new(x, t_x, t)
}

fn summary(i: usize, h: &History, monetary: Option<Decimal>) -> PurchaseSummary {
    let d = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
    PurchaseSummary {
        customer: CustomerKey::from_index(i as u32),
        frequency: h.x,
        recency: h.t_x,
        age: h.t,
        monetary,
        first_purchase: d,
        last_purchase: d,
        total_spend: monetary.unwrap_or_default(),
    }
}

fn purchase_model<M: PurchaseModel + Sync>(
    m: &M,
    hs: &[History],
    t: f64,
    opts: Option<&ClvOptions>,
    gg: Option<&GammaGamma>,
    spends: &[Option<Decimal>],
) {
    let name = m.name();
    // The model's own predictions for new customers.
    if t.is_finite() && t >= 0.0 {
        expectation(name, m.expected_purchases_new(t));
        for n in [0, 1, 7] {
            probability(name, m.p_purchases_new(n, t));
        }
        let curve = m.expected_cumulative_repeat(&[0.0, t / 2.0], &[t, 2.0 * t]);
        curve.iter().for_each(|&v| expectation(name, v));
    }
    let valid: Vec<History> = hs
        .iter()
        .enumerate()
        .filter(|(i, h)| h.check(*i).is_ok())
        .map(|(_, h)| *h)
        .collect();
    if t.is_finite() && t >= 0.0 {
        for h in &valid {
            probability(name, m.p_alive(h));
            expectation(name, m.expected_purchases_if_alive(t, h));
            probability(name, m.p_purchase_if_alive(t, h));
            expectation(name, m.conditional_expected_purchases(t, h));
            probability(name, m.p_no_purchase(t, h));
        }
        for p in m.predict_batch(&valid, t) {
            probability(name, p.p_alive);
            expectation(name, p.expected_purchases);
            probability(name, p.p_no_purchase);
        }
    }
    let summaries: Vec<PurchaseSummary> = hs
        .iter()
        .zip(spends)
        .enumerate()
        .map(|(i, (h, s))| summary(i, h, *s))
        .collect();
    if let Ok(rows) = predict_rows(m, &summaries, t) {
        for r in rows {
            probability(name, r.p_alive);
            finite(name, r.expected_purchases);
            probability(name, r.p_no_purchase);
        }
    }
    let Some(opts) = opts else {
        return;
    };
    for h in &valid {
        expectation(name, expected_clv(m, h, 1.0, opts));
        expectation(name, discounted_purchases_if_alive(m, h, opts));
    }
    for c in predict_clv_batch(m, &valid, opts) {
        expectation(name, c.clv_per_spend);
    }
    for d in m.discounted_purchases_if_alive_batch(&valid, opts) {
        expectation(name, d);
    }
    if let Ok(rows) = predict_clv_rows(m, &summaries, gg, opts) {
        for r in rows {
            finite(name, r.clv_per_spend);
            if let Some(c) = r.clv {
                finite(name, c);
            }
            if let Some(s) = r.expected_spend {
                finite(name, s);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let sel = inp.byte();
    let params: [f64; 4] = [inp.f64(), inp.f64(), inp.f64(), inp.f64()];
    let n = usize::from(inp.byte() % 8);
    let hs: Vec<History> = (0..n).map(|_| history(&mut inp)).collect();
    let weights: Vec<f64> = (0..n).map(|_| inp.f64()).collect();
    let spends: Vec<Option<Decimal>> = (0..n)
        .map(|_| (inp.byte() & 1 == 0).then(|| inp.amount()))
        .collect();
    let t = inp.f64();
    // Mostly a modest number of discounting periods (the CLV sums cost one model evaluation per
    // period, up to the 2^20 `ClvOptions::new` allows); sometimes any three numbers.
    let (horizon, rate) = (inp.f64(), inp.f64());
    let period = match inp.byte() {
        0..=31 => inp.f64(),
        k => horizon / f64::from(k - 31),
    };
    let opts = ClvOptions::new(horizon, rate, period).ok();
    let [a, b, c, d] = params;

    let data = Histories::from_slices(
        &hs.iter().map(|h| h.x).collect::<Vec<_>>(),
        &hs.iter().map(|h| h.t_x).collect::<Vec<_>>(),
        &hs.iter().map(|h| h.t).collect::<Vec<_>>(),
        (sel & 1 != 0).then_some(&weights[..]),
    )
    .ok();

    let gg = GammaGamma::new(a, b, c).ok();
    if let Some(g) = &gg {
        for (h, s) in hs.iter().zip(&spends) {
            let zbar = s.map_or(inp.f64(), |d| crm_clv::model::to_f64(d));
            if let Ok(Some(v)) = g.expected_spend(h.x, zbar) {
                finite("gamma-gamma expected spend", v);
            }
        }
        let x: Vec<u32> = hs.iter().map(|h| h.x).collect();
        let zbar: Vec<f64> = spends
            .iter()
            .map(|s| s.map_or(0.0, crm_clv::model::to_f64))
            .collect();
        if let Ok(sp) = Spends::from_slices(&x, &zbar, None) {
            if !sp.is_empty() {
                log_lik("gamma-gamma log-likelihood", g.log_likelihood(&sp));
            }
            if sel & 2 != 0 {
                if let Ok(f) = GammaGamma::fit(&sp, &fit_options(&mut inp)) {
                    f.params
                        .to_vec()
                        .iter()
                        .for_each(|&v| finite("gamma-gamma fit", v));
                }
            }
        }
    }

    if let Ok(m) = BgNbd::new(a, b, c, d) {
        if let Some(h) = &data {
            log_lik("bgnbd log-likelihood", m.log_likelihood(h));
        }
        purchase_model(&m, &hs, t, opts.as_ref(), gg.as_ref(), &spends);
    }
    if let Ok(m) = MbgNbd::new(a, b, c, d) {
        if let Some(h) = &data {
            log_lik("mbgnbd log-likelihood", m.log_likelihood(h));
        }
        purchase_model(&m, &hs, t, opts.as_ref(), gg.as_ref(), &spends);
    }
    if let Ok(m) = ParetoNbd::new(a, b, c, d) {
        if let Some(h) = &data {
            log_lik("pnbd log-likelihood", m.log_likelihood(h));
        }
        purchase_model(&m, &hs, t, opts.as_ref(), gg.as_ref(), &spends);
    }
    if let Some(h) = &data {
        if sel & 4 != 0 && !h.is_empty() {
            let fo = fit_options(&mut inp);
            match sel >> 6 {
                0 => {
                    if let Ok(f) = BgNbd::fit(h, &fo) {
                        f.params
                            .to_vec()
                            .iter()
                            .for_each(|&v| finite("bgnbd fit", v));
                    }
                }
                1 => {
                    if let Ok(f) = MbgNbd::fit(h, &fo) {
                        f.params
                            .to_vec()
                            .iter()
                            .for_each(|&v| finite("mbgnbd fit", v));
                    }
                }
                _ => {
                    if let Ok(f) = ParetoNbd::fit(h, &fo) {
                        f.params
                            .to_vec()
                            .iter()
                            .for_each(|&v| finite("pnbd fit", v));
                    }
                }
            }
        }
    }

    // BG/BB: discrete opportunities; T = n opportunities, t_x the last one with a purchase.
    if let Ok(m) = BgBb::new(a, b, c, d) {
        let bh: Vec<History> = hs
            .iter()
            .map(|h| {
                let n = h.t.abs().min(1e7).round();
                let x = f64::from(h.x).min(n);
                let t_x = if x == 0.0 {
                    0.0
                } else {
                    h.t_x.abs().round().clamp(x, n)
                };
                History::new(x as u32, t_x, n)
            })
            .enumerate()
            .filter(|(i, h)| h.check(*i).is_ok())
            .map(|(_, h)| h)
            .collect();
        let n_star = inp.count();
        for h in &bh {
            probability("bgbb p_alive", m.p_alive(h));
            expectation(
                "bgbb expected",
                m.conditional_expected_transactions(n_star, h),
            );
            probability("bgbb p_no_purchase", m.p_no_purchase(n_star, h));
            // Documented: a negative or non-finite rate gives NaN.
            let rate = inp.f64();
            let v = m.discounted_expected_transactions(n_star, rate, h);
            if rate >= 0.0 && rate.is_finite() {
                expectation("bgbb discounted", v);
            } else {
                assert!(v.is_nan(), "bgbb discounted with rate {rate}: {v}");
            }
        }
        expectation("bgbb new", m.expected_transactions_new(n_star));
        probability("bgbb p new", m.p_transactions_new(inp.count() % 64, n_star));
        if let Ok(h) = Histories::from_weighted(bh.iter().map(|h| (*h, 1.0))) {
            if !h.is_empty() {
                log_lik("bgbb log-likelihood", m.log_likelihood(&h));
                if sel & 8 != 0 {
                    if let Ok(f) = BgBb::fit(&h, &fit_options(&mut inp)) {
                        f.params
                            .to_vec()
                            .iter()
                            .for_each(|&v| finite("bgbb fit", v));
                    }
                }
            }
        }
    }

    // sBG: survivor counts, non-increasing.
    if let Ok(m) = Sbg::new(a, b) {
        let mut survivors = vec![1000.0 + f64::from(inp.u16())];
        for _ in 0..inp.byte() % 12 {
            let last = survivors[survivors.len() - 1];
            survivors.push(last * f64::from(inp.byte()) / 255.0);
        }
        if survivors.len() >= 2 {
            log_lik("sbg log-likelihood", m.log_likelihood(&survivors));
        }
        let k = inp.count();
        probability("sbg churn", m.churn_probability(k));
        probability("sbg survival", m.survival(k));
        probability("sbg retention", m.retention_rate(k));
        let horizon = inp.count() % 10_000;
        m.survival_curve(horizon)
            .iter()
            .for_each(|&v| probability("sbg curve", v));
        m.project(1000.0, horizon)
            .iter()
            .for_each(|&v| expectation("sbg project", v));
        if let Ok(v) = m.derl(inp.f64(), inp.count()) {
            finite("sbg derl", v);
        }
        if sel & 16 != 0 {
            if let Ok(f) = Sbg::fit_survivors(&survivors, &fit_options(&mut inp)) {
                [f.params.alpha, f.params.beta]
                    .iter()
                    .for_each(|&v| finite("sbg fit", v));
            }
        }
    }
});
