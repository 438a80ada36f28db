//! The Server API methods beyond the constituent ones: offline gifts (SRDonationAPI) and
//! data syncs (SRDataSyncAPI), typed; any documented method passed through. Each has its
//! exact form body (snapshots), its documented examples decoded from XML and JSON into the
//! same values, and a round trip against the emulator. An offline gift recorded through the
//! Server API is in the SOAP Donation download: one store behind both APIs.

#![cfg(feature = "emulator")]

use std::time::Duration;

use convio::emulator::{Clock, Emulator, DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USER};
use convio::generated::ens;
use convio::server_api::generated::crm;
use convio::server_api::{
    decode_response, Client as ServerApi, ErrorCode, OfflineDonation, OfflinePaymentMethod,
    Response, ResponseFormat, Servlet,
};
use convio::soap::{Client as Soap, SyncOptions};
use convio::{AnyRecord, Error, Field};

/// A client for `base` (no request is sent by the form-body tests).
fn client(base: &str, format: ResponseFormat) -> ServerApi {
    client_as(base, format, DEFAULT_ADMIN_USER, DEFAULT_ADMIN_PASSWORD)
}

fn client_as(base: &str, format: ResponseFormat, user: &str, password: &str) -> ServerApi {
    ServerApi::builder()
        .base_url(base)
        .api_key(convio::emulator::DEFAULT_API_KEY)
        .credentials(user, password)
        .response_format(format)
        .allow_insecure_http(true)
        .build()
        .unwrap()
}

/// The form body of `method` with `pairs`, one pair per line.
fn form(method: &str, pairs: &[(String, String)]) -> String {
    client("http://127.0.0.1:9/organization", ResponseFormat::Xml)
        .form_body(method, pairs)
        .replace('&', "\n&")
}

fn gift() -> OfflineDonation {
    OfflineDonation::new(
        1001,
        1001,
        OfflinePaymentMethod::Check,
        "Ada",
        "Lovelace",
        "ada.lovelace@example.org",
    )
    .additional_amount("12.50")
    .check_number("1042")
    .designate(2001, "40.00")
    .designate(2002, "22.50")
    .param("billing.address.city", "London")
}

#[test]
fn add_offline_donation_form_body() {
    insta::assert_snapshot!(form("addOfflineDonation", &gift().form_pairs().unwrap()));
}

#[tokio::test]
async fn data_sync_form_bodies() {
    let recorder = Recorder::default();
    let client = recording_client(&recorder);
    client.launch_data_sync(1).await.unwrap();
    client.data_sync_status(12345).await.unwrap();
    let bodies = recorder.bodies.lock().unwrap().join("\n\n");
    insta::assert_snapshot!(bodies);
}

#[test]
fn offline_donation_parameters_are_checked_before_sending() {
    let reserved = gift().param("donor.email", "other@example.org");
    assert!(matches!(
        reserved.form_pairs(),
        Err(Error::Configuration(_))
    ));
    let numbered = gift().param("designated.3.id", "7");
    assert!(matches!(
        numbered.form_pairs(),
        Err(Error::Configuration(_))
    ));
    let amount = gift().additional_amount("12,50");
    assert!(matches!(amount.form_pairs(), Err(Error::Configuration(_))));
}

#[test]
fn every_documented_server_method_has_its_answer_roots_declared() {
    let declared = std::fs::read_to_string("schemas/crm.public.v1.xsd").unwrap();
    for servlet in Servlet::ALL {
        for method in servlet.methods() {
            let roots = convio::server_api::answer_roots(method)
                .unwrap_or_else(|| panic!("{method}: no answer roots"));
            for root in roots {
                assert!(
                    declared.contains(&format!(r#"<xs:element name="{root}""#)),
                    "{method}: {root} is not a root element of the schema"
                );
            }
        }
    }
}

#[test]
fn every_documented_server_method_has_one_servlet() {
    let mut count = 0;
    for servlet in Servlet::ALL {
        for method in servlet.methods() {
            assert_eq!(Servlet::for_method(method), Some(servlet), "{method}");
            count += 1;
        }
    }
    // SRConsAPI 23, SRGroupAPI 2, SRDonationAPI 6, SRRecurringAPI 5, SRDataSyncAPI 2,
    // SRAdvocacyAPI 3 (shared/docs/server-api-inventory.md).
    assert_eq!(Servlet::Cons.methods().len(), 23);
    assert_eq!(count, 41);
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("tests/fixtures/crm/{name}")).unwrap()
}

fn decoded<T: xsd_parser_types::quick_xml::WithDeserializer>(
    name: &str,
    format: ResponseFormat,
    roots: &[&'static str],
) -> T {
    match decode_response::<T>(&fixture(name), format, roots).unwrap() {
        Response::Ok(value) => value,
        Response::Error(error) => panic!("{name}: an errorResponse {error:?}"),
    }
}

#[test]
fn documented_data_sync_examples_decode_alike_from_xml_and_json() {
    let roots = ["launchDataSyncResponse"];
    let xml: crm::LaunchDataSyncResponseType =
        decoded("launchDataSync.xml", ResponseFormat::Xml, &roots);
    let json: crm::LaunchDataSyncResponseType =
        decoded("launchDataSync.json", ResponseFormat::Json, &roots);
    assert_eq!(xml.task_id.id, 12345);
    assert_eq!(xml, json);

    let roots = ["getDataSyncStatusResponse"];
    let xml: crm::GetDataSyncStatusResponseType =
        decoded("getDataSyncStatus.xml", ResponseFormat::Xml, &roots);
    let json: crm::GetDataSyncStatusResponseType =
        decoded("getDataSyncStatus.json", ResponseFormat::Json, &roots);
    assert_eq!(xml.task_status.status.as_str(), "queued");
    assert_eq!(
        xml.task_status
            .detail_message
            .as_option()
            .map(|m| m.as_str()),
        Some("detailed message if applicable...")
    );
    assert_eq!(xml, json);
}

#[tokio::test]
async fn data_sync_runs_against_the_emulator_in_xml_and_json() {
    let emulator = Emulator::builder().start("127.0.0.1:0").await.unwrap();
    for format in [ResponseFormat::Xml, ResponseFormat::Json] {
        let client = client(&emulator.server_api_base(), format);
        // The seeded site's data sync operation 1 (a contract of the emulator).
        let task = client.launch_data_sync(1).await.unwrap().task_id.id;
        let mut statuses = Vec::new();
        for _ in 0..4 {
            let status = client.data_sync_status(task).await.unwrap();
            statuses.push(status.task_status.status.as_str().to_string());
        }
        assert_eq!(statuses, ["queued", "running", "success", "success"]);
        let Err(Error::ServerApi { code, .. }) = client.launch_data_sync(2).await else {
            panic!("operation 2 launched")
        };
        assert_eq!(code, ErrorCode::ValidationError);
        let Err(Error::ServerApi { code, .. }) = client.data_sync_status(task + 100).await else {
            panic!("a task never launched has a status")
        };
        assert_eq!(code, ErrorCode::ValidationError);
    }
    emulator.shutdown().await;
}

/// A SOAP client of the administrator that has synchronized once (ended window), so that its
/// next window holds only what changes after this.
async fn synchronized_admin(emulator: &Emulator) -> Soap {
    let soap = Soap::builder()
        .endpoint(emulator.soap_url())
        .credentials(DEFAULT_ADMIN_USER, DEFAULT_ADMIN_PASSWORD)
        .partition(1001)
        .build()
        .unwrap();
    soap.start_synchronization(SyncOptions::default())
        .await
        .unwrap();
    soap.end_synchronization(None).await.unwrap();
    soap
}

#[tokio::test]
async fn an_offline_gift_is_in_the_soap_donation_download() {
    let clock = Clock::manual(1_700_000_000);
    let emulator = Emulator::builder()
        .seed(3)
        .seed_donations(2)
        .user("gifts", "gifts-password")
        .clock(clock.clone())
        .start("127.0.0.1:0")
        .await
        .unwrap();
    // A first window takes the seeded donations.
    let soap = synchronized_admin(&emulator).await;
    clock.advance(Duration::from_secs(60));

    // Gifts recorded by another API user (a sync sees other users' changes, not its own),
    // in XML and in JSON: one for a new donor, one for a known constituent.
    let known = emulator.site().constituent_ids()[0];
    let mut recorded = Vec::new();
    for (format, gift) in [
        (ResponseFormat::Xml, gift()),
        (
            ResponseFormat::Json,
            OfflineDonation::new(
                1001,
                1001,
                OfflinePaymentMethod::Cash,
                "K",
                "Nown",
                "k@x.org",
            )
            .cons_id(known),
        ),
    ] {
        let server_api = client_as(
            &emulator.server_api_base(),
            format,
            "gifts",
            "gifts-password",
        );
        let response = server_api.add_offline_donation(&gift).await.unwrap();
        assert_eq!(response.errors, Field::Absent);
        let Field::Value(donation) = response.donation else {
            panic!("no donation: {response:?}")
        };
        recorded.push(donation);
    }
    let amounts: Vec<String> = recorded
        .iter()
        .map(|d| match &d.amount {
            Field::Value(amount) => amount.decimal.as_option().unwrap().to_string(),
            other => panic!("no amount: {other:?}"),
        })
        .collect();
    // The level's 50.00, plus the additional amount of the first.
    assert_eq!(amounts, ["62.50", "50.00"]);
    assert_eq!(recorded[1].cons_id, Field::Value(known));
    let new_donor = *recorded[0].cons_id.as_option().unwrap();
    assert!(emulator.site().constituent(new_donor).is_some());

    soap.start_synchronization(SyncOptions::default())
        .await
        .unwrap();
    let mut pages = soap
        .incremental_inserts(
            "Donation",
            [
                "TransactionId",
                "Payment.Amount",
                "Payment.ConfirmationCode",
                "Payment.TenderType",
                "Donor.ConsId",
            ],
        )
        .unwrap();
    let mut downloaded: Vec<ens::DonationType> = Vec::new();
    while let Some(page) = pages.next_page().await.unwrap() {
        for record in page.iter() {
            let AnyRecord::Donation(donation) = record else {
                panic!("not a donation: {record:?}")
            };
            downloaded.push(donation.clone());
        }
    }
    soap.end_synchronization(None).await.unwrap();
    assert_eq!(
        downloaded.len(),
        2,
        "only the two new gifts: {downloaded:?}"
    );
    for (gift, donation) in recorded.iter().zip(&downloaded) {
        assert_eq!(
            donation.transaction_id,
            gift.transaction_id.as_option().copied()
        );
        let Field::Value(payment) = &donation.payment else {
            panic!("no payment")
        };
        assert_eq!(
            payment.confirmation_code.as_option().map(|c| c.as_str()),
            gift.confirmation_code.as_option().map(|c| c.as_str())
        );
        let Field::Value(donor) = &donation.donor else {
            panic!("no donor")
        };
        assert_eq!(donor.cons_id, gift.cons_id.as_option().copied());
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_gift_the_site_cannot_record_says_why() {
    let emulator = Emulator::builder()
        .seed(1)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let server_api = client(&emulator.server_api_base(), ResponseFormat::Xml);
    let unknown_form = OfflineDonation::new(
        7,
        1001,
        OfflinePaymentMethod::Cash,
        "A",
        "B",
        "a@example.org",
    );
    let response = server_api
        .add_offline_donation(&unknown_form)
        .await
        .unwrap();
    assert_eq!(response.donation, Field::Absent);
    let Field::Value(errors) = response.errors else {
        panic!("no errors: {response:?}")
    };
    assert!(errors.page_error[0].as_str().contains("form with id 7"));
    let unknown_donor = gift().cons_id(999);
    let Err(Error::ServerApi { code, .. }) = server_api.add_offline_donation(&unknown_donor).await
    else {
        panic!("a gift by an unknown cons_id was recorded")
    };
    assert_eq!(code, ErrorCode::RecordNotFound);
    emulator.shutdown().await;
}

#[tokio::test]
async fn any_method_passes_through() {
    let emulator = Emulator::builder()
        .seed(1)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let server_api = client(&emulator.server_api_base(), ResponseFormat::Json);
    let answer = server_api
        .call_method(
            Servlet::DataSync,
            "launchDataSync",
            &[("operation_id".into(), "1".into())],
        )
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(
        String::from_utf8(answer.body).unwrap(),
        r#"{"launchDataSyncResponse":{"taskId":{"id":"1"}}}"#
    );
    // A method called without its required parameter: the errorResponse, as the server sent
    // it.
    let answer = server_api
        .call_method(Servlet::Group, "getGroupInfo", &[])
        .await
        .unwrap();
    assert_eq!(answer.status, 403);
    assert!(String::from_utf8(answer.body)
        .unwrap()
        .contains("errorResponse"));
    emulator.shutdown().await;
}

/// The rows of the README's Server API method table: (servlet, method, client, emulator).
fn readme_method_table() -> Vec<(String, String, String, String)> {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let section = readme
        .split("\n## Server API methods\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a Server API methods section");
    section
        .lines()
        .filter(|line| line.starts_with("| SR"))
        .map(|line| {
            let cells: Vec<String> = line
                .trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().to_string())
                .collect();
            assert_eq!(cells.len(), 4, "{line}");
            (
                cells[0].clone(),
                cells[1].clone(),
                cells[2].clone(),
                cells[3].clone(),
            )
        })
        .collect()
}

#[test]
fn the_readme_method_table_is_true() {
    let rows = readme_method_table();
    let documented: Vec<(String, String)> = Servlet::ALL
        .iter()
        .flat_map(|servlet| {
            servlet
                .methods()
                .iter()
                .map(move |method| (servlet.path().to_string(), method.to_string()))
        })
        .collect();
    let listed: Vec<(String, String)> = rows
        .iter()
        .map(|(servlet, method, ..)| (servlet.clone(), method.clone()))
        .collect();
    assert_eq!(
        listed, documented,
        "one row per documented method, in servlet order"
    );

    let site = Emulator::builder().seed(1).build_site();
    for (servlet, method, client, emulator) in &rows {
        assert!(client == "typed", "{method}: {client}");
        let body = format!(
            "v=1.0&api_key={}&login_name={DEFAULT_ADMIN_USER}&login_password={DEFAULT_ADMIN_PASSWORD}&method={method}",
            convio::emulator::DEFAULT_API_KEY
        );
        let answer = site.answer_servlet(servlet, &hyper::Method::POST, body.as_bytes());
        let unknown = answer.body.contains("<code>6</code>");
        match emulator.as_str() {
            "yes" => assert!(
                !unknown,
                "{servlet} {method}: the emulator does not answer it"
            ),
            "no" => assert!(unknown, "{servlet} {method}: the emulator answers it now"),
            other => panic!("{method}: emulator column `{other}`"),
        }
    }
}

/// A transport that records the form bodies sent and answers each with the fixture of
/// the method (so that the typed call completes).
#[derive(Clone, Default)]
struct Recorder {
    bodies: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl convio::transport::Transport for Recorder {
    fn send(
        &self,
        request: hyper::Request<bytes::Bytes>,
    ) -> convio::transport::BoxFuture<
        '_,
        Result<hyper::Response<bytes::Bytes>, convio::transport::TransportError>,
    > {
        let body = String::from_utf8(request.body().to_vec()).unwrap();
        let method = body
            .split('&')
            .find_map(|pair| pair.strip_prefix("method="))
            .unwrap()
            .to_string();
        self.bodies.lock().unwrap().push(format!(
            "POST {}\n{}",
            request.uri().path(),
            body.replace('&', "\n&")
        ));
        let answer = fixture(&format!("{method}.xml"));
        Box::pin(async move { Ok(hyper::Response::new(bytes::Bytes::from(answer))) })
    }
}

/// A client whose requests `recorder` records.
fn recording_client(recorder: &Recorder) -> ServerApi {
    ServerApi::builder()
        .base_url("http://127.0.0.1:9/organization")
        .api_key(convio::emulator::DEFAULT_API_KEY)
        .credentials(DEFAULT_ADMIN_USER, DEFAULT_ADMIN_PASSWORD)
        .transport(recorder.clone())
        .build()
        .unwrap()
}

#[tokio::test]
async fn recurring_gift_form_bodies() {
    let recorder = Recorder::default();
    let client = recording_client(&recorder);
    client.recurring_gifts(1001001).await.unwrap();
    client.cancel_recurring_gift(1001001, 1).await.unwrap();
    client.skip_next_payment(1001001, 1).await.unwrap();
    client
        .update_recurring_gift(1001001, 1, "01-28-2020", Some(1000))
        .await
        .unwrap();
    client.recurring_history(1001001, 1, 2026).await.unwrap();
    // A date in another spelling is refused before anything is sent.
    assert!(matches!(
        client
            .update_recurring_gift(1001001, 1, "2020-01-28", None)
            .await,
        Err(Error::InvalidArgument(_))
    ));
    let bodies = recorder.bodies.lock().unwrap().join("\n\n");
    insta::assert_snapshot!(bodies);
}

#[test]
fn documented_recurring_examples_decode_alike_from_xml_and_json() {
    fn both<T: xsd_parser_types::quick_xml::WithDeserializer + PartialEq + std::fmt::Debug>(
        method: &str,
        root: &'static str,
    ) -> T {
        let xml: T = decoded(&format!("{method}.xml"), ResponseFormat::Xml, &[root]);
        let json: T = decoded(&format!("{method}.json"), ResponseFormat::Json, &[root]);
        assert_eq!(xml, json, "{method}");
        xml
    }
    let gifts: crm::GetRecurringGiftsResponseType =
        both("getRecurringGifts", "getRecurringGiftsResponse");
    let [gift] = gifts.recurring_gift.as_slice() else {
        panic!("one gift: {gifts:?}")
    };
    assert_eq!(gift.id, 1);
    assert_eq!(
        gift.next_payment_date.as_option().map(|d| d.as_str()),
        Some("2018-10-03-05:00")
    );
    let Field::Value(card) = &gift.credit_info else {
        panic!("no card")
    };
    assert_eq!(card.expiration_month, Field::Value(10));
    let canceled: crm::CancelRecurringGiftResponseType =
        both("cancelRecurringGift", "cancelRecurringGiftResponse");
    assert!(canceled.canceled);
    let skipped: crm::SkipNextPaymentResponseType =
        both("skipNextPayment", "skipNextPaymentResponse");
    assert!(skipped.success);
    let history: crm::GetRecurringHistoryResponseType =
        both("getRecurringHistory", "getRecurringHistoryResponse");
    let [payment] = history.recurring_history.as_slice() else {
        panic!("one payment: {history:?}")
    };
    assert_eq!(
        payment.status.as_option().map(|s| s.as_str()),
        Some("COMPLETED")
    );
    // No JSON sample; the XML one is cut off after nextPaymentDate.
    let updated: crm::UpdateRecurringGiftResponseType = decoded(
        "updateRecurringGift.xml",
        ResponseFormat::Xml,
        &["updateRecurringGiftResponse"],
    );
    assert_eq!(updated.amount_updated, Field::Value(true));
    assert_eq!(
        updated
            .amount
            .as_option()
            .and_then(|a| a.decimal.as_option())
            .map(|d| d.to_string()),
        Some("1000".to_string())
    );
}

#[tokio::test]
async fn recurring_gifts_run_against_the_emulator() {
    let clock = Clock::manual(1_790_000_000);
    let emulator = Emulator::builder()
        .seed(10)
        .clock(clock.clone())
        .start("127.0.0.1:0")
        .await
        .unwrap();
    // Every fifth sample constituent has a monthly gift: the first and the sixth.
    let donors: Vec<u64> = emulator.site().constituent_ids();
    let (donor, other) = (donors[0], donors[1]);
    for format in [ResponseFormat::Xml, ResponseFormat::Json] {
        let client = client(&emulator.server_api_base(), format);
        assert!(client
            .recurring_gifts(other)
            .await
            .unwrap()
            .recurring_gift
            .is_empty());
        let gifts = client.recurring_gifts(donors[5]).await.unwrap();
        assert_eq!(gifts.recurring_gift.len(), 1, "{format:?}");
    }
    let client = client(&emulator.server_api_base(), ResponseFormat::Json);
    let gifts = client.recurring_gifts(donor).await.unwrap();
    let [gift] = gifts.recurring_gift.as_slice() else {
        panic!("one gift: {gifts:?}")
    };
    let next = gift.next_payment_date.as_option().unwrap().to_string();

    // Skipping moves the next payment on by a period.
    assert!(
        client
            .skip_next_payment(donor, gift.id)
            .await
            .unwrap()
            .success
    );
    let after = client.recurring_gifts(donor).await.unwrap();
    let moved = after.recurring_gift[0]
        .next_payment_date
        .as_option()
        .unwrap()
        .to_string();
    assert_ne!(moved, next);

    // Three payments made, all in the last three months.
    let year = |date: &str| date[..4].parse::<i32>().unwrap();
    let previous = gift.previous_payment_date.as_option().unwrap().to_string();
    let history = client
        .recurring_history(donor, gift.id, year(&previous))
        .await
        .unwrap();
    assert!(!history.recurring_history.is_empty());
    assert!(history.recurring_history.len() <= 3);
    let none = client
        .recurring_history(donor, gift.id, year(&previous) - 5)
        .await
        .unwrap();
    assert!(none.recurring_history.is_empty());

    // The amount in cents, as the method takes it.
    let updated = client
        .update_recurring_gift(donor, gift.id, "01-15-2027", Some(4_200))
        .await
        .unwrap();
    assert_eq!(updated.success, Field::Value(true));
    assert_eq!(updated.amount_updated, Field::Value(true));
    assert_eq!(updated.next_payment_date_updated, Field::Value(true));
    assert_eq!(
        updated.next_payment_date.as_option().map(|d| d.as_str()),
        Some("2027-01-15Z")
    );
    let listed = client.recurring_gifts(donor).await.unwrap();
    assert_eq!(
        listed.recurring_gift[0]
            .amount
            .as_option()
            .and_then(|a| a.decimal.as_option())
            .map(|d| d.to_string()),
        Some("42.00".to_string())
    );

    // Cancelled: no longer listed, and not skipped any more.
    assert!(
        client
            .cancel_recurring_gift(donor, gift.id)
            .await
            .unwrap()
            .canceled
    );
    assert!(client
        .recurring_gifts(donor)
        .await
        .unwrap()
        .recurring_gift
        .is_empty());
    let Err(Error::ServerApi { code, .. }) = client.skip_next_payment(donor, gift.id).await else {
        panic!("a canceled gift was skipped")
    };
    assert_eq!(code, ErrorCode::ValidationError);
    // Another constituent's gift is not found.
    let Err(Error::ServerApi { code, .. }) = client.cancel_recurring_gift(other, gift.id).await
    else {
        panic!("another constituent's gift was canceled")
    };
    assert_eq!(code, ErrorCode::RecordNotFound);
    emulator.shutdown().await;
}

#[tokio::test]
async fn field_choices_come_from_the_emulator() {
    // 2026-11-30 by the site's clock.
    let emulator = Emulator::builder()
        .clock(Clock::manual(1_796_000_000))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    for format in [ResponseFormat::Xml, ResponseFormat::Json] {
        let client = client(&emulator.server_api_base(), format);
        let gender = client.list_user_field_choices("gender").await.unwrap();
        assert_eq!(gender.choice, ["MALE", "FEMALE", "UNSPECIFIED"]);
        // For a date, the valid years, newest first.
        let years = client.list_user_field_choices("birth_date").await.unwrap();
        assert_eq!(years.choice.first().map(|y| y.as_str()), Some("2026"));
        assert_eq!(years.choice.last().map(|y| y.as_str()), Some("1900"));
        // Free text has no list.
        let phone = client.list_user_field_choices("home_phone").await.unwrap();
        assert!(phone.choice.is_empty());
        let Err(Error::ServerApi { code, .. }) =
            client.list_user_field_choices("favourite_colour").await
        else {
            panic!("an unknown field has choices")
        };
        assert_eq!(code, ErrorCode::ValidationError);
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn group_info_from_the_sample_and_the_emulator() {
    let sample: crm::GetGroupInfoResponseType = decoded(
        "getGroupInfo.xml",
        ResponseFormat::Xml,
        &["getGroupInfoResponse"],
    );
    assert_eq!(sample.group_info.id, 0);
    assert_eq!(
        sample.group_info.name.as_option().map(|n| n.as_str()),
        Some("Sample Group 1 Name")
    );

    let emulator = Emulator::builder()
        .seed(2)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    for format in [ResponseFormat::Xml, ResponseFormat::Json] {
        let client = client(&emulator.server_api_base(), format);
        client
            .create_or_update(
                &convio::server_api::ConsParams::new()
                    .primary_email(format!("grouped-{format:?}@example.org"))
                    .add_group_ids([1010]),
            )
            .await
            .unwrap();
        let info = client.group_info(1010).await.unwrap();
        assert_eq!(info.group_info.id, 1010);
        assert_eq!(
            info.group_info.name.as_option().map(|n| n.as_str()),
            Some("Group 1010")
        );
        let Err(Error::ServerApi { code, .. }) = client.group_info(4242).await else {
            panic!("a group nobody belongs to has info")
        };
        assert_eq!(code, ErrorCode::RecordNotFound);
    }
    emulator.shutdown().await;
}

/// A transport that records each form body and answers it from an in-process emulated
/// site: the form-body snapshot and the round trip of one call.
#[derive(Clone)]
struct SiteRecorder {
    site: std::sync::Arc<convio::emulator::Site>,
    bodies: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl convio::transport::Transport for SiteRecorder {
    fn send(
        &self,
        request: hyper::Request<bytes::Bytes>,
    ) -> convio::transport::BoxFuture<
        '_,
        Result<hyper::Response<bytes::Bytes>, convio::transport::TransportError>,
    > {
        let body = String::from_utf8(request.body().to_vec()).unwrap();
        let path = request.uri().path().to_string();
        self.bodies
            .lock()
            .unwrap()
            .push(format!("POST {path}\n{}", body.replace('&', "\n&")));
        let servlet = path.rsplit('/').next().unwrap_or_default();
        let answer = self
            .site
            .answer_servlet(servlet, &hyper::Method::POST, body.as_bytes());
        let mut response = hyper::Response::new(bytes::Bytes::from(answer.body));
        *response.status_mut() = hyper::StatusCode::from_u16(answer.status).unwrap();
        Box::pin(async move { Ok(response) })
    }
}

impl SiteRecorder {
    /// A recorder whose answers come from `site`.
    fn new(site: &std::sync::Arc<convio::emulator::Site>) -> Self {
        SiteRecorder {
            site: site.clone(),
            bodies: Default::default(),
        }
    }

    /// A client of `user` whose requests this records and its site answers.
    fn client(&self, format: ResponseFormat, user: &str, password: &str) -> ServerApi {
        ServerApi::builder()
            .base_url("http://127.0.0.1:9/organization")
            .api_key(convio::emulator::DEFAULT_API_KEY)
            .credentials(user, password)
            .response_format(format)
            .transport(self.clone())
            .build()
            .unwrap()
    }

    /// A client of the site's administrator.
    fn admin(&self, format: ResponseFormat) -> ServerApi {
        self.client(format, DEFAULT_ADMIN_USER, DEFAULT_ADMIN_PASSWORD)
    }

    /// The form bodies recorded so far, taken.
    fn take(&self) -> Vec<String> {
        self.bodies.lock().unwrap().drain(..).collect()
    }
}

#[tokio::test]
async fn a_constituents_centers_and_interests_and_the_sites_lists() {
    let site = std::sync::Arc::new(Emulator::builder().seed(3).build_site());
    let ids = site.constituent_ids();
    let mut bodies = Vec::new();
    for format in [ResponseFormat::Xml, ResponseFormat::Json] {
        let recorder = SiteRecorder::new(&site);
        let client = recorder.admin(format);
        // Memberships made through the Server API, for the lists to hold.
        for (n, id) in ids.iter().enumerate() {
            let n = n as u64;
            client
                .update(
                    &convio::server_api::ConsParams::new()
                        .cons_id(*id)
                        .add_center_ids([2001 + n, 2010])
                        .add_interest_ids([3001 + n]),
                )
                .await
                .unwrap();
        }
        recorder.bodies.lock().unwrap().clear();

        let lookup = convio::server_api::Lookup::ConsId(ids[1]);
        let centers = client.get_user_centers(&lookup).await.unwrap();
        let of = |list: &crm::ConsCentersType| -> Vec<(u64, String)> {
            list.center
                .iter()
                .map(|c| {
                    let name = c.name.as_option().map(|n| n.to_string());
                    (c.id, name.unwrap_or_default())
                })
                .collect()
        };
        assert_eq!(
            of(&centers),
            [(2002, "Center 2002".into()), (2010, "Center 2010".into())]
        );
        let all = client.list_centers(None, None).await.unwrap();
        let all_ids: Vec<u64> = of(&all).into_iter().map(|(id, _)| id).collect();
        assert_eq!(all_ids, [2001, 2002, 2003, 2010]);
        let second_page = client.list_centers(Some(2), Some(1)).await.unwrap();
        let page_ids: Vec<u64> = of(&second_page).into_iter().map(|(id, _)| id).collect();
        assert_eq!(page_ids, [2003, 2010]);

        let interests = client.list_interests(true).await.unwrap();
        let interest_ids: Vec<u64> = interests.interest.iter().map(|i| i.id).collect();
        assert_eq!(interest_ids, [3001, 3002, 3003]);
        assert!(client.is_user_interested(&lookup, 3002).await.unwrap());
        assert!(!client.is_user_interested(&lookup, 3001).await.unwrap());
        let nobody = convio::server_api::Lookup::ConsId(999);
        let Err(Error::ServerApi { code, .. }) = client.get_user_centers(&nobody).await else {
            panic!("centers of nobody")
        };
        assert_eq!(code, ErrorCode::RecordNotFound);
        bodies.extend(recorder.take());
    }
    insta::assert_snapshot!(bodies.join("\n\n"));
}

#[tokio::test]
async fn an_offline_gift_is_refunded_in_part_then_in_full_by_the_account_that_added_it() {
    let site = std::sync::Arc::new(
        Emulator::builder()
            .seed(1)
            .user("gifts", "gifts-password")
            .build_site(),
    );
    let mut bodies = Vec::new();
    for format in [ResponseFormat::Xml, ResponseFormat::Json] {
        let recorder = SiteRecorder::new(&site);
        let as_user = |user: &str, password: &str| recorder.client(format, user, password);
        let client = as_user(DEFAULT_ADMIN_USER, DEFAULT_ADMIN_PASSWORD);
        let added = client.add_offline_donation(&gift()).await.unwrap();
        let Field::Value(gift) = added.donation else {
            panic!("no gift: {added:?}")
        };
        let code = gift.confirmation_code.as_option().unwrap().to_string();
        recorder.bodies.lock().unwrap().clear();

        let refunded = |response: crm::DonationResponseType| match response.donation {
            Field::Value(donation) => {
                assert_eq!(donation.transaction_id, gift.transaction_id);
                match donation.amount {
                    Field::Value(amount) => amount.decimal.as_option().unwrap().to_string(),
                    other => panic!("no amount: {other:?}"),
                }
            }
            _ => panic!("not refunded: {response:?}"),
        };
        // 62.50 given: 20.00 back, then all that is left.
        let part = client
            .refund_offline_donation(&code, Some("20.00"))
            .await
            .unwrap();
        assert_eq!(refunded(part), "20.00");
        let rest = client.refund_offline_donation(&code, None).await.unwrap();
        assert_eq!(refunded(rest), "42.50");
        // Nothing is left; and another account may not refund it.
        for (user, password) in [
            (DEFAULT_ADMIN_USER, DEFAULT_ADMIN_PASSWORD),
            ("gifts", "gifts-password"),
        ] {
            let refused = as_user(user, password)
                .refund_offline_donation(&code, None)
                .await
                .unwrap();
            assert_eq!(refused.donation, Field::Absent, "{user}");
            assert!(refused.errors.is_value(), "{user}: {refused:?}");
        }
        // An amount that is not one is refused before anything is sent.
        let sent = recorder.bodies.lock().unwrap().len();
        assert!(matches!(
            client.refund_offline_donation(&code, Some("12,50")).await,
            Err(Error::Configuration(_))
        ));
        assert_eq!(recorder.bodies.lock().unwrap().len(), sent);
        bodies.extend(recorder.take());
    }
    insta::assert_snapshot!(bodies.join("\n\n"));
}

#[tokio::test]
async fn single_sign_on_tokens_for_a_constituent_named_by_id() {
    let site = std::sync::Arc::new(Emulator::builder().seed(2).build_site());
    let cons_id = site.constituent_ids()[1];
    let mut bodies = Vec::new();
    for format in [ResponseFormat::Xml, ResponseFormat::Json] {
        let recorder = SiteRecorder::new(&site);
        let client = recorder.admin(format);
        use convio::server_api::Lookup;
        let first = client
            .single_sign_on_token(&Lookup::ConsId(cons_id))
            .await
            .unwrap();
        assert_eq!(first.cons_id, cons_id);
        assert!(first.token.len() >= 32, "{first:?}");
        assert!(first.nonce.is_value(), "{first:?}");
        let member_id = site
            .constituent(cons_id)
            .and_then(|record| record.get("MemberId").map(str::to_string))
            .expect("a member id");
        let second = client
            .single_sign_on_token(&Lookup::MemberId(member_id))
            .await
            .unwrap();
        assert_eq!(second.cons_id, cons_id);
        assert_ne!(second.token, first.token, "tokens are not reused");
        // The method takes no email: refused before anything is sent.
        let sent = recorder.bodies.lock().unwrap().len();
        assert!(matches!(
            client
                .single_sign_on_token(&Lookup::PrimaryEmail("a@example.org".into()))
                .await,
            Err(Error::Configuration(_))
        ));
        assert_eq!(recorder.bodies.lock().unwrap().len(), sent);
        // Neither id: the documented "Unable to process request".
        let answer = client
            .call_method(Servlet::Cons, "getSingleSignOnToken", &[])
            .await
            .unwrap();
        let Response::Error(error) = decode_response::<crm::GetSingleSignOnTokenResponseType>(
            &answer.body,
            format,
            &["getSingleSignOnTokenResponse"],
        )
        .unwrap() else {
            panic!("a token without a constituent")
        };
        assert_eq!(error.code, 1);
        bodies.extend(recorder.take());
    }
    insta::assert_snapshot!(bodies.join("\n\n"));
}

#[test]
fn a_single_sign_on_answer_in_the_legacy_namespace_reads() {
    // The legacy SSO page's sample declares `http://convio.com/crm/v1` (no `.0`), as the
    // documented errorResponse does; it is read all the same.
    let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<getSingleSignOnTokenResponse xmlns="http://convio.com/crm/v1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <token>7f3a</token>
  <cons_id>1001002</cons_id>
  <nonce>n-1</nonce>
  <JSESSIONID>ABC</JSESSIONID>
  <routing_id>r1</routing_id>
</getSingleSignOnTokenResponse>"#;
    let Response::Ok(answer) = decode_response::<crm::GetSingleSignOnTokenResponseType>(
        xml,
        ResponseFormat::Xml,
        &["getSingleSignOnTokenResponse"],
    )
    .unwrap() else {
        panic!("an error")
    };
    assert_eq!((answer.token.as_str(), answer.cons_id), ("7f3a", 1001002));
    assert_eq!(
        answer.routing_id.as_option().map(|r| r.as_str()),
        Some("r1")
    );
}

#[tokio::test]
async fn an_action_taken_through_the_server_api_is_an_alert_response_in_the_soap_download() {
    let emulator = Emulator::builder()
        .seed(2)
        .seed_alert_responses(4)
        .user("advocate", "advocate-password")
        .start("127.0.0.1:0")
        .await
        .unwrap();
    // A first window takes the seeded responses.
    let soap = synchronized_admin(&emulator).await;

    let cons_id = emulator.site().constituent_ids()[0];
    for format in [ResponseFormat::Xml, ResponseFormat::Json] {
        let client = client_as(
            &emulator.server_api_base(),
            format,
            "advocate",
            "advocate-password",
        );
        let alerts = client
            .advocacy_alerts(&convio::server_api::AlertQuery::default())
            .await
            .unwrap();
        let ids: Vec<Option<u64>> = alerts.alert.iter().map(|a| a.alert_id).collect();
        assert_eq!(ids, [Some(1001), Some(1002), Some(1003)]);
        let before = alerts.alert[1].interaction_count.as_option().copied();
        client
            .take_action(
                1002,
                "action",
                &convio::server_api::Lookup::ConsId(cons_id),
                &[("subject", "Please act"), ("body", "Protect the wetlands.")],
            )
            .await
            .unwrap();
        let after = client
            .advocacy_alerts(&convio::server_api::AlertQuery {
                page_size: Some(1),
                page_offset: Some(1),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(after.alert.len(), 1);
        assert_eq!(
            after.alert[0].interaction_count.as_option().copied(),
            before.map(|n| n + 1)
        );
        let none = client
            .advocacy_alerts(&convio::server_api::AlertQuery {
                alert_type: Some("call".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(none.alert.is_empty());
        let Err(Error::ServerApi { code, .. }) = client
            .take_action(
                4242,
                "action",
                &convio::server_api::Lookup::ConsId(cons_id),
                &[],
            )
            .await
        else {
            panic!("an action on no alert")
        };
        assert_eq!(code, ErrorCode::RecordNotFound);
    }
    assert!(matches!(
        client(&emulator.server_api_base(), ResponseFormat::Xml)
            .take_action(
                1001,
                "action",
                &convio::server_api::Lookup::ConsId(cons_id),
                &[("cons_id", "7")]
            )
            .await,
        Err(Error::Configuration(_))
    ));

    // Both actions, made by another API user, arrive as inserts of the SOAP download.
    soap.start_synchronization(SyncOptions::default())
        .await
        .unwrap();
    let mut pages = soap
        .incremental_inserts("ActionAlertResponse", ["AlertResponseId", "AlertId"])
        .unwrap();
    let mut alert_ids = Vec::new();
    while let Some(page) = pages.next_page().await.unwrap() {
        for record in &page {
            let AnyRecord::ActionAlertResponse(response) = record else {
                panic!("not an alert response: {record:?}")
            };
            alert_ids.push(response.alert_id.as_option().copied());
        }
    }
    assert_eq!(alert_ids, [Some(1002), Some(1002)]);
    soap.end_synchronization(None).await.unwrap();
    emulator.shutdown().await;
}

#[tokio::test]
async fn advocacy_form_bodies() {
    let site = std::sync::Arc::new(Emulator::builder().seed(1).build_site());
    let recorder = SiteRecorder::new(&site);
    let client = recorder.admin(ResponseFormat::Xml);
    client
        .advocacy_alerts(&convio::server_api::AlertQuery {
            alert_type: Some("action,call".into()),
            alert_status: Some("active".into()),
            page_size: Some(10),
            page_offset: Some(0),
        })
        .await
        .unwrap();
    client
        .take_action(
            1001,
            "action",
            &convio::server_api::Lookup::ConsId(site.constituent_ids()[0]),
            &[("preview", "true"), ("subject", "Clean water")],
        )
        .await
        .unwrap();
    insta::assert_snapshot!(recorder.bodies.lock().unwrap().join("\n\n"));
}

#[tokio::test]
async fn a_constituents_gifts_from_either_api_are_its_transactions() {
    // Seeded gifts a day apart, the last today (2026-11-30 by the site's clock).
    let site = std::sync::Arc::new(
        Emulator::builder()
            .seed(2)
            .seed_donations(4)
            .clock(Clock::manual(1_796_000_000))
            .build_site(),
    );
    let donor = site.constituent_ids()[0];
    let mut bodies = Vec::new();
    for format in [ResponseFormat::Xml, ResponseFormat::Json] {
        let recorder = SiteRecorder::new(&site);
        let client = recorder.admin(format);
        let lookup = convio::server_api::Lookup::ConsId(donor);
        if format == ResponseFormat::Xml {
            // An offline gift by the same constituent is one of its transactions too.
            client
                .add_offline_donation(&gift().cons_id(donor))
                .await
                .unwrap();
        }
        recorder.bodies.lock().unwrap().clear();
        let codes = |answer: &crm::GetConsTransactionsResponseType| -> Vec<String> {
            answer
                .transaction
                .iter()
                .map(|t| {
                    t.confirmation_code
                        .as_option()
                        .map(|c| c.to_string())
                        .unwrap_or_default()
                })
                .collect()
        };
        let all = client
            .get_user_transactions(&lookup, &Default::default())
            .await
            .unwrap();
        // Seeded gifts 0 and 2 (round-robin over two donors), then the offline gift.
        assert_eq!(
            codes(&all),
            ["SEED-5001001", "SEED-5001003", "1001-5001005"]
        );
        let offline = &all.transaction[2];
        assert_eq!(
            offline
                .amount
                .as_option()
                .and_then(|a| a.decimal.as_option())
                .map(|d| d.to_string()),
            Some("62.50".to_string())
        );
        assert_eq!(
            offline.transaction_type.as_option().map(|t| t.as_str()),
            Some("DONATION")
        );
        assert!(offline.billing_name.is_value(), "{offline:?}");
        assert_eq!(
            offline.check_number.as_option().map(|n| n.as_str()),
            Some("1042")
        );

        let recent = client
            .get_user_transactions(
                &lookup,
                &convio::server_api::TransactionQuery {
                    begin_date: Some("2026-11-29".into()),
                    transaction_type: Some("DONATION".into()),
                    page_size: Some(1),
                    page_offset: Some(0),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(codes(&recent), ["SEED-5001003"]);
        let tickets = client
            .get_user_transactions(
                &lookup,
                &convio::server_api::TransactionQuery {
                    transaction_type: Some("TICKET".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(tickets.transaction.is_empty());
        bodies.extend(recorder.take());
    }
    insta::assert_snapshot!(bodies.join("\n\n"));
}

#[tokio::test]
async fn interactions_logged_read_back_and_changed() {
    use convio::server_api::{Interaction, Lookup};
    let site = std::sync::Arc::new(Emulator::builder().seed(2).build_site());
    let cons_id = site.constituent_ids()[0];
    let mut bodies = Vec::new();
    for format in [ResponseFormat::Xml, ResponseFormat::Json] {
        let recorder = SiteRecorder::new(&site);
        let client = recorder.admin(format);
        let lookup = Lookup::ConsId(cons_id);
        let subject = format!("Checked in ({format:?})");
        let logged_id = client
            .log_interaction(
                &lookup,
                &Interaction::new(&subject)
                    .body("Arrived at 9:05.")
                    .type_id(1030),
            )
            .await
            .unwrap()
            .typed
            .and_then(|answer| answer.interaction_id.as_option().copied());
        client
            .log_interaction(&lookup, &Interaction::new("Called"))
            .await
            .unwrap();
        let mine = client
            .get_user_interactions(&lookup, Some(1030), Some(&subject))
            .await
            .unwrap();
        assert_eq!(mine.interaction.len(), 1, "{mine:?}");
        let logged = &mine.interaction[0];
        assert_eq!(logged.interaction_type_id, Field::Value(1030));
        let note = logged.note.as_option().and_then(|n| n.text.as_option());
        assert_eq!(note.map(|t| t.as_str()), Some("Arrived at 9:05."));
        let id = logged.interaction_id.expect("an id");
        assert_eq!(logged_id, Some(id));

        client
            .update_interaction(id, &Interaction::new(&subject).body("Left at 17:00."))
            .await
            .unwrap();
        let one = client.get_interaction(id).await.unwrap();
        let note = one
            .interaction
            .note
            .as_option()
            .and_then(|n| n.text.as_option());
        assert_eq!(note.map(|t| t.as_str()), Some("Left at 17:00."));

        let Err(Error::ServerApi { code, .. }) = client.get_interaction(4).await else {
            panic!("an interaction nobody logged")
        };
        assert_eq!(code, ErrorCode::RecordNotFound);
        let Err(Error::ServerApi { code, .. }) = client
            .update_interaction(4, &Interaction::new("Nothing"))
            .await
        else {
            panic!("an update of an interaction nobody logged")
        };
        assert_eq!(code, ErrorCode::RecordNotFound);
        // Over the documented 80 characters: refused before sending.
        let sent = recorder.bodies.lock().unwrap().len();
        assert!(matches!(
            client
                .log_interaction(&lookup, &Interaction::new("s".repeat(81)))
                .await,
            Err(Error::Configuration(_))
        ));
        assert_eq!(recorder.bodies.lock().unwrap().len(), sent);
        bodies.extend(recorder.take());
    }
    insta::assert_snapshot!(bodies.join("\n\n"));
}

#[tokio::test]
async fn online_gifts_refunded_with_a_refund_request() {
    use convio::server_api::{RefundRequest, TransactionRefund};
    let site = std::sync::Arc::new(Emulator::builder().seed(1).seed_donations(3).build_site());
    let recorder = SiteRecorder::new(&site);
    let client = recorder.admin(ResponseFormat::Xml);
    // The seeded gifts are 25.00, 50.00 and 100.00.
    let answer = client
        .refund_transactions(
            &RefundRequest::new()
                .donation(TransactionRefund::of("SEED-5001001").amount_cents(1_000))
                .donation(TransactionRefund::of("SEED-5001002").send_autoresponder(false)),
        )
        .await
        .unwrap();
    let body = String::from_utf8(answer.answer.body).unwrap();
    assert_eq!(body.matches("<refund_transaction_id>").count(), 2, "{body}");
    let refunds = answer.typed.expect("the inferred shape").refund;
    let amounts: Vec<Option<String>> = refunds
        .iter()
        .map(|r| {
            r.refund_amount
                .as_option()
                .and_then(|a| a.decimal.as_option())
                .map(|d| d.to_string())
        })
        .collect();
    assert_eq!(
        amounts,
        [Some("10.00".to_string()), Some("50.00".to_string())]
    );
    assert!(refunds
        .iter()
        .all(|r| r.refund_transaction_id.as_option().is_some()));
    // One unknown gift refuses the whole request: the 15.00 left of the first is untouched.
    let Err(Error::ServerApi { code, .. }) = client
        .refund_transactions(
            &RefundRequest::new()
                .donation(TransactionRefund::of("SEED-5001001"))
                .donation(TransactionRefund::of("NO-SUCH-GIFT")),
        )
        .await
    else {
        panic!("a refund of no gift")
    };
    assert_eq!(code, ErrorCode::RecordNotFound);
    let rest = client
        .refund_transactions(&RefundRequest::new().donation(TransactionRefund::of("SEED-5001001")))
        .await
        .unwrap();
    let body = String::from_utf8(rest.answer.body).unwrap();
    assert!(body.contains("<decimal>15.00</decimal>"), "{body}");
    // Nothing is left of the second gift.
    let Err(Error::ServerApi { code, .. }) = client
        .refund_transactions(&RefundRequest::new().donation(TransactionRefund::of("SEED-5001002")))
        .await
    else {
        panic!("a second full refund")
    };
    assert_eq!(code, ErrorCode::ValidationError);
    let bodies = recorder.bodies.lock().unwrap();
    insta::assert_snapshot!(bodies[0].clone());
}

#[tokio::test]
async fn every_method_also_passes_through_to_its_servlet() {
    // The site answers each; the snapshot is of what is sent: the servlet path and the
    // common parameters.
    let site = std::sync::Arc::new(Emulator::builder().build_site());
    let recorder = SiteRecorder::new(&site);
    let client = recorder.admin(ResponseFormat::Xml);
    let methods: Vec<(String, String)> = readme_method_table()
        .into_iter()
        .map(|(servlet, method, ..)| (servlet, method))
        .collect();
    assert_eq!(methods.len(), 41);
    for (servlet, method) in &methods {
        let servlet = Servlet::from_path(servlet).expect("a documented servlet");
        let answer = client
            .call_method(servlet, method, &[("cons_id".into(), "1001001".into())])
            .await
            .unwrap();
        assert!(!answer.body.is_empty(), "{method}");
    }
    insta::assert_snapshot!(recorder.bodies.lock().unwrap().join("\n\n"));
}

#[tokio::test]
async fn constituents_sign_in_and_change_their_passwords() {
    use convio::server_api::{ConsParams, ConstituentLogin, Lookup, PasswordChange};
    let site = std::sync::Arc::new(Emulator::builder().seed(3).build_site());
    let mut bodies = Vec::new();
    for format in [ResponseFormat::Xml, ResponseFormat::Json] {
        let recorder = SiteRecorder::new(&site);
        let client = recorder.admin(format);
        let user_name = format!("ada-{format:?}").to_lowercase();
        let created = client
            .create(
                &ConsParams::new()
                    .primary_email(format!("{user_name}@example.org"))
                    .member_id(format!("M-{format:?}"))
                    .field("name.last", "Lovelace")
                    .field("user_name", &user_name)
                    .field("user_password", "first-secret"),
            )
            .await
            .unwrap();
        let cons_id = created.cons_id;

        let signed_in = client
            .login(&ConstituentLogin::user_name(&user_name, "first-secret"))
            .await
            .unwrap();
        assert_eq!(signed_in.cons_id, Field::Value(cons_id));
        assert!(signed_in.token.as_option().is_some_and(|t| !t.is_empty()));
        let by_email = client
            .login(&ConstituentLogin::email(
                format!("{user_name}@example.org"),
                "first-secret",
            ))
            .await
            .unwrap();
        assert_eq!(by_email.cons_id, Field::Value(cons_id));
        let Err(Error::ServerApi { code, .. }) = client
            .login(&ConstituentLogin::user_name(&user_name, "wrong"))
            .await
        else {
            panic!("a wrong password signs in")
        };
        assert_eq!(code, ErrorCode::AuthenticationFailed);

        // The site flags member_id and name.last "Use for Authentication".
        let authenticated = client
            .authenticate_user(&[
                ("member_id", &format!("M-{format:?}")),
                ("name.last", "lovelace"),
            ])
            .await
            .unwrap();
        assert_eq!(authenticated.cons_id, Field::Value(cons_id));
        let Err(Error::ServerApi { code, .. }) = client
            .authenticate_user(&[("member_id", "M-NOBODY"), ("name.last", "Lovelace")])
            .await
        else {
            panic!("nobody authenticated")
        };
        assert_eq!(code, ErrorCode::RecordNotFound);

        let lookup = Lookup::ConsId(cons_id);
        let Err(Error::ServerApi { code, .. }) = client
            .change_password(&lookup, &PasswordChange::new("second-secret"))
            .await
        else {
            panic!("a change without the old password")
        };
        assert_eq!(code, ErrorCode::OldPasswordRequired);
        let Err(Error::ServerApi { code, .. }) = client
            .change_password(
                &lookup,
                &PasswordChange::new("second-secret").old_password("wrong"),
            )
            .await
        else {
            panic!("a change with a wrong old password")
        };
        assert_eq!(code, ErrorCode::InvalidPassword);
        let changed = client
            .change_password(
                &lookup,
                &PasswordChange::new("second-secret")
                    .old_password("first-secret")
                    .reminder_hint("the second one"),
            )
            .await
            .unwrap();
        assert_eq!(changed.cons_id, Some(cons_id));
        assert!(client
            .login(&ConstituentLogin::user_name(&user_name, "first-secret"))
            .await
            .is_err());
        let again = client
            .login(&ConstituentLogin::user_name(&user_name, "second-secret").remember_me(true))
            .await
            .unwrap();
        assert_eq!(again.cons_id, Field::Value(cons_id));
        bodies.extend(recorder.take());
    }
    insta::assert_snapshot!(bodies.join("\n\n"));
}

#[tokio::test]
async fn the_sites_groups_and_a_groups_members() {
    use convio::server_api::{ConsParams, GroupQuery};
    let site = std::sync::Arc::new(Emulator::builder().seed(2).build_site());
    let mut bodies = Vec::new();
    for format in [ResponseFormat::Xml, ResponseFormat::Json] {
        let recorder = SiteRecorder::new(&site);
        let client = recorder.admin(format);
        for (n, groups) in [vec![1010, 1020], vec![1010], vec![1030]]
            .into_iter()
            .enumerate()
        {
            client
                .create_or_update(
                    &ConsParams::new()
                        .primary_email(format!("member{n}@example.org"))
                        .field("name.first", format!("Member{n}"))
                        .field("name.last", "Grouped")
                        .add_group_ids(groups),
                )
                .await
                .unwrap();
        }
        let all = client.list_groups(&GroupQuery::default()).await.unwrap();
        let listed: Vec<(u64, Option<u64>)> = all
            .group_info
            .iter()
            .map(|g| (g.id, g.num_members.as_option().copied()))
            .collect();
        assert_eq!(listed, [(1010, Some(2)), (1020, Some(1)), (1030, Some(1))]);
        let page = client
            .list_groups(&GroupQuery {
                selection_mode: Some("MEMBERSHIP".into()),
                filter_text: Some("group 10".into()),
                page_size: Some(1),
                page_offset: Some(1),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.group_info.len(), 1);
        assert_eq!(page.group_info[0].id, 1020);

        let members = client.group_members(1010, &[], None).await.unwrap();
        assert_eq!(members.total_number, Field::Value(2));
        let first_names: Vec<Option<String>> = members
            .member
            .iter()
            .map(|m| {
                m.name
                    .as_option()
                    .and_then(|n| n.first.as_option())
                    .map(|t| t.to_string())
            })
            .collect();
        assert_eq!(
            first_names,
            [Some("Member0".to_string()), Some("Member1".to_string())]
        );
        // Column names and dot notation alike; at most max_number members.
        let one = client
            .group_members(1010, &["cons_id", "primary_email"], Some(1))
            .await
            .unwrap();
        assert_eq!(one.member.len(), 1);
        let email = one.member[0]
            .email
            .as_option()
            .and_then(|e| e.primary_address.as_option())
            .map(|t| t.to_string());
        assert_eq!(email.as_deref(), Some("member0@example.org"));
        assert!(one.member[0].name.is_absent());
        assert!(matches!(
            client.group_members(1010, &[], Some(1001)).await,
            Err(Error::Configuration(_))
        ));
        let Err(Error::ServerApi { code, .. }) = client.group_members(4242, &[], None).await else {
            panic!("members of a group nobody belongs to")
        };
        assert_eq!(code, ErrorCode::RecordNotFound);
        bodies.extend(recorder.take());
    }
    insta::assert_snapshot!(bodies.join("\n\n"));
}

#[test]
fn a_group_member_list_under_the_legacy_root_reads() {
    let legacy = br#"<?xml version="1.0" encoding="UTF-8"?>
<getConsGroupsResponse xmlns="http://convio.com/crm/v1.0">
  <total_number>1</total_number>
  <member><cons_id>1002001</cons_id><name><first>Ada</first></name></member>
</getConsGroupsResponse>"#;
    let Response::Ok(members) = decode_response::<crm::GetGroupMembersResponseType>(
        legacy,
        ResponseFormat::Xml,
        &["getGroupMembersResponse", "getConsGroupsResponse"],
    )
    .unwrap() else {
        panic!("an error")
    };
    assert_eq!(members.member[0].cons_id, Field::Value(1_002_001));

    // Prefixed, and in JSON: the same reading.
    let prefixed = br#"<crm:getConsGroupsResponse xmlns:crm="http://convio.com/crm/v1.0"><crm:total_number>1</crm:total_number><crm:member><crm:cons_id>1002001</crm:cons_id></crm:member></crm:getConsGroupsResponse>"#;
    let json = br#"{"getConsGroupsResponse":{"total_number":"1","member":{"cons_id":"1002001"}}}"#;
    for (body, format) in [
        (&prefixed[..], ResponseFormat::Xml),
        (&json[..], ResponseFormat::Json),
    ] {
        let Response::Ok(members) = decode_response::<crm::GetGroupMembersResponseType>(
            body,
            format,
            &["getGroupMembersResponse", "getConsGroupsResponse"],
        )
        .unwrap() else {
            panic!("an error")
        };
        assert_eq!(members.total_number, Field::Value(1));
        assert_eq!(members.member[0].cons_id, Field::Value(1_002_001));
    }
}

#[tokio::test]
async fn interactions_of_one_type_listed_across_constituents() {
    use convio::server_api::{Interaction, InteractionQuery, Lookup};
    let site = std::sync::Arc::new(Emulator::builder().seed(2).build_site());
    let ids = site.constituent_ids();
    let mut bodies = Vec::new();
    for format in [ResponseFormat::Xml, ResponseFormat::Json] {
        let recorder = SiteRecorder::new(&site);
        let client = recorder.admin(format);
        let subject = format!("Volunteered ({format:?})");
        for cons_id in &ids {
            client
                .log_interaction(
                    &Lookup::ConsId(*cons_id),
                    &Interaction::new(&subject).body("Four hours.").type_id(1040),
                )
                .await
                .unwrap();
        }
        client
            .log_interaction(&Lookup::ConsId(ids[0]), &Interaction::new(&subject))
            .await
            .unwrap();
        let query = InteractionQuery {
            subject: Some(subject.clone()),
            begin_date: Some("2000-01-01".into()),
            ..Default::default()
        };
        let listed = client.list_interactions(1040, &query).await.unwrap();
        assert_eq!(listed.interaction.len(), 2, "{listed:?}");
        assert!(listed
            .interaction
            .iter()
            .all(|i| i.interaction_type_id == Field::Value(1040)));
        let later = client
            .list_interactions(
                1040,
                &InteractionQuery {
                    begin_date: Some("2999-01-01".into()),
                    ..query.clone()
                },
            )
            .await
            .unwrap();
        assert!(later.interaction.is_empty());
        let Err(Error::ServerApi { code, .. }) = client
            .list_interactions(0, &InteractionQuery::default())
            .await
        else {
            panic!("type 0 is not a custom type")
        };
        assert_eq!(code, ErrorCode::ValidationError);
        bodies.extend(recorder.take());
    }
    insta::assert_snapshot!(bodies.join("\n\n"));
}

#[tokio::test]
async fn an_organizations_gift_is_a_transaction_of_its_contact() {
    use convio::server_api::{Lookup, OrganizationPaymentMethod, TransactionQuery};
    let site = std::sync::Arc::new(Emulator::builder().seed(1).build_site());
    let mut bodies = Vec::new();
    for (format, checkout) in [(ResponseFormat::Xml, false), (ResponseFormat::Json, true)] {
        let recorder = SiteRecorder::new(&site);
        let client = recorder.admin(format);
        let email = format!("giving-{format:?}@example.org");
        let gift = OfflineDonation::organization(
            1001,
            1001,
            OfflinePaymentMethod::Credit,
            OrganizationPaymentMethod::Ach,
            "Grace",
            "Hopper",
            &email,
        )
        .additional_amount("150.00");
        let answer = if checkout {
            client.offline_organization_gift_checkout(&gift).await
        } else {
            client.offline_organization_gift(&gift).await
        }
        .unwrap();
        let donation = answer.donation.as_option().expect("a recorded gift");
        let amount = donation
            .amount
            .as_option()
            .and_then(|a| a.decimal.as_option());
        assert_eq!(amount.map(|d| d.to_string()), Some("200.00".to_string()));
        let cons_id = donation.cons_id.as_option().copied().expect("a donor");
        let transactions = client
            .get_user_transactions(&Lookup::ConsId(cons_id), &TransactionQuery::default())
            .await
            .unwrap();
        assert_eq!(transactions.transaction.len(), 1);
        // An individual's gift is not an organization's.
        assert!(matches!(
            client.offline_organization_gift(&gift_for(&email)).await,
            Err(Error::Configuration(_))
        ));
        bodies.extend(recorder.take());
    }
    insta::assert_snapshot!(bodies.join("\n\n"));
}

fn gift_for(email: &str) -> OfflineDonation {
    OfflineDonation::new(1001, 1001, OfflinePaymentMethod::Cash, "A", "B", email)
}

#[tokio::test]
async fn recurring_payments_made_elsewhere_are_recorded() {
    use convio::server_api::{RecurringPayment, RecurringTransactionRequest};
    // Gift 1 is the first sample constituent's; the emulator numbers seed transactions
    // 6,000,000 + the gift's id and processor references EMU-RECUR-{id}.
    let site = std::sync::Arc::new(Emulator::builder().seed(6).build_site());
    let cons_id = site.constituent_ids()[0];
    let recorder = SiteRecorder::new(&site);
    for format in [ResponseFormat::Xml, ResponseFormat::Json] {
        let client = recorder.admin(format);
        let day = if format == ResponseFormat::Xml {
            "2026-02-10"
        } else {
            "2026-03-10T09:30:10-06:00"
        };
        let answer = client
            .record_recurring_transactions(
                &RecurringTransactionRequest::new()
                    .payment(RecurringPayment::of_seed_transaction(6_000_001, 1_500, day))
                    .payment(
                        RecurringPayment::of_processor_ref("EMU-RECUR-1", 1_500, day).failed(),
                    ),
            )
            .await
            .unwrap();
        let results: Vec<(bool, bool)> = answer
            .recur_pledge_result
            .iter()
            .map(|r| (r.success, r.transaction_id.as_option().is_some()))
            .collect();
        assert_eq!(results, [(true, true), (true, false)]);
    }
    let client = recorder.admin(ResponseFormat::Xml);
    let history = client.recurring_history(cons_id, 1, 2026).await.unwrap();
    let paid: Vec<Option<String>> = history
        .recurring_history
        .iter()
        .map(|p| p.date.as_option().map(|d| d.to_string()))
        .collect();
    assert!(paid.contains(&Some("2026-02-10Z".to_string())), "{paid:?}");
    assert!(paid.contains(&Some("2026-03-10Z".to_string())), "{paid:?}");
    // A gift nobody started refuses the whole batch: the good payment is not recorded.
    let before = client.recurring_history(cons_id, 1, 2026).await.unwrap();
    let Err(Error::ServerApi { code, .. }) = client
        .record_recurring_transactions(
            &RecurringTransactionRequest::new()
                .payment(RecurringPayment::of_seed_transaction(
                    6_000_001,
                    1_500,
                    "2026-04-10",
                ))
                .payment(RecurringPayment::of_seed_transaction(
                    42,
                    1_500,
                    "2026-04-10",
                )),
        )
        .await
    else {
        panic!("a payment of no gift")
    };
    assert_eq!(code, ErrorCode::RecordNotFound);
    let after = client.recurring_history(cons_id, 1, 2026).await.unwrap();
    assert_eq!(
        after.recurring_history.len(),
        before.recurring_history.len()
    );
    // A canceled gift takes a payment only with process_lapsed.
    client.cancel_recurring_gift(cons_id, 1).await.unwrap();
    let lapsed = client
        .record_recurring_transactions(
            &RecurringTransactionRequest::new()
                .payment(RecurringPayment::of_seed_transaction(
                    6_000_001,
                    1_500,
                    "2026-05-10",
                ))
                .payment(
                    RecurringPayment::of_seed_transaction(6_000_001, 1_500, "2026-05-11")
                        .process_lapsed(true),
                ),
        )
        .await
        .unwrap();
    let successes: Vec<bool> = lapsed
        .recur_pledge_result
        .iter()
        .map(|r| r.success)
        .collect();
    assert_eq!(successes, [false, true]);
    // Refused before sending: no payment, a date that is not one.
    assert!(matches!(
        client
            .record_recurring_transactions(&RecurringTransactionRequest::new())
            .await,
        Err(Error::Configuration(_))
    ));
    assert!(matches!(
        client
            .record_recurring_transactions(&RecurringTransactionRequest::new().payment(
                RecurringPayment::of_seed_transaction(6_000_001, 1_500, "05/10/2026")
            ))
            .await,
        Err(Error::Configuration(_))
    ));
    insta::assert_snapshot!(recorder.take()[0].clone());
}

#[tokio::test]
async fn a_constituents_advocacy_interactions_are_the_actions_taken() {
    use convio::server_api::{AlertQuery, Lookup};
    let site = std::sync::Arc::new(Emulator::builder().seed(2).build_site());
    let ids = site.constituent_ids();
    let mut bodies = Vec::new();
    for format in [ResponseFormat::Xml, ResponseFormat::Json] {
        let recorder = SiteRecorder::new(&site);
        let client = recorder.admin(format);
        let lookup = Lookup::ConsId(ids[1]);
        let before = client
            .advocacy_interactions(&lookup, &AlertQuery::default())
            .await
            .unwrap();
        client
            .take_action(1003, "action", &lookup, &[("subject", "Safe routes")])
            .await
            .unwrap();
        let after = client
            .advocacy_interactions(&lookup, &AlertQuery::default())
            .await
            .unwrap();
        assert_eq!(after.interaction.len(), before.interaction.len() + 1);
        let last = after.interaction.last().expect("the action taken");
        assert_eq!(last.alert_id, Some(1003));
        assert!(last.interacted.as_option().is_some());
        let calls = client
            .advocacy_interactions(
                &lookup,
                &AlertQuery {
                    alert_type: Some("call".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(calls.interaction.is_empty());
        let other = client
            .advocacy_interactions(&Lookup::ConsId(ids[0]), &AlertQuery::default())
            .await
            .unwrap();
        assert!(other.interaction.is_empty());
        bodies.extend(recorder.take());
    }
    insta::assert_snapshot!(bodies.join("\n\n"));
}

/// A transport that answers every request with one body.
#[derive(Clone)]
struct Answering(&'static str);

impl convio::transport::Transport for Answering {
    fn send(
        &self,
        _request: hyper::Request<bytes::Bytes>,
    ) -> convio::transport::BoxFuture<
        '_,
        Result<hyper::Response<bytes::Bytes>, convio::transport::TransportError>,
    > {
        let body = bytes::Bytes::from_static(self.0.as_bytes());
        Box::pin(async move { Ok(hyper::Response::new(body)) })
    }
}

#[tokio::test]
async fn a_write_answered_in_another_shape_is_kept_as_sent_and_is_no_error() {
    use convio::server_api::{Interaction, Lookup};
    let answering = |body: &'static str| {
        ServerApi::builder()
            .base_url("http://127.0.0.1:9/organization")
            .api_key(convio::emulator::DEFAULT_API_KEY)
            .credentials(DEFAULT_ADMIN_USER, DEFAULT_ADMIN_PASSWORD)
            .transport(Answering(body))
            .build()
            .unwrap()
    };
    let surprising = answering(
        r#"<?xml version="1.0"?><logInteractionResult xmlns="http://convio.com/crm/v1.0"><success>true</success></logInteractionResult>"#,
    );
    let logged = surprising
        .log_interaction(&Lookup::ConsId(1_001_001), &Interaction::new("Called"))
        .await
        .unwrap();
    assert!(logged.typed.is_none());
    assert!(String::from_utf8_lossy(&logged.answer.body).contains("<success>true</success>"));

    let inferred = answering(
        r#"<logInteractionResponse xmlns="http://convio.com/crm/v1.0"><interactionId>9001007</interactionId><extra>kept aside</extra></logInteractionResponse>"#,
    );
    let logged = inferred
        .log_interaction(&Lookup::ConsId(1_001_001), &Interaction::new("Called"))
        .await
        .unwrap();
    let id = logged
        .typed
        .and_then(|t| t.interaction_id.as_option().copied());
    assert_eq!(id, Some(9_001_007));

    let refused = answering(
        r#"<errorResponse xmlns="http://convio.com/crm/v1"><code>27</code><message>Invalid interaction</message></errorResponse>"#,
    );
    let Err(Error::ServerApi { code, .. }) = refused
        .log_interaction(&Lookup::ConsId(1_001_001), &Interaction::new("Called"))
        .await
    else {
        panic!("an errorResponse is an error")
    };
    assert_eq!(code, ErrorCode::InvalidInteraction);
}

#[test]
fn a_documented_methods_answer_is_read_with_its_type() {
    use convio::server_api::{read_answer, AnswerReading};
    let shown = br#"<listGroupsResponse xmlns="http://convio.com/crm/v1.0"><groupInfo><id>1010</id><name>Volunteers</name><lastBuildTimestamp>2026-11-30T06:00:00Z</lastBuildTimestamp></groupInfo></listGroupsResponse>"#;
    let Some(Ok(AnswerReading::Answer { root, unrecognized })) =
        read_answer("listGroups", shown, ResponseFormat::Xml)
    else {
        panic!("a listGroups answer")
    };
    assert_eq!(root, "listGroupsResponse");
    assert_eq!(
        unrecognized[0].path,
        ["listGroupsResponse", "groupInfo", "lastBuildTimestamp"]
    );
    let other = br#"<getGroupInfoResponse xmlns="http://convio.com/crm/v1.0"><groupInfo><id>1</id></groupInfo></getGroupInfoResponse>"#;
    assert!(matches!(
        read_answer("listGroups", other, ResponseFormat::Xml),
        Some(Err(_))
    ));
    let refused = br#"{"errorResponse":{"code":"16","message":"No group."}}"#;
    assert_eq!(
        read_answer("listGroups", refused, ResponseFormat::Json),
        Some(Ok(AnswerReading::Error {
            code: 16,
            message: "No group.".into()
        }))
    );
    assert_eq!(
        read_answer("getSomething", shown, ResponseFormat::Xml),
        None
    );
}
