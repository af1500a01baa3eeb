//! Every public normaliser of crm-dedup on arbitrary UTF-8: no panic, and each is idempotent
//! (`f(f(x)) == f(x)`); the phonetic codes and keys do not panic either. The first byte picks
//! the phone region and the Gmail folding.
#![no_main]

use crm_dedup::FieldKind;
use crm_dedup::normalize::{self, EmailOptions};
use crm_dedup::phonetic;
use crm_dedup::prepare::{NormalizeOptions, normalize_value, phonetic_key, phonetic_key_with};
use libfuzzer_sys::fuzz_target;

fn idempotent(name: &str, f: impl Fn(&str) -> String, s: &str) {
    let once = f(s);
    let twice = f(&once);
    assert_eq!(twice, once, "{name} is not idempotent on {s:?}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Ok(s) = std::str::from_utf8(rest) else {
        return;
    };
    let region = ["CN", "US", "GB", "DE", "??", ""][usize::from(sel % 6)];
    let email_opts = EmailOptions {
        fold_gmail: sel & 8 != 0,
    };

    idempotent("text", normalize::text, s);
    idempotent("company", normalize::company, s);
    idempotent("person_name", normalize::person_name, s);
    idempotent("address", normalize::address, s);
    idempotent("postcode", normalize::postcode, s);
    idempotent("plain", normalize::plain, s);
    idempotent("date", normalize::date, s);
    idempotent("pinyin_key", normalize::pinyin_key, s);
    let _ = normalize::pinyin_of_normalized(s);
    for c in s.chars().take(64) {
        let _ = normalize::is_cjk(c);
    }
    if let Some(e) = normalize::email(s, email_opts) {
        assert_eq!(
            normalize::email(&e, email_opts).as_ref(),
            Some(&e),
            "email is not idempotent on {s:?}"
        );
    }
    if let Some(p) = normalize::phone(s, region) {
        assert_eq!(
            normalize::phone(&p, region).as_ref(),
            Some(&p),
            "phone is not idempotent on {s:?} (region {region})"
        );
    }

    let _ = phonetic::soundex(s);
    let _ = phonetic::double_metaphone(s);
    let _ = phonetic::has_alternatives(s);
    let (a, b) = s.split_at(
        s.char_indices()
            .nth(s.chars().count() / 2)
            .map_or(0, |(i, _)| i),
    );
    let _ = phonetic::codes_agree(a, b);

    // The per-field normalisation of the matching pipeline: idempotent for every kind.
    let opts = NormalizeOptions {
        default_region: region.to_string(),
        email: email_opts,
        ..NormalizeOptions::default()
    };
    for kind in FieldKind::ALL {
        idempotent(kind.as_str(), |v| normalize_value(kind, v, &opts), s);
        let _ = phonetic_key(kind, s);
    }
    let _ = phonetic_key_with(FieldKind::Name, s, phonetic::PhoneticCode::Soundex);
    let _ = phonetic_key_with(FieldKind::Name, s, phonetic::PhoneticCode::DoubleMetaphone);
});
