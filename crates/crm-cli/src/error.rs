//! CLI errors: every failure becomes one line on stderr and an exit code.

use std::fmt;
use std::path::PathBuf;

use crm_analytics::io::IoError;

/// A failure of a `crm` command.
#[derive(Debug)]
pub enum CliError {
    /// Bad input data or an unreadable file: names the file, line (or row) and column.
    Read(IoError),
    /// A file could not be opened, read or written.
    Io {
        /// File.
        file: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Arguments that parse but make no sense together.
    Usage(String),
    /// A library error that is not tied to one input line.
    Library(String),
}

impl CliError {
    /// The error of an I/O operation on `file`.
    pub fn io(file: &std::path::Path) -> impl Fn(std::io::Error) -> CliError + '_ {
        |source| CliError::Io {
            file: file.to_path_buf(),
            source,
        }
    }

    /// Exit code: 2 for bad input and usage (the user can fix it), 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Read(_) | CliError::Usage(_) => 2,
            CliError::Io { .. } | CliError::Library(_) => 2,
        }
    }

    /// A library error not tied to one input line.
    pub fn lib(e: impl fmt::Display) -> Self {
        CliError::Library(e.to_string())
    }

    /// An input error.
    pub fn input(
        file: impl Into<PathBuf>,
        line: Option<u64>,
        column: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        CliError::Read(IoError::input(file, line, column, message))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Read(e) => write!(f, "{e}"),
            CliError::Io { file, source } => write!(f, "{}: {source}", file.display()),
            CliError::Usage(m) | CliError::Library(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for CliError {}

/// Library errors that need no file context become [`CliError::Library`] through `?`.
macro_rules! library_errors {
    ($($t:ty),*) => {$(impl From<$t> for CliError {
        fn from(e: $t) -> Self { CliError::lib(e) }
    })*};
}
use crm_analytics::{churn::ChurnError, clv::ClvError, demo::DemoError, rfm::RfmError};
use crm_analytics::{metrics::MetricsError, model::ModelError};
library_errors!(
    MetricsError,
    ModelError,
    ClvError,
    RfmError,
    ChurnError,
    DemoError,
    serde_json::Error
);

impl From<IoError> for CliError {
    fn from(e: IoError) -> Self {
        CliError::Read(e)
    }
}

/// Result alias.
pub type CliResult<T> = Result<T, CliError>;
