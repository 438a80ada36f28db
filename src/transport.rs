//! HTTP transport: hyper 1.x over rustls, with timeouts, a response-size cap and a clear
//! answer to "may this request have reached the server?".
//!
//! The [`Transport`] trait is what the SOAP and Server API clients talk to; tests plug in
//! scripted implementations, production uses [`HyperTransport`].

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Request, Response, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;

/// A boxed future, as returned by [`Transport::send`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one HTTP request and returns the whole response.
///
/// Implementations must not retry on their own: whether a retry is safe depends on the
/// operation, which only the caller knows.
///
/// ```
/// use bytes::Bytes;
/// use convio::transport::{BoxFuture, Transport, TransportError};
/// use hyper::{Request, Response};
///
/// /// Answers every request with the same body.
/// struct Canned(&'static str);
///
/// impl Transport for Canned {
///     fn send(&self, _request: Request<Bytes>) -> BoxFuture<'_, Result<Response<Bytes>, TransportError>> {
///         let body = Bytes::from_static(self.0.as_bytes());
///         Box::pin(async move { Ok(Response::new(body)) })
///     }
/// }
/// ```
pub trait Transport: Send + Sync {
    /// Sends `request`; the response body is read completely (within the size cap).
    fn send(
        &self,
        request: Request<Bytes>,
    ) -> BoxFuture<'_, Result<Response<Bytes>, TransportError>>;
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send(
        &self,
        request: Request<Bytes>,
    ) -> BoxFuture<'_, Result<Response<Bytes>, TransportError>> {
        (**self).send(request)
    }
}

/// Why an HTTP exchange failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The endpoint is not a usable URL (a configuration error: see
    /// [`is_configuration`](Self::is_configuration)).
    #[error("invalid endpoint `{url}`: {reason}")]
    InvalidEndpoint {
        /// The endpoint as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Plain `http://` to a host that is not loopback, without explicit permission (a
    /// configuration error: the password would cross the network unencrypted).
    #[error("refusing plain http to non-loopback host `{host}`: the password would travel unencrypted; use https")]
    InsecureEndpoint {
        /// The host of the endpoint.
        host: String,
    },
    /// No connection could be made, or TLS could not be established over it (see
    /// [`is_tls_failure`](Self::is_tls_failure)); the request was not sent.
    #[error("{}", connect_message(host, source.as_ref()))]
    Connect {
        /// The host and port, e.g. `webservices.cluster2.convio.net:443`.
        host: String,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// No complete response within the request timeout; the request may have been sent.
    #[error("no response within {0:?}")]
    Timeout(Duration),
    /// The exchange broke after the connection was made (reset, closed, truncated body);
    /// the request may have reached the server.
    #[error("connection to {host} failed during the exchange: {}", cause_chain(source.as_ref()))]
    Exchange {
        /// The host and port.
        host: String,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The response body is larger than the configured cap; it was not read further.
    #[error("response larger than the {limit}-byte limit")]
    ResponseTooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// TLS could not be set up (for example no usable root certificates): a configuration
    /// error, nothing was sent.
    #[error("TLS setup failed: {0}")]
    Tls(String),
}

impl TransportError {
    /// `false` only when the request certainly did not reach the server, so that replaying
    /// it cannot apply it twice.
    ///
    /// ```
    /// use convio::transport::TransportError;
    /// assert!(TransportError::Timeout(std::time::Duration::from_secs(1)).request_may_have_reached_server());
    /// assert!(!TransportError::InsecureEndpoint { host: "example.org".into() }.request_may_have_reached_server());
    /// ```
    pub fn request_may_have_reached_server(&self) -> bool {
        matches!(
            self,
            TransportError::Timeout(_)
                | TransportError::Exchange { .. }
                | TransportError::ResponseTooLarge { .. }
        )
    }

    /// Whether trying again later may succeed and cannot apply anything twice: no connection
    /// could be made (refused, unreachable, name not resolved, connect timeout). A TLS
    /// failure (an untrusted certificate, no common protocol) is not transient, nor is a
    /// configuration error; what may have reached the server never is.
    ///
    /// ```
    /// use convio::transport::TransportError;
    /// let refused = TransportError::Connect {
    ///     host: "127.0.0.1:1".into(),
    ///     source: Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)),
    /// };
    /// assert!(refused.is_transient());
    /// assert!(!TransportError::InsecureEndpoint { host: "example.org".into() }.is_transient());
    /// assert!(!TransportError::Timeout(std::time::Duration::from_secs(1)).is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        matches!(self, TransportError::Connect { .. }) && !self.is_tls_failure()
    }

    /// Whether the connection failed in the TLS handshake (the server's certificate is not
    /// trusted or does not name the host, no protocol version or cipher in common, ...).
    pub fn is_tls_failure(&self) -> bool {
        match self {
            TransportError::Connect { source, .. } => is_tls_error(source.as_ref()),
            _ => false,
        }
    }

    /// Whether the failure is in the configuration, not the exchange (an endpoint that is
    /// not a usable URL, plain http to a remote host, TLS that cannot be set up): nothing was
    /// sent, and sending again cannot help.
    pub fn is_configuration(&self) -> bool {
        matches!(
            self,
            TransportError::InvalidEndpoint { .. }
                | TransportError::InsecureEndpoint { .. }
                | TransportError::Tls(_)
        )
    }
}

/// The cause of an error. An `io::Error` wrapping another error reports that error's source
/// as its own, skipping the wrapped error itself (where the TLS connector puts the rustls
/// error): it is descended into instead.
fn cause<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a (dyn std::error::Error + 'static)> {
    match error
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        Some(inner) => Some(inner),
        None => error.source(),
    }
}

/// Whether `error` or one of its causes is a rustls error.
fn is_tls_error(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    // A chain is finite; the cap only keeps a pathological one short.
    for _ in 0..16 {
        let Some(error) = current else { break };
        if error.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        current = cause(error);
    }
    false
}

fn connect_message(host: &str, source: &(dyn std::error::Error + Send + Sync + 'static)) -> String {
    if is_tls_error(source) {
        format!(
            "TLS handshake with {host} failed (not retried): {}",
            cause_chain(source)
        )
    } else {
        format!("cannot connect to {host}: {}", cause_chain(source))
    }
}

/// An error and its causes, `outer: inner: innermost`, leaving out hyper's generic wrapper
/// text (`client error (Connect)`) and repetitions.
fn cause_chain(error: &(dyn std::error::Error + Send + Sync + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    // A chain is finite; the cap only keeps a pathological one short.
    for _ in 0..16 {
        let Some(error) = current else { break };
        // hyper's wrapper says only `client error (Connect)`: its cause says more.
        let generic = error
            .downcast_ref::<hyper_util::client::legacy::Error>()
            .is_some()
            && error.source().is_some();
        let text = error.to_string();
        let repeated = parts.last().is_some_and(|last| last.contains(&text));
        if !generic && !text.is_empty() && !repeated {
            parts.push(text);
        }
        current = cause(error);
    }
    parts.join(": ")
}

/// `host:port` of a URI, the port defaulted by the scheme (443 for https, 80 for http).
fn host_and_port(uri: &Uri) -> String {
    let host = uri.host().unwrap_or_default();
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("http") {
            80
        } else {
            443
        });
    format!("{host}:{port}")
}

/// Checks that `url` is an absolute http(s) URL and that plain http goes only to loopback
/// (unless `allow_insecure_http`).
///
/// ```
/// use convio::transport::check_endpoint;
/// assert!(check_endpoint("https://webservices.cluster1.convio.net/1.0/site", false).is_ok());
/// assert!(check_endpoint("http://127.0.0.1:8080/1.0/site", false).is_ok());
/// assert!(check_endpoint("http://webservices.example.org/1.0/site", false).is_err());
/// ```
pub fn check_endpoint(url: &str, allow_insecure_http: bool) -> Result<Uri, TransportError> {
    let invalid = |reason: &str| TransportError::InvalidEndpoint {
        url: url.to_string(),
        reason: reason.into(),
    };
    let uri: Uri = url
        .parse()
        .map_err(|e: hyper::http::uri::InvalidUri| invalid(&e.to_string()))?;
    let host = uri.host().ok_or_else(|| invalid("no host"))?.to_string();
    match uri.scheme_str() {
        Some("https") => Ok(uri),
        Some("http") if allow_insecure_http || is_loopback(&host) => Ok(uri),
        Some("http") => Err(TransportError::InsecureEndpoint { host }),
        _ => Err(invalid("scheme must be https or http")),
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The transport a client builder was given, or a default [`HyperTransport`].
pub(crate) fn given_or_default(
    given: Option<Arc<dyn Transport>>,
    allow_insecure_http: bool,
) -> Result<Arc<dyn Transport>, TransportError> {
    match given {
        Some(transport) => Ok(transport),
        None => Ok(Arc::new(
            HyperTransport::builder()
                .allow_insecure_http(allow_insecure_http)
                .build()?,
        )),
    }
}

/// Which certificate authorities HTTPS trusts.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum RootCertificates {
    /// The Mozilla roots compiled into the binary (`webpki-roots`).
    #[default]
    WebPki,
    /// The operating system's trust store.
    Native,
    /// Exactly these roots (e.g. a private CA in tests).
    Custom(rustls::RootCertStore),
}

/// Builder for [`HyperTransport`].
///
/// ```
/// use std::time::Duration;
/// let transport = convio::transport::HyperTransport::builder()
///     .timeout(Duration::from_secs(60))
///     .connect_timeout(Duration::from_secs(10))
///     .max_response_bytes(16 * 1024 * 1024)
///     .build()
///     .unwrap();
/// # let _ = transport;
/// ```
#[derive(Debug, Clone)]
pub struct HyperTransportBuilder {
    timeout: Duration,
    connect_timeout: Duration,
    max_response_bytes: usize,
    roots: RootCertificates,
    allow_insecure_http: bool,
}

impl Default for HyperTransportBuilder {
    fn default() -> Self {
        HyperTransportBuilder {
            timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(15),
            max_response_bytes: 64 * 1024 * 1024,
            roots: RootCertificates::default(),
            allow_insecure_http: false,
        }
    }
}

impl HyperTransportBuilder {
    /// Time for the whole exchange, from connecting to the last body byte (default 120 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time to establish the TCP connection (default 15 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Largest response body accepted (default 64 MiB).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Which roots HTTPS trusts (default: the compiled-in Mozilla roots).
    pub fn root_certificates(mut self, roots: RootCertificates) -> Self {
        self.roots = roots;
        self
    }

    /// Permits plain `http://` to hosts that are not loopback (default: refused).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Builds the transport (one connection pool, reused across calls).
    pub fn build(self) -> Result<HyperTransport, TransportError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls_builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TransportError::Tls(e.to_string()))?;
        let roots = match self.roots {
            RootCertificates::WebPki => rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            },
            RootCertificates::Native => {
                let mut store = rustls::RootCertStore::empty();
                let found = rustls_native_certs::load_native_certs();
                store.add_parsable_certificates(found.certs);
                if store.is_empty() {
                    return Err(TransportError::Tls(
                        "no usable native root certificates".into(),
                    ));
                }
                store
            }
            RootCertificates::Custom(store) => store,
        };
        let tls = tls_builder
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(self.connect_timeout));
        http.set_nodelay(true);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = HyperClient::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(connector);
        Ok(HyperTransport {
            client,
            timeout: self.timeout,
            max_response_bytes: self.max_response_bytes,
            allow_insecure_http: self.allow_insecure_http,
        })
    }
}

/// The production [`Transport`]: hyper 1.x with rustls, connection reuse, timeouts and a
/// response-size cap.
#[derive(Clone)]
pub struct HyperTransport {
    client: HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
    max_response_bytes: usize,
    allow_insecure_http: bool,
}

impl std::fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperTransport")
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl HyperTransport {
    /// A builder with the defaults (120 s timeout, 15 s connect timeout, 64 MiB cap,
    /// Mozilla roots).
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder::default()
    }

    async fn exchange(&self, request: Request<Bytes>) -> Result<Response<Bytes>, TransportError> {
        let host = host_and_port(request.uri());
        let (parts, body) = request.into_parts();
        let response = self
            .client
            .request(Request::from_parts(parts, Full::new(body)))
            .await
            .map_err(|error| {
                if error.is_connect() {
                    TransportError::Connect {
                        host: host.clone(),
                        source: Box::new(error),
                    }
                } else {
                    TransportError::Exchange {
                        host: host.clone(),
                        source: Box::new(error),
                    }
                }
            })?;
        let (parts, body) = response.into_parts();
        let collected = Limited::new(body, self.max_response_bytes)
            .collect()
            .await
            .map_err(|error| {
                if error
                    .downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some()
                {
                    TransportError::ResponseTooLarge {
                        limit: self.max_response_bytes,
                    }
                } else {
                    TransportError::Exchange {
                        host: host.clone(),
                        source: error,
                    }
                }
            })?;
        Ok(Response::from_parts(parts, collected.to_bytes()))
    }
}

impl Transport for HyperTransport {
    fn send(
        &self,
        request: Request<Bytes>,
    ) -> BoxFuture<'_, Result<Response<Bytes>, TransportError>> {
        Box::pin(async move {
            check_endpoint(&request.uri().to_string(), self.allow_insecure_http)?;
            match tokio::time::timeout(self.timeout, self.exchange(request)).await {
                Ok(result) => result,
                Err(_) => Err(TransportError::Timeout(self.timeout)),
            }
        })
    }
}
