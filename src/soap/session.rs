//! Session state: the token from Login, when it was obtained and last used, and when to
//! log in again.

use tokio::time::{Duration, Instant};

use crate::credentials::Secret;

/// When to log in again before the server would expire the token.
///
/// The reference gives the token 30 minutes, in one place of inactivity and in another
/// absolutely; both limits are honoured with a margin.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct SessionPolicy {
    /// Log in again when the token has been idle this long (default 25 minutes).
    pub max_idle: Duration,
    /// Log in again when the token is this old (default 28 minutes).
    pub max_age: Duration,
}

impl SessionPolicy {
    /// How long an unused session is trusted.
    ///
    /// ```
    /// let options = convio::soap::SessionPolicy::default().max_idle(std::time::Duration::from_secs(600));
    /// # let _ = options;
    /// ```
    pub fn max_idle(mut self, value: Duration) -> Self {
        self.max_idle = value;
        self
    }

    /// How long any session is trusted.
    pub fn max_age(mut self, value: Duration) -> Self {
        self.max_age = value;
        self
    }
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            max_idle: Duration::from_secs(25 * 60),
            max_age: Duration::from_secs(28 * 60),
        }
    }
}

/// A live session token.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) id: Secret,
    /// Increases with every Login, so that a stale failure does not discard a newer token.
    pub(crate) generation: u64,
    obtained: Instant,
    last_used: Instant,
}

impl Session {
    pub(crate) fn new(id: Secret, generation: u64) -> Self {
        let now = Instant::now();
        Session {
            id,
            generation,
            obtained: now,
            last_used: now,
        }
    }

    pub(crate) fn is_fresh(&self, policy: &SessionPolicy) -> bool {
        let now = Instant::now();
        now.duration_since(self.last_used) < policy.max_idle
            && now.duration_since(self.obtained) < policy.max_age
    }

    pub(crate) fn touch(&mut self) {
        self.last_used = Instant::now();
    }
}
