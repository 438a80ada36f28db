//! GetIncrementalInsertsCount, UpdatesCount and DeletesCount over the wire against the
//! emulator: each count equals the number of records the matching download returns, for
//! constituents and for donations (a download-only type), and a Count outside a window is a
//! synchronization fault like the download's.
#![cfg(feature = "emulator")]

mod common;

use std::time::Duration;

use convio::emulator::{ChangeKind, Clock, Emulator};
use convio::soap::{Client, FaultKind, IncrementalKind, SyncOptions};
use convio::Error;

const KINDS: [IncrementalKind; 3] = [
    IncrementalKind::Inserts,
    IncrementalKind::Updates,
    IncrementalKind::Deletes,
];

/// Every record the download of `kind` returns, over all its pages.
async fn downloaded(client: &Client, kind: IncrementalKind, record_type: &str, id: &str) -> u64 {
    let pages = match kind {
        IncrementalKind::Inserts => client.incremental_inserts(record_type, [id]),
        IncrementalKind::Updates => client.incremental_updates(record_type, [id]),
        IncrementalKind::Deletes => client.incremental_deletes(record_type, [id]),
    };
    let records = pages
        .expect("a download")
        .page_size(7)
        .expect("a page size")
        .collect_records()
        .await
        .expect("pages");
    records.len() as u64
}

async fn assert_counts_match_downloads(client: &Client, record_type: &str, id: &str) -> [u64; 3] {
    let mut counts = [0; 3];
    for (n, kind) in KINDS.into_iter().enumerate() {
        let count = client
            .incremental_count(kind, record_type)
            .await
            .expect("a count");
        assert_eq!(
            count,
            downloaded(client, kind, record_type, id).await,
            "{kind:?} of {record_type}"
        );
        counts[n] = count;
    }
    counts
}

#[tokio::test]
async fn each_count_equals_what_its_download_returns() {
    let clock = Clock::manual(1_700_000_000);
    let emulator = Emulator::builder()
        .seed(23)
        .seed_donations(11)
        .clock(clock.clone())
        .start("127.0.0.1:0")
        .await
        .expect("emulator starts");
    let client = common::emulator_client(&emulator);

    // The first window: everything seeded is an insert.
    clock.advance(Duration::from_secs(60));
    client
        .start_synchronization(SyncOptions::default())
        .await
        .expect("a window");
    assert_eq!(
        assert_counts_match_downloads(&client, "Constituent", "ConsId").await,
        [23, 0, 0]
    );
    assert_eq!(
        assert_counts_match_downloads(&client, "Donation", "TransactionId").await,
        [11, 0, 0]
    );
    client.end_synchronization(None).await.expect("ended");

    // Changes on the site's pages between the windows: three updated, two removed, one added.
    clock.advance(Duration::from_secs(60));
    let site = emulator.site();
    let ids = site.constituent_ids();
    for id in &ids[..3] {
        site.change_on_website(
            "Constituent",
            ChangeKind::Update,
            Some(*id),
            &[("ConsName.MiddleName", "Changed")],
        );
    }
    for id in &ids[3..5] {
        site.change_on_website("Constituent", ChangeKind::Delete, Some(*id), &[]);
    }
    site.change_on_website(
        "Constituent",
        ChangeKind::Insert,
        None,
        &[("PrimaryEmail", "new@example.org")],
    );
    clock.advance(Duration::from_secs(60));
    client
        .start_synchronization(SyncOptions::default())
        .await
        .expect("a second window");
    assert_eq!(
        assert_counts_match_downloads(&client, "Constituent", "ConsId").await,
        [1, 3, 2]
    );
    client.end_synchronization(None).await.expect("ended");

    // Outside a window there is nothing to count.
    let outside = client
        .incremental_count(IncrementalKind::Inserts, "Constituent")
        .await;
    assert!(
        matches!(&outside, Err(Error::Fault(fault)) if fault.kind == FaultKind::Synchronization),
        "{outside:?}"
    );
    emulator.shutdown().await;
}
