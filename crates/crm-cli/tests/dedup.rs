#![allow(clippy::unwrap_used, clippy::expect_used)]
//! End-to-end tests of `crm dedup`, `crm dedup explain`, `crm dedup evaluate` and `crm link`.

mod common;
use common::crm;

const CUSTOMERS: &str = "\
customer_id, name, phone, email, company, date_of_birth
c1, 张伟, 13812345678, zhangwei@163.com, （北京）华信科技有限公司, 1985-03-07
c2, 张 伟, +86 138 1234 5678, ZhangWei@163.com, 华信科技, 1985年3月7日
c3, John Smith, +1 (415) 555-2671, john@smith.io, Acme Widgets Inc, 1979-04-12
c4,\"Smith, John\", +1 415 555 2671, john@smith.io, Acme Widgets, 1979-04-12
c5, 李娜, 13900001111, lina@qq.com, 恒通贸易有限公司, 1990-11-02
c6, Mary Jones, +1 212 555 0100, mary@jones.org, Jones Consulting, 1988-08-08
c7, Peter Brown, +44 20 7946 0958, pb@example.com, Brown Co, 1970-06-30
c8, 王芳, 13522223333, wangfang@qq.com, 博远咨询有限公司, 1992-01-15
";

#[test]
fn dedup_explain_evaluate_link() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("customers.csv");
    std::fs::write(&input, CUSTOMERS).unwrap();
    let clusters = dir.path().join("clusters.csv");
    let golden = dir.path().join("golden.csv");
    let out = crm()
        .args(["dedup", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&clusters)
        .arg("--golden")
        .arg(&golden)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("phone = \"phone\""),
        "kinds are printed: {err}"
    );
    let text = std::fs::read_to_string(&clusters).unwrap();
    let rows: Vec<(String, String)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let (a, b) = l.split_once(',').unwrap();
            (a.to_string(), b.to_string())
        })
        .collect();
    assert_eq!(rows.len(), 8);
    let cl = |id: &str| rows.iter().find(|r| r.0 == id).unwrap().1.clone();
    assert_eq!(cl("c1"), cl("c2"));
    assert_eq!(cl("c3"), cl("c4"));
    assert_ne!(cl("c1"), cl("c3"));
    assert_ne!(cl("c5"), cl("c1"));
    let g = std::fs::read_to_string(&golden).unwrap();
    assert!(
        g.lines()
            .next()
            .unwrap()
            .starts_with("cluster_id,members,name,name_source")
    );
    assert!(g.contains("c1;c2") || g.contains("c2;c1"), "{g}");

    // evaluate against a truth file
    let truth = dir.path().join("truth.csv");
    std::fs::write(
        &truth,
        "record_id,entity_id\nc1,a\nc2,a\nc3,b\nc4,b\nc5,c\nc6,d\nc7,e\nc8,f\n",
    )
    .unwrap();
    let out = crm()
        .args(["dedup", "evaluate", "--clusters"])
        .arg(&clusters)
        .arg("--truth")
        .arg(&truth)
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(s.contains("precision=1 recall=1 f1=1"), "{s}");

    // explain
    let out = crm()
        .args(["dedup", "explain", "--input"])
        .arg(&input)
        .args(["c3", "c4"])
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        s.contains("(prior)") && s.contains("match probability"),
        "{s}"
    );
    assert!(s.contains("+14155552671"), "{s}");
    // the same as a waterfall chart: prior, one bar per field, the total
    let page = dir.path().join("explain.html");
    let out = crm()
        .args(["dedup", "explain", "--input"])
        .arg(&input)
        .args(["c3", "c4", "--html"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(out.status.success());
    let html = std::fs::read_to_string(&page).unwrap();
    let fields = s
        .lines()
        .skip(3)
        .take_while(|l| !l.starts_with("match weight"))
        .count();
    assert!(html.contains("id=\"chart-waterfall\"") && html.contains("data-available=\"true\""));
    assert_eq!(html.matches("<rect").count(), fields + 2, "{s}");

    // link two halves
    let (left, right) = (dir.path().join("l.csv"), dir.path().join("r.csv"));
    let lines: Vec<&str> = CUSTOMERS.lines().collect();
    std::fs::write(&left, format!("{}\n{}\n{}\n", lines[0], lines[1], lines[3])).unwrap();
    std::fs::write(
        &right,
        format!("{}\n{}\n{}\n{}\n", lines[0], lines[2], lines[4], lines[6]),
    )
    .unwrap();
    let links = dir.path().join("links.csv");
    let out = crm()
        .args(["link", "--left"])
        .arg(&left)
        .arg("--right")
        .arg(&right)
        .arg("--output")
        .arg(&links)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let l = std::fs::read_to_string(&links).unwrap();
    assert!(l.starts_with("left_id,right_id,match_probability"));
    assert!(l.contains("c1,c2,"), "{l}");
}

#[test]
fn bad_config_is_an_error_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("customers.csv");
    std::fs::write(&input, CUSTOMERS).unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "id = \"customer_id\"\n[fields]\nnope = \"name\"\n").unwrap();
    let out = crm()
        .args(["dedup", "--input"])
        .arg(&input)
        .arg("--config")
        .arg(&cfg)
        .args(["--output", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("column nope"),
        "{err}"
    );
    std::fs::write(&cfg, "[fields]\nname = \"colour\"\n").unwrap();
    let out = crm()
        .args(["dedup", "--input"])
        .arg(&input)
        .arg("--config")
        .arg(&cfg)
        .args(["--output", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown field kind"));
}

#[test]
fn duplicate_and_empty_record_ids_stop_or_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("customers.csv");
    let text = format!("{CUSTOMERS}c3, Jon Smith, , , , \n , Nobody, , , , \n");
    std::fs::write(&input, text).unwrap();
    let clusters = dir.path().join("clusters.csv");
    let out = crm()
        .args(["dedup", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&clusters)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "customers.csv:10: column customer_id: record id \"c3\" already used on line 4"
        ),
        "{err}"
    );
    let out = crm()
        .args(["dedup", "--skip-invalid", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&clusters)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("skipped 2 invalid row(s)"), "{err}");
    assert!(err.contains("record id is empty"), "{err}");
    // The eight valid records are clustered; the skipped ones are not.
    let rows = std::fs::read_to_string(&clusters).unwrap();
    assert_eq!(rows.lines().count(), 9, "{rows}");
}

#[test]
fn phonetic_code_from_the_config_shows_in_explain() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("people.csv");
    std::fs::write(
        &input,
        "rec_id, given_name, surname, postcode\n\
         1, Catherine, Philips, 2600\n\
         2, Kathryn, Fillips, 2600\n\
         3, Robert, Smith, 2913\n\
         4, Mary, Jones, 3000\n\
         5, 张, 伟, 100000\n",
    )
    .unwrap();
    let dm = dir.path().join("dm.toml");
    std::fs::write(&dm, "phonetic = \"double_metaphone\"\n").unwrap();
    let explain = |config: Option<&std::path::Path>| {
        let mut cmd = crm();
        cmd.args(["dedup", "explain", "--input"]).arg(&input);
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        }
        let out = cmd.args(["1", "2"]).output().unwrap();
        let s = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        s
    };
    let s = explain(None);
    assert!(
        s.contains("phonetic (soundex) given_name: C365 vs K365 (differ)"),
        "{s}"
    );
    let given = s.lines().find(|l| l.starts_with("given_name")).unwrap();
    assert!(given.contains("far"), "{s}");
    let s = explain(Some(&dm));
    assert!(
        s.contains("phonetic (double_metaphone) given_name: K0RN|KTRN vs K0RN|KTRN (agree)"),
        "{s}"
    );
    assert!(
        s.contains("phonetic (double_metaphone) surname: FLPS vs FLPS (agree)"),
        "{s}"
    );
    let given = s.lines().find(|l| l.starts_with("given_name")).unwrap();
    assert!(given.contains("partial"), "{s}");

    // an unknown code is a usage error (exit code 2)
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "phonetic = \"nysiis\"\n").unwrap();
    let out = crm()
        .args(["dedup", "--input"])
        .arg(&input)
        .arg("--config")
        .arg(&bad)
        .arg("--output")
        .arg(dir.path().join("c.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown phonetic code \"nysiis\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The count in the `pairs` column of the breakdown row starting with `label`.
fn cause(stdout: &str, label: &str) -> u64 {
    let line = stdout
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no row {label:?} in\n{stdout}"));
    line.split_whitespace()
        .rev()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap()
}

/// `key=value` from the evaluation lines.
fn value(stdout: &str, key: &str) -> u64 {
    let v = stdout
        .split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key}= in\n{stdout}"));
    v.parse().unwrap()
}

#[test]
fn truth_splits_the_missed_pairs_by_cause() {
    use crm_analytics::demo::people::{People, PeopleOptions, PeopleStyle, write_csv};
    let dir = tempfile::tempdir().unwrap();
    let (input, truth) = (dir.path().join("people.csv"), dir.path().join("truth.csv"));
    let opts = PeopleOptions {
        records: 2_000,
        ..PeopleOptions::new(PeopleStyle::Febrl)
    };
    let people = People::new(&opts).unwrap().records();
    let files = (
        std::fs::File::create(&input).unwrap(),
        std::fs::File::create(&truth).unwrap(),
    );
    write_csv(opts.style, people, files.0, files.1).unwrap();
    let clusters = dir.path().join("clusters.csv");
    let run = |threshold: &str| {
        let out = crm()
            .args(["dedup", "--threshold", threshold, "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&clusters)
            .arg("--truth")
            .arg(&truth)
            .output()
            .unwrap();
        common::ok(&out)
    };
    let s = run("0.5");
    let (true_pairs, found) = (value(&s, "true_pairs"), value(&s, "true_positives"));
    let never = cause(&s, "never compared (blocking)");
    let below = cause(&s, "compared, probability < 0.5");
    let split = cause(&s, "linked (>= 0.5), split by clustering");
    let missed = cause(&s, "missed true pairs");
    assert!(
        missed > 0 && never > 0,
        "the set is too easy to test on:\n{s}"
    );
    assert_eq!(never + below + split, missed, "{s}");
    assert_eq!(found + missed, true_pairs, "{s}");
    // the same figures as `crm dedup evaluate` on the clusters written
    let out = crm()
        .args(["dedup", "evaluate", "--clusters"])
        .arg(&clusters)
        .arg("--truth")
        .arg(&truth)
        .output()
        .unwrap();
    let eval = common::ok(&out);
    assert!(s.starts_with(&eval), "{s}\nvs\n{eval}");
    assert_eq!(
        s.matches("never compared ").count() - 1,
        never.min(5) as usize
    );
    // Blocking does not depend on the threshold: the same pairs are never compared; a higher
    // threshold moves pairs from found or split to below it.
    let s = run("0.999999");
    assert_eq!(cause(&s, "never compared (blocking)"), never, "{s}");
    assert!(
        cause(&s, "compared, probability < 0.999999") >= below,
        "{s}"
    );

    // a record without truth is an input error naming the truth file
    let text = std::fs::read_to_string(&truth).unwrap();
    std::fs::write(
        &truth,
        text.lines().take(100).collect::<Vec<_>>().join("\n"),
    )
    .unwrap();
    let out = crm()
        .args(["dedup", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&clusters)
        .arg("--truth")
        .arg(&truth)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("truth.csv") && err.contains("has no truth row"),
        "{err}"
    );
}

#[test]
fn html_diagnostics_draw_weights_m_u_and_the_threshold_curve() {
    use crm_analytics::demo::people::{People, PeopleOptions, PeopleStyle, write_csv};
    let dir = tempfile::tempdir().unwrap();
    let (input, truth) = (dir.path().join("people.csv"), dir.path().join("truth.csv"));
    let opts = PeopleOptions {
        records: 1_000,
        ..PeopleOptions::new(PeopleStyle::Febrl)
    };
    let people = People::new(&opts).unwrap().records();
    let files = (
        std::fs::File::create(&input).unwrap(),
        std::fs::File::create(&truth).unwrap(),
    );
    write_csv(opts.style, people, files.0, files.1).unwrap();
    let html = dir.path().join("d.html");
    let page = |with_truth: bool| {
        let mut c = crm();
        c.args(["dedup", "--input"])
            .arg(&input)
            .arg("--output")
            .arg(dir.path().join("c.csv"))
            .arg("--html")
            .arg(&html);
        if with_truth {
            c.arg("--truth").arg(&truth);
        }
        common::ok(&c.output().unwrap());
        std::fs::read_to_string(&html).unwrap()
    };
    let p = page(true);
    for id in ["chart-match-weights", "chart-m-u", "chart-threshold"] {
        let at = p.find(&format!("id=\"{id}\"")).unwrap();
        let fig = &p[at..at + p[at..].find("</figure>").unwrap()];
        assert!(
            fig.contains("<svg") && fig.contains("data-available=\"true\""),
            "{id}"
        );
    }
    assert!(p.contains("Links against the truth by threshold"));
    assert!(!p.contains("<script"));
    // Without a truth file the curve says what it needs.
    let p = page(false);
    assert!(
        p.contains("Not available: needs a truth file (--truth)"),
        "{p}"
    );
}
