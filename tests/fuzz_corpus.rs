//! Replays the fuzzing corpora (`fuzz/corpus/<target>/`) through the same public functions
//! the cargo-fuzz targets in `fuzz/fuzz_targets/` call, on stable and without a fuzz build.
//! Only "no panic" is checked: every decoder may answer `Ok` or `Err`.

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

#[test]
fn soap_response_corpus() {
    replay("soap_response", |data| {
        let _ = convio::soap::decode_response(data);
        let _ = convio::soap::decode_envelope(data);
        let _ = convio::soap::decode_response_with(data, convio::DecodeOptions::strict());
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

#[cfg(feature = "emulator")]
#[test]
fn emulator_request_corpus() {
    use convio::emulator::{Clock, Emulator, Site};
    use std::time::Duration;

    // As in fuzz/fuzz_targets/emulator_request.rs: the session the corpus carries, a second
    // API user, donations, and one synchronization window open, on a manual clock.
    const TOKEN: &str = "0000000000000000000000009e3779b97f4a7c15:JSESSIONID=emu000001:10000101:2009-02-13T23:31:30Z";
    fn site() -> Site {
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

    replay("emulator_request", |data| {
        let _ = site().answer_soap(data);
        let _ = site().answer_server_api(&hyper::Method::POST, data);
    });
}
