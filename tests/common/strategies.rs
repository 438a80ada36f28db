//! Property-test strategies for record values.
#![allow(dead_code)]

use convio::{Field, Text};
use proptest::prelude::*;

/// Text the encoder accepts and the reader gives back as it was: XML 1.0 characters (markup
/// characters, accents, CJK, emoji, DEL), not empty, no surrounding whitespace (values are
/// trimmed when read).
pub fn text() -> impl Strategy<Value = Text> {
    "[a-zA-Z0-9<>&'\"\\]\\[ ;:/é中🙂\u{7f}]{1,24}"
        .prop_filter("no surrounding whitespace", |s| {
            s.trim() == s && !s.is_empty()
        })
        .prop_map(Text::from)
}

/// Absent, nil, or a value.
pub fn field<T: std::fmt::Debug + Clone>(
    value: impl Strategy<Value = T>,
) -> impl Strategy<Value = Field<T>> {
    prop_oneof![
        Just(Field::Absent),
        Just(Field::Nil),
        value.prop_map(Field::Value)
    ]
}
