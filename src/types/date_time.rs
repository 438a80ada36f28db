//! Dates and date-times as the service writes them: the server's text kept exactly (it is
//! what goes back on the wire and into a store), with the instant or the calendar date read
//! from it on demand through `jiff`.
//!
//! Why `jiff`: it models the two things the service sends, an instant (`Timestamp`) and a
//! calendar date without a zone (`civil::Date`), as distinct types with correct arithmetic;
//! it is maintained, has no unsafe parsing, and works without a time-zone database (we build
//! it without one: offsets are all the service writes).
//!
//! The spellings read are those the service and its documentation use: `xs:dateTime` with `Z`
//! or a `±hh:mm` offset and optional fractions of a second, the reference's
//! `2009-5-1T00:00:00+0000` (one-digit month and day, offset without a colon), and a space
//! instead of the `T`. Text in any other spelling is still kept; it reads as `None`.

use std::fmt;

use jiff::civil;
use jiff::tz::Offset;
use jiff::Timestamp;

use super::Text;

/// The value of an `xs:dateTime` element: the server's text, exactly, and the instant it
/// names when it has an offset.
///
/// ```
/// use convio::DateTime;
///
/// let documented = DateTime::new("2009-5-1T00:00:00+0000");
/// assert_eq!(documented.as_str(), "2009-5-1T00:00:00+0000");
/// assert_eq!(documented.timestamp().unwrap().to_string(), "2009-05-01T00:00:00Z");
///
/// let local = DateTime::new("2009-05-01T09:30:00");
/// assert_eq!(local.timestamp(), None); // no offset: not an instant
/// assert_eq!(local.civil().unwrap().to_string(), "2009-05-01T09:30:00");
///
/// let written = DateTime::from("2024-02-29T12:00:00Z".parse::<jiff::Timestamp>().unwrap());
/// assert_eq!(written.as_str(), "2024-02-29T12:00:00Z");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateTime(Text);

/// The value of an `xs:date` element: the server's text, exactly, and the calendar date it
/// names.
///
/// ```
/// use convio::Date;
///
/// let birthday = Date::new("1815-12-10");
/// assert_eq!(birthday.civil().unwrap(), jiff::civil::date(1815, 12, 10));
/// assert_eq!(Date::new("1815-12-10Z").civil(), birthday.civil()); // a zone does not move a date
/// assert_eq!(Date::new("10/12/1815").civil(), None); // kept, not understood
/// assert_eq!(Date::from(jiff::civil::date(1906, 12, 9)).as_str(), "1906-12-09");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date(Text);

impl DateTime {
    /// The instant, when the text is a date-time with an offset (`Z`, `+01:00`, `+0100`).
    pub fn timestamp(&self) -> Option<Timestamp> {
        let (civil, offset) = parse_date_time(self.as_str())?;
        offset?.to_timestamp(civil).ok()
    }

    /// The date and time of day as written, whatever the offset (or without one).
    pub fn civil(&self) -> Option<civil::DateTime> {
        parse_date_time(self.as_str()).map(|(civil, _)| civil)
    }

    /// The offset from UTC the text names, if any.
    pub fn offset(&self) -> Option<Offset> {
        parse_date_time(self.as_str()).and_then(|(_, offset)| offset)
    }
}

impl Date {
    /// The calendar date (a zone suffix, which `xs:date` allows, does not change it).
    pub fn civil(&self) -> Option<civil::Date> {
        let text = self.as_str().trim();
        let (date, rest) = split_date(text)?;
        (rest.is_empty() || parse_offset(rest).is_some()).then_some(date)
    }
}

impl From<Timestamp> for DateTime {
    /// The instant in UTC, as `xs:dateTime` (`2024-02-29T12:00:00Z`).
    fn from(instant: Timestamp) -> Self {
        DateTime(Text::from(instant.to_string()))
    }
}

impl From<civil::Date> for Date {
    /// The date as `xs:date` (`1906-12-09`).
    fn from(date: civil::Date) -> Self {
        Date(Text::from(date.to_string()))
    }
}

/// What both types share: they hold the server's text and behave as that text (built from it,
/// read, compared, printed and serialized as it).
macro_rules! server_text {
    ($($type:ident),+) => {$(
        impl $type {
            /// Wraps text as the server would send it; nothing is checked or changed.
            pub fn new(text: impl Into<Text>) -> Self {
                $type(text.into())
            }

            /// The text, exactly as received or given.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
        }

        impl From<&str> for $type {
            fn from(text: &str) -> Self {
                $type::new(text)
            }
        }

        /// Any text: it is kept as sent, and read on demand.
        impl std::str::FromStr for $type {
            type Err = std::convert::Infallible;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Ok($type::new(text))
            }
        }

        // The Server API readers (xsd-parser's) read it through `FromStr`, trimmed.
        impl xsd_parser_types::quick_xml::DeserializeBytesFromStr for $type {}

        impl From<String> for $type {
            fn from(text: String) -> Self {
                $type::new(text)
            }
        }

        /// The text, for reading and comparing as a string.
        impl std::ops::Deref for $type {
            type Target = str;
            fn deref(&self) -> &str {
                self.as_str()
            }
        }

        impl PartialEq<str> for $type {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $type {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl PartialEq<String> for $type {
            fn eq(&self, other: &String) -> bool {
                self.as_str() == other
            }
        }

        impl fmt::Debug for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self.as_str(), f)
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Text::deserialize(deserializer).map($type)
            }
        }
    )+};
}

server_text!(DateTime, Date);

/// A run of 1 to `max` ASCII digits at the start of `text`, and the rest.
fn digits(text: &str, max: usize) -> Option<(i64, &str)> {
    let end = text
        .bytes()
        .take(max)
        .take_while(u8::is_ascii_digit)
        .count();
    if end == 0 {
        return None;
    }
    let value = text[..end].parse().ok()?;
    Some((value, &text[end..]))
}

/// `YYYY-M-D` (one or two digits for month and day) at the start of `text`, and the rest.
fn split_date(text: &str) -> Option<(civil::Date, &str)> {
    let (year, rest) = digits(text, 4)?;
    let (month, rest) = digits(rest.strip_prefix('-')?, 2)?;
    let (day, rest) = digits(rest.strip_prefix('-')?, 2)?;
    let date = civil::Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()?;
    Some((date, rest))
}

/// `Z`, `±hh:mm`, `±hhmm` or `±hh`, the whole of `text`.
fn parse_offset(text: &str) -> Option<Offset> {
    if text == "Z" || text == "z" {
        return Some(Offset::UTC);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = match rest.len() {
        2 => (rest, "0"),
        4 => (&rest[..2], &rest[2..]),
        5 if rest.as_bytes()[2] == b':' => (&rest[..2], &rest[3..]),
        _ => return None,
    };
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(hours) || !all_digits(minutes) {
        return None;
    }
    let hours: i32 = hours.parse().ok()?;
    let minutes: i32 = minutes.parse().ok()?;
    if hours > 23 || minutes > 59 {
        return None;
    }
    Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()
}

/// A date-time in one of the spellings the module documentation lists.
fn parse_date_time(text: &str) -> Option<(civil::DateTime, Option<Offset>)> {
    let (date, rest) = split_date(text.trim())?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (hour, rest) = digits(rest, 2)?;
    let (minute, rest) = digits(rest.strip_prefix(':')?, 2)?;
    let (second, mut rest) = digits(rest.strip_prefix(':')?, 2)?;
    let mut nanos = 0i64;
    if let Some(fraction) = rest.strip_prefix('.') {
        let length = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if length == 0 {
            return None;
        }
        // Digits past nanoseconds are dropped; the text keeps them.
        let kept = &fraction[..length.min(9)];
        nanos = kept.parse::<i64>().ok()? * 10i64.pow(9 - kept.len() as u32);
        rest = &fraction[length..];
    }
    let time = civil::Time::new(
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        i32::try_from(nanos).ok()?,
    )
    .ok()?;
    let offset = if rest.is_empty() {
        None
    } else {
        Some(parse_offset(rest)?)
    };
    Some((date.to_datetime(time), offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_spellings_name_the_same_instant() {
        let expected: Timestamp = "2009-05-01T05:00:00Z".parse().unwrap();
        for text in [
            "2009-05-01T05:00:00Z",
            "2009-05-01T05:00:00.000Z",
            "2009-5-1T05:00:00+0000",
            "2009-05-01T00:00:00-05:00",
            "2009-05-01T00:00:00-0500",
            "2009-05-01T00:00:00-05",
            "2009-05-01 05:00:00Z",
            " 2009-05-01T05:00:00Z ",
        ] {
            assert_eq!(DateTime::new(text).timestamp(), Some(expected), "{text}");
        }
    }

    #[test]
    fn other_text_is_kept_and_reads_as_none() {
        for text in [
            "",
            "May 1, 2009",
            "2009-13-01T00:00:00Z",
            "2009-02-30T00:00:00Z",
            "2009-05-01T24:00:01Z",
            "2009-05-01T00:00:00+2500",
            "2009-05-01T00:00:00.Z",
            "2009-05-01T00:00:00Zulu",
        ] {
            let value = DateTime::new(text);
            assert_eq!(value.timestamp(), None, "{text}");
            assert_eq!(value.as_str(), text);
        }
        assert_eq!(DateTime::new("2009-05-01T00:00:00").timestamp(), None);
        assert!(DateTime::new("2009-05-01T00:00:00").civil().is_some());
    }

    #[test]
    fn fractions_keep_their_precision_up_to_nanoseconds() {
        let value = DateTime::new("2009-05-01T00:00:00.123456789123Z");
        assert_eq!(value.timestamp().unwrap().subsec_nanosecond(), 123_456_789);
        assert_eq!(value.as_str(), "2009-05-01T00:00:00.123456789123Z");
    }

    #[test]
    fn dates_read_with_or_without_a_zone() {
        assert_eq!(Date::new("2024-2-9").civil(), Some(civil::date(2024, 2, 9)));
        assert_eq!(
            Date::new("2024-02-09+01:00").civil(),
            Some(civil::date(2024, 2, 9))
        );
        assert_eq!(Date::new("2024-02-30").civil(), None);
        assert_eq!(Date::new("2024-02-09T00:00:00").civil(), None);
    }
}
