//! A dozen mixed Chinese and English customer records: normalisation, one match explanation
//! (the per-field waterfall) and the golden records with provenance.
//!
//! `cargo run --release --example dedup_customers`

use crm_analytics::dedup::golden::golden_records;
use crm_analytics::dedup::normalize::{self, EmailOptions};
use crm_analytics::dedup::pipeline::{DedupConfig, deduplicate};
use crm_analytics::dedup::schema::{FieldKind, FieldSpec, Record, Schema};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. Normalisers, one value at a time.
    println!("== normalisation");
    let fold = EmailOptions { fold_gmail: true };
    let examples = [
        (
            "text",
            "  ＡＢＣ　Ｃｏｍｐａｎｙ  ".to_string(),
            normalize::text("  ＡＢＣ　Ｃｏｍｐａｎｙ  "),
        ),
        (
            "phone",
            "１３８ 1234-5678".into(),
            normalize::phone("１３８ 1234-5678", "CN").unwrap_or_default(),
        ),
        (
            "phone",
            "(010) 6552 9988".into(),
            normalize::phone("(010) 6552 9988", "CN").unwrap_or_default(),
        ),
        (
            "phone",
            "+1 (415) 555-2671".into(),
            normalize::phone("+1 (415) 555-2671", "CN").unwrap_or_default(),
        ),
        (
            "email",
            "Wei.Zhang+crm@GMail.com".into(),
            normalize::email("Wei.Zhang+crm@GMail.com", fold).unwrap_or_default(),
        ),
        (
            "company",
            "（北京）华信科技有限公司".into(),
            normalize::company("（北京）华信科技有限公司"),
        ),
        (
            "company",
            "Acme Widgets Co., Ltd.".into(),
            normalize::company("Acme Widgets Co., Ltd."),
        ),
        (
            "name",
            "Smith, John".into(),
            normalize::person_name("Smith, John"),
        ),
        (
            "name",
            "张　伟 先生".into(),
            normalize::person_name("张　伟 先生"),
        ),
        ("pinyin", "张伟".into(), normalize::pinyin_key("张伟")),
        (
            "address",
            "12 Main St., Apt 5".into(),
            normalize::address("12 Main St., Apt 5"),
        ),
        (
            "date",
            "1985年3月7日".into(),
            normalize::date("1985年3月7日"),
        ),
    ];
    for (kind, raw, norm) in &examples {
        println!("  {kind:<8} {raw:<28} -> {norm}");
    }

    // 2. A dozen records: three people entered several times, plus singletons.
    let schema = Schema::new([
        FieldSpec::new("name", FieldKind::Name),
        FieldSpec::new("email", FieldKind::Email),
        FieldSpec::new("phone", FieldKind::Phone),
        FieldSpec::new("company", FieldKind::Company),
        FieldSpec::new("address", FieldKind::Address),
        FieldSpec::new("date_of_birth", FieldKind::Date),
    ]);
    let rows: [(&str, [&str; 6], &str, &str); 12] = [
        (
            "c01",
            [
                "张伟",
                "zhangwei@163.com",
                "13812345678",
                "（北京）华信科技有限公司",
                "北京市朝阳区建国路88号",
                "1985-03-07",
            ],
            "crm",
            "2024-01-10",
        ),
        (
            "c02",
            [
                "张 伟",
                "",
                "+86 138 1234 5678",
                "华信科技",
                "北京市朝阳区建国路８８号",
                "1985年3月7日",
            ],
            "shop",
            "2024-06-02",
        ),
        (
            "c03",
            [
                "张伟 先生",
                "zw@huaxin.cn",
                "0086-13812345678",
                "华信科技股份有限公司",
                "北京市朝阳区建国路88号",
                "",
            ],
            "event",
            "2025-02-11",
        ),
        (
            "c04",
            [
                "李娜",
                "lina@qq.com",
                "13900001111",
                "恒通贸易有限公司",
                "上海市南京路1号",
                "1990-11-02",
            ],
            "crm",
            "2023-05-05",
        ),
        (
            "c05",
            [
                "John Smith",
                "john.smith@gmail.com",
                "+1 (415) 555-2671",
                "Acme Widgets Inc",
                "12 Main Street",
                "1979-04-12",
            ],
            "crm",
            "2022-03-01",
        ),
        (
            "c06",
            [
                "Smith, John",
                "johnsmith@gmail.com",
                "+1 415 555 2671",
                "Acme Widgets",
                "12 Main St",
                "1979-12-04",
            ],
            "shop",
            "2024-09-09",
        ),
        (
            "c07",
            [
                "J Smith",
                "",
                "001 415 555 2671",
                "ACME WIDGETS LLC",
                "12 Main St.",
                "1979-04-12",
            ],
            "event",
            "2025-01-20",
        ),
        (
            "c08",
            [
                "Mary Jones",
                "mary@jones.org",
                "+1 212 555 0100",
                "Jones Consulting",
                "7 Oak Avenue",
                "1988-08-08",
            ],
            "crm",
            "2024-02-02",
        ),
        (
            "c09",
            [
                "王芳",
                "wangfang@qq.com",
                "13522223333",
                "博远咨询有限公司",
                "广州市中山路5号",
                "1992-01-15",
            ],
            "crm",
            "2024-03-03",
        ),
        (
            "c10",
            [
                "Wang Fang",
                "wangfang@qq.com",
                "135 2222 3333",
                "Boyuan Consulting",
                "5 Zhongshan Rd, Guangzhou",
                "1992-01-15",
            ],
            "shop",
            "2025-03-03",
        ),
        (
            "c11",
            [
                "Peter Brown",
                "pbrown@example.com",
                "+44 20 7946 0958",
                "Brown & Co",
                "1 High Street",
                "1970-06-30",
            ],
            "crm",
            "2021-01-01",
        ),
        (
            "c12",
            [
                "刘洋",
                "liuyang@163.com",
                "(021) 6888 1234",
                "云海电子集团",
                "上海市淮海路100号",
                "1995-05-20",
            ],
            "crm",
            "2024-07-07",
        ),
    ];
    let records: Vec<Record> = rows
        .iter()
        .map(|(id, values, source, updated)| Record {
            id: (*id).into(),
            values: values.iter().map(|v| (*v).to_string()).collect(),
            source: Some((*source).into()),
            updated: updated.parse().ok(),
        })
        .collect();
    let config = DedupConfig::new(schema);
    let result = deduplicate(&records, &config, &mut |_| {})?;

    println!("\n== clusters");
    for (r, l) in records.iter().zip(&result.clustering.labels) {
        println!("  {} -> cluster {l}   {}", r.id, r.values[0]);
    }

    // 3. Why are c05 and c06 the same person? The waterfall of the match weight.
    println!("\n== explanation c05 vs c06");
    let e = result.explain("c05", "c06")?;
    println!("  {:<14} {:>8}", "prior", format!("{:+.2}", e.prior_weight));
    for f in &e.fields {
        println!(
            "  {:<14} {:>8}  {:<8} {:?} vs {:?}",
            f.field,
            format!("{:+.2}", f.weight),
            f.level.as_str(),
            f.left,
            f.right
        );
    }
    println!(
        "  match weight {:+.2} bits -> probability {:.6}",
        e.match_weight, e.match_probability
    );

    // 4. Golden records with provenance.
    println!("\n== golden records (clusters with more than one record)");
    for g in golden_records(&result.prepared, &records, &result.clustering.labels, &[]) {
        if g.members.len() < 2 {
            continue;
        }
        println!("  cluster {} <- {}", g.cluster, g.members.join(", "));
        for f in &g.fields {
            let vals: Vec<String> = f
                .values
                .iter()
                .map(|v| format!("{} [{}]", v.value, v.sources.join(",")))
                .collect();
            println!("    {:<14} {:?}: {}", f.field, f.rule, vals.join("; "));
        }
    }
    Ok(())
}
