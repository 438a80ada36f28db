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
        let objects = prefix_for(helper, start, OBJECTS_NAMESPACE.as_bytes(), b"ens");
        let xsi = prefix_for(helper, start, XSI_NAMESPACE, b"xsi");
        let attribute = format!("{}:type", String::from_utf8_lossy(&xsi.0));
        let value = if objects.0.is_empty() {
            self.type_name.to_string()
        } else {
            format!("{}:{}", String::from_utf8_lossy(&objects.0), self.type_name)
        };
        start.push_attribute((attribute.as_str(), value.as_str()));
        self.tagged = true;
    }
}

/// The prefix bound to `namespace` where `start` is written, declaring `fallback` for it
/// on `start` when no prefix is in scope.
fn prefix_for(
    helper: &mut SerializeHelper,
    start: &mut quick_xml::events::BytesStart<'_>,
    namespace: &'static [u8],
    fallback: &'static [u8],
) -> NamespacePrefix {
    let namespace = Namespace::new_const(namespace);
    if let Ok(Some(prefix)) = helper.get_namespace_prefix(&namespace) {
        return prefix;
    }
    let prefix = NamespacePrefix::new_const(fallback);
    helper.write_xmlns(start, Some(&prefix), &namespace);
    prefix
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

/// Defines `AnyRecord` over the record types `build.rs` found in the schema (every complex
/// type extending `ens:Record`), with `xsi:type` dispatch for reading and writing.
#[doc(hidden)]
#[macro_export]
macro_rules! any_record {
    ($($name:ident => $type:path,)+) => {
        /// A record of any type the schema declares, told apart on the wire by `xsi:type`.
        #[derive(Debug, Clone, PartialEq)]
        pub enum AnyRecord {
            $(
                #[doc = concat!("`ens:", stringify!($name), "`")]
                $name($type),
            )+
        }

        impl AnyRecord {
            /// Every record type name the schema declares.
            pub const TYPE_NAMES: &'static [&'static str] = &[$(stringify!($name)),+];

            /// Local name of the record type, as written in `xsi:type`.
            pub fn type_name(&self) -> &'static str {
                match self {
                    $(AnyRecord::$name(_) => stringify!($name),)+
                }
            }
        }

        $(
            impl From<$type> for AnyRecord {
                fn from(record: $type) -> Self {
                    AnyRecord::$name(record)
                }
            }
        )+

        impl ::xsd_parser_types::quick_xml::WithSerializer for AnyRecord {
            type Serializer<'x> = $crate::record::AnyRecordSerializer<'x>;

            fn serializer<'ser>(
                &'ser self,
                name: Option<&'ser str>,
                is_root: bool,
            ) -> Result<Self::Serializer<'ser>, ::xsd_parser_types::quick_xml::Error> {
                use ::xsd_parser_types::quick_xml::WithBoxedSerializer;
                let inner = match self {
                    $(AnyRecord::$name(record) => WithBoxedSerializer::serializer(record, name, is_root)?,)+
                };
                Ok($crate::record::AnyRecordSerializer::new(inner, self.type_name()))
            }
        }

        impl ::xsd_parser_types::quick_xml::WithDeserializer for AnyRecord {
            type Deserializer = AnyRecordDeserializer;
        }

        /// The direct writer's dispatch to the concrete record type.
        #[doc(hidden)]
        pub fn encode_any_record_fast(
            record: &AnyRecord,
            out: &mut Vec<u8>,
        ) -> Result<(), $crate::soap::fast::WriteError> {
            match record {
                $(AnyRecord::$name(record) => $crate::soap::fast::FastEncode::write_children(record, out),)+
            }
        }

        /// The direct reader's dispatch on the `xsi:type` local name.
        #[doc(hidden)]
        pub fn decode_any_record_fast(
            type_name: &[u8],
            reader: &mut $crate::soap::fast::FastReader<'_>,
            element: &$crate::soap::fast::Child<'_>,
        ) -> Result<AnyRecord, $crate::soap::fast::FastError> {
            $(
                if type_name == stringify!($name).as_bytes() {
                    return <$type as $crate::soap::fast::FastDecode>::decode(reader, element).map(AnyRecord::$name);
                }
            )+
            Err($crate::soap::fast::FastError)
        }

        /// Reads a record whose concrete type is named by `xsi:type`.
        #[derive(Debug)]
        pub enum AnyRecordDeserializer {
            $(
                #[doc = concat!("Reading an `ens:", stringify!($name), "`.")]
                $name(<$type as ::xsd_parser_types::quick_xml::WithDeserializer>::Deserializer),
            )+
        }

        impl<'de> ::xsd_parser_types::quick_xml::Deserializer<'de, AnyRecord> for AnyRecordDeserializer {
            fn init(
                helper: &mut ::xsd_parser_types::quick_xml::DeserializeHelper,
                event: ::xsd_parser_types::quick_xml::Event<'de>,
            ) -> ::xsd_parser_types::quick_xml::DeserializerResult<'de, AnyRecord> {
                use ::xsd_parser_types::quick_xml::{Deserializer, DeserializerArtifact, DeserializerEvent, DeserializerOutput, WithDeserializer};
                let Some(type_name) = $crate::record::record_type_name(helper, &event)? else {
                    return Ok(DeserializerOutput {
                        artifact: DeserializerArtifact::None,
                        event: DeserializerEvent::Continue(event),
                        allow_any: false,
                    });
                };
                match type_name.as_str() {
                    $(
                        stringify!($name) => <<$type as WithDeserializer>::Deserializer as Deserializer<'de, $type>>::init(helper, event)
                            .map(|output| $crate::record::lift(output, AnyRecord::$name, AnyRecordDeserializer::$name)),
                    )+
                    other => Err($crate::record::unknown_record_type(other)),
                }
            }

            fn next(
                self,
                helper: &mut ::xsd_parser_types::quick_xml::DeserializeHelper,
                event: ::xsd_parser_types::quick_xml::Event<'de>,
            ) -> ::xsd_parser_types::quick_xml::DeserializerResult<'de, AnyRecord> {
                use ::xsd_parser_types::quick_xml::Deserializer;
                match self {
                    $(
                        AnyRecordDeserializer::$name(inner) => inner
                            .next(helper, event)
                            .map(|output| $crate::record::lift(output, AnyRecord::$name, AnyRecordDeserializer::$name)),
                    )+
                }
            }

            fn finish(
                self,
                helper: &mut ::xsd_parser_types::quick_xml::DeserializeHelper,
            ) -> Result<AnyRecord, ::xsd_parser_types::quick_xml::Error> {
                use ::xsd_parser_types::quick_xml::Deserializer;
                match self {
                    $(AnyRecordDeserializer::$name(inner) => inner.finish(helper).map(AnyRecord::$name),)+
                }
            }
        }
    };
}

/// Re-wraps a concrete record's reader output as the dispatch enum's.
#[doc(hidden)]
pub fn lift<'de, T, R, D>(
    output: xsd_parser_types::quick_xml::DeserializerOutput<'de, T>,
    data: fn(T) -> R,
    deserializer: fn(T::Deserializer) -> D,
) -> xsd_parser_types::quick_xml::DeserializerOutput<'de, R>
where
    T: xsd_parser_types::quick_xml::WithDeserializer,
    R: xsd_parser_types::quick_xml::WithDeserializer<Deserializer = D>,
{
    use xsd_parser_types::quick_xml::{DeserializerArtifact as A, DeserializerOutput};
    let artifact = match output.artifact {
        A::None => A::None,
        A::Data(value) => A::Data(data(value)),
        A::Deserializer(inner) => A::Deserializer(deserializer(inner)),
    };
    DeserializerOutput {
        artifact,
        event: output.event,
        allow_any: output.allow_any,
    }
}

/// Defines an enumeration that keeps values the schema does not list (`Other(String)`),
/// from the values `build.rs` read out of the schema.
#[doc(hidden)]
#[macro_export]
macro_rules! open_enum {
    ($name:ident, $xml_name:literal, $($variant:ident => $value:literal,)+) => {
        #[doc = concat!("Values of the schema enumeration `", $xml_name, "`; values a newer server adds are kept in `Other`.")]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                #[doc = concat!("`", $value, "`")]
                $variant,
            )+
            /// A value this schema does not list, kept as sent.
            Other(String),
        }

        impl $name {
            /// Every value the schema lists, in schema order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire text of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $value,)+
                    $name::Other(other) => other,
                }
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = ::core::convert::Infallible;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Ok(match text.trim() {
                    $($value => $name::$variant,)+
                    other => $name::Other(other.to_string()),
                })
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::xsd_parser_types::quick_xml::SerializeBytesToString for $name {}
        impl ::xsd_parser_types::quick_xml::DeserializeBytesFromStr for $name {}
    };
}
