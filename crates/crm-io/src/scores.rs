//! Survey answers: one column of small whole-number scores, optionally only the rows of one
//! question type (a survey export often holds NPS, CSAT and CES answers in one file, told apart
//! by a `type` column).

use std::collections::HashMap;
use std::path::Path;

use crm_model::TimeUnit;

use crate::error::{IoError, IoResult};
use crate::options::ReadOptions;
use crate::parse::DateParser;
use crate::rows::Skipped;
use crate::table::Table;

/// Reads one column of small whole-number scores (survey answers), calling `accept` on each
/// (its error is the row's error); returns what was skipped under
/// [`ReadOptions::skip_invalid`].
///
/// # Errors
/// [`IoError`] naming file, line and column for a missing column or a row that is not a
/// whole number from 0 to 255 or that `accept` refuses.
pub fn read_scores(
    path: &Path,
    column: &str,
    opts: &ReadOptions,
    accept: impl FnMut(u8) -> Result<(), String>,
) -> IoResult<Skipped> {
    let cols = ScoreColumns {
        score: column.to_string(),
        type_column: None,
    };
    Ok(read_survey_scores(path, &cols, opts, accept)?.skipped)
}

/// Which rows and column of a survey file hold the answers to one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreColumns {
    /// Column holding the answer.
    pub score: String,
    /// `Some((column, kind))`: when the file has `column`, only rows whose value there is
    /// `kind` (compared without regard to ASCII case and surrounding spaces) are answers; the
    /// others are counted in [`ScoresRead::other_types`]. A file without that column is read
    /// whole. `None`: every row is an answer.
    pub type_column: Option<(String, String)>,
}

impl ScoreColumns {
    /// The answers of question type `kind` (`nps`, `csat`, `ces`, ...) in column `score`, told
    /// apart by the column `type` when the file has one (the layout of `surveys.csv`).
    #[must_use]
    pub fn of_type(score: &str, kind: &str) -> Self {
        ScoreColumns {
            score: score.to_string(),
            type_column: Some(("type".to_string(), kind.to_string())),
        }
    }
}

/// What [`read_survey_scores`] read besides the answers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScoresRead {
    /// Rows skipped as invalid (only under [`ReadOptions::skip_invalid`]).
    pub skipped: Skipped,
    /// The answers passed to `accept`.
    pub answers: u64,
    /// Rows of other question types, left out: `Some((type column, rows))` when the file had
    /// the type column of [`ScoreColumns::type_column`], `None` when every row was read.
    pub other_types: Option<(String, u64)>,
    /// Rows left out by [`Grouping::filters`].
    pub filtered_out: u64,
    /// Answers whose id is not in [`Grouping::joined`]'s table (grouped under empty values of
    /// the joined columns).
    pub unmatched: u64,
}

/// Where a group column's value comes from.
#[derive(Debug, Clone, Copy)]
enum ByColumn {
    /// This file's column.
    Here(usize),
    /// Position in [`Lookup::columns`].
    Joined(usize),
}

/// Reads the answers selected by `cols`, calling `accept` on each score (its error is the
/// row's error). Rows of other question types are counted, not parsed, so a CSAT answer of 5
/// never reaches an NPS computation and a file mixing question types still reads.
///
/// ```
/// use crm_analytics::io::{ReadOptions, ScoreColumns, read_survey_scores};
/// let dir = std::env::temp_dir().join(format!("crm-doc-scores-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let p = dir.join("surveys.csv");
/// std::fs::write(&p, "customer_id,date,type,score\n1,2024-01-02,nps,9\n2,2024-01-02,csat,5\n3,2024-01-03,NPS,3\n")?;
/// let mut nps = Vec::new();
/// let read = read_survey_scores(&p, &ScoreColumns::of_type("score", "nps"), &ReadOptions::default(), |v| {
///     nps.push(v);
///     Ok(())
/// })?;
/// assert_eq!(nps, [9, 3]);
/// assert_eq!(read.other_types, Some(("type".to_string(), 1)));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`IoError`] naming file, line and column for a missing score column or a row that is not a
/// whole number from 0 to 255 or that `accept` refuses.
pub fn read_survey_scores(
    path: &Path,
    cols: &ScoreColumns,
    opts: &ReadOptions,
    mut accept: impl FnMut(u8) -> Result<(), String>,
) -> IoResult<ScoresRead> {
    read_grouped_scores(path, cols, &Grouping::default(), opts, |_, v| accept(v))
}

/// Drill-down of a survey file: which rows count and how they group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grouping {
    /// Group columns: each row's values there (trimmed) are its group.
    pub by: Vec<String>,
    /// `Some((date column, unit))`: one more group value, the start of the week, month or
    /// quarter the row's date falls in ([`TimeUnit::truncate`], as `YYYY-MM-DD`).
    pub every: Option<(String, TimeUnit)>,
    /// Only rows whose value in each named column equals the given value (trimmed, exact)
    /// count; the others are counted in [`ScoresRead::filtered_out`].
    pub filters: Vec<(String, String)>,
    /// chrono format of the date column (`None`: ISO dates, as the other readers).
    pub date_format: Option<String>,
    /// Group columns the file does not have, looked up by the row's customer id in another
    /// table (the customers file: region, channel, customer type, ...).
    pub joined: Option<Lookup>,
}

/// Columns of a second table by id ([`read_lookup`]): what [`Grouping::joined`] takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookup {
    /// The column of the grouped file holding the id to look up (e.g. `customer_id`).
    pub key: String,
    /// The looked-up columns.
    pub columns: Vec<String>,
    /// Values of `columns` by id.
    pub rows: HashMap<String, Vec<String>>,
}

/// Reads those of `columns` that `path` has, by the id in `id_column` (trimmed), for
/// [`Grouping::joined`]; `key` is the id column of the file that will be grouped. (A group
/// column in neither file is the grouped reader's missing-column error.)
///
/// # Errors
/// A missing id column; an empty or repeated id (naming file, line and column); rows that
/// cannot be read (a lookup table is read whole, also under `skip_invalid`).
pub fn read_lookup(
    path: &Path,
    id_column: &str,
    columns: &[String],
    key: &str,
    opts: &ReadOptions,
) -> IoResult<Lookup> {
    let mut t = Table::open(path, opts)?;
    let id = t.column(id_column)?;
    let (idx, present): (Vec<usize>, Vec<String>) = (columns.iter())
        .filter_map(|c| Some((t.column(c).ok()?, c.clone())))
        .unzip();
    let mut rows: HashMap<String, Vec<String>> = HashMap::new();
    let skipped = t.for_each_record(|row| {
        let k = row.get(id).trim();
        if k.is_empty() {
            return Err(IoError::input(
                path,
                Some(row.line),
                Some(id_column),
                "empty id",
            ));
        }
        let values = idx.iter().map(|&i| row.get(i).trim().to_string()).collect();
        if rows.insert(k.to_string(), values).is_some() {
            return Err(IoError::input(
                path,
                Some(row.line),
                Some(id_column),
                format!("id {k:?} appears twice: group values must come from one row"),
            ));
        }
        Ok(())
    })?;
    if skipped.count > 0 {
        return Err(IoError::input(
            path,
            None,
            None,
            format!(
                "{} row(s) could not be read: a lookup table must be read whole",
                skipped.count
            ),
        ));
    }
    Ok(Lookup {
        key: key.to_string(),
        columns: present,
        rows,
    })
}

/// The attributes `columns` of each customer (region, channel, customer type, ...) from the
/// customer table `path`, keyed by its `id_column`: the groups of a drill-down of per-customer
/// results. Unlike [`read_lookup`], every column must be in the file.
///
/// # Errors
/// As [`read_lookup`]; a missing column (naming the file and the column).
pub fn read_customer_attributes(
    path: &Path,
    id_column: &str,
    columns: &[String],
    opts: &ReadOptions,
) -> IoResult<Lookup> {
    let lookup = read_lookup(path, id_column, columns, id_column, opts)?;
    lookup.require(path, columns)?;
    Ok(lookup)
}

/// Customer attributes read from the rows of a data file: [`read_first_attributes`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileAttributes {
    /// Each customer's values: those on its first row.
    pub lookup: Lookup,
    /// Customers whose later rows hold other values (their first row's are used).
    pub changed: u64,
}

/// The attributes `columns` of each customer as a data file's own rows give them (the
/// transaction, span, movement or event file itself, e.g. a `region` or `plan` column), keyed
/// by its `id_column`: a customer's values are those on its first row in the file, as a funnel
/// is broken down by its first step's property; customers whose later rows hold other values
/// are counted in [`FileAttributes::changed`], never silently. Rows that cannot be read are
/// errors, or skipped under `opts.skip_invalid` as the data reader skips them.
///
/// ```
/// use crm_analytics::io::{read_first_attributes, ReadOptions};
/// let dir = std::env::temp_dir().join(format!("crm-first-attributes-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let f = dir.join("t.csv");
/// std::fs::write(&f, "customer_id,date,amount,plan\na,2024-01-01,10,basic\nb,2024-01-02,5,pro\na,2024-02-01,20,pro\n")?;
/// let a = read_first_attributes(&f, "customer_id", &["plan".to_string()], &ReadOptions::default())?;
/// assert_eq!(a.lookup.rows["a"], ["basic"]);
/// assert_eq!(a.lookup.rows["b"], ["pro"]);
/// assert_eq!(a.changed, 1);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// A missing id or group column (naming the file and the column); an empty id; rows that
/// cannot be read (without `skip_invalid`).
pub fn read_first_attributes(
    path: &Path,
    id_column: &str,
    columns: &[String],
    opts: &ReadOptions,
) -> IoResult<FileAttributes> {
    let mut t = Table::open(path, opts)?;
    let id = t.column(id_column)?;
    let idx = (columns.iter())
        .map(|c| t.column(c))
        .collect::<IoResult<Vec<usize>>>()?;
    let mut rows: HashMap<String, Vec<String>> = HashMap::new();
    let mut changed: std::collections::HashSet<String> = std::collections::HashSet::new();
    t.for_each_record(|row| {
        let k = row.get(id).trim();
        if k.is_empty() {
            return Err(IoError::input(
                path,
                Some(row.line),
                Some(id_column),
                "empty id",
            ));
        }
        let values = idx.iter().map(|&i| row.get(i).trim());
        match rows.get(k) {
            None => {
                rows.insert(k.to_string(), values.map(str::to_string).collect());
            }
            Some(first) if !first.iter().map(String::as_str).eq(values) => {
                changed.insert(k.to_string());
            }
            Some(_) => {}
        }
        Ok(())
    })?;
    Ok(FileAttributes {
        lookup: Lookup {
            key: id_column.to_string(),
            columns: columns.to_vec(),
            rows,
        },
        changed: changed.len() as u64,
    })
}

/// The groups of a drill-down by customer attributes: `columns` of the customer table
/// `customers` when there is one ([`read_customer_attributes`]), or else of the data file
/// `data` itself, each customer on its first row ([`read_first_attributes`]); both keyed by
/// `id_column`.
///
/// # Errors
/// As [`read_customer_attributes`] or [`read_first_attributes`].
pub fn read_group_attributes(
    customers: Option<&Path>,
    data: &Path,
    id_column: &str,
    columns: &[String],
    opts: &ReadOptions,
) -> IoResult<FileAttributes> {
    match customers {
        Some(p) => Ok(FileAttributes {
            lookup: read_customer_attributes(p, id_column, columns, opts)?,
            changed: 0,
        }),
        None => read_first_attributes(data, id_column, columns, opts),
    }
}

impl Lookup {
    /// Checks that the table had every one of `columns` ([`read_lookup`] keeps only those the
    /// file has, as a grouped file may hold the others itself).
    ///
    /// # Errors
    /// The first missing column, naming the file `path` it was looked for in.
    pub fn require(&self, path: &Path, columns: &[String]) -> IoResult<()> {
        match columns.iter().find(|c| !self.columns.contains(c)) {
            Some(c) => Err(IoError::input(
                path,
                Some(1),
                Some(c),
                "no such column (the group columns must come from this file)",
            )),
            None => Ok(()),
        }
    }
}

impl Grouping {
    /// The group columns of a key: [`Grouping::by`], then the unit's name (`week`, `month`,
    /// `quarter`, ...) with [`Grouping::every`].
    #[must_use]
    pub fn names(&self) -> Vec<String> {
        let mut n = self.by.clone();
        if let Some((_, unit)) = &self.every {
            n.push(unit.to_string());
        }
        n
    }
}

/// [`read_survey_scores`] with a drill-down: `accept` gets each answer with its group key (the
/// values of [`Grouping::names`], in order), rows that fail a filter are counted and left out.
///
/// ```
/// use crm_analytics::io::{Grouping, ReadOptions, ScoreColumns, read_grouped_scores};
/// use crm_analytics::model::TimeUnit;
/// let dir = std::env::temp_dir().join(format!("crm-doc-grouped-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let p = dir.join("surveys.csv");
/// std::fs::write(&p, "date,region,channel,score\n2024-01-02,north,web,9\n2024-02-05,south,web,3\n2024-02-07,north,store,7\n")?;
/// let g = Grouping {
///     by: vec!["region".into()],
///     every: Some(("date".into(), TimeUnit::Month)),
///     filters: vec![("channel".into(), "web".into())],
///     date_format: None,
///     joined: None,
/// };
/// let mut seen = Vec::new();
/// let read = read_grouped_scores(&p, &ScoreColumns::of_type("score", "nps"), &g, &ReadOptions::default(), |k, v| {
///     seen.push((k.join("/"), v));
///     Ok(())
/// })?;
/// assert_eq!(seen, [("north/2024-01-01".to_string(), 9), ("south/2024-02-01".to_string(), 3)]);
/// assert_eq!(read.filtered_out, 1);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`read_survey_scores`]; a missing group, filter or date column; a date that does not
/// parse (naming file, line and column).
pub fn read_grouped_scores(
    path: &Path,
    cols: &ScoreColumns,
    grouping: &Grouping,
    opts: &ReadOptions,
    mut accept: impl FnMut(&[String], u8) -> Result<(), String>,
) -> IoResult<ScoresRead> {
    let mut t = Table::open(path, opts)?;
    let ci = t.column(&cols.score)?;
    let kind = cols
        .type_column
        .as_ref()
        .and_then(|(name, kind)| Some((name, t.column(name).ok()?, kind.trim())));
    // Each group column: (Some(index in this file)) or (None, index in the joined table).
    let joined = grouping.joined.as_ref();
    let by = (grouping.by.iter())
        .map(|c| match (t.column(c), joined) {
            (Ok(i), _) => Ok(ByColumn::Here(i)),
            (Err(e), Some(j)) => match j.columns.iter().position(|n| n == c) {
                Some(p) => Ok(ByColumn::Joined(p)),
                None => Err(e),
            },
            (Err(e), None) => Err(e),
        })
        .collect::<IoResult<Vec<ByColumn>>>()?;
    let join_key = match joined {
        Some(j) if by.iter().any(|b| matches!(b, ByColumn::Joined(_))) => {
            Some((t.column(&j.key)?, j))
        }
        _ => None,
    };
    let mut unmatched = 0u64;
    let filters = (grouping.filters.iter())
        .map(|(c, v)| Ok((t.column(c)?, v.trim())))
        .collect::<IoResult<Vec<(usize, &str)>>>()?;
    let every = match &grouping.every {
        Some((c, unit)) => Some((c.as_str(), t.column(c)?, *unit)),
        None => None,
    };
    let dates = DateParser::new(grouping.date_format.clone());
    let (mut answers, mut others, mut filtered) = (0u64, 0u64, 0u64);
    let mut key: Vec<String> = Vec::with_capacity(grouping.names().len());
    let skipped = t.for_each_record(|row| {
        if let Some((_, ti, kind)) = kind {
            if !row.get(ti).trim().eq_ignore_ascii_case(kind) {
                others += 1;
                return Ok(());
            }
        }
        if filters.iter().any(|&(fi, v)| row.get(fi).trim() != v) {
            filtered += 1;
            return Ok(());
        }
        key.clear();
        let found = join_key.map(|(ki, j)| j.rows.get(row.get(ki).trim()));
        if matches!(found, Some(None)) {
            unmatched += 1;
        }
        key.extend(by.iter().map(|b| {
            match b {
                ByColumn::Here(i) => row.get(*i).trim().to_string(),
                ByColumn::Joined(p) => found
                    .flatten()
                    .and_then(|v| v.get(*p))
                    .cloned()
                    .unwrap_or_default(),
            }
        }));
        if let Some((name, di, unit)) = every {
            let (d, _) = dates
                .parse(row.get(di).trim())
                .map_err(|m| IoError::input(path, Some(row.line), Some(name), m))?;
            key.push(unit.truncate(d).to_string());
        }
        let text = row.get(ci);
        text.parse::<u8>()
            .map_err(|_| format!("cannot parse {text:?} as a whole-number score"))
            .and_then(|v| accept(&key, v))
            .map_err(|m| IoError::input(path, Some(row.line), Some(&cols.score), m))?;
        answers += 1;
        Ok(())
    })?;
    Ok(ScoresRead {
        skipped,
        answers,
        other_types: kind.map(|(name, _, _)| (name.clone(), others)),
        filtered_out: filtered,
        unmatched,
    })
}
