//! Encodes an Update of 50 records many times (for profiling):
//! `cargo run --release --example encode_update -- 2000`.
use convio::generated::{ens, tns};
use convio::soap::{Body, Encoder, Envelope};
use convio::{AnyRecord, Field};

fn main() {
    let times: usize = std::env::args()
        .nth(1)
        .map_or(1000, |n| n.parse().expect("count"));
    let records: Vec<AnyRecord> = (0..50)
        .map(|n| {
            AnyRecord::Constituent(ens::ConstituentType {
                cons_id: Some(1_000_000 + n),
                member_id: Field::Value(format!("M-{n}").into()),
                cons_name: Field::Value(ens::NameType {
                    first_name: Field::Value("Ada & <Co>".into()),
                    last_name: Field::Value("Lovelace".into()),
                    middle_name: Field::Nil,
                    ..Default::default()
                }),
                primary_email: Field::Value(format!("d{n}@example.org").into()),
                home_address: Field::Value(ens::AddressType {
                    street_1: Field::Value("12 \"Main\" Street".into()),
                    city: Field::Value("London".into()),
                    zip: Field::Value("SW1".into()),
                    ..Default::default()
                }),
                group_id: vec![1001, 1002, 1003],
                ..Default::default()
            })
        })
        .collect();
    let envelope = Envelope::request(
        Some("token"),
        Body::Update(tns::UpdateElementType {
            partition_id: Some(1001),
            force: None,
            record: records,
        }),
    );
    let mut bytes = 0;
    for _ in 0..times {
        bytes += Encoder::new().encode(&envelope).expect("encodes").len();
    }
    println!("{bytes} bytes");
}
