//! Codec throughput, with the baselines the performance issue names, all on the same bytes:
//! - typed decode of a GetIncrementalUpdates page of 200 Constituents (20, 50, 200 populated
//!   fields each; realistic and escape-heavy values) vs (a) quick-xml's plain `Reader` event
//!   loop, (a') its `NsReader` event loop (both in `baselines/`) and (c) quick-xml's serde
//!   `from_str` into plain structs;
//! - encode of an Update of 50 records vs the raw quick-xml `Writer` writing the same events;
//! - Server API JSON and XML decode;
//! - a full Query round trip of 200 records through the emulator on loopback.
//!
//! The pages are also written to `target/bench/` for the zeep baseline
//! (`python3 benches/zeep_decode.py`).

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};

use convio::generated::tns;
use convio::server_api::generated::crm;
use convio::server_api::{decode_response as decode_crm, ResponseFormat};
use convio::soap::{decode_response, record_from_paths, Body, Encoder, Envelope};
use convio::{AnyRecord, Field};

mod baselines;

const RECORDS: usize = 200;

/// Leaf fields of a Constituent in schema order (no containers).
fn leaf_paths() -> Vec<String> {
    let schema = convio::schema::Schema::generated();
    let paths = schema.record_fields("Constituent").expect("Constituent");
    let containers = ["ConsName", "HomeAddress", "OtherAddress", "Employment"];
    // The engagement factors and the record dates were declared later; leaving them out keeps
    // the page the one earlier sittings measured.
    let declared_later =
        |p: &str| p.starts_with("EngagementFactor") || ["CreationDate", "ModifyDate"].contains(&p);
    paths
        .iter()
        .filter(|p| {
            !containers.contains(&p.as_str())
                && !["CenterId", "InterestId", "GroupId"].contains(&p.as_str())
                && !declared_later(p)
        })
        .cloned()
        .collect()
}

/// Which values a benchmark page carries.
#[derive(Clone, Copy)]
enum Values {
    /// Donor data as it comes: names with apostrophes and accents, an employer with `&` now
    /// and then, quotes in a few values; every fifth MiddleName nil.
    Realistic,
    /// A stress case: every string value carries `&`, `<`, `>` and two quotes, so each value
    /// is several XML events; every fifth MiddleName nil.
    EscapeHeavy,
}

fn value_for(path: &str, record: usize, values: Values) -> Field<String> {
    let leaf = path.rsplit('.').next().unwrap_or(path);
    let pick = |list: &[&str]| list[record % list.len()].to_string();
    Field::Value(match (leaf, values) {
        ("ConsId" | "SiteId", _) => (1_000_000 + record).to_string(),
        ("HardBounceCount" | "SoftBounceCount", _) => (record % 3).to_string(),
        ("AcceptsEmail" | "AcceptsPostalMail" | "MatchedDonor", _) => {
            record.is_multiple_of(2).to_string()
        }
        ("BirthDate", _) => format!("19{:02}-0{}-1{}", record % 100, record % 9 + 1, record % 9),
        ("MiddleName", _) if record.is_multiple_of(5) => return Field::Nil,
        ("PrimaryEmail", _) => format!("donor.{record}@example.org"),
        (other, Values::EscapeHeavy) => format!("{other} {record} & <Co> \"quoted\""),
        ("FirstName", _) => pick(&["Ada", "José", "Siobhán", "Grace", "Zoë", "Wei", "Amara"]),
        ("MiddleName", _) => pick(&["Mary", "J.", "Anne", "Lee"]),
        ("LastName", _) => [
            "Lovelace",
            "O'Brien",
            "Núñez",
            "Hopper",
            "Okafor",
            "Smith-Jones",
        ][record / 7 % 6]
            .to_string(),
        ("Title", _) => pick(&["Dr.", "Ms.", "Mr.", "Mx."]),
        ("Suffix", _) => pick(&["Jr.", "Sr.", "III"]),
        ("ProfSuffix", _) => pick(&["PhD", "MD", "Esq."]),
        ("UserName", _) => format!("donor{record}"),
        ("MemberId", _) => format!("M-{record:06}"),
        ("Street1", _) => format!("{} High Street", record % 200 + 1),
        ("Street2", _) => format!("Apt. {}", record % 40 + 1),
        ("Street3", _) => "c/o Reception".to_string(),
        ("City", _) => pick(&[
            "London",
            "Zürich",
            "São Paulo",
            "New York",
            "Nairobi",
            "Osaka",
        ]),
        ("County", _) => pick(&["Greater London", "Kings", "Cook"]),
        ("State", _) => pick(&["NY", "CA", "IL", "TX"]),
        ("Zip", _) => format!("{:05}", 10_000 + record),
        ("Country", _) => pick(&["United Kingdom", "United States", "Switzerland", "Brazil"]),
        ("HomePhone" | "WorkPhone" | "MobilePhone", _) => format!("+1 555-01{:02}", record % 100),
        ("Gender", _) => pick(&["F", "M", "X"]),
        ("EmailFormat", _) => "HTML".to_string(),
        ("EmailOptInStatus", _) => "OPTED_IN".to_string(),
        ("EmailStatus", _) => "VALID".to_string(),
        ("Employer", _) => pick(&[
            "Smith & Sons",
            "Acme Corp.",
            "City Hospital",
            "Green \"Leaf\" Co-op",
            "Self-employed",
        ]),
        ("Occupation", _) => pick(&["Engineer", "Teacher", "Nurse", "Artist"]),
        ("Position", _) => pick(&["R&D Lead", "Head of Year", "Ward Sister", "Owner"]),
        ("AffiliateAssignment", _) => "Main Chapter".to_string(),
        (other, Values::Realistic) => format!("{other} {record}"),
    })
}

/// A Constituent with `populated` fields: leaves first, then repeated group/interest ids.
fn record(record: usize, populated: usize, values: Values) -> AnyRecord {
    let mut pairs: Vec<(String, Field<String>)> = Vec::new();
    for path in leaf_paths().into_iter().take(populated) {
        let value = value_for(&path, record, values);
        pairs.push((path, value));
    }
    let mut extra = 0;
    while pairs.len() < populated {
        let list = ["CenterId", "InterestId", "GroupId"][extra % 3];
        pairs.push((list.to_string(), Field::Value((1000 + extra).to_string())));
        extra += 1;
    }
    // Schema order for the repeated lists: all CenterIds, then InterestIds, then GroupIds.
    pairs.sort_by_key(|(path, _)| match path.as_str() {
        "CenterId" => 1,
        "InterestId" => 2,
        "GroupId" => 3,
        _ => 0,
    });
    record_from_paths("Constituent", &pairs).expect("valid record")
}

fn page(populated: usize, values: Values) -> Vec<u8> {
    let records = (0..RECORDS).map(|n| record(n, populated, values)).collect();
    let body = Body::GetIncrementalUpdatesResponse(tns::RecordPageType {
        record: records,
        unknown: Default::default(),
    });
    Encoder::new()
        .encode(&Envelope::request(None, body))
        .expect("encodes")
}

/// The same page in the shape the documentation shows responses in: the default namespace
/// and `ens`, `xsi` declared on the response element, an unprefixed `Record`, the envelope as
/// `soap:`; indented (as the reference pages print it) or compact; with `unknown`, each
/// record also carries a site's custom field the schema lacks, right after its ConsId.
fn documented_page(populated: usize, indented: bool, unknown: bool) -> Vec<u8> {
    let records = (0..RECORDS)
        .map(|n| record(n, populated, Values::Realistic))
        .collect();
    let body = Body::GetIncrementalUpdatesResponse(tns::RecordPageType {
        record: records,
        unknown: Default::default(),
    });
    let encoder = if indented {
        Encoder::new().indent(2)
    } else {
        Encoder::new()
    };
    let ours = String::from_utf8(
        encoder
            .encode(&Envelope::request(None, body))
            .expect("encodes"),
    )
    .expect("utf-8");
    let open_end = ours.find("<soapenv:Body>").expect("a Body");
    let documented = format!(
        r#"<?xml version='1.0' encoding='UTF-8'?>{}<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">{}"#,
        if indented { "\n" } else { "" },
        &ours[open_end..]
    )
    .replace("soapenv:", "soap:")
    .replace(
        "<tns:GetIncrementalUpdatesResponse>",
        r#"<GetIncrementalUpdatesResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
    )
    .replace("</tns:GetIncrementalUpdatesResponse>", "</GetIncrementalUpdatesResponse>")
    .replace("<tns:Record ", "<Record ")
    .replace("</tns:Record>", "</Record>");
    if unknown {
        let custom = format!(
            "</ens:ConsId>{}<ens:Custom_Favourite_Colour>green</ens:Custom_Favourite_Colour>",
            if indented { "\n      " } else { "" }
        );
        return documented.replace("</ens:ConsId>", &custom).into_bytes();
    }
    documented.into_bytes()
}

mod plain {
    //! Plain serde structs for the same page (baseline c).
    use serde::Deserialize;

    #[derive(Deserialize)]
    pub struct Envelope {
        #[serde(rename = "Body")]
        pub body: Body,
    }
    #[derive(Deserialize)]
    pub struct Body {
        #[serde(rename = "GetIncrementalUpdatesResponse")]
        pub response: Page,
    }
    #[derive(Deserialize)]
    pub struct Page {
        #[serde(rename = "Record", default)]
        pub records: Vec<Constituent>,
    }
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "PascalCase", default)]
    pub struct Name {
        pub title: Option<String>,
        pub first_name: Option<String>,
        pub middle_name: Option<String>,
        pub last_name: Option<String>,
        pub suffix: Option<String>,
        pub prof_suffix: Option<String>,
    }
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "PascalCase", default)]
    pub struct Address {
        pub street1: Option<String>,
        pub street2: Option<String>,
        pub street3: Option<String>,
        pub city: Option<String>,
        pub county: Option<String>,
        pub state: Option<String>,
        pub zip: Option<String>,
        pub country: Option<String>,
    }
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "PascalCase", default)]
    pub struct Employment {
        pub employer: Option<String>,
        pub occupation: Option<String>,
        pub position: Option<String>,
    }
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "PascalCase", default)]
    pub struct Constituent {
        pub cons_id: Option<u64>,
        pub site_id: Option<u64>,
        pub member_id: Option<String>,
        pub cons_name: Option<Name>,
        pub user_name: Option<String>,
        pub primary_email: Option<String>,
        pub accepts_email: Option<String>,
        pub email_format: Option<String>,
        pub home_address: Option<Address>,
        pub other_address: Option<Address>,
        pub home_phone: Option<String>,
        pub work_phone: Option<String>,
        pub mobile_phone: Option<String>,
        pub birth_date: Option<String>,
        pub gender: Option<String>,
        pub employment: Option<Employment>,
        pub accepts_postal_mail: Option<String>,
        pub email_opt_in_status: Option<String>,
        pub email_status: Option<String>,
        pub hard_bounce_count: Option<String>,
        pub soft_bounce_count: Option<String>,
        pub matched_donor: Option<String>,
        pub affiliate_assignment: Option<String>,
        pub center_id: Vec<u64>,
        pub interest_id: Vec<u64>,
        pub group_id: Vec<u64>,
    }
}

/// Typed decode of a page and quick-xml's plain `Reader` loop over the same bytes.
fn bench_typed_and_reader_loop(
    group: &mut BenchmarkGroup<'_, WallTime>,
    parameter: impl std::fmt::Display,
    bytes: &[u8],
) {
    group.bench_with_input(BenchmarkId::new("typed", &parameter), bytes, |b, bytes| {
        b.iter(|| match decode_response(black_box(bytes)) {
            Ok(Body::GetIncrementalUpdatesResponse(page)) => page.record.len(),
            other => panic!("{other:?}"),
        })
    });
    group.bench_with_input(
        BenchmarkId::new("raw_quick_xml_reader", &parameter),
        bytes,
        |b, bytes| b.iter(|| baselines::raw_reader_loop(black_box(bytes))),
    );
}

fn bench_decode(c: &mut Criterion) {
    std::fs::create_dir_all("target/bench").expect("target/bench");
    for (group_name, file_prefix, values) in [
        ("decode_page_200_records", "page", Values::Realistic),
        (
            "decode_page_200_records_escape_heavy",
            "page-escape-heavy",
            Values::EscapeHeavy,
        ),
    ] {
        let mut group = c.benchmark_group(group_name);
        for populated in [20, 50, 200] {
            let bytes = page(populated, values);
            std::fs::write(
                format!("target/bench/{file_prefix}-{populated}.xml"),
                &bytes,
            )
            .expect("write page");
            let text = String::from_utf8(bytes.clone()).expect("utf-8");
            group.throughput(Throughput::Bytes(bytes.len() as u64));
            bench_typed_and_reader_loop(&mut group, populated, &bytes);
            group.bench_with_input(
                BenchmarkId::new("raw_quick_xml_ns_reader", populated),
                &bytes,
                |b, bytes| b.iter(|| baselines::raw_ns_reader_loop(black_box(bytes))),
            );
            group.bench_with_input(
                BenchmarkId::new("quick_xml_serde_plain", populated),
                &text,
                |b, text| {
                    b.iter(|| {
                        let envelope: plain::Envelope =
                            quick_xml::de::from_str(black_box(text)).expect("serde decode");
                        envelope.body.response.records.len()
                    })
                },
            );
        }
        group.finish();
    }
    // The documented response shape, 50 fields: indented and compact, and indented with one
    // field per record that the schema lacks (kept as unknown content).
    let mut group = c.benchmark_group("decode_page_200_records_documented_shape");
    for (name, indented, unknown) in [
        ("indented", true, false),
        ("compact", false, false),
        ("indented-unknown-field", true, true),
    ] {
        let bytes = documented_page(50, indented, unknown);
        std::fs::write(
            format!("target/bench/page-documented-{name}-50.xml"),
            &bytes,
        )
        .expect("write page");
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        bench_typed_and_reader_loop(&mut group, name, &bytes);
    }
    group.finish();
}

fn update_of_50(values: Values) -> Envelope {
    let records = (0..50).map(|n| record(n, 50, values)).collect();
    Envelope::request(
        Some("0123456789abcdef:JSESSIONID=bench:1:2026-11-22T00:00:00Z"),
        Body::Update(tns::UpdateElementType {
            partition_id: Some(1001),
            force: None,
            record: records,
            unknown: Default::default(),
        }),
    )
}

fn bench_encode(c: &mut Criterion) {
    for (group_name, values) in [
        ("encode_update_50_records", Values::Realistic),
        ("encode_update_50_records_escape_heavy", Values::EscapeHeavy),
    ] {
        let envelope = update_of_50(values);
        let bytes = Encoder::new().encode(&envelope).expect("encodes");
        // The same document as quick-xml events, for the raw writer to write.
        let events = baselines::events_of(&bytes);
        let mut group = c.benchmark_group(group_name);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function("typed", |b| {
            b.iter(|| {
                Encoder::new()
                    .encode(black_box(&envelope))
                    .expect("encodes")
                    .len()
            })
        });
        group.bench_function("raw_quick_xml_writer", |b| {
            b.iter(|| baselines::raw_writer_loop(black_box(&events)))
        });
        group.finish();
    }
}

fn bench_server_api(c: &mut Criterion) {
    let xml = std::fs::read("tests/fixtures/crm/getUser.xml").expect("fixture");
    let json = std::fs::read("tests/fixtures/crm/getUser.json").expect("fixture");
    let mut group = c.benchmark_group("server_api_get_user");
    group.bench_function("xml", |b| {
        b.iter(|| {
            decode_crm::<crm::GetConsResponseType>(
                black_box(&xml),
                ResponseFormat::Xml,
                &["getConsResponse"],
            )
            .expect("decodes")
        })
    });
    group.bench_function("json", |b| {
        b.iter(|| {
            decode_crm::<crm::GetConsResponseType>(
                black_box(&json),
                ResponseFormat::Json,
                &["getConsResponse"],
            )
            .expect("decodes")
        })
    });
    group.finish();
}

fn bench_round_trip(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (emulator, client) = runtime.block_on(async {
        let emulator = convio::emulator::Emulator::builder()
            .seed(RECORDS)
            .start("127.0.0.1:0")
            .await
            .expect("emulator");
        let client = convio::soap::Client::builder()
            .endpoint(emulator.soap_url())
            .credentials("apiuser", "secret")
            .partition(1001)
            .build()
            .expect("client");
        client.login().await.expect("login");
        (emulator, client)
    });
    let mut group = c.benchmark_group("emulator_round_trip");
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.bench_function("query_page_of_200", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let mut pages = client.query(
                    "select ConsId, ConsName, PrimaryEmail, HomeAddress.City from Constituent",
                );
                pages
                    .next_page()
                    .await
                    .expect("query")
                    .map_or(0, |page| page.len())
            })
        })
    });
    group.finish();
    runtime.block_on(emulator.shutdown());
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1)).sample_size(30);
    targets = bench_decode, bench_encode, bench_server_api, bench_round_trip
}
criterion_main!(benches);
