//! Writing values as compact XML, byte for byte in schema order.
//!
//! The generated types write their tags spelled out at compile time (see
//! [`codec_tag!`](super::codec_tag)), so that writing a tag is a single copy of a known
//! length. How a [`Field`](crate::Field) is written is in [`super::field`].

use super::element::{Attribute, Content, Element, Name, Unknown};
use super::error::WriteError;
use super::escape::escape_into;
use super::names::Ns;
use super::scalar::Scalar;

/// An element's tags, spelled out at compile time so that writing one is a single copy.
#[derive(Debug)]
pub(crate) struct Tag {
    /// The local name (for error paths).
    pub(crate) name: &'static str,
    /// `<p:name>`
    pub(crate) open: &'static str,
    /// `</p:name>`
    pub(crate) close: &'static str,
    /// `<p:name xsi:nil="true"/>`
    pub(crate) nil: &'static str,
    /// `<p:name/>`
    pub(crate) empty: &'static str,
}

impl Tag {
    /// `<p:name` (the open tag without its `>`, for attributes to follow).
    pub(crate) fn start(&self) -> &'static str {
        &self.open[..self.open.len() - 1]
    }
}

/// A [`Tag`] from a prefix (`""` for an unqualified name) and a local name, both literals.
macro_rules! codec_tag {
    ("", $name:literal) => {
        &$crate::codec::writer::Tag {
            name: $name,
            open: concat!("<", $name, ">"),
            close: concat!("</", $name, ">"),
            nil: concat!("<", $name, " xsi:nil=\"true\"/>"),
            empty: concat!("<", $name, "/>"),
        }
    };
    ($prefix:literal, $name:literal) => {
        &$crate::codec::writer::Tag {
            name: $name,
            open: concat!("<", $prefix, ":", $name, ">"),
            close: concat!("</", $prefix, ":", $name, ">"),
            nil: concat!("<", $prefix, ":", $name, " xsi:nil=\"true\"/>"),
            empty: concat!("<", $prefix, ":", $name, "/>"),
        }
    };
}
pub(crate) use codec_tag;

/// A complex value: writes its children (and knows the attributes it keeps).
pub(crate) trait Encode {
    /// Writes the value as the element `tag`: start tag, children, end tag. A complex
    /// element is written with an end tag even when it has no children.
    fn write_element(&self, out: &mut Vec<u8>, tag: &Tag) -> Result<usize, WriteError> {
        let attributes = self.kept_attributes();
        if attributes.is_empty() {
            out.extend_from_slice(tag.open.as_bytes());
        } else {
            out.extend_from_slice(tag.start().as_bytes());
            write_attributes(out, attributes).map_err(|e| e.within(tag.name))?;
            out.push(b'>');
        }
        let content_start = out.len();
        self.write_children(out).map_err(|e| e.within(tag.name))?;
        let written = out.len() - content_start;
        out.extend_from_slice(tag.close.as_bytes());
        Ok(written)
    }

    /// Appends the child elements.
    fn write_children(&self, out: &mut Vec<u8>) -> Result<(), WriteError>;

    /// Attributes kept from reading, written back on the value's own element.
    fn kept_attributes(&self) -> &[Attribute] {
        &[]
    }
}

/// `<p:name>text</p:name>`.
pub(crate) fn write_scalar<T: Scalar>(
    out: &mut Vec<u8>,
    tag: &Tag,
    value: &T,
) -> Result<(), WriteError> {
    out.extend_from_slice(tag.open.as_bytes());
    value.write_text(out).map_err(|e| e.within(tag.name))?;
    out.extend_from_slice(tag.close.as_bytes());
    Ok(())
}

/// A complex element.
pub(crate) fn write_complex<T: Encode>(
    out: &mut Vec<u8>,
    tag: &Tag,
    value: &T,
) -> Result<(), WriteError> {
    value.write_element(out, tag).map(|_| ())
}

/// The kept elements at `position` among the declared fields.
pub(crate) fn write_kept_at(
    out: &mut Vec<u8>,
    unknown: &Unknown,
    position: usize,
) -> Result<(), WriteError> {
    for (at, element) in unknown.kept_elements() {
        if *at == position {
            write_tree(out, element, TreeMode::AsRead)?;
        }
    }
    Ok(())
}

/// The kept elements from `position` on (after the last declared field).
pub(crate) fn write_kept_from(
    out: &mut Vec<u8>,
    unknown: &Unknown,
    position: usize,
) -> Result<(), WriteError> {
    for (at, element) in unknown.kept_elements() {
        if *at >= position {
            write_tree(out, element, TreeMode::AsRead)?;
        }
    }
    Ok(())
}

/// How a tree is checked while written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TreeMode {
    /// Content kept from reading goes back as it came, empty elements included.
    AsRead,
    /// Values a caller set follow the [`Field`](crate::Field) rules: an empty value is refused.
    Checked,
}

/// Writes an element tree. Names in a known namespace take its usual prefix (declared on
/// the root); other namespaces are declared on the element that uses them.
pub(crate) fn write_tree(
    out: &mut Vec<u8>,
    element: &Element,
    mode: TreeMode,
) -> Result<(), WriteError> {
    let local = element.name().local();
    let mut declarations: Vec<(String, &str)> = Vec::new();
    let name = prefixed(element.name(), &mut declarations);
    let attribute_names: Vec<String> = element
        .attributes()
        .iter()
        .map(|a| prefixed(a.name(), &mut declarations))
        .collect();
    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
    for (prefix, uri) in &declarations {
        out.extend_from_slice(b" xmlns:");
        out.extend_from_slice(prefix.as_bytes());
        out.extend_from_slice(b"=\"");
        escape_into(out, uri).map_err(|e| e.within(local))?;
        out.push(b'"');
    }
    for (attribute, name) in element.attributes().iter().zip(&attribute_names) {
        write_attribute(out, name, attribute.value()).map_err(|e| e.within(local))?;
    }
    match element.content() {
        Content::Nil => out.extend_from_slice(b" xsi:nil=\"true\"/>"),
        Content::Text(text) if text.is_empty() => {
            if mode == TreeMode::Checked {
                return Err(WriteError::empty(local));
            }
            out.extend_from_slice(b"/>");
        }
        Content::Text(text) => {
            out.push(b'>');
            escape_into(out, text).map_err(|e| e.within(local))?;
            close(out, &name);
        }
        Content::Elements(children) if children.is_empty() => {
            if mode == TreeMode::Checked {
                return Err(WriteError::empty(local));
            }
            out.extend_from_slice(b"/>");
        }
        Content::Elements(children) => {
            out.push(b'>');
            for child in children {
                write_tree(out, child, mode).map_err(|e| e.within(local))?;
            }
            close(out, &name);
        }
    }
    Ok(())
}

fn close(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(b"</");
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
}

/// The written form of a name, adding a declaration for a namespace that has no usual
/// prefix.
fn prefixed<'n>(name: &'n Name, declarations: &mut Vec<(String, &'n str)>) -> String {
    let Some(uri) = name.namespace() else {
        return name.local().to_string();
    };
    let ns = Ns::classify(uri.as_bytes());
    let prefix = match ns.prefix() {
        Some(prefix) => prefix.to_string(),
        None => match declarations.iter().find(|(_, declared)| *declared == uri) {
            Some((prefix, _)) => prefix.clone(),
            None => {
                let prefix = format!("ns{}", declarations.len() + 1);
                declarations.push((prefix.clone(), uri));
                prefix
            }
        },
    };
    format!("{prefix}:{}", name.local())
}

/// ` name="value"` for every attribute.
pub(crate) fn write_attributes(
    out: &mut Vec<u8>,
    attributes: &[Attribute],
) -> Result<(), WriteError> {
    let mut declarations = Vec::new();
    let names: Vec<String> = attributes
        .iter()
        .map(|a| prefixed(a.name(), &mut declarations))
        .collect();
    for (prefix, uri) in &declarations {
        write_attribute(out, &format!("xmlns:{prefix}"), uri)?;
    }
    for (attribute, name) in attributes.iter().zip(&names) {
        write_attribute(out, name, attribute.value())?;
    }
    Ok(())
}

fn write_attribute(out: &mut Vec<u8>, name: &str, value: &str) -> Result<(), WriteError> {
    out.push(b' ');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"=\"");
    escape_into(out, value)?;
    out.push(b'"');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Name;

    fn tree(element: &Element, mode: TreeMode) -> Result<String, WriteError> {
        let mut out = Vec::new();
        write_tree(&mut out, element, mode)?;
        Ok(String::from_utf8(out).expect("utf-8"))
    }

    #[test]
    fn trees_take_the_usual_prefixes_and_declare_foreign_namespaces() {
        let element = Element::group(
            Name::qualified("urn:object.soap.convio.com", "Extra"),
            vec![
                Element::value(Name::qualified("urn:example:site", "Code"), "A&B"),
                Element::nil(Name::unqualified("Plain")),
                Element::value(Name::unqualified("Empty"), ""),
            ],
        )
        .with_attribute(Attribute::new(Name::unqualified("source"), "x\"y"));
        assert_eq!(
            tree(&element, TreeMode::AsRead).unwrap(),
            r#"<ens:Extra source="x&quot;y"><ns1:Code xmlns:ns1="urn:example:site">A&amp;B</ns1:Code><Plain xsi:nil="true"/><Empty/></ens:Extra>"#
        );
    }

    #[test]
    fn checked_trees_refuse_empty_values_with_their_path() {
        let element = Element::group(
            Name::unqualified("Extra"),
            vec![Element::value(Name::unqualified("Empty"), "")],
        );
        let error = tree(&element, TreeMode::Checked).unwrap_err();
        assert_eq!(
            error.into_encode_error(&["Record"]),
            crate::codec::document_error::EncodeError::EmptyValue {
                element: "Record/Extra/Empty".into()
            }
        );
    }
}
