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
    }
});
