//! Raw HTTP exchanges with the emulator: hand-written wire XML, never our encoder.

use convio::emulator::Emulator;
use convio::soap::{decode_response, Body, Fault};
use convio::transport::{HyperTransport, Transport};
use convio::Error;

/// One HTTP exchange: (status, content type, body).
pub async fn exchange(
    method: hyper::Method,
    url: &str,
    content_type: Option<&str>,
    body: &str,
) -> (u16, String, String) {
    let transport = HyperTransport::builder().build().unwrap();
    let mut request = hyper::Request::new(bytes::Bytes::from(body.to_string()));
    *request.method_mut() = method;
    *request.uri_mut() = url.parse().unwrap();
    if let Some(content_type) = content_type {
        request
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, content_type.parse().unwrap());
    }
    let response = transport.send(request).await.unwrap();
    let content_type = response
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (
        response.status().as_u16(),
        content_type,
        String::from_utf8(response.body().to_vec()).unwrap(),
    )
}

/// POSTs a SOAP message: (status, response text).
pub async fn soap(emulator: &Emulator, xml: &str) -> (u16, String) {
    let (status, _, body) = exchange(
        hyper::Method::POST,
        &emulator.soap_url(),
        Some("text/xml; charset=utf-8"),
        xml,
    )
    .await;
    (status, body)
}

/// The fault a response carries (HTTP 500 and a decodable fault), or a panic.
pub fn fault_of((status, text): &(u16, String)) -> Box<Fault> {
    assert_eq!(*status, 500, "{text}");
    match decode_response(text.as_bytes()) {
        Err(Error::Fault(fault)) => fault,
        other => panic!("expected a fault, got {other:?} from {text}"),
    }
}

pub fn body_of((status, text): &(u16, String)) -> Body {
    assert_eq!(*status, 200, "{text}");
    decode_response(text.as_bytes()).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Login as the Login page shows it: `soap:` prefix, operation in a default namespace.
pub async fn login(emulator: &Emulator) -> String {
    let response = soap(
        emulator,
        "<?xml version='1.0' encoding='UTF-8'?>
<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'>
  <soap:Body>
    <Login xmlns='urn:soap.convio.com'>
      <UserName>apiuser</UserName>
      <Password>secret</Password>
    </Login>
  </soap:Body>
</soap:Envelope>
",
    )
    .await;
    let Body::LoginResponse(login) = body_of(&response) else {
        panic!("not a LoginResponse: {}", response.1)
    };
    login.result.session_id.to_string()
}

/// A request in the authentication page's style: `soap:` prefix, default namespaces.
pub fn default_namespace(token: &str, operation: &str) -> String {
    format!(
        "<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'>
  <soap:Header>
    <Session xmlns='urn:soap.convio.com'><SessionId>{token}</SessionId></Session>
  </soap:Header>
  <soap:Body>
{operation}
  </soap:Body>
</soap:Envelope>"
    )
}
