//! CLI errors: every failure becomes one line on stderr and an exit code.

use std::fmt;
use std::path::PathBuf;

/// A failure of a `crm` command.
#[derive(Debug)]
pub enum CliError {
    /// Bad input data: names the file, line (1-based, as an editor shows it) and column.
    Input {
        /// File.
        file: PathBuf,
        /// 1-based line number, when known.
        line: Option<u64>,
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
    /// Arguments that parse but make no sense together.
    Usage(String),
    /// A library error that is not tied to one input line.
    Library(String),
}

impl CliError {
    /// Exit code: 2 for bad input and usage (the user can fix it), 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Input { .. } | CliError::Usage(_) => 2,
            CliError::Io { .. } | CliError::Library(_) => 2,
        }
    }

    /// An input error.
    pub fn input(
        file: impl Into<PathBuf>,
        line: Option<u64>,
        column: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        CliError::Input {
            file: file.into(),
            line,
            column: column.map(str::to_string),
            message: message.into(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Input {
                file,
                line,
                column,
                message,
            } => {
                write!(f, "{}", file.display())?;
                if let Some(l) = line {
                    write!(f, ":{l}")?;
                }
                write!(f, ": ")?;
                if let Some(c) = column {
                    write!(f, "column {c}: ")?;
                }
                f.write_str(message)
            }
            CliError::Io { file, source } => write!(f, "{}: {source}", file.display()),
            CliError::Usage(m) | CliError::Library(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for CliError {}

/// Result alias.
pub type CliResult<T> = Result<T, CliError>;
