//! Records, fields and field kinds.

use crm_model::chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{DedupError, Result};

/// What a column holds; decides its normaliser, comparator, levels and default survivorship.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A full person name (given and family name in any order).
    Name,
    /// A given (first) name.
    GivenName,
    /// A family name (surname).
    Surname,
    /// An e-mail address.
    Email,
    /// A phone number (normalised to E.164).
    Phone,
    /// A company name (legal suffixes removed).
    Company,
    /// A street address.
    Address,
    /// A postcode / ZIP code.
    Postcode,
    /// A city, suburb or town.
    City,
    /// A state, province or region.
    State,
    /// A date (e.g. date of birth).
    Date,
    /// An identifier or code compared exactly (a one-character typo is a "close" level).
    Exact,
    /// Free text.
    Text,
}

impl FieldKind {
    /// All kinds, in documentation order.
    pub const ALL: [FieldKind; 13] = [
        FieldKind::Name,
        FieldKind::GivenName,
        FieldKind::Surname,
        FieldKind::Email,
        FieldKind::Phone,
        FieldKind::Company,
        FieldKind::Address,
        FieldKind::Postcode,
        FieldKind::City,
        FieldKind::State,
        FieldKind::Date,
        FieldKind::Exact,
        FieldKind::Text,
    ];

    /// The configuration name (`given_name`, `email`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Name => "name",
            FieldKind::GivenName => "given_name",
            FieldKind::Surname => "surname",
            FieldKind::Email => "email",
            FieldKind::Phone => "phone",
            FieldKind::Company => "company",
            FieldKind::Address => "address",
            FieldKind::Postcode => "postcode",
            FieldKind::City => "city",
            FieldKind::State => "state",
            FieldKind::Date => "date",
            FieldKind::Exact => "exact",
            FieldKind::Text => "text",
        }
    }

    /// Parses a configuration name.
    pub fn parse(s: &str) -> Result<FieldKind> {
        let t = s.trim().to_ascii_lowercase();
        FieldKind::ALL
            .into_iter()
            .find(|k| k.as_str() == t)
            .ok_or_else(|| DedupError::InvalidParameter {
                name: "kind",
                reason: format!(
                    "unknown field kind {s:?}; expected one of {}",
                    FieldKind::ALL.map(FieldKind::as_str).join(", ")
                ),
            })
    }

    /// Infers a kind from a column name (`first_name` -> given name, `mobile` -> phone, ...);
    /// `None` for a column that looks like a record id.
    ///
    /// ```
    /// use crm_analytics::dedup::schema::FieldKind;
    /// assert_eq!(FieldKind::infer("given_name"), Some(FieldKind::GivenName));
    /// assert_eq!(FieldKind::infer("E-Mail"), Some(FieldKind::Email));
    /// assert_eq!(FieldKind::infer("soc_sec_id"), Some(FieldKind::Exact));
    /// assert_eq!(FieldKind::infer("rec_id"), None);
    /// ```
    pub fn infer(column: &str) -> Option<FieldKind> {
        let c: String = column
            .trim()
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '_' })
            .collect();
        let has = |w: &[&str]| w.iter().any(|x| c.contains(x));
        if matches!(
            c.as_str(),
            "id" | "rec_id" | "record_id" | "recid" | "customer_id" | "row_id" | "key"
        ) {
            return None;
        }
        Some(if has(&["mail", "邮箱"]) {
            FieldKind::Email
        } else if has(&["phone", "mobile", "tel", "cell", "电话", "手机"]) {
            FieldKind::Phone
        } else if has(&["given", "first", "fname", "forename"]) {
            FieldKind::GivenName
        } else if has(&["surname", "last_name", "lastname", "family", "lname"]) {
            FieldKind::Surname
        } else if has(&[
            "company", "employer", "organi", "org_name", "business", "公司",
        ]) {
            FieldKind::Company
        } else if has(&["postcode", "post_code", "zip", "postal", "邮编"]) {
            FieldKind::Postcode
        } else if has(&["suburb", "city", "town", "locality", "城市"]) {
            FieldKind::City
        } else if has(&["state", "province", "region", "county", "省"]) {
            FieldKind::State
        } else if has(&["date", "dob", "birth", "生日"]) {
            FieldKind::Date
        } else if has(&[
            "number", "_no", "_id", "ssn", "soc_sec", "code", "passport", "tax",
        ]) {
            FieldKind::Exact
        } else if has(&["address", "street", "addr", "地址"]) {
            FieldKind::Address
        } else if has(&["name", "姓名", "contact"]) {
            FieldKind::Name
        } else {
            FieldKind::Text
        })
    }

    /// Whether agreement on a value is weighted by its frequency by default (names, places).
    pub fn default_term_frequency(self) -> bool {
        matches!(
            self,
            FieldKind::Name
                | FieldKind::GivenName
                | FieldKind::Surname
                | FieldKind::City
                | FieldKind::Postcode
                | FieldKind::Company
        )
    }
}

/// One compared field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldSpec {
    /// Column name.
    pub name: String,
    /// Kind.
    pub kind: FieldKind,
    /// Apply the term-frequency adjustment to exact agreement on this field.
    pub term_frequency: bool,
}

impl FieldSpec {
    /// A field with the kind's default term-frequency setting.
    pub fn new(name: impl Into<String>, kind: FieldKind) -> Self {
        FieldSpec {
            name: name.into(),
            kind,
            term_frequency: kind.default_term_frequency(),
        }
    }
}

/// The compared fields, in the order of [`Record::values`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Schema {
    /// Fields.
    pub fields: Vec<FieldSpec>,
}

impl Schema {
    /// A schema from `(name, kind)` pairs.
    pub fn new(fields: impl IntoIterator<Item = FieldSpec>) -> Self {
        Schema {
            fields: fields.into_iter().collect(),
        }
    }

    /// A schema of the columns `names`, in order, each with the kind its name infers
    /// ([`FieldKind::infer`]): the kinds `crm dedup` gives a table's columns when no
    /// configuration names them.
    ///
    /// ```
    /// use crm_analytics::dedup::schema::{FieldKind, Schema};
    /// let s = Schema::infer(["given_name", "surname", "soc_sec_id"])?;
    /// assert_eq!(s.fields[0].kind, FieldKind::GivenName);
    /// assert_eq!(s.fields[2].kind, FieldKind::Exact);
    /// assert!(Schema::infer(["rec_id", "surname"]).is_err());
    /// # Ok::<(), crm_analytics::dedup::DedupError>(())
    /// ```
    ///
    /// # Errors
    /// [`DedupError::ColumnKind`] for a name that infers no kind (it looks like a record id);
    /// [`DedupError::NoColumnToCompare`] for no names.
    pub fn infer<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Result<Schema> {
        let mut fields = Vec::new();
        for name in names {
            let name = name.as_ref();
            let kind = FieldKind::infer(name).ok_or_else(|| DedupError::ColumnKind {
                column: name.to_string(),
                source: Box::new(DedupError::InvalidParameter {
                    name: "column",
                    reason: format!("{name:?} looks like a record id, not a field to compare"),
                }),
            })?;
            fields.push(FieldSpec::new(name, kind));
        }
        if fields.is_empty() {
            return Err(DedupError::NoColumnToCompare);
        }
        Ok(Schema { fields })
    }

    /// Position of the field called `name` (case-insensitive).
    pub fn index(&self, name: &str) -> Result<usize> {
        self.fields
            .iter()
            .position(|f| f.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| DedupError::UnknownField(name.to_string()))
    }
}

/// The columns a run reads from a table, by position in its header: the record id and the
/// compared fields. Made by [`ColumnPlan::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnPlan {
    /// Position of the id column.
    pub id: usize,
    /// Positions of the compared columns, in header order: `schema.fields[i]` describes
    /// `columns[i]`, so a record's values are the cells at these positions.
    pub columns: Vec<usize>,
    /// The compared fields, named after their columns.
    pub schema: Schema,
    /// Whether the kinds were inferred from the column names (no configured fields).
    pub inferred: bool,
}

impl ColumnPlan {
    /// Plans the columns of a table whose header names `header` (in order). `id` and `fields`
    /// are the configured id column and compared columns with their kind names
    /// ([`crate::settings::Settings::id`] and `fields`), as positions the caller looked up in
    /// its table (which knows how names match). Without `id`, the id is the first column
    /// whose name infers no kind (`rec_id`, `record_id`, `id`, `customer_id`, ...); without
    /// `fields`, every other column whose name infers a kind ([`FieldKind::infer`]) is compared.
    ///
    /// ```
    /// use crm_analytics::dedup::schema::{ColumnPlan, FieldKind};
    /// let header: Vec<String> = ["rec_id", "given_name", "surname", "notes_id"].map(String::from).to_vec();
    /// let p = ColumnPlan::new(&header, None, None)?;
    /// assert_eq!((p.id, p.columns.as_slice(), p.inferred), (0, &[1, 2, 3][..], true));
    /// assert_eq!(p.schema.fields[0].kind, FieldKind::GivenName);
    /// let p = ColumnPlan::new(&header, Some(0), Some(&[(2, "surname"), (1, "name")]))?;
    /// assert_eq!((p.columns.as_slice(), p.schema.fields[0].kind), (&[1, 2][..], FieldKind::Name));
    /// assert!(ColumnPlan::new(&header, Some(0), Some(&[(1, "nickname")])).is_err());
    /// # Ok::<(), crm_analytics::dedup::DedupError>(())
    /// ```
    ///
    /// # Errors
    /// [`DedupError::NoIdColumn`], [`DedupError::NoColumnToCompare`], and
    /// [`DedupError::ColumnKind`] for a kind name [`FieldKind::parse`] does not know.
    pub fn new(
        header: &[String],
        id: Option<usize>,
        fields: Option<&[(usize, &str)]>,
    ) -> Result<ColumnPlan> {
        let id = match id {
            Some(i) => i,
            None => (header.iter())
                .position(|h| FieldKind::infer(h).is_none())
                .ok_or(DedupError::NoIdColumn)?,
        };
        let name = |i: usize| header.get(i).cloned().unwrap_or_default();
        let mut cols: Vec<(usize, FieldSpec)> = Vec::new();
        match fields {
            Some(list) => {
                for &(i, kind) in list {
                    let kind = FieldKind::parse(kind).map_err(|e| DedupError::ColumnKind {
                        column: name(i),
                        source: Box::new(e),
                    })?;
                    cols.push((i, FieldSpec::new(name(i), kind)));
                }
                cols.sort_by_key(|c| c.0);
            }
            None => {
                for (i, h) in header.iter().enumerate() {
                    if let Some(k) = FieldKind::infer(h).filter(|_| i != id) {
                        cols.push((i, FieldSpec::new(h.clone(), k)));
                    }
                }
            }
        }
        if cols.is_empty() {
            return Err(DedupError::NoColumnToCompare);
        }
        Ok(ColumnPlan {
            id,
            columns: cols.iter().map(|c| c.0).collect(),
            schema: Schema::new(cols.into_iter().map(|c| c.1)),
            inferred: fields.is_none(),
        })
    }
}

/// One input record: an id, one raw value per schema field (empty = missing), and the metadata
/// survivorship rules may use.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Record {
    /// Record id (unique within a data set).
    pub id: String,
    /// Raw values, aligned with [`Schema::fields`].
    pub values: Vec<String>,
    /// Source system (for source-priority survivorship), if known.
    pub source: Option<String>,
    /// Last update (for most-recent survivorship), if known.
    pub updated: Option<NaiveDate>,
}

impl Record {
    /// A record with an id and values, no source or date.
    pub fn new(id: impl Into<String>, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Record {
            id: id.into(),
            values: values.into_iter().map(Into::into).collect(),
            source: None,
            updated: None,
        }
    }
}
