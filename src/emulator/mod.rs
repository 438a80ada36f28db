//! An in-process Luminate Online: the SOAP Web Services and the Server API over real HTTP
//! on loopback, with the documented semantics, for integration tests without a site.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use convio::emulator::Emulator;
//!
//! let emulator = Emulator::builder().site("demo").admin("apiuser", "secret").start("127.0.0.1:0").await?;
//! let client = convio::soap::Client::builder()
//!     .endpoint(emulator.soap_url())
//!     .credentials("apiuser", "secret")
//!     .partition(1001)
//!     .build()?;
//! println!("{}", client.get_server_time().await?);
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```

pub mod clock;
pub mod query;
pub mod records;
pub mod server_api;
pub mod soap;
pub mod state;
pub mod store;
pub mod stored_writes;
pub mod xml;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use crate::schema::{FieldDef, Schema};
pub use clock::{format_date_time, parse_date_time, Clock};
pub use state::{Settings, State};

use records::Fields;
use state::ChangeKind;

/// Largest request body the emulator reads.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// The WSDL the build used: the bundled one, or the site WSDL given with `CONVIO_WSDL`.
const WSDL: &str = include_str!(concat!(env!("OUT_DIR"), "/served.wsdl"));
const MESSAGES_XSD: &str = include_str!("../../schemas/soap/messages.xsd");
const OBJECTS_XSD: &str = include_str!("../../schemas/soap/objects.xsd");

/// Builder for an [`Emulator`].
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    settings: Settings,
    clock: Clock,
    seed: usize,
    wsdl: Option<String>,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        EmulatorBuilder {
            settings: Settings {
                site: "demo".into(),
                admin_user: "apiuser".into(),
                admin_password: "secret".into(),
                api_key: "demo-api-key".into(),
                partitions: vec![(1001, "All constituents".into())],
                unique_email: true,
                schema: Arc::new(Schema::generated()),
            },
            clock: Clock::System,
            seed: 0,
            wsdl: None,
        }
    }
}

impl EmulatorBuilder {
    /// Site short name (default `demo`).
    pub fn site(mut self, site: impl Into<String>) -> Self {
        self.settings.site = site.into();
        self
    }

    /// API administrator account (default `apiuser` / `secret`).
    pub fn admin(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.settings.admin_user = user.into();
        self.settings.admin_password = password.into();
        self
    }

    /// Server API key (default `demo-api-key`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.settings.api_key = key.into();
        self
    }

    /// The partition (default 1001, "All constituents").
    pub fn partition(mut self, id: u64) -> Self {
        self.settings.partitions = vec![(id, "All constituents".into())];
        self
    }

    /// Whether the site refuses two constituents with one primary email (default true).
    pub fn unique_email(mut self, unique: bool) -> Self {
        self.settings.unique_email = unique;
        self
    }

    /// The clock (default: the system clock); [`Clock::manual`] for tests of expiry.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Serves this WSDL text instead of the one the crate was built with (its
    /// `soap:address` is rewritten to the emulator's), and accepts the record fields its inline
    /// schemas declare: a site's custom fields are stored and returned like the standard ones.
    /// Types the WSDL does not declare inline keep the fields the crate was generated with.
    /// A record type only the WSDL declares (extending `Record`, with an id field such as
    /// `RegistrationId`) gets a [`store::RecordStore`] of its own: it can be created, updated,
    /// deleted, queried and downloaded like constituents.
    ///
    /// ```
    /// let wsdl = std::fs::read_to_string("tests/fixtures/site/site.wsdl").unwrap();
    /// let builder = convio::emulator::Emulator::builder().wsdl(wsdl).unwrap();
    /// let state = builder.build_state();
    /// assert!(state.settings.schema.record_fields("Constituent").unwrap().iter().any(|f| f == "CustomNickname"));
    /// assert_eq!(state.stores["TeamRaiserRegistration"].id_field, "RegistrationId");
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Decode`](crate::Error::Decode) when the text is not well-formed XML.
    pub fn wsdl(mut self, wsdl: impl Into<String>) -> Result<Self, crate::Error> {
        let text = wsdl.into();
        let summary = crate::wsdl::WsdlSummary::parse(text.as_bytes())?;
        self.settings.schema = Arc::new(Schema::from_wsdl(&summary));
        self.wsdl = Some(text);
        Ok(self)
    }

    /// Adds `count` sample constituents.
    pub fn seed(mut self, count: usize) -> Self {
        self.seed = count;
        self
    }

    /// The site state, without a server (for tests that call the handlers directly).
    pub fn build_state(&self) -> State {
        let mut state = State::new(self.settings.clone(), self.clock.clone());
        for n in 0..self.seed {
            let cons_id = state.allocate_cons_id();
            let mut fields = Fields::default();
            for (path, value) in [
                ("ConsId", cons_id.to_string()),
                ("MemberId", format!("SEED-{n:06}")),
                (
                    "ConsName.FirstName",
                    SAMPLE_FIRST[n % SAMPLE_FIRST.len()].to_string(),
                ),
                (
                    "ConsName.LastName",
                    SAMPLE_LAST[n / SAMPLE_FIRST.len() % SAMPLE_LAST.len()].to_string(),
                ),
                ("PrimaryEmail", format!("seed{n}@example.org")),
                ("AcceptsEmail", (n % 3 != 0).to_string()),
                (
                    "HomeAddress.City",
                    SAMPLE_CITY[n % SAMPLE_CITY.len()].to_string(),
                ),
            ] {
                fields.values.insert(path.to_string(), value);
            }
            state.store(cons_id, fields, ChangeKind::Insert, "web");
        }
        state
    }

    /// Starts serving on `address` (e.g. `127.0.0.1:0` for any free port).
    pub async fn start(self, address: &str) -> std::io::Result<Emulator> {
        let listener = TcpListener::bind(address).await?;
        let local = listener.local_addr()?;
        let shared = Arc::new(Shared {
            wsdl: self.wsdl.clone().unwrap_or_else(|| WSDL.to_string()),
            state: Mutex::new(self.build_state()),
            site: self.settings.site.clone(),
            address: local,
        });
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(serve(listener, Arc::clone(&shared), stopped));
        Ok(Emulator { shared, stop, task })
    }
}

const SAMPLE_FIRST: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Katherine",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
];
const SAMPLE_LAST: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra", "Liskov", "Knuth", "Allen",
];
const SAMPLE_CITY: &[&str] = &[
    "London",
    "New York",
    "Zürich",
    "São Paulo",
    "Nairobi",
    "Osaka",
];

struct Shared {
    wsdl: String,
    state: Mutex<State>,
    site: String,
    address: SocketAddr,
}

/// A running emulator; stops when [`shutdown`](Self::shutdown) is called or it is dropped.
pub struct Emulator {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("address", &self.shared.address)
            .field("site", &self.shared.site)
            .finish()
    }
}

impl Emulator {
    /// A builder with the defaults (site `demo`, `apiuser`/`secret`, partition 1001).
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The address served.
    pub fn address(&self) -> SocketAddr {
        self.shared.address
    }

    /// The SOAP endpoint, `http://{address}/1.0/{site}`.
    pub fn soap_url(&self) -> String {
        format!("http://{}/1.0/{}", self.shared.address, self.shared.site)
    }

    /// The WSDL, `http://{address}/1.0/{site}/wsdl`.
    pub fn wsdl_url(&self) -> String {
        format!("{}/wsdl", self.soap_url())
    }

    /// The Server API base (`{base}/site/SRConsAPI` is the servlet).
    pub fn server_api_base(&self) -> String {
        format!("http://{}/{}", self.shared.address, self.shared.site)
    }

    /// Runs `f` on the site state (for tests and seeding).
    pub fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut state = self
            .shared
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut state)
    }

    /// Stops accepting connections and waits for the server task.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stopped: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = service_fn(move |request| handle(Arc::clone(&shared), request));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        }
    }
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

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_string();
    let method = request.method().clone();
    let soap_path = format!("/1.0/{}", shared.site);
    let server_api_path = format!("/{}/site/SRConsAPI", shared.site);
    let body = match Limited::new(request.into_body(), MAX_REQUEST_BYTES)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Ok(reply(413, "text/plain", "request too large")),
    };
    let response = if path == soap_path && method == Method::POST {
        let (status, xml) = soap::handle(&shared.state, &body);
        reply(status, "text/xml; charset=utf-8", xml)
    } else if path == format!("{soap_path}/wsdl") && method == Method::GET {
        let address = format!("http://{}{soap_path}", shared.address);
        reply(
            200,
            "text/xml; charset=utf-8",
            with_address(&shared.wsdl, &address),
        )
    } else if path == format!("{soap_path}/messages.xsd") && method == Method::GET {
        reply(200, "text/xml; charset=utf-8", MESSAGES_XSD)
    } else if path == format!("{soap_path}/objects.xsd") && method == Method::GET {
        reply(200, "text/xml; charset=utf-8", OBJECTS_XSD)
    } else if path == server_api_path {
        let (status, content_type, text) = server_api::handle(&shared.state, &method, &body);
        reply(status, content_type, text)
    } else {
        reply(404, "text/plain", "not found")
    };
    Ok(response)
}
