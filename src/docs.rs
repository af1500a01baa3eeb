//! A tour of the facade: every capability through `crm_analytics::` paths, one short runnable
//! example each (all of them are doc tests).
//!
//! Each example returns [`crate::Result`], so the errors of every crate meet in one `?`.
//! Per-customer results are rows that carry the customer's key ([`model::CustomerKey`]);
//! `ids.id(key)` gives back the id that was read.
//!
//! - [Reading a transaction file](#reading-a-transaction-file)
//! - [Purchase summaries](#purchase-summaries)
//! - [Metrics: retention and churn, NPS and CSAT, cohorts](#metrics-retention-and-churn-nps-and-csat-cohorts)
//! - [RFM segments](#rfm-segments)
//! - [CLV: BG/NBD and Gamma-Gamma](#clv-bgnbd-and-gamma-gamma)
//! - [Churn scores](#churn-scores)
//! - [Deduplication](#deduplication)
//! - [The report from a data directory](#the-report-from-a-data-directory)
//!
//! ## Reading a transaction file
//!
//! [`io::load_transactions`] reads a delimited file into [`model::Transaction`]s and a
//! [`model::CustomerInterner`] (ids numbered by first appearance). A malformed row is an
//! [`io::IoError`] naming the file, line and column (or, with
//! [`io::ReadOptions::skip_invalid`], a counted skip). A negative amount is a return.
//!
//! ```
//! use crm_analytics::io::{load_transactions, Delimiter, ReadOptions, TransactionColumns};
//!
//! let dir = std::env::temp_dir().join(format!("crm-docs-read-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let orders = dir.join("orders.csv");
//! std::fs::write(&orders, "customer_id,date,amount\nann,2024-05-02,60.00\nbob,2024-01-03,15.00\nann,2024-06-01,-10.00\n").unwrap();
//! let loaded = load_transactions(&orders, &TransactionColumns::default(), &ReadOptions::default())?;
//! assert_eq!(loaded.transactions.len(), 3);
//! assert_eq!(loaded.ids.len(), 2);                         // ann, bob
//! assert!(!loaded.transactions[2].is_purchase());          // -10.00: a return
//!
//! // A file without a header, columns separated by runs of spaces (the CDNOW layout:
//! // id, date, number of CDs, dollars): columns are named by 1-based position.
//! let cdnow = dir.join("cdnow.txt");
//! std::fs::write(&cdnow, " 00001 19970101  1   11.77\r\n 00002 19970112  2   20.76\r\n").unwrap();
//! let cols = TransactionColumns {
//!     customer: "1".into(),
//!     date: "2".into(),
//!     amount: Some("4".into()),
//!     ..TransactionColumns::default()
//! };
//! let opts = ReadOptions { delimiter: Delimiter::Whitespace, has_header: false, ..Default::default() };
//! let loaded = load_transactions(&cdnow, &cols, &opts)?;
//! assert_eq!(loaded.transactions[1].date().to_string(), "1997-01-12");
//! assert_eq!(loaded.transactions[1].amount().to_string(), "20.76");
//! assert_eq!(loaded.ids.id(loaded.transactions[1].customer()).unwrap().to_string(), "00002");
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), crm_analytics::Error>(())
//! ```
//!
//! For files too large to hold, [`io::fold_purchases`] streams the purchases into a state of
//! your own (e.g. an [`rfm::RfmAccumulator`]) without keeping the rows; see
//! `examples/rfm_segments.rs`.
//!
//! ## Purchase summaries
//!
//! [`model::summarize`] turns transactions into one [`model::PurchaseSummary`] per customer:
//! x = repeat purchases, t_x = time from the first to the last purchase, T = time from the first
//! purchase to the observation end, in a chosen [`model::TimeUnit`]; monetary = mean repeat
//! purchase. RFM, CLV and churn models start from it.
//!
//! ```
//! use crm_analytics::model::chrono::NaiveDate;
//! use crm_analytics::model::rust_decimal::Decimal;
//! use crm_analytics::model::{summarize, CustomerInterner, SummaryOptions, TimeUnit, Transaction};
//!
//! let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
//! let mut ids = CustomerInterner::new();
//! let ann = ids.intern("ann")?;
//! let tx = [
//!     Transaction::purchase(ann, d(5, 2), Decimal::from(60))?,
//!     Transaction::purchase(ann, d(6, 1), Decimal::from(80))?,
//!     Transaction::purchase(ann, d(6, 28), Decimal::from(120))?,
//! ];
//! let s = summarize(&tx, &SummaryOptions::new(d(7, 1), TimeUnit::Day))?;
//! let c = &s.customers[0];
//! assert_eq!((c.frequency, c.recency, c.age), (2, 57.0, 60.0)); // x, t_x, T in days
//! assert_eq!(c.monetary, Some(Decimal::from(100)));             // (80 + 120) / 2
//! assert_eq!(c.total_spend, Decimal::from(260));
//! # Ok::<(), crm_analytics::Error>(())
//! ```
//!
//! ## Metrics: retention and churn, NPS and CSAT, cohorts
//!
//! [`metrics`] holds the definitional metrics, each with a mergeable state (`push`, `merge`,
//! `finish`). Retention over a period counts customer spans (active from `start` until `end`):
//!
//! ```
//! use crm_analytics::metrics::retention::{retention, CustomerSpan, SamePeriodJoiners};
//! use crm_analytics::model::chrono::NaiveDate;
//! use crm_analytics::model::{CustomerKey, Period};
//!
//! let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
//! let k = CustomerKey::from_index;
//! let spans = [
//!     CustomerSpan::new(k(0), d(1, 1), None)?,            // active all along
//!     CustomerSpan::new(k(1), d(2, 1), Some(d(5, 1)))?,   // leaves in May
//!     CustomerSpan::new(k(2), d(3, 1), None)?,            // active all along
//!     CustomerSpan::new(k(3), d(4, 10), None)?,           // joins in the quarter
//! ];
//! let q2 = retention(&spans, Period::new(d(4, 1), d(7, 1))?)?;
//! assert_eq!(q2.cohort_retention, 2.0 / 3.0);              // 2 of the 3 at the start stayed
//! assert_eq!(q2.churn(SamePeriodJoiners::Exclude), 1.0 / 3.0);
//! # Ok::<(), crm_analytics::Error>(())
//! ```
//!
//! NPS (% promoters 9-10 minus % detractors 0-6) with an interval, and CSAT (top-2-box share):
//!
//! ```
//! use crm_analytics::metrics::satisfaction::{CsatState, NpsInterval, NpsState};
//! use crm_analytics::model::{CsatScale, CsatScore};
//!
//! let mut nps = NpsState::new();
//! nps.push_raw(&[10, 9, 9, 8, 7, 6, 3, 10])?;              // 4 promoters, 2 detractors of 8
//! let nps = nps.finish()?;
//! assert_eq!(nps.score, 25.0);
//! let ci = nps.interval(0.95, NpsInterval::AdjustedWald)?;
//! assert!(ci.low < 25.0 && 25.0 < ci.high);
//!
//! let mut csat = CsatState::new(CsatScale::OneToFive);
//! for v in [5, 4, 4, 3, 2] {
//!     csat.push(CsatScore::new(v, CsatScale::OneToFive)?)?;
//! }
//! let csat = csat.finish()?;
//! assert_eq!((csat.satisfied, csat.top_two_box, csat.mean), (3, 0.6, 3.6));
//! # Ok::<(), crm_analytics::Error>(())
//! ```
//!
//! A cohort matrix groups customers by the month of their first purchase and counts who bought
//! again k months later:
//!
//! ```
//! use crm_analytics::metrics::engagement::{cohort_matrix, CohortPeriod, CohortRetention};
//! use crm_analytics::model::chrono::NaiveDate;
//! use crm_analytics::model::{CustomerKey, Transaction};
//!
//! let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
//! let k = CustomerKey::from_index;
//! let tx = [
//!     Transaction::purchase(k(0), d(1, 5), 10.into())?,    // January cohort: 0 and 1
//!     Transaction::purchase(k(1), d(1, 20), 10.into())?,
//!     Transaction::purchase(k(0), d(2, 7), 10.into())?,    // 0 again in February
//!     Transaction::purchase(k(2), d(2, 9), 10.into())?,    // February cohort: 2
//!     Transaction::purchase(k(1), d(3, 2), 10.into())?,    // 1 again in March
//! ];
//! let m = cohort_matrix(&tx, CohortPeriod::Month)?;
//! let jan = &m.cohorts[0];
//! assert_eq!((jan.start, jan.size), (d(1, 1), 2));
//! assert_eq!(jan.rates(CohortRetention::Classic), [1.0, 0.5, 0.5]);
//! # Ok::<(), crm_analytics::Error>(())
//! ```
//!
//! ## RFM segments
//!
//! [`rfm::rfm_values`] computes recency (days), frequency and monetary value per customer;
//! [`rfm::analyze_rows`] scores them in n-tiles and names the segments, one row per customer:
//!
//! ```
//! use crm_analytics::model::chrono::NaiveDate;
//! use crm_analytics::model::{CustomerInterner, Transaction};
//! use crm_analytics::rfm::{analyze_rows, rfm_values, RfmOptions, SegmentMap, TiePolicy};
//!
//! let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
//! let mut ids = CustomerInterner::new();
//! let mut tx = Vec::new();
//! for (id, m, day, amount) in [
//!     ("ann", 6, 28, 120), ("ann", 6, 1, 80), ("ann", 5, 2, 60),
//!     ("bob", 1, 3, 15),
//!     ("cyd", 6, 20, 30),
//!     ("dan", 2, 14, 200), ("dan", 3, 1, 150), ("dan", 3, 9, 90),
//!     ("eve", 4, 30, 25), ("eve", 5, 30, 20),
//! ] {
//!     tx.push(Transaction::purchase(ids.intern(id)?, d(m, day), amount.into())?);
//! }
//! let values = rfm_values(&tx, &RfmOptions::new(d(7, 1)))?;
//! let rfm = analyze_rows(&values.customers, 5, &TiePolicy::ValueBased, &SegmentMap::standard())?;
//! let dan = &rfm.rows[3];
//! assert_eq!(ids.id(dan.customer).unwrap().to_string(), "dan");
//! assert_eq!(rfm.segment_name(dan), "At Risk");          // big spender, silent since March
//! assert_eq!(rfm.segment_name(&rfm.rows[0]), "Champions"); // ann
//! # Ok::<(), crm_analytics::Error>(())
//! ```
//!
//! ## CLV: BG/NBD and Gamma-Gamma
//!
//! Fit a purchase model (BG/NBD) on weekly purchase summaries and a spend model (Gamma-Gamma) on
//! the repeat buyers' mean spend, then [`clv::predict_clv_rows`] gives P(alive), expected
//! purchases and the expected discounted CLV of every customer. The data here come from
//! [`demo`], which draws purchases from a known BG/NBD process.
//!
//! ```
//! use crm_analytics::clv::{predict_clv_rows, BgNbd, ClvOptions, FitOptions, GammaGamma, Histories, Spends};
//! use crm_analytics::demo::{generate, DemoConfig};
//! use crm_analytics::model::{summarize, SummaryOptions, TimeUnit};
//!
//! let data = generate(&DemoConfig { customers: 1_000, seed: 7, ..DemoConfig::default() })?;
//! let weeks = SummaryOptions::new(data.config.end, TimeUnit::Week);
//! let s = summarize(&data.transactions, &weeks)?;
//! let bg = BgNbd::fit(&Histories::from_summaries(&s.customers)?, &FitOptions::default())?;
//! let gg = GammaGamma::fit(&Spends::from_summaries(&s.customers)?, &FitOptions::default())?;
//! assert!(bg.report.converged && gg.report.converged);
//! // 12 months ahead, 1% discount a month, in the model's unit (weeks).
//! let horizon = ClvOptions::in_units(12.0, 0.01, TimeUnit::Month, TimeUnit::Week)?;
//! let rows = predict_clv_rows(&bg.params, &s.customers, Some(&gg.params), &horizon)?;
//! assert_eq!(rows.len(), s.customers.len());
//! assert_eq!(rows[0].customer, s.customers[0].customer);
//! for r in &rows {
//!     assert!((0.0..=1.0).contains(&r.p_alive));
//!     assert!(r.clv.is_some_and(|v| v >= 0.0));
//! }
//! # Ok::<(), crm_analytics::Error>(())
//! ```
//!
//! ## Churn scores
//!
//! [`churn::compute_features`] describes each customer as of a date (nothing after it is
//! used); scores rank who is likely to leave, here the BG/NBD P(no purchase in the next 90
//! days) with published CDNOW parameters; [`churn::roc_auc`] checks a score against labels.
//!
//! ```
//! use crm_analytics::churn::{bgnbd_scores, compute_features, noncontractual_labels, roc_auc, FeatureOptions};
//! use crm_analytics::clv::BgNbd;
//! use crm_analytics::model::chrono::NaiveDate;
//! use crm_analytics::model::{CustomerKey, Transaction};
//!
//! let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
//! let k = CustomerKey::from_index;
//! let tx = [
//!     Transaction::purchase(k(0), d(1, 3), 10.into())?,     // one purchase, long ago
//!     Transaction::purchase(k(1), d(2, 10), 10.into())?,    // regular buyer
//!     Transaction::purchase(k(1), d(3, 1), 10.into())?,
//!     Transaction::purchase(k(1), d(3, 25), 10.into())?,
//!     Transaction::purchase(k(1), d(4, 20), 10.into())?,    // after the as-of date: a label
//! ];
//! let as_of = d(3, 31);
//! let features = compute_features(&tx, &[], &[], &FeatureOptions::new(as_of))?;
//! let bg = BgNbd::new(0.243, 4.414, 0.793, 2.426)?;        // weeks
//! let scores = bgnbd_scores(&bg, &features, 90.0, true)?;
//! assert_eq!(scores[0].customer, k(0));
//! assert!(scores[0].p_no_purchase > scores[1].p_no_purchase);
//! let churned: Vec<bool> = noncontractual_labels(&tx, as_of, 90)?.iter().map(|l| l.churned).collect();
//! assert_eq!(churned, [true, false]);
//! let p: Vec<f64> = scores.iter().map(|s| s.p_no_purchase).collect();
//! assert_eq!(roc_auc(&p, &churned)?, 1.0);
//! # Ok::<(), crm_analytics::Error>(())
//! ```
//!
//! ## Deduplication
//!
//! [`dedup::deduplicate`] normalises, blocks, compares, scores (Fellegi-Sunter) and clusters
//! records; [`dedup::DedupResult::cluster_rows`] gives each record's cluster:
//!
//! ```
//! use crm_analytics::dedup::{deduplicate, DedupConfig, FieldKind, FieldSpec, Record, Schema};
//!
//! let schema = Schema::new([
//!     FieldSpec::new("name", FieldKind::Name),
//!     FieldSpec::new("phone", FieldKind::Phone),
//!     FieldSpec::new("email", FieldKind::Email),
//! ]);
//! let records = [
//!     Record::new("c1", ["John Smith", "(415) 555-2671", "john@smith.io"]),
//!     Record::new("c2", ["Smith, John", "+1 415 555 2671", "John@Smith.io"]),
//!     Record::new("c3", ["Mary Jones", "+1 212 555 0100", "mary@jones.org"]),
//!     Record::new("c4", ["Ann Lee", "+1 646 555 0199", "ann@lee.net"]),
//! ];
//! let r = deduplicate(&records, &DedupConfig::new(schema), &mut |_| {})?;
//! let rows = r.cluster_rows();
//! let clusters: Vec<(&str, u32, usize)> =
//!     rows.iter().map(|c| (c.record_id.as_str(), c.cluster, c.cluster_size)).collect();
//! // c1 and c2 are one person (name order, phone format and e-mail case differ).
//! assert_eq!(clusters, [("c1", 0, 2), ("c2", 0, 2), ("c3", 1, 1), ("c4", 2, 1)]);
//! # Ok::<(), crm_analytics::Error>(())
//! ```
//!
//! To try a configuration on data with a known answer, [`demo::people`] generates people with
//! planted duplicates (CRM contacts, or FEBRL-style people as here) and [`dedup::eval`] scores
//! the clusters against the truth:
//!
//! ```
//! use crm_analytics::dedup::{deduplicate, eval::evaluate_clusters, DedupConfig, Record, Schema};
//! use crm_analytics::demo::people::{generate, PeopleOptions, PeopleStyle};
//!
//! let opts = PeopleOptions { records: 2_000, seed: 5, ..PeopleOptions::new(PeopleStyle::Febrl) };
//! let people = generate(&opts)?;
//! let records: Vec<Record> = people.iter().map(|p| Record::new(&p.id, &p.values)).collect();
//! let truth: Vec<u64> = people.iter().map(|p| p.entity).collect();
//! // Field kinds from the column names (given_name, surname, ..., soc_sec_id), as `crm dedup` does.
//! let config = DedupConfig::new(Schema::infer(opts.style.columns())?);
//! let r = deduplicate(&records, &config, &mut |_| {})?;
//! let m = evaluate_clusters(&r.clustering.labels, &truth)?;
//! assert!(m.precision.unwrap_or(0.0) > 0.99 && m.recall.unwrap_or(0.0) > 0.95, "{m:?}");
//! # Ok::<(), crm_analytics::Error>(())
//! ```
//!
//! ## The report from a data directory
//!
//! A data directory holds one CSV file per kind of record ([`io::names`]). Here [`demo`] writes
//! one with [`io::DataDirWriter`]; [`io::DataFiles::in_dir`] and [`io::read_data_set`] read it
//! back into one key space, [`report::build`] computes every section it has data for, and the
//! renderers give text ([`report::table::render`]), HTML ([`report::html::render`]) or JSON
//! ([`report::json::render`]). `examples/report_from_files.rs` is the same as a program.
//!
//! ```
//! use crm_analytics::demo::{spend, DemoConfig, DemoData, DemoGenerator};
//! use crm_analytics::io::{read_data_set, DataDirWriter, DataFiles, ReadOptions, TransactionColumns};
//! use crm_analytics::report::{self, BuildOptions};
//!
//! let dir = std::env::temp_dir().join(format!("crm-docs-report-{}", std::process::id()));
//! let config = DemoConfig { customers: 200, seed: 3, ..DemoConfig::default() };
//! let mut out = DataDirWriter::create(&dir, DemoData::id_of)?;
//! for person in DemoGenerator::new(&config)? {
//!     let p = person?;
//!     out.write_customers(&p.records, Some(&p.truth.person.to_string()))?;
//!     out.write_transactions(&p.transactions)?;
//!     out.write_surveys(&p.surveys)?;
//!     out.write_interactions(&p.interactions)?;
//!     out.write_mrr_movements(&p.mrr_movements)?;
//!     out.write_funnel_events(&p.funnel_events)?;
//! }
//! out.write_spend(&spend(&config)?)?;
//! out.finish()?;
//!
//! let files = DataFiles::in_dir(&dir);
//! let data = read_data_set(&files, &TransactionColumns::default(), &ReadOptions::default(), &mut |_| {})?;
//! assert_eq!(data.files.len(), 7);                          // every kind of file was found
//! let options = BuildOptions { as_of: Some(config.end), ..BuildOptions::default() };
//! let built = report::build(&data, &options, &mut |_step| {})?;
//! assert!(built.kpis.customers >= 200);                    // everyone bought at least once
//! assert!(built.rfm.is_some() && built.clv.is_some() && built.dedup.is_some());
//!
//! let json = report::json::render(&built);
//! assert!(json.contains("\"kpis\""));
//! assert!(report::html::render(&built).contains("<svg"));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), crm_analytics::Error>(())
//! ```
//!
//! [`io::load_transactions`]: crate::io::load_transactions
//! [`io::IoError`]: crate::io::IoError
//! [`io::ReadOptions::skip_invalid`]: crate::io::ReadOptions::skip_invalid
//! [`io::fold_purchases`]: crate::io::fold_purchases
//! [`io::names`]: crate::io::names
//! [`io::DataDirWriter`]: crate::io::DataDirWriter
//! [`io::DataFiles::in_dir`]: crate::io::DataFiles::in_dir
//! [`io::read_data_set`]: crate::io::read_data_set
//! [`model::Transaction`]: crate::model::Transaction
//! [`model::CustomerInterner`]: crate::model::CustomerInterner
//! [`model::CustomerKey`]: crate::model::CustomerKey
//! [`model::summarize`]: crate::model::summarize
//! [`model::PurchaseSummary`]: crate::model::PurchaseSummary
//! [`model::TimeUnit`]: crate::model::TimeUnit
//! [`metrics`]: crate::metrics
//! [`rfm::RfmAccumulator`]: crate::rfm::RfmAccumulator
//! [`rfm::rfm_values`]: crate::rfm::rfm_values
//! [`rfm::analyze_rows`]: crate::rfm::analyze_rows
//! [`clv::predict_clv_rows`]: crate::clv::predict_clv_rows
//! [`demo`]: crate::demo
//! [`churn::compute_features`]: crate::churn::compute_features
//! [`churn::roc_auc`]: crate::churn::roc_auc
//! [`dedup::deduplicate`]: crate::dedup::deduplicate
//! [`dedup::eval`]: crate::dedup::eval
//! [`demo::people`]: crate::demo::people
//! [`dedup::DedupResult::cluster_rows`]: crate::dedup::DedupResult::cluster_rows
//! [`report::build`]: crate::report::build
//! [`report::table::render`]: crate::report::table::render
//! [`report::html::render`]: crate::report::html::render
//! [`report::json::render`]: crate::report::json::render
