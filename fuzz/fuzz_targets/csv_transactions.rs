//! Arbitrary bytes as a transaction file: every option combination returns rows or an error,
//! never a panic. The first byte picks the options; the rest is the file.
//!
//! Property: on ASCII input, UTF-8 (the parallel reader with its fast parsers) and GB18030
//! (always the sequential csv-crate reader with the generic parsers) give the same outcome,
//! so the two paths agree on every row, key, message and skip count.
#![no_main]

mod common;

use crm_io::{
    Delimiter, Encoding, LoadedTransactions, PurchaseFold, ReadOptions, TransactionColumns,
    fold_purchases, load_transactions,
};
use crm_model::CustomerKey;
use crm_model::chrono::NaiveDate;
use crm_model::rust_decimal::Decimal;
use libfuzzer_sys::fuzz_target;

/// A fold that only counts (no state errors).
#[derive(Default)]
struct Count(u64);

impl PurchaseFold for Count {
    type Error = String;
    fn purchase(&mut self, _: CustomerKey, _: NaiveDate, _: Decimal) -> Result<(), String> {
        self.0 += 1;
        Ok(())
    }
    fn non_purchase(&mut self) {}
    fn merge_remapped(&mut self, other: Self, _: &[CustomerKey]) -> Result<(), String> {
        self.0 += other.0;
        Ok(())
    }
}

fn outcome(r: crm_io::IoResult<LoadedTransactions>) -> Result<String, String> {
    r.map(|l| {
        format!(
            "{:?}\n{:?}\n{} {:?}",
            l.transactions,
            l.ids.ids(),
            l.skipped.count,
            l.skipped.first
        )
    })
    .map_err(|e| e.to_string())
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, text)) = data.split_first() else {
        return;
    };
    let delimiter = match sel & 3 {
        0 => Delimiter::Comma,
        1 => Delimiter::Semicolon,
        2 => Delimiter::Tab,
        _ => Delimiter::Whitespace,
    };
    let o = ReadOptions {
        delimiter,
        has_header: sel & 4 == 0,
        skip_invalid: sel & 8 != 0,
        encoding: Encoding::Utf8,
        decimal_comma: sel & 16 != 0,
    };
    let mut cols = if o.has_header {
        TransactionColumns::default()
    } else {
        TransactionColumns {
            customer: "1".into(),
            date: "2".into(),
            amount: Some("3".into()),
            ..TransactionColumns::default()
        }
    };
    if sel & 32 != 0 {
        cols.date_format = Some("%d/%m/%Y".into());
    }
    if sel & 64 != 0 {
        cols.amount_optional = true;
    }
    let path = common::scratch("tx.csv", text);
    let fast = outcome(load_transactions(&path, &cols, &o));
    let gbk = ReadOptions {
        encoding: Encoding::Gbk,
        ..o.clone()
    };
    let slow = outcome(load_transactions(&path, &cols, &gbk));
    if text.is_ascii() {
        assert_eq!(
            fast, slow,
            "UTF-8 (parallel) and GB18030 (sequential) readers differ"
        );
    }
    let folded = fold_purchases(&path, &cols, &o, Some(2), Count::default);
    if let (Ok(l), Ok(f)) = (load_transactions(&path, &cols, &o), &folded) {
        let purchases = l.transactions.iter().filter(|t| t.is_purchase()).count() as u64;
        assert_eq!(purchases, f.state.0, "fold and load disagree on purchases");
        assert_eq!(
            l.skipped.count, f.skipped.count,
            "fold and load disagree on skips"
        );
    }
});
