//! The outcome of one record of a write, as data (read from the wire by `soap`).

use crate::{AnyRecord, ResultCode};

/// The outcome of one input record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordResult {
    /// Position of the record in the caller's input (0-based), across request splits.
    pub index: usize,
    /// `OK` or the reason the record was refused.
    pub code: ResultCode,
    /// The server's short message, if any.
    pub message: Option<String>,
    /// The identifying fields the server returned (ConsId, MemberId, PrimaryEmail).
    pub record: Option<AnyRecord>,
}

impl RecordResult {
    /// `true` when the server applied this record.
    ///
    /// ```
    /// use convio::soap::RecordResult;
    /// use convio::ResultCode;
    /// let ok = RecordResult { index: 0, code: ResultCode::Ok, message: None, record: None };
    /// assert!(ok.is_ok());
    /// ```
    pub fn is_ok(&self) -> bool {
        self.code == ResultCode::Ok
    }
}
