//! The Server API (`/site/SRConsAPI`): `createOrUpdate` and the other constituent methods.
//!
//! Requests are form-encoded POSTs carrying `api_key`, `v=1.0`, `method`,
//! `response_format` and the API administrator's `login_name`/`login_password`. Responses,
//! XML (`http://convio.com/crm/v1.0`) or JSON, decode into the same generated types; an
//! `errorResponse` becomes [`Error::ServerApi`](crate::Error::ServerApi) with a typed
//! [`ErrorCode`].

pub mod client;
pub mod decode;
pub mod error_code;
pub mod generated;
pub mod params;

pub use client::{ServerApiClient, ServerApiClientBuilder};
pub use decode::{decode_response, Response, ResponseFormat, CRM_NAMESPACE};
pub use error_code::ErrorCode;
pub use params::{ConsParams, IdList, Lookup, MIN_GROUP_ID};
