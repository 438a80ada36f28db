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
    general_reader_only: bool,
}

impl DecodeOptions {
    /// Keep unknown content (the default).
    pub fn lenient() -> Self {
        DecodeOptions::default()
    }

    /// Refuse unknown content.
    pub fn strict() -> Self {
        DecodeOptions {
            strict: true,
            ..DecodeOptions::default()
        }
    }

    /// Whether unknown content is refused.
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// Reads every element through the general XML reader, without the quick path that
    /// reads a field like `<ens:City>Austin</ens:City>` in one step. What is read is the
    /// same either way (the crate's property tests compare the two); this is for checking
    /// that claim on a site's own pages, or ruling the quick path out while chasing a
    /// problem.
    ///
    /// ```
    /// use convio::codec::DecodeOptions;
    ///
    /// let page = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
    ///   <QueryResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com"
    ///       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
    ///     <Record xsi:type="ens:Constituent"><ens:ConsId>1001</ens:ConsId></Record>
    ///   </QueryResponse></soap:Body></soap:Envelope>"#;
    /// let quick = convio::soap::decode_response(page)?;
    /// let general = convio::soap::decode_response_with(page, DecodeOptions::default().general_reader_only())?;
    /// assert_eq!(format!("{quick:?}"), format!("{general:?}"));
    /// # Ok::<(), convio::Error>(())
    /// ```
    pub fn general_reader_only(self) -> Self {
        DecodeOptions {
            general_reader_only: true,
            ..self
        }
    }

    /// Whether simple elements may be read in one step (see [`general_reader_only`](Self::general_reader_only)).
    pub(crate) fn reads_whole_elements(&self) -> bool {
        !self.general_reader_only
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
