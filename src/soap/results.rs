//! Per-record results of Create, Update, Delete and the relationship operations.

use crate::error::RecordResult;
use crate::generated::tns::RecordResultType;

impl RecordResult {
    pub(crate) fn from_wire(index: usize, result: RecordResultType) -> Self {
        RecordResult {
            index,
            code: result.result_code,
            message: result.message.into_option().map(String::from),
            record: result.record,
        }
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
