//! Session tokens: 32 bytes from the operating system's random source, so that no token can
//! be guessed from another and no two emulators hand out the same ones; each session is
//! bound to the site that opened it.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Read as _;
use std::sync::Mutex;
use std::time::Duration;

/// Where the random bytes come from (this project runs on Linux).
pub const RANDOM_SOURCE: &str = "/dev/urandom";

/// Random bytes in a token.
pub const TOKEN_BYTES: usize = 32;

/// An open session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The API user.
    pub user: String,
    /// The site whose Login opened it.
    pub site: String,
    /// Last use, by the emulator's clock.
    pub last_used: Duration,
}

/// Why a Login opened no session.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoginError {
    /// Unknown user name or wrong password.
    Refused,
    /// The random source could not be read.
    Randomness(std::io::Error),
}

impl std::fmt::Display for LoginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginError::Refused => f.write_str("Invalid user name or password"),
            LoginError::Randomness(error) => {
                write!(
                    f,
                    "cannot read {RANDOM_SOURCE} for a session token: {error}"
                )
            }
        }
    }
}

impl std::error::Error for LoginError {}

/// The random source, opened once and kept open: a Login must not need a free file
/// descriptor (under descriptor pressure it would fail).
static SOURCE: Mutex<Option<File>> = Mutex::new(None);

/// `N` bytes from [`RANDOM_SOURCE`].
///
/// # Errors
///
/// The I/O error, with the path in its message, when the source cannot be opened or read.
pub fn random_bytes<const N: usize>() -> std::io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    let mut source = SOURCE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let result = match &mut *source {
        Some(file) => file.read_exact(&mut bytes),
        None => File::open(RANDOM_SOURCE).and_then(|mut file| {
            file.read_exact(&mut bytes)?;
            *source = Some(file);
            Ok(())
        }),
    };
    result.map_err(|error| {
        // Opened afresh next time.
        *source = None;
        std::io::Error::new(
            error.kind(),
            format!("cannot read {RANDOM_SOURCE}: {error}"),
        )
    })?;
    Ok(bytes)
}

/// A new token, shaped like the documented ones
/// (`{hex}:JSESSIONID={id}:{number}:{time}`, opaque to clients) with [`TOKEN_BYTES`] random
/// bytes as its hex part.
///
/// # Errors
///
/// When the random source cannot be read.
pub fn new_token(serial: u64, now: Duration) -> std::io::Result<String> {
    let bytes: [u8; TOKEN_BYTES] = random_bytes()?;
    let mut token = String::with_capacity(TOKEN_BYTES * 2 + 64);
    for byte in bytes {
        let _ = write!(token, "{byte:02x}");
    }
    let _ = write!(
        token,
        ":JSESSIONID=emu{serial:06}:{}:{}",
        10_000_100 + serial,
        super::clock::format_date_time(now)
    );
    Ok(token)
}

#[cfg(test)]
mod examples {
    #[test]
    fn new_token_examples() {
        let a = super::new_token(1, std::time::Duration::ZERO).unwrap();
        let b = super::new_token(1, std::time::Duration::ZERO).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.split(':').next().unwrap().len(), 64);
    }
}
