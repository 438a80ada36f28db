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
    let site = convio::emulator::Emulator::builder().build_site();
    let deep = format!(
        "{ENVELOPE_OPEN}{}{}",
        "<a>".repeat(10_000),
        "</a>".repeat(10_000)
    );
    let answer = site.answer_soap(deep.as_bytes());
    let (status, body) = (answer.status, answer.body);
    assert_eq!(status, 500);
    assert!(
        body.contains("MALFORMED_MESSAGE") && body.contains("nesting deeper"),
        "{body}"
    );
    let doctype = format!("<!DOCTYPE x>{ENVELOPE_OPEN}{ENVELOPE_CLOSE}");
    let answer = site.answer_soap(doctype.as_bytes());
    let (status, body) = (answer.status, answer.body);
    assert_eq!(status, 500);
    assert!(body.contains("MALFORMED_MESSAGE"), "{body}");
}

/// A page whose one Record carries `inside` (start tag attributes, then content).
fn page_with_record(attributes: &str, content: &str) -> Vec<u8> {
    format!(
        "{ENVELOPE_OPEN}<QueryResponse xmlns=\"urn:soap.convio.com\" xmlns:ens=\"urn:object.soap.convio.com\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><Record xsi:type=\"ens:Constituent\"{attributes}>\
         <ens:ConsId>1</ens:ConsId>{content}</Record></QueryResponse>{ENVELOPE_CLOSE}"
    )
    .into_bytes()
}

fn refused_with(bytes: &[u8], words: &str) {
    let started = std::time::Instant::now();
    let outcome = decode_response(bytes);
    // Reported, not asserted: tests do not time themselves.
    eprintln!(
        "{} bytes: {:?} in {:?}",
        bytes.len(),
        outcome.as_ref().err().map(ToString::to_string),
        started.elapsed()
    );
    match outcome {
        Err(Error::Decode(DecodeError::Xml { message, .. })) => {
            assert!(message.contains(words), "{message}")
        }
        other => panic!("expected a refusal naming `{words}`: {other:?}"),
    }
}

#[test]
fn finding_2_a_hundred_thousand_attributes_on_a_record_are_refused_without_quadratic_work() {
    let attributes: String = (0..100_000).map(|i| format!(" a{i}=\"v\"")).collect();
    refused_with(
        &page_with_record(&attributes, ""),
        "more than 256 attributes",
    );
    let declarations: String = (0..100_000)
        .map(|i| format!(" xmlns:p{i}=\"urn:x{i}\""))
        .collect();
    refused_with(&page_with_record(&declarations, ""), "more than 256");
    // Nested, so that each level stays under the per-element limit.
    let mut nested = String::new();
    for level in 0..60 {
        nested.push_str(&format!("<ens:X{level}"));
        for i in 0..10 {
            nested.push_str(&format!(" xmlns:q{level}x{i}=\"urn:y\""));
        }
        nested.push('>');
    }
    for level in (0..60).rev() {
        nested.push_str(&format!("</ens:X{level}>"));
    }
    refused_with(
        &page_with_record("", &nested),
        "namespace declarations in scope",
    );
}

#[test]
fn finding_2_a_large_hostile_response_is_refused_or_read_in_linear_time() {
    // 64 MiB: unknown elements in one record (bounded by the kept-content budget)...
    let element = "<ens:Junk>x</ens:Junk>";
    let junk = element.repeat(64 * 1024 * 1024 / element.len());
    refused_with(
        &page_with_record("", &junk),
        "elements the schema does not declare",
    );
    // ... and one enormous value, read whole.
    let value = "y".repeat(64 * 1024 * 1024);
    let bytes = page_with_record("", &format!("<ens:MemberId>{value}</ens:MemberId>"));
    let started = std::time::Instant::now();
    let body = decode_response(&bytes).expect("a long value is still a value");
    eprintln!("{} bytes read in {:?}", bytes.len(), started.elapsed());
    let convio::soap::Body::QueryResponse(page) = body else {
        panic!("a page")
    };
    let convio::AnyRecord::Constituent(record) = &page.record[0] else {
        panic!("a constituent")
    };
    assert_eq!(
        record.member_id.as_option().map(|v| v.len()),
        Some(value.len())
    );
}
