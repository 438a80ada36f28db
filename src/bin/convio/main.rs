//! `convio`: the command-line front end.
//!
//! Without `--endpoint` (or `CONVIO_SOAP_URL`) every command runs against an emulator
//! started in-process, so everything works with no Luminate site.
//!
//! Exit status: 0 success; 1 the server refused something (a fault, a refused record, an
//! errorResponse); 2 invalid usage or input (unknown field path, bad id, bad option);
//! 3 the endpoint could not be reached or the exchange failed.

mod connection;
mod demo;
mod emulator;
mod failure;
mod output;
mod sync;
mod wsdl;

use std::io;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use convio::server_api::{ConsParams, ResponseFormat, ServerApiClient};
use convio::soap::{record_from_paths, record_to_paths};
use convio::Field;

use connection::{connect, start_embedded, Connection};
use demo::demo;
use emulator::{serve_emulator, EmulatorArgs};
use failure::{usage, Failure};
use output::{print_rows, Format};
use sync::sync;
use wsdl::{wsdl_fetch, WsdlCommand};

#[derive(Parser)]
#[command(
    name = "convio",
    version,
    about = "Luminate Online (Convio) SOAP and Server API client, with an offline emulator"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve an emulated Luminate site until interrupted.
    Emulator(EmulatorArgs),
    /// Walk through the APIs end to end against an in-process emulator.
    Demo,
    /// Log in and print the server time.
    Login(Connection),
    /// Run a query and print the records.
    Query {
        #[command(flatten)]
        connection: Connection,
        /// `select <fields> from <RecordType> [where <field> = <value> [and ...]]`
        query: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Records per request (1 to 200).
        #[arg(long, default_value_t = 200)]
        page_size: usize,
    },
    /// Update one constituent: --set PATH=VALUE sets, --nil PATH clears, the rest is unchanged.
    Update {
        #[command(flatten)]
        connection: Connection,
        /// Locate by ConsId.
        #[arg(long)]
        cons_id: Option<u64>,
        /// Locate (or, with --cons-id, update) by MemberId.
        #[arg(long)]
        member_id: Option<String>,
        /// Locate (or, with a stronger key, update) by PrimaryEmail.
        #[arg(long)]
        email: Option<String>,
        /// A field to set, e.g. `ConsName.MiddleName=Williamson` (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// A field to clear, e.g. `ConsName.Suffix` (repeatable).
        #[arg(long = "nil", value_name = "PATH")]
        nil: Vec<String>,
    },
    /// createOrUpdate through the Server API.
    CreateOrUpdate {
        #[command(flatten)]
        connection: Connection,
        /// Server API base, `https://{secure-domain}/{organization}` [env: CONVIO_SERVER_API_BASE].
        #[arg(long, env = "CONVIO_SERVER_API_BASE")]
        server_api_base: Option<String>,
        /// Open API key [env: CONVIO_API_KEY].
        #[arg(long, env = "CONVIO_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
        /// cons_id
        #[arg(long)]
        cons_id: Option<u64>,
        /// member_id
        #[arg(long)]
        member_id: Option<String>,
        /// primary_email
        #[arg(long)]
        email: Option<String>,
        /// A constituent field, e.g. `name.first=Ada` (repeatable).
        #[arg(long = "field", value_name = "NAME=VALUE")]
        fields: Vec<String>,
        /// Group ids to add (1000 and above).
        #[arg(long, value_delimiter = ',')]
        add_group_ids: Vec<u64>,
        /// Response format asked of the server.
        #[arg(long, value_enum, default_value_t = WireFormat::Xml)]
        response_format: WireFormat,
    },
    /// Fetch a site's WSDL, or compare two.
    #[command(subcommand)]
    Wsdl(WsdlCommand),
    /// Download the changes of a synchronization window to NDJSON (resumable).
    /// Synchronize a partition two ways: upload local edits made in the database, download
    /// the window's inserts, updates and deletes, end the window. Resumable after a crash.
    Sync(sync::SyncArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum WireFormat {
    Xml,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Diagnostics go to stderr, filtered by RUST_LOG (default: warnings only). Secrets never
    // reach the log: the client logs operation names, not messages.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.status)
        }
    }
}

async fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Emulator(args) => serve_emulator(args).await,
        Command::Demo => demo().await,
        Command::Login(connection) => {
            let (client, _emulator) = connect(&connection).await?;
            client.login().await?;
            println!(
                "logged in as {}; server time {}",
                connection.user,
                client.get_server_time().await?
            );
            Ok(())
        }
        Command::Query {
            connection,
            query,
            format,
            page_size,
        } => {
            let (client, _emulator) = connect(&connection).await?;
            let mut pages = client.query(query).page_size(page_size)?;
            let mut rows = Vec::new();
            while let Some(records) = pages.next_page().await? {
                for record in &records {
                    rows.push(record_to_paths(record)?);
                }
            }
            print_rows(&rows, format);
            Ok(())
        }
        Command::Update {
            connection,
            cons_id,
            member_id,
            email,
            set,
            nil,
        } => {
            let mut pairs: Vec<(String, Field<String>)> = Vec::new();
            if cons_id.is_none() && member_id.is_none() && email.is_none() {
                return Err(usage(
                    "give --cons-id, --member-id or --email to locate the record",
                ));
            }
            if let Some(id) = cons_id {
                pairs.push(("ConsId".into(), Field::Value(id.to_string())));
            }
            if let Some(member_id) = member_id {
                pairs.push(("MemberId".into(), Field::Value(member_id)));
            }
            if let Some(email) = email {
                pairs.push(("PrimaryEmail".into(), Field::Value(email)));
            }
            for assignment in set {
                let (path, value) = assignment
                    .split_once('=')
                    .ok_or_else(|| usage(format!("--set {assignment}: expected PATH=VALUE")))?;
                if value.is_empty() {
                    return Err(usage(format!("--set {path}: an empty value would leave the field unchanged; use --nil {path} to clear it")));
                }
                pairs.push((path.trim().to_string(), Field::Value(value.to_string())));
            }
            for path in nil {
                pairs.push((path.trim().to_string(), Field::Nil));
            }
            let record = record_from_paths("Constituent", &pairs)?;
            let (client, _emulator) = connect(&connection).await?;
            let results = client.update([record]).await?;
            for result in results.iter() {
                println!(
                    "{}: {}",
                    result.code,
                    result.message.as_deref().unwrap_or("")
                );
            }
            if results.all_ok() {
                Ok(())
            } else {
                Err(Failure {
                    status: 1,
                    message: "the update was refused".into(),
                })
            }
        }
        Command::CreateOrUpdate {
            connection,
            server_api_base,
            api_key,
            cons_id,
            member_id,
            email,
            fields,
            add_group_ids,
            response_format,
        } => {
            let mut params = ConsParams::new();
            if let Some(id) = cons_id {
                params = params.cons_id(id);
            }
            if let Some(member_id) = member_id {
                params = params.member_id(member_id);
            }
            if let Some(email) = email {
                params = params.primary_email(email);
            }
            if !add_group_ids.is_empty() {
                params = params.add_group_ids(add_group_ids);
            }
            for field in fields {
                let (name, value) = field
                    .split_once('=')
                    .ok_or_else(|| usage(format!("--field {field}: expected NAME=VALUE")))?;
                params = params.field(name.trim(), value);
            }
            let format = match response_format {
                WireFormat::Xml => ResponseFormat::Xml,
                WireFormat::Json => ResponseFormat::Json,
            };
            let use_emulator = connection.emulator || server_api_base.is_none();
            let emulator = if use_emulator {
                Some(start_embedded(&connection).await?)
            } else {
                None
            };
            let (base, key) = match &emulator {
                Some(emulator) => (emulator.server_api_base(), "demo-api-key".to_string()),
                None => (
                    server_api_base.unwrap_or_default(),
                    api_key.ok_or_else(|| {
                        usage("--api-key (or CONVIO_API_KEY) is required with --server-api-base")
                    })?,
                ),
            };
            let client = ServerApiClient::builder()
                .base_url(base)
                .api_key(key)
                .credentials(&connection.user, &connection.password)
                .response_format(format)
                .build()?;
            let response = client.create_or_update(&params).await?;
            println!(
                "cons_id {}: {}",
                response
                    .cons_id
                    .map_or_else(|| "-".into(), |id| id.to_string()),
                response
                    .message
                    .as_option()
                    .map(|m| m.as_str())
                    .unwrap_or("")
            );
            Ok(())
        }
        Command::Wsdl(WsdlCommand::Fetch { endpoint, out }) => wsdl_fetch(endpoint, &out).await,
        Command::Wsdl(WsdlCommand::Diff { old, new }) => {
            let old = convio::wsdl::WsdlSummary::parse_file(&old)?;
            let new = convio::wsdl::WsdlSummary::parse_file(&new)?;
            let changes = old.diff(&new);
            for change in &changes {
                println!("{change}");
            }
            println!("{} change(s)", changes.len());
            Ok(())
        }
        Command::Sync(args) => sync(args).await,
    }
}
