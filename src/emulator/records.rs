//! Records as the emulator stores them: leaf values by dot path, repeated ids as lists, read
//! from request elements and written back in schema order.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::xml::{escape, Element, ENS};
use crate::generated::ELEMENT_TABLE;

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

/// Fields the server sets; uploads of them are ignored.
pub const READ_ONLY: &[&str] = &[
    "EmailOptInStatus",
    "EmailStatus",
    "HardBounceCount",
    "SoftBounceCount",
    "MatchedDonor",
    "AffiliateAssignment",
];

/// Children of a complex type in schema order, or `None` for a simple type.
pub fn children_of(type_name: &str) -> Option<&'static [(&'static str, &'static str, bool, bool)]> {
    ELEMENT_TABLE
        .iter()
        .find(|(name, _)| *name == type_name)
        .map(|(_, children)| *children)
}

/// The type of the element at `path` below `type_name`, with its repeated flag.
pub fn type_at(type_name: &str, path: &str) -> Option<(&'static str, bool)> {
    let mut current = type_name;
    let mut found = None;
    for segment in path.split('.') {
        let (_, child_type, repeated, _) = children_of(current)?
            .iter()
            .find(|(name, ..)| *name == segment)?;
        found = Some((*child_type, *repeated));
        current = child_type;
    }
    found
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

/// Applies a record element to stored fields: a value sets, `xsi:nil` clears, an empty
/// element leaves unchanged. Unknown, misplaced or mistyped fields are refused with a
/// message (an invalid message, not a per-record result). `skip` lists top-level fields the
/// caller handles itself (the identifiers).
pub fn apply(
    fields: &mut Fields,
    record: &Element,
    type_name: &str,
    lists: ListMode,
    skip: &[&str],
) -> Result<(), String> {
    apply_level(fields, record, type_name, "", lists, skip)
}

fn apply_level(
    fields: &mut Fields,
    element: &Element,
    type_name: &str,
    prefix: &str,
    lists: ListMode,
    skip: &[&str],
) -> Result<(), String> {
    let children = children_of(type_name).ok_or_else(|| format!("{type_name} has no fields"))?;
    let mut last_position = 0;
    for child in &element.children {
        if child.namespace.as_deref() != Some(ENS) {
            return Err(format!("field `{}` is not in namespace {ENS}", child.name));
        }
        let position = children
            .iter()
            .position(|(name, ..)| *name == child.name)
            .ok_or_else(|| format!("`{}` is not a field of {type_name}", child.name))?;
        if position < last_position {
            return Err(format!(
                "field `{}` of {type_name} is out of schema order",
                child.name
            ));
        }
        last_position = position;
        let (name, child_type, repeated, _) = children[position];
        let path = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        };
        if prefix.is_empty() && (skip.contains(&name) || READ_ONLY.contains(&name)) {
            continue;
        }
        if repeated {
            let value = checked_value(child, child_type, &path)?;
            let Some(value) = value else { continue };
            let list = fields.lists.entry(path.clone()).or_default();
            match lists {
                ListMode::Set | ListMode::Add => {
                    if !list.contains(&value) {
                        list.push(value);
                    }
                }
                ListMode::Remove => list.retain(|v| *v != value),
                ListMode::Ignore => {}
            }
            continue;
        }
        if children_of(child_type).is_some() {
            if child.nil {
                let nested = format!("{path}.");
                fields.values.retain(|key, _| !key.starts_with(&nested));
            } else {
                apply_level(fields, child, child_type, &path, lists, skip)?;
            }
            continue;
        }
        if child.nil {
            fields.values.remove(&path);
        } else if let Some(value) = checked_value(child, child_type, &path)? {
            fields.values.insert(path, value);
        }
    }
    Ok(())
}

/// The element's value checked against its simple type; `None` for an empty element.
fn checked_value(element: &Element, type_name: &str, path: &str) -> Result<Option<String>, String> {
    if !element.children.is_empty() {
        return Err(format!("field `{path}` is simple but has child elements"));
    }
    let text = element.text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let valid = match type_name {
        "usize" | "u64" | "u32" => text.bytes().all(|b| b.is_ascii_digit()),
        "i64" | "i32" | "isize" => text
            .strip_prefix('-')
            .unwrap_or(text)
            .bytes()
            .all(|b| b.is_ascii_digit()),
        "bool" => matches!(text, "true" | "false" | "1" | "0"),
        "decimal" | "Decimal" => text.parse::<crate::Decimal>().is_ok(),
        _ => true,
    };
    if !valid {
        return Err(format!(
            "field `{path}`: `{text}` is not a valid {type_name}"
        ));
    }
    let normalized = match (type_name, text) {
        ("bool", "1") => "true",
        ("bool", "0") => "false",
        _ => text,
    };
    // Keep string values as sent (inner whitespace included); other types trimmed.
    if matches!(type_name, "string" | "String" | "Text" | "normalizedString") {
        Ok(Some(element.text.clone()))
    } else {
        Ok(Some(normalized.to_string()))
    }
}

/// Which fields a response shows.
#[derive(Debug, Clone)]
pub enum Selection<'a> {
    /// Every stored field.
    All,
    /// These paths (a complex path selects its wildcard children); missing values are nil.
    Paths(&'a [String]),
}

/// Wildcard children of complex types, for `select ConsName` and `select *`.
fn wildcard(type_name: &str) -> Vec<&'static str> {
    match type_name {
        "Constituent" => vec!["ConsId", "MemberId", "ConsName", "UserName", "PrimaryEmail"],
        "Name" => vec!["FirstName", "LastName"],
        _ => children_of(type_name)
            .map(|c| c.iter().map(|(n, ..)| *n).collect())
            .unwrap_or_default(),
    }
}

/// Expands a selection into the leaf and list paths to show.
pub fn expand_selection(type_name: &str, paths: &[String]) -> Result<Vec<String>, String> {
    let mut leaves = Vec::new();
    for path in paths {
        let path = path.trim();
        if path == "*" {
            for name in wildcard(type_name) {
                expand_one(type_name, name, &mut leaves)?;
            }
            continue;
        }
        let path = path.strip_suffix(".*").unwrap_or(path);
        expand_one(type_name, path, &mut leaves)?;
    }
    Ok(leaves)
}

fn expand_one(type_name: &str, path: &str, leaves: &mut Vec<String>) -> Result<(), String> {
    let (field_type, _) = type_at(type_name, path)
        .ok_or_else(|| format!("`{path}` is not a field of {type_name}"))?;
    if children_of(field_type).is_some() {
        for child in wildcard(field_type) {
            expand_one(type_name, &format!("{path}.{child}"), leaves)?;
        }
    } else if !leaves.iter().any(|l| l == path) {
        leaves.push(path.to_string());
    }
    Ok(())
}

/// Writes a record as `<Record xsi:type="ens:{type}">` with fields in schema order. `cons_id`
/// style identifiers live in `fields` like any other value.
pub fn write_record(
    out: &mut String,
    element: &str,
    type_name: &str,
    fields: &Fields,
    selection: &Selection<'_>,
) {
    let _ = write!(out, r#"<{element} xsi:type="ens:{type_name}">"#);
    let selected: Option<Vec<&str>> = match selection {
        Selection::All => None,
        Selection::Paths(paths) => Some(paths.iter().map(String::as_str).collect()),
    };
    write_level(out, type_name, "", fields, selected.as_deref());
    let _ = write!(out, "</{element}>");
}

fn write_level(
    out: &mut String,
    type_name: &str,
    prefix: &str,
    fields: &Fields,
    selected: Option<&[&str]>,
) {
    let Some(children) = children_of(type_name) else {
        return;
    };
    for (name, child_type, repeated, nillable) in children {
        let path = if prefix.is_empty() {
            (*name).to_string()
        } else {
            format!("{prefix}.{name}")
        };
        let wanted = |p: &str| match selected {
            None => true,
            Some(selected) => selected
                .iter()
                .any(|s| *s == p || s.starts_with(&format!("{p}."))),
        };
        if !wanted(&path) {
            continue;
        }
        if *repeated {
            for value in fields.lists.get(&path).into_iter().flatten() {
                let _ = write!(out, "<ens:{name}>{}</ens:{name}>", escape(value));
            }
            continue;
        }
        if children_of(child_type).is_some() {
            let nested = format!("{path}.");
            let has_values = fields.values.keys().any(|k| k.starts_with(&nested));
            if has_values || selected.is_some() {
                let _ = write!(out, "<ens:{name}>");
                write_level(out, child_type, &path, fields, selected);
                let _ = write!(out, "</ens:{name}>");
            }
            continue;
        }
        match fields.values.get(&path) {
            Some(value) => {
                let _ = write!(out, "<ens:{name}>{}</ens:{name}>", escape(value));
            }
            // A selected field without a value is nil where the schema allows it, else left out.
            None if selected.is_some() && *nillable => {
                let _ = write!(out, r#"<ens:{name} xsi:nil="true"/>"#);
            }
            None => {}
        }
    }
}
