//! The direct page reader agrees with the generated reader on every page, and hands over
//! whatever it does not accept.

use convio::generated::{ens, tns};
use convio::soap::{decode_envelope, decode_response, fast, Body, Encoder, Envelope};
use convio::{AnyRecord, Decimal, Field, Text};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = Text> {
    "[a-zA-Z0-9<>&'\"\\]\\[ ;:/é中🙂]{1,16}"
        .prop_filter("trimmed", |s| s.trim() == s && !s.is_empty())
        .prop_map(Text::from)
}

fn field<T: std::fmt::Debug + Clone>(
    value: impl Strategy<Value = T>,
) -> impl Strategy<Value = Field<T>> {
    prop_oneof![
        Just(Field::Absent),
        Just(Field::Nil),
        value.prop_map(Field::Value)
    ]
}

fn constituent() -> impl Strategy<Value = AnyRecord> {
    (
        proptest::option::of(0usize..10_000_000),
        field(text()),
        (field(text()), field(text()), field(text())),
        field(any::<bool>()),
        field(0usize..500),
        proptest::collection::vec(1000usize..2000, 0..4),
    )
        .prop_map(
            |(cons_id, member_id, (first, middle, city), accepts_email, bounces, group_id)| {
                let cons_name = if first.is_absent() && middle.is_absent() {
                    Field::Absent
                } else {
                    Field::Value(ens::NameType {
                        first_name: first,
                        middle_name: middle,
                        ..Default::default()
                    })
                };
                let home_address = if city.is_absent() {
                    Field::Nil
                } else {
                    Field::Value(ens::AddressType {
                        city,
                        ..Default::default()
                    })
                };
                AnyRecord::Constituent(ens::ConstituentType {
                    cons_id,
                    member_id,
                    cons_name,
                    accepts_email,
                    home_address,
                    hard_bounce_count: bounces,
                    group_id,
                    ..Default::default()
                })
            },
        )
}

fn donation() -> impl Strategy<Value = AnyRecord> {
    (0usize..1000, "[0-9]{1,6}\\.[0-9]{2}").prop_map(|(id, amount)| {
        AnyRecord::Donation(ens::DonationType {
            transaction_id: Some(id),
            tax_deductible_value: Field::Value(amount.parse::<Decimal>().expect("decimal")),
            receipt_number: vec!["R-1".into(), "R-2".into()],
            ..Default::default()
        })
    })
}

fn page_bytes(records: Vec<AnyRecord>, incremental: bool) -> Vec<u8> {
    let body = if incremental {
        Body::GetIncrementalUpdatesResponse(tns::RecordPageType { record: records })
    } else {
        Body::QueryResponse(tns::QueryResponseElementType { record: records })
    };
    Encoder::new()
        .encode(&Envelope::request(None, body))
        .expect("encodes")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn direct_and_generated_readers_agree(
        records in proptest::collection::vec(prop_oneof![constituent(), donation()], 0..20),
        incremental in any::<bool>(),
    ) {
        let bytes = page_bytes(records, incremental);
        let direct = fast::decode_page(&bytes).expect("the direct reader accepts our own pages");
        let generated = decode_envelope(&bytes).expect("the generated reader accepts them").body;
        prop_assert_eq!(direct, generated);
    }
}

#[test]
fn documented_page_takes_the_direct_path() {
    let bytes = std::fs::read("tests/fixtures/docs/getincrementalupdates-response.xml").unwrap();
    let direct = fast::decode_page(&bytes).expect("direct");
    assert_eq!(direct, decode_envelope(&bytes).unwrap().body);
}

#[test]
fn pages_the_direct_reader_refuses_go_to_the_generated_reader() {
    let unknown_field = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<QueryResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<Record xsi:type="ens:Constituent"><ens:ConsId>1</ens:ConsId><ens:Nickname>x</ens:Nickname></Record></QueryResponse></soap:Body></soap:Envelope>"#;
    assert!(fast::decode_page(unknown_field).is_none());
    assert!(
        decode_response(unknown_field).is_err(),
        "the generated reader reports the unknown field"
    );

    let not_a_page = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<GetServerTimeResponse xmlns="urn:soap.convio.com"><Result><Time>2026-11-22T17:19:58Z</Time></Result></GetServerTimeResponse></soap:Body></soap:Envelope>"#;
    assert!(fast::decode_page(not_a_page).is_none());
    assert!(matches!(
        decode_response(not_a_page),
        Ok(Body::GetServerTimeResponse(_))
    ));

    let trailing = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><QueryResponse xmlns="urn:soap.convio.com"/></soap:Body></soap:Envelope><extra/>"#;
    assert!(fast::decode_page(trailing).is_none());

    let nil_identifier = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<QueryResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<Record xsi:type="ens:Constituent"><ens:ConsId xsi:nil="true"/></Record></QueryResponse></soap:Body></soap:Envelope>"#;
    assert!(fast::decode_page(nil_identifier).is_none());
}

/// A page whose `o:` prefix is declared on the record, whose nil ConsName declares `p:` and
/// carries text (so it is read past, not self-closed), and whose UserName uses `{prefix}:`.
fn scoped_page(prefix: &str) -> String {
    format!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><QueryResponse xmlns="urn:soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Record xsi:type="o:Constituent" xmlns:o="urn:object.soap.convio.com"><o:ConsName xmlns:p="urn:object.soap.convio.com" xsi:nil="true"> </o:ConsName><{prefix}:UserName>ada</{prefix}:UserName></Record></QueryResponse></soap:Body></soap:Envelope>"#
    )
}

#[test]
fn namespace_declarations_end_with_their_element_even_when_it_is_read_past() {
    let Some(Body::QueryResponse(page)) = fast::decode_page(scoped_page("o").as_bytes()) else {
        panic!("the direct reader takes a page with prefixes declared below the root")
    };
    let AnyRecord::Constituent(constituent) = &page.record[0] else {
        panic!("{:?}", page.record[0])
    };
    assert_eq!(constituent.cons_name, Field::Nil);
    assert_eq!(constituent.user_name, Field::Value(Text::from("ada")));

    // `p:` went out of scope with the nil ConsName: using it after is an unbound prefix.
    let leaked = scoped_page("p");
    assert!(fast::decode_page(leaked.as_bytes()).is_none());
    assert!(decode_response(leaked.as_bytes()).is_err());
}

fn any_text() -> impl Strategy<Value = Text> {
    // Includes empty values, control characters, carriage returns and U+FFFE/U+FFFF (errors
    // must agree too), in values short and long enough for the writer's eight-byte words.
    prop_oneof![
        "[a-z<>&'\" \r\u{1}]{0,6}",
        "[a-z0-9 ]{0,12}[<>&'\"\r\t\n\u{1}\u{fffe}\u{ffff}\u{fffd}é]?[a-z0-9 ]{0,12}",
    ]
    .prop_map(Text::from)
}

fn loose_constituent() -> impl Strategy<Value = AnyRecord> {
    (
        proptest::option::of(0usize..100),
        field(any_text()),
        field(any_text()),
        proptest::collection::vec(1000usize..1010, 0..3),
    )
        .prop_map(|(cons_id, middle, email, group_id)| {
            AnyRecord::Constituent(ens::ConstituentType {
                cons_id,
                primary_email: email,
                cons_name: if middle.is_absent() {
                    Field::Absent
                } else {
                    Field::Value(ens::NameType {
                        middle_name: middle,
                        ..Default::default()
                    })
                },
                group_id,
                ..Default::default()
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn direct_and_generated_writers_write_the_same_bytes(
        records in proptest::collection::vec(prop_oneof![loose_constituent(), constituent(), donation()], 0..8),
        operation in 0usize..5,
        partition in proptest::option::of(0usize..2000),
        force in proptest::option::of(any::<bool>()),
        session in proptest::option::of("[a-z0-9:&]{0,12}"),
    ) {
        let body = match operation {
            0 => Body::Create(tns::CreateElementType { partition_id: partition, record: records }),
            1 => Body::Update(tns::UpdateElementType { partition_id: partition, force, record: records }),
            2 => Body::Delete(tns::DeleteElementType { partition_id: partition, force, record: records }),
            3 => Body::AddRelationships(tns::RecordBatchType { partition_id: partition, force, record: records }),
            _ => Body::RemoveRelationships(tns::RecordBatchType { partition_id: partition, force, record: records }),
        };
        let envelope = Envelope::request(session.as_deref(), body);
        let direct = Encoder::new().encode(&envelope);
        let generated = Encoder::new().direct_writer(false).encode(&envelope);
        match (&direct, &generated) {
            (Ok(a), Ok(b)) => prop_assert_eq!(String::from_utf8_lossy(a), String::from_utf8_lossy(b)),
            _ => prop_assert_eq!(direct, generated),
        }
    }
}

#[test]
fn both_readers_agree_on_the_ways_a_page_can_spell_its_namespaces() {
    let envelope = |inner: &str| {
        format!(
            r#"<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetIncrementalUpdatesResponse xmlns="urn:soap.convio.com" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">{inner}</GetIncrementalUpdatesResponse></s:Body></s:Envelope>"#
        )
    };
    let objects = "urn:object.soap.convio.com";
    let cases = [
        // Prefix declared on the record.
        format!(
            r#"<Record i:type="q:Constituent" xmlns:q="{objects}"><q:ConsId>7</q:ConsId><q:ConsName><q:FirstName>A &amp; B</q:FirstName></q:ConsName></Record>"#
        ),
        // Objects as the default namespace of a nested element.
        format!(
            r#"<Record i:type="q:Constituent" xmlns:q="{objects}"><q:ConsId>7</q:ConsId><ConsName xmlns="{objects}"><FirstName>Ada</FirstName><LastName/></ConsName></Record>"#
        ),
        // Two records declaring the same prefix for different namespaces in turn.
        format!(
            r#"<Record i:type="q:Constituent" xmlns:q="{objects}"><q:ConsId>1</q:ConsId></Record><Record i:type="q:Constituent" xmlns:q="urn:elsewhere"><q:ConsId>2</q:ConsId></Record>"#
        ),
        // A prefix shadowed inside the record: the child is in another namespace.
        format!(
            r#"<Record i:type="q:Constituent" xmlns:q="{objects}"><q:ConsName xmlns:q="urn:elsewhere"><q:FirstName>Ada</q:FirstName></q:ConsName></Record>"#
        ),
        // The instance namespace under another prefix, nil spelled 1.
        format!(
            r#"<Record xmlns:x="http://www.w3.org/2001/XMLSchema-instance" x:type="q:Constituent" xmlns:q="{objects}"><q:ConsId>3</q:ConsId><q:UserName x:nil="1"></q:UserName></Record>"#
        ),
        // xsi:type naming a type through an undeclared prefix.
        r#"<Record i:type="z:Constituent"><ConsId>4</ConsId></Record>"#.to_string(),
        // Comments, CDATA and whitespace inside values.
        format!(
            r#"<Record i:type="q:Constituent" xmlns:q="{objects}"><q:UserName>  <!-- c --> a<![CDATA[<b>]]>c  </q:UserName></Record>"#
        ),
    ];
    let mut accepted = Vec::new();
    for (index, inner) in cases.iter().enumerate() {
        let document = envelope(inner);
        let direct = fast::decode_page(document.as_bytes());
        match decode_envelope(document.as_bytes()) {
            Ok(generated) => {
                let direct =
                    direct.unwrap_or_else(|| panic!("case {index}: direct reader gave up"));
                assert_eq!(direct, generated.body, "case {index}");
                accepted.push(index);
            }
            Err(error) => assert!(
                direct.is_none(),
                "case {index}: direct accepted, generated said {error}"
            ),
        }
    }
    // The two namespace errors are refused by both readers; everything else is read alike.
    assert_eq!(accepted, [0, 1, 4, 6]);
}
