//! Where a command connects: a real site, or an in-process emulator.
//!
//! The rules (README, "The CLI"):
//! - `--emulator` uses an in-process emulator with sample data, whatever else is configured.
//! - Without any connection setting (no endpoint, no credentials, no Server API base or key,
//!   no environment variable that looks like a misspelt one) the in-process emulator is used
//!   too, and standard error says so in one line.
//! - Otherwise the endpoint is required, and so are the credentials: a real site never gets
//!   default ones. Anything missing is a usage error (exit 2) naming the flag and the variable.

use std::path::PathBuf;

use clap::Args;
use convio::emulator::{Emulator, DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USER, DEFAULT_API_KEY};
use convio::soap::Client;

use crate::failure::{usage, Failure};

/// Pages one download may take unless `--max-pages` says otherwise.
pub(crate) const DEFAULT_MAX_PAGES: u64 = 100_000;

#[derive(Args, Clone)]
pub(crate) struct Connection {
    /// SOAP endpoint `https://webservices.clusterN.convio.net/1.0/{site}`; without it (and
    /// without any other connection setting) an in-process emulator with sample data is used
    /// [env: CONVIO_SOAP_URL].
    #[arg(long, env = "CONVIO_SOAP_URL")]
    pub(crate) endpoint: Option<String>,
    /// Use an in-process emulator with sample data, even if an endpoint is configured.
    #[arg(long)]
    pub(crate) emulator: bool,
    /// API administrator user name; required with an endpoint [env: CONVIO_USER].
    #[arg(long, env = "CONVIO_USER")]
    pub(crate) user: Option<String>,
    /// API administrator password; required with an endpoint (better given in the
    /// environment: a command line is visible to every user of the machine)
    /// [env: CONVIO_PASSWORD].
    #[arg(long, env = "CONVIO_PASSWORD", hide_env_values = true)]
    pub(crate) password: Option<String>,
    /// Partition for data calls; `sync` takes several (repeat it, or separate with commas)
    /// [env: CONVIO_PARTITION].
    #[arg(
        long = "partition",
        value_name = "ID",
        env = "CONVIO_PARTITION",
        value_delimiter = ',',
        default_value = "1001"
    )]
    pub(crate) partitions: Vec<u64>,
    /// Refuse response content the schema lacks (fields, attributes, record types) instead
    /// of keeping and printing it; the error names the element path.
    #[arg(long)]
    pub(crate) strict: bool,
    /// The site's WSDL (e.g. from `convio wsdl fetch`): its custom fields and record types
    /// order and check the fields of downloads and dynamic records [env: CONVIO_WSDL_FILE].
    #[arg(long, env = "CONVIO_WSDL_FILE")]
    pub(crate) wsdl: Option<PathBuf>,
    /// The most pages one download (query, sync) reads; a server still sending full pages
    /// after that many is an error (exit 3) instead of a download without end.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_PAGES)]
    pub(crate) max_pages: u64,
}

/// A setting a command was or was not given: its flag, its environment variable, and
/// whether it has a (non-empty) value.
#[derive(Clone, Copy)]
pub(crate) struct Setting {
    pub(crate) flag: &'static str,
    pub(crate) env: &'static str,
    pub(crate) given: bool,
}

impl Setting {
    pub(crate) fn new(flag: &'static str, env: &'static str, value: Option<&str>) -> Self {
        Setting {
            flag,
            env,
            given: value.is_some_and(|v| !v.is_empty()),
        }
    }

    fn name(&self) -> String {
        format!("{} (or {})", self.flag, self.env)
    }
}

/// What a real site needs besides its endpoint: names the missing settings (flag and
/// variable), with a hint when a misspelt variable is set.
pub(crate) fn require(settings: &[Setting], what: &str) -> Result<(), Failure> {
    let missing: Vec<String> = settings
        .iter()
        .filter(|s| !s.given)
        .map(Setting::name)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(usage(format!(
        "{what} needs {}: a real site gets no default credentials{}",
        listing(&missing),
        misspelt_hint()
    )))
}

/// `a`, `a and b`, `a, b and c`.
fn listing(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Whether the in-process emulator is to be used when the command's endpoint (`endpoint`) is
/// not given: yes with `--emulator`; otherwise only when nothing at all is configured (then
/// standard error says so). `settings` are the connection settings of the command that would
/// point at a real site (credentials, keys, other endpoints).
pub(crate) fn emulator_without_endpoint(
    explicit: bool,
    endpoint: Setting,
    settings: &[Setting],
    real_site_hint: &str,
) -> Result<bool, Failure> {
    if explicit {
        return Ok(true);
    }
    if endpoint.given {
        return Ok(false);
    }
    let given: Vec<String> = settings
        .iter()
        .filter(|s| s.given)
        .map(Setting::name)
        .collect();
    if !given.is_empty() {
        return Err(usage(format!(
            "{} given but no endpoint: give {} for a real site, or --emulator for an in-process \
             emulator with sample data{}",
            listing(&given),
            endpoint.name(),
            misspelt_hint()
        )));
    }
    if let Some((set, meant)) = misspelt_variable() {
        return Err(usage(format!(
            "{set} is set, but convio reads no such variable (did you mean {meant}?); no endpoint \
             is configured: give {}, or --emulator for an in-process emulator with sample data",
            endpoint.name()
        )));
    }
    eprintln!(
        "note: no endpoint configured: using an in-process emulator with sample data; for a \
         real site give {real_site_hint}"
    );
    Ok(true)
}

/// The environment variables convio (or its tests and build) reads.
const KNOWN_VARIABLES: &[&str] = &[
    "CONVIO_SOAP_URL",
    "CONVIO_USER",
    "CONVIO_PASSWORD",
    "CONVIO_PARTITION",
    "CONVIO_WSDL_FILE",
    "CONVIO_SERVER_API_BASE",
    "CONVIO_API_KEY",
    "CONVIO_DB",
    "CONVIO_EMULATOR_PASSWORD",
    "CONVIO_EMULATOR_API_KEY",
    "CONVIO_EMULATOR_USERS",
    "CONVIO_WSDL",
    "CONVIO_CRASH_KILLS",
    "CONVIO_CRASH_RECORDS",
];

/// The variables that point at a site, with words a misspelling of each is likely to keep.
const CONNECTION_VARIABLES: &[(&str, &[&str])] = &[
    ("CONVIO_SOAP_URL", &["SOAP", "URL", "ENDPOINT", "HOST"]),
    ("CONVIO_USER", &["USER", "LOGIN"]),
    ("CONVIO_PASSWORD", &["PASS", "PWD"]),
    ("CONVIO_SERVER_API_BASE", &["SERVER", "BASE"]),
    ("CONVIO_API_KEY", &["KEY"]),
];

/// A variable that is set, is not one convio reads and looks like a misspelt connection
/// variable, with the variable it probably means.
pub(crate) fn misspelt_variable() -> Option<(String, &'static str)> {
    let mut names: Vec<String> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| name.to_ascii_uppercase().starts_with("CONVIO_"))
        .filter(|name| !KNOWN_VARIABLES.contains(&name.as_str()))
        .filter(|name| !name.starts_with("CONVIO_TEST_"))
        .collect();
    names.sort();
    names.into_iter().find_map(|name| {
        let upper = name.to_ascii_uppercase();
        let suffix = &upper["CONVIO_".len()..];
        let closest = CONNECTION_VARIABLES
            .iter()
            .map(|(known, _)| (*known, edit_distance(&upper, known)))
            .min_by_key(|(_, distance)| *distance)?;
        if closest.1 <= 2 {
            return Some((name, closest.0));
        }
        CONNECTION_VARIABLES
            .iter()
            .find(|(_, words)| words.iter().any(|word| suffix.contains(word)))
            .map(|(known, _)| (name, *known))
    })
}

fn misspelt_hint() -> String {
    match misspelt_variable() {
        Some((set, meant)) => format!(" ({set} is set: did you mean {meant}?)"),
        None => String::new(),
    }
}

/// Levenshtein distance (names are short).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Checks an endpoint URL before anything is built: an unusable URL or plain http to a host
/// that is not loopback is a usage error naming the flag.
pub(crate) fn check_url(flag: &str, url: &str) -> Result<(), Failure> {
    convio::transport::check_endpoint(url, false)
        .map(|_| ())
        .map_err(|error| {
            usage(match error {
                convio::transport::TransportError::InsecureEndpoint { host } => format!(
                    "{flag} {url}: plain http to `{host}`, which is not loopback, would send the \
                     password unencrypted; use https"
                ),
                other => format!("{flag}: {other}"),
            })
        })
}

/// Starts the in-process emulator (25 sample constituents) with the connection's
/// credentials if given, else its own, and this API key.
pub(crate) async fn start_embedded(
    connection: &Connection,
    api_key: &str,
) -> Result<Emulator, Failure> {
    let (user, password) = connection.emulator_credentials();
    Emulator::builder()
        .admin(user, password)
        .api_key(api_key)
        .partition(connection.partition())
        .seed(25)
        .start("127.0.0.1:0")
        .await
        .map_err(|error| Failure {
            status: 3,
            message: format!("cannot start the emulator: {error}"),
        })
}

impl Connection {
    /// The partition of data calls (the first one given).
    pub(crate) fn partition(&self) -> u64 {
        self.partitions.first().copied().unwrap_or(1001)
    }

    pub(crate) fn endpoint_setting(&self) -> Setting {
        Setting::new("--endpoint", "CONVIO_SOAP_URL", self.endpoint.as_deref())
    }

    pub(crate) fn user_setting(&self) -> Setting {
        Setting::new("--user", "CONVIO_USER", self.user.as_deref())
    }

    pub(crate) fn password_setting(&self) -> Setting {
        Setting::new("--password", "CONVIO_PASSWORD", self.password.as_deref())
    }

    /// The user name and password to log in to a real site with (checked by [`require`]
    /// before).
    pub(crate) fn credentials(&self) -> (String, String) {
        (
            self.user.clone().unwrap_or_default(),
            self.password.clone().unwrap_or_default(),
        )
    }

    /// The credentials of the in-process emulator: the given ones, else its own.
    pub(crate) fn emulator_credentials(&self) -> (String, String) {
        let given = |value: &Option<String>, default: &str| {
            value
                .clone()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.into())
        };
        (
            given(&self.user, DEFAULT_ADMIN_USER),
            given(&self.password, DEFAULT_ADMIN_PASSWORD),
        )
    }
}

/// The client for a connection, and the embedded emulator it talks to (kept alive).
pub(crate) async fn connect(
    connection: &Connection,
) -> Result<(Client, Option<Emulator>), Failure> {
    let use_emulator = emulator_without_endpoint(
        connection.emulator,
        connection.endpoint_setting(),
        &[connection.user_setting(), connection.password_setting()],
        "--endpoint URL (or CONVIO_SOAP_URL) with --user and --password (or CONVIO_USER and \
         CONVIO_PASSWORD)",
    )?;
    let (endpoint, (user, password), emulator) = if use_emulator {
        let emulator = start_embedded(connection, DEFAULT_API_KEY).await?;
        (
            emulator.soap_url(),
            connection.emulator_credentials(),
            Some(emulator),
        )
    } else {
        let endpoint = connection.endpoint.clone().unwrap_or_default();
        check_url("--endpoint", &endpoint)?;
        require(
            &[connection.user_setting(), connection.password_setting()],
            &format!("the endpoint {endpoint}"),
        )?;
        (endpoint, connection.credentials(), None)
    };
    let mut builder = Client::builder()
        .endpoint(endpoint)
        .credentials(user, password)
        .partition(connection.partition())
        .strict(connection.strict)
        .max_pages(connection.max_pages);
    if let Some(wsdl) = &connection.wsdl {
        builder = builder.wsdl_file(wsdl);
    }
    Ok((builder.build()?, emulator))
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("CONVIO_SOAP_UR", "CONVIO_SOAP_URL"), 1);
        assert_eq!(edit_distance("CONVIO_PASWORD", "CONVIO_PASSWORD"), 1);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
