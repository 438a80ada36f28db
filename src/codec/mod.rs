//! Reading and writing XML for the generated types: the one codec under both protocols.
//!
//! It knows nothing of the generated types. `build.rs` invokes its macros
//! (`codec_struct!`, `codec_choice!`, `codec_unit!`) once per generated type with that
//! type's element table, and the macros implement `Decode` and `Encode` with the
//! functions here:
//!
//! | module      | what                                                          |
//! |-------------|---------------------------------------------------------------|
//! | `reader`    | the streaming reader: namespaces, text, keeping unknown content |
//! | `writer`    | tags, complex elements, kept content written back in place    |
//! | `field`     | the [`Field`](crate::Field) wire rules, both ways              |
//! | `leaves`    | typed values walked by field path (for synchronization)       |
//! | `scalar`    | simple values                                                 |
//! | `escape`    | escaping, references, document-wide character checks          |
//! | `element`   | [`Element`] trees and [`Unknown`] content (public)            |
//! | `options`   | [`DecodeOptions`]: keep (default) or refuse unknown content   |
//! | `document_error` | [`DecodeError`], [`EncodeError`](crate::EncodeError) (public, data only) |
//! | `diagnose`  | what a body that cannot be decoded is (for error messages)    |
//!
//! Content a type does not declare is kept by default; see [`Unknown`].

pub(crate) mod diagnose;
pub(crate) mod document_error;
pub(crate) mod element;
pub(crate) mod error;
pub(crate) mod escape;
pub(crate) mod field;
pub(crate) mod leaves;
pub(crate) mod macros;
pub(crate) mod names;
pub(crate) mod options;
pub(crate) mod reader;
pub(crate) mod scalar;
pub(crate) mod scan;
pub(crate) mod writer;

pub use element::{Attribute, Content, Element, Name, Unknown};
pub use options::DecodeOptions;

pub(crate) use error::{ReadError, WriteError};
pub(crate) use field::{read_complex, read_simple, write_field_complex, write_field_scalar};
pub(crate) use leaves::Leaves;
pub(crate) use macros::{codec_choice, codec_struct, codec_unit};
pub(crate) use names::Ns;
pub(crate) use reader::{position_from, Child, Reader};
pub(crate) use scalar::Scalar;
pub(crate) use writer::{
    codec_tag, write_complex, write_kept_at, write_kept_from, write_scalar, Encode, Tag,
};

use document_error::DecodeError;

/// A complex type: read from an element's children.
pub(crate) trait Decode: Sized {
    /// Reads `element` (whose start tag has been read) up to its end tag.
    fn decode<'a>(reader: &mut Reader<'a>, element: &Child<'a>) -> Result<Self, ReadError>;
}

/// Whether a child in namespace `found` is the declared element of namespace `declared`
/// in a type of namespace `parent`. An unqualified element is also accepted qualified with
/// its parent's namespace (documents qualify SOAP fault children that SOAP leaves
/// unqualified).
#[inline]
pub(crate) fn namespace_matches(declared: Ns, parent: Ns, found: Ns) -> bool {
    found == declared || (declared == Ns::Other && found == parent)
}

/// The error for a choice holding an element it does not list.
pub(crate) fn unexpected_choice(reader: &Reader<'_>, child: &Child<'_>, choice: &str) -> ReadError {
    reader
        .error(format!(
            "`{}` is not one of the elements {choice} may hold",
            child.local_str()
        ))
        .within(child.local_str(), None)
}

/// Reads a whole document whose root element is `root` (namespace and local name).
pub(crate) fn read_document<T: Decode>(
    bytes: &[u8],
    root: (Ns, &'static str),
    options: DecodeOptions,
) -> Result<T, DecodeError> {
    let text = escape::checked_document(bytes)?;
    let mut reader = Reader::new(text, options);
    let element = reader.root()?;
    if element.ns() != root.0 || element.local() != root.1.as_bytes() {
        return Err(reader
            .error(format!(
                "the root element is `{}`, expected `{}`",
                element.local_str(),
                root.1
            ))
            .into());
    }
    let value = T::decode(&mut reader, &element).map_err(|e| e.within(root.1, None))?;
    reader.end()?;
    Ok(value)
}

/// Writes a whole document: an XML declaration, then `value` as the root element `tag` with
/// every known namespace declared on it.
pub(crate) fn write_document<T: Encode>(
    value: &T,
    tag: &Tag,
    capacity: usize,
) -> Result<Vec<u8>, WriteError> {
    let mut out = Vec::with_capacity(capacity);
    out.extend_from_slice(br#"<?xml version="1.0" encoding="UTF-8"?>"#);
    out.extend_from_slice(tag.start().as_bytes());
    out.extend_from_slice(names::ROOT_DECLARATIONS.as_bytes());
    writer::write_attributes(&mut out, value.kept_attributes()).map_err(|e| e.within(tag.name))?;
    out.push(b'>');
    value
        .write_children(&mut out)
        .map_err(|e| e.within(tag.name))?;
    out.extend_from_slice(tag.close.as_bytes());
    Ok(out)
}
