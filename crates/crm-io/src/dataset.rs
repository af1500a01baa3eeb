//! A data set: every kind of CRM record, read from a directory of files (or from files named one
//! by one) into one customer key space.

use std::path::{Path, PathBuf};

use crm_model::{
    AcquisitionSpend, CustomerInterner, CustomerRecord, FunnelEvent, Interaction, MrrMovement,
    SurveyResponse, Transaction,
};

use crate::datafiles::{
    Loaded, names, read_customers, read_funnel, read_interactions, read_mrr, read_spend,
    read_surveys,
};
use crate::error::{IoError, IoResult};
use crate::options::{ReadOptions, TransactionColumns};
use crate::rows::Skipped;
use crate::transactions::load_transactions;

/// The files of a data set: transactions are required, every other kind is optional.
///
/// ```
/// use crm_analytics::io::DataFiles;
/// let dir = std::env::temp_dir().join(format!("crm-io-files-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("surveys.csv"), "customer_id,date,type,score\n")?;
/// let files = DataFiles::in_dir(&dir);
/// assert_eq!(files.transactions, dir.join("transactions.csv"));
/// assert_eq!(files.surveys, Some(dir.join("surveys.csv")));
/// assert_eq!(files.customers, None); // no such file
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataFiles {
    /// Purchases and returns (customer id, date, amount).
    pub transactions: PathBuf,
    /// Customer records (`customer_id`, names, email, phone, company, address, `person_id`).
    pub customers: Option<PathBuf>,
    /// Survey answers (`customer_id`, `date`, `type` = nps|csat|ces, `score`).
    pub surveys: Option<PathBuf>,
    /// Tickets and complaints (`customer_id`, `at`, `kind`, `channel`, `resolved_at`).
    pub interactions: Option<PathBuf>,
    /// MRR movements (`customer_id`, `date`, `kind`, `amount`).
    pub mrr: Option<PathBuf>,
    /// Funnel events (`subject_id`, `stage`, `at`).
    pub funnel: Option<PathBuf>,
    /// Marketing spend (`channel`, `month`, `amount`, `paid`).
    pub spend: Option<PathBuf>,
}

impl DataFiles {
    /// The standard file names of [`names`] in `dir`: the transaction file whether or not it
    /// exists (reading it reports a missing file), every other file only when it exists.
    ///
    /// Where the `.csv` file is absent and a `.parquet` file of the same stem exists (e.g.
    /// `transactions.parquet`), that file is taken instead.
    pub fn in_dir(dir: &Path) -> DataFiles {
        let existing = |name: &str| {
            let csv = dir.join(name);
            let parquet = csv.with_extension("parquet");
            [csv, parquet].into_iter().find(|p| p.exists())
        };
        DataFiles {
            transactions: existing(names::TRANSACTIONS)
                .unwrap_or_else(|| dir.join(names::TRANSACTIONS)),
            customers: existing(names::CUSTOMERS),
            surveys: existing(names::SURVEYS),
            interactions: existing(names::INTERACTIONS),
            mrr: existing(names::MRR),
            funnel: existing(names::FUNNEL),
            spend: existing(names::SPEND),
        }
    }

    /// The files of `dir` ([`DataFiles::in_dir`], none without a directory), each replaced by the
    /// file of `explicit` that is given (its `transactions` when not empty).
    ///
    /// # Errors
    /// No transaction file: neither given nor found in `dir` (the one required input).
    pub fn resolve(dir: Option<&Path>, explicit: DataFiles) -> IoResult<DataFiles> {
        let mut files = dir.map(DataFiles::in_dir).unwrap_or_default();
        if !explicit.transactions.as_os_str().is_empty() {
            files.transactions = explicit.transactions;
        } else if !files.transactions.exists() {
            let expected = dir.map_or_else(|| PathBuf::from("."), |d| d.join(names::TRANSACTIONS));
            let why = "transaction file not found (it is the one required input)";
            return Err(IoError::input(expected, None, None, why));
        }
        let keep = |slot: &mut Option<PathBuf>, given: Option<PathBuf>| {
            if given.is_some() {
                *slot = given;
            }
        };
        keep(&mut files.customers, explicit.customers);
        keep(&mut files.surveys, explicit.surveys);
        keep(&mut files.interactions, explicit.interactions);
        keep(&mut files.mrr, explicit.mrr);
        keep(&mut files.funnel, explicit.funnel);
        keep(&mut files.spend, explicit.spend);
        Ok(files)
    }
}

/// One file read into a [`DataSet`].
#[derive(Debug)]
pub struct FileRead {
    /// Kind of record: `transactions`, `customers`, `surveys`, `interactions`,
    /// `mrr_movements`, `funnel_events` or `spend`.
    pub kind: &'static str,
    /// The file.
    pub path: PathBuf,
    /// Records read.
    pub rows: usize,
    /// Rows skipped under [`ReadOptions::skip_invalid`], with the first reasons.
    pub skipped: Skipped,
}

/// Every record of a data set, keyed in one [`CustomerInterner`] (the transaction file's ids
/// first, in order of first appearance).
#[derive(Debug, Default)]
pub struct DataSet {
    /// Customer ids of every file.
    pub ids: CustomerInterner,
    /// Purchases and returns, in file order.
    pub transactions: Vec<Transaction>,
    /// Customer records, when a customer file was read.
    pub customers: Option<Vec<CustomerRecord>>,
    /// Survey answers.
    pub surveys: Option<Vec<SurveyResponse>>,
    /// Tickets and complaints.
    pub interactions: Option<Vec<Interaction>>,
    /// MRR movements.
    pub mrr: Option<Vec<MrrMovement>>,
    /// Funnel events.
    pub funnel: Option<Vec<FunnelEvent>>,
    /// Funnel stages in order, when known (not read from files; set by the caller).
    pub funnel_stages: Option<Vec<String>>,
    /// Marketing spend.
    pub spend: Option<Vec<AcquisitionSpend>>,
    /// The files read, in reading order.
    pub files: Vec<FileRead>,
}

/// Progress of [`read_data_set`], for a progress display.
#[derive(Debug)]
pub enum ReadEvent<'a> {
    /// A file of this kind starts being read.
    Start(&'static str),
    /// One more row read.
    Row,
    /// A file was read.
    Done(&'a FileRead),
}

/// Reads every file of `files` (transactions first; its ids become the key space of the
/// others), calling `on` as files start, rows are read and files end.
///
/// # Errors
/// A missing transaction file, or any reader's [`IoError`] (file, line, column).
pub fn read_data_set(
    files: &DataFiles,
    cols: &TransactionColumns,
    opts: &ReadOptions,
    on: &mut dyn FnMut(ReadEvent<'_>),
) -> IoResult<DataSet> {
    let tx = &files.transactions;
    if !tx.exists() {
        return Err(IoError::Io {
            file: tx.clone(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let mut data = DataSet::default();
    on(ReadEvent::Start("transactions"));
    let loaded = load_transactions(tx, cols, opts)?;
    finish(
        &mut data.files,
        on,
        "transactions",
        tx,
        loaded.transactions.len(),
        loaded.skipped,
    );
    data.transactions = loaded.transactions;
    data.ids = loaded.ids;

    macro_rules! optional_file {
        ($field:ident, $kind:expr, |$p:ident, $ids:ident, $tick:ident| $read:expr) => {
            if let Some($p) = &files.$field {
                on(ReadEvent::Start($kind));
                let $ids = &mut data.ids;
                let l: Loaded<_> = {
                    let $tick = || on(ReadEvent::Row);
                    $read?
                };
                finish(&mut data.files, on, $kind, $p, l.rows.len(), l.skipped);
                data.$field = Some(l.rows);
            }
        };
    }
    optional_file!(customers, "customers", |p, ids, tick| read_customers(
        p, opts, ids, tick
    ));
    optional_file!(surveys, "surveys", |p, ids, tick| read_surveys(
        p, opts, ids, tick
    ));
    optional_file!(interactions, "interactions", |p, ids, tick| {
        read_interactions(p, opts, ids, tick)
    });
    optional_file!(mrr, "mrr_movements", |p, ids, tick| read_mrr(
        p, opts, ids, tick
    ));
    optional_file!(funnel, "funnel_events", |p, ids, tick| read_funnel(
        p, opts, ids, tick
    ));
    optional_file!(spend, "spend", |p, _ids, tick| read_spend(p, opts, tick));
    Ok(data)
}

fn finish(
    files: &mut Vec<FileRead>,
    on: &mut dyn FnMut(ReadEvent<'_>),
    kind: &'static str,
    path: &Path,
    rows: usize,
    skipped: Skipped,
) {
    files.push(FileRead {
        kind,
        path: path.to_path_buf(),
        rows,
        skipped,
    });
    if let Some(f) = files.last() {
        on(ReadEvent::Done(f));
    }
}
