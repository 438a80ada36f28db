#![no_main]
//! SOAP response decoders: responses (with the lenient fault fallback), whole envelopes, and
//! strict reading, through the checks of `fuzz/harness/soap_response.rs`. `Ok` and `Err` are
//! both fine; a panic, or the quick path for simple elements reading an input otherwise than
//! the general reader, is a finding.

use libfuzzer_sys::fuzz_target;

#[path = "../harness/soap_response.rs"]
mod soap_response;

fuzz_target!(|data: &[u8]| {
    let _ = convio::soap::decode_response(data);
    soap_response::check(data);
});
