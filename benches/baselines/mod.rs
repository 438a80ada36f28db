//! The quick-xml event loops the typed decoder is measured against, shared by the criterion
//! benchmark (`benches/codec.rs`) and the profiling example (`examples/decode_page.rs`) so
//! that both time the same loop. Each touches every event and returns a count that depends
//! on all of them, so that no work can be optimised away.

use quick_xml::events::Event;

/// Baseline (a): quick-xml's plain `Reader`, every event touched, no namespace resolution.
pub fn raw_reader_loop(bytes: &[u8]) -> usize {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut count = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => return count,
            Ok(Event::Text(text)) => count += text.len(),
            Ok(_) => count += 1,
            Err(error) => panic!("{error}"),
        }
    }
}

/// Baseline (a'): quick-xml's namespace-aware `NsReader`, every element name resolved.
pub fn raw_ns_reader_loop(bytes: &[u8]) -> usize {
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
