//! Survey answers: one column of small whole-number scores, optionally only the rows of one
//! question type (a survey export often holds NPS, CSAT and CES answers in one file, told apart
//! by a `type` column).

use std::path::Path;

use crate::error::{IoError, IoResult};
use crate::options::ReadOptions;
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
    let mut t = Table::open(path, opts)?;
    let ci = t.column(&cols.score)?;
    let kind = cols
        .type_column
        .as_ref()
        .and_then(|(name, kind)| Some((name, t.column(name).ok()?, kind.trim())));
    let (mut answers, mut others) = (0u64, 0u64);
    let skipped = t.for_each_record(|row| {
        if let Some((_, ti, kind)) = kind {
            if !row.get(ti).trim().eq_ignore_ascii_case(kind) {
                others += 1;
                return Ok(());
            }
        }
        let text = row.get(ci);
        text.parse::<u8>()
            .map_err(|_| format!("cannot parse {text:?} as a whole-number score"))
            .and_then(&mut accept)
            .map_err(|m| IoError::input(path, Some(row.line), Some(&cols.score), m))?;
        answers += 1;
        Ok(())
    })?;
    Ok(ScoresRead {
        skipped,
        answers,
        other_types: kind.map(|(name, _, _)| (name.clone(), others)),
    })
}
