//! The bundled schema types every one of the 63 record type names the service accepts, each
//! with the fields some public source shows (schemas/NOTES.md); a type no source shows a field
//! of is typed by name and keeps what a server sends inside it. Records are keyed by one rule
//! (`Schema::id_field`) that never takes a reference to another record for a key.

use convio::records::{Constituent, ProductOrder, Survey, TeamRaiserRegistration};
use convio::schema::Schema;
use convio::soap::{decode_response, Body, Encoder, Envelope};
use convio::{AnyRecord, Field, RecordType};

#[test]
fn every_documented_name_is_a_typed_record() {
    let schema = Schema::generated();
    for name in RecordType::KNOWN {
        assert!(AnyRecord::is_typed(name.as_str()), "{name} is not typed");
        assert!(
            schema.is_record_type(name.as_str()),
            "{name} not in the schema"
        );
    }
}

#[test]
fn records_are_keyed_by_their_own_id_never_by_a_reference() {
    let schema = Schema::generated();
    for (record_type, id) in [
        ("Constituent", Some("ConsId")),
        ("Donation", Some("TransactionId")),
        ("ActionAlertResponse", Some("AlertResponseId")),
        ("ActionAlert", Some("AlertId")),
        ("DonationForm", Some("FormId")),
        ("DonationCampaign", Some("CampaignId")),
        ("DonationLevel", Some("DonationLevelId")),
        ("Group", Some("GroupId")),
        ("ProductOrder", Some("OrderId")),
        ("TeamRaiserGift", Some("TransactionId")),
        // Its only id names the event; a CenterMember is keyed by two ids; an Item's
        // ProductId names the product.
        ("TeamRaiserRegistration", None),
        ("CenterMember", None),
        ("Item", None),
        ("Survey", None),
        ("Name", None),
    ] {
        assert_eq!(schema.id_field(record_type), id, "{record_type}");
    }
}

const ORDER_PAGE: &str = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <GetIncrementalInsertsResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <Record xsi:type="ens:ProductOrder">
        <ens:OrderId>7001</ens:OrderId>
        <ens:TransactionId>5009001</ens:TransactionId>
        <ens:StoreId>12</ens:StoreId>
        <ens:Payment><ens:Amount>42.50</ens:Amount><ens:PaymentDate>2026-11-02T15:04:05Z</ens:PaymentDate></ens:Payment>
        <ens:Purchaser>
          <ens:ConsId>1001081</ens:ConsId>
          <ens:ConsName><ens:FirstName>Ada</ens:FirstName><ens:LastName>Lovelace</ens:LastName></ens:ConsName>
          <ens:HomeAddress><ens:City>London</ens:City></ens:HomeAddress>
        </ens:Purchaser>
        <ens:ShipTo>
          <ens:Item><ens:ProductId>301</ens:ProductId><ens:GiftMessage>Happy birthday</ens:GiftMessage></ens:Item>
          <ens:Item><ens:ProductId>302</ens:ProductId></ens:Item>
        </ens:ShipTo>
        <ens:ShipTo><ens:Item><ens:ProductId>303</ens:ProductId></ens:Item></ens:ShipTo>
      </Record>
      <Record xsi:type="ens:TeamRaiserRegistration">
        <ens:EventId>2520</ens:EventId>
        <ens:Participant><ens:ConsId>3196123</ens:ConsId></ens:Participant>
      </Record>
      <Record xsi:type="ens:Survey">
        <ens:SurveyId>88</ens:SurveyId>
      </Record>
    </GetIncrementalInsertsResponse>
  </soap:Body>
</soap:Envelope>"#;

#[test]
fn an_order_reads_typed_with_its_payment_purchaser_and_items() {
    let Body::GetIncrementalInsertsResponse(page) = decode_response(ORDER_PAGE.as_bytes()).unwrap()
    else {
        panic!("not an inserts page")
    };
    let order = page.record[0]
        .get::<ProductOrder>()
        .expect("a ProductOrder");
    assert_eq!(order.order_id, Some(7001));
    assert_eq!(order.transaction_id, Field::Value(5_009_001));
    let payment = order.payment.as_option().expect("Payment");
    assert_eq!(
        payment.amount.as_option().map(|a| a.as_str()),
        Some("42.50")
    );
    let purchaser: &Constituent = order.purchaser.as_option().expect("Purchaser");
    assert_eq!(purchaser.cons_id, Some(1_001_081));
    let items: Vec<Option<&u64>> = order
        .ship_to
        .iter()
        .flat_map(|to| to.item.iter().map(|item| item.product_id.as_option()))
        .collect();
    assert_eq!(items, [Some(&301), Some(&302), Some(&303)]);
    // An Item field no source shows is kept where it was.
    let message = order.ship_to[0].item[0].unknown.element("GiftMessage");
    assert_eq!(
        message.map(|e| e.field()),
        Some(Field::Value("Happy birthday"))
    );

    let registration = page.record[1]
        .get::<TeamRaiserRegistration>()
        .expect("a TeamRaiserRegistration");
    assert_eq!(registration.event_id, Field::Value(2520));
    let participant = registration.participant.as_option().expect("Participant");
    assert_eq!(participant.cons_id, Some(3_196_123));

    // A type no source shows a field of: typed by name, its content kept.
    let survey = page.record[2].get::<Survey>().expect("a Survey");
    assert_eq!(
        survey.unknown.element("SurveyId").map(|e| e.field()),
        Some(Field::Value("88"))
    );
}

#[test]
fn an_order_page_written_again_reads_the_same() {
    let body = decode_response(ORDER_PAGE.as_bytes()).unwrap();
    let bytes = Encoder::new()
        .encode(&Envelope::request(None, body.clone()))
        .expect("writes");
    assert_eq!(decode_response(&bytes).expect("reads again"), body);
}
