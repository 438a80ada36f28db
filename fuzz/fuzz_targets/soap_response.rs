#![no_main]
//! SOAP response decoders: the full (generated) reader, the envelope reader and the
//! direct page reader. Only "no panic" is checked; `Ok` and `Err` are both fine.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = convio::soap::decode_response(data);
    let _ = convio::soap::decode_envelope(data);
    let _ = convio::soap::fast::decode_page(data);
});
