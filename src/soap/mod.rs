//! SOAP 1.1 Web Services (`urn:soap.convio.com`): envelopes, faults, the session and the
//! typed operations.
//!
//! [`Client`] is the entry point. Below it, requests and responses are whole [`Envelope`]s
//! of generated types; [`Encoder`] writes them and [`decode_response`] reads them, turning
//! a `soap:Fault` into a typed [`Fault`].

pub mod client;
pub mod constituent;
pub mod envelope;
pub mod fault;
pub mod pages;
pub mod paths;
pub mod results;
pub mod session;
mod site_schema;
mod wsdl_fetch;

pub use client::{
    schema_ordered_fields, Client, ClientBuilder, RetryPolicy, SyncOptions, WriteOptions,
    MAX_RECORDS_PER_REQUEST,
};
pub use constituent::{EmailOptIn, NewConstituent};
pub use envelope::{
    decode_envelope, decode_envelope_with, decode_response, decode_response_with, Encoder,
};
pub use fault::{Fault, FaultKind};
pub use pages::{IncrementalKind, Pages, MAX_PAGE_SIZE};
pub(crate) use paths::record_field_text;
pub use paths::{record_from_paths, record_to_paths, visit_record_paths};
pub use results::{BatchResults, RecordResult};
pub use session::{Credentials, Secret, SessionPolicy};

pub use crate::generated::soapenv::{
    BodyType as Body, EnvelopeType as Envelope, HeaderType as Header,
};
pub use crate::generated::tns;
