//! The public errors of reading and writing a document: [`DecodeError`] and [`EncodeError`],
//! data only, with the element path and byte position where they happened.

/// Why a request could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A `Field::Value` would have been an empty element, which the server ignores.
    #[error("element `{element}` has an empty value, which the server would ignore; use Field::Nil to clear it or Field::Absent to leave it unchanged")]
    EmptyValue {
        /// Path of the element, e.g. `Update/Record/ConsName/MiddleName`.
        element: String,
    },
    /// A value contains a character that XML 1.0 cannot carry at all.
    #[error("element `{element}` contains U+{code_point:04X}, which XML 1.0 does not allow")]
    IllegalCharacter {
        /// Path of the element.
        element: String,
        /// The offending character.
        code_point: u32,
    },
    /// A record element could not be typed or another generator-level failure.
    #[error("cannot write element `{element}`: {message}")]
    Xml {
        /// Path of the element being written.
        element: String,
        /// What went wrong.
        message: String,
    },
}

/// Why a response could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The document declares a DTD; entity expansion is never attempted.
    #[error("the document contains a DOCTYPE declaration, which is refused")]
    Doctype,
    /// The body is not what the call expects.
    #[error("expected a {expected} in the SOAP body, found {found}")]
    UnexpectedBody {
        /// Element the call expects.
        expected: &'static str,
        /// Element the server sent.
        found: String,
    },
    /// The XML is malformed or does not match the schema.
    #[error("invalid response{}: {message}", path_suffix(.path, .position))]
    Xml {
        /// What went wrong.
        message: String,
        /// Byte offset in the document, when known.
        position: Option<u64>,
        /// Element path where it went wrong, outermost first.
        path: Vec<String>,
    },
}

fn path_suffix(path: &[String], position: &Option<u64>) -> String {
    let mut out = String::new();
    if !path.is_empty() {
        out.push_str(" at ");
        out.push_str(&path.join("/"));
    }
    if let Some(position) = position {
        out.push_str(&format!(" (byte {position})"));
    }
    out
}

impl From<xsd_parser_types::quick_xml::Error> for DecodeError {
    fn from(error: xsd_parser_types::quick_xml::Error) -> Self {
        DecodeError::Xml {
            message: error.kind.to_string(),
            position: error.position,
            path: error.elements.unwrap_or_default(),
        }
    }
}
