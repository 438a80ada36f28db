//! The emulator's HTTP server: the accept loop (with the connection cap and a backoff on
//! accept errors), routing before any body is read, and the body read within its limits.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::limits::{Backoff, Connections, Slot};
use super::server_api::SERVLETS;
use super::{Answer, Shared, MESSAGES_XSD, OBJECTS_XSD};

/// How often a failing `accept` is logged.
const WARNING_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

/// Accepts connections until `stopped` changes (or its sender is dropped). An accept error
/// (out of file descriptors, a connection reset before it was accepted) never ends the
/// loop: an idle connection is closed to free a descriptor, and the loop waits a little
/// before accepting again.
pub(super) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<bool>,
) {
    let connections = Connections::new(shared.limits.effective_max_connections());
    let mut backoff = Backoff::default();
    let mut last_warning: Option<std::time::Instant> = None;
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    backoff.reset();
                    // At the cap with every connection busy: refused (closed unanswered).
                    let Some(slot) = connections.admit() else { continue };
                    tokio::spawn(serve_connection(stream, slot, Arc::clone(&shared)));
                }
                Err(error) => {
                    connections.close_idle();
                    let wait = backoff.next_wait();
                    // Once in a while, not once per attempt.
                    if last_warning.is_none_or(|at| at.elapsed() >= WARNING_INTERVAL) {
                        tracing::warn!(%error, "emulator: accept failed (closing an idle connection, retrying)");
                        last_warning = Some(std::time::Instant::now());
                    }
                    tokio::select! {
                        _ = stopped.changed() => return,
                        _ = tokio::time::sleep(wait) => {}
                    }
                }
            }
        }
    }
}

/// Serves one connection until the client closes it, a timeout closes it, or the tracker
/// tells it to make room (then the request in progress, if any, is finished first).
async fn serve_connection(stream: TcpStream, slot: Slot, shared: Arc<Shared>) {
    let connection = Arc::clone(&slot.connection);
    let limits = shared.limits;
    let service = service_fn(move |request| {
        let busy = connection.busy();
        let shared = Arc::clone(&shared);
        async move {
            let response = handle(shared, request).await;
            drop(busy);
            response
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let served = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(served);
    tokio::select! {
        _ = served.as_mut() => {}
        _ = slot.connection.closed() => {
            served.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(limits.body_timeout, served).await;
        }
    }
    drop(slot);
}

/// Rewrites the `location` of the WSDL's `soap:address` to `address`.
fn with_address(wsdl: &str, address: &str) -> String {
    let Some(element) = wsdl.find(":address ").or_else(|| wsdl.find("<address ")) else {
        return wsdl.to_string();
    };
    let Some(attribute) = wsdl[element..]
        .find("location=\"")
        .map(|o| element + o + "location=\"".len())
    else {
        return wsdl.to_string();
    };
    let Some(end) = wsdl[attribute..].find('"').map(|o| attribute + o) else {
        return wsdl.to_string();
    };
    format!("{}{address}{}", &wsdl[..attribute], &wsdl[end..])
}

fn reply(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(value) = content_type.parse() {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

/// Where a request goes, decided from its method and path alone.
enum Route {
    Soap,
    /// A Server API servlet (`SRConsAPI`...).
    ServerApi(&'static str),
    Text(&'static str, String),
    Refused(u16, &'static str),
}

fn route(shared: &Shared, method: &Method, path: &str) -> Route {
    let soap_path = format!("/1.0/{}", shared.site_name);
    let servlet = path
        .strip_prefix(&format!("/{}/site/", shared.site_name))
        .and_then(|servlet| SERVLETS.iter().find(|known| **known == servlet));
    if path == soap_path && method == Method::POST {
        Route::Soap
    } else if path == format!("{soap_path}/wsdl") && method == Method::GET {
        let address = format!("http://{}{soap_path}", shared.address);
        Route::Text(
            "text/xml; charset=utf-8",
            with_address(&shared.wsdl, &address),
        )
    } else if path == format!("{soap_path}/messages.xsd") && method == Method::GET {
        Route::Text("text/xml; charset=utf-8", MESSAGES_XSD.to_string())
    } else if path == format!("{soap_path}/objects.xsd") && method == Method::GET {
        Route::Text("text/xml; charset=utf-8", OBJECTS_XSD.to_string())
    } else if let Some(servlet) = servlet {
        if method == Method::POST {
            Route::ServerApi(servlet)
        } else {
            Route::Refused(405, "Bad Method")
        }
    } else {
        Route::Refused(404, "not found")
    }
}

/// The body of a routed request, within the limits: a declared length over the limit is
/// refused before anything is read (so `Expect: 100-continue` gets no `100 Continue`),
/// a body growing past it is 413, a malformed one (bad chunking) 400, a slow one 408.
async fn read_body(
    request: Request<Incoming>,
    shared: &Shared,
) -> Result<Bytes, Response<Full<Bytes>>> {
    let max = shared.limits.max_body_bytes;
    let declared = request
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > max as u64) {
        return Err(reply(413, "text/plain", "request too large"));
    }
    let collected = tokio::time::timeout(
        shared.limits.body_timeout,
        Limited::new(request.into_body(), max).collect(),
    )
    .await;
    match collected {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => {
            Err(reply(413, "text/plain", "request too large"))
        }
        Ok(Err(_)) => Err(reply(400, "text/plain", "malformed request body")),
        Err(_) => Err(reply(
            408,
            "text/plain",
            "request body not received in time",
        )),
    }
}

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = request.method().clone();
    let route = route(&shared, &method, request.uri().path());
    let response = match route {
        Route::Refused(status, text) => reply(status, "text/plain", text),
        Route::Text(content_type, text) => reply(200, content_type, text),
        Route::Soap => match read_body(request, &shared).await {
            Ok(body) => {
                let shared = Arc::clone(&shared);
                // The handlers are synchronous (parsing, the lock): off the I/O threads.
                let answer = blocking(move || shared.site.answer_soap(&body)).await;
                reply(answer.status, answer.content_type, answer.body)
            }
            Err(refusal) => refusal,
        },
        Route::ServerApi(servlet) => match read_body(request, &shared).await {
            Ok(body) => {
                let shared = Arc::clone(&shared);
                let answer =
                    blocking(move || shared.site.answer_servlet(servlet, &method, &body)).await;
                reply(answer.status, answer.content_type, answer.body)
            }
            Err(refusal) => refusal,
        },
    };
    Ok(response)
}

/// Runs a handler on the blocking pool (a large request must not stall the connections
/// served on the same runtime thread); a handler that panicked answers 500.
async fn blocking<T>(work: impl FnOnce() -> T + Send + 'static) -> T
where
    T: From<Panicked> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(_) => T::from(Panicked),
    }
}

/// A handler that panicked.
struct Panicked;

impl From<Panicked> for Answer {
    fn from(_: Panicked) -> Self {
        Answer {
            status: 500,
            content_type: "text/plain",
            body: "internal error".into(),
        }
    }
}
