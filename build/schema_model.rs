//! Questions asked of xsd-parser's type model: namespaces, prefixes, record types.

use std::collections::BTreeMap;
use xsd_parser::models::Naming as DefaultNaming;
use xsd_parser::traits::Naming as _;

use xsd_parser::models::meta::{Base, MetaTypeVariant, MetaTypes};
use xsd_parser::{IdentType, TypeIdent};

pub fn namespace_id_of(
    meta: &MetaTypes,
    ns: &str,
) -> Result<xsd_parser::models::schema::NamespaceId, String> {
    meta.modules
        .iter()
        .find(|(_, module)| {
            module
                .namespace
                .as_ref()
                .is_some_and(|n| n.to_string() == ns)
        })
        .map(|(id, _)| *id)
        .ok_or_else(|| format!("namespace {ns} not found in the schemas"))
}

pub fn prefix_of(meta: &MetaTypes, ns: &str) -> Result<String, String> {
    let id = namespace_id_of(meta, ns)?;
    meta.modules
        .get(&id)
        .and_then(|module| module.prefix.as_ref())
        .map(|prefix| prefix.to_string())
        .ok_or_else(|| format!("namespace {ns} has no prefix in the schemas"))
}

pub fn find_type(meta: &MetaTypes, ns: &str, name: &str) -> Result<TypeIdent, String> {
    let id = namespace_id_of(meta, ns)?;
    meta.items
        .keys()
        .find(|ident| {
            ident.ns == id && ident.name.as_str() == name && ident.type_ == IdentType::Type
        })
        .cloned()
        .ok_or_else(|| format!("type {{{ns}}}{name} not found in the schemas"))
}

pub fn enumeration_values(meta: &MetaTypes, ns: &str, name: &str) -> Result<Vec<String>, String> {
    let ident = find_type(meta, ns, name)?;
    match meta.items.get(&ident).map(|t| &t.variant) {
        Some(MetaTypeVariant::Enumeration(enumeration)) => Ok(enumeration
            .variants
            .iter()
            .map(|v| v.ident.name.to_string())
            .collect()),
        _ => Err(format!(
            "type {{{ns}}}{name} is expected to be an enumeration"
        )),
    }
}

/// A concrete record type: XML type name and Rust type name.
pub struct RecordVariant {
    pub xml_name: String,
    pub rust_type: String,
}

pub fn concrete_extensions(
    meta: &MetaTypes,
    ns: &str,
    base: &str,
) -> Result<Vec<RecordVariant>, String> {
    let base_ident = find_type(meta, ns, base)?;
    let mut found = BTreeMap::new();
    for (ident, ty) in &meta.items {
        let MetaTypeVariant::ComplexType(complex) = &ty.variant else {
            continue;
        };
        if let Base::Extension(parent) = &complex.base {
            if *parent == base_ident {
                let xml_name = ident.name.to_string();
                // As the generator names it (see naming.rs): formatted, then the postfix.
                let rust_type = format!(
                    "crate::generated::ens::{}Type",
                    DefaultNaming::default().format_type_name(&xml_name)
                );
                found.insert(
                    xml_name.clone(),
                    RecordVariant {
                        xml_name,
                        rust_type,
                    },
                );
            }
        }
    }
    if found.is_empty() {
        return Err(format!("no record type extends {{{ns}}}{base}"));
    }
    Ok(found.into_values().collect())
}

pub fn upper_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub fn variant_ident(value: &str) -> String {
    // A CamelCase name (TeamRaiserRegistration) is an identifier already.
    let is_camel_case = value.starts_with(|c: char| c.is_ascii_uppercase())
        && value.chars().all(|c| c.is_ascii_alphanumeric())
        && value.chars().any(|c| c.is_ascii_lowercase());
    if is_camel_case {
        return value.to_string();
    }
    // RECORD_NOT_FOUND -> RecordNotFound
    value
        .split(['_', '-', ' '])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let lower = part.to_ascii_lowercase();
            upper_first(&lower)
        })
        .collect()
}

/// The top-level `xs:element`s of a schema file (the roots to generate): name and the local
/// name of their type.
pub fn global_elements(schema_text: &str) -> Vec<(String, String)> {
    let mut names = Vec::new();
    let mut reader = quick_xml::Reader::from_str(schema_text);
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(start)) => {
                if depth == 1 && start.local_name().as_ref() == b"element" {
                    names.extend(name_and_type(&start));
                }
                depth += 1;
            }
            Ok(quick_xml::events::Event::Empty(start)) => {
                if depth == 1 && start.local_name().as_ref() == b"element" {
                    names.extend(name_and_type(&start));
                }
            }
            Ok(quick_xml::events::Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(quick_xml::events::Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    names
}

pub fn name_and_type(start: &quick_xml::events::BytesStart<'_>) -> Option<(String, String)> {
    let attribute = |key: &[u8]| {
        start
            .attributes()
            .flatten()
            .find(|a| a.key.as_ref() == key)
            .map(|a| String::from_utf8_lossy(&a.value).into_owned())
    };
    let name = attribute(b"name")?;
    let type_name = attribute(b"type")?;
    let local = type_name
        .rsplit(':')
        .next()
        .unwrap_or(&type_name)
        .to_string();
    Some((name, local))
}
