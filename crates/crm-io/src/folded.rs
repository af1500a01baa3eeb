//! The result of a streaming fold and the in-order merge of its parts, shared by the CSV and
//! Parquet folds.

use std::path::Path;

use crm_model::{CustomerInterner, PurchaseFold};

use crate::error::{IoError, IoResult};
use crate::fastcsv::Ids;
use crate::rows::Skipped;

/// What [`crate::fold_purchases`] returns: the merged state, the customer ids (key `k` is
/// `ids.id(k)`) and the rows skipped under [`crate::ReadOptions::skip_invalid`].
pub struct Folded<S> {
    /// The merged state.
    pub state: S,
    /// Customer ids, numbered by first appearance in the file.
    pub ids: CustomerInterner,
    /// Rows skipped, with the first reasons.
    pub skipped: Skipped,
}

/// Merges the next part's ids and state into `acc`, in file order: the first part becomes the
/// accumulator; a later part's keys are re-interned (numbering customers by first appearance)
/// and its state merged through the key map. Shared by the CSV and Parquet folds.
pub(crate) fn merge_part<S: PurchaseFold>(
    acc: &mut Option<(Ids, S)>,
    (part_ids, part_state): (Ids, S),
    path: &Path,
) -> IoResult<()> {
    match acc.as_mut() {
        None => *acc = Some((part_ids, part_state)),
        Some((ids, state)) => {
            let map = ids.remap(&part_ids.interner)?;
            state
                .merge_remapped(part_state, &map)
                .map_err(|e| IoError::input(path, None, None, e.to_string()))?;
        }
    }
    Ok(())
}
