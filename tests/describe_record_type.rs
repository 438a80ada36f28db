//! DescribeRecordType as documented: a Result with the type's Name, SupportedOperations (one
//! boolean child per operation) and one Field per field in WSDL order, each Option a coded
//! Value with a display Name. Our client against the emulator for every record type it has,
//! and the documented Option shape decoded.
#![cfg(feature = "emulator")]

mod common;

use convio::emulator::Emulator;
use convio::generated::tns;
use convio::soap::{decode_response, Body};

#[tokio::test]
async fn every_record_type_of_the_site_is_described_in_wsdl_order() {
    let emulator = Emulator::builder()
        .start("127.0.0.1:0")
        .await
        .expect("emulator starts");
    let client = common::emulator_client(&emulator);
    let schema = emulator.site().schema();
    let record_types: Vec<String> = schema
        .record_types()
        .map(|(name, _)| name.to_string())
        .collect();
    assert!(record_types.len() >= 6, "{record_types:?}");
    for record_type in &record_types {
        let description = client
            .describe_record_type(record_type.as_str())
            .await
            .unwrap_or_else(|e| panic!("{record_type}: {e}"));
        assert_eq!(description.name.as_str(), record_type);
        let operations = description
            .supported_operations
            .unwrap_or_else(|| panic!("{record_type}: no SupportedOperations"));
        assert_eq!(operations.query, Some(true), "{record_type}");
        let described: Vec<&str> = description.field.iter().map(|f| f.name.as_str()).collect();
        let declared: Vec<&str> = schema
            .fields(record_type)
            .expect("declared")
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(described, declared, "{record_type}: fields in WSDL order");
        for field in &description.field {
            let kind = field.type_.as_ref().map(|t| t.as_str()).unwrap_or_default();
            assert!(
                !["u64", "Text", "DateTime", "Decimal", "bool"].contains(&kind),
                "{record_type}.{}: Type {kind} is a Rust type, not the service's",
                field.name.as_str()
            );
        }
    }

    // Constituent: its documented wildcard fields, its XML Schema types, read-only fields.
    let constituent = client.describe_record_type("Constituent").await.unwrap();
    let field = |name: &str| {
        constituent
            .field
            .iter()
            .find(|f| f.name.as_str() == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(field("ConsId").is_wildcard, Some(true));
    assert_eq!(field("PrimaryEmail").is_wildcard, Some(true));
    assert_eq!(field("HomePhone").is_wildcard, Some(false));
    assert_eq!(field("ConsId").type_.as_deref(), Some("nonNegativeInteger"));
    assert_eq!(field("PrimaryEmail").type_.as_deref(), Some("string"));
    assert_eq!(field("ConsName").type_.as_deref(), Some("Name"));
    assert_eq!(field("EmailStatus").writable, Some(false));
    assert_eq!(field("GroupId").multiple, Some(true));
    emulator.shutdown().await;
}

#[test]
fn options_carry_a_coded_value_and_a_display_name() {
    let response = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <DescribeRecordTypeResponse xmlns="urn:soap.convio.com">
      <Result>
        <Name>Payment</Name>
        <SupportedOperations><Create>false</Create><Query>true</Query><Find>true</Find></SupportedOperations>
        <Field>
          <Name>CreationMethod</Name>
          <Writable>false</Writable>
          <Type>CreationMethod</Type>
          <Option><Value>0</Value><Name>offline entry</Name></Option>
          <Option><Value>1</Value><Name>online</Name></Option>
          <Option><Value>2</Value><Name>recurring pledge</Name></Option>
        </Field>
      </Result>
    </DescribeRecordTypeResponse>
  </soap:Body>
</soap:Envelope>"#;
    let Body::DescribeRecordTypeResponse(answer) = decode_response(response.as_bytes()).unwrap()
    else {
        panic!("not a DescribeRecordTypeResponse")
    };
    let options: Vec<(&str, &str)> = answer.result.field[0]
        .option
        .iter()
        .map(|o: &tns::FieldOptionType| {
            (
                o.value.as_deref().unwrap_or_default(),
                o.name.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        options,
        [
            ("0", "offline entry"),
            ("1", "online"),
            ("2", "recurring pledge")
        ]
    );
    let operations = answer.result.supported_operations.expect("operations");
    assert_eq!(operations.create, Some(false));
    // An operation we do not name (Find) is kept, not an error.
    assert!(!operations.unknown.is_empty());
}
