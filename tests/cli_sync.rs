//! `convio sync --db ... --json` against an emulator with two API users: the first sync
//! downloads everything (constituents and donations), the next brings exactly what the other
//! user changed, and the summary counts only that; the syncing user's own changes are not
//! sent back to it.
#![cfg(feature = "cli")]

mod common;

use common::cli::{convio, stdout};
use common::sync_site::Database;
use convio::emulator::Emulator;
use convio::generated::ens;
use convio::soap::Client;
use convio::{AnyRecord, Field};

fn client(emulator: &Emulator, user: &str, password: &str) -> Client {
    Client::builder()
        .endpoint(emulator.soap_url())
        .credentials(user, password)
        .partition(1001)
        .build()
        .expect("client")
}

fn constituent(cons_id: u64, first_name: &str) -> AnyRecord {
    AnyRecord::Constituent(ens::ConstituentType {
        cons_id: Some(cons_id),
        cons_name: Field::Value(ens::NameType {
            first_name: Field::Value(first_name.into()),
            ..Default::default()
        }),
        ..Default::default()
    })
}

async fn sync(emulator: &Emulator, db: &Database) -> serde_json::Value {
    sync_types(emulator, db, "Constituent,Donation").await
}

async fn sync_types(emulator: &Emulator, db: &Database, types: &str) -> serde_json::Value {
    let (endpoint, url, types) = (emulator.soap_url(), db.url(), types.to_string());
    let output = tokio::task::spawn_blocking(move || {
        convio(&[
            "sync",
            "--endpoint",
            &endpoint,
            "--user",
            "apiuser",
            "--password",
            "secret",
            "--db",
            &url,
            "--record-type",
            &types,
            "--json",
        ])
    })
    .await
    .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = stdout(&output);
    serde_json::from_str(text.lines().last().expect("the summary line")).expect("JSON")
}

fn counts(summary: &serde_json::Value) -> [u64; 5] {
    ["inserted", "updated", "deleted", "uploaded", "refused"].map(|key| {
        summary[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} in {summary}"))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_changes_arrive_and_are_all_that_is_counted() {
    let emulator = Emulator::builder()
        .seed(20)
        .seed_donations(5)
        .user("clerk", "clerk-password")
        .start("127.0.0.1:0")
        .await
        .expect("emulator");
    let db = Database::sqlite("cli-sync");

    let first = sync(&emulator, &db).await;
    assert_eq!(counts(&first), [25, 0, 0, 0, 0], "{first}");
    assert!(first["sync_id"].as_u64().is_some() && first["window_end"].is_string());
    assert_eq!(
        db.value("SELECT CAST(COUNT(*) AS TEXT) FROM donation")
            .await
            .as_deref(),
        Some("5")
    );

    // The other user: an update, a create, a delete.
    let clerk = client(&emulator, "clerk", "clerk-password");
    let ids: Vec<u64> = emulator.site().constituent_ids();
    assert!(clerk
        .update([constituent(ids[0], "Changed")])
        .await
        .expect("update")
        .all_ok());
    let created = clerk
        .create([AnyRecord::Constituent(ens::ConstituentType {
            primary_email: Field::Value("clerk-made@example.org".into()),
            accepts_email: Field::Value(false),
            ..Default::default()
        })])
        .await
        .expect("create");
    assert!(created.all_ok());
    assert!(clerk
        .delete([AnyRecord::Constituent(ens::ConstituentType {
            cons_id: Some(ids[1]),
            ..Default::default()
        })])
        .await
        .expect("delete")
        .all_ok());
    // The syncing user's own change: not sent back to it.
    let own = client(&emulator, "apiuser", "secret");
    assert!(own
        .update([constituent(ids[2], "Mine")])
        .await
        .expect("update")
        .all_ok());

    let second = sync(&emulator, &db).await;
    assert_eq!(counts(&second), [1, 1, 1, 0, 0], "{second}");
    assert_eq!(second["window_start"], first["window_end"]);
    assert_eq!(
        db.value(&format!(
            "SELECT cons_name__first_name FROM constituent WHERE cons_id = {}",
            ids[0]
        ))
        .await
        .as_deref(),
        Some("Changed")
    );
    assert_eq!(
        db.value("SELECT CAST(COUNT(*) AS TEXT) FROM constituent WHERE primary_email = 'clerk-made@example.org'")
            .await
            .as_deref(),
        Some("1")
    );
    assert_eq!(
        db.value("SELECT CAST(COUNT(*) AS TEXT) FROM constituent")
            .await
            .as_deref(),
        Some("20")
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_transaction_downloads_arrive_as_the_server_offers_them() {
    let emulator = Emulator::builder()
        .seed(4)
        .seed_donations(3)
        .seed_orders(5)
        .seed_alert_responses(2)
        .start("127.0.0.1:0")
        .await
        .expect("emulator");
    let db = Database::sqlite("cli-sync-transactions");
    // ActionAlertResponse offers inserts only (DescribeRecordType): its updates and deletes
    // are not asked for.
    let summary = sync_types(
        &emulator,
        &db,
        "Constituent,Donation,ProductOrder,ActionAlertResponse",
    )
    .await;
    assert_eq!(counts(&summary), [4 + 3 + 5 + 2, 0, 0, 0, 0], "{summary}");
    for (sql, expected) in [
        ("SELECT CAST(COUNT(*) AS TEXT) FROM product_order", "5"),
        (
            "SELECT purchaser__primary_email FROM product_order WHERE order_id = 7001001",
            "seed0@example.org",
        ),
        (
            "SELECT payment__amount FROM product_order WHERE order_id = 7001002",
            "42.50",
        ),
        (
            "SELECT CAST(COUNT(*) AS TEXT) FROM action_alert_response",
            "2",
        ),
        (
            "SELECT alert_id FROM action_alert_response WHERE alert_response_id = 8001002",
            "1002",
        ),
    ] {
        assert_eq!(db.value(sql).await.as_deref(), Some(expected), "{sql}");
    }
    emulator.shutdown().await;
}
