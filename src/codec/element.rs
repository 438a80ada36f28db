//! Content the schema does not declare: elements as trees, kept in document order.
//!
//! A site's records carry fields our schema lacks (custom fields, newer standard fields),
//! and whole record types we have not typed. Reading keeps them as [`Element`]s instead of
//! failing: inside a typed record in its [`Unknown`] field, remembering where each one
//! stood among the declared fields so that writing the record puts it back there; a record
//! of an untyped record type as a whole tree (see [`DynamicRecord`](crate::DynamicRecord)).

use std::fmt;
use std::sync::Arc;

use crate::{Field, Text};

/// A qualified name: namespace URI (none for an unqualified name) and local name.
///
/// Prefixes are not part of a name: reading resolves them, writing chooses its own.
///
/// ```
/// use convio::codec::Name;
///
/// let name = Name::qualified("urn:object.soap.convio.com", "Nickname");
/// assert_eq!(name.local(), "Nickname");
/// assert_eq!(name.namespace(), Some("urn:object.soap.convio.com"));
/// assert_eq!(Name::unqualified("faultcode").namespace(), None);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name {
    namespace: Option<Arc<str>>,
    local: Text,
}

impl Name {
    /// A name in `namespace`.
    pub fn qualified(namespace: impl Into<Arc<str>>, local: impl Into<Text>) -> Self {
        Name {
            namespace: Some(namespace.into()),
            local: local.into(),
        }
    }

    /// A name in no namespace.
    pub fn unqualified(local: impl Into<Text>) -> Self {
        Name {
            namespace: None,
            local: local.into(),
        }
    }

    /// A name with a namespace that is already shared (the reader interns them).
    pub(crate) fn with_shared(namespace: Option<Arc<str>>, local: Text) -> Self {
        Name { namespace, local }
    }

    /// The local name.
    pub fn local(&self) -> &str {
        &self.local
    }

    /// The namespace URI, if the name is qualified.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{{{namespace}}}{}", self.local),
            None => f.write_str(&self.local),
        }
    }
}

impl fmt::Display for Name {
    /// The local name (what a user calls a field).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.local)
    }
}

/// An attribute the schema does not declare.
///
/// ```
/// use convio::codec::{Attribute, Name};
///
/// let attribute = Attribute::new(Name::unqualified("source"), "import");
/// assert_eq!(attribute.value(), "import");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attribute {
    name: Name,
    value: Text,
}

impl Attribute {
    /// An attribute with its (unescaped) value.
    pub fn new(name: Name, value: impl Into<Text>) -> Self {
        Attribute {
            name,
            value: value.into(),
        }
    }

    /// The attribute's name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The value, references resolved.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// What an [`Element`] holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Content {
    /// `xsi:nil="true"`: explicitly no value (on Update: clear the field).
    Nil,
    /// A simple value, trimmed as typed values are; an empty element is `Text("")`.
    Text(Text),
    /// Child elements, in document order.
    Elements(Vec<Element>),
}

/// An element kept as a tree: name, attributes, and a value, nil, or children.
///
/// ```
/// use convio::codec::{Element, Name};
/// use convio::Field;
///
/// let nickname = Element::value(Name::unqualified("Nickname"), "Ada");
/// assert_eq!(nickname.field(), Field::Value("Ada"));
/// let cleared = Element::nil(Name::unqualified("Nickname"));
/// assert_eq!(cleared.field(), Field::Nil);
/// let group = Element::group(Name::unqualified("ConsName"), vec![nickname]);
/// assert_eq!(group.child("Nickname").map(|e| e.field()), Some(Field::Value("Ada")));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Element {
    name: Name,
    attributes: Vec<Attribute>,
    content: Content,
}

impl Element {
    /// An element with the given content and no attributes.
    pub fn new(name: Name, content: Content) -> Self {
        Element {
            name,
            attributes: Vec::new(),
            content,
        }
    }

    /// A simple element with a value.
    pub fn value(name: Name, value: impl Into<Text>) -> Self {
        Element::new(name, Content::Text(value.into()))
    }

    /// A nil element (`xsi:nil="true"`).
    pub fn nil(name: Name) -> Self {
        Element::new(name, Content::Nil)
    }

    /// An element with children.
    pub fn group(name: Name, children: Vec<Element>) -> Self {
        Element::new(name, Content::Elements(children))
    }

    /// Adds an attribute.
    pub fn with_attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// The element's name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The attributes other than namespace declarations and `xsi:nil`.
    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    /// Mutable access to the attributes.
    pub fn attributes_mut(&mut self) -> &mut Vec<Attribute> {
        &mut self.attributes
    }

    /// The content.
    pub fn content(&self) -> &Content {
        &self.content
    }

    /// Mutable access to the content.
    pub fn content_mut(&mut self) -> &mut Content {
        &mut self.content
    }

    /// The element as a field: `Nil` when nil, `Value` for a simple value, `Absent` for an
    /// element with children (it has no value of its own).
    pub fn field(&self) -> Field<&str> {
        match &self.content {
            Content::Nil => Field::Nil,
            Content::Text(text) => Field::Value(text.as_str()),
            Content::Elements(_) => Field::Absent,
        }
    }

    /// The children (none for a simple or nil element).
    pub fn children(&self) -> &[Element] {
        match &self.content {
            Content::Elements(children) => children,
            Content::Nil | Content::Text(_) => &[],
        }
    }

    /// The first child with this local name.
    pub fn child(&self, local: &str) -> Option<&Element> {
        self.children().iter().find(|c| c.name.local() == local)
    }

    pub(crate) fn from_parts(name: Name, attributes: Vec<Attribute>, content: Content) -> Self {
        Element {
            name,
            attributes,
            content,
        }
    }
}

/// Content of a typed value that its schema type does not declare, kept for writing back.
///
/// Each element remembers its position: the number of declared fields (in schema order)
/// that may come before it, so that it is written back between the same two declared
/// fields. Unknown attributes of the value's own element are kept too.
///
/// Empty by default, and then no bigger than a pointer.
///
/// ```
/// use convio::codec::{Element, Name, Unknown};
///
/// let mut unknown = Unknown::default();
/// assert!(unknown.is_empty());
/// unknown.push(Element::value(Name::unqualified("Custom_PartyAffiliation"), "Independent"));
/// assert_eq!(unknown.element("Custom_PartyAffiliation").unwrap().field().as_option(), Some(&"Independent"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Unknown(Option<Box<Kept>>);

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct Kept {
    /// (position among the declared fields, element), in document order.
    elements: Vec<(usize, Element)>,
    attributes: Vec<Attribute>,
}

impl Unknown {
    /// `true` when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The kept elements, in document order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> + '_ {
        self.kept_elements().iter().map(|(_, element)| element)
    }

    /// The kept elements with their positions: an element at position `n` is written after
    /// the first `n` declared fields and before the others.
    pub fn positioned(&self) -> impl Iterator<Item = (usize, &Element)> + '_ {
        self.kept_elements()
            .iter()
            .map(|(at, element)| (*at, element))
    }

    /// The first kept element with this local name.
    pub fn element(&self, local: &str) -> Option<&Element> {
        self.elements().find(|e| e.name().local() == local)
    }

    /// The kept attributes of the value's own element.
    pub fn attributes(&self) -> &[Attribute] {
        self.0.as_ref().map_or(&[], |kept| &kept.attributes)
    }

    /// Appends an element after every declared field.
    pub fn push(&mut self, element: Element) {
        self.insert_at(usize::MAX, element);
    }

    /// Appends an element at a position among the declared fields (see
    /// [`positioned`](Self::positioned)).
    pub fn insert_at(&mut self, position: usize, element: Element) {
        self.kept().elements.push((position, element));
    }

    /// Adds an attribute to the value's own element.
    pub fn push_attribute(&mut self, attribute: Attribute) {
        self.kept().attributes.push(attribute);
    }

    /// Removes the kept elements with this local name, returning how many there were.
    pub fn remove(&mut self, local: &str) -> usize {
        let Some(kept) = self.0.as_mut() else {
            return 0;
        };
        let before = kept.elements.len();
        kept.elements.retain(|(_, e)| e.name().local() != local);
        let removed = before - kept.elements.len();
        if kept.elements.is_empty() && kept.attributes.is_empty() {
            self.0 = None;
        }
        removed
    }

    /// Forgets everything kept.
    pub fn clear(&mut self) {
        self.0 = None;
    }

    pub(crate) fn kept_elements(&self) -> &[(usize, Element)] {
        self.0.as_ref().map_or(&[], |kept| &kept.elements)
    }

    fn kept(&mut self) -> &mut Kept {
        self.0.get_or_insert_with(Box::default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_unknown_is_one_pointer() {
        assert_eq!(std::mem::size_of::<Unknown>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn removing_the_last_element_empties_it_again() {
        let mut unknown = Unknown::default();
        unknown.insert_at(2, Element::nil(Name::unqualified("A")));
        unknown.insert_at(2, Element::nil(Name::unqualified("B")));
        assert_eq!(
            unknown.positioned().map(|(at, _)| at).collect::<Vec<_>>(),
            [2, 2]
        );
        assert_eq!(unknown.remove("A"), 1);
        assert!(!unknown.is_empty());
        assert_eq!(unknown.remove("B"), 1);
        assert!(unknown.is_empty());
    }
}
