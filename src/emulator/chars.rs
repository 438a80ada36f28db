//! The characters XML 1.0 allows in a document (production 2, `Char`), found in text and in
//! raw bytes, and named for messages; both the emulator's reader and its value checks use them.

/// Whether XML 1.0 allows `c` in a document (production 2, `Char`): tab, line feed, carriage
/// return, and everything from U+0020 except U+FFFE and U+FFFF (surrogates cannot occur in
/// a Rust string).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// The first character of `text` XML 1.0 forbids, with its byte offset.
pub fn forbidden_char(text: &str) -> Option<(usize, char)> {
    forbidden_byte(text.as_bytes())
}

/// The byte offset and character of the first character XML 1.0 forbids in `bytes` (which
/// need not be valid UTF-8: the forbidden characters are found by their encodings).
pub fn forbidden_byte(bytes: &[u8]) -> Option<(usize, char)> {
    // Every forbidden character is a single byte below 0x20, or U+FFFE / U+FFFF (EF BF BE,
    // EF BF BF); scanning bytes finds them without decoding (continuation bytes of other
    // characters are all 0x80 or above).
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'\t' | b'\n' | b'\r' => {}
            b if b < 0x20 => return Some((at, char::from(b))),
            0xEF if bytes.get(at + 1) == Some(&0xBF)
                && matches!(bytes.get(at + 2), Some(0xBE | 0xBF)) =>
            {
                let c = if bytes[at + 2] == 0xBE {
                    '\u{FFFE}'
                } else {
                    '\u{FFFF}'
                };
                return Some((at, c));
            }
            _ => {}
        }
        at += 1;
    }
    None
}

/// `U+001B` style, for messages.
pub fn describe_char(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

#[cfg(test)]
mod examples {
    #[test]
    fn is_xml_char_examples() {
        use super::is_xml_char;
        assert!(is_xml_char('\t') && is_xml_char('é') && is_xml_char('\u{10FFFF}'));
        assert!(!is_xml_char('\u{1}') && !is_xml_char('\u{1b}') && !is_xml_char('\u{FFFE}'));
    }

    #[test]
    fn forbidden_char_examples() {
        use super::forbidden_char;
        assert_eq!(forbidden_char("ok\u{1b}[31m"), Some((2, '\u{1b}')));
        assert_eq!(forbidden_char("tab\tand\r\nnewline"), None);
    }
}
