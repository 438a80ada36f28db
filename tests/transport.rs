//! HyperTransport against raw loopback HTTP servers: headers, size cap, timeout, truncation.

use std::time::Duration;

use bytes::Bytes;
use convio::transport::{HyperTransport, Transport, TransportError};
use hyper::{Method, Request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serves one connection: reads the request head and body, then runs `respond`.
async fn one_shot<F, Fut>(respond: F) -> (String, tokio::task::JoinHandle<String>)
where
    F: FnOnce(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/1.0/site", listener.local_addr().unwrap());
    let handle = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut received = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).await.unwrap();
            received.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&received);
            if let Some(head_end) = text.find("\r\n\r\n") {
                let length = text[..head_end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if received.len() >= head_end + 4 + length {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        respond(stream).await;
        String::from_utf8_lossy(&received).into_owned()
    });
    (url, handle)
}

fn request(url: &str) -> Request<Bytes> {
    let mut request = Request::new(Bytes::from_static(b"<x/>"));
    *request.method_mut() = Method::POST;
    *request.uri_mut() = url.parse().unwrap();
    request
        .headers_mut()
        .insert("content-type", "text/xml; charset=utf-8".parse().unwrap());
    request
        .headers_mut()
        .insert("SOAPAction", "\"\"".parse().unwrap());
    request
}

#[tokio::test]
async fn exchanges_a_request_and_a_response() {
    let (url, server) = one_shot(|mut stream| async move {
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
            .await
            .unwrap();
    })
    .await;
    let transport = HyperTransport::builder().build().unwrap();
    let response = transport.send(request(&url)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.body().as_ref(), b"hello");
    let received = server.await.unwrap().to_ascii_lowercase();
    assert!(
        received.starts_with("post /1.0/site http/1.1"),
        "{received}"
    );
    assert!(received.contains("content-type: text/xml; charset=utf-8"));
    assert!(received.contains("soapaction: \"\""));
    assert!(received.ends_with("<x/>"));
}

#[tokio::test]
async fn a_response_over_the_cap_is_cut_off() {
    let (url, _server) = one_shot(|mut stream| async move {
        let body = vec![b'a'; 4096];
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
        let _ = stream.write_all(head.as_bytes()).await;
        let _ = stream.write_all(&body).await;
    })
    .await;
    let transport = HyperTransport::builder()
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let error = transport.send(request(&url)).await.unwrap_err();
    assert!(
        matches!(error, TransportError::ResponseTooLarge { limit: 1024 }),
        "{error:?}"
    );
    assert!(error.request_may_have_reached_server());
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let (url, _server) = one_shot(|stream| async move {
        let _open = stream;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let transport = HyperTransport::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let error = transport.send(request(&url)).await.unwrap_err();
    assert!(matches!(error, TransportError::Timeout(_)), "{error:?}");
    assert!(error.request_may_have_reached_server());
}

#[tokio::test]
async fn a_truncated_body_is_an_error_not_a_short_success() {
    let (url, _server) = one_shot(|mut stream| async move {
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
            .await
            .unwrap();
        stream.shutdown().await.unwrap();
    })
    .await;
    let transport = HyperTransport::builder().build().unwrap();
    let error = transport.send(request(&url)).await.unwrap_err();
    assert!(
        matches!(error, TransportError::Exchange { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_was_not_sent() {
    // Port 1: below the range the system hands out for port 0, so no server another test
    // starts meanwhile can take it (a port bound and released here could be).
    let url = "http://127.0.0.1:1/1.0/site";
    let transport = HyperTransport::builder().build().unwrap();
    let error = transport.send(request(url)).await.unwrap_err();
    assert!(matches!(error, TransportError::Connect { .. }), "{error:?}");
    assert!(!error.request_may_have_reached_server());
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_before_connecting() {
    let transport = HyperTransport::builder().build().unwrap();
    let error = transport
        .send(request("http://webservices.example.org/1.0/site"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, TransportError::InsecureEndpoint { .. }),
        "{error:?}"
    );
}
