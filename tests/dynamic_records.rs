//! Dynamic records through the client, over the wire, against the emulator serving a site's
//! WSDL with a record type the bundled schema lacks (VolunteerRegistration): create, update
//! with a value, nil, an empty value and an absent field, query, and the incremental
//! downloads, with the tri-state written exactly as for typed records.
#![cfg(all(feature = "emulator", not(convio_site_wsdl)))]

mod common;

use std::time::Duration;

use common::site::{registration_change, site_emulator, SITE_WSDL};
use convio::emulator::{ChangeKind, Clock, Emulator};
use convio::soap::{Client, SyncOptions};
use convio::{AnyRecord, DynamicRecord, EncodeError, Error, Field};

const TYPE: &str = "VolunteerRegistration";

fn client(emulator: &Emulator) -> Client {
    Client::builder()
        .endpoint(emulator.soap_url())
        .credentials("apiuser", "secret")
        .partition(1001)
        .wsdl(SITE_WSDL.as_bytes())
        .build()
        .expect("client")
}

async fn registration(client: &Client, id: &str) -> DynamicRecord {
    let mut pages = client.query(format!(
        "select RegistrationId, ConsId, EventId, TeamName, Goal, EmergencyContact from {TYPE} \
         where RegistrationId = {id}"
    ));
    let records = pages.next_page().await.expect("query").expect("a page");
    match records.as_slice() {
        [AnyRecord::Dynamic(record)] => record.clone(),
        other => panic!("{other:?}"),
    }
}

fn by_id(id: &str) -> DynamicRecord {
    DynamicRecord::new(TYPE).with("RegistrationId", Field::Value(id))
}

#[tokio::test]
async fn create_update_and_query_keep_the_tri_state() {
    let emulator = site_emulator(Clock::System).await;
    let client = client(&emulator);

    // Fields given out of the site's order: the client puts them in order (the emulator
    // refuses any other), groups included.
    let new = DynamicRecord::new(TYPE)
        .with("Goal", Field::Value("250.00"))
        .with("EmergencyContact.Phone", Field::Value("555-0100"))
        .with("EmergencyContact.Name", Field::Value("Charles Babbage"))
        .with("TeamName", Field::Value("Harbour Runners"))
        .with("EventId", Field::Value("12"))
        .with("ConsId", Field::Value("1001081"));
    let results = client.create([AnyRecord::from(new)]).await.expect("create");
    assert!(results.all_ok(), "{results:?}");
    let Some(AnyRecord::Dynamic(created)) = results.iter().next().and_then(|r| r.record.clone())
    else {
        panic!("{results:?}")
    };
    assert_eq!(created.type_name(), TYPE);
    let Field::Value(id) = created.get("RegistrationId") else {
        panic!("{created:?}")
    };
    let id = id.to_string();

    let stored = registration(&client, &id).await;
    assert_eq!(stored.get("TeamName"), Field::Value("Harbour Runners"));
    assert_eq!(stored.get("Goal"), Field::Value("250.00"));
    assert_eq!(
        stored.get("EmergencyContact.Name"),
        Field::Value("Charles Babbage")
    );

    // A value sets; nil clears; absent leaves alone (Goal, the contact).
    let update = by_id(&id)
        .with("TeamName", Field::Value("Harbour Runners II"))
        .with("EventId", Field::<&str>::Nil)
        .with("EmergencyContact.Phone", Field::<&str>::Nil);
    assert!(client
        .update([AnyRecord::from(update)])
        .await
        .expect("update")
        .all_ok());
    let stored = registration(&client, &id).await;
    assert_eq!(stored.get("TeamName"), Field::Value("Harbour Runners II"));
    assert_eq!(stored.get("EventId"), Field::Nil);
    assert_eq!(stored.get("Goal"), Field::Value("250.00"));
    assert_eq!(
        stored.get("EmergencyContact.Name"),
        Field::Value("Charles Babbage")
    );
    assert_eq!(stored.get("EmergencyContact.Phone"), Field::Nil);

    // An empty value would be ignored by the server: refused before sending, as for typed
    // records; a value that is not of the field's kind too.
    let empty = by_id(&id).with("TeamName", Field::Value(""));
    assert!(matches!(
        client.update([AnyRecord::from(empty)]).await,
        Err(Error::Encode(EncodeError::EmptyValue { element })) if element.ends_with("Record/TeamName")
    ));
    let not_a_decimal = by_id(&id).with("Goal", Field::Value("lots"));
    assert!(matches!(
        client.update([AnyRecord::from(not_a_decimal)]).await,
        Err(Error::InvalidArgument(message)) if message.contains("VolunteerRegistration.Goal")
    ));
    assert_eq!(
        registration(&client, &id).await.get("TeamName"),
        Field::Value("Harbour Runners II")
    );

    let results = client
        .delete([AnyRecord::from(by_id(&id))])
        .await
        .expect("delete");
    assert!(results.all_ok(), "{results:?}");
    let mut pages = client.query(format!(
        "select RegistrationId from {TYPE} where RegistrationId = {id}"
    ));
    assert!(pages.next_page().await.expect("query").is_none());
    emulator.shutdown().await;
}

/// A change made on the site (by another user than the client's), as the emulator logs it.
fn site_change(
    emulator: &Emulator,
    kind: ChangeKind,
    id: Option<u64>,
    values: &[(&str, &str)],
) -> u64 {
    registration_change(emulator, kind, id, values)
}

#[tokio::test]
async fn incremental_downloads_of_an_untyped_record_type() {
    let clock = Clock::manual(1_700_000_000);
    let emulator = site_emulator(clock.clone()).await;
    let client = client(&emulator);
    let kept = site_change(
        &emulator,
        ChangeKind::Insert,
        None,
        &[("TeamName", "Alpha")],
    );
    let gone = site_change(&emulator, ChangeKind::Insert, None, &[("TeamName", "Beta")]);
    // The window starts after those two were added (the clock started at 22:13:20).
    clock.advance(Duration::from_secs(60));
    site_change(
        &emulator,
        ChangeKind::Update,
        Some(kept),
        &[("TeamName", "Alpha Prime"), ("Goal", "75")],
    );
    site_change(&emulator, ChangeKind::Delete, Some(gone), &[]);
    let added = site_change(
        &emulator,
        ChangeKind::Insert,
        None,
        &[("TeamName", "Gamma")],
    );
    clock.advance(Duration::from_secs(60));

    client
        .start_synchronization(SyncOptions::default().start("2023-11-14T22:13:50Z"))
        .await
        .expect("window");
    let fields = ["TeamName", "Goal", "RegistrationId"];
    let download = |pages: Result<convio::soap::Pages, Error>| async move {
        let mut pages = pages.expect("fields in the site's schema");
        let mut records = Vec::new();
        while let Some(page) = pages.next_page().await.expect("page") {
            records.extend(page);
        }
        records
            .into_iter()
            .map(|record| match record {
                AnyRecord::Dynamic(record) => record,
                other => panic!("{other:?}"),
            })
            .collect::<Vec<_>>()
    };
    let inserts = download(client.incremental_inserts(TYPE, fields)).await;
    let updates = download(client.incremental_updates(TYPE, fields)).await;
    let deletes = download(client.incremental_deletes(TYPE, ["RegistrationId"])).await;
    client.end_synchronization(None).await.expect("end");

    assert_eq!(inserts.len(), 1, "{inserts:?}");
    assert_eq!(
        inserts[0].get("RegistrationId"),
        Field::Value(added.to_string().as_str())
    );
    assert_eq!(inserts[0].get("TeamName"), Field::Value("Gamma"));
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0].get("TeamName"), Field::Value("Alpha Prime"));
    assert_eq!(updates[0].get("Goal"), Field::Value("75"));
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert_eq!(
        deletes[0].get("RegistrationId"),
        Field::Value(gone.to_string().as_str())
    );
    emulator.shutdown().await;
}
