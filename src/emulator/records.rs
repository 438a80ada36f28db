//! Records as the emulator stores them: leaf values by dot path, repeated ids as lists, read
//! from request elements and written back in schema order.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::xml::{escape, Element, ENS};
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

/// Constituent fields the server sets; uploads of them are ignored. The engagement factors are
/// site fields (a site's WSDL declares them) that the site computes.
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
];

/// Whether the top-level field `field` of `record_type` is set by the server only.
///
/// ```
/// use convio::emulator::records::is_read_only;
/// assert!(is_read_only("Constituent", "EngagementFactor2"));
/// assert!(!is_read_only("Constituent", "Custom_PartyAffiliation"));
/// assert!(!is_read_only("TeamRaiserRegistration", "EmailStatus"));
/// ```
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

/// Applies a record element to stored fields: a value sets, `xsi:nil` clears, an empty
/// element leaves unchanged. Unknown, misplaced or mistyped fields are refused with a
/// message (an invalid message, not a per-record result). `skip` lists top-level fields the
/// caller handles itself (the identifiers).
pub fn apply(
    schema: &Schema,
    fields: &mut Fields,
    record: &Element,
    type_name: &str,
    lists: ListMode,
    skip: &[&str],
) -> Result<(), String> {
    apply_level(schema, fields, record, type_name, "", lists, skip)
}

fn apply_level(
    schema: &Schema,
    fields: &mut Fields,
    element: &Element,
    type_name: &str,
    prefix: &str,
    lists: ListMode,
    skip: &[&str],
) -> Result<(), String> {
    let children = schema
        .fields(type_name)
        .ok_or_else(|| format!("{type_name} has no fields"))?;
    let mut last_position = 0;
    for child in &element.children {
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
        if prefix.is_empty() && (skip.contains(&name) || is_read_only(type_name, name)) {
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
        if schema.fields(child_type).is_some() {
            if child.nil {
                let nested = format!("{path}.");
                fields.values.retain(|key, _| !key.starts_with(&nested));
            } else {
                apply_level(schema, fields, child, child_type, &path, lists, skip)?;
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
    let valid = crate::schema::value_fits(type_name, text);
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
fn wildcard<'s>(schema: &'s Schema, type_name: &str) -> Vec<&'s str> {
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
    selection: &Selection<'_>,
) {
    let _ = write!(out, r#"<{element} xsi:type="ens:{type_name}">"#);
    let selected: Option<Vec<&str>> = match selection {
        Selection::All => None,
        Selection::Paths(paths) => Some(paths.iter().map(String::as_str).collect()),
    };
    write_level(schema, out, type_name, "", fields, selected.as_deref());
    let _ = write!(out, "</{element}>");
}

fn write_level(
    schema: &Schema,
    out: &mut String,
    type_name: &str,
    prefix: &str,
    fields: &Fields,
    selected: Option<&[&str]>,
) {
    let Some(children) = schema.fields(type_name) else {
        return;
    };
    for field in children {
        let (name, child_type) = (&field.name, field.type_name.as_str());
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
        if field.repeated {
            for value in fields.lists.get(&path).into_iter().flatten() {
                let _ = write!(out, "<ens:{name}>{}</ens:{name}>", escape(value));
            }
            continue;
        }
        if schema.fields(child_type).is_some() {
            let nested = format!("{path}.");
            let has_values = fields.values.keys().any(|k| k.starts_with(&nested));
            if has_values || selected.is_some() {
                let _ = write!(out, "<ens:{name}>");
                write_level(schema, out, child_type, &path, fields, selected);
                let _ = write!(out, "</ens:{name}>");
            }
            continue;
        }
        match fields.values.get(&path) {
            Some(value) => {
                let _ = write!(out, "<ens:{name}>{}</ens:{name}>", escape(value));
            }
            // A selected field without a value is nil where the schema allows it, else left out.
            None if selected.is_some() && field.nillable => {
                let _ = write!(out, r#"<ens:{name} xsi:nil="true"/>"#);
            }
            None => {}
        }
    }
}
