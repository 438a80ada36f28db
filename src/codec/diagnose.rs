//! Describing a body that could not be decoded: whether it is XML at all, and how it begins.
//! Both protocol clients use this to tell a response that does not fit the schema from a
//! body that is not a message of the API at all (a proxy's HTML page, a truncated document).

/// The beginning of a body, for a diagnosis (300 characters at most).
pub(crate) fn excerpt(body: &[u8]) -> String {
    // 300 characters take at most 1,200 bytes of UTF-8: the rest of a large body is not read.
    let text = String::from_utf8_lossy(&body[..body.len().min(1200)]);
    text.chars().take(300).collect()
}

/// Whether `body` is a well-formed XML document as far as quick-xml's reader checks: syntax,
/// matching end tags, one root element, nothing but whitespace, comments and processing
/// instructions around it. Linear in the body.
pub(crate) fn is_well_formed(body: &[u8]) -> bool {
    use quick_xml::events::Event;
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut reader = quick_xml::Reader::from_reader(body);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.allow_unmatched_ends = false;
    let mut depth = 0usize;
    let mut seen_root = false;
    loop {
        let Ok(event) = reader.read_event() else {
            return false;
        };
        match event {
            Event::Start(_) | Event::Empty(_) if depth == 0 && seen_root => return false,
            Event::Start(_) => {
                seen_root = true;
                depth += 1;
            }
            Event::Empty(_) => seen_root = true,
            Event::End(_) => match depth.checked_sub(1) {
                Some(up) => depth = up,
                None => return false,
            },
            Event::Text(text) if depth == 0 && !text.iter().all(u8::is_ascii_whitespace) => {
                return false
            }
            Event::CData(_) | Event::GeneralRef(_) if depth == 0 => return false,
            Event::Eof => return depth == 0 && seen_root,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_documents_and_others() {
        assert!(is_well_formed(b"<?xml version='1.0'?>\n<a><b/>text</a>\n"));
        assert!(is_well_formed(b"\xEF\xBB\xBF<a/>"));
        assert!(!is_well_formed(b""));
        assert!(!is_well_formed(b"<a></b>"));
        assert!(!is_well_formed(b"<a>"));
        assert!(!is_well_formed(b"<a/><b/>"));
        assert!(!is_well_formed(b"junk<a/>"));
        assert!(!is_well_formed(b"<html><body>502 Bad Gateway</body>"));
    }

    #[test]
    fn excerpts_are_short() {
        assert_eq!(excerpt(b"<a/>"), "<a/>");
        assert_eq!(excerpt(&[b'x'; 5000]).len(), 300);
        assert_eq!(excerpt("é".repeat(1000).as_bytes()).chars().count(), 300);
    }
}
