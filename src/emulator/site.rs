//! What a test may see and do on an emulated site without going through the wire: read the
//! stored records and the change log, make the changes the site's own pages would make, and
//! answer a raw request without a server. The site's state itself stays private, so the
//! emulator can change how it keeps records without breaking its users.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::change::{Change, ChangeKind};
use super::records::Fields;
use super::state::{State, CONSTITUENT};
use crate::schema::Schema;

/// An emulated site: its records, change log and sessions.
///
/// Reached through [`Emulator::site`](super::Emulator::site) while serving, or made without a
/// server by [`EmulatorBuilder::build_site`](super::EmulatorBuilder::build_site) (for
/// harnesses that hand it raw requests).
///
/// ```
/// use convio::emulator::{ChangeKind, Emulator};
///
/// let site = Emulator::builder().seed(3).build_site();
/// assert_eq!(site.constituent_ids().len(), 3);
/// let id = site
///     .change_on_website("Constituent", ChangeKind::Insert, None, &[("PrimaryEmail", "ada@example.org")])
///     .unwrap();
/// assert_eq!(site.find_by_email("ADA@example.org"), [id]);
/// assert_eq!(site.constituent(id).unwrap().get("PrimaryEmail"), Some("ada@example.org"));
/// ```
#[derive(Debug)]
pub struct Site {
    state: Mutex<State>,
}

/// A stored record as the site keeps it: leaf values by dot path (`ConsName.FirstName`) and
/// repeated leaves (`GroupId`) by path, as text.
///
/// ```
/// use convio::emulator::Emulator;
///
/// let site = Emulator::builder().seed(1).build_site();
/// let id = site.constituent_ids()[0];
/// let record = site.constituent(id).unwrap();
/// assert_eq!(record.get("ConsId"), Some(id.to_string().as_str()));
/// assert_eq!(record.list("GroupId"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    fields: Fields,
}

impl StoredRecord {
    /// The value at `path`, if it has one.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.fields.get(path)
    }

    /// The values of the repeated leaf `path`, if it has any.
    pub fn list(&self, path: &str) -> Option<&[String]> {
        self.fields.lists.get(path).map(Vec::as_slice)
    }

    /// Every single-valued leaf, by path.
    pub fn values(&self) -> &BTreeMap<String, String> {
        &self.fields.values
    }
}

/// A site's answer to a raw request: what the server would send back.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type` it is sent with.
    pub content_type: &'static str,
    /// The response document.
    pub body: String,
}

impl Site {
    pub(crate) fn new(state: State) -> Site {
        Site {
            state: Mutex::new(state),
        }
    }

    /// The state, also when a panicking handler poisoned the lock (the state is only ever
    /// changed whole-record at a time, so it stays consistent).
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Answers a SOAP request body as the `/1.0/{site}` endpoint would.
    ///
    /// ```
    /// let site = convio::emulator::Emulator::builder().build_site();
    /// let answer = site.answer_soap(b"<not-soap/>");
    /// assert_eq!(answer.status, 500);
    /// assert!(answer.body.contains("Fault"));
    /// ```
    pub fn answer_soap(&self, body: &[u8]) -> Answer {
        let (status, body) = super::soap::handle(&self.state, body);
        Answer {
            status,
            content_type: "text/xml; charset=utf-8",
            body,
        }
    }

    /// Answers a Server API request (`method` and form body) as the `SRConsAPI` servlet
    /// would.
    ///
    /// ```
    /// let site = convio::emulator::Emulator::builder().build_site();
    /// let answer = site.answer_server_api(&hyper::Method::POST, b"method=getUser&v=1.0");
    /// assert_ne!(answer.status, 200);
    /// assert!(answer.body.contains("errorResponse"));
    /// ```
    pub fn answer_server_api(&self, method: &hyper::Method, body: &[u8]) -> Answer {
        self.answer_servlet("SRConsAPI", method, body)
    }

    /// Answers a Server API request posted to `servlet` (`SRDonationAPI`, `SRDataSyncAPI`...),
    /// as [`answer_server_api`](Self::answer_server_api) does for `SRConsAPI`.
    ///
    /// ```
    /// let site = convio::emulator::Emulator::builder().build_site();
    /// let answer = site.answer_servlet("SRDataSyncAPI", &hyper::Method::POST, b"method=launchDataSync&v=1.0");
    /// assert!(answer.body.contains("errorResponse"));
    /// ```
    pub fn answer_servlet(&self, servlet: &str, method: &hyper::Method, body: &[u8]) -> Answer {
        let (status, content_type, body) =
            super::server_api::handle(&self.state, servlet, method, body);
        Answer {
            status,
            content_type,
            body,
        }
    }

    /// Opens a session of `user` with a token chosen by the caller, for harnesses that replay
    /// recorded requests; a served site only hands out the random tokens of `Login`.
    #[doc(hidden)]
    pub fn open_session(&self, user: &str, token: &str) {
        self.lock().open_session(user, token);
    }

    /// The record types and fields the site has.
    pub fn schema(&self) -> Arc<Schema> {
        Arc::clone(&self.lock().settings.schema)
    }

    /// The ids of the active records of `record_type`, in order; empty for a type the site
    /// keeps no records of.
    pub fn record_ids(&self, record_type: &str) -> Vec<u64> {
        self.lock()
            .active_records(record_type)
            .map(|records| records.keys().copied().collect())
            .unwrap_or_default()
    }

    /// The ConsIds of the active constituents, in order.
    pub fn constituent_ids(&self) -> Vec<u64> {
        self.record_ids(CONSTITUENT)
    }

    /// An active record of `record_type`.
    pub fn record(&self, record_type: &str, id: u64) -> Option<StoredRecord> {
        let state = self.lock();
        let fields = state.active_records(record_type)?.get(&id)?.clone();
        Some(StoredRecord { fields })
    }

    /// An active constituent.
    pub fn constituent(&self, cons_id: u64) -> Option<StoredRecord> {
        self.record(CONSTITUENT, cons_id)
    }

    /// The constituents with this primary email (compared without case).
    pub fn find_by_email(&self, email: &str) -> Vec<u64> {
        self.lock().by_email(email)
    }

    /// The constituents with this member id.
    pub fn find_by_member_id(&self, member_id: &str) -> Vec<u64> {
        self.lock().by_member_id(member_id)
    }

    /// The change log, oldest first.
    pub fn changes(&self) -> Vec<Change> {
        self.lock().changes.clone()
    }

    /// Whether any synchronization window was ever opened.
    pub fn has_sync_windows(&self) -> bool {
        !self.lock().windows.is_empty()
    }

    /// A change made on the site's own pages (by `web`, not an API user), as a
    /// synchronization must download it: a new record (`id` `None`; its id is allocated), or
    /// `values` set on, or the removal of, the stored record `id`. The record's id; `None` when
    /// the site keeps no records of `record_type`. No uniqueness rule is checked: the site's
    /// pages are not the API.
    pub fn change_on_website(
        &self,
        record_type: &str,
        kind: ChangeKind,
        id: Option<u64>,
        values: &[(&str, &str)],
    ) -> Option<u64> {
        let mut state = self.lock();
        let (id, id_field) = if record_type == CONSTITUENT {
            (
                id.unwrap_or_else(|| state.allocate_cons_id()),
                "ConsId".to_string(),
            )
        } else {
            let store = state.stores.get_mut(record_type)?;
            (
                id.unwrap_or_else(|| store.allocate_id()),
                store.id_field.clone(),
            )
        };
        let mut fields = state
            .active_records(record_type)
            .and_then(|records| records.get(&id))
            .cloned()
            .unwrap_or_default();
        fields.values.insert(id_field, id.to_string());
        for (path, value) in values {
            fields.values.insert((*path).into(), (*value).into());
        }
        if record_type == CONSTITUENT {
            state.store(id, fields, kind, "web");
        } else {
            state.store_record(record_type, id, fields, kind, "web");
        }
        Some(id)
    }
}
