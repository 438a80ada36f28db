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

#[test]
fn a_sustaining_gift_reads_its_recurring_payment_typed_and_keeps_what_undocumented_parts_hold() {
    use convio::records::Donation;
    use convio::soap::{decode_response, Body};

    let page = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <QueryResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <Record xsi:type="ens:Donation">
        <ens:TransactionId>5001001</ens:TransactionId>
        <ens:MatchingGift><ens:CompanyName>Initech</ens:CompanyName></ens:MatchingGift>
        <ens:RecurringPayment>
          <ens:Type>monthly</ens:Type>
          <ens:RecurringAmount>25.00</ens:RecurringAmount>
          <ens:NumberOfPayments>7</ens:NumberOfPayments>
          <ens:CreationDate>2026-04-01T09:00:00Z</ens:CreationDate>
        </ens:RecurringPayment>
      </Record>
    </QueryResponse>
  </soap:Body>
</soap:Envelope>"#;
    let Body::QueryResponse(response) = decode_response(page.as_bytes()).unwrap() else {
        panic!("not a QueryResponse")
    };
    let gift = response.record[0].get::<Donation>().expect("a Donation");
    let pledge = gift
        .recurring_payment
        .as_option()
        .expect("a RecurringPayment");
    assert_eq!(
        pledge.recurring_amount.as_option().map(|a| a.as_str()),
        Some("25.00")
    );
    assert_eq!(pledge.number_of_payments.as_option(), Some(&7));
    assert_eq!(
        pledge.creation_date.as_option().and_then(|d| d.timestamp()),
        Some("2026-04-01T09:00:00Z".parse().unwrap())
    );
    let matching = gift.matching_gift.as_option().expect("a MatchingGift");
    assert!(
        !matching.unknown.is_empty(),
        "what a server sends inside is kept"
    );
}
