//! A direct reader for record pages (Query and GetIncremental* responses).
//!
//! xsd-parser's readers pass every XML event down the whole chain of nested state
//! machines; for pages of hundreds of records that dominates decoding. This reader walks
//! the same generated types recursively instead, one function call per element. `build.rs`
//! emits a [`fast_decoder!`](crate::fast_decoder) invocation per record struct from the same
//! schema model, so both readers stay in step; any document this reader does not accept is
//! handed to the generated reader, which decides (and reports) as before.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{QName, ResolveResult};
use quick_xml::NsReader;

use crate::generated::tns;
use crate::soap::Body;
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
    /// Any other namespace, or none.
    Other,
}

const XSI: &[u8] = b"http://www.w3.org/2001/XMLSchema-instance";

fn classify(namespace: &[u8]) -> Ns {
    match namespace {
        b"http://schemas.xmlsoap.org/soap/envelope/" => Ns::Envelope,
        b"urn:soap.convio.com" => Ns::Messages,
        b"urn:object.soap.convio.com" => Ns::Objects,
        _ => Ns::Other,
    }
}

/// Why the direct reader gave up (the generated reader then takes over).
#[derive(Debug)]
pub struct FastError;

/// A start tag and what the reader needs to know about it.
#[derive(Debug)]
pub struct Child<'a> {
    start: BytesStart<'a>,
    empty: bool,
    ns: Ns,
    nil: bool,
}

impl Child<'_> {
    /// The local name.
    pub fn local(&self) -> &[u8] {
        self.start.local_name().into_inner()
    }

    /// The namespace.
    pub fn ns(&self) -> Ns {
        self.ns
    }
}

/// The reader: quick-xml's namespace-aware reader over the whole document.
pub struct FastReader<'a> {
    reader: NsReader<&'a [u8]>,
}

impl<'a> FastReader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        let mut reader = NsReader::from_reader(bytes);
        reader.config_mut().check_end_names = true;
        FastReader { reader }
    }

    fn child(&self, start: BytesStart<'a>, empty: bool) -> Result<Child<'a>, FastError> {
        let ns = match self.reader.resolver().resolve_element(start.name()).0 {
            ResolveResult::Bound(ns) => classify(ns.as_ref()),
            ResolveResult::Unbound => Ns::Other,
            ResolveResult::Unknown(_) => return Err(FastError),
        };
        let mut nil = false;
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|_| FastError)?;
            let (ns, local) = self.reader.resolver().resolve_attribute(attribute.key);
            if matches!(ns, ResolveResult::Bound(ns) if ns.as_ref() == XSI)
                && local.as_ref() == b"nil"
            {
                nil = matches!(attribute.value.as_ref(), b"true" | b"1");
            }
        }
        Ok(Child {
            start,
            empty,
            ns,
            nil,
        })
    }

    /// The next child element of `parent`, or `None` at its end tag.
    pub fn next_child(&mut self, parent: &Child<'_>) -> Result<Option<Child<'a>>, FastError> {
        if parent.empty {
            return Ok(None);
        }
        loop {
            match self.reader.read_event().map_err(|_| FastError)? {
                Event::Start(start) => return self.child(start, false).map(Some),
                Event::Empty(start) => return self.child(start, true).map(Some),
                Event::End(_) => return Ok(None),
                Event::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {}
                Event::Comment(_) | Event::PI(_) => {}
                _ => return Err(FastError),
            }
        }
    }

    /// The text content of a simple element, trimmed as the generated reader trims it.
    pub fn text(&mut self, element: &Child<'_>) -> Result<Cow<'a, str>, FastError> {
        if element.empty {
            return Ok(Cow::Borrowed(""));
        }
        let mut text: Cow<'a, str> = Cow::Borrowed("");
        loop {
            match self.reader.read_event().map_err(|_| FastError)? {
                Event::Text(chunk) => {
                    let chunk = match chunk.into_inner() {
                        Cow::Borrowed(bytes) => {
                            std::str::from_utf8(bytes).map_err(|_| FastError)?
                        }
                        Cow::Owned(_) => return Err(FastError),
                    };
                    if text.is_empty() {
                        text = Cow::Borrowed(chunk);
                    } else {
                        text.to_mut().push_str(chunk);
                    }
                }
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref().map_err(|_| FastError)? {
                        Some(c) => c,
                        None => {
                            let name = reference.decode().map_err(|_| FastError)?;
                            let entity = quick_xml::escape::resolve_predefined_entity(&name)
                                .ok_or(FastError)?;
                            entity.chars().next().ok_or(FastError)?
                        }
                    };
                    text.to_mut().push(resolved);
                }
                Event::CData(data) => {
                    let data = std::str::from_utf8(&data).map_err(|_| FastError)?;
                    text.to_mut().push_str(data);
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::End(_) => break,
                _ => return Err(FastError),
            }
        }
        Ok(match text {
            Cow::Borrowed(borrowed) => {
                Cow::Borrowed(borrowed.trim_matches(|c: char| c.is_ascii_whitespace()))
            }
            Cow::Owned(owned) => Cow::Owned(
                owned
                    .trim_matches(|c: char| c.is_ascii_whitespace())
                    .to_string(),
            ),
        })
    }

    /// Reads past the end of `element`.
    pub fn skip(&mut self, element: &Child<'_>) -> Result<(), FastError> {
        if element.empty {
            return Ok(());
        }
        self.reader
            .read_to_end(element.start.name())
            .map(|_| ())
            .map_err(|_| FastError)
    }

    /// A scalar element's value.
    pub fn scalar<T: FastScalar>(&mut self, element: &Child<'_>) -> Result<T, FastError> {
        if element.nil {
            return Err(FastError);
        }
        let text = self.text(element)?;
        T::parse(&text)
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

    /// The record type an element names with `xsi:type`.
    fn record_type(&self, element: &Child<'_>) -> Result<Vec<u8>, FastError> {
        for attribute in element.start.attributes() {
            let attribute = attribute.map_err(|_| FastError)?;
            let (ns, local) = self.reader.resolver().resolve_attribute(attribute.key);
            if matches!(ns, ResolveResult::Bound(ns) if ns.as_ref() == XSI)
                && local.as_ref() == b"type"
            {
                let value = attribute.value.as_ref();
                let (ns, local) = self.reader.resolver().resolve_element(QName(value));
                return match ns {
                    ResolveResult::Bound(ns) if classify(ns.as_ref()) == Ns::Objects => {
                        Ok(local.as_ref().to_vec())
                    }
                    _ => Err(FastError),
                };
            }
        }
        Err(FastError)
    }
}

/// Simple types: parsed from an element's text.
pub trait FastScalar: Sized {
    /// Parses the trimmed text.
    fn parse(text: &str) -> Result<Self, FastError>;
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

from_str_scalars!(
    usize,
    u64,
    u32,
    i64,
    i32,
    String,
    crate::Text,
    crate::Decimal,
    crate::ResultCode
);

impl FastScalar for bool {
    fn parse(text: &str) -> Result<Self, FastError> {
        match text.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" => Ok(false),
            _ => Err(FastError),
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
        let type_name = reader.record_type(element)?;
        crate::generated::decode_any_record_fast(&type_name, reader, element)
    }
}

/// Reads a whole response envelope whose body is a page of records (Query or
/// GetIncremental*); `None` for anything else or anything unexpected.
pub fn decode_page(bytes: &[u8]) -> Option<Body> {
    let mut reader = FastReader::new(bytes);
    let envelope = loop {
        match reader.reader.read_event().ok()? {
            Event::Start(start) => break reader.child(start, false).ok()?,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {}
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
    loop {
        match reader.reader.read_event().ok()? {
            Event::Eof => return Some(decoded),
            Event::Comment(_) | Event::PI(_) => {}
            Event::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {}
            _ => return None,
        }
    }
}

/// Implements [`FastDecode`] for a generated struct from its element list (emitted by
/// `build.rs`): `field` is `Field<T>`, `opt` `Option<T>`, `vec` `Vec<T>`, `one` a required `T`;
/// `scalar` types are parsed from text, `complex` ones read structurally.
#[doc(hidden)]
#[macro_export]
macro_rules! fast_decoder {
    ($type:path, $ns:path, { $($field:ident : $name:literal => $kind:ident $class:ident $ty:ty,)* }) => {
        impl $crate::soap::fast::FastDecode for $type {
            #[allow(unused_mut, unused_variables)]
            fn decode(
                reader: &mut $crate::soap::fast::FastReader<'_>,
                element: &$crate::soap::fast::Child<'_>,
            ) -> Result<Self, $crate::soap::fast::FastError> {
                $( let mut $field = $crate::fast_decoder!(@init $kind $ty); )*
                while let Some(child) = reader.next_child(element)? {
                    if child.ns() != $ns {
                        return Err($crate::soap::fast::FastError);
                    }
                    match child.local() {
                        $( $name => $crate::fast_decoder!(@store reader, child, $field, $kind, $class, $ty), )*
                        _ => return Err($crate::soap::fast::FastError),
                    }
                }
                Ok(Self { $( $field: $crate::fast_decoder!(@finish $field, $kind), )* })
            }
        }
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
