//! What the `soap_response` fuzz target and its corpus replay (`tests/fuzz_corpus.rs`) check
//! on every input: no decoder panics; the quick path for simple elements reads the input as
//! the general reader does, value or error; and whatever quick-xml's own end-tag checks
//! refuse, the reader refuses too (it checks end tags itself).

/// Runs every check on one input, panicking on a finding.
pub fn check(data: &[u8]) {
    let _ = convio::soap::decode_envelope(data);
    for options in [
        convio::DecodeOptions::lenient(),
        convio::DecodeOptions::strict(),
    ] {
        let quick = convio::soap::decode_response_with(data, options);
        let general = convio::soap::decode_response_with(data, options.general_reader_only());
        assert_eq!(format!("{quick:?}"), format!("{general:?}"));
        if !well_formed_by_quick_xml(data) {
            assert!(quick.is_err());
        }
    }
}

/// Whether quick-xml, checking end tags itself, reads the whole input without an error and
/// with every element closed.
pub fn well_formed_by_quick_xml(bytes: &[u8]) -> bool {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut buffer = Vec::new();
    loop {
        match reader.read_event_into(&mut buffer) {
            Err(_) => return false,
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) => return depth == 0,
            Ok(_) => {}
        }
        buffer.clear();
    }
}
