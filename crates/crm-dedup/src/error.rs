//! The one error type of `crm-dedup`.

use crm_model::ModelError;

/// Everything that can go wrong while deduplicating or linking records.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DedupError {
    /// An error from the domain model (parsing, parameters).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A record has a different number of values than the schema has fields.
    #[error("record {index} (id {id:?}): has {found} values but the schema has {expected} fields")]
    RecordWidth {
        /// 0-based position of the record.
        index: usize,
        /// The record's id.
        id: String,
        /// Number of fields in the schema.
        expected: usize,
        /// Number of values the record has.
        found: usize,
    },
    /// The schema has no field that can be compared.
    #[error("the schema has no comparable field")]
    NoFields,
    /// Fewer than two records: nothing to compare.
    #[error("need at least two records to compare, got {0}")]
    TooFewRecords(usize),
    /// A parameter is outside its allowed range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// A field named in a rule or configuration is not in the schema.
    #[error("unknown field {0:?} (not in the schema)")]
    UnknownField(String),
    /// A record id given to a lookup is not present.
    #[error("unknown record id {0:?}")]
    UnknownRecord(String),
    /// The same record id appears twice.
    #[error("record id {id:?} appears twice (records {first} and {second})")]
    DuplicateId {
        /// The id.
        id: String,
        /// 0-based position of its first occurrence.
        first: usize,
        /// 0-based position of the repeat.
        second: usize,
    },
    /// No model was trained (every cluster consists of exact duplicates), so a pair cannot be
    /// explained by one.
    #[error(
        "no match model was trained: after folding exact duplicates fewer than two distinct records (or no candidate pair) remained"
    )]
    NoModel,
    /// One source of a linkage has no records.
    #[error("the {0} source has no records: nothing to link")]
    EmptySource(&'static str),
    /// A record id appears twice in one input of an evaluation.
    #[error("{}: record id {id:?} appears twice (rows {first} and {second})", input.as_str())]
    DuplicateEvalId {
        /// The input (clusters or truth).
        input: EvalInput,
        /// The id.
        id: String,
        /// 0-based row of its first occurrence.
        first: usize,
        /// 0-based row of the repeat.
        second: usize,
    },
    /// A clustered record has no truth row.
    #[error("clusters: record id {id:?} (row {index}) has no truth row")]
    MissingTruth {
        /// The id.
        id: String,
        /// 0-based row in the clusters input.
        index: usize,
    },
    /// No candidate pair survived blocking, so no model can be trained.
    #[error("blocking produced no candidate pairs; add or loosen blocking rules")]
    NoCandidatePairs,
    /// No column of a table looks like a record id (see [`crate::schema::ColumnPlan::new`]).
    #[error(
        "no id column found (expected rec_id, record_id, id or customer_id; set `id` in the config)"
    )]
    NoIdColumn,
    /// No column of a table is compared (see [`crate::schema::ColumnPlan::new`]).
    #[error("no column to compare")]
    NoColumnToCompare,
    /// A column's configured field kind is not one of [`crate::schema::FieldKind::ALL`].
    #[error("{source}")]
    ColumnKind {
        /// The column.
        column: String,
        /// What is wrong with its kind.
        source: Box<DedupError>,
    },
}

/// Result alias for this crate.
pub type Result<T, E = DedupError> = std::result::Result<T, E>;

/// Which input of [`crate::eval::evaluate_cluster_rows`] an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum EvalInput {
    /// The `(record id, cluster id)` rows.
    Clusters,
    /// The `(record id, entity id)` rows.
    Truth,
}

impl EvalInput {
    /// `"clusters"` or `"truth"`.
    pub fn as_str(self) -> &'static str {
        match self {
            EvalInput::Clusters => "clusters",
            EvalInput::Truth => "truth",
        }
    }
}
