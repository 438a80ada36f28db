//! The site's change log entries: what changed, how, when and by whom. The synchronization
//! downloads read this log, and tests read it through [`Site::changes`](super::Site::changes).

use std::time::Duration;

/// Kind of change, for the synchronization downloads.
///
/// ```
/// use convio::emulator::ChangeKind;
/// assert_ne!(ChangeKind::Insert, ChangeKind::Update);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// The record was added.
    Insert,
    /// The record was changed.
    Update,
    /// The record was removed.
    Delete,
}

/// One entry of the change log.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let emulator = convio::emulator::Emulator::builder().seed(2).start("127.0.0.1:0").await?;
/// let seeded = emulator.site().changes();
/// assert!(seeded.iter().all(|change| change.by == "web"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Change {
    /// When, by the emulator's clock (time since the Unix epoch).
    pub at: Duration,
    /// The record's type (`Constituent`, `VolunteerRegistration`).
    pub record_type: String,
    /// Which record: its id (the ConsId of a constituent).
    pub record_id: u64,
    /// What happened.
    pub kind: ChangeKind,
    /// Who did it (API user name, or `web` for changes made on the site's pages).
    pub by: String,
}
