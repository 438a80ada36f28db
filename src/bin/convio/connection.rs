//! Where a command connects: an endpoint, or an in-process emulator.

use std::path::PathBuf;

use clap::Args;
use convio::emulator::Emulator;
use convio::soap::Client;

use crate::failure::Failure;

#[derive(Args, Clone)]
pub(crate) struct Connection {
    /// SOAP endpoint `https://webservices.clusterN.convio.net/1.0/{site}`; without it an
    /// in-process emulator is used [env: CONVIO_SOAP_URL].
    #[arg(long, env = "CONVIO_SOAP_URL")]
    pub(crate) endpoint: Option<String>,
    /// Use the in-process emulator even if an endpoint is configured.
    #[arg(long)]
    pub(crate) emulator: bool,
    /// API administrator user name [env: CONVIO_USER].
    #[arg(long, env = "CONVIO_USER", default_value = "apiuser")]
    pub(crate) user: String,
    /// API administrator password [env: CONVIO_PASSWORD].
    #[arg(
        long,
        env = "CONVIO_PASSWORD",
        hide_env_values = true,
        default_value = "secret"
    )]
    pub(crate) password: String,
    /// Partition for data calls; `sync` takes several (repeat it, or separate with commas)
    /// [env: CONVIO_PARTITION].
    #[arg(
        long = "partition",
        value_name = "ID",
        env = "CONVIO_PARTITION",
        value_delimiter = ',',
        default_value = "1001"
    )]
    pub(crate) partitions: Vec<usize>,
    /// Refuse response content the schema lacks (fields, attributes, record types) instead
    /// of keeping and printing it; the error names the element path.
    #[arg(long)]
    pub(crate) strict: bool,
    /// The site's WSDL (e.g. from `convio wsdl fetch`): its custom fields and record types
    /// order and check the fields of downloads and dynamic records [env: CONVIO_WSDL_FILE].
    #[arg(long, env = "CONVIO_WSDL_FILE")]
    pub(crate) wsdl: Option<PathBuf>,
}

pub(crate) async fn start_embedded(connection: &Connection) -> Result<Emulator, Failure> {
    Emulator::builder()
        .admin(&connection.user, &connection.password)
        .partition(connection.partition() as u64)
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
    pub(crate) fn partition(&self) -> usize {
        self.partitions.first().copied().unwrap_or(1001)
    }
}

/// The client for a connection, and the embedded emulator it talks to (kept alive).
pub(crate) async fn connect(
    connection: &Connection,
) -> Result<(Client, Option<Emulator>), Failure> {
    let (endpoint, emulator) = match (&connection.endpoint, connection.emulator) {
        (Some(endpoint), false) => (endpoint.clone(), None),
        _ => {
            let emulator = start_embedded(connection).await?;
            (emulator.soap_url(), Some(emulator))
        }
    };
    let mut builder = Client::builder()
        .endpoint(endpoint)
        .credentials(&connection.user, &connection.password)
        .partition(connection.partition())
        .strict(connection.strict);
    if let Some(wsdl) = &connection.wsdl {
        builder = builder.wsdl_file(wsdl);
    }
    Ok((builder.build()?, emulator))
}
