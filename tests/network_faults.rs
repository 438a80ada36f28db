//! Faults in the network between our client and the emulator: a loopback proxy that resets,
//! truncates or delays, and scripted connection failures. Nothing is lost, nothing is applied
//! twice, and a broken exchange is never a partial success.
#![cfg(feature = "emulator")]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::scripted::{login_response, Reply, Scripted, Seen};
use convio::emulator::Emulator;
use convio::generated::ens;
use convio::soap::{Body, Client, EmailOptIn, NewConstituent, RetryPolicy};
use convio::transport::{HyperTransport, TransportError};
use convio::{AnyRecord, Error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does with one HTTP exchange.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Pass it through.
    None,
    /// Deliver the request, then close the client's connection without an answer.
    ResetAfterRequest,
    /// Deliver the request, then pass on only the first half of the answer.
    Truncate,
    /// Deliver the request, then hold the answer back this long.
    Delay(Duration),
}

/// Reads one HTTP/1.1 request (head and Content-Length body).
async fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let n = stream.read(&mut buffer).await.ok()?;
        if n == 0 {
            return None;
        }
        request.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&request);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().ok())
                })
                .flatten()
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                return Some(request);
            }
        }
    }
}

/// Reads one HTTP/1.1 response with a Content-Length body.
async fn read_response(stream: &mut TcpStream) -> Option<Vec<u8>> {
    read_request(stream).await
}

/// A proxy in front of `upstream` applying `faults` to successive exchanges (then passing
/// everything through). Each exchange uses its own upstream connection.
async fn proxy(upstream: std::net::SocketAddr, faults: Vec<Fault>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let faults = Arc::new(std::sync::Mutex::new(faults.into_iter()));
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            let faults = Arc::clone(&faults);
            tokio::spawn(async move {
                while let Some(request) = read_request(&mut client).await {
                    let fault = faults.lock().unwrap().next().unwrap_or(Fault::None);
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    if server.write_all(&request).await.is_err() {
                        return;
                    }
                    let Some(response) = read_response(&mut server).await else {
                        return;
                    };
                    match fault {
                        Fault::None => {
                            if client.write_all(&response).await.is_err() {
                                return;
                            }
                        }
                        Fault::ResetAfterRequest => return,
                        Fault::Truncate => {
                            let _ = client.write_all(&response[..response.len() / 2]).await;
                            return;
                        }
                        Fault::Delay(delay) => {
                            tokio::time::sleep(delay).await;
                            let _ = client.write_all(&response).await;
                        }
                    }
                }
            });
        }
    });
    format!("http://{address}")
}

async fn client_through(emulator: &Emulator, faults: Vec<Fault>, timeout: Duration) -> Client {
    let base = proxy(emulator.address(), faults).await;
    let transport = HyperTransport::builder().timeout(timeout).build().unwrap();
    Client::builder()
        .endpoint(format!("{base}/1.0/demo"))
        .credentials("apiuser", "secret")
        .partition(1001)
        .transport(transport)
        .build()
        .unwrap()
}

fn emails(emulator: &Emulator, email: &str) -> usize {
    emulator.site().find_by_email(email).len()
}

#[tokio::test(flavor = "multi_thread")]
async fn create_is_not_replayed_when_the_connection_resets_after_the_request() {
    let emulator = Emulator::builder().start("127.0.0.1:0").await.unwrap();
    // Exchange 1 is the Login, exchange 2 the Create.
    let client = client_through(
        &emulator,
        vec![Fault::None, Fault::ResetAfterRequest],
        Duration::from_secs(10),
    )
    .await;
    let record = NewConstituent::new("once@example.org", EmailOptIn::OptedIn).into();
    let error = client.create([record]).await.unwrap_err();
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
    // The server applied it exactly once, and the client did not send it again.
    assert_eq!(emails(&emulator, "once@example.org"), 1);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_truncated_response_is_an_error_never_a_partial_success() {
    let emulator = Emulator::builder()
        .seed(30)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let client = client_through(
        &emulator,
        vec![Fault::None, Fault::Truncate],
        Duration::from_secs(10),
    )
    .await;
    let error = client
        .query("select ConsId, ConsName from Constituent")
        .next_page()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                source: TransportError::Exchange { .. },
                ..
            }
        ),
        "{error:?}"
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_answer_hits_the_timeout() {
    let emulator = Emulator::builder().start("127.0.0.1:0").await.unwrap();
    let client = client_through(
        &emulator,
        vec![Fault::None, Fault::Delay(Duration::from_secs(3))],
        Duration::from_millis(300),
    )
    .await;
    let update = AnyRecord::Constituent(ens::ConstituentType {
        cons_id: Some(1),
        ..Default::default()
    });
    let error = client.update([update]).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                source: TransportError::Timeout(_),
                ..
            }
        ),
        "{error:?}"
    );
    let create =
        client.create([NewConstituent::new("late@example.org", EmailOptIn::OptedOut).into()]);
    // A later, undelayed call works on the same client.
    assert!(create.await.unwrap().all_ok());
    emulator.shutdown().await;
}

/// Fails the first `failures` sends of `operation` with a refused connection.
fn refusing(
    operation: &'static str,
    failures: usize,
    answer: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
) -> Scripted {
    let refused = AtomicUsize::new(0);
    Scripted::new(move |seen: &Seen| {
        if format!("{:?}", seen.envelope.body).starts_with(operation)
            && refused.fetch_add(1, Ordering::SeqCst) < failures
        {
            return Reply::Fail(TransportError::Connect {
                host: "127.0.0.1".into(),
                source: "connection refused".into(),
            });
        }
        answer(seen)
    })
}

fn created(seen: &Seen) -> Reply {
    match &seen.envelope.body {
        Body::Login(_) => login_response("token-1"),
        Body::Create(_) => Reply::Body(
            r#"<CreateResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Result><ResultCode>OK</ResultCode><Record xsi:type="ens:Constituent"><ens:ConsId>7</ens:ConsId></Record></Result></CreateResponse>"#.into(),
        ),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_request_that_was_never_sent_is_retried_with_backoff_even_for_create() {
    let transport = refusing("Create", 2, created);
    let client = Client::builder()
        .endpoint("http://127.0.0.1:9/1.0/demo")
        .credentials("apiuser", "secret")
        .transport(transport.clone())
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let results = client
        .create([NewConstituent::new("retry@example.org", EmailOptIn::OptedIn).into()])
        .await
        .unwrap();
    assert!(results.all_ok());
    assert_eq!(
        transport.operations(),
        ["Login", "Create", "Create", "Create"]
    );
    // Backoff of 200 ms then 400 ms on the paused clock.
    assert_eq!(started.elapsed(), Duration::from_millis(600));
}

#[tokio::test(start_paused = true)]
async fn retries_stop_after_the_configured_attempts() {
    let transport = refusing("Create", 10, created);
    let client = Client::builder()
        .endpoint("http://127.0.0.1:9/1.0/demo")
        .credentials("apiuser", "secret")
        .retry_policy(
            RetryPolicy::default()
                .attempts(2)
                .backoff(Duration::from_millis(10)),
        )
        .transport(transport.clone())
        .build()
        .unwrap();
    let error = client
        .create([NewConstituent::new("x@example.org", EmailOptIn::OptedIn).into()])
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                source: TransportError::Connect { .. },
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(transport.operations(), ["Login", "Create", "Create"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_record_is_created_twice_under_resets() {
    // Every third exchange after the login is reset after reaching the server. The caller
    // re-sends only what the server says it has not got: it queries before re-creating.
    let emulator = Emulator::builder().start("127.0.0.1:0").await.unwrap();
    let mut faults = vec![Fault::None];
    for n in 0..60 {
        faults.push(if n % 3 == 2 {
            Fault::ResetAfterRequest
        } else {
            Fault::None
        });
    }
    let client = client_through(&emulator, faults, Duration::from_secs(10)).await;
    for n in 0..20 {
        let email = format!("donor{n}@example.org");
        loop {
            match client
                .create([NewConstituent::new(email.as_str(), EmailOptIn::OptedOut).into()])
                .await
            {
                Ok(results) => {
                    assert!(results.all_ok(), "{results:?}");
                    break;
                }
                Err(Error::OutcomeUnknown { .. }) => {
                    let query =
                        format!("select ConsId from Constituent where PrimaryEmail = '{email}'");
                    let found = loop {
                        match client.query(query.as_str()).next_page().await {
                            Ok(page) => break page.map_or(0, |p| p.len()),
                            Err(Error::Transport { .. }) => continue,
                            Err(other) => panic!("{other:?}"),
                        }
                    };
                    if found == 1 {
                        break;
                    }
                }
                Err(other) => panic!("{other:?}"),
            }
        }
    }
    for n in 0..20 {
        assert_eq!(
            emails(&emulator, &format!("donor{n}@example.org")),
            1,
            "donor{n}"
        );
    }
    assert_eq!(emulator.site().constituent_ids().len(), 20);
    emulator.shutdown().await;
}
