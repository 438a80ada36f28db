//! The emulator's in-memory site: constituents and their indexes, the stores of the other
//! writable record types, sessions, synchronization windows and the change log.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use super::clock::{format_date_time, Clock};
use super::data_sync::DataSyncTasks;
use super::interactions::Interactions;
use super::records::Fields;
use super::recurring::RecurringGifts;
use super::session::{new_token, LoginError, Session};
use super::store::{stored_types, RecordStore, DOWNLOAD_ONLY};

/// Token lifetime without use.
pub const SESSION_IDLE: Duration = Duration::from_secs(30 * 60);

/// Configuration of an emulated site.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Short name of the site (`/1.0/{site}`, `/{site}/site/SRConsAPI`).
    pub site: String,
    /// API administrator user name.
    pub admin_user: String,
    /// API administrator password.
    pub admin_password: String,
    /// Further API users (name, password), besides the administrator: each change is
    /// attributed to the user who made it, so a synchronization sees the others' changes.
    pub users: Vec<(String, String)>,
    /// Server API key.
    pub api_key: String,
    /// Partitions (id, name); every constituent belongs to each.
    pub partitions: Vec<(u64, String)>,
    /// Whether two constituents may not share a primary email.
    pub unique_email: bool,
    /// The record types and fields the site has.
    pub schema: std::sync::Arc<crate::schema::Schema>,
}

pub use super::change::{Change, ChangeKind};

/// An open or closed synchronization window.
///
/// A window holds the changes from `start` to `end`. Where a bound was defaulted (the start
/// to the previous window's end, the end to "now"), the change log's length at that moment
/// decides the changes logged within the same clock tick: those logged before the bound
/// belong to the earlier window, the rest to the later one. So consecutive windows meet
/// exactly, with a manual clock too: no change is sent twice or lost.
#[derive(Debug, Clone)]
pub struct SyncWindow {
    /// Id of the window.
    pub sync_id: u64,
    /// Partition.
    pub partition: u64,
    /// API user that opened it.
    pub user: String,
    /// Window start.
    pub start: Duration,
    /// Window end.
    pub end: Duration,
    /// Changes at `start` count from this change-log position on (0 when `start` was given).
    pub start_position: usize,
    /// Changes at `end` count up to (excluding) this change-log position (`usize::MAX` when
    /// `end` was given: every change at that time counts).
    pub end_position: usize,
    /// When it was opened.
    pub created: Duration,
    /// Whether EndSynchronization closed it.
    pub completed: bool,
}

/// One GetIncremental* call, for GetSynchronizationRequestLog.
#[derive(Debug, Clone)]
pub struct RequestLogEntry {
    /// Operation name.
    pub operation: String,
    /// Record type.
    pub record_type: String,
    /// Size of the whole result set.
    pub record_count: usize,
    /// When.
    pub at: Duration,
    /// The window.
    pub sync_id: u64,
    /// Page asked for.
    pub page: u64,
    /// Page size asked for.
    pub page_size: u64,
}

/// Outcome of one record, as a result code and message.
pub type RecordOutcome = Result<(u64, &'static str), (&'static str, String)>;

/// Why the site refuses to store a constituent; each API answers it with its own code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A new record without a primary email.
    EmailRequired,
    /// Another record has this member id.
    MemberIdTaken(String),
    /// Another record has this primary email (the site keeps emails unique).
    EmailTaken(String),
    /// Another record has this user name.
    UserNameTaken(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::EmailRequired => f.write_str("PrimaryEmail is required"),
            Refusal::MemberIdTaken(id) => write!(f, "member id {id} belongs to another record"),
            Refusal::EmailTaken(email) => write!(f, "{email} belongs to another record"),
            Refusal::UserNameTaken(name) => write!(f, "user name {name} is taken"),
        }
    }
}

/// A window's change set and the change-log length it was computed at.
type CachedChanges = (usize, std::sync::Arc<Vec<u64>>);

/// The record type of constituents, kept in [`State::constituents`].
pub const CONSTITUENT: &str = "Constituent";

/// The whole site.
#[derive(Debug)]
pub struct State {
    /// Configuration.
    pub settings: Settings,
    /// Time source.
    pub clock: Clock,
    next_cons_id: u64,
    /// Active constituents by ConsId.
    pub constituents: BTreeMap<u64, Fields>,
    /// Removed constituents as they were when removed (for GetIncrementalDeletes).
    pub removed: BTreeMap<u64, Fields>,
    /// The other writable record types (those a site's WSDL adds), by record type.
    pub stores: BTreeMap<String, RecordStore>,
    member_index: HashMap<String, BTreeSet<u64>>,
    email_index: HashMap<String, BTreeSet<u64>>,
    user_name_index: HashMap<String, BTreeSet<u64>>,
    /// Every change, oldest first.
    pub changes: Vec<Change>,
    sessions: HashMap<String, Session>,
    next_session: u64,
    /// Every synchronization window, oldest first.
    pub windows: Vec<SyncWindow>,
    /// Every GetIncremental* call made within a window.
    pub request_log: Vec<RequestLogEntry>,
    /// Change sets per (window, record type, kind), with the change-log length they were
    /// computed at: a download pages through one set instead of rescanning the log for every
    /// page.
    window_cache: HashMap<(u64, String, u8), CachedChanges>,
    /// Ids matching a query (by record type and conditions), with the change-log length they
    /// were computed at: a Query pages through one list instead of filtering every record
    /// for every page. A few queries at most are kept.
    query_cache: HashMap<String, CachedChanges>,
    /// Data sync tasks launched through `SRDataSyncAPI`.
    pub data_syncs: DataSyncTasks,
    /// Recurring gifts (`SRRecurringAPI`).
    pub recurring: RecurringGifts,
    /// Cents refunded so far of each offline gift, by TransactionId (`refundOfflineDonation`).
    pub refunded_cents: BTreeMap<u64, u64>,
    /// Refunds made so far (their transaction ids are counted from this).
    pub refunds_made: u64,
    /// Interactions logged on constituents (`logInteraction`).
    pub interactions: Interactions,
    /// Constituents' own passwords (set with `user_password` on create/update, or with
    /// changePassword; checked by login), by ConsId.
    pub passwords: BTreeMap<u64, String>,
    /// Actions taken on advocacy alerts, for getAdvocacyInteractions: (ConsId, AlertId,
    /// when), oldest first. The ActionAlertResponse records carry no constituent.
    pub actions_taken: Vec<(u64, u64, String)>,
}

/// Distinct queries whose matches are kept at once.
const QUERY_CACHE_ENTRIES: usize = 16;

fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl State {
    /// An empty site.
    pub fn new(settings: Settings, clock: Clock) -> Self {
        let mut stores: BTreeMap<String, RecordStore> = stored_types(&settings.schema)
            .into_iter()
            .map(|(record_type, id_field)| (record_type, RecordStore::new(id_field)))
            .collect();
        // The download-only types the emulator keeps (donations, for the transaction
        // downloads): filled by seeding, never by Create/Update/Delete.
        for record_type in DOWNLOAD_ONLY {
            if let Some(id_field) = settings.schema.id_field(record_type) {
                stores.insert(
                    (*record_type).to_string(),
                    RecordStore::download_only(id_field),
                );
            }
        }
        State {
            settings,
            clock,
            next_cons_id: 1_001_001,
            constituents: BTreeMap::new(),
            removed: BTreeMap::new(),
            stores,
            member_index: HashMap::new(),
            email_index: HashMap::new(),
            user_name_index: HashMap::new(),
            changes: Vec::new(),
            sessions: HashMap::new(),
            next_session: 1,
            windows: Vec::new(),
            request_log: Vec::new(),
            window_cache: HashMap::new(),
            query_cache: HashMap::new(),
            data_syncs: DataSyncTasks::default(),
            recurring: RecurringGifts::default(),
            refunded_cents: BTreeMap::new(),
            refunds_made: 0,
            interactions: Interactions::default(),
            passwords: BTreeMap::new(),
            actions_taken: Vec::new(),
        }
    }

    /// Now, by the emulator's clock.
    pub fn now(&self) -> Duration {
        self.clock.now()
    }

    /// The account id of API user `user`, as CreatedBy fields hold it: the administrator is
    /// 1, the other users 2, 3, ... in the order they were configured, anyone else 0.
    pub fn account_id(&self, user: &str) -> u64 {
        if user == self.settings.admin_user {
            return 1;
        }
        self.settings
            .users
            .iter()
            .position(|(name, _)| name == user)
            .map_or(0, |at| at as u64 + 2)
    }

    /// Today by the emulator's clock, in days since 1970-01-01.
    pub fn today(&self) -> i64 {
        (self.now().as_secs() / 86_400) as i64
    }

    // ------------------------------------------------------------------ sessions

    /// Whether `user` / `password` are the credentials of an API user of the site (the
    /// administrator or one of [`Settings::users`]).
    pub fn is_api_user(&self, user: &str, password: &str) -> bool {
        (user == self.settings.admin_user && password == self.settings.admin_password)
            || self
                .settings
                .users
                .iter()
                .any(|(name, secret)| name == user && secret == password)
    }

    /// Checks an API user's credentials and opens a session, with a token of 32 bytes from
    /// the operating system's random source, valid on this site only.
    ///
    /// # Errors
    ///
    /// [`LoginError::Refused`] for unknown credentials; [`LoginError::Randomness`] when
    /// the random source cannot be read (no token is made up instead).
    pub fn login(&mut self, user: &str, password: &str) -> Result<String, LoginError> {
        if !self.is_api_user(user, password) {
            return Err(LoginError::Refused);
        }
        let now = self.now();
        let serial = self.next_session;
        self.next_session += 1;
        let token = new_token(serial, now).map_err(LoginError::Randomness)?;
        self.open_session(user, &token);
        Ok(token)
    }

    /// Opens a session of `user` with a token chosen by the caller. For harnesses that
    /// replay recorded requests (the fuzz target); a served emulator only hands out the
    /// random tokens of [`login`](Self::login).
    #[doc(hidden)]
    pub fn open_session(&mut self, user: &str, token: &str) {
        let now = self.now();
        self.sessions.insert(
            token.to_string(),
            Session {
                user: user.to_string(),
                site: self.settings.site.clone(),
                last_used: now,
            },
        );
    }

    /// The user of a live session of this site, refreshing its idle timer; `None` when
    /// unknown, expired or made for another site.
    pub fn session_user(&mut self, token: &str) -> Option<String> {
        let now = self.now();
        let session = self.sessions.get_mut(token.trim())?;
        if session.site != self.settings.site
            || now.saturating_sub(session.last_used) >= SESSION_IDLE
        {
            self.sessions.remove(token.trim());
            return None;
        }
        session.last_used = now;
        Some(session.user.clone())
    }

    /// Ends a session.
    pub fn logout(&mut self, token: &str) {
        self.sessions.remove(token.trim());
    }

    // ------------------------------------------------------------------ lookups

    fn matches(index: &HashMap<String, BTreeSet<u64>>, key: &str) -> Vec<u64> {
        index
            .get(key)
            .map(|ids| ids.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Constituents with this member id.
    pub fn by_member_id(&self, member_id: &str) -> Vec<u64> {
        Self::matches(&self.member_index, member_id.trim())
    }

    /// Constituents with this user name (case-insensitive).
    pub fn by_user_name(&self, user_name: &str) -> Vec<u64> {
        Self::matches(&self.user_name_index, &user_name.trim().to_lowercase())
    }

    /// Constituents with this primary email (case-insensitive).
    pub fn by_email(&self, email: &str) -> Vec<u64> {
        Self::matches(&self.email_index, &email_key(email))
    }

    fn index(&mut self, cons_id: u64, fields: &Fields, add: bool) {
        let keys = [
            (fields.get("MemberId").map(|m| m.trim().to_string()), 0),
            (fields.get("PrimaryEmail").map(email_key), 1),
            (fields.get("UserName").map(|u| u.trim().to_lowercase()), 2),
        ];
        for (key, which) in keys {
            let Some(key) = key else { continue };
            let index = match which {
                0 => &mut self.member_index,
                1 => &mut self.email_index,
                _ => &mut self.user_name_index,
            };
            if add {
                index.entry(key).or_default().insert(cons_id);
            } else if let Some(ids) = index.get_mut(&key) {
                ids.remove(&cons_id);
                if ids.is_empty() {
                    index.remove(&key);
                }
            }
        }
    }

    /// Replaces a record, keeping the indexes right, and logs the change.
    pub fn store(&mut self, cons_id: u64, mut fields: Fields, kind: ChangeKind, by: &str) {
        if kind != ChangeKind::Delete {
            self.stamp(&mut fields, kind);
        }
        if let Some(old) = self.constituents.remove(&cons_id) {
            self.index(cons_id, &old, false);
            if kind == ChangeKind::Delete {
                self.removed.insert(cons_id, old);
            }
        }
        if kind != ChangeKind::Delete {
            self.index(cons_id, &fields, true);
            self.constituents.insert(cons_id, fields);
        }
        self.log_change(CONSTITUENT, cons_id, kind, by);
    }

    /// Sets the times the server keeps on a constituent, when the site's schema declares them:
    /// CreationDate when it is created, ModifyDate whenever it is written.
    fn stamp(&self, fields: &mut Fields, kind: ChangeKind) {
        let Some(declared) = self.settings.schema.fields(CONSTITUENT) else {
            return;
        };
        let now = format_date_time(self.now());
        for (field, when) in [("CreationDate", ChangeKind::Insert), ("ModifyDate", kind)] {
            if kind == when && declared.iter().any(|f| f.name == field) {
                fields.values.insert(field.to_string(), now.clone());
            }
        }
    }

    /// Replaces a record of a type kept in [`State::stores`] and logs the change; `false`
    /// (and nothing changed) when the type has no store.
    pub fn store_record(
        &mut self,
        record_type: &str,
        id: u64,
        fields: Fields,
        kind: ChangeKind,
        by: &str,
    ) -> bool {
        let Some(store) = self.stores.get_mut(record_type) else {
            return false;
        };
        store.put(id, fields, kind);
        self.log_change(record_type, id, kind, by);
        true
    }

    fn log_change(&mut self, record_type: &str, record_id: u64, kind: ChangeKind, by: &str) {
        let at = self.now();
        self.changes.push(Change {
            at,
            record_type: record_type.to_string(),
            record_id,
            kind,
            by: by.to_string(),
        });
    }

    /// The active records of a writable record type (Constituent, or one with a store) by id.
    pub fn active_records(&self, record_type: &str) -> Option<&BTreeMap<u64, Fields>> {
        if record_type == CONSTITUENT {
            return Some(&self.constituents);
        }
        self.stores.get(record_type).map(|store| &store.active)
    }

    /// A record of a writable record type, active or removed.
    pub fn any_record(&self, record_type: &str, id: u64) -> Option<&Fields> {
        if record_type == CONSTITUENT {
            return self.constituents.get(&id).or_else(|| self.removed.get(&id));
        }
        self.stores.get(record_type)?.get(id)
    }

    /// A new ConsId.
    pub fn allocate_cons_id(&mut self) -> u64 {
        let id = self.next_cons_id;
        self.next_cons_id += 1;
        id
    }

    /// Checks that `fields` can be stored for `cons_id` without taking another record's member
    /// id, email (when unique) or user name.
    pub fn check_unique(&self, cons_id: u64, fields: &Fields) -> Result<(), Refusal> {
        let others = |ids: Vec<u64>| ids.into_iter().any(|id| id != cons_id);
        if let Some(member_id) = fields.get("MemberId") {
            if others(self.by_member_id(member_id)) {
                return Err(Refusal::MemberIdTaken(member_id.to_string()));
            }
        }
        if self.settings.unique_email {
            if let Some(email) = fields.get("PrimaryEmail") {
                if others(self.by_email(email)) {
                    return Err(Refusal::EmailTaken(email.to_string()));
                }
            }
        }
        if let Some(user_name) = fields.get("UserName") {
            if others(Self::matches(
                &self.user_name_index,
                &user_name.trim().to_lowercase(),
            )) {
                return Err(Refusal::UserNameTaken(user_name.to_string()));
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------------ constituent rules
    // Both APIs create, change and remove constituents through these, so the rules are the
    // same whichever way a record arrives; the wire modules only translate the refusals.

    /// Adds a constituent made by `by`: it needs a primary email and must not take another
    /// record's keys; it is opted out of email unless `AcceptsEmail` says otherwise (the
    /// documented default since LWS 1.32). Its new ConsId.
    pub fn create_constituent(&mut self, mut fields: Fields, by: &str) -> Result<u64, Refusal> {
        if fields
            .get("PrimaryEmail")
            .is_none_or(|email| email.trim().is_empty())
        {
            return Err(Refusal::EmailRequired);
        }
        fields
            .values
            .entry("AcceptsEmail".into())
            .or_insert_with(|| "false".into());
        // Checked against the id it would get, so a refused record uses up no id.
        self.check_unique(self.next_cons_id, &fields)?;
        let cons_id = self.allocate_cons_id();
        fields.values.insert("ConsId".into(), cons_id.to_string());
        self.store(cons_id, fields, ChangeKind::Insert, by);
        Ok(cons_id)
    }

    /// Replaces the fields of the stored constituent `cons_id`, made by `by`, unless they
    /// would take another record's keys.
    pub fn update_constituent(
        &mut self,
        cons_id: u64,
        fields: Fields,
        by: &str,
    ) -> Result<(), Refusal> {
        self.check_unique(cons_id, &fields)?;
        self.store(cons_id, fields, ChangeKind::Update, by);
        Ok(())
    }

    /// Removes the constituent `cons_id` (kept as it was, for GetIncrementalDeletes).
    pub fn delete_constituent(&mut self, cons_id: u64, by: &str) {
        let fields = self.constituents.get(&cons_id).cloned().unwrap_or_default();
        self.store(cons_id, fields, ChangeKind::Delete, by);
    }

    /// Locates a record by ConsId, else MemberId, else PrimaryEmail.
    pub fn locate(
        &self,
        cons_id: Option<u64>,
        member_id: Option<&str>,
        email: Option<&str>,
    ) -> Result<u64, (&'static str, String)> {
        let one = |ids: Vec<u64>, what: &str| match ids.as_slice() {
            [id] => Ok(*id),
            [] => Err(("RECORD_NOT_FOUND", format!("no record with {what}"))),
            _ => Err((
                "UPDATE_MATCH_AMBIGUOUS",
                format!("{} records with {what}", ids.len()),
            )),
        };
        if let Some(cons_id) = cons_id {
            return if self.constituents.contains_key(&cons_id) {
                Ok(cons_id)
            } else {
                Err((
                    "RECORD_NOT_FOUND",
                    format!("no record with ConsId {cons_id}"),
                ))
            };
        }
        if let Some(member_id) = member_id {
            return one(
                self.by_member_id(member_id),
                &format!("MemberId {member_id}"),
            );
        }
        if let Some(email) = email {
            return one(self.by_email(email), &format!("PrimaryEmail {email}"));
        }
        Err((
            "REQUIRED_FIELDS_MISSING",
            "the record has no ConsId, MemberId or PrimaryEmail".into(),
        ))
    }

    // ------------------------------------------------------------------ synchronization

    /// The open window of `user` on `partition`: the newest one, unless it was ended. A
    /// forced start leaves older windows unended (for the log) but supersedes them.
    pub fn active_window(&self, user: &str, partition: u64) -> Option<&SyncWindow> {
        self.windows
            .iter()
            .rev()
            .find(|w| w.user == user && w.partition == partition)
            .filter(|w| !w.completed)
    }

    /// Whether the site has the partition `id`.
    pub fn has_partition(&self, id: u64) -> bool {
        self.settings
            .partitions
            .iter()
            .any(|(known, _)| *known == id)
    }

    /// The last window of `user` on `partition` that EndSynchronization closed.
    pub fn last_completed_window(&self, user: &str, partition: u64) -> Option<&SyncWindow> {
        self.windows
            .iter()
            .rev()
            .find(|w| w.user == user && w.partition == partition && w.completed)
    }

    /// Opens a window; `Err` when one is open already and `force` is not set.
    ///
    /// The start defaults to the end of the last window of the same user and partition that
    /// was ended (EndSynchronization "increments the window"; the first window starts at the
    /// beginning of time), the end to now: windows opened with the defaults follow each
    /// other without a gap or an overlap. A forced window leaves the open one open (for the
    /// log) and gets its own start and end by the same rules.
    pub fn start_sync(
        &mut self,
        user: &str,
        partition: u64,
        start: Option<Duration>,
        end: Option<Duration>,
        force: bool,
    ) -> Result<SyncWindow, String> {
        if !self.has_partition(partition) {
            return Err(format!("unknown partition {partition}"));
        }
        if self.active_window(user, partition).is_some() && !force {
            return Err(format!(
                "a synchronization is already active for {user} on partition {partition}"
            ));
        }
        let now = self.now();
        let (previous_end, previous_position) = self
            .last_completed_window(user, partition)
            .map(|w| (w.end, w.end_position))
            .unwrap_or_default();
        let (start, start_position) = match start {
            Some(start) => (start, 0),
            None => (previous_end, previous_position),
        };
        let (end, end_position) = match end {
            Some(end) => (end, usize::MAX),
            None => (now, self.changes.len()),
        };
        let window = SyncWindow {
            sync_id: self.windows.len() as u64 + 1,
            partition,
            user: user.to_string(),
            start,
            end,
            start_position,
            end_position,
            created: now,
            completed: false,
        };
        self.windows.push(window.clone());
        Ok(window)
    }

    /// Closes the open window of `user` on `partition`.
    pub fn end_sync(&mut self, user: &str, partition: u64) -> Result<SyncWindow, String> {
        let window = self
            .windows
            .iter_mut()
            .rev()
            .find(|w| w.user == user && w.partition == partition)
            .filter(|w| !w.completed)
            .ok_or_else(|| {
                format!("no active synchronization for {user} on partition {partition}")
            })?;
        window.completed = true;
        Ok(window.clone())
    }

    /// Ids of the records of `record_type` changed in `window` by someone else than its
    /// user, by kind: a record added and changed counts as added; a removed one only as
    /// removed.
    pub fn window_changes_cached(
        &mut self,
        window: &SyncWindow,
        record_type: &str,
        kind: ChangeKind,
    ) -> std::sync::Arc<Vec<u64>> {
        let key = (window.sync_id, record_type.to_string(), kind as u8);
        if let Some((length, ids)) = self.window_cache.get(&key) {
            if *length == self.changes.len() {
                return std::sync::Arc::clone(ids);
            }
        }
        let ids = std::sync::Arc::new(self.window_changes(window, record_type, kind));
        self.window_cache
            .insert(key, (self.changes.len(), std::sync::Arc::clone(&ids)));
        ids
    }

    /// The ids a query matched, if they were worked out since the last change.
    pub fn cached_query(&self, key: &str) -> Option<std::sync::Arc<Vec<u64>>> {
        self.query_cache
            .get(key)
            .filter(|(length, _)| *length == self.changes.len())
            .map(|(_, ids)| std::sync::Arc::clone(ids))
    }

    /// Keeps the ids a query matched until the next change.
    pub fn cache_query(&mut self, key: String, ids: Vec<u64>) -> std::sync::Arc<Vec<u64>> {
        if self.query_cache.len() >= QUERY_CACHE_ENTRIES && !self.query_cache.contains_key(&key) {
            self.query_cache.clear();
        }
        let ids = std::sync::Arc::new(ids);
        self.query_cache
            .insert(key, (self.changes.len(), std::sync::Arc::clone(&ids)));
        ids
    }

    /// Ids of the records of `record_type` changed in `window` by someone else than its
    /// user, by kind (uncached).
    pub fn window_changes(
        &self,
        window: &SyncWindow,
        record_type: &str,
        kind: ChangeKind,
    ) -> Vec<u64> {
        let mut by_record: BTreeMap<u64, (bool, bool, bool)> = BTreeMap::new();
        for (position, change) in self.changes.iter().enumerate() {
            let after_start = change.at > window.start
                || (change.at == window.start && position >= window.start_position);
            let before_end = change.at < window.end
                || (change.at == window.end && position < window.end_position);
            if !after_start
                || !before_end
                || change.by == window.user
                || change.record_type != record_type
            {
                continue;
            }
            let entry = by_record.entry(change.record_id).or_default();
            match change.kind {
                ChangeKind::Insert => entry.0 = true,
                ChangeKind::Update => entry.1 = true,
                ChangeKind::Delete => entry.2 = true,
            }
        }
        by_record
            .into_iter()
            .filter(|(_, (inserted, updated, deleted))| match kind {
                ChangeKind::Delete => *deleted,
                ChangeKind::Insert => *inserted && !*deleted,
                ChangeKind::Update => *updated && !*inserted && !*deleted,
            })
            .map(|(id, _)| id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::Emulator;

    #[test]
    fn a_session_made_for_another_site_is_refused_within_one_state() {
        let mut state = Emulator::builder().site("b").build_state();
        state.open_session("apiuser", "planted");
        state.settings.site = "c".into();
        assert!(state.session_user("planted").is_none());
        state.settings.site = "b".into();
        state.open_session("apiuser", "planted");
        assert_eq!(state.session_user("planted").as_deref(), Some("apiuser"));
    }

    #[test]
    fn a_refused_constituent_uses_up_no_id() {
        let mut state = Emulator::builder().build_state();
        let mut fields = Fields::default();
        fields
            .values
            .insert("PrimaryEmail".into(), "ada@example.org".into());
        let first = state.create_constituent(fields.clone(), "apiuser").unwrap();
        assert_eq!(
            state.create_constituent(fields, "apiuser"),
            Err(Refusal::EmailTaken("ada@example.org".into()))
        );
        assert_eq!(
            state.create_constituent(Fields::default(), "apiuser"),
            Err(Refusal::EmailRequired)
        );
        let mut other = Fields::default();
        other
            .values
            .insert("PrimaryEmail".into(), "grace@example.org".into());
        assert_eq!(state.create_constituent(other, "apiuser"), Ok(first + 1));
        assert_eq!(
            state.constituents[&first].get("AcceptsEmail"),
            Some("false")
        );
    }
}
