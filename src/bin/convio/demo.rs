//! `convio demo`: the mission end to end against an in-process emulator.

use convio::emulator::Emulator;
use convio::server_api::{Client as ServerApi, ConsParams, ResponseFormat};
use convio::soap::{
    record_from_paths, record_to_paths, Client, EmailOptIn, NewConstituent, SyncOptions,
};
use convio::{AnyRecord, Error, Field};

use crate::failure::{io_failure, usage, Failure};

/// The demo's secrets: distinctive, so that a test can check they are never printed.
pub(crate) const DEMO_PASSWORD: &str = "demo-Pa55w0rd-never-printed";
pub(crate) const DEMO_API_KEY: &str = "demo-api-key-never-printed";

pub(crate) async fn demo() -> Result<(), Failure> {
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
                for (path, value) in record_to_paths(record) {
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
        let server_api = ServerApi::builder()
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
