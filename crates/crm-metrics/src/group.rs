//! Drill-down: one mergeable state per group, in one pass.
//!
//! A group is a combination of values of the grouping columns (region, channel, customer type,
//! ...) and, with a period, the start of the period a row's date falls in (week, month,
//! quarter: [`crm_model::TimeUnit::truncate`]). [`Groups`] holds one state per group that
//! occurs, made on first sight by the caller's constructor; every metric's state
//! (`NpsState`, `CsatState`, `CesState`, ...) drills down this way, with no per-metric copy of
//! the grouping. Groups merge like their states, so parts of a file or partitions of a
//! table can be grouped apart and combined. The number of groups is bounded by
//! [`Limits::max_groups`] (a column of unique ids must not make a state per row silently).
//!
//! ```
//! use crm_analytics::metrics::group::Groups;
//! use crm_analytics::metrics::satisfaction::NpsState;
//! use crm_analytics::model::{Limits, NpsScore};
//! let mut g = Groups::new(vec!["region".to_string()], Limits::default());
//! for (region, score) in [("north", 10), ("south", 3), ("north", 9)] {
//!     g.state(&[region.to_string()], NpsState::new)?.push(NpsScore::new(score)?);
//! }
//! let north = g.iter().next().unwrap();
//! assert_eq!(north.0, ["north"]);
//! assert_eq!(north.1.finish()?.score, 100.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use crm_model::{Limits, ModelError};

/// One state per group, in the order of the group values (then periods, as ISO dates sort).
#[derive(Debug, Clone, PartialEq)]
pub struct Groups<S> {
    names: Vec<String>,
    states: BTreeMap<Vec<String>, S>,
    limits: Limits,
}

impl<S> Groups<S> {
    /// No group yet; `names` are the group columns (one value per name in every key).
    #[must_use]
    pub fn new(names: Vec<String>, limits: Limits) -> Self {
        Groups {
            names,
            states: BTreeMap::new(),
            limits,
        }
    }

    /// The group columns.
    #[must_use]
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The state of the group `key` (one value per group column), made by `init` on first
    /// sight.
    ///
    /// # Errors
    /// [`ModelError::InvalidParameter`] when `key` has the wrong number of values;
    /// [`ModelError::LimitExceeded`] for a new group beyond [`Limits::max_groups`].
    pub fn state(
        &mut self,
        key: &[String],
        init: impl FnOnce() -> S,
    ) -> Result<&mut S, ModelError> {
        if key.len() != self.names.len() {
            return Err(ModelError::InvalidParameter {
                name: "key",
                reason: format!(
                    "{} values for {} group columns",
                    key.len(),
                    self.names.len()
                ),
            });
        }
        if !self.states.contains_key(key) {
            if self.states.len() >= self.limits.max_groups {
                return Err(self.too_many());
            }
            self.states.insert(key.to_vec(), init());
        }
        self.states
            .get_mut(key)
            .ok_or_else(|| ModelError::InvalidParameter {
                name: "key",
                reason: "group vanished".into(),
            })
    }

    fn too_many(&self) -> ModelError {
        ModelError::LimitExceeded {
            what: "drill-down groups",
            field: "max_groups",
            needed: self.states.len() as u64 + 1,
            limit: self.limits.max_groups as u64,
        }
    }

    /// Merges `other` (the same group columns) with `merge` for groups both have.
    ///
    /// # Errors
    /// Different group columns; the merge's error; more groups than the limit.
    pub fn merge<E: From<ModelError>>(
        &mut self,
        other: Groups<S>,
        mut merge: impl FnMut(&mut S, S) -> Result<(), E>,
    ) -> Result<(), E> {
        if other.names != self.names {
            return Err(ModelError::InvalidParameter {
                name: "groups",
                reason: "cannot merge groups over different columns".into(),
            }
            .into());
        }
        for (k, s) in other.states {
            match self.states.get_mut(&k) {
                Some(mine) => merge(mine, s)?,
                None => {
                    if self.states.len() >= self.limits.max_groups {
                        return Err(self.too_many().into());
                    }
                    self.states.insert(k, s);
                }
            }
        }
        Ok(())
    }

    /// Number of groups.
    #[must_use]
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// `true` without any group.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// `(key, state)` in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&[String], &S)> {
        self.states.iter().map(|(k, s)| (k.as_slice(), s))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn grouping_in_parts_and_merging_equals_one_pass() {
        let rows = [
            ("a", "x", 1u64),
            ("b", "x", 2),
            ("a", "y", 3),
            ("a", "x", 4),
            ("b", "y", 5),
        ];
        let names = key(&["g1", "g2"]);
        let mut whole = Groups::new(names.clone(), Limits::default());
        for (a, b, v) in rows {
            *whole.state(&key(&[a, b]), || 0).unwrap() += v;
        }
        let mut left = Groups::new(names.clone(), Limits::default());
        let mut right = Groups::new(names, Limits::default());
        for (i, (a, b, v)) in rows.into_iter().enumerate() {
            let part = if i < 2 { &mut left } else { &mut right };
            *part.state(&key(&[a, b]), || 0).unwrap() += v;
        }
        left.merge(right, |m: &mut u64, o| -> Result<(), ModelError> {
            *m += o;
            Ok(())
        })
        .unwrap();
        assert_eq!(left, whole);
        let sums: Vec<(Vec<String>, u64)> = whole.iter().map(|(k, s)| (k.to_vec(), *s)).collect();
        assert_eq!(
            sums,
            vec![
                (key(&["a", "x"]), 5),
                (key(&["a", "y"]), 3),
                (key(&["b", "x"]), 2),
                (key(&["b", "y"]), 5)
            ]
        );
    }

    #[test]
    fn the_group_limit_and_key_length_are_errors() {
        let limits = Limits {
            max_groups: 2,
            ..Limits::default()
        };
        let mut g = Groups::new(key(&["id"]), limits);
        g.state(&key(&["1"]), || ()).unwrap();
        g.state(&key(&["2"]), || ()).unwrap();
        g.state(&key(&["1"]), || ()).unwrap();
        let e = g.state(&key(&["3"]), || ()).unwrap_err();
        assert!(
            matches!(
                e,
                ModelError::LimitExceeded {
                    field: "max_groups",
                    ..
                }
            ),
            "{e}"
        );
        assert!(g.state(&key(&["1", "x"]), || ()).is_err());
        assert_eq!(g.len(), 2);
    }
}
