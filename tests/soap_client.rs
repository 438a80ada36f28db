//! The SOAP client against a scripted transport: sessions, batches, pages, faults, secrets.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::scripted::{login_response, Reply, Scripted, Seen};
use convio::generated::ens;
use convio::soap::{Body, Client, EmailOptIn, FaultKind, NewConstituent};
use convio::transport::TransportError;
use convio::{AnyRecord, Error, Field, ResultCode};

const PASSWORD: &str = "pa55-w0rd-that-must-not-leak";

fn client(transport: Scripted) -> Client {
    Client::builder()
        .endpoint("http://127.0.0.1:9/1.0/testsite")
        .credentials("apiuser", PASSWORD)
        .partition(1001)
        .transport(transport)
        .build()
        .expect("client builds")
}

fn server_time() -> Reply {
    Reply::Body(r#"<GetServerTimeResponse xmlns="urn:soap.convio.com"><Result><Time>2026-11-22T12:00:00Z</Time></Result></GetServerTimeResponse>"#.into())
}

fn session_fault() -> Reply {
    Reply::Fault {
        code: "SESSION",
        message: "Session expired",
        detail: "SessionFault",
    }
}

/// Logs in with tokens token-1, token-2, ...; answers GetServerTime only for `valid(token)`.
fn token_server(valid: impl Fn(&str) -> bool + Send + Sync + 'static) -> Scripted {
    let logins = AtomicUsize::new(0);
    Scripted::new(move |seen: &Seen| match &seen.envelope.body {
        Body::Login(_) => login_response(&format!(
            "token-{}",
            logins.fetch_add(1, Ordering::SeqCst) + 1
        )),
        Body::GetServerTime(_) if seen.session_id.as_deref().is_some_and(&valid) => server_time(),
        Body::GetServerTime(_) => session_fault(),
        other => panic!("unexpected request {other:?}"),
    })
}

#[tokio::test]
async fn session_fault_relogs_in_and_replays_exactly_once() {
    // token-1 has expired on the server; token-2 works.
    let transport = token_server(|token| token == "token-2");
    let client = client(transport.clone());
    assert_eq!(
        client.get_server_time().await.unwrap(),
        "2026-11-22T12:00:00Z"
    );
    assert_eq!(
        transport.operations(),
        ["Login", "GetServerTime", "Login", "GetServerTime"]
    );
    let sessions: Vec<_> = transport
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.session_id.clone())
        .collect();
    assert_eq!(
        sessions,
        [None, Some("token-1".into()), None, Some("token-2".into())]
    );
    assert_eq!(client.login_count(), 2);
}

#[tokio::test]
async fn a_second_session_fault_is_returned_not_retried() {
    let transport = token_server(|_| false);
    let client = client(transport.clone());
    let Error::Fault(fault) = client.get_server_time().await.unwrap_err() else {
        panic!("expected a fault")
    };
    assert_eq!(fault.kind, FaultKind::Session);
    assert_eq!(
        transport.operations(),
        ["Login", "GetServerTime", "Login", "GetServerTime"]
    );
}

#[tokio::test(start_paused = true)]
async fn concurrent_calls_after_idle_expiry_share_one_login() {
    let transport = token_server(|_| true).with_delay(Duration::from_millis(50));
    let client = client(transport.clone());
    client.get_server_time().await.unwrap();
    assert_eq!(client.login_count(), 1);

    // Idle past the refresh margin: both calls need a new session, one Login serves both.
    tokio::time::advance(Duration::from_secs(26 * 60)).await;
    let (a, b) = tokio::join!(client.get_server_time(), client.get_server_time());
    a.unwrap();
    b.unwrap();
    assert_eq!(client.login_count(), 2);
    let logins = transport
        .operations()
        .iter()
        .filter(|op| *op == "Login")
        .count();
    assert_eq!(logins, 2);
}

#[tokio::test(start_paused = true)]
async fn concurrent_session_faults_cause_one_new_login() {
    // The server forgets token-1 after the first call; both concurrent calls then fault.
    let transport = token_server(|token| token != "token-1").with_delay(Duration::from_millis(50));
    let client = client(transport.clone());
    let (a, b) = tokio::join!(client.get_server_time(), client.get_server_time());
    a.unwrap();
    b.unwrap();
    // One Login for the first session, exactly one more after the faults.
    assert_eq!(client.login_count(), 2);
}

#[tokio::test]
async fn login_fault_is_typed() {
    let transport = Scripted::new(|_| Reply::Fault {
        code: "LOGIN",
        message: "Invalid user name or password",
        detail: "LoginFault",
    });
    let Error::Fault(fault) = client(transport).get_server_time().await.unwrap_err() else {
        panic!("expected a fault")
    };
    assert_eq!(fault.kind, FaultKind::Login);
    assert_eq!(fault.message, "Invalid user name or password");
}

fn cons_id_of(record: &AnyRecord) -> u64 {
    match record {
        AnyRecord::Constituent(c) => c.cons_id.expect("ConsId"),
        other => panic!("not a constituent: {other:?}"),
    }
}

/// Answers writes with one result per record, echoing the ConsId; `fail` picks records to
/// refuse.
fn echo_writes(fail: impl Fn(u64) -> bool + Send + Sync + 'static) -> Scripted {
    Scripted::new(move |seen: &Seen| {
        let (name, records) = match &seen.envelope.body {
            Body::Login(_) => return login_response("token-1"),
            Body::Update(u) => ("UpdateResponse", &u.record),
            Body::Create(c) => ("CreateResponse", &c.record),
            other => panic!("unexpected request {other:?}"),
        };
        let results: String = records
            .iter()
            .map(|record| {
                let id = cons_id_of(record);
                let code = if fail(id) { "RECORD_NOT_FOUND" } else { "OK" };
                format!(
                    r#"<Result><ResultCode>{code}</ResultCode><Message>m{id}</Message><Record xsi:type="ens:Constituent"><ens:ConsId>{id}</ens:ConsId></Record></Result>"#
                )
            })
            .collect();
        Reply::Body(format!(
            r#"<{name} xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{results}</{name}>"#
        ))
    })
}

fn constituents(ids: impl IntoIterator<Item = u64>) -> Vec<AnyRecord> {
    ids.into_iter()
        .map(|id| {
            AnyRecord::Constituent(ens::ConstituentType {
                cons_id: Some(id),
                primary_email: Field::Value(format!("c{id}@example.org").into()),
                ..Default::default()
            })
        })
        .collect()
}

#[tokio::test]
async fn batch_of_120_is_sent_as_50_50_20_with_results_in_input_order() {
    let transport = echo_writes(|id| id % 7 == 0);
    let client = client(transport.clone());
    let ids: Vec<u64> = (1..=120).map(|n| 5000 + n).collect();
    let results = client.update(constituents(ids.clone())).await.unwrap();

    let sizes: Vec<usize> = transport
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter_map(|s| match &s.envelope.body {
            Body::Update(u) => Some(u.record.len()),
            _ => None,
        })
        .collect();
    assert_eq!(sizes, [50, 50, 20]);

    assert_eq!(results.len(), 120);
    for (position, (result, id)) in results.iter().zip(&ids).enumerate() {
        assert_eq!(result.index, position);
        assert_eq!(cons_id_of(result.record.as_ref().expect("record")), *id);
        assert_eq!(result.message.as_deref(), Some(format!("m{id}").as_str()));
        let expected = if id % 7 == 0 {
            ResultCode::RecordNotFound
        } else {
            ResultCode::Ok
        };
        assert_eq!(result.code, expected);
    }
    let failed: Vec<usize> = results.failures().map(|r| r.index).collect();
    assert_eq!(
        failed,
        ids.iter()
            .enumerate()
            .filter(|(_, id)| *id % 7 == 0)
            .map(|(i, _)| i)
            .collect::<Vec<_>>()
    );
    assert_eq!(results.successes().count() + failed.len(), 120);
    // Every update carried the default partition.
    assert!(transport
        .seen
        .lock()
        .unwrap()
        .iter()
        .all(|s| match &s.envelope.body {
            Body::Update(u) => u.partition_id == Some(1001),
            _ => true,
        }));
}

#[tokio::test]
async fn an_interrupted_batch_keeps_the_completed_results() {
    let calls = AtomicUsize::new(0);
    let inner = echo_writes(|_| false);
    let transport = Scripted::new(move |seen: &Seen| {
        if matches!(seen.envelope.body, Body::Update(_))
            && calls.fetch_add(1, Ordering::SeqCst) == 1
        {
            return Reply::Fail(TransportError::Timeout(Duration::from_secs(1)));
        }
        inner.answer(seen)
    });
    let client = client(transport);
    let Error::BatchInterrupted { completed, source } =
        client.update(constituents(1..=120)).await.unwrap_err()
    else {
        panic!("expected an interrupted batch")
    };
    assert_eq!(completed.len(), 50);
    assert_eq!(completed.last().map(|r| r.index), Some(49));
    assert!(matches!(
        *source,
        Error::Transport {
            operation: "Update",
            ..
        }
    ));
}

#[tokio::test]
async fn create_is_never_replayed_when_the_outcome_is_unknown() {
    let transport = Scripted::new(|seen: &Seen| match &seen.envelope.body {
        Body::Login(_) => login_response("token-1"),
        Body::Create(_) => Reply::Fail(TransportError::Timeout(Duration::from_secs(30))),
        other => panic!("unexpected request {other:?}"),
    });
    let client = client(transport.clone());
    let record =
        NewConstituent::new("ada@example.org", EmailOptIn::OptedIn).name("Ada", "Lovelace");
    let error = client.create([record.into()]).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::OutcomeUnknown {
                operation: "Create",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("outcome unknown"));
    assert_eq!(transport.operations(), ["Login", "Create"]);
    // The request said AcceptsEmail explicitly.
    assert!(transport.seen.lock().unwrap()[1]
        .raw
        .contains("<ens:AcceptsEmail>true</ens:AcceptsEmail>"));
}

#[tokio::test]
async fn a_failed_connect_is_a_plain_transport_error() {
    let transport = Scripted::new(|seen: &Seen| match &seen.envelope.body {
        Body::Login(_) => login_response("token-1"),
        _ => Reply::Fail(TransportError::Connect {
            host: "127.0.0.1".into(),
            source: "refused".into(),
        }),
    });
    let error = client(transport)
        .create(constituents([1]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                operation: "Create",
                ..
            }
        ),
        "{error:?}"
    );
}

fn page_of(count: u64, first_id: u64) -> Reply {
    let records: String = (0..count)
        .map(|i| {
            format!(
                r#"<Record xsi:type="ens:Constituent"><ens:ConsId>{}</ens:ConsId></Record>"#,
                first_id + i
            )
        })
        .collect();
    Reply::Body(format!(
        r#"<QueryResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{records}</QueryResponse>"#
    ))
}

/// A Query server holding `total` records.
fn query_server(total: u64) -> Scripted {
    Scripted::new(move |seen: &Seen| match &seen.envelope.body {
        Body::Login(_) => login_response("token-1"),
        Body::Query(q) => {
            let (page, size) = (q.page.expect("page"), q.page_size.expect("page size"));
            let start = (page - 1) * size;
            page_of(total.saturating_sub(start).min(size), start + 1)
        }
        other => panic!("unexpected request {other:?}"),
    })
}

fn query_pages(transport: &Scripted) -> Vec<(u64, u64)> {
    transport
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter_map(|s| match &s.envelope.body {
            Body::Query(q) => Some((q.page.unwrap(), q.page_size.unwrap())),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn query_pages_stop_after_the_last_short_page() {
    let transport = query_server(437);
    let client = client(transport.clone());
    let mut pages = client.query("select ConsId from Constituent");
    let mut ids = Vec::new();
    while let Some(records) = pages.next_page().await.unwrap() {
        ids.extend(records.iter().map(cons_id_of));
    }
    assert_eq!(ids, (1..=437).collect::<Vec<_>>());
    assert_eq!(query_pages(&transport), [(1, 200), (2, 200), (3, 200)]);
    // Asking again after the end sends nothing.
    assert!(pages.next_page().await.unwrap().is_none());
    assert_eq!(query_pages(&transport).len(), 3);
}

#[tokio::test]
async fn query_stream_with_an_exact_multiple_ends_on_the_empty_page() {
    use futures_util::StreamExt;
    let transport = query_server(100);
    let client = client(transport.clone());
    let pages: Vec<_> = client
        .query("select ConsId from Constituent")
        .page_size(50)
        .unwrap()
        .into_stream()
        .collect()
        .await;
    let sizes: Vec<usize> = pages.into_iter().map(|p| p.unwrap().len()).collect();
    assert_eq!(sizes, [50, 50]);
    assert_eq!(query_pages(&transport), [(1, 50), (2, 50), (3, 50)]);
}

#[tokio::test]
async fn page_size_over_200_is_refused() {
    let client = client(query_server(0));
    assert!(matches!(
        client
            .query("select ConsId from Constituent")
            .page_size(201),
        Err(Error::InvalidArgument(_))
    ));
}

#[tokio::test]
async fn incremental_fields_are_sent_in_schema_order() {
    let transport = Scripted::new(|seen: &Seen| match &seen.envelope.body {
        Body::Login(_) => login_response("token-1"),
        Body::GetIncrementalUpdates(_) => {
            Reply::Body(r#"<GetIncrementalUpdatesResponse xmlns="urn:soap.convio.com"/>"#.into())
        }
        other => panic!("unexpected request {other:?}"),
    });
    let client = client(transport.clone());
    let mut pages = client
        .incremental_updates(
            "Constituent",
            [
                "HomeAddress.City",
                "PrimaryEmail",
                "ConsName.FirstName",
                "ConsId",
            ],
        )
        .unwrap();
    assert!(pages.next_page().await.unwrap().is_none());
    let seen = transport.seen.lock().unwrap();
    let Body::GetIncrementalUpdates(request) = &seen[1].envelope.body else {
        panic!("not an incremental request")
    };
    let fields: Vec<&str> = request.field.iter().map(|f| f.as_str()).collect();
    assert_eq!(
        fields,
        [
            "ConsId",
            "ConsName.FirstName",
            "PrimaryEmail",
            "HomeAddress.City"
        ]
    );
    assert_eq!(
        (request.partition_id, request.page, request.page_size),
        (1001, 1, 200)
    );
}

#[tokio::test]
async fn secrets_never_appear_in_debug_or_tracing_output() {
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let transport = token_server(|token| token == "token-2");
    let client = client(transport);
    client.get_server_time().await.unwrap();
    let error = Client::builder()
        .endpoint("http://example.org/1.0/site")
        .credentials("apiuser", PASSWORD)
        .build()
        .unwrap_err();

    let mut printed = format!("{client:?}\n{error:?}\n{error}\n");
    printed.push_str(&format!(
        "{:?}",
        Client::builder().credentials("apiuser", PASSWORD)
    ));
    printed.push_str(&String::from_utf8_lossy(&capture.0.lock().unwrap()));
    assert!(
        printed.contains("apiuser"),
        "the capture saw the client: {printed}"
    );
    assert!(
        printed.contains("logging in"),
        "tracing output was captured: {printed}"
    );
    for secret in [PASSWORD, "token-1", "token-2"] {
        assert!(
            !printed.contains(secret),
            "`{secret}` leaked into:\n{printed}"
        );
    }
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let error = Client::builder()
        .endpoint("http://webservices.example.org/1.0/site")
        .credentials("u", "p")
        .build()
        .unwrap_err();
    // A configuration error, not a transport one (issue 16, finding 8).
    assert!(
        matches!(&error, Error::Configuration(message) if message.contains("plain http")),
        "{error:?}"
    );
    let allowed = Client::builder()
        .endpoint("http://webservices.example.org/1.0/site")
        .credentials("u", "p")
        .allow_insecure_http(true)
        .build();
    assert!(allowed.is_ok());
}
