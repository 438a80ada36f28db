//! `convio wsdl fetch` and `convio wsdl diff`.

use std::fs::{self};
use std::path::{Path, PathBuf};

use clap::Subcommand;
use convio::emulator::Emulator;
use convio::Error;

use crate::connection::{check_url, emulator_without_endpoint, Setting};
use crate::failure::{io_failure, usage, Failure};
use crate::output::terminal_safe;

#[derive(Subcommand)]
pub(crate) enum WsdlCommand {
    /// Download `{endpoint}/wsdl` to a file (without --endpoint: the in-process emulator's).
    Fetch {
        /// SOAP endpoint `https://webservices.clusterN.convio.net/1.0/{site}` [env: CONVIO_SOAP_URL].
        #[arg(long, env = "CONVIO_SOAP_URL")]
        endpoint: Option<String>,
        /// Where to write the WSDL.
        #[arg(long)]
        out: PathBuf,
    },
    /// List the operations, types and fields added, removed or changed from OLD to NEW.
    Diff {
        /// The current WSDL.
        old: PathBuf,
        /// The new WSDL.
        new: PathBuf,
    },
}

/// Downloads `{endpoint}/wsdl` (the in-process emulator's without an endpoint).
pub(crate) async fn wsdl_fetch(endpoint: Option<String>, out: &Path) -> Result<(), Failure> {
    let use_emulator = emulator_without_endpoint(
        false,
        Setting::new("--endpoint", "CONVIO_SOAP_URL", endpoint.as_deref()),
        &[],
        "--endpoint URL (or CONVIO_SOAP_URL)",
    )?;
    let (endpoint, _emulator) = match endpoint {
        Some(endpoint) if !use_emulator => (endpoint, None),
        _ => {
            let emulator = Emulator::builder()
                .start("127.0.0.1:0")
                .await
                .map_err(|e| Failure {
                    status: 3,
                    message: format!("cannot start the emulator: {e}"),
                })?;
            (emulator.soap_url(), Some(emulator))
        }
    };
    let url = format!("{}/wsdl", endpoint.trim_end_matches('/'));
    let transport_error = |source: convio::transport::TransportError| {
        if source.is_configuration() {
            Error::Configuration(source.to_string())
        } else {
            Error::Transport {
                operation: "wsdl fetch",
                source,
            }
        }
    };
    check_url("--endpoint", &url)?;
    let transport = convio::transport::HyperTransport::builder()
        .build()
        .map_err(transport_error)?;
    let mut request = hyper::Request::new(bytes::Bytes::new());
    *request.uri_mut() = url.parse().map_err(|e| usage(format!("{url}: {e}")))?;
    let response = convio::transport::Transport::send(&transport, request)
        .await
        .map_err(transport_error)?;
    if !response.status().is_success() {
        return Err(Failure {
            status: 3,
            message: format!("{}: HTTP {}", terminal_safe(&url), response.status()),
        });
    }
    // Refuse to save something that is not a WSDL.
    let summary = convio::wsdl::WsdlSummary::parse(response.body())?;
    if summary.operations.is_empty() {
        return Err(Failure {
            status: 1,
            message: format!("{url} did not return a WSDL with operations"),
        });
    }
    fs::write(out, response.body()).map_err(io_failure)?;
    println!(
        "{} bytes from {url} written to {} ({} operations)",
        response.body().len(),
        out.display(),
        summary.operations.len()
    );
    Ok(())
}
