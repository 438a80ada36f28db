//! Hostile responses: entity declarations, deep nesting, illegal characters, oversized
//! input to the emulator. Each is refused quickly, without expansion and without a crash.

use convio::soap::{decode_envelope, decode_response};
use convio::{DecodeError, Error};

const ENVELOPE_OPEN: &str =
    r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>"#;
const ENVELOPE_CLOSE: &str = "</soap:Body></soap:Envelope>";

#[test]
fn billion_laughs_is_refused_without_expansion() {
    let mut document = String::from(r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">"#);
    for level in 1..10 {
        let previous = if level == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", level - 1)
        };
        document.push_str(&format!(
            r#"<!ENTITY lol{level} "{}">"#,
            format!("&{previous};").repeat(10)
        ));
    }
    document.push_str("]>");
    document.push_str(ENVELOPE_OPEN);
    document.push_str(r#"<GetServerTimeResponse xmlns="urn:soap.convio.com"><Result><Time>&lol9;</Time></Result></GetServerTimeResponse>"#);
    document.push_str(ENVELOPE_CLOSE);
    assert!(matches!(
        decode_response(document.as_bytes()),
        Err(Error::Decode(DecodeError::Doctype))
    ));
}

#[test]
fn external_entities_are_refused() {
    let document = format!(
        r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>{ENVELOPE_OPEN}<GetServerTimeResponse xmlns="urn:soap.convio.com"><Result><Time>&secret;</Time></Result></GetServerTimeResponse>{ENVELOPE_CLOSE}"#
    );
    assert!(matches!(
        decode_response(document.as_bytes()),
        Err(Error::Decode(DecodeError::Doctype))
    ));
    // An undeclared entity without a DOCTYPE is an error too, not an empty value.
    let undeclared = format!(
        r#"{ENVELOPE_OPEN}<GetServerTimeResponse xmlns="urn:soap.convio.com"><Result><Time>&secret;</Time></Result></GetServerTimeResponse>{ENVELOPE_CLOSE}"#
    );
    assert!(decode_response(undeclared.as_bytes()).is_err());
}

#[test]
fn deep_nesting_is_refused_without_exhausting_the_stack() {
    for inner in [
        // Directly under the body, and inside a record field.
        String::new(),
        r#"<QueryResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Record xsi:type="ens:Constituent"><ens:ConsName><ens:FirstName>"#.to_string(),
        // Inside an element the readers skip (a nil field).
        r#"<QueryResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Record xsi:type="ens:Constituent"><ens:MemberId xsi:nil="true">"#.to_string(),
    ] {
        let depth = 100_000;
        let document = format!("{ENVELOPE_OPEN}{inner}{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        assert!(decode_response(document.as_bytes()).is_err());
    }
}

#[test]
fn illegal_characters_are_refused_with_their_position() {
    let raw = format!(
        "{ENVELOPE_OPEN}<GetServerTimeResponse xmlns=\"urn:soap.convio.com\"><Result><Time>2026\u{1}</Time></Result></GetServerTimeResponse>{ENVELOPE_CLOSE}"
    );
    let position = raw.find('\u{1}').unwrap() as u64;
    let Err(Error::Decode(DecodeError::Xml {
        message,
        position: Some(at),
        ..
    })) = decode_response(raw.as_bytes())
    else {
        panic!("expected a decode error")
    };
    assert_eq!(at, position);
    assert!(message.contains("U+0001"), "{message}");

    let reference = format!(
        "{ENVELOPE_OPEN}<GetServerTimeResponse xmlns=\"urn:soap.convio.com\"><Result><Time>2026&#x1B;</Time></Result></GetServerTimeResponse>{ENVELOPE_CLOSE}"
    );
    let error = decode_envelope(reference.as_bytes()).unwrap_err();
    assert!(error.to_string().contains("U+001B"), "{error}");
}

#[test]
fn truncated_documents_are_errors() {
    let complete = format!(
        r#"{ENVELOPE_OPEN}<GetServerTimeResponse xmlns="urn:soap.convio.com"><Result><Time>2026-11-22T17:19:58Z</Time></Result></GetServerTimeResponse>{ENVELOPE_CLOSE}"#
    );
    assert!(decode_response(complete.as_bytes()).is_ok());
    for cut in [10, complete.len() / 2, complete.len() - 1] {
        assert!(
            decode_response(&complete.as_bytes()[..cut]).is_err(),
            "cut at {cut}"
        );
    }
}

#[cfg(feature = "emulator")]
#[test]
fn the_emulator_refuses_deep_nesting_and_doctype() {
    let state = std::sync::Mutex::new(convio::emulator::Emulator::builder().build_state());
    let deep = format!(
        "{ENVELOPE_OPEN}{}{}",
        "<a>".repeat(10_000),
        "</a>".repeat(10_000)
    );
    let (status, body) = convio::emulator::soap::handle(&state, deep.as_bytes());
    assert_eq!(status, 500);
    assert!(
        body.contains("MALFORMED_MESSAGE") && body.contains("nesting deeper"),
        "{body}"
    );
    let doctype = format!("<!DOCTYPE x>{ENVELOPE_OPEN}{ENVELOPE_CLOSE}");
    let (status, body) = convio::emulator::soap::handle(&state, doctype.as_bytes());
    assert_eq!(status, 500);
    assert!(body.contains("MALFORMED_MESSAGE"), "{body}");
}
