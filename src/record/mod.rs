//! Records of any type: the generated [`AnyRecord`](crate::AnyRecord) enum, told apart on
//! the wire by `xsi:type`, with a [`DynamicRecord`] variant for record types the schema
//! does not declare; and the open enumerations the schema's extensible value lists become.

mod dynamic;
pub(crate) mod tables;

pub use dynamic::DynamicRecord;

use crate::codec::{Attribute, Child, Ns, ReadError, Reader, Tag, WriteError};

/// Namespace of record types (`ens:` in the documentation).
pub const OBJECTS_NAMESPACE: &str = "urn:object.soap.convio.com";

/// A record type the schema declares: one of the variants of
/// [`AnyRecord`](crate::AnyRecord), reached with [`AnyRecord::get`](crate::AnyRecord::get).
pub trait TypedRecord: Sized {
    /// The record, when `record` is one of this type.
    fn from_any(record: &crate::AnyRecord) -> Option<&Self>;
    /// The record, when `record` is one of this type, taken out.
    fn from_any_owned(record: crate::AnyRecord) -> Option<Self>;
}

/// Reads a record whose `xsi:type` names no typed record type.
///
/// When reading strictly this is refused; otherwise the record is kept whole as a
/// [`DynamicRecord`], and the first of each type is logged.
pub(crate) fn decode_dynamic<'a>(
    reader: &mut Reader<'a>,
    element: &Child<'a>,
) -> Result<DynamicRecord, ReadError> {
    let (type_name, why) = match element.xsi_type() {
        Some((Ns::Objects, local)) => (local, "is not in the schema"),
        Some((_, local)) => (local, "is outside the record namespace"),
        None => (&b""[..], "is missing (no xsi:type)"),
    };
    let shown = String::from_utf8_lossy(type_name).into_owned();
    if reader.is_strict() {
        return Err(reader.error(format!("record type `{shown}` {why} (strict reading)")));
    }
    reader.note_dynamic_record(type_name);
    let attributes = reader.record_attributes(element)?;
    let fields = reader.within_record(type_name, |reader| reader.keep_children(element))?;
    Ok(DynamicRecord::from_parts(shown, fields, attributes))
}

/// Writes a record as the element `tag` with `xsi:type="ens:{type_name}"`.
pub(crate) fn write_record(
    out: &mut Vec<u8>,
    tag: &Tag,
    type_name: &str,
    attributes: &[Attribute],
    children: impl FnOnce(&mut Vec<u8>) -> Result<(), WriteError>,
) -> Result<usize, WriteError> {
    out.extend_from_slice(tag.start().as_bytes());
    out.extend_from_slice(br#" xsi:type="ens:"#);
    crate::codec::escape::escape_into(out, type_name).map_err(|e| e.within(tag.name))?;
    out.push(b'"');
    crate::codec::writer::write_attributes(out, attributes).map_err(|e| e.within(tag.name))?;
    out.push(b'>');
    let start = out.len();
    children(out).map_err(|e| e.within(tag.name))?;
    let written = out.len() - start;
    out.extend_from_slice(tag.close.as_bytes());
    Ok(written)
}

/// Defines `AnyRecord` over the record types `build.rs` found in the schema (every complex
/// type extending `ens:Record`) plus dynamic records, with `xsi:type` dispatch both ways.
macro_rules! any_record {
    ($($name:ident => $type:path,)+) => {
        /// A record of any type, told apart on the wire by `xsi:type`: a typed record of a
        /// type the schema declares, or a [`DynamicRecord`](crate::DynamicRecord) of any
        /// other (a site's VolunteerRegistration, say).
        #[derive(Debug, Clone, PartialEq)]
        pub enum AnyRecord {
            $(
                #[doc = concat!("`ens:", stringify!($name), "`")]
                $name($type),
            )+
            /// A record of a type the schema does not declare, kept as a field tree.
            Dynamic($crate::DynamicRecord),
        }

        impl AnyRecord {
            /// Every record type name the schema declares (the typed ones).
            pub const TYPE_NAMES: &'static [&'static str] = &[$(stringify!($name)),+];

            /// Local name of the record type, as written in `xsi:type`.
            pub fn type_name(&self) -> &str {
                match self {
                    $(AnyRecord::$name(_) => stringify!($name),)+
                    AnyRecord::Dynamic(record) => record.type_name(),
                }
            }

            /// Content of a typed record that its type does not declare (`None` for a
            /// dynamic record, which is all content of that kind).
            pub fn unknown(&self) -> Option<&$crate::codec::Unknown> {
                match self {
                    $(AnyRecord::$name(record) => Some(&record.unknown),)+
                    AnyRecord::Dynamic(_) => None,
                }
            }

            /// Whether `type_name` is a typed record type.
            pub fn is_typed(type_name: &str) -> bool {
                Self::TYPE_NAMES.contains(&type_name)
            }

            /// The record as a `T` when it is one.
            ///
            /// ```
            /// use convio::records::{AnyRecord, Constituent, Donation};
            ///
            /// let record = AnyRecord::from(Constituent { cons_id: Some(7), ..Default::default() });
            /// assert_eq!(record.get::<Constituent>().and_then(|c| c.cons_id), Some(7));
            /// assert!(record.get::<Donation>().is_none());
            /// ```
            pub fn get<T: $crate::record::TypedRecord>(&self) -> Option<&T> {
                T::from_any(self)
            }

            /// The record as a `T` when it is one, taken out.
            pub fn into_typed<T: $crate::record::TypedRecord>(self) -> Option<T> {
                T::from_any_owned(self)
            }
        }

        $(
            impl $crate::record::TypedRecord for $type {
                fn from_any(record: &AnyRecord) -> Option<&Self> {
                    match record {
                        AnyRecord::$name(record) => Some(record),
                        _ => None,
                    }
                }

                fn from_any_owned(record: AnyRecord) -> Option<Self> {
                    match record {
                        AnyRecord::$name(record) => Some(record),
                        _ => None,
                    }
                }
            }
        )+

        $(
            impl From<$type> for AnyRecord {
                fn from(record: $type) -> Self {
                    AnyRecord::$name(record)
                }
            }
        )+

        impl From<$crate::DynamicRecord> for AnyRecord {
            fn from(record: $crate::DynamicRecord) -> Self {
                AnyRecord::Dynamic(record)
            }
        }

        impl $crate::codec::Decode for AnyRecord {
            fn decode<'a>(
                reader: &mut $crate::codec::Reader<'a>,
                element: &$crate::codec::Child<'a>,
            ) -> Result<Self, $crate::codec::ReadError> {
                if let Some(($crate::codec::Ns::Objects, local)) = element.xsi_type() {
                    $(
                        if local == stringify!($name).as_bytes() {
                            return reader.within_record(local, |reader| {
                                <$type as $crate::codec::Decode>::decode(reader, element)
                            }).map(AnyRecord::$name);
                        }
                    )+
                }
                $crate::record::decode_dynamic(reader, element).map(AnyRecord::Dynamic)
            }
        }

        impl $crate::codec::Encode for AnyRecord {
            fn write_element(
                &self,
                out: &mut Vec<u8>,
                tag: &$crate::codec::Tag,
            ) -> Result<usize, $crate::codec::WriteError> {
                $crate::record::write_record(
                    out,
                    tag,
                    self.type_name(),
                    self.kept_attributes(),
                    |out| self.write_children(out),
                )
            }

            fn write_children(&self, out: &mut Vec<u8>) -> Result<(), $crate::codec::WriteError> {
                match self {
                    $(AnyRecord::$name(record) => $crate::codec::Encode::write_children(record, out),)+
                    AnyRecord::Dynamic(record) => record.write_fields(out),
                }
            }

            fn kept_attributes(&self) -> &[$crate::codec::Attribute] {
                match self {
                    $(AnyRecord::$name(record) => $crate::codec::Encode::kept_attributes(record),)+
                    AnyRecord::Dynamic(record) => record.attributes(),
                }
            }
        }

        impl $crate::codec::Leaves for AnyRecord {
            fn visit_leaves(&self, path: &mut String, visit: &mut $crate::codec::leaves::Visit<'_>) {
                match self {
                    $(AnyRecord::$name(record) => $crate::codec::Leaves::visit_leaves(record, path, visit),)+
                    AnyRecord::Dynamic(record) => $crate::codec::Leaves::visit_leaves(record, path, visit),
                }
            }
        }
    };
}
pub(crate) use any_record;

/// Defines an enumeration that keeps values the schema does not list (`Other(String)`),
/// from the values `build.rs` read out of the schema.
macro_rules! open_enum {
    ($name:ident, $xml_name:literal, $($variant:ident => $value:literal,)+) => {
        #[doc = concat!("Values of the schema enumeration `", $xml_name, "`; values a newer server adds are kept in `Other`.")]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
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

        impl $crate::codec::Scalar for $name {
            const KIND: &'static str = concat!("a ", $xml_name);

            fn parse(text: &str) -> Option<Self> {
                text.parse().ok()
            }

            fn write_text(&self, out: &mut Vec<u8>) -> Result<(), $crate::codec::WriteError> {
                $crate::codec::escape::escape_into(out, self.as_str())
            }

            fn text(&self) -> ::std::borrow::Cow<'_, str> {
                ::std::borrow::Cow::Borrowed(self.as_str())
            }
        }
    };
}
pub(crate) use open_enum;
