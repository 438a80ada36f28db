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

mod change;
mod chars;
mod clock;
mod data_sync;
mod donations;
mod form;
mod interactions;
mod limits;
mod money;
mod query;
mod records;
mod recurring;
mod server;
mod server_api;
mod session;
mod site;
mod soap;
mod state;
mod store;
mod stored_writes;
mod transactions;
mod values;
mod xml;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use crate::schema::{FieldDef, Schema};
pub use change::{Change, ChangeKind};
pub use clock::{format_date_time, parse_date_time, Clock};
pub use limits::Limits;
pub use site::{Answer, Site, StoredRecord};

use state::{Settings, State};

use records::Fields;
use state::CONSTITUENT;

/// Largest request body the emulator reads.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// The WSDL the build used: the bundled one, or the site WSDL given with `CONVIO_WSDL`.
const WSDL: &str = include_str!(concat!(env!("OUT_DIR"), "/served.wsdl"));
const MESSAGES_XSD: &str = include_str!("../../schemas/soap/messages.xsd");
const OBJECTS_XSD: &str = include_str!("../../schemas/soap/objects.xsd");

/// The API administrator an emulator accepts unless [`EmulatorBuilder::admin`] says otherwise.
///
/// ```
/// assert_eq!(convio::emulator::DEFAULT_ADMIN_USER, "apiuser");
/// ```
pub const DEFAULT_ADMIN_USER: &str = "apiuser";
/// The administrator's password unless [`EmulatorBuilder::admin`] says otherwise: a test
/// credential, never sent to a real site.
///
/// ```
/// assert_eq!(convio::emulator::DEFAULT_ADMIN_PASSWORD, "secret");
/// ```
pub const DEFAULT_ADMIN_PASSWORD: &str = "secret";
/// The Server API key unless [`EmulatorBuilder::api_key`] says otherwise.
///
/// ```
/// assert_eq!(convio::emulator::DEFAULT_API_KEY, "demo-api-key");
/// ```
pub const DEFAULT_API_KEY: &str = "demo-api-key";

/// Builder for an [`Emulator`].
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    settings: Settings,
    clock: Clock,
    seed: usize,
    seed_full: bool,
    seed_donations: usize,
    seed_orders: usize,
    seed_alert_responses: usize,
    wsdl: Option<String>,
    limits: Limits,
    allow_remote: bool,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        EmulatorBuilder {
            settings: Settings {
                site: "demo".into(),
                admin_user: DEFAULT_ADMIN_USER.into(),
                admin_password: DEFAULT_ADMIN_PASSWORD.into(),
                users: Vec::new(),
                api_key: DEFAULT_API_KEY.into(),
                partitions: vec![(1001, "All constituents".into())],
                unique_email: true,
                schema: Arc::new(Schema::generated()),
            },
            clock: Clock::System,
            seed: 0,
            seed_full: false,
            seed_donations: 0,
            seed_orders: 0,
            seed_alert_responses: 0,
            wsdl: None,
            limits: Limits::default(),
            allow_remote: false,
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

    /// Adds an API user besides the administrator (repeatable). Every change is attributed
    /// to the user who made it (on either API), so a synchronization by one user downloads
    /// the changes the others made and not its own.
    pub fn user(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.settings.users.push((user.into(), password.into()));
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
    /// `RegistrationId`) gets a store of its own: it can be created, updated, deleted, queried
    /// and downloaded like constituents.
    ///
    /// ```
    /// use convio::emulator::{ChangeKind, Emulator};
    ///
    /// let wsdl = std::fs::read_to_string("tests/fixtures/site/site.wsdl").unwrap();
    /// let site = Emulator::builder().wsdl(wsdl).unwrap().build_site();
    /// assert!(site.schema().record_fields("Constituent").unwrap().iter().any(|f| f == "CustomNickname"));
    /// let id = site.change_on_website("VolunteerRegistration", ChangeKind::Insert, None, &[]).unwrap();
    /// assert_eq!(site.record("VolunteerRegistration", id).unwrap().get("RegistrationId"), Some(id.to_string().as_str()));
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

    /// Fills every field of the sample constituents (as a benchmark wants pages of full
    /// records), not just names, email and city.
    pub fn seed_full(mut self, full: bool) -> Self {
        self.seed_full = full;
        self
    }

    /// Adds `count` sample donations (typed `Donation` records with their Payment and Donor,
    /// download only) by the sample constituents, round-robin; none without sample
    /// constituents. They are logged as inserts made on the site's donation forms, so
    /// GetIncrementalInserts (and Query) return them.
    ///
    /// ```
    /// let site = convio::emulator::Emulator::builder().seed(2).seed_donations(3).build_site();
    /// assert_eq!(site.record_ids("Donation").len(), 3);
    /// ```
    pub fn seed_donations(mut self, count: usize) -> Self {
        self.seed_donations = count;
        self
    }

    /// Adds `count` sample online store orders (`ProductOrder`, with Payment and Purchaser;
    /// download only) by the sample constituents, as [`seed_donations`](Self::seed_donations)
    /// adds gifts.
    ///
    /// ```
    /// let site = convio::emulator::Emulator::builder().seed(2).seed_orders(3).build_site();
    /// assert_eq!(site.record_ids("ProductOrder").len(), 3);
    /// ```
    pub fn seed_orders(mut self, count: usize) -> Self {
        self.seed_orders = count;
        self
    }

    /// Adds `count` sample responses to the site's action alerts (`ActionAlertResponse`,
    /// which the documentation gives GetIncrementalInserts only).
    ///
    /// ```
    /// let site = convio::emulator::Emulator::builder().seed(1).seed_alert_responses(2).build_site();
    /// assert_eq!(site.record_ids("ActionAlertResponse").len(), 2);
    /// ```
    pub fn seed_alert_responses(mut self, count: usize) -> Self {
        self.seed_alert_responses = count;
        self
    }

    /// The HTTP server's limits (timeouts, connection cap, body size).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Allows [`start`](Self::start) to listen on an address other than loopback. The
    /// emulator is a test double, not a production server: its data and credentials are
    /// for tests, and it speaks plain HTTP.
    pub fn allow_remote(mut self, allow: bool) -> Self {
        self.allow_remote = allow;
        self
    }

    /// The site without a server, for harnesses that hand it raw requests
    /// ([`Site::answer_soap`], [`Site::answer_server_api`]).
    ///
    /// ```
    /// let site = convio::emulator::Emulator::builder().seed(2).build_site();
    /// assert_eq!(site.constituent_ids().len(), 2);
    /// ```
    pub fn build_site(&self) -> Site {
        Site::new(self.build_state())
    }

    fn build_state(&self) -> State {
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
            if self.seed_full {
                fill_every_field(&self.settings.schema, &mut fields, n);
            }
            state.store(cons_id, fields, ChangeKind::Insert, "web");
        }
        donations::seed(&mut state, self.seed_donations);
        transactions::seed_orders(&mut state, self.seed_orders);
        transactions::seed_alert_responses(&mut state, self.seed_alert_responses);
        let constituents: Vec<u64> = state.constituents.keys().copied().collect();
        let today = state.today();
        recurring::seed(&mut state.recurring, &constituents, today);
        state
    }

    /// Starts serving on `address` (e.g. `127.0.0.1:0` for any free port).
    ///
    /// # Errors
    ///
    /// `PermissionDenied` for an address that is not loopback unless
    /// [`allow_remote`](Self::allow_remote) was set; the error of the random source (needed
    /// for session tokens) when it cannot be read; the bind error.
    pub async fn start(self, address: &str) -> std::io::Result<Emulator> {
        let remote = tokio::net::lookup_host(address)
            .await?
            .any(|resolved| !resolved.ip().is_loopback());
        if remote && !self.allow_remote {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "{address} is not a loopback address: the emulator is a test double and \
                     listens beyond loopback only when allowed (allow_remote, --allow-remote)"
                ),
            ));
        }
        // Session tokens need the random source: fail now rather than at the first Login.
        session::random_bytes::<1>()?;
        let listener = TcpListener::bind(address).await?;
        let local = listener.local_addr()?;
        let shared = Arc::new(Shared {
            wsdl: self.wsdl.clone().unwrap_or_else(|| WSDL.to_string()),
            site: self.build_site(),
            site_name: self.settings.site.clone(),
            address: local,
            limits: self.limits,
        });
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, Arc::clone(&shared), stopped));
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
    site: Site,
    site_name: String,
    address: SocketAddr,
    limits: Limits,
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
            .field("site", &self.shared.site_name)
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
        format!(
            "http://{}/1.0/{}",
            self.shared.address, self.shared.site_name
        )
    }

    /// The WSDL, `http://{address}/1.0/{site}/wsdl`.
    pub fn wsdl_url(&self) -> String {
        format!("{}/wsdl", self.soap_url())
    }

    /// The Server API base (`{base}/site/SRConsAPI` is the servlet).
    pub fn server_api_base(&self) -> String {
        format!("http://{}/{}", self.shared.address, self.shared.site_name)
    }

    /// The site being served: its records and change log, and the changes its own pages
    /// would make.
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let emulator = convio::emulator::Emulator::builder().seed(5).start("127.0.0.1:0").await?;
    /// assert_eq!(emulator.site().constituent_ids().len(), 5);
    /// # Ok(()) }
    /// ```
    pub fn site(&self) -> &Site {
        &self.shared.site
    }

    /// Stops accepting connections and waits for the server task.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Gives every leaf field of a sample constituent a value of its kind that it lacks.
fn fill_every_field(schema: &crate::schema::Schema, fields: &mut Fields, n: usize) {
    let Some(paths) = schema.record_fields(CONSTITUENT) else {
        return;
    };
    for path in paths {
        let Some((kind, repeated)) = schema.type_at(CONSTITUENT, path) else {
            continue;
        };
        if schema.fields(kind).is_some() || fields.values.contains_key(path.as_str()) {
            continue;
        }
        let value = match kind {
            "bool" => n.is_multiple_of(2).to_string(),
            "u64" | "u32" | "i64" | "i32" => (n % 97 + 1).to_string(),
            "decimal" | "Decimal" => format!("{}.{:02}", n % 1000, n % 100),
            "date" | "Date" => {
                format!("19{:02}-{:02}-{:02}", 40 + n % 60, n % 12 + 1, n % 28 + 1)
            }
            "DateTime" => format!(
                "20{:02}-{:02}-{:02}T{:02}:00:00Z",
                n % 26,
                n % 12 + 1,
                n % 28 + 1,
                n % 24
            ),
            _ => format!("{} {n}", path.rsplit('.').next().unwrap_or(path)),
        };
        if repeated {
            fields
                .lists
                .entry(path.clone())
                .or_default()
                .push((1000 + n % 50).to_string());
        } else {
            fields.values.insert(path.clone(), value);
        }
    }
}
