//! Support for the generated [`AnyRecord`](crate::AnyRecord) enum: the `xsi:type` that
//! tells record types apart on the wire.

use std::fmt;

use xsd_parser_types::misc::{Namespace, NamespacePrefix};
use xsd_parser_types::quick_xml::{
    BoxedSerializer, DeserializeHelper, Error as XmlError, ErrorKind as XmlErrorKind, Event,
    ResolveResult, SerializeHelper, Serializer,
};

/// Namespace of record types (`ens:` in the documentation).
pub const OBJECTS_NAMESPACE: &str = "urn:object.soap.convio.com";
const XSI_NAMESPACE: &[u8] = b"http://www.w3.org/2001/XMLSchema-instance";

/// Writes a concrete record and adds `xsi:type="ens:<Type>"` to its element.
pub struct AnyRecordSerializer<'ser> {
    inner: BoxedSerializer<'ser>,
    type_name: &'static str,
    tagged: bool,
}

impl<'ser> AnyRecordSerializer<'ser> {
    /// Wraps the serializer of a concrete record type.
    pub fn new(inner: BoxedSerializer<'ser>, type_name: &'static str) -> Self {
        AnyRecordSerializer {
            inner,
            type_name,
            tagged: false,
        }
    }
}

impl fmt::Debug for AnyRecordSerializer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnyRecordSerializer")
            .field("type_name", &self.type_name)
            .finish()
    }
}

impl<'ser> Serializer<'ser> for AnyRecordSerializer<'ser> {
    fn next(&mut self, helper: &mut SerializeHelper) -> Option<Result<Event<'ser>, XmlError>> {
        let event = self.inner.next(helper)?;
        if self.tagged {
            return Some(event);
        }
        Some(event.map(|event| match event {
            Event::Start(mut start) => {
                self.tag(helper, &mut start);
                Event::Start(start)
            }
            Event::Empty(mut start) => {
                self.tag(helper, &mut start);
                Event::Empty(start)
            }
            other => other,
        }))
    }
}

impl AnyRecordSerializer<'_> {
    fn tag(&mut self, helper: &mut SerializeHelper, start: &mut quick_xml::events::BytesStart<'_>) {
        let objects = Namespace::new_const(OBJECTS_NAMESPACE.as_bytes());
        let prefix = match helper.get_namespace_prefix(&objects) {
            Ok(Some(prefix)) => prefix,
            _ => {
                let prefix = NamespacePrefix::new_const(b"ens");
                helper.write_xmlns(start, Some(&prefix), &objects);
                prefix
            }
        };
        let xsi = Namespace::new_const(XSI_NAMESPACE);
        let xsi_prefix = match helper.get_namespace_prefix(&xsi) {
            Ok(Some(prefix)) => prefix,
            _ => {
                let prefix = NamespacePrefix::new_const(b"xsi");
                helper.write_xmlns(start, Some(&prefix), &xsi);
                prefix
            }
        };
        let attribute = format!("{}:type", String::from_utf8_lossy(&xsi_prefix.0));
        let value = if prefix.0.is_empty() {
            self.type_name.to_string()
        } else {
            format!("{}:{}", String::from_utf8_lossy(&prefix.0), self.type_name)
        };
        start.push_attribute((attribute.as_str(), value.as_str()));
        self.tagged = true;
    }
}

/// The record type named by the `xsi:type` of a record's start tag.
///
/// Returns `Ok(None)` when the event is not a start tag. A record without `xsi:type`, or
/// one whose type is outside the record namespace, is an error: guessing would decode
/// fields into the wrong type.
pub fn record_type_name(
    helper: &DeserializeHelper,
    event: &Event<'_>,
) -> Result<Option<String>, XmlError> {
    let (Event::Start(start) | Event::Empty(start)) = event else {
        return Ok(None);
    };
    for attribute in start.attributes() {
        let attribute = attribute?;
        let (namespace, local) = helper.resolve(attribute.key, true);
        let is_xsi = matches!(namespace, ResolveResult::Bound(ns) if ns.0 == XSI_NAMESPACE);
        if !is_xsi || local.as_ref() != b"type" {
            continue;
        }
        let value = std::str::from_utf8(&attribute.value)?.trim().to_string();
        let (namespace, local) = helper.resolve(quick_xml::name::QName(value.as_bytes()), false);
        let in_objects = match namespace {
            ResolveResult::Bound(ns) => ns.0 == OBJECTS_NAMESPACE.as_bytes(),
            _ => false,
        };
        if !in_objects {
            return Err(XmlErrorKind::Custom(Box::new(RecordTypeError::ForeignType(value))).into());
        }
        return Ok(Some(String::from_utf8_lossy(local.as_ref()).into_owned()));
    }
    Err(XmlErrorKind::Custom(Box::new(RecordTypeError::MissingType)).into())
}

/// Error for an `xsi:type` that names no record type of the schema.
pub fn unknown_record_type(name: &str) -> XmlError {
    XmlErrorKind::Custom(Box::new(RecordTypeError::UnknownType(name.to_string()))).into()
}

/// Why a record element could not be given a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordTypeError {
    /// The record element has no `xsi:type`.
    MissingType,
    /// `xsi:type` names a type outside `urn:object.soap.convio.com`.
    ForeignType(String),
    /// `xsi:type` names a type the schema does not declare.
    UnknownType(String),
}

impl fmt::Display for RecordTypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordTypeError::MissingType => f.write_str("record element without xsi:type"),
            RecordTypeError::ForeignType(value) => {
                write!(
                    f,
                    "xsi:type `{value}` is not in namespace {OBJECTS_NAMESPACE}"
                )
            }
            RecordTypeError::UnknownType(name) => {
                write!(f, "xsi:type names unknown record type `{name}`")
            }
        }
    }
}

impl std::error::Error for RecordTypeError {}
