//! Typed bindings for the Convio / Luminate Online constituent APIs.
//!
//! - [`soap`]: the SOAP Web Services (`urn:soap.convio.com`), envelopes and faults.
//! - [`server_api`]: the Server API (`/site/SRConsAPI`) response types.
//! - [`Field`]: the absent / nil / value tri-state of every nillable record field.
//! - [`generated`]: the types `build.rs` generates from `schemas/`.
#![warn(missing_docs)]

#[cfg(feature = "emulator")]
pub mod emulator;
pub mod error;
pub mod field;
pub mod generated;
pub mod record;
pub mod server_api;
pub mod soap;
pub mod transport;
pub mod types;
pub mod wsdl;

pub use error::{DecodeError, EncodeError, Error};
pub use field::Field;
pub use generated::{AnyRecord, ResultCode};
pub use types::{Decimal, Text};

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
