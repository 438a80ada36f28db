//! Tables and enums rendered from the schema model: the element table, the record field
//! paths, the record dispatch enum and the open enumerations.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::schema_model::{variant_ident, RecordVariant};

/// One child element of a generated struct.
pub struct ElementInfo {
    pub name: String,
    /// XML type name; a name without an entry of its own is a simple type.
    pub type_name: Option<String>,
    pub repeated: bool,
    pub nillable: bool,
}

/// `ROOT_ELEMENTS` and `ELEMENT_TABLE`: the element structure of the schema, for readers
/// that must rebuild schema order from unordered input (the Server API's JSON).
pub fn render_element_table(
    globals: &[(String, String)],
    struct_fields: &BTreeMap<String, Vec<ElementInfo>>,
) -> String {
    let mut code = String::from(
        "\n/// Global elements of the schema and their XML type names.\n\
         pub const ROOT_ELEMENTS: &[(&str, &str)] = &[\n",
    );
    for (name, type_name) in globals {
        let _ = writeln!(code, "    (\"{name}\", \"{type_name}\"),");
    }
    code.push_str(
        "];\n/// Child elements of every complex type in schema order: (name, type, repeated, nillable).\n\
         pub const ELEMENT_TABLE: &[(&str, &[(&str, &str, bool, bool)])] = &[\n",
    );
    for (type_name, fields) in struct_fields {
        let children: Vec<String> = fields
            .iter()
            .map(|f| {
                format!(
                    "(\"{}\", \"{}\", {}, {})",
                    f.name,
                    f.type_name.as_deref().unwrap_or(""),
                    f.repeated,
                    f.nillable
                )
            })
            .collect();
        let _ = writeln!(code, "    (\"{type_name}\", &[{}]),", children.join(", "));
    }
    code.push_str("];\n");
    code
}

/// The open enumeration as an invocation of `open_enum!` (see `src/record/mod.rs`).
pub fn render_open_enum(rust_name: &str, xml_name: &str, values: &[String]) -> String {
    let mut code = format!("\ncrate::record::open_enum! {{\n    {rust_name}, \"{xml_name}\",\n");
    for value in values {
        let _ = writeln!(code, "    {} => \"{value}\",", variant_ident(value));
    }
    code.push_str("}\n");
    code
}

/// How deep nested fields are listed in the field table (`Donor.ConsName.FirstName`).
const FIELD_PATH_DEPTH: usize = 3;

/// `RECORD_FIELDS`: for every record type, its field paths in schema order, nested fields in
/// dot notation. GetIncremental* requests must list fields in this order.
pub fn render_record_fields(
    variants: &[RecordVariant],
    struct_fields: &BTreeMap<String, Vec<ElementInfo>>,
) -> String {
    fn walk(
        type_name: &str,
        prefix: &str,
        depth: usize,
        struct_fields: &BTreeMap<String, Vec<ElementInfo>>,
        out: &mut Vec<String>,
    ) {
        let Some(fields) = struct_fields.get(type_name) else {
            return;
        };
        for ElementInfo {
            name, type_name, ..
        } in fields
        {
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            out.push(path.clone());
            if let Some(element_type) = type_name {
                if depth + 1 < FIELD_PATH_DEPTH {
                    walk(element_type, &path, depth + 1, struct_fields, out);
                }
            }
        }
    }
    let mut code = String::from(
        "\n/// Field paths of every record type in schema order (nested fields in dot notation).\n\
         pub const RECORD_FIELDS: &[(&str, &[&str])] = &[\n",
    );
    for variant in variants {
        let mut paths = Vec::new();
        walk(&variant.xml_name, "", 0, struct_fields, &mut paths);
        let _ = writeln!(
            code,
            "    (\"{}\", &[{}]),",
            variant.xml_name,
            paths
                .iter()
                .map(|p| format!("\"{p}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    code.push_str("];\n");
    code
}

/// The record dispatch enum as an invocation of `any_record!` (see `src/record/mod.rs`).
pub fn render_record_enum(variants: &[RecordVariant]) -> String {
    let mut code = String::from("\ncrate::record::any_record! {\n");
    for v in variants {
        let _ = writeln!(code, "    {} => {},", v.xml_name, v.rust_type);
    }
    code.push_str("}\n");
    code
}
