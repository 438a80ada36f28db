use convio::generated::{ens, soapenv, tns};
use convio::{AnyRecord, Field};
use xsd_parser_types::quick_xml::{SerializeSync, DeserializeSync, SliceReader};

#[test]
fn scratch() {
    let rec = ens::ConstituentType {
        cons_id: Some(1001081),
        member_id: Field::Absent,
        cons_name: Some(ens::ConsNameType { middle_name: Field::Nil, first_name: Field::Value("A&<b>]]>\"'".into()), ..Default::default() }),
        user_name: Field::Absent, primary_email: Field::Value("x@y.org".into()), accepts_email: Field::Value(true),
        home_address: None, birth_date: Field::Absent,
    };
    let env = soapenv::EnvelopeType {
        header: Some(soapenv::HeaderType { session: Some(tns::SessionType { session_id: "abc".into() }) }),
        body: soapenv::BodyType::Update(tns::UpdateElementType { partition_id: Some(1001), force: None, record: vec![AnyRecord::Constituent(rec)] }),
    };
    let mut buf = Vec::new();
    let mut w = quick_xml::Writer::new(&mut buf);
    env.serialize("soapenv:Envelope", &mut w).unwrap();
    let s = String::from_utf8(buf).unwrap();
    println!("{s}");
    let back = soapenv::EnvelopeType::deserialize(&mut SliceReader::new(&s)).unwrap();
    assert_eq!(back, env);
}
