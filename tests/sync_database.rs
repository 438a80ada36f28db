//! Synchronization into a database, two ways, against the emulator: the documented session
//! (upload local SQL edits, download inserts/updates/deletes, end the window), the table
//! layout contract, counts that name only what changed, refused uploads kept pending, the
//! conflict rule, and every recovery path. Each test runs on SQLite, and on PostgreSQL when
//! `CONVIO_TEST_POSTGRES` names a database (as `.ci/run` does).
#![cfg(feature = "emulator")]

mod common;

use common::sync_site::{Database, Site};
use convio::emulator::ChangeKind;
use convio::soap::SyncOptions;
use convio::sync::{
    Checkpoint, RunOptions, SqlStore, Store, StoreError, Summary, SyncError, SyncState,
    Synchronization, Window, WindowKey,
};

async fn sync(site: &Site, db: &Database, options: RunOptions) -> Result<Summary, SyncError> {
    let store = SqlStore::connect(&db.url()).await?;
    let mut sync = Synchronization::new(site.client.clone(), store, 1001, &["Constituent"])?;
    sync.run(&options, &convio::sync::Quiet).await
}

async fn count(db: &Database, table: &str) -> usize {
    db.value(&format!("SELECT CAST(COUNT(*) AS TEXT) FROM {table}"))
        .await
        .and_then(|n| n.parse().ok())
        .unwrap_or_default()
}

async fn column(db: &Database, column: &str, cons_id: u64) -> Option<String> {
    db.value(&format!(
        "SELECT CAST({column} AS TEXT) FROM constituent WHERE cons_id = {cons_id}"
    ))
    .await
}

/// Runs a test body on SQLite, and on PostgreSQL when configured.
macro_rules! on_every_database {
    ($($name:ident => $body:ident;)*) => {$(
        mod $name {
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                $body(Database::sqlite(stringify!($name))).await;
            }

            #[tokio::test]
            async fn postgres() {
                match Database::postgres(stringify!($name)).await {
                    Some(db) => $body(db).await,
                    None => eprintln!("CONVIO_TEST_POSTGRES is not set: the PostgreSQL run of this test is left to .ci/run"),
                }
            }
        }
    )*};
}

on_every_database! {
    later_windows_bring_only_what_others_changed => later_windows_bring_only_what_others_changed_on;
    local_sql_edits_go_upstream_exactly => local_sql_edits_go_upstream_exactly_on;
    refused_uploads_stay_pending_with_their_reason => refused_uploads_stay_pending_with_their_reason_on;
    a_local_edit_wins_over_an_earlier_remote_edit_of_the_same_field => a_local_edit_wins_over_an_earlier_remote_edit_of_the_same_field_on;
    recovery => recovery_on;
}

async fn later_windows_bring_only_what_others_changed_on(db: Database) {
    let site = Site::start(30).await;
    site.tick();
    let first = sync(&site, &db, RunOptions::default())
        .await
        .expect("first sync");
    assert_eq!(
        (first.inserted, first.updated, first.deleted),
        (30, 0, 0),
        "{first:?}"
    );
    assert_eq!(count(&db, "constituent").await, 30);
    let ids = site.cons_ids();
    assert_eq!(
        column(&db, "cons_name__first_name", ids[0]).await,
        site.field(ids[0], "ConsName.FirstName")
    );
    assert_eq!(
        column(&db, "primary_email", ids[1]).await,
        site.field(ids[1], "PrimaryEmail")
    );

    // Other users' changes between the windows.
    site.tick();
    site.change_by_others(
        ChangeKind::Update,
        Some(ids[2]),
        &[("ConsName.FirstName", "Renamed")],
    );
    let created = site.change_by_others(
        ChangeKind::Insert,
        None,
        &[
            ("PrimaryEmail", "new@example.org"),
            ("ConsName.LastName", "Newton"),
        ],
    );
    site.change_by_others(ChangeKind::Delete, Some(ids[3]), &[]);
    site.tick();
    let second = sync(&site, &db, RunOptions::default())
        .await
        .expect("second sync");
    assert_eq!(
        (
            second.inserted,
            second.updated,
            second.deleted,
            second.uploaded,
            second.refused
        ),
        (1, 1, 1, 0, 0),
        "{second:?}"
    );
    assert_eq!(
        second.window_start, first.window_end,
        "windows are contiguous"
    );
    assert_eq!(
        column(&db, "cons_name__first_name", ids[2])
            .await
            .as_deref(),
        Some("Renamed")
    );
    assert_eq!(
        column(&db, "cons_name__last_name", created)
            .await
            .as_deref(),
        Some("Newton")
    );
    assert_eq!(count(&db, "constituent").await, 30);
    assert_eq!(
        db.value(&format!(
            "SELECT CAST(COUNT(*) AS TEXT) FROM constituent WHERE cons_id = {}",
            ids[3]
        ))
        .await
        .as_deref(),
        Some("0")
    );

    // Nothing changed: an empty window.
    site.tick();
    let third = sync(&site, &db, RunOptions::default())
        .await
        .expect("third sync");
    assert_eq!((third.inserted, third.updated, third.deleted), (0, 0, 0));
    site.emulator.shutdown().await;
}

async fn local_sql_edits_go_upstream_exactly_on(db: Database) {
    let site = Site::start(5).await;
    let ids = site.cons_ids();
    site.change_by_others(
        ChangeKind::Update,
        Some(ids[0]),
        &[("HomePhone", "555-0100"), ("ConsName.MiddleName", "Old")],
    );
    site.tick();
    sync(&site, &db, RunOptions::default())
        .await
        .expect("first sync");
    let first_name = site.field(ids[0], "ConsName.FirstName");

    // Local edits with plain SQL: a value set, a column set to NULL, the rest untouched; a
    // new row; a deleted row. And a remote edit meanwhile.
    db.execute(&[
        &format!("UPDATE constituent SET cons_name__middle_name = 'Quinn', home_phone = NULL WHERE cons_id = {}", ids[0]),
        "INSERT INTO constituent (primary_email, cons_name__first_name) VALUES ('nova@example.org', 'Nova')",
        &format!("DELETE FROM constituent WHERE cons_id = {}", ids[1]),
    ])
    .await;
    let temporary = db
        .value("SELECT CAST(cons_id AS TEXT) FROM constituent WHERE primary_email = 'nova@example.org'")
        .await
        .and_then(|id| id.parse::<i64>().ok())
        .expect("the new row has a key");
    assert!(
        temporary < 0,
        "a temporary key until created upstream: {temporary}"
    );
    site.change_by_others(
        ChangeKind::Update,
        Some(ids[2]),
        &[("ConsName.LastName", "Remote")],
    );
    site.tick();

    let summary = sync(&site, &db, RunOptions::default())
        .await
        .expect("two-way sync");
    assert_eq!((summary.uploaded, summary.refused), (3, 0), "{summary:?}");
    assert_eq!(
        summary.updated, 1,
        "our own uploads do not come back: {summary:?}"
    );

    // Upstream: set, cleared, untouched, created (AcceptsEmail said explicitly), deleted.
    assert_eq!(
        site.field(ids[0], "ConsName.MiddleName").as_deref(),
        Some("Quinn")
    );
    assert_eq!(site.field(ids[0], "HomePhone"), None);
    assert_eq!(site.field(ids[0], "ConsName.FirstName"), first_name);
    let created: Vec<u64> = site
        .cons_ids()
        .into_iter()
        .filter(|id| site.field(*id, "PrimaryEmail").as_deref() == Some("nova@example.org"))
        .collect();
    assert_eq!(created.len(), 1, "created once");
    assert_eq!(
        site.field(created[0], "AcceptsEmail").as_deref(),
        Some("false")
    );
    assert_eq!(
        site.field(created[0], "ConsName.FirstName").as_deref(),
        Some("Nova")
    );
    assert!(!site.cons_ids().contains(&ids[1]));
    // Locally: the real id written back, the remote edit arrived, nothing left pending.
    assert_eq!(
        db.value("SELECT CAST(cons_id AS TEXT) FROM constituent WHERE primary_email = 'nova@example.org'")
            .await,
        Some(created[0].to_string())
    );
    assert_eq!(
        column(&db, "cons_name__last_name", ids[2]).await.as_deref(),
        Some("Remote")
    );
    assert_eq!(count(&db, "convio_changes").await, 0);
    site.emulator.shutdown().await;
}

async fn refused_uploads_stay_pending_with_their_reason_on(db: Database) {
    let site = Site::start(3).await;
    let ids = site.cons_ids();
    site.tick();
    sync(&site, &db, RunOptions::default())
        .await
        .expect("first sync");
    let taken = site.field(ids[0], "PrimaryEmail").expect("seeded email");
    db.execute(&[&format!(
        "INSERT INTO constituent (primary_email) VALUES ('{taken}')"
    )])
    .await;
    site.tick();
    let summary = sync(&site, &db, RunOptions::default()).await.expect("sync");
    assert_eq!((summary.uploaded, summary.refused), (0, 1), "{summary:?}");
    assert_eq!(
        db.value("SELECT result_code FROM convio_changes")
            .await
            .as_deref(),
        Some("DUPLICATE_EMAIL")
    );
    // Still pending: tried again next time, refused again.
    site.tick();
    let again = sync(&site, &db, RunOptions::default()).await.expect("sync");
    assert_eq!(again.refused, 1);
    site.emulator.shutdown().await;
}

async fn a_local_edit_wins_over_an_earlier_remote_edit_of_the_same_field_on(db: Database) {
    let site = Site::start(2).await;
    let ids = site.cons_ids();
    site.tick();
    sync(&site, &db, RunOptions::default())
        .await
        .expect("first sync");
    site.change_by_others(
        ChangeKind::Update,
        Some(ids[0]),
        &[
            ("ConsName.FirstName", "Remote"),
            ("ConsName.LastName", "RemoteLast"),
        ],
    );
    db.execute(&[&format!(
        "UPDATE constituent SET cons_name__first_name = 'Local' WHERE cons_id = {}",
        ids[0]
    )])
    .await;
    site.tick();
    sync(&site, &db, RunOptions::default()).await.expect("sync");
    // The local edit is uploaded after the remote one: it wins for that field, both sides
    // agree, and the remote edit of another field is kept.
    assert_eq!(
        site.field(ids[0], "ConsName.FirstName").as_deref(),
        Some("Local")
    );
    assert_eq!(
        column(&db, "cons_name__first_name", ids[0])
            .await
            .as_deref(),
        Some("Local")
    );
    assert_eq!(
        column(&db, "cons_name__last_name", ids[0]).await.as_deref(),
        Some("RemoteLast")
    );
    site.emulator.shutdown().await;
}

async fn recovery_on(db: Database) {
    let site = Site::start(4).await;
    site.tick();

    // A window open on the server that this store did not open: refused, naming the ways out.
    site.client
        .start_synchronization(SyncOptions::default())
        .await
        .expect("a window opened by hand");
    let Err(error) = sync(&site, &db, RunOptions::default()).await else {
        panic!("an open window must stop the run")
    };
    let message = error.to_string();
    assert!(matches!(error, SyncError::WindowOpen { .. }), "{message}");
    assert!(
        message.contains("--force") && message.contains("convio sync --end"),
        "{message}"
    );
    // Nothing recorded that would block the next run: --force opens a new window.
    let forced = sync(&site, &db, RunOptions::default().force(true))
        .await
        .expect("--force");
    assert_eq!(forced.inserted, 4);

    // --end ends an open window; the next run goes on from the last applied window.
    site.tick();
    site.client
        .start_synchronization(SyncOptions::default())
        .await
        .expect("another window opened by hand");
    let store = SqlStore::connect(&db.url()).await.expect("store");
    let mut ending =
        Synchronization::new(site.client.clone(), store, 1001, &["Constituent"]).expect("sync");
    assert!(ending.end_window().await.expect("--end").is_some());
    site.tick();
    let next = sync(&site, &db, RunOptions::default())
        .await
        .expect("after --end");
    assert_eq!(next.window_start, forced.window_end);

    // A run that died right after asking for a window, before recording it: the next run
    // ends that window and opens its own.
    site.tick();
    let key = WindowKey {
        site: site.client.endpoint(),
        partition: 1001,
    };
    let mut store = SqlStore::connect(&db.url()).await.expect("store");
    let mut state = store.load(&key).await.expect("state");
    state.checkpoint = Some(Checkpoint::Starting);
    store.save(&key, &state).await.expect("save");
    site.client
        .start_synchronization(
            SyncOptions::default()
                .start(state.last_end.clone().expect("the end of the last window")),
        )
        .await
        .expect("the window the dead run opened");
    site.change_by_others(
        ChangeKind::Update,
        Some(site.cons_ids()[0]),
        &[("ConsName.FirstName", "Later")],
    );
    site.tick();
    let resumed = sync(&site, &db, RunOptions::default())
        .await
        .expect("after a death before the first checkpoint");
    assert_eq!(resumed.updated, 1);

    // A checkpoint naming a window the server does not have is refused, never used.
    site.tick();
    let mut state = store.load(&key).await.expect("state");
    state.checkpoint = Some(Checkpoint::Open {
        window: Window {
            sync_id: 777,
            start: "2020-01-01T00:00:00Z".into(),
            end: "2020-01-02T00:00:00Z".into(),
        },
        uploaded: true,
        position: convio::sync::Position::START,
    });
    store.save(&key, &state).await.expect("save");
    let Err(error) = sync(&site, &db, RunOptions::default()).await else {
        panic!("a made-up window must be refused")
    };
    assert!(
        matches!(error, SyncError::Store(StoreError::Mismatch { .. })),
        "{error}"
    );
    // Cleared by hand (as --end does), the next run works.
    store
        .save(
            &key,
            &SyncState {
                checkpoint: None,
                ..state.clone()
            },
        )
        .await
        .expect("save");
    sync(&site, &db, RunOptions::default())
        .await
        .expect("after clearing");

    // A store that cannot be used is refused before a window is opened.
    let broken = SqlStore::connect("sqlite:/nonexistent-directory/for/sure/donors.db").await;
    assert!(
        matches!(broken, Err(StoreError::Unavailable { .. })),
        "{broken:?}"
    );
    let opened = site
        .client
        .start_synchronization(SyncOptions::default())
        .await;
    assert!(opened.is_ok(), "no window was left open: {opened:?}");
    site.client.end_synchronization(None).await.expect("end");
    site.emulator.shutdown().await;
}
