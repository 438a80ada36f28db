#![no_main]
//! The emulator's request side: its XML reader, the SOAP handler and the Server API
//! handler (form-encoded bodies). Only "no panic" is checked; any reply is fine.
//!
//! The state (two seeded constituents, as `Emulator::builder().seed(2)`) runs on a manual
//! clock, has one session opened up front and a synchronization window open on partition
//! 1001, so SOAP inputs carrying the (always identical) session token below reach the
//! operations, including the incremental pages, instead of stopping at the session check:
//! `0000000000000000000000009e3779b97f4a7c15:JSESSIONID=emu000001:10000101:2009-02-13T23:31:30Z`

use std::sync::Mutex;
use std::time::Duration;

use convio::emulator::{Clock, Emulator, State};
use libfuzzer_sys::fuzz_target;

fn state() -> State {
    let clock = Clock::manual(1_234_567_890);
    let mut state = Emulator::builder()
        .seed(2)
        .clock(clock.clone())
        .build_state();
    let _session = state.login("apiuser", "secret");
    clock.advance(Duration::from_secs(60));
    let _window = state.start_sync("apiuser", 1001, None, None, false);
    state
}

fuzz_target!(|data: &[u8]| {
    let _ = convio::emulator::xml::parse(data);
    let soap = Mutex::new(state());
    let _ = convio::emulator::soap::handle(&soap, data);
    let server_api = Mutex::new(state());
    let _ = convio::emulator::server_api::handle(&server_api, &hyper::Method::POST, data);
});
