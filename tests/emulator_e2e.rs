//! Our client against the emulator over real loopback HTTP.
#![cfg(feature = "emulator")]

use std::time::Duration;

use convio::emulator::{ChangeKind, Clock, Emulator};
use convio::generated::ens;
use convio::soap::{Client, EmailOptIn, FaultKind, NewConstituent, SyncOptions, WriteOptions};
use convio::{AnyRecord, Error, Field, ResultCode, Text};

async fn start() -> Emulator {
    Emulator::builder()
        .start("127.0.0.1:0")
        .await
        .expect("emulator starts")
}

fn client(emulator: &Emulator) -> Client {
    client_as(emulator, "apiuser", "secret")
}

fn client_as(emulator: &Emulator, user: &str, password: &str) -> Client {
    Client::builder()
        .endpoint(emulator.soap_url())
        .credentials(user, password)
        .partition(1001)
        .build()
        .unwrap()
}

fn constituent(record: &AnyRecord) -> &ens::ConstituentType {
    match record {
        AnyRecord::Constituent(c) => c,
        other => panic!("not a constituent: {other:?}"),
    }
}

async fn create_one(client: &Client, email: &str, member_id: Option<&str>) -> u64 {
    let mut record = NewConstituent::new(email, EmailOptIn::OptedIn).name("Ada", "Lovelace");
    if let Some(member_id) = member_id {
        record = record.member_id(member_id);
    }
    let results = client.create([record.into()]).await.unwrap();
    let result = results.iter().next().unwrap();
    assert_eq!(result.code, ResultCode::Ok, "{result:?}");
    constituent(result.record.as_ref().unwrap())
        .cons_id
        .unwrap()
}

fn with_middle(cons_id: u64, middle: Field<Text>) -> AnyRecord {
    AnyRecord::Constituent(ens::ConstituentType {
        cons_id: Some(cons_id),
        cons_name: Field::Value(ens::NameType {
            first_name: Field::Value("Ada".into()),
            middle_name: middle,
            ..Default::default()
        }),
        ..Default::default()
    })
}

async fn stored_middle(client: &Client, cons_id: u64) -> Field<Text> {
    let mut pages = client.query(format!(
        "select ConsId, ConsName.MiddleName from Constituent where ConsId = {cons_id}"
    ));
    let records = pages.next_page().await.unwrap().expect("a page");
    assert_eq!(records.len(), 1);
    let Field::Value(name) = &constituent(&records[0]).cons_name else {
        panic!("no ConsName")
    };
    name.middle_name.clone()
}

#[tokio::test]
async fn the_value_nil_absent_table() {
    let emulator = start().await;
    let client = client(&emulator);
    let cons_id = create_one(&client, "ada@example.org", None).await;
    // Selected but empty: the server answers nil.
    assert_eq!(stored_middle(&client, cons_id).await, Field::Nil);

    assert!(client
        .update([with_middle(cons_id, Field::Value("Williamson".into()))])
        .await
        .unwrap()
        .all_ok());
    assert_eq!(
        stored_middle(&client, cons_id).await,
        Field::Value("Williamson".into())
    );

    assert!(client
        .update([with_middle(cons_id, Field::Absent)])
        .await
        .unwrap()
        .all_ok());
    assert_eq!(
        stored_middle(&client, cons_id).await,
        Field::Value("Williamson".into())
    );

    assert!(client
        .update([with_middle(cons_id, Field::Nil)])
        .await
        .unwrap()
        .all_ok());
    assert_eq!(stored_middle(&client, cons_id).await, Field::Nil);
    emulator.shutdown().await;
}

#[tokio::test]
async fn empty_element_on_the_wire_leaves_the_value() {
    let emulator = start().await;
    let client = client(&emulator);
    let cons_id = create_one(&client, "grace@example.org", None).await;
    client
        .update([with_middle(cons_id, Field::Value("Brewster".into()))])
        .await
        .unwrap();
    // Our encoder refuses an empty value, so send the documented wire form by hand.
    let token = {
        let login = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><Login xmlns="urn:soap.convio.com"><UserName>apiuser</UserName><Password>secret</Password></Login></soapenv:Body></soapenv:Envelope>"#;
        let response = post(&emulator.soap_url(), login).await;
        let start = response.find("<SessionId>").unwrap() + "<SessionId>".len();
        response[start..response.find("</SessionId>").unwrap()].to_string()
    };
    let update = format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><Session xmlns="urn:soap.convio.com"><SessionId>{token}</SessionId></Session></soapenv:Header><soapenv:Body><Update xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Record xsi:type="ens:Constituent"><ens:ConsId>{cons_id}</ens:ConsId><ens:ConsName><ens:MiddleName/></ens:ConsName></Record></Update></soapenv:Body></soapenv:Envelope>"#
    );
    let response = post(&emulator.soap_url(), &update).await;
    assert!(
        response.contains("<ResultCode>OK</ResultCode>"),
        "{response}"
    );
    assert_eq!(
        stored_middle(&client, cons_id).await,
        Field::Value("Brewster".into())
    );
    emulator.shutdown().await;
}

async fn post(url: &str, body: &str) -> String {
    use convio::transport::{HyperTransport, Transport};
    let transport = HyperTransport::builder().build().unwrap();
    let mut request = hyper::Request::new(bytes::Bytes::from(body.to_string()));
    *request.method_mut() = hyper::Method::POST;
    *request.uri_mut() = url.parse().unwrap();
    let response = transport.send(request).await.unwrap();
    String::from_utf8(response.body().to_vec()).unwrap()
}

#[tokio::test]
async fn every_result_code_path_of_update() {
    let emulator = start().await;
    let client = client(&emulator);
    let first = create_one(&client, "one@example.org", Some("M-1")).await;
    let _second = create_one(&client, "two@example.org", Some("M-2")).await;
    // A duplicate MemberId can only exist if the site had it before; make one by hand.
    for email in ["dup1@example.org", "dup2@example.org"] {
        emulator.site().change_on_website(
            "Constituent",
            ChangeKind::Insert,
            None,
            &[("MemberId", "M-DUP"), ("PrimaryEmail", email)],
        );
    }
    let record = |cons_id: Option<u64>, member_id: Option<&str>, email: Option<&str>| {
        AnyRecord::Constituent(ens::ConstituentType {
            cons_id,
            member_id: member_id.map_or(Field::Absent, |m| Field::Value(m.into())),
            primary_email: email.map_or(Field::Absent, |e| Field::Value(e.into())),
            ..Default::default()
        })
    };
    let results = client
        .update([
            record(Some(first), None, None),
            record(Some(999_999), None, None),
            record(None, Some("M-DUP"), None),
            record(Some(first), Some("M-2"), None),
            record(Some(first), None, Some("two@example.org")),
            record(None, None, Some("one@example.org")),
            record(None, Some("NOPE"), None),
        ])
        .await
        .unwrap();
    let codes: Vec<ResultCode> = results.iter().map(|r| r.code.clone()).collect();
    assert_eq!(
        codes,
        [
            ResultCode::Ok,
            ResultCode::RecordNotFound,
            ResultCode::UpdateMatchAmbiguous,
            ResultCode::MatchExisting,
            ResultCode::DuplicateEmail,
            ResultCode::Ok,
            ResultCode::RecordNotFound,
        ]
    );
    // Nothing of the refused updates was applied.
    let mut pages = client.query(format!(
        "select ConsId, MemberId, PrimaryEmail from Constituent where ConsId = {first}"
    ));
    let row = pages.next_page().await.unwrap().unwrap();
    let stored = constituent(&row[0]);
    assert_eq!(
        (stored.member_id.clone(), stored.primary_email.clone()),
        (
            Field::Value("M-1".into()),
            Field::Value("one@example.org".into())
        )
    );

    // Create collisions.
    let duplicates = client
        .create([
            NewConstituent::new("one@example.org", EmailOptIn::OptedOut).into(),
            NewConstituent::new("fresh@example.org", EmailOptIn::OptedOut)
                .member_id("M-1")
                .into(),
            AnyRecord::Constituent(ens::ConstituentType::default()),
        ])
        .await
        .unwrap();
    let codes: Vec<ResultCode> = duplicates.iter().map(|r| r.code.clone()).collect();
    assert_eq!(
        codes,
        [
            ResultCode::DuplicateEmail,
            ResultCode::DuplicateMemberKey,
            ResultCode::RequiredFieldsMissing
        ]
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn more_than_fifty_records_in_one_request_is_a_fault() {
    let emulator = start().await;
    let records: String = (0..51)
        .map(|n| format!(r#"<Record xsi:type="ens:Constituent"><ens:PrimaryEmail>x{n}@example.org</ens:PrimaryEmail></Record>"#))
        .collect();
    let login = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><Login xmlns="urn:soap.convio.com"><UserName>apiuser</UserName><Password>secret</Password></Login></soapenv:Body></soapenv:Envelope>"#;
    let response = post(&emulator.soap_url(), login).await;
    let start = response.find("<SessionId>").unwrap() + "<SessionId>".len();
    let token = &response[start..response.find("</SessionId>").unwrap()];
    let create = format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><Session xmlns="urn:soap.convio.com"><SessionId>{token}</SessionId></Session></soapenv:Header><soapenv:Body><Create xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{records}</Create></soapenv:Body></soapenv:Envelope>"#
    );
    let Err(Error::Fault(fault)) =
        convio::soap::decode_response(post(&emulator.soap_url(), &create).await.as_bytes())
    else {
        panic!("expected a fault")
    };
    assert_eq!(fault.code, "TOO_MANY_RECORDS");
    assert_eq!(fault.kind, FaultKind::InvalidRequest);
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_client_splits_large_batches_for_the_emulator() {
    let emulator = start().await;
    let client = client(&emulator);
    let records: Vec<AnyRecord> = (0..120)
        .map(|n| NewConstituent::new(format!("bulk{n}@example.org"), EmailOptIn::OptedOut).into())
        .collect();
    let results = client.create(records).await.unwrap();
    assert_eq!(results.len(), 120);
    assert!(results.all_ok());
    let emails: Vec<String> = results
        .iter()
        .map(|r| {
            constituent(r.record.as_ref().unwrap())
                .primary_email
                .as_option()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        emails,
        (0..120)
            .map(|n| format!("bulk{n}@example.org"))
            .collect::<Vec<_>>()
    );
    let mut pages = client
        .query("select ConsId from Constituent")
        .page_size(50)
        .unwrap();
    let mut total = 0;
    while let Some(page) = pages.next_page().await.unwrap() {
        total += page.len();
    }
    assert_eq!(total, 120);
    emulator.shutdown().await;
}

/// An emulator whose clock moves only when the test advances it.
async fn start_with_manual_clock() -> (Emulator, Clock) {
    let clock = Clock::manual(1_790_000_000);
    let emulator = Emulator::builder()
        .clock(clock.clone())
        .start("127.0.0.1:0")
        .await
        .unwrap();
    (emulator, clock)
}

#[tokio::test]
async fn login_fault_and_session_expiry_with_the_injected_clock() {
    let (emulator, clock) = start_with_manual_clock().await;
    let wrong = client_as(&emulator, "apiuser", "wrong");
    let Error::Fault(fault) = wrong.get_server_time().await.unwrap_err() else {
        panic!("expected a fault")
    };
    assert_eq!(fault.kind, FaultKind::Login);

    let client = client(&emulator);
    client.get_server_time().await.unwrap();
    assert_eq!(client.login_count(), 1);
    // The server forgets the token after 30 idle minutes; the client's own timer has not
    // run (its clock is real), so the session fault path logs in again and replays.
    clock.advance(Duration::from_secs(31 * 60));
    let time = client.get_server_time().await.unwrap();
    assert_eq!(time, convio::emulator::format_date_time(clock.now()));
    assert_eq!(client.login_count(), 2);
    emulator.shutdown().await;
}

#[tokio::test]
async fn synchronization_lifecycle() {
    let (emulator, clock) = start_with_manual_clock().await;
    let client = client(&emulator);
    // Changes by another user (the web) are what a sync downloads.
    let web = client_as(&emulator, "apiuser", "secret");
    let window = client
        .start_synchronization(SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(window.partition_id, 1001);
    let Error::Fault(fault) = client
        .start_synchronization(SyncOptions::default())
        .await
        .unwrap_err()
    else {
        panic!("a second window must fault")
    };
    assert_eq!(fault.kind, FaultKind::Synchronization);
    let forced = client
        .start_synchronization(SyncOptions::default().force(true))
        .await
        .unwrap();
    assert!(forced.sync_id > window.sync_id);
    client.end_synchronization(None).await.unwrap();
    let _ = web;

    emulator.site().change_on_website(
        "Constituent",
        ChangeKind::Insert,
        None,
        &[
            ("PrimaryEmail", "online@example.org"),
            ("ConsName.FirstName", "Web"),
        ],
    );
    clock.advance(Duration::from_secs(60));
    let window = client
        .start_synchronization(SyncOptions::default())
        .await
        .unwrap();
    let mut inserts = client
        .incremental_inserts(
            "Constituent",
            ["PrimaryEmail", "ConsId", "ConsName.FirstName"],
        )
        .unwrap();
    let page = inserts.next_page().await.unwrap().expect("one insert");
    assert_eq!(page.len(), 1);
    assert_eq!(
        constituent(&page[0]).primary_email,
        Field::Value("online@example.org".into())
    );
    assert!(inserts.next_page().await.unwrap().is_none());
    let mut updates = client
        .incremental_updates("Constituent", ["ConsId"])
        .unwrap();
    assert!(updates.next_page().await.unwrap().is_none());
    let log = client
        .synchronization_request_log(window.sync_id)
        .await
        .unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].record_count, Some(1));
    client.end_synchronization(None).await.unwrap();
    let history = client.synchronization_log(None, None, None).await.unwrap();
    assert!(history
        .iter()
        .all(|entry| entry.completed == Some(true) || entry.sync_id != window.sync_id));
    emulator.shutdown().await;
}

#[tokio::test]
async fn metadata_and_relationships() {
    let emulator = start().await;
    let client = client(&emulator);
    let description = client.describe_record_type("Constituent").await.unwrap();
    assert_eq!(description.name, "Constituent");
    assert!(description.field.iter().any(|f| f.name == "ConsName"));
    let types = client.list_record_types().await.unwrap();
    assert!(types.iter().any(|t| t == "Constituent"));
    let cons_id = create_one(&client, "rel@example.org", None).await;
    let add = AnyRecord::Constituent(ens::ConstituentType {
        cons_id: Some(cons_id),
        group_id: vec![1101, 1102],
        ..Default::default()
    });
    assert!(client
        .add_relationships([add], WriteOptions::default())
        .await
        .unwrap()
        .all_ok());
    let remove = AnyRecord::Constituent(ens::ConstituentType {
        cons_id: Some(cons_id),
        group_id: vec![1101],
        ..Default::default()
    });
    assert!(client
        .remove_relationships([remove], WriteOptions::default())
        .await
        .unwrap()
        .all_ok());
    let mut pages = client.query(format!(
        "select GroupId from Constituent where ConsId = {cons_id}"
    ));
    let rows = pages.next_page().await.unwrap().unwrap();
    assert_eq!(constituent(&rows[0]).group_id, vec![1102]);
    let deleted = client
        .delete([AnyRecord::Constituent(ens::ConstituentType {
            cons_id: Some(cons_id),
            ..Default::default()
        })])
        .await
        .unwrap();
    assert!(deleted.all_ok());
    client.logout().await.unwrap();
    emulator.shutdown().await;
}

#[tokio::test]
async fn deletes_by_others_are_downloaded_and_user_names_are_unique() {
    let emulator = Emulator::builder()
        .seed(3)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let client = client(&emulator);
    // A removal made elsewhere during the window.
    let window = client
        .start_synchronization(SyncOptions::default().start("1970-01-01T00:00:00Z"))
        .await
        .unwrap();
    client.end_synchronization(None).await.unwrap();
    emulator
        .site()
        .change_on_website("Constituent", ChangeKind::Delete, Some(1_001_002), &[]);
    let window2 = client
        .start_synchronization(SyncOptions::default().start("1970-01-01T00:00:00Z"))
        .await
        .unwrap();
    assert!(window2.sync_id > window.sync_id);
    let mut deletes = client
        .incremental_deletes("Constituent", ["MemberId", "ConsId"])
        .unwrap();
    let page = deletes.next_page().await.unwrap().expect("one removal");
    assert_eq!(page.len(), 1);
    assert_eq!(constituent(&page[0]).cons_id, Some(1_001_002));
    assert_eq!(
        constituent(&page[0]).member_id,
        Field::Value("SEED-000001".into())
    );
    // The removed record is no longer an insert of this window.
    let mut inserts = client
        .incremental_inserts("Constituent", ["ConsId"])
        .unwrap();
    let inserted = inserts.next_page().await.unwrap().unwrap();
    assert_eq!(
        inserted
            .iter()
            .map(|r| constituent(r).cons_id.unwrap())
            .collect::<Vec<_>>(),
        [1_001_001, 1_001_003]
    );
    client.end_synchronization(None).await.unwrap();

    let with_user_name = |email: &str| {
        AnyRecord::Constituent(ens::ConstituentType {
            primary_email: Field::Value(email.into()),
            user_name: Field::Value("albus".into()),
            ..Default::default()
        })
    };
    let results = client
        .create([
            with_user_name("a1@example.org"),
            with_user_name("a2@example.org"),
        ])
        .await
        .unwrap();
    let codes: Vec<ResultCode> = results.iter().map(|r| r.code.clone()).collect();
    assert_eq!(codes, [ResultCode::Ok, ResultCode::DuplicateUserName]);
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_server_keeps_creation_and_modify_dates_and_ignores_uploads_of_them() {
    let (emulator, clock) = start_with_manual_clock().await;
    let client = client(&emulator);
    let created_at = convio::emulator::format_date_time(clock.now());
    let cons_id = create_one(&client, "katherine@example.org", None).await;
    let dates = |client: Client| async move {
        let mut pages = client.query(format!(
            "select ConsId, CreationDate, ModifyDate from Constituent where ConsId = {cons_id}"
        ));
        let records = pages.next_page().await.unwrap().expect("a page");
        let record = constituent(&records[0]);
        let text = |field: &Field<convio::DateTime>| field.as_option().map(|d| d.to_string());
        (text(&record.creation_date), text(&record.modify_date))
    };
    assert_eq!(
        dates(client.clone()).await,
        (Some(created_at.clone()), Some(created_at.clone()))
    );

    clock.advance(Duration::from_secs(3_600));
    let modified_at = convio::emulator::format_date_time(clock.now());
    // An upload of the server's dates is ignored; the change itself moves ModifyDate.
    let mut change = with_middle(cons_id, Field::Value("Coleman".into()));
    if let AnyRecord::Constituent(record) = &mut change {
        record.creation_date = Field::Value("2001-01-01T00:00:00Z".parse().unwrap());
    }
    assert!(client.update([change]).await.unwrap().all_ok());
    assert_eq!(
        dates(client.clone()).await,
        (Some(created_at), Some(modified_at))
    );
    emulator.shutdown().await;
}
