//! Encodes an Update of the first 50 records of a page file many times (for profiling), the
//! same records `cargo bench --bench codec` encodes:
//! `cargo run --release --example encode_update -- target/bench/page-50.xml 2000 [raw]`.
//! With `raw`, runs the criterion benchmark's baseline instead: quick-xml's raw `Writer`
//! writing the events of the same document.

// Shared with the benchmark and the other profiling example (the reader loops are decode_page's).
#[allow(dead_code)]
#[path = "../benches/baselines/mod.rs"]
mod baselines;

use convio::generated::tns;
use convio::soap::{decode_response, Body, Encoder, Envelope};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("page file (written by cargo bench --bench codec)");
    let times: usize = args.next().map_or(1000, |n| n.parse().expect("count"));
    let raw = args.next().is_some_and(|mode| mode == "raw");
    let bytes = std::fs::read(path).expect("read");
    let Ok(Body::GetIncrementalUpdatesResponse(page)) = decode_response(&bytes) else {
        panic!("not a GetIncrementalUpdates page")
    };
    let envelope = Envelope::request(
        Some("0123456789abcdef:JSESSIONID=bench:1:2026-11-22T00:00:00Z"),
        Body::Update(tns::UpdateElementType {
            partition_id: Some(1001),
            force: None,
            record: page.record.into_iter().take(50).collect(),
            unknown: Default::default(),
        }),
    );
    let mut total = 0;
    if raw {
        let events = baselines::events_of(&Encoder::new().encode(&envelope).expect("encodes"));
        for _ in 0..times {
            total += baselines::raw_writer_loop(&events);
        }
    } else {
        for _ in 0..times {
            total += Encoder::new().encode(&envelope).expect("encodes").len();
        }
    }
    println!("{total} bytes");
}
