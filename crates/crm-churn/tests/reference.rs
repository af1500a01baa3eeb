#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Reference checks against scikit-learn, statsmodels and lifelines. The expected values were
//! computed once by `scripts/churn_fixtures.py` and stored in `tests/fixtures/*.json`.

use crm_churn::{
    ConfidenceBand, FeatureMatrix, KaplanMeier, LogisticModel, LogisticOptions, brier_score,
    log_loss, pr_auc, roc_auc,
};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn bools(v: &Value) -> Vec<bool> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_bool().unwrap())
        .collect()
}

#[test]
fn auc_equals_sklearn_with_ties() {
    let f = fixture("auc.json");
    let s = floats(&f["scores"]);
    let y = bools(&f["labels"]);
    // The data really has ties.
    let mut distinct = s.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    assert!(distinct.len() <= 11 && s.len() == 300);
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
    assert!(close(
        roc_auc(&s, &y).unwrap(),
        f["roc_auc"].as_f64().unwrap()
    ));
    assert!(close(
        pr_auc(&s, &y).unwrap(),
        f["average_precision"].as_f64().unwrap()
    ));
    assert!(close(
        log_loss(&s, &y).unwrap(),
        f["log_loss"].as_f64().unwrap()
    ));
    assert!(close(
        brier_score(&s, &y).unwrap(),
        f["brier"].as_f64().unwrap()
    ));
}

fn logistic_data() -> (Value, FeatureMatrix, Vec<bool>) {
    let f = fixture("logistic.json");
    let names: Vec<String> = f["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let rows: Vec<Vec<f64>> = f["x"].as_array().unwrap().iter().map(floats).collect();
    let x = FeatureMatrix::from_rows(names, &rows).unwrap();
    let y = bools(&f["y"]);
    (f, x, y)
}

#[test]
fn unpenalised_logistic_equals_statsmodels() {
    let (f, x, y) = logistic_data();
    let m = LogisticModel::fit(&x, &y, &LogisticOptions::default().l2(0.0)).unwrap();
    let want = floats(&f["statsmodels_params"]);
    assert!((m.intercept() - want[0]).abs() < 1e-4, "{}", m.intercept());
    for (got, want) in m.coefficients().iter().zip(&want[1..]) {
        assert!((got - want).abs() < 1e-4, "{got} vs {want}");
        // Much tighter in practice; relative check too.
        assert!(
            (got - want).abs() <= 1e-6 * want.abs().max(1e-3),
            "{got} vs {want}"
        );
    }
    assert!((m.log_likelihood - f["statsmodels_llf"].as_f64().unwrap()).abs() < 1e-8);
}

#[test]
fn penalised_logistic_equals_sklearn_on_standardised_features() {
    let (f, x, y) = logistic_data();
    let l2 = f["l2"].as_f64().unwrap();
    let m = LogisticModel::fit(&x, &y, &LogisticOptions::default().l2(l2)).unwrap();
    let want = floats(&f["sklearn_coef_std"]);
    assert!((m.intercept_std - f["sklearn_intercept_std"].as_f64().unwrap()).abs() < 1e-5);
    for (got, want) in m.coef_std.iter().zip(&want) {
        assert!((got - want).abs() < 1e-5, "{got} vs {want}");
    }
    // The penalty shrinks: every standardised coefficient is smaller than unpenalised.
    let free = LogisticModel::fit(&x, &y, &LogisticOptions::default().l2(0.0)).unwrap();
    for (p, u) in m.coef_std.iter().zip(&free.coef_std) {
        assert!(p.abs() < u.abs());
    }
}

#[test]
fn kaplan_meier_equals_lifelines() {
    let f = fixture("kaplan_meier.json");
    let km = KaplanMeier::fit(
        &floats(&f["durations"]),
        &bools(&f["observed"]),
        0.95,
        ConfidenceBand::LogLog,
    )
    .unwrap();
    let timeline = floats(&f["timeline"]);
    let s = floats(&f["survival"]);
    let lo = floats(&f["ci_lower"]);
    let hi = floats(&f["ci_upper"]);
    assert!(timeline.len() > 10);
    for (i, &t) in timeline.iter().enumerate() {
        assert!((km.survival_at(t) - s[i]).abs() < 1e-12, "S({t})");
        let (l, u) = km
            .steps
            .iter()
            .find(|st| st.time == t)
            .map_or((1.0, 1.0), |st| (st.lower, st.upper));
        assert!((l - lo[i]).abs() < 1e-9, "lower at {t}: {l} vs {}", lo[i]);
        assert!((u - hi[i]).abs() < 1e-9, "upper at {t}: {u} vs {}", hi[i]);
    }
    assert_eq!(km.median(), Some(f["median"].as_f64().unwrap()));
}
