//! `convio emulator`: an emulated site served until interrupted.

use std::fs::{self};
use std::io::{self, Write as _};
use std::path::PathBuf;

use clap::Args;
use convio::emulator::Emulator;
use convio::AnyRecord;

use crate::failure::{io_failure, usage, Failure};

#[derive(Args, Clone)]
pub(crate) struct EmulatorArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) listen: String,
    /// Site short name.
    #[arg(long, default_value = "demo")]
    pub(crate) site: String,
    /// API administrator user name.
    #[arg(long, default_value = "apiuser")]
    pub(crate) admin_user: String,
    /// API administrator password.
    #[arg(long, default_value = "secret")]
    pub(crate) admin_password: String,
    /// Partition id.
    #[arg(long, default_value_t = 1001)]
    pub(crate) partition: u64,
    /// Number of sample constituents to add.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: usize,
    /// Server API key.
    #[arg(long, default_value = "demo-api-key")]
    pub(crate) api_key: String,
    /// Let two constituents share a primary email.
    #[arg(long)]
    pub(crate) allow_duplicate_emails: bool,
    /// Serve this WSDL (e.g. a site's own) at `/wsdl`, with the emulator's address in it, and
    /// accept the record fields its inline schemas declare (a site's custom fields).
    #[arg(long)]
    pub(crate) wsdl: Option<PathBuf>,
}

pub(crate) async fn serve_emulator(args: EmulatorArgs) -> Result<(), Failure> {
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
