#![no_main]
//! The emulator's request side: its XML reader, the SOAP handler and the Server API
//! handler (form-encoded bodies). Only "no panic" is checked; any reply is fine.
//!
//! The state (two seeded constituents and three donations, as
//! `Emulator::builder().seed(2).seed_donations(3)`, and a second API user) runs on a
//! manual clock, has one session opened up front with the fixed token below (served
//! emulators hand out random ones) and a synchronization window open on partition 1001, so
//! SOAP inputs carrying that token reach the operations, including the incremental pages,
//! instead of stopping at the session check:
//! `0000000000000000000000009e3779b97f4a7c15:JSESSIONID=emu000001:10000101:2009-02-13T23:31:30Z`

use std::sync::Mutex;
use std::time::Duration;

use convio::emulator::{Clock, Emulator, State};
use libfuzzer_sys::fuzz_target;

/// The session token the corpus carries.
const TOKEN: &str =
    "0000000000000000000000009e3779b97f4a7c15:JSESSIONID=emu000001:10000101:2009-02-13T23:31:30Z";

fn state() -> State {
    let clock = Clock::manual(1_234_567_890);
    let mut state = Emulator::builder()
        .seed(2)
        .seed_donations(3)
        .user("clerk", "clerk-password")
        .clock(clock.clone())
        .build_state();
    state.open_session("apiuser", TOKEN);
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
