//! Hardening of the client (issue 16, findings 8 and 9): configuration errors are their own
//! class, connect errors name host:port and the cause, TLS failures are not retried and say
//! so, a body that is not an API message is a failed exchange, and page streams cannot grow
//! without end.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use common::scripted::{login_response, Reply, Scripted, Seen};
use convio::server_api::{Client as ServerApi, ConsParams, ResponseFormat};
use convio::soap::{Body, Client, RetryPolicy};
use convio::transport::{BoxFuture, HyperTransport, Transport, TransportError};
use convio::{DecodeError, Error};
use hyper::{Request, Response};
use rcgen::{CertificateParams, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

// ------------------------------------------------------------------ finding 8: error classes

#[test]
fn finding_8_a_bad_endpoint_scheme_is_a_configuration_error_not_a_transport_error() {
    for endpoint in [
        "ftp://webservices.example.org/1.0/site",
        "http://webservices.example.org/1.0/site",
        "not a url",
    ] {
        let error = Client::builder()
            .endpoint(endpoint)
            .credentials("u", "p")
            .build()
            .unwrap_err();
        assert!(matches!(error, Error::Configuration(_)), "{error:?}");
        let error = ServerApi::builder()
            .base_url(endpoint)
            .api_key("k")
            .build()
            .unwrap_err();
        assert!(matches!(error, Error::Configuration(_)), "{error:?}");
    }
    let insecure = Client::builder()
        .endpoint("http://webservices.example.org/1.0/site")
        .credentials("u", "p")
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        insecure.contains("plain http") && insecure.contains("use https"),
        "{insecure}"
    );
    // The library's message names no switch (the CLI has none).
    assert!(!insecure.contains("allow"), "{insecure}");
}

#[tokio::test]
async fn finding_8_an_endpoint_refused_by_the_transport_is_a_configuration_error_and_not_retried() {
    // The client allows plain http; the transport it was given does not.
    let transport = Counting::new(HyperTransport::builder().build().unwrap());
    let client = Client::builder()
        .endpoint("http://webservices.example.org/1.0/site")
        .credentials("u", "p")
        .allow_insecure_http(true)
        .retry_policy(
            RetryPolicy::default()
                .attempts(3)
                .backoff(Duration::from_millis(1)),
        )
        .transport(transport.clone())
        .build()
        .unwrap();
    let error = client.login().await.unwrap_err();
    assert!(matches!(error, Error::Configuration(_)), "{error:?}");
    assert_eq!(transport.sent(), 1, "a configuration error is not retried");
}

/// The error of logging in to `endpoint`, tried `attempts` times 1 ms apart.
async fn failed_login(endpoint: String, attempts: u32) -> Error {
    let client = Client::builder()
        .endpoint(endpoint)
        .credentials("u", "p")
        .retry_policy(
            RetryPolicy::default()
                .attempts(attempts)
                .backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    client.login().await.unwrap_err()
}

#[tokio::test]
async fn finding_8_connect_errors_name_host_port_and_cause() {
    // Port 1: below the range the system hands out for port 0, so no server another test
    // starts meanwhile can take it (a port bound and released here could be).
    let address = "127.0.0.1:1";
    let error = failed_login(format!("http://{address}/1.0/site"), 2).await;
    let Error::Transport { source, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(source.is_transient(), "a refused connection may be retried");
    assert!(!source.is_tls_failure());
    let message = error.to_string();
    assert!(message.contains(&address.to_string()), "{message}");
    assert!(
        message.to_ascii_lowercase().contains("refused"),
        "the cause is named: {message}"
    );
    assert!(!message.contains("client error (Connect)"), "{message}");

    // The scheme's default port is named when the URL has none.
    let error = HyperTransport::builder()
        .build()
        .unwrap()
        .send(get("https://127.0.0.1/1.0/site"))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("127.0.0.1:443"), "{error}");
}

struct Pki {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

/// A self-signed certificate for localhost: no root the client trusts.
fn untrusted_pki() -> Pki {
    let key = KeyPair::generate().unwrap();
    let certificate = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    Pki {
        chain: vec![certificate.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}

/// An HTTPS server with an untrusted certificate; counts the connections it accepts.
async fn untrusted_https_server() -> (u16, Arc<AtomicUsize>) {
    let pki = untrusted_pki();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.chain, pki.key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(stream).await {
                    let mut buffer = [0u8; 1024];
                    let _ = tls.read(&mut buffer).await;
                }
            });
        }
    });
    (port, accepted)
}

#[tokio::test]
async fn finding_8_tls_failures_are_not_retried_and_say_they_are_tls_failures() {
    let (port, accepted) = untrusted_https_server().await;
    let error = failed_login(format!("https://localhost:{port}/1.0/site"), 3).await;
    let Error::Transport { source, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(source.is_tls_failure(), "{source:?}");
    assert!(!source.is_transient());
    assert!(!source.request_may_have_reached_server());
    let message = error.to_string();
    assert!(message.contains("TLS"), "{message}");
    assert!(message.contains(&format!("localhost:{port}")), "{message}");
    assert!(
        message.contains("UnknownIssuer") || message.contains("certificate"),
        "the cause is named: {message}"
    );
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "one connection: a TLS failure is not retried"
    );
}

/// Answers every request with HTTP 200 and a fixed body.
#[derive(Clone)]
struct Fixed(&'static [u8]);

impl Transport for Fixed {
    fn send(&self, _: Request<Bytes>) -> BoxFuture<'_, Result<Response<Bytes>, TransportError>> {
        let body = Bytes::from_static(self.0);
        Box::pin(async move { Ok(Response::new(body)) })
    }
}

/// Counts the requests sent through a transport.
#[derive(Clone)]
struct Counting<T> {
    inner: Arc<T>,
    sent: Arc<Mutex<usize>>,
}

impl<T> Counting<T> {
    fn new(inner: T) -> Self {
        Counting {
            inner: Arc::new(inner),
            sent: Arc::default(),
        }
    }

    fn sent(&self) -> usize {
        *self.sent.lock().unwrap()
    }
}

impl<T: Transport> Transport for Counting<T> {
    fn send(
        &self,
        request: Request<Bytes>,
    ) -> BoxFuture<'_, Result<Response<Bytes>, TransportError>> {
        *self.sent.lock().unwrap() += 1;
        self.inner.send(request)
    }
}

fn get(url: &str) -> Request<Bytes> {
    let mut request = Request::new(Bytes::new());
    *request.uri_mut() = url.parse().unwrap();
    request
}

fn soap_client(transport: impl Transport + 'static) -> Client {
    Client::builder()
        .endpoint("http://127.0.0.1:9/1.0/site")
        .credentials("u", "p")
        .partition(1001)
        .transport(transport)
        .build()
        .unwrap()
}

#[tokio::test]
async fn finding_8_a_garbage_200_is_an_invalid_response_not_a_decode_error() {
    for body in [
        &b"garbage"[..],
        b"",
        b"<html><body>502 Bad Gateway</body></html>",
        b"{\"json\": true}",
        b"\xff\xfe\x00junk",
        // An envelope cut short: not well-formed XML.
        b"<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><LoginResponse xmlns=\"urn:soap.convio.com\"><Result>",
    ] {
        let error = soap_client(Fixed(body)).login().await.unwrap_err();
        assert!(
            matches!(
                &error,
                Error::InvalidResponse {
                    operation: "Login",
                    status: 200,
                    ..
                }
            ),
            "{:?}: {error:?}",
            String::from_utf8_lossy(body)
        );
        assert!(
            error.to_string().contains("is not a SOAP envelope"),
            "{error}"
        );
    }
    // A SOAP envelope whose content does not fit stays a decode error (the server sent a
    // message; we cannot read it).
    let error = soap_client(Fixed(
        b"<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><Bogus xmlns=\"urn:x\"/></soap:Body></soap:Envelope>",
    ))
    .login()
    .await
    .unwrap_err();
    assert!(
        matches!(error, Error::Decode(DecodeError::Xml { .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn finding_8_a_garbage_200_from_the_server_api_is_an_invalid_response() {
    let client = |body: &'static [u8], format| {
        ServerApi::builder()
            .base_url("http://127.0.0.1:9/organization")
            .api_key("k")
            .credentials("u", "p")
            .response_format(format)
            .transport(Fixed(body))
            .build()
            .unwrap()
    };
    let params = ConsParams::new().primary_email("ada@example.org");
    for (body, format) in [
        (&b"garbage"[..], ResponseFormat::Xml),
        (b"<html><body>502</body></html>", ResponseFormat::Xml),
        (
            b"<createOrUpdateConsResponse xmlns=\"http://convio.com/crm/v1.0\"><cons_id>1</cons_id>",
            ResponseFormat::Xml,
        ),
        (b"garbage", ResponseFormat::Json),
        (b"[1, 2]", ResponseFormat::Json),
        (b"{\"html\": {}}", ResponseFormat::Json),
    ] {
        let error = client(body, format)
            .create_or_update(&params)
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::InvalidResponse {
                    operation: "createOrUpdate",
                    status: 200,
                    ..
                }
            ),
            "{:?}: {error:?}",
            String::from_utf8_lossy(body)
        );
    }
    // A response of the right kind whose value does not fit stays a decode error.
    let error = client(
        b"<createOrUpdateConsResponse xmlns=\"http://convio.com/crm/v1.0\"><cons_id>abc</cons_id></createOrUpdateConsResponse>",
        ResponseFormat::Xml,
    )
    .create_or_update(&params)
    .await
    .unwrap_err();
    assert!(matches!(error, Error::Decode(_)), "{error:?}");
}

// ------------------------------------------------------------------ finding 9: page streams

fn page(ids: impl Iterator<Item = u64>) -> Reply {
    let records: String = ids
        .map(|id| {
            format!(r#"<Record xsi:type="ens:Constituent"><ens:ConsId>{id}</ens:ConsId></Record>"#)
        })
        .collect();
    Reply::Body(format!(
        r#"<QueryResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{records}</QueryResponse>"#
    ))
}

fn requested_page(seen: &Seen) -> u64 {
    match &seen.envelope.body {
        Body::Query(query) => query.page.unwrap_or(1),
        other => panic!("unexpected request {other:?}"),
    }
}

fn queries(transport: &Scripted) -> usize {
    transport
        .operations()
        .iter()
        .filter(|o| *o == "Query")
        .count()
}

#[tokio::test]
async fn finding_9_a_server_that_always_returns_the_same_full_page_is_stopped_naming_the_page() {
    // Every request, whatever its page number, gets the same full page.
    let transport = Scripted::new(|seen: &Seen| match &seen.envelope.body {
        Body::Login(_) => login_response("token-1"),
        _ => page(1..=3),
    });
    let client = soap_client(transport.clone());
    let mut pages = client
        .query("select ConsId from Constituent")
        .page_size(3)
        .unwrap();
    assert_eq!(pages.next_page().await.unwrap().map(|p| p.len()), Some(3));
    let error = pages.next_page().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::RepeatedPage {
                operation: "Query",
                page: 2
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("page 2"), "{error}");
    // The stream has ended: no further request.
    assert!(pages.next_page().await.unwrap().is_none());
    assert_eq!(queries(&transport), 2);
}

#[tokio::test]
async fn finding_9_max_pages_stops_a_server_whose_full_pages_never_end() {
    // Every page full, with new records each time: only a limit ends it.
    let endless = || {
        Scripted::new(|seen: &Seen| match &seen.envelope.body {
            Body::Login(_) => login_response("token-1"),
            _ => {
                let first = requested_page(seen) * 10;
                page(first..first + 2)
            }
        })
    };
    let transport = endless();
    let mut pages = soap_client(transport.clone())
        .query("select ConsId from Constituent")
        .page_size(2)
        .unwrap()
        .max_pages(5);
    let mut records = 0;
    let error = loop {
        match pages.next_page().await {
            Ok(Some(page)) => records += page.len(),
            Ok(None) => panic!("the endless server ended"),
            Err(error) => break error,
        }
    };
    assert!(
        matches!(
            error,
            Error::PageLimit {
                operation: "Query",
                limit: 5
            }
        ),
        "{error:?}"
    );
    assert_eq!((records, queries(&transport)), (10, 5));

    // The client's default for all its streams.
    let transport = endless();
    let client = Client::builder()
        .endpoint("http://127.0.0.1:9/1.0/site")
        .credentials("u", "p")
        .transport(transport.clone())
        .max_pages(3)
        .build()
        .unwrap();
    let pages = client
        .query("select ConsId from Constituent")
        .page_size(2)
        .unwrap();
    assert_eq!(pages.page_limit(), Some(3));
    let results: Vec<_> = futures_util::StreamExt::collect(pages.into_stream()).await;
    assert_eq!(results.len(), 4, "three pages, then the error");
    assert!(matches!(
        results.last(),
        Some(Err(Error::PageLimit { limit: 3, .. }))
    ));
    assert_eq!(queries(&transport), 3);
}

#[tokio::test]
async fn pages_read_ahead_give_the_same_records_and_keep_to_the_page_limit() {
    // Seven records in pages of two: three full pages, a short fourth, empty past it.
    let finite = || {
        Scripted::new(|seen: &Seen| match &seen.envelope.body {
            Body::Login(_) => login_response("token-1"),
            _ => {
                let first = (requested_page(seen) - 1) * 2 + 1;
                page((first..first + 2).filter(|id| *id <= 7))
            }
        })
    };
    let ids = |pages: Vec<Vec<convio::AnyRecord>>| -> Vec<u64> {
        pages
            .into_iter()
            .flatten()
            .map(|record| match record {
                convio::AnyRecord::Constituent(c) => c.cons_id.expect("an id"),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    };
    let mut expected = Vec::new();
    let mut pages = soap_client(finite())
        .query("select ConsId from Constituent")
        .page_size(2)
        .unwrap();
    while let Some(page) = pages.next_page().await.unwrap() {
        expected.push(page);
    }
    assert_eq!(ids(expected), (1..=7).collect::<Vec<_>>());

    for ahead in [1, 2, 5] {
        let transport = finite();
        let mut pages = soap_client(transport.clone())
            .query("select ConsId from Constituent")
            .page_size(2)
            .unwrap()
            .read_ahead(ahead);
        let mut read = Vec::new();
        while let Some(page) = pages.next_page().await.unwrap() {
            read.push(page);
        }
        assert_eq!(ids(read), (1..=7).collect::<Vec<_>>(), "read ahead {ahead}");
        drop(pages);
        // Four pages asked for in order, and at most `ahead` more past the last.
        let sent = queries(&transport);
        assert!(
            (4..=4 + ahead).contains(&sent),
            "read ahead {ahead}: {sent} queries"
        );
    }

    // Requests ahead stop at the page limit.
    let transport = finite();
    let mut pages = soap_client(transport.clone())
        .query("select ConsId from Constituent")
        .page_size(2)
        .unwrap()
        .read_ahead(4)
        .max_pages(2);
    assert!(pages.next_page().await.unwrap().is_some());
    assert!(pages.next_page().await.unwrap().is_some());
    assert!(matches!(
        pages.next_page().await,
        Err(Error::PageLimit { limit: 2, .. })
    ));
    assert_eq!(queries(&transport), 2);
}

#[tokio::test]
async fn finding_9_equal_pages_of_records_without_ids_are_not_taken_for_repeats() {
    // `select AcceptsEmail from Constituent`: pages may legitimately be equal.
    let transport = Scripted::new(|seen: &Seen| match &seen.envelope.body {
        Body::Login(_) => login_response("token-1"),
        _ => {
            let count = if requested_page(seen) < 4 { 2 } else { 1 };
            let records = r#"<Record xsi:type="ens:Constituent"><ens:AcceptsEmail>true</ens:AcceptsEmail></Record>"#
                .repeat(count);
            Reply::Body(format!(
                r#"<QueryResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{records}</QueryResponse>"#
            ))
        }
    });
    let mut pages = soap_client(transport.clone())
        .query("select AcceptsEmail from Constituent")
        .page_size(2)
        .unwrap()
        .max_pages(10);
    let mut sizes = Vec::new();
    while let Some(page) = pages.next_page().await.unwrap() {
        sizes.push(page.len());
    }
    assert_eq!(sizes, [2, 2, 2, 1]);
    // A server that pages correctly is read to the end without complaint.
    let transport = Scripted::new(|seen: &Seen| match &seen.envelope.body {
        Body::Login(_) => login_response("token-1"),
        _ => {
            let n = requested_page(seen);
            page((n * 2..n * 2 + 2).take(if n < 3 { 2 } else { 0 }))
        }
    });
    let mut pages = soap_client(transport)
        .query("select ConsId from Constituent")
        .page_size(2)
        .unwrap();
    let mut ids = 0;
    while let Some(page) = pages.next_page().await.unwrap() {
        ids += page.len();
    }
    assert_eq!(ids, 4);
}
