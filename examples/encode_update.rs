//! Encodes an Update of the first 50 records of a page file many times (for profiling), the
//! same records `cargo bench --bench codec` encodes:
//! `cargo run --release --example encode_update -- target/bench/page-50.xml 2000`.
use convio::generated::tns;
use convio::soap::{decode_response, Body, Encoder, Envelope};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("page file (written by cargo bench --bench codec)");
    let times: usize = args.next().map_or(1000, |n| n.parse().expect("count"));
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
    for _ in 0..times {
        total += Encoder::new().encode(&envelope).expect("encodes").len();
    }
    println!("{total} bytes");
}
