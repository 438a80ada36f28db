//! Every message of a full session, requests from our clients and responses from the
//! emulator, validated against schemas/ by libxml2's `xmllint` (a validator we did not write).
#![cfg(feature = "emulator")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use convio::emulator::Emulator;
use convio::generated::ens;
use convio::server_api::{Client as ServerApi, ConsParams, Lookup, ResponseFormat};
use convio::soap::{Client, EmailOptIn, NewConstituent, SyncOptions, WriteOptions};
use convio::transport::{BoxFuture, HyperTransport, Transport, TransportError};
use convio::{AnyRecord, Field};
use hyper::{Request, Response};

/// A request body and the response body it got.
type Exchange = (Vec<u8>, Vec<u8>);

/// Passes requests to a real transport and keeps every request and response body.
#[derive(Clone)]
struct Capture {
    inner: HyperTransport,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
}

impl Capture {
    fn new() -> Self {
        Capture {
            inner: HyperTransport::builder().build().unwrap(),
            exchanges: Arc::default(),
        }
    }
}

impl Transport for Capture {
    fn send(
        &self,
        request: Request<Bytes>,
    ) -> BoxFuture<'_, Result<Response<Bytes>, TransportError>> {
        Box::pin(async move {
            let sent = request.body().to_vec();
            let response = self.inner.send(request).await?;
            self.exchanges
                .lock()
                .unwrap()
                .push((sent, response.body().to_vec()));
            Ok(response)
        })
    }
}

fn xmllint(schema: &str, documents: &[PathBuf]) {
    let output = Command::new("xmllint")
        .args(["--noout", "--schema", schema])
        .args(documents)
        .output()
        .expect("xmllint must be installed (Debian: apt-get install libxml2-utils)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "xmllint rejected messages:\n{stderr}"
    );
    assert_eq!(
        stderr.lines().filter(|l| l.ends_with(" validates")).count(),
        documents.len(),
        "{stderr}"
    );
}

fn write_all(dir: &Path, prefix: &str, documents: &[Vec<u8>]) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    documents
        .iter()
        .enumerate()
        .map(|(i, document)| {
            let path = dir.join(format!("{prefix}-{i:03}.xml"));
            std::fs::write(&path, document).unwrap();
            path
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_message_of_a_full_session_is_schema_valid() {
    let emulator = Emulator::builder()
        .seed(5)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let capture = Capture::new();
    let client = Client::builder()
        .endpoint(emulator.soap_url())
        .credentials("apiuser", "secret")
        .partition(1001)
        .transport(capture.clone())
        .build()
        .unwrap();

    client.get_server_time().await.unwrap();
    let created = client
        .create([
            NewConstituent::new("valid@example.org", EmailOptIn::OptedIn)
                .name("Ada", "Lovelace")
                .member_id("V-1")
                .into(),
            NewConstituent::new("seed0@example.org", EmailOptIn::OptedOut).into(),
        ])
        .await
        .unwrap();
    let cons_id = match &created.iter().next().unwrap().record {
        Some(AnyRecord::Constituent(c)) => c.cons_id.unwrap(),
        other => panic!("{other:?}"),
    };
    let update = |middle: Field<convio::Text>| {
        AnyRecord::Constituent(ens::ConstituentType {
            cons_id: Some(cons_id),
            cons_name: Field::Value(ens::NameType {
                middle_name: middle,
                ..Default::default()
            }),
            home_address: Field::Value(ens::AddressType {
                city: Field::Value("Zürich & <Basel>".into()),
                ..Default::default()
            }),
            ..Default::default()
        })
    };
    client
        .update([update(Field::Value("King".into())), update(Field::Nil)])
        .await
        .unwrap();
    client
        .update([AnyRecord::Constituent(ens::ConstituentType {
            cons_id: Some(424242),
            ..Default::default()
        })])
        .await
        .unwrap();
    let mut pages = client
        .query("select * from Constituent")
        .page_size(3)
        .unwrap();
    while pages.next_page().await.unwrap().is_some() {}
    client
        .query("select PartitionId, Name from Partition")
        .next_page()
        .await
        .unwrap();
    client.describe_record_type("Constituent").await.unwrap();
    client.list_record_types().await.unwrap();
    let relationship = AnyRecord::Constituent(ens::ConstituentType {
        cons_id: Some(cons_id),
        group_id: vec![1101],
        interest_id: vec![7],
        ..Default::default()
    });
    client
        .add_relationships([relationship.clone()], WriteOptions::default())
        .await
        .unwrap();
    client
        .remove_relationships([relationship], WriteOptions::default().force(true))
        .await
        .unwrap();
    let window = client
        .start_synchronization(SyncOptions::default().start("2000-01-01T00:00:00Z"))
        .await
        .unwrap();
    assert!(client
        .start_synchronization(SyncOptions::default())
        .await
        .is_err());
    for kind in 0..3 {
        let fields = ["ConsId", "ConsName.FirstName", "HomeAddress", "GroupId"];
        let mut pages = match kind {
            0 => client.incremental_inserts("Constituent", fields),
            1 => client.incremental_updates("Constituent", fields),
            _ => client.incremental_deletes("Constituent", fields),
        }
        .unwrap();
        while pages.next_page().await.unwrap().is_some() {}
    }
    client
        .synchronization_request_log(window.sync_id)
        .await
        .unwrap();
    client.end_synchronization(None).await.unwrap();
    client.synchronization_log(None, None, None).await.unwrap();
    client
        .delete([AnyRecord::Constituent(ens::ConstituentType {
            cons_id: Some(cons_id),
            ..Default::default()
        })])
        .await
        .unwrap();
    client.logout().await.unwrap();
    let wrong = Client::builder()
        .endpoint(emulator.soap_url())
        .credentials("apiuser", "wrong")
        .transport(capture.clone())
        .build()
        .unwrap();
    assert!(wrong.get_server_time().await.is_err());

    let soap: Vec<Exchange> = capture.exchanges.lock().unwrap().drain(..).collect();
    assert!(soap.len() >= 24, "only {} exchanges", soap.len());

    let server_capture = Capture::new();
    for format in [ResponseFormat::Xml, ResponseFormat::Json] {
        let server_api = ServerApi::builder()
            .base_url(emulator.server_api_base())
            .api_key("demo-api-key")
            .credentials("apiuser", "secret")
            .response_format(format)
            .transport(server_capture.clone())
            .build()
            .unwrap();
        let created = server_api
            .create_or_update(
                &ConsParams::new()
                    .primary_email("api@example.org")
                    .field("name.first", "Grace")
                    .add_group_ids([1010])
                    .add_interest_ids([5]),
            )
            .await
            .unwrap();
        let id = created.cons_id.unwrap();
        server_api
            .update(
                &ConsParams::new()
                    .cons_id(id)
                    .field("name.middle", "Brewster"),
            )
            .await
            .unwrap();
        server_api.get_user(&Lookup::ConsId(id), &[]).await.unwrap();
        server_api
            .get_user(
                &Lookup::PrimaryEmail("api@example.org".into()),
                &["name.first", "email"],
            )
            .await
            .unwrap();
        server_api
            .get_user_groups(&Lookup::ConsId(id))
            .await
            .unwrap();
        server_api
            .get_user_interests(&Lookup::ConsId(id))
            .await
            .unwrap();
        server_api.list_user_fields(None, false).await.unwrap();
        assert!(server_api
            .create(&ConsParams::new().primary_email("api@example.org"))
            .await
            .is_err());
        assert!(server_api.get_user(&Lookup::ConsId(1), &[]).await.is_err());
    }
    let rest: Vec<Exchange> = server_capture.exchanges.lock().unwrap().drain(..).collect();

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("interop-messages");
    let _ = std::fs::remove_dir_all(&dir);
    let requests: Vec<Vec<u8>> = soap.iter().map(|(sent, _)| sent.clone()).collect();
    let responses: Vec<Vec<u8>> = soap.iter().map(|(_, received)| received.clone()).collect();
    let mut documents = write_all(&dir, "soap-request", &requests);
    documents.extend(write_all(&dir, "soap-response", &responses));
    xmllint("schemas/soap/envelope.xsd", &documents);

    let xml_responses: Vec<Vec<u8>> = rest
        .iter()
        .map(|(_, received)| received.clone())
        .filter(|body| body.starts_with(b"<?xml"))
        .collect();
    assert_eq!(
        xml_responses.len(),
        9,
        "one XML response per Server API call"
    );
    xmllint(
        "schemas/crm.public.v1.xsd",
        &write_all(&dir, "crm-response", &xml_responses),
    );
    emulator.shutdown().await;
}
