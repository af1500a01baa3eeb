//! Arbitrary bytes as a `.parquet` file: `load_transactions` and `fold_purchases` return rows
//! or an error, never a panic (the seeds are small valid files, so mutations reach the page
//! decoders, not only the footer check).
#![no_main]

mod common;

use crm_io::{ReadOptions, TransactionColumns, load_transactions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch("tx.parquet", data);
    for skip_invalid in [false, true] {
        let o = ReadOptions {
            skip_invalid,
            ..ReadOptions::default()
        };
        let _ = load_transactions(&path, &TransactionColumns::default(), &o);
    }
});
