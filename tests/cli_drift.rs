//! `convio query` against a site that sends what our schema lacks (custom fields, nested and
//! foreign fields, record types we have not typed): every field printed, as dotted paths.
#![cfg(feature = "cli")]

mod common;

use std::process::Output;

use common::cli::{convio, printed, site_emulator_process, Running};
use common::fake_site::FakeSite;
use serde_json::Value;

fn site_serving(fixture: &str) -> FakeSite {
    let page = std::fs::read_to_string(format!("tests/fixtures/drift/{fixture}")).expect("fixture");
    FakeSite::start(move |_| page.clone())
}

fn query(site: &FakeSite, format: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "query",
        "--endpoint",
        &site.url,
        "--user",
        "apiuser",
        "--password",
        "not-the-default",
        "select ConsId, ConsName from Constituent",
        "--format",
        format,
    ];
    args.extend_from_slice(extra);
    convio(&args)
}

fn json_lines(output: &Output) -> Vec<Value> {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

#[test]
fn json_output_has_every_field_the_site_sent_as_a_dotted_path() {
    let site = site_serving("query-custom-fields.xml");
    let rows = json_lines(&query(&site, "json", &[]));
    assert_eq!(rows.len(), 2);
    let ada = &rows[0];
    for (key, value) in [
        ("ConsId", "1001081"),
        ("Custom_FirstContact", "2019-03-30"),
        ("CreationDate", "2019-04-02T10:11:12Z"),
        ("ConsName.FirstName", "Ada"),
        ("ConsName.Nickname", "Countess"),
        ("ConsName.LastName", "Lovelace"),
        ("ModifyDate", "2026-11-20T08:00:00Z"),
        ("EngagementFactor3", "0.75"),
        ("Custom_PartyAffiliation", "Independent"),
    ] {
        assert_eq!(ada[key], Value::String(value.into()), "{key} in {ada}");
    }
    assert_eq!(ada["GroupId"], serde_json::json!(["1201", "1202"]));
    let grace = &rows[1];
    assert_eq!(grace["Custom_PartyAffiliation"], Value::Null);
    assert!(grace
        .as_object()
        .expect("object")
        .contains_key("Custom_PartyAffiliation"));
    assert_eq!(grace["Region"], Value::String("North & East".into()));
}

#[test]
fn records_of_any_type_print_the_same_way() {
    let site = site_serving("query-mixed-types.xml");
    let rows = json_lines(&query(&site, "json", &[]));
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["RegistrationId"], Value::String("5501".into()));
    assert_eq!(
        rows[0]["EmergencyContact.Name"],
        Value::String("Charles Babbage".into())
    );
    assert_eq!(rows[0]["EmergencyContact.Phone"], Value::Null);
    assert_eq!(
        rows[1]["ConsName.LastName"],
        Value::String("Lovelace".into())
    );
    assert_eq!(rows[2]["TeamName"], Value::Null);
}

#[test]
fn csv_and_table_get_columns_for_unknown_fields() {
    let site = site_serving("query-custom-fields.xml");
    let output = query(&site, "csv", &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let csv = String::from_utf8_lossy(&output.stdout).into_owned();
    let header: Vec<&str> = csv.lines().next().expect("header").split(',').collect();
    for column in [
        "ConsName.Nickname",
        "Custom_PartyAffiliation",
        "EngagementFactor3",
        "Region",
    ] {
        assert!(header.contains(&column), "{column} in {header:?}");
    }
    assert!(csv.contains("Countess"), "{csv}");

    let table = query(&site, "table", &[]);
    assert!(table.status.success());
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    assert!(
        table
            .lines()
            .next()
            .expect("header")
            .contains("Custom_PartyAffiliation"),
        "{table}"
    );
    assert!(table.contains("(2 records)"), "{table}");
}

#[test]
fn strict_refuses_the_page_naming_the_element_path() {
    let site = site_serving("query-custom-fields.xml");
    let output = query(&site, "json", &["--strict"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("QueryResponse/Record[1]"), "{stderr}");
    assert!(stderr.contains("attribute `rowVersion`"), "{stderr}");
}

/// `convio emulator --wsdl FILE` running as a process, and its SOAP endpoint.
fn site_emulator() -> (String, Running) {
    let (running, lines) = site_emulator_process();
    assert_eq!(
        printed(&lines, "Record types:").as_deref(),
        Some("VolunteerRegistration (not in the bundled schema: read as dynamic records)")
    );
    let endpoint = printed(&lines, "SOAP endpoint:").expect("the emulator prints its endpoint");
    (endpoint, running)
}

#[test]
fn a_bundled_build_queries_a_sites_custom_fields_and_record_types_without_a_rebuild() {
    use convio::codec::{Element, Name};
    use convio::{AnyRecord, DynamicRecord, Field};
    let (endpoint, _emulator) = site_emulator();
    // Data with the site's custom fields and one of its record types, written by the library.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let cons_id = runtime.block_on(async {
        let client = convio::soap::Client::builder()
            .endpoint(&endpoint)
            .credentials("apiuser", "secret")
            .partition(1001)
            .wsdl_file("tests/fixtures/site/site.wsdl")
            .build()
            .expect("client");
        let mut ada = convio::generated::ens::ConstituentType {
            primary_email: Field::Value("ada@example.org".into()),
            accepts_email: Field::Value(true),
            ..Default::default()
        };
        let objects = "urn:object.soap.convio.com";
        ada.unknown.push(Element::value(
            Name::qualified(objects, "CustomNickname"),
            "Countess",
        ));
        ada.unknown.push(Element::value(
            Name::qualified(objects, "Custom_PartyAffiliation"),
            "Independent",
        ));
        let created = client.create([AnyRecord::from(ada)]).await.expect("create");
        let registration = DynamicRecord::new("VolunteerRegistration")
            .with("TeamName", Field::Value("Harbour Runners"))
            .with("Goal", Field::Value("250.00"));
        assert!(client
            .create([AnyRecord::from(registration)])
            .await
            .expect("create")
            .all_ok());
        match created.iter().next().and_then(|r| r.record.clone()) {
            Some(AnyRecord::Constituent(c)) => c.cons_id.expect("id"),
            other => panic!("{other:?}"),
        }
    });
    let run = |select: &str| {
        convio(&[
            "query",
            "--endpoint",
            &endpoint,
            "--user",
            "apiuser",
            "--password",
            "secret",
            select,
            "--format",
            "json",
        ])
    };
    let rows = json_lines(&run(&format!(
        "select ConsId, PrimaryEmail, CustomNickname, CustomFavoriteColor, Custom_PartyAffiliation \
         from Constituent where ConsId = {cons_id}"
    )));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["CustomNickname"], Value::String("Countess".into()));
    assert_eq!(
        rows[0]["Custom_PartyAffiliation"],
        Value::String("Independent".into())
    );
    assert_eq!(rows[0]["CustomFavoriteColor"], Value::Null);

    let rows = json_lines(&run(
        "select RegistrationId, TeamName, Goal from VolunteerRegistration",
    ));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["TeamName"], Value::String("Harbour Runners".into()));
    assert_eq!(rows[0]["Goal"], Value::String("250.00".into()));
    assert!(rows[0]["RegistrationId"].is_string(), "{}", rows[0]);
}
