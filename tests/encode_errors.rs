//! Values the encoder refuses, with the element named.

mod common;

use common::{constituent_with_middle_name, SESSION};
use convio::generated::{ens, tns};
use convio::soap::{Body, Encoder, Envelope};
use convio::{EncodeError, Field};

fn encode(body: Body) -> Result<Vec<u8>, EncodeError> {
    Encoder::new().encode(&Envelope::request(Some(SESSION), body))
}

fn update(record: convio::AnyRecord) -> Body {
    Body::Update(tns::UpdateElementType {
        partition_id: Some(1001),
        force: None,
        record: vec![record],
        unknown: Default::default(),
    })
}

#[test]
fn empty_value_is_refused_naming_the_element() {
    let error = encode(update(constituent_with_middle_name(
        1001081,
        Field::Value("".into()),
    )))
    .unwrap_err();
    assert_eq!(
        error,
        EncodeError::EmptyValue {
            element: "Envelope/Body/Update/Record/ConsName/MiddleName".into()
        }
    );
    assert!(error.to_string().contains("Field::Nil"));
}

#[test]
fn empty_nested_value_is_refused() {
    let record = ens::ConstituentType {
        cons_id: Some(1),
        home_address: Field::Value(ens::AddressType::default()),
        ..Default::default()
    };
    let error = encode(update(record.into())).unwrap_err();
    assert_eq!(
        error,
        EncodeError::EmptyValue {
            element: "Envelope/Body/Update/Record/HomeAddress".into()
        }
    );
}

#[test]
fn whitespace_only_value_is_sent() {
    let bytes = encode(update(constituent_with_middle_name(
        1,
        Field::Value(" ".into()),
    )))
    .unwrap();
    assert!(String::from_utf8(bytes)
        .unwrap()
        .contains("<ens:MiddleName> </ens:MiddleName>"));
}

#[test]
fn control_character_is_refused_naming_the_element() {
    let error = encode(update(constituent_with_middle_name(
        1,
        Field::Value("a\u{1}b".into()),
    )))
    .unwrap_err();
    assert_eq!(
        error,
        EncodeError::IllegalCharacter {
            element: "Envelope/Body/Update/Record/ConsName/MiddleName".into(),
            code_point: 1
        }
    );
}

#[test]
fn non_character_is_refused() {
    let body = Body::Query(tns::QueryElementType {
        query_string: "select \u{FFFF}".into(),
        page: None,
        page_size: None,
        unknown: Default::default(),
    });
    let error = encode(body).unwrap_err();
    assert_eq!(
        error,
        EncodeError::IllegalCharacter {
            element: "Envelope/Body/Query/QueryString".into(),
            code_point: 0xFFFF
        }
    );
}

#[test]
fn carriage_return_survives_as_character_reference() {
    let bytes = encode(update(constituent_with_middle_name(
        1,
        Field::Value("a\r\nb".into()),
    )))
    .unwrap();
    let xml = String::from_utf8(bytes).unwrap();
    assert!(
        xml.contains("<ens:MiddleName>a&#13;\nb</ens:MiddleName>"),
        "{xml}"
    );
    let decoded = convio::soap::decode_envelope(xml.as_bytes()).unwrap();
    let Body::Update(update) = decoded.body else {
        panic!("not an update")
    };
    let convio::AnyRecord::Constituent(c) = &update.record[0] else {
        panic!("not a constituent")
    };
    let Field::Value(name) = &c.cons_name else {
        panic!("no name")
    };
    assert_eq!(name.middle_name, Field::Value("a\r\nb".into()));
}
