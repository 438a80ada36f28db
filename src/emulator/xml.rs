//! The emulator's own XML reading and writing.
//!
//! The emulator deliberately does not use the generated types the client uses: a request
//! is read into a small namespace-aware tree and checked against the rules here, so that a
//! bug in the generated code cannot be hidden by the same bug on the server side.

use std::collections::HashMap;
use std::sync::Arc;

use compact_str::CompactString;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use super::chars::{describe_char, forbidden_byte, forbidden_char, is_xml_char};

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
/// Most attributes (namespace declarations included) on one element. The documented
/// messages carry at most a few; a limit keeps every per-attribute check cheap.
pub const MAX_ATTRIBUTES: usize = 64;
/// Most namespace declarations in scope at once (every element name is resolved against
/// them).
pub const MAX_NAMESPACES_IN_SCOPE: usize = 128;
/// The tree a document becomes may take at most this many times the document's size (plus
/// [`MEMORY_FLOOR`]), counted as allocated: the lists of children and the texts by their
/// capacity, names, attributes and namespaces by their size.
pub const MEMORY_FACTOR: usize = 8;
/// Memory any document may use for its tree, whatever its size.
pub const MEMORY_FLOOR: usize = 64 * 1024;

/// A namespace URI, shared by every element in it.
pub type Namespace = Arc<str>;

/// An element: namespace, local name, `xsi:nil`, `xsi:type` (resolved), text and children.
///
/// Kept small (names and short texts inline, namespaces shared), because a request becomes
/// one of these per element.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Namespace URI, if any.
    pub namespace: Option<Namespace>,
    /// Local name.
    pub name: CompactString,
    /// `xsi:nil="true"` (or `1`).
    pub nil: bool,
    /// `xsi:type` as (namespace, local name).
    pub xsi_type: Option<Box<(Option<Namespace>, CompactString)>>,
    /// Other attributes.
    pub attributes: Box<[Attribute]>,
    /// Concatenated character data.
    pub text: CompactString,
    /// Child elements in document order.
    pub children: Box<[Element]>,
}

/// An attribute other than `xsi:nil`, `xsi:type` and namespace declarations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attribute {
    /// Namespace URI, if any.
    pub namespace: Option<Namespace>,
    /// Local name.
    pub name: CompactString,
    /// Value, unescaped.
    pub value: CompactString,
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

    /// The value of the attribute `{namespace}name`.
    pub fn attribute(&self, namespace: Option<&str>, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.namespace.as_deref() == namespace && a.name == name)
            .map(|a| a.value.as_str())
    }

    /// Whether the text holds anything but XML white space.
    pub fn has_text(&self) -> bool {
        !self
            .text
            .trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
            .is_empty()
    }
}

/// What kind of refusal a [`ParseError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The document is not well-formed XML 1.0 (or not UTF-8, or has a DTD).
    Malformed,
    /// The document is well-formed as far as read, but exceeds one of the reader's limits
    /// (depth, attributes, namespace declarations, memory).
    Limit,
}

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong.
    pub message: String,
    /// Byte offset.
    pub position: u64,
    /// Malformed, or over a limit.
    pub kind: ParseErrorKind,
}

fn too_large() -> String {
    format!(
        "the request is too large to read: its elements would take more than {MEMORY_FACTOR} \
         times its size in memory"
    )
}

/// An element being read: the element and the children read so far.
struct Open {
    element: Element,
    children: Vec<Element>,
    /// Namespace declarations it makes.
    namespaces: usize,
}

/// The reader's state besides quick-xml's: open elements, limits, shared namespace URIs.
struct Builder {
    stack: Vec<Open>,
    namespaces_in_scope: usize,
    budget: usize,
    interned: HashMap<Box<[u8]>, Namespace>,
}

impl Builder {
    fn charge(&mut self, bytes: usize) -> Result<(), String> {
        self.budget = self.budget.checked_sub(bytes).ok_or_else(too_large)?;
        Ok(())
    }

    /// Adds a finished element to its parent's children, charging the memory their list
    /// grows by (its capacity, as allocated); `Some(element)` back when it is the root.
    fn push_child(&mut self, element: Element) -> Result<Option<Element>, String> {
        let Some(parent) = self.stack.last_mut() else {
            return Ok(Some(element));
        };
        let children = &mut parent.children;
        if children.len() == children.capacity() {
            let grown = (children.capacity() * 2).max(4);
            let bytes = (grown - children.capacity()) * std::mem::size_of::<Element>();
            self.budget = self.budget.checked_sub(bytes).ok_or_else(too_large)?;
            children.reserve_exact(grown - children.len());
        }
        children.push(element);
        Ok(None)
    }

    /// Appends character data to the open element, charging the memory its text grows by.
    fn push_text(&mut self, text: &str) -> Result<(), String> {
        let Some(parent) = self.stack.last_mut() else {
            return Ok(());
        };
        let current = &mut parent.element.text;
        let needed = current.len() + text.len();
        if needed > current.capacity() {
            let grown = needed.max(current.capacity() * 2);
            let bytes = grown - current.capacity();
            self.budget = self.budget.checked_sub(bytes).ok_or_else(too_large)?;
            current.reserve(grown - current.len());
        }
        current.push_str(text);
        Ok(())
    }

    fn intern(&mut self, uri: &[u8]) -> Result<Namespace, String> {
        if let Some(namespace) = self.interned.get(uri) {
            return Ok(Arc::clone(namespace));
        }
        let text = std::str::from_utf8(uri).map_err(|e| e.to_string())?;
        self.charge(uri.len() * 2 + 64)?;
        let namespace: Namespace = Arc::from(text);
        self.interned.insert(uri.into(), Arc::clone(&namespace));
        Ok(namespace)
    }
}

/// Parses a whole document strictly: well-formed, UTF-8, only characters XML 1.0 allows
/// (raw or referenced), no DTD, every prefix bound; refuses documents over the limits
/// (depth, attributes per element, namespace declarations in scope, memory a small multiple
/// of the document's size), each in time linear in the document's size.
pub fn parse(bytes: &[u8]) -> Result<Element, ParseError> {
    if let Err(error) = std::str::from_utf8(bytes) {
        return Err(ParseError {
            message: format!("invalid UTF-8 at byte {}", error.valid_up_to()),
            position: error.valid_up_to() as u64,
            kind: ParseErrorKind::Malformed,
        });
    }
    let mut reader = NsReader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut builder = Builder {
        stack: Vec::new(),
        namespaces_in_scope: 0,
        budget: bytes
            .len()
            .saturating_mul(MEMORY_FACTOR)
            .saturating_add(MEMORY_FLOOR),
        interned: HashMap::new(),
    };
    loop {
        let before = reader.buffer_position();
        let malformed = |reader: &NsReader<&[u8]>, message: String| ParseError {
            message,
            position: reader.buffer_position(),
            kind: ParseErrorKind::Malformed,
        };
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => return Err(malformed(&reader, e.to_string())),
        };
        // Characters XML 1.0 forbids, anywhere in the markup or the text: the raw bytes of
        // every event are checked (references are checked once resolved, below).
        let (raw, offset): (&[u8], u64) = match &event {
            Event::Start(e) | Event::Empty(e) => (&e[..], 1),
            Event::End(e) => (&e[..], 2),
            Event::Text(e) => (&e[..], 0),
            Event::CData(e) => (&e[..], 9),
            Event::Comment(e) => (&e[..], 4),
            Event::PI(e) => (&e[..], 2),
            Event::Decl(e) => (&e[..], 2),
            _ => (&[], 0),
        };
        if let Some((at, c)) = forbidden_byte(raw) {
            let within = match builder.stack.last() {
                Some(open) => format!(" (in element `{}`)", open.element.name),
                None => String::new(),
            };
            let within = match &event {
                Event::Start(e) | Event::Empty(e) => format!(
                    " (in the tag of element `{}`)",
                    String::from_utf8_lossy(e.local_name().as_ref())
                ),
                _ => within,
            };
            return Err(ParseError {
                message: format!(
                    "character {} is not allowed in XML 1.0{within}",
                    describe_char(c)
                ),
                position: before + offset + at as u64,
                kind: ParseErrorKind::Malformed,
            });
        }
        // A tag refused as a whole is reported at its start.
        let at_tag = |(message, kind)| ParseError {
            message,
            position: before,
            kind,
        };
        match event {
            Event::Start(start) => {
                if builder.stack.len() >= MAX_DEPTH {
                    return Err(ParseError {
                        message: format!("nesting deeper than {MAX_DEPTH}"),
                        position: reader.buffer_position(),
                        kind: ParseErrorKind::Limit,
                    });
                }
                let (element, namespaces) =
                    open_element(&reader, &start, &mut builder).map_err(at_tag)?;
                builder.namespaces_in_scope += namespaces;
                builder.stack.push(Open {
                    element,
                    children: Vec::new(),
                    namespaces,
                });
            }
            Event::Empty(start) => {
                let (element, _) = open_element(&reader, &start, &mut builder).map_err(at_tag)?;
                if let Some(root) = builder.push_child(element).map_err(|m| limit(&reader, m))? {
                    return finish(reader, root);
                }
            }
            Event::End(_) => {
                let Some(open) = builder.stack.pop() else {
                    return Err(malformed(&reader, "unbalanced end tag".into()));
                };
                builder.namespaces_in_scope -= open.namespaces;
                let mut element = open.element;
                element.children = open.children.into_boxed_slice();
                if let Some(root) = builder.push_child(element).map_err(|m| limit(&reader, m))? {
                    return finish(reader, root);
                }
            }
            Event::Text(text) => {
                let decoded = text
                    .decode()
                    .map_err(|e| malformed(&reader, e.to_string()))?;
                // XML 1.0 (production [14] CharData): a literal `]]>` may not occur in content.
                if decoded.contains("]]>") {
                    return Err(malformed(
                        &reader,
                        "`]]>` is not allowed in character data".into(),
                    ));
                }
                if builder.stack.is_empty() {
                    if decoded.trim().is_empty() {
                        continue;
                    }
                    return Err(malformed(&reader, "text outside the root element".into()));
                }
                builder.push_text(&decoded).map_err(|m| limit(&reader, m))?;
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference
                    .resolve_char_ref()
                    .map_err(|e| malformed(&reader, e.to_string()))?
                {
                    Some(c) if !is_xml_char(c) => {
                        let within = builder
                            .stack
                            .last()
                            .map(|open| format!(" (in element `{}`)", open.element.name))
                            .unwrap_or_default();
                        return Err(ParseError {
                            message: format!(
                                "character reference to {} is not allowed in XML 1.0{within}",
                                describe_char(c)
                            ),
                            position: before,
                            kind: ParseErrorKind::Malformed,
                        });
                    }
                    Some(c) => c.to_string(),
                    None => {
                        let name = reference
                            .decode()
                            .map_err(|e| malformed(&reader, e.to_string()))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| malformed(&reader, format!("unknown entity &{name};")))?
                            .to_string()
                    }
                };
                builder
                    .push_text(&resolved)
                    .map_err(|m| limit(&reader, m))?;
            }
            Event::CData(data) => {
                let decoded = data
                    .decode()
                    .map_err(|e| malformed(&reader, e.to_string()))?;
                builder.push_text(&decoded).map_err(|m| limit(&reader, m))?;
            }
            Event::DocType(_) => return Err(malformed(&reader, "DOCTYPE is not allowed".into())),
            Event::Eof => {
                return Err(malformed(
                    &reader,
                    "document ended before the root element closed".into(),
                ))
            }
            _ => {}
        }
    }
}

fn limit(reader: &NsReader<&[u8]>, message: String) -> ParseError {
    ParseError {
        message,
        position: reader.buffer_position(),
        kind: ParseErrorKind::Limit,
    }
}

/// Reads the rest of the document after the root element closed: only whitespace,
/// comments and processing instructions may follow (a second element or text is not
/// well-formed).
fn finish(mut reader: NsReader<&[u8]>, root: Element) -> Result<Element, ParseError> {
    loop {
        let position = reader.buffer_position();
        let error = |message: String| ParseError {
            message,
            position,
            kind: ParseErrorKind::Malformed,
        };
        match reader.read_event() {
            Ok(Event::Eof) => return Ok(root),
            Ok(Event::Comment(comment)) if forbidden_byte(&comment).is_none() => {}
            Ok(Event::PI(instruction)) if forbidden_byte(&instruction).is_none() => {}
            Ok(Event::Text(text))
                if text
                    .iter()
                    .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) => {}
            Ok(_) => return Err(error("content after the root element".into())),
            Err(e) => return Err(error(e.to_string())),
        }
    }
}

type OpenError = (String, ParseErrorKind);

fn resolved(
    builder: &mut Builder,
    result: ResolveResult<'_>,
    what: &str,
) -> Result<Option<Namespace>, OpenError> {
    match result {
        ResolveResult::Bound(ns) => builder
            .intern(ns.as_ref())
            .map(Some)
            .map_err(|m| (m, ParseErrorKind::Limit)),
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(prefix) => Err((
            format!(
                "{what}unbound prefix `{}`",
                String::from_utf8_lossy(&prefix)
            ),
            ParseErrorKind::Malformed,
        )),
    }
}

/// Reads a start tag: (element, namespace declarations it makes).
fn open_element(
    reader: &NsReader<&[u8]>,
    start: &quick_xml::events::BytesStart<'_>,
    builder: &mut Builder,
) -> Result<(Element, usize), OpenError> {
    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
    let malformed = |message: String| (message, ParseErrorKind::Malformed);
    // Count first (each attribute is then handled in constant time against at most
    // MAX_NAMESPACES_IN_SCOPE declarations): no cost quadratic in the attributes.
    let mut count = 0;
    let mut namespaces = 0;
    for attribute in start.attributes().with_checks(false) {
        let attribute = attribute.map_err(|e| malformed(e.to_string()))?;
        count += 1;
        if count > MAX_ATTRIBUTES {
            return Err((
                format!("element `{name}` has more than {MAX_ATTRIBUTES} attributes"),
                ParseErrorKind::Limit,
            ));
        }
        let key = attribute.key.as_ref();
        if key == b"xmlns" || key.starts_with(b"xmlns:") {
            namespaces += 1;
        }
    }
    if builder.namespaces_in_scope + namespaces > MAX_NAMESPACES_IN_SCOPE {
        return Err((
            format!("more than {MAX_NAMESPACES_IN_SCOPE} namespace declarations in scope at element `{name}`"),
            ParseErrorKind::Limit,
        ));
    }
    builder
        .charge(name.len())
        .map_err(|m| (m, ParseErrorKind::Limit))?;
    let (element_ns, _) = reader.resolver().resolve_element(start.name());
    let namespace = resolved(builder, element_ns, "")?;
    let mut element = Element {
        namespace,
        name: CompactString::from(name.as_str()),
        ..Element::default()
    };
    let mut attributes: Vec<Attribute> = Vec::new();
    let mut seen: Vec<&[u8]> = Vec::with_capacity(count);
    for attribute in start.attributes().with_checks(false) {
        let attribute = attribute.map_err(|e| malformed(e.to_string()))?;
        let key: &[u8] = attribute.key.into_inner();
        // Duplicate attributes are not well-formed (at most MAX_ATTRIBUTES to compare).
        if seen.contains(&key) {
            return Err(malformed(format!(
                "element `{name}` repeats the attribute `{}`",
                String::from_utf8_lossy(key)
            )));
        }
        let value = attribute
            .decode_and_unescape_value(reader.decoder())
            .map_err(|e| malformed(e.to_string()))?;
        if let Some((_, c)) = forbidden_char(&value) {
            return Err(malformed(format!(
                "character {} is not allowed in XML 1.0 (attribute `{}` of element `{name}`)",
                describe_char(c),
                String::from_utf8_lossy(key)
            )));
        }
        if key == b"xmlns" || key.starts_with(b"xmlns:") {
            continue;
        }
        builder
            .charge(std::mem::size_of::<Attribute>() + key.len() + value.len())
            .map_err(|m| (m, ParseErrorKind::Limit))?;
        let (ns, local) = reader.resolver().resolve_attribute(attribute.key);
        let ns = resolved(builder, ns, "")?;
        let local = String::from_utf8_lossy(local.as_ref()).into_owned();
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
            let type_ns = resolved(builder, type_ns, "xsi:type uses ")?;
            element.xsi_type = Some(Box::new((type_ns, CompactString::from(type_local))));
        } else {
            attributes.push(Attribute {
                namespace: ns,
                name: CompactString::from(local),
                value: CompactString::from(value.as_ref()),
            });
        }
        seen.push(key);
    }
    element.attributes = attributes.into_boxed_slice();
    Ok((element, namespaces))
}

/// Escapes text for element content.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// The bytes [`escape_into`] replaces, as a table (one lookup per byte of the text).
const ESCAPED: [bool; 256] = {
    let mut table = [false; 256];
    let mut n = 0;
    let special = b"&<>\"'\r";
    while n < special.len() {
        table[special[n] as usize] = true;
        n += 1;
    }
    table
};

/// Appends `text` escaped for element content or an attribute value (`\r` as `&#13;`, so
/// that it survives line-end normalisation).
pub fn escape_into(out: &mut String, text: &str) {
    let mut start = 0;
    for (at, byte) in text.bytes().enumerate() {
        if !ESCAPED[usize::from(byte)] {
            continue;
        }
        // The replaced bytes are ASCII: `at` is a character boundary.
        out.push_str(&text[start..at]);
        out.push_str(match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&apos;",
            _ => "&#13;",
        });
        start = at + 1;
    }
    out.push_str(&text[start..]);
}

#[cfg(test)]
mod tests {
    use super::{parse, Element, ParseErrorKind, MAX_ATTRIBUTES};

    #[test]
    fn escaping_replaces_the_five_markup_characters_and_carriage_returns_only() {
        assert_eq!(
            super::escape("a&b<c>d\"e'f\rg"),
            "a&amp;b&lt;c&gt;d&quot;e&apos;f&#13;g"
        );
        assert_eq!(super::escape("Zoë € 𝄞\n\t"), "Zoë € 𝄞\n\t");
        assert_eq!(super::escape("&"), "&amp;");
        assert_eq!(super::escape(""), "");
        // Every text read back is the text written.
        let text = "<ens:Note>Tom & \"Jerry\"</ens:Note>\r\n";
        let document = format!("<r>{}</r>", super::escape(text));
        assert_eq!(parse(document.as_bytes()).unwrap().text, text);
    }

    #[test]
    fn the_attribute_limit_is_exact_and_a_repeated_attribute_is_malformed() {
        let attributes: String = (0..=MAX_ATTRIBUTES).map(|n| format!(" a{n}=''")).collect();
        let error = parse(format!("<r{attributes}/>").as_bytes()).unwrap_err();
        assert_eq!(error.kind, ParseErrorKind::Limit);
        let attributes: String = (0..MAX_ATTRIBUTES).map(|n| format!(" a{n}=''")).collect();
        assert!(parse(format!("<r{attributes}/>").as_bytes()).is_ok());
        assert_eq!(
            parse(b"<r a='1' b='2' a='3'/>").unwrap_err().kind,
            ParseErrorKind::Malformed
        );
    }

    #[test]
    fn request_memory_is_bounded_to_a_small_multiple_of_the_body() {
        // Elements are small: names and short texts inline, namespaces shared.
        println!("an element takes {} bytes", std::mem::size_of::<Element>());
        // A million empty elements (4 bytes each) would take ~30 times the body: refused.
        let body = format!("<r>{}</r>", "<a/>".repeat(1_000_000));
        let error = parse(body.as_bytes()).unwrap_err();
        assert_eq!(error.kind, ParseErrorKind::Limit, "{error:?}");
        assert!(error.message.contains("too large"), "{}", error.message);
        // Real requests are far within it: 120,000 GroupIds in one record.
        let ids: String = (0..120_000)
            .map(|n| format!("<ens:GroupId>{}</ens:GroupId>", 100_000 + n))
            .collect();
        let body = format!(
            "<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/' \
             xmlns:ens='urn:object.soap.convio.com'><soap:Body><r>{ids}</r></soap:Body></soap:Envelope>"
        );
        let document = parse(body.as_bytes()).expect("a large real request is read");
        assert_eq!(document.children[0].children[0].children.len(), 120_000);
    }
}
