//! Records of types the crate has no struct for.

use super::OBJECTS_NAMESPACE;
use crate::codec::writer::{write_tree, TreeMode};
use crate::codec::{Attribute, Content, Element, Name, WriteError};
use crate::{Field, Text};

/// A record of a type the schema does not declare: its type name and an ordered tree of
/// fields.
///
/// Leaves have the same three states as a typed record's [`Field`]: a missing field is
/// `Absent` (on Update: left unchanged), a nil one `Nil` (cleared), anything else `Value`.
/// Groups (`Address.City`) nest; a repeated field is several fields of the same name. Fields
/// are written in the order they are held: read from the server, that is the server's
/// order; built here, [`Client`](crate::soap::Client) puts them in the order of the site's
/// schema when it has one (see [`ClientBuilder::schema`](crate::soap::ClientBuilder::schema)).
///
/// ```
/// use convio::{DynamicRecord, Field};
///
/// let registration = DynamicRecord::new("VolunteerRegistration")
///     .with("RegistrationId", Field::Value("77"))
///     .with("TeamName", Field::Value("Harbour Runners"))
///     .with("Address.City", Field::Value("Halifax"))
///     .with("EmergencyPhone", Field::<&str>::Nil);
/// assert_eq!(registration.get("Address.City"), Field::Value("Halifax"));
/// assert_eq!(registration.get("EmergencyPhone"), Field::Nil);
/// assert_eq!(registration.get("Notes"), Field::Absent);
/// assert_eq!(registration.paths()[0], ("RegistrationId".to_string(), Field::Value("77".to_string())));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DynamicRecord {
    type_name: Text,
    fields: Vec<Element>,
    attributes: Vec<Attribute>,
}

impl DynamicRecord {
    /// An empty record of `type_name` (the `xsi:type` local name).
    pub fn new(type_name: impl Into<Text>) -> Self {
        DynamicRecord {
            type_name: type_name.into(),
            fields: Vec::new(),
            attributes: Vec::new(),
        }
    }

    pub(crate) fn from_parts(
        type_name: impl Into<Text>,
        fields: Vec<Element>,
        attributes: Vec<Attribute>,
    ) -> Self {
        DynamicRecord {
            type_name: type_name.into(),
            fields,
            attributes,
        }
    }

    /// The record type.
    pub fn type_name(&self) -> &str {
        &self.type_name
    }

    /// The fields, in order.
    pub fn fields(&self) -> &[Element] {
        &self.fields
    }

    /// Mutable access to the fields.
    pub fn fields_mut(&mut self) -> &mut Vec<Element> {
        &mut self.fields
    }

    /// Attributes of the record element other than `xsi:type`.
    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    /// The field at a dotted path (`Address.City`): `Absent` when there is none, `Nil` or
    /// `Value` otherwise. A group has no value of its own (`Absent`).
    pub fn get(&self, path: &str) -> Field<&str> {
        self.element(path).map_or(Field::Absent, Element::field)
    }

    /// The element at a dotted path (the first, for a repeated field).
    pub fn element(&self, path: &str) -> Option<&Element> {
        let mut segments = path.split('.');
        let first = segments.next()?;
        let mut current = self.fields.iter().find(|f| f.name().local() == first)?;
        for segment in segments {
            current = current.child(segment)?;
        }
        Some(current)
    }

    /// Every value of a repeated field at a top-level name, in order.
    pub fn get_all(&self, name: &str) -> Vec<Field<&str>> {
        self.fields
            .iter()
            .filter(|f| f.name().local() == name)
            .map(Element::field)
            .collect()
    }

    /// Sets the field at a dotted path: `Value` sets it, `Nil` makes it nil, `Absent`
    /// removes it. Groups on the way are created as needed; a new field goes last in its
    /// group.
    pub fn set<T: Into<Text>>(&mut self, path: &str, value: Field<T>) {
        let segments: Vec<&str> = path.split('.').collect();
        set_in(&mut self.fields, &segments, value.map(Into::into));
    }

    /// [`set`](Self::set), for building a record in one expression.
    pub fn with<T: Into<Text>>(mut self, path: &str, value: Field<T>) -> Self {
        self.set(path, value);
        self
    }

    /// Appends one more value of a repeated top-level field.
    pub fn push(&mut self, name: &str, value: impl Into<Text>) {
        self.fields.push(Element::value(field_name(name), value));
    }

    /// The leaf values as (dotted path, value) pairs, in order; a repeated field gives one
    /// pair per value.
    pub fn paths(&self) -> Vec<(String, Field<String>)> {
        crate::codec::leaves::collect(self)
    }

    /// Puts the top-level fields in the order of `order` (field names); fields not listed
    /// keep their relative order after the listed ones.
    pub fn order_fields(&mut self, order: &[&str]) {
        let rank = |element: &Element| {
            order
                .iter()
                .position(|name| *name == element.name().local())
                .unwrap_or(order.len())
        };
        self.fields.sort_by_key(rank);
    }

    /// Writes the fields as they are held; an empty value is refused, as for typed records.
    pub(crate) fn write_fields(&self, out: &mut Vec<u8>) -> Result<(), WriteError> {
        for field in &self.fields {
            write_tree(out, field, TreeMode::Checked)?;
        }
        Ok(())
    }
}

fn field_name(local: &str) -> Name {
    Name::qualified(OBJECTS_NAMESPACE, local)
}

fn set_in(fields: &mut Vec<Element>, segments: &[&str], value: Field<Text>) {
    let Some((first, rest)) = segments.split_first() else {
        return;
    };
    let position = fields.iter().position(|f| f.name().local() == *first);
    if rest.is_empty() {
        let element = match value {
            Field::Absent => {
                fields.retain(|f| f.name().local() != *first);
                return;
            }
            Field::Nil => Element::nil(field_name(first)),
            Field::Value(text) => Element::value(field_name(first), text),
        };
        match position {
            Some(at) => fields[at] = element,
            None => fields.push(element),
        }
        return;
    }
    let at = match position {
        Some(at) => at,
        None => {
            if value.is_absent() {
                return;
            }
            fields.push(Element::group(field_name(first), Vec::new()));
            fields.len() - 1
        }
    };
    let group = &mut fields[at];
    if !matches!(group.content(), Content::Elements(_)) {
        *group.content_mut() = Content::Elements(Vec::new());
    }
    if let Content::Elements(children) = group.content_mut() {
        set_in(children, rest, value);
    }
}

impl crate::codec::Leaves for DynamicRecord {
    fn visit_leaves(&self, path: &mut String, visit: &mut crate::codec::leaves::Visit<'_>) {
        for field in &self.fields {
            crate::codec::leaves::tree(path, field, visit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_replaces_clears_and_removes_in_place() {
        let mut record = DynamicRecord::new("Survey")
            .with("A", Field::Value("1"))
            .with("B.C", Field::Value("2"))
            .with("D", Field::Value("3"));
        record.set("A", Field::<&str>::Nil);
        record.set("B.C", Field::Value("20"));
        record.set("D", Field::<&str>::Absent);
        assert_eq!(
            record.paths(),
            [
                ("A".to_string(), Field::Nil),
                ("B.C".to_string(), Field::Value("20".to_string())),
            ]
        );
    }

    #[test]
    fn fields_are_ordered_by_a_schema_and_unlisted_ones_follow() {
        let mut record = DynamicRecord::new("Survey")
            .with("Extra", Field::Value("x"))
            .with("Second", Field::Value("2"))
            .with("First", Field::Value("1"));
        record.order_fields(&["First", "Second"]);
        let names: Vec<&str> = record.fields().iter().map(|f| f.name().local()).collect();
        assert_eq!(names, ["First", "Second", "Extra"]);
    }

    #[test]
    fn empty_values_are_refused_when_written() {
        let record = DynamicRecord::new("Survey").with("Name", Field::Value(""));
        let error = record.write_fields(&mut Vec::new()).unwrap_err();
        assert!(matches!(
            error.into_encode_error(&["Record"]),
            crate::EncodeError::EmptyValue { element } if element == "Record/Name"
        ));
    }
}
