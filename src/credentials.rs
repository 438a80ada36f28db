//! What identifies the caller to Luminate — an API user's name and password, an API key, a
//! session token — kept as [`Secret`]s that never print, for both protocols.

use std::fmt;

/// A value that is never shown by `Debug` or `Display`.
///
/// ```
/// let secret = convio::soap::Secret::new("hunter2");
/// assert_eq!(format!("{secret:?}"), "<redacted>");
/// assert_eq!(secret.expose(), "hunter2");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for putting on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// API administrator credentials for Login; the password is redacted in `Debug`.
///
/// ```
/// let credentials = convio::soap::Credentials::new("apiuser", "s3cret");
/// assert!(!format!("{credentials:?}").contains("s3cret"));
/// ```
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The API administrator's user name.
    pub user_name: String,
    /// The password.
    pub password: Secret,
}

impl Credentials {
    /// Credentials from a user name and a password.
    pub fn new(user_name: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            user_name: user_name.into(),
            password: Secret::new(password),
        }
    }
}
