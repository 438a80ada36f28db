//! The documentation's request and response examples, retyped into tests/fixtures/docs/ (each
//! file names its source page): decoded by our types, valid against our schemas (the fault
//! example's qualified `soap:faultcode` included), and answered by the emulator.
#![cfg(feature = "emulator")]

use std::process::Command;

use convio::emulator::Emulator;
use convio::soap::{decode_envelope, decode_response, Body, Client, FaultKind, SyncOptions};
use convio::transport::{HyperTransport, Transport};
use convio::{AnyRecord, Error, Field, ResultCode};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("tests/fixtures/docs/{name}"))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn documented_responses_decode_into_our_types() {
    let Body::LoginResponse(login) =
        decode_response(fixture("login-response.xml").as_bytes()).unwrap()
    else {
        panic!()
    };
    assert!(login.result.session_id.contains(":JSESSIONID="));

    let Body::GetServerTimeResponse(time) =
        decode_response(fixture("getservertime-response.xml").as_bytes()).unwrap()
    else {
        panic!()
    };
    assert_eq!(time.result.time, "2026-11-22T17:19:58Z");

    let Body::AddRelationshipsResponse(added) =
        decode_response(fixture("addrelationships-response.xml").as_bytes()).unwrap()
    else {
        panic!()
    };
    assert_eq!(added.result[0].result_code, ResultCode::Ok);
    assert_eq!(
        added.result[0].message,
        Field::Value("User updated.".into())
    );
    let Some(AnyRecord::Constituent(record)) = &added.result[0].record else {
        panic!()
    };
    assert_eq!(
        (record.cons_id, record.member_id.clone()),
        (Some(1001082), Field::Nil)
    );
    assert_eq!(
        record.primary_email,
        Field::Value("minerva@hogwarts.example".into())
    );

    let Body::GetIncrementalUpdatesResponse(page) =
        decode_response(fixture("getincrementalupdates-response.xml").as_bytes()).unwrap()
    else {
        panic!()
    };
    let AnyRecord::Constituent(updated) = &page.record[0] else {
        panic!()
    };
    let Field::Value(address) = &updated.home_address else {
        panic!()
    };
    assert_eq!(address.street_1, Field::Value("1 Greenhouse Lane".into()));
    assert_eq!(updated.user_name, Field::Value("psprout".into()));

    let Error::Fault(fault) =
        decode_response(fixture("malformed-fault.xml").as_bytes()).unwrap_err()
    else {
        panic!()
    };
    assert_eq!(
        fault.kind,
        FaultKind::MalformedMessage {
            line: Some(2),
            column: Some(1)
        }
    );
    assert_eq!(fault.message, "SOAP header element is missing");

    let Body::EndSynchronizationResponse(end) =
        decode_response(fixture("endsynchronization-response.xml").as_bytes()).unwrap()
    else {
        panic!()
    };
    assert_eq!((end.result.partition_id, end.result.sync_id), (1001, 82));

    let Body::GetSynchronizationRequestLogResponse(log) =
        decode_response(fixture("getsynchronizationrequestlog-response.xml").as_bytes()).unwrap()
    else {
        panic!()
    };
    let counts: Vec<Option<u64>> = log.record_request.iter().map(|r| r.record_count).collect();
    assert_eq!(counts, [Some(43), Some(9)]);
    assert_eq!(log.record_request[1].operation, "GetIncrementalUpdates");
    assert_eq!(
        (log.record_request[0].page, log.record_request[0].page_size),
        (Some(1), Some(100))
    );
}

#[test]
fn documented_requests_decode_into_our_types() {
    let create = decode_envelope(fixture("create-request.xml").as_bytes()).unwrap();
    assert_eq!(
        create
            .header
            .and_then(|h| h.session)
            .map(|s| s.session_id.to_string()),
        Some("SESSION-TOKEN".into())
    );
    let Body::Create(create) = create.body else {
        panic!()
    };
    let AnyRecord::Constituent(c) = &create.record[0] else {
        panic!()
    };
    let Field::Value(address) = &c.home_address else {
        panic!()
    };
    assert_eq!(address.street_1, Field::Value("".into()));
    assert_eq!(address.country, Field::Value("USA".into()));

    let Body::Update(update) = decode_envelope(fixture("update-request.xml").as_bytes())
        .unwrap()
        .body
    else {
        panic!()
    };
    let AnyRecord::Constituent(c) = &update.record[0] else {
        panic!()
    };
    let Field::Value(name) = &c.cons_name else {
        panic!()
    };
    assert_eq!(name.middle_name, Field::Nil);

    let Body::AddRelationships(add) =
        decode_envelope(fixture("addrelationships-request.xml").as_bytes())
            .unwrap()
            .body
    else {
        panic!()
    };
    let AnyRecord::Constituent(c) = &add.record[0] else {
        panic!()
    };
    assert_eq!(
        (
            c.center_id.clone(),
            c.interest_id.clone(),
            c.group_id.clone()
        ),
        (vec![11, 12], vec![21, 22], vec![1101])
    );

    let Body::GetIncrementalUpdates(incremental) =
        decode_envelope(fixture("getincrementalupdates-request.xml").as_bytes())
            .unwrap()
            .body
    else {
        panic!()
    };
    assert_eq!(incremental.field.len(), 5);
}

#[test]
fn every_documented_example_is_valid_against_our_schemas() {
    let mut files: Vec<String> = std::fs::read_dir("tests/fixtures/docs")
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".xml"))
        .collect();
    files.sort();
    // The documented fault among them writes faultcode, faultstring and detail with the
    // envelope prefix, which the envelope schema accepts beside the SOAP 1.1 spelling.
    assert!(files.iter().any(|f| f.ends_with("malformed-fault.xml")));
    let output = Command::new("xmllint")
        .args(["--noout", "--schema", "schemas/soap/envelope.xsd"])
        .args(&files)
        .output()
        .expect("xmllint");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn post(url: &str, body: String) -> String {
    let transport = HyperTransport::builder().build().unwrap();
    let mut request = hyper::Request::new(bytes::Bytes::from(body));
    *request.method_mut() = hyper::Method::POST;
    *request.uri_mut() = url.parse().unwrap();
    String::from_utf8(transport.send(request).await.unwrap().body().to_vec()).unwrap()
}

#[tokio::test]
async fn the_emulator_answers_the_documented_requests() {
    let emulator = Emulator::builder().start("127.0.0.1:0").await.unwrap();
    let url = emulator.soap_url();
    let Body::LoginResponse(login) =
        decode_response(post(&url, fixture("login-request.xml")).await.as_bytes()).unwrap()
    else {
        panic!()
    };
    let token = login.result.session_id.to_string();
    let send = |name: &str| post(&url, fixture(name).replace("SESSION-TOKEN", &token));

    let Body::CreateResponse(created) =
        decode_response(send("create-request.xml").await.as_bytes()).unwrap()
    else {
        panic!()
    };
    assert_eq!(created.result[0].result_code, ResultCode::Ok);
    let Body::UpdateResponse(updated) =
        decode_response(send("update-request.xml").await.as_bytes()).unwrap()
    else {
        panic!()
    };
    assert_eq!(updated.result[0].result_code, ResultCode::Ok);
    let Body::AddRelationshipsResponse(added) =
        decode_response(send("addrelationships-request.xml").await.as_bytes()).unwrap()
    else {
        panic!()
    };
    assert_eq!(added.result[0].result_code, ResultCode::Ok);
    let Body::GetServerTimeResponse(_) =
        decode_response(send("getservertime-request.xml").await.as_bytes()).unwrap()
    else {
        panic!()
    };
    // The page's own example carries no Session header: read, then refused for the session
    // only (not as a malformed or invalid message).
    let Error::Fault(fault) =
        decode_response(send("getservertime-request-page.xml").await.as_bytes()).unwrap_err()
    else {
        panic!()
    };
    assert_eq!(fault.kind, FaultKind::Session);
    // The documented spelling of dates in a request is read.
    let Body::GetSynchronizationLogResponse(_) =
        decode_response(send("getsynchronizationlog-request.xml").await.as_bytes()).unwrap()
    else {
        panic!()
    };

    // GetIncrementalUpdates needs an open window; without one the server faults.
    let Error::Fault(fault) =
        decode_response(send("getincrementalupdates-request.xml").await.as_bytes()).unwrap_err()
    else {
        panic!()
    };
    assert_eq!(fault.kind, FaultKind::Synchronization);
    let client = Client::builder()
        .endpoint(&url)
        .credentials("apiuser", "secret")
        .partition(1001)
        .build()
        .unwrap();
    client
        .start_synchronization(SyncOptions::default())
        .await
        .unwrap();
    let Body::GetIncrementalUpdatesResponse(_) =
        decode_response(send("getincrementalupdates-request.xml").await.as_bytes()).unwrap()
    else {
        panic!()
    };
    let Body::EndSynchronizationResponse(end) =
        decode_response(send("endsynchronization-request.xml").await.as_bytes()).unwrap()
    else {
        panic!()
    };
    assert_eq!(end.result.partition_id, 1001);

    // The stored record shows the documented effects: empty Street1 left alone, groups added.
    let minerva = emulator.site().find_by_email("minerva@hogwarts.example");
    let stored = emulator.site().constituent(minerva[0]).unwrap();
    assert_eq!(stored.get("HomeAddress.Street1"), None);
    assert_eq!(stored.get("HomeAddress.City"), Some("Hogsmeade"));
    assert_eq!(stored.list("GroupId"), Some(&["1101".to_string()][..]));
    emulator.shutdown().await;
}
