//! SOAP 1.1 Web Services (`urn:soap.convio.com`): envelopes, faults and operations.
//!
//! Requests and responses are whole [`Envelope`]s of generated types; [`Encoder`] writes
//! them and [`decode_response`] reads them, turning a `soap:Fault` into a typed [`Fault`].

pub mod envelope;
pub mod fault;

pub use envelope::{decode_envelope, decode_response, Encoder};
pub use fault::{Fault, FaultKind};

pub use crate::generated::soapenv::{
    BodyType as Body, EnvelopeType as Envelope, HeaderType as Header,
};
pub use crate::generated::tns;
