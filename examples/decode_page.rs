//! Decodes a page file many times (for profiling): `cargo run --release --example decode_page -- target/bench/page-50.xml 50`.
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("page file");
    let times: usize = args.next().map_or(20, |n| n.parse().expect("count"));
    let bytes = std::fs::read(path).expect("read");
    let mut records = 0;
    for _ in 0..times {
        if let Ok(convio::soap::Body::GetIncrementalUpdatesResponse(page)) =
            convio::soap::decode_response(&bytes)
        {
            records += page.record.len();
        }
    }
    println!("{records} records");
}
