//! Builders shared by the integration tests.

#![allow(dead_code)]

#[cfg(feature = "cli")]
pub mod cli;
pub mod fake_site;
#[cfg(feature = "emulator")]
pub mod load;
pub mod scripted;
#[cfg(feature = "emulator")]
pub mod site;
pub mod strategies;
#[cfg(feature = "emulator")]
pub mod sync_site;
#[cfg(feature = "emulator")]
pub mod wire;

use convio::generated::ens;
use convio::soap::{Body, Encoder, Envelope};
use convio::{AnyRecord, Field};

/// The session token used throughout the tests (shape of the documented tokens).
pub const SESSION: &str =
    "c55d8f07700b4aa8401e2b9c4d4262efa6da30d8:JSESSIONID=abcTest:10000100:2026-11-22T18:13:46.019Z";

/// Encodes a request the way the snapshots show it (indented).
pub fn pretty_request(session: Option<&str>, body: Body) -> String {
    let bytes = Encoder::new()
        .indent(2)
        .encode(&Envelope::request(session, body))
        .expect("encodes");
    String::from_utf8(bytes).expect("utf-8")
}

/// Encodes a request exactly as sent on the wire.
pub fn wire_request(session: Option<&str>, body: Body) -> Vec<u8> {
    Encoder::new()
        .encode(&Envelope::request(session, body))
        .expect("encodes")
}

/// A constituent located by ConsId with the given middle-name field.
pub fn constituent_with_middle_name(cons_id: u64, middle: Field<convio::Text>) -> AnyRecord {
    AnyRecord::Constituent(ens::ConstituentType {
        cons_id: Some(cons_id),
        cons_name: Field::Value(ens::NameType {
            middle_name: middle,
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// A SOAP client of `emulator` as its default API user, on partition 1001.
#[cfg(feature = "emulator")]
pub fn emulator_client(emulator: &convio::emulator::Emulator) -> convio::soap::Client {
    convio::soap::Client::builder()
        .endpoint(emulator.soap_url())
        .credentials(
            convio::emulator::DEFAULT_ADMIN_USER,
            convio::emulator::DEFAULT_ADMIN_PASSWORD,
        )
        .partition(1001)
        .build()
        .expect("a client of the emulator")
}

/// The value the emulator stores at `path` of constituent `cons_id`.
#[cfg(feature = "emulator")]
pub fn stored(emulator: &convio::emulator::Emulator, cons_id: u64, path: &str) -> Option<String> {
    emulator
        .site()
        .constituent(cons_id)
        .and_then(|record| record.get(path).map(str::to_string))
}
