//! The emulator reads requests on its own: hand-written wire XML (never our encoder) and a
//! hand-written Server API form, over real HTTP, with the raw answers checked as text or
//! decoded with `convio::soap::decode_response`.
#![cfg(feature = "emulator")]

mod common;

use common::wire::{body_of, default_namespace, exchange, fault_of, login, soap};
use convio::emulator::{parse_date_time, Emulator};
use convio::soap::{Body, FaultKind};
use convio::{AnyRecord, Field, ResultCode};

async fn start() -> Emulator {
    Emulator::builder()
        .start("127.0.0.1:0")
        .await
        .expect("emulator starts")
}

/// A request in the Create page's style: `soapenv:`, `ns3:` operations, `ns1:` records,
/// `soapenv:mustUnderstand='0'` on the Session header.
fn prefixed(token: &str, operation: &str) -> String {
    format!(
        "<?xml version='1.0' encoding='UTF-8'?>
<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'>
  <soapenv:Header>
    <ns3:Session xmlns:ns3='urn:soap.convio.com' soapenv:mustUnderstand='0'>
      <ns3:SessionId>{token}</ns3:SessionId>
    </ns3:Session>
  </soapenv:Header>
  <soapenv:Body>
{operation}
  </soapenv:Body>
</soapenv:Envelope>
"
    )
}

fn stored(emulator: &Emulator, cons_id: u64, path: &str) -> Option<String> {
    emulator
        .site()
        .constituent(cons_id)
        .and_then(|record| record.get(path).map(str::to_string))
}

fn count(emulator: &Emulator) -> usize {
    emulator.site().constituent_ids().len()
}

const MINERVA: &str = "    <ns3:Create xmlns:ns3='urn:soap.convio.com'>
      <ns3:PartitionId>1001</ns3:PartitionId>
      <ns3:Record xmlns:ns1='urn:object.soap.convio.com' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' xsi:type='ns1:Constituent'>
        <ns1:ConsName>
          <ns1:FirstName>Minerva</ns1:FirstName>
          <ns1:MiddleName>Septima</ns1:MiddleName>
          <ns1:LastName>McGonagall</ns1:LastName>
        </ns1:ConsName>
        <ns1:UserName>minerva</ns1:UserName>
        <ns1:PrimaryEmail>minerva@hogwarts.example</ns1:PrimaryEmail>
        <ns1:HomeAddress>
          <ns1:Street1/>
          <ns1:City>Hogsmeade</ns1:City>
          <ns1:State>CA</ns1:State>
          <ns1:Zip>94702</ns1:Zip>
          <ns1:Country>USA</ns1:Country>
        </ns1:HomeAddress>
        <ns1:HomePhone>555-0100</ns1:HomePhone>
      </ns3:Record>
    </ns3:Create>";

/// Creates Minerva with the Create page's request; her ConsId.
async fn create_minerva(emulator: &Emulator, token: &str) -> u64 {
    let response = soap(emulator, &prefixed(token, MINERVA)).await;
    assert!(
        response.1.contains("<ResultCode>OK</ResultCode>"),
        "{}",
        response.1
    );
    let Body::CreateResponse(created) = body_of(&response) else {
        panic!("not a CreateResponse: {}", response.1)
    };
    assert_eq!(created.result.len(), 1);
    assert_eq!(created.result[0].result_code, ResultCode::Ok);
    let Some(AnyRecord::Constituent(record)) = &created.result[0].record else {
        panic!("no record in {}", response.1)
    };
    assert_eq!(
        record.primary_email,
        Field::Value("minerva@hogwarts.example".into())
    );
    record.cons_id.expect("a ConsId")
}

fn constituent(record: &AnyRecord) -> &convio::generated::ens::ConstituentType {
    match record {
        AnyRecord::Constituent(c) => c,
        other => panic!("not a constituent: {other:?}"),
    }
}

// ---------------------------------------------------------------- documented styles

#[tokio::test]
async fn login_in_both_documented_styles() {
    let emulator = start().await;
    let first = login(&emulator).await;
    let prefixed_login = soap(
        &emulator,
        "<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'>
  <soapenv:Body>
    <ns3:Login xmlns:ns3='urn:soap.convio.com'>
      <ns3:UserName>apiuser</ns3:UserName>
      <ns3:Password>secret</ns3:Password>
    </ns3:Login>
  </soapenv:Body>
</soapenv:Envelope>",
    )
    .await;
    let Body::LoginResponse(second) = body_of(&prefixed_login) else {
        panic!("{}", prefixed_login.1)
    };
    assert!(second.result.session_id.contains(":JSESSIONID="));
    assert_ne!(first, second.result.session_id.to_string());

    let refused = soap(
        &emulator,
        "<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Body><Login xmlns='urn:soap.convio.com'><UserName>apiuser</UserName><Password>Secret</Password></Login></soap:Body></soap:Envelope>",
    )
    .await;
    assert_eq!(fault_of(&refused).kind, FaultKind::Login);
    assert!(refused.1.contains("<LoginFault"), "{}", refused.1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn documented_create_with_an_empty_street1() {
    let emulator = start().await;
    let token = login(&emulator).await;
    let id = create_minerva(&emulator, &token).await;
    assert_eq!(count(&emulator), 1);
    assert_eq!(
        stored(&emulator, id, "ConsName.FirstName").as_deref(),
        Some("Minerva")
    );
    assert_eq!(
        stored(&emulator, id, "HomeAddress.City").as_deref(),
        Some("Hogsmeade")
    );
    assert_eq!(
        stored(&emulator, id, "UserName").as_deref(),
        Some("minerva")
    );
    // The empty Street1 sets nothing; no AcceptsEmail means opted out (LWS 1.32).
    assert_eq!(stored(&emulator, id, "HomeAddress.Street1"), None);
    assert_eq!(
        stored(&emulator, id, "AcceptsEmail").as_deref(),
        Some("false")
    );

    // The same create in the default-namespace style: the email is taken now.
    let again = soap(
        &emulator,
        &default_namespace(
            &token,
            "    <Create xmlns='urn:soap.convio.com' xmlns:ens='urn:object.soap.convio.com' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'>
      <Record xsi:type='ens:Constituent'>
        <ens:PrimaryEmail>MINERVA@hogwarts.example</ens:PrimaryEmail>
      </Record>
      <Record xsi:type='ens:Constituent'>
        <ens:ConsName><ens:FirstName>Pomona</ens:FirstName></ens:ConsName>
        <ens:PrimaryEmail>pomona@hogwarts.example</ens:PrimaryEmail>
        <ens:AcceptsEmail>1</ens:AcceptsEmail>
      </Record>
    </Create>",
        ),
    )
    .await;
    let Body::CreateResponse(results) = body_of(&again) else {
        panic!("{}", again.1)
    };
    let codes: Vec<_> = results
        .result
        .iter()
        .map(|r| r.result_code.clone())
        .collect();
    assert_eq!(codes, [ResultCode::DuplicateEmail, ResultCode::Ok]);
    assert_eq!(count(&emulator), 2);
    let pomona = emulator.site().find_by_email("pomona@hogwarts.example");
    assert_eq!(
        stored(&emulator, pomona[0], "AcceptsEmail").as_deref(),
        Some("true")
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn documented_update_with_xsi_nil() {
    let emulator = start().await;
    let token = login(&emulator).await;
    let id = create_minerva(&emulator, &token).await;
    let update = prefixed(
        &token,
        &format!(
            "    <ns3:Update xmlns:ns3='urn:soap.convio.com'>
      <ns3:PartitionId>1001</ns3:PartitionId>
      <ns3:Record xmlns:ns1='urn:object.soap.convio.com' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' xsi:type='ns1:Constituent'>
        <ns1:ConsId>{id}</ns1:ConsId>
        <ns1:ConsName>
          <ns1:MiddleName xsi:nil='true'/>
          <ns1:LastName>McGonagall-Urquart</ns1:LastName>
        </ns1:ConsName>
        <ns1:HomeAddress>
          <ns1:Street1/>
          <ns1:City>Hogwarts</ns1:City>
        </ns1:HomeAddress>
        <ns1:HomePhone xsi:nil='true'></ns1:HomePhone>
      </ns3:Record>
    </ns3:Update>"
        ),
    );
    let response = soap(&emulator, &update).await;
    let Body::UpdateResponse(updated) = body_of(&response) else {
        panic!("{}", response.1)
    };
    assert_eq!(updated.result[0].result_code, ResultCode::Ok);
    assert_eq!(
        updated.result[0].message,
        Field::Value("User updated.".into())
    );
    // nil cleared, a value set, empty and absent left as they were.
    assert_eq!(stored(&emulator, id, "ConsName.MiddleName"), None);
    assert_eq!(stored(&emulator, id, "HomePhone"), None);
    assert_eq!(
        stored(&emulator, id, "ConsName.LastName").as_deref(),
        Some("McGonagall-Urquart")
    );
    assert_eq!(
        stored(&emulator, id, "ConsName.FirstName").as_deref(),
        Some("Minerva")
    );
    assert_eq!(
        stored(&emulator, id, "HomeAddress.City").as_deref(),
        Some("Hogwarts")
    );
    assert_eq!(
        stored(&emulator, id, "HomeAddress.Zip").as_deref(),
        Some("94702")
    );

    // Default-namespace style, located by email, nil written as `1` on a whole group.
    let by_email = default_namespace(
        &token,
        "<Update xmlns='urn:soap.convio.com'><Record xmlns:o='urn:object.soap.convio.com' xmlns:i='http://www.w3.org/2001/XMLSchema-instance' i:type='o:Constituent'><o:PrimaryEmail>minerva@hogwarts.example</o:PrimaryEmail><o:HomeAddress i:nil='1'/></Record></Update>",
    );
    let response = soap(&emulator, &by_email).await;
    let Body::UpdateResponse(updated) = body_of(&response) else {
        panic!("{}", response.1)
    };
    assert_eq!(updated.result[0].result_code, ResultCode::Ok);
    assert_eq!(stored(&emulator, id, "HomeAddress.City"), None);
    assert_eq!(stored(&emulator, id, "HomeAddress.Zip"), None);
    assert_eq!(
        stored(&emulator, id, "ConsName.LastName").as_deref(),
        Some("McGonagall-Urquart")
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn documented_get_server_time_in_both_styles() {
    let emulator = start().await;
    let token = login(&emulator).await;
    for request in [
        default_namespace(
            &token,
            "    <GetServerTime xmlns='urn:soap.convio.com'></GetServerTime>",
        ),
        prefixed(
            &token,
            "    <ns3:GetServerTime xmlns:ns3='urn:soap.convio.com'/>",
        ),
    ] {
        let response = soap(&emulator, &request).await;
        assert!(response.1.contains("<Time>"), "{}", response.1);
        let Body::GetServerTimeResponse(time) = body_of(&response) else {
            panic!("{}", response.1)
        };
        assert!(
            parse_date_time(&time.result.time).is_some(),
            "{}",
            time.result.time
        );
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn documented_whitespace_inside_empty_operations() {
    let emulator = start().await;
    let token = login(&emulator).await;
    // As both GetServerTime samples of the reference write it: the empty operation element
    // opened and closed on separate lines. Logout last: it ends the session.
    for (operation, answer) in [
        ("GetServerTime", "<Time>"),
        ("ListRecordTypes", "<RecordType>Constituent</RecordType>"),
        ("Logout", "<LogoutResponse"),
    ] {
        for request in [
            default_namespace(
                &token,
                &format!("    <{operation} xmlns='urn:soap.convio.com'>\n       \t\r\n    </{operation}>"),
            ),
            prefixed(
                &token,
                &format!("    <ns3:{operation} xmlns:ns3='urn:soap.convio.com'>\n    </ns3:{operation}>"),
            ),
        ] {
            let response = soap(&emulator, &request).await;
            assert_eq!(response.0, 200, "{operation}: {}", response.1);
            assert!(response.1.contains(answer), "{operation}: {}", response.1);
            if operation == "Logout" {
                break;
            }
        }
    }
    // Text that is not whitespace is still refused, and changes nothing.
    let token = login(&emulator).await;
    for operation in ["GetServerTime", "ListRecordTypes", "Logout"] {
        let request = default_namespace(
            &token,
            &format!("<{operation} xmlns='urn:soap.convio.com'>\n  now\n</{operation}>"),
        );
        let fault = fault_of(&soap(&emulator, &request).await);
        assert_eq!(
            fault.kind,
            FaultKind::InvalidMessage,
            "{operation}: {fault:?}"
        );
        assert!(fault.message.contains("now"), "{}", fault.message);
    }
    let still = soap(
        &emulator,
        &default_namespace(&token, "<GetServerTime xmlns='urn:soap.convio.com'/>"),
    )
    .await;
    assert_eq!(
        still.0, 200,
        "the session survived the refused Logout: {}",
        still.1
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn documented_date_time_forms_in_synchronization_requests() {
    let emulator = start().await;
    let token = login(&emulator).await;
    // The reference's samples: one-digit month and day, and offsets without a colon.
    let started = soap(
        &emulator,
        &default_namespace(
            &token,
            "    <StartSynchronization xmlns='urn:soap.convio.com'>
      <PartitionId>1001</PartitionId>
      <Start>2009-5-1T00:00:00+0000</Start>
      <End>2015-12-31T00:00:00+0000</End>
    </StartSynchronization>",
        ),
    )
    .await;
    assert_eq!(started.0, 200, "{}", started.1);
    assert!(
        started
            .1
            .contains("<Start>2009-05-01T00:00:00Z</Start><End>2015-12-31T00:00:00Z</End>"),
        "{}",
        started.1
    );
    let log = |start: &str, end: &str| {
        default_namespace(
            &token,
            &format!(
                "    <GetSynchronizationLog xmlns='urn:soap.convio.com'>
      <PartitionId>1001</PartitionId>
      <Start>{start}</Start>
      <End>{end}</End>
    </GetSynchronizationLog>"
            ),
        )
    };
    // The window overlaps the sample's period; a later period has no window.
    let logged = soap(
        &emulator,
        &log("2009-5-1T00:00:00+0000", "2009-5-10T00:00:00+0000"),
    )
    .await;
    assert_eq!(logged.0, 200, "{}", logged.1);
    assert!(
        logged.1.contains("<Start>2009-05-01T00:00:00Z</Start>")
            && logged.1.contains("<SyncId>1</SyncId>"),
        "{}",
        logged.1
    );
    let later = soap(
        &emulator,
        &log("2016-1-1T00:00:00+0000", "2016-1-2T00:00:00-0500"),
    )
    .await;
    assert_eq!(later.0, 200, "{}", later.1);
    assert!(!later.1.contains("<Result>"), "{}", later.1);

    // Anything else is still an invalid message naming the element.
    for (start, end, named) in [
        ("May 1st 2009", "2009-5-10T00:00:00+0000", "Start"),
        ("2009-5-1T00:00:00+0000", "2009-13-01T00:00:00+0000", "End"),
        ("2009-5-1", "2009-5-10T00:00:00+0000", "Start"),
        ("2009-5-1T00:00:00+00", "2009-5-10T00:00:00+0000", "Start"),
    ] {
        let fault = fault_of(&soap(&emulator, &log(start, end)).await);
        assert_eq!(fault.kind, FaultKind::InvalidMessage, "{start}: {fault:?}");
        assert!(fault.message.contains(named), "{}", fault.message);
    }
    let forced = soap(
        &emulator,
        &default_namespace(
            &token,
            "<StartSynchronization xmlns='urn:soap.convio.com'><PartitionId>1001</PartitionId>\
             <Start>yesterday</Start><Force>true</Force></StartSynchronization>",
        ),
    )
    .await;
    let fault = fault_of(&forced);
    assert_eq!(fault.kind, FaultKind::InvalidMessage, "{fault:?}");
    assert!(fault.message.contains("Start"), "{}", fault.message);
    emulator.shutdown().await;
}

#[tokio::test]
async fn documented_query_in_both_styles() {
    let emulator = start().await;
    let token = login(&emulator).await;
    let id = create_minerva(&emulator, &token).await;
    let queries = [
        prefixed(
            &token,
            &format!(
                "    <ns3:Query xmlns:ns3='urn:soap.convio.com'>
      <ns3:QueryString>select ConsId, ConsName.FirstName, ConsName.Suffix, HomeAddress.City from Constituent where ConsId = {id}</ns3:QueryString>
      <ns3:Page>1</ns3:Page>
      <ns3:PageSize>10</ns3:PageSize>
    </ns3:Query>"
            ),
        ),
        default_namespace(
            &token,
            "<Query xmlns='urn:soap.convio.com'><QueryString>select ConsId, ConsName.FirstName, ConsName.Suffix, HomeAddress.City from Constituent where PrimaryEmail = 'minerva@hogwarts.example'</QueryString></Query>",
        ),
    ];
    for query in queries {
        let response = soap(&emulator, &query).await;
        // The selected empty field comes back nil.
        assert!(
            response.1.contains(r#"<ens:Suffix xsi:nil="true"/>"#),
            "{}",
            response.1
        );
        let Body::QueryResponse(page) = body_of(&response) else {
            panic!("{}", response.1)
        };
        assert_eq!(page.record.len(), 1, "{}", response.1);
        let record = constituent(&page.record[0]);
        assert_eq!(record.cons_id, Some(id));
        let Field::Value(name) = &record.cons_name else {
            panic!("no ConsName: {}", response.1)
        };
        assert_eq!(name.first_name, Field::Value("Minerva".into()));
        assert_eq!(name.suffix, Field::Nil);
        assert_eq!(name.last_name, Field::Absent);
        let Field::Value(address) = &record.home_address else {
            panic!("no HomeAddress: {}", response.1)
        };
        assert_eq!(address.city, Field::Value("Hogsmeade".into()));
        assert_eq!(record.primary_email, Field::Absent);
    }
    emulator.shutdown().await;
}

// ---------------------------------------------------------------- refused messages

#[tokio::test]
async fn a_missing_session_header_is_a_session_fault() {
    let emulator = start().await;
    let no_header = soap(
        &emulator,
        "<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Body><GetServerTime xmlns='urn:soap.convio.com'/></soap:Body></soap:Envelope>",
    )
    .await;
    let fault = fault_of(&no_header);
    assert_eq!(
        (fault.kind, fault.code.as_str()),
        (FaultKind::Session, "SESSION")
    );
    // A header without the Session element is no better.
    let empty_header = soap(
        &emulator,
        "<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Header/><soap:Body><Query xmlns='urn:soap.convio.com'><QueryString>select ConsId from Constituent</QueryString></Query></soap:Body></soap:Envelope>",
    )
    .await;
    assert_eq!(fault_of(&empty_header).kind, FaultKind::Session);
    // A Session header in the wrong namespace does not count either.
    let wrong_namespace = soap(
        &emulator,
        &format!(
            "<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Header><Session xmlns='urn:example'><SessionId>{}</SessionId></Session></soap:Header><soap:Body><GetServerTime xmlns='urn:soap.convio.com'/></soap:Body></soap:Envelope>",
            login(&emulator).await
        ),
    )
    .await;
    assert_eq!(fault_of(&wrong_namespace).kind, FaultKind::Session);
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_unknown_token_is_a_session_fault_and_changes_nothing() {
    let emulator = start().await;
    let _real = login(&emulator).await;
    let forged = "0000000000000000000000000000000000000000:JSESSIONID=forged:10000100:2026-11-22T18:13:46.019Z";
    let response = soap(&emulator, &prefixed(forged, MINERVA)).await;
    let fault = fault_of(&response);
    assert_eq!(fault.kind, FaultKind::Session);
    assert!(response.1.contains("<SessionFault"), "{}", response.1);
    assert_eq!(count(&emulator), 0);
    emulator.shutdown().await;
}

#[tokio::test]
async fn malformed_xml_is_a_malformed_message_fault_with_line_and_column() {
    let emulator = start().await;
    // Line 4 closes UserName with the wrong end tag (columns 24 to 34).
    let mismatched = "<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'>
  <soap:Body>
    <Login xmlns='urn:soap.convio.com'>
      <UserName>apiuser</Password>
    </Login>
  </soap:Body>
</soap:Envelope>";
    let response = soap(&emulator, mismatched).await;
    let fault = fault_of(&response);
    assert_eq!(fault.code, "MALFORMED_MESSAGE");
    let FaultKind::MalformedMessage {
        line: Some(line),
        column: Some(column),
    } = fault.kind
    else {
        panic!("no line and column: {}", response.1)
    };
    assert_eq!(line, 4, "{}", response.1);
    assert!((24..=35).contains(&column), "column {column}");

    // A bare ampersand on line 3.
    let ampersand = "<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'>
<soap:Body><Login xmlns='urn:soap.convio.com'><UserName>apiuser</UserName>
<Password>salt & pepper</Password></Login></soap:Body></soap:Envelope>";
    let fault = fault_of(&soap(&emulator, ampersand).await);
    assert!(
        matches!(
            fault.kind,
            FaultKind::MalformedMessage {
                line: Some(3),
                column: Some(_)
            }
        ),
        "{fault:?}"
    );

    // A document that ends too early, and one that is not XML at all.
    let truncated =
        "<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'>\n<soap:Body>";
    assert!(matches!(
        fault_of(&soap(&emulator, truncated).await).kind,
        FaultKind::MalformedMessage { line: Some(2), .. }
    ));
    assert_eq!(
        fault_of(&soap(&emulator, "select * from Constituent").await).code,
        "MALFORMED_MESSAGE"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_doctype_is_refused_as_malformed_and_nothing_is_expanded() {
    let emulator = start().await;
    let token = login(&emulator).await;
    let with_doctype = format!(
        "<?xml version='1.0'?>
<!DOCTYPE soapenv:Envelope [<!ENTITY name 'Expanded'>]>
{}",
        prefixed(&token, MINERVA)
            .trim_start_matches("<?xml version='1.0' encoding='UTF-8'?>\n")
            .replace("Minerva<", "&name;<")
    );
    let fault = fault_of(&soap(&emulator, &with_doctype).await);
    assert_eq!(fault.code, "MALFORMED_MESSAGE");
    assert!(
        matches!(
            fault.kind,
            FaultKind::MalformedMessage { line: Some(2), .. }
        ),
        "{fault:?}"
    );
    assert!(fault.message.contains("DOCTYPE"), "{}", fault.message);
    assert_eq!(count(&emulator), 0);
    emulator.shutdown().await;
}

#[tokio::test]
async fn content_after_the_root_element_is_malformed() {
    let emulator = start().await;
    let token = login(&emulator).await;
    for trailer in [
        "<soapenv:Envelope/>",
        "trailing text",
        "<!-- ok --><extra/>",
    ] {
        let message = format!("{}{trailer}", prefixed(&token, MINERVA));
        let fault = fault_of(&soap(&emulator, &message).await);
        assert_eq!(fault.code, "MALFORMED_MESSAGE", "{trailer}");
    }
    assert_eq!(count(&emulator), 0);
    // Whitespace, comments and processing instructions after the root are fine.
    let message = format!(
        "{}\n<!-- sent by hand -->\n<?trace id='1'?>\n\n",
        prefixed(&token, MINERVA)
    );
    create_minerva_with(&emulator, &message).await;
    assert_eq!(count(&emulator), 1);
    emulator.shutdown().await;
}

async fn create_minerva_with(emulator: &Emulator, message: &str) {
    let response = soap(emulator, message).await;
    let Body::CreateResponse(created) = body_of(&response) else {
        panic!("{}", response.1)
    };
    assert_eq!(created.result[0].result_code, ResultCode::Ok);
}

#[tokio::test]
async fn a_literal_cdata_end_in_content_is_malformed() {
    let emulator = start().await;
    let token = login(&emulator).await;
    let message = prefixed(&token, &MINERVA.replace("Septima", "Sep]]>tima"));
    let fault = fault_of(&soap(&emulator, &message).await);
    assert_eq!(fault.code, "MALFORMED_MESSAGE");
    assert_eq!(count(&emulator), 0);
    emulator.shutdown().await;
}

#[tokio::test]
async fn update_parameters_out_of_order_are_an_invalid_message() {
    let emulator = start().await;
    let token = login(&emulator).await;
    let id = create_minerva(&emulator, &token).await;
    let update = prefixed(
        &token,
        &format!(
            "<ns3:Update xmlns:ns3='urn:soap.convio.com'>
      <ns3:Record xmlns:ns1='urn:object.soap.convio.com' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' xsi:type='ns1:Constituent'>
        <ns1:ConsId>{id}</ns1:ConsId>
        <ns1:ConsName><ns1:FirstName>Changed</ns1:FirstName></ns1:ConsName>
      </ns3:Record>
      <ns3:PartitionId>1001</ns3:PartitionId>
    </ns3:Update>"
        ),
    );
    let response = soap(&emulator, &update).await;
    let fault = fault_of(&response);
    assert_eq!(
        (fault.kind, fault.code.as_str()),
        (FaultKind::InvalidMessage, "INVALID_MESSAGE")
    );
    assert!(
        response.1.contains("<InvalidMessageFault"),
        "{}",
        response.1
    );
    assert_eq!(
        stored(&emulator, id, "ConsName.FirstName").as_deref(),
        Some("Minerva")
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_record_field_out_of_schema_order_is_an_invalid_message() {
    let emulator = start().await;
    let token = login(&emulator).await;
    // PrimaryEmail comes after ConsName in the schema; LastName after FirstName.
    let field_order = MINERVA.replace(
        "<ns1:UserName>minerva</ns1:UserName>",
        "<ns1:UserName>minerva</ns1:UserName><ns1:ConsId>5</ns1:ConsId>",
    );
    let name_order = MINERVA.replace(
        "<ns1:FirstName>Minerva</ns1:FirstName>",
        "<ns1:LastName>Twice</ns1:LastName><ns1:FirstName>Minerva</ns1:FirstName>",
    );
    for create in [field_order, name_order] {
        let fault = fault_of(&soap(&emulator, &prefixed(&token, &create)).await);
        assert_eq!(fault.kind, FaultKind::InvalidMessage, "{}", fault.message);
        assert!(fault.message.contains("order"), "{}", fault.message);
    }
    // A field the schema does not have at all.
    let unknown = MINERVA.replace(
        "<ns1:UserName>minerva</ns1:UserName>",
        "<ns1:UserName>minerva</ns1:UserName><ns1:Patronus>cat</ns1:Patronus>",
    );
    let fault = fault_of(&soap(&emulator, &prefixed(&token, &unknown)).await);
    assert_eq!(fault.kind, FaultKind::InvalidMessage, "{}", fault.message);
    assert_eq!(count(&emulator), 0);
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_unknown_operation_is_an_unsupported_operation_fault() {
    let emulator = start().await;
    let token = login(&emulator).await;
    for operation in [
        "<ns3:Frobnicate xmlns:ns3='urn:soap.convio.com'/>",
        "<GetServerTime xmlns='urn:example.org'/>",
    ] {
        let response = soap(&emulator, &prefixed(&token, operation)).await;
        let fault = fault_of(&response);
        assert_eq!(
            fault.kind,
            FaultKind::UnsupportedOperation,
            "{}",
            response.1
        );
        assert_eq!(fault.code, "UNSUPPORTED_OPERATION");
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_record_without_xsi_type_is_an_invalid_message() {
    let emulator = start().await;
    let token = login(&emulator).await;
    let untyped = MINERVA.replace(" xsi:type='ns1:Constituent'", "");
    let response = soap(&emulator, &prefixed(&token, &untyped)).await;
    let fault = fault_of(&response);
    assert_eq!(fault.kind, FaultKind::InvalidMessage, "{}", response.1);
    assert!(fault.message.contains("xsi:type"), "{}", fault.message);
    // A type in the wrong namespace is not a Constituent either.
    let foreign = MINERVA.replace(
        "xsi:type='ns1:Constituent'",
        "xmlns:x='urn:example' xsi:type='x:Constituent'",
    );
    let fault = fault_of(&soap(&emulator, &prefixed(&token, &foreign)).await);
    assert_eq!(fault.kind, FaultKind::InvalidMessage);
    assert_eq!(count(&emulator), 0);
    emulator.shutdown().await;
}

#[tokio::test]
async fn markup_and_entities_in_values_round_trip_unchanged() {
    let emulator = start().await;
    let token = login(&emulator).await;
    let injection = "</MiddleName><PrimaryEmail>x@y</PrimaryEmail>";
    let cdata_end = "a]]>b";
    let entity = "&amp;";
    let ampersands = "Tom & Jerry <3";
    // Escaped as text, and the same values again in CDATA sections.
    let create = |email: &str, middle: &str, last: &str, suffix: &str, first: &str| {
        format!(
            "<ns3:Create xmlns:ns3='urn:soap.convio.com'>
      <ns3:Record xmlns:ns1='urn:object.soap.convio.com' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' xsi:type='ns1:Constituent'>
        <ns1:ConsName><ns1:FirstName>{first}</ns1:FirstName><ns1:MiddleName>{middle}</ns1:MiddleName><ns1:LastName>{last}</ns1:LastName><ns1:Suffix>{suffix}</ns1:Suffix></ns1:ConsName>
        <ns1:PrimaryEmail>{email}</ns1:PrimaryEmail>
      </ns3:Record>
    </ns3:Create>"
        )
    };
    let requests = [
        create(
            "escaped@example.org",
            "&lt;/MiddleName&gt;&lt;PrimaryEmail&gt;x@y&lt;/PrimaryEmail&gt;",
            "a]]&gt;b",
            "&amp;amp;",
            "Tom &#38; Jerry &#x3C;3",
        ),
        create(
            "cdata@example.org",
            "<![CDATA[</MiddleName><PrimaryEmail>x@y</PrimaryEmail>]]>",
            "<![CDATA[a]]]]><![CDATA[>b]]>",
            "<![CDATA[&amp;]]>",
            "Tom <![CDATA[&]]> Jerry &lt;3",
        ),
    ];
    for (email, request) in ["escaped@example.org", "cdata@example.org"]
        .into_iter()
        .zip(requests)
    {
        let response = soap(&emulator, &prefixed(&token, &request)).await;
        let Body::CreateResponse(created) = body_of(&response) else {
            panic!("{}", response.1)
        };
        assert_eq!(created.result[0].result_code, ResultCode::Ok, "{email}");
        let id = constituent(created.result[0].record.as_ref().unwrap())
            .cons_id
            .unwrap();
        // Stored exactly, and the markup did not become a field.
        assert_eq!(
            stored(&emulator, id, "ConsName.MiddleName").as_deref(),
            Some(injection)
        );
        assert_eq!(
            stored(&emulator, id, "ConsName.LastName").as_deref(),
            Some(cdata_end)
        );
        assert_eq!(
            stored(&emulator, id, "ConsName.Suffix").as_deref(),
            Some(entity)
        );
        assert_eq!(
            stored(&emulator, id, "ConsName.FirstName").as_deref(),
            Some(ampersands)
        );
        assert_eq!(
            stored(&emulator, id, "PrimaryEmail").as_deref(),
            Some(email)
        );
        assert!(emulator.site().find_by_email("x@y").is_empty());

        // Query them back: escaped on the wire, equal once decoded.
        let query = default_namespace(
            &token,
            &format!("<Query xmlns='urn:soap.convio.com'><QueryString>select ConsId, ConsName, ConsName.MiddleName, ConsName.Suffix, PrimaryEmail from Constituent where ConsId = {id}</QueryString></Query>"),
        );
        let response = soap(&emulator, &query).await;
        assert!(
            response.1.contains(
                "<ens:MiddleName>&lt;/MiddleName&gt;&lt;PrimaryEmail&gt;x@y&lt;/PrimaryEmail&gt;</ens:MiddleName>"
            ),
            "{}",
            response.1
        );
        assert!(
            response.1.contains("<ens:LastName>a]]&gt;b</ens:LastName>"),
            "{}",
            response.1
        );
        assert!(
            response.1.contains("<ens:Suffix>&amp;amp;</ens:Suffix>"),
            "{}",
            response.1
        );
        let Body::QueryResponse(page) = body_of(&response) else {
            panic!("{}", response.1)
        };
        let record = constituent(&page.record[0]);
        let Field::Value(name) = &record.cons_name else {
            panic!("{}", response.1)
        };
        assert_eq!(name.middle_name, Field::Value(injection.into()));
        assert_eq!(name.last_name, Field::Value(cdata_end.into()));
        assert_eq!(name.suffix, Field::Value(entity.into()));
        assert_eq!(name.first_name, Field::Value(ampersands.into()));
        assert_eq!(record.primary_email, Field::Value(email.into()));
    }
    assert_eq!(count(&emulator), 2);
    emulator.shutdown().await;
}

// ---------------------------------------------------------------- Server API and WSDL

#[tokio::test]
async fn a_hand_written_server_api_form() {
    let emulator = start().await;
    let url = format!("{}/site/SRConsAPI", emulator.server_api_base());
    let form =
        "method=createOrUpdate&v=1.0&api_key=demo-api-key&login_name=apiuser&login_password=secret\
                &primary_email=ada%2Bnews%40example.org&name.first=Ada&name.last=Lovelace+King\
                &primary_address.city=S%C3%A3o+Paulo&add_group_ids=1101%2C1102";
    let (status, content_type, body) = exchange(
        hyper::Method::POST,
        &url,
        Some("application/x-www-form-urlencoded"),
        form,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(content_type.starts_with("text/xml"), "{content_type}");
    assert!(
        body.contains(r#"<createOrUpdateConsResponse xmlns="http://convio.com/crm/v1.0""#),
        "{body}"
    );
    assert!(
        body.contains("<message>New user added.</message>"),
        "{body}"
    );
    let ids = emulator.site().find_by_email("ada+news@example.org");
    assert_eq!(ids.len(), 1);
    let id = ids[0];
    assert!(body.contains(&format!("<cons_id>{id}</cons_id>")), "{body}");
    assert_eq!(
        stored(&emulator, id, "ConsName.LastName").as_deref(),
        Some("Lovelace King")
    );
    assert_eq!(
        stored(&emulator, id, "HomeAddress.City").as_deref(),
        Some("São Paulo")
    );
    assert_eq!(
        emulator
            .site()
            .constituent(id)
            .and_then(|c| c.list("GroupId").map(<[String]>::to_vec)),
        Some(vec!["1101".to_string(), "1102".to_string()])
    );

    // The same servlet in JSON, served as text/plain; an error is HTTP 403.
    let form = format!(
        "v=1.0&api_key=demo-api-key&login_name=apiuser&login_password=secret&method=getUser&response_format=json&cons_id={id}&fields=name.first%2Cname.middle"
    );
    let (status, content_type, body) = exchange(
        hyper::Method::POST,
        &url,
        Some("application/x-www-form-urlencoded"),
        &form,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"getConsResponse": {"cons_id": id.to_string(), "name": {"first": "Ada", "middle": null}}})
    );
    let (status, _, body) = exchange(
        hyper::Method::POST,
        &url,
        Some("application/x-www-form-urlencoded"),
        "v=1.0&api_key=wrong&method=getUser&cons_id=1",
    )
    .await;
    assert_eq!(status, 403);
    assert!(body.contains("<code>2</code>"), "{body}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_server_api_answers_get_with_405() {
    let emulator = start().await;
    let url = format!(
        "{}/site/SRConsAPI?method=getUser&v=1.0&api_key=demo-api-key&cons_id=1",
        emulator.server_api_base()
    );
    let (status, _, body) = exchange(hyper::Method::GET, &url, None, "").await;
    assert_eq!(status, 405, "{body}");
    // And the SOAP endpoint serves nothing but POST (and the WSDL).
    let (status, _, _) = exchange(hyper::Method::GET, &emulator.soap_url(), None, "").await;
    assert_eq!(status, 404);
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_wsdl_carries_the_emulators_address() {
    let emulator = start().await;
    let (status, content_type, wsdl) =
        exchange(hyper::Method::GET, &emulator.wsdl_url(), None, "").await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/xml"), "{content_type}");
    assert_eq!(format!("{}/wsdl", emulator.soap_url()), emulator.wsdl_url());
    assert!(
        wsdl.contains(&format!(r#"location="{}""#, emulator.soap_url())),
        "{wsdl}"
    );
    assert!(!wsdl.contains("webservices.cluster.convio.net"));
    assert!(wsdl.contains("urn:soap.convio.com"));
    assert!(wsdl.contains("<wsdl:definitions") || wsdl.contains("<definitions"));
    // The schemas it imports are served beside it.
    for (name, namespace) in [
        ("objects.xsd", "urn:object.soap.convio.com"),
        ("messages.xsd", "urn:soap.convio.com"),
    ] {
        assert!(wsdl.contains(&format!(r#"schemaLocation="{name}""#)));
        let (status, _, schema) = exchange(
            hyper::Method::GET,
            &format!("{}/{name}", emulator.soap_url()),
            None,
            "",
        )
        .await;
        assert_eq!(status, 200, "{name}");
        assert!(
            schema.contains(&format!(r#"targetNamespace="{namespace}""#)),
            "{name}"
        );
    }
    emulator.shutdown().await;
}
