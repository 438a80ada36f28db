//! The record type names the service accepts, as one open enumeration: the 63 names public
//! client code written against the live service lists, and `Other` for a name a newer
//! server adds.

use convio::schema::Schema;
use convio::RecordType;

#[test]
fn the_sixty_three_names_read_and_write_back() {
    assert_eq!(RecordType::KNOWN.len(), 63);
    for known in RecordType::KNOWN {
        let parsed: RecordType = known.as_str().parse().unwrap();
        assert_eq!(&parsed, known);
        assert!(!matches!(parsed, RecordType::Other(_)));
    }
    assert_eq!(
        "TeamRaiserRegistration".parse::<RecordType>().unwrap(),
        RecordType::TeamRaiserRegistration
    );
    assert_eq!(RecordType::CalendarEventRSVP.as_str(), "CalendarEventRSVP");
}

#[test]
fn a_name_a_newer_server_adds_is_kept() {
    let newer: RecordType = " VolunteerShift ".parse().unwrap();
    assert_eq!(newer, RecordType::Other("VolunteerShift".into()));
    assert_eq!(newer.to_string(), "VolunteerShift");
}

#[test]
fn every_record_type_the_bundled_schema_types_is_a_known_name() {
    for (name, _) in Schema::generated().record_types() {
        let parsed: RecordType = name.parse().unwrap();
        assert!(
            !matches!(parsed, RecordType::Other(_)),
            "{name} is typed but not in schemas/soap/record-types.txt"
        );
    }
}
