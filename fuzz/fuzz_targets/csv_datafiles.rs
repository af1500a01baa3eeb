//! Arbitrary bytes as each data file (customers, surveys, interactions, MRR movements, funnel
//! events, marketing spend): rows or an error, never a panic. The first byte picks the options.
#![no_main]

mod common;

use crm_io::{
    Delimiter, Encoding, ReadOptions, read_customers, read_funnel, read_interactions, read_mrr,
    read_spend, read_surveys,
};
use crm_model::CustomerInterner;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, text)) = data.split_first() else {
        return;
    };
    let o = ReadOptions {
        delimiter: match sel & 3 {
            0 => Delimiter::Comma,
            1 => Delimiter::Semicolon,
            2 => Delimiter::Tab,
            _ => Delimiter::Whitespace,
        },
        has_header: true,
        skip_invalid: sel & 4 != 0,
        encoding: if sel & 8 != 0 {
            Encoding::Gbk
        } else {
            Encoding::Utf8
        },
        decimal_comma: sel & 16 != 0,
    };
    let path = common::scratch("data.csv", text);
    let mut ids = CustomerInterner::new();
    let _ = read_customers(&path, &o, &mut ids, || {});
    let _ = read_surveys(&path, &o, &mut ids, || {});
    let _ = read_interactions(&path, &o, &mut ids, || {});
    let _ = read_mrr(&path, &o, &mut ids, || {});
    let _ = read_funnel(&path, &o, &mut ids, || {});
    let _ = read_spend(&path, &o, || {});
});
