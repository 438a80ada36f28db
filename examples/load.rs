//! Load: 16 clients, mixed operations (create, update, query) against the emulator on
//! loopback for 60 s (or the seconds given), then a check that nothing was lost or
//! duplicated, and the latency distribution:
//! `cargo run --release --example load -- 60`.
#[path = "../tests/common/load.rs"]
mod load;

use std::time::Duration;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .map_or(60, |s| s.parse().expect("seconds"));
    let emulator = convio::emulator::Emulator::builder()
        .seed(10)
        .start("127.0.0.1:0")
        .await
        .expect("emulator");
    let report = load::run(&emulator, 16, Duration::from_secs(seconds)).await;
    load::verify(&emulator, &report, 10);
    let created: usize = report.created.iter().map(Vec::len).sum();
    println!(
        "16 clients, {seconds} s: {} calls ({:.0}/s), {created} records created, none lost or duplicated; latency p50 {:?}, p99 {:?}, max {:?}",
        report.calls,
        report.calls as f64 / seconds as f64,
        report.quantile(0.5),
        report.quantile(0.99),
        report.quantile(1.0)
    );
    emulator.shutdown().await;
}
