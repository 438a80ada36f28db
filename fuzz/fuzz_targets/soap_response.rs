#![no_main]
//! SOAP response decoders: responses (with the lenient fault fallback), whole envelopes, and
//! strict reading. `Ok` and `Err` are both fine; a panic, or the quick path for simple
//! elements reading an input otherwise than the general reader, is a finding.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
});

/// Whether quick-xml, checking end tags itself, reads the whole input without an error and
/// with every element closed.
fn well_formed_by_quick_xml(bytes: &[u8]) -> bool {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut buffer = Vec::new();
    loop {
        match reader.read_event_into(&mut buffer) {
            Err(_) => return false,
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(quick_xml::events::Event::Eof) => return depth == 0,
            Ok(_) => {}
        }
        buffer.clear();
    }
}
