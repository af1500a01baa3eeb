//! A synthetic, fully populated report for renderer tests: every section and chart type.

use crm_model::chrono::NaiveDate;
use crm_model::rust_decimal::Decimal;

use super::model::*;
use super::svg::histogram_bins;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Every section present, with made-up but plausible values.
pub fn full() -> Report {
    let segments = [
        "Champions",
        "Loyal",
        "Potential loyalist",
        "At risk",
        "Hibernating",
        "Lost",
    ];
    let mut grid = Vec::new();
    for r in 1..=5u8 {
        for f in 1..=5u8 {
            #[allow(overlapping_range_endpoints)] // first match wins, on purpose
            let seg = match (r, f) {
                (4..=5, 4..=5) => segments[0],
                (3..=5, 3..=5) => segments[1],
                (4..=5, _) => segments[2],
                (1..=2, 3..=5) => segments[3],
                (2..=3, _) => segments[4],
                _ => segments[5],
            };
            grid.push(RfmGridCell {
                r,
                f,
                customers: u64::from(r) * 10 + u64::from(f) * 7,
                segment: seg.into(),
            });
        }
    }
    let clv_values: Vec<f64> = (0..500).map(|i| (f64::from(i) / 25.0).exp()).collect();
    Report {
        meta: Meta {
            generator: "crm test".into(),
            as_of: Some(d(2024, 12, 31)),
            first_date: Some(d(2023, 1, 1)),
            last_date: Some(d(2024, 12, 31)),
            after_as_of: 0,
            inputs: vec![InputFile {
                kind: "transactions".into(),
                path: "t.csv".into(),
                rows: 1000,
                skipped: 0,
            }],
        },
        kpis: Kpis {
            customers: 2000,
            active_last_30_days: 300,
            revenue: Decimal::new(123_456_789, 2),
            last_period: Some(PeriodView {
                start: d(2024, 11, 1),
                end: d(2024, 12, 1),
            }),
            retention: Some(0.8),
            churn: Some(0.2),
            retention_definition: Some("active = a purchase in the last 90 days".into()),
            repeat_purchase_rate: Some(0.6),
            aov: Some(Decimal::new(12_000, 2)),
            arpu: Some(Decimal::new(50_000, 2)),
            nps: Some(NpsKpi {
                score: 31.5,
                ci_low: Some(26.0),
                ci_high: Some(37.0),
                confidence: Some(0.95),
                responses: 800,
            }),
            csat: Some(CsatKpi {
                top_two_box: 0.7,
                ci_low: Some(0.65),
                ci_high: Some(0.74),
                scale_max: 5,
                mean: 3.9,
                responses: 400,
            }),
            cac: Some(Decimal::new(6_500, 2)),
            ltv_to_cac: Some(4.2),
            ltv: Some(273.0),
            ltv_basis: Some("LTV = mean 36-month CLV from crm-clv".into()),
            grr: Some(0.91),
            nrr: Some(1.04),
            quick_ratio: Some(2.5),
            mrr: Some(Decimal::new(3_400_000, 2)),
            service: Some(ServiceKpi {
                tickets: 900,
                complaints: 200,
                unresolved: 3,
                median_resolution_hours: Some(14.5),
                resolution_rate: Some(0.98),
                complaints_per_100_customers: Some(10.0),
            }),
        },
        rfm: Some(RfmSection {
            method: "quintiles".into(),
            levels: 5,
            segments: segments
                .iter()
                .enumerate()
                .map(|(i, s)| RfmSegmentRow {
                    segment: (*s).into(),
                    customers: 100 * (i as u64 + 1),
                    share: 0.1,
                    mean_recency_days: 30.0 * i as f64,
                    mean_frequency: 6.0 - i as f64,
                    mean_monetary: 500.0 / (i as f64 + 1.0),
                    revenue_share: 0.1,
                    action: None,
                })
                .collect(),
            grid,
        }),
        clv: Some(ClvSection {
            method: "BG/NBD on 2000 customers; Gamma-Gamma on 1200 repeat buyers".into(),
            unit: "week".into(),
            horizon: 52.0,
            discount_rate: None,
            bgnbd: BgNbdParams {
                r: 0.9,
                alpha: 8.0,
                a: 0.8,
                b: 4.0,
                log_likelihood: Some(-12345.6),
            },
            gamma_gamma: Some(GammaGammaParams {
                p: 6.0,
                q: 4.0,
                v: 60.0,
            }),
            total_expected_value: 654_321.0,
            top_customers: (0..10)
                .map(|i| ClvCustomer {
                    customer_id: format!("C-{i}"),
                    frequency: 20 - i,
                    recency: 90.0,
                    age: 100.0,
                    p_alive: 0.95,
                    expected_purchases: 8.0,
                    expected_spend: 130.0,
                    clv: 1000.0 - f64::from(i),
                })
                .collect(),
            distribution: histogram_bins(&clv_values, 20),
            p_alive: HeatGrid {
                x_label: "repeat purchases x".into(),
                y_label: "weeks since last purchase".into(),
                x_ticks: (0..10).map(|x| x.to_string()).collect(),
                y_ticks: (0..10).map(|y| (y * 10).to_string()).collect(),
                values: (0..10)
                    .map(|y| {
                        (0..10)
                            .map(|x| Some(1.0 / (1.0 + f64::from(x * y) / 20.0)))
                            .collect()
                    })
                    .collect(),
            },
        }),
        churn: Some(ChurnSection {
            method: "P(alive)".into(),
            tiers: vec![
                ChurnTier {
                    tier: "high".into(),
                    rule: "P(churn) >= 0.7".into(),
                    customers: 300,
                    revenue_share: Some(0.1),
                },
                ChurnTier {
                    tier: "low".into(),
                    rule: "P(churn) < 0.3".into(),
                    customers: 1200,
                    revenue_share: None,
                },
            ],
            to_call: vec![ChurnCustomer {
                customer_id: "C-9".into(),
                score: 0.82,
                tier: "high".into(),
                value: 1500.0,
                reason: Some("no purchase for 120 days".into()),
            }],
            calibration: (0..10u32)
                .map(|i| CalibrationPoint {
                    predicted: (f64::from(i) + 0.5) / 10.0,
                    observed: ((f64::from(i) + 0.5) / 10.0 * 0.9).min(1.0),
                    count: 50 + 10 * u64::from(i),
                })
                .collect(),
            auc: Some(0.78),
            calibration_note: Some("Backtest: refitted on data up to 2024-10-02".into()),
        }),
        dedup: Some(DedupSection {
            records: 2192,
            candidate_pairs: 15000,
            matched_pairs: 180,
            clusters: 170,
            redundant_records: 185,
            examples: vec![GoldenRecord {
                members: vec!["5".into(), "2101".into()],
                name: Some("李晓东".into()),
                email: Some("xiaodong.li@126.com".into()),
                phone: Some("+86 154 7202 5314".into()),
                company: Some("广州博雅科技有限公司".into()),
            }],
            evaluation: Some(DedupEvaluation {
                precision: 0.97,
                recall: 0.9,
                f1: 0.933,
            }),
        }),
        cohorts: Some(CohortSection {
            unit: "month".into(),
            definition: "test".into(),
            rows: (0..6)
                .map(|c| {
                    let ret: Vec<f64> = (0..6 - c)
                        .map(|k| if k == 0 { 1.0 } else { 0.3 / f64::from(k) })
                        .collect();
                    CohortRow {
                        cohort: d(2024, 1 + c as u32, 1),
                        size: 100,
                        active: ret.iter().map(|r| (r * 100.0) as u64).collect(),
                        retention: ret,
                    }
                })
                .collect(),
        }),
        funnel: Some(FunnelSection {
            definition: "test".into(),
            steps: vec![
                FunnelStep {
                    stage: "visit".into(),
                    subjects: 8000,
                    from_previous: None,
                    from_start: Some(1.0),
                },
                FunnelStep {
                    stage: "signup".into(),
                    subjects: 4000,
                    from_previous: Some(0.5),
                    from_start: Some(0.5),
                },
                FunnelStep {
                    stage: "purchase".into(),
                    subjects: 2000,
                    from_previous: Some(0.5),
                    from_start: Some(0.25),
                },
            ],
        }),
        lifecycle: None,
        trends: None,
        nps: Some(NpsSection {
            counts: vec![1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144],
            promoters: 233,
            passives: 89,
            detractors: 53,
            score: 47.9,
        }),
        groups: Some(GroupSection {
            columns: vec!["region".into()],
            months: vec![d(2024, 10, 1), d(2024, 11, 1), d(2024, 12, 1)],
            groups: ["north", "south"]
                .iter()
                .zip([1u64, 2])
                .map(|(r, k)| GroupFigures {
                    key: vec![(*r).into()],
                    customers: 1000 * k,
                    active_last_30_days: 150 * k,
                    revenue: Decimal::new(60_000_000 * k as i64, 2),
                    aov: Some(Decimal::new(11_000 + 500 * k as i64, 2)),
                    repeat_purchase_rate: Some(0.5 + 0.05 * k as f64),
                    retention: Some(0.75 + 0.05 * k as f64),
                    churn: Some(0.25 - 0.05 * k as f64),
                    nps: Some(20.0 + 10.0 * k as f64),
                    nps_answers: 300 * k,
                    monthly_revenue: (1..=3)
                        .map(|m| Decimal::new(1_000_000 * m * k as i64, 2))
                        .collect(),
                })
                .collect(),
            unmatched: 0,
        }),
        missing: Vec::new(),
    }
}
