//! The client with a site's record schema (given as a WSDL or downloaded from the site):
//! custom fields written through a typed record's unknown content and read back there,
//! GetIncremental* field lists in the site's order, strict reading, and the `CLIENT` fault a
//! live site answers StartSynchronization with when a window is open.
#![cfg(feature = "emulator")]

mod common;

use common::scripted::{Reply, Scripted};
use common::site::{site_emulator, SITE_WSDL};
use convio::codec::{Element, Name};
use convio::emulator::{Clock, Emulator};
use convio::generated::ens;
use convio::soap::{Client, ClientBuilder, FaultKind, SyncOptions};
use convio::{AnyRecord, Error, Field};

const OBJECTS: &str = "urn:object.soap.convio.com";

async fn site() -> Emulator {
    site_emulator(Clock::System).await
}

fn client(emulator: &Emulator, configure: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Client {
    configure(
        Client::builder()
            .endpoint(emulator.soap_url())
            .credentials("apiuser", "secret")
            .partition(1001),
    )
    .build()
    .expect("client")
}

#[tokio::test]
async fn custom_fields_travel_in_a_typed_records_unknown_content() {
    let emulator = site().await;
    let client = client(&emulator, |b| b);
    let mut record = ens::ConstituentType {
        primary_email: Field::Value("custom@example.org".into()),
        accepts_email: Field::Value(false),
        ..Default::default()
    };
    // After the last declared field, as the site's WSDL lists them.
    record.unknown.push(Element::value(
        Name::qualified(OBJECTS, "CustomFavoriteColor"),
        "teal & gold",
    ));
    record
        .unknown
        .push(Element::nil(Name::qualified(OBJECTS, "CustomNickname")));
    let results = client
        .create([AnyRecord::from(record)])
        .await
        .expect("create");
    assert!(results.all_ok(), "{results:?}");
    let cons_id = match results.iter().next().and_then(|r| r.record.as_ref()) {
        Some(AnyRecord::Constituent(c)) => c.cons_id.expect("cons id"),
        other => panic!("{other:?}"),
    };

    let mut pages = client.query(format!(
        "select ConsId, PrimaryEmail, CustomFavoriteColor, CustomNickname from Constituent where ConsId = {cons_id}"
    ));
    let records = pages.next_page().await.expect("query").expect("one page");
    let AnyRecord::Constituent(found) = &records[0] else {
        panic!("{records:?}")
    };
    assert_eq!(
        found.primary_email,
        Field::Value("custom@example.org".into())
    );
    assert_eq!(
        found
            .unknown
            .element("CustomFavoriteColor")
            .map(Element::field),
        Some(Field::Value("teal & gold"))
    );
    assert_eq!(
        found.unknown.element("CustomNickname").map(Element::field),
        Some(Field::Nil)
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn incremental_fields_follow_the_site_schema_given_or_downloaded() {
    let emulator = site().await;
    let wanted = [
        "CustomNickname",
        "ConsId",
        "CustomFavoriteColor",
        "PrimaryEmail",
    ];

    // The bundled schema does not know the site's fields.
    let bundled = client(&emulator, |b| b);
    assert!(matches!(
        bundled.incremental_inserts("Constituent", wanted),
        Err(Error::InvalidArgument(message)) if message.contains("CustomNickname")
    ));

    for (how, site_client) in [
        ("given", client(&emulator, |b| b.wsdl(SITE_WSDL.as_bytes()))),
        ("downloaded", client(&emulator, |b| b.fetch_wsdl(true))),
    ] {
        site_client
            .start_synchronization(SyncOptions::default())
            .await
            .expect("window");
        // The emulator refuses fields out of the WSDL's order: the request is accepted only
        // if the client put them in order.
        let mut inserts = site_client
            .incremental_inserts("Constituent", wanted)
            .unwrap_or_else(|e| panic!("{how}: {e}"));
        inserts
            .next_page()
            .await
            .unwrap_or_else(|e| panic!("{how}: {e}"));
        site_client.end_synchronization(None).await.expect("end");
        assert!(site_client
            .site_schema()
            .record_fields("Constituent")
            .expect("Constituent")
            .iter()
            .any(|f| f == "CustomNickname"));
    }
    emulator.shutdown().await;
}

const DRIFTED_PAGE: &str = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<QueryResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<Record xsi:type="ens:Constituent"><ens:ConsId>1</ens:ConsId><ens:Custom_FirstContact>2020-01-01T00:00:00Z</ens:Custom_FirstContact></Record>
</QueryResponse></soap:Body></soap:Envelope>"#;

fn scripted_client(strict: bool) -> Client {
    let script = Scripted::new(|seen| {
        let body = seen.raw.as_str();
        if body.contains(":Login>") {
            Reply::Body(
                r#"<LoginResponse xmlns="urn:soap.convio.com"><Result><SessionId>s</SessionId></Result></LoginResponse>"#
                    .into(),
            )
        } else if body.contains(":StartSynchronization>") {
            Reply::Body(
                "<soap:Fault><faultcode>CLIENT</faultcode>\
                 <faultstring>A synchronization is already in progress</faultstring></soap:Fault>"
                    .into(),
            )
        } else {
            Reply::Body(
                DRIFTED_PAGE
                    .split_once("<soap:Body>")
                    .and_then(|(_, rest)| rest.split_once("</soap:Body>"))
                    .map(|(body, _)| body.to_string())
                    .unwrap_or_default(),
            )
        }
    });
    Client::builder()
        .endpoint("https://webservices.example.invalid/1.0/site")
        .credentials("apiuser", "secret")
        .partition(1001)
        .transport(script)
        .strict(strict)
        .build()
        .expect("client")
}

#[tokio::test]
async fn a_strict_client_refuses_what_a_lenient_one_keeps() {
    let lenient = scripted_client(false);
    let records = lenient
        .query("select ConsId from Constituent")
        .next_page()
        .await
        .expect("lenient")
        .expect("a page");
    assert_eq!(
        records[0]
            .unknown()
            .and_then(|u| u.element("Custom_FirstContact"))
            .map(Element::field),
        Some(Field::Value("2020-01-01T00:00:00Z"))
    );
    let strict = scripted_client(true);
    let error = strict
        .query("select ConsId from Constituent")
        .next_page()
        .await
        .expect_err("strict");
    assert!(
        error.to_string().contains("Record[1]/Custom_FirstContact"),
        "{error}"
    );
}

#[tokio::test]
async fn a_client_fault_on_start_synchronization_is_a_synchronization_fault() {
    let client = scripted_client(false);
    let Err(Error::Fault(fault)) = client.start_synchronization(SyncOptions::default()).await
    else {
        panic!("a fault")
    };
    assert_eq!(fault.kind, FaultKind::Synchronization);
    assert_eq!(fault.code, "CLIENT");
}
