//! A scripted [`Transport`]: a closure answers each decoded request, and every request is
//! recorded for the assertions.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use convio::soap::{decode_envelope, Body, Envelope};
use convio::transport::{BoxFuture, Transport, TransportError};
use hyper::{Request, Response};

/// What the script answers.
pub enum Reply {
    /// HTTP 200 with this SOAP body XML (the content of soap:Body).
    Body(String),
    /// HTTP 500 with a soap:Fault of this code, message and detail element name.
    Fault {
        code: &'static str,
        message: &'static str,
        detail: &'static str,
    },
    /// A transport failure.
    Fail(TransportError),
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub session_id: Option<String>,
    pub envelope: Envelope,
    pub raw: String,
}

type Script = dyn Fn(&Seen) -> Reply + Send + Sync;

#[derive(Clone)]
pub struct Scripted {
    script: Arc<Script>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    delay: Duration,
}

impl Scripted {
    pub fn new(script: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Self {
        Scripted {
            script: Arc::new(script),
            seen: Arc::default(),
            delay: Duration::ZERO,
        }
    }

    /// Answers after this (tokio) delay, so that concurrent calls overlap.
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// What the script answers to `seen` (to build scripts on top of others).
    pub fn answer(&self, seen: &Seen) -> Reply {
        (self.script)(seen)
    }

    pub fn operations(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| operation_name(&s.envelope.body))
            .collect()
    }
}

pub fn operation_name(body: &Body) -> String {
    let debug = format!("{body:?}");
    debug
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or_default()
        .to_string()
}

pub fn envelope(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>{body}</soap:Body></soap:Envelope>"#
    )
}

pub fn login_response(token: &str) -> Reply {
    Reply::Body(format!(
        r#"<LoginResponse xmlns="urn:soap.convio.com"><Result><SessionId>{token}</SessionId></Result></LoginResponse>"#
    ))
}

impl Transport for Scripted {
    fn send(
        &self,
        request: Request<Bytes>,
    ) -> BoxFuture<'_, Result<Response<Bytes>, TransportError>> {
        Box::pin(async move {
            let raw = String::from_utf8(request.body().to_vec()).expect("utf-8 request");
            let envelope =
                decode_envelope(request.body()).expect("the client sends valid envelopes");
            let session_id = envelope
                .header
                .as_ref()
                .and_then(|h| h.session.as_ref())
                .map(|s| s.session_id.to_string());
            let seen = Seen {
                session_id,
                envelope,
                raw,
            };
            self.seen.lock().unwrap().push(seen.clone());
            if !self.delay.is_zero() {
                tokio::time::sleep(self.delay).await;
            }
            match (self.script)(&seen) {
                Reply::Body(body) => Ok(Response::new(Bytes::from(envelope_text(&body)))),
                Reply::Fault {
                    code,
                    message,
                    detail,
                } => {
                    let body = format!(
                        r#"<soap:Fault><faultcode>{code}</faultcode><faultstring>{message}</faultstring><detail><{detail} xmlns="urn:soap.convio.com"/></detail></soap:Fault>"#
                    );
                    let mut response = Response::new(Bytes::from(envelope_text(&body)));
                    *response.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
                    Ok(response)
                }
                Reply::Fail(error) => Err(error),
            }
        })
    }
}

fn envelope_text(body: &str) -> String {
    envelope(body)
}
