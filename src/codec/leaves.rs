//! Typed values walked by field path: every simple value below a value with its dotted
//! path (`ConsName.FirstName`), in the order writing it would put them, without writing it.
//!
//! Synchronization stores a record as one column or JSON key per path; walking the typed
//! value directly spares writing it out and reading it back. The rules are the wire's: an
//! absent field and an empty value give nothing, a nil field gives `Nil` (a nil group too,
//! under the group's own path), and content kept from reading comes at its position among
//! the declared fields, an empty kept element giving an empty value as it was read.

use crate::Field;

use super::element::{Content, Element, Unknown};
use super::scalar::Scalar;

/// Receives each simple value: its dotted path, and `Value` or `Nil`.
pub(crate) type Visit<'v> = dyn FnMut(&str, Field<&str>) + 'v;

/// A complex value walked by path.
pub(crate) trait Leaves {
    /// Calls `visit` for each simple value below, `path` (the value's own path, empty at a
    /// record) extended by each field's name on the way down and restored on return.
    fn visit_leaves(&self, path: &mut String, visit: &mut Visit<'_>);
}

/// Runs `inner` with `name` appended to `path` as one more segment.
fn within(path: &mut String, name: &str, inner: impl FnOnce(&mut String)) {
    let cut = path.len();
    if cut > 0 {
        path.push('.');
    }
    path.push_str(name);
    inner(path);
    path.truncate(cut);
}

/// A simple field holding `value`.
pub(crate) fn scalar<T: Scalar>(path: &mut String, name: &str, value: &T, visit: &mut Visit<'_>) {
    let text = value.text();
    if !text.is_empty() {
        within(path, name, |path| visit(path, Field::Value(&text)));
    }
}

/// A complex field holding `value`.
pub(crate) fn complex<T: Leaves>(path: &mut String, name: &str, value: &T, visit: &mut Visit<'_>) {
    within(path, name, |path| value.visit_leaves(path, visit));
}

/// A nillable simple field.
pub(crate) fn field_scalar<T: Scalar>(
    path: &mut String,
    name: &str,
    field: &Field<T>,
    visit: &mut Visit<'_>,
) {
    nillable(path, name, field, visit, scalar);
}

/// A nillable complex field.
pub(crate) fn field_complex<T: Leaves>(
    path: &mut String,
    name: &str,
    field: &Field<T>,
    visit: &mut Visit<'_>,
) {
    nillable(path, name, field, visit, complex);
}

/// The rule both share: `Absent` gives nothing, `Nil` a nil under the field's own path,
/// `Value` whatever `value` gives for it.
fn nillable<T>(
    path: &mut String,
    name: &str,
    field: &Field<T>,
    visit: &mut Visit<'_>,
    value: fn(&mut String, &str, &T, &mut Visit<'_>),
) {
    match field {
        Field::Absent => {}
        Field::Nil => within(path, name, |path| visit(path, Field::Nil)),
        Field::Value(inner) => value(path, name, inner, visit),
    }
}

/// The kept elements at `position` among the declared fields.
pub(crate) fn kept_at(
    unknown: &Unknown,
    position: usize,
    path: &mut String,
    visit: &mut Visit<'_>,
) {
    for (at, element) in unknown.kept_elements() {
        if *at == position {
            tree(path, element, visit);
        }
    }
}

/// The kept elements from `position` on (after the last declared field).
pub(crate) fn kept_from(
    unknown: &Unknown,
    position: usize,
    path: &mut String,
    visit: &mut Visit<'_>,
) {
    for (at, element) in unknown.kept_elements() {
        if *at >= position {
            tree(path, element, visit);
        }
    }
}

/// An element tree: its values by path, an empty element (no text, no children) as an
/// empty value.
pub(crate) fn tree(path: &mut String, element: &Element, visit: &mut Visit<'_>) {
    within(path, element.name().local(), |path| {
        match element.content() {
            Content::Nil => visit(path, Field::Nil),
            Content::Text(text) => visit(path, Field::Value(text.as_str())),
            Content::Elements(children) if children.is_empty() => visit(path, Field::Value("")),
            Content::Elements(children) => {
                for child in children {
                    tree(path, child, visit);
                }
            }
        }
    });
}

/// The pairs of a value, collected (for callers that keep them).
pub(crate) fn collect(value: &impl Leaves) -> Vec<(String, Field<String>)> {
    let mut pairs = Vec::with_capacity(64);
    let mut path = String::with_capacity(64);
    value.visit_leaves(&mut path, &mut |path, field| {
        pairs.push((path.to_string(), field.map(str::to_string)));
    });
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Name;

    #[test]
    fn a_tree_names_every_value_with_its_parents() {
        let group = Element::group(
            Name::unqualified("ConsName"),
            vec![
                Element::value(Name::unqualified("Nickname"), "Ada"),
                Element::nil(Name::unqualified("Suffix")),
                Element::value(Name::unqualified("Title"), ""),
            ],
        );
        let mut paths = Vec::new();
        tree(&mut String::new(), &group, &mut |path, value| {
            paths.push((path.to_string(), value.map(str::to_string)))
        });
        assert_eq!(
            paths,
            [
                (
                    "ConsName.Nickname".to_string(),
                    Field::Value("Ada".to_string())
                ),
                ("ConsName.Suffix".to_string(), Field::Nil),
                ("ConsName.Title".to_string(), Field::Value(String::new())),
            ]
        );
    }
}
