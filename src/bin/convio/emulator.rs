//! `convio emulator`: an emulated site served until interrupted.

use std::fs::{self};
use std::io::{self, Write as _};
use std::path::PathBuf;

use clap::Args;
use convio::emulator::{self, Emulator};
use convio::AnyRecord;

use crate::failure::{io_failure, usage, Failure};
use crate::output::terminal_safe;

#[derive(Args, Clone)]
pub(crate) struct EmulatorArgs {
    /// Address to listen on (loopback unless --allow-remote).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) listen: String,
    /// Allow listening on an address other than loopback. The emulator is a test double,
    /// not a production server: plain HTTP, test credentials, test data.
    #[arg(long)]
    pub(crate) allow_remote: bool,
    /// Site short name.
    #[arg(long, default_value = "demo")]
    pub(crate) site: String,
    /// API administrator user name.
    #[arg(long, default_value = emulator::DEFAULT_ADMIN_USER)]
    pub(crate) admin_user: String,
    /// API administrator password (better given in the environment: a command line is
    /// visible to every user of the machine).
    #[arg(
        long,
        env = "CONVIO_EMULATOR_PASSWORD",
        hide_env_values = true,
        default_value = emulator::DEFAULT_ADMIN_PASSWORD
    )]
    pub(crate) admin_password: String,
    /// A further API user, NAME:PASSWORD (repeatable). Each user's changes are attributed
    /// to it: a synchronization downloads the other users' changes, not its own. Also
    /// CONVIO_EMULATOR_USERS (NAME:PASSWORD entries separated by whitespace) when no --user
    /// is given.
    #[arg(long = "user", value_name = "NAME:PASSWORD")]
    pub(crate) users: Vec<String>,
    /// Partition id.
    #[arg(long, default_value_t = 1001)]
    pub(crate) partition: u64,
    /// Number of sample constituents to add.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: usize,
    /// Fill every field of the sample constituents (for benchmarks: pages of full records).
    #[arg(long)]
    pub(crate) seed_full: bool,
    /// Number of sample donations (Donation records, download only) by the sample
    /// constituents.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed_donations: usize,
    /// Number of sample online store orders (ProductOrder records, download only) by the
    /// sample constituents.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed_orders: usize,
    /// Number of sample action alert responses (ActionAlertResponse records, inserts only).
    #[arg(long, default_value_t = 0)]
    pub(crate) seed_alert_responses: usize,
    /// Server API key.
    #[arg(
        long,
        env = "CONVIO_EMULATOR_API_KEY",
        hide_env_values = true,
        default_value = emulator::DEFAULT_API_KEY
    )]
    pub(crate) api_key: String,
    /// Let two constituents share a primary email.
    #[arg(long)]
    pub(crate) allow_duplicate_emails: bool,
    /// Serve this WSDL (e.g. a site's own) at `/wsdl`, with the emulator's address in it, and
    /// accept the record fields its inline schemas declare (a site's custom fields).
    #[arg(long)]
    pub(crate) wsdl: Option<PathBuf>,
}

/// The further API users: `--user` values, else `CONVIO_EMULATOR_USERS`.
fn api_users(args: &EmulatorArgs) -> Result<Vec<(String, String)>, Failure> {
    let from_env;
    let (entries, source): (Vec<&str>, &str) = if args.users.is_empty() {
        from_env = std::env::var("CONVIO_EMULATOR_USERS").unwrap_or_default();
        (
            from_env.split_whitespace().collect(),
            "CONVIO_EMULATOR_USERS",
        )
    } else {
        (args.users.iter().map(String::as_str).collect(), "--user")
    };
    entries
        .into_iter()
        .map(|entry| match entry.split_once(':') {
            Some((name, password)) if !name.trim().is_empty() && !password.is_empty() => {
                Ok((name.trim().to_string(), password.to_string()))
            }
            // The entry is not echoed: it may hold a password.
            _ => Err(usage(format!(
                "{source}: expected NAME:PASSWORD (a user name, a colon, a password)"
            ))),
        })
        .collect()
}

/// Whether every address `listen` names is a loopback address.
async fn is_loopback(listen: &str) -> Result<bool, Failure> {
    let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host(listen)
        .await
        .map_err(|error| usage(format!("--listen {listen}: {error}")))?
        .collect();
    Ok(!addresses.is_empty() && addresses.iter().all(|a| a.ip().is_loopback()))
}

pub(crate) async fn serve_emulator(args: EmulatorArgs) -> Result<(), Failure> {
    let users = api_users(&args)?;
    if !is_loopback(&args.listen).await? {
        if !args.allow_remote {
            return Err(usage(format!(
                "--listen {} is not a loopback address; the emulator is a test double, not a \
                 production server (plain HTTP, test credentials): pass --allow-remote to \
                 listen beyond this machine",
                args.listen
            )));
        }
        eprintln!(
            "warning: listening on {} beyond loopback (--allow-remote): the emulator is a test \
             double, not a production server; it speaks plain HTTP and anyone who can reach it \
             can use its test credentials",
            args.listen
        );
    }
    for (flag, count) in [
        ("--seed-donations", args.seed_donations),
        ("--seed-orders", args.seed_orders),
        ("--seed-alert-responses", args.seed_alert_responses),
    ] {
        if count > 0 && args.seed == 0 {
            return Err(usage(format!(
                "{flag} needs sample constituents to make them: add --seed N"
            )));
        }
    }
    let mut builder = Emulator::builder();
    if let Some(path) = &args.wsdl {
        let text =
            fs::read_to_string(path).map_err(|e| usage(format!("{}: {e}", path.display())))?;
        builder = builder.wsdl(text)?;
    }
    for (name, password) in &users {
        builder = builder.user(name, password);
    }
    let emulator = builder
        .site(&args.site)
        .admin(&args.admin_user, &args.admin_password)
        .partition(args.partition)
        .api_key(&args.api_key)
        .unique_email(!args.allow_duplicate_emails)
        .seed(args.seed)
        .seed_full(args.seed_full)
        .seed_donations(args.seed_donations)
        .seed_orders(args.seed_orders)
        .seed_alert_responses(args.seed_alert_responses)
        .allow_remote(args.allow_remote)
        .start(&args.listen)
        .await
        .map_err(|error| Failure {
            status: 3,
            message: format!("cannot listen on {}: {error}", args.listen),
        })?;
    println!("SOAP endpoint:   {}", emulator.soap_url());
    println!("WSDL:            {}", emulator.wsdl_url());
    let schema = emulator.site().schema();
    for (record_type, fields) in schema.custom_fields() {
        if AnyRecord::is_typed(&record_type) {
            println!(
                "Custom fields:   {}: {}",
                terminal_safe(&record_type),
                terminal_safe(&fields.join(", "))
            );
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
            terminal_safe(&untyped.join(", "))
        );
    }
    println!(
        "Server API:      {}/site/SRConsAPI",
        emulator.server_api_base()
    );
    println!("admin user:      {}", args.admin_user);
    if !users.is_empty() {
        let names: Vec<&str> = users.iter().map(|(name, _)| name.as_str()).collect();
        println!("API users:       {}", names.join(", "));
    }
    println!("partition id:    {}", args.partition);
    println!("constituents:    {}", args.seed);
    for (what, count) in [
        ("donations:      ", args.seed_donations),
        ("orders:         ", args.seed_orders),
        ("alert responses:", args.seed_alert_responses),
    ] {
        if count > 0 {
            println!("{what} {count}");
        }
    }
    println!("serving until interrupted (Ctrl-C)");
    io::stdout().flush().map_err(io_failure)?;
    tokio::signal::ctrl_c().await.map_err(io_failure)?;
    emulator.shutdown().await;
    Ok(())
}
