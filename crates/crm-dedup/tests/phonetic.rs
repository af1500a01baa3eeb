#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The phonetic-code option: Double Metaphone changes candidate pairs and name levels where its
//! codes agree and Soundex's do not; Chinese names are unaffected.

use crm_dedup::blocking::{BlockingOptions, BlockingRule, KeyPart, PairScope, candidate_pairs};
use crm_dedup::compare::Level;
use crm_dedup::model::field_level;
use crm_dedup::phonetic::PhoneticCode;
use crm_dedup::pipeline::{DedupConfig, deduplicate};
use crm_dedup::prepare::{NormalizeOptions, Prepared, prepare};
use crm_dedup::schema::{FieldKind, FieldSpec, Record, Schema};

/// A small hand-made file: given name, surname.
const PEOPLE: [(&str, &str, &str); 8] = [
    ("1", "Catherine", "Philips"),
    ("2", "Kathryn", "Fillips"), // same person, spelled differently: Soundex C365/P412 vs K365/F412
    ("3", "Robert", "Smith"),
    ("4", "Rupert", "Smyth"), // Soundex and DM both agree on both names
    ("5", "Mary", "Jones"),
    ("6", "伟", "张"),
    ("7", "偉", "張"), // traditional characters: same pinyin
    ("8", "wei", "zhang"),
];

fn schema() -> Schema {
    Schema::new([
        FieldSpec::new("given", FieldKind::GivenName),
        FieldSpec::new("surname", FieldKind::Surname),
    ])
}

fn records() -> Vec<Record> {
    PEOPLE
        .iter()
        .map(|(id, g, s)| Record::new(*id, [*g, *s]))
        .collect()
}

fn prep(code: PhoneticCode) -> Prepared {
    let opts = NormalizeOptions {
        phonetic: code,
        ..NormalizeOptions::default()
    };
    prepare(&schema(), &records(), &opts).unwrap()
}

fn pairs(code: PhoneticCode) -> Vec<(u32, u32)> {
    let rules = [BlockingRule::Key(vec![
        KeyPart::phonetic("surname"),
        KeyPart::phonetic("given"),
    ])];
    candidate_pairs(
        &prep(code),
        &schema(),
        &rules,
        PairScope::All,
        BlockingOptions::default(),
    )
    .unwrap()
    .pairs
}

#[test]
fn double_metaphone_adds_the_pairs_soundex_misses() {
    // positions: 0 Catherine Philips, 1 Kathryn Fillips, 2 Robert Smith, 3 Rupert Smyth,
    // 5/6 张伟 and 張偉 (same pinyin); 7 "wei zhang" in Latin letters is coded like any Latin
    // given name / surname (W000 Z520, or A|F and JNK), so it meets neither
    let soundex = pairs(PhoneticCode::Soundex);
    let dm = pairs(PhoneticCode::DoubleMetaphone);
    assert_eq!(soundex, vec![(2, 3), (5, 6)]);
    assert_eq!(dm, vec![(0, 1), (2, 3), (5, 6)]);
    assert_eq!(PhoneticCode::default(), PhoneticCode::Soundex);
    assert_eq!(pairs(PhoneticCode::default()), soundex);
}

#[test]
fn double_metaphone_changes_name_levels() {
    let (s, d) = (
        prep(PhoneticCode::Soundex),
        prep(PhoneticCode::DoubleMetaphone),
    );
    // Catherine vs Kathryn: far under Soundex (C365 vs K365), partial under DM (K0RN)
    assert_eq!(field_level(&s, 0, 0, 1), Level::Far);
    assert_eq!(field_level(&d, 0, 0, 1), Level::Partial);
    // Philips vs Fillips: Jaro-Winkler already grades them close; the code does not matter
    assert_eq!(field_level(&s, 1, 0, 1), field_level(&d, 1, 0, 1));
    // Smith vs Schmidt: partial under both (S530; SM0|XMT ~ XMT|SMT on XMT)
    let recs = [
        Record::new("a", ["", "smith"]),
        Record::new("b", ["", "schmidt"]),
    ];
    for code in PhoneticCode::ALL {
        let opts = NormalizeOptions {
            phonetic: code,
            ..NormalizeOptions::default()
        };
        let p = prepare(&schema(), &recs, &opts).unwrap();
        assert_eq!(field_level(&p, 1, 0, 1), Level::Partial, "{code:?}");
    }
    // keys: single alternative for Soundex, primary|alternate for DM
    assert_eq!(s.fields[1].keys[2], "S530");
    assert_eq!(d.fields[1].keys[2], "SM0|XMT");
}

#[test]
fn chinese_names_unaffected() {
    let (s, d) = (
        prep(PhoneticCode::Soundex),
        prep(PhoneticCode::DoubleMetaphone),
    );
    for f in 0..2 {
        for i in 5..7 {
            assert_eq!(s.fields[f].keys[i], d.fields[f].keys[i]);
        }
        for i in 5..8 {
            for j in 5..8 {
                assert_eq!(field_level(&s, f, i, j), field_level(&d, f, i, j));
            }
        }
    }
    assert_eq!(d.fields[1].keys[5], "zhang");
    // a whole run on Chinese-only full names gives the same clusters and scores
    let names = [
        "张伟", "张 伟", "張偉", "李娜", "李 娜", "王芳", "王 芳", "刘洋",
    ];
    let schema = Schema::new([FieldSpec::new("name", FieldKind::Name)]);
    let recs: Vec<Record> = names
        .iter()
        .enumerate()
        .map(|(i, n)| Record::new(i.to_string(), [*n]))
        .collect();
    let run = |code| {
        let mut c = DedupConfig::new(schema.clone());
        c.normalize.phonetic = code;
        deduplicate(&recs, &c, &mut |_| {}).unwrap()
    };
    let (a, b) = (
        run(PhoneticCode::Soundex),
        run(PhoneticCode::DoubleMetaphone),
    );
    assert_eq!(a.pairs, b.pairs);
    assert_eq!(a.clustering.labels, b.clustering.labels);
    assert_eq!(a.prepared.fields[0].keys, b.prepared.fields[0].keys);
    let wa: Vec<f64> = a.scores.iter().map(|p| p.weight).collect();
    let wb: Vec<f64> = b.scores.iter().map(|p| p.weight).collect();
    assert_eq!(wa, wb);
}

#[test]
fn full_names_keep_the_pinyin_alternative() {
    // "zhang wei" in Latin letters still meets 张伟 through the pinyin alternative under DM
    let schema = Schema::new([FieldSpec::new("name", FieldKind::Name)]);
    let recs = [
        Record::new("a", ["张伟"]),
        Record::new("b", ["Zhang Wei"]),
        Record::new("c", ["Catherine Philips"]),
        Record::new("d", ["Kathryn Fillips"]),
    ];
    let rules = [BlockingRule::Key(vec![KeyPart::phonetic("name")])];
    let run = |code| {
        let opts = NormalizeOptions {
            phonetic: code,
            ..NormalizeOptions::default()
        };
        let p = prepare(&schema, &recs, &opts).unwrap();
        let c = candidate_pairs(
            &p,
            &schema,
            &rules,
            PairScope::All,
            BlockingOptions::default(),
        )
        .unwrap();
        (c.pairs, field_level(&p, 0, 0, 1), field_level(&p, 0, 2, 3))
    };
    let (sp, s01, s23) = run(PhoneticCode::Soundex);
    let (dp, d01, d23) = run(PhoneticCode::DoubleMetaphone);
    assert_eq!(sp, vec![(0, 1)]);
    assert_eq!(dp, vec![(0, 1), (2, 3)]);
    assert_eq!((s01, d01), (Level::Close, Level::Close));
    assert!(
        d23 < s23,
        "DM grades Catherine Philips ~ Kathryn Fillips higher: {s23:?} {d23:?}"
    );
}
