//! Records as the emulator stores them: leaf values by dot path, repeated ids as lists, read
//! from request elements and written back in schema order.

use std::collections::{BTreeMap, HashSet};

use super::values::{check_value, xsd_type};
use super::xml::{Element, ENS};
use crate::schema::Schema;

/// Stored fields of one record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    /// Leaf values by dot path (`ConsName.MiddleName`).
    pub values: BTreeMap<String, String>,
    /// Repeated leaves (`GroupId`) by path.
    pub lists: BTreeMap<String, Vec<String>>,
}

impl Fields {
    /// The value at `path`.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.values.get(path).map(String::as_str)
    }
}

/// Constituent fields the server sets; uploads of them are ignored.
pub const READ_ONLY: &[&str] = &[
    "EmailOptInStatus",
    "EmailStatus",
    "HardBounceCount",
    "SoftBounceCount",
    "MatchedDonor",
    "AffiliateAssignment",
    "EngagementFactor1",
    "EngagementFactor2",
    "EngagementFactor3",
    "EngagementFactor4",
    "EngagementFactor5",
    "EngagementFactor6",
    "EngagementFactor7",
    "EngagementFactor8",
    "EngagementFactor9",
    "EngagementFactor10",
    "CreationDate",
    "ModifyDate",
];

/// Whether the top-level field `field` of `record_type` is set by the server only.
pub fn is_read_only(record_type: &str, field: &str) -> bool {
    record_type == "Constituent" && READ_ONLY.contains(&field)
}

/// What an upload does with the repeated id lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListMode {
    /// Create: the lists are the record's lists.
    Set,
    /// Update: memberships are not changed by Update.
    Ignore,
    /// AddRelationships.
    Add,
    /// RemoveRelationships.
    Remove,
}

/// One change a record element makes to a leaf value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    /// A value sets the leaf.
    Set(String, String),
    /// `xsi:nil` on a leaf clears it.
    Clear(String),
    /// `xsi:nil` on a complex field clears every leaf below it (the path ends in `.`).
    ClearBelow(String),
}

/// A record element read and checked against the schema: what it would change, ready to be
/// applied to stored fields. Reading (the costly part: every value checked, the repeated ids
/// deduplicated) needs no site state, so it happens before the emulator takes its lock;
/// applying is linear in the stored record and the patch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patch {
    ops: Vec<Op>,
    /// Repeated leaves (`GroupId`) by path: each value once, in document order.
    lists: Vec<(String, Vec<String>)>,
}

impl Patch {
    /// Reads a record element: a value sets, `xsi:nil` clears, an empty element leaves
    /// unchanged. Unknown, misplaced or mistyped fields, and characters XML 1.0 forbids, are
    /// refused with a message naming the field (an invalid message, not a per-record result).
    /// Server-set fields ([`is_read_only`]) are left out.
    pub fn read(schema: &Schema, record: &Element, type_name: &str) -> Result<Patch, String> {
        let mut patch = Patch::default();
        let mut lists: Vec<(String, Vec<String>, HashSet<String>)> = Vec::new();
        read_level(schema, &mut patch, &mut lists, record, type_name, "")?;
        patch.lists = lists
            .into_iter()
            .map(|(path, values, _)| (path, values))
            .collect();
        Ok(patch)
    }

    /// Applies the patch to stored fields; `skip` lists top-level fields the caller handles
    /// itself (the identifiers). Linear in the patch and the stored lists it touches.
    pub fn apply(&self, fields: &mut Fields, lists: ListMode, skip: &[&str]) {
        let skipped = |path: &str| skip.contains(&path.split('.').next().unwrap_or(path));
        for op in &self.ops {
            match op {
                Op::Set(path, _) | Op::Clear(path) | Op::ClearBelow(path) if skipped(path) => {}
                Op::Set(path, value) => {
                    fields.values.insert(path.clone(), value.clone());
                }
                Op::Clear(path) => {
                    fields.values.remove(path);
                }
                Op::ClearBelow(prefix) => fields.values.retain(|key, _| !key.starts_with(prefix)),
            }
        }
        for (path, values) in &self.lists {
            if skipped(path) {
                continue;
            }
            merge_list(fields, path, values, lists);
        }
    }
}

/// Adds `values` to (or removes them from) the list at `path`, in time linear in both.
pub fn merge_list(fields: &mut Fields, path: &str, values: &[String], mode: ListMode) {
    match mode {
        ListMode::Ignore => {}
        ListMode::Set | ListMode::Add => {
            let list = fields.lists.entry(path.to_string()).or_default();
            let present: HashSet<&str> = list.iter().map(String::as_str).collect();
            let mut added: HashSet<&str> = HashSet::new();
            let new: Vec<String> = values
                .iter()
                .filter(|v| !present.contains(v.as_str()) && added.insert(v.as_str()))
                .cloned()
                .collect();
            drop(present);
            list.extend(new);
        }
        ListMode::Remove => {
            if let Some(list) = fields.lists.get_mut(path) {
                let removed: HashSet<&str> = values.iter().map(String::as_str).collect();
                list.retain(|v| !removed.contains(v.as_str()));
            }
        }
    }
}

fn read_level(
    schema: &Schema,
    patch: &mut Patch,
    lists: &mut Vec<(String, Vec<String>, HashSet<String>)>,
    element: &Element,
    type_name: &str,
    prefix: &str,
) -> Result<(), String> {
    let children = schema
        .fields(type_name)
        .ok_or_else(|| format!("{type_name} has no fields"))?;
    if element.has_text() {
        let where_ = if prefix.is_empty() { type_name } else { prefix };
        return Err(format!("`{where_}` holds text besides its fields"));
    }
    let mut last_position = 0;
    for child in element.children.iter() {
        if child.namespace.as_deref() != Some(ENS) {
            return Err(format!("field `{}` is not in namespace {ENS}", child.name));
        }
        let position = children
            .iter()
            .position(|field| field.name == child.name)
            .ok_or_else(|| format!("`{}` is not a field of {type_name}", child.name))?;
        if position < last_position {
            return Err(format!(
                "field `{}` of {type_name} is out of schema order",
                child.name
            ));
        }
        last_position = position;
        let field = &children[position];
        let (name, child_type, repeated) = (
            field.name.as_str(),
            field.type_name.as_str(),
            field.repeated,
        );
        let path = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        };
        if prefix.is_empty() && is_read_only(type_name, name) {
            continue;
        }
        if repeated {
            let Some(value) = checked_value(child, type_name, name, child_type, &path)? else {
                continue;
            };
            // Lists of one path are adjacent (schema order), so the last entry is the one.
            match lists.last_mut() {
                Some((last, values, seen)) if *last == path => {
                    if seen.insert(value.clone()) {
                        values.push(value);
                    }
                }
                _ => {
                    let mut seen = HashSet::new();
                    seen.insert(value.clone());
                    lists.push((path, vec![value], seen));
                }
            }
            continue;
        }
        if schema.fields(child_type).is_some() {
            if child.nil {
                patch.ops.push(Op::ClearBelow(format!("{path}.")));
            } else {
                read_level(schema, patch, lists, child, child_type, &path)?;
            }
            continue;
        }
        if child.nil {
            if !child.children.is_empty() || child.has_text() {
                return Err(format!("field `{path}` is nil but has content"));
            }
            patch.ops.push(Op::Clear(path));
        } else if let Some(value) = checked_value(child, type_name, name, child_type, &path)? {
            patch.ops.push(Op::Set(path, value));
        }
    }
    Ok(())
}

/// The element's value checked against its simple type; `None` for an empty element.
fn checked_value(
    element: &Element,
    parent: &str,
    field: &str,
    type_name: &str,
    path: &str,
) -> Result<Option<String>, String> {
    if !element.children.is_empty() {
        return Err(format!("field `{path}` is simple but has child elements"));
    }
    let text = element.text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    check_value(parent, field, type_name, path, &element.text)?;
    check_value(parent, field, type_name, path, text)?;
    let normalized = match (type_name, text) {
        ("bool", "1") => "true",
        ("bool", "0") => "false",
        _ => text,
    };
    // Keep string values as sent (inner whitespace included); other types trimmed.
    if matches!(type_name, "string" | "String" | "Text" | "normalizedString")
        && !matches!(xsd_type(parent, field), Some("date" | "dateTime"))
    {
        Ok(Some(element.text.to_string()))
    } else {
        Ok(Some(normalized.to_string()))
    }
}

/// Wildcard children of complex types, for `select ConsName` and `select *`.
pub(crate) fn wildcard<'s>(schema: &'s Schema, type_name: &str) -> Vec<&'s str> {
    match type_name {
        "Constituent" => vec!["ConsId", "MemberId", "ConsName", "UserName", "PrimaryEmail"],
        "Name" => vec!["FirstName", "LastName"],
        _ => schema
            .fields(type_name)
            .map(|c| c.iter().map(|f| f.name.as_str()).collect())
            .unwrap_or_default(),
    }
}

/// Expands a selection into the leaf and list paths to show.
pub fn expand_selection(
    schema: &Schema,
    type_name: &str,
    paths: &[String],
) -> Result<Vec<String>, String> {
    let mut leaves = Vec::new();
    for path in paths {
        let path = path.trim();
        if path == "*" {
            for name in wildcard(schema, type_name) {
                expand_one(schema, type_name, name, &mut leaves)?;
            }
            continue;
        }
        let path = path.strip_suffix(".*").unwrap_or(path);
        expand_one(schema, type_name, path, &mut leaves)?;
    }
    Ok(leaves)
}

fn expand_one(
    schema: &Schema,
    type_name: &str,
    path: &str,
    leaves: &mut Vec<String>,
) -> Result<(), String> {
    let (field_type, _) = schema
        .type_at(type_name, path)
        .ok_or_else(|| format!("`{path}` is not a field of {type_name}"))?;
    if schema.fields(field_type).is_some() {
        for child in wildcard(schema, field_type) {
            expand_one(schema, type_name, &format!("{path}.{child}"), leaves)?;
        }
    } else if !leaves.iter().any(|l| l == path) {
        leaves.push(path.to_string());
    }
    Ok(())
}

/// Writes a record as `<Record xsi:type="ens:{type}">` with fields in schema order. `cons_id`
/// style identifiers live in `fields` like any other value.
pub fn write_record(
    schema: &Schema,
    out: &mut String,
    element: &str,
    type_name: &str,
    fields: &Fields,
    selection: &[String],
) {
    RecordWriter::new(schema, element, type_name, selection).write(out, fields);
}

/// How the records of one response are written, worked out once for the response: which
/// fields the selection shows, their tags spelled out and their stored paths, in schema
/// order. A record's values are then found in one merge of its sorted paths with the
/// shown ones (no lookup per field), and written without formatting.
#[derive(Debug, Clone)]
pub struct RecordWriter {
    open: String,
    close: String,
    fields: Vec<Shown>,
    /// The shown simple fields' paths, sorted, with their slot (their place in schema
    /// order).
    leaves: Vec<(String, usize)>,
}

/// One field a response shows.
#[derive(Debug, Clone)]
enum Shown {
    /// A simple field: its stored path and tags; `nil` is written when it has no value
    /// (a selected, nillable field).
    Leaf {
        slot: usize,
        open: String,
        close: String,
        nil: Option<String>,
    },
    /// A repeated simple field (`GroupId`): one element per stored value.
    List {
        path: String,
        open: String,
        close: String,
    },
    /// A complex field; `always` writes it even when nothing below it is stored (a field
    /// selected by name is shown), otherwise only when some value below `prefix` is.
    Group {
        prefix: String,
        open: String,
        close: String,
        always: bool,
        fields: Vec<Shown>,
    },
}

/// The values of one record's shown simple fields, by slot.
type Slots<'f> = Vec<Option<&'f str>>;

impl RecordWriter {
    /// The writer for records of `type_name` as `element`, showing the `selection` paths (a
    /// complex path selects its wildcard children; a shown field without a value is nil).
    pub fn new(schema: &Schema, element: &str, type_name: &str, selection: &[String]) -> Self {
        // The selected paths and every group above one.
        let selected: HashSet<&str> = selection
            .iter()
            .flat_map(|path| {
                path.match_indices('.')
                    .map(|(at, _)| &path[..at])
                    .chain(std::iter::once(path.as_str()))
            })
            .collect();
        let mut leaves = Vec::new();
        let fields = shown_fields(schema, type_name, "", Some(&selected), &mut leaves);
        leaves.sort();
        RecordWriter {
            open: format!(r#"<{element} xsi:type="ens:{type_name}">"#),
            close: format!("</{element}>"),
            fields,
            leaves,
        }
    }

    /// Appends one record.
    pub fn write(&self, out: &mut String, fields: &Fields) {
        out.push_str(&self.open);
        write_shown(out, &self.fields, fields, &self.slots(fields));
        out.push_str(&self.close);
    }

    /// The record's values of the shown simple fields: both path lists are sorted, so one
    /// pass over each finds them all.
    fn slots<'f>(&self, fields: &'f Fields) -> Slots<'f> {
        let mut slots = vec![None; self.leaves.len()];
        let mut shown = self.leaves.iter().peekable();
        for (path, value) in &fields.values {
            while shown.next_if(|(leaf, _)| leaf < path).is_some() {}
            if let Some((_, slot)) = shown.next_if(|(leaf, _)| leaf == path) {
                slots[*slot] = Some(value.as_str());
            }
            if shown.peek().is_none() {
                break;
            }
        }
        slots
    }
}

/// The fields of `type_name` below `prefix` that `selected` shows; each simple one's path
/// and slot are added to `leaves`, slots numbered in schema order.
fn shown_fields(
    schema: &Schema,
    type_name: &str,
    prefix: &str,
    selected: Option<&HashSet<&str>>,
    leaves: &mut Vec<(String, usize)>,
) -> Vec<Shown> {
    let Some(children) = schema.fields(type_name) else {
        return Vec::new();
    };
    let mut shown = Vec::new();
    for field in children {
        let name = field.name.as_str();
        let path = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        };
        // A path is wanted when selected itself or when a field below it is.
        if selected.is_some_and(|selected| !selected.contains(path.as_str())) {
            continue;
        }
        let (open, close) = (format!("<ens:{name}>"), format!("</ens:{name}>"));
        if field.repeated {
            shown.push(Shown::List { path, open, close });
        } else if schema.fields(&field.type_name).is_some() {
            let fields = shown_fields(schema, &field.type_name, &path, selected, leaves);
            shown.push(Shown::Group {
                prefix: format!("{path}."),
                open,
                close,
                always: selected.is_some(),
                fields,
            });
        } else {
            // A selected field without a value is nil where the schema allows it, else left out.
            let nil = (selected.is_some() && field.nillable)
                .then(|| format!(r#"<ens:{name} xsi:nil="true"/>"#));
            let slot = leaves.len();
            leaves.push((path, slot));
            shown.push(Shown::Leaf {
                slot,
                open,
                close,
                nil,
            });
        }
    }
    shown
}

fn write_shown(out: &mut String, shown: &[Shown], fields: &Fields, slots: &Slots<'_>) {
    for field in shown {
        match field {
            Shown::Leaf {
                slot,
                open,
                close,
                nil,
            } => match (slots.get(*slot).copied().flatten(), nil) {
                (Some(value), _) => {
                    out.push_str(open);
                    super::xml::escape_into(out, value);
                    out.push_str(close);
                }
                (None, Some(nil)) => out.push_str(nil),
                (None, None) => {}
            },
            Shown::List { path, open, close } => {
                for value in fields.lists.get(path.as_str()).into_iter().flatten() {
                    out.push_str(open);
                    super::xml::escape_into(out, value);
                    out.push_str(close);
                }
            }
            Shown::Group {
                prefix,
                open,
                close,
                always,
                fields: below,
            } => {
                let has_values = || {
                    fields
                        .values
                        .range::<str, _>((
                            std::ops::Bound::Included(prefix.as_str()),
                            std::ops::Bound::Unbounded,
                        ))
                        .next()
                        .is_some_and(|(key, _)| key.starts_with(prefix.as_str()))
                };
                if *always || has_values() {
                    out.push_str(open);
                    write_shown(out, below, fields, slots);
                    out.push_str(close);
                }
            }
        }
    }
}

#[cfg(test)]
mod examples {
    #[test]
    fn is_read_only_examples() {
        use super::is_read_only;
        assert!(is_read_only("Constituent", "EngagementFactor2"));
        assert!(!is_read_only("Constituent", "Custom_PartyAffiliation"));
        assert!(!is_read_only("VolunteerRegistration", "EmailStatus"));
    }
}
