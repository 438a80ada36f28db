//! The streaming reader the generated types decode themselves with.
//!
//! Every generated type walks its children with one function call per element (see
//! [`codec_struct!`](super::codec_struct)), over quick-xml's plain reader. Namespace scopes
//! are kept here, recording for each prefix which known namespace it stands for (and its
//! URI, for content that is kept); text is sliced from the document, checked as UTF-8 once,
//! and references are resolved on the raw names.
//!
//! Content a type does not declare is read into [`Element`] trees and kept (or refused when
//! reading strictly); only what cannot be represented at all (a required element missing, a
//! document that is not well-formed) is an error.

use std::borrow::Cow;
use std::sync::Arc;

use quick_xml::events::attributes::Attributes;
use quick_xml::events::{BytesStart, Event};

use super::element::{Attribute, Content, Element, Name, Unknown};
use super::error::ReadError;
use super::escape::resolve_reference;
use super::names::Ns;
use super::options::{warn_kept, DecodeOptions};
use super::scalar::Scalar;
use crate::Text;

/// Kept trees deeper than this are refused: a hostile document must not exhaust the stack.
const MAX_KEPT_DEPTH: usize = 64;

/// Attributes on one element beyond this are refused: attribute handling stays linear (a
/// hostile server sending 100,000 would otherwise cost quadratic time in the duplicate check).
const MAX_ATTRIBUTES: usize = 256;

/// Namespace declarations in scope beyond this are refused (prefix lookups stay short).
const MAX_BINDINGS: usize = 256;

/// Elements kept as unknown content in one document beyond this are refused, so that a
/// response cannot grow the kept trees past a small multiple of what a page of a site's
/// records needs (200 records with a thousand custom fields each).
const MAX_KEPT_ELEMENTS: usize = 250_000;

/// The namespace declarations in scope, innermost last.
#[derive(Debug, Default)]
struct Scopes<'a> {
    /// (prefix, namespace, URI, depth of the declaring element); the empty prefix is the
    /// default namespace.
    bindings: Vec<(&'a [u8], Ns, &'a [u8], usize)>,
    depth: usize,
    /// The last prefix resolved and what it stands for: the fields of a page share one
    /// prefix, so most names resolve without looking through the bindings. Forgotten when
    /// the bindings change.
    last: std::cell::Cell<Option<Binding<'a>>>,
}

/// A prefix, the namespace it stands for and that namespace's URI.
type Binding<'a> = (&'a [u8], Ns, &'a [u8]);

impl<'a> Scopes<'a> {
    fn enter(&mut self) {
        self.depth += 1;
    }

    /// Brings the `xmlns` declarations among the entered element's attributes into scope.
    fn declare(&mut self, attributes: Attributes<'a>) -> Result<(), &'static str> {
        for (count, attribute) in attributes.enumerate() {
            if count >= MAX_ATTRIBUTES {
                return Err("more than 256 attributes on one element");
            }
            let attribute = attribute.map_err(|_| "malformed attribute")?;
            let key = attribute.key.into_inner();
            let prefix = match key {
                b"xmlns" => &b""[..],
                _ => match key.strip_prefix(b"xmlns:") {
                    Some(prefix) => prefix,
                    None => continue,
                },
            };
            let Cow::Borrowed(uri) = attribute.value else {
                return Err("a namespace URI with references in it");
            };
            let ns = if uri.is_empty() {
                Ns::Other
            } else {
                Ns::classify(uri)
            };
            if self.bindings.len() >= MAX_BINDINGS {
                return Err("more than 256 namespace declarations in scope");
            }
            self.bindings.push((prefix, ns, uri, self.depth));
            self.last.set(None);
        }
        Ok(())
    }

    /// Leaves the innermost element, dropping its declarations.
    fn leave(&mut self) {
        while self
            .bindings
            .last()
            .is_some_and(|(.., depth)| *depth == self.depth)
        {
            self.bindings.pop();
            self.last.set(None);
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// The namespace and URI of a prefix (the empty prefix: the default namespace, none by
    /// default); an undeclared prefix is an error.
    fn resolve(&self, prefix: &[u8]) -> Result<(Ns, &'a [u8]), &'static str> {
        if let Some((last, ns, uri)) = self.last.get() {
            if same_bytes(last, prefix) {
                return Ok((ns, uri));
            }
        }
        match self
            .bindings
            .iter()
            .rev()
            .find(|(bound, ..)| same_bytes(bound, prefix))
        {
            Some(&(bound, ns, uri, _)) => {
                self.last.set(Some((bound, ns, uri)));
                Ok((ns, uri))
            }
            None if prefix.is_empty() || prefix == b"xml" => Ok((Ns::Other, b"")),
            None => Err("an undeclared namespace prefix"),
        }
    }

    /// The namespace, URI and local name of an attribute name: an unprefixed attribute is
    /// in no namespace (the default namespace does not apply to attributes).
    fn split_attribute<'n>(
        &self,
        qualified: &'n [u8],
    ) -> Result<(Ns, &'a [u8], &'n [u8]), &'static str> {
        if qualified.contains(&b':') {
            self.split(qualified)
        } else {
            Ok((Ns::Other, b"", qualified))
        }
    }

    /// The namespace, URI and local name of a qualified name.
    fn split<'n>(&self, qualified: &'n [u8]) -> Result<(Ns, &'a [u8], &'n [u8]), &'static str> {
        // Names are short: a plain loop beats a search routine's setup.
        match qualified.iter().position(|&b| b == b':') {
            Some(colon) => {
                let (ns, uri) = self.resolve(&qualified[..colon])?;
                Ok((ns, uri, &qualified[colon + 1..]))
            }
            None => {
                let (ns, uri) = self.resolve(b"")?;
                Ok((ns, uri, qualified))
            }
        }
    }
}

/// A start tag and what the reader needs to know about it, as slices of the document.
#[derive(Debug)]
pub(crate) struct Child<'a> {
    /// The qualified name.
    name: &'a [u8],
    /// The local name.
    local: &'a [u8],
    /// The whole start tag between `<` and `>` (for attributes that are kept).
    tag: &'a [u8],
    empty: bool,
    ns: Ns,
    uri: &'a [u8],
    nil: bool,
    /// Whether there are attributes besides namespace declarations, `xsi:nil` and `xsi:type`.
    other_attributes: bool,
    /// `xsi:type`: its namespace and local name.
    xsi_type: Option<(Ns, &'a [u8])>,
    /// The raw text of an element read whole by [`Reader::quick_step`] (which then
    /// counts as `empty`: nothing of it is left to read).
    whole_text: Option<&'a str>,
}

impl<'a> Child<'a> {
    /// A slot for [`Reader::next_child_into`] to fill.
    pub(crate) fn placeholder() -> Self {
        Child {
            name: b"",
            local: b"",
            tag: b"",
            empty: true,
            ns: Ns::Other,
            uri: b"",
            nil: false,
            other_attributes: false,
            xsi_type: None,
            whole_text: None,
        }
    }

    /// The local name.
    pub(crate) fn local(&self) -> &'a [u8] {
        self.local
    }

    /// The local name as text (names are UTF-8: they are slices of a checked document).
    pub(crate) fn local_str(&self) -> &'a str {
        std::str::from_utf8(self.local).unwrap_or("?")
    }

    /// The namespace.
    pub(crate) fn ns(&self) -> Ns {
        self.ns
    }

    /// Whether the element carries `xsi:nil="true"`.
    pub(crate) fn is_nil(&self) -> bool {
        self.nil
    }

    /// The `xsi:type`, if any: its namespace and local name.
    pub(crate) fn xsi_type(&self) -> Option<(Ns, &'a [u8])> {
        self.xsi_type
    }

    /// Whether the element has attributes a type would have to keep.
    pub(crate) fn has_other_attributes(&self) -> bool {
        self.other_attributes
    }
}

/// The value of a simple element, as a typed field receives it.
pub(crate) enum Simple<T> {
    /// The element's value.
    Value(T),
    /// `xsi:nil="true"` (only where the field is nillable).
    Nil,
    /// The element cannot be this field's value; here it is as content to keep, with why.
    Kept(Element, Cow<'static, str>),
}

/// The reader over one document.
pub(crate) struct Reader<'a> {
    reader: quick_xml::Reader<&'a [u8]>,
    /// The document, checked as UTF-8 once so that text is sliced from it, not re-checked.
    document: &'a str,
    scopes: Scopes<'a>,
    /// An empty element was entered: its declarations leave scope at the next read (so that
    /// they are still in scope while it is being kept).
    pending_leave: bool,
    options: DecodeOptions,
    /// The type of the record being read, for warnings (empty outside records).
    record_type: &'a [u8],
    /// Namespace URIs shared by the names of kept elements.
    namespaces: Vec<(&'a [u8], Arc<str>)>,
    /// Elements kept as unknown content so far.
    kept_elements: usize,
    /// While an element read whole is the current one, the position the XML reader would
    /// be at (just past its start tag), so that errors name the same place either way.
    held_position: Option<u64>,
}

impl<'a> Reader<'a> {
    /// A reader over a document that passed [`checked_document`](super::escape::checked_document).
    pub(crate) fn new(document: &'a str, options: DecodeOptions) -> Self {
        let mut reader = quick_xml::Reader::from_str(document);
        // End tags are checked here, against the element each one closes (`closes`): the
        // quick path reads tags past the XML reader, whose own list of open elements is then
        // not the document's.
        reader.config_mut().check_end_names = false;
        reader.config_mut().allow_unmatched_ends = true;
        Reader {
            reader,
            document,
            scopes: Scopes::default(),
            pending_leave: false,
            options,
            record_type: b"",
            namespaces: Vec::new(),
            kept_elements: 0,
            held_position: None,
        }
    }

    /// Whether unknown content is refused.
    pub(crate) fn is_strict(&self) -> bool {
        self.options.is_strict()
    }

    fn position(&self) -> Option<u64> {
        // What the XML reader has consumed of the document (it is also advanced past the
        // elements `quick_step` reads, which its own count does not see).
        self.held_position.or(Some(
            (self.document.len() - self.reader.get_ref().len()) as u64,
        ))
    }

    /// An error at the current position.
    pub(crate) fn error(&self, message: impl Into<Cow<'static, str>>) -> ReadError {
        ReadError::at(message, self.position())
    }

    /// The next event, with an empty element's declarations out of scope first.
    #[inline(always)]
    fn read(&mut self) -> Result<Event<'a>, ReadError> {
        self.held_position = None;
        if self.pending_leave {
            self.pending_leave = false;
            self.scopes.leave();
        }
        match self.reader.read_event() {
            Ok(event) => Ok(event),
            Err(error) => Err(self.malformed(&error)),
        }
    }

    #[cold]
    #[inline(never)]
    fn malformed(&self, error: &quick_xml::Error) -> ReadError {
        ReadError::at(format!("not well-formed: {error}"), self.position())
    }

    /// The next event that is not whitespace, a comment or a processing instruction.
    #[inline]
    fn next_event(&mut self) -> Result<Event<'a>, ReadError> {
        loop {
            match self.read()? {
                Event::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {}
                Event::Comment(_) | Event::PI(_) => {}
                event => return Ok(event),
            }
        }
    }

    /// The document's root element (after the declaration, comments and whitespace).
    pub(crate) fn root(&mut self) -> Result<Child<'a>, ReadError> {
        loop {
            match self.next_event()? {
                Event::Start(start) => return self.child(&start, false),
                Event::Empty(start) => return self.child(&start, true),
                Event::Decl(_) => {}
                Event::Eof => return Err(self.error("the document has no root element")),
                _ => return Err(self.error("content before the root element")),
            }
        }
    }

    /// After the root element: nothing but comments, processing instructions and whitespace.
    pub(crate) fn end(&mut self) -> Result<(), ReadError> {
        match self.next_event()? {
            Event::Eof => Ok(()),
            _ => Err(self.error("content after the root element")),
        }
    }

    fn child(&mut self, start: &BytesStart<'_>, empty: bool) -> Result<Child<'a>, ReadError> {
        let mut child = Child::placeholder();
        self.fill(start, empty, &mut child)?;
        Ok(child)
    }

    /// Enters a start tag, writing what the reader needs of it into `slot`.
    fn fill(
        &mut self,
        start: &BytesStart<'_>,
        empty: bool,
        slot: &mut Child<'a>,
    ) -> Result<(), ReadError> {
        // The tag as a slice of the document, so that what is kept of it lives as long.
        let tag = self.document_bytes(start)?;
        let name = tag
            .get(..start.name().into_inner().len())
            .ok_or_else(|| self.error("a start tag outside the document"))?;
        slot.name = name;
        slot.tag = tag;
        slot.empty = empty;
        slot.nil = false;
        slot.other_attributes = false;
        slot.xsi_type = None;
        slot.whole_text = None;
        self.scopes.enter();
        if start.attributes_raw().is_empty() {
            // Nearly every element of a page: no declarations, nothing to look at but the name.
            (slot.ns, slot.uri, slot.local) = self.scopes.split(name).map_err(|e| self.error(e))?;
        } else {
            self.read_attributes(tag, slot)?;
        }
        if empty {
            self.pending_leave = true;
        }
        Ok(())
    }

    /// The part of [`fill`](Self::fill) for a start tag with attributes: its declarations
    /// come into scope, then `xsi:nil` and `xsi:type` are read.
    #[inline(never)]
    fn read_attributes(&mut self, tag: &'a [u8], slot: &mut Child<'a>) -> Result<(), ReadError> {
        let tag = self.document_text(tag)?;
        // Attributes borrowed from the document itself, so that prefixes can be kept.
        let attributes = Attributes::new(tag, slot.name.len());
        self.scopes
            .declare(attributes.clone())
            .map_err(|e| self.error(e))?;
        (slot.ns, slot.uri, slot.local) =
            self.scopes.split(slot.name).map_err(|e| self.error(e))?;
        for attribute in attributes {
            let attribute = attribute.map_err(|_| self.error("malformed attribute"))?;
            let key = attribute.key.into_inner();
            if key == b"xmlns" || key.starts_with(b"xmlns:") {
                continue;
            }
            let (attribute_ns, _, local) = self
                .scopes
                .split_attribute(key)
                .map_err(|e| self.error(e))?;
            match (attribute_ns, local) {
                (Ns::Instance, b"nil") => {
                    slot.nil = matches!(attribute.value.as_ref().trim_ascii(), b"true" | b"1")
                }
                (Ns::Instance, b"type") => {
                    slot.xsi_type = match attribute.value {
                        Cow::Borrowed(value) => {
                            let (ns, _, local) = self
                                .scopes
                                .split(value.trim_ascii())
                                .map_err(|e| self.error(e))?;
                            Some((ns, local))
                        }
                        Cow::Owned(_) => return Err(self.error("an xsi:type with references")),
                    };
                }
                _ => slot.other_attributes = true,
            }
        }
        Ok(())
    }

    /// Where `bytes` (borrowed from the document by the XML reader) lie in the document.
    fn document_range(&self, bytes: &[u8]) -> Result<std::ops::Range<usize>, ReadError> {
        let start = (bytes.as_ptr() as usize)
            .checked_sub(self.document.as_ptr() as usize)
            .ok_or_else(|| self.error("text outside the document"))?;
        Ok(start..start + bytes.len())
    }

    /// `bytes` as a slice of the document that lives as long as it.
    fn document_bytes(&self, bytes: &[u8]) -> Result<&'a [u8], ReadError> {
        let range = self.document_range(bytes)?;
        self.document
            .as_bytes()
            .get(range)
            .ok_or_else(|| self.error("text outside the document"))
    }

    /// `bytes` as the document's text.
    fn document_text(&self, bytes: &[u8]) -> Result<&'a str, ReadError> {
        let range = self.document_range(bytes)?;
        // `get` refuses ranges outside the document or off a character boundary.
        self.document
            .get(range)
            .ok_or_else(|| self.error("text off a character boundary"))
    }

    /// Reads the next child element of `parent` into `slot` (`false` at the parent's end
    /// tag). Filling one slot in place spares copying a child out of every call.
    pub(crate) fn next_child_into(
        &mut self,
        parent: &Child<'_>,
        slot: &mut Child<'a>,
    ) -> Result<bool, ReadError> {
        if parent.empty {
            self.held_position = None;
            if let Some(text) = parent.whole_text {
                if !text.bytes().all(|b| b.is_ascii_whitespace()) {
                    // Where the XML reader would stop: past the text and the `<` after it.
                    let after = text.as_ptr() as usize - self.document.as_ptr() as usize;
                    self.held_position = Some((after + text.len() + 1) as u64);
                    return Err(self.error("text where elements are expected"));
                }
            }
            return Ok(false);
        }
        if self.options.reads_whole_elements() {
            if let Some(child) = self.quick_step(parent, slot) {
                return Ok(child);
            }
        }
        match self.next_event()? {
            Event::Start(start) => self.fill(&start, false, slot).map(|()| true),
            Event::Empty(start) => self.fill(&start, true, slot).map(|()| true),
            Event::End(end) => {
                self.closes(parent.name, end.name().into_inner())?;
                self.scopes.leave();
                Ok(false)
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                Err(self.error("text where elements are expected"))
            }
            Event::Eof => Err(self.error("the document ends inside an element")),
            _ => Err(self.error("unexpected markup")),
        }
    }

    /// The quick path: reads what comes next in `parent` past the XML reader when it has
    /// one of the shapes nearly every tag of a page has, and says what it read (`true`: a
    /// child, in `slot`; `false`: the parent's end tag). The shapes: a child read whole,
    /// `<name>text</name>` without attributes or references, or `<name/>`; the start tag of
    /// any other child without attributes, `<name>`; the parent's end tag, `</parent>`.
    /// Anything else (attributes, a name outside ASCII, an end tag spelled otherwise) is left
    /// to the XML reader: `None`, nothing consumed.
    ///
    /// The XML reader is between events here (after a start or end tag, looking for text),
    /// and is left there. End tags are checked by this reader (`closes`) either way, so the
    /// XML reader's own list of open elements does not matter.
    #[inline]
    fn quick_step(&mut self, parent: &Child<'_>, slot: &mut Child<'a>) -> Option<bool> {
        self.held_position = None;
        if self.pending_leave {
            self.pending_leave = false;
            self.scopes.leave();
        }
        let rest: &'a [u8] = self.reader.get_ref();
        let step = next_step(rest, parent.name)?;
        let offset = self.document.len() - rest.len();
        let (name, end) = match step {
            Step::ParentEnd { end } => {
                self.scopes.leave();
                *self.reader.get_mut() = &rest[end..];
                return Some(false);
            }
            Step::Element { ref name, end, .. } | Step::Start { ref name, end } => {
                (&rest[name.clone()], end)
            }
        };
        let (ns, uri, local) = self.scopes.split(name).ok()?;
        let (empty, whole_text) = match &step {
            Step::Element {
                text: Some(text), ..
            } => (
                true,
                Some(self.document.get(offset + text.start..offset + text.end)?),
            ),
            Step::Element { text: None, .. } => (true, None),
            _ => (false, None),
        };
        *slot = Child {
            name,
            local,
            tag: name,
            empty,
            ns,
            uri,
            nil: false,
            other_attributes: false,
            xsi_type: None,
            whole_text,
        };
        self.scopes.enter();
        if empty {
            self.pending_leave = true;
        }
        if let Step::Element {
            name,
            text: Some(_),
            ..
        } = &step
        {
            self.held_position = Some((offset + name.end + 1) as u64);
        }
        *self.reader.get_mut() = &rest[end..];
        Some(true)
    }

    /// The next child element of `parent`, or `None` at its end tag.
    pub(crate) fn next_child(
        &mut self,
        parent: &Child<'_>,
    ) -> Result<Option<Child<'a>>, ReadError> {
        let mut child = Child::placeholder();
        Ok(self.next_child_into(parent, &mut child)?.then_some(child))
    }

    /// The text content of a simple element, references resolved and trimmed: borrowed from
    /// the document when it has no references, else copied once into an owned string. An
    /// element with child elements gives them instead (as trees, for keeping).
    fn text(
        &mut self,
        element: &Child<'a>,
        depth: usize,
    ) -> Result<Result<Cow<'a, str>, Vec<Element>>, ReadError> {
        if element.empty {
            self.held_position = None;
            return Ok(Ok(trimmed(Cow::Borrowed(element.whole_text.unwrap_or("")))));
        }
        let mut text: Cow<'a, str> = Cow::Borrowed("");
        loop {
            match self.read()? {
                Event::Text(chunk) => {
                    let chunk = self.document_text(&chunk)?;
                    if text.is_empty() {
                        text = Cow::Borrowed(chunk);
                    } else {
                        owned(&mut text).push_str(chunk);
                    }
                }
                Event::GeneralRef(reference) => {
                    let resolved = resolve_reference(&reference)
                        .ok_or_else(|| self.error("an unknown entity reference"))?;
                    owned(&mut text).push(resolved);
                }
                Event::CData(data) => {
                    owned(&mut text).push_str(self.document_text(&data)?);
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::End(end) => {
                    self.closes(element.name, end.name().into_inner())?;
                    break;
                }
                Event::Start(start) => {
                    let first = self.child(&start, false)?;
                    return self.rest_of_children(element, first, depth + 1).map(Err);
                }
                Event::Empty(start) => {
                    let first = self.child(&start, true)?;
                    return self.rest_of_children(element, first, depth + 1).map(Err);
                }
                Event::Eof => return Err(self.error("the document ends inside an element")),
                _ => return Err(self.error("unexpected markup in text")),
            }
        }
        self.scopes.leave();
        Ok(Ok(trimmed(text)))
    }

    /// Reads past the end of `element`, checking that every element inside is closed by its
    /// own end tag.
    pub(crate) fn skip(&mut self, element: &Child<'_>) -> Result<(), ReadError> {
        if element.empty {
            self.held_position = None;
            return Ok(());
        }
        // The names of the elements open inside `element`, as places in the document.
        let mut open: Vec<std::ops::Range<usize>> = Vec::new();
        loop {
            match self.read()? {
                Event::Start(start) => open.push(self.document_range(start.name().into_inner())?),
                Event::End(end) => {
                    let found = end.name().into_inner();
                    match open.pop() {
                        Some(name) => {
                            let document = self.document.as_bytes();
                            self.closes(&document[name], found)?;
                        }
                        None => {
                            self.closes(element.name, found)?;
                            break;
                        }
                    }
                }
                Event::Eof => return Err(self.error("the document ends inside an element")),
                _ => {}
            }
        }
        self.scopes.leave();
        Ok(())
    }

    /// Checks that the end tag named `found` closes the element named `expected`: a
    /// mismatch is the XML reader's own error.
    fn closes(&self, expected: &[u8], found: &[u8]) -> Result<(), ReadError> {
        if same_bytes(expected, found) {
            return Ok(());
        }
        let error =
            quick_xml::Error::IllFormed(quick_xml::errors::IllFormedError::MismatchedEndTag {
                expected: self.str_of(expected).to_string(),
                found: String::from_utf8_lossy(found).into_owned(),
            });
        Err(self.malformed(&error))
    }

    /// A simple element for a typed field.
    pub(crate) fn simple<T: Scalar>(
        &mut self,
        element: &Child<'a>,
        nillable: bool,
    ) -> Result<Simple<T>, ReadError> {
        if let Some(text) = element.whole_text {
            // Read whole by the quick path: no attributes, no references, nothing left to read.
            self.held_position = None;
            return Ok(match T::from_text(Cow::Borrowed(text.trim_ascii())) {
                Ok(value) => Simple::Value(value),
                Err(text) => Simple::Kept(
                    Element::from_parts(
                        self.name_of(element),
                        Vec::new(),
                        Content::Text(Text::from(text.as_ref())),
                    ),
                    format!("not {}", T::KIND).into(),
                ),
            });
        }
        if element.nil {
            if nillable {
                self.skip(element)?;
                return Ok(Simple::Nil);
            }
            let kept = self.keep_tree(element, 0)?;
            return Ok(Simple::Kept(kept, "nil where no nil is allowed".into()));
        }
        // Read before the text: the element's own declarations leave scope with its end tag.
        let attributes = if element.other_attributes {
            self.kept_attributes(element)?
        } else {
            Vec::new()
        };
        match self.text(element, 0)? {
            Ok(text) => match T::from_text(text) {
                Ok(value) => Ok(Simple::Value(value)),
                Err(text) => Ok(Simple::Kept(
                    Element::from_parts(
                        self.name_of(element),
                        attributes,
                        Content::Text(Text::from(text.as_ref())),
                    ),
                    format!("not {}", T::KIND).into(),
                )),
            },
            Err(children) => Ok(Simple::Kept(
                Element::from_parts(
                    self.name_of(element),
                    attributes,
                    Content::Elements(children),
                ),
                "child elements where a simple value is expected".into(),
            )),
        }
    }

    /// Keeps `element`, which its parent type (`parent`, an XML type name) does not declare,
    /// at `position` among the parent's declared fields; refuses it when reading strictly.
    pub(crate) fn keep_child(
        &mut self,
        element: &Child<'a>,
        why: &'static str,
        parent: &'static str,
        position: usize,
        unknown: &mut Unknown,
    ) -> Result<(), ReadError> {
        if self.is_strict() {
            return Err(self.refusal(element.local_str(), why, parent));
        }
        let kept = self.keep_tree(element, 0)?;
        self.kept(kept, why.into(), parent, position, unknown)
    }

    /// Keeps an element a typed field could not take (see [`Simple::Kept`]).
    pub(crate) fn kept(
        &mut self,
        element: Element,
        why: Cow<'static, str>,
        parent: &'static str,
        position: usize,
        unknown: &mut Unknown,
    ) -> Result<(), ReadError> {
        if self.is_strict() {
            return Err(self.refusal(element.name().local(), &why, parent));
        }
        warn_kept(self.record_type, &[parent, element.name().local()], || {
            format!("element `{}` ({why})", element.name().local())
        });
        unknown.insert_at(position, element);
        Ok(())
    }

    fn refusal(&self, local: &str, why: &str, parent: &str) -> ReadError {
        let suffix = if why.ends_with("(strict reading)") {
            ""
        } else {
            " (strict reading)"
        };
        self.error(format!("`{local}` in {parent}: {why}{suffix}"))
            .within(local, None)
    }

    /// A declared element in another namespace than declared: refused when strict, read as
    /// the declared field otherwise (and logged once), so that a server that qualifies its
    /// fields differently still fills them.
    pub(crate) fn misplaced_namespace(
        &mut self,
        element: &Child<'a>,
        parent: &'static str,
    ) -> Result<(), ReadError> {
        let namespace = match self.str_of(element.uri) {
            "" => "no namespace".to_string(),
            uri => format!("namespace {uri}"),
        };
        if self.is_strict() {
            return Err(self.refusal(
                element.local_str(),
                &format!("in {namespace}, not the schema's (strict reading)"),
                parent,
            ));
        }
        warn_kept(
            self.record_type,
            &[parent, element.local_str(), "@ns"],
            || {
                format!(
                    "element `{}` in {namespace} read as the schema's",
                    element.local_str()
                )
            },
        );
        Ok(())
    }

    /// Keeps the attributes of `element` that its type does not declare (all but namespace
    /// declarations, `xsi:nil` and `xsi:type`).
    pub(crate) fn keep_attributes(
        &mut self,
        element: &Child<'a>,
        parent: &'static str,
        unknown: &mut Unknown,
    ) -> Result<(), ReadError> {
        let attributes = self.kept_attributes(element)?;
        for attribute in attributes {
            let local = attribute.name().local().to_string();
            if self.is_strict() {
                return Err(self.error(format!(
                    "attribute `{local}` on {parent}: not declared (strict reading)"
                )));
            }
            warn_kept(self.record_type, &[parent, "@", &local], || {
                format!("attribute `{local}` not in the schema")
            });
            unknown.push_attribute(attribute);
        }
        Ok(())
    }

    /// The attributes of `element` other than namespace declarations and `xsi:nil`;
    /// `xsi:type` is included only when `with_type`.
    fn attributes_of(
        &mut self,
        element: &Child<'a>,
        with_type: bool,
    ) -> Result<Vec<Attribute>, ReadError> {
        let mut kept = Vec::new();
        if !element.other_attributes && (!with_type || element.xsi_type.is_none()) {
            return Ok(kept);
        }
        let tag = self.document_text(element.tag)?;
        for attribute in Attributes::new(tag, element.name.len()) {
            let attribute = attribute.map_err(|_| self.error("malformed attribute"))?;
            let key = attribute.key.into_inner();
            if key == b"xmlns" || key.starts_with(b"xmlns:") {
                continue;
            }
            let (ns, uri, local) = self
                .scopes
                .split_attribute(key)
                .map_err(|e| self.error(e))?;
            if ns == Ns::Instance && (local == b"nil" || (local == b"type" && !with_type)) {
                continue;
            }
            let raw = std::str::from_utf8(&attribute.value)
                .map_err(|_| self.error("attribute value is not UTF-8"))?;
            let value = quick_xml::escape::unescape(raw)
                .map_err(|e| self.error(format!("attribute value: {e}")))?;
            let name = Name::with_shared(self.intern(uri), Text::from(self.str_of(local)));
            kept.push(Attribute::new(name, Text::from(value.as_ref())));
        }
        Ok(kept)
    }

    fn kept_attributes(&mut self, element: &Child<'a>) -> Result<Vec<Attribute>, ReadError> {
        self.attributes_of(element, false)
    }

    /// A kept element's own attributes: an unknown element keeps its `xsi:type` too.
    fn tree_attributes(&mut self, element: &Child<'a>) -> Result<Vec<Attribute>, ReadError> {
        self.attributes_of(element, true)
    }

    fn str_of<'s>(&self, bytes: &'s [u8]) -> &'s str {
        // Names are slices of a document checked as UTF-8, cut at ASCII delimiters.
        std::str::from_utf8(bytes).unwrap_or("?")
    }

    /// The shared copy of a namespace URI (`None` for no namespace).
    fn intern(&mut self, uri: &'a [u8]) -> Option<Arc<str>> {
        if uri.is_empty() {
            return None;
        }
        if let Some((_, shared)) = self.namespaces.iter().find(|(known, _)| *known == uri) {
            return Some(Arc::clone(shared));
        }
        let shared: Arc<str> = Arc::from(self.str_of(uri));
        self.namespaces.push((uri, Arc::clone(&shared)));
        Some(shared)
    }

    fn name_of(&mut self, element: &Child<'a>) -> Name {
        let local = Text::from(self.str_of(element.local));
        Name::with_shared(self.intern(element.uri), local)
    }

    /// Reads `element` (whose start tag has been read) as a tree, up to its end tag.
    pub(crate) fn keep_tree(
        &mut self,
        element: &Child<'a>,
        depth: usize,
    ) -> Result<Element, ReadError> {
        if depth >= MAX_KEPT_DEPTH {
            return Err(self.error("kept content nested too deeply"));
        }
        self.kept_elements += 1;
        if self.kept_elements > MAX_KEPT_ELEMENTS {
            return Err(self.error(format!(
                "more than {MAX_KEPT_ELEMENTS} elements the schema does not declare in one response"
            )));
        }
        let name = self.name_of(element);
        let attributes = self.tree_attributes(element)?;
        if element.nil {
            self.skip(element)?;
            return Ok(Element::from_parts(name, attributes, Content::Nil));
        }
        let content = match self.text(element, depth)? {
            Ok(text) => Content::Text(Text::from(text.as_ref())),
            Err(children) => Content::Elements(children),
        };
        Ok(Element::from_parts(name, attributes, content))
    }

    /// Reads the children of `parent`, the first of which (`first`) has been entered, as
    /// trees up to the parent's end tag. Text between them is dropped when it is only
    /// whitespace, refused otherwise when strict.
    fn rest_of_children(
        &mut self,
        parent: &Child<'a>,
        first: Child<'a>,
        depth: usize,
    ) -> Result<Vec<Element>, ReadError> {
        if depth >= MAX_KEPT_DEPTH {
            return Err(self.error("kept content nested too deeply"));
        }
        let mut children = vec![self.keep_tree(&first, depth)?];
        loop {
            match self.read()? {
                Event::Start(start) => {
                    let child = self.child(&start, false)?;
                    children.push(self.keep_tree(&child, depth)?);
                }
                Event::Empty(start) => {
                    let child = self.child(&start, true)?;
                    children.push(self.keep_tree(&child, depth)?);
                }
                Event::End(end) => {
                    self.closes(parent.name, end.name().into_inner())?;
                    break;
                }
                Event::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {}
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                    if self.is_strict() {
                        return Err(self.error(format!(
                            "text beside child elements in `{}` (strict reading)",
                            parent.local_str()
                        )));
                    }
                    warn_kept(self.record_type, &[parent.local_str(), "#text"], || {
                        "text beside child elements dropped".into()
                    });
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => return Err(self.error("the document ends inside an element")),
                _ => return Err(self.error("unexpected markup")),
            }
        }
        self.scopes.leave();
        Ok(children)
    }

    /// The children of `element` as trees (for a record of an untyped record type).
    pub(crate) fn keep_children(&mut self, element: &Child<'a>) -> Result<Vec<Element>, ReadError> {
        let mut children = Vec::new();
        while let Some(child) = self.next_child(element)? {
            children.push(self.keep_tree(&child, 1)?);
        }
        Ok(children)
    }

    /// The attributes a record of an untyped type keeps (all but declarations, `xsi:nil` and
    /// `xsi:type`).
    pub(crate) fn record_attributes(
        &mut self,
        element: &Child<'a>,
    ) -> Result<Vec<Attribute>, ReadError> {
        self.kept_attributes(element)
    }

    /// Reads the record `element` with `decode`, naming `record_type` in warnings meanwhile.
    pub(crate) fn within_record<T>(
        &mut self,
        record_type: &'a [u8],
        decode: impl FnOnce(&mut Self) -> Result<T, ReadError>,
    ) -> Result<T, ReadError> {
        let outer = std::mem::replace(&mut self.record_type, record_type);
        let result = decode(self);
        self.record_type = outer;
        result
    }

    /// Logs (once) that a record of a type the schema lacks was read as a dynamic record.
    pub(crate) fn note_dynamic_record(&self, type_name: &[u8]) {
        warn_kept(type_name, &[], || {
            "record type not in the schema, read as a dynamic record".into()
        });
    }

    /// Reads past the content of a type that declares none, refusing it when strict.
    pub(crate) fn skip_content(
        &mut self,
        element: &Child<'a>,
        type_name: &'static str,
    ) -> Result<(), ReadError> {
        if let Some(child) = self.next_child(element)? {
            if self.is_strict() {
                return Err(self.refusal(child.local_str(), "not declared", type_name));
            }
            warn_kept(self.record_type, &[type_name, child.local_str()], || {
                format!(
                    "element `{}` in a type without content dropped",
                    child.local_str()
                )
            });
            self.skip(&child)?;
            while let Some(child) = self.next_child(element)? {
                self.skip(&child)?;
            }
        }
        Ok(())
    }
}

/// The text as an owned string, with room for what usually follows a reference (the rest of
/// a short value) so that appending does not reallocate at once.
fn owned<'t>(text: &'t mut Cow<'_, str>) -> &'t mut String {
    if let Cow::Borrowed(borrowed) = *text {
        let mut string = String::with_capacity(borrowed.len() + 32);
        string.push_str(borrowed);
        *text = Cow::Owned(string);
    }
    text.to_mut()
}

/// Trims ASCII whitespace as typed values are trimmed; an owned string keeps its one copy.
fn trimmed(text: Cow<'_, str>) -> Cow<'_, str> {
    match text {
        Cow::Borrowed(borrowed) => Cow::Borrowed(borrowed.trim_ascii()),
        Cow::Owned(mut owned) => {
            let end = owned.trim_ascii_end().len();
            owned.truncate(end);
            let leading = owned.len() - owned.trim_ascii_start().len();
            owned.drain(..leading);
            Cow::Owned(owned)
        }
    }
}

/// The position of `local` in `names`, looking from `from` on first and then from the start
/// (the children of a record nearly always follow in schema order).
#[inline]
pub(crate) fn position_from(names: &[&str], local: &[u8], from: usize) -> Option<usize> {
    let (before, after) = names.split_at(from.min(names.len()));
    after
        .iter()
        .position(|name| same_bytes(name.as_bytes(), local))
        .map(|offset| from + offset)
        .or_else(|| {
            before
                .iter()
                .position(|name| same_bytes(name.as_bytes(), local))
        })
}

const OTHER: u8 = 0;
/// A byte that may continue a name (`-`, `.`, `:`, digits).
const NAME: u8 = 2;
/// A byte that may start a name as well (ASCII letters, `_`).
const NAME_START: u8 = 3;

/// What each byte may be in the shapes [`next_step`] reads (names outside ASCII
/// are left to the XML reader).
const BYTE_CLASS: [u8; 256] = {
    let mut table = [OTHER; 256];
    let mut b = 0;
    while b < 128 {
        let byte = b as u8;
        if byte.is_ascii_alphabetic() || byte == b'_' {
            table[b] = NAME_START;
        } else if byte.is_ascii_digit() || byte == b'-' || byte == b'.' || byte == b':' {
            table[b] = NAME;
        }
        b += 1;
    }
    table
};

/// Byte equality for the short names of a page, a word at a time, without a call into the
/// C library's comparison for every tag: up to 16 bytes are compared as two (overlapping)
/// words, up to 8 as two (overlapping) half words.
#[inline(always)]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let length = a.len();
    if length != b.len() {
        return false;
    }
    use super::scan::word_at as word;
    fn half(bytes: &[u8], at: usize) -> u32 {
        let mut half = [0u8; 4];
        half.copy_from_slice(&bytes[at..at + 4]);
        u32::from_le_bytes(half)
    }
    match length {
        0..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=8 => half(a, 0) == half(b, 0) && half(a, length - 4) == half(b, length - 4),
        9..=16 => word(a, 0) == word(b, 0) && word(a, length - 8) == word(b, length - 8),
        _ => a == b,
    }
}

/// What [`next_step`] found, as ranges of the bytes it looked at; `end` is just past it.
enum Step {
    /// `<name>text</name>`, or `<name/>` (no text).
    Element {
        name: std::ops::Range<usize>,
        text: Option<std::ops::Range<usize>>,
        end: usize,
    },
    /// `<name>` of an element with other content.
    Start {
        name: std::ops::Range<usize>,
        end: usize,
    },
    /// `</parent>`.
    ParentEnd { end: usize },
}

/// The shape at the start of `rest` (after whitespace), inside the element named `parent`
/// (see [`Reader::quick_step`]).
#[inline]
fn next_step(rest: &[u8], parent: &[u8]) -> Option<Step> {
    let at = super::scan::leading_whitespace(rest);
    if rest.get(at) != Some(&b'<') {
        return None;
    }
    let name_start = at + 1;
    let first = *rest.get(name_start)?;
    if first == b'/' {
        let close = name_start + 1;
        let close_end = close + parent.len();
        if same_bytes(rest.get(close..close_end)?, parent) && rest.get(close_end) == Some(&b'>') {
            return Some(Step::ParentEnd { end: close_end + 1 });
        }
        return None;
    }
    if BYTE_CLASS[usize::from(first)] != NAME_START {
        return None;
    }
    let mut name_end = name_start + 1;
    while rest
        .get(name_end)
        .is_some_and(|&b| BYTE_CLASS[usize::from(b)] >= NAME)
    {
        name_end += 1;
    }
    let name = name_start..name_end;
    match rest.get(name_end)? {
        b'/' if rest.get(name_end + 1) == Some(&b'>') => Some(Step::Element {
            name,
            text: None,
            end: name_end + 2,
        }),
        b'>' => {
            let text_start = name_end + 1;
            let start_only = Step::Start {
                name: name.clone(),
                end: text_start,
            };
            let Some(markup) = memchr::memchr2(b'<', b'&', &rest[text_start..]) else {
                return Some(start_only);
            };
            let markup = text_start + markup;
            if rest[markup] != b'<' || rest.get(markup + 1) != Some(&b'/') {
                return Some(start_only);
            }
            let close = markup + 2;
            let close_end = close + name.len();
            match rest.get(close..close_end) {
                Some(closing)
                    if same_bytes(closing, &rest[name.clone()])
                        && rest.get(close_end) == Some(&b'>') =>
                {
                    Some(Step::Element {
                        name,
                        text: Some(text_start..markup),
                        end: close_end + 1,
                    })
                }
                _ => Some(start_only),
            }
        }
        _ => None,
    }
}
