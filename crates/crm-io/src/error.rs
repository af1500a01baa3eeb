//! The crate's error: what was wrong and where (file, line or row, column).

use std::fmt;
use std::path::PathBuf;

/// Where in a file an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// A 1-based line of a text file, as an editor shows it.
    Line(u64),
    /// A row of a Parquet file: row group and 1-based row within it.
    Row {
        /// 0-based row group.
        row_group: usize,
        /// 1-based row within the row group.
        row: u64,
    },
    /// A row of an Arrow record batch: batch and 1-based row within it.
    Batch {
        /// 0-based batch.
        batch: usize,
        /// 1-based row within the batch.
        row: u64,
    },
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Line(l) => write!(f, "{l}"),
            Position::Row { row_group, row } => write!(f, "row group {row_group}, row {row}"),
            Position::Batch { batch, row } => write!(f, "batch {batch}, row {row}"),
        }
    }
}

/// A failure to read or write a file.
#[derive(Debug)]
pub enum IoError {
    /// Bad input data: names the file, the position and the column.
    Input {
        /// File.
        file: PathBuf,
        /// Position in the file, when known.
        at: Option<Position>,
        /// Column name, when known.
        column: Option<String>,
        /// What was wrong.
        message: String,
    },
    /// A file could not be opened, read or written.
    Io {
        /// File.
        file: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A model error not tied to one input row (e.g. too many distinct customer ids).
    Model(crm_model::ModelError),
}

impl IoError {
    /// An input error at a line of a text file.
    pub fn input(
        file: impl Into<PathBuf>,
        line: Option<u64>,
        column: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        IoError::Input {
            file: file.into(),
            at: line.map(Position::Line),
            column: column.map(str::to_string),
            message: message.into(),
        }
    }

    /// An input error at any [`Position`].
    pub fn at(
        file: impl Into<PathBuf>,
        at: Position,
        column: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        IoError::Input {
            file: file.into(),
            at: Some(at),
            column: column.map(str::to_string),
            message: message.into(),
        }
    }

    /// What was wrong with the input ([`IoError::Input`]'s message), without file and position.
    #[must_use]
    pub fn message(&self) -> Option<&str> {
        match self {
            IoError::Input { message, .. } => Some(message),
            _ => None,
        }
    }

    /// The same error with `note` appended to an input error's message in parentheses (a way
    /// out, say); other errors unchanged.
    ///
    /// ```
    /// use crm_analytics::io::IoError;
    /// let e = IoError::input("tx.csv", Some(3), Some("date"), "date 2025-01-02 is late");
    /// let e = e.with_note("leave such rows out with --exclude-after-as-of");
    /// assert_eq!(e.to_string(), "tx.csv:3: column date: date 2025-01-02 is late (leave such rows out with --exclude-after-as-of)");
    /// ```
    #[must_use]
    pub fn with_note(mut self, note: &str) -> Self {
        if let IoError::Input { message, .. } = &mut self {
            *message = format!("{message} ({note})");
        }
        self
    }

    /// The 1-based line of a text-file error, when there is one.
    pub fn line(&self) -> Option<u64> {
        match self {
            IoError::Input {
                at: Some(Position::Line(l)),
                ..
            } => Some(*l),
            _ => None,
        }
    }
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IoError::Input {
                file,
                at,
                column,
                message,
            } => {
                write!(f, "{}", file.display())?;
                match at {
                    Some(Position::Line(l)) => write!(f, ":{l}")?,
                    Some(p) => write!(f, ": {p}")?,
                    None => {}
                }
                write!(f, ": ")?;
                if let Some(c) = column {
                    write!(f, "column {c}: ")?;
                }
                f.write_str(message)
            }
            IoError::Io { file, source } => write!(f, "{}: {source}", file.display()),
            IoError::Model(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for IoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            IoError::Io { source, .. } => Some(source),
            IoError::Model(e) => Some(e),
            IoError::Input { .. } => None,
        }
    }
}

impl From<crm_model::ModelError> for IoError {
    fn from(e: crm_model::ModelError) -> Self {
        IoError::Model(e)
    }
}

/// Result alias.
pub type IoResult<T> = Result<T, IoError>;
