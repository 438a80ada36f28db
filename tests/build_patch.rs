//! The build's one rewrite of rendered code (`build/patch.rs`): xsd-parser has no hook to make
//! a missing nillable element finish as `Field::Absent` in its quick-xml readers, so the build
//! rewrites that one call. These tests fail loudly when the generator's output changes shape:
//! the rewrite must report a miss (the build then stops), and every nillable optional element
//! of the Server API schema must have been rewritten in the code this crate was built with.

#[path = "../build/patch.rs"]
mod patch;

use patch::FieldElement;

/// The Server API readers this crate was built with.
const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/crm_types.rs"));
/// The Server API schema: the top-level file and the types files it includes.
const SCHEMA: &[&str] = &[
    include_str!("../schemas/crm.public.v1.xsd"),
    include_str!("../schemas/crm.public.common.v1.xsd"),
    include_str!("../schemas/crm.public.constituent.v1.xsd"),
    include_str!("../schemas/crm.public.group.v1.xsd"),
    include_str!("../schemas/crm.public.donation.v1.xsd"),
    include_str!("../schemas/crm.public.recurring.v1.xsd"),
    include_str!("../schemas/crm.public.datasync.v1.xsd"),
    include_str!("../schemas/crm.public.advocacy.v1.xsd"),
];

fn name_field() -> FieldElement {
    FieldElement {
        deserializer: "ConsNameTypeDeserializer".into(),
        element: "middle".into(),
        field: "middle".into(),
    }
}

#[test]
fn the_rewrite_replaces_the_finishing_call_of_its_own_reader_only() {
    let rendered = "impl < 'de > Deserializer < 'de , X > for Box < OtherTypeDeserializer > { \
         middle : helper . finish_element (\"middle\" , self . middle) ? , } \
         impl < 'de > Deserializer < 'de , Y > for Box < ConsNameTypeDeserializer > { \
         middle : helper . finish_element (\"middle\" , self . middle) ? , }";
    let patched = name_field().patch(rendered.to_string()).expect("found");
    assert_eq!(
        patched
            .matches("self . middle . unwrap_or_default ()")
            .count(),
        1
    );
    // The other type's element of the same name keeps its check.
    assert!(patched.contains("Box < OtherTypeDeserializer > { middle : helper . finish_element"));
}

#[test]
fn a_changed_generator_output_stops_the_build_with_a_reason() {
    let changed = "impl < 'de > Deserializer < 'de , Y > for Box < ConsNameTypeDeserializer > { \
         middle : helper . finish_required (\"middle\" , self . middle) ? , }";
    let error = name_field()
        .patch(changed.to_string())
        .expect_err("a miss is an error");
    assert!(error.contains("xsd-parser output changed"), "{error}");
}

#[test]
fn every_nillable_optional_element_of_the_schema_was_rewritten() {
    let nillable_optional: usize = SCHEMA
        .iter()
        .map(|file| file.matches(r#"minOccurs="0" nillable="true""#).count())
        .sum();
    let rewritten = GENERATED.matches(" . unwrap_or_default ()").count();
    assert!(nillable_optional > 0);
    assert_eq!(
        rewritten, nillable_optional,
        "each nillable optional element finishes as Field::Absent when missing"
    );
}
