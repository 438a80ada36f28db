//! Reading Server API responses, XML or JSON, into the types generated from
//! `crm.public.v1.xsd`.
//!
//! JSON is turned into the equivalent XML document first, walking the schema's element
//! table, so that both formats go through one reader and give identical values. That
//! takes care of the documented JSON quirks: keys in any order, numbers and booleans sent
//! as strings, one item sent as an object where a list is expected, `null` for nil and
//! `{}` for an empty leaf (read as nil).
//!
//! Tolerance of sloppy documents is limited to one case: a root end tag whose name differs
//! from the root start tag (as in a documented sample). It is accepted only when it is the
//! last tag of a document that is otherwise well-formed, so no content can be misread.

use quick_xml::events::Event;
use serde_json::Value;
use xsd_parser_types::quick_xml::{DeserializeSync, SliceReader, WithDeserializer};

use super::generated::{crm, ELEMENT_TABLE, ROOT_ELEMENTS};
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
    let xml = match format {
        ResponseFormat::Xml => xml_text(body)?,
        ResponseFormat::Json => json_to_xml(body)?,
    };
    let root = root_name(&xml)?;
    if root == "errorResponse" {
        return Ok(Response::Error(read::<crm::ErrorResponseType>(&xml)?));
    }
    if !roots.contains(&root.as_str()) {
        return Err(DecodeError::UnexpectedBody {
            expected: roots.first().copied().unwrap_or("response"),
            found: root,
        });
    }
    Ok(Response::Ok(read::<T>(&xml)?))
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

/// Rebuilds the XML document a JSON response stands for, in schema element order.
fn json_to_xml(body: &[u8]) -> Result<String, DecodeError> {
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
    write_children(&mut xml, type_name, &content, &mut path)?;
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
    if let Some(unknown) = object
        .keys()
        .find(|key| !children.iter().any(|child| child.name == key.as_str()))
    {
        return Err(structure_error(
            path,
            format!("unknown element `{unknown}`"),
        ));
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
                    write_element(xml, name, child_type, item, path)?;
                }
            }
            Value::Array(_) => {
                return Err(structure_error(
                    path,
                    "a list where one value is expected".into(),
                ))
            }
            single => write_element(xml, name, child_type, single, path)?,
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
) -> Result<(), DecodeError> {
    let is_complex = children_of(type_name).is_some();
    match value {
        Value::Null => xml.push_str(&format!(r#"<{name} xsi:nil="true"/>"#)),
        Value::Object(object) if !is_complex && object.is_empty() => {
            xml.push_str(&format!(r#"<{name} xsi:nil="true"/>"#));
        }
        Value::Object(_) if is_complex => {
            xml.push_str(&format!("<{name}>"));
            write_children(xml, type_name, value, path)?;
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
