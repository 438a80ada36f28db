//! Scalar types the schemas map to where the generator's defaults would lose information.
//!
//! - [`Text`] for `xs:string`: short values (most names, cities, phone numbers) stored inline,
//!   so that reading a page of records does not allocate for each of them.
//! - [`Decimal`] for `xs:decimal`: amounts must not pass through `f64`.
//! - [`DateTime`] and [`Date`] for `xs:dateTime` and `xs:date`: the server's text, exactly,
//!   read as `jiff` values on demand.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

mod date_time;

pub use date_time::{Date, DateTime};

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use xsd_parser_types::quick_xml::DeserializeBytesFromStr;

/// The value of an `xs:string` element. Derefs to `str` and converts from and into `String`.
///
/// Values of up to 24 bytes (most names, cities, phone numbers, emails) are stored inline,
/// so reading a page of records does not allocate for each of them.
///
/// ```
/// use convio::Text;
///
/// let name: Text = "Ada".into();
/// assert_eq!(name, "Ada");
/// assert_eq!(name.len(), 3);
/// let owned: String = name.into();
/// assert_eq!(owned, "Ada");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(CompactString);

impl Text {
    /// Wraps a string.
    ///
    /// ```
    /// assert_eq!(convio::Text::new("x").as_str(), "x");
    /// ```
    pub fn new(value: impl Into<String>) -> Self {
        Text(CompactString::from(value.into()))
    }

    /// The text as a `&str`.
    ///
    /// ```
    /// assert_eq!(convio::Text::from("x").as_str(), "x");
    /// ```
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The text as an owned `String`.
    ///
    /// ```
    /// assert_eq!(convio::Text::from("x").into_string(), String::from("x"));
    /// ```
    pub fn into_string(self) -> String {
        self.0.into_string()
    }

    /// Whether the text lives inside the value (no heap allocation).
    #[cfg(test)]
    pub(crate) fn is_inline(&self) -> bool {
        !self.0.is_heap_allocated()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<String> for Text {
    /// Keeps the string's buffer (no copy).
    fn from(value: String) -> Self {
        Text(CompactString::from(value))
    }
}

impl From<&str> for Text {
    fn from(value: &str) -> Self {
        Text(CompactString::new(value))
    }
}

impl From<Text> for String {
    fn from(value: Text) -> Self {
        value.0.into_string()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.0.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.0.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.0.as_str() == other.as_str()
    }
}

impl FromStr for Text {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Text(CompactString::new(s)))
    }
}

// Reading uses xsd-parser-types' content reader (which trims surrounding whitespace,
// as it does for `String`).
impl DeserializeBytesFromStr for Text {}

/// An exact `xs:decimal`, kept as its canonical text so that no amount is rounded.
///
/// ```
/// use convio::Decimal;
///
/// let amount: Decimal = "12345678901234567.89".parse().unwrap();
/// assert_eq!(amount.to_string(), "12345678901234567.89");
/// assert!("12,50".parse::<Decimal>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Decimal(String);

impl Decimal {
    /// The decimal as written on the wire.
    ///
    /// ```
    /// assert_eq!("1.50".parse::<convio::Decimal>().unwrap().as_str(), "1.50");
    /// ```
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// A text that is not an `xs:decimal`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidDecimal(pub String);

impl fmt::Display for InvalidDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not an xs:decimal", self.0)
    }
}

impl std::error::Error for InvalidDecimal {}

impl FromStr for Decimal {
    type Err = InvalidDecimal;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let digits = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction)
        {
            return Err(InvalidDecimal(s.to_string()));
        }
        Ok(Decimal(trimmed.to_string()))
    }
}

impl TryFrom<String> for Decimal {
    type Error = InvalidDecimal;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Decimal> for String {
    fn from(value: Decimal) -> Self {
        value.0
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl DeserializeBytesFromStr for Decimal {}
