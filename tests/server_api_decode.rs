//! Server API responses, XML and JSON, decode into the same generated types.

use convio::server_api::generated::crm;
use convio::server_api::{decode_response, decode_response_keeping, Response, ResponseFormat};
use convio::{DecodeError, Field, Text};
use xsd_parser_types::quick_xml::WithDeserializer;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("tests/fixtures/crm/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn ok<T: WithDeserializer + std::fmt::Debug>(
    body: &[u8],
    format: ResponseFormat,
    roots: &[&'static str],
) -> T {
    match decode_response::<T>(body, format, roots).expect("decodes") {
        Response::Ok(value) => value,
        Response::Error(error) => panic!("unexpected errorResponse {error:?}"),
    }
}

fn both<T: WithDeserializer + std::fmt::Debug + PartialEq>(name: &str, root: &'static str) -> T {
    let from_xml: T = ok(
        &fixture(&format!("{name}.xml")),
        ResponseFormat::Xml,
        &[root],
    );
    let from_json: T = ok(
        &fixture(&format!("{name}.json")),
        ResponseFormat::Json,
        &[root],
    );
    assert_eq!(
        from_xml, from_json,
        "{name}: XML and JSON decode differently"
    );
    from_xml
}

fn text(value: &str) -> Field<Text> {
    Field::Value(value.into())
}

#[test]
fn get_user_xml_and_json_agree_on_every_field() {
    let user: crm::GetConsResponseType = both("getUser", "getConsResponse");
    assert_eq!(user.cons_id, Field::Value(1001172));
    let Field::Value(name) = &user.name else {
        panic!("no name")
    };
    assert_eq!(name.title, Field::Nil);
    assert_eq!(name.first, text("Zaphod"));
    assert_eq!(name.last, text("Beeblebrox"));
    assert_eq!(name.middle, Field::Absent);
    let Field::Value(email) = &user.email else {
        panic!("no email")
    };
    assert_eq!(email.primary_address, text("zaphod@convio.com"));
    assert_eq!(email.accepts_email, Field::Absent);
    // Not in the answer: disabled for the site or hidden from the caller.
    assert_eq!(user.member_id, Field::Absent);
    assert_eq!(user.primary_address, Field::Absent);
    assert_eq!(user.custom, Field::Absent);
}

#[test]
fn create_or_update_success_in_both_formats() {
    let response: crm::CreateOrUpdateConsResponseType =
        both("createOrUpdate", "createOrUpdateConsResponse");
    assert_eq!(response.cons_id, Some(1002001));
    assert_eq!(response.message, text("New user added."));
}

#[test]
fn error_response_in_both_formats() {
    for (name, format) in [
        ("error-1.xml", ResponseFormat::Xml),
        ("error-1.json", ResponseFormat::Json),
    ] {
        let response = decode_response::<crm::CreateOrUpdateConsResponseType>(
            &fixture(name),
            format,
            &["createOrUpdateConsResponse"],
        )
        .unwrap();
        let Response::Error(error) = response else {
            panic!("{name}: not an error")
        };
        assert_eq!(error.code, 1);
        assert_eq!(error.message, text("Unable to process request."));
    }
}

#[test]
fn groups_under_either_documented_root() {
    let from_xml: crm::GetConsGroupsResponseType = ok(
        &fixture("getUserGroups.xml"),
        ResponseFormat::Xml,
        &["getConsGroupsResponse", "getConsGroupResponse"],
    );
    let from_json: crm::GetConsGroupsResponseType = ok(
        &fixture("getUserGroups.json"),
        ResponseFormat::Json,
        &["getConsGroupsResponse", "getConsGroupResponse"],
    );
    assert_eq!(from_xml, from_json);
    let groups: Vec<(u64, Field<Text>)> = from_xml
        .group
        .into_iter()
        .map(|g| (g.id, g.label))
        .collect();
    assert_eq!(
        groups,
        [(1010, text("Puppy Lovers")), (1013, text("Bird Watchers"))]
    );
}

#[test]
fn interests_with_string_booleans() {
    let from_json: crm::GetConsInterestsResponseType = ok(
        &fixture("getUserInterests.json"),
        ResponseFormat::Json,
        &["getConsInterestsResponse"],
    );
    let first = &from_json.interest[0];
    assert_eq!(first.id, 1002);
    assert_eq!(
        first.path,
        text("Science > Oscillation Overthruster Technology")
    );
    assert_eq!(
        (first.for_email, first.for_web),
        (Field::Value(true), Field::Value(false))
    );
    let from_xml: crm::GetConsInterestsResponseType = ok(
        &fixture("getUserInterests.xml"),
        ResponseFormat::Xml,
        &["getConsInterestsResponse"],
    );
    assert_eq!(
        from_xml.interest[0].path,
        text("Science > Operation Overthruster Technology")
    );
    assert_eq!(from_xml.interest.len(), 2);
    assert_eq!(from_xml.interest[1].label, text("Science"));
}

#[test]
fn login_test_answers_in_the_documented_order() {
    let login: crm::LoginResponseType = ok(
        &fixture("loginTest.xml"),
        ResponseFormat::Xml,
        &["loginResponse"],
    );
    assert_eq!(login.cons_id, Field::Value(100245));
    assert_eq!(login.timestamp, text("1454341434"));
    assert_eq!(login.signature, text("451e7f1178fa4ed1cc68c44970f29345"));
    assert_eq!(login.token, Field::Nil);
    assert_eq!(
        login.login_test_url,
        text("https://secure2.convio.net/organization/site/CRConsAPI?v=1.0&api_key=site_api_key&method=loginTest")
    );
    assert_eq!(
        (login.nonce, login.jsessionid, login.routing_id),
        (Field::Nil, Field::Nil, Field::Nil)
    );
    assert_eq!(login.message, Field::Absent);
}

#[test]
fn logout_and_field_choices() {
    let logout: crm::LoginResponseType = both("logout", "loginResponse");
    assert_eq!(logout.message, text("User logged out successfully."));
    assert_eq!(logout.token, Field::Absent);
    let choices: crm::ListConsFieldChoicesResponseType =
        both("listUserFieldChoices", "listConsFieldChoicesResponse");
    let choices: Vec<&str> = choices.choice.iter().map(|c| c.as_str()).collect();
    assert_eq!(choices, ["Mr.", "Ms.", "Mrs.", "Miss", "Dr."]);
}

#[test]
fn a_single_group_may_arrive_as_an_object() {
    let json = br#"{"getConsGroupsResponse":{"group":{"id":"1010","label":"Puppy Lovers"}}}"#;
    let groups: crm::GetConsGroupsResponseType =
        ok(json, ResponseFormat::Json, &["getConsGroupsResponse"]);
    assert_eq!(groups.group.len(), 1);
    assert_eq!(groups.group[0].id, 1010);
    let empty = br#"{"getConsGroupsResponse":{}}"#;
    let groups: crm::GetConsGroupsResponseType =
        ok(empty, ResponseFormat::Json, &["getConsGroupsResponse"]);
    assert!(groups.group.is_empty());
}

#[test]
fn empty_object_for_a_leaf_reads_as_nil() {
    let json = br#"{"getConsResponse":{"cons_id":"7","mobile_phone":{},"name":{"first":"Ada","middle":null}}}"#;
    let user: crm::GetConsResponseType = ok(json, ResponseFormat::Json, &["getConsResponse"]);
    assert_eq!(user.cons_id, Field::Value(7));
    assert_eq!(user.mobile_phone, Field::Nil);
    let Field::Value(name) = user.name else {
        panic!()
    };
    assert_eq!((name.first, name.middle), (text("Ada"), Field::Nil));
}

#[test]
fn mismatched_root_end_tag_is_tolerated_only_there() {
    let sloppy = br#"<?xml version="1.0" encoding="UTF-8"?>
<createOrUpdateConsResponse xmlns="http://convio.com/crm/v1.0"><cons_id>1002001</cons_id><message>User updated.</message></createConsResponse>"#;
    let response: crm::CreateOrUpdateConsResponseType =
        ok(sloppy, ResponseFormat::Xml, &["createOrUpdateConsResponse"]);
    assert_eq!(response.cons_id, Some(1002001));
    assert_eq!(response.message, text("User updated."));

    let inner_mismatch = br#"<createOrUpdateConsResponse xmlns="http://convio.com/crm/v1.0"><cons_id>1</message><message>x</message></createOrUpdateConsResponse>"#;
    assert!(decode_response::<crm::CreateOrUpdateConsResponseType>(
        inner_mismatch,
        ResponseFormat::Xml,
        &["createOrUpdateConsResponse"]
    )
    .is_err());
}

#[test]
fn an_unexpected_root_is_an_error() {
    let other = fixture("logout.xml");
    let error = decode_response::<crm::GetConsResponseType>(
        &other,
        ResponseFormat::Xml,
        &["getConsResponse"],
    )
    .unwrap_err();
    assert_eq!(
        error,
        DecodeError::UnexpectedBody {
            expected: "getConsResponse",
            found: "loginResponse".into()
        }
    );
}

/// A site's own fields, or a newer service than the schema: elements (and JSON keys) the
/// schema does not declare are read past and kept, anywhere in the response, and what is
/// declared is read as usual, in XML and JSON alike.
#[test]
fn content_the_schema_lacks_is_kept_not_fatal() {
    let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<getConsResponse xmlns="http://convio.com/crm/v1.0" xmlns:x="urn:example:site">
  <cons_id>7</cons_id>
  <favourite_colour>green</favourite_colour>
  <member_id>M-7</member_id>
  <name><first>Ada</first><x:pronouns kind="site">she/her</x:pronouns><last>Lovelace</last></name>
  <loyalty><tier>gold</tier><since/></loyalty>
</getConsResponse>"#;
    let json = br#"{"getConsResponse":{"cons_id":"7","favourite_colour":"green","name":{"first":"Ada","pronouns":"she/her","last":"Lovelace"},"loyalty":{"tier":"gold","since":null},"member_id":"M-7"}}"#;
    let mut read = Vec::new();
    for (body, format) in [
        (&xml[..], ResponseFormat::Xml),
        (&json[..], ResponseFormat::Json),
    ] {
        let (Response::Ok(user), unrecognized) =
            decode_response_keeping::<crm::GetConsResponseType>(body, format, &["getConsResponse"])
                .unwrap()
        else {
            panic!("an errorResponse")
        };
        assert_eq!(user.cons_id, Field::Value(7));
        assert_eq!(user.member_id.as_option().map(|m| m.as_str()), Some("M-7"));
        let Field::Value(name) = &user.name else {
            panic!("no name")
        };
        assert_eq!(name.last.as_option().map(|l| l.as_str()), Some("Lovelace"));
        // In document order for XML; a JSON object's keys carry no order.
        let mut paths: Vec<String> = unrecognized.iter().map(|u| u.path.join(".")).collect();
        if format == ResponseFormat::Json {
            paths.sort();
        }
        let expected = match format {
            ResponseFormat::Xml => [
                "getConsResponse.favourite_colour",
                "getConsResponse.name.pronouns",
                "getConsResponse.loyalty",
            ],
            _ => [
                "getConsResponse.favourite_colour",
                "getConsResponse.loyalty",
                "getConsResponse.name.pronouns",
            ],
        };
        assert_eq!(paths, expected, "{format:?}");
        read.push(user);
        if format == ResponseFormat::Xml {
            assert_eq!(
                unrecognized[1].content,
                r#"<x:pronouns kind="site">she/her</x:pronouns>"#
            );
            assert_eq!(
                unrecognized[2].content,
                "<loyalty><tier>gold</tier><since/></loyalty>"
            );
        } else {
            let colour = unrecognized
                .iter()
                .find(|u| u.path.last().is_some_and(|p| p == "favourite_colour"))
                .expect("kept");
            assert_eq!(colour.content, r#""green""#);
        }
    }
    assert_eq!(read[0], read[1]);
    // The plain reader reads the same, and logs instead of returning.
    let Response::Ok(user) =
        decode_response::<crm::GetConsResponseType>(xml, ResponseFormat::Xml, &["getConsResponse"])
            .unwrap()
    else {
        panic!("an errorResponse")
    };
    assert_eq!(user, read[0]);
}

#[test]
fn the_documented_samples_with_mistakes_are_rejected_not_guessed() {
    for (name, format) in [
        ("getUser-as-documented.xml", ResponseFormat::Xml),
        ("getUser-as-documented.json", ResponseFormat::Json),
    ] {
        assert!(
            decode_response::<crm::GetConsResponseType>(
                &fixture(name),
                format,
                &["getConsResponse"]
            )
            .is_err(),
            "{name}"
        );
    }
}

#[test]
fn a_document_ending_inside_an_end_tag_is_an_error_not_a_panic() {
    // Found by fuzzing: the root end-tag repair sliced past the end.
    for body in [
        &b"<createOrUpdateConsResponse xmlns=\"http://convio.com/crm/v1.0\"><cons_id>1</cons_id></"
            [..],
        b"<a></",
        b"<a>",
    ] {
        assert!(decode_response::<crm::CreateOrUpdateConsResponseType>(
            body,
            ResponseFormat::Xml,
            &["createOrUpdateConsResponse"]
        )
        .is_err());
    }
}

#[test]
fn declared_elements_in_another_order_read_as_in_schema_order() {
    let in_order = String::from_utf8(fixture("getUserInterests.xml")).unwrap();
    // Each interest's fields reversed, and an unknown element among them.
    let shuffled = in_order
        .replace(
            "<id>1002</id>\n    <label>Operation Overthruster Technology</label>\n    <path>Science &gt; Operation Overthruster Technology</path>\n    <for_email>true</for_email>\n    <for_web>false</for_web>",
            "<for_web>false</for_web><for_email>true</for_email>\n    <rank>3</rank>\n    <path>Science &gt; Operation Overthruster Technology</path><label>Operation Overthruster Technology</label><id>1002</id>",
        )
        .replace(
            "<id>1001</id>\n    <label>Science</label>",
            "<label>Science</label>\n    <id>1001</id>",
        );
    assert_ne!(shuffled, in_order, "the fixture changed: reshuffle it");
    let read = |xml: &str| -> crm::GetConsInterestsResponseType {
        ok(
            xml.as_bytes(),
            ResponseFormat::Xml,
            &["getConsInterestsResponse"],
        )
    };
    assert_eq!(read(&shuffled), read(&in_order));
    let (_, unrecognized) =
        convio::server_api::decode_response_keeping::<crm::GetConsInterestsResponseType>(
            shuffled.as_bytes(),
            ResponseFormat::Xml,
            &["getConsInterestsResponse"],
        )
        .unwrap();
    assert_eq!(unrecognized.len(), 1);
    assert_eq!(
        unrecognized[0].path,
        ["getConsInterestsResponse", "interest", "rank"]
    );
}
