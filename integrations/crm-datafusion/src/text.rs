//! Deduplication normalisers and comparators as SQL scalars (`crm_analytics::dedup`).

use std::sync::Arc;

use crm_analytics::dedup::compare;
use crm_analytics::dedup::normalize::{self, EmailOptions};
use crm_analytics::dedup::prepare::NormalizeOptions;
use datafusion::arrow::array::{Array, ArrayRef, Float64Array, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::cast::{as_boolean_array, as_string_array};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::util::{boolean, check_arity, text};

/// Which text function a [`TextUdf`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    /// `crm_norm_email(s [, fold_gmail])`.
    Email,
    /// `crm_norm_phone(s [, region])`.
    Phone,
    /// `crm_norm_name(s)`.
    Name,
    /// `crm_norm_company(s)`.
    Company,
    /// `crm_jaro_winkler(a, b)`.
    JaroWinkler,
    /// `crm_levenshtein(a, b)`.
    Levenshtein,
}

/// A text scalar: NULL in any argument gives NULL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct TextUdf {
    name: &'static str,
    kind: Kind,
    signature: Signature,
}

impl TextUdf {
    fn new(name: &'static str, kind: Kind) -> Self {
        TextUdf {
            name,
            kind,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
    pub(crate) fn all() -> Vec<Self> {
        vec![
            Self::new("crm_norm_email", Kind::Email),
            Self::new("crm_norm_phone", Kind::Phone),
            Self::new("crm_norm_name", Kind::Name),
            Self::new("crm_norm_company", Kind::Company),
            Self::new("crm_jaro_winkler", Kind::JaroWinkler),
            Self::new("crm_levenshtein", Kind::Levenshtein),
        ]
    }
}

impl ScalarUDFImpl for TextUdf {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let f = self.name;
        match self.kind {
            Kind::Email => {
                check_arity(f, arg_types, 1, 2)?;
                let mut out = vec![text(f, "e-mail", &arg_types[0])?];
                if let Some(t) = arg_types.get(1) {
                    out.push(boolean(f, "fold_gmail", t)?);
                }
                Ok(out)
            }
            Kind::Phone => {
                check_arity(f, arg_types, 1, 2)?;
                let names = ["phone", "region"];
                arg_types
                    .iter()
                    .zip(names)
                    .map(|(t, n)| text(f, n, t))
                    .collect()
            }
            Kind::Name | Kind::Company => {
                check_arity(f, arg_types, 1, 1)?;
                Ok(vec![text(f, "value", &arg_types[0])?])
            }
            Kind::JaroWinkler | Kind::Levenshtein => {
                check_arity(f, arg_types, 2, 2)?;
                Ok(vec![
                    text(f, "a", &arg_types[0])?,
                    text(f, "b", &arg_types[1])?,
                ])
            }
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            Kind::JaroWinkler | Kind::Levenshtein => DataType::Float64,
            _ => DataType::Utf8,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let first = as_string_array(&arrays[0])?;
        let n = first.len();
        let out: ArrayRef = match self.kind {
            Kind::Email => {
                let fold = match arrays.get(1) {
                    Some(a) => Some(as_boolean_array(a)?),
                    None => None,
                };
                Arc::new(map_strings(first, |i, s| {
                    let fold_gmail = match fold {
                        Some(f) if f.is_null(i) => return None,
                        Some(f) => f.value(i),
                        None => EmailOptions::default().fold_gmail,
                    };
                    normalize::email(s, EmailOptions { fold_gmail })
                }))
            }
            Kind::Phone => {
                let region = match arrays.get(1) {
                    Some(a) => Some(as_string_array(a)?),
                    None => None,
                };
                let default = NormalizeOptions::default().default_region;
                let mut bad = None;
                let out = map_strings(first, |i, s| {
                    let r = match region {
                        Some(r) if r.is_null(i) => return None,
                        Some(r) => r.value(i),
                        None => default.as_str(),
                    };
                    if !valid_region(r) {
                        bad.get_or_insert_with(|| r.to_string());
                        return None;
                    }
                    normalize::phone(s, r)
                });
                if let Some(r) = bad {
                    return exec_err!(
                        "{}: region {r:?} is not an ISO 3166 alpha-2 code (e.g. \"CN\", \"US\")",
                        self.name
                    );
                }
                Arc::new(out)
            }
            Kind::Name => Arc::new(map_strings(first, |_, s| Some(normalize::person_name(s)))),
            Kind::Company => Arc::new(map_strings(first, |_, s| Some(normalize::company(s)))),
            Kind::JaroWinkler | Kind::Levenshtein => {
                let second = as_string_array(&arrays[1])?;
                let f = match self.kind {
                    Kind::JaroWinkler => compare::jaro_winkler,
                    _ => compare::levenshtein,
                };
                Arc::new(
                    (0..n)
                        .map(|i| {
                            (first.is_valid(i) && second.is_valid(i))
                                .then(|| f(first.value(i), second.value(i)))
                        })
                        .collect::<Float64Array>(),
                )
            }
        };
        Ok(ColumnarValue::Array(out))
    }
}

/// Two ASCII letters (surrounding spaces and case are ignored, as the native normaliser does).
fn valid_region(r: &str) -> bool {
    let r = r.trim();
    r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic())
}

/// `f(row, value)` over the non-NULL values; NULL stays NULL, `None` becomes NULL.
fn map_strings(a: &StringArray, mut f: impl FnMut(usize, &str) -> Option<String>) -> StringArray {
    (0..a.len())
        .map(|i| {
            if a.is_valid(i) {
                f(i, a.value(i))
            } else {
                None
            }
        })
        .collect()
}
