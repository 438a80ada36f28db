//! 16 concurrent clients with a mixed workload for a few seconds: no record lost or
//! duplicated, every last update in place. (`cargo run --release --example load` runs the
//! same for 60 s and reports latency.)
#![cfg(feature = "emulator")]

mod common;

use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_clients_lose_and_duplicate_nothing() {
    let emulator = convio::emulator::Emulator::builder()
        .seed(10)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let report = common::load::run(&emulator, 16, Duration::from_secs(3)).await;
    assert!(
        report.calls >= 16 * 3,
        "every client made calls: {}",
        report.calls
    );
    common::load::verify(&emulator, &report, 10);
    emulator.shutdown().await;
}
