//! How the generated SOAP types read and write themselves: one invocation of the codec's
//! macros per type (`codec_struct!`, `codec_unit!`, `codec_choice!`, see `src/codec/`), with
//! the type's elements in schema order, and an `unknown` field on every struct for the
//! content its schema type does not declare.

use std::fmt::Write as _;

/// A generated type and what the codec needs to know of it.
pub enum CodecType {
    /// A struct with child elements.
    Struct {
        rust_path: String,
        xml_name: String,
        /// The type's own namespace (`Ns` variant).
        ns: &'static str,
        fields: Vec<CodecField>,
    },
    /// A struct that declares no content.
    Unit { rust_path: String, xml_name: String },
    /// An enum of a choice.
    Choice {
        rust_path: String,
        xml_name: String,
        variants: Vec<CodecField>,
    },
}

/// A child element of a struct, or a variant of a choice.
pub struct CodecField {
    /// Field or variant identifier.
    pub ident: String,
    /// `Ns` variant of the element's namespace (`Other` when unqualified).
    pub ns: &'static str,
    /// The prefix it is written with (`""` when unqualified).
    pub prefix: &'static str,
    pub element: String,
    /// `field`, `opt`, `vec` or `one` (unused for choices).
    pub kind: &'static str,
    /// `scalar` or `complex`.
    pub class: &'static str,
    pub rust_type: String,
}

/// The codec's name (`Ns` variant) and written prefix for a namespace URI.
pub fn namespace_of(uri: Option<&str>) -> Result<(&'static str, &'static str), String> {
    match uri {
        None => Ok(("Other", "")),
        Some("http://schemas.xmlsoap.org/soap/envelope/") => Ok(("Envelope", "soapenv")),
        Some(crate::NS_MESSAGES) => Ok(("Messages", "tns")),
        Some(crate::NS_OBJECTS) => Ok(("Objects", "ens")),
        Some(other) => Err(format!(
            "namespace {other} is not one the codec writes (add it to src/codec/names.rs \
             and build/codec.rs)"
        )),
    }
}

/// Whether a field of this Rust type is read from text (a simple type) or structurally.
pub fn class_of(rust_type: &str, scalar_enums: &[&str]) -> &'static str {
    let generated = rust_type.strip_prefix("crate::generated::");
    match generated {
        Some(name) if !scalar_enums.contains(&name) => "complex",
        _ => "scalar",
    }
}

/// The macro invocations for every type.
pub fn render(types: &[CodecType]) -> String {
    let mut code = String::new();
    for codec_type in types {
        match codec_type {
            CodecType::Struct {
                rust_path,
                xml_name,
                ns,
                fields,
            } => {
                let _ = writeln!(
                    code,
                    "\ncrate::codec::codec_struct! {{ {rust_path}, \"{xml_name}\", {ns}, {{"
                );
                for f in fields {
                    let _ = writeln!(
                        code,
                        "    {} : {} \"{}\" \"{}\" => {} {} {},",
                        f.ident, f.ns, f.prefix, f.element, f.kind, f.class, f.rust_type
                    );
                }
                code.push_str("} }\n");
            }
            CodecType::Unit {
                rust_path,
                xml_name,
            } => {
                let _ = writeln!(
                    code,
                    "\ncrate::codec::codec_unit! {{ {rust_path}, \"{xml_name}\" }}"
                );
            }
            CodecType::Choice {
                rust_path,
                xml_name,
                variants,
            } => {
                let _ = writeln!(
                    code,
                    "\ncrate::codec::codec_choice! {{ {rust_path}, \"{xml_name}\", {{"
                );
                for v in variants {
                    let _ = writeln!(
                        code,
                        "    {} : {} \"{}\" \"{}\" => {},",
                        v.ident, v.ns, v.prefix, v.element, v.rust_type
                    );
                }
                code.push_str("} }\n");
            }
        }
    }
    code
}

/// The field every generated struct gets for content its schema type does not declare.
const UNKNOWN_FIELD: &str = " # [doc = \"Content the schema does not declare, kept in document order for writing back (see [`Unknown`](crate::codec::Unknown)).\"] pub unknown : crate :: codec :: Unknown ,";

/// Adds the `unknown` field as the last field of each struct, given as (module, name), in
/// the rendered code. Fails when a struct is not found, so that a change in the renderer's
/// output is noticed.
pub fn add_unknown_fields(code: String, structs: &[(String, String)]) -> Result<String, String> {
    let mut insertions: Vec<(usize, bool)> = Vec::new();
    for (module, name) in structs {
        let module_start = code
            .find(&format!("pub mod {module} {{"))
            .ok_or_else(|| format!("module {module} not found in the rendered code"))?;
        let marker = format!("pub struct {name} {{");
        let start = code[module_start..]
            .find(&marker)
            .map(|offset| module_start + offset)
            .ok_or_else(|| format!("struct {module}::{name} not found in the rendered code"))?;
        let body = start + marker.len();
        let close = closing_brace(&code[body..])
            .map(|offset| body + offset)
            .ok_or_else(|| format!("struct {name} has no closing brace"))?;
        let needs_comma =
            !code[body..close].trim_end().ends_with(',') && !code[body..close].trim().is_empty();
        insertions.push((close, needs_comma));
    }
    insertions.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let mut code = code;
    for (at, needs_comma) in insertions {
        let field = if needs_comma {
            format!(",{UNKNOWN_FIELD} ")
        } else {
            format!("{UNKNOWN_FIELD} ")
        };
        code.insert_str(at, &field);
    }
    Ok(code)
}

/// The offset of the `}` that closes a struct body, skipping string literals (doc
/// attributes may hold braces).
fn closing_brace(body: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    for (offset, c) in body.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '}' => return Some(offset),
            _ => {}
        }
    }
    None
}

/// `pub mod records`: every record-namespace type under its schema name without the `Type`
/// suffix (`ConstituentType` → `Constituent`), so that users name records as the
/// documentation does.
pub fn render_record_aliases(types: &[CodecType]) -> String {
    let mut code = String::from(
        "\n/// The record-namespace types under their documented names.\npub mod records {\n",
    );
    for codec_type in types {
        let (CodecType::Struct {
            rust_path,
            xml_name,
            ..
        }
        | CodecType::Unit {
            rust_path,
            xml_name,
        }
        | CodecType::Choice {
            rust_path,
            xml_name,
            ..
        }) = codec_type;
        let Some(rust_name) = rust_path.strip_prefix("crate::generated::ens::") else {
            continue;
        };
        let alias = rust_name.strip_suffix("Type").unwrap_or(rust_name);
        if alias.is_empty() || alias == rust_name {
            continue;
        }
        let _ = writeln!(
            code,
            "    #[doc = \"`ens:{xml_name}`.\"]\n    pub type {alias} = {rust_path};"
        );
    }
    code.push_str("}\n");
    for codec_type in types {
        if let CodecType::Struct {
            rust_path, fields, ..
        } = codec_type
        {
            if rust_path.starts_with("crate::generated::ens::") {
                code.push_str(&render_setters(rust_path, fields));
            }
        }
    }
    code
}

/// Builder methods for a record-namespace struct, one per way of touching a field, so that
/// the tri-state stays visible where a record is built: `set_x` sends a value, `clear_x`
/// (nillable fields) sends `xsi:nil`, and a field no method touches is left out (unchanged).
fn render_setters(rust_path: &str, fields: &[CodecField]) -> String {
    let mut code = format!("\nimpl {rust_path} {{\n");
    for f in fields {
        let (ident, element, rust_type) = (&f.ident, &f.element, &f.rust_type);
        let name = ident.strip_prefix("r#").unwrap_or(ident);
        let (set, clear) = match f.kind {
            "field" => (
                "crate::Field::Value(value.into())".to_string(),
                Some("crate::Field::Nil"),
            ),
            "opt" => ("Some(value.into())".to_string(), None),
            "one" => ("value.into()".to_string(), None),
            _ => {
                let _ = writeln!(
                    code,
                    "    #[doc = \"Adds one `{element}` value.\"]\n    pub fn add_{name}(mut self, value: impl Into<{rust_type}>) -> Self {{ self.{ident}.push(value.into()); self }}"
                );
                continue;
            }
        };
        let _ = writeln!(
            code,
            "    #[doc = \"Sets `{element}` (sent with this value).\"]\n    pub fn set_{name}(mut self, value: impl Into<{rust_type}>) -> Self {{ self.{ident} = {set}; self }}"
        );
        if let Some(nil) = clear {
            let _ = writeln!(
                code,
                "    #[doc = \"Clears `{element}` (sent as `xsi:nil`).\"]\n    pub fn clear_{name}(mut self) -> Self {{ self.{ident} = {nil}; self }}"
            );
        }
    }
    code.push_str("}\n");
    code
}
