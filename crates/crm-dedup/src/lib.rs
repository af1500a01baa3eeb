//! # crm-dedup
//!
//! Facade module: `crm_dedup` = `crm_analytics::dedup`. Depend on `crm-analytics` and use
//! `crm_analytics::dedup::...`, or on this crate alone for a smaller tree.
//!
//! Customer deduplication and record linkage: the same person entered seven times by different
//! staff, with different e-mails and phones, Chinese and English mixed, full-width digits, phone
//! numbers with and without `+86`, company names with and without their legal suffix.
//!
//! The pipeline (each step is a public module and can be used alone):
//!
//! 1. [`normalize`]: NFKC, case, whitespace; e-mails, phones (E.164), company names, person names
//!    (with a phonetic key: Soundex by default or Double Metaphone, see [`phonetic`]; pinyin for
//!    Chinese names), addresses, postcodes, dates. All normalisers are idempotent.
//! 2. [`blocking`]: candidate pairs from several OR-ed keys (exact, prefix, phonetic) and a sorted
//!    neighbourhood; reduction ratio.
//! 3. [`compare`]: Levenshtein, Damerau-Levenshtein, Jaro-Winkler, Jaccard, q-gram, numeric and
//!    date closeness, graded into levels per field kind.
//! 4. [`model`]: Fellegi-Sunter with u from random pairs, m by EM (or labels), term-frequency
//!    adjustment; match weight, probability and a per-field explanation (waterfall).
//! 5. [`cluster`]: threshold + connected components with a chaining guard.
//! 6. [`golden`]: golden records with survivorship rules and provenance.
//! 7. [`pipeline`]: all of the above in one call ([`pipeline::deduplicate`]), two-source
//!    [`pipeline::link`] and [`pipeline::match_incremental`] with stable cluster ids.
//! 8. [`eval`]: precision, recall, F1, pairs completeness from any entity-id truth.
//! 9. [`recall`]: where recall goes: the missed true pairs split by cause (never compared,
//!    scored below the threshold, split by clustering), with examples.
//!
//! Synthetic people with known duplicates to test and benchmark on (CRM contacts in Chinese and
//! English, FEBRL-style people) come from `crm_analytics::demo::people` (crate `crm-demo`).
//!
//! Per-record results are rows that carry the record's id, in input order:
//! [`pipeline::DedupResult::cluster_rows`] ([`ClusterRow`]: index, id, cluster, cluster size),
//! [`pipeline::DedupResult::pair_rows`] ([`PairRow`]: both ids, weight, probability, same
//! cluster), [`match_incremental`] ([`IncrementalMatch`]) and the golden records
//! ([`golden::GoldenRecord`]: cluster and member ids). `Clustering::labels` and
//! [`pipeline::ScoredPair`] are the low-level forms, by position.
//!
//! ```
//! use crm_analytics::dedup::pipeline::{deduplicate, DedupConfig};
//! use crm_analytics::dedup::schema::{FieldKind, FieldSpec, Record, Schema};
//! let schema = Schema::new([
//!     FieldSpec::new("name", FieldKind::Name),
//!     FieldSpec::new("phone", FieldKind::Phone),
//!     FieldSpec::new("email", FieldKind::Email),
//! ]);
//! let recs = vec![
//!     Record::new("1", ["张伟", "138 1234 5678", "zhangwei@example.com"]),
//!     Record::new("2", ["张 伟", "+86 13812345678", "ZhangWei@Example.com"]),
//!     Record::new("3", ["John Smith", "(415) 555-2671", "john@smith.io"]),
//!     Record::new("4", ["Smith, John", "+1 415 555 2671", ""]),
//!     Record::new("5", ["李娜", "13900001111", "lina@example.com"]),
//!     Record::new("6", ["Mary Jones", "+1 212 555 0100", "mary@jones.org"]),
//! ];
//! let r = deduplicate(&recs, &DedupConfig::new(schema), &mut |_| {}).unwrap();
//! let l = &r.clustering.labels;
//! assert_eq!(l[0], l[1]);
//! assert_eq!(l[2], l[3]);
//! assert_ne!(l[0], l[2]);
//! assert_ne!(l[4], l[0]);
//! ```
//!
//! ## Phonetic codes
//! [`prepare::NormalizeOptions::phonetic`] chooses the phonetic code of Latin-script names:
//! [`phonetic::PhoneticCode::Soundex`] (default) or [`phonetic::PhoneticCode::DoubleMetaphone`]
//! (primary and alternate codes; names agree when any code matches). Chinese names use pinyin
//! under either.
//!
//! ```
//! use crm_analytics::dedup::compare::Level;
//! use crm_analytics::dedup::phonetic::PhoneticCode;
//! use crm_analytics::dedup::pipeline::{deduplicate, DedupConfig};
//! use crm_analytics::dedup::schema::{FieldKind, FieldSpec, Record, Schema};
//! let schema = Schema::new([
//!     FieldSpec::new("given", FieldKind::GivenName),
//!     FieldSpec::new("surname", FieldKind::Surname),
//! ]);
//! let recs = vec![
//!     Record::new("1", ["Catherine", "Philips"]),
//!     Record::new("2", ["Kathryn", "Fillips"]),
//!     Record::new("3", ["Mary", "Jones"]),
//! ];
//! let mut config = DedupConfig::new(schema);
//! let soundex = deduplicate(&recs, &config, &mut |_| {}).unwrap();
//! config.normalize.phonetic = PhoneticCode::DoubleMetaphone;
//! let dm = deduplicate(&recs, &config, &mut |_| {}).unwrap();
//! // Catherine / Kathryn: Soundex C365 vs K365 (far), Double Metaphone K0RN for both (partial)
//! assert_eq!(soundex.explain("1", "2").unwrap().fields[0].level, Level::Far);
//! assert_eq!(dm.explain("1", "2").unwrap().fields[0].level, Level::Partial);
//! ```
//!
//! ## Crate features
//! * `pinyin` (default): pinyin keys for Chinese names via the `pinyin` crate; without it the key is
//!   the name without spaces.

#![forbid(unsafe_code)]

pub use crm_model as model_types;

pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod error;
pub mod eval;
pub mod golden;
pub mod model;
pub mod normalize;
pub mod phonetic;
pub mod pipeline;
pub mod prepare;
pub mod recall;
pub mod schema;
pub mod settings;

pub use cluster::ClusterRow;
pub use error::{DedupError, Result};
pub use pipeline::{
    DedupConfig, DedupResult, IncrementalMatch, PairRow, Progress, Stage, deduplicate, link,
    match_incremental,
};
pub use schema::{FieldKind, FieldSpec, Record, Schema};
