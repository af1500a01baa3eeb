//! End-to-end tests of `crm lifecycle` on the hand-computed table of the library docs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{crm, err, ok, write};

/// a new, b reactivated, c active, d silent, e churned (its July purchase is after the date),
/// f a lead (customer table only).
const TX: &str = "customer_id,date,amount\n\
a,2024-06-20,10\nb,2024-01-10,20\nb,2024-06-25,30\nb,2024-06-25,5\n\
c,2024-05-01,7\nc,2024-06-15,7\nd,2024-04-01,1\nd,2024-05-20,1\n\
e,2024-01-05,100\ne,2024-03-01,100\ne,2024-07-05,100\n";
const CUSTOMERS: &str = "customer_id,full_name\na,A\nb,B\nc,C\nd,D\ne,E\nf,F\n";

#[test]
fn stages_per_customer_per_stage_over_time_and_between_dates() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(&dir, "t.csv", TX);
    let c = write(&dir, "c.csv", CUSTOMERS);
    let run = |extra: &[&str]| {
        ok(&crm()
            .args(["lifecycle", "--as-of", "2024-06-30", "--transactions"])
            .arg(&t)
            .arg("--customers")
            .arg(&c)
            .args(extra)
            .output()
            .unwrap())
    };
    assert_eq!(
        run(&[]),
        "customer_id,stage,first_purchase,last_purchase,days_since_last,purchase_days,revenue\n\
         a,new,2024-06-20,2024-06-20,10,1,10\n\
         b,reactivated,2024-01-10,2024-06-25,5,2,55\n\
         c,active,2024-05-01,2024-06-15,15,2,14\n\
         d,silent,2024-04-01,2024-05-20,41,2,2\n\
         e,churned,2024-01-05,2024-03-01,121,2,200\n\
         f,lead,,,,0,0\n"
    );
    let counts = run(&["--counts"]);
    assert!(
        counts.starts_with("stage,customers,share,revenue\nlead,1,0.16666666666666666,0\n"),
        "{counts}"
    );
    assert_eq!(
        run(&["--every", "month"])
            .lines()
            .take(2)
            .collect::<Vec<_>>(),
        [
            "date,lead,new,reactivated,active,silent,churned",
            "2024-01-31,4,2,0,0,0,0"
        ]
    );
    let moves = run(&["--from", "2024-01-31"]);
    assert!(moves.contains("\nnew,reactivated,1\n"), "{moves}");
    assert!(moves.contains("\nlead,lead,1\n"), "{moves}");
}

#[test]
fn bad_thresholds_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(&dir, "t.csv", TX);
    let e = err(&crm()
        .args([
            "lifecycle",
            "--as-of",
            "2024-06-30",
            "--active-days",
            "60",
            "--churn-days",
            "30",
            "--transactions",
        ])
        .arg(&t)
        .output()
        .unwrap());
    assert!(e.contains("churn_days"), "{e}");
}

#[test]
fn stage_counts_by_customer_attribute() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(&dir, "t.csv", TX);
    // e is not in the table: grouped under an empty region, and said so.
    let c = write(
        &dir,
        "c.csv",
        "customer_id,region\na,north\nb,north\nc,south\nd,south\nf,north\n",
    );
    let out = crm()
        .args([
            "lifecycle",
            "--as-of",
            "2024-06-30",
            "--counts",
            "--by",
            "region",
        ])
        .arg("--transactions")
        .arg(&t)
        .arg("--customers")
        .arg(&c)
        .output()
        .unwrap();
    let text = ok(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "region,stage,customers,share,revenue");
    assert_eq!(lines.len(), 1 + 3 * 6, "{text}");
    for want in [
        ",churned,1,1.0,200",
        ",new,0,0.0,0",
        "north,lead,1,0.3333333333333333,0",
        "north,new,1,0.3333333333333333,10",
        "north,reactivated,1,0.3333333333333333,55",
        "north,churned,0,0.0,0",
        "south,active,1,0.5,14",
        "south,silent,1,0.5,2",
    ] {
        assert!(lines.contains(&want), "{want} missing in\n{text}");
    }
    let note = String::from_utf8(out.stderr).unwrap();
    assert!(note.contains("1 customer(s) not in --customers"), "{note}");

    // A --by column the customer table lacks is an error naming file and column.
    let e = err(&crm()
        .args([
            "lifecycle",
            "--as-of",
            "2024-06-30",
            "--counts",
            "--by",
            "segment",
        ])
        .arg("--transactions")
        .arg(&t)
        .arg("--customers")
        .arg(&c)
        .output()
        .unwrap());
    assert!(e.contains("c.csv") && e.contains("segment"), "{e}");
}
