//! The request envelope of every operation, as snapshots (reviewed and committed under
//! tests/snapshots/). `tests/validate_snapshots.sh` checks their bodies against the schemas.

mod common;

use common::{constituent_with_middle_name, pretty_request, SESSION};
use convio::generated::{ens, tns};
use convio::soap::Body;
use convio::{AnyRecord, Field, Text};

fn snap(name: &str, body: Body) {
    insta::assert_snapshot!(name, pretty_request(Some(SESSION), body));
}

fn update(records: Vec<AnyRecord>) -> Body {
    Body::Update(tns::UpdateElementType {
        partition_id: Some(1001),
        force: None,
        record: records,
        unknown: Default::default(),
    })
}

#[test]
fn login() {
    let body = Body::Login(tns::LoginElementType {
        user_name: "apiuser".into(),
        password: "s3cret&<pw>".into(),
        unknown: Default::default(),
    });
    insta::assert_snapshot!("login", pretty_request(None, body));
}

#[test]
fn logout() {
    snap("logout", Body::Logout(tns::LogoutElementType));
}

#[test]
fn get_server_time() {
    snap(
        "get_server_time",
        Body::GetServerTime(tns::GetServerTimeElementType),
    );
}

#[test]
fn create_with_accepts_email() {
    let record = ens::ConstituentType {
        member_id: Field::Value("EXT-42".into()),
        cons_name: Field::Value(ens::NameType {
            first_name: Field::Value("Albus".into()),
            last_name: Field::Value("Dumbledore".into()),
            ..Default::default()
        }),
        user_name: Field::Value("albus".into()),
        primary_email: Field::Value("albus@hogwarts.example".into()),
        accepts_email: Field::Value(true),
        home_address: Field::Value(ens::AddressType {
            city: Field::Value("Hogsmeade".into()),
            state: Field::Value("CA".into()),
            zip: Field::Value("94702".into()),
            country: Field::Value("USA".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    snap(
        "create_with_accepts_email",
        Body::Create(tns::CreateElementType {
            partition_id: Some(1001),
            record: vec![record.into()],
            unknown: Default::default(),
        }),
    );
}

#[test]
fn update_middle_name_value_sets_it() {
    snap(
        "update_middle_name_value",
        update(vec![constituent_with_middle_name(
            1001081,
            Field::Value("Williamson".into()),
        )]),
    );
}

#[test]
fn update_middle_name_nil_clears_it() {
    snap(
        "update_middle_name_nil",
        update(vec![constituent_with_middle_name(1001081, Field::Nil)]),
    );
}

#[test]
fn update_middle_name_absent_leaves_it() {
    // MiddleName is left out; FirstName is set so that ConsName itself is not empty.
    let record = ens::ConstituentType {
        cons_id: Some(1001081),
        cons_name: Field::Value(ens::NameType {
            first_name: Field::Value("Albus".into()),
            middle_name: Field::Absent,
            ..Default::default()
        }),
        ..Default::default()
    };
    snap("update_middle_name_absent", update(vec![record.into()]));
}

#[test]
fn update_with_lookup_keys_by_precedence() {
    let record = ens::ConstituentType {
        cons_id: Some(1001081),
        member_id: Field::Value("EXT-42".into()),
        primary_email: Field::Value("new@example.org".into()),
        ..Default::default()
    };
    snap("update_with_all_keys", update(vec![record.into()]));
}

#[test]
fn update_escapes_markup_and_cdata_terminators() {
    let record = ens::ConstituentType {
        cons_id: Some(7),
        cons_name: Field::Value(ens::NameType {
            middle_name: Field::Value("</MiddleName><PrimaryEmail>x@y</PrimaryEmail>".into()),
            last_name: Field::Value("O'Brien & \"Sons\" ]]> <end>".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    snap("update_escaping", update(vec![record.into()]));
}

#[test]
fn update_several_records_with_force() {
    let records = (1..=3)
        .map(|n| constituent_with_middle_name(1000 + n, Field::Nil))
        .collect();
    snap(
        "update_several_with_force",
        Body::Update(tns::UpdateElementType {
            partition_id: Some(1001),
            force: Some(true),
            record: records,
            unknown: Default::default(),
        }),
    );
}

#[test]
fn delete() {
    let record = ens::ConstituentType {
        cons_id: Some(1001082),
        ..Default::default()
    };
    snap(
        "delete",
        Body::Delete(tns::DeleteElementType {
            partition_id: Some(1001),
            force: Some(false),
            record: vec![record.into()],
            unknown: Default::default(),
        }),
    );
}

#[test]
fn add_relationships() {
    let record = ens::ConstituentType {
        primary_email: Field::Value("albus@hogwarts.example".into()),
        center_id: vec![1, 2],
        interest_id: vec![1021],
        group_id: vec![1101, 1102],
        ..Default::default()
    };
    snap(
        "add_relationships",
        Body::AddRelationships(tns::RecordBatchType {
            partition_id: Some(1001),
            force: None,
            record: vec![record.into()],
            unknown: Default::default(),
        }),
    );
}

#[test]
fn remove_relationships() {
    let record = ens::ConstituentType {
        cons_id: Some(1001082),
        group_id: vec![1101],
        ..Default::default()
    };
    snap(
        "remove_relationships",
        Body::RemoveRelationships(tns::RecordBatchType {
            partition_id: None,
            force: Some(true),
            record: vec![record.into()],
            unknown: Default::default(),
        }),
    );
}

#[test]
fn query_single_constituent() {
    snap(
        "query_single",
        Body::Query(tns::QueryElementType {
            query_string:
                "select ConsId, UserName, HomeAddress from Constituent where ConsId = 123".into(),
            page: None,
            page_size: None,
            unknown: Default::default(),
        }),
    );
}

#[test]
fn query_paged() {
    snap(
        "query_paged",
        Body::Query(tns::QueryElementType {
            query_string: "select CampaignId, Title from DonationCampaign".into(),
            page: Some(2),
            page_size: Some(200),
            unknown: Default::default(),
        }),
    );
}

#[test]
fn describe_record_type() {
    snap(
        "describe_record_type",
        Body::DescribeRecordType(tns::DescribeRecordTypeElementType {
            record_type: "Constituent".into(),
            parent_type: None,
            parent_field: None,
            unknown: Default::default(),
        }),
    );
}

#[test]
fn describe_nested_record_type() {
    snap(
        "describe_nested_record_type",
        Body::DescribeRecordType(tns::DescribeRecordTypeElementType {
            record_type: "Name".into(),
            parent_type: Some("Constituent".into()),
            parent_field: Some("ConsName".into()),
            unknown: Default::default(),
        }),
    );
}

#[test]
fn list_record_types() {
    snap(
        "list_record_types",
        Body::ListRecordTypes(tns::ListRecordTypesElementType),
    );
}

#[test]
fn start_synchronization_default_window() {
    snap(
        "start_synchronization",
        Body::StartSynchronization(tns::StartSynchronizationElementType {
            partition_id: 1001,
            start: None,
            end: None,
            force: None,
            unknown: Default::default(),
        }),
    );
}

#[test]
fn start_synchronization_window_forced() {
    snap(
        "start_synchronization_window_force",
        Body::StartSynchronization(tns::StartSynchronizationElementType {
            partition_id: 1001,
            start: Some("2026-11-01T00:00:00Z".into()),
            end: Some("2026-11-22T00:00:00Z".into()),
            force: Some(true),
            unknown: Default::default(),
        }),
    );
}

#[test]
fn end_synchronization() {
    snap(
        "end_synchronization",
        Body::EndSynchronization(tns::EndSynchronizationElementType {
            partition_id: 1001,
            unknown: Default::default(),
        }),
    );
}

fn incremental(fields: &[&str]) -> tns::IncrementalRequestType {
    tns::IncrementalRequestType {
        partition_id: 1001,
        record_type: "Constituent".into(),
        page: 1,
        page_size: 200,
        field: fields.iter().map(|f| Text::from(*f)).collect(),
        unknown: Default::default(),
    }
}

#[test]
fn get_incremental_inserts() {
    snap(
        "get_incremental_inserts",
        Body::GetIncrementalInserts(incremental(&[
            "ConsId",
            "ConsName",
            "UserName",
            "PrimaryEmail",
            "HomeAddress",
        ])),
    );
}

#[test]
fn get_incremental_updates() {
    snap(
        "get_incremental_updates",
        Body::GetIncrementalUpdates(incremental(&["ConsId", "ConsName.MiddleName"])),
    );
}

#[test]
fn get_incremental_deletes() {
    snap(
        "get_incremental_deletes",
        Body::GetIncrementalDeletes(incremental(&["ConsId", "MemberId"])),
    );
}

#[test]
fn get_incremental_inserts_count() {
    snap(
        "get_incremental_inserts_count",
        Body::GetIncrementalInsertsCount(tns::IncrementalCountRequestType {
            partition_id: 1001,
            record_type: "Constituent".into(),
            page: None,
            page_size: None,
            unknown: Default::default(),
        }),
    );
}

#[test]
fn get_synchronization_request_log() {
    snap(
        "get_synchronization_request_log",
        Body::GetSynchronizationRequestLog(tns::GetSynchronizationRequestLogElementType {
            sync_id: "82".into(),
            unknown: Default::default(),
        }),
    );
}

#[test]
fn get_synchronization_log() {
    snap(
        "get_synchronization_log",
        Body::GetSynchronizationLog(tns::GetSynchronizationLogElementType {
            partition_id: 1001,
            start: Some("2026-05-01T00:00:00Z".into()),
            end: None,
            unknown: Default::default(),
        }),
    );
}
