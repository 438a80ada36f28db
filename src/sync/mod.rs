//! Synchronization into a store: the documented two-way session (upload local changes,
//! download inserts, updates and deletes, end the window), crash-safe and resumable.
//!
//! | module | what |
//! |---|---|
//! | `engine` | the session as a state machine ([`Synchronization`]) |
//! | `upload` | local changes sent in batches, per-record results kept, unknown Create outcomes reconciled |
//! | `store` | the [`Store`] trait: where records and checkpoints go |
//! | [`layout`] | table and column names (a contract) |
//! | `sql` | SQLite and PostgreSQL ([`SqlStore`]) |
//! | `ndjson` | a log of changes ([`NdjsonStore`]) |
//!
//! Exactly once: a store writes each page and the checkpoint after it atomically (one
//! database transaction; for NDJSON, a group of pages synced before the state file is
//! replaced atomically), and the engine always names the window's start itself, so a run that dies
//! at any moment is resumed by the next without losing or repeating a change.

mod engine;
pub mod layout;
mod ndjson;
mod run;
mod sql;
mod store;
mod upload;

pub use engine::Synchronization;
pub use ndjson::{fields_json, NdjsonStore};
pub use run::{Progress, Quiet, RunOptions, Summary, SyncError};
pub use sql::SqlStore;
pub use store::{
    Checkpoint, LocalAction, LocalChange, Page, Position, Store, StoreError, SyncState,
    UploadOutcome, Window, WindowKey,
};
