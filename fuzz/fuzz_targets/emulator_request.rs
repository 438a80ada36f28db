#![no_main]
//! The emulator's request side: the SOAP endpoint (its XML reader first) and the Server API
//! servlet (form-encoded bodies), each on a fresh site of `fuzz/harness/emulator_site.rs`.
//! Only "no panic" is checked; any reply is fine.

#[path = "../harness/emulator_site.rs"]
mod emulator_site;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = emulator_site::site().answer_soap(data);
    let _ = emulator_site::site().answer_server_api(&hyper::Method::POST, data);
});
