//! Decoding responses shaped like the documentation's examples (retyped, values changed).

use convio::generated::tns;
use convio::soap::{decode_envelope, decode_response, decode_response_with, Body, FaultKind};
use convio::{AnyRecord, DecodeError, DecodeOptions, Error, Field, ResultCode};

/// Update result with a nil MemberId, in the server's style: default namespace on the
/// response element, `ens` and `xsi` declared there, no XML declaration.
const UPDATE_RESPONSE: &str = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
 <soap:Body>
  <UpdateResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
   <Result>
    <ResultCode>OK</ResultCode>
    <Message>User updated.</Message>
    <Record xsi:type="ens:Constituent">
     <ens:ConsId>1001082</ens:ConsId>
     <ens:MemberId xsi:nil="true"/>
     <ens:PrimaryEmail>albus@hogwarts.example</ens:PrimaryEmail>
    </Record>
   </Result>
   <Result>
    <ResultCode>UPDATE_MATCH_AMBIGUOUS</ResultCode>
    <Message>More than one record matches.</Message>
   </Result>
   <Result>
    <ResultCode>SOME_FUTURE_CODE</ResultCode>
   </Result>
  </UpdateResponse>
 </soap:Body>
</soap:Envelope>"#;

#[test]
fn update_result_with_nil_member_id() {
    let Body::UpdateResponse(response) = decode_response(UPDATE_RESPONSE.as_bytes()).unwrap()
    else {
        panic!("not an UpdateResponse")
    };
    assert_eq!(response.result.len(), 3);

    let ok = &response.result[0];
    assert_eq!(ok.result_code, ResultCode::Ok);
    assert_eq!(ok.message, Field::Value("User updated.".into()));
    let Some(AnyRecord::Constituent(record)) = &ok.record else {
        panic!("no constituent")
    };
    assert_eq!(record.cons_id, Some(1001082));
    assert_eq!(record.member_id, Field::Nil);
    assert_eq!(
        record.primary_email,
        Field::Value("albus@hogwarts.example".into())
    );
    assert_eq!(record.user_name, Field::Absent);
    assert_eq!(record.cons_name, Field::Absent);

    let ambiguous = &response.result[1];
    assert_eq!(ambiguous.result_code, ResultCode::UpdateMatchAmbiguous);
    assert_eq!(
        ambiguous.message,
        Field::Value("More than one record matches.".into())
    );
    assert_eq!(ambiguous.record, None);

    let future = &response.result[2];
    assert_eq!(
        future.result_code,
        ResultCode::Other("SOME_FUTURE_CODE".into())
    );
    assert_eq!(future.message, Field::Absent);
}

#[test]
fn login_response() {
    let wire = r#"<?xml version='1.0' encoding='UTF-8'?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<LoginResponse xmlns="urn:soap.convio.com"><Result>
<SessionId>0123456789abcdef0123456789abcdef01234567:JSESSIONID=abcXyz:10000100:2026-11-22T18:13:46.019Z</SessionId>
</Result></LoginResponse></soap:Body></soap:Envelope>"#;
    let Body::LoginResponse(response) = decode_response(wire.as_bytes()).unwrap() else {
        panic!("not a LoginResponse")
    };
    assert_eq!(
        response.result.session_id,
        "0123456789abcdef0123456789abcdef01234567:JSESSIONID=abcXyz:10000100:2026-11-22T18:13:46.019Z"
    );
}

#[test]
fn prefixed_request_style_is_read() {
    // The tool-generated style of the documentation: every element prefixed, the record's
    // namespaces declared on the Record element, mustUnderstand on the header entry.
    let wire = r#"<?xml version='1.0' encoding='UTF-8'?>
<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'>
 <soapenv:Header>
  <ns3:Session xmlns:ns3='urn:soap.convio.com' soapenv:mustUnderstand='0'>
   <ns3:SessionId>token-1</ns3:SessionId>
  </ns3:Session>
 </soapenv:Header>
 <soapenv:Body>
  <ns3:Create xmlns:ns3='urn:soap.convio.com'>
   <ns3:PartitionId>123</ns3:PartitionId>
   <ns3:Record xmlns:ns1='urn:object.soap.convio.com' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' xsi:type='ns1:Constituent'>
    <ns1:ConsName><ns1:FirstName>Albus</ns1:FirstName><ns1:LastName>Dumbledore</ns1:LastName></ns1:ConsName>
    <ns1:UserName>albus</ns1:UserName>
    <ns1:PrimaryEmail>albus@hogwarts.example</ns1:PrimaryEmail>
    <ns1:HomeAddress><ns1:Street1/><ns1:City>Hogsmeade</ns1:City><ns1:Zip>94702</ns1:Zip></ns1:HomeAddress>
   </ns3:Record>
  </ns3:Create>
 </soapenv:Body>
</soapenv:Envelope>"#;
    let envelope = decode_envelope(wire.as_bytes()).unwrap();
    let session = envelope
        .header
        .and_then(|h| h.session)
        .expect("session header");
    assert_eq!(session.session_id, "token-1");
    let Body::Create(create) = envelope.body else {
        panic!("not a Create")
    };
    assert_eq!(create.partition_id, Some(123));
    let AnyRecord::Constituent(c) = &create.record[0] else {
        panic!("not a constituent")
    };
    let Field::Value(name) = &c.cons_name else {
        panic!("no name")
    };
    assert_eq!(name.first_name, Field::Value("Albus".into()));
    assert_eq!(name.middle_name, Field::Absent);
    assert_eq!(c.user_name, Field::Value("albus".into()));
    let Field::Value(address) = &c.home_address else {
        panic!("no address")
    };
    // An empty element decodes to the empty value it is; only encoding refuses it.
    assert_eq!(address.street_1, Field::Value("".into()));
    assert_eq!(address.city, Field::Value("Hogsmeade".into()));
    assert_eq!(address.state, Field::Absent);
}

#[test]
fn incremental_updates_page_of_records() {
    let wire = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<GetIncrementalUpdatesResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<Record xsi:type="ens:Constituent"><ens:ConsId>1001483</ens:ConsId><ens:ConsName><ens:FirstName>Minerva</ens:FirstName><ens:LastName>McGonagall</ens:LastName></ens:ConsName></Record>
<Record xsi:type="ens:Constituent"><ens:ConsId>1001484</ens:ConsId><ens:GroupId>1101</ens:GroupId><ens:GroupId>1102</ens:GroupId></Record>
</GetIncrementalUpdatesResponse></soap:Body></soap:Envelope>"#;
    let Body::GetIncrementalUpdatesResponse(page) = decode_response(wire.as_bytes()).unwrap()
    else {
        panic!("not a GetIncrementalUpdatesResponse")
    };
    assert_eq!(page.record.len(), 2);
    let AnyRecord::Constituent(first) = &page.record[0] else {
        panic!()
    };
    assert_eq!(first.cons_id, Some(1001483));
    let Field::Value(name) = &first.cons_name else {
        panic!()
    };
    assert_eq!(name.first_name, Field::Value("Minerva".into()));
    assert_eq!(name.last_name, Field::Value("McGonagall".into()));
    let AnyRecord::Constituent(second) = &page.record[1] else {
        panic!()
    };
    assert_eq!(second.group_id, vec![1101, 1102]);
}

#[test]
fn query_response_with_other_record_types() {
    let wire = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<QueryResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<Record xsi:type="ens:Partition"><ens:PartitionId>1001</ens:PartitionId><ens:Name>All constituents</ens:Name></Record>
<Record xsi:type="ens:Donation"><ens:TransactionId>5</ens:TransactionId><ens:TaxDeductibleValue>12345678901234567.89</ens:TaxDeductibleValue></Record>
</QueryResponse></soap:Body></soap:Envelope>"#;
    let Body::QueryResponse(page) = decode_response(wire.as_bytes()).unwrap() else {
        panic!("not a QueryResponse")
    };
    let AnyRecord::Partition(partition) = &page.record[0] else {
        panic!("not a partition")
    };
    assert_eq!(partition.partition_id, Some(1001));
    assert_eq!(partition.name, Field::Value("All constituents".into()));
    let AnyRecord::Donation(donation) = &page.record[1] else {
        panic!("not a donation")
    };
    assert_eq!(donation.transaction_id, Some(5));
    assert_eq!(
        donation
            .tax_deductible_value
            .as_option()
            .map(|d| d.as_str()),
        Some("12345678901234567.89")
    );
}

#[test]
fn malformed_message_fault_with_qualified_children() {
    // The documented fault writes faultcode/faultstring/detail with the soap: prefix.
    let wire = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>
<soap:faultcode>MALFORMED_MESSAGE</soap:faultcode>
<soap:faultstring>SOAP header element is missing</soap:faultstring>
<soap:detail><MalformedMessageFault xmlns="urn:soap.convio.com"><line>2</line><column>1</column></MalformedMessageFault></soap:detail>
</soap:Fault></soap:Body></soap:Envelope>"#;
    let Error::Fault(fault) = decode_response(wire.as_bytes()).unwrap_err() else {
        panic!("not a fault")
    };
    assert_eq!(
        fault.kind,
        FaultKind::MalformedMessage {
            line: Some(2),
            column: Some(1)
        }
    );
    assert_eq!(fault.code, "MALFORMED_MESSAGE");
    assert_eq!(fault.message, "SOAP header element is missing");
    assert_eq!(fault.actor, None);
}

#[test]
fn session_fault_from_detail() {
    let wire = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>
<faultcode>soap:Client</faultcode><faultstring>Session has expired</faultstring>
<detail><SessionFault xmlns="urn:soap.convio.com"/></detail>
</soap:Fault></soap:Body></soap:Envelope>"#;
    let Error::Fault(fault) = decode_response(wire.as_bytes()).unwrap_err() else {
        panic!("not a fault")
    };
    assert_eq!(fault.kind, FaultKind::Session);
    assert!(fault.is_session_fault());
    assert_eq!(fault.code, "soap:Client");
    assert_eq!(fault.message, "Session has expired");
}

#[test]
fn login_fault_with_unknown_detail_content_is_still_typed() {
    let wire = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>
<faultcode>LOGIN</faultcode><faultstring>Invalid user name or password</faultstring><faultactor>urn:lo</faultactor>
<detail><LoginFault xmlns="urn:soap.convio.com"><Reason>BAD_PASSWORD</Reason></LoginFault></detail>
</soap:Fault></soap:Body></soap:Envelope>"#;
    let Error::Fault(fault) = decode_response(wire.as_bytes()).unwrap_err() else {
        panic!("not a fault")
    };
    assert_eq!(fault.kind, FaultKind::Login);
    assert_eq!(fault.message, "Invalid user name or password");
    assert_eq!(fault.actor.as_deref(), Some("urn:lo"));
}

#[test]
fn synchronization_fault_from_code_only() {
    let wire = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>
<faultcode>SYNCHRONIZATION_FAULT</faultcode><faultstring>A synchronization is already active</faultstring>
</soap:Fault></soap:Body></soap:Envelope>"#;
    let Error::Fault(fault) = decode_response(wire.as_bytes()).unwrap_err() else {
        panic!("not a fault")
    };
    assert_eq!(fault.kind, FaultKind::Synchronization);
}

#[test]
fn synchronization_window_response() {
    let wire = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<EndSynchronizationResponse xmlns="urn:soap.convio.com"><Result><PartitionId>1001</PartitionId>
<Start>2026-11-01T00:00:00Z</Start><End>2026-11-22T10:00:00Z</End><SyncId>82</SyncId></Result></EndSynchronizationResponse>
</soap:Body></soap:Envelope>"#;
    let Body::EndSynchronizationResponse(response) = decode_response(wire.as_bytes()).unwrap()
    else {
        panic!()
    };
    let tns::SynchronizationWindowType {
        partition_id,
        start,
        end,
        sync_id,
        ..
    } = response.result;
    assert_eq!((partition_id, sync_id), (1001, 82));
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2026-11-01T00:00:00Z", "2026-11-22T10:00:00Z")
    );
}

#[test]
fn doctype_is_refused_before_parsing() {
    let wire = r#"<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaa">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetServerTimeResponse xmlns="urn:soap.convio.com"><Result><Time>&a;</Time></Result></GetServerTimeResponse></soap:Body></soap:Envelope>"#;
    assert!(matches!(
        decode_response(wire.as_bytes()),
        Err(Error::Decode(DecodeError::Doctype))
    ));
}

#[test]
fn record_without_xsi_type_is_kept_as_a_dynamic_record_and_refused_when_strict() {
    let wire = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<QueryResponse xmlns="urn:soap.convio.com"><Record><ConsId>1</ConsId></Record></QueryResponse></soap:Body></soap:Envelope>"#;
    let Body::QueryResponse(page) = decode_response(wire.as_bytes()).expect("lenient") else {
        panic!("expected a QueryResponse")
    };
    let [AnyRecord::Dynamic(record)] = page.record.as_slice() else {
        panic!("expected one dynamic record: {:?}", page.record)
    };
    assert_eq!(record.type_name(), "");
    assert_eq!(record.get("ConsId"), Field::Value("1"));

    let Err(Error::Decode(DecodeError::Xml {
        message,
        position,
        path,
    })) = decode_response_with(wire.as_bytes(), DecodeOptions::strict())
    else {
        panic!("expected decode error")
    };
    assert!(message.contains("no xsi:type"), "{message}");
    assert!(position.is_some());
    assert_eq!(path.join("/"), "Envelope/Body/QueryResponse/Record[1]");
}

#[test]
fn invalid_utf8_names_the_position() {
    let mut wire =
        br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>"#
            .to_vec();
    let at = wire.len();
    wire.extend_from_slice(b"\xff</soap:Body></soap:Envelope>");
    let Err(Error::Decode(DecodeError::Xml { position, .. })) = decode_response(&wire) else {
        panic!("expected decode error")
    };
    assert_eq!(position, Some(at as u64));
}
