//! A mixed workload against the emulator: `clients` concurrent clients, each creating,
//! updating and reading back its own constituents and touching shared ones, for `duration`.
//! Shared by the load test (short) and `examples/load.rs` (long, reports latency).
#![allow(dead_code)]

use std::time::{Duration, Instant};

use convio::emulator::Emulator;
use convio::generated::ens;
use convio::soap::{Client, EmailOptIn, NewConstituent};
use convio::{AnyRecord, Field};

/// What a run did and saw.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Calls made.
    pub calls: usize,
    /// Latency of every call.
    pub latencies: Vec<Duration>,
    /// Records each client created (by email), in order.
    pub created: Vec<Vec<String>>,
    /// Per client: (ConsId, last MiddleName written) of its records.
    pub last_written: Vec<Vec<(u64, String)>>,
}

impl LoadReport {
    /// The `q`-quantile latency (0.0..=1.0).
    pub fn quantile(&self, q: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        sorted
            .get(((sorted.len().max(1) - 1) as f64 * q).round() as usize)
            .copied()
            .unwrap_or_default()
    }
}

/// Runs the workload; panics on any failed call.
pub async fn run(emulator: &Emulator, clients: usize, duration: Duration) -> LoadReport {
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for client_number in 0..clients {
        let endpoint = emulator.soap_url();
        tasks.push(tokio::spawn(async move {
            let client = Client::builder()
                .endpoint(endpoint)
                .credentials("apiuser", "secret")
                .partition(1001)
                .build()
                .expect("client");
            let mut latencies = Vec::new();
            let mut created: Vec<String> = Vec::new();
            let mut mine: Vec<(u64, String)> = Vec::new();
            let mut round = 0usize;
            while Instant::now() < deadline {
                round += 1;
                // Create one record.
                let email = format!("load-{client_number}-{round}@example.org");
                let started = Instant::now();
                let results = client
                    .create([NewConstituent::new(email.as_str(), EmailOptIn::OptedOut)
                        .member_id(format!("L{client_number}-{round}"))
                        .into()])
                    .await
                    .expect("create");
                latencies.push(started.elapsed());
                let result = results.iter().next().expect("one result");
                assert!(result.is_ok(), "{result:?}");
                let Some(AnyRecord::Constituent(record)) = &result.record else {
                    panic!("no record")
                };
                let cons_id = record.cons_id.expect("ConsId");
                created.push(email);
                mine.push((cons_id, String::new()));
                // Update an earlier record of ours.
                let target = round % mine.len();
                let value = format!("c{client_number}r{round}");
                let update = AnyRecord::Constituent(ens::ConstituentType {
                    cons_id: Some(mine[target].0),
                    cons_name: Field::Value(ens::NameType {
                        middle_name: Field::Value(value.as_str().into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                });
                let started = Instant::now();
                assert!(client.update([update]).await.expect("update").all_ok());
                latencies.push(started.elapsed());
                mine[target].1 = value;
                // Read a shared seeded record.
                let started = Instant::now();
                let page = client
                    .query(format!(
                        "select ConsId, ConsName from Constituent where ConsId = {}",
                        1_001_001 + round % 10
                    ))
                    .next_page()
                    .await
                    .expect("query");
                latencies.push(started.elapsed());
                assert_eq!(page.map_or(0, |p| p.len()), 1);
            }
            (latencies, created, mine)
        }));
    }
    let mut report = LoadReport::default();
    for task in tasks {
        let (latencies, created, mine) = task.await.expect("client task");
        report.calls += latencies.len();
        report.latencies.extend(latencies);
        report.created.push(created);
        report.last_written.push(mine);
    }
    report
}

/// Checks the emulator's state against what the clients did: every created record exists
/// exactly once, nothing else was created, every last update is in place.
pub fn verify(emulator: &Emulator, report: &LoadReport, seeded: usize) {
    let total: usize = report.created.iter().map(Vec::len).sum();
    let site = emulator.site();
    assert_eq!(
        site.constituent_ids().len(),
        seeded + total,
        "records lost or duplicated"
    );
    for email in report.created.iter().flatten() {
        assert_eq!(site.find_by_email(email).len(), 1, "{email}");
    }
    for (cons_id, middle) in report.last_written.iter().flatten() {
        let stored = site.constituent(*cons_id).expect("record exists");
        let expected = if middle.is_empty() {
            None
        } else {
            Some(middle.as_str())
        };
        assert_eq!(
            stored.get("ConsName.MiddleName"),
            expected,
            "ConsId {cons_id}"
        );
    }
}
