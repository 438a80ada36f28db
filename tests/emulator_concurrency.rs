//! Many clients at once against one emulator: 8 SOAP clients, each with its own session,
//! send 1,000 updates each to the same 100 constituents. Every client writes only its own
//! field, round after round, so the final state is known exactly: each record holds, in
//! each of the 8 fields, the last round its owner wrote. Any lost or misapplied update
//! shows up as a wrong value.
#![cfg(feature = "emulator")]

mod common;

use common::emulator_client;
use convio::emulator::{ChangeKind, Emulator};
use convio::generated::ens;
use convio::soap::{Client, EmailOptIn, NewConstituent};
use convio::{AnyRecord, Field, ResultCode, Text};

const CLIENTS: usize = 8;
const RECORDS: usize = 100;
const ROUNDS: usize = 10;
/// The field each client owns, as the emulator stores it.
const FIELDS: [&str; CLIENTS] = [
    "ConsName.Title",
    "ConsName.FirstName",
    "ConsName.MiddleName",
    "ConsName.LastName",
    "ConsName.Suffix",
    "ConsName.ProfSuffix",
    "HomePhone",
    "WorkPhone",
];

/// A record that sets client `k`'s field to `value` and leaves every other field alone.
fn write(k: usize, cons_id: u64, value: String) -> AnyRecord {
    let value = Field::Value(Text::from(value));
    let mut name = ens::NameType::default();
    let mut record = ens::ConstituentType {
        cons_id: Some(cons_id),
        ..Default::default()
    };
    match k {
        0 => name.title = value,
        1 => name.first_name = value,
        2 => name.middle_name = value,
        3 => name.last_name = value,
        4 => name.suffix = value,
        5 => name.prof_suffix = value,
        6 => record.home_phone = value,
        _ => record.work_phone = value,
    }
    if k < 6 {
        record.cons_name = Field::Value(name);
    }
    AnyRecord::Constituent(record)
}

fn value_of(k: usize, round: usize) -> String {
    format!("{k}-{round}")
}

/// One client's work: `ROUNDS` passes over all records, each pass in its own order and
/// batch shape; returns how many updates came back OK.
async fn run_client(k: usize, client: Client, ids: Vec<u64>) -> usize {
    let mut ok = 0;
    for round in 0..ROUNDS {
        // Start each pass somewhere else, so that clients meet on the same records.
        let offset = (k * 13 + round * 37) % ids.len();
        let records: Vec<AnyRecord> = ids[offset..]
            .iter()
            .chain(&ids[..offset])
            .map(|&id| write(k, id, value_of(k, round)))
            .collect();
        // Mixed batch shapes: the client's own split into requests of 50, or smaller
        // requests sent one after the other.
        let chunk = match k % 3 {
            0 => RECORDS,
            1 => 20,
            _ => 7,
        };
        for batch in records.chunks(chunk) {
            let results = client.update(batch.to_vec()).await.unwrap();
            assert_eq!(results.len(), batch.len());
            for result in results.iter() {
                assert_eq!(result.code, ResultCode::Ok, "client {k}: {result:?}");
                ok += 1;
            }
        }
    }
    ok
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_clients_overlapping_updates_lose_nothing() {
    let emulator = Emulator::builder()
        .start("127.0.0.1:0")
        .await
        .expect("emulator starts");
    let setup = emulator_client(&emulator);
    let created =
        setup
            .create((0..RECORDS).map(|n| {
                NewConstituent::new(format!("c{n}@example.org"), EmailOptIn::OptedOut).into()
            }))
            .await
            .unwrap();
    assert!(created.all_ok());
    let ids: Vec<u64> = created
        .iter()
        .map(|result| match result.record.as_ref() {
            Some(AnyRecord::Constituent(c)) => c.cons_id.unwrap(),
            other => panic!("no record: {other:?}"),
        })
        .collect();
    assert_eq!(ids.len(), RECORDS);

    let clients: Vec<Client> = (0..CLIENTS).map(|_| emulator_client(&emulator)).collect();
    let tasks: Vec<_> = clients
        .iter()
        .cloned()
        .enumerate()
        .map(|(k, client)| tokio::spawn(run_client(k, client, ids.clone())))
        .collect();
    for (k, task) in tasks.into_iter().enumerate() {
        assert_eq!(task.await.unwrap(), ROUNDS * RECORDS, "client {k}");
    }
    for (k, client) in clients.iter().enumerate() {
        assert_eq!(client.login_count(), 1, "client {k} kept one session");
    }

    // Every update was applied once, and the last value of each client stands.
    let site = emulator.site();
    let updates = site
        .changes()
        .iter()
        .filter(|change| change.kind == ChangeKind::Update)
        .count();
    assert_eq!(updates, CLIENTS * ROUNDS * RECORDS);
    assert_eq!(site.constituent_ids().len(), RECORDS);
    for (n, id) in ids.iter().enumerate() {
        let fields = site.constituent(*id).expect("stored");
        for (k, path) in FIELDS.iter().enumerate() {
            assert_eq!(
                fields.get(path),
                Some(value_of(k, ROUNDS - 1).as_str()),
                "record {id}, {path}"
            );
        }
        let email = format!("c{n}@example.org");
        assert_eq!(fields.get("PrimaryEmail"), Some(email.as_str()));
    }

    // The same through the API.
    let mut pages = setup.query(
        "select ConsId, ConsName.Title, ConsName.FirstName, ConsName.MiddleName, ConsName.LastName, \
         ConsName.Suffix, ConsName.ProfSuffix, HomePhone, WorkPhone from Constituent",
    );
    let mut seen = 0;
    while let Some(page) = pages.next_page().await.unwrap() {
        for record in &page {
            let AnyRecord::Constituent(c) = record else {
                panic!("not a constituent: {record:?}")
            };
            let Field::Value(name) = &c.cons_name else {
                panic!("no ConsName: {c:?}")
            };
            let got = [
                &name.title,
                &name.first_name,
                &name.middle_name,
                &name.last_name,
                &name.suffix,
                &name.prof_suffix,
                &c.home_phone,
                &c.work_phone,
            ];
            for (k, value) in got.into_iter().enumerate() {
                assert_eq!(
                    value,
                    &Field::Value(Text::from(value_of(k, ROUNDS - 1))),
                    "ConsId {:?}, field {}",
                    c.cons_id,
                    FIELDS[k]
                );
            }
            seen += 1;
        }
    }
    assert_eq!(seen, RECORDS);
    emulator.shutdown().await;
}
