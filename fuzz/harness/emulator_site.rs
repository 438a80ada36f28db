//! The emulated site the `emulator_request` fuzz target and its corpus replay
//! (`tests/fuzz_corpus.rs`) hand their inputs to: two seeded constituents and three
//! donations, a second API user, a manual clock, one session opened up front with the fixed
//! token the corpus carries (served emulators hand out random ones) and a synchronization
//! window open on partition 1001, so SOAP inputs carrying that token reach the operations,
//! including the incremental pages, instead of stopping at the session check.

use std::time::Duration;

use convio::emulator::{Clock, Emulator, Site};

/// The session token the corpus carries.
pub const TOKEN: &str =
    "0000000000000000000000009e3779b97f4a7c15:JSESSIONID=emu000001:10000101:2009-02-13T23:31:30Z";

/// A fresh site in the state described above.
pub fn site() -> Site {
    let clock = Clock::manual(1_234_567_890);
    let site = Emulator::builder()
        .seed(2)
        .seed_donations(3)
        .user("clerk", "clerk-password")
        .clock(clock.clone())
        .build_site();
    site.open_session("apiuser", TOKEN);
    clock.advance(Duration::from_secs(60));
    let start = format!(
        "<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'>\
         <soapenv:Header><Session xmlns='urn:soap.convio.com'><SessionId>{TOKEN}</SessionId>\
         </Session></soapenv:Header><soapenv:Body><StartSynchronization \
         xmlns='urn:soap.convio.com'><PartitionId>1001</PartitionId></StartSynchronization>\
         </soapenv:Body></soapenv:Envelope>"
    );
    let answer = site.answer_soap(start.as_bytes());
    assert_eq!(answer.status, 200, "{}", answer.body);
    site
}
