//! Decodes a page file many times (for profiling, e.g. under `valgrind --tool=callgrind`):
//! `cargo run --release --example decode_page -- target/bench/page-50.xml 50 [raw|ns]`.
//! With `raw` or `ns`, runs a baseline of the criterion benchmark instead: quick-xml's plain
//! `Reader` or its namespace-aware `NsReader` event loop over the same bytes, touching every
//! event.

// Shared with the benchmark and the other profiling example (the writer loop is encode_update's).
#[allow(dead_code)]
#[path = "../benches/baselines/mod.rs"]
mod baselines;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("page file");
    let times: usize = args.next().map_or(20, |n| n.parse().expect("count"));
    let mode = args.next().unwrap_or_default();
    let bytes = std::fs::read(path).expect("read");
    let mut total = 0;
    for _ in 0..times {
        total += if mode == "raw" {
            baselines::raw_reader_loop(&bytes)
        } else if mode == "ns" {
            baselines::raw_ns_reader_loop(&bytes)
        } else {
            match convio::soap::decode_response(&bytes) {
                Ok(convio::soap::Body::GetIncrementalUpdatesResponse(page)) => page.record.len(),
                other => panic!("{other:?}"),
            }
        };
    }
    println!("{total}");
}
