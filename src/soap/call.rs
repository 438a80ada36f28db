//! The call machinery under every SOAP operation: the client and its builder, the shared
//! session (log in once, again after a session fault, replay once), retries of requests that
//! were not sent, and one HTTP exchange (encode, send, decode, tell a fault from garbage).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, Request, Uri};
use tracing::Instrument;

use crate::codec::diagnose::{excerpt, is_well_formed};
use crate::codec::DecodeOptions;
use crate::credentials::{Credentials, Secret};
use crate::error::{DecodeError, Error};
use crate::generated::tns;
use crate::schema::Schema;
use crate::soap::envelope::{decode_response_with, Encoder};
use crate::soap::session::{Session, SessionPolicy};
use crate::soap::{Body, Envelope};
use crate::transport::{check_endpoint, Transport};

/// Most records one Create, Update or Delete request may carry.
/// Builder for [`Client`].
///
/// ```no_run
/// # async fn run() -> Result<(), convio::Error> {
/// let client = convio::soap::Client::builder()
///     .endpoint("https://webservices.cluster2.convio.net/1.0/mysite")
///     .credentials("apiuser", "secret")
///     .partition(1001)
///     .build()?;
/// let time = client.get_server_time().await?;
/// println!("server time: {time}");
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    endpoint: Option<String>,
    credentials: Option<Credentials>,
    partition: Option<u64>,
    transport: Option<Arc<dyn Transport>>,
    allow_insecure_http: bool,
    policy: SessionPolicy,
    retry: RetryPolicy,
    decode: DecodeOptions,
    schema: Option<Result<Schema, Error>>,
    fetch_wsdl: bool,
    max_pages: Option<u64>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("credentials", &self.credentials)
            .field("partition", &self.partition)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The site's SOAP endpoint, `https://webservices.clusterN.convio.net/1.0/{site}`.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The API administrator account used for Login.
    pub fn credentials(
        mut self,
        user_name: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.credentials = Some(Credentials::new(user_name, password));
        self
    }

    /// The partition data calls use unless a call names another.
    pub fn partition(mut self, partition_id: u64) -> Self {
        self.partition = Some(partition_id);
        self
    }

    /// Sends through `transport` instead of the default [`HyperTransport`](crate::transport::HyperTransport).
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Permits a plain `http://` endpoint that is not loopback (default: refused).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The most pages any page stream of this client (Query, the GetIncremental*
    /// downloads) reads before it stops with [`Error::PageLimit`] (default: no limit; a
    /// stream can still set its own with [`Pages::max_pages`](crate::soap::Pages::max_pages)). A server that answers every
    /// page with a full page of new records would otherwise be read without end.
    ///
    /// ```
    /// let client = convio::soap::Client::builder()
    ///     .endpoint("https://webservices.cluster2.convio.net/1.0/mysite")
    ///     .credentials("apiuser", "secret")
    ///     .max_pages(100_000)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(client.query("select ConsId from Constituent").page_limit(), Some(100_000));
    /// ```
    pub fn max_pages(mut self, limit: u64) -> Self {
        self.max_pages = Some(limit);
        self
    }

    /// When to log in again before the server expires the token.
    pub fn session_policy(mut self, policy: SessionPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// How often to retry a request that could not be sent because no connection could be
    /// made (default: 3 attempts, 200 ms backoff doubling). TLS failures and configuration
    /// errors are not retried.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Refuse response content the schema lacks (fields, attributes, record types) with an
    /// error naming the element path, instead of keeping it (the default). For a job that
    /// should notice when a site's schema drifts from the one it was built for.
    ///
    /// ```
    /// let client = convio::soap::Client::builder()
    ///     .endpoint("https://webservices.cluster2.convio.net/1.0/mysite")
    ///     .credentials("apiuser", "secret")
    ///     .strict(true)
    ///     .build()
    ///     .unwrap();
    /// # let _ = client;
    /// ```
    pub fn strict(mut self, strict: bool) -> Self {
        self.decode = if strict {
            DecodeOptions::strict()
        } else {
            DecodeOptions::lenient()
        };
        self
    }

    /// How responses are read (see [`DecodeOptions`]).
    pub fn decode_options(mut self, options: DecodeOptions) -> Self {
        self.decode = options;
        self
    }

    /// The site's record schema, when it is not the bundled one: the order of fields in
    /// GetIncremental* requests and in dynamic records, and the kinds of their values.
    pub fn schema(mut self, schema: Schema) -> Self {
        self.schema = Some(Ok(schema));
        self
    }

    /// The site's record schema from its WSDL (as downloaded from `{endpoint}/wsdl`, with
    /// inline schemas): its custom fields and record types the bundled schema lacks.
    ///
    /// ```
    /// let wsdl = std::fs::read("tests/fixtures/site/site.wsdl").unwrap();
    /// let client = convio::soap::Client::builder()
    ///     .endpoint("https://webservices.cluster2.convio.net/1.0/mysite")
    ///     .credentials("apiuser", "secret")
    ///     .wsdl(&wsdl)
    ///     .build()
    ///     .unwrap();
    /// assert!(client.site_schema().record_fields("Constituent").unwrap().iter().any(|f| f == "CustomNickname"));
    /// ```
    pub fn wsdl(mut self, wsdl: &[u8]) -> Self {
        self.schema =
            Some(crate::wsdl::WsdlSummary::parse(wsdl).map(|summary| Schema::from_wsdl(&summary)));
        self
    }

    /// [`wsdl`](Self::wsdl) from a file (and the schema files it imports by relative path).
    pub fn wsdl_file(mut self, path: impl AsRef<std::path::Path>) -> Self {
        self.schema = Some(
            crate::wsdl::WsdlSummary::parse_file(path.as_ref())
                .map(|summary| Schema::from_wsdl(&summary)),
        );
        self
    }

    /// Download the site's WSDL from `{endpoint}/wsdl` before the first call that needs the
    /// record schema (a GetIncremental* download, a write of dynamic records) and use it
    /// (default: off, the bundled schema is used). A failed download fails that call.
    pub fn fetch_wsdl(mut self, fetch: bool) -> Self {
        self.fetch_wsdl = fetch;
        self
    }

    /// Checks the configuration and builds the client. Nothing is sent yet: Login happens
    /// on the first call.
    pub fn build(self) -> Result<Client, Error> {
        let endpoint = self
            .endpoint
            .ok_or_else(|| Error::Configuration("no endpoint".into()))?;
        let endpoint = check_endpoint(&endpoint, self.allow_insecure_http)
            .map_err(|source| Error::from_transport("configure", source))?;
        let credentials = self
            .credentials
            .ok_or_else(|| Error::Configuration("no credentials".into()))?;
        let transport =
            crate::transport::given_or_default(self.transport, self.allow_insecure_http)
                .map_err(|source| Error::from_transport("configure", source))?;
        let schema = match self.schema {
            Some(schema) => schema?,
            None => Schema::generated(),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                endpoint,
                credentials,
                partition: self.partition,
                transport,
                policy: self.policy,
                retry: self.retry,
                decode: self.decode,
                schema: std::sync::RwLock::new(Arc::new(schema)),
                fetch_wsdl: tokio::sync::OnceCell::new(),
                wants_wsdl: self.fetch_wsdl,
                session: tokio::sync::Mutex::new(None),
                logins: AtomicU64::new(0),
                max_pages: self.max_pages,
            }),
        })
    }
}

/// Retries of requests that certainly did not reach the server because no connection could
/// be made (see [`TransportError::is_transient`](crate::transport::TransportError::is_transient)),
/// for every operation: such a retry cannot apply anything twice. A TLS failure (an untrusted
/// certificate) is not retried: it is not transient. Failures after the request may have
/// been sent are never retried here (see [`Error::OutcomeUnknown`]).
///
/// ```
/// use std::time::Duration;
/// let retry = convio::soap::RetryPolicy::default().attempts(5).backoff(Duration::from_millis(100));
/// # let _ = retry;
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retry).
    pub attempts: u32,
    /// Wait before the first retry; doubles for each further one.
    pub backoff: std::time::Duration,
}

impl RetryPolicy {
    /// Attempts in all, the first included.
    ///
    /// ```
    /// let options = convio::soap::RetryPolicy::default().attempts(5).backoff(std::time::Duration::from_millis(100));
    /// # let _ = options;
    /// ```
    pub fn attempts(mut self, value: u32) -> Self {
        self.attempts = value;
        self
    }

    /// The wait before the first retry.
    pub fn backoff(mut self, value: std::time::Duration) -> Self {
        self.backoff = value;
        self
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            backoff: std::time::Duration::from_millis(200),
        }
    }
}

/// An async client for Luminate Online Web Services; cheap to clone, all clones share
/// one session.
///
/// The first call logs in. Every call carries the Session header; data calls carry the
/// default partition unless told otherwise. A session fault makes the client log in again
/// once and replay the call once (the server did not execute a call it refused for its
/// session). Concurrent calls share one Login. Secrets never appear in `Debug` output.
///
/// Updating with the tri-state [`Field`](crate::Field):
///
/// ```no_run
/// use convio::generated::ens;
/// use convio::{AnyRecord, Field};
///
/// # async fn run(client: convio::soap::Client) -> Result<(), convio::Error> {
/// let record = ens::ConstituentType {
///     cons_id: Some(1001081),
///     cons_name: Field::Value(ens::NameType {
///         middle_name: Field::Value("Williamson".into()), // set
///         suffix: Field::Nil,                             // clear
///         ..Default::default()                            // everything else: unchanged
///     }),
///     ..Default::default()
/// };
/// let results = client.update([AnyRecord::from(record)]).await?;
/// for failure in results.failures() {
///     eprintln!("record {} refused: {} {:?}", failure.index, failure.code, failure.message);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    endpoint: Uri,
    credentials: Credentials,
    partition: Option<u64>,
    transport: Arc<dyn Transport>,
    policy: SessionPolicy,
    retry: RetryPolicy,
    decode: DecodeOptions,
    /// The site's record schema (the bundled one unless given or downloaded).
    schema: std::sync::RwLock<Arc<Schema>>,
    /// Whether `{endpoint}/wsdl` is to be downloaded, and whether it was.
    wants_wsdl: bool,
    fetch_wsdl: tokio::sync::OnceCell<()>,
    session: tokio::sync::Mutex<Option<Session>>,
    logins: AtomicU64,
    /// The page limit of this client's page streams.
    max_pages: Option<u64>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint.to_string())
            .field("credentials", &self.inner.credentials)
            .field("partition", &self.inner.partition)
            .finish_non_exhaustive()
    }
}

/// Whether a call may be sent again after an exchange failure that may have reached the
/// server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replay {
    /// Applying the call twice has the same effect as once (reads, Update, Delete, ...).
    Idempotent,
    /// Applying it twice may create duplicates (Create).
    Never,
}

impl Client {
    /// A builder; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Number of Login calls made so far (for monitoring and tests).
    pub fn login_count(&self) -> u64 {
        self.inner.logins.load(Ordering::SeqCst)
    }

    /// The default partition, if configured.
    pub fn default_partition(&self) -> Option<u64> {
        self.inner.partition
    }

    /// The page limit new page streams start with ([`ClientBuilder::max_pages`]).
    pub(crate) fn max_pages(&self) -> Option<u64> {
        self.inner.max_pages
    }

    /// Logs in now (the client also does so lazily), replacing any current session.
    pub async fn login(&self) -> Result<(), Error> {
        let mut guard = self.inner.session.lock().await;
        *guard = Some(self.new_session().await?);
        Ok(())
    }

    /// Ends the session on the server, if there is one; the next call logs in again.
    pub async fn logout(&self) -> Result<(), Error> {
        let session = self.inner.session.lock().await.take();
        if let Some(session) = session {
            let request = Body::Logout(tns::LogoutElementType);
            let body = self
                .exchange("Logout", Some(&session.id), &request, Replay::Idempotent)
                .instrument(call_span("Logout", &request))
                .await?;
            expect(body, "Logout", |b| {
                matches!(b, Body::LogoutResponse(_)).then_some(())
            })?;
        }
        Ok(())
    }

    /// The SOAP endpoint the client talks to.
    pub fn endpoint(&self) -> String {
        self.inner.endpoint.to_string()
    }

    /// The record schema in use: the bundled one, the one given to the builder, or the one
    /// downloaded from the site.
    pub fn site_schema(&self) -> Arc<Schema> {
        let schema = self
            .inner
            .schema
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(&schema)
    }

    /// Downloads `{endpoint}/wsdl` and uses its record schema from now on (the builder's
    /// [`fetch_wsdl`](ClientBuilder::fetch_wsdl) makes the client do this when it first
    /// needs the schema).
    pub async fn fetch_site_schema(&self) -> Result<Arc<Schema>, Error> {
        let summary = crate::soap::wsdl_fetch::fetch_summary(
            &self.inner.endpoint,
            self.inner.transport.as_ref(),
        )
        .await?;
        let schema = Arc::new(Schema::from_wsdl(&summary));
        *self
            .inner
            .schema
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::clone(&schema);
        Ok(schema)
    }

    /// Whether the builder asked for the site's WSDL and it has not been downloaded yet.
    pub(super) fn site_schema_pending(&self) -> bool {
        self.inner.wants_wsdl && self.inner.fetch_wsdl.get().is_none()
    }

    /// Downloads the site's WSDL once, when the builder asked for it.
    pub(crate) async fn ensure_site_schema(&self) -> Result<(), Error> {
        if !self.inner.wants_wsdl {
            return Ok(());
        }
        self.inner
            .fetch_wsdl
            .get_or_try_init(|| async { self.fetch_site_schema().await.map(|_| ()) })
            .await
            .map(|_| ())
    }

    pub(super) fn partition_or(&self, partition: Option<u64>) -> Option<u64> {
        partition.or(self.inner.partition)
    }

    pub(super) fn required_partition(&self, partition: Option<u64>) -> Result<u64, Error> {
        self.partition_or(partition).ok_or_else(|| {
            Error::Configuration(
                "this call needs a partition: set one on the builder or the call".into(),
            )
        })
    }

    /// Sends `body` in the current session; on a session fault, logs in again once and
    /// replays once.
    pub(crate) async fn call(
        &self,
        operation: &'static str,
        body: Body,
        replay: Replay,
    ) -> Result<Body, Error> {
        let span = call_span(operation, &body);
        self.call_in_session(operation, body, replay)
            .instrument(span)
            .await
    }

    async fn call_in_session(
        &self,
        operation: &'static str,
        body: Body,
        replay: Replay,
    ) -> Result<Body, Error> {
        let (id, generation) = self.current_session().await?;
        match self.exchange(operation, Some(&id), &body, replay).await {
            Err(Error::Fault(fault)) if fault.is_session_fault() => {
                tracing::info!(
                    operation,
                    "session fault: logging in again and replaying once"
                );
                self.discard_session(generation).await;
                let (id, _) = self.current_session().await?;
                self.exchange(operation, Some(&id), &body, replay).await
            }
            other => other,
        }
    }

    /// The session to use, logging in (once, whoever asks first) when there is none or it
    /// is about to expire.
    async fn current_session(&self) -> Result<(Secret, u64), Error> {
        let mut guard = self.inner.session.lock().await;
        if let Some(session) = guard.as_mut() {
            if session.is_fresh(&self.inner.policy) {
                session.touch();
                return Ok((session.id.clone(), session.generation));
            }
            tracing::debug!("session about to expire: logging in again");
        }
        let session = self.new_session().await?;
        let current = (session.id.clone(), session.generation);
        *guard = Some(session);
        Ok(current)
    }

    /// Forgets the session of `generation`, unless a newer one has replaced it already.
    async fn discard_session(&self, generation: u64) {
        let mut guard = self.inner.session.lock().await;
        if guard.as_ref().is_some_and(|s| s.generation == generation) {
            *guard = None;
        }
    }

    async fn new_session(&self) -> Result<Session, Error> {
        let credentials = &self.inner.credentials;
        let body = Body::Login(tns::LoginElementType {
            user_name: credentials.user_name.as_str().into(),
            password: credentials.password.expose().into(),
            unknown: Default::default(),
        });
        let generation = self.inner.logins.fetch_add(1, Ordering::SeqCst) + 1;
        tracing::debug!(user = %credentials.user_name, "logging in");
        let response = self
            .exchange("Login", None, &body, Replay::Idempotent)
            .instrument(call_span("Login", &body))
            .await?;
        let id = expect(response, "Login", |b| match b {
            Body::LoginResponse(r) => Some(r.result.session_id),
            _ => None,
        })?;
        Ok(Session::new(Secret::new(id.into_string()), generation))
    }

    /// One HTTP exchange: encode, send, decode.
    async fn exchange(
        &self,
        operation: &'static str,
        session: Option<&Secret>,
        body: &Body,
        replay: Replay,
    ) -> Result<Body, Error> {
        let envelope = Envelope::request(session.map(Secret::expose), body.clone());
        let payload = Encoder::new().encode(&envelope)?;
        let mut request = Request::new(Bytes::from(payload));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.inner.endpoint.clone();
        let headers = request.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/xml; charset=utf-8"),
        );
        headers.insert("SOAPAction", HeaderValue::from_static("\"\""));
        let mut attempt = 1;
        let mut backoff = self.inner.retry.backoff;
        let response = loop {
            tracing::Span::current().record("attempt", attempt);
            tracing::debug!(operation, attempt, "sending request");
            match self.inner.transport.send(request.clone()).await {
                Ok(response) => break response,
                Err(source) if source.is_transient() && attempt < self.inner.retry.attempts => {
                    tracing::warn!(operation, attempt, error = %source, "request not sent; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = backoff.saturating_mul(2);
                    attempt += 1;
                }
                Err(source)
                    if replay == Replay::Never && source.request_may_have_reached_server() =>
                {
                    return Err(Error::OutcomeUnknown { operation, source })
                }
                Err(source) => return Err(Error::from_transport(operation, source)),
            }
        };
        let status = response.status();
        match decode_response_with(response.body(), self.inner.decode) {
            Err(Error::Decode(DecodeError::Xml { .. })) if !status.is_success() => {
                Err(Error::HttpStatus {
                    operation,
                    status: status.as_u16(),
                    excerpt: excerpt(response.body()),
                })
            }
            Err(Error::Decode(DecodeError::Xml { message, path, .. }))
                if path.is_empty() || !is_well_formed(response.body()) =>
            {
                // Not a SOAP message at all (the reader stopped before the envelope, or the
                // document is not well-formed XML): the exchange failed.
                Err(Error::InvalidResponse {
                    operation,
                    status: status.as_u16(),
                    expected: "a SOAP envelope",
                    reason: if path.is_empty() {
                        message
                    } else {
                        format!("not well-formed XML ({message})")
                    },
                    excerpt: excerpt(response.body()),
                })
            }
            other => other,
        }
    }
}

/// One span per call: what it is, where, how many records, and which attempt (recorded by
/// the exchange), so that a subscriber can time and count calls.
fn call_span(operation: &'static str, body: &Body) -> tracing::Span {
    let (partition, records) = call_scope(body);
    tracing::info_span!(
        "soap_call",
        operation,
        partition,
        records,
        attempt = tracing::field::Empty
    )
}

/// The partition and the number of records a request carries, for its span.
fn call_scope(body: &Body) -> (Option<u64>, Option<usize>) {
    match body {
        Body::Create(r) => (r.partition_id, Some(r.record.len())),
        Body::Update(r) => (r.partition_id, Some(r.record.len())),
        Body::Delete(r) => (r.partition_id, Some(r.record.len())),
        Body::AddRelationships(r) | Body::RemoveRelationships(r) => {
            (r.partition_id, Some(r.record.len()))
        }
        Body::GetIncrementalInserts(r)
        | Body::GetIncrementalUpdates(r)
        | Body::GetIncrementalDeletes(r) => (Some(r.partition_id), None),
        Body::GetIncrementalInsertsCount(r)
        | Body::GetIncrementalUpdatesCount(r)
        | Body::GetIncrementalDeletesCount(r) => (Some(r.partition_id), None),
        Body::StartSynchronization(r) => (Some(r.partition_id), None),
        Body::EndSynchronization(r) => (Some(r.partition_id), None),
        _ => (None, None),
    }
}

/// Takes the expected response out of a body, or names what came instead.
pub(crate) fn expect<T>(
    body: Body,
    operation: &'static str,
    pick: impl FnOnce(Body) -> Option<T>,
) -> Result<T, Error> {
    let found = body_name(&body);
    pick(body).ok_or(Error::UnexpectedResponse { operation, found })
}

/// The body's variant name: the start of its `Debug` text, formatting stopped right after
/// the name (a page of records is not formatted just to name it).
fn body_name(body: &Body) -> String {
    struct FirstWord(String);
    impl std::fmt::Write for FirstWord {
        fn write_str(&mut self, text: &str) -> std::fmt::Result {
            match text.find(['(', ' ', '{']) {
                Some(end) => {
                    self.0.push_str(&text[..end]);
                    Err(std::fmt::Error)
                }
                None => {
                    self.0.push_str(text);
                    Ok(())
                }
            }
        }
    }
    let mut name = FirstWord(String::new());
    // The error is ours: it stops the formatting once the name is written.
    let _ = std::fmt::Write::write_fmt(&mut name, format_args!("{body:?}"));
    name.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::tns;

    #[test]
    fn an_unexpected_body_is_named_by_its_variant() {
        let page = Body::QueryResponse(tns::QueryResponseElementType {
            record: vec![crate::AnyRecord::Constituent(Default::default()); 3],
            unknown: Default::default(),
        });
        assert_eq!(body_name(&page), "QueryResponse");
        let error = expect(page, "GetServerTime", |body| match body {
            Body::GetServerTimeResponse(time) => Some(time),
            _ => None,
        })
        .unwrap_err();
        assert!(
            matches!(&error, Error::UnexpectedResponse { operation: "GetServerTime", found } if found == "QueryResponse"),
            "{error:?}"
        );
    }
}
