//! Escaping on the way out, references and document-wide checks on the way in.
//!
//! Both directions refuse what XML 1.0 cannot carry: control characters other than tab,
//! line feed and carriage return, U+FFFE and U+FFFF, raw or as character references.

use super::error::{ReadError, WriteError};
use super::scan;

/// Appends `text` escaped (`&`, `<`, `>`, `'`, `"`, and `\r` as `&#13;` so that it survives
/// line-end normalisation); refuses characters XML 1.0 cannot carry. Words of eight bytes
/// with nothing to escape are copied whole.
pub(crate) fn escape_into(out: &mut Vec<u8>, text: &str) -> Result<(), WriteError> {
    let bytes = text.as_bytes();
    out.reserve(bytes.len());
    let mut at = 0;
    while at + 8 <= bytes.len() {
        if scan::word_may_need_escaping(bytes, at) {
            for index in at..at + 8 {
                escape_byte(out, bytes, index)?;
            }
        } else {
            out.extend_from_slice(&bytes[at..at + 8]);
        }
        at += 8;
    }
    for index in at..bytes.len() {
        escape_byte(out, bytes, index)?;
    }
    Ok(())
}

#[inline(always)]
fn escape_byte(out: &mut Vec<u8>, bytes: &[u8], index: usize) -> Result<(), WriteError> {
    let byte = bytes[index];
    if !scan::escapable(byte) {
        out.push(byte);
        return Ok(());
    }
    let replacement: &[u8] = match byte {
        b'&' => b"&amp;",
        b'<' => b"&lt;",
        b'>' => b"&gt;",
        b'\'' => b"&apos;",
        b'"' => b"&quot;",
        b'\r' => b"&#13;",
        // U+FFFE and U+FFFF are EF BF BE / EF BF BF in UTF-8; other EF sequences are fine.
        0xEF => match (bytes.get(index + 1), bytes.get(index + 2)) {
            (Some(0xBF), Some(0xBE)) => return Err(WriteError::illegal(0xFFFE)),
            (Some(0xBF), Some(0xBF)) => return Err(WriteError::illegal(0xFFFF)),
            _ => {
                out.push(byte);
                return Ok(());
            }
        },
        _ => return Err(WriteError::illegal(u32::from(byte))),
    };
    out.extend_from_slice(replacement);
    Ok(())
}

/// The character a reference stands for: one of the five predefined entities or a
/// character reference (`&#38;`, `&#x26;`); `None` for anything else. Works on the raw
/// name: documents are UTF-8 here.
pub(crate) fn resolve_reference(name: &[u8]) -> Option<char> {
    match name {
        b"amp" => Some('&'),
        b"lt" => Some('<'),
        b"gt" => Some('>'),
        b"quot" => Some('"'),
        b"apos" => Some('\''),
        [b'#', b'x', hex @ ..] => parse_code_point(hex, 16),
        [b'#', decimal @ ..] => parse_code_point(decimal, 10),
        _ => None,
    }
}

fn parse_code_point(digits: &[u8], radix: u32) -> Option<char> {
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let mut value: u32 = 0;
    for &digit in digits {
        value = value * radix + char::from(digit).to_digit(radix)?;
    }
    // Character references to XML 1.0-illegal characters were refused before reading.
    char::from_u32(value).filter(|c| *c != '\0')
}

/// The document as UTF-8 text, after the checks every incoming document gets: no DOCTYPE
/// (so no entity is ever expanded), no character XML 1.0 forbids (raw or referenced), and
/// valid UTF-8. Errors name the byte position.
pub(crate) fn checked_document(bytes: &[u8]) -> Result<&str, DocumentError> {
    check_characters(bytes)?;
    if has_doctype(bytes) {
        return Err(DocumentError::Doctype);
    }
    std::str::from_utf8(bytes).map_err(|error| {
        DocumentError::Read(ReadError::at(
            format!("invalid UTF-8: {error}"),
            Some(error.valid_up_to() as u64),
        ))
    })
}

/// Whether `<!DOCTYPE` occurs in `bytes`, in any case (the XML reader takes `<!doctype`
/// too). A page has few `!` (none outside text, comments and CDATA), so looking for that
/// one byte and checking around it is cheaper than a substring search over the whole page.
fn has_doctype(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'!', bytes).any(|at| {
        at > 0
            && bytes[at - 1] == b'<'
            && bytes
                .get(at + 1..at + 8)
                .is_some_and(|word| word.eq_ignore_ascii_case(b"DOCTYPE"))
    })
}

/// Why a document was refused before reading it.
#[derive(Debug)]
pub(crate) enum DocumentError {
    /// The document declares a DTD.
    Doctype,
    /// A character or encoding problem, with its position.
    Read(ReadError),
}

impl From<DocumentError> for super::document_error::DecodeError {
    fn from(error: DocumentError) -> Self {
        match error {
            DocumentError::Doctype => super::document_error::DecodeError::Doctype,
            DocumentError::Read(error) => error.into(),
        }
    }
}

/// Refuses characters XML 1.0 does not allow anywhere in a document: raw control characters
/// (other than tab, line feed and carriage return) and character references to them.
pub(crate) fn check_characters(bytes: &[u8]) -> Result<(), DocumentError> {
    let illegal = |position: usize, code_point: u32| {
        DocumentError::Read(ReadError::at(
            format!("character U+{code_point:04X} is not allowed in XML 1.0"),
            Some(position as u64),
        ))
    };
    if let Some(position) = scan::first_control_character(bytes) {
        return Err(illegal(position, u32::from(bytes[position])));
    }
    for start in memchr::memmem::find_iter(bytes, b"&#") {
        let rest = &bytes[start + 2..];
        let end = rest
            .iter()
            .position(|b| *b == b';')
            .unwrap_or(rest.len())
            .min(12);
        let digits = std::str::from_utf8(&rest[..end]).unwrap_or("");
        let value = match digits.strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => digits.parse::<u32>().ok(),
        };
        if let Some(value) = value {
            let allowed = matches!(value, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF);
            if !allowed {
                return Err(illegal(start, value));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> Result<String, u32> {
        let mut out = Vec::new();
        match escape_into(&mut out, text) {
            Ok(()) => Ok(String::from_utf8(out).expect("utf-8")),
            Err(error) => match error.into_encode_error(&[]) {
                crate::codec::document_error::EncodeError::IllegalCharacter {
                    code_point, ..
                } => Err(code_point),
                other => panic!("{other:?}"),
            },
        }
    }

    #[test]
    fn markup_quotes_and_carriage_returns_are_escaped() {
        assert_eq!(
            escaped("a<b>&'\"\r\nlong enough to take the word path <>").as_deref(),
            Ok("a&lt;b&gt;&amp;&apos;&quot;&#13;\nlong enough to take the word path &lt;&gt;")
        );
        assert_eq!(escaped("Zoë 中文 🙂").as_deref(), Ok("Zoë 中文 🙂"));
    }

    #[test]
    fn characters_xml_cannot_carry_are_refused() {
        assert_eq!(escaped("a\u{1}b"), Err(1));
        assert_eq!(escaped("twelve bytes\u{FFFE}"), Err(0xFFFE));
        assert_eq!(escaped("\u{FFFF}"), Err(0xFFFF));
    }

    #[test]
    fn references_resolve_on_raw_names() {
        assert_eq!(resolve_reference(b"amp"), Some('&'));
        assert_eq!(resolve_reference(b"#x26"), Some('&'));
        assert_eq!(resolve_reference(b"#38"), Some('&'));
        assert_eq!(resolve_reference(b"#0"), None);
        assert_eq!(resolve_reference(b"nbsp"), None);
    }

    #[test]
    fn documents_with_a_doctype_or_forbidden_characters_are_refused() {
        assert!(matches!(
            checked_document(b"<!DOCTYPE x><x/>"),
            Err(DocumentError::Doctype)
        ));
        assert!(matches!(
            checked_document(b"<x>&#1;</x>"),
            Err(DocumentError::Read(_))
        ));
        assert!(matches!(
            checked_document(b"<x>\x01</x>"),
            Err(DocumentError::Read(_))
        ));
        assert_eq!(checked_document(b"<x>&#9;</x>").ok(), Some("<x>&#9;</x>"));
    }

    #[test]
    fn a_doctype_is_found_wherever_it_is_and_only_then() {
        for document in [
            &b"<!DOCTYPE x><x/>"[..],
            b"<?xml version=\"1.0\"?>\n<!DOCTYPE x>",
            b"<x>Hello!</x><!DOCTYPE",
            b"!<!DOCTYPE",
            b"<!doctype x>",
        ] {
            assert!(
                has_doctype(document),
                "{}",
                String::from_utf8_lossy(document)
            );
        }
        for document in [
            &b"<x>Hello!</x>"[..],
            b"!",
            b"<!",
            b"<!DOCTYP",
            b"<!-- DOCTYPE -->",
            b"< !DOCTYPE",
        ] {
            assert!(
                !has_doctype(document),
                "{}",
                String::from_utf8_lossy(document)
            );
        }
    }
}
