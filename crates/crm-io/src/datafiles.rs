//! The CRM data files of `crm demo` and `crm report`: one CSV per kind of record.
//!
//! | file | columns (header row; extra columns are ignored) |
//! |---|---|
//! | `customers.csv` | `customer_id`, `person_id` (demo ground truth: same person), `full_name`, `given_name`, `family_name`, `email`, `phone`, `company`, `street`, `city`, `region`, `postcode`, `country`, `birth_date`, `acquired_on`, `acquisition_channel`, `source` |
//! | `transactions.csv` | `customer_id`, `date`, `amount` (negative: a return) |
//! | `surveys.csv` | `customer_id` (may be empty), `date`, `type` (`nps` 0-10, `csat` 1-5, `ces` 1-7 v2), `score` |
//! | `interactions.csv` | `customer_id`, `at` (date and time), `kind` (`support_ticket`, `complaint`, `call`, `email`, `chat`, `visit`, `referral`), `channel`, `resolved_at` (empty: unresolved) |
//! | `mrr_movements.csv` | `customer_id`, `date`, `kind` (`new`, `expansion`, `contraction`, `churn`, `reactivation`), `amount` (magnitude) |
//! | `funnel_events.csv` | `subject_id` (lead or customer), `stage`, `at` |
//! | `spend.csv` | `channel`, `month` (`YYYY-MM`), `amount`, `paid` (`true`/`false`) |
//!
//! Only `customer_id` (resp. `subject_id`, `channel`) and the date and value columns are required;
//! optional columns may be missing. Errors name file, line and column.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use crm_model::{
    AcquisitionSpend, CesScore, CesVersion, CsatScale, CsatScore, Customer, CustomerId,
    CustomerInterner, CustomerKey, CustomerRecord, FunnelEvent, Interaction, InteractionKind,
    MrrMovement, MrrMovementKind, NpsScore, Period, PostalAddress, SurveyAnswer, SurveyResponse,
    Transaction,
};

use crate::error::{IoError, IoResult};
use crate::options::ReadOptions;
use crate::parse::{AmountFormat, DateParser, parse_amount};
use crate::rows::{Row, Skipped};
use crate::table::Table;

/// The columns of `customers.csv` after `customer_id`, in file order: written by the demo,
/// read (each optional) by the report.
const CUSTOMER_FIELDS: [&str; 16] = [
    "person_id",
    "full_name",
    "given_name",
    "family_name",
    "email",
    "phone",
    "company",
    "street",
    "city",
    "region",
    "postcode",
    "country",
    "birth_date",
    "acquired_on",
    "acquisition_channel",
    "source",
];

/// File names inside a data directory.
pub mod names {
    /// Customer records.
    pub const CUSTOMERS: &str = "customers.csv";
    /// Purchases and returns.
    pub const TRANSACTIONS: &str = "transactions.csv";
    /// NPS / CSAT / CES answers.
    pub const SURVEYS: &str = "surveys.csv";
    /// Tickets, complaints and other interactions.
    pub const INTERACTIONS: &str = "interactions.csv";
    /// Subscription MRR movements.
    pub const MRR: &str = "mrr_movements.csv";
    /// Funnel events.
    pub const FUNNEL: &str = "funnel_events.csv";
    /// Marketing spend per channel and month.
    pub const SPEND: &str = "spend.csv";
    /// Every file of a data directory, in the order above.
    pub const ALL: [&str; 7] = [
        CUSTOMERS,
        TRANSACTIONS,
        SURVEYS,
        INTERACTIONS,
        MRR,
        FUNNEL,
        SPEND,
    ];
}

const DATETIME: &str = "%Y-%m-%d %H:%M:%S";

// ---------------------------------------------------------------------------------------------
// Writers
// ---------------------------------------------------------------------------------------------

type Csv = csv::Writer<BufWriter<File>>;

/// Writes the seven files of a data directory ([`names`]) record by record (constant memory):
/// the inverse of the readers, so what it writes reads back as the same records.
///
/// Customer keys are written as external ids through the `id_of` function given to
/// [`DataDirWriter::create`] (for example `|k| interner.id(k)`).
pub struct DataDirWriter {
    dir: PathBuf,
    id_of: Box<dyn Fn(CustomerKey) -> String + Send>,
    customers: Csv,
    transactions: Csv,
    surveys: Csv,
    interactions: Csv,
    mrr: Csv,
    funnel: Csv,
    spend: Csv,
}

impl DataDirWriter {
    /// Creates `dir` and the files with their header rows; `id_of` turns a customer key into the
    /// id written to the files.
    pub fn create(
        dir: &Path,
        id_of: impl Fn(CustomerKey) -> CustomerId + Send + 'static,
    ) -> IoResult<Self> {
        std::fs::create_dir_all(dir).map_err(|source| IoError::Io {
            file: dir.to_path_buf(),
            source,
        })?;
        let open = |name: &str, header: &[&str]| -> IoResult<Csv> {
            let p = dir.join(name);
            let f = File::create(&p).map_err(|source| IoError::Io {
                file: p.clone(),
                source,
            })?;
            let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, f));
            w.write_record(header).map_err(|e| csv_write_error(&p, e))?;
            Ok(w)
        };
        Ok(DataDirWriter {
            dir: dir.to_path_buf(),
            id_of: Box::new(move |k| id_of(k).to_string()),
            customers: open(
                names::CUSTOMERS,
                &[&["customer_id"][..], &CUSTOMER_FIELDS[..]].concat(),
            )?,
            transactions: open(names::TRANSACTIONS, &["customer_id", "date", "amount"])?,
            surveys: open(names::SURVEYS, &["customer_id", "date", "type", "score"])?,
            interactions: open(
                names::INTERACTIONS,
                &["customer_id", "at", "kind", "channel", "resolved_at"],
            )?,
            mrr: open(names::MRR, &["customer_id", "date", "kind", "amount"])?,
            funnel: open(names::FUNNEL, &["subject_id", "stage", "at"])?,
            spend: open(names::SPEND, &["channel", "month", "amount", "paid"])?,
        })
    }

    fn err<'a>(dir: &'a Path, name: &'static str) -> impl Fn(csv::Error) -> IoError + 'a {
        move |e| csv_write_error(&dir.join(name), e)
    }

    /// Writes customer records; `person_id` is the known entity of each record (the demo's
    /// ground truth of which records are the same person), written to the `person_id` column.
    pub fn write_customers(
        &mut self,
        records: &[Customer],
        person_id: Option<&str>,
    ) -> IoResult<()> {
        let dir = self.dir.clone();
        let e = Self::err(&dir, names::CUSTOMERS);
        for c in records {
            let a = c.address.as_ref();
            let opt = |v: Option<&String>| v.map_or("", String::as_str).to_string();
            self.customers
                .write_record([
                    c.id.to_string(),
                    person_id.unwrap_or("").to_string(),
                    opt(c.full_name.as_ref()),
                    opt(c.given_name.as_ref()),
                    opt(c.family_name.as_ref()),
                    opt(c.emails.first()),
                    opt(c.phones.first()),
                    opt(c.company.as_ref()),
                    a.map(|a| a.lines.join(", ")).unwrap_or_default(),
                    opt(a.and_then(|a| a.city.as_ref())),
                    opt(a.and_then(|a| a.region.as_ref())),
                    opt(a.and_then(|a| a.postcode.as_ref())),
                    opt(a.and_then(|a| a.country.as_ref())),
                    c.birth_date.map(|d| d.to_string()).unwrap_or_default(),
                    c.acquired_on.map(|d| d.to_string()).unwrap_or_default(),
                    opt(c.acquisition_channel.as_ref()),
                    opt(c.source.as_ref()),
                ])
                .map_err(&e)?;
        }
        Ok(())
    }

    /// Writes Transaction rows.
    pub fn write_transactions(&mut self, rows: &[Transaction]) -> IoResult<()> {
        let dir = self.dir.clone();
        let id = &self.id_of;
        let e = Self::err(&dir, names::TRANSACTIONS);
        for t in rows {
            self.transactions
                .write_record([
                    id(t.customer()),
                    t.date().to_string(),
                    t.signed_amount().to_string(),
                ])
                .map_err(&e)?;
        }
        Ok(())
    }

    /// Writes SurveyResponse rows.
    pub fn write_surveys(&mut self, rows: &[SurveyResponse]) -> IoResult<()> {
        let dir = self.dir.clone();
        let id = &self.id_of;
        let e = Self::err(&dir, names::SURVEYS);
        for s in rows {
            let (kind, score) = match s.answer {
                SurveyAnswer::Nps { score } => ("nps", score.get()),
                SurveyAnswer::Csat { score } => ("csat", score.get()),
                SurveyAnswer::Ces { score } => ("ces", score.get()),
            };
            self.surveys
                .write_record([
                    s.customer.map(id).unwrap_or_default(),
                    s.date.to_string(),
                    kind.to_string(),
                    score.to_string(),
                ])
                .map_err(&e)?;
        }
        Ok(())
    }

    /// Writes Interaction rows.
    pub fn write_interactions(&mut self, rows: &[Interaction]) -> IoResult<()> {
        let dir = self.dir.clone();
        let id = &self.id_of;
        let e = Self::err(&dir, names::INTERACTIONS);
        for i in rows {
            self.interactions
                .write_record([
                    id(i.customer()),
                    i.at().format(DATETIME).to_string(),
                    kind_name(i.kind()).to_string(),
                    i.channel().unwrap_or("").to_string(),
                    i.resolved_at()
                        .map(|r| r.format(DATETIME).to_string())
                        .unwrap_or_default(),
                ])
                .map_err(&e)?;
        }
        Ok(())
    }

    /// Writes MrrMovement rows.
    pub fn write_mrr_movements(&mut self, rows: &[MrrMovement]) -> IoResult<()> {
        let dir = self.dir.clone();
        let id = &self.id_of;
        let e = Self::err(&dir, names::MRR);
        for m in rows {
            self.mrr
                .write_record([
                    id(m.customer()),
                    m.date().to_string(),
                    mrr_kind_name(m.kind()).to_string(),
                    m.amount().to_string(),
                ])
                .map_err(&e)?;
        }
        Ok(())
    }

    /// Writes FunnelEvent rows.
    pub fn write_funnel_events(&mut self, rows: &[FunnelEvent]) -> IoResult<()> {
        let dir = self.dir.clone();
        let id = &self.id_of;
        let e = Self::err(&dir, names::FUNNEL);
        for f in rows {
            self.funnel
                .write_record([
                    id(f.subject()),
                    f.stage().to_string(),
                    f.at().format(DATETIME).to_string(),
                ])
                .map_err(&e)?;
        }
        Ok(())
    }

    /// Writes the spend rows.
    pub fn write_spend(&mut self, spend: &[AcquisitionSpend]) -> IoResult<()> {
        let dir = self.dir.clone();
        let e = Self::err(&dir, names::SPEND);
        for s in spend {
            self.spend
                .write_record([
                    s.channel().to_string(),
                    s.period().start().format("%Y-%m").to_string(),
                    s.amount().to_string(),
                    s.is_paid().to_string(),
                ])
                .map_err(&e)?;
        }
        Ok(())
    }

    /// Flushes every file.
    pub fn finish(mut self) -> IoResult<()> {
        for (name, w) in [
            (names::CUSTOMERS, &mut self.customers),
            (names::TRANSACTIONS, &mut self.transactions),
            (names::SURVEYS, &mut self.surveys),
            (names::INTERACTIONS, &mut self.interactions),
            (names::MRR, &mut self.mrr),
            (names::FUNNEL, &mut self.funnel),
            (names::SPEND, &mut self.spend),
        ] {
            w.flush().map_err(|source| IoError::Io {
                file: self.dir.join(name),
                source,
            })?;
        }
        Ok(())
    }
}

fn csv_write_error(path: &Path, e: csv::Error) -> IoError {
    match e.into_kind() {
        csv::ErrorKind::Io(source) => IoError::Io {
            file: path.to_path_buf(),
            source,
        },
        other => IoError::input(path, None, None, format!("cannot write: {other:?}")),
    }
}

fn kind_name(k: &InteractionKind) -> &'static str {
    match k {
        InteractionKind::Visit => "visit",
        InteractionKind::Call => "call",
        InteractionKind::Email => "email",
        InteractionKind::Chat => "chat",
        InteractionKind::Complaint { .. } => "complaint",
        InteractionKind::SupportTicket { .. } => "support_ticket",
        InteractionKind::Referral { .. } => "referral",
    }
}

fn mrr_kind_name(k: MrrMovementKind) -> &'static str {
    match k {
        MrrMovementKind::New => "new",
        MrrMovementKind::Expansion => "expansion",
        MrrMovementKind::Contraction => "contraction",
        MrrMovementKind::Churn => "churn",
        MrrMovementKind::Reactivation => "reactivation",
    }
}

// ---------------------------------------------------------------------------------------------
// Readers
// ---------------------------------------------------------------------------------------------

/// What a reader returns: the records and what `--skip-invalid` skipped.
pub struct Loaded<T> {
    /// Records in file order.
    pub rows: Vec<T>,
    /// Skipped rows.
    pub skipped: Skipped,
}

/// Reads the rows of an opened table, calling `parse` on each; handles `--skip-invalid`.
fn read_rows<T>(
    mut table: Table,
    mut tick: impl FnMut(),
    mut parse: impl FnMut(&Row<'_>) -> IoResult<T>,
) -> IoResult<Loaded<T>> {
    let mut rows = Vec::new();
    let skipped = table.for_each_record(|row| {
        tick();
        rows.push(parse(row)?);
        Ok(())
    })?;
    Ok(Loaded { rows, skipped })
}

fn optional(t: &Table, name: &str) -> Option<usize> {
    t.column(name).ok()
}

/// Error helper for one cell.
fn cell_err(path: &Path, row: &Row<'_>, col: &str, msg: impl Into<String>) -> IoError {
    IoError::at(path, row.position(), Some(col), msg)
}

fn non_empty(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_string())
}

fn date_time(
    dates: &DateParser,
    path: &Path,
    row: &Row<'_>,
    col: &str,
    text: &str,
) -> IoResult<NaiveDateTime> {
    let (d, t) = dates.parse(text).map_err(|m| cell_err(path, row, col, m))?;
    Ok(d.and_time(t.unwrap_or(NaiveTime::MIN)))
}

fn key(
    ids: &mut CustomerInterner,
    path: &Path,
    row: &Row<'_>,
    col: &str,
    text: &str,
) -> IoResult<CustomerKey> {
    ids.intern(text)
        .map_err(|e| cell_err(path, row, col, e.to_string()))
}

/// Reads `customers.csv`.
pub fn read_customers(
    path: &Path,
    opts: &ReadOptions,
    ids: &mut CustomerInterner,
    tick: impl FnMut(),
) -> IoResult<Loaded<CustomerRecord>> {
    let dates = DateParser::new(None);
    let t = Table::open(path, opts)?;
    {
        let ci = t.column("customer_id")?;
        let col = |n: &str| optional(&t, n);
        let cols = CUSTOMER_FIELDS.map(col);
        let parse = |row: &Row<'_>| {
            let get = |i: usize| cols[i].map_or("", |c| row.get(c));
            let text = row.get(ci);
            let cid = CustomerId::parse(text)
                .map_err(|e| cell_err(path, row, "customer_id", e.to_string()))?;
            let k = key(ids, path, row, "customer_id", text)?;
            let mut c = Customer::new(cid);
            c.full_name = non_empty(get(1));
            c.given_name = non_empty(get(2));
            c.family_name = non_empty(get(3));
            c.emails = non_empty(get(4)).into_iter().collect();
            c.phones = non_empty(get(5)).into_iter().collect();
            c.company = non_empty(get(6));
            if [7, 8, 9, 10, 11].iter().any(|&i| !get(i).is_empty()) {
                let mut a = PostalAddress::new(non_empty(get(7)));
                a.city = non_empty(get(8));
                a.region = non_empty(get(9));
                a.postcode = non_empty(get(10));
                a.country = non_empty(get(11));
                c.address = Some(a);
            }
            let day = |i: usize, name: &str| -> IoResult<Option<NaiveDate>> {
                let v = get(i);
                if v.is_empty() {
                    return Ok(None);
                }
                dates
                    .parse(v)
                    .map(|(d, _)| Some(d))
                    .map_err(|m| cell_err(path, row, name, m))
            };
            c.birth_date = day(12, "birth_date")?;
            c.acquired_on = day(13, "acquired_on")?;
            c.acquisition_channel = non_empty(get(14));
            c.source = non_empty(get(15));
            Ok(CustomerRecord {
                customer: c,
                key: k,
                person_id: non_empty(get(0)),
            })
        };
        read_rows(t, tick, parse)
    }
}

/// Reads `surveys.csv`.
pub fn read_surveys(
    path: &Path,
    opts: &ReadOptions,
    ids: &mut CustomerInterner,
    tick: impl FnMut(),
) -> IoResult<Loaded<SurveyResponse>> {
    let dates = DateParser::new(None);
    let t = Table::open(path, opts)?;
    {
        let (ci, di, ti, si) = (
            t.column("customer_id")?,
            t.column("date")?,
            t.column("type")?,
            t.column("score")?,
        );
        let parse = |row: &Row<'_>| {
            let customer = match row.get(ci) {
                "" => None,
                text => Some(key(ids, path, row, "customer_id", text)?),
            };
            let date = dates
                .parse(row.get(di))
                .map_err(|m| cell_err(path, row, "date", m))?
                .0;
            let v: u8 = row.get(si).parse().map_err(|_| {
                cell_err(
                    path,
                    row,
                    "score",
                    format!("cannot parse {:?} as a whole-number score", row.get(si)),
                )
            })?;
            let bad = |e: crm_model::ModelError| cell_err(path, row, "score", e.to_string());
            let answer = match row.get(ti).to_ascii_lowercase().as_str() {
                "nps" => SurveyAnswer::Nps {
                    score: NpsScore::new(v).map_err(bad)?,
                },
                "csat" => SurveyAnswer::Csat {
                    score: CsatScore::new(v, CsatScale::OneToFive).map_err(bad)?,
                },
                "ces" => SurveyAnswer::Ces {
                    score: CesScore::new(v, CesVersion::V2).map_err(bad)?,
                },
                other => {
                    return Err(cell_err(
                        path,
                        row,
                        "type",
                        format!("unknown survey type {other:?} (expected nps, csat or ces)"),
                    ));
                }
            };
            Ok(SurveyResponse {
                customer,
                date,
                answer,
            })
        };
        read_rows(t, tick, parse)
    }
}

/// Reads `interactions.csv`.
pub fn read_interactions(
    path: &Path,
    opts: &ReadOptions,
    ids: &mut CustomerInterner,
    tick: impl FnMut(),
) -> IoResult<Loaded<Interaction>> {
    let dates = DateParser::new(None);
    let t = Table::open(path, opts)?;
    {
        let (ci, ai, ki) = (t.column("customer_id")?, t.column("at")?, t.column("kind")?);
        let (chi, ri) = (optional(&t, "channel"), optional(&t, "resolved_at"));
        let parse = |row: &Row<'_>| {
            let k = key(ids, path, row, "customer_id", row.get(ci))?;
            let at = date_time(&dates, path, row, "at", row.get(ai))?;
            let resolved_at = match ri.map_or("", |i| row.get(i)) {
                "" => None,
                text => Some(date_time(&dates, path, row, "resolved_at", text)?),
            };
            let kind = match row.get(ki).to_ascii_lowercase().as_str() {
                "support_ticket" | "ticket" => InteractionKind::SupportTicket { resolved_at },
                "complaint" => InteractionKind::Complaint { resolved_at },
                "call" => InteractionKind::Call,
                "email" => InteractionKind::Email,
                "chat" => InteractionKind::Chat,
                "visit" => InteractionKind::Visit,
                "referral" => InteractionKind::Referral { referred: None },
                other => {
                    return Err(cell_err(
                        path,
                        row,
                        "kind",
                        format!(
                            "unknown interaction kind {other:?} (expected support_ticket, complaint, call, email, chat, visit or referral)"
                        ),
                    ));
                }
            };
            let mut i = Interaction::new(k, at, kind)
                .map_err(|e| cell_err(path, row, "resolved_at", e.to_string()))?;
            if let Some(ch) = chi.map(|c| row.get(c)).filter(|c| !c.is_empty()) {
                i = i.with_channel(ch);
            }
            Ok(i)
        };
        read_rows(t, tick, parse)
    }
}

/// Column names of an MRR movement file; the default names are those of `mrr_movements.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrrColumns {
    /// Customer id (default `customer_id`).
    pub customer: String,
    /// Date of the movement (default `date`).
    pub date: String,
    /// Kind: new, expansion, contraction, churn or reactivation (default `kind`).
    pub kind: String,
    /// MRR amount of the movement, positive (default `amount`).
    pub amount: String,
}

impl Default for MrrColumns {
    fn default() -> Self {
        MrrColumns {
            customer: "customer_id".into(),
            date: "date".into(),
            kind: "kind".into(),
            amount: "amount".into(),
        }
    }
}

/// Parses an MRR movement kind (case-insensitive).
///
/// # Errors
/// A message naming the expected kinds.
pub fn parse_mrr_kind(text: &str) -> Result<MrrMovementKind, String> {
    Ok(match text.trim().to_ascii_lowercase().as_str() {
        "new" => MrrMovementKind::New,
        "expansion" => MrrMovementKind::Expansion,
        "contraction" => MrrMovementKind::Contraction,
        "churn" => MrrMovementKind::Churn,
        "reactivation" => MrrMovementKind::Reactivation,
        _ => {
            return Err(format!(
                "unknown movement kind {text:?} (expected new, expansion, contraction, churn or reactivation)"
            ));
        }
    })
}

/// Reads `mrr_movements.csv` (the default [`MrrColumns`]).
pub fn read_mrr(
    path: &Path,
    opts: &ReadOptions,
    ids: &mut CustomerInterner,
    tick: impl FnMut(),
) -> IoResult<Loaded<MrrMovement>> {
    read_mrr_columns(path, &MrrColumns::default(), opts, ids, tick)
}

/// Reads an MRR movement file with the columns `cols`.
pub fn read_mrr_columns(
    path: &Path,
    cols: &MrrColumns,
    opts: &ReadOptions,
    ids: &mut CustomerInterner,
    tick: impl FnMut(),
) -> IoResult<Loaded<MrrMovement>> {
    let dates = DateParser::new(None);
    let amounts = AmountFormat::from(opts);
    let t = Table::open(path, opts)?;
    let (ci, di, ki, ai) = (
        t.column(&cols.customer)?,
        t.column(&cols.date)?,
        t.column(&cols.kind)?,
        t.column(&cols.amount)?,
    );
    let parse = |row: &Row<'_>| {
        let k = key(ids, path, row, &cols.customer, row.get(ci))?;
        let date = dates
            .parse(row.get(di))
            .map_err(|m| cell_err(path, row, &cols.date, m))?
            .0;
        let kind = parse_mrr_kind(row.get(ki)).map_err(|m| cell_err(path, row, &cols.kind, m))?;
        let amount =
            parse_amount(row.get(ai), amounts).map_err(|m| cell_err(path, row, &cols.amount, m))?;
        MrrMovement::new(k, date, kind, amount)
            .map_err(|e| cell_err(path, row, &cols.amount, e.to_string()))
    };
    read_rows(t, tick, parse)
}

/// Column names of a funnel event file; the default names are those of `funnel_events.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelColumns {
    /// Who moved through the funnel: a customer or lead id (default `subject_id`).
    pub subject: String,
    /// Stage reached (default `stage`).
    pub stage: String,
    /// When (date or date and time; default `at`).
    pub at: String,
}

impl Default for FunnelColumns {
    fn default() -> Self {
        FunnelColumns {
            subject: "subject_id".into(),
            stage: "stage".into(),
            at: "at".into(),
        }
    }
}

/// Reads `funnel_events.csv` (the default [`FunnelColumns`], any stage).
pub fn read_funnel(
    path: &Path,
    opts: &ReadOptions,
    ids: &mut CustomerInterner,
    tick: impl FnMut(),
) -> IoResult<Loaded<FunnelEvent>> {
    read_funnel_columns(path, &FunnelColumns::default(), None, opts, ids, tick)
}

/// Reads a funnel event file with the columns `cols`; with `stages`, a stage not in the list is
/// an error of its row (or a skip).
pub fn read_funnel_columns(
    path: &Path,
    cols: &FunnelColumns,
    stages: Option<&[String]>,
    opts: &ReadOptions,
    ids: &mut CustomerInterner,
    tick: impl FnMut(),
) -> IoResult<Loaded<FunnelEvent>> {
    let dates = DateParser::new(None);
    let t = Table::open(path, opts)?;
    let (si, gi, ai) = (
        t.column(&cols.subject)?,
        t.column(&cols.stage)?,
        t.column(&cols.at)?,
    );
    let parse = |row: &Row<'_>| {
        let k = key(ids, path, row, &cols.subject, row.get(si))?;
        let at = date_time(&dates, path, row, &cols.at, row.get(ai))?;
        let e = FunnelEvent::new(k, row.get(gi), at)
            .map_err(|e| cell_err(path, row, &cols.stage, e.to_string()))?;
        if let Some(list) = stages.filter(|l| !l.is_empty()) {
            if !list.iter().any(|s| s.trim() == e.stage()) {
                return Err(cell_err(
                    path,
                    row,
                    &cols.stage,
                    format!(
                        "stage {:?} is not in --stages {}",
                        e.stage(),
                        list.join(",")
                    ),
                ));
            }
        }
        Ok(e)
    };
    read_rows(t, tick, parse)
}

/// Reads `spend.csv`.
pub fn read_spend(
    path: &Path,
    opts: &ReadOptions,
    tick: impl FnMut(),
) -> IoResult<Loaded<AcquisitionSpend>> {
    let amounts = AmountFormat::from(opts);
    let t = Table::open(path, opts)?;
    {
        let (ci, mi, ai) = (
            t.column("channel")?,
            t.column("month")?,
            t.column("amount")?,
        );
        let pi = optional(&t, "paid");
        let parse = |row: &Row<'_>| {
            let m = row.get(mi);
            let start = NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(m, "%Y-%m-%d"))
                .map_err(|_| {
                    cell_err(
                        path,
                        row,
                        "month",
                        format!("cannot parse {m:?} as a month (expected YYYY-MM)"),
                    )
                })?;
            let start = crm_model::TimeUnit::Month.truncate(start);
            let end = crm_model::TimeUnit::Month
                .add(start, 1)
                .map_err(|e| cell_err(path, row, "month", e.to_string()))?;
            let period =
                Period::new(start, end).map_err(|e| cell_err(path, row, "month", e.to_string()))?;
            let amount =
                parse_amount(row.get(ai), amounts).map_err(|m| cell_err(path, row, "amount", m))?;
            let paid = match pi
                .map_or("true", |i| row.get(i))
                .to_ascii_lowercase()
                .as_str()
            {
                "true" | "1" | "yes" | "" => true,
                "false" | "0" | "no" => false,
                other => {
                    return Err(cell_err(
                        path,
                        row,
                        "paid",
                        format!("expected true or false, got {other:?}"),
                    ));
                }
            };
            AcquisitionSpend::new(row.get(ci), period, amount, paid)
                .map_err(|e| cell_err(path, row, "amount", e.to_string()))
        };
        read_rows(t, tick, parse)
    }
}
