//! A record type only the site WSDL declares (`VolunteerRegistration` in the fixture, with a
//! nested `EmergencyContact`), served by `EmulatorBuilder::wsdl` in a crate built from the
//! bundled schemas: created, updated (value, nil, empty, absent), queried, deleted, described
//! and downloaded in a synchronization window over the wire, with hand-written SOAP and the
//! answers checked as text (the bundled binding has no type to decode these records into).
//! A `CONVIO_WSDL` build generates these types (they are no longer custom, and their dates are
//! generated strings), so this file is for the default build.
#![cfg(all(feature = "emulator", not(convio_site_wsdl)))]

mod common;

use std::time::Duration;

use common::site::{registration_change as web_change, site_emulator};
use common::wire::{body_of, default_namespace, fault_of, login, soap};
use convio::emulator::{ChangeKind, Clock, Emulator};
use convio::soap::{Body, FaultKind};

const TYPE: &str = "VolunteerRegistration";

async fn start_with(clock: Clock) -> Emulator {
    site_emulator(clock).await
}

async fn start() -> Emulator {
    start_with(Clock::System).await
}

fn operation(name: &str, content: &str) -> String {
    format!(
        "<{name} xmlns='urn:soap.convio.com' xmlns:ens='urn:object.soap.convio.com' \
         xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'>{content}</{name}>"
    )
}

/// One operation with the session header: (status, response text).
async fn call(emulator: &Emulator, token: &str, name: &str, content: &str) -> (u16, String) {
    soap(
        emulator,
        &default_namespace(token, &operation(name, content)),
    )
    .await
}

/// A response that must have succeeded.
async fn ok(emulator: &Emulator, token: &str, name: &str, content: &str) -> String {
    let (status, text) = call(emulator, token, name, content).await;
    assert_eq!(status, 200, "{name}: {text}");
    text
}

/// Every `<Record ...>...</Record>` of a response, as sent.
fn records(response: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = response;
    while let Some(start) = rest.find("<Record ") {
        let end = rest[start..]
            .find("</Record>")
            .map(|e| start + e + "</Record>".len())
            .unwrap_or_else(|| panic!("unclosed Record in {response}"));
        out.push(rest[start..end].to_string());
        rest = &rest[end..];
    }
    out
}

/// The text of `<ens:{name}>` (escaped as sent): `None` when absent, `nil` when `xsi:nil`.
fn field(xml: &str, name: &str) -> Option<String> {
    if xml.contains(&format!(r#"<ens:{name} xsi:nil="true"/>"#)) {
        return Some("nil".into());
    }
    let open = format!("<ens:{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</ens:{name}>"))? + start;
    Some(xml[start..end].to_string())
}

/// The text of every unprefixed `<{name}>` of a response, in order.
fn texts(response: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    response
        .split(&open)
        .skip(1)
        .filter_map(|rest| rest.split_once(&close).map(|(text, _)| text.to_string()))
        .collect()
}

/// The result codes of a write response, in order.
fn result_codes(response: &str) -> Vec<String> {
    texts(response, "ResultCode")
}

fn registration(content: &str) -> String {
    format!("<Record xsi:type='ens:{TYPE}'>{content}</Record>")
}

/// Every field of one registration, by Query.
async fn stored(emulator: &Emulator, token: &str, id: &str) -> Option<String> {
    let response = ok(
        emulator,
        token,
        "Query",
        &format!("<QueryString>select * from {TYPE} where RegistrationId = {id}</QueryString>"),
    )
    .await;
    let mut found = records(&response);
    assert!(found.len() <= 1, "{response}");
    found.pop()
}

const ROAD_RUNNERS: &str = "<ens:ConsId>1001001</ens:ConsId>\
     <ens:EventId>42</ens:EventId>\
     <ens:TeamName>Road Runners</ens:TeamName>\
     <ens:ParticipationType>Walker</ens:ParticipationType>\
     <ens:Goal>250.00</ens:Goal>\
     <ens:RegistrationDate>2026-05-01</ens:RegistrationDate>\
     <ens:EmergencyContact><ens:Name>Pat Doe</ens:Name><ens:Phone>555-0199</ens:Phone></ens:EmergencyContact>";

#[tokio::test]
async fn registrations_are_created_updated_queried_and_deleted() {
    let emulator = start().await;
    let token = login(&emulator).await;

    // Create: the emulator assigns the id and returns it in the result's record.
    let created = ok(
        &emulator,
        &token,
        "Create",
        &format!(
            "<PartitionId>1001</PartitionId>{}{}",
            registration(ROAD_RUNNERS),
            registration(
                "<ens:ConsId>1001002</ens:ConsId><ens:EventId>77</ens:EventId>\
                 <ens:TeamName>Harriers &amp; Hounds</ens:TeamName>"
            )
        ),
    )
    .await;
    assert_eq!(result_codes(&created), ["OK", "OK"], "{created}");
    assert_eq!(
        records(&created),
        [
            r#"<Record xsi:type="ens:VolunteerRegistration"><ens:RegistrationId>1</ens:RegistrationId></Record>"#,
            r#"<Record xsi:type="ens:VolunteerRegistration"><ens:RegistrationId>2</ens:RegistrationId></Record>"#,
        ]
    );

    // Every field comes back in schema order, the nested group included.
    assert_eq!(
        stored(&emulator, &token, "1").await.as_deref(),
        Some(
            r#"<Record xsi:type="ens:VolunteerRegistration"><ens:RegistrationId>1</ens:RegistrationId><ens:ConsId>1001001</ens:ConsId><ens:EventId>42</ens:EventId><ens:TeamName>Road Runners</ens:TeamName><ens:ParticipationType>Walker</ens:ParticipationType><ens:Goal>250.00</ens:Goal><ens:RegistrationDate>2026-05-01</ens:RegistrationDate><ens:EmergencyContact><ens:Name>Pat Doe</ens:Name><ens:Phone>555-0199</ens:Phone></ens:EmergencyContact></Record>"#
        )
    );

    // A value sets; ParticipationType, absent, stays.
    let update = |content: &str| {
        format!(
            "<PartitionId>1001</PartitionId>{}",
            registration(&format!(
                "<ens:RegistrationId>1</ens:RegistrationId>{content}"
            ))
        )
    };
    let updated = ok(
        &emulator,
        &token,
        "Update",
        &update(
            "<ens:TeamName>Road Runners II</ens:TeamName>\
             <ens:EmergencyContact><ens:Phone>555-0100</ens:Phone></ens:EmergencyContact>",
        ),
    )
    .await;
    assert_eq!(result_codes(&updated), ["OK"], "{updated}");
    assert!(
        updated.contains("<ens:RegistrationId>1</ens:RegistrationId>"),
        "{updated}"
    );
    let record = stored(&emulator, &token, "1").await.expect("stored");
    assert_eq!(
        field(&record, "TeamName").as_deref(),
        Some("Road Runners II")
    );
    assert_eq!(
        field(&record, "ParticipationType").as_deref(),
        Some("Walker")
    );
    // Within the nested group too: Phone set, Name (absent) kept.
    assert_eq!(field(&record, "Phone").as_deref(), Some("555-0100"));
    assert_eq!(field(&record, "Name").as_deref(), Some("Pat Doe"));

    // xsi:nil clears; an empty element leaves the value; an absent one too.
    let updated = ok(
        &emulator,
        &token,
        "Update",
        &update(
            "<ens:EventId/><ens:TeamName></ens:TeamName><ens:Goal xsi:nil='true'/>\
             <ens:EmergencyContact/>",
        ),
    )
    .await;
    assert_eq!(result_codes(&updated), ["OK"], "{updated}");
    let record = stored(&emulator, &token, "1").await.expect("stored");
    assert_eq!(field(&record, "Goal").as_deref(), Some("nil"));
    assert_eq!(field(&record, "EventId").as_deref(), Some("42"));
    assert_eq!(
        field(&record, "TeamName").as_deref(),
        Some("Road Runners II")
    );
    assert_eq!(
        field(&record, "ParticipationType").as_deref(),
        Some("Walker")
    );
    assert_eq!(
        field(&record, "RegistrationDate").as_deref(),
        Some("2026-05-01")
    );
    assert_eq!(field(&record, "Phone").as_deref(), Some("555-0100"));

    // A nil group clears all of it.
    ok(
        &emulator,
        &token,
        "Update",
        &update("<ens:EmergencyContact xsi:nil='true'/>"),
    )
    .await;
    let record = stored(&emulator, &token, "1").await.expect("stored");
    assert!(
        record.contains(r#"<ens:EmergencyContact><ens:Name xsi:nil="true"/><ens:Phone xsi:nil="true"/></ens:EmergencyContact>"#),
        "{record}"
    );
    assert_eq!(
        field(&record, "TeamName").as_deref(),
        Some("Road Runners II")
    );

    // Query: where on a number and on a string, selected fields only, pages.
    let response = ok(
        &emulator,
        &token,
        "Query",
        &format!("<QueryString>select RegistrationId, TeamName from {TYPE} where EventId = 77</QueryString>"),
    )
    .await;
    assert_eq!(
        records(&response),
        [
            r#"<Record xsi:type="ens:VolunteerRegistration"><ens:RegistrationId>2</ens:RegistrationId><ens:TeamName>Harriers &amp; Hounds</ens:TeamName></Record>"#
        ]
    );
    let response = ok(
        &emulator,
        &token,
        "Query",
        &format!("<QueryString>select RegistrationId from {TYPE} where TeamName = 'Road Runners II' and ConsId = 1001001</QueryString>"),
    )
    .await;
    assert_eq!(
        records(&response),
        [
            r#"<Record xsi:type="ens:VolunteerRegistration"><ens:RegistrationId>1</ens:RegistrationId></Record>"#
        ]
    );
    let response = ok(
        &emulator,
        &token,
        "Query",
        &format!("<QueryString>select RegistrationId, EmergencyContact.Phone from {TYPE}</QueryString><Page>2</Page><PageSize>1</PageSize>"),
    )
    .await;
    assert_eq!(
        records(&response),
        [
            r#"<Record xsi:type="ens:VolunteerRegistration"><ens:RegistrationId>2</ens:RegistrationId><ens:EmergencyContact><ens:Phone xsi:nil="true"/></ens:EmergencyContact></Record>"#
        ]
    );

    // Delete by id; afterwards the id is unknown to Update and Delete.
    let deleted = ok(
        &emulator,
        &token,
        "Delete",
        &registration("<ens:RegistrationId>2</ens:RegistrationId>"),
    )
    .await;
    assert_eq!(result_codes(&deleted), ["OK"], "{deleted}");
    assert!(
        deleted.contains("<ens:RegistrationId>2</ens:RegistrationId>"),
        "{deleted}"
    );
    assert_eq!(stored(&emulator, &token, "2").await, None);
    let response = ok(
        &emulator,
        &token,
        "Query",
        &format!("<QueryString>select RegistrationId from {TYPE}</QueryString>"),
    )
    .await;
    assert_eq!(records(&response).len(), 1, "{response}");
    for name in ["Delete", "Update"] {
        let response = ok(
            &emulator,
            &token,
            name,
            &registration(
                "<ens:RegistrationId>2</ens:RegistrationId><ens:TeamName>x</ens:TeamName>",
            ),
        )
        .await;
        assert_eq!(
            result_codes(&response),
            ["RECORD_NOT_FOUND"],
            "{name}: {response}"
        );
        // The result names the record it was about.
        assert!(
            response.contains("<ens:RegistrationId>2</ens:RegistrationId>"),
            "{response}"
        );
        let response = ok(
            &emulator,
            &token,
            name,
            &registration("<ens:TeamName>no id</ens:TeamName>"),
        )
        .await;
        assert_eq!(
            result_codes(&response),
            ["REQUIRED_FIELDS_MISSING"],
            "{name}: {response}"
        );
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_given_registration_id_is_kept_unless_taken() {
    let emulator = start().await;
    let token = login(&emulator).await;
    let created = ok(
        &emulator,
        &token,
        "Create",
        &format!(
            "{}{}{}",
            registration("<ens:RegistrationId>500</ens:RegistrationId>"),
            registration("<ens:RegistrationId>500</ens:RegistrationId>"),
            registration("<ens:TeamName>next</ens:TeamName>"),
        ),
    )
    .await;
    assert_eq!(
        result_codes(&created),
        ["OK", "MATCH_EXISTING", "OK"],
        "{created}"
    );
    let ids: Vec<Option<String>> = records(&created)
        .iter()
        .map(|r| field(r, "RegistrationId"))
        .collect();
    assert_eq!(
        ids,
        [Some("500".into()), Some("500".into()), Some("501".into())]
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn bad_registrations_refuse_the_message() {
    let emulator = start().await;
    let token = login(&emulator).await;
    for (name, content, named) in [
        ("Create", "<ens:Goal>lots</ens:Goal>", "Goal"),
        (
            "Create",
            "<ens:RegistrationDate>1 May 2026</ens:RegistrationDate>",
            "RegistrationDate",
        ),
        ("Create", "<ens:EventId>-1</ens:EventId>", "EventId"),
        (
            "Update",
            "<ens:RegistrationId>one</ens:RegistrationId>",
            "RegistrationId",
        ),
        (
            "Create",
            "<ens:EmergencyContact><ens:Email>x@example.org</ens:Email></ens:EmergencyContact>",
            "Email",
        ),
        (
            "Create",
            "<ens:TeamName>t</ens:TeamName><ens:EventId>1</ens:EventId>",
            "EventId",
        ),
    ] {
        let response = call(&emulator, &token, name, &registration(content)).await;
        let fault = fault_of(&response);
        assert_eq!(
            fault.kind,
            FaultKind::InvalidMessage,
            "{content}: {fault:?}"
        );
        assert!(
            fault.message.contains(named),
            "{content}: {}",
            fault.message
        );
    }
    // Nothing was stored by the refused messages.
    assert!(emulator.site().record_ids(TYPE).is_empty());

    // Registrations have no relationships.
    let response = call(
        &emulator,
        &token,
        "AddRelationships",
        &registration("<ens:RegistrationId>1</ens:RegistrationId>"),
    )
    .await;
    assert_eq!(fault_of(&response).kind, FaultKind::InvalidRequest);
    emulator.shutdown().await;
}

#[tokio::test]
async fn registrations_are_listed_and_described() {
    let emulator = start().await;
    let token = login(&emulator).await;
    let listed = ok(&emulator, &token, "ListRecordTypes", "").await;
    let types = texts(&listed, "RecordType");
    assert!(types.iter().any(|t| t == "Constituent"), "{listed}");
    // The WSDL-only type comes after the bundled ones.
    assert_eq!(types.last().map(String::as_str), Some(TYPE), "{listed}");

    let response = call(
        &emulator,
        &token,
        "DescribeRecordType",
        &format!("<RecordType>{TYPE}</RecordType>"),
    )
    .await;
    let Body::DescribeRecordTypeResponse(described) = body_of(&response) else {
        panic!("{}", response.1)
    };
    assert_eq!(described.result.name.to_string(), TYPE);
    let names: Vec<String> = described
        .result
        .field
        .iter()
        .map(|f| f.name.to_string())
        .collect();
    assert_eq!(
        names,
        [
            "RegistrationId",
            "ConsId",
            "EventId",
            "TeamName",
            "ParticipationType",
            "Goal",
            "RegistrationDate",
            "EmergencyContact"
        ]
    );
    assert!(described
        .result
        .field
        .iter()
        .all(|f| f.writable == Some(true) && f.custom == Some(true)));
    let nillable: Vec<bool> = described
        .result
        .field
        .iter()
        .map(|f| f.nillable == Some(true))
        .collect();
    assert_eq!(nillable, [false, false, true, true, true, true, true, true]);
    // Written text, so the check does not depend on the generated names of the flags.
    for operation in [
        "Create",
        "Update",
        "Delete",
        "Query",
        "GetIncrementalInserts",
        "GetIncrementalUpdates",
        "GetIncrementalDeletes",
    ] {
        assert!(
            response
                .1
                .contains(&format!("<{operation}>true</{operation}>")),
            "{operation}: {}",
            response.1
        );
    }
    assert!(
        response.1.contains("<Type>EmergencyContact</Type>"),
        "{}",
        response.1
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn registrations_are_downloaded_within_a_synchronization_window() {
    // 2009-05-01T00:00:00Z, the day of the reference's GetSynchronizationLog sample.
    let clock = Clock::manual(1_241_136_000);
    let emulator = start_with(clock.clone()).await;
    let token = login(&emulator).await;

    // Before the window: three registrations.
    clock.advance(Duration::from_secs(60));
    let first = web_change(
        &emulator,
        ChangeKind::Insert,
        None,
        &[("TeamName", "Alpha")],
    );
    let second = web_change(&emulator, ChangeKind::Insert, None, &[("TeamName", "Beta")]);
    let third = web_change(
        &emulator,
        ChangeKind::Insert,
        None,
        &[("TeamName", "Gamma")],
    );

    // In the window (from 00:10): one changed, one removed, one added on the site, and one
    // added by the synchronizing user (not reported to it).
    clock.advance(Duration::from_secs(640));
    web_change(
        &emulator,
        ChangeKind::Update,
        Some(first),
        &[
            ("TeamName", "Alpha Prime"),
            ("EmergencyContact.Phone", "555-0101"),
        ],
    );
    web_change(&emulator, ChangeKind::Delete, Some(second), &[]);
    let fourth = web_change(
        &emulator,
        ChangeKind::Insert,
        None,
        &[("TeamName", "Delta"), ("Goal", "99.5")],
    );
    let created = ok(
        &emulator,
        &token,
        "Create",
        &registration("<ens:TeamName>Mine</ens:TeamName>"),
    )
    .await;
    assert_eq!(result_codes(&created), ["OK"], "{created}");

    clock.advance(Duration::from_secs(100));
    // The reference's non-xs:dateTime form: one-digit month and day, offset without colon.
    let started = ok(
        &emulator,
        &token,
        "StartSynchronization",
        "<PartitionId>1001</PartitionId><Start>2009-5-1T00:10:00+0000</Start>",
    )
    .await;
    assert!(
        started.contains("<Start>2009-05-01T00:10:00Z</Start><End>2009-05-01T00:13:20Z</End>"),
        "{started}"
    );
    // After the window's end: not reported.
    clock.advance(Duration::from_secs(100));
    web_change(&emulator, ChangeKind::Insert, None, &[("TeamName", "Late")]);
    web_change(
        &emulator,
        ChangeKind::Update,
        Some(third),
        &[("TeamName", "Late")],
    );

    let download = |name: &str, fields: &[&str]| {
        let fields: String = fields
            .iter()
            .map(|f| format!("<Field>{f}</Field>"))
            .collect();
        (
            name.to_string(),
            format!(
                "<PartitionId>1001</PartitionId><RecordType>{TYPE}</RecordType>\
                 <Page>1</Page><PageSize>10</PageSize>{fields}"
            ),
        )
    };
    let fields = [
        "RegistrationId",
        "TeamName",
        "Goal",
        "EmergencyContact.Phone",
    ];
    let (name, content) = download("GetIncrementalInserts", &fields);
    let inserts = ok(&emulator, &token, &name, &content).await;
    assert_eq!(
        records(&inserts),
        [format!(
            r#"<Record xsi:type="ens:VolunteerRegistration"><ens:RegistrationId>{fourth}</ens:RegistrationId><ens:TeamName>Delta</ens:TeamName><ens:Goal>99.5</ens:Goal><ens:EmergencyContact><ens:Phone xsi:nil="true"/></ens:EmergencyContact></Record>"#
        )]
    );
    let (name, content) = download("GetIncrementalUpdates", &fields);
    let updates = ok(&emulator, &token, &name, &content).await;
    assert_eq!(
        records(&updates),
        [format!(
            r#"<Record xsi:type="ens:VolunteerRegistration"><ens:RegistrationId>{first}</ens:RegistrationId><ens:TeamName>Alpha Prime</ens:TeamName><ens:Goal xsi:nil="true"/><ens:EmergencyContact><ens:Phone>555-0101</ens:Phone></ens:EmergencyContact></Record>"#
        )]
    );
    let (name, content) = download("GetIncrementalDeletes", &["RegistrationId", "TeamName"]);
    let deletes = ok(&emulator, &token, &name, &content).await;
    assert_eq!(
        records(&deletes),
        [format!(
            r#"<Record xsi:type="ens:VolunteerRegistration"><ens:RegistrationId>{second}</ens:RegistrationId><ens:TeamName>Beta</ens:TeamName></Record>"#
        )]
    );

    // Fields in schema order only; unknown fields refused.
    let (name, content) = download("GetIncrementalInserts", &["TeamName", "RegistrationId"]);
    let fault = fault_of(&call(&emulator, &token, &name, &content).await);
    assert!(fault.message.contains("order"), "{}", fault.message);
    let (name, content) = download("GetIncrementalInserts", &["RegistrationId", "PrimaryEmail"]);
    let fault = fault_of(&call(&emulator, &token, &name, &content).await);
    assert!(fault.message.contains("PrimaryEmail"), "{}", fault.message);

    // The registrations' changes are not constituents' changes.
    let constituents = ok(
        &emulator,
        &token,
        "GetIncrementalInserts",
        "<PartitionId>1001</PartitionId><RecordType>Constituent</RecordType>\
         <Page>1</Page><PageSize>10</PageSize><Field>ConsId</Field>",
    )
    .await;
    assert!(records(&constituents).is_empty(), "{constituents}");

    let ended = ok(
        &emulator,
        &token,
        "EndSynchronization",
        "<PartitionId>1001</PartitionId>",
    )
    .await;
    let [sync_id] = texts(&ended, "SyncId")
        .try_into()
        .unwrap_or_else(|_| panic!("one SyncId in {ended}"));
    let log = ok(
        &emulator,
        &token,
        "GetSynchronizationRequestLog",
        &format!("<SyncId>{sync_id}</SyncId>"),
    )
    .await;
    for (operation, count) in [
        ("GetIncrementalInserts", 1),
        ("GetIncrementalUpdates", 1),
        ("GetIncrementalDeletes", 1),
    ] {
        assert!(
            log.contains(&format!(
                "<Operation>{operation}</Operation><RecordType>{TYPE}</RecordType><RecordCount>{count}</RecordCount>"
            )),
            "{operation}: {log}"
        );
    }
    emulator.shutdown().await;
}
