//! Responses from a site whose schema has drifted from ours (custom fields, fields we lack,
//! record types we have not typed, values we did not expect), in the documented response
//! shape: read whole by default, with every unknown element kept in place; refused with the
//! element path when reading strictly; written back unchanged.

use convio::codec::{Content, DecodeOptions, Element};
use convio::generated::{ens, tns};
use convio::soap::{decode_response, decode_response_with, Body, Encoder, Envelope, FaultKind};
use convio::{AnyRecord, DecodeError, Error, Field};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("tests/fixtures/drift/{name}")).expect("fixture")
}

fn page(name: &str) -> Vec<AnyRecord> {
    match decode_response(&fixture(name)).expect("a drifted page reads whole") {
        Body::QueryResponse(response) => response.record,
        Body::GetIncrementalUpdatesResponse(response) => response.record,
        other => panic!("unexpected body {other:?}"),
    }
}

fn constituent(record: &AnyRecord) -> &ens::ConstituentType {
    match record {
        AnyRecord::Constituent(c) => c,
        other => panic!("not a constituent: {other:?}"),
    }
}

fn names(elements: &[(usize, &Element)]) -> Vec<(usize, String)> {
    elements
        .iter()
        .map(|(at, e)| (*at, e.name().local().to_string()))
        .collect()
}

#[test]
fn unknown_fields_are_kept_in_order_and_typed_fields_are_intact() {
    let records = page("query-custom-fields.xml");
    assert_eq!(records.len(), 2);

    let ada = constituent(&records[0]);
    assert_eq!(ada.cons_id, Some(1001081));
    assert_eq!(ada.primary_email, Field::Value("ada@example.org".into()));
    assert_eq!(ada.accepts_email, Field::Value(true));
    assert_eq!(ada.group_id, vec![1201, 1202]);
    let Field::Value(name) = &ada.cons_name else {
        panic!("ConsName")
    };
    assert_eq!(name.first_name, Field::Value("Ada".into()));
    assert_eq!(name.last_name, Field::Value("Lovelace".into()));

    // Record level: in document order, each with the number of declared fields before it.
    let kept: Vec<(usize, &Element)> = ada.unknown.positioned().collect();
    assert_eq!(
        names(&kept),
        [
            (1, "Custom_FirstContact".to_string()),
            // After EngagementFactor3, the 26th declared field and the last one read before it.
            (26, "Custom_PartyAffiliation".to_string()),
        ]
    );
    assert_eq!(
        kept[0].1.name().namespace(),
        Some("urn:object.soap.convio.com")
    );
    assert_eq!(kept[0].1.field(), Field::Value("2019-03-30"));
    assert_eq!(kept[1].1.field(), Field::Value("Independent"));
    // Declared fields where the site puts them, not where our schema does, are still typed.
    assert_eq!(
        ada.creation_date.as_option().and_then(|d| d.timestamp()),
        Some("2019-04-02T10:11:12Z".parse().unwrap())
    );
    assert_eq!(
        ada.modify_date.as_option().and_then(|d| d.timestamp()),
        Some("2026-11-20T08:00:00Z".parse().unwrap())
    );
    assert_eq!(
        ada.engagement_factor_3.as_option().map(|d| d.as_str()),
        Some("0.75")
    );
    // The attribute on Record.
    let attributes = ada.unknown.attributes();
    assert_eq!(attributes.len(), 1);
    assert_eq!(
        (attributes[0].name().local(), attributes[0].value()),
        ("rowVersion", "7")
    );
    // Nested: Nickname between FirstName (declared field 2) and LastName.
    let nested: Vec<(usize, &Element)> = name.unknown.positioned().collect();
    assert_eq!(names(&nested), [(2, "Nickname".to_string())]);
    assert_eq!(nested[0].1.field(), Field::Value("Countess"));

    let grace = constituent(&records[1]);
    let kept: Vec<&Element> = grace.unknown.elements().collect();
    assert_eq!(kept[0].name().local(), "Custom_PartyAffiliation");
    assert_eq!(kept[0].field(), Field::Nil);
    assert_eq!(
        kept[1].name().namespace(),
        Some("urn:example:site-extensions")
    );
    assert_eq!(kept[1].field(), Field::Value("North & East"));
    assert!(grace.creation_date.is_value());
}

#[test]
fn records_of_types_the_schema_lacks_are_dynamic_beside_typed_ones() {
    let records = page("query-mixed-types.xml");
    let types: Vec<&str> = records.iter().map(AnyRecord::type_name).collect();
    assert_eq!(
        types,
        [
            "VolunteerRegistration",
            "Constituent",
            "VolunteerRegistration"
        ]
    );
    let AnyRecord::Dynamic(first) = &records[0] else {
        panic!("dynamic")
    };
    assert_eq!(first.get("RegistrationId"), Field::Value("5501"));
    assert_eq!(
        first.get("EmergencyContact.Name"),
        Field::Value("Charles Babbage")
    );
    assert_eq!(first.get("EmergencyContact.Phone"), Field::Nil);
    assert_eq!(first.get("Notes"), Field::Absent);
    assert_eq!(
        first.paths(),
        [
            (
                "RegistrationId".to_string(),
                Field::Value("5501".to_string())
            ),
            ("ConsId".to_string(), Field::Value("1001081".to_string())),
            (
                "TeamName".to_string(),
                Field::Value("Harbour Runners".to_string())
            ),
            ("Goal".to_string(), Field::Value("250.00".to_string())),
            (
                "EmergencyContact.Name".to_string(),
                Field::Value("Charles Babbage".to_string())
            ),
            ("EmergencyContact.Phone".to_string(), Field::Nil),
        ]
    );
    assert_eq!(constituent(&records[1]).cons_id, Some(1001081));
    let AnyRecord::Dynamic(third) = &records[2] else {
        panic!("dynamic")
    };
    assert_eq!(third.get("TeamName"), Field::Nil);
}

#[test]
fn values_a_field_cannot_take_are_kept_instead_of_failing_the_page() {
    let records = page("incremental-updates-drift.xml");
    let pomona = constituent(&records[0]);
    assert_eq!(pomona.member_id, Field::Value("M-1483".into()));
    // "unknown" is not a count: the field stays absent and the element is kept as sent.
    assert_eq!(pomona.hard_bounce_count, Field::Absent);
    // The first MatchedDonor is the field; the second one is kept.
    assert_eq!(pomona.matched_donor, Field::Value(false));
    let kept: Vec<(usize, &Element)> = pomona.unknown.positioned().collect();
    assert_eq!(
        names(&kept),
        [
            (6, "Custom_Score".to_string()),
            (20, "HardBounceCount".to_string()),
            (22, "MatchedDonor".to_string()),
        ]
    );
    assert_eq!(kept[1].1.content(), &Content::Text("unknown".into()));
    let Field::Value(address) = &pomona.home_address else {
        panic!("HomeAddress")
    };
    assert_eq!(address.city, Field::Value("Hogsmeade".into()));
    assert_eq!(
        address.unknown.elements().next().map(|e| e.name().local()),
        Some("Province")
    );
}

#[test]
fn strict_reading_refuses_each_drift_with_the_element_path() {
    for (name, path) in [
        (
            "query-custom-fields.xml",
            "Envelope/Body/QueryResponse/Record[1]",
        ),
        (
            "query-mixed-types.xml",
            "Envelope/Body/QueryResponse/Record[1]",
        ),
        (
            "incremental-updates-drift.xml",
            "Envelope/Body/GetIncrementalUpdatesResponse/Record[1]/Custom_Score",
        ),
    ] {
        let error = decode_response_with(&fixture(name), DecodeOptions::strict())
            .expect_err("strict reading refuses drift");
        let Error::Decode(DecodeError::Xml {
            path: found,
            message,
            position,
        }) = &error
        else {
            panic!("{name}: {error:?}")
        };
        assert_eq!(found.join("/"), path, "{name}: {message}");
        assert!(message.contains("strict reading"), "{message}");
        assert!(position.is_some());
    }
    // Nested drift names the nested element.
    let nested = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<QueryResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<Record xsi:type="ens:Constituent"><ens:ConsId>1</ens:ConsId></Record>
<Record xsi:type="ens:Constituent"><ens:ConsId>2</ens:ConsId></Record>
<Record xsi:type="ens:Constituent"><ens:ConsId>3</ens:ConsId><ens:ConsName><ens:FirstName>A</ens:FirstName><ens:Nickname>B</ens:Nickname></ens:ConsName></Record>
</QueryResponse></soap:Body></soap:Envelope>"#;
    let Err(Error::Decode(DecodeError::Xml { path, .. })) =
        decode_response_with(nested, DecodeOptions::strict())
    else {
        panic!("strict refuses")
    };
    assert!(
        path.join("/").ends_with("Record[3]/ConsName/Nickname"),
        "{path:?}"
    );
    assert!(decode_response(nested).is_ok());
}

#[test]
fn an_update_written_from_a_read_record_puts_unknown_fields_back_where_they_were() {
    let records = page("query-custom-fields.xml");
    let mut ada = constituent(&records[0]).clone();
    let Field::Value(name) = &mut ada.cons_name else {
        panic!("ConsName")
    };
    name.middle_name = Field::Value("King".into());
    let body = Body::Update(tns::UpdateElementType {
        partition_id: Some(1001),
        force: None,
        record: vec![AnyRecord::Constituent(ada)],
        unknown: Default::default(),
    });
    let bytes = Encoder::new()
        .indent(2)
        .encode(&Envelope::request(Some("session"), body))
        .expect("encodes");
    insta::assert_snapshot!(
        "update_keeps_unknown_fields",
        String::from_utf8(bytes).expect("utf-8")
    );
}

#[test]
fn a_page_read_and_written_again_reads_the_same() {
    for name in [
        "query-custom-fields.xml",
        "query-mixed-types.xml",
        "incremental-updates-drift.xml",
    ] {
        let body = decode_response(&fixture(name)).expect("reads");
        let bytes = Encoder::new()
            .encode(&Envelope::request(None, body.clone()))
            .expect("writes");
        assert_eq!(
            decode_response(&bytes).expect("reads again"),
            body,
            "{name}"
        );
    }
}

#[test]
fn a_qualified_fault_with_a_qname_code_and_a_foreign_detail_is_a_typed_fault() {
    let Err(Error::Fault(fault)) = decode_response(&fixture("fault-qualified.xml")) else {
        panic!("a fault")
    };
    assert_eq!(fault.kind, FaultKind::Session);
    assert_eq!(fault.code, "fns:SESSION");
    assert_eq!(fault.message, "The session has expired");
    assert!(fault.is_session_fault());
}

#[test]
fn each_kind_of_unknown_content_is_logged_once() {
    #[derive(Clone, Default)]
    struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("capture").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // Names no other test uses: the set of logged kinds is shared by the whole process.
    let page = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<QueryResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<Record xsi:type="ens:Constituent"><ens:ConsId>1</ens:ConsId><ens:LoggedOnceField>a</ens:LoggedOnceField></Record>
<Record xsi:type="ens:Constituent"><ens:ConsId>2</ens:ConsId><ens:LoggedOnceField>b</ens:LoggedOnceField></Record>
<Record xsi:type="ens:LoggedOnceType"><ens:Id>3</ens:Id></Record>
<Record xsi:type="ens:LoggedOnceType"><ens:Id>4</ens:Id></Record>
</QueryResponse></soap:Body></soap:Envelope>"#;
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..3 {
            decode_response(page).expect("reads");
        }
    });
    let log = String::from_utf8(capture.0.lock().expect("capture").clone()).expect("utf-8");
    let lines = |name: &str| log.lines().filter(|line| line.contains(name)).count();
    assert_eq!(lines("LoggedOnceField"), 1, "{log}");
    assert!(log.contains("record_type=Constituent"), "{log}");
    assert_eq!(lines("LoggedOnceType"), 1, "{log}");
}
