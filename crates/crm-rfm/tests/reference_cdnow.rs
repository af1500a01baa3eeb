#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Cross-implementation reference: on the full CDNOW master file (23,570 customers, 69,659
//! purchase lines), `TiePolicy::RankFirst` reproduces the pandas recipe
//! `qcut(x.rank(method="first"), 5)` of `../shared/peers/pandas_rfm.py` exactly, and the standard
//! segment map reproduces the pandas regex `seg_map` counts. The expected figures were produced
//! with pandas 2 by the script quoted in `docs/metrics.md` (## crm-rfm).

use crm_rfm::model::rust_decimal::Decimal;
use crm_rfm::model::{CustomerId, SameDayPurchases};
use crm_rfm::{MonetaryValue, RfmAccumulator, SegmentMap, TiePolicy, analyze};

#[test]
fn cdnow_master_rank_first_matches_pandas() {
    let Some(path) = crm_testdata::shared_file("cdnow/CDNOW_master.txt") else {
        return;
    };
    let rows = crm_testdata::read_cdnow(&path);
    let (tx, ids) = crm_testdata::cdnow_transactions(&rows);
    assert_eq!(tx.len(), 69_659);
    let mut acc = RfmAccumulator::new(SameDayPurchases::Separate);
    for t in &tx {
        acc.push(t).unwrap();
    }
    // As-of: the day after the last purchase (1998-07-01), as pandas_rfm.py.
    let table = acc.finish(None, MonetaryValue::Total).unwrap();
    assert_eq!(table.as_of.to_string(), "1998-07-01");
    let v = &table.customers;
    assert_eq!(v.len(), 23_570);
    assert_eq!(
        v.iter().map(|c| u64::from(c.frequency)).sum::<u64>(),
        69_659
    );
    assert_eq!(
        v.iter().map(|c| u64::from(c.recency_days)).sum::<u64>(),
        8_678_984
    );
    let total: Decimal = v.iter().map(|c| c.monetary).sum();
    assert_eq!(total, "2500315.63".parse::<Decimal>().unwrap());

    // Keys follow first appearance, and the file is sorted by customer id, so input order equals
    // pandas' groupby order: rank-first ties are broken identically.
    let a = analyze(v, 5, &TiePolicy::RankFirst, &SegmentMap::standard()).unwrap();
    for dim in 0..3 {
        let mut counts = [0u32; 5];
        for s in &a.scores {
            let x = [s.r, s.f, s.m][dim];
            counts[usize::from(x) - 1] += 1;
        }
        assert_eq!(counts, [4714; 5], "dimension {dim}");
    }
    let cell_sum: u64 = a
        .scores
        .iter()
        .map(|s| u64::from(s.r) * 100 + u64::from(s.f) * 10 + u64::from(s.m))
        .sum();
    assert_eq!(cell_sum, 7_848_810);
    let weighted: u64 = a
        .scores
        .iter()
        .zip(v)
        .map(|(s, c)| {
            let cell = u64::from(s.r) * 100 + u64::from(s.f) * 10 + u64::from(s.m);
            let id = match ids.id(c.customer).unwrap() {
                CustomerId::Int(n) => *n,
                CustomerId::Str(s) => panic!("non-integer id {s}"),
            };
            cell * id % 1_000_003
        })
        .sum();
    assert_eq!(weighted, 11_778_305_834);

    let expect = [
        ("Champions", 4427, "1314584.34"),
        ("Loyal Customers", 4806, "654205.00"),
        ("Potential Loyalists", 1181, "79830.89"),
        ("New Customers", 0, "0"),
        ("Promising", 0, "0"),
        ("Need Attention", 2867, "98199.63"),
        ("About to Sleep", 861, "26350.74"),
        ("At Risk", 844, "62092.05"),
        ("Can't Lose Them", 17, "4250.89"),
        ("Hibernating", 8567, "260802.09"),
    ];
    assert_eq!(a.report.segments.len(), expect.len());
    for (line, (name, n, rev)) in a.report.segments.iter().zip(expect) {
        assert_eq!(line.segment, name);
        assert_eq!(line.customers, n, "{name}");
        assert_eq!(line.revenue, rev.parse::<Decimal>().unwrap(), "{name}");
    }
}
