//! Records addressed by field path (`ConsName.MiddleName`), for tools that take field names
//! at run time (the CLI, configuration-driven syncs).
//!
//! Both directions go through the generated reader and writer, so a path is checked against
//! the schema and a value against its type exactly as on the wire.

use std::collections::BTreeMap;

use super::envelope::decode_envelope_with;
use super::Body;
use crate::codec::names::ROOT_DECLARATIONS;
use crate::codec::DecodeOptions;
use crate::error::{DecodeError, Error};
use crate::generated::{ELEMENT_TABLE, RECORD_TYPES};
use crate::record::tables::{self, ChildElement};
use crate::{AnyRecord, Field};

fn children_of(type_name: &str) -> Option<&'static [ChildElement]> {
    tables::children_of(ELEMENT_TABLE, type_name)
}

/// Builds a record of `record_type` from (path, value) pairs: `Value` sets, `Nil` clears,
/// `Absent` pairs are skipped. Repeated fields take one pair per value.
///
/// ```
/// use convio::soap::record_from_paths;
/// use convio::{AnyRecord, Field};
///
/// let record = record_from_paths("Constituent", &[
///     ("ConsId".into(), Field::Value("1001081".into())),
///     ("ConsName.MiddleName".into(), Field::Value("Williamson".into())),
///     ("ConsName.Suffix".into(), Field::Nil),
/// ]).unwrap();
/// let AnyRecord::Constituent(c) = record else { unreachable!() };
/// assert_eq!(c.cons_id, Some(1001081));
/// let Field::Value(name) = c.cons_name else { unreachable!() };
/// assert_eq!(name.middle_name, Field::Value("Williamson".into()));
/// assert_eq!(name.suffix, Field::Nil);
///
/// assert!(record_from_paths("Constituent", &[("ConsName.Nickname".into(), Field::Value("x".into()))]).is_err());
/// ```
pub fn record_from_paths(
    record_type: &str,
    pairs: &[(String, Field<String>)],
) -> Result<AnyRecord, Error> {
    if !RECORD_TYPES.contains(&record_type) {
        return Err(Error::InvalidArgument(format!(
            "unknown record type `{record_type}`"
        )));
    }
    // A tree of the requested values, then written out in schema order.
    #[derive(Default)]
    struct Node {
        values: Vec<Field<String>>,
        children: BTreeMap<String, Node>,
    }
    let mut root = Node::default();
    for (path, value) in pairs {
        if value.is_absent() {
            continue;
        }
        let mut type_name = record_type;
        let mut node = &mut root;
        let segments: Vec<&str> = path.split('.').collect();
        for (i, segment) in segments.iter().enumerate() {
            let &ChildElement {
                type_name: child_type,
                repeated,
                nillable,
                ..
            } = children_of(type_name)
                .and_then(|children| children.iter().find(|child| child.name == *segment))
                .ok_or_else(|| {
                    Error::InvalidArgument(format!("`{path}` is not a field of {record_type}"))
                })?;
            let last = i + 1 == segments.len();
            if last && children_of(child_type).is_some() && value.is_value() {
                return Err(Error::InvalidArgument(format!(
                    "`{path}` has fields of its own; set them one by one"
                )));
            }
            if last && value.is_nil() && !nillable {
                return Err(Error::InvalidArgument(format!(
                    "`{path}` cannot be cleared"
                )));
            }
            if last
                && !repeated
                && !node
                    .children
                    .get(*segment)
                    .is_none_or(|n| n.values.is_empty())
            {
                return Err(Error::InvalidArgument(format!("`{path}` is given twice")));
            }
            node = node.children.entry((*segment).to_string()).or_default();
            type_name = child_type;
        }
        node.values.push(value.clone());
    }
    fn write(out: &mut String, type_name: &str, node: &Node) {
        let Some(children) = children_of(type_name) else {
            return;
        };
        for &ChildElement {
            name,
            type_name: child_type,
            ..
        } in children
        {
            let Some(child) = node.children.get(name) else {
                continue;
            };
            for value in &child.values {
                match value {
                    Field::Nil => out.push_str(&format!(r#"<ens:{name} xsi:nil="true"/>"#)),
                    Field::Value(text) => out.push_str(&format!(
                        "<ens:{name}>{}</ens:{name}>",
                        quick_xml::escape::escape(text.as_str())
                    )),
                    Field::Absent => {}
                }
            }
            if !child.children.is_empty() {
                out.push_str(&format!("<ens:{name}>"));
                write(out, child_type, child);
                out.push_str(&format!("</ens:{name}>"));
            }
        }
    }
    let mut fields = String::new();
    write(&mut fields, record_type, &root);
    let document = format!(
        r#"<soapenv:Envelope{ROOT_DECLARATIONS}><soapenv:Body><tns:QueryResponse><tns:Record xsi:type="ens:{record_type}">{fields}</tns:Record></tns:QueryResponse></soapenv:Body></soapenv:Envelope>"#
    );
    // Strict: a value that is not of its field's type is refused, not kept aside.
    let envelope =
        decode_envelope_with(document.as_bytes(), DecodeOptions::strict()).map_err(|error| {
            match error {
                DecodeError::Xml { message, .. } => {
                    Error::InvalidArgument(format!("invalid value: {message}"))
                }
                other => Error::Decode(other),
            }
        })?;
    match envelope.body {
        Body::QueryResponse(mut response) if response.record.len() == 1 => {
            Ok(response.record.remove(0))
        }
        _ => Err(Error::InvalidArgument(
            "the record could not be built".into(),
        )),
    }
}

/// The value of the single-valued field at dot path `path` of a record (its id, say), or
/// `None` when it is absent or nil. Typed Constituent and Donation ids are read directly,
/// dynamic records by path; other typed records are written out and walked.
pub(crate) fn record_field_text(record: &AnyRecord, path: &str) -> Option<String> {
    match (record, path) {
        (AnyRecord::Constituent(c), "ConsId") => c.cons_id.map(|id| id.to_string()),
        (AnyRecord::Donation(d), "TransactionId") => d.transaction_id.map(|id| id.to_string()),
        (AnyRecord::Dynamic(d), _) => d.get(path).as_option().map(|v| v.to_string()),
        (typed, _) => record_to_paths(typed)
            .into_iter()
            .find(|(found, _)| found == path)
            .and_then(|(_, value)| value.into_option()),
    }
}

/// The fields of a record as (path, value) pairs in schema order; nil fields are `Nil`,
/// repeated fields appear once per value, content kept from reading at its place.
///
/// ```
/// use convio::soap::{record_from_paths, record_to_paths};
/// use convio::Field;
///
/// let pairs = vec![
///     ("ConsId".to_string(), Field::Value("7".to_string())),
///     ("ConsName.FirstName".to_string(), Field::Value("Ada".to_string())),
///     ("ConsName.MiddleName".to_string(), Field::Nil),
/// ];
/// let record = record_from_paths("Constituent", &pairs).unwrap();
/// assert_eq!(record_to_paths(&record), pairs);
/// ```
pub fn record_to_paths(record: &AnyRecord) -> Vec<(String, Field<String>)> {
    crate::codec::leaves::collect(record)
}

/// Calls `visit` with each (path, value) pair of a record, as [`record_to_paths`] lists
/// them, without collecting them.
///
/// ```
/// use convio::soap::{record_from_paths, visit_record_paths};
/// use convio::Field;
///
/// let record = record_from_paths("Constituent", &[
///     ("ConsId".into(), Field::Value("7".into())),
///     ("ConsName.MiddleName".into(), Field::Nil),
/// ]).unwrap();
/// let mut seen = Vec::new();
/// visit_record_paths(&record, |path, value| seen.push(format!("{path}={value:?}")));
/// assert_eq!(seen, ["ConsId=Value(\"7\")", "ConsName.MiddleName=Nil"]);
/// ```
pub fn visit_record_paths(record: &AnyRecord, mut visit: impl FnMut(&str, Field<&str>)) {
    let mut path = String::with_capacity(64);
    crate::codec::Leaves::visit_leaves(record, &mut path, &mut visit);
}
