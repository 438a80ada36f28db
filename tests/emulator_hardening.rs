//! The emulator under hostile input and misuse (issue 16): one regression test (at least)
//! per numbered finding, named after it. No test asserts on wall time; the times of the
//! costly cases are printed.
#![cfg(feature = "cli")]

mod common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::cli::{emulator_process, printed, Running};
use common::wire::{body_of, exchange, fault_of, login, soap};
use common::{emulator_client, stored};
use convio::emulator::{Emulator, Limits};
use convio::generated::ens;
use convio::server_api::{Client as ServerApi, ConsParams, ErrorCode, ResponseFormat};
use convio::soap::{Body, Client, FaultKind, WriteOptions};
use convio::{AnyRecord, Error};

async fn start() -> Emulator {
    Emulator::builder()
        .seed(3)
        .start("127.0.0.1:0")
        .await
        .expect("emulator starts")
}

fn server_api(emulator: &Emulator) -> ServerApi {
    ServerApi::builder()
        .base_url(emulator.server_api_base())
        .api_key("demo-api-key")
        .credentials("apiuser", "secret")
        .response_format(ResponseFormat::Xml)
        .build()
        .unwrap()
}

/// A SOAP request with the Session header and `operation` in the Body.
fn request(token: &str, operation: &str) -> String {
    format!(
        "<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/' \
         xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' \
         xmlns:ens='urn:object.soap.convio.com'>\
         <soap:Header><Session xmlns='urn:soap.convio.com'><SessionId>{token}</SessionId></Session></soap:Header>\
         <soap:Body>{operation}</soap:Body></soap:Envelope>"
    )
}

fn update_middle_name(middle: &str) -> String {
    format!(
        "<Update xmlns='urn:soap.convio.com'><Record xsi:type='ens:Constituent'>\
         <ens:ConsId>1001001</ens:ConsId><ens:ConsName><ens:MiddleName>{middle}</ens:MiddleName></ens:ConsName>\
         </Record></Update>"
    )
}

/// POSTs a raw form to the Server API: (status, body).
async fn form(emulator: &Emulator, body: &str) -> (u16, String) {
    let url = format!("{}/site/SRConsAPI", emulator.server_api_base());
    let (status, _, text) = exchange(
        hyper::Method::POST,
        &url,
        Some("application/x-www-form-urlencoded"),
        body,
    )
    .await;
    (status, text)
}

const AUTH: &str = "api_key=demo-api-key&v=1.0&login_name=apiuser&login_password=secret";

/// Writes `request` on a fresh connection and reads what comes back until the server
/// closes the connection or one final (non-100) response is complete (within a generous
/// bound, so that a test cannot hang).
async fn raw_exchange(emulator: &Emulator, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(emulator.address())
        .await
        .unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    let read = async {
        while !complete(&answer) {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(60), read).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// Whether `answer` holds a whole response other than `100 Continue`.
fn complete(answer: &[u8]) -> bool {
    let text = String::from_utf8_lossy(answer);
    let Some(head_end) = text.find("\r\n\r\n") else {
        return false;
    };
    if text.starts_with("HTTP/1.1 100") {
        return false;
    }
    let length = text[..head_end]
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .and_then(|v| v.trim().parse::<usize>().ok())
        })
        .unwrap_or(0);
    answer.len() >= head_end + 4 + length
}

// ------------------------------------------------------------------ finding 1

#[tokio::test]
async fn finding_1_control_characters_in_soap_values_are_refused_and_never_stored() {
    let emulator = start().await;
    let token = login(&emulator).await;
    let before = stored(&emulator, 1_001_001, "ConsName.MiddleName");
    for (what, middle) in [
        ("U+0001", "a\u{1}b"),
        ("ESC", "red\u{1b}[31m"),
        ("U+FFFE", "x\u{fffe}"),
        ("&#1;", "a&#1;b"),
        ("&#x1B;", "a&#x1B;b"),
    ] {
        let answer = soap(&emulator, &request(&token, &update_middle_name(middle))).await;
        let fault = fault_of(&answer);
        assert!(
            matches!(fault.kind, FaultKind::MalformedMessage { .. }),
            "{what}: {fault:?}"
        );
        assert!(
            answer.1.contains("MiddleName"),
            "{what}: the fault names the field: {}",
            answer.1
        );
        assert!(
            answer.1.contains("not allowed in XML 1.0"),
            "{what}: {}",
            answer.1
        );
        assert_eq!(
            stored(&emulator, 1_001_001, "ConsName.MiddleName"),
            before,
            "{what}"
        );
    }
    // In an attribute value too.
    let answer = soap(
        &emulator,
        &request(
            &token,
            "<Update xmlns='urn:soap.convio.com'><Record xsi:type='ens:Constituent' note='&#1;'>\
             <ens:ConsId>1001001</ens:ConsId></Record></Update>",
        ),
    )
    .await;
    assert!(matches!(
        fault_of(&answer).kind,
        FaultKind::MalformedMessage { .. }
    ));
    // Every later response is still well-formed: a query over all records decodes.
    let mut pages =
        emulator_client(&emulator).query("select ConsId, ConsName.MiddleName from Constituent");
    assert_eq!(pages.next_page().await.unwrap().expect("a page").len(), 3);
    emulator.shutdown().await;
}

#[tokio::test]
async fn finding_1_control_characters_in_server_api_parameters_are_refused_naming_the_field() {
    let emulator = start().await;
    let count = emulator.site().constituent_ids().len();
    for (what, encoded) in [
        ("U+0001", "Ada%01"),
        ("ESC", "%1B%5B31mAda"),
        ("U+FFFE", "Ada%EF%BF%BE"),
        ("U+FFFF", "Ada%EF%BF%BF"),
    ] {
        let (status, body) = form(
            &emulator,
            &format!(
                "{AUTH}&method=createOrUpdate&primary_email=new@example.org&name.first={encoded}"
            ),
        )
        .await;
        assert_eq!(status, 403, "{what}: {body}");
        assert!(body.contains("<code>35</code>"), "{what}: {body}");
        assert!(
            body.contains("name.first"),
            "{what}: the error names the field: {body}"
        );
    }
    // In a parameter that is not a field too (the error names it).
    let (status, body) = form(
        &emulator,
        &format!("{AUTH}&method=createOrUpdate&primary_email=new%01@example.org"),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("<code>35</code>") && body.contains("primary_email"),
        "{body}"
    );
    assert_eq!(emulator.site().constituent_ids().len(), count);
    assert!(emulator.site().find_by_email("new@example.org").is_empty());
    emulator.shutdown().await;
}

#[tokio::test]
async fn finding_1_invalid_utf8_in_a_server_api_parameter_is_refused_not_stored_as_u_fffd() {
    let emulator = start().await;
    let (status, body) = form(
        &emulator,
        &format!("{AUTH}&method=update&cons_id=1001002&name.last=Hopper%FF%FE"),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("<code>35</code>"), "{body}");
    assert!(
        body.contains("name.last") && body.contains("UTF-8"),
        "{body}"
    );
    let last = stored(&emulator, 1_001_002, "ConsName.LastName").unwrap_or_default();
    assert!(!last.contains('\u{fffd}'), "{last}");
    emulator.shutdown().await;
}

// ------------------------------------------------------------------ finding 2

#[tokio::test]
async fn finding_2_100k_attributes_on_one_element_are_refused_with_a_fault() {
    let emulator = start().await;
    let token = login(&emulator).await;
    for (what, attribute) in [
        ("plain attributes", "a"),
        ("namespace declarations", "xmlns:p"),
    ] {
        let attributes: String = (0..100_000)
            .map(|n| format!(" {attribute}{n}='urn:x{n}'"))
            .collect();
        let operation = format!(
            "<Update xmlns='urn:soap.convio.com'><Record xsi:type='ens:Constituent'{attributes}>\
             <ens:ConsId>1001001</ens:ConsId></Record></Update>"
        );
        let started = Instant::now();
        let answer = soap(&emulator, &request(&token, &operation)).await;
        println!(
            "{what}: 100,000 on one element answered in {:?}",
            started.elapsed()
        );
        assert!(
            matches!(fault_of(&answer).kind, FaultKind::MalformedMessage { .. }),
            "{what}"
        );
        assert!(answer.1.contains("more than"), "{what}: {}", answer.1);
    }
    emulator.shutdown().await;
}

// ------------------------------------------------------------------ finding 3

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_3_id_list_merges_of_120k_ids_complete_and_other_requests_are_answered() {
    let emulator = start().await;
    let ids: Vec<u64> = (0..120_000).map(|n| 100_000 + n).collect();
    // Server API: add_group_ids with 120k ids (each twice), while a SOAP client queries.
    let twice: Vec<u64> = ids.iter().chain(ids.iter()).copied().collect();
    let api = server_api(&emulator);
    let big = tokio::spawn(async move {
        let started = Instant::now();
        let result = api
            .update(&ConsParams::new().cons_id(1_001_001).add_group_ids(twice))
            .await;
        (result, started.elapsed())
    });
    let normal = emulator_client(&emulator);
    let started = Instant::now();
    let mut pages = normal.query("select ConsId from Constituent");
    let rows = pages.next_page().await.unwrap().expect("a page");
    println!(
        "a query beside the big merge answered in {:?}",
        started.elapsed()
    );
    assert_eq!(rows.len(), 3);
    let (result, took) = big.await.unwrap();
    println!("add_group_ids with 240,000 ids (120,000 distinct) took {took:?}");
    result.unwrap();
    let stored_ids = emulator
        .site()
        .constituent(1_001_001)
        .and_then(|c| c.list("GroupId").map(<[String]>::len))
        .unwrap_or_default();
    assert_eq!(stored_ids, 120_000);

    // SOAP: RemoveRelationships with 60k of them, beside another request.
    let remove = AnyRecord::Constituent(ens::ConstituentType {
        cons_id: Some(1_001_001),
        group_id: ids[..60_000].to_vec(),
        ..Default::default()
    });
    let remover = emulator_client(&emulator);
    let big = tokio::spawn(async move {
        let started = Instant::now();
        let result = remover
            .remove_relationships([remove], WriteOptions::default())
            .await;
        (result, started.elapsed())
    });
    let time = normal.get_server_time().await;
    assert!(time.is_ok(), "{time:?}");
    let (result, took) = big.await.unwrap();
    println!("RemoveRelationships with 60,000 GroupIds took {took:?}");
    assert!(result.unwrap().all_ok());
    let remaining = emulator
        .site()
        .constituent(1_001_001)
        .and_then(|c| c.list("GroupId").map(<[String]>::to_vec))
        .unwrap_or_default();
    assert_eq!(remaining.len(), 60_000);
    assert_eq!(remaining[0], "160000");

    // AddRelationships of 120k, overlapping what is there: each id once.
    let add = AnyRecord::Constituent(ens::ConstituentType {
        cons_id: Some(1_001_001),
        group_id: ids.clone(),
        ..Default::default()
    });
    assert!(normal
        .add_relationships([add], WriteOptions::default())
        .await
        .unwrap()
        .all_ok());
    let stored_ids = emulator
        .site()
        .constituent(1_001_001)
        .and_then(|c| c.list("GroupId").map(<[String]>::len))
        .unwrap_or_default();
    assert_eq!(stored_ids, 120_000);
    emulator.shutdown().await;
}

// ------------------------------------------------------------------ finding 4

#[tokio::test]
async fn finding_4_session_tokens_are_random_and_differ_across_emulators() {
    let first = start().await;
    let second = start().await;
    let a1 = login(&first).await;
    let a2 = login(&first).await;
    let b1 = login(&second).await;
    assert_ne!(a1, a2);
    assert_ne!(a1, b1);
    for token in [&a1, &a2, &b1] {
        let random = token.split(':').next().unwrap();
        assert_eq!(random.len(), 64, "{token}");
        assert!(random.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    }
    // The same site name, another emulator: the token means nothing there.
    let answer = soap(
        &second,
        &request(&a1, "<GetServerTime xmlns='urn:soap.convio.com'/>"),
    )
    .await;
    assert_eq!(fault_of(&answer).kind, FaultKind::Session);
    first.shutdown().await;
    second.shutdown().await;
}

#[tokio::test]
async fn finding_4_a_token_from_site_a_is_refused_on_site_b() {
    let site_a = Emulator::builder()
        .site("a")
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let site_b = Emulator::builder()
        .site("b")
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let token = login(&site_a).await;
    let get_time = request(&token, "<GetServerTime xmlns='urn:soap.convio.com'/>");
    assert!(matches!(
        body_of(&soap(&site_a, &get_time).await),
        Body::GetServerTimeResponse(_)
    ));
    assert_eq!(
        fault_of(&soap(&site_b, &get_time).await).kind,
        FaultKind::Session
    );
    site_a.shutdown().await;
    site_b.shutdown().await;
}

#[tokio::test]
async fn finding_4_listening_beyond_loopback_needs_allow_remote() {
    let refused = Emulator::builder().start("0.0.0.0:0").await.unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::PermissionDenied);
    assert!(refused.to_string().contains("allow_remote"), "{refused}");
    let allowed = Emulator::builder()
        .allow_remote(true)
        .start("0.0.0.0:0")
        .await
        .expect("allowed explicitly");
    assert!(allowed.address().ip().is_unspecified());
    allowed.shutdown().await;

    // The CLI: exit 2 naming --allow-remote; with it, a warning on stderr.
    let output = Command::new(env!("CARGO_BIN_EXE_convio"))
        .args(["emulator", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--allow-remote"), "{stderr}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_convio"))
        .args(["emulator", "--listen", "0.0.0.0:0", "--allow-remote"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let _running = Running(child);
    let warning = BufReader::new(stderr).lines().next().unwrap().unwrap();
    assert!(
        warning.starts_with("warning:") && warning.contains("not a production server"),
        "{warning}"
    );
    let first = BufReader::new(stdout).lines().next().unwrap().unwrap();
    assert!(first.starts_with("SOAP endpoint:"), "{first}");
}

#[tokio::test]
async fn finding_4_the_emulator_password_and_api_key_come_from_the_environment() {
    let (_running, lines) = emulator_process(
        Command::new(env!("CARGO_BIN_EXE_convio"))
            .args(["emulator", "--listen", "127.0.0.1:0", "--seed", "1"])
            .env("CONVIO_EMULATOR_PASSWORD", "from-the-environment")
            .env("CONVIO_EMULATOR_API_KEY", "key-from-the-environment")
            .env("CONVIO_EMULATOR_USERS", "clerk:clerk-secret"),
    );
    let endpoint = printed(&lines, "SOAP endpoint:").expect("the endpoint is printed");
    let server_api_url = printed(&lines, "Server API:").expect("the Server API is printed");
    assert!(
        lines.iter().all(|l| !l.contains("from-the-environment")),
        "{lines:?}"
    );
    let login_as = |user: &str, password: &str| {
        Client::builder()
            .endpoint(endpoint.clone())
            .credentials(user, password)
            .partition(1001)
            .build()
            .unwrap()
    };
    login_as("apiuser", "from-the-environment")
        .login()
        .await
        .unwrap();
    login_as("clerk", "clerk-secret").login().await.unwrap();
    let Err(Error::Fault(fault)) = login_as("apiuser", "secret").login().await else {
        panic!("the default password still works")
    };
    assert_eq!(fault.kind, FaultKind::Login);
    let base = server_api_url
        .trim_end_matches("/site/SRConsAPI")
        .to_string();
    let api = |key: &str| {
        ServerApi::builder()
            .base_url(base.clone())
            .api_key(key)
            .credentials("apiuser", "from-the-environment")
            .build()
            .unwrap()
    };
    api("key-from-the-environment")
        .create_or_update(&ConsParams::new().primary_email("env@example.org"))
        .await
        .unwrap();
    let Err(Error::ServerApi { code, .. }) = api("demo-api-key")
        .create_or_update(&ConsParams::new().primary_email("env2@example.org"))
        .await
    else {
        panic!("the default API key still works")
    };
    assert_eq!(code, ErrorCode::InvalidApiKey);
}

// ------------------------------------------------------------------ finding 5

#[tokio::test]
async fn finding_5_an_idle_connection_is_closed_after_the_header_timeout() {
    let emulator = Emulator::builder()
        .limits(Limits::default().header_timeout(Duration::from_millis(300)))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let address = emulator.address();
    // Until the server closes the connection (a generous read timeout: the test fails
    // rather than hangs if it never does).
    let read_to_close = |first: &'static [u8]| {
        tokio::task::spawn_blocking(move || {
            let mut stream = TcpStream::connect(address).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(60)))
                .unwrap();
            stream.write_all(first).unwrap();
            let mut answer = Vec::new();
            let result = stream.read_to_end(&mut answer).map(|_| answer);
            result.map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        })
    };
    // Half a request line, then nothing: closed (at most with a 408 first).
    let slow = read_to_close(b"POST /1.0/demo HT").await.unwrap();
    assert!(
        matches!(&slow, Ok(answer) if answer.is_empty() || answer.starts_with("HTTP/1.1 408")),
        "the slow connection is closed: {slow:?}"
    );
    // Nothing at all: closed too.
    let idle = read_to_close(b"").await.unwrap();
    assert!(
        matches!(&idle, Ok(answer) if answer.is_empty()),
        "an idle connection is closed: {idle:?}"
    );
    emulator.shutdown().await;
}

async fn hold_idle_connections(
    address: std::net::SocketAddr,
    count: usize,
) -> Vec<tokio::net::TcpStream> {
    let mut held = Vec::with_capacity(count);
    for _ in 0..count {
        held.push(tokio::net::TcpStream::connect(address).await.unwrap());
    }
    held
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_5_500_idle_connections_do_not_keep_a_client_from_logging_in_and_querying() {
    for limits in [
        Limits::default(),
        // A cap far below the idle connections: the oldest idle ones make room.
        Limits::default().max_connections(50),
    ] {
        let emulator = Emulator::builder()
            .seed(5)
            .limits(limits)
            .start("127.0.0.1:0")
            .await
            .unwrap();
        let held = hold_idle_connections(emulator.address(), 500).await;
        let started = Instant::now();
        let normal = emulator_client(&emulator);
        normal.login().await.unwrap();
        let mut pages = normal.query("select ConsId from Constituent");
        let rows = pages.next_page().await.unwrap().expect("a page");
        println!(
            "cap {}: login and query beside 500 idle connections in {:?}",
            limits.max_connections,
            started.elapsed()
        );
        assert_eq!(rows.len(), 5);
        drop(held);
        emulator.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_5_fd_pressure_does_not_stop_the_accept_loop() {
    // The emulator in a process with few file descriptors: the idle connections take them
    // all; accept fails (EMFILE), an idle connection is closed, and accepting goes on.
    let (_running, lines) = emulator_process(Command::new("sh").arg("-c").arg(format!(
        "ulimit -n 40 && exec {} emulator --listen 127.0.0.1:0 --seed 2",
        env!("CARGO_BIN_EXE_convio")
    )));
    let endpoint = printed(&lines, "SOAP endpoint:").expect("the endpoint is printed");
    let address: std::net::SocketAddr = endpoint
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let held = hold_idle_connections(address, 200).await;
    for round in 0..3 {
        let normal = Client::builder()
            .endpoint(endpoint.clone())
            .credentials("apiuser", "secret")
            .partition(1001)
            .build()
            .unwrap();
        normal
            .login()
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        let mut pages = normal.query("select ConsId from Constituent");
        let rows = pages.next_page().await.unwrap().expect("a page");
        assert_eq!(rows.len(), 2, "round {round}");
    }
    drop(held);
}

#[tokio::test]
async fn finding_5_404_and_405_are_answered_without_reading_a_large_body() {
    let emulator = start().await;
    // The body is announced (10 MB) but never sent: the answer comes anyway.
    let answer = raw_exchange(
        &emulator,
        b"POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    let answer = raw_exchange(
        &emulator,
        b"PUT /demo/site/SRConsAPI HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
    let answer = raw_exchange(
        &emulator,
        b"POST /1.0/demo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    emulator.shutdown().await;
}

// ------------------------------------------------------------------ finding 6

#[tokio::test]
async fn finding_6_an_unknown_partition_is_refused_on_every_data_operation() {
    let emulator = start().await;
    let token = login(&emulator).await;
    let changes = emulator.site().changes().len();
    let record = "<Record xsi:type='ens:Constituent'><ens:ConsId>1001001</ens:ConsId>\
                  <ens:GroupId>1101</ens:GroupId></Record>";
    let new_record = "<Record xsi:type='ens:Constituent'><ens:PrimaryEmail>p@example.org</ens:PrimaryEmail></Record>";
    for partition in ["9999", "0"] {
        let operations = [
            format!("<Create xmlns='urn:soap.convio.com'><PartitionId>{partition}</PartitionId>{new_record}</Create>"),
            format!("<Update xmlns='urn:soap.convio.com'><PartitionId>{partition}</PartitionId>{record}</Update>"),
            format!("<Delete xmlns='urn:soap.convio.com'><PartitionId>{partition}</PartitionId>{record}</Delete>"),
            format!("<AddRelationships xmlns='urn:soap.convio.com'><PartitionId>{partition}</PartitionId>{record}</AddRelationships>"),
            format!("<RemoveRelationships xmlns='urn:soap.convio.com'><PartitionId>{partition}</PartitionId>{record}</RemoveRelationships>"),
            format!("<StartSynchronization xmlns='urn:soap.convio.com'><PartitionId>{partition}</PartitionId></StartSynchronization>"),
            format!("<EndSynchronization xmlns='urn:soap.convio.com'><PartitionId>{partition}</PartitionId></EndSynchronization>"),
            format!("<GetIncrementalInserts xmlns='urn:soap.convio.com'><PartitionId>{partition}</PartitionId><RecordType>Constituent</RecordType><Page>1</Page><PageSize>10</PageSize><Field>ConsId</Field></GetIncrementalInserts>"),
            format!("<GetIncrementalUpdates xmlns='urn:soap.convio.com'><PartitionId>{partition}</PartitionId><RecordType>Constituent</RecordType><Page>1</Page><PageSize>10</PageSize><Field>ConsId</Field></GetIncrementalUpdates>"),
            format!("<GetIncrementalDeletes xmlns='urn:soap.convio.com'><PartitionId>{partition}</PartitionId><RecordType>Constituent</RecordType><Page>1</Page><PageSize>10</PageSize><Field>ConsId</Field></GetIncrementalDeletes>"),
            format!("<GetSynchronizationLog xmlns='urn:soap.convio.com'><PartitionId>{partition}</PartitionId></GetSynchronizationLog>"),
        ];
        for operation in &operations {
            let answer = soap(&emulator, &request(&token, operation)).await;
            assert_eq!(
                fault_of(&answer).kind,
                FaultKind::InvalidRequest,
                "{operation}"
            );
            assert!(
                answer.1.contains(&format!("unknown partition {partition}")),
                "{}",
                answer.1
            );
        }
    }
    // A negative one is not even a PartitionId.
    let answer = soap(
        &emulator,
        &request(&token, &format!("<Update xmlns='urn:soap.convio.com'><PartitionId>-1</PartitionId>{record}</Update>")),
    )
    .await;
    assert_eq!(fault_of(&answer).kind, FaultKind::InvalidMessage);
    assert_eq!(
        emulator.site().changes().len(),
        changes,
        "nothing was applied"
    );
    assert!(!emulator.site().has_sync_windows());
    // The site's own partition works.
    let answer = soap(
        &emulator,
        &request(&token, &format!("<Update xmlns='urn:soap.convio.com'><PartitionId>1001</PartitionId>{record}</Update>")),
    )
    .await;
    assert!(matches!(body_of(&answer), Body::UpdateResponse(_)));
    emulator.shutdown().await;
}

#[tokio::test]
async fn finding_6_server_api_values_are_type_checked_like_soap_values() {
    let emulator = start().await;
    let (status, body) = form(
        &emulator,
        &format!("{AUTH}&method=update&cons_id=1001001&birth_date=not-a-date"),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("<code>22</code>") && body.contains("birth_date"),
        "{body}"
    );
    assert_eq!(stored(&emulator, 1_001_001, "BirthDate"), None);
    let (status, body) = form(
        &emulator,
        &format!("{AUTH}&method=update&cons_id=1001001&birth_date=1815-12-10"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        stored(&emulator, 1_001_001, "BirthDate").as_deref(),
        Some("1815-12-10")
    );
    // The SOAP side refuses the same value.
    let token = login(&emulator).await;
    let answer = soap(
        &emulator,
        &request(
            &token,
            "<Update xmlns='urn:soap.convio.com'><Record xsi:type='ens:Constituent'>\
             <ens:ConsId>1001001</ens:ConsId><ens:BirthDate>not-a-date</ens:BirthDate></Record></Update>",
        ),
    )
    .await;
    assert_eq!(fault_of(&answer).kind, FaultKind::InvalidMessage);
    assert!(answer.1.contains("BirthDate"), "{}", answer.1);
    assert_eq!(
        stored(&emulator, 1_001_001, "BirthDate").as_deref(),
        Some("1815-12-10")
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn finding_6_a_huge_page_number_does_not_wrap_to_page_one() {
    let emulator = start().await;
    let token = login(&emulator).await;
    for page in ["2305843009213693953", "18446744073709551615"] {
        let answer = soap(
            &emulator,
            &request(
                &token,
                &format!(
                    "<Query xmlns='urn:soap.convio.com'><QueryString>select ConsId from Constituent</QueryString>\
                     <Page>{page}</Page><PageSize>8</PageSize></Query>"
                ),
            ),
        )
        .await;
        let Body::QueryResponse(response) = body_of(&answer) else {
            panic!("{}", answer.1)
        };
        assert!(response.record.is_empty(), "page {page}: {}", answer.1);
    }
    // Page 1 has the records.
    let answer = soap(
        &emulator,
        &request(
            &token,
            "<Query xmlns='urn:soap.convio.com'><QueryString>select ConsId from Constituent</QueryString>\
             <Page>1</Page><PageSize>8</PageSize></Query>",
        ),
    )
    .await;
    let Body::QueryResponse(response) = body_of(&answer) else {
        panic!("{}", answer.1)
    };
    assert_eq!(response.record.len(), 3);
    emulator.shutdown().await;
}

// ------------------------------------------------------------------ finding 10

#[tokio::test]
async fn finding_10_text_inside_the_soap_body_is_refused() {
    let emulator = start().await;
    let token = login(&emulator).await;
    for message in [
        request(&token, "junk<GetServerTime xmlns='urn:soap.convio.com'/>"),
        request(&token, "<GetServerTime xmlns='urn:soap.convio.com'/>junk"),
        request(
            &token,
            &update_middle_name("x").replace("<ens:ConsId>", "junk<ens:ConsId>"),
        ),
    ] {
        let answer = soap(&emulator, &message).await;
        assert_eq!(
            fault_of(&answer).kind,
            FaultKind::InvalidMessage,
            "{message}"
        );
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn finding_10_a_password_with_child_elements_does_not_log_in() {
    let emulator = start().await;
    let answer = soap(
        &emulator,
        "<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Body>\
         <Login xmlns='urn:soap.convio.com'><UserName>apiuser</UserName>\
         <Password>sec<x>ignored</x>ret</Password></Login></soap:Body></soap:Envelope>",
    )
    .await;
    assert_eq!(fault_of(&answer).kind, FaultKind::InvalidMessage);
    assert!(!answer.1.contains("SessionId"), "{}", answer.1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn finding_10_must_understand_on_an_unknown_header_entry_is_a_must_understand_fault() {
    let emulator = start().await;
    let token = login(&emulator).await;
    let with_header = |entry: &str| {
        format!(
            "<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Header>\
             <Session xmlns='urn:soap.convio.com' soap:mustUnderstand='1'><SessionId>{token}</SessionId></Session>\
             {entry}</soap:Header><soap:Body><GetServerTime xmlns='urn:soap.convio.com'/></soap:Body></soap:Envelope>"
        )
    };
    let answer = soap(
        &emulator,
        &with_header(
            "<t:Transaction xmlns:t='urn:other' soap:mustUnderstand='1'>5</t:Transaction>",
        ),
    )
    .await;
    assert_eq!(answer.0, 500, "{}", answer.1);
    assert!(
        answer
            .1
            .contains("<faultcode>soap:MustUnderstand</faultcode>"),
        "{}",
        answer.1
    );
    assert!(answer.1.contains("Transaction"), "{}", answer.1);
    assert!(
        !answer.1.contains("<detail>"),
        "no detail for a header fault: {}",
        answer.1
    );
    assert!(matches!(
        convio::soap::decode_response(answer.1.as_bytes()),
        Err(Error::Fault(_))
    ));
    // Not marked, marked 0, or meant for another actor: ignored.
    for entry in [
        "<t:Transaction xmlns:t='urn:other'>5</t:Transaction>",
        "<t:Transaction xmlns:t='urn:other' soap:mustUnderstand='0'>5</t:Transaction>",
        "<t:Transaction xmlns:t='urn:other' soap:mustUnderstand='1' soap:actor='urn:someone-else'>5</t:Transaction>",
    ] {
        let answer = soap(&emulator, &with_header(entry)).await;
        assert!(matches!(body_of(&answer), Body::GetServerTimeResponse(_)), "{entry}");
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn finding_10_an_unknown_where_field_is_refused_like_an_unknown_select_field() {
    let emulator = start().await;
    let client = emulator_client(&emulator);
    for query in [
        "select Nope from Constituent",
        "select ConsId from Constituent where Nope = 1",
        "select ConsId from Constituent where ConsName = 'Ada'",
    ] {
        let Err(Error::Fault(fault)) = client.query(query).next_page().await else {
            panic!("{query} was answered")
        };
        assert_eq!(fault.kind, FaultKind::InvalidRequest, "{query}");
    }
    let rows = client
        .query("select ConsId from Constituent where ConsName.FirstName = 'Ada'")
        .next_page()
        .await
        .unwrap()
        .expect("a page");
    assert_eq!(rows.len(), 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn finding_10_a_malformed_chunked_body_is_400_not_413() {
    let emulator = start().await;
    let answer = raw_exchange(
        &emulator,
        b"POST /1.0/demo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nnot a chunk\r\n0\r\n\r\n",
    ).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    // A chunked body over the limit is still 413.
    let emulator_small = Emulator::builder()
        .limits(Limits::default().max_body_bytes(16))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let answer = raw_exchange(
        &emulator_small,
        b"POST /1.0/demo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n01234567890123456789012345678901\r\n0\r\n\r\n",
    ).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    emulator.shutdown().await;
    emulator_small.shutdown().await;
}

#[tokio::test]
async fn finding_10_expect_100_continue_with_a_1_gb_length_is_413_without_100_continue() {
    let emulator = start().await;
    for path in ["/1.0/demo", "/demo/site/SRConsAPI"] {
        let answer = raw_exchange(
            &emulator,
            format!(
                "POST {path} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1000000000\r\n\r\n"
            )
            .as_bytes(),
        ).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(!answer.contains("100 Continue"), "{path}: {answer}");
    }
    emulator.shutdown().await;
}
