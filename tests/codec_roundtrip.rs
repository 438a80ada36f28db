//! Reading is lossless: a page with content the schema lacks (unknown elements at any place
//! between declared fields, nested ones, nil and empty ones, foreign namespaces, unknown
//! attributes, records of untyped types), read by the typed reader and written again, gives
//! the same records, as seen by an independent reader (quick-xml's `NsReader`, namespaces
//! resolved by quick-xml, not by us). Strict reading refuses exactly the pages with such
//! content.

mod common;
/// quick-xml's own reading of a document, as the fuzz target checks it.
#[allow(dead_code)]
#[path = "../fuzz/harness/soap_response.rs"]
mod soap_response;

use std::collections::BTreeMap;

use common::strategies::{field, text};
use convio::codec::DecodeOptions;
use convio::generated::{ens, tns};
use convio::soap::{
    decode_response, decode_response_with, record_to_paths, Body, Encoder, Envelope,
};
use convio::{AnyRecord, Decimal, Field};
use proptest::prelude::*;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

const OBJECTS: &str = "urn:object.soap.convio.com";
const MESSAGES: &str = "urn:soap.convio.com";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const FOREIGN: &str = "urn:example:site-extensions";

/// An element as the reference reader sees it: resolved names, attributes by resolved
/// name (`xsi:type` values resolved too), trimmed text, children.
#[derive(Debug, Clone, PartialEq)]
struct Node {
    ns: String,
    local: String,
    attributes: BTreeMap<(String, String), String>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn new(ns: &str, local: &str) -> Self {
        Node {
            ns: ns.into(),
            local: local.into(),
            attributes: BTreeMap::new(),
            text: String::new(),
            children: Vec::new(),
        }
    }
}

fn resolved(result: ResolveResult<'_>) -> String {
    match result {
        ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
        _ => String::new(),
    }
}

/// The reference reader: the whole document as a tree.
fn parse(bytes: &[u8]) -> Node {
    let mut reader = NsReader::from_reader(bytes);
    let mut stack: Vec<Node> = vec![Node::new("", "#document")];
    loop {
        let (ns, event) = reader.read_resolved_event().expect("well-formed");
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let empty = matches!(event, Event::Empty(_));
                let mut node = Node::new(
                    &resolved(ns),
                    &String::from_utf8_lossy(start.local_name().as_ref()),
                );
                for attribute in start.attributes() {
                    let attribute = attribute.expect("attribute");
                    if attribute.key.as_ref() == b"xmlns"
                        || attribute.key.as_ref().starts_with(b"xmlns:")
                    {
                        continue;
                    }
                    let (attribute_ns, local) = reader.resolve_attribute(attribute.key);
                    let attribute_ns = resolved(attribute_ns);
                    let local = String::from_utf8_lossy(local.as_ref()).into_owned();
                    let raw = String::from_utf8_lossy(&attribute.value).into_owned();
                    let mut value = quick_xml::escape::unescape(&raw)
                        .expect("value")
                        .into_owned();
                    if attribute_ns == XSI && local == "type" {
                        let (type_ns, type_local) =
                            reader.resolve_element(quick_xml::name::QName(value.as_bytes()));
                        value = format!(
                            "{{{}}}{}",
                            resolved(type_ns),
                            String::from_utf8_lossy(type_local.as_ref())
                        );
                    }
                    node.attributes.insert((attribute_ns, local), value);
                }
                if empty {
                    stack.last_mut().expect("parent").children.push(node);
                } else {
                    stack.push(node);
                }
            }
            Event::End(_) => {
                let mut node = stack.pop().expect("open element");
                node.text = node.text.trim().to_string();
                if !node.children.is_empty() {
                    node.text.clear();
                }
                stack.last_mut().expect("parent").children.push(node);
            }
            Event::Text(text) => {
                let text = text.decode().expect("utf-8");
                stack.last_mut().expect("open").text.push_str(&text);
            }
            Event::GeneralRef(reference) => {
                let name = reference.decode().expect("utf-8");
                let resolved = match reference.resolve_char_ref().expect("char ref") {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&name)
                        .expect("predefined entity")
                        .to_string(),
                };
                stack.last_mut().expect("open").text.push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    stack.pop().expect("document")
}

/// The Record elements of a page, as the reference reader sees them.
fn records(bytes: &[u8]) -> Vec<Node> {
    let document = parse(bytes);
    let envelope = &document.children[0];
    let body = envelope
        .children
        .iter()
        .find(|n| n.local == "Body")
        .expect("Body");
    body.children[0].children.clone()
}

/// How the page spells its namespaces (the reader must not care).
#[derive(Debug, Clone, Copy)]
struct Spelling {
    /// Prefix of the record namespace.
    objects: &'static str,
    /// Whether the messages namespace is the default one (else prefixed `m`).
    default_messages: bool,
    /// Whether children go on lines of their own, indented, as the reference pages print
    /// them (else one line per record).
    indent: bool,
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

fn write_node(out: &mut String, node: &Node, spelling: Spelling, depth: usize) {
    let name = |ns: &str, local: &str| -> String {
        match ns {
            OBJECTS => format!("{}:{local}", spelling.objects),
            MESSAGES if spelling.default_messages => local.to_string(),
            MESSAGES => format!("m:{local}"),
            XSI => format!("xsi:{local}"),
            FOREIGN => format!("f:{local}"),
            "" => local.to_string(),
            other => panic!("no prefix for {other}"),
        }
    };
    let qualified = name(&node.ns, &node.local);
    out.push('<');
    out.push_str(&qualified);
    if node.ns == FOREIGN {
        out.push_str(&format!(" xmlns:f=\"{FOREIGN}\""));
    }
    if node.ns.is_empty() && spelling.default_messages {
        // Out of the default namespace the response element declares.
        out.push_str(" xmlns=\"\"");
    }
    for ((ns, local), value) in &node.attributes {
        let value = if ns == XSI && local == "type" {
            let (type_ns, type_local) = value[1..].split_once('}').expect("resolved type");
            name(type_ns, type_local)
        } else {
            value.clone()
        };
        out.push_str(&format!(" {}=\"{}\"", name(ns, local), escape(&value)));
    }
    if node.children.is_empty() && node.text.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    out.push_str(&escape(&node.text));
    let line_break = |out: &mut String, depth: usize| {
        if spelling.indent {
            out.push('\n');
            out.push_str(&"  ".repeat(depth));
        }
    };
    for child in &node.children {
        line_break(out, depth + 1);
        write_node(out, child, spelling, depth + 1);
    }
    if !node.children.is_empty() {
        line_break(out, depth);
    }
    out.push_str(&format!("</{qualified}>"));
}

/// A page of these records in the documented response shape, spelled as told.
fn page(records: &[Node], spelling: Spelling) -> Vec<u8> {
    let messages = if spelling.default_messages {
        format!("xmlns=\"{MESSAGES}\"")
    } else {
        format!("xmlns:m=\"{MESSAGES}\"")
    };
    let response = if spelling.default_messages {
        "QueryResponse"
    } else {
        "m:QueryResponse"
    };
    let mut out = format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\n<{response} {messages} xmlns:{}=\"{OBJECTS}\" xmlns:xsi=\"{XSI}\">\n",
        spelling.objects
    );
    for record in records {
        out.push_str("  ");
        write_node(&mut out, record, spelling, 1);
        out.push('\n');
    }
    out.push_str(&format!("</{response}></soap:Body></soap:Envelope>"));
    out.into_bytes()
}

// ------------------------------------------------------------------ generators

fn constituent() -> impl Strategy<Value = AnyRecord> {
    (
        proptest::option::of(0u64..10_000_000),
        field(text()),
        (field(text()), field(text()), field(text())),
        field(any::<bool>()),
        field(0u64..500),
        proptest::collection::vec(1000u64..2000, 0..4),
    )
        .prop_map(
            |(cons_id, member_id, (first, middle, city), accepts_email, bounces, group_id)| {
                let cons_name = if first.is_absent() && middle.is_absent() {
                    Field::Absent
                } else {
                    Field::Value(ens::NameType {
                        first_name: first,
                        middle_name: middle,
                        ..Default::default()
                    })
                };
                let home_address = if city.is_absent() {
                    Field::Nil
                } else {
                    Field::Value(ens::AddressType {
                        city,
                        ..Default::default()
                    })
                };
                AnyRecord::Constituent(ens::ConstituentType {
                    cons_id,
                    member_id,
                    cons_name,
                    accepts_email,
                    home_address,
                    hard_bounce_count: bounces,
                    group_id,
                    ..Default::default()
                })
            },
        )
}

fn donation() -> impl Strategy<Value = AnyRecord> {
    (0u64..1000, "[0-9]{1,6}\\.[0-9]{2}").prop_map(|(id, amount)| {
        AnyRecord::Donation(ens::DonationType {
            transaction_id: Some(id),
            tax_deductible_value: Field::Value(amount.parse::<Decimal>().expect("decimal")),
            receipt_number: vec!["R-1".into(), "R-2".into()],
            ..Default::default()
        })
    })
}

/// Content no schema type declares: a value, nil, empty, a group; in the record namespace,
/// a foreign one, or none; sometimes with an attribute.
fn unknown_element() -> impl Strategy<Value = Node> {
    let leaf = (0u8..4, 0u8..3, "[A-Za-z][A-Za-z0-9 &<]{0,8}", any::<bool>()).prop_map(
        |(shape, namespace, value, attributed)| {
            let ns = [OBJECTS, FOREIGN, ""][usize::from(namespace)];
            let mut node = Node::new(ns, &format!("Xtra{shape}{namespace}"));
            match shape {
                0 => node.text = value.trim().to_string(),
                1 => {
                    node.attributes
                        .insert((XSI.into(), "nil".into()), "true".into());
                }
                _ => {}
            }
            if attributed {
                node.attributes
                    .insert((String::new(), "source".into()), "site & co".into());
            }
            node
        },
    );
    leaf.prop_recursive(2, 6, 3, |inner| {
        (proptest::collection::vec(inner, 1..3), 0u8..2).prop_map(|(children, namespace)| {
            let mut node = Node::new([OBJECTS, FOREIGN][usize::from(namespace)], "XtraGroup");
            node.children = children;
            node
        })
    })
}

/// A record of a type the schema lacks, with values that are not empty (dynamic records
/// follow the Field rules when written).
fn dynamic_record() -> impl Strategy<Value = Node> {
    proptest::collection::vec(("[A-Z][a-z]{1,6}", "[a-z0-9&<]{1,6}", any::<bool>()), 1..5).prop_map(
        |fields| {
            let mut record = Node::new(MESSAGES, "Record");
            record.attributes.insert(
                (XSI.into(), "type".into()),
                format!("{{{OBJECTS}}}SurveyResponse"),
            );
            for (name, value, nil) in fields {
                let mut field = Node::new(OBJECTS, &name);
                if nil {
                    field
                        .attributes
                        .insert((XSI.into(), "nil".into()), "true".into());
                } else {
                    field.text = value;
                }
                record.children.push(field);
            }
            record
        },
    )
}

/// Insert `extra` among `children` at places that are not between two values of one repeated
/// field (kept content goes after a repeated field's values: see schemas/NOTES.md).
fn insert_between_fields(children: &mut Vec<Node>, extra: Vec<(usize, Node)>) {
    for (seed, node) in extra {
        let boundaries: Vec<usize> = (0..=children.len())
            .filter(|&at| {
                at == 0 || at == children.len() || children[at - 1].local != children[at].local
            })
            .collect();
        let at = boundaries[seed % boundaries.len()];
        children.insert(at, node);
    }
}

#[derive(Debug, Clone)]
struct Drift {
    in_records: Vec<(usize, Vec<(usize, Node)>)>,
    in_groups: Vec<(usize, Node)>,
    attributes: Vec<usize>,
    dynamic: Vec<(usize, Node)>,
}

fn drift() -> impl Strategy<Value = Drift> {
    (
        proptest::collection::vec(
            (
                any::<usize>(),
                proptest::collection::vec((any::<usize>(), unknown_element()), 0..3),
            ),
            0..3,
        ),
        proptest::collection::vec((any::<usize>(), unknown_element()), 0..2),
        proptest::collection::vec(any::<usize>(), 0..2),
        proptest::collection::vec((any::<usize>(), dynamic_record()), 0..2),
    )
        .prop_map(|(in_records, in_groups, attributes, dynamic)| Drift {
            in_records,
            in_groups,
            attributes,
            dynamic,
        })
}

/// The records of a page written by our encoder, as the reference reader sees them.
fn typed_records(records: Vec<AnyRecord>) -> Vec<Node> {
    let bytes = Encoder::new()
        .encode(&Envelope::request(
            None,
            Body::QueryResponse(tns::QueryResponseElementType {
                record: records,
                unknown: Default::default(),
            }),
        ))
        .expect("encodes");
    self::records(&bytes)
}

fn apply(mut records: Vec<Node>, drift: &Drift) -> (Vec<Node>, bool) {
    let mut drifted = false;
    if records.is_empty() {
        return (records, false);
    }
    let count = records.len();
    for (which, extra) in &drift.in_records {
        drifted |= !extra.is_empty();
        insert_between_fields(&mut records[which % count].children, extra.clone());
    }
    for (which, node) in &drift.in_groups {
        // Inside a group of a record (ConsName, HomeAddress), when there is one.
        let record = &mut records[which % count];
        if let Some(group) = record.children.iter_mut().find(|c| !c.children.is_empty()) {
            insert_between_fields(&mut group.children, vec![(*which, node.clone())]);
            drifted = true;
        }
    }
    for which in &drift.attributes {
        records[which % count]
            .attributes
            .insert((String::new(), "rowVersion".into()), format!("{which}"));
        drifted = true;
    }
    for (at, record) in &drift.dynamic {
        records.insert(at % (records.len() + 1), record.clone());
        drifted = true;
    }
    (records, drifted)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn reading_and_writing_again_keeps_every_record_whole(
        typed in proptest::collection::vec(prop_oneof![constituent(), donation()], 1..8),
        drift in drift(),
        objects in prop_oneof![Just("ens"), Just("o")],
        default_messages in any::<bool>(),
        indent in any::<bool>(),
    ) {
        let (expected, drifted) = apply(typed_records(typed), &drift);
        let spelling = Spelling { objects, default_messages, indent };
        let bytes = page(&expected, spelling);

        let body = decode_response(&bytes).expect("the typed reader reads drifted pages");
        let written = Encoder::new()
            .encode(&Envelope::request(None, body))
            .expect("what was read can be written");
        prop_assert_eq!(records(&written), expected);

        let strict = decode_response_with(&bytes, DecodeOptions::strict());
        prop_assert_eq!(strict.is_err(), drifted, "{:?}", strict.err());
    }

    /// The field paths of a record, walked from the typed value, are what reading its
    /// written form gives: unknown content at its place, nil as nil, repeated fields once
    /// per value.
    #[test]
    fn field_paths_of_a_record_are_those_of_its_written_form(
        typed in proptest::collection::vec(prop_oneof![constituent(), donation()], 1..8),
        drift in drift(),
    ) {
        let (expected, _) = apply(typed_records(typed), &drift);
        let bytes = page(&expected, Spelling { objects: "ens", default_messages: false, indent: false });
        let Body::QueryResponse(response) = decode_response(&bytes).expect("reads") else {
            panic!("a QueryResponse");
        };
        let written = Encoder::new()
            .encode(&Envelope::request(None, Body::QueryResponse(response.clone())))
            .expect("writes");
        let walked: Vec<_> = response.record.iter().map(record_to_paths).collect();
        prop_assert_eq!(walked, paths_by_reading(&written));
    }
}

/// A change to a page at one of its start tags, of the kinds the quick path for simple
/// elements must hand to the general reader (or read the same way): other spellings of the
/// same content, and documents that are not well-formed.
#[derive(Debug, Clone, Copy)]
enum Surprise {
    /// `<a >`: whitespace inside the start tag.
    SpaceInStartTag,
    /// Whitespace before `/>` of an empty element: `<a />`.
    SpaceBeforeSelfClose,
    /// A comment right after the start tag.
    CommentAfterStartTag,
    /// A CDATA section right after the start tag.
    CdataAfterStartTag,
    /// A character reference right after the start tag.
    ReferenceAfterStartTag,
    /// Whitespace inside the end tag that closes the element: `</a >`.
    SpaceInEndTag,
    /// The element's end tag names another element.
    WrongEndTag,
    /// The document stops right after the start tag.
    Truncated,
    /// A name outside ASCII replaces the element's local name (start and end).
    NonAsciiName,
    /// A declaration of the record namespace's prefix on the element itself.
    DeclarationOnElement,
}

fn surprise() -> impl Strategy<Value = (prop::sample::Index, Surprise)> {
    (
        any::<prop::sample::Index>(),
        prop_oneof![
            Just(Surprise::SpaceInStartTag),
            Just(Surprise::SpaceBeforeSelfClose),
            Just(Surprise::CommentAfterStartTag),
            Just(Surprise::CdataAfterStartTag),
            Just(Surprise::ReferenceAfterStartTag),
            Just(Surprise::SpaceInEndTag),
            Just(Surprise::WrongEndTag),
            Just(Surprise::Truncated),
            Just(Surprise::NonAsciiName),
            Just(Surprise::DeclarationOnElement),
        ],
    )
}

/// The page with `surprise` applied at one of the start tags inside the response element.
fn surprised(page: &[u8], at: prop::sample::Index, surprise: Surprise) -> Vec<u8> {
    let page = std::str::from_utf8(page).expect("pages are UTF-8");
    let body = page.find("Response").expect("a response element");
    let starts: Vec<usize> = page
        .match_indices('<')
        .map(|(i, _)| i)
        .filter(|&i| i > body && page[i + 1..].starts_with(|c: char| c.is_ascii_alphabetic()))
        .collect();
    if starts.is_empty() {
        return page.as_bytes().to_vec();
    }
    let start = starts[at.index(starts.len())];
    let tag_end = start + page[start..].find('>').expect("a closed tag");
    let self_closing = page[..tag_end].ends_with('/');
    let name_end = start + page[start..].find([' ', '>', '/']).expect("a name");
    let name = &page[start + 1..name_end];
    // The end tag closing this element (none for an empty-element tag, or when an earlier
    // surprise took it away): the first one of that name after it, elements of one name not
    // being nested in these pages.
    let end_tag = (!self_closing)
        .then(|| page[tag_end..].find(&format!("</{name}>")))
        .flatten()
        .map(|offset| tag_end + offset);
    let mut out = page.to_string();
    match surprise {
        Surprise::SpaceInStartTag => out.insert(name_end, ' '),
        Surprise::SpaceBeforeSelfClose if self_closing => out.insert(tag_end - 1, ' '),
        Surprise::SpaceBeforeSelfClose => out.insert(name_end, ' '),
        Surprise::CommentAfterStartTag => out.insert_str(tag_end + 1, "<!-- kept? -->"),
        Surprise::CdataAfterStartTag if !self_closing => {
            out.insert_str(tag_end + 1, "<![CDATA[x<y]]>")
        }
        Surprise::ReferenceAfterStartTag if !self_closing => out.insert_str(tag_end + 1, "&#65;"),
        Surprise::CdataAfterStartTag | Surprise::ReferenceAfterStartTag => {
            out.insert_str(tag_end + 1, "&amp;")
        }
        Surprise::SpaceInEndTag => match end_tag {
            Some(end) => out.insert(end + 2 + name.len(), ' '),
            None => out.insert(name_end, ' '),
        },
        Surprise::WrongEndTag => match end_tag {
            Some(end) => out.insert(end + 2 + name.len(), 'x'),
            None => out.insert_str(tag_end + 1, "</x>"),
        },
        Surprise::Truncated => out.truncate(tag_end + 1),
        Surprise::NonAsciiName => {
            let local_start = start + 1 + name.find(':').map_or(0, |colon| colon + 1);
            if let Some(end) = end_tag {
                let end_local = end + 2 + name.find(':').map_or(0, |colon| colon + 1);
                out.insert(end_local, 'é');
            }
            out.insert(local_start, 'é');
        }
        Surprise::DeclarationOnElement => out.insert_str(
            name_end,
            " xmlns:ens=\"urn:object.soap.convio.com\" xmlns:o=\"urn:object.soap.convio.com\"",
        ),
    }
    out.into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The quick path for simple elements reads every page exactly as the general reader
    /// does: the documented shapes (indented or not, either prefix, default namespace or
    /// not), unknown content at any place, and pages with surprises at their tags, down to
    /// the same error at the same position for pages that are not well-formed.
    #[test]
    fn the_quick_path_reads_what_the_general_reader_reads(
        typed in proptest::collection::vec(prop_oneof![constituent(), donation()], 1..6),
        drift in drift(),
        objects in prop_oneof![Just("ens"), Just("o")],
        default_messages in any::<bool>(),
        indent in any::<bool>(),
        surprises in proptest::collection::vec(surprise(), 0..4),
    ) {
        let (records, _) = apply(typed_records(typed), &drift);
        let mut bytes = page(&records, Spelling { objects, default_messages, indent });
        for (at, surprise) in surprises {
            bytes = surprised(&bytes, at, surprise);
        }
        for options in [DecodeOptions::lenient(), DecodeOptions::strict()] {
            let quick = decode_response_with(&bytes, options);
            let general = decode_response_with(&bytes, options.general_reader_only());
            prop_assert_eq!(
                format!("{quick:?}"),
                format!("{general:?}"),
                "{}",
                String::from_utf8_lossy(&bytes)
            );
            // The reader checks end tags itself; what quick-xml's own checks refuse, it refuses.
            if !soap_response::well_formed_by_quick_xml(&bytes) {
                prop_assert!(quick.is_err(), "{}", String::from_utf8_lossy(&bytes));
            }
        }
    }
}

/// The reference for field paths: each `Record` element of a document read with quick-xml,
/// its descendants named by local names joined with dots. A self-closing element is a
/// value (nil when `xsi:nil="true"`, else empty); an element with text and no children is
/// that text; one with neither gives nothing.
fn paths_by_reading(bytes: &[u8]) -> Vec<Vec<(String, Field<String>)>> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut records = Vec::new();
    // Within a record: the path of each open element and whether it has children.
    let mut open: Vec<(String, bool)> = Vec::new();
    let mut text = String::new();
    let local = |name: &[u8]| {
        let name = name.rsplit(|b| *b == b':').next().unwrap_or(name);
        String::from_utf8(name.to_vec()).expect("UTF-8 name")
    };
    let joined = |open: &[(String, bool)], name: String| match open.last() {
        Some((parent, _)) if !parent.is_empty() => format!("{parent}.{name}"),
        _ => name,
    };
    loop {
        match reader.read_event().expect("well-formed") {
            Event::Start(start) if local(start.name().as_ref()) == "Record" && open.is_empty() => {
                records.push(Vec::new());
                open.push((String::new(), false));
            }
            Event::Start(start) if !open.is_empty() => {
                let path = joined(&open, local(start.name().as_ref()));
                if let Some(parent) = open.last_mut() {
                    parent.1 = true;
                }
                open.push((path, false));
                text.clear();
            }
            Event::Empty(start) if !open.is_empty() => {
                let nil = start
                    .attributes()
                    .flatten()
                    .any(|a| a.key.as_ref().ends_with(b":nil") && a.value.as_ref() == b"true");
                let path = joined(&open, local(start.name().as_ref()));
                if let Some(parent) = open.last_mut() {
                    parent.1 = true;
                }
                let value = if nil {
                    Field::Nil
                } else {
                    Field::Value(String::new())
                };
                records.last_mut().expect("in a record").push((path, value));
            }
            Event::Text(content) if !open.is_empty() => {
                text.push_str(&content.decode().expect("text"));
            }
            Event::GeneralRef(reference) if !open.is_empty() => {
                match reference.resolve_char_ref().expect("reference") {
                    Some(c) => text.push(c),
                    None => {
                        let name = reference.decode().expect("name");
                        text.push_str(
                            quick_xml::escape::resolve_predefined_entity(&name).expect("entity"),
                        );
                    }
                }
            }
            Event::End(_) if !open.is_empty() => {
                let (path, has_children) = open.pop().expect("open");
                if !open.is_empty() && !has_children && !text.is_empty() {
                    records
                        .last_mut()
                        .expect("in a record")
                        .push((path, Field::Value(std::mem::take(&mut text))));
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    records
}

#[test]
fn the_documented_page_reads_the_same_strictly_and_leniently() {
    let bytes =
        std::fs::read("tests/fixtures/docs/getincrementalupdates-response.xml").expect("fixture");
    let lenient = decode_response(&bytes).expect("lenient");
    let strict = decode_response_with(&bytes, DecodeOptions::strict()).expect("strict");
    assert_eq!(lenient, strict);
}
