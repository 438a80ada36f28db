//! Typed bindings for the Convio / Luminate Online constituent APIs.
#![warn(missing_docs)]

pub mod field;
pub mod generated;
pub mod record;

pub use field::Field;
pub use generated::{AnyRecord, ResultCode};
pub mod types;
pub use types::{Decimal, Text};
pub mod server_api;
