//! Synthetic people from crm-demo's generator (`crm_demo::people`) as crm-dedup records.

use crm_dedup::schema::{Record, Schema};
use crm_demo::people::{PeopleOptions, PeopleStyle, generate};

/// Records, their schema (kinds inferred from the column names) and the true entity of each.
pub struct Synthetic {
    pub schema: Schema,
    pub records: Vec<Record>,
    #[allow(dead_code)] // robustness.rs compares clusterings, not against the truth
    pub entity: Vec<u64>,
}

/// `records` people of `style` (30% with 1-4 copies; half Chinese for contacts), shuffled.
pub fn people(style: PeopleStyle, records: usize, seed: u64) -> Synthetic {
    let opts = PeopleOptions {
        records,
        seed,
        ..PeopleOptions::new(style)
    };
    let data = generate(&opts).unwrap();
    Synthetic {
        schema: Schema::infer(style.columns()).unwrap(),
        records: (data.iter())
            .map(|r| Record::new(&r.id, &r.values))
            .collect(),
        entity: data.iter().map(|r| r.entity).collect(),
    }
}
