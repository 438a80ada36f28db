//! The Server API commands: `create-or-update`, `add-offline-donation`, and `server-api`
//! for any method; one way to reach the Server API (a real site's base and key, or the
//! in-process emulator) shared by all three.

use clap::{Args, ValueEnum};
use convio::emulator::Emulator;
use convio::server_api::{
    read_answer, AnswerReading, Client as ServerApi, Lookup, OfflineDonation, OfflinePaymentMethod,
    ResponseFormat, Servlet,
};

use crate::connection::{
    check_url, emulator_without_endpoint, require, start_embedded, Connection, Setting,
};
use crate::failure::{usage, Failure};
use crate::output::{document_terminal_safe, terminal_safe};

/// Where the Server API is: a real site's base and key, or the in-process emulator.
#[derive(Args)]
pub(crate) struct ServerApiConnection {
    #[command(flatten)]
    pub(crate) connection: Connection,
    /// Server API base, `https://{secure-domain}/{organization}`; required for a real
    /// site (without it and any other connection setting: an in-process emulator)
    /// [env: CONVIO_SERVER_API_BASE].
    #[arg(long, env = "CONVIO_SERVER_API_BASE")]
    server_api_base: Option<String>,
    /// Open API key; required with --server-api-base [env: CONVIO_API_KEY].
    #[arg(long, env = "CONVIO_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum WireFormat {
    Xml,
    Json,
}

impl From<WireFormat> for ResponseFormat {
    fn from(format: WireFormat) -> Self {
        match format {
            WireFormat::Xml => ResponseFormat::Xml,
            WireFormat::Json => ResponseFormat::Json,
        }
    }
}

impl ServerApiConnection {
    /// The client, and the emulator it talks to when one was started (keep it alive while
    /// the client is used). `command` names the command in usage messages.
    pub(crate) async fn client(
        self,
        command: &str,
        format: ResponseFormat,
    ) -> Result<(ServerApi, Option<Emulator>), Failure> {
        let connection = &self.connection;
        let base_setting = Setting::new(
            "--server-api-base",
            "CONVIO_SERVER_API_BASE",
            self.server_api_base.as_deref(),
        );
        let key_setting = Setting::new("--api-key", "CONVIO_API_KEY", self.api_key.as_deref());
        if !connection.emulator && !base_setting.given && connection.endpoint_setting().given {
            return Err(usage(format!(
                "{command} talks to the Server API: give --server-api-base (or \
                 CONVIO_SERVER_API_BASE), https://{{secure-domain}}/{{organization}}; \
                 --endpoint (CONVIO_SOAP_URL) is the SOAP endpoint, which this command does \
                 not use (--emulator for an in-process emulator)"
            )));
        }
        let use_emulator = emulator_without_endpoint(
            connection.emulator,
            base_setting,
            &[
                connection.user_setting(),
                connection.password_setting(),
                key_setting,
            ],
            "--server-api-base URL (or CONVIO_SERVER_API_BASE) with --api-key, --user and \
             --password (or CONVIO_API_KEY, CONVIO_USER and CONVIO_PASSWORD)",
        )?;
        let (emulator, base, key, (user, password)) = if use_emulator {
            let key = self
                .api_key
                .filter(|k| !k.is_empty())
                .unwrap_or_else(|| convio::emulator::DEFAULT_API_KEY.into());
            let emulator = start_embedded(connection, &key).await?;
            let base = emulator.server_api_base();
            (Some(emulator), base, key, connection.emulator_credentials())
        } else {
            let base = self.server_api_base.clone().unwrap_or_default();
            check_url("--server-api-base", &base)?;
            require(
                &[
                    key_setting,
                    connection.user_setting(),
                    connection.password_setting(),
                ],
                &format!("the Server API at {base}"),
            )?;
            (
                None,
                base,
                self.api_key.clone().unwrap_or_default(),
                connection.credentials(),
            )
        };
        let client = ServerApi::builder()
            .base_url(base)
            .api_key(key)
            .credentials(user, password)
            .response_format(format)
            .build()?;
        Ok((client, emulator))
    }
}

/// `NAME=VALUE` as a pair.
pub(crate) fn name_value(flag: &str, text: &str) -> Result<(String, String), Failure> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| usage(format!("{flag} {text}: expected NAME=VALUE")))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(usage(format!("{flag} {text}: the name is empty")));
    }
    Ok((name.to_string(), value.to_string()))
}

/// `convio server-api METHOD --param NAME=VALUE ...`.
#[derive(Args)]
pub(crate) struct ServerApiArgs {
    #[command(flatten)]
    api: ServerApiConnection,
    /// The method, e.g. `getUser`, `addOfflineDonation`, `launchDataSync`.
    method: String,
    /// A parameter, e.g. `cons_id=1001001` (repeatable; sent in the order given).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// The servlet, e.g. `SRGroupAPI` (default: the one the reference documents the method
    /// under; required for a method it does not list).
    #[arg(long)]
    servlet: Option<String>,
    /// Response format asked of the server.
    #[arg(long, value_enum, default_value_t = WireFormat::Xml)]
    format: WireFormat,
}

/// Calls any method and prints the answer as the server sent it; exit 1 when it is an
/// error (`errorResponse`, or a status other than 200). A documented method's answer is
/// also read with its generated type: one that does not read is an error too, and content
/// the schema lacks is named on stderr (it stays in the answer printed).
pub(crate) async fn server_api(args: ServerApiArgs) -> Result<(), Failure> {
    let servlet = match &args.servlet {
        Some(name) => Servlet::from_path(name).ok_or_else(|| {
            usage(format!(
                "--servlet {name}: not one of {}",
                Servlet::ALL.map(Servlet::path).join(", ")
            ))
        })?,
        None => Servlet::for_method(&args.method).ok_or_else(|| {
            usage(format!(
                "`{}` is not a documented server method: give --servlet",
                args.method
            ))
        })?,
    };
    let pairs = args
        .params
        .iter()
        .map(|param| name_value("--param", param))
        .collect::<Result<Vec<_>, _>>()?;
    let (client, emulator) = args.api.client("server-api", args.format.into()).await?;
    let answer = client.call_method(servlet, &args.method, &pairs).await?;
    drop(emulator);
    let body = String::from_utf8_lossy(&answer.body);
    println!("{}", document_terminal_safe(body.trim_end()));
    if answer.status != 200 || body.contains("errorResponse") {
        return Err(Failure {
            status: 1,
            message: format!("{} answered {} with an error", servlet, answer.status),
        });
    }
    match read_answer(&args.method, &answer.body, args.format.into()) {
        Some(Ok(AnswerReading::Answer { root, unrecognized })) => {
            for item in &unrecognized {
                eprintln!(
                    "note: `{}` is not in the schema of {root} (kept in the answer above)",
                    terminal_safe(&item.path.join("."))
                );
            }
            Ok(())
        }
        Some(Err(error)) => Err(Failure {
            status: 1,
            message: format!(
                "the answer to {} does not read as its documented type: {}",
                args.method,
                terminal_safe(&error.to_string())
            ),
        }),
        Some(Ok(_)) | None => Ok(()),
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Payment {
    Cash,
    Check,
    Credit,
}

/// `convio add-offline-donation`.
#[derive(Args)]
pub(crate) struct AddOfflineDonationArgs {
    #[command(flatten)]
    api: ServerApiConnection,
    /// The Donations 2 form (online/offline or offline-only).
    #[arg(long)]
    form_id: u64,
    /// The donation level of that form.
    #[arg(long)]
    level_id: u64,
    /// How the gift was paid.
    #[arg(long, value_enum)]
    payment: Payment,
    /// billing.name.first
    #[arg(long)]
    first_name: String,
    /// billing.name.last
    #[arg(long)]
    last_name: String,
    /// donor.email
    #[arg(long)]
    email: String,
    /// donor.cons_id (else the server matches or adds a constituent by the email)
    #[arg(long)]
    cons_id: Option<u64>,
    /// Added to the level's amount, e.g. `12.50`.
    #[arg(long)]
    additional_amount: Option<String>,
    /// check_number
    #[arg(long)]
    check_number: Option<String>,
    /// Another documented parameter, e.g. `billing.address.city=Austin` (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
}

/// Records an offline gift and prints its transaction id and confirmation code.
pub(crate) async fn add_offline_donation(args: AddOfflineDonationArgs) -> Result<(), Failure> {
    let payment = match args.payment {
        Payment::Cash => OfflinePaymentMethod::Cash,
        Payment::Check => OfflinePaymentMethod::Check,
        Payment::Credit => OfflinePaymentMethod::Credit,
    };
    let mut gift = OfflineDonation::new(
        args.form_id,
        args.level_id,
        payment,
        args.first_name,
        args.last_name,
        args.email,
    );
    if let Some(cons_id) = args.cons_id {
        gift = gift.cons_id(cons_id);
    }
    if let Some(amount) = args.additional_amount {
        gift = gift.additional_amount(amount);
    }
    if let Some(number) = args.check_number {
        gift = gift.check_number(number);
    }
    for param in &args.params {
        let (name, value) = name_value("--param", param)?;
        gift = gift.param(name, value);
    }
    gift.form_pairs()?;
    let (client, emulator) = args
        .api
        .client("add-offline-donation", ResponseFormat::Xml)
        .await?;
    let response = client.add_offline_donation(&gift).await?;
    drop(emulator);
    print_donation(response, "the gift was not recorded")
}

/// `convio refund-offline-donation`.
#[derive(Args)]
pub(crate) struct RefundOfflineDonationArgs {
    #[command(flatten)]
    api: ServerApiConnection,
    /// The confirmation code add-offline-donation printed (refund_user_confirm_code).
    #[arg(long)]
    confirmation_code: String,
    /// Refund this much of the gift, e.g. `12.50` (default: all that is left).
    #[arg(long)]
    amount: Option<String>,
}

/// Refunds an offline gift and prints the transaction and the amount refunded.
pub(crate) async fn refund_offline_donation(
    args: RefundOfflineDonationArgs,
) -> Result<(), Failure> {
    let (client, emulator) = args
        .api
        .client("refund-offline-donation", ResponseFormat::Xml)
        .await?;
    let response = client
        .refund_offline_donation(&args.confirmation_code, args.amount.as_deref())
        .await?;
    drop(emulator);
    print_donation(response, "nothing was refunded")
}

/// Prints the transaction a donation method answered with, or fails with the reasons it
/// gave (exit 1).
fn print_donation(
    response: convio::server_api::generated::crm::DonationResponseType,
    refused: &str,
) -> Result<(), Failure> {
    let text = |field: &convio::Field<convio::Text>| {
        terminal_safe(field.as_option().map_or("", |text| text.as_str())).into_owned()
    };
    if let Some(donation) = response.donation.as_option() {
        let amount = donation
            .amount
            .as_option()
            .and_then(|amount| amount.decimal.as_option())
            .map_or_else(String::new, |amount| amount.to_string());
        println!(
            "transaction_id {}, confirmation_code {}, cons_id {}, amount {}",
            donation
                .transaction_id
                .as_option()
                .map_or_else(|| "-".into(), u64::to_string),
            text(&donation.confirmation_code),
            donation
                .cons_id
                .as_option()
                .map_or_else(|| "-".into(), u64::to_string),
            terminal_safe(&amount),
        );
        return Ok(());
    }
    let mut reasons = Vec::new();
    if let Some(errors) = response.errors.as_option() {
        reasons.extend(
            errors
                .page_error
                .iter()
                .map(|e| terminal_safe(e.as_str()).into_owned()),
        );
        reasons.extend(
            errors
                .field_error
                .iter()
                .map(|e| terminal_safe(e.as_str()).into_owned()),
        );
    }
    Err(Failure {
        status: 1,
        message: format!("{refused}: {}", reasons.join("; ")),
    })
}

/// `convio groups`: the groups a constituent belongs to (SRConsAPI getUserGroups).
#[derive(Args)]
pub(crate) struct GroupsArgs {
    #[command(flatten)]
    api: ServerApiConnection,
    /// cons_id
    #[arg(long, conflicts_with_all = ["member_id", "email"])]
    cons_id: Option<u64>,
    /// member_id
    #[arg(long, conflicts_with = "email")]
    member_id: Option<String>,
    /// primary_email
    #[arg(long)]
    email: Option<String>,
}

/// Prints one line per group: its id and label.
pub(crate) async fn groups(args: GroupsArgs) -> Result<(), Failure> {
    let lookup = match (args.cons_id, args.member_id, args.email) {
        (Some(id), ..) => Lookup::ConsId(id),
        (None, Some(member_id), _) => Lookup::MemberId(member_id),
        (None, None, Some(email)) => Lookup::PrimaryEmail(email),
        (None, None, None) => return Err(usage("groups needs --cons-id, --member-id or --email")),
    };
    let (client, emulator) = args.api.client("groups", ResponseFormat::Xml).await?;
    let response = client.get_user_groups(&lookup).await?;
    drop(emulator);
    for group in &response.group {
        println!(
            "{}\t{}",
            group.id,
            terminal_safe(group.label.as_option().map_or("", |label| label.as_str()))
        );
    }
    Ok(())
}

/// `convio group-members`.
#[derive(Args)]
pub(crate) struct GroupMembersArgs {
    #[command(flatten)]
    api: ServerApiConnection,
    /// The group.
    #[arg(long)]
    group_id: u64,
    /// At most this many members (1 to 1000; the server's default is 1000).
    #[arg(long)]
    max: Option<u32>,
}

/// Prints one line per member: cons_id, first and last name, primary email (tab-separated),
/// then the group's size on stderr.
pub(crate) async fn group_members(args: GroupMembersArgs) -> Result<(), Failure> {
    let (client, emulator) = args
        .api
        .client("group-members", ResponseFormat::Xml)
        .await?;
    let fields = [
        "cons_id",
        "name.first",
        "name.last",
        "email.primary_address",
    ];
    let response = client
        .group_members(args.group_id, &fields, args.max)
        .await?;
    drop(emulator);
    let text =
        |value: Option<&convio::Text>| terminal_safe(value.map_or("", |t| t.as_str())).into_owned();
    for member in &response.member {
        let name = member.name.as_option();
        println!(
            "{}\t{}\t{}\t{}",
            member
                .cons_id
                .as_option()
                .map_or(String::new(), u64::to_string),
            text(name.and_then(|n| n.first.as_option())),
            text(name.and_then(|n| n.last.as_option())),
            text(
                member
                    .email
                    .as_option()
                    .and_then(|e| e.primary_address.as_option())
            ),
        );
    }
    if let Some(total) = response.total_number.as_option() {
        eprintln!("{} of {total} member(s)", response.member.len());
    }
    Ok(())
}
