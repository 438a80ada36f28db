//! The site fixture: a WSDL with custom Constituent fields and a record type the bundled
//! schema lacks (VolunteerRegistration), served at run time by the emulator.
#![allow(dead_code)]

use convio::emulator::{ChangeKind, Clock, Emulator};

/// The site's record type the bundled schema lacks.
pub const REGISTRATION: &str = "VolunteerRegistration";

/// `tests/fixtures/site/site.wsdl`.
pub const SITE_WSDL: &str = include_str!("../fixtures/site/site.wsdl");

/// An emulator serving the site fixture on loopback, on `clock`.
pub async fn site_emulator(clock: Clock) -> Emulator {
    Emulator::builder()
        .wsdl(SITE_WSDL)
        .expect("the fixture is a WSDL")
        .clock(clock)
        .start("127.0.0.1:0")
        .await
        .expect("emulator starts")
}

/// A registration changed on the site by someone else than the API user (its web pages): a
/// new one (`id` `None`), or a change to or removal of a stored one. Returns the id.
pub fn registration_change(
    emulator: &Emulator,
    kind: ChangeKind,
    id: Option<u64>,
    values: &[(&str, &str)],
) -> u64 {
    emulator
        .site()
        .change_on_website(REGISTRATION, kind, id, values)
        .expect("the type has a store")
}
