//! The quick-xml loops the typed decoder and encoder are measured against, shared by the
//! criterion benchmark (`benches/codec.rs`) and the profiling examples
//! (`examples/decode_page.rs`, `examples/encode_update.rs`) so that both time the same loop.
//! Each touches every event and returns a count that depends on all of them, so that no work
//! can be optimised away.

use quick_xml::events::Event;
use quick_xml::Writer;

/// The events of a document, owned, for [`raw_writer_loop`] to write.
pub fn events_of(bytes: &[u8]) -> Vec<Event<'static>> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut events = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => return events,
            Ok(event) => events.push(event.into_owned()),
            Err(error) => panic!("{error}"),
        }
    }
}

/// Baseline (b): quick-xml's raw `Writer` writing the events of a document; the length
/// written.
pub fn raw_writer_loop(events: &[Event<'static>]) -> usize {
    let mut writer = Writer::new(Vec::with_capacity(1024));
    for event in events {
        writer.write_event(event.borrow()).expect("write");
    }
    writer.into_inner().len()
}

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
