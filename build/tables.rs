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
         pub(crate) const ROOT_ELEMENTS: &[crate::record::tables::RootElement] = &[\n",
    );
    for (name, type_name) in globals {
        let _ = writeln!(
            code,
            "    crate::record::tables::RootElement {{ name: \"{name}\", type_name: \"{type_name}\" }},"
        );
    }
    code.push_str(
        "];\n/// Child elements of every complex type in schema order.\n\
         pub(crate) const ELEMENT_TABLE: &[crate::record::tables::TypeElements] = &[\n",
    );
    for (type_name, fields) in struct_fields {
        let children: Vec<String> = fields
            .iter()
            .map(|f| {
                format!(
                    "crate::record::tables::ChildElement {{ name: \"{}\", type_name: \"{}\", \
                     repeated: {}, nillable: {} }}",
                    f.name,
                    f.type_name.as_deref().unwrap_or(""),
                    f.repeated,
                    f.nillable
                )
            })
            .collect();
        let _ = writeln!(
            code,
            "    crate::record::tables::TypeElements {{ type_name: \"{type_name}\", children: &[{}] }},",
            children.join(", ")
        );
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

/// `RECORD_TYPES`: the record types, in schema order.
pub fn render_record_types(variants: &[RecordVariant]) -> String {
    let mut code = String::from(
        "\n/// The record types of the schema, in schema order.\n\
         pub(crate) const RECORD_TYPES: &[&str] = &[\n",
    );
    for variant in variants {
        let _ = writeln!(code, "    \"{}\",", variant.xml_name);
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
