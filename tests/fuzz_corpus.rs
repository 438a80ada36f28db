//! Replays the fuzzing corpora (`fuzz/corpus/<target>/`) through the same public functions
//! the cargo-fuzz targets in `fuzz/fuzz_targets/` call, on stable and without a fuzz build.
//! Every decoder may answer `Ok` or `Err`; what is checked is that none panics, and that
//! the SOAP reader's quick path agrees with its general reader on every input.

use std::path::{Path, PathBuf};

use convio::server_api::generated::crm::{CreateOrUpdateConsResponseType, GetConsResponseType};
use convio::server_api::{decode_response, ResponseFormat};

/// The files of one target's corpus, sorted; each read into memory.
fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "{} is empty", dir.display());
    paths
        .into_iter()
        .map(|path| {
            let data = std::fs::read(&path).unwrap();
            (path, data)
        })
        .collect()
}

/// Runs `check` on every file of the corpus, naming the file if it panics.
fn replay(target: &str, check: impl Fn(&[u8])) {
    for (path, data) in corpus(target) {
        eprintln!("{target}: {}", path.display());
        check(&data);
    }
}

fn crm(data: &[u8], format: ResponseFormat) {
    let _ = decode_response::<GetConsResponseType>(data, format, &["getConsResponse"]);
    let _ = decode_response::<CreateOrUpdateConsResponseType>(
        data,
        format,
        &["createOrUpdateConsResponse"],
    );
}

/// The checks the `soap_response` target runs.
#[path = "../fuzz/harness/soap_response.rs"]
mod soap_response;

#[test]
fn soap_response_corpus() {
    replay("soap_response", |data| {
        let _ = convio::soap::decode_response(data);
        soap_response::check(data);
    });
}

#[test]
fn crm_xml_corpus() {
    replay("crm_xml", |data| crm(data, ResponseFormat::Xml));
}

#[test]
fn crm_json_corpus() {
    replay("crm_json", |data| crm(data, ResponseFormat::Json));
}

/// The site the `emulator_request` target hands its inputs to.
#[cfg(feature = "emulator")]
#[path = "../fuzz/harness/emulator_site.rs"]
mod emulator_site;

#[cfg(feature = "emulator")]
#[test]
fn emulator_request_corpus() {
    replay("emulator_request", |data| {
        let _ = emulator_site::site().answer_soap(data);
        let _ = emulator_site::site().answer_server_api(&hyper::Method::POST, data);
    });
}
