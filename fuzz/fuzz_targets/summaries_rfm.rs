//! Arbitrary transactions (customers from a small alphabet, dates anywhere in 0001..=9999,
//! amounts from zero to `Decimal::MAX`, purchases, refunds and returns, sometimes a second
//! currency) through crm-model's purchase summaries and crm-rfm's values, scores, segments and
//! report: a result or an error, never a panic, never an allocation sized by the date span.
#![no_main]

mod input;

use crm_model::{
    Currency, CustomerKey, LateEvents, MonetaryBasis, SameDayPurchases, SummaryOptions, TimeUnit,
    Transaction, TransactionKind, summarize, summarize_with_holdout,
};
use crm_rfm::{
    MonetaryValue, RfmModel, RfmOptions, SegmentMap, TiePolicy, analyze, analyze_rows, rfm_values,
    rfm_values_from_summaries, score, segment_report,
};
use input::Input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let sel = inp.byte();
    let sel2 = inp.byte();
    let as_of = inp.date();
    let holdout_end = inp.date();
    let mut tx = Vec::new();
    while !inp.is_empty() && tx.len() < 64 {
        let key = CustomerKey::from_index(u32::from(inp.byte() % 8));
        let date = inp.date();
        let amount = inp.amount();
        let kind_sel = inp.byte();
        let kind = match kind_sel % 8 {
            0 => TransactionKind::Refund,
            1 => TransactionKind::Return,
            _ => TransactionKind::Purchase,
        };
        let Ok(mut t) = Transaction::new(key, date, amount, kind) else {
            continue;
        };
        if kind_sel & 0x80 != 0 {
            let code = if kind_sel & 0x40 != 0 { "EUR" } else { "USD" };
            if let Ok(c) = code.parse::<Currency>() {
                t = t.with_currency(c);
            }
        }
        tx.push(t);
    }

    let unit = TimeUnit::ALL[usize::from(sel % 5)];
    let options = SummaryOptions::new(as_of, unit)
        .same_day(if sel & 8 != 0 {
            SameDayPurchases::Separate
        } else {
            SameDayPurchases::Merge
        })
        .monetary(if sel & 16 != 0 {
            MonetaryBasis::AllMean
        } else {
            MonetaryBasis::RepeatMean
        })
        .late_events(if sel & 32 != 0 {
            LateEvents::Exclude
        } else {
            LateEvents::Reject
        });
    if let Ok(s) = summarize(&tx, &options) {
        for c in &s.customers {
            assert!(c.recency.is_finite() && c.age.is_finite());
            assert!(c.recency <= c.age, "recency {} > age {}", c.recency, c.age);
        }
        let monetary = if sel2 & 1 != 0 {
            MonetaryValue::MeanPerPurchase
        } else {
            MonetaryValue::Total
        };
        let _ = rfm_values_from_summaries(&s.customers, as_of, monetary);
    }
    let _ = summarize_with_holdout(&tx, &options, holdout_end);

    let rfm_opts = RfmOptions::new(as_of)
        .same_day(options.same_day)
        .late_events(options.late_events)
        .monetary(if sel2 & 1 != 0 {
            MonetaryValue::MeanPerPurchase
        } else {
            MonetaryValue::Total
        });
    let Ok(table) = rfm_values(&tx, &rfm_opts) else {
        return;
    };
    let values = &table.customers;
    let bins = sel2 >> 4; // 0..=15: invalid bin counts included
    let map = match (sel2 >> 1) % 3 {
        0 => SegmentMap::standard(),
        1 => SegmentMap::with_lost(),
        _ => SegmentMap::tiers(),
    };
    let ties = match (sel2 >> 3) & 1 {
        0 => TiePolicy::ValueBased,
        _ => TiePolicy::RankFirst,
    };
    let _ = score(values, bins, &ties);
    let _ = analyze(values, bins, &ties, &map);
    let _ = analyze_rows(values, bins, &ties, &map);
    if let Ok(model) = RfmModel::fit(values, bins) {
        let _ = model.score_all(values);
        let fixed = TiePolicy::Fixed(model.cut_points().clone());
        let _ = analyze(values, bins, &fixed, &map);
    }
    if let Ok(a) = analyze(values, bins, &ties, &map) {
        let fallback = usize::from(sel2) % (a.segment_names.len() + 1);
        let _ = segment_report(values, &a.segments, &a.segment_names, fallback);
    }
});
