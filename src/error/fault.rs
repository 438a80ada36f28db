//! A SOAP fault as data: what kind of failure the server reported, and its words (read from
//! the wire by `soap`).

use std::fmt;

/// What kind of message-level failure the server reported.
///
/// The kind comes from the typed element in the fault's `detail`; when a server leaves
/// the detail out, it is inferred from `faultcode` (e.g. `SESSION_...` -> `Session`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Login refused: unknown user, wrong password or missing API permission.
    Login,
    /// The session token is missing, expired or unknown: log in again.
    Session,
    /// The message does not follow the WSDL (missing, misplaced or invalid elements).
    InvalidMessage,
    /// The message is not well-formed XML; the server says where.
    MalformedMessage {
        /// Line of the problem, if given.
        line: Option<u64>,
        /// Column of the problem, if given.
        column: Option<u64>,
    },
    /// The operation is not part of the WSDL.
    UnsupportedOperation,
    /// The request is well-formed but its values are not acceptable.
    InvalidRequest,
    /// A synchronization is already active, or none is when one is needed.
    Synchronization,
    /// An unexpected error on the server.
    Server,
    /// A fault this crate does not know, kept by its detail element name or faultcode.
    Other(String),
}

/// A SOAP fault returned by the server.
///
/// ```
/// use convio::soap::{decode_response, FaultKind};
///
/// let wire = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
///   <soap:Body><soap:Fault><faultcode>SESSION</faultcode>
///   <faultstring>Session expired</faultstring></soap:Fault></soap:Body></soap:Envelope>"#;
/// let convio::Error::Fault(fault) = decode_response(wire).unwrap_err() else { panic!() };
/// assert_eq!(fault.kind, FaultKind::Session);
/// assert_eq!(fault.message, "Session expired");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The kind, from the detail element or the faultcode.
    pub kind: FaultKind,
    /// `faultcode` as sent, e.g. `MALFORMED_MESSAGE`.
    pub code: String,
    /// `faultstring`: the server's explanation.
    pub message: String,
    /// `faultactor`, if sent.
    pub actor: Option<String>,
}

impl Fault {
    /// `true` when logging in again may make the call succeed.
    ///
    /// ```
    /// use convio::soap::{Fault, FaultKind};
    /// let fault = Fault { kind: FaultKind::Session, code: "SESSION".into(), message: String::new(), actor: None };
    /// assert!(fault.is_session_fault());
    /// ```
    pub fn is_session_fault(&self) -> bool {
        self.kind == FaultKind::Session
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SOAP fault {} ({:?}): {}",
            self.code, self.kind, self.message
        )
    }
}

impl std::error::Error for Fault {}
