//! Customer records with contact points.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::CustomerId;

/// A postal address as entered; normalisation belongs to `crm-dedup`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PostalAddress {
    /// Street lines (number, street, building, unit), in source order.
    pub lines: Vec<String>,
    /// City or suburb.
    pub city: Option<String>,
    /// State, province or region.
    pub region: Option<String>,
    /// Postal code.
    pub postcode: Option<String>,
    /// Country (name or ISO code, as entered).
    pub country: Option<String>,
}

impl PostalAddress {
    /// An address from street lines.
    #[must_use]
    pub fn new(lines: impl IntoIterator<Item = impl Into<String>>) -> Self {
        PostalAddress {
            lines: lines.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }
    /// Sets the city.
    #[must_use]
    pub fn with_city(mut self, city: impl Into<String>) -> Self {
        self.city = Some(city.into());
        self
    }
    /// Sets the region.
    #[must_use]
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }
    /// Sets the postcode.
    #[must_use]
    pub fn with_postcode(mut self, postcode: impl Into<String>) -> Self {
        self.postcode = Some(postcode.into());
        self
    }
    /// Sets the country.
    #[must_use]
    pub fn with_country(mut self, country: impl Into<String>) -> Self {
        self.country = Some(country.into());
        self
    }
}

/// A customer as the CRM holds it: identity, names, contact points, where they came from.
///
/// Values are kept as entered (Chinese and English alike); `crm-dedup` normalises them.
///
/// ```
/// use crm_analytics::model::{Customer, CustomerId, PostalAddress};
/// let c = Customer::new(CustomerId::parse("C-1")?)
///     .with_full_name("张伟")
///     .with_email("zhang.wei@example.com")
///     .with_phone("+86 138 0013 8000")
///     .with_company("北京某某科技有限公司")
///     .with_address(PostalAddress::new(["朝阳区建国路 88 号"]).with_city("北京"))
///     .with_tag("vip");
/// assert_eq!(c.emails.len(), 1);
/// # Ok::<(), crm_analytics::model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Customer {
    /// External id.
    pub id: CustomerId,
    /// The name as one string, when the source has no split (typical for Chinese names).
    pub full_name: Option<String>,
    /// Given (first) name.
    pub given_name: Option<String>,
    /// Family name (surname).
    pub family_name: Option<String>,
    /// Email addresses, most preferred first.
    pub emails: Vec<String>,
    /// Phone numbers as entered, most preferred first.
    pub phones: Vec<String>,
    /// Company / organisation name.
    pub company: Option<String>,
    /// Postal address.
    pub address: Option<PostalAddress>,
    /// Date of birth, when known (a strong identity field for matching).
    pub birth_date: Option<NaiveDate>,
    /// Date the customer was acquired (first order, sign-up, contract).
    pub acquired_on: Option<NaiveDate>,
    /// Acquisition channel (paid search, referral, store, ...).
    pub acquisition_channel: Option<String>,
    /// Source system or sales rep that entered the record (for survivorship rules).
    pub source: Option<String>,
    /// Free tags.
    pub tags: Vec<String>,
}

impl Customer {
    /// A customer with only an id.
    #[must_use]
    pub fn new(id: CustomerId) -> Self {
        Customer {
            id,
            full_name: None,
            given_name: None,
            family_name: None,
            emails: Vec::new(),
            phones: Vec::new(),
            company: None,
            address: None,
            birth_date: None,
            acquired_on: None,
            acquisition_channel: None,
            source: None,
            tags: Vec::new(),
        }
    }
    /// Sets the full name.
    #[must_use]
    pub fn with_full_name(mut self, v: impl Into<String>) -> Self {
        self.full_name = Some(v.into());
        self
    }
    /// Sets given and family names.
    #[must_use]
    pub fn with_names(mut self, given: impl Into<String>, family: impl Into<String>) -> Self {
        self.given_name = Some(given.into());
        self.family_name = Some(family.into());
        self
    }
    /// Adds an email.
    #[must_use]
    pub fn with_email(mut self, v: impl Into<String>) -> Self {
        self.emails.push(v.into());
        self
    }
    /// Adds a phone.
    #[must_use]
    pub fn with_phone(mut self, v: impl Into<String>) -> Self {
        self.phones.push(v.into());
        self
    }
    /// Sets the company.
    #[must_use]
    pub fn with_company(mut self, v: impl Into<String>) -> Self {
        self.company = Some(v.into());
        self
    }
    /// Sets the address.
    #[must_use]
    pub fn with_address(mut self, v: PostalAddress) -> Self {
        self.address = Some(v);
        self
    }
    /// Sets the birth date.
    #[must_use]
    pub fn with_birth_date(mut self, v: NaiveDate) -> Self {
        self.birth_date = Some(v);
        self
    }
    /// Sets the acquisition date and channel.
    #[must_use]
    pub fn with_acquisition(mut self, on: NaiveDate, channel: impl Into<String>) -> Self {
        self.acquired_on = Some(on);
        self.acquisition_channel = Some(channel.into());
        self
    }
    /// Sets the source.
    #[must_use]
    pub fn with_source(mut self, v: impl Into<String>) -> Self {
        self.source = Some(v.into());
        self
    }
    /// Adds a tag.
    #[must_use]
    pub fn with_tag(mut self, v: impl Into<String>) -> Self {
        self.tags.push(v.into());
        self
    }
}

/// A customer as read from a customer table: the record, its key in the caller's
/// [`CustomerInterner`](crate::CustomerInterner), and the id of the real person behind it when the
/// data carries one (the ground truth that deduplication is evaluated against, e.g. in
/// synthetic data).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRecord {
    /// The record.
    pub customer: Customer,
    /// Its key.
    pub key: crate::CustomerKey,
    /// Records with the same person id are the same person.
    pub person_id: Option<String>,
}
