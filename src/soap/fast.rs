//! A direct reader for record pages (Query and GetIncremental* responses).
//!
//! xsd-parser's readers pass every XML event down the whole chain of nested state
//! machines; for pages of hundreds of records that dominates decoding. This reader walks
//! the same generated types recursively instead, one function call per element. `build.rs`
//! emits a [`fast_decoder!`](crate::fast_decoder) invocation per record struct from the same
//! schema model, so both readers stay in step; any document this reader does not accept is
//! handed to the generated reader, which decides (and reports) as before.
//!
//! It runs quick-xml's plain reader and keeps namespace scopes itself, recording for each
//! prefix only which of the four namespaces it knows the prefix stands for; text is sliced
//! from the document (checked as UTF-8 once) and references are resolved on the raw names.

use std::borrow::Cow;

use quick_xml::events::attributes::Attributes;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::generated::tns;
use crate::soap::{Body, Envelope};
use crate::{AnyRecord, Field};

/// The namespaces the reader tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ns {
    /// `http://schemas.xmlsoap.org/soap/envelope/`
    Envelope,
    /// `urn:soap.convio.com`
    Messages,
    /// `urn:object.soap.convio.com`
    Objects,
    /// `http://www.w3.org/2001/XMLSchema-instance`
    Instance,
    /// Any other namespace, or none.
    Other,
}

fn classify(namespace: &[u8]) -> Ns {
    match namespace {
        b"http://schemas.xmlsoap.org/soap/envelope/" => Ns::Envelope,
        b"urn:soap.convio.com" => Ns::Messages,
        b"urn:object.soap.convio.com" => Ns::Objects,
        b"http://www.w3.org/2001/XMLSchema-instance" => Ns::Instance,
        _ => Ns::Other,
    }
}

/// Why the direct reader gave up (the generated reader then takes over).
#[derive(Debug)]
pub struct FastError;

/// The namespace declarations in scope: only which of the namespaces we know each prefix
/// stands for, innermost last.
#[derive(Debug, Default)]
struct Scopes<'a> {
    /// (prefix, namespace, depth of the declaring element); the empty prefix is the default
    /// namespace.
    bindings: Vec<(&'a [u8], Ns, usize)>,
    depth: usize,
}

impl<'a> Scopes<'a> {
    /// Enters an element.
    fn enter(&mut self) {
        self.depth += 1;
    }

    /// Brings the `xmlns` declarations among the entered element's attributes into scope.
    fn declare(&mut self, attributes: Attributes<'a>) -> Result<(), FastError> {
        for attribute in attributes {
            let attribute = attribute.map_err(|_| FastError)?;
            let key = attribute.key.into_inner();
            let prefix = match key {
                b"xmlns" => &b""[..],
                _ => match key.strip_prefix(b"xmlns:") {
                    Some(prefix) => prefix,
                    None => continue,
                },
            };
            let Cow::Borrowed(value) = attribute.value else {
                return Err(FastError);
            };
            let ns = if value.is_empty() {
                Ns::Other
            } else {
                classify(value)
            };
            self.bindings.push((prefix, ns, self.depth));
        }
        Ok(())
    }

    /// Leaves the innermost element, dropping its declarations.
    fn leave(&mut self) {
        while self
            .bindings
            .last()
            .is_some_and(|(_, _, depth)| *depth == self.depth)
        {
            self.bindings.pop();
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// The namespace of a prefix (the empty prefix: the default namespace, none by default);
    /// an undeclared prefix is an error.
    fn resolve(&self, prefix: &[u8]) -> Result<Ns, FastError> {
        match self
            .bindings
            .iter()
            .rev()
            .find(|(bound, ..)| *bound == prefix)
        {
            Some((_, ns, _)) => Ok(*ns),
            None if prefix.is_empty() => Ok(Ns::Other),
            None if prefix == b"xml" => Ok(Ns::Other),
            None => Err(FastError),
        }
    }

    /// The namespace and local name of a qualified name.
    fn split<'n>(&self, qualified: &'n [u8]) -> Result<(Ns, &'n [u8]), FastError> {
        // Names are short: a plain loop beats a search routine's setup.
        match qualified.iter().position(|&b| b == b':') {
            Some(colon) => Ok((self.resolve(&qualified[..colon])?, &qualified[colon + 1..])),
            None => Ok((self.resolve(b"")?, qualified)),
        }
    }
}

/// A start tag and what the reader needs to know about it, as slices of the document.
#[derive(Debug)]
pub struct Child<'a> {
    /// The qualified name.
    name: &'a [u8],
    /// The local name.
    local: &'a [u8],
    empty: bool,
    ns: Ns,
    nil: bool,
    /// The local name of an `xsi:type` in the objects namespace (`Err` for any other).
    record_type: Option<Result<&'a [u8], FastError>>,
}

impl<'a> Child<'a> {
    /// A slot for [`FastReader::next_child_into`] to fill.
    pub fn placeholder() -> Self {
        Child {
            name: b"",
            local: b"",
            empty: true,
            ns: Ns::Other,
            nil: false,
            record_type: None,
        }
    }

    /// The local name.
    pub fn local(&self) -> &[u8] {
        self.local
    }

    /// The namespace.
    pub fn ns(&self) -> Ns {
        self.ns
    }
}

/// The reader: quick-xml's reader over the whole document, with the namespaces kept by us
/// (only which known namespace each prefix means) so that a simple element's text can be
/// taken in one piece.
pub struct FastReader<'a> {
    reader: Reader<&'a [u8]>,
    /// The document, checked as UTF-8 once so that text is sliced from it, not re-checked.
    document: &'a str,
    scopes: Scopes<'a>,
}

impl<'a> FastReader<'a> {
    fn new(document: &'a str) -> Self {
        let mut reader = Reader::from_str(document);
        reader.config_mut().check_end_names = true;
        FastReader {
            reader,
            document,
            scopes: Scopes::default(),
        }
    }

    /// Enters a start tag, writing what the reader needs of it into `slot`. An empty element
    /// is left at once: what the reader needs of its attributes is read here, while its
    /// declarations are in scope.
    fn child(
        &mut self,
        start: &BytesStart<'_>,
        empty: bool,
        slot: &mut Child<'a>,
    ) -> Result<(), FastError> {
        // The tag as a slice of the document, so that what is kept of it lives as long.
        let tag = self.document_bytes(start)?;
        let name = tag
            .get(..start.name().into_inner().len())
            .ok_or(FastError)?;
        slot.name = name;
        slot.empty = empty;
        slot.nil = false;
        slot.record_type = None;
        self.scopes.enter();
        if start.attributes_raw().is_empty() {
            // Nearly every element of a page: no declarations, nothing to look at but the name.
            (slot.ns, slot.local) = self.scopes.split(name)?;
        } else {
            self.read_attributes(tag, slot)?;
        }
        if empty {
            self.scopes.leave();
        }
        Ok(())
    }

    /// The part of [`child`](Self::child) for a start tag with attributes: its declarations
    /// come into scope, then `xsi:nil` and `xsi:type` are read.
    #[inline(never)]
    fn read_attributes(&mut self, tag: &'a [u8], slot: &mut Child<'a>) -> Result<(), FastError> {
        let tag = self.document_text(tag)?;
        // Attributes borrowed from the document itself, so that prefixes can be kept.
        let attributes = Attributes::new(tag, slot.name.len());
        self.scopes.declare(attributes.clone())?;
        (slot.ns, slot.local) = self.scopes.split(slot.name)?;
        for attribute in attributes {
            let attribute = attribute.map_err(|_| FastError)?;
            let key = attribute.key.into_inner();
            if key == b"xmlns" || key.starts_with(b"xmlns:") {
                continue;
            }
            let (attribute_ns, local) = self.scopes.split(key)?;
            if attribute_ns != Ns::Instance {
                continue;
            }
            match local {
                b"nil" => slot.nil = matches!(attribute.value.as_ref(), b"true" | b"1"),
                b"type" => {
                    slot.record_type = Some(match attribute.value {
                        Cow::Borrowed(value) => match self.scopes.split(value) {
                            Ok((Ns::Objects, local)) => Ok(local),
                            _ => Err(FastError),
                        },
                        Cow::Owned(_) => Err(FastError),
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Where `bytes` (borrowed from the document by the XML reader) lie in the document.
    fn document_range(&self, bytes: &[u8]) -> Result<std::ops::Range<usize>, FastError> {
        let start = (bytes.as_ptr() as usize)
            .checked_sub(self.document.as_ptr() as usize)
            .ok_or(FastError)?;
        Ok(start..start + bytes.len())
    }

    /// `bytes` as a slice of the document that lives as long as it.
    fn document_bytes(&self, bytes: &[u8]) -> Result<&'a [u8], FastError> {
        let range = self.document_range(bytes)?;
        self.document.as_bytes().get(range).ok_or(FastError)
    }

    /// `bytes` as the document's text.
    fn document_text(&self, bytes: &[u8]) -> Result<&'a str, FastError> {
        let range = self.document_range(bytes)?;
        // `get` refuses ranges outside the document or off a character boundary.
        self.document.get(range).ok_or(FastError)
    }

    /// The next event that is not whitespace, a comment or a processing instruction.
    fn next_event(&mut self) -> Result<Event<'a>, FastError> {
        loop {
            match self.reader.read_event().map_err(|_| FastError)? {
                Event::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {}
                Event::Comment(_) | Event::PI(_) => {}
                event => return Ok(event),
            }
        }
    }

    /// The next child element of `parent`, or `None` at its end tag.
    pub fn next_child(&mut self, parent: &Child<'_>) -> Result<Option<Child<'a>>, FastError> {
        let mut child = Child::placeholder();
        Ok(self.next_child_into(parent, &mut child)?.then_some(child))
    }

    /// Reads the next child element of `parent` into `slot` (`false` at the parent's end
    /// tag). Filling one slot in place spares copying a child out of every call.
    pub fn next_child_into(
        &mut self,
        parent: &Child<'_>,
        slot: &mut Child<'a>,
    ) -> Result<bool, FastError> {
        if parent.empty {
            return Ok(false);
        }
        match self.next_event()? {
            Event::Start(start) => self.child(&start, false, slot).map(|()| true),
            Event::Empty(start) => self.child(&start, true, slot).map(|()| true),
            Event::End(_) => {
                self.scopes.leave();
                Ok(false)
            }
            _ => Err(FastError),
        }
    }

    /// The text content of a simple element, references resolved and trimmed as the
    /// generated reader trims it: borrowed from the document when it has no references,
    /// else copied once into an owned string.
    pub fn text(&mut self, element: &Child<'_>) -> Result<Cow<'a, str>, FastError> {
        if element.empty {
            return Ok(Cow::Borrowed(""));
        }
        let mut text: Cow<'a, str> = Cow::Borrowed("");
        loop {
            match self.reader.read_event().map_err(|_| FastError)? {
                Event::Text(chunk) => {
                    let chunk = self.document_text(&chunk)?;
                    if text.is_empty() {
                        text = Cow::Borrowed(chunk);
                    } else {
                        owned(&mut text).push_str(chunk);
                    }
                }
                Event::GeneralRef(reference) => {
                    let resolved = resolve_reference(&reference).ok_or(FastError)?;
                    owned(&mut text).push(resolved);
                }
                Event::CData(data) => {
                    owned(&mut text).push_str(self.document_text(&data)?);
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::End(_) => break,
                _ => return Err(FastError),
            }
        }
        self.scopes.leave();
        let is_space = |c: char| c.is_ascii_whitespace();
        Ok(match text {
            Cow::Borrowed(borrowed) => Cow::Borrowed(borrowed.trim_matches(is_space)),
            Cow::Owned(mut owned) => {
                // Trimmed in place: the value keeps its one owned copy.
                let end = owned.trim_end_matches(is_space).len();
                owned.truncate(end);
                let leading = owned.len() - owned.trim_start_matches(is_space).len();
                owned.drain(..leading);
                Cow::Owned(owned)
            }
        })
    }

    /// Reads past the end of `element`.
    pub fn skip(&mut self, element: &Child<'_>) -> Result<(), FastError> {
        if element.empty {
            return Ok(());
        }
        self.reader
            .read_to_end(quick_xml::name::QName(element.name))
            .map_err(|_| FastError)?;
        self.scopes.leave();
        Ok(())
    }

    /// A scalar element's value.
    pub fn scalar<T: FastScalar>(&mut self, element: &Child<'_>) -> Result<T, FastError> {
        if element.nil {
            return Err(FastError);
        }
        let text = self.text(element)?;
        T::from_text(text)
    }

    /// A nillable scalar element.
    pub fn field_scalar<T: FastScalar>(
        &mut self,
        element: &Child<'_>,
    ) -> Result<Field<T>, FastError> {
        if element.nil {
            self.skip(element)?;
            return Ok(Field::Nil);
        }
        self.scalar(element).map(Field::Value)
    }

    /// A nillable complex element.
    pub fn field_complex<T: FastDecode>(
        &mut self,
        element: &Child<'_>,
    ) -> Result<Field<T>, FastError> {
        if element.nil {
            self.skip(element)?;
            return Ok(Field::Nil);
        }
        T::decode(self, element).map(Field::Value)
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

/// The position of `local` in `names`, looking from `from` on first and then from the start
/// (the children of a record nearly always follow in schema order).
#[inline]
pub fn position_from(names: &[&str], local: &[u8], from: usize) -> Option<usize> {
    let (before, after) = names.split_at(from.min(names.len()));
    after
        .iter()
        .position(|name| name.as_bytes() == local)
        .map(|offset| from + offset)
        .or_else(|| before.iter().position(|name| name.as_bytes() == local))
}

/// The character a reference stands for: one of the five predefined entities or a
/// character reference (`&#38;`, `&#x26;`); `None` for anything else (the generated reader
/// then decides). Works on the raw name: the document's encoding is UTF-8 here.
fn resolve_reference(name: &[u8]) -> Option<char> {
    match name {
        b"amp" => Some('&'),
        b"lt" => Some('<'),
        b"gt" => Some('>'),
        b"quot" => Some('"'),
        b"apos" => Some('\''),
        [b'#', b'x', hex @ ..] => parse_code_point(hex, 16),
        [b'#', decimal @ ..] => parse_code_point(decimal, 10),
        _ => None,
    }
}

fn parse_code_point(digits: &[u8], radix: u32) -> Option<char> {
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let mut value: u32 = 0;
    for &digit in digits {
        value = value * radix + char::from(digit).to_digit(radix)?;
    }
    // Character references to XML 1.0-illegal characters were refused before reading.
    char::from_u32(value).filter(|c| *c != '\0')
}

/// Simple types: parsed from an element's text.
pub trait FastScalar: Sized {
    /// Parses the trimmed text.
    fn parse(text: &str) -> Result<Self, FastError>;

    /// Parses the trimmed text, taking it over when it is already an owned string (text with
    /// references in it), so that no value is copied twice.
    fn from_text(text: Cow<'_, str>) -> Result<Self, FastError> {
        Self::parse(&text)
    }
}

impl FastScalar for String {
    fn parse(text: &str) -> Result<Self, FastError> {
        Ok(text.to_string())
    }

    fn from_text(text: Cow<'_, str>) -> Result<Self, FastError> {
        Ok(text.into_owned())
    }
}

impl FastScalar for crate::Text {
    fn parse(text: &str) -> Result<Self, FastError> {
        Ok(crate::Text::from(text))
    }

    fn from_text(text: Cow<'_, str>) -> Result<Self, FastError> {
        // Borrowed text goes straight into `Text` (inline when short); an owned string with
        // references resolved keeps its buffer.
        Ok(match text {
            Cow::Borrowed(text) => crate::Text::from(text),
            Cow::Owned(text) => crate::Text::from(text),
        })
    }
}

macro_rules! from_str_scalars {
    ($($type:ty),*) => {$(
        impl FastScalar for $type {
            fn parse(text: &str) -> Result<Self, FastError> {
                text.parse().map_err(|_| FastError)
            }
        }
    )*};
}

from_str_scalars!(usize, u64, u32, i64, i32, crate::Decimal, crate::ResultCode);

impl FastScalar for bool {
    fn parse(text: &str) -> Result<Self, FastError> {
        let is = |word: &str| text.eq_ignore_ascii_case(word);
        if is("true") || text == "1" || is("yes") {
            Ok(true)
        } else if is("false") || text == "0" || is("no") {
            Ok(false)
        } else {
            Err(FastError)
        }
    }
}

/// Complex types: read from an element's children.
pub trait FastDecode: Sized {
    /// Reads `element` (whose start tag has been read) up to its end tag.
    fn decode(reader: &mut FastReader<'_>, element: &Child<'_>) -> Result<Self, FastError>;
}

impl FastDecode for AnyRecord {
    fn decode(reader: &mut FastReader<'_>, element: &Child<'_>) -> Result<Self, FastError> {
        let type_name = match &element.record_type {
            Some(Ok(local)) => *local,
            _ => return Err(FastError),
        };
        crate::generated::decode_any_record_fast(type_name, reader, element)
    }
}

/// Reads a whole response envelope whose body is a page of records (Query or
/// GetIncremental*); `None` for anything else or anything unexpected.
pub fn decode_page(bytes: &[u8]) -> Option<Body> {
    let mut reader = FastReader::new(std::str::from_utf8(bytes).ok()?);
    let envelope = loop {
        match reader.next_event().ok()? {
            Event::Start(start) => {
                let mut envelope = Child::placeholder();
                reader.child(&start, false, &mut envelope).ok()?;
                break envelope;
            }
            Event::Decl(_) => {}
            _ => return None,
        }
    };
    if envelope.ns != Ns::Envelope || envelope.local() != b"Envelope" {
        return None;
    }
    let mut body = reader.next_child(&envelope).ok()??;
    if body.ns == Ns::Envelope && body.local() == b"Header" {
        reader.skip(&body).ok()?;
        body = reader.next_child(&envelope).ok()??;
    }
    if body.ns != Ns::Envelope || body.local() != b"Body" {
        return None;
    }
    let page = reader.next_child(&body).ok()??;
    if page.ns != Ns::Messages {
        return None;
    }
    let decoded = match page.local() {
        b"QueryResponse" => {
            Body::QueryResponse(tns::QueryResponseElementType::decode(&mut reader, &page).ok()?)
        }
        b"GetIncrementalInsertsResponse" => Body::GetIncrementalInsertsResponse(
            tns::RecordPageType::decode(&mut reader, &page).ok()?,
        ),
        b"GetIncrementalUpdatesResponse" => Body::GetIncrementalUpdatesResponse(
            tns::RecordPageType::decode(&mut reader, &page).ok()?,
        ),
        b"GetIncrementalDeletesResponse" => Body::GetIncrementalDeletesResponse(
            tns::RecordPageType::decode(&mut reader, &page).ok()?,
        ),
        _ => return None,
    };
    // Nothing may follow the page but the closing tags.
    if reader.next_child(&body).ok()?.is_some() || reader.next_child(&envelope).ok()?.is_some() {
        return None;
    }
    match reader.next_event().ok()? {
        Event::Eof => Some(decoded),
        _ => None,
    }
}

/// Implements [`FastDecode`] for a generated struct from its element list (emitted by
/// `build.rs`): `field` is `Field<T>`, `opt` `Option<T>`, `vec` `Vec<T>`, `one` a required `T`;
/// `scalar` types are parsed from text, `complex` ones read structurally.
#[doc(hidden)]
#[macro_export]
macro_rules! fast_decoder {
    ($type:path, $ns:path, $prefix:literal, { $($field:ident : $name:literal => $kind:ident $class:ident $ty:ty,)* }) => {
        impl $crate::soap::fast::FastDecode for $type {
            #[allow(unused_mut, unused_variables)]
            fn decode(
                reader: &mut $crate::soap::fast::FastReader<'_>,
                element: &$crate::soap::fast::Child<'_>,
            ) -> Result<Self, $crate::soap::fast::FastError> {
                const NAMES: &[&str] = &[$($name),*];
                $( let mut $field = $crate::fast_decoder!(@init $kind $ty); )*
                // Children come in schema order: the search starts at the last one found.
                let mut cursor = 0usize;
                let mut child = $crate::soap::fast::Child::placeholder();
                while reader.next_child_into(element, &mut child)? {
                    if child.ns() != $ns {
                        return Err($crate::soap::fast::FastError);
                    }
                    let found = $crate::soap::fast::position_from(NAMES, child.local(), cursor)
                        .ok_or($crate::soap::fast::FastError)?;
                    cursor = found;
                    let mut index = 0usize;
                    $(
                        if found == index {
                            $crate::fast_decoder!(@store reader, child, $field, $kind, $class, $ty);
                            continue;
                        }
                        index += 1;
                    )*
                    let _ = index;
                    return Err($crate::soap::fast::FastError);
                }
                Ok(Self { $( $field: $crate::fast_decoder!(@finish $field, $kind), )* })
            }
        }

        impl $crate::soap::fast::FastEncode for $type {
            #[allow(unused_variables)]
            fn write_children(&self, out: &mut Vec<u8>) -> Result<(), $crate::soap::fast::WriteError> {
                $( $crate::fast_decoder!(@write out, $crate::fast_tag!($prefix, $name), self.$field, $kind, $class, $ty); )*
                Ok(())
            }
        }
    };
    (@write $out:ident, $tag:expr, $value:expr, field, scalar, $ty:ty) => {
        $crate::soap::fast::write_field_scalar($out, $tag, &$value)?
    };
    (@write $out:ident, $tag:expr, $value:expr, field, complex, $ty:ty) => {
        $crate::soap::fast::write_field_complex($out, $tag, &$value)?
    };
    (@write $out:ident, $tag:expr, $value:expr, vec, scalar, $ty:ty) => {
        for item in &$value {
            $crate::soap::fast::write_scalar($out, $tag, item)?;
        }
    };
    (@write $out:ident, $tag:expr, $value:expr, vec, complex, $ty:ty) => {
        for item in &$value {
            $crate::soap::fast::write_element($out, $tag, item)?;
        }
    };
    (@write $out:ident, $tag:expr, $value:expr, opt, scalar, $ty:ty) => {
        if let Some(item) = &$value {
            $crate::soap::fast::write_scalar($out, $tag, item)?;
        }
    };
    (@write $out:ident, $tag:expr, $value:expr, opt, complex, $ty:ty) => {
        if let Some(item) = &$value {
            $crate::soap::fast::write_element($out, $tag, item)?;
        }
    };
    (@write $out:ident, $tag:expr, $value:expr, one, scalar, $ty:ty) => {
        $crate::soap::fast::write_scalar($out, $tag, &$value)?
    };
    (@write $out:ident, $tag:expr, $value:expr, one, complex, $ty:ty) => {
        $crate::soap::fast::write_element($out, $tag, &$value)?
    };
    (@init field $ty:ty) => { $crate::Field::<$ty>::Absent };
    (@init opt $ty:ty) => { None::<$ty> };
    (@init vec $ty:ty) => { Vec::<$ty>::new() };
    (@init one $ty:ty) => { None::<$ty> };
    (@store $reader:ident, $child:ident, $field:ident, field, scalar, $ty:ty) => {{
        if !$field.is_absent() { return Err($crate::soap::fast::FastError); }
        $field = $reader.field_scalar::<$ty>(&$child)?;
    }};
    (@store $reader:ident, $child:ident, $field:ident, field, complex, $ty:ty) => {{
        if !$field.is_absent() { return Err($crate::soap::fast::FastError); }
        $field = $reader.field_complex::<$ty>(&$child)?;
    }};
    (@store $reader:ident, $child:ident, $field:ident, vec, scalar, $ty:ty) => {
        $field.push($reader.scalar::<$ty>(&$child)?)
    };
    (@store $reader:ident, $child:ident, $field:ident, vec, complex, $ty:ty) => {
        $field.push(<$ty as $crate::soap::fast::FastDecode>::decode($reader, &$child)?)
    };
    (@store $reader:ident, $child:ident, $field:ident, $kind:ident, scalar, $ty:ty) => {{
        if $field.is_some() { return Err($crate::soap::fast::FastError); }
        $field = Some($reader.scalar::<$ty>(&$child)?);
    }};
    (@store $reader:ident, $child:ident, $field:ident, $kind:ident, complex, $ty:ty) => {{
        if $field.is_some() { return Err($crate::soap::fast::FastError); }
        $field = Some(<$ty as $crate::soap::fast::FastDecode>::decode($reader, &$child)?);
    }};
    (@finish $field:ident, one) => { $field.ok_or($crate::soap::fast::FastError)? };
    (@finish $field:ident, $kind:ident) => { $field };
}

// ------------------------------------------------------------------ direct writer

/// Why the direct writer refused a value, with the element path collected on the way out.
#[derive(Debug)]
pub struct WriteError {
    /// Element names, innermost first.
    path: Vec<&'static str>,
    kind: WriteErrorKind,
}

#[derive(Debug)]
enum WriteErrorKind {
    Empty,
    Illegal(u32),
}

impl WriteError {
    /// Adds the enclosing element's name.
    pub fn within(mut self, name: &'static str) -> Self {
        self.path.push(name);
        self
    }

    /// The encode error, with the path from the envelope down.
    pub fn into_encode_error(self, outer: &[&str]) -> crate::error::EncodeError {
        let mut path: Vec<&str> = outer.to_vec();
        path.extend(self.path.iter().rev());
        let element = path.join("/");
        match self.kind {
            WriteErrorKind::Empty => crate::error::EncodeError::EmptyValue { element },
            WriteErrorKind::Illegal(code_point) => crate::error::EncodeError::IllegalCharacter {
                element,
                code_point,
            },
        }
    }
}

fn empty(name: &'static str) -> WriteError {
    WriteError {
        path: vec![name],
        kind: WriteErrorKind::Empty,
    }
}

fn illegal(code_point: u32) -> WriteError {
    WriteError {
        path: Vec::new(),
        kind: WriteErrorKind::Illegal(code_point),
    }
}

/// An element's tags, spelled out at compile time (see [`fast_tag!`](crate::fast_tag)) so
/// that writing one is a single copy of a known length.
#[derive(Debug)]
pub struct Tag {
    /// The local name (for error paths).
    pub name: &'static str,
    /// `<p:name>`
    pub open: &'static str,
    /// `</p:name>`
    pub close: &'static str,
    /// `<p:name xsi:nil="true"/>`
    pub nil: &'static str,
}

/// A [`Tag`] from a prefix and a local name, both literals.
#[doc(hidden)]
#[macro_export]
macro_rules! fast_tag {
    ($prefix:literal, $name:literal) => {
        &$crate::soap::fast::Tag {
            name: $name,
            open: concat!("<", $prefix, ":", $name, ">"),
            close: concat!("</", $prefix, ":", $name, ">"),
            nil: concat!("<", $prefix, ":", $name, " xsi:nil=\"true\"/>"),
        }
    };
}

/// Simple values as element text.
pub trait FastScalarWrite {
    /// Appends the escaped text.
    fn write_text(&self, out: &mut Vec<u8>) -> Result<(), WriteError>;
}

/// Appends `text` escaped as quick-xml escapes it, with `\r` as `&#13;`; refuses characters
/// XML 1.0 cannot carry. Words of eight bytes with nothing to escape are copied whole.
pub fn escape_into(out: &mut Vec<u8>, text: &str) -> Result<(), WriteError> {
    let bytes = text.as_bytes();
    out.reserve(bytes.len());
    let mut at = 0;
    while at + 8 <= bytes.len() {
        if crate::scan::word_may_need_escaping(bytes, at) {
            for index in at..at + 8 {
                escape_byte(out, bytes, index)?;
            }
        } else {
            out.extend_from_slice(&bytes[at..at + 8]);
        }
        at += 8;
    }
    for index in at..bytes.len() {
        escape_byte(out, bytes, index)?;
    }
    Ok(())
}

#[inline(always)]
fn escape_byte(out: &mut Vec<u8>, bytes: &[u8], index: usize) -> Result<(), WriteError> {
    let byte = bytes[index];
    if !crate::scan::escapable(byte) {
        out.push(byte);
        return Ok(());
    }
    let replacement: &[u8] = match byte {
        b'&' => b"&amp;",
        b'<' => b"&lt;",
        b'>' => b"&gt;",
        b'\'' => b"&apos;",
        b'"' => b"&quot;",
        b'\r' => b"&#13;",
        // U+FFFE and U+FFFF are EF BF BE / EF BF BF in UTF-8; other EF sequences are fine.
        0xEF => match (bytes.get(index + 1), bytes.get(index + 2)) {
            (Some(0xBF), Some(0xBE)) => return Err(illegal(0xFFFE)),
            (Some(0xBF), Some(0xBF)) => return Err(illegal(0xFFFF)),
            _ => {
                out.push(byte);
                return Ok(());
            }
        },
        _ => return Err(illegal(u32::from(byte))),
    };
    out.extend_from_slice(replacement);
    Ok(())
}

impl FastScalarWrite for crate::Text {
    fn write_text(&self, out: &mut Vec<u8>) -> Result<(), WriteError> {
        escape_into(out, self.as_str())
    }
}

impl FastScalarWrite for String {
    fn write_text(&self, out: &mut Vec<u8>) -> Result<(), WriteError> {
        escape_into(out, self)
    }
}

macro_rules! display_scalars {
    ($($type:ty),*) => {$(
        impl FastScalarWrite for $type {
            fn write_text(&self, out: &mut Vec<u8>) -> Result<(), WriteError> {
                use std::io::Write as _;
                // Writing to a Vec cannot fail.
                let _ = write!(out, "{self}");
                Ok(())
            }
        }
    )*};
}

display_scalars!(usize, u64, u32, i64, i32, bool);

impl FastScalarWrite for crate::Decimal {
    fn write_text(&self, out: &mut Vec<u8>) -> Result<(), WriteError> {
        escape_into(out, self.as_str())
    }
}

impl FastScalarWrite for crate::ResultCode {
    fn write_text(&self, out: &mut Vec<u8>) -> Result<(), WriteError> {
        escape_into(out, self.as_str())
    }
}

/// Complex values: their child elements.
pub trait FastEncode {
    /// Appends the child elements.
    fn write_children(&self, out: &mut Vec<u8>) -> Result<(), WriteError>;
}

/// `<tns:name>` for a name known only at run time (the operation).
fn open_message(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(b"<tns:");
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
}

fn close_message(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(b"</tns:");
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
}

/// `<p:name>text</p:name>`.
pub fn write_scalar<T: FastScalarWrite>(
    out: &mut Vec<u8>,
    tag: &Tag,
    value: &T,
) -> Result<(), WriteError> {
    out.extend_from_slice(tag.open.as_bytes());
    value.write_text(out).map_err(|e| e.within(tag.name))?;
    out.extend_from_slice(tag.close.as_bytes());
    Ok(())
}

/// A complex element (written with an end tag even when empty, as the generated writer does);
/// returns the length of its content.
pub fn write_complex<T: FastEncode>(
    out: &mut Vec<u8>,
    tag: &Tag,
    value: &T,
) -> Result<usize, WriteError> {
    out.extend_from_slice(tag.open.as_bytes());
    let content_start = out.len();
    value.write_children(out).map_err(|e| e.within(tag.name))?;
    let written = out.len() - content_start;
    out.extend_from_slice(tag.close.as_bytes());
    Ok(written)
}

/// A nillable simple element: nothing, nil, or a value that must not be empty.
pub fn write_field_scalar<T: FastScalarWrite>(
    out: &mut Vec<u8>,
    tag: &Tag,
    field: &Field<T>,
) -> Result<(), WriteError> {
    match field {
        Field::Absent => Ok(()),
        Field::Nil => {
            out.extend_from_slice(tag.nil.as_bytes());
            Ok(())
        }
        Field::Value(value) => {
            let before = out.len();
            out.extend_from_slice(tag.open.as_bytes());
            let content_start = out.len();
            value.write_text(out).map_err(|e| e.within(tag.name))?;
            if out.len() == content_start {
                out.truncate(before);
                return Err(empty(tag.name));
            }
            out.extend_from_slice(tag.close.as_bytes());
            Ok(())
        }
    }
}

/// A nillable complex element: nothing, nil, or a value that must have content.
pub fn write_field_complex<T: FastEncode>(
    out: &mut Vec<u8>,
    tag: &Tag,
    field: &Field<T>,
) -> Result<(), WriteError> {
    match field {
        Field::Absent => Ok(()),
        Field::Nil => {
            out.extend_from_slice(tag.nil.as_bytes());
            Ok(())
        }
        Field::Value(value) => {
            if write_complex(out, tag, value)? == 0 {
                return Err(empty(tag.name));
            }
            Ok(())
        }
    }
}

impl FastEncode for AnyRecord {
    fn write_children(&self, out: &mut Vec<u8>) -> Result<(), WriteError> {
        crate::generated::encode_any_record_fast(self, out)
    }
}

/// A complex child element, or a record when the child is a record.
pub fn write_element<T: FastEncode + 'static>(
    out: &mut Vec<u8>,
    tag: &Tag,
    value: &T,
) -> Result<(), WriteError> {
    if let Some(record) = (value as &dyn std::any::Any).downcast_ref::<AnyRecord>() {
        return write_record(out, record);
    }
    write_complex(out, tag, value).map(|_| ())
}

/// `<tns:Record xsi:type="ens:{type}">...</tns:Record>`.
pub fn write_record(out: &mut Vec<u8>, record: &AnyRecord) -> Result<(), WriteError> {
    out.extend_from_slice(br#"<tns:Record xsi:type="ens:"#);
    out.extend_from_slice(record.type_name().as_bytes());
    out.extend_from_slice(br#"">"#);
    record.write_children(out).map_err(|e| e.within("Record"))?;
    out.extend_from_slice(b"</tns:Record>");
    Ok(())
}

const ENVELOPE_OPEN: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soapenv:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com">"#
);

const SESSION_ID: &Tag = crate::fast_tag!("tns", "SessionId");
const PARTITION_ID: &Tag = crate::fast_tag!("tns", "PartitionId");
const FORCE: &Tag = crate::fast_tag!("tns", "Force");

/// Writes a whole request whose body is a batch of records (Create, Update, Delete,
/// Add/RemoveRelationships) byte for byte as the generated writer does; `None` for other
/// bodies.
pub fn encode_batch(envelope: &Envelope) -> Option<Result<Vec<u8>, crate::error::EncodeError>> {
    let (operation, partition, force, records) = match &envelope.body {
        Body::Create(b) => ("Create", b.partition_id, None, &b.record),
        Body::Update(b) => ("Update", b.partition_id, b.force, &b.record),
        Body::Delete(b) => ("Delete", b.partition_id, b.force, &b.record),
        Body::AddRelationships(b) => ("AddRelationships", b.partition_id, b.force, &b.record),
        Body::RemoveRelationships(b) => ("RemoveRelationships", b.partition_id, b.force, &b.record),
        _ => return None,
    };
    // Generous: a record with many fields runs to a few KiB; regrowing the buffer costs more.
    let mut out = Vec::with_capacity(1024 + records.len() * 4096);
    out.extend_from_slice(ENVELOPE_OPEN.as_bytes());
    let result = (|| {
        if let Some(header) = &envelope.header {
            out.extend_from_slice(b"<soapenv:Header>");
            if let Some(session) = &header.session {
                out.extend_from_slice(b"<tns:Session>");
                write_scalar(&mut out, SESSION_ID, &session.session_id)
                    .map_err(|e| e.into_encode_error(&["Envelope", "Header", "Session"]))?;
                out.extend_from_slice(b"</tns:Session></soapenv:Header>");
            } else {
                out.pop();
                out.extend_from_slice(b"/>");
            }
        }
        let outer = ["Envelope", "Body", operation];
        out.extend_from_slice(b"<soapenv:Body>");
        open_message(&mut out, operation);
        if let Some(partition) = partition {
            write_scalar(&mut out, PARTITION_ID, &partition)
                .map_err(|e| e.into_encode_error(&outer))?;
        }
        if let Some(force) = force {
            write_scalar(&mut out, FORCE, &force).map_err(|e| e.into_encode_error(&outer))?;
        }
        for record in records {
            write_record(&mut out, record).map_err(|e| e.into_encode_error(&outer))?;
        }
        close_message(&mut out, operation);
        out.extend_from_slice(b"</soapenv:Body></soapenv:Envelope>");
        Ok(())
    })();
    Some(result.map(|()| out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_from_the_document_is_stored_inline() {
        let short =
            <crate::Text as FastScalar>::from_text(Cow::Borrowed("Lovelace")).expect("text");
        assert_eq!(short.as_str(), "Lovelace");
        assert!(short.is_inline());
        let long_value = "a street name longer than twenty-four bytes";
        let long = <crate::Text as FastScalar>::from_text(Cow::Borrowed(long_value)).expect("text");
        assert_eq!(long.as_str(), long_value);
        assert!(!long.is_inline());
    }

    #[test]
    fn booleans_are_read_in_any_case() {
        for (text, expected) in [
            ("true", true),
            ("TRUE", true),
            ("1", true),
            ("Yes", true),
            ("false", false),
            ("False", false),
            ("0", false),
            ("no", false),
        ] {
            assert_eq!(bool::parse(text).ok(), Some(expected), "{text}");
        }
        for text in ["", "2", "t", "truth", "nope"] {
            assert!(bool::parse(text).is_err(), "{text}");
        }
    }
}
