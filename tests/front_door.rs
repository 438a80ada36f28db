//! What a new user meets first: the README's Usage is the getting-started example, word for
//! word, and the record builders send exactly what they say (set a value, clear with
//! `xsi:nil`, leave the rest out).

use convio::records::{AnyRecord, Constituent, Donation, Name};
use convio::soap::{record_to_paths, Body, Encoder, Envelope};
use convio::Field;

#[test]
fn the_readme_usage_is_the_getting_started_example() {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let example = std::fs::read_to_string("examples/getting_started.rs").expect("the example");
    assert!(
        readme.contains(&format!("```rust,no_run\n{example}```")),
        "README.md's Usage must show examples/getting_started.rs as it is"
    );
    assert!(example.lines().count() <= 40, "the example stays short");
}

#[test]
fn builders_set_clear_and_leave_fields_as_named() {
    let name = Name::default().set_middle_name("Ada").clear_suffix();
    let record = Constituent::default()
        .set_cons_id(7u64)
        .set_cons_name(name)
        .clear_employment()
        .add_group_id(11u64);
    assert_eq!(
        record_to_paths(&record.clone().into()),
        [
            ("ConsId".to_string(), Field::Value("7".to_string())),
            (
                "ConsName.MiddleName".to_string(),
                Field::Value("Ada".to_string())
            ),
            ("ConsName.Suffix".to_string(), Field::Nil),
            ("Employment".to_string(), Field::Nil),
            ("GroupId".to_string(), Field::Value("11".to_string())),
        ]
    );
    // On the wire: the value, the nils, and nothing for the fields left alone.
    let body = Body::Update(convio::generated::tns::UpdateElementType {
        partition_id: None,
        force: None,
        record: vec![record.into()],
        unknown: Default::default(),
    });
    let wire = Encoder::new()
        .encode(&Envelope::request(None, body))
        .expect("encodes");
    let wire = String::from_utf8(wire).expect("UTF-8");
    assert!(
        wire.contains("<ens:MiddleName>Ada</ens:MiddleName>"),
        "{wire}"
    );
    assert!(wire.contains(r#"<ens:Suffix xsi:nil="true"/>"#), "{wire}");
    assert!(!wire.contains("FirstName"), "{wire}");
}

#[test]
fn a_record_is_reached_by_its_type() {
    let record = AnyRecord::from(Constituent::default().set_cons_id(3u64));
    assert_eq!(record.get::<Constituent>().and_then(|c| c.cons_id), Some(3));
    assert!(record.get::<Donation>().is_none());
    assert!(record.clone().into_typed::<Donation>().is_none());
    assert_eq!(
        record.into_typed::<Constituent>().and_then(|c| c.cons_id),
        Some(3)
    );
}
