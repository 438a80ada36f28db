//! The shapes of the tables `build/` renders from the schemas: each type's child elements in
//! schema order, and the global elements. Readers that must
//! rebuild schema order from unordered input (the Server API's JSON, field-path pairs) and the
//! runtime schema read them.

/// One child element of a complex type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChildElement {
    /// Element name.
    pub name: &'static str,
    /// Its XML type name when complex; otherwise the Rust kind of its value (`u64`, `Text`).
    pub type_name: &'static str,
    /// `maxOccurs` above one.
    pub repeated: bool,
    /// `nillable="true"`.
    pub nillable: bool,
}

/// A complex type and its child elements in schema order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TypeElements {
    /// XML type name.
    pub type_name: &'static str,
    /// Child elements in schema order.
    pub children: &'static [ChildElement],
}

/// A global element of a schema and its XML type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RootElement {
    /// Element name.
    pub name: &'static str,
    /// XML type name.
    pub type_name: &'static str,
}

/// The child elements of `type_name` in `table`; `None` for a simple or unknown type.
pub(crate) fn children_of(
    table: &'static [TypeElements],
    type_name: &str,
) -> Option<&'static [ChildElement]> {
    table
        .iter()
        .find(|entry| entry.type_name == type_name)
        .map(|entry| entry.children)
}
