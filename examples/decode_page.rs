//! Decodes a page file many times (for profiling, e.g. under `valgrind --tool=callgrind`):
//! `cargo run --release --example decode_page -- target/bench/page-50.xml 50 [raw]`.
//! With `raw`, runs the baseline instead: quick-xml's namespace-aware event loop over the
//! same bytes, touching every event as the criterion benchmark's baseline does.
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("page file");
    let times: usize = args.next().map_or(20, |n| n.parse().expect("count"));
    let raw = args.next().as_deref() == Some("raw");
    let bytes = std::fs::read(path).expect("read");
    let mut total = 0;
    for _ in 0..times {
        total += if raw {
            raw_event_loop(&bytes)
        } else {
            match convio::soap::decode_response(&bytes) {
                Ok(convio::soap::Body::GetIncrementalUpdatesResponse(page)) => page.record.len(),
                other => panic!("{other:?}"),
            }
        };
    }
    println!("{total}");
}

fn raw_event_loop(bytes: &[u8]) -> usize {
    use quick_xml::events::Event;
    let mut reader = quick_xml::NsReader::from_reader(bytes);
    let mut count = 0;
    loop {
        match reader.read_resolved_event() {
            Ok((_, Event::Eof)) => return count,
            Ok((_, Event::Text(text))) => count += text.len(),
            Ok(_) => count += 1,
            Err(error) => panic!("{error}"),
        }
    }
}
