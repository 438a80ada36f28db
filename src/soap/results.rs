//! Per-record results of Create, Update, Delete and the relationship operations.

use crate::generated::tns::RecordResultType;
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
    pub(crate) fn from_wire(index: usize, result: RecordResultType) -> Self {
        RecordResult {
            index,
            code: result.result_code,
            message: result.message.into_option().map(String::from),
            record: result.record,
        }
    }

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

/// All results of a batch, one per input record, in input order.
///
/// ```
/// use convio::soap::{BatchResults, RecordResult};
/// use convio::ResultCode;
///
/// let results = BatchResults::new(vec![
///     RecordResult { index: 0, code: ResultCode::Ok, message: None, record: None },
///     RecordResult { index: 1, code: ResultCode::DuplicateEmail, message: None, record: None },
/// ]);
/// assert!(!results.all_ok());
/// let (ok, failed): (Vec<_>, Vec<_>) = results.iter().partition(|r| r.is_ok());
/// assert_eq!((ok.len(), failed.len()), (1, 1));
/// assert_eq!(results.failures().next().unwrap().index, 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchResults {
    results: Vec<RecordResult>,
}

impl BatchResults {
    /// Wraps results (expected in input order).
    pub fn new(results: Vec<RecordResult>) -> Self {
        BatchResults { results }
    }

    /// Number of results (= number of input records).
    pub fn len(&self) -> usize {
        self.results.len()
    }

    /// `true` for an empty batch.
    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }

    /// `true` when every record was applied.
    pub fn all_ok(&self) -> bool {
        self.results.iter().all(RecordResult::is_ok)
    }

    /// Every result, in input order.
    pub fn iter(&self) -> std::slice::Iter<'_, RecordResult> {
        self.results.iter()
    }

    /// The records the server applied.
    pub fn successes(&self) -> impl Iterator<Item = &RecordResult> {
        self.results.iter().filter(|r| r.is_ok())
    }

    /// The records the server refused, with their codes.
    pub fn failures(&self) -> impl Iterator<Item = &RecordResult> {
        self.results.iter().filter(|r| !r.is_ok())
    }

    /// The results, in input order.
    pub fn into_vec(self) -> Vec<RecordResult> {
        self.results
    }
}

impl IntoIterator for BatchResults {
    type Item = RecordResult;
    type IntoIter = std::vec::IntoIter<RecordResult>;
    fn into_iter(self) -> Self::IntoIter {
        self.results.into_iter()
    }
}
