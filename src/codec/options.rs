//! How reading treats content the schema does not declare.

use std::collections::HashSet;
use std::sync::Mutex;

/// Options for reading responses.
///
/// By default content the schema lacks is kept (see [`Unknown`](super::Unknown) and
/// [`DynamicRecord`](crate::DynamicRecord)) and logged once per record type and element at
/// `warn` level. Strict reading refuses it instead, with an error naming the element path
/// (`Record[3]/ConsName/Nickname`): for a CI job that should notice when a site's schema
/// drifts from the one the crate was built from.
///
/// ```
/// use convio::codec::DecodeOptions;
///
/// let lenient = DecodeOptions::default();
/// assert!(!lenient.is_strict());
/// assert!(DecodeOptions::strict().is_strict());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    strict: bool,
}

impl DecodeOptions {
    /// Keep unknown content (the default).
    pub fn lenient() -> Self {
        DecodeOptions { strict: false }
    }

    /// Refuse unknown content.
    pub fn strict() -> Self {
        DecodeOptions { strict: true }
    }

    /// Whether unknown content is refused.
    pub fn is_strict(&self) -> bool {
        self.strict
    }
}

/// At most this many distinct warnings are remembered; a hostile server sending ever new
/// element names cannot grow the set (or the log) without bound.
const MAX_REMEMBERED: usize = 1024;

static WARNED: Mutex<Option<HashSet<(String, String)>>> = Mutex::new(None);

/// Logs that unknown content was kept, once per (record type, element) for the process.
pub(crate) fn warn_kept(record_type: &[u8], element: &str, what: &str) {
    let record_type = String::from_utf8_lossy(record_type).into_owned();
    let key = (record_type, element.to_string());
    let first = {
        let mut warned = WARNED.lock().unwrap_or_else(|p| p.into_inner());
        let warned = warned.get_or_insert_with(HashSet::new);
        if warned.len() >= MAX_REMEMBERED || warned.contains(&key) {
            false
        } else {
            warned.insert(key.clone())
        }
    };
    if first {
        match key {
            (record_type, element) if record_type.is_empty() => {
                tracing::warn!(element = %element, "{what}; kept (logged once)")
            }
            (record_type, element) if element.is_empty() => {
                tracing::warn!(record_type = %record_type, "{what}; kept (logged once)")
            }
            (record_type, element) => tracing::warn!(
                record_type = %record_type,
                element = %element,
                "{what}; kept (logged once)"
            ),
        }
    }
}
