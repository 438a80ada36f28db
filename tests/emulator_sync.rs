//! The emulator's side of the synchronization engine (issue 15, item 7): contiguous windows,
//! several API users with every change attributed to the user who made it, and seeded
//! donations for the transaction downloads. Our client over real loopback HTTP.
#![cfg(feature = "emulator")]

use std::collections::BTreeSet;
use std::time::Duration;

use convio::emulator::{ChangeKind, Clock, Emulator};
use convio::generated::ens;
use convio::server_api::{Client as ServerApi, ConsParams, ResponseFormat};
use convio::soap::{Client, EmailOptIn, FaultKind, NewConstituent, SyncOptions, WriteOptions};
use convio::{AnyRecord, Error, Field, ResultCode};

const START: u64 = 1_790_000_000;

fn client_as(emulator: &Emulator, user: &str, password: &str) -> Client {
    Client::builder()
        .endpoint(emulator.soap_url())
        .credentials(user, password)
        .partition(1001)
        .build()
        .unwrap()
}

fn server_api_as(emulator: &Emulator, user: &str, password: &str) -> ServerApi {
    ServerApi::builder()
        .base_url(emulator.server_api_base())
        .api_key("demo-api-key")
        .credentials(user, password)
        .response_format(ResponseFormat::Xml)
        .build()
        .unwrap()
}

/// A constituent changed on the site by someone else than an API user (its web pages).
fn web_change(emulator: &Emulator, kind: ChangeKind, id: Option<u64>, email: &str) -> u64 {
    emulator
        .site()
        .change_on_website("Constituent", kind, id, &[("PrimaryEmail", email)])
        .expect("constituents are kept")
}

fn cons_id(record: &AnyRecord) -> u64 {
    match record {
        AnyRecord::Constituent(c) => c.cons_id.expect("a ConsId"),
        other => panic!("not a constituent: {other:?}"),
    }
}

/// Every ConsId a download returns, over all its pages.
async fn downloaded(client: &Client, kind: &str) -> BTreeSet<u64> {
    let mut pages = match kind {
        "inserts" => client.incremental_inserts("Constituent", ["ConsId"]),
        "updates" => client.incremental_updates("Constituent", ["ConsId"]),
        _ => client.incremental_deletes("Constituent", ["ConsId"]),
    }
    .unwrap();
    let mut ids = BTreeSet::new();
    while let Some(page) = pages.next_page().await.unwrap() {
        ids.extend(page.iter().map(cons_id));
    }
    ids
}

async fn create(client: &Client, email: &str) -> u64 {
    let results = client
        .create([NewConstituent::new(email, EmailOptIn::OptedIn).into()])
        .await
        .unwrap();
    let result = results.iter().next().unwrap();
    assert_eq!(result.code, ResultCode::Ok, "{result:?}");
    cons_id(result.record.as_ref().unwrap())
}

#[tokio::test]
async fn windows_are_contiguous_each_starts_where_the_last_ended_and_nothing_is_sent_twice() {
    let clock = Clock::manual(START);
    let emulator = Emulator::builder()
        .clock(clock.clone())
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let client = client_as(&emulator, "apiuser", "secret");
    let first_record = web_change(&emulator, ChangeKind::Insert, None, "a@x.org");

    // The first window starts at the beginning of time and ends now.
    let first = client
        .start_synchronization(SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(first.start, "1970-01-01T00:00:00Z");
    assert_eq!(first.end, convio::emulator::format_date_time(clock.now()));
    // A change in the same clock tick but after the window opened belongs to the next one.
    let same_tick = web_change(&emulator, ChangeKind::Insert, None, "b@x.org");
    assert_eq!(
        downloaded(&client, "inserts").await,
        BTreeSet::from([first_record])
    );
    client.end_synchronization(None).await.unwrap();

    clock.advance(Duration::from_secs(60));
    web_change(
        &emulator,
        ChangeKind::Update,
        Some(first_record),
        "a2@x.org",
    );
    clock.advance(Duration::from_secs(60));
    let second = client
        .start_synchronization(SyncOptions::default())
        .await
        .unwrap();
    // EndSynchronization "increments the window": the second starts where the first ended.
    assert_eq!(second.start, first.end);
    assert_eq!(second.end, convio::emulator::format_date_time(clock.now()));
    // The insert downloaded by the first window is not sent again; the later ones are.
    assert_eq!(
        downloaded(&client, "inserts").await,
        BTreeSet::from([same_tick])
    );
    assert_eq!(
        downloaded(&client, "updates").await,
        BTreeSet::from([first_record])
    );
    client.end_synchronization(None).await.unwrap();

    // Nothing changed since: the third window is empty and starts where the second ended.
    clock.advance(Duration::from_secs(60));
    let third = client
        .start_synchronization(SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(third.start, second.end);
    assert!(downloaded(&client, "inserts").await.is_empty());
    assert!(downloaded(&client, "updates").await.is_empty());
    assert!(downloaded(&client, "deletes").await.is_empty());
    client.end_synchronization(None).await.unwrap();

    // A forced window leaves the open one open (for audit) and gets its own start and end:
    // from the last window that was ended.
    clock.advance(Duration::from_secs(60));
    let abandoned = client
        .start_synchronization(SyncOptions::default())
        .await
        .unwrap();
    clock.advance(Duration::from_secs(60));
    let forced = client
        .start_synchronization(SyncOptions::default().force(true))
        .await
        .unwrap();
    assert_eq!(abandoned.start, third.end);
    assert_eq!(forced.start, third.end);
    assert_eq!(forced.end, convio::emulator::format_date_time(clock.now()));
    client.end_synchronization(None).await.unwrap();
    let after_forced = client
        .start_synchronization(SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(after_forced.start, forced.end);
    client.end_synchronization(None).await.unwrap();

    // The synchronization log says the same.
    let log = client.synchronization_log(None, None, None).await.unwrap();
    let entry = |sync_id: u64| {
        log.iter()
            .find(|e| e.sync_id == sync_id)
            .unwrap_or_else(|| panic!("window {sync_id} is not in the log: {log:?}"))
    };
    assert_eq!(
        entry(second.sync_id).start.as_deref(),
        Some(first.end.as_str())
    );
    assert_eq!(
        entry(third.sync_id).start.as_deref(),
        Some(second.end.as_str())
    );
    assert_eq!(entry(abandoned.sync_id).completed, Some(false));
    assert_eq!(entry(forced.sync_id).completed, Some(true));
    assert_eq!(
        entry(forced.sync_id).start.as_deref(),
        Some(third.end.as_str())
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn two_users_each_window_has_the_other_users_changes_and_not_its_own() {
    let clock = Clock::manual(START);
    let emulator = Emulator::builder()
        .user("clerk", "clerk-password")
        .clock(clock.clone())
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let admin = client_as(&emulator, "apiuser", "secret");
    let clerk = client_as(&emulator, "clerk", "clerk-password");
    // Records both will change, from before either synchronizes (baseline windows below).
    let shared = create(&admin, "shared@example.org").await;
    let doomed = create(&admin, "doomed@example.org").await;
    for client in [&admin, &clerk] {
        client
            .start_synchronization(SyncOptions::default())
            .await
            .unwrap();
        client.end_synchronization(None).await.unwrap();
    }
    clock.advance(Duration::from_secs(60));

    // The clerk's changes, on both APIs.
    let by_clerk = create(&clerk, "clerk-made@example.org").await;
    let update = AnyRecord::Constituent(ens::ConstituentType {
        cons_id: Some(shared),
        home_phone: Field::Value("555-0100".into()),
        ..Default::default()
    });
    assert!(clerk.update([update]).await.unwrap().all_ok());
    let relationship = AnyRecord::Constituent(ens::ConstituentType {
        cons_id: Some(shared),
        group_id: vec![1101],
        ..Default::default()
    });
    assert!(clerk
        .add_relationships([relationship], WriteOptions::default())
        .await
        .unwrap()
        .all_ok());
    let delete = AnyRecord::Constituent(ens::ConstituentType {
        cons_id: Some(doomed),
        ..Default::default()
    });
    assert!(clerk.delete([delete]).await.unwrap().all_ok());
    let by_clerk_server_api = server_api_as(&emulator, "clerk", "clerk-password")
        .create_or_update(&ConsParams::new().primary_email("clerk-api@example.org"))
        .await
        .unwrap()
        .cons_id
        .expect("a cons_id");

    // The administrator's own changes, on both APIs.
    let by_admin = create(&admin, "admin-made@example.org").await;
    let by_admin_server_api = server_api_as(&emulator, "apiuser", "secret")
        .create_or_update(&ConsParams::new().primary_email("admin-api@example.org"))
        .await
        .unwrap()
        .cons_id
        .expect("a cons_id");
    clock.advance(Duration::from_secs(60));

    // The administrator's window: the clerk's changes only.
    admin
        .start_synchronization(SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(
        downloaded(&admin, "inserts").await,
        BTreeSet::from([by_clerk, by_clerk_server_api])
    );
    assert_eq!(
        downloaded(&admin, "updates").await,
        BTreeSet::from([shared])
    );
    assert_eq!(
        downloaded(&admin, "deletes").await,
        BTreeSet::from([doomed])
    );
    admin.end_synchronization(None).await.unwrap();

    // The clerk's window: the administrator's changes only.
    clerk
        .start_synchronization(SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(
        downloaded(&clerk, "inserts").await,
        BTreeSet::from([by_admin, by_admin_server_api])
    );
    assert!(downloaded(&clerk, "updates").await.is_empty());
    assert!(downloaded(&clerk, "deletes").await.is_empty());
    clerk.end_synchronization(None).await.unwrap();

    // Each change is logged with its author.
    let changes = emulator.site().changes();
    let authors: BTreeSet<&str> = changes.iter().map(|c| c.by.as_str()).collect();
    assert_eq!(authors, BTreeSet::from(["apiuser", "clerk"]));
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_unknown_user_or_a_wrong_password_of_a_second_user_logs_in_nowhere() {
    let emulator = Emulator::builder()
        .user("clerk", "clerk-password")
        .start("127.0.0.1:0")
        .await
        .unwrap();
    for (user, password) in [("clerk", "secret"), ("nobody", "clerk-password")] {
        let Err(Error::Fault(fault)) = client_as(&emulator, user, password).login().await else {
            panic!("{user} logged in")
        };
        assert_eq!(fault.kind, FaultKind::Login);
    }
    let error = server_api_as(&emulator, "clerk", "wrong")
        .create_or_update(&ConsParams::new().primary_email("x@example.org"))
        .await
        .unwrap_err();
    assert!(error.to_string().contains('3'), "{error}");
    emulator.shutdown().await;
}

fn donation(record: &AnyRecord) -> &ens::DonationType {
    match record {
        AnyRecord::Donation(d) => d,
        other => panic!("not a donation: {other:?}"),
    }
}

#[tokio::test]
async fn seeded_donations_are_downloaded_once_and_queried_but_not_written() {
    let clock = Clock::manual(START);
    let emulator = Emulator::builder()
        .seed(4)
        .seed_donations(6)
        .clock(clock.clone())
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let client = client_as(&emulator, "apiuser", "secret");
    clock.advance(Duration::from_secs(60));
    client
        .start_synchronization(SyncOptions::default())
        .await
        .unwrap();
    let mut pages = client
        .incremental_inserts(
            "Donation",
            [
                "TransactionId",
                "TaxDeductibleValue",
                "Payment.Amount",
                "Payment.PaymentDate",
                "Donor.ConsId",
                "Donor.PrimaryEmail",
            ],
        )
        .unwrap();
    let mut donations = Vec::new();
    while let Some(page) = pages.next_page().await.unwrap() {
        donations.extend(page.iter().map(|r| donation(r).clone()));
    }
    assert_eq!(donations.len(), 6);
    let seeded: BTreeSet<u64> = emulator.site().constituent_ids().into_iter().collect();
    for gift in &donations {
        assert!(gift.transaction_id.is_some());
        let Field::Value(donor) = &gift.donor else {
            panic!("no donor: {gift:?}")
        };
        assert!(seeded.contains(&donor.cons_id.expect("a donor ConsId")));
        assert!(matches!(&donor.primary_email, Field::Value(e) if e.ends_with("@example.org")));
        let Field::Value(payment) = &gift.payment else {
            panic!("no payment: {gift:?}")
        };
        assert!(matches!(payment.amount, Field::Value(_)));
        assert_eq!(gift.tax_deductible_value, payment.amount);
    }
    // Every seeded donor gave at least once (round-robin).
    let donors: BTreeSet<u64> = donations
        .iter()
        .filter_map(|g| match &g.donor {
            Field::Value(d) => d.cons_id,
            _ => None,
        })
        .collect();
    assert_eq!(donors, seeded);
    client.end_synchronization(None).await.unwrap();

    // Query too.
    let mut query = client.query("select TransactionId, Donor.ConsId from Donation");
    let mut queried = 0;
    while let Some(page) = query.next_page().await.unwrap() {
        queried += page.len();
    }
    assert_eq!(queried, 6);

    // Download only: DescribeRecordType says so, and a Create is refused.
    let description = client.describe_record_type("Donation").await.unwrap();
    let operations = description.supported_operations.expect("operations");
    assert_eq!(operations.create, Some(false));
    assert_eq!(operations.update, Some(false));
    assert_eq!(operations.delete, Some(false));
    assert_eq!(operations.get_incremental_inserts, Some(true));
    let gift = AnyRecord::Donation(ens::DonationType {
        transaction_id: Some(9),
        ..Default::default()
    });
    let Err(Error::Fault(fault)) = client.create([gift]).await else {
        panic!("a donation was created")
    };
    assert_eq!(fault.kind, FaultKind::InvalidRequest);

    // The next window does not send them again.
    clock.advance(Duration::from_secs(60));
    client
        .start_synchronization(SyncOptions::default())
        .await
        .unwrap();
    let mut again = client
        .incremental_inserts("Donation", ["TransactionId"])
        .unwrap();
    assert!(again.next_page().await.unwrap().is_none());
    client.end_synchronization(None).await.unwrap();
    emulator.shutdown().await;
}

#[tokio::test]
async fn each_documented_type_offers_the_downloads_the_documentation_lists() {
    let emulator = Emulator::builder()
        .seed(2)
        .seed_orders(2)
        .seed_alert_responses(3)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let client = client_as(&emulator, "apiuser", "secret");
    let offered = |description: convio::generated::tns::RecordTypeDescriptionType| {
        let ops = description.supported_operations.expect("operations");
        [
            ops.get_incremental_inserts,
            ops.get_incremental_updates,
            ops.get_incremental_deletes,
        ]
    };
    for (record_type, expected) in [
        ("ProductOrder", [Some(true); 3]),
        ("TeamRaiserGift", [Some(true); 3]),
        (
            "ActionAlertResponse",
            [Some(true), Some(false), Some(false)],
        ),
        ("DonationForm", [Some(false); 3]),
    ] {
        let description = client.describe_record_type(record_type).await.unwrap();
        assert_eq!(offered(description), expected, "{record_type}");
    }

    client
        .start_synchronization(SyncOptions::default())
        .await
        .unwrap();
    let mut responses = client
        .incremental_inserts("ActionAlertResponse", ["AlertResponseId", "SubmitDate"])
        .unwrap();
    assert_eq!(
        responses.next_page().await.unwrap().map(|p| p.len()),
        Some(3)
    );
    let mut updates = client
        .incremental_updates("ActionAlertResponse", ["AlertResponseId"])
        .unwrap();
    let Err(Error::Fault(fault)) = updates.next_page().await else {
        panic!("updates of alert responses were answered")
    };
    assert_eq!(fault.kind, FaultKind::InvalidRequest);
    let mut orders = client
        .incremental_inserts("ProductOrder", ["OrderId", "Purchaser.ConsId"])
        .unwrap();
    assert_eq!(orders.next_page().await.unwrap().map(|p| p.len()), Some(2));
    client.end_synchronization(None).await.unwrap();
    emulator.shutdown().await;
}
