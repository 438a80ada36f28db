//! Building new constituents with the email choice made explicit.

use crate::generated::ens::{ConstituentType, NameType};
use crate::{AnyRecord, Field, Text};

/// Whether a new constituent receives email.
///
/// Since LWS 1.32 (2020) the server opts new constituents *out* of email unless
/// `AcceptsEmail` is sent as `true`; [`NewConstituent`] always sends one or the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailOptIn {
    /// Send `AcceptsEmail=true`: the constituent is opted in.
    OptedIn,
    /// Send `AcceptsEmail=false`: the constituent is opted out (the server's default).
    OptedOut,
}

/// A constituent to create, with the email opt-in stated explicitly.
///
/// ```
/// use convio::soap::{EmailOptIn, NewConstituent};
///
/// let record = NewConstituent::new("ada@example.org", EmailOptIn::OptedIn)
///     .name("Ada", "Lovelace")
///     .member_id("CRM-1815")
///     .into_record();
/// let convio::AnyRecord::Constituent(c) = record else { unreachable!() };
/// assert_eq!(c.accepts_email, convio::Field::Value(true));
/// ```
#[derive(Debug, Clone)]
pub struct NewConstituent {
    record: ConstituentType,
}

impl NewConstituent {
    /// A constituent with its primary email and email choice.
    pub fn new(primary_email: impl Into<Text>, email: EmailOptIn) -> Self {
        NewConstituent {
            record: ConstituentType {
                primary_email: Field::Value(primary_email.into()),
                accepts_email: Field::Value(email == EmailOptIn::OptedIn),
                ..Default::default()
            },
        }
    }

    /// First and last name.
    pub fn name(mut self, first: impl Into<Text>, last: impl Into<Text>) -> Self {
        self.record.cons_name = Field::Value(NameType {
            first_name: Field::Value(first.into()),
            last_name: Field::Value(last.into()),
            ..Default::default()
        });
        self
    }

    /// The identifier of the record in the caller's own system.
    pub fn member_id(mut self, member_id: impl Into<Text>) -> Self {
        self.record.member_id = Field::Value(member_id.into());
        self
    }

    /// Any other fields, set on the underlying record.
    pub fn with(mut self, edit: impl FnOnce(&mut ConstituentType)) -> Self {
        edit(&mut self.record);
        self
    }

    /// The record to pass to [`Client::create`](crate::soap::Client::create).
    pub fn into_record(self) -> AnyRecord {
        AnyRecord::Constituent(self.record)
    }
}

impl From<NewConstituent> for AnyRecord {
    fn from(value: NewConstituent) -> Self {
        value.into_record()
    }
}
