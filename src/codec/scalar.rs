//! Simple values: parsed from an element's trimmed text, written as escaped text.

use std::borrow::Cow;

use super::error::WriteError;
use super::escape::escape_into;

/// A simple type: what an element's text means, both ways.
pub(crate) trait Scalar: Sized {
    /// What the value is, for messages (`an unsigned integer`).
    const KIND: &'static str;

    /// Parses trimmed text; `None` when the text is not a value of this type.
    fn parse(text: &str) -> Option<Self>;

    /// Parses trimmed text, taking it over when it is already an owned string (text with
    /// references in it), so that no value is copied twice. Text that does not parse is
    /// handed back, so that the caller can keep it.
    fn from_text(text: Cow<'_, str>) -> Result<Self, Cow<'_, str>> {
        match Self::parse(&text) {
            Some(value) => Ok(value),
            None => Err(text),
        }
    }

    /// Appends the value as escaped text.
    fn write_text(&self, out: &mut Vec<u8>) -> Result<(), WriteError>;

    /// The value as (unescaped) text, borrowed when it is held as text.
    fn text(&self) -> Cow<'_, str>;
}

impl Scalar for String {
    const KIND: &'static str = "a string";

    fn parse(text: &str) -> Option<Self> {
        Some(text.to_string())
    }

    fn from_text(text: Cow<'_, str>) -> Result<Self, Cow<'_, str>> {
        Ok(text.into_owned())
    }

    fn write_text(&self, out: &mut Vec<u8>) -> Result<(), WriteError> {
        escape_into(out, self)
    }

    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl Scalar for crate::Text {
    const KIND: &'static str = "a string";

    fn parse(text: &str) -> Option<Self> {
        Some(crate::Text::from(text))
    }

    fn from_text(text: Cow<'_, str>) -> Result<Self, Cow<'_, str>> {
        // Borrowed text goes straight into `Text` (inline when short); an owned string with
        // references resolved keeps its buffer.
        Ok(match text {
            Cow::Borrowed(text) => crate::Text::from(text),
            Cow::Owned(text) => crate::Text::from(text),
        })
    }

    fn write_text(&self, out: &mut Vec<u8>) -> Result<(), WriteError> {
        escape_into(out, self.as_str())
    }

    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.as_str())
    }
}

/// Dates and date-times keep the server's text whatever its spelling (their readers say when
/// it names no date); reading them costs what reading text costs.
macro_rules! text_scalars {
    ($($type:ty => $kind:literal),*) => {$(
        impl Scalar for $type {
            const KIND: &'static str = $kind;

            fn parse(text: &str) -> Option<Self> {
                Some(<$type>::new(text))
            }

            fn from_text(text: Cow<'_, str>) -> Result<Self, Cow<'_, str>> {
                Ok(match text {
                    Cow::Borrowed(text) => <$type>::new(text),
                    Cow::Owned(text) => <$type>::new(text),
                })
            }

            fn write_text(&self, out: &mut Vec<u8>) -> Result<(), WriteError> {
                escape_into(out, self.as_str())
            }

            fn text(&self) -> Cow<'_, str> {
                Cow::Borrowed(self.as_str())
            }
        }
    )*};
}

text_scalars!(crate::DateTime => "an xs:dateTime", crate::Date => "an xs:date");

impl Scalar for crate::Decimal {
    const KIND: &'static str = "an xs:decimal";

    fn parse(text: &str) -> Option<Self> {
        text.parse().ok()
    }

    fn write_text(&self, out: &mut Vec<u8>) -> Result<(), WriteError> {
        escape_into(out, self.as_str())
    }

    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.as_str())
    }
}

/// Appends the decimal digits of `value`: integers are in every record written (ids,
/// counts), and this costs a tenth of what the formatting machinery (`write!`) does.
fn write_digits(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        // `value % 10` is below 10: the cast keeps it whole.
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

macro_rules! integer_scalars {
    ($($type:ty => $kind:literal, $write:expr;)*) => {$(
        impl Scalar for $type {
            const KIND: &'static str = $kind;

            fn parse(text: &str) -> Option<Self> {
                text.parse().ok()
            }

            fn write_text(&self, out: &mut Vec<u8>) -> Result<(), WriteError> {
                let write: fn(&mut Vec<u8>, $type) = $write;
                write(out, *self);
                Ok(())
            }

            fn text(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
    )*};
}

/// A signed integer: its sign, then its magnitude's digits.
fn write_signed(out: &mut Vec<u8>, value: i64) {
    if value < 0 {
        out.push(b'-');
    }
    write_digits(out, value.unsigned_abs());
}

integer_scalars!(
    usize => "an unsigned integer", |out, value| write_digits(out, value as u64);
    u64 => "an unsigned integer", write_digits;
    u32 => "an unsigned integer", |out, value| write_digits(out, u64::from(value));
    i64 => "an integer", write_signed;
    i32 => "an integer", |out, value| write_signed(out, i64::from(value));
);

impl Scalar for bool {
    const KIND: &'static str = "a boolean";

    /// `true`/`false` in any case, `1`/`0`, and `yes`/`no` (which some servers write).
    fn parse(text: &str) -> Option<Self> {
        let is = |word: &str| text.eq_ignore_ascii_case(word);
        if is("true") || text == "1" || is("yes") {
            Some(true)
        } else if is("false") || text == "0" || is("no") {
            Some(false)
        } else {
            None
        }
    }

    fn write_text(&self, out: &mut Vec<u8>) -> Result<(), WriteError> {
        out.extend_from_slice(if *self { b"true" } else { b"false" });
        Ok(())
    }

    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_from_the_document_is_stored_inline() {
        let short = crate::Text::from_text(Cow::Borrowed("Lovelace")).expect("text");
        assert_eq!(short.as_str(), "Lovelace");
        assert!(short.is_inline());
        let long_value = "a street name longer than twenty-four bytes";
        let long = crate::Text::from_text(Cow::Borrowed(long_value)).expect("text");
        assert_eq!(long.as_str(), long_value);
        assert!(!long.is_inline());
    }

    #[test]
    fn integers_are_written_as_display_writes_them() {
        let written = |write: &dyn Fn(&mut Vec<u8>)| {
            let mut out = Vec::new();
            write(&mut out);
            String::from_utf8(out).unwrap()
        };
        for value in [0, 7, 10, 1_001_001, u64::MAX] {
            assert_eq!(
                written(&|out| value.write_text(out).unwrap()),
                value.to_string()
            );
        }
        for value in [0, -1, 42, i64::MIN, i64::MAX] {
            assert_eq!(
                written(&|out| value.write_text(out).unwrap()),
                value.to_string()
            );
        }
        for value in [i32::MIN, -7, i32::MAX] {
            assert_eq!(
                written(&|out| value.write_text(out).unwrap()),
                value.to_string()
            );
        }
        assert_eq!(
            written(&|out| u32::MAX.write_text(out).unwrap()),
            "4294967295"
        );
        assert_eq!(written(&|out| 12usize.write_text(out).unwrap()), "12");
    }

    #[test]
    fn booleans_are_read_in_any_case() {
        for (text, expected) in [
            ("true", true),
            ("TRUE", true),
            ("1", true),
            ("Yes", true),
            ("false", false),
            ("False", false),
            ("0", false),
            ("no", false),
        ] {
            assert_eq!(bool::parse(text), Some(expected), "{text}");
        }
        for text in ["", "2", "t", "truth", "nope"] {
            assert!(bool::parse(text).is_none(), "{text}");
        }
    }

    #[test]
    fn text_that_does_not_parse_is_handed_back() {
        assert_eq!(usize::from_text(Cow::Borrowed("12")), Ok(12));
        assert_eq!(
            usize::from_text(Cow::Borrowed("twelve")),
            Err(Cow::Borrowed("twelve"))
        );
        assert!(crate::Decimal::from_text(Cow::Borrowed("1,5")).is_err());
    }
}
