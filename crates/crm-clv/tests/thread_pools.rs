#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The parallel paths run on the caller's rayon pool and give bit-identical results whatever
//! its size: likelihoods (fixed chunks, summed in order), batch predictions, the tabulated and
//! the per-customer discounted CLV sums, in a one-thread pool, a three-thread pool and the
//! default (global) pool.

use crm_clv::{
    BgNbd, ClvOptions, Histories, History, MbgNbd, ParetoNbd, PurchaseModel, predict_clv_batch,
};

/// BG/NBD behind the trait's default batch methods (no specialisation).
struct Plain(BgNbd);

impl PurchaseModel for Plain {
    fn name(&self) -> &'static str {
        "plain"
    }
    fn p_alive(&self, h: &History) -> f64 {
        self.0.p_alive(h)
    }
    fn expected_purchases_if_alive(&self, t: f64, h: &History) -> f64 {
        self.0.expected_purchases_if_alive(t, h)
    }
    fn p_purchase_if_alive(&self, t: f64, h: &History) -> f64 {
        self.0.p_purchase_if_alive(t, h)
    }
    fn expected_purchases_new(&self, t: f64) -> f64 {
        self.0.expected_purchases_new(t)
    }
    fn p_purchases_new(&self, n: u32, t: f64) -> f64 {
        self.0.p_purchases_new(n, t)
    }
}

fn batches<M: PurchaseModel + Sync>(m: &M, hs: &[History], o: &ClvOptions, out: &mut Vec<f64>) {
    for p in m.predict_batch(hs, 39.0) {
        out.extend([p.p_alive, p.expected_purchases, p.p_no_purchase]);
    }
    out.extend(m.discounted_purchases_if_alive_batch(hs, o));
    out.extend(predict_clv_batch(m, hs, o).iter().map(|c| c.clv_per_spend));
}

/// Every parallel path once, as bit patterns.
fn everything(cont: &[History], daily: &[History], data: &Histories) -> Vec<u64> {
    let bg = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259).unwrap();
    let mb = MbgNbd::new(0.2426, 4.4136, 0.7929, 2.4259).unwrap();
    let pn = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap();
    let o = ClvOptions::new(39.0, 0.01, 1.0).unwrap();
    let mut out = vec![
        bg.log_likelihood(data),
        mb.log_likelihood(data),
        pn.log_likelihood(data),
    ];
    for hs in [cont, daily] {
        batches(&bg, hs, &o, &mut out);
        batches(&mb, hs, &o, &mut out);
        batches(&pn, hs, &o, &mut out);
        batches(&Plain(bg), &hs[..20_000], &o, &mut out);
    }
    out.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn results_do_not_depend_on_the_pool() -> Result<(), Box<dyn std::error::Error>> {
    // Enough customers for several shares per batch (16,384 each, 65,536 when counting) and
    // several likelihood chunks (32,768 groups for the BG family, 8,192 for Pareto/NBD).
    let truth = BgNbd::new(0.25, 4.0, 0.8, 2.5)?;
    let ages: Vec<f64> = (0..100_000)
        .map(|i| 5.0 + f64::from(i % 9973) * 0.005)
        .collect();
    let cont = truth.simulate(&ages, 11);
    let daily: Vec<History> = cont
        .iter()
        .map(|h| History::new(h.x, h.t_x.floor(), h.t.floor()))
        .collect();
    let data = Histories::from_weighted(cont.iter().map(|h| (*h, 1.0)))?;
    assert!(data.len() > 32_768, "{} groups", data.len());

    let default = everything(&cont, &daily, &data);
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        let got = pool.install(|| everything(&cont, &daily, &data));
        assert!(got == default, "{threads} threads: results differ");
    }
    Ok(())
}
