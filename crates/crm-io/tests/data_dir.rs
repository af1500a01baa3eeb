//! Writing a demo data directory with `DataDirWriter` and reading it back gives the generator's
//! records, file by file and through `read_data_set`.

use crm_analytics::demo::{DemoConfig, DemoData, DemoGenerator, generate, spend};
use crm_analytics::io::*;
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::{CustomerInterner, CustomerKey};

fn opts() -> ReadOptions {
    ReadOptions::default()
}

/// Writing the demo files and reading them back gives the generator's records.
#[test]
fn round_trip() {
    let cfg = DemoConfig {
        customers: 150,
        seed: 5,
        ..DemoConfig::default()
    };
    let data = generate(&cfg).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut w = DataDirWriter::create(dir.path(), DemoData::id_of).unwrap();
    for p in DemoGenerator::new(&cfg).unwrap() {
        let p = p.unwrap();
        w.write_customers(&p.records, Some(&p.truth.person.to_string()))
            .unwrap();
        w.write_transactions(&p.transactions).unwrap();
        w.write_surveys(&p.surveys).unwrap();
        w.write_interactions(&p.interactions).unwrap();
        w.write_mrr_movements(&p.mrr_movements).unwrap();
        w.write_funnel_events(&p.funnel_events).unwrap();
    }
    w.write_spend(&spend(&cfg).unwrap()).unwrap();
    w.finish().unwrap();

    let cols = TransactionColumns::default();
    let loaded = load_transactions(&dir.path().join(names::TRANSACTIONS), &cols, &opts()).unwrap();
    let mut ids = loaded.ids;
    // Keys differ between the generator and the reader; compare through external ids.
    let ext = |ids: &CustomerInterner, k: CustomerKey| ids.id(k).unwrap().to_string();
    let demo_id = |k: CustomerKey| DemoData::id_of(k).to_string();
    let got: Vec<(String, NaiveDate, String)> = loaded
        .transactions
        .iter()
        .map(|t| {
            (
                ext(&ids, t.customer()),
                t.date(),
                t.signed_amount().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, NaiveDate, String)> = data
        .transactions
        .iter()
        .map(|t| {
            (
                demo_id(t.customer()),
                t.date(),
                t.signed_amount().to_string(),
            )
        })
        .collect();
    assert_eq!(got, want);

    let p = |n: &str| dir.path().join(n);
    let customers = read_customers(&p(names::CUSTOMERS), &opts(), &mut ids, || {}).unwrap();
    assert_eq!(customers.rows.len(), data.customers.len());
    for (row, (c, person)) in customers
        .rows
        .iter()
        .zip(data.customers.iter().zip(&data.person_of))
    {
        assert_eq!(&row.customer, c);
        assert_eq!(row.person_id.as_deref(), Some(person.to_string().as_str()));
    }

    let surveys = read_surveys(&p(names::SURVEYS), &opts(), &mut ids, || {}).unwrap();
    let got: Vec<_> = surveys
        .rows
        .iter()
        .map(|s| (s.customer.map(|k| ext(&ids, k)), s.date, s.answer))
        .collect();
    let want: Vec<_> = data
        .surveys
        .iter()
        .map(|s| (s.customer.map(demo_id), s.date, s.answer))
        .collect();
    assert_eq!(got, want);

    let inter = read_interactions(&p(names::INTERACTIONS), &opts(), &mut ids, || {}).unwrap();
    let got: Vec<_> = inter
        .rows
        .iter()
        .map(|i| {
            (
                ext(&ids, i.customer()),
                i.at(),
                i.kind().clone(),
                i.channel().map(str::to_string),
            )
        })
        .collect();
    let want: Vec<_> = data
        .interactions
        .iter()
        .map(|i| {
            (
                demo_id(i.customer()),
                i.at(),
                i.kind().clone(),
                i.channel().map(str::to_string),
            )
        })
        .collect();
    assert_eq!(got, want);

    let mrr = read_mrr(&p(names::MRR), &opts(), &mut ids, || {}).unwrap();
    let got: Vec<_> = mrr
        .rows
        .iter()
        .map(|m| (ext(&ids, m.customer()), m.date(), m.kind(), m.amount()))
        .collect();
    let want: Vec<_> = data
        .mrr_movements
        .iter()
        .map(|m| (demo_id(m.customer()), m.date(), m.kind(), m.amount()))
        .collect();
    assert_eq!(got, want);

    let funnel = read_funnel(&p(names::FUNNEL), &opts(), &mut ids, || {}).unwrap();
    assert_eq!(funnel.rows.len(), data.funnel_events.len());
    for (a, b) in funnel.rows.iter().zip(&data.funnel_events) {
        assert_eq!(
            (ext(&ids, a.subject()), a.stage(), a.at()),
            (demo_id(b.subject()), b.stage(), b.at())
        );
    }

    let spend_rows = read_spend(&p(names::SPEND), &opts(), || {}).unwrap();
    assert_eq!(spend_rows.rows, data.spend);

    // The whole directory at once: the same records, one key space, every file listed.
    let mut rows = 0u64;
    let set = read_data_set(&DataFiles::in_dir(dir.path()), &cols, &opts(), &mut |e| {
        if let ReadEvent::Row = e {
            rows += 1;
        }
    })
    .unwrap();
    assert_eq!(set.transactions.len(), data.transactions.len());
    assert_eq!(
        set.customers.as_ref().map(Vec::len),
        Some(data.customers.len())
    );
    assert_eq!(set.spend.as_deref(), Some(&data.spend[..]));
    assert_eq!(set.files.len(), 7);
    assert!(set.files.iter().all(|f| f.skipped.count == 0));
    let non_tx: usize = set.files.iter().skip(1).map(|f| f.rows).sum();
    assert_eq!(rows, non_tx as u64);
}
