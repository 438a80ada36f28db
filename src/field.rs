//! The tri-state [`Field<T>`]: absent, nil or a value.
//!
//! Luminate's Update treats the three wire forms of an element differently, so one
//! `Option<T>` cannot say what a caller means:
//!
//! | wire                      | [`Field`]        | effect of an Update |
//! |---------------------------|------------------|---------------------|
//! | element omitted           | [`Field::Absent`]| left unchanged      |
//! | `<X xsi:nil="true"/>`     | [`Field::Nil`]   | cleared             |
//! | `<X>v</X>`                | [`Field::Value`] | set to `v`          |
//! | `<X/>` (empty)            | refused on encode| would be left unchanged |
//!
//! An empty value is refused when encoding (see [`EmptyValueError`]): the server
//! would silently ignore it, so the caller has to say `Nil` (clear) or `Absent`
//! (leave) instead. When decoding, an empty element is kept as the empty value it is.

use std::fmt;

use serde::{
    Deserialize, Deserializer as SerdeDeserializer, Serialize, Serializer as SerdeSerializer,
};
use xsd_parser_types::quick_xml::{
    DeserializeHelper, Deserializer, DeserializerArtifact, DeserializerOutput, DeserializerResult,
    Error as XmlError, ErrorKind as XmlErrorKind, Event, SerializeHelper, Serializer,
    WithDeserializer, WithSerializer,
};
use xsd_parser_types::xml::{Nillable, NillableDeserializer, NillableSerializer};

/// A record field that is either absent, explicitly nil, or carries a value.
///
/// `Default` is [`Field::Absent`], so a record built with `..Default::default()`
/// touches only the fields it names.
///
/// ```
/// use convio::Field;
///
/// let middle: Field<String> = Field::Value("Williamson".into());
/// assert_eq!(middle.as_option(), Some(&"Williamson".to_string()));
///
/// let cleared: Field<String> = Field::Nil;
/// assert!(cleared.is_nil());
///
/// let untouched: Field<String> = Field::default();
/// assert!(untouched.is_absent());
///
/// // `None` means "clear" when converting from an Option.
/// assert_eq!(Field::<u32>::from(None), Field::Nil);
/// assert_eq!(Field::from(Some(7)), Field::Value(7));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field<T> {
    /// Not sent; on Update the server leaves the stored value as it is.
    #[default]
    Absent,
    /// Sent as `xsi:nil="true"`; on Update the server clears the stored value.
    Nil,
    /// Sent with this value; on Update the server stores it.
    Value(T),
}

impl<T> Field<T> {
    /// `true` for [`Field::Absent`].
    ///
    /// ```
    /// assert!(convio::Field::<i32>::Absent.is_absent());
    /// ```
    pub fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }

    /// `true` for [`Field::Nil`].
    ///
    /// ```
    /// assert!(convio::Field::<i32>::Nil.is_nil());
    /// ```
    pub fn is_nil(&self) -> bool {
        matches!(self, Field::Nil)
    }

    /// `true` for [`Field::Value`].
    ///
    /// ```
    /// assert!(convio::Field::Value(1).is_value());
    /// ```
    pub fn is_value(&self) -> bool {
        matches!(self, Field::Value(_))
    }

    /// The value, if there is one.
    ///
    /// ```
    /// use convio::Field;
    /// assert_eq!(Field::Value(3).as_option(), Some(&3));
    /// assert_eq!(Field::<i32>::Nil.as_option(), None);
    /// ```
    pub fn as_option(&self) -> Option<&T> {
        match self {
            Field::Value(value) => Some(value),
            Field::Absent | Field::Nil => None,
        }
    }

    /// The value, if there is one, consuming the field.
    ///
    /// ```
    /// use convio::Field;
    /// assert_eq!(Field::Value(3).into_option(), Some(3));
    /// ```
    pub fn into_option(self) -> Option<T> {
        match self {
            Field::Value(value) => Some(value),
            Field::Absent | Field::Nil => None,
        }
    }

    /// Borrows the value inside, keeping the state.
    ///
    /// ```
    /// use convio::Field;
    /// let name = Field::Value(String::from("Ada"));
    /// assert_eq!(name.as_ref().map(|s| s.len()), Field::Value(3));
    /// ```
    pub fn as_ref(&self) -> Field<&T> {
        match self {
            Field::Absent => Field::Absent,
            Field::Nil => Field::Nil,
            Field::Value(value) => Field::Value(value),
        }
    }

    /// Maps the value, keeping `Absent` and `Nil` as they are.
    ///
    /// ```
    /// use convio::Field;
    /// assert_eq!(Field::Value(2).map(|v| v * 10), Field::Value(20));
    /// assert_eq!(Field::<i32>::Nil.map(|v| v * 10), Field::Nil);
    /// ```
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Field<U> {
        match self {
            Field::Absent => Field::Absent,
            Field::Nil => Field::Nil,
            Field::Value(value) => Field::Value(f(value)),
        }
    }

    /// Keeps `self` unless it is `Absent`, in which case `other` is used.
    ///
    /// This is how an Update applies to a stored field.
    ///
    /// ```
    /// use convio::Field;
    /// assert_eq!(Field::Absent.or(Field::Value(1)), Field::Value(1));
    /// assert_eq!(Field::Nil.or(Field::Value(1)), Field::Nil);
    /// ```
    pub fn or(self, other: Field<T>) -> Field<T> {
        match self {
            Field::Absent => other,
            kept => kept,
        }
    }
}

impl<T> From<Option<T>> for Field<T> {
    /// `Some(v)` becomes `Value(v)`, `None` becomes `Nil` (an explicit clear).
    fn from(value: Option<T>) -> Self {
        match value {
            Some(value) => Field::Value(value),
            None => Field::Nil,
        }
    }
}

impl<T> From<Nillable<T>> for Field<T> {
    fn from(value: Nillable<T>) -> Self {
        value.0.into()
    }
}

/// JSON: `Nil` is `null`, `Value` is the value; `Absent` is the missing key. Put
/// `#[serde(default, skip_serializing_if = "Field::is_absent")]` on struct fields;
/// serializing an `Absent` on its own is an error rather than a silent `null`.
impl<T: Serialize> Serialize for Field<T> {
    fn serialize<S: SerdeSerializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Value(value) => serializer.serialize_some(value),
            Field::Nil => serializer.serialize_none(),
            Field::Absent => Err(serde::ser::Error::custom(
                "Field::Absent has no value of its own; skip it with skip_serializing_if = \"Field::is_absent\"",
            )),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: SerdeDeserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(deserializer).map(Field::from)
    }
}

/// Returned (inside the codec error) when a `Field::Value` would be written as an
/// empty element, which the server reads as "leave unchanged".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmptyValueError {
    /// The element that would have been empty.
    pub element: String,
}

impl fmt::Display for EmptyValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "element `{}` has an empty value, which the server would ignore; \
             use Field::Nil to clear it or Field::Absent to leave it unchanged",
            self.element
        )
    }
}

impl std::error::Error for EmptyValueError {}

// ---------------------------------------------------------------- quick-xml glue
//
// The generated types use `Field<T>` as their nillable type. Writing and reading
// delegate to xsd-parser-types' `Nillable`, so the `xsi:nil` handling is theirs;
// `Absent` writes nothing, and an empty value is refused.

impl<T: WithSerializer> WithSerializer for Field<T> {
    type Serializer<'x>
        = FieldSerializer<'x, T>
    where
        T: 'x;

    fn serializer<'ser>(
        &'ser self,
        name: Option<&'ser str>,
        is_root: bool,
    ) -> Result<Self::Serializer<'ser>, XmlError> {
        let name = name.unwrap_or("Field");
        Ok(match self {
            Field::Absent => FieldSerializer::Done,
            Field::Nil => FieldSerializer::Nil(NillableSerializer::Nil { name }),
            Field::Value(value) => FieldSerializer::Value {
                inner: value.serializer(Some(name), is_root)?,
                name,
                queued: None,
                checked: false,
            },
        })
    }
}

/// Event source for one [`Field`]; see [`WithSerializer`].
pub enum FieldSerializer<'ser, T: WithSerializer + 'ser> {
    /// Writing the value; until `checked`, watching that the element is not empty.
    Value {
        /// The value's own serializer.
        inner: T::Serializer<'ser>,
        /// Element name, for the empty-value error.
        name: &'ser str,
        /// An event read ahead while checking for emptiness.
        queued: Option<Event<'ser>>,
        /// Whether the element is known to have content.
        checked: bool,
    },
    /// Writing `<name xsi:nil="true"/>`.
    Nil(NillableSerializer<'ser, T>),
    /// Nothing (more) to write.
    Done,
}

impl<'ser, T: WithSerializer + 'ser> fmt::Debug for FieldSerializer<'ser, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldSerializer::Value { name, .. } => {
                f.debug_struct("Value").field("name", name).finish()
            }
            FieldSerializer::Nil(inner) => f.debug_tuple("Nil").field(inner).finish(),
            FieldSerializer::Done => f.write_str("Done"),
        }
    }
}

/// An error raised while this element's start tag was still held back: the element
/// path seen by the writer lacks this element, so it is added to the error.
fn within(name: &str, mut error: XmlError) -> XmlError {
    if let XmlErrorKind::Custom(inner) = &mut error.kind {
        if let Some(empty) = inner.downcast_mut::<EmptyValueError>() {
            empty.element = format!("{name}/{}", empty.element);
        }
    }
    error
}

fn empty_value_error(name: &str) -> XmlError {
    XmlErrorKind::Custom(Box::new(EmptyValueError {
        element: name.to_string(),
    }))
    .into()
}

impl<'ser, T: WithSerializer + 'ser> Serializer<'ser> for FieldSerializer<'ser, T> {
    fn next(&mut self, helper: &mut SerializeHelper) -> Option<Result<Event<'ser>, XmlError>> {
        match self {
            FieldSerializer::Done => None,
            FieldSerializer::Nil(inner) => inner.next(helper),
            FieldSerializer::Value {
                inner,
                name,
                queued,
                checked,
            } => {
                if let Some(event) = queued.take() {
                    return Some(Ok(event));
                }
                let event = match inner.next(helper)? {
                    Ok(event) => event,
                    Err(error) => return Some(Err(error)),
                };
                if *checked {
                    return Some(Ok(event));
                }
                match event {
                    Event::Empty(_) => Some(Err(empty_value_error(name))),
                    Event::Start(start) => loop {
                        match inner.next(helper) {
                            None | Some(Ok(Event::End(_))) => {
                                return Some(Err(empty_value_error(name)))
                            }
                            Some(Err(error)) => return Some(Err(within(name, error))),
                            Some(Ok(Event::Text(text))) if text.is_empty() => continue,
                            Some(Ok(content)) => {
                                *checked = true;
                                *queued = Some(content);
                                return Some(Ok(Event::Start(start)));
                            }
                        }
                    },
                    other => {
                        *checked = true;
                        Some(Ok(other))
                    }
                }
            }
        }
    }
}

impl<T: WithDeserializer> WithDeserializer for Field<T> {
    type Deserializer = FieldDeserializer<T>;
}

/// Reader for one [`Field`]: `xsi:nil` gives `Nil`, anything else `Value`. The
/// parent struct turns a missing element into `Absent`.
pub struct FieldDeserializer<T: WithDeserializer>(NillableDeserializer<T>);

impl<T: WithDeserializer> fmt::Debug for FieldDeserializer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FieldDeserializer").field(&self.0).finish()
    }
}

fn lift<'de, T: WithDeserializer>(
    output: DeserializerOutput<'de, Nillable<T>>,
) -> DeserializerOutput<'de, Field<T>> {
    let DeserializerOutput {
        artifact,
        event,
        allow_any,
    } = output;
    let artifact = match artifact {
        DeserializerArtifact::None => DeserializerArtifact::None,
        DeserializerArtifact::Data(value) => DeserializerArtifact::Data(Field::from(value)),
        DeserializerArtifact::Deserializer(inner) => {
            DeserializerArtifact::Deserializer(FieldDeserializer(inner))
        }
    };
    DeserializerOutput {
        artifact,
        event,
        allow_any,
    }
}

impl<'de, T: WithDeserializer> Deserializer<'de, Field<T>> for FieldDeserializer<T> {
    fn init(
        helper: &mut DeserializeHelper,
        event: Event<'de>,
    ) -> DeserializerResult<'de, Field<T>> {
        NillableDeserializer::<T>::init(helper, event).map(lift)
    }

    fn next(
        self,
        helper: &mut DeserializeHelper,
        event: Event<'de>,
    ) -> DeserializerResult<'de, Field<T>> {
        self.0.next(helper, event).map(lift)
    }

    fn finish(self, helper: &mut DeserializeHelper) -> Result<Field<T>, XmlError> {
        self.0.finish(helper).map(Field::from)
    }
}
