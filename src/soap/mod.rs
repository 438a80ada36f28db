//! SOAP 1.1 Web Services (`urn:soap.convio.com`): envelopes, faults, the session and the
//! typed operations.
//!
//! [`Client`] is the entry point. Below it, requests and responses are whole [`Envelope`]s
//! of generated types; [`Encoder`] writes them and [`decode_response`] reads them, turning
//! a `soap:Fault` into a typed [`Fault`].

mod call;
mod constituent;
mod envelope;
mod fault;
mod operations;
mod pages;
mod paths;
mod results;
mod session;
mod site_schema;
mod wsdl_fetch;

pub use crate::credentials::{Credentials, Secret};
pub use crate::error::{Fault, FaultKind, RecordResult};
pub use call::{Client, ClientBuilder, RetryPolicy};
pub use constituent::{EmailOptIn, NewConstituent};
pub use envelope::{
    decode_envelope, decode_envelope_with, decode_response, decode_response_with, Encoder,
};
pub use operations::{schema_ordered_fields, SyncOptions, WriteOptions, MAX_RECORDS_PER_REQUEST};
pub use pages::{IncrementalKind, Pages, MAX_PAGE_SIZE};
pub(crate) use paths::record_field_text;
pub use paths::{record_from_paths, record_to_paths, visit_record_paths};
pub use results::BatchResults;
pub use session::SessionPolicy;

pub use crate::generated::soapenv::{
    BodyType as Body, EnvelopeType as Envelope, HeaderType as Header,
};
pub use crate::generated::tns;
