//! Where a synchronization puts records and remembers how far it got.

use std::future::Future;

use serde::{Deserialize, Serialize};

use super::layout::TypeLayout;
use crate::soap::IncrementalKind;
use crate::{AnyRecord, DateTime, Field};

/// One synchronization context: a site (its SOAP endpoint) and a partition. Each has its own
/// windows and checkpoint, so several can be synchronized into one store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WindowKey {
    /// The site's SOAP endpoint.
    pub site: String,
    /// The partition.
    pub partition: u64,
}

/// A synchronization window as the server opened it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// The server's id of the window.
    pub sync_id: u64,
    /// Start (`xs:dateTime`, as the server wrote it).
    pub start: DateTime,
    /// End.
    pub end: DateTime,
}

/// Where downloading stands: the record type (index in the plan), the kind of change, and
/// the next page to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Index of the record type in the plan.
    pub record_type: usize,
    /// 0 inserts, 1 updates, 2 deletes.
    pub kind: u8,
    /// The next page (from 1).
    pub next_page: u64,
}

impl Position {
    /// The beginning of a window's downloads.
    pub const START: Position = Position {
        record_type: 0,
        kind: 0,
        next_page: 1,
    };

    /// The GetIncremental* operation of this position.
    pub fn incremental_kind(&self) -> IncrementalKind {
        match self.kind {
            0 => IncrementalKind::Inserts,
            1 => IncrementalKind::Updates,
            _ => IncrementalKind::Deletes,
        }
    }
}

/// How far an unfinished synchronization got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Checkpoint {
    /// StartSynchronization was about to be sent: a window may be open on the server that
    /// this store knows nothing else of.
    Starting,
    /// The window is open; local changes are uploaded when `uploaded` is false, then pages
    /// are downloaded from `position` on.
    Open {
        /// The window.
        window: Window,
        /// Whether the local changes were uploaded in this window.
        uploaded: bool,
        /// The next page to download.
        position: Position,
    },
    /// Every page was applied; EndSynchronization remains.
    Downloaded {
        /// The window.
        window: Window,
    },
}

/// What a store remembers of a synchronization context.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// The end of the last window whose changes were all applied: where the next one starts.
    pub last_end: Option<DateTime>,
    /// That window's id.
    #[serde(default)]
    pub last_sync_id: Option<u64>,
    /// An unfinished synchronization.
    pub checkpoint: Option<Checkpoint>,
}

/// A page of downloaded records.
#[derive(Debug)]
pub struct Page<'a> {
    /// The record type's layout.
    pub layout: &'a TypeLayout,
    /// Inserts, updates or deletes.
    pub kind: IncrementalKind,
    /// The records.
    pub records: &'a [AnyRecord],
}

/// A change made locally (captured by the store) to send upstream.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalChange {
    /// The store's id of the change (to mark it done).
    pub change_id: i64,
    /// The record type.
    pub record_type: String,
    /// What happened.
    pub action: LocalAction,
    /// The record's id upstream (`None` for a row created locally, not yet created there).
    pub record_id: Option<i64>,
    /// The store's own key of the row (its id while it has no upstream id).
    pub row_key: i64,
    /// The changed fields (dotted paths): `Value` set, `Nil` for a column set to NULL; fields
    /// not listed were not changed.
    pub fields: Vec<(String, Field<String>)>,
}

/// Kinds of local change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalAction {
    /// A row inserted locally: Create upstream.
    Insert,
    /// A row updated locally: Update upstream, changed fields only.
    Update,
    /// A row deleted locally: Delete upstream.
    Delete,
}

/// What became of an uploaded change.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum UploadOutcome {
    /// Applied upstream; for a Create, the id the server gave the record.
    Applied {
        /// The upstream id of a created record.
        created_id: Option<i64>,
    },
    /// Refused upstream: the change stays pending with the server's reason.
    Refused {
        /// The ResultCode.
        code: String,
        /// The server's message.
        message: String,
    },
}

/// Why a store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store cannot be used (a path that cannot be written, a database that cannot be
    /// reached); nothing was done on the server.
    #[error("{location}: {message}")]
    Unavailable {
        /// The path or URL.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// The saved state does not match the store's contents or the server: refused, never
    /// used.
    #[error("{location}: the saved synchronization state does not match: {message}")]
    Mismatch {
        /// The state file or database.
        location: String,
        /// What does not match.
        message: String,
    },
    /// Reading or writing failed.
    #[error("{location}: {message}")]
    Io {
        /// The path or URL.
        location: String,
        /// What failed.
        message: String,
    },
}

/// Where records and checkpoints go. Every write that moves a checkpoint is atomic with the
/// records it applies, so that a crash at any moment leaves a state the next run resumes from
/// without losing or repeating anything.
pub trait Store: Send {
    /// Checks that the store can be written and creates or migrates what it needs for these
    /// record types. Called before anything is asked of the server.
    fn prepare(
        &mut self,
        layouts: &[TypeLayout],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The state of a context (default when it was never synchronized).
    fn load(
        &mut self,
        key: &WindowKey,
    ) -> impl Future<Output = Result<SyncState, StoreError>> + Send;

    /// Saves the state of a context, with no records.
    fn save(
        &mut self,
        key: &WindowKey,
        state: &SyncState,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Applies a page and saves the state after it, atomically: after a crash the store
    /// holds both or neither. A store may group pages and make them durable together (at
    /// the latest on the next [`save`](Self::save)): a page lost that way leaves the state
    /// before it, and is fetched again.
    fn apply(
        &mut self,
        key: &WindowKey,
        page: Page<'_>,
        state: &SyncState,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Local changes waiting to be uploaded, oldest first (none for a store that does not
    /// capture any).
    fn pending(
        &mut self,
        layouts: &[TypeLayout],
    ) -> impl Future<Output = Result<Vec<LocalChange>, StoreError>> + Send;

    /// Marks creates as sent, before they are: a Create whose outcome is then unknown is
    /// looked up, not sent again.
    fn creating(
        &mut self,
        changes: &[LocalChange],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records what became of uploaded changes (applied ones are done; a created record gets
    /// its upstream id; refused ones stay pending with the reason).
    fn uploaded(
        &mut self,
        layouts: &[TypeLayout],
        results: &[(LocalChange, UploadOutcome)],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Creates marked as sent by an earlier run whose outcome was never recorded.
    fn unresolved_creates(
        &mut self,
        layouts: &[TypeLayout],
    ) -> impl Future<Output = Result<Vec<LocalChange>, StoreError>> + Send;
}
