//! `convio`: the command-line front end.
//!
//! Without `--endpoint` (or `CONVIO_SOAP_URL`) every command runs against an emulator
//! started in-process, so everything works with no Luminate site.
//!
//! Exit status: 0 success; 1 the server refused something (a fault, a refused record, an
//! errorResponse); 2 invalid usage or input (unknown field path, bad id, bad option);
//! 3 the endpoint could not be reached or the exchange failed.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use convio::emulator::Emulator;
use convio::server_api::{ConsParams, ResponseFormat, ServerApiClient};
use convio::soap::{
    record_from_paths, record_to_paths, Client, EmailOptIn, IncrementalKind, NewConstituent,
    SyncOptions,
};
use convio::{AnyRecord, Error, Field};

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
    Sync {
        #[command(flatten)]
        connection: Connection,
        /// Output file (one JSON object per line); `<out>.state` keeps the position.
        #[arg(long)]
        out: PathBuf,
        /// Record type to download.
        #[arg(long, default_value = "Constituent")]
        record_type: String,
        /// Fields to download (any order; sent in schema order).
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "ConsId,MemberId,ConsName.FirstName,ConsName.LastName,PrimaryEmail"
        )]
        fields: Vec<String>,
    },
}

#[derive(Subcommand)]
enum WsdlCommand {
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

#[derive(Args, Clone)]
struct EmulatorArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Site short name.
    #[arg(long, default_value = "demo")]
    site: String,
    /// API administrator user name.
    #[arg(long, default_value = "apiuser")]
    admin_user: String,
    /// API administrator password.
    #[arg(long, default_value = "secret")]
    admin_password: String,
    /// Partition id.
    #[arg(long, default_value_t = 1001)]
    partition: u64,
    /// Number of sample constituents to add.
    #[arg(long, default_value_t = 0)]
    seed: usize,
    /// Server API key.
    #[arg(long, default_value = "demo-api-key")]
    api_key: String,
    /// Let two constituents share a primary email.
    #[arg(long)]
    allow_duplicate_emails: bool,
    /// Serve this WSDL (e.g. a site's own) at `/wsdl`, with the emulator's address in it, and
    /// accept the record fields its inline schemas declare (a site's custom fields).
    #[arg(long)]
    wsdl: Option<PathBuf>,
}

#[derive(Args, Clone)]
struct Connection {
    /// SOAP endpoint `https://webservices.clusterN.convio.net/1.0/{site}`; without it an
    /// in-process emulator is used [env: CONVIO_SOAP_URL].
    #[arg(long, env = "CONVIO_SOAP_URL")]
    endpoint: Option<String>,
    /// Use the in-process emulator even if an endpoint is configured.
    #[arg(long)]
    emulator: bool,
    /// API administrator user name [env: CONVIO_USER].
    #[arg(long, env = "CONVIO_USER", default_value = "apiuser")]
    user: String,
    /// API administrator password [env: CONVIO_PASSWORD].
    #[arg(
        long,
        env = "CONVIO_PASSWORD",
        hide_env_values = true,
        default_value = "secret"
    )]
    password: String,
    /// Partition for data calls [env: CONVIO_PARTITION].
    #[arg(long, env = "CONVIO_PARTITION", default_value_t = 1001)]
    partition: usize,
    /// Refuse response content the schema lacks (fields, attributes, record types) instead
    /// of keeping and printing it; the error names the element path.
    #[arg(long)]
    strict: bool,
    /// The site's WSDL (e.g. from `convio wsdl fetch`): its custom fields and record types
    /// order and check the fields of downloads and dynamic records [env: CONVIO_WSDL_FILE].
    #[arg(long, env = "CONVIO_WSDL_FILE")]
    wsdl: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
enum WireFormat {
    Xml,
    Json,
}

/// A failure with its exit status.
struct Failure {
    status: u8,
    message: String,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            status: exit_status(&error),
            message: error.to_string(),
        }
    }
}

fn exit_status(error: &Error) -> u8 {
    match error {
        Error::InvalidArgument(_) | Error::Configuration(_) | Error::Encode(_) => 2,
        Error::Transport { .. } | Error::OutcomeUnknown { .. } | Error::HttpStatus { .. } => 3,
        Error::BatchInterrupted { source, .. } => exit_status(source),
        _ => 1,
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        status: 2,
        message: message.into(),
    }
}

fn io_failure(error: io::Error) -> Failure {
    Failure {
        status: 1,
        message: error.to_string(),
    }
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
        Command::Sync {
            connection,
            out,
            record_type,
            fields,
        } => {
            let (client, _emulator) = connect(&connection).await?;
            sync(&client, &out, &record_type, &fields).await
        }
    }
}

/// Downloads `{endpoint}/wsdl` (the in-process emulator's without an endpoint).
async fn wsdl_fetch(endpoint: Option<String>, out: &Path) -> Result<(), Failure> {
    let (endpoint, _emulator) = match endpoint {
        Some(endpoint) => (endpoint, None),
        None => {
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
    let transport_error = |source| Error::Transport {
        operation: "wsdl fetch",
        source,
    };
    convio::transport::check_endpoint(&url, false).map_err(transport_error)?;
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
            message: format!("{url}: HTTP {}", response.status()),
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

async fn serve_emulator(args: EmulatorArgs) -> Result<(), Failure> {
    let mut builder = Emulator::builder();
    if let Some(path) = &args.wsdl {
        let text =
            fs::read_to_string(path).map_err(|e| usage(format!("{}: {e}", path.display())))?;
        builder = builder.wsdl(text)?;
    }
    let emulator = builder
        .site(&args.site)
        .admin(&args.admin_user, &args.admin_password)
        .partition(args.partition)
        .api_key(&args.api_key)
        .unique_email(!args.allow_duplicate_emails)
        .seed(args.seed)
        .start(&args.listen)
        .await
        .map_err(|error| Failure {
            status: 3,
            message: format!("cannot listen on {}: {error}", args.listen),
        })?;
    println!("SOAP endpoint:   {}", emulator.soap_url());
    println!("WSDL:            {}", emulator.wsdl_url());
    let schema = emulator.with_state(|state| std::sync::Arc::clone(&state.settings.schema));
    for (record_type, fields) in schema.custom_fields() {
        if AnyRecord::is_typed(&record_type) {
            println!("Custom fields:   {record_type}: {}", fields.join(", "));
        }
    }
    let untyped: Vec<&str> = schema
        .record_types()
        .map(|(name, _)| name)
        .filter(|name| !AnyRecord::is_typed(name))
        .collect();
    if !untyped.is_empty() {
        println!(
            "Record types:    {} (not in the bundled schema: read as dynamic records)",
            untyped.join(", ")
        );
    }
    println!(
        "Server API:      {}/site/SRConsAPI",
        emulator.server_api_base()
    );
    println!("admin user:      {}", args.admin_user);
    println!("partition id:    {}", args.partition);
    println!("constituents:    {}", args.seed);
    println!("serving until interrupted (Ctrl-C)");
    io::stdout().flush().map_err(io_failure)?;
    tokio::signal::ctrl_c().await.map_err(io_failure)?;
    emulator.shutdown().await;
    Ok(())
}

async fn start_embedded(connection: &Connection) -> Result<Emulator, Failure> {
    Emulator::builder()
        .admin(&connection.user, &connection.password)
        .partition(connection.partition as u64)
        .seed(25)
        .start("127.0.0.1:0")
        .await
        .map_err(|error| Failure {
            status: 3,
            message: format!("cannot start the emulator: {error}"),
        })
}

/// The client for a connection, and the embedded emulator it talks to (kept alive).
async fn connect(connection: &Connection) -> Result<(Client, Option<Emulator>), Failure> {
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
        .partition(connection.partition)
        .strict(connection.strict);
    if let Some(wsdl) = &connection.wsdl {
        builder = builder.wsdl_file(wsdl);
    }
    Ok((builder.build()?, emulator))
}

fn print_rows(rows: &[Vec<(String, Field<String>)>], format: Format) {
    let mut columns: Vec<String> = Vec::new();
    for row in rows {
        for (path, _) in row {
            if !columns.contains(path) {
                columns.push(path.clone());
            }
        }
    }
    let cell = |row: &[(String, Field<String>)], column: &str| -> Option<String> {
        let values: Vec<&str> = row
            .iter()
            .filter(|(p, _)| p == column)
            .filter_map(|(_, v)| v.as_option().map(String::as_str))
            .collect();
        (!values.is_empty()).then(|| values.join(";"))
    };
    match format {
        Format::Json => {
            for row in rows {
                println!("{}", row_json(row));
            }
        }
        Format::Csv => {
            println!(
                "{}",
                columns
                    .iter()
                    .map(|c| csv_escape(c))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            for row in rows {
                let line: Vec<String> = columns
                    .iter()
                    .map(|c| csv_escape(&cell(row, c).unwrap_or_default()))
                    .collect();
                println!("{}", line.join(","));
            }
        }
        Format::Table => {
            let widths: Vec<usize> = columns
                .iter()
                .map(|c| {
                    rows.iter()
                        .map(|r| cell(r, c).map_or(1, |v| v.chars().count()))
                        .max()
                        .unwrap_or(0)
                        .max(c.len())
                })
                .collect();
            let line = |cells: Vec<String>| {
                cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            println!("{}", line(columns.clone()));
            println!("{}", line(widths.iter().map(|w| "-".repeat(*w)).collect()));
            for row in rows {
                println!(
                    "{}",
                    line(
                        columns
                            .iter()
                            .map(|c| cell(row, c).unwrap_or_else(|| "-".into()))
                            .collect()
                    )
                );
            }
            println!("({} records)", rows.len());
        }
    }
}

fn csv_escape(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// A record as a JSON object: paths to strings, nil to null, repeated fields to arrays.
fn row_json(row: &[(String, Field<String>)]) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    for (path, value) in row {
        let value = match value {
            Field::Value(text) => serde_json::Value::String(text.clone()),
            Field::Nil | Field::Absent => serde_json::Value::Null,
        };
        match object.get_mut(path) {
            Some(serde_json::Value::Array(items)) => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = serde_json::Value::Array(vec![first, value]);
            }
            None => {
                object.insert(path.clone(), value);
            }
        }
    }
    serde_json::Value::Object(object)
}

/// Where an interrupted sync stands, kept next to the output file.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct SyncPosition {
    sync_id: usize,
    /// 0 inserts, 1 updates, 2 deletes.
    phase: usize,
    next_page: usize,
    /// Bytes of the output that are complete pages.
    bytes: u64,
    records: u64,
}

async fn sync(
    client: &Client,
    out: &Path,
    record_type: &str,
    fields: &[String],
) -> Result<(), Failure> {
    let state_path = PathBuf::from(format!("{}.state", out.display()));
    let mut position: SyncPosition = match fs::read_to_string(&state_path) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| usage(format!("{}: {e}", state_path.display())))?,
        Err(_) => SyncPosition::default(),
    };
    if position.sync_id == 0 {
        let window = client.start_synchronization(SyncOptions::default()).await?;
        position = SyncPosition {
            sync_id: window.sync_id,
            phase: 0,
            next_page: 1,
            bytes: 0,
            records: 0,
        };
        File::create(out).map_err(io_failure)?;
        eprintln!(
            "synchronization {} opened: {} .. {}",
            window.sync_id, window.start, window.end
        );
    } else {
        eprintln!(
            "resuming synchronization {} at phase {} page {}",
            position.sync_id, position.phase, position.next_page
        );
    }
    // Drop anything written after the last complete page.
    let file = OpenOptions::new()
        .write(true)
        .open(out)
        .map_err(io_failure)?;
    file.set_len(position.bytes).map_err(io_failure)?;
    drop(file);
    let mut output = BufWriter::new(
        OpenOptions::new()
            .append(true)
            .open(out)
            .map_err(io_failure)?,
    );
    let progress = indicatif::ProgressBar::new_spinner();
    progress.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} records {msg} ({per_sec})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    progress.set_position(position.records);
    let started = std::time::Instant::now();
    let start_records = position.records;
    let phases = [
        (IncrementalKind::Inserts, "insert"),
        (IncrementalKind::Updates, "update"),
        (IncrementalKind::Deletes, "delete"),
    ];
    while position.phase < phases.len() {
        let (kind, label) = phases[position.phase];
        progress.set_message(format!("{label}s"));
        let pages = match kind {
            IncrementalKind::Inserts => client.incremental_inserts(record_type, fields),
            IncrementalKind::Updates => client.incremental_updates(record_type, fields),
            IncrementalKind::Deletes => client.incremental_deletes(record_type, fields),
        };
        let mut pages = pages?.starting_at(position.next_page);
        while let Some(records) = pages.next_page().await? {
            for record in &records {
                let line = serde_json::json!({ "change": label, "type": record.type_name(), "fields": row_json(&record_to_paths(record)?) });
                writeln!(output, "{line}").map_err(io_failure)?;
            }
            output.flush().map_err(io_failure)?;
            position.records += records.len() as u64;
            position.next_page = pages.next_page_number();
            position.bytes = fs::metadata(out).map_err(io_failure)?.len();
            save(&state_path, &position)?;
            progress.set_position(position.records);
        }
        position.phase += 1;
        position.next_page = 1;
        save(&state_path, &position)?;
    }
    client.end_synchronization(None).await?;
    fs::remove_file(&state_path).map_err(io_failure)?;
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let fetched = position.records - start_records;
    println!(
        "synchronization {} complete: {} records in {} ({:.0} records/s, {:.2} s)",
        position.sync_id,
        position.records,
        out.display(),
        fetched as f64 / seconds.max(1e-9),
        seconds
    );
    Ok(())
}

fn save(path: &Path, position: &SyncPosition) -> Result<(), Failure> {
    let text = serde_json::to_string(position).map_err(|e| usage(e.to_string()))?;
    fs::write(path, text).map_err(io_failure)
}

/// The demo's secrets: distinctive, so that a test can check they are never printed.
const DEMO_PASSWORD: &str = "demo-Pa55w0rd-never-printed";
const DEMO_API_KEY: &str = "demo-api-key-never-printed";

async fn demo() -> Result<(), Failure> {
    let emulator = Emulator::builder()
        .admin("apiuser", DEMO_PASSWORD)
        .api_key(DEMO_API_KEY)
        .seed(3)
        .start("127.0.0.1:0")
        .await
        .map_err(io_failure)?;
    println!(
        "== An emulated Luminate site is listening at {}",
        emulator.soap_url()
    );
    let client = Client::builder()
        .endpoint(emulator.soap_url())
        .credentials("apiuser", DEMO_PASSWORD)
        .partition(1001)
        .build()?;

    client.login().await?;
    println!(
        "\n== Login: a session is open (the token stays inside the client; it is never printed)"
    );
    println!("server time: {}", client.get_server_time().await?);

    println!(
        "\n== Create, opting in to email explicitly (new constituents are opted out otherwise)"
    );
    let created = client
        .create([NewConstituent::new("ada@example.org", EmailOptIn::OptedIn)
            .name("Ada", "Lovelace")
            .member_id("CRM-1815")
            .into()])
        .await?;
    let result = created.iter().next().ok_or_else(|| usage("no result"))?;
    let cons_id = match &result.record {
        Some(AnyRecord::Constituent(c)) => c.cons_id.unwrap_or_default(),
        _ => 0,
    };
    println!(
        "{}: {} (ConsId {cons_id})",
        result.code,
        result.message.as_deref().unwrap_or("")
    );

    let show = |title: &'static str| {
        let client = client.clone();
        async move {
            let mut pages = client.query(format!(
                "select ConsId, ConsName.FirstName, ConsName.MiddleName, ConsName.Suffix, AcceptsEmail from Constituent where ConsId = {cons_id}"
            ));
            let records = pages.next_page().await?.unwrap_or_default();
            println!("{title}");
            for record in &records {
                for (path, value) in record_to_paths(record)? {
                    let shown = match value {
                        Field::Value(text) => format!("{text:?}"),
                        Field::Nil => "nil".into(),
                        Field::Absent => "absent".into(),
                    };
                    println!("  {path:<20} {shown}");
                }
            }
            Ok::<(), Error>(())
        }
    };

    let update = |pairs: Vec<(&str, Field<String>)>| {
        let mut all = vec![("ConsId".to_string(), Field::Value(cons_id.to_string()))];
        all.extend(pairs.into_iter().map(|(p, v)| (p.to_string(), v)));
        record_from_paths("Constituent", &all)
    };
    println!("\n== Update with values: MiddleName and Suffix set");
    client
        .update([update(vec![
            ("ConsName.MiddleName", Field::Value("King".into())),
            ("ConsName.Suffix", Field::Value("Countess".into())),
        ])?])
        .await?;
    show("queried back:").await?;
    println!("\n== Update with nil: Suffix cleared (xsi:nil), MiddleName absent (left as it is)");
    client
        .update([update(vec![("ConsName.Suffix", Field::Nil)])?])
        .await?;
    show("queried back:").await?;
    println!(
        "\n== Update with an empty value: refused before sending (the server would ignore it)"
    );
    match client
        .update([update(vec![(
            "ConsName.MiddleName",
            Field::Value(String::new()),
        )])?])
        .await
    {
        Err(error) => println!("refused: {error}"),
        Ok(_) => return Err(usage("an empty value was sent")),
    }

    for format in [ResponseFormat::Xml, ResponseFormat::Json] {
        println!("\n== Server API createOrUpdate ({})", format.as_str());
        let server_api = ServerApiClient::builder()
            .base_url(emulator.server_api_base())
            .api_key(DEMO_API_KEY)
            .credentials("apiuser", DEMO_PASSWORD)
            .response_format(format)
            .build()?;
        let email = format!("grace.{}@example.org", format.as_str());
        let params = ConsParams::new()
            .primary_email(&email)
            .field("name.first", "Grace")
            .field("name.last", "Hopper")
            .add_group_ids([1010]);
        let created = server_api.create_or_update(&params).await?;
        println!(
            "{email}: {} (cons_id {:?})",
            created
                .message
                .as_option()
                .map(|m| m.as_str())
                .unwrap_or(""),
            created.cons_id
        );
        let updated = server_api
            .create_or_update(
                &ConsParams::new()
                    .primary_email(&email)
                    .field("name.middle", "Brewster"),
            )
            .await?;
        println!(
            "{email} again: {} (cons_id {:?})",
            updated
                .message
                .as_option()
                .map(|m| m.as_str())
                .unwrap_or(""),
            updated.cons_id
        );
    }

    println!("\n== A fault: StartSynchronization twice on the same partition");
    client.start_synchronization(SyncOptions::default()).await?;
    match client.start_synchronization(SyncOptions::default()).await {
        Err(Error::Fault(fault)) => println!("{fault}"),
        other => println!("unexpected: {other:?}"),
    }
    client.end_synchronization(None).await?;

    println!("\n== Per-record results: updating a ConsId that does not exist");
    let missing = client
        .update([update(vec![])?].map(|r| match r {
            AnyRecord::Constituent(mut c) => {
                c.cons_id = Some(999_999);
                AnyRecord::Constituent(c)
            }
            other => other,
        }))
        .await?;
    for result in missing.iter() {
        println!(
            "record {}: {} {}",
            result.index,
            result.code,
            result.message.as_deref().unwrap_or("")
        );
    }

    client.logout().await?;
    println!(
        "\n== Logged out; {} login(s) in this run",
        client.login_count()
    );
    emulator.shutdown().await;
    Ok(())
}
