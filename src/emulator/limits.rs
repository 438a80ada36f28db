//! The HTTP server's limits: how long a client may take to send a request's headers (also
//! how long a kept-alive connection may sit idle) and its body, how large a body may be,
//! and how many connections are served at once. When the cap is reached, or the process
//! runs out of file descriptors, the longest-open idle connection is closed to make room;
//! the accept loop itself never stops.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

/// Limits of the emulator's HTTP server.
///
/// ```
/// use std::time::Duration;
/// use convio::emulator::Limits;
/// let limits = Limits::default().header_timeout(Duration::from_secs(5));
/// assert_eq!(limits.max_body_bytes, 16 * 1024 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest request body read (default 16 MiB); a larger `Content-Length` is answered
    /// 413 before anything is read (and without `100 Continue`).
    pub max_body_bytes: usize,
    /// Time a connection may take to send a request's headers, counted from when the
    /// server starts waiting for them: an idle kept-alive connection is closed after it too
    /// (default 30 s).
    pub header_timeout: Duration,
    /// Time a request may take to send its body (default 30 s); then 408.
    pub body_timeout: Duration,
    /// Most connections served at once (default 1024, and never more than the process's
    /// file descriptor limit allows, less a reserve). A new connection beyond it closes the
    /// longest-open idle one; when none is idle it is closed unanswered.
    pub max_connections: usize,
}

impl Limits {
    /// The largest request body.
    ///
    /// ```
    /// let options = convio::emulator::Limits::default().max_connections(50);
    /// # let _ = options;
    /// ```
    pub fn max_body_bytes(mut self, value: usize) -> Self {
        self.max_body_bytes = value;
        self
    }

    /// How long a request's headers may take.
    pub fn header_timeout(mut self, value: Duration) -> Self {
        self.header_timeout = value;
        self
    }

    /// How long a request's body may take.
    pub fn body_timeout(mut self, value: Duration) -> Self {
        self.body_timeout = value;
        self
    }

    /// Connections held open at once.
    pub fn max_connections(mut self, value: usize) -> Self {
        self.max_connections = value;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: super::MAX_REQUEST_BYTES,
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(30),
            max_connections: 1024,
        }
    }
}

/// File descriptors left for everything but connections (listener, logs, the test's own).
const FD_RESERVE: usize = 64;

/// The soft limit on open files, from `/proc/self/limits` (`None` when unknown or
/// unlimited).
pub fn open_files_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

impl Limits {
    /// The connection cap in effect: [`max_connections`](Self::max_connections), lowered so
    /// that connections cannot take every file descriptor.
    pub fn effective_max_connections(&self) -> usize {
        let by_fds = open_files_limit().map_or(usize::MAX, |limit| {
            limit.saturating_sub(FD_RESERVE).max(FD_RESERVE / 4)
        });
        self.max_connections.min(by_fds).max(1)
    }
}

/// One served connection, as the tracker sees it.
#[derive(Debug, Default)]
pub struct Connection {
    /// Requests being handled on it.
    busy: AtomicUsize,
    /// Told to close.
    closing: AtomicBool,
    /// Wakes the connection's task to close it.
    close: Notify,
}

impl Connection {
    /// Marks a request in progress until the guard is dropped.
    pub fn busy(self: &Arc<Self>) -> BusyGuard {
        self.busy.fetch_add(1, Ordering::SeqCst);
        BusyGuard(Arc::clone(self))
    }

    /// Completes when the connection is told to close.
    pub async fn closed(&self) {
        self.close.notified().await;
    }

    fn is_idle(&self) -> bool {
        self.busy.load(Ordering::SeqCst) == 0
    }
}

/// A request in progress on a connection.
#[derive(Debug)]
pub struct BusyGuard(Arc<Connection>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The connections being served.
#[derive(Debug)]
pub struct Connections {
    max: usize,
    open: Mutex<(u64, BTreeMap<u64, Arc<Connection>>)>,
}

/// A connection's place among the served ones; given back when dropped.
#[derive(Debug)]
pub struct Slot {
    id: u64,
    connections: Arc<Connections>,
    /// The connection.
    pub connection: Arc<Connection>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.connections.lock().1.remove(&self.id);
    }
}

impl Connections {
    /// A tracker admitting at most `max` connections at once.
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Connections {
            max: max.max(1),
            open: Mutex::new((0, BTreeMap::new())),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, BTreeMap<u64, Arc<Connection>>)> {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Admits a new connection: at the cap, the longest-open idle connection is told to
    /// close to make room; `None` (refuse it) when every connection is busy.
    pub fn admit(self: &Arc<Self>) -> Option<Slot> {
        let mut open = self.lock();
        let live = open
            .1
            .values()
            .filter(|c| !c.closing.load(Ordering::SeqCst))
            .count();
        if live >= self.max && !Self::close_oldest_idle(&open.1) {
            return None;
        }
        open.0 += 1;
        let id = open.0;
        let connection = Arc::new(Connection::default());
        open.1.insert(id, Arc::clone(&connection));
        Some(Slot {
            id,
            connections: Arc::clone(self),
            connection,
        })
    }

    /// Tells the longest-open idle connection to close (to free its file descriptor);
    /// `false` when there is none.
    pub fn close_idle(&self) -> bool {
        Self::close_oldest_idle(&self.lock().1)
    }

    fn close_oldest_idle(open: &BTreeMap<u64, Arc<Connection>>) -> bool {
        let idle = open
            .values()
            .find(|c| c.is_idle() && !c.closing.load(Ordering::SeqCst));
        match idle {
            Some(connection) => {
                connection.closing.store(true, Ordering::SeqCst);
                connection.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Waits after a failed `accept` (e.g. out of file descriptors): 5 ms, doubling up to 1 s,
/// back to 5 ms after a success.
#[derive(Debug)]
pub struct Backoff(Duration);

impl Default for Backoff {
    fn default() -> Self {
        Backoff(Self::FIRST)
    }
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(5);
    const MOST: Duration = Duration::from_secs(1);

    /// The next wait.
    pub fn next_wait(&mut self) -> Duration {
        let wait = self.0;
        self.0 = (self.0 * 2).min(Self::MOST);
        wait
    }

    /// After a success.
    pub fn reset(&mut self) {
        self.0 = Self::FIRST;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_the_cap_the_oldest_idle_connection_is_closed_and_busy_ones_are_kept() {
        let connections = Connections::new(2);
        let first = connections.admit().expect("room");
        let second = connections.admit().expect("room");
        let _busy = first.connection.busy();
        // At the cap: the second (idle) is told to close; the first is busy.
        let third = connections.admit().expect("an idle one made room");
        assert!(second.connection.closing.load(Ordering::SeqCst));
        assert!(!first.connection.closing.load(Ordering::SeqCst));
        let _busy_third = third.connection.busy();
        // Every live connection busy: refused.
        assert!(connections.admit().is_none());
        drop(second);
        assert_eq!(connections.lock().1.len(), 2);
    }

    #[test]
    fn the_backoff_doubles_to_a_second_and_resets() {
        let mut backoff = Backoff::default();
        let waits: Vec<Duration> = (0..10).map(|_| backoff.next_wait()).collect();
        assert_eq!(waits[0], Duration::from_millis(5));
        assert_eq!(waits[1], Duration::from_millis(10));
        assert_eq!(waits[9], Duration::from_secs(1));
        backoff.reset();
        assert_eq!(backoff.next_wait(), Duration::from_millis(5));
    }
}
