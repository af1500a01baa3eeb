//! Arbitrary bytes as a `.parquet` file: `load_transactions` and `fold_purchases` return rows
//! or an error, never a panic (the seeds are small valid files, so mutations reach the page
//! decoders, not only the footer check).
//! Panics the readers contain (`catch_unwind`) are not failures; see the panic hook below.
#![no_main]

mod common;

use crm_io::{ReadOptions, TransactionColumns, load_transactions};
use libfuzzer_sys::fuzz_target;

static DEFAULT_PANIC_HOOK: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys installs a panic hook that aborts on every panic, even one the library
    // catches: the Parquet readers contain the parquet crate's decoder panics with
    // `catch_unwind` (crm-io `pq.rs::contained`) and return an error. Restore the default hook
    // so that containment is what gets tested; a panic that escapes to the target still aborts
    // (libfuzzer-sys aborts when its own `catch_unwind` around the target sees one).
    DEFAULT_PANIC_HOOK.call_once(|| drop(std::panic::take_hook()));
    let path = common::scratch("tx.parquet", data);
    for skip_invalid in [false, true] {
        let o = ReadOptions {
            skip_invalid,
            ..ReadOptions::default()
        };
        let _ = load_transactions(&path, &TransactionColumns::default(), &o);
    }
});
