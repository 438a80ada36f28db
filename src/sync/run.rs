//! What a synchronization run is told ([`RunOptions`]), what it reports as it goes
//! ([`Progress`]) and at the end ([`Summary`]), and why it stops ([`SyncError`]).

use super::store::StoreError;
use crate::error::Error;
use crate::DateTime;

/// How a run treats an open window and where it starts.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RunOptions {
    /// Open a new window even though one is open on the server (the old one is left open
    /// for audit, as documented).
    pub force: bool,
    /// Start the window here (`xs:dateTime`) instead of at the end of the last window
    /// applied.
    pub since: Option<DateTime>,
}

impl RunOptions {
    /// Opens a new window even though one is open on the server.
    ///
    /// ```
    /// let options = convio::sync::RunOptions::default().force(true).since("2026-11-01T00:00:00Z");
    /// # let _ = options;
    /// ```
    pub fn force(mut self, value: bool) -> Self {
        self.force = value;
        self
    }

    /// Starts the window here (`xs:dateTime`).
    pub fn since(mut self, value: impl Into<DateTime>) -> Self {
        self.since = Some(value.into());
        self
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Records inserted upstream and applied here.
    pub inserted: u64,
    /// Records updated upstream and applied here.
    pub updated: u64,
    /// Records deleted upstream and removed here.
    pub deleted: u64,
    /// Local changes the server applied.
    pub uploaded: u64,
    /// Local changes the server refused (they stay pending).
    pub refused: u64,
    /// The window's start.
    pub window_start: DateTime,
    /// The window's end.
    pub window_end: DateTime,
    /// The window's id.
    pub sync_id: u64,
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The store failed or its state does not match.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The server or the exchange failed.
    #[error(transparent)]
    Api(#[from] Error),
    /// A window is open on the server that this store did not open (or no longer knows).
    #[error(
        "partition {partition}: a synchronization window is already open on {site} ({message}); \
         run again with --force to open a new one (the open one is left for audit), or end it \
         with `convio sync --end`"
    )]
    WindowOpen {
        /// The site.
        site: String,
        /// The partition.
        partition: u64,
        /// The server's explanation.
        message: String,
    },
    /// The plan names a record type the site's schema does not have.
    #[error("{0}")]
    Plan(String),
}

/// Notified as a run goes (for progress bars).
pub trait Progress: Send + Sync {
    /// A phase begins (`upload`, `Constituent inserts`, ...).
    fn phase(&self, name: &str);
    /// More records were applied or uploaded.
    fn advanced(&self, records: u64);
}

/// No progress reporting.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl Progress for Quiet {
    fn phase(&self, _name: &str) {}
    fn advanced(&self, _records: u64) {}
}
