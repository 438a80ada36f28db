//! The Server API client: exact form bodies (snapshots), status handling, secrets.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use convio::server_api::{
    Client as ServerApi, ConsParams, ErrorCode, IdList, Lookup, ResponseFormat,
};
use convio::transport::{BoxFuture, Transport, TransportError};
use convio::{Error, Field};
use hyper::{Request, Response, StatusCode};

const API_KEY: &str = "api-key-that-must-not-leak";
const PASSWORD: &str = "login-password-that-must-not-leak";

/// Answers with a fixed status and body, recording requests.
#[derive(Clone)]
struct Canned {
    status: u16,
    body: &'static str,
    seen: Arc<Mutex<Vec<(String, String, String)>>>,
}

impl Canned {
    fn new(status: u16, body: &'static str) -> Self {
        Canned {
            status,
            body,
            seen: Arc::default(),
        }
    }
}

impl Transport for Canned {
    fn send(
        &self,
        request: Request<Bytes>,
    ) -> BoxFuture<'_, Result<Response<Bytes>, TransportError>> {
        let content_type = request
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        self.seen.lock().unwrap().push((
            request.uri().to_string(),
            content_type,
            String::from_utf8(request.body().to_vec()).unwrap(),
        ));
        let mut response = Response::new(Bytes::from_static(self.body.as_bytes()));
        *response.status_mut() = StatusCode::from_u16(self.status).unwrap();
        Box::pin(async move { Ok(response) })
    }
}

fn client(transport: Canned, format: ResponseFormat) -> ServerApi {
    ServerApi::builder()
        .base_url("http://127.0.0.1:9/organization")
        .api_key(API_KEY)
        .credentials("apiadmin", PASSWORD)
        .response_format(format)
        .transport(transport)
        .build()
        .unwrap()
}

fn form(params: ConsParams) -> String {
    let client = client(Canned::new(200, ""), ResponseFormat::Xml);
    let body = client.form_body("createOrUpdate", &params.form_pairs().unwrap());
    // One pair per line, so that the snapshots read well.
    body.replace('&', "\n&")
}

#[test]
fn form_lookup_keys() {
    insta::assert_snapshot!(
        "form_lookup_keys",
        form(
            ConsParams::new()
                .cons_id(1001081)
                .member_id("CRM-1815")
                .primary_email("ada+news@example.org")
        )
    );
}

#[test]
fn form_id_lists() {
    let params = ConsParams::new()
        .primary_email("ada@example.org")
        .add_center_ids([1, 2])
        .remove_center_ids([3])
        .ids(IdList::AddCenterOptIns, [4])
        .ids(IdList::RemoveCenterOptIns, [5])
        .add_group_ids([1010, 1013])
        .remove_group_ids([1200])
        .add_interest_ids([1001])
        .remove_interest_ids([1002, 1003]);
    insta::assert_snapshot!("form_id_lists", form(params));
}

#[test]
fn form_source_and_welcome() {
    let params = ConsParams::new()
        .primary_email("ada@example.org")
        .source("Spring gala 2026")
        .sub_source("table 7 & 8")
        .no_welcome(true)
        .interaction("Imported", "Synced from the CRM");
    insta::assert_snapshot!("form_source_and_welcome", form(params));
}

#[test]
fn form_constituent_fields() {
    let params = ConsParams::new()
        .member_id("CRM-1815")
        .field("name.first", "Ada")
        .field("name.last", "Lovelace")
        .field("email.accepts_email", "true")
        .field("primary_address.street1", "12 St James's Square")
        .field("primary_address.city", "London")
        .field("custom.string[]", "ünïcödé = 100%")
        .field("name.first", "Augusta Ada");
    insta::assert_snapshot!("form_constituent_fields", form(params));
}

#[test]
fn form_json_format_header_line() {
    let client = client(Canned::new(200, ""), ResponseFormat::Json);
    let body = client.form_body("getUser", &[("cons_id".into(), "1".into())]);
    insta::assert_snapshot!("form_json_get_user", body.replace('&', "\n&"));
}

#[test]
fn invalid_parameters_are_refused_before_sending() {
    let low_group = ConsParams::new()
        .primary_email("a@b.org")
        .add_group_ids([1010, 999])
        .form_pairs()
        .unwrap_err();
    assert!(
        low_group.to_string().contains("group id 999"),
        "{low_group}"
    );
    assert!(ConsParams::new()
        .remove_group_ids([12])
        .form_pairs()
        .is_err());
    assert!(ConsParams::new()
        .field("name first", "x")
        .form_pairs()
        .is_err());
    assert!(ConsParams::new()
        .field("api_key", "x")
        .form_pairs()
        .is_err());
    assert!(ConsParams::new().primary_email("  ").form_pairs().is_err());
}

#[tokio::test]
async fn posts_to_srconsapi_and_decodes_json() {
    let transport = Canned::new(
        200,
        r#"{"createOrUpdateConsResponse":{"message":"User updated.","cons_id":"1002001"}}"#,
    );
    let client = client(transport.clone(), ResponseFormat::Json);
    let response = client
        .create_or_update(&ConsParams::new().primary_email("ada@example.org"))
        .await
        .unwrap();
    assert_eq!(response.cons_id, Some(1002001));
    assert_eq!(response.message, Field::Value("User updated.".into()));
    let seen = transport.seen.lock().unwrap();
    assert_eq!(seen[0].0, "http://127.0.0.1:9/organization/site/SRConsAPI");
    assert_eq!(
        seen[0].1,
        "application/x-www-form-urlencoded; charset=UTF-8"
    );
    assert!(seen[0].2.starts_with("v=1.0&api_key="));
    assert!(seen[0]
        .2
        .contains("&method=createOrUpdate&response_format=json&"));
}

#[tokio::test]
async fn error_response_with_403_is_a_typed_error() {
    let body = r#"<?xml version="1.0" encoding="UTF-8"?><errorResponse xmlns="http://convio.com/crm/v1.0"><code>13</code><message>Email address is already in use.</message></errorResponse>"#;
    let client = client(Canned::new(403, body), ResponseFormat::Xml);
    let error = client
        .create(&ConsParams::new().primary_email("taken@example.org"))
        .await
        .unwrap_err();
    let Error::ServerApi {
        method,
        status,
        code,
        message,
    } = error
    else {
        panic!("not a Server API error")
    };
    assert_eq!(
        (method, status, code),
        ("create", 403, ErrorCode::DuplicateEmail)
    );
    assert_eq!(message, "Email address is already in use.");
}

#[tokio::test]
async fn error_response_with_suppressed_status_is_still_an_error() {
    let body = r#"{"errorResponse":{"code":"16","message":"No matching record."}}"#;
    let client = client(Canned::new(200, body), ResponseFormat::Json);
    let error = client
        .get_user(&Lookup::ConsId(5), &["name.first"])
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::ServerApi {
                code: ErrorCode::RecordNotFound,
                status: 200,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn http_405_is_reported_with_its_status() {
    let client = client(Canned::new(405, "Bad Method"), ResponseFormat::Xml);
    let error = client
        .update(&ConsParams::new().cons_id(1))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::HttpStatus {
                status: 405,
                operation: "update",
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn secrets_are_redacted() {
    let transport = Canned::new(
        403,
        r#"{"errorResponse":{"code":"2","message":"Invalid API key."}}"#,
    );
    let client = client(transport, ResponseFormat::Json);
    let error = client
        .create(&ConsParams::new().primary_email("a@b.org"))
        .await
        .unwrap_err();
    let printed = format!(
        "{client:?} {error:?} {error} {:?}",
        ServerApi::builder()
            .api_key(API_KEY)
            .credentials("u", PASSWORD)
            .build()
    );
    assert!(printed.contains("<redacted>"));
    for secret in [API_KEY, PASSWORD] {
        assert!(!printed.contains(secret), "{secret} leaked: {printed}");
    }
}
