//! Cell parsers on arbitrary text: amounts in both formats, dates with and without a format,
//! ids. Properties: no panic; a parsed amount prints back as a number that parses to itself;
//! `fast_int_id` agrees with `CustomerId::parse`.
#![no_main]

use crm_io::{AmountFormat, DateParser, fast_int_id, parse_amount};
use crm_model::CustomerId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for decimal_comma in [false, true] {
        let f = AmountFormat { decimal_comma };
        if let Ok(x) = parse_amount(text, f) {
            // The canonical text of a parsed amount reads back as the same value.
            let back = parse_amount(&x.to_string(), AmountFormat::default());
            assert_eq!(back, Ok(x), "{text:?} -> {x}");
        }
    }
    for format in [None, Some("%d/%m/%Y".to_string()), Some(text.to_string())] {
        let p = DateParser::new(format);
        let _ = p.parse(text);
    }
    match fast_int_id(data) {
        Some(n) => assert_eq!(CustomerId::parse(text), Ok(CustomerId::Int(n))),
        None => {
            if let Ok(CustomerId::Int(n)) = CustomerId::parse(text) {
                // Only surrounding whitespace separates the text from the canonical form.
                assert_eq!(text.trim(), n.to_string());
            }
        }
    }
});
