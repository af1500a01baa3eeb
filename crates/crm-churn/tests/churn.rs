#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Hand-computed checks and invariants of crm-churn.

use chrono::{NaiveDate, NaiveDateTime};
use crm_churn::*;
use crm_model::{
    CsatScale, CsatScore, CustomerKey, Interaction, InteractionKind, MrrMovement, MrrMovementKind,
    NpsScore, SurveyAnswer, SurveyResponse, Transaction,
};
use proptest::prelude::*;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, day).unwrap()
}
fn at(m: u32, day: u32) -> NaiveDateTime {
    d(m, day).and_hms_opt(10, 0, 0).unwrap()
}
fn k(i: u32) -> CustomerKey {
    CustomerKey::from_index(i)
}
fn buy(c: u32, m: u32, day: u32, amount: i64) -> Transaction {
    Transaction::purchase(k(c), d(m, day), amount.into()).unwrap()
}

fn history() -> (Vec<Transaction>, Vec<Interaction>, Vec<SurveyResponse>) {
    let tx = vec![
        buy(0, 1, 1, 10),
        buy(0, 1, 1, 5), // same day: one occasion of 15
        buy(0, 2, 1, 30),
        buy(0, 4, 1, 45),
        buy(1, 3, 15, 100),
        buy(2, 6, 1, 7), // first purchase after as-of: not scored
    ];
    let it = vec![
        Interaction::new(
            k(0),
            at(3, 20),
            InteractionKind::Complaint { resolved_at: None },
        )
        .unwrap(),
        Interaction::new(
            k(0),
            at(4, 10),
            InteractionKind::SupportTicket {
                resolved_at: Some(at(4, 12)),
            },
        )
        .unwrap(),
        Interaction::new(k(1), at(3, 1), InteractionKind::Call).unwrap(),
    ];
    let sv = vec![
        SurveyResponse {
            customer: Some(k(0)),
            date: d(2, 1),
            answer: SurveyAnswer::Nps {
                score: NpsScore::new(9).unwrap(),
            },
        },
        SurveyResponse {
            customer: Some(k(0)),
            date: d(4, 2),
            answer: SurveyAnswer::Nps {
                score: NpsScore::new(3).unwrap(),
            },
        },
        SurveyResponse {
            customer: Some(k(1)),
            date: d(3, 16),
            answer: SurveyAnswer::Csat {
                score: CsatScore::new(2, CsatScale::OneToFive).unwrap(),
            },
        },
        SurveyResponse {
            customer: None,
            date: d(3, 16),
            answer: SurveyAnswer::Nps {
                score: NpsScore::new(0).unwrap(),
            },
        },
    ];
    (tx, it, sv)
}

#[test]
fn features_by_hand() {
    let (tx, it, sv) = history();
    let as_of = d(4, 30);
    let f = compute_features(
        &tx,
        &it,
        &sv,
        &FeatureOptions::new(as_of).trend_window_days(60),
    )
    .unwrap();
    assert_eq!(f.len(), 2);
    let a = &f[0];
    assert_eq!(a.customer, k(0));
    assert_eq!(a.frequency, 3);
    assert_eq!(a.total_spend, 90.0);
    assert_eq!(a.monetary, 30.0);
    assert_eq!(a.recency_days, 29.0); // Apr 1 -> Apr 30
    assert_eq!(a.tenure_days, 120.0); // Jan 1 -> Apr 30 (leap year)
    // Windows (Mar 1, Apr 30] and (Jan 1, Mar 1]: Apr 1 | Feb 1 (Jan 1 is just outside).
    assert_eq!((a.purchases_last_window, a.purchases_prev_window), (1, 1));
    assert_eq!(a.trend, 0.0);
    let f90 = compute_features(&tx, &it, &sv, &FeatureOptions::new(as_of)).unwrap();
    // 90-day windows (Jan 31, Apr 30] and (Nov 2, Jan 31]: Feb 1, Apr 1 | Jan 1.
    assert_eq!(
        (f90[0].purchases_last_window, f90[0].purchases_prev_window),
        (2, 1)
    );
    assert!((f90[0].trend - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(a.mean_gap_days, Some(45.5)); // 91 days / 2 gaps
    assert!((a.gap_ratio.unwrap() - 29.0 / 45.5).abs() < 1e-12);
    assert_eq!(a.complaints_recent, 1);
    assert_eq!(a.days_since_complaint, Some(41.0));
    assert_eq!(a.unresolved_tickets, 1); // the complaint; the ticket was resolved Apr 12
    assert_eq!(a.last_nps, Some(3));
    assert_eq!(a.days_since_contact, Some(20.0));
    assert_eq!(a.bgnbd_inputs(7.0), (2, 13.0, 120.0 / 7.0));
    let b = &f[1];
    assert_eq!((b.frequency, b.mean_gap_days, b.gap_ratio), (1, None, None));
    assert_eq!(b.last_csat, Some(0.25));
    assert_eq!(b.last_nps, None);
    assert_eq!(b.days_since_contact, Some(60.0));
    assert_eq!(b.unresolved_tickets, 0);
}

#[test]
fn future_events_never_change_features() {
    let (tx, it, sv) = history();
    let as_of = d(4, 30);
    let opts = FeatureOptions::new(as_of);
    let before = compute_features(&tx, &it, &sv, &opts).unwrap();
    let (mut tx2, mut it2, mut sv2) = (tx.clone(), it.clone(), sv.clone());
    // Future purchases, a late resolution of the open complaint, future contacts and surveys.
    tx2.push(buy(0, 5, 1, 1000));
    tx2.push(buy(1, 5, 2, 1000));
    tx2.push(buy(3, 5, 2, 1));
    tx2.insert(0, buy(1, 7, 1, 5));
    it2[0] = Interaction::new(
        k(0),
        at(3, 20),
        InteractionKind::Complaint {
            resolved_at: Some(at(5, 3)),
        },
    )
    .unwrap();
    it2.push(
        Interaction::new(
            k(1),
            at(5, 1),
            InteractionKind::Complaint { resolved_at: None },
        )
        .unwrap(),
    );
    it2.push(Interaction::new(k(0), at(5, 1), InteractionKind::Visit).unwrap());
    sv2.push(SurveyResponse {
        customer: Some(k(0)),
        date: d(5, 1),
        answer: SurveyAnswer::Nps {
            score: NpsScore::new(10).unwrap(),
        },
    });
    let after = compute_features(&tx2, &it2, &sv2, &opts).unwrap();
    assert_eq!(before, after);
    // And the labels do see the future.
    let l = noncontractual_labels(&tx2, as_of, 30).unwrap();
    assert_eq!(
        l.iter().map(|l| l.churned).collect::<Vec<_>>(),
        [false, false]
    );
    let l = noncontractual_labels(&tx, as_of, 30).unwrap();
    assert_eq!(
        l.iter().map(|l| l.churned).collect::<Vec<_>>(),
        [true, true]
    );
}

#[test]
fn time_split_has_no_leakage() {
    let (tx, it, sv) = history();
    let split = TimeSplit {
        train_as_of: d(2, 15),
        test_as_of: d(4, 30),
        horizon_days: 60,
    };
    let (train, test) = time_split(&tx, &it, &sv, &split, &FeatureOptions::new(d(1, 1))).unwrap();
    assert_eq!(train.as_of, d(2, 15));
    assert_eq!(train.features.len(), 1); // only customer 0 had bought by Feb 15
    assert_eq!(train.labels, [false]); // bought Apr 1, within 60 days
    assert_eq!(test.features.len(), 2);
    // Training features equal features computed from data cut at the training as-of.
    let cut: Vec<Transaction> = tx
        .iter()
        .filter(|t| t.date() <= d(2, 15))
        .cloned()
        .collect();
    let direct = compute_features(&cut, &[], &[], &FeatureOptions::new(d(2, 15))).unwrap();
    assert_eq!(train.features[0].recency_days, direct[0].recency_days);
    assert_eq!(train.features[0].frequency, direct[0].frequency);
    // Overlap is refused.
    let bad = TimeSplit {
        horizon_days: 90,
        ..split
    };
    assert!(matches!(
        time_split(&tx, &it, &sv, &bad, &FeatureOptions::new(d(1, 1))),
        Err(ChurnError::InvalidParameter { .. })
    ));
}

#[test]
fn contractual_labels_from_mrr() {
    let m = |c, mo, day, kind| MrrMovement::new(k(c), d(mo, day), kind, 10.into()).unwrap();
    let mv = [
        m(0, 1, 1, MrrMovementKind::New),
        m(0, 2, 1, MrrMovementKind::Expansion),
        m(0, 3, 1, MrrMovementKind::Churn),
        m(0, 5, 1, MrrMovementKind::Reactivation),
        m(1, 1, 1, MrrMovementKind::New),
        m(2, 1, 1, MrrMovementKind::New),
        m(2, 7, 1, MrrMovementKind::Churn),
    ];
    let subs = subscriptions_from_mrr(&mv).unwrap();
    assert_eq!(subs.len(), 4);
    assert_eq!(subs[0].end, Some(d(3, 1)));
    assert_eq!(subs[1].end, None);
    let l = contractual_labels(&subs, d(2, 15), 30).unwrap();
    let got: Vec<(u32, bool)> = l.iter().map(|l| (l.customer.get(), l.churned)).collect();
    assert_eq!(got, [(0, true), (1, false), (2, false)]);
    let l = contractual_labels(&subs, d(6, 15), 30).unwrap();
    let got: Vec<(u32, bool)> = l.iter().map(|l| (l.customer.get(), l.churned)).collect();
    assert_eq!(got, [(0, false), (1, false), (2, true)]);
    // Churn without a subscription is an error naming the record.
    let bad = [m(5, 1, 1, MrrMovementKind::Churn)];
    assert!(matches!(
        subscriptions_from_mrr(&bad),
        Err(ChurnError::Model(crm_model::ModelError::AtRecord {
            index: 0,
            ..
        }))
    ));
    // Survival of the spells as of Jun 15: one churned after 59 days, the others censored.
    let lt = lifetimes_from_subscriptions(&subs, d(6, 15));
    assert_eq!(lt.len(), 4);
    assert!(lt[0].churned && lt[0].days == 60.0);
    assert!(!lt[3].churned);
}

#[test]
fn rules_are_data() {
    let json = r#"{
        "rules": [
            { "name": "silent", "when": { "kind": "no_order_for_days", "days": 25 }, "weight": 2 },
            { "name": "angry", "when": { "kind": "complaint_in_last_days", "days": 60 } },
            { "name": "detractor", "when": { "kind": "low_nps", "at_most": 6 } },
            { "name": "unhappy", "when": { "kind": "low_csat", "at_most": 0.25 } }
        ],
        "high_at": 3, "medium_at": 1
    }"#;
    let rs: RuleSet = serde_json::from_str(json).unwrap();
    let (tx, it, sv) = history();
    let f = compute_features(&tx, &it, &sv, &FeatureOptions::new(d(4, 30))).unwrap();
    let s = rs.score(&f).unwrap();
    assert_eq!(s[0].fired, ["silent", "angry", "detractor"]);
    assert_eq!(
        (s[0].points, s[0].tier, s[0].score),
        (4.0, RiskTier::High, 0.8)
    );
    assert_eq!(s[1].fired, ["silent", "unhappy"]);
    assert_eq!(s[1].tier, RiskTier::High);
    // Round trip.
    let back: RuleSet = serde_json::from_str(&serde_json::to_string(&rs).unwrap()).unwrap();
    assert_eq!(back, rs);
    let def: RuleSet =
        serde_json::from_str(&serde_json::to_string(&RuleSet::default()).unwrap()).unwrap();
    assert_eq!(def, RuleSet::default());
    // Invalid sets are refused.
    let mut dup = rs.clone();
    dup.rules[1].name = "silent".into();
    assert!(dup.score(&f).is_err());
    let mut neg = rs.clone();
    neg.rules[0].weight = -1.0;
    assert!(neg.check().is_err());
    let mut thr = rs;
    thr.medium_at = 5.0;
    assert!(thr.check().is_err());
}

#[test]
fn evaluation_by_hand() {
    // 10 customers, 4 churners.
    let s = [0.9, 0.8, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];
    let y = [
        true, true, false, false, true, false, false, true, false, false,
    ];
    // Pairs: churners 0.9 (beats 6), 0.8 (beats 5 + tie .5), 0.6 (beats 4), 0.3 (beats 2) of 24.
    assert!((roc_auc(&s, &y).unwrap() - 17.5 / 24.0).abs() < 1e-12);
    let e = evaluate(&s, &y).unwrap();
    assert_eq!((e.n, e.churners), (10, 4));
    // Top decile = 1 customer, a churner: lift = 1 / 0.4.
    assert!((e.top_decile_lift - 2.5).abs() < 1e-12);
    // Top 20% = 0.9 and one of the tied 0.8s: 1.5 churners expected.
    assert!((e.gains[1].captured - 1.5 / 4.0).abs() < 1e-12);
    assert!((e.gains[9].captured - 1.0).abs() < 1e-12);
    assert!((precision_at_k(&s, &y, 3).unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(e.calibration.len(), 10);
    assert!((e.calibration[1].observed_rate - 0.5).abs() < 1e-12);
    assert!(e.log_loss.is_some() && e.brier.is_some());
    // Not probabilities: no log loss / Brier, ranking figures still there.
    let days: Vec<f64> = s.iter().map(|v| v * 300.0).collect();
    let e2 = evaluate(&days, &y).unwrap();
    assert_eq!((e2.log_loss, e2.brier), (None, None));
    assert_eq!(e2.roc_auc, e.roc_auc);
    // Errors, not NaN.
    assert!(matches!(
        roc_auc(&s, &[false; 10]),
        Err(ChurnError::OneClass { .. })
    ));
    assert!(matches!(roc_auc(&[], &[]), Err(ChurnError::Empty { .. })));
    assert!(matches!(
        roc_auc(&[f64::NAN, 1.0], &[true, false]),
        Err(ChurnError::NotFinite { .. })
    ));
    assert!(matches!(
        log_loss(&[1.5], &[true]),
        Err(ChurnError::OutOfRange { .. })
    ));
    assert!(precision_at_k(&s, &y, 0).is_err());
}

#[test]
fn logistic_model_serialises_and_explains() {
    let rows: Vec<Vec<f64>> = (0..200)
        .map(|i| {
            let r = f64::from((i * 37) % 101);
            let f = f64::from((i * 13) % 7 + 1);
            vec![r, f]
        })
        .collect();
    let y: Vec<bool> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| r[0] / 100.0 - r[1] / 10.0 + f64::from((i * 7 % 10) as u32) / 10.0 > 0.6)
        .collect();
    let x = FeatureMatrix::from_rows(vec!["recency".into(), "frequency".into()], &rows).unwrap();
    let m = LogisticModel::fit(&x, &y, &LogisticOptions::default()).unwrap();
    assert!(m.coefficients()[0] > 0.0 && m.coefficients()[1] < 0.0);
    assert!(m.odds_ratios()[1] < 1.0);
    let back: LogisticModel = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
    // serde_json prints floats shortest-round-trip, but its default parser may be off by 1 ulp.
    for (a, b) in back.predict(&x).unwrap().iter().zip(m.predict(&x).unwrap()) {
        assert!((a - b).abs() < 1e-12);
    }
    // Most recent-silent row: recency contributes positively.
    let i = (0..200)
        .max_by(|&a, &b| rows[a][0].total_cmp(&rows[b][0]))
        .unwrap();
    let c = m.top_contributions(&x, i, 2).unwrap();
    assert_eq!(c[0].feature, "recency");
    // Contributions add up to the log-odds.
    let all = m.top_contributions(&x, 5, 9).unwrap();
    let p = m.predict_row(x.row(5));
    assert!(all.iter().all(|c| c.log_odds > 0.0));
    assert!(p > 0.0 && p < 1.0);
    // A wrong column set is refused.
    let other = FeatureMatrix::from_rows(vec!["a".into(), "b".into()], &rows).unwrap();
    assert!(m.predict(&other).is_err());
    // Cross-validated scores are out of fold and deterministic.
    let cv = cross_validated_probabilities(&x, &y, 5, 42, &LogisticOptions::default()).unwrap();
    assert_eq!(
        cv,
        cross_validated_probabilities(&x, &y, 5, 42, &LogisticOptions::default()).unwrap()
    );
    assert!(roc_auc(&cv, &y).unwrap() > 0.7);
}

#[test]
fn logistic_errors_instead_of_nonsense() {
    let x = FeatureMatrix::from_rows(
        vec!["a".into()],
        &[vec![1.0], vec![2.0], vec![3.0], vec![4.0]],
    )
    .unwrap();
    // Perfect separation without a penalty: the MLE does not exist.
    let r = LogisticModel::fit(
        &x,
        &[false, false, true, true],
        &LogisticOptions::default().l2(0.0),
    );
    assert!(
        matches!(
            r,
            Err(ChurnError::NoConvergence { .. } | ChurnError::Singular { .. })
        ),
        "{r:?}"
    );
    // With a penalty it is fine.
    assert!(
        LogisticModel::fit(&x, &[false, false, true, true], &LogisticOptions::default()).is_ok()
    );
    assert!(matches!(
        LogisticModel::fit(&x, &[true; 4], &LogisticOptions::default()),
        Err(ChurnError::OneClass { .. })
    ));
    // A constant column without penalty is singular.
    let c = FeatureMatrix::from_rows(
        vec!["c".into()],
        &[vec![1.0], vec![1.0], vec![1.0], vec![1.0]],
    )
    .unwrap();
    assert!(matches!(
        LogisticModel::fit(
            &c,
            &[false, true, false, true],
            &LogisticOptions::default().l2(0.0)
        ),
        Err(ChurnError::Singular { .. })
    ));
}

/// Every built-in feature is found back by its name, which is also its serde name.
#[test]
fn feature_names_round_trip() {
    for &f in Feature::ALL {
        assert_eq!(Feature::from_name(f.name()), Some(f));
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            format!("\"{}\"", f.name())
        );
    }
    let mut names: Vec<&str> = Feature::ALL.iter().map(|f| f.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Feature::ALL.len());
    assert!(Feature::PURCHASE.iter().all(|f| Feature::ALL.contains(f)));
}

/// `LogisticModel::score` (rows with the customer) equals `predict` on the matrix of the same
/// features, row by row, and `cross_validated_scores` equals `cross_validated_probabilities`.
#[test]
fn logistic_rows_carry_the_matrix_numbers() {
    // 60 customers with keys in reverse order, one to five purchases spread over the year.
    let mut tx = Vec::new();
    for c in 0..60u32 {
        for j in 0..=(c % 5) {
            let day = 1 + (c * 7 + j * 11) % 28;
            let month = 1 + (c + j * 3) % 9;
            tx.push(buy(59 - c, month, day, i64::from(5 + c % 17)));
        }
    }
    let train = compute_features(&tx, &[], &[], &FeatureOptions::new(d(6, 30))).unwrap();
    let y = noncontractual_labels(&tx, d(6, 30), 60).unwrap();
    assert_eq!(y.len(), train.len());
    let x = FeatureMatrix::from_features(&train, &Feature::PURCHASE);
    let labels: Vec<bool> = y.iter().map(|l| l.churned).collect();
    let m = LogisticModel::fit(&x, &labels, &LogisticOptions::default()).unwrap();
    let now = compute_features(&tx, &[], &[], &FeatureOptions::new(d(9, 30))).unwrap();
    let rows = m.score(&now).unwrap();
    let p = m
        .predict(&FeatureMatrix::from_features(&now, &Feature::PURCHASE))
        .unwrap();
    assert_eq!(rows.len(), now.len());
    for ((r, f), p) in rows.iter().zip(&now).zip(&p) {
        assert_eq!(r.customer, f.customer);
        assert_eq!(r.p_churn, *p);
    }
    let set = LabelledSet {
        as_of: d(6, 30),
        features: train.clone(),
        labels: labels.clone(),
    };
    assert_eq!(set.label_rows(), y);
    let opts = LogisticOptions::default();
    let cv = cross_validated_scores(&set, &Feature::PURCHASE, 5, 3, &opts).unwrap();
    let want = cross_validated_probabilities(&x, &labels, 5, 3, &opts).unwrap();
    for ((r, f), p) in cv.iter().zip(&train).zip(&want) {
        assert_eq!((r.customer, r.p_churn), (f.customer, *p));
    }
    // Misaligned set, a model column that is not a built-in feature, a NaN feature: errors.
    let short = LabelledSet {
        labels: labels[1..].to_vec(),
        ..set
    };
    assert!(matches!(
        cross_validated_scores(&short, &Feature::PURCHASE, 5, 3, &opts),
        Err(ChurnError::LengthMismatch { .. })
    ));
    let mut custom = FeatureMatrix::from_features(&train, &[Feature::LogRecency]);
    let extra: Vec<f64> = (0..train.len()).map(|i| (i % 3) as f64).collect();
    custom.push_column("my_score", &extra).unwrap();
    let cm = LogisticModel::fit(&custom, &labels, &opts).unwrap();
    assert!(matches!(
        cm.score(&now),
        Err(ChurnError::InvalidParameter { .. })
    ));
    let mut bad = now.clone();
    bad[2].tenure_days = f64::NAN;
    assert!(matches!(
        m.score(&bad),
        Err(ChurnError::NotFinite { index: 2, .. })
    ));
}

#[test]
fn km_without_censoring_is_the_empirical_survival() {
    let t = [1.0, 2.0, 2.0, 3.0, 5.0];
    let km = KaplanMeier::fit(&t, &[true; 5], 0.95, ConfidenceBand::Plain).unwrap();
    assert_eq!(km.survival_at(0.5), 1.0);
    assert!((km.survival_at(2.0) - 0.4).abs() < 1e-12);
    assert_eq!(km.survival_at(5.0), 0.0);
    assert_eq!(km.median(), Some(2.0));
    // Greenwood at t=2 reduces to the binomial variance S(1-S)/n.
    let st = km.steps.iter().find(|s| s.time == 2.0).unwrap();
    assert!((st.variance - 0.4 * 0.6 / 5.0).abs() < 1e-12);
    let never = KaplanMeier::fit(
        &[1.0, 2.0, 3.0],
        &[true, false, false],
        0.95,
        ConfidenceBand::LogLog,
    )
    .unwrap();
    assert_eq!(never.median(), None);
    assert!(KaplanMeier::fit(&[-1.0], &[true], 0.95, ConfidenceBand::LogLog).is_err());
}

#[test]
fn lifetimes_from_inactivity() {
    let (tx, _, _) = history();
    let lt = lifetimes_from_transactions(&tx, d(4, 30), 20).unwrap();
    assert_eq!(lt.len(), 2);
    // Customer 0: last purchase 29 days ago > 20: churned after Jan 1 -> Apr 1 = 91 days.
    assert!(lt[0].churned && lt[0].days == 91.0);
    // Customer 1: 46 days silent > 20: churned, lifetime 0 days (one purchase).
    assert!(lt[1].churned && lt[1].days == 0.0);
    let lt = lifetimes_from_transactions(&tx, d(4, 30), 50).unwrap();
    assert!(!lt[0].churned && lt[0].days == 120.0);
}

proptest! {
    #[test]
    fn auc_invariants(rows in proptest::collection::vec((0u8..20, any::<bool>()), 2..80)) {
        let s: Vec<f64> = rows.iter().map(|r| f64::from(r.0) / 19.0).collect();
        let y: Vec<bool> = rows.iter().map(|r| r.1).collect();
        let pos = y.iter().filter(|&&v| v).count();
        prop_assume!(pos > 0 && pos < y.len());
        let a = roc_auc(&s, &y).unwrap();
        prop_assert!((0.0..=1.0).contains(&a));
        // Reversing the score reverses the ranking.
        let neg: Vec<f64> = s.iter().map(|v| -v).collect();
        prop_assert!((roc_auc(&neg, &y).unwrap() - (1.0 - a)).abs() < 1e-12);
        // Only the order matters.
        let cubed: Vec<f64> = s.iter().map(|v| v.powi(3) * 7.0 - 2.0).collect();
        prop_assert!((roc_auc(&cubed, &y).unwrap() - a).abs() < 1e-12);
        // Brute force over pairs.
        let (mut w, mut n) = (0.0, 0.0);
        for i in 0..s.len() { for j in 0..s.len() {
            if y[i] && !y[j] { n += 1.0; w += if s[i] > s[j] { 1.0 } else if s[i] == s[j] { 0.5 } else { 0.0 }; }
        }}
        prop_assert!((a - w / n).abs() < 1e-12);
        let g = cumulative_gains(&s, &y).unwrap();
        prop_assert!(g.windows(2).all(|w| w[0].captured <= w[1].captured + 1e-12));
        prop_assert!((g[9].captured - 1.0).abs() < 1e-12);
        let ap = pr_auc(&s, &y).unwrap();
        prop_assert!(ap > 0.0 && ap <= 1.0 + 1e-12);
    }

    #[test]
    fn km_invariants(rows in proptest::collection::vec((0u8..30, any::<bool>()), 1..60)) {
        let t: Vec<f64> = rows.iter().map(|r| f64::from(r.0)).collect();
        let e: Vec<bool> = rows.iter().map(|r| r.1).collect();
        for band in [ConfidenceBand::LogLog, ConfidenceBand::Plain] {
            let km = KaplanMeier::fit(&t, &e, 0.9, band).unwrap();
            let mut prev = 1.0;
            for s in &km.steps {
                prop_assert!(s.survival <= prev + 1e-15 && s.survival >= 0.0);
                prop_assert!(s.lower <= s.survival + 1e-12 && s.survival <= s.upper + 1e-12);
                prop_assert!(s.lower >= 0.0 && s.upper <= 1.0);
                prev = s.survival;
            }
            prop_assert_eq!(km.steps.iter().map(|s| s.events + s.censored).sum::<usize>(), t.len());
        }
    }
}

proptest! {
    #[test]
    fn features_match_brute_force_and_ignore_order(
        rows in proptest::collection::vec((0u32..6, 0u32..120, 1i64..50, any::<bool>()), 1..60),
        seed in any::<u64>(),
    ) {
        let start = d(1, 1);
        let as_of = d(3, 1);
        let tx: Vec<Transaction> = rows.iter().map(|&(c, off, a, refund)| {
            let day = start + chrono::Days::new(u64::from(off));
            let kind = if refund { crm_model::TransactionKind::Refund } else { crm_model::TransactionKind::Purchase };
            // Keys spread over several 4096-key partition buckets.
            Transaction::new(k(c * 3001), day, a.into(), kind).unwrap()
        }).collect();
        let opts = FeatureOptions::new(as_of).trend_window_days(20);
        let f = compute_features(&tx, &[], &[], &opts).unwrap();
        for c in 0..6u32 {
            let mine: Vec<&Transaction> = tx.iter()
                .filter(|t| t.customer() == k(c * 3001) && t.is_purchase() && t.date() <= as_of).collect();
            let got = f.iter().find(|x| x.customer == k(c * 3001));
            if mine.is_empty() { prop_assert!(got.is_none()); continue; }
            let got = got.unwrap();
            let days: std::collections::BTreeSet<NaiveDate> = mine.iter().map(|t| t.date()).collect();
            prop_assert_eq!(got.frequency as usize, days.len());
            let total: i64 = mine.iter().map(|t| i64::try_from(t.amount().mantissa()).unwrap()).sum();
            prop_assert_eq!(got.total_spend, total as f64);
            let last = *days.iter().next_back().unwrap();
            prop_assert_eq!(got.recency_days, (as_of - last).num_days() as f64);
            let in_last = days.iter().filter(|&&x| (as_of - x).num_days() < 20).count();
            prop_assert_eq!(got.purchases_last_window as usize, in_last);
        }
        // Order does not matter.
        let mut p = tx.clone();
        let mut s = seed | 1;
        for i in (1..p.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            p.swap(i, (s % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(compute_features(&p, &[], &[], &opts).unwrap(), f);
    }
}
