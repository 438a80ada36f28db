//! The emulator's own XML reading and writing.
//!
//! The emulator deliberately does not use the generated types the client uses: a request
//! is read into a small namespace-aware tree and checked against the rules here, so that a
//! bug in the generated code cannot be hidden by the same bug on the server side.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// XML Schema instance namespace.
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// SOAP 1.1 envelope namespace.
pub const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// Operations namespace.
pub const TNS: &str = "urn:soap.convio.com";
/// Records namespace.
pub const ENS: &str = "urn:object.soap.convio.com";

/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 64;

/// An element: namespace, local name, `xsi:nil`, `xsi:type` (resolved), text and children.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Namespace URI, if any.
    pub namespace: Option<String>,
    /// Local name.
    pub name: String,
    /// `xsi:nil="true"` (or `1`).
    pub nil: bool,
    /// `xsi:type` as (namespace, local name).
    pub xsi_type: Option<(Option<String>, String)>,
    /// Other attributes as (namespace, local name, value).
    pub attributes: Vec<(Option<String>, String, String)>,
    /// Concatenated character data.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// `true` when the element is `{namespace}name`.
    pub fn is(&self, namespace: &str, name: &str) -> bool {
        self.namespace.as_deref() == Some(namespace) && self.name == name
    }

    /// The first child named `{namespace}name`.
    pub fn child(&self, namespace: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(namespace, name))
    }

    /// Every child named `{namespace}name`.
    pub fn children_named<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.is(namespace, name))
    }

    /// Trimmed text of the first child named `{namespace}name`.
    pub fn child_text(&self, namespace: &str, name: &str) -> Option<&str> {
        self.child(namespace, name).map(|c| c.text.trim())
    }
}

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong.
    pub message: String,
    /// Byte offset.
    pub position: u64,
}

/// Parses a whole document strictly: well-formed, UTF-8, no DTD, bounded depth, every
/// prefix bound.
pub fn parse(bytes: &[u8]) -> Result<Element, ParseError> {
    let mut reader = NsReader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let error = |reader: &NsReader<&[u8]>, message: String| ParseError {
        message,
        position: reader.buffer_position(),
    };
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => return Err(error(&reader, e.to_string())),
        };
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(error(&reader, format!("nesting deeper than {MAX_DEPTH}")));
                }
                let element = open_element(&reader, &start).map_err(|m| error(&reader, m))?;
                stack.push(element);
            }
            Event::Empty(start) => {
                let element = open_element(&reader, &start).map_err(|m| error(&reader, m))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return finish(reader, element),
                }
            }
            Event::End(_) => {
                let element = stack
                    .pop()
                    .ok_or_else(|| error(&reader, "unbalanced end tag".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return finish(reader, element),
                }
            }
            Event::Text(text) => {
                let decoded = text.decode().map_err(|e| error(&reader, e.to_string()))?;
                // XML 1.0 (production [14] CharData): a literal `]]>` may not occur in content.
                if decoded.contains("]]>") {
                    return Err(error(
                        &reader,
                        "`]]>` is not allowed in character data".into(),
                    ));
                }
                match stack.last_mut() {
                    Some(parent) => parent.text.push_str(&decoded),
                    None if decoded.trim().is_empty() => {}
                    None => return Err(error(&reader, "text outside the root element".into())),
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference
                    .resolve_char_ref()
                    .map_err(|e| error(&reader, e.to_string()))?
                {
                    Some(c) => c.to_string(),
                    None => {
                        let name = reference
                            .decode()
                            .map_err(|e| error(&reader, e.to_string()))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| error(&reader, format!("unknown entity &{name};")))?
                            .to_string()
                    }
                };
                if let Some(parent) = stack.last_mut() {
                    parent.text.push_str(&resolved);
                }
            }
            Event::CData(data) => {
                let decoded = data.decode().map_err(|e| error(&reader, e.to_string()))?;
                if let Some(parent) = stack.last_mut() {
                    parent.text.push_str(&decoded);
                }
            }
            Event::DocType(_) => return Err(error(&reader, "DOCTYPE is not allowed".into())),
            Event::Eof => {
                return Err(error(
                    &reader,
                    "document ended before the root element closed".into(),
                ))
            }
            _ => {}
        }
    }
}

/// Reads the rest of the document after the root element closed: only whitespace,
/// comments and processing instructions may follow (a second element or text is not
/// well-formed).
fn finish(mut reader: NsReader<&[u8]>, root: Element) -> Result<Element, ParseError> {
    loop {
        let position = reader.buffer_position();
        let error = |message: String| ParseError { message, position };
        match reader.read_event() {
            Ok(Event::Eof) => return Ok(root),
            Ok(Event::Comment(_) | Event::PI(_)) => {}
            Ok(Event::Text(text))
                if text
                    .iter()
                    .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) => {}
            Ok(_) => return Err(error("content after the root element".into())),
            Err(e) => return Err(error(e.to_string())),
        }
    }
}

fn open_element(
    reader: &NsReader<&[u8]>,
    start: &quick_xml::events::BytesStart<'_>,
) -> Result<Element, String> {
    let (resolved, _) = reader.resolver().resolve_element(start.name());
    let namespace = match resolved {
        ResolveResult::Bound(ns) => Some(String::from_utf8_lossy(ns.as_ref()).into_owned()),
        ResolveResult::Unbound => None,
        ResolveResult::Unknown(prefix) => {
            return Err(format!(
                "unbound prefix `{}`",
                String::from_utf8_lossy(&prefix)
            ))
        }
    };
    let mut element = Element {
        namespace,
        name: String::from_utf8_lossy(start.local_name().as_ref()).into_owned(),
        ..Element::default()
    };
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| e.to_string())?;
        let key = attribute.key.as_ref();
        if key == b"xmlns" || key.starts_with(b"xmlns:") {
            continue;
        }
        let (ns, local) = reader.resolver().resolve_attribute(attribute.key);
        let ns = match ns {
            ResolveResult::Bound(ns) => Some(String::from_utf8_lossy(ns.as_ref()).into_owned()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(prefix) => {
                return Err(format!(
                    "unbound prefix `{}`",
                    String::from_utf8_lossy(&prefix)
                ))
            }
        };
        let local = String::from_utf8_lossy(local.as_ref()).into_owned();
        let value = attribute
            .decode_and_unescape_value(reader.decoder())
            .map_err(|e| e.to_string())?
            .into_owned();
        if ns.as_deref() == Some(XSI) && local == "nil" {
            element.nil = matches!(value.trim(), "true" | "1");
        } else if ns.as_deref() == Some(XSI) && local == "type" {
            let (prefix, type_local) = match value.trim().split_once(':') {
                Some((prefix, local)) => (Some(prefix.to_string()), local.to_string()),
                None => (None, value.trim().to_string()),
            };
            let (type_ns, _) = reader.resolver().resolve_element(quick_xml::name::QName(
                prefix
                    .as_ref()
                    .map(|p| format!("{p}:x"))
                    .unwrap_or_else(|| "x".into())
                    .as_bytes(),
            ));
            let type_ns = match type_ns {
                ResolveResult::Bound(ns) => Some(String::from_utf8_lossy(ns.as_ref()).into_owned()),
                ResolveResult::Unbound => None,
                ResolveResult::Unknown(prefix) => {
                    return Err(format!(
                        "xsi:type uses unbound prefix `{}`",
                        String::from_utf8_lossy(&prefix)
                    ))
                }
            };
            element.xsi_type = Some((type_ns, type_local));
        } else {
            element.attributes.push((ns, local, value));
        }
    }
    Ok(element)
}

/// Escapes text for element content.
pub fn escape(text: &str) -> String {
    let escaped = quick_xml::escape::escape(text).into_owned();
    escaped.replace('\r', "&#13;")
}
