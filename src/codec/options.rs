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
#[non_exhaustive]
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

/// The kinds already logged, by a hash of (record type, element): looking one up allocates
/// nothing, so keeping a page of custom fields costs no formatting per field.
static WARNED: Mutex<Option<HashSet<u64>>> = Mutex::new(None);

/// Logs that unknown content was kept, once per (record type, element) for the process. The
/// element is given in parts (joined with `.` in the log); `what` is called only to log.
pub(crate) fn warn_kept(record_type: &[u8], element: &[&str], what: impl FnOnce() -> String) {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    record_type.hash(&mut hasher);
    element.hash(&mut hasher);
    let key = hasher.finish();
    let first = {
        let mut warned = WARNED.lock().unwrap_or_else(|p| p.into_inner());
        let warned = warned.get_or_insert_with(HashSet::new);
        warned.len() < MAX_REMEMBERED && warned.insert(key)
    };
    if !first {
        return;
    }
    let record_type = String::from_utf8_lossy(record_type);
    let element = element.join(".");
    let what = what();
    match (record_type.is_empty(), element.is_empty()) {
        (true, _) => tracing::warn!(element = %element, "{what}; kept (logged once)"),
        (false, true) => tracing::warn!(record_type = %record_type, "{what}; kept (logged once)"),
        (false, false) => tracing::warn!(
            record_type = %record_type,
            element = %element,
            "{what}; kept (logged once)"
        ),
    }
}
