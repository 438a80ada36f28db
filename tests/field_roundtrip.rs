//! Property: whatever Field states a record has, encoding then decoding gives them back.

mod common;

use common::strategies::{field, text};
use convio::generated::{ens, tns};
use convio::soap::{decode_envelope, Body, Encoder, Envelope};
use convio::{AnyRecord, Field, Text};
use proptest::prelude::*;

fn name() -> impl Strategy<Value = ens::NameType> {
    (
        field(text()),
        field(text()),
        field(text()),
        field(text()),
        field(text()),
        field(text()),
    )
        .prop_map(
            |(title, first_name, middle_name, last_name, suffix, prof_suffix)| ens::NameType {
                title,
                first_name,
                middle_name,
                last_name,
                suffix,
                prof_suffix,
                unknown: Default::default(),
            },
        )
}

fn is_empty(name: &ens::NameType) -> bool {
    *name == ens::NameType::default()
}

fn constituent() -> impl Strategy<Value = ens::ConstituentType> {
    (
        proptest::option::of(0u64..10_000_000),
        field(text()),
        field(name().prop_filter("an empty name is refused on encode", |n| !is_empty(n))),
        field(text()),
        field(text()),
        field(any::<bool>()),
        proptest::collection::vec(1000u64..2000, 0..3),
    )
        .prop_map(
            |(cons_id, member_id, cons_name, user_name, primary_email, accepts_email, group_id)| {
                ens::ConstituentType {
                    cons_id,
                    member_id,
                    cons_name,
                    user_name,
                    primary_email,
                    accepts_email,
                    group_id,
                    ..Default::default()
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn update_roundtrips_every_field_state(records in proptest::collection::vec(constituent(), 1..5)) {
        let records: Vec<AnyRecord> = records.into_iter().map(AnyRecord::from).collect();
        let envelope = Envelope::request(
            Some(common::SESSION),
            Body::Update(tns::UpdateElementType { partition_id: Some(1001), force: None, record: records, unknown: Default::default()  }),
        );
        let bytes = Encoder::new().encode(&envelope).expect("encodes");
        let decoded = decode_envelope(&bytes).expect("decodes");
        prop_assert_eq!(decoded, envelope);
    }

    #[test]
    fn json_keeps_the_three_states(value in field(text())) {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Holder {
            #[serde(default, skip_serializing_if = "Field::is_absent")]
            value: Field<Text>,
        }
        let holder = Holder { value };
        let json = serde_json::to_string(&holder).expect("serializes");
        let back: Holder = serde_json::from_str(&json).expect("deserializes");
        prop_assert_eq!(back, holder);
    }
}

#[test]
fn json_shapes_of_the_three_states() {
    #[derive(serde::Serialize)]
    struct Holder {
        #[serde(skip_serializing_if = "Field::is_absent")]
        a: Field<u32>,
        b: Field<u32>,
        c: Field<u32>,
    }
    let json = serde_json::to_string(&Holder {
        a: Field::Absent,
        b: Field::Nil,
        c: Field::Value(3),
    })
    .unwrap();
    assert_eq!(json, r#"{"b":null,"c":3}"#);
    assert!(serde_json::to_string(&Field::<u32>::Absent).is_err());
}
