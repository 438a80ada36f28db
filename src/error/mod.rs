//! Errors of the crate: one enum per layer, each with the context to act on it.

mod error_code;
mod fault;
mod record_result;

pub use crate::codec::document_error::{DecodeError, EncodeError};
use crate::transport::TransportError;
pub use error_code::ErrorCode;
pub use fault::{Fault, FaultKind};
pub use record_result::RecordResult;

/// Anything a call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The HTTP exchange failed; for this operation a failure here means it had no effect
    /// or may safely be sent again (see [`TransportError::request_may_have_reached_server`]).
    /// A configuration problem (an endpoint that is not a usable URL, plain http to a remote
    /// host) is never this but [`Error::Configuration`].
    #[error("{operation}: {source}")]
    Transport {
        /// The operation, e.g. `Update`.
        operation: &'static str,
        /// What failed.
        #[source]
        source: TransportError,
    },
    /// A non-idempotent call (Create) may or may not have been applied: the request may have
    /// reached the server before the exchange failed. It is not replayed; look the records
    /// up before sending them again.
    #[error("{operation}: outcome unknown, the request may have been applied: {source}")]
    OutcomeUnknown {
        /// The operation.
        operation: &'static str,
        /// What failed.
        #[source]
        source: TransportError,
    },
    /// The server answered with an HTTP status and a body that is not a SOAP message.
    #[error("{operation}: HTTP {status}: {excerpt}")]
    HttpStatus {
        /// The operation.
        operation: &'static str,
        /// The HTTP status code.
        status: u16,
        /// The beginning of the body, for diagnosis.
        excerpt: String,
    },
    /// The Server API answered with an `errorResponse`.
    #[error("{method}: Server API error {code}: {message}")]
    ServerApi {
        /// The API method, e.g. `createOrUpdate`.
        method: &'static str,
        /// The HTTP status it came with (403 normally, 200 with `suppress_response_codes`).
        status: u16,
        /// The error code.
        code: ErrorCode,
        /// The server's message.
        message: String,
    },
    /// The caller's input cannot be sent (e.g. a page size over the limit, an unknown field).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The client is not configured well enough to make the call (no endpoint, an endpoint
    /// that is not a usable `https://` URL, plain `http://` to a host that is not loopback,
    /// TLS that cannot be set up, no credentials): nothing was sent, and sending again will
    /// not help until the configuration changes.
    #[error("configuration: {0}")]
    Configuration(String),
    /// The server answered (HTTP 2xx) with a body that is not a message of the API at all:
    /// not XML (or not JSON), not a SOAP envelope, not a response element of the Server
    /// API — an HTML page from a proxy, a truncated document. The exchange failed; the request
    /// reached the server, so a write may or may not have been applied.
    #[error("{operation}: the response (HTTP {status}) is not {expected}: {reason}; it begins: {excerpt}")]
    InvalidResponse {
        /// The operation.
        operation: &'static str,
        /// The HTTP status code.
        status: u16,
        /// What was expected, e.g. `a SOAP envelope`.
        expected: &'static str,
        /// Why the body is not one.
        reason: String,
        /// The beginning of the body, for diagnosis.
        excerpt: String,
    },
    /// A page stream got the same records (by record type and id) on two pages in a row: the
    /// server is not advancing through the pages, and reading on would never end.
    #[error("{operation}: page {page} holds the same records as page {}: the server is not advancing through the pages; stopped", page.saturating_sub(1))]
    RepeatedPage {
        /// The operation, e.g. `Query`.
        operation: &'static str,
        /// The page that repeated the one before.
        page: u64,
    },
    /// A page stream reached its [`max_pages`](crate::soap::Pages::max_pages) limit with
    /// more pages to come.
    #[error("{operation}: stopped after {limit} pages, the limit of pages per download (max_pages); the last page was full, so more may follow")]
    PageLimit {
        /// The operation, e.g. `Query`.
        operation: &'static str,
        /// The limit.
        limit: u64,
    },
    /// The server answered with another body than the operation's response.
    #[error("{operation}: unexpected response body {found}")]
    UnexpectedResponse {
        /// The operation.
        operation: &'static str,
        /// What the body held instead.
        found: String,
    },
    /// The server returned another number of per-record results than records were sent.
    #[error("{operation}: sent {sent} records, received {received} results")]
    ResultCountMismatch {
        /// The operation.
        operation: &'static str,
        /// Records sent in the request.
        sent: usize,
        /// Results in the response.
        received: usize,
    },
    /// A batch larger than one request failed part way: the results of the requests that
    /// completed are kept here, in input order, and `source` says why the rest failed.
    #[error("batch interrupted after {} records: {source}", completed.len())]
    BatchInterrupted {
        /// Results of the records handled before the failure.
        completed: Vec<RecordResult>,
        /// The failure.
        #[source]
        source: Box<Error>,
    },
    /// The request could not be written.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The response could not be read.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The server answered with a SOAP fault.
    #[error(transparent)]
    Fault(#[from] Box<Fault>),
}

impl Error {
    /// The error for a failed exchange: [`Error::Configuration`] when the transport refused
    /// the configuration (see [`TransportError::is_configuration`]), else
    /// [`Error::Transport`].
    pub(crate) fn from_transport(operation: &'static str, source: TransportError) -> Error {
        if source.is_configuration() {
            Error::Configuration(source.to_string())
        } else {
            Error::Transport { operation, source }
        }
    }
}
