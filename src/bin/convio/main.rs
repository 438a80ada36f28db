//! `convio`: the command-line front end.
//!
//! With no connection setting at all (no `--endpoint` / `CONVIO_SOAP_URL`, no credentials)
//! every command runs against an emulator started in-process, and says so on standard error;
//! `--emulator` asks for it explicitly. A real site needs its endpoint and credentials: none
//! are made up.
//!
//! Exit status: 0 success; 1 the server refused something (a fault, a refused record, an
//! errorResponse); 2 invalid usage, input or configuration (unknown field path, bad id, bad
//! option, missing credentials, an endpoint that is not https); 3 the endpoint could not be
//! reached or the exchange failed.

mod connection;
mod demo;
mod emulator;
mod failure;
mod output;
mod server_api;
mod sync;
mod wsdl;

use std::io::{self, IsTerminal as _};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use convio::server_api::ConsParams;
use convio::soap::{record_from_paths, record_to_paths};
use convio::Field;

use connection::{connect, Connection};
use demo::demo;
use emulator::{serve_emulator, EmulatorArgs};
use failure::{usage, Failure};
use output::{print_rows, terminal_safe, Format};
use server_api::{
    add_offline_donation, group_members, groups, name_value, refund_offline_donation, server_api,
    AddOfflineDonationArgs, GroupMembersArgs, GroupsArgs, RefundOfflineDonationArgs, ServerApiArgs,
    ServerApiConnection, WireFormat,
};
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
        page_size: u64,
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
        api: ServerApiConnection,
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
    /// Record a gift already processed elsewhere (SRDonationAPI addOfflineDonation).
    AddOfflineDonation(AddOfflineDonationArgs),
    /// Refund all or part of an offline gift this account added (SRDonationAPI
    /// refundOfflineDonation).
    RefundOfflineDonation(RefundOfflineDonationArgs),
    /// List the groups a constituent belongs to (SRConsAPI getUserGroups).
    Groups(GroupsArgs),
    /// List the members of a group (SRConsAPI getGroupMembers).
    GroupMembers(GroupMembersArgs),
    /// Call any Server API method and print the answer as sent (a documented method's
    /// answer is also read with its generated type; any other is passed through).
    ServerApi(ServerApiArgs),
    /// Fetch a site's WSDL, or compare two.
    #[command(subcommand)]
    Wsdl(WsdlCommand),
    /// Synchronize a partition two ways: upload local edits made in the database, download
    /// the window's inserts, updates and deletes, end the window. Resumable after a crash.
    Sync(sync::SyncArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Diagnostics go to stderr, filtered by RUST_LOG (default: warnings only). Secrets never
    // reach the log: the client logs operation names, not messages.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // Colour codes only for a terminal: not in a log file or a pipe.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal())
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
            // Messages carry server text (faults, errorResponses, excerpts of bodies).
            eprintln!("error: {}", terminal_safe(&failure.message));
            ExitCode::from(failure.status)
        }
    }
}

async fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Emulator(args) => serve_emulator(args).await,
        Command::Demo => demo().await,
        Command::Login(connection) => {
            let (client, emulator) = connect(&connection).await?;
            client.login().await?;
            let user = match &emulator {
                Some(_) => connection.emulator_credentials().0,
                None => connection.credentials().0,
            };
            println!(
                "logged in as {}; server time {}",
                terminal_safe(&user),
                terminal_safe(&client.get_server_time().await?)
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
                    rows.push(record_to_paths(record));
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
                    terminal_safe(&result.code.to_string()),
                    terminal_safe(result.message.as_deref().unwrap_or(""))
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
            api,
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
                let (name, value) = name_value("--field", &field)?;
                params = params.field(name, value);
            }
            let (client, emulator) = api
                .client("create-or-update", response_format.into())
                .await?;
            let response = client.create_or_update(&params).await?;
            println!(
                "cons_id {}: {}",
                response
                    .cons_id
                    .map_or_else(|| "-".into(), |id| id.to_string()),
                terminal_safe(
                    response
                        .message
                        .as_option()
                        .map(|m| m.as_str())
                        .unwrap_or("")
                )
            );
            drop(emulator);
            Ok(())
        }
        Command::Wsdl(WsdlCommand::Fetch { endpoint, out }) => wsdl_fetch(endpoint, &out).await,
        Command::Wsdl(WsdlCommand::Diff { old, new }) => {
            let old = convio::wsdl::WsdlSummary::parse_file(&old)?;
            let new = convio::wsdl::WsdlSummary::parse_file(&new)?;
            let changes = old.diff(&new);
            for change in &changes {
                println!("{}", terminal_safe(&change.to_string()));
            }
            println!("{} change(s)", changes.len());
            Ok(())
        }
        Command::Sync(args) => sync(args).await,
        Command::AddOfflineDonation(args) => add_offline_donation(args).await,
        Command::RefundOfflineDonation(args) => refund_offline_donation(args).await,
        Command::Groups(args) => groups(args).await,
        Command::GroupMembers(args) => group_members(args).await,
        Command::ServerApi(args) => server_api(args).await,
    }
}
