#![no_main]
//! Server API (CRM) responses in Json. Only "no panic" is checked.

use convio::server_api::generated::crm::{CreateOrUpdateConsResponseType, GetConsResponseType};
use convio::server_api::{decode_response, ResponseFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ =
        decode_response::<GetConsResponseType>(data, ResponseFormat::Json, &["getConsResponse"]);
    let _ = decode_response::<CreateOrUpdateConsResponseType>(
        data,
        ResponseFormat::Json,
        &["createOrUpdateConsResponse"],
    );
});
