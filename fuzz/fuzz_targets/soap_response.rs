#![no_main]
//! SOAP response decoders: responses (with the lenient fault fallback), whole envelopes, and
//! strict reading. Only "no panic" is checked; `Ok` and `Err` are both fine.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = convio::soap::decode_response(data);
    let _ = convio::soap::decode_envelope(data);
    let _ = convio::soap::decode_response_with(data, convio::DecodeOptions::strict());
});
