//! Reading Server API responses, XML or JSON, into the types generated from
//! `crm.public.v1.xsd`.
//!
//! JSON is turned into the equivalent XML document first, walking the schema's element
//! table, so that both formats go through one reader and give identical values. That
//! takes care of the documented JSON quirks: keys in any order, numbers and booleans sent
//! as strings, one item sent as an object where a list is expected, `null` for nil and
//! `{}` for an empty leaf (read as nil).
//!
//! Elements (or JSON keys) a type does not declare are set aside before the typed reading,
//! never fatal: [`decode_response_keeping`] returns them as [`Unrecognized`], and
//! [`decode_response`] logs each kind once and carries on (a site's own fields, or a newer
//! service than the schema).
//!
//! Tolerance of sloppy documents is limited to one case: a root end tag whose name differs
//! from the root start tag (as in a documented sample). It is accepted only when it is the
//! last tag of a document that is otherwise well-formed, so no content can be misread.

use quick_xml::events::Event;
use serde_json::Value;
use xsd_parser_types::quick_xml::{DeserializeSync, SliceReader, WithDeserializer};

use super::generated::{crm, ELEMENT_TABLE, ROOT_ELEMENTS};
use crate::codec::options::warn_kept;
use crate::error::DecodeError;
use crate::record::tables::{self, ChildElement};

/// Namespace of Server API responses.
pub const CRM_NAMESPACE: &str = "http://convio.com/crm/v1.0";

/// Format of a Server API response (`response_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ResponseFormat {
    /// `xml` (the server's default).
    #[default]
    Xml,
    /// `json`.
    Json,
}

impl ResponseFormat {
    /// The `response_format` parameter value.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseFormat::Xml => "xml",
            ResponseFormat::Json => "json",
        }
    }
}

/// A decoded response: the expected document, or the server's `errorResponse`.
#[derive(Debug, Clone, PartialEq)]
pub enum Response<T> {
    /// The method's response.
    Ok(T),
    /// The server's `errorResponse`.
    Error(crm::ErrorResponseType),
}

/// Reads a response whose root should be one of `roots` (normally one name; some methods
/// are documented with two spellings).
///
/// ```
/// use convio::server_api::{decode_response, Response, ResponseFormat};
/// use convio::server_api::generated::crm::CreateOrUpdateConsResponseType;
///
/// let json = br#"{"createOrUpdateConsResponse":{"message":"User updated.","cons_id":"1002001"}}"#;
/// let Response::Ok(response) = decode_response::<CreateOrUpdateConsResponseType>(
///     json, ResponseFormat::Json, &["createOrUpdateConsResponse"]).unwrap() else { panic!() };
/// assert_eq!(response.cons_id, Some(1002001));
/// ```
pub fn decode_response<T: WithDeserializer>(
    body: &[u8],
    format: ResponseFormat,
    roots: &[&'static str],
) -> Result<Response<T>, DecodeError> {
    let (response, unrecognized) = decode_response_keeping(body, format, roots)?;
    for item in &unrecognized {
        let path: Vec<&str> = item.path.iter().map(String::as_str).collect();
        warn_kept(b"", &path, || {
            format!(
                "Server API element `{}` not in the schema, read past",
                item.path.join(".")
            )
        });
    }
    Ok(response)
}

/// Content of a Server API response that the schema does not declare where it stands: the
/// element's path from the root (local names) and the content as it was sent (the element's
/// XML, or the JSON value of the key).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unrecognized {
    /// Local names from the root element to this one.
    pub path: Vec<String>,
    /// The element as sent (XML), or the key's value (JSON).
    pub content: String,
}

/// [`decode_response`], returning what the schema does not declare beside the response
/// instead of logging it.
///
/// ```
/// use convio::server_api::{decode_response_keeping, Response, ResponseFormat};
/// use convio::server_api::generated::crm::GetConsResponseType;
///
/// let xml = br#"<getConsResponse xmlns="http://convio.com/crm/v1.0"><cons_id>7</cons_id><favourite_colour>green</favourite_colour></getConsResponse>"#;
/// let (Response::Ok(user), unrecognized) =
///     decode_response_keeping::<GetConsResponseType>(xml, ResponseFormat::Xml, &["getConsResponse"]).unwrap()
/// else { panic!() };
/// assert_eq!(user.cons_id.as_option(), Some(&7));
/// assert_eq!(unrecognized[0].path, ["getConsResponse", "favourite_colour"]);
/// assert_eq!(unrecognized[0].content, "<favourite_colour>green</favourite_colour>");
/// ```
pub fn decode_response_keeping<T: WithDeserializer>(
    body: &[u8],
    format: ResponseFormat,
    roots: &[&'static str],
) -> Result<(Response<T>, Vec<Unrecognized>), DecodeError> {
    let mut unrecognized = Vec::new();
    let xml = match format {
        ResponseFormat::Xml => in_schema_order(set_aside_unrecognized(
            under_first_root(xml_text(body)?, roots),
            &mut unrecognized,
        )),
        ResponseFormat::Json => json_to_xml(body, roots, &mut unrecognized)?,
    };
    let response = typed_response(&xml, roots)?;
    Ok((response, unrecognized))
}

fn typed_response<T: WithDeserializer>(
    xml: &str,
    roots: &[&'static str],
) -> Result<Response<T>, DecodeError> {
    let root = root_name(xml)?;
    if root == "errorResponse" {
        return Ok(Response::Error(read::<crm::ErrorResponseType>(xml)?));
    }
    if !roots.contains(&root.as_str()) {
        return Err(DecodeError::UnexpectedBody {
            expected: roots.first().copied().unwrap_or("response"),
            found: root,
        });
    }
    Ok(Response::Ok(read::<T>(xml)?))
}

fn read<T: WithDeserializer>(xml: &str) -> Result<T, DecodeError> {
    match T::deserialize(&mut SliceReader::new(xml)) {
        Ok(value) => Ok(value),
        Err(error) => match repair_root_end_tag(xml) {
            Some(repaired) => Ok(T::deserialize(&mut SliceReader::new(&repaired))?),
            None => Err(error.into()),
        },
    }
}

fn xml_text(body: &[u8]) -> Result<String, DecodeError> {
    if memchr::memmem::find(body, b"<!DOCTYPE").is_some() {
        return Err(DecodeError::Doctype);
    }
    std::str::from_utf8(body)
        .map(str::to_string)
        .map_err(|error| DecodeError::Xml {
            message: format!("invalid UTF-8: {error}"),
            position: Some(error.valid_up_to() as u64),
            path: Vec::new(),
        })
}

fn root_name(xml: &str) -> Result<String, DecodeError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(Event::Start(start) | Event::Empty(start)) => {
                return Ok(String::from_utf8_lossy(start.local_name().as_ref()).into_owned());
            }
            Ok(Event::Eof) => {
                return Err(DecodeError::Xml {
                    message: "empty document".into(),
                    position: None,
                    path: Vec::new(),
                })
            }
            Ok(_) => {}
            Err(error) => {
                return Err(DecodeError::Xml {
                    message: error.to_string(),
                    position: Some(reader.buffer_position()),
                    path: Vec::new(),
                })
            }
        }
    }
}

/// Replaces a mismatched root end tag, if that is the document's only flaw.
fn repair_root_end_tag(xml: &str) -> Option<String> {
    let root = root_name(xml).ok()?;
    let trimmed = xml.trim_end();
    let close_start = trimmed.rfind("</")?;
    // `get` rather than slicing: the document may end inside the tag (`...</`).
    let closing = trimmed.strip_suffix('>')?.get(close_start + 2..)?;
    if closing.contains(['<', '>']) {
        return None;
    }
    let local = closing.rsplit(':').next().unwrap_or(closing).trim();
    if local == root {
        return None;
    }
    let prefix = closing.strip_suffix(local).unwrap_or("");
    let repaired = format!("{}</{prefix}{root}>", &trimmed[..close_start]);
    // Only a document that is well-formed with the corrected end tag is accepted.
    let mut reader = quick_xml::Reader::from_str(&repaired);
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => return Some(repaired),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
}

/// The document without the elements its types do not declare, which go to `unrecognized`.
/// A document the XML reader cannot read through is returned whole, for the typed reader to
/// report (or repair) as before.
fn set_aside_unrecognized(xml: String, unrecognized: &mut Vec<Unrecognized>) -> String {
    let mut reader = quick_xml::Reader::from_str(&xml);
    // The XML reader skips a byte order mark without counting it.
    let skipped = if xml.starts_with('\u{feff}') { 3 } else { 0 };
    // The type of each open element (`None`: not to be looked into), and its local name.
    let mut open: Vec<(Option<&'static str>, String)> = Vec::new();
    let mut cut: Vec<std::ops::Range<usize>> = Vec::new();
    let mut kept = Vec::new();
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(_) => return xml,
        };
        let after = reader.buffer_position() as usize + skipped;
        let (start, empty) = match &event {
            Event::Start(start) => (start, false),
            Event::Empty(start) => (start, true),
            Event::End(_) => {
                open.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let local = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
        let child_type = match open.last() {
            None => ROOT_ELEMENTS
                .iter()
                .find(|root| root.name == local)
                .map(|root| root.type_name),
            Some((None, _)) => None,
            Some((Some(parent), _)) => match children_of(parent) {
                // A simple element with child elements is the typed reader's to report.
                None => None,
                Some(children) => match children.iter().find(|child| child.name == local) {
                    Some(child) => Some(child.type_name),
                    None => {
                        // The tag holds no `<`, so its own is the last one before its end.
                        let Some(begin) = xml.get(..after).and_then(|before| before.rfind('<'))
                        else {
                            return xml;
                        };
                        let end = if empty {
                            after
                        } else {
                            let name = start.name().as_ref().to_vec();
                            if reader.read_to_end(quick_xml::name::QName(&name)).is_err() {
                                return xml;
                            }
                            reader.buffer_position() as usize + skipped
                        };
                        let Some(content) = xml.get(begin..end) else {
                            return xml;
                        };
                        let mut path: Vec<String> =
                            open.iter().map(|(_, name)| name.clone()).collect();
                        path.push(local);
                        kept.push(Unrecognized {
                            path,
                            content: content.to_string(),
                        });
                        cut.push(begin..end);
                        continue;
                    }
                },
            },
        };
        if !empty {
            open.push((child_type, local));
        }
    }
    if cut.is_empty() {
        return xml;
    }
    unrecognized.extend(kept);
    let mut rest = String::with_capacity(xml.len());
    let mut from = 0;
    for range in cut {
        rest.push_str(&xml[from..range.start]);
        from = range.end;
    }
    rest.push_str(&xml[from..]);
    rest
}

/// An element of a response, as byte ranges of the document, for putting declared children
/// back in schema order.
struct Placed {
    /// Where its start tag begins and its end tag ends.
    range: std::ops::Range<usize>,
    /// Its index among its parent's declared children (0 for the root).
    rank: usize,
    /// Its child elements, when its type declares children.
    children: Vec<Placed>,
}

/// The document with the declared children of every element in the order the schema gives
/// them. A server may send them in another order (the documentation shows the order only
/// for a few answers), and the typed reader needs the schema's; the JSON path builds its
/// document in schema order anyway. A document already in order, or one the XML reader cannot
/// read through, is returned as it is.
fn in_schema_order(xml: String) -> String {
    let Some(root) = placed_elements(&xml) else {
        return xml;
    };
    if in_order(&root) {
        return xml;
    }
    let mut ordered = String::with_capacity(xml.len());
    let written = (|| {
        ordered.push_str(xml.get(..root.range.start)?);
        write_ordered(&xml, &root, &mut ordered)?;
        ordered.push_str(xml.get(root.range.end..)?);
        Some(())
    })();
    match written {
        Some(()) => ordered,
        None => xml,
    }
}

fn in_order(element: &Placed) -> bool {
    element
        .children
        .windows(2)
        .all(|pair| pair[0].rank <= pair[1].rank)
        && element.children.iter().all(in_order)
}

/// Writes `element` with its children sorted by rank (stably: repeated elements keep their
/// order) and whatever lies between them (whitespace) dropped; `None` if a range does not
/// fall in the document.
fn write_ordered(xml: &str, element: &Placed, out: &mut String) -> Option<()> {
    let (Some(first), Some(last)) = (element.children.first(), element.children.last()) else {
        out.push_str(xml.get(element.range.clone())?);
        return Some(());
    };
    out.push_str(xml.get(element.range.start..first.range.start)?);
    let mut children: Vec<&Placed> = element.children.iter().collect();
    children.sort_by_key(|child| child.rank);
    for child in children {
        write_ordered(xml, child, out)?;
    }
    out.push_str(xml.get(last.range.end..element.range.end)?);
    Some(())
}

/// The root element and, below every element whose type declares children, its child
/// elements with their ranks; `None` when the document cannot be read through.
fn placed_elements(xml: &str) -> Option<Placed> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let skipped = if xml.starts_with('\u{feff}') { 3 } else { 0 };
    // Open elements: the element, and the children its type declares (if any).
    let mut open: Vec<(Placed, Option<&'static [ChildElement]>)> = Vec::new();
    loop {
        let event = reader.read_event().ok()?;
        let after = reader.buffer_position() as usize + skipped;
        let (start, empty) = match &event {
            Event::Start(start) => (start, false),
            Event::Empty(start) => (start, true),
            Event::End(_) => {
                let (mut done, _) = open.pop()?;
                done.range.end = after;
                match open.last_mut() {
                    Some((parent, Some(_))) => parent.children.push(done),
                    Some((_, None)) => {}
                    None => return Some(done),
                }
                continue;
            }
            Event::Eof => return None,
            _ => continue,
        };
        let begin = xml.get(..after)?.rfind('<')?;
        let local = start.local_name();
        let local = std::str::from_utf8(local.as_ref()).ok()?;
        let (rank, type_name) = match open.last() {
            None => (
                0,
                ROOT_ELEMENTS
                    .iter()
                    .find(|root| root.name == local)
                    .map(|root| root.type_name),
            ),
            Some((_, Some(declared))) => declared
                .iter()
                .position(|child| child.name == local)
                .map_or((declared.len(), None), |at| {
                    (at, Some(declared[at].type_name))
                }),
            Some((_, None)) => (0, None),
        };
        let element = Placed {
            range: begin..after,
            rank,
            children: Vec::new(),
        };
        if empty {
            match open.last_mut() {
                Some((parent, Some(_))) => parent.children.push(element),
                Some((_, None)) => {}
                None => return Some(element),
            }
        } else {
            open.push((element, type_name.and_then(children_of)));
        }
    }
}

/// Rebuilds the XML document a JSON response stands for, in schema element order; keys the
/// schema does not declare go to `unrecognized`.
/// The root a document is read under: the first of `roots` when the document's root is
/// another of them (a method documented under two root names is read with the type of the
/// first, so the content the other name's type lacks is not set aside); else its own.
fn reading_root<'r>(root: &'r str, roots: &[&'static str]) -> &'r str {
    match roots.first() {
        Some(first) if root != "errorResponse" && roots.contains(&root) => first,
        _ => root,
    }
}

/// `xml` with its root element renamed to [`reading_root`]'s choice (its prefix kept).
fn under_first_root(xml: String, roots: &[&'static str]) -> String {
    let Ok(root) = root_name(&xml) else {
        return xml;
    };
    let reading = reading_root(&root, roots);
    if reading == root {
        return xml;
    }
    let mut reader = quick_xml::Reader::from_str(&xml);
    let qualified = loop {
        match reader.read_event() {
            Ok(Event::Start(start) | Event::Empty(start)) => {
                break String::from_utf8_lossy(start.name().as_ref()).into_owned()
            }
            Ok(Event::Eof) | Err(_) => return xml,
            Ok(_) => {}
        }
    };
    let tag_end = usize::try_from(reader.buffer_position()).unwrap_or(0);
    let Some(tag_start) = xml.get(..tag_end).and_then(|head| head.rfind('<')) else {
        return xml;
    };
    let prefix = qualified.strip_suffix(root.as_str()).unwrap_or("");
    let renamed = format!("{prefix}{reading}");
    let open = format!("<{qualified}");
    let close = format!("</{qualified}");
    let head = &xml[..tag_start];
    let Some(rest) = xml[tag_start..].strip_prefix(open.as_str()) else {
        return xml;
    };
    let mut out = format!("{head}<{renamed}{rest}");
    if let Some(at) = out.rfind(close.as_str()) {
        out.replace_range(at..at + close.len(), &format!("</{renamed}"));
    }
    out
}

fn json_to_xml(
    body: &[u8],
    roots: &[&'static str],
    unrecognized: &mut Vec<Unrecognized>,
) -> Result<String, DecodeError> {
    let json_error = |message: String| DecodeError::Xml {
        message,
        position: None,
        path: Vec::new(),
    };
    let value: Value = serde_json::from_slice(body.trim_ascii()).map_err(|e| DecodeError::Xml {
        message: format!("invalid JSON: {e}"),
        position: Some(e.column() as u64),
        path: Vec::new(),
    })?;
    let Value::Object(top) = value else {
        return Err(json_error(
            "a JSON response is an object with one key, the root element".into(),
        ));
    };
    let mut entries = top.into_iter();
    let (Some((root, content)), None) = (entries.next(), entries.next()) else {
        return Err(json_error(
            "a JSON response is an object with exactly one key".into(),
        ));
    };
    let root = reading_root(&root, roots).to_string();
    let type_name = ROOT_ELEMENTS
        .iter()
        .find(|element| element.name == root)
        .map(|element| element.type_name)
        .ok_or_else(|| DecodeError::UnexpectedBody {
            expected: "a crm v1.0 response",
            found: root.clone(),
        })?;
    let mut xml = format!(
        r#"<{root} xmlns="{CRM_NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#
    );
    let mut path = vec![root.clone()];
    write_children(&mut xml, type_name, &content, &mut path, unrecognized)?;
    xml.push_str(&format!("</{root}>"));
    Ok(xml)
}

fn children_of(type_name: &str) -> Option<&'static [ChildElement]> {
    tables::children_of(ELEMENT_TABLE, type_name)
}

fn write_children(
    xml: &mut String,
    type_name: &str,
    value: &Value,
    path: &mut Vec<String>,
    unrecognized: &mut Vec<Unrecognized>,
) -> Result<(), DecodeError> {
    let structure_error = |path: &[String], message: String| DecodeError::Xml {
        message,
        position: None,
        path: path.to_vec(),
    };
    let children = children_of(type_name).unwrap_or(&[]);
    let object = match value {
        Value::Object(object) => object,
        Value::Null => return Ok(()),
        other => {
            return Err(structure_error(
                path,
                format!("expected an object, found {other}"),
            ))
        }
    };
    for (key, value) in object {
        if !children.iter().any(|child| child.name == key.as_str()) {
            let mut at = path.clone();
            at.push(key.clone());
            unrecognized.push(Unrecognized {
                path: at,
                content: value.to_string(),
            });
        }
    }
    for &ChildElement {
        name,
        type_name: child_type,
        repeated,
        ..
    } in children
    {
        let Some(child) = object.get(name) else {
            continue;
        };
        path.push(name.to_string());
        match child {
            Value::Array(items) if repeated => {
                for item in items {
                    write_element(xml, name, child_type, item, path, unrecognized)?;
                }
            }
            Value::Array(_) => {
                return Err(structure_error(
                    path,
                    "a list where one value is expected".into(),
                ))
            }
            single => write_element(xml, name, child_type, single, path, unrecognized)?,
        }
        path.pop();
    }
    Ok(())
}

fn write_element(
    xml: &mut String,
    name: &str,
    type_name: &str,
    value: &Value,
    path: &mut Vec<String>,
    unrecognized: &mut Vec<Unrecognized>,
) -> Result<(), DecodeError> {
    let is_complex = children_of(type_name).is_some();
    match value {
        Value::Null => xml.push_str(&format!(r#"<{name} xsi:nil="true"/>"#)),
        Value::Object(object) if !is_complex && object.is_empty() => {
            xml.push_str(&format!(r#"<{name} xsi:nil="true"/>"#));
        }
        Value::Object(_) if is_complex => {
            xml.push_str(&format!("<{name}>"));
            write_children(xml, type_name, value, path, unrecognized)?;
            xml.push_str(&format!("</{name}>"));
        }
        Value::String(text) if !is_complex => {
            xml.push_str(&format!(
                "<{name}>{}</{name}>",
                quick_xml::escape::escape(text.as_str())
            ));
        }
        Value::Number(number) if !is_complex => xml.push_str(&format!("<{name}>{number}</{name}>")),
        Value::Bool(flag) if !is_complex => xml.push_str(&format!("<{name}>{flag}</{name}>")),
        other => {
            return Err(DecodeError::Xml {
                message: format!("value {other} does not fit element `{name}`"),
                position: None,
                path: path.clone(),
            })
        }
    }
    Ok(())
}
