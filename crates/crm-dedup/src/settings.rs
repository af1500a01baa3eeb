//! The user-facing settings of a deduplication or linkage run, as kept in a configuration file
//! (the `crm dedup --config` TOML): id column, field kinds, threshold and a few options, all
//! optional. [`Settings::config`] turns them into a [`DedupConfig`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{DedupError, Result};
use crate::phonetic::PhoneticCode;
use crate::pipeline::DedupConfig;
use crate::schema::Schema;

/// Settings of a run; every one is optional (`None`: the default, or inferred from the
/// column names).
///
/// ```toml
/// id = "rec_id"            # id column (default: inferred: rec_id, record_id, id, customer_id)
/// threshold = 0.5          # match probability for a link
/// min_link_density = 0.5   # chaining guard
/// default_region = "CN"    # phone numbers without country code
/// fold_gmail = false
/// phonetic = "soundex"     # name codes: "soundex" (default) or "double_metaphone"
/// seed = 42                # seed of the u sample
/// [fields]                 # column = kind; columns not listed are ignored
/// name = "name"
/// mobile = "phone"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Id column.
    pub id: Option<String>,
    /// Match probability at or above which two records are linked, in [0, 1].
    pub threshold: Option<f64>,
    /// Chaining guard: minimum link density of a merged cluster.
    pub min_link_density: Option<f64>,
    /// Region of phone numbers without a country code (e.g. `"CN"`).
    pub default_region: Option<String>,
    /// Fold Gmail addresses (dots, `+tags`, googlemail.com).
    pub fold_gmail: Option<bool>,
    /// Phonetic code of names ([`PhoneticCode::parse`] names).
    pub phonetic: Option<String>,
    /// Seed of the u sample.
    pub seed: Option<u64>,
    /// Compared columns and their kinds ([`crate::schema::FieldKind::parse`] names); `None`:
    /// inferred from the column names.
    pub fields: Option<HashMap<String, String>>,
}

impl Settings {
    /// The run configuration for `schema`: [`DedupConfig::new`] with these settings applied;
    /// `threshold`, when given, overrides the settings' threshold.
    ///
    /// ```
    /// use crm_analytics::dedup::settings::Settings;
    /// use crm_analytics::dedup::schema::{FieldKind, FieldSpec, Schema};
    /// let schema = Schema::new([FieldSpec::new("name", FieldKind::Name)]);
    /// let s = Settings { threshold: Some(0.8), phonetic: Some("double_metaphone".into()), ..Settings::default() };
    /// let c = s.config(schema.clone(), None)?;
    /// assert_eq!(c.cluster.threshold, 0.8);
    /// assert_eq!(s.config(schema.clone(), Some(0.6))?.cluster.threshold, 0.6);
    /// assert!(s.config(schema, Some(1.5)).is_err());
    /// # Ok::<(), crm_analytics::dedup::DedupError>(())
    /// ```
    ///
    /// # Errors
    /// [`DedupError::InvalidParameter`]: a threshold outside [0, 1] (`name` = `"threshold"`), an
    /// unknown phonetic code (`name` = `"phonetic"`).
    pub fn config(&self, schema: Schema, threshold: Option<f64>) -> Result<DedupConfig> {
        let mut c = DedupConfig::new(schema);
        if let Some(t) = threshold.or(self.threshold) {
            if !(0.0..=1.0).contains(&t) {
                return Err(DedupError::InvalidParameter {
                    name: "threshold",
                    reason: format!("{t} is not a probability in [0, 1]"),
                });
            }
            c.cluster.threshold = t;
        }
        if let Some(d) = self.min_link_density {
            c.cluster.min_link_density = d;
        }
        if let Some(r) = &self.default_region {
            c.normalize.default_region = r.clone();
        }
        if let Some(f) = self.fold_gmail {
            c.normalize.email.fold_gmail = f;
        }
        if let Some(p) = &self.phonetic {
            c.normalize.phonetic = PhoneticCode::parse(p)?;
        }
        if let Some(s) = self.seed {
            c.seed = s;
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{FieldKind, FieldSpec};

    fn schema() -> Schema {
        Schema::new([
            FieldSpec::new("name", FieldKind::Name),
            FieldSpec::new("email", FieldKind::Email),
        ])
    }

    #[test]
    fn defaults_leave_the_config_alone() {
        assert_eq!(
            Settings::default().config(schema(), None).unwrap(),
            DedupConfig::new(schema())
        );
    }

    #[test]
    fn every_setting_is_applied() {
        let s = Settings {
            min_link_density: Some(0.25),
            default_region: Some("CN".into()),
            fold_gmail: Some(false),
            seed: Some(7),
            ..Settings::default()
        };
        let c = s.config(schema(), None).unwrap();
        assert_eq!(c.cluster.min_link_density, 0.25);
        assert_eq!(c.normalize.default_region, "CN");
        assert!(!c.normalize.email.fold_gmail);
        assert_eq!(c.seed, 7);
    }

    #[test]
    fn bad_values_name_the_setting() {
        let s = Settings {
            phonetic: Some("nysiis".into()),
            ..Settings::default()
        };
        let e = s.config(schema(), None).unwrap_err();
        assert!(matches!(
            e,
            DedupError::InvalidParameter {
                name: "phonetic",
                ..
            }
        ));
        let s = Settings {
            threshold: Some(-0.1),
            ..Settings::default()
        };
        let e = s.config(schema(), None).unwrap_err();
        assert!(matches!(
            e,
            DedupError::InvalidParameter {
                name: "threshold",
                ..
            }
        ));
    }
}
