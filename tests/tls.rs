//! HTTPS with rustls: a loopback server whose certificate comes from a private CA. Custom
//! roots that include the CA work; the default roots refuse it.

use std::sync::Arc;

use bytes::Bytes;
use convio::transport::{HyperTransport, RootCertificates, Transport, TransportError};
use hyper::{Method, Request};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

struct Pki {
    ca: CertificateDer<'static>,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: PrivateKeyDer<'static>,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server_params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let server = server_params.signed_by(&server_key, &ca, &ca_key).unwrap();
    Pki {
        ca: ca.der().clone(),
        server_chain: vec![server.der().clone()],
        server_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
    }
}

/// Serves one HTTPS exchange answering `ok`; returns the port.
async fn https_server(pki: &Pki) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.server_chain.clone(), pki.server_key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut buffer = [0u8; 4096];
                let _ = tls.read(&mut buffer).await;
                let _ = tls
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

fn request(port: u16) -> Request<Bytes> {
    let mut request = Request::new(Bytes::from_static(b"<x/>"));
    *request.method_mut() = Method::POST;
    *request.uri_mut() = format!("https://localhost:{port}/1.0/site")
        .parse()
        .unwrap();
    request
}

#[tokio::test]
async fn custom_roots_trust_a_private_ca() {
    let pki = pki();
    let port = https_server(&pki).await;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca.clone()).unwrap();
    let transport = HyperTransport::builder()
        .root_certificates(RootCertificates::Custom(roots))
        .build()
        .unwrap();
    let response = transport.send(request(port)).await.unwrap();
    assert_eq!(response.body().as_ref(), b"ok");
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused() {
    let pki = pki();
    let port = https_server(&pki).await;
    let transport = HyperTransport::builder().build().unwrap();
    let error = transport.send(request(port)).await.unwrap_err();
    assert!(matches!(error, TransportError::Connect { .. }), "{error:?}");
    let detail = format!("{:?}", std::error::Error::source(&error));
    assert!(
        detail.contains("UnknownIssuer") || detail.contains("certificate"),
        "{detail}"
    );
    // Nothing was sent over an untrusted connection.
    assert!(!error.request_may_have_reached_server());
}
