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
//! An empty value is refused when encoding ([`EncodeError::EmptyValue`](crate::EncodeError::EmptyValue)): the server
//! would silently ignore it, so the caller has to say `Nil` (clear) or `Absent`
//! (leave) instead. When decoding, an empty element is kept as the empty value it is.

use std::fmt;

use serde::{
    Deserialize, Deserializer as SerdeDeserializer, Serialize, Serializer as SerdeSerializer,
};
use xsd_parser_types::quick_xml::{
    DeserializeHelper, Deserializer, DeserializerArtifact, DeserializerOutput, DeserializerResult,
    Error as XmlError, Event, WithDeserializer,
};
use xsd_parser_types::xml::{Nillable, NillableDeserializer};

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
/// // From an Option, say what `None` means: leave the stored value, or clear it.
/// assert_eq!(Field::<u32>::value_or_absent(None), Field::Absent);
/// assert_eq!(Field::<u32>::value_or_nil(None), Field::Nil);
/// assert_eq!(Field::value_or_absent(Some(7)), Field::Value(7));
/// ```
///
/// There is deliberately no `From<Option<T>>`: a silent `.into()` would have to choose
/// between "leave" and "clear" for the caller, and choosing "clear" wipes fields upstream.
///
/// ```compile_fail
/// let nickname: convio::Field<String> = None.into();
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
    /// `Some(v)` sets the field; `None` leaves it as it is upstream ([`Field::Absent`]).
    /// Use this when `None` means "I have no value to send".
    ///
    /// ```
    /// use convio::Field;
    /// let nickname: Option<&str> = None;
    /// assert_eq!(Field::value_or_absent(nickname), Field::Absent);
    /// ```
    pub fn value_or_absent(value: Option<T>) -> Self {
        match value {
            Some(value) => Field::Value(value),
            None => Field::Absent,
        }
    }

    /// `Some(v)` sets the field; `None` clears it upstream ([`Field::Nil`]). Use this when
    /// `None` means "this field has no value any more".
    ///
    /// ```
    /// use convio::Field;
    /// let suffix: Option<&str> = None;
    /// assert_eq!(Field::value_or_nil(suffix), Field::Nil);
    /// ```
    pub fn value_or_nil(value: Option<T>) -> Self {
        match value {
            Some(value) => Field::Value(value),
            None => Field::Nil,
        }
    }

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

/// An XML nillable value: nil stays nil.
impl<T> From<Nillable<T>> for Field<T> {
    fn from(value: Nillable<T>) -> Self {
        Field::value_or_nil(value.0)
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
        Option::<T>::deserialize(deserializer).map(Field::value_or_nil)
    }
}

// ---------------------------------------------------------------- quick-xml glue
//
// The Server API's generated readers (xsd-parser's) use `Field<T>` as their nillable type
// and delegate to xsd-parser-types' `Nillable`. The SOAP types are read and written by the
// crate's codec, where the wire rules are (`codec::field`).

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
