//! Code generation only: turns the schemas under `schemas/` into Rust types in `OUT_DIR`.
//!
//! xsd-parser 1.5.2 does the heavy lifting (types plus quick-xml readers and writers). Three
//! things it does not do are added here, as steps over its intermediate models:
//! - a nillable optional element becomes a plain `Field<T>` (not `Option<Field<T>>`), so the
//!   tri-state of the Update semantics has exactly one representation;
//! - an element typed with an abstract base (`Record`) becomes a generated enum of the
//!   concrete types that extend it, dispatched on `xsi:type` (upstream issue #275);
//! - an enumeration that servers may extend (`RecordResultCode`) becomes a generated enum
//!   with an `Other(String)` variant instead of a hard decode error.
//!
//! Errors are reported as one readable line and a failing exit status, never a panic.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;

use xsd_parser::config::{GeneratorFlags, IdentQuadruple, OptimizerFlags, ParserFlags, Schema};
use xsd_parser::models::code::IdentPath;
use xsd_parser::models::data::{
    ComplexData, ConfigValue, DataTypeVariant, Occurs, PathData, StructMode,
};
use xsd_parser::models::meta::{
    Base, CustomMeta, ElementMetaVariant, MetaType, MetaTypeVariant, MetaTypes,
};
use xsd_parser::{
    exec_generator_with_ident_cache, exec_interpreter_with_ident_cache, exec_optimizer,
    exec_parser, exec_render, Config, IdentType, TypeIdent,
};

/// Namespaces of the SOAP schemas.
const NS_MESSAGES: &str = "urn:soap.convio.com";
const NS_OBJECTS: &str = "urn:object.soap.convio.com";

/// Abstract record base: elements of this type carry `xsi:type`.
const RECORD_BASE: &str = "Record";
/// Rust path of the generated dispatch enum.
const RECORD_ENUM_PATH: &str = "crate::generated::AnyRecord";

/// Enumerations kept open with an `Other(String)` variant: (namespace, type, Rust name).
const OPEN_ENUMS: &[(&str, &str, &str)] = &[(NS_MESSAGES, "RecordResultCode", "ResultCode")];

/// Elements and types generated as roots (everything reachable from them is generated too).
const ROOTS: &[(IdentType, &str)] = &[(IdentType::Element, "soapenv:Envelope")];

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // One line per problem, readable in `cargo build` output.
            println!("cargo:warning=convio code generation failed: {message}");
            eprintln!("error: convio code generation failed: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    println!("cargo:rerun-if-changed=schemas");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CONVIO_WSDL");
    println!("cargo::rustc-check-cfg=cfg(convio_site_wsdl)");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| format!("OUT_DIR: {e}"))?);
    // A site's own WSDL replaces the bundled SOAP schemas (its Constituent carries the
    // site's custom fields); the envelope schema stays ours.
    let (envelope, served_wsdl) = match std::env::var_os("CONVIO_WSDL") {
        Some(wsdl) => {
            let wsdl = PathBuf::from(wsdl);
            println!("cargo:rerun-if-changed={}", wsdl.display());
            println!("cargo:rustc-cfg=convio_site_wsdl");
            let envelope = site_wsdl::extract(&wsdl, &out_dir.join("site"))?;
            (envelope, wsdl)
        }
        None => (
            PathBuf::from("schemas/soap/envelope.xsd"),
            PathBuf::from("schemas/soap/convio.wsdl"),
        ),
    };
    let served = std::fs::read_to_string(&served_wsdl)
        .map_err(|e| format!("{}: {e}", served_wsdl.display()))?;
    write(&out_dir.join("served.wsdl"), &served)?;
    let soap = generate_soap(&envelope)?;
    write(&out_dir.join("soap_types.rs"), &soap)?;
    let crm = generate_crm(Path::new("schemas/crm.public.v1.xsd"))?;
    write(&out_dir.join("crm_types.rs"), &crm)?;
    Ok(())
}

/// Reading the schemas out of a site's WSDL.
mod site_wsdl {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use quick_xml::events::{BytesStart, Event};
    use quick_xml::{Reader, Writer};

    /// Writes every `xs:schema` of the WSDL's `wsdl:types` into `dir` (one file per target
    /// namespace, with the `wsdl:definitions` namespace declarations copied onto it and a
    /// `schemaLocation` added to imports of sibling schemas), plus our envelope schema
    /// pointing at them. Returns the envelope's path.
    pub fn extract(wsdl: &Path, dir: &Path) -> Result<PathBuf, String> {
        let text = std::fs::read_to_string(wsdl).map_err(|e| format!("{}: {e}", wsdl.display()))?;
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let schemas = schemas_of(&text).map_err(|e| format!("{}: {e}", wsdl.display()))?;
        let file_of = |namespace: &str| match namespace {
            "urn:soap.convio.com" => "messages.xsd".to_string(),
            "urn:object.soap.convio.com" => "objects.xsd".to_string(),
            other => format!(
                "schema-{}.xsd",
                other
                    .bytes()
                    .map(|b| if b.is_ascii_alphanumeric() {
                        b as char
                    } else {
                        '_'
                    })
                    .collect::<String>()
            ),
        };
        for required in ["urn:soap.convio.com", "urn:object.soap.convio.com"] {
            if !schemas.contains_key(required) {
                return Err(format!(
                    "{}: no xs:schema for namespace {required} in wsdl:types",
                    wsdl.display()
                ));
            }
        }
        for (namespace, schema) in &schemas {
            let mut fixed = schema.clone();
            for other in schemas.keys() {
                let bare = format!("namespace=\"{other}\"/>");
                let located = format!(
                    "namespace=\"{other}\" schemaLocation=\"{}\"/>",
                    file_of(other)
                );
                fixed = fixed.replace(&bare, &located);
            }
            let path = dir.join(file_of(namespace));
            std::fs::write(&path, fixed).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        let envelope = std::fs::read_to_string("schemas/soap/envelope.xsd")
            .map_err(|e| format!("envelope.xsd: {e}"))?;
        let path = dir.join("envelope.xsd");
        std::fs::write(&path, envelope).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    }

    /// The schemas of `wsdl:types` as standalone documents, by target namespace.
    fn schemas_of(text: &str) -> Result<BTreeMap<String, String>, String> {
        let mut reader = Reader::from_str(text);
        let mut definitions_xmlns: Vec<(String, String)> = Vec::new();
        let mut schemas = BTreeMap::new();
        let mut depth = 0usize;
        loop {
            let event = reader.read_event().map_err(|e| {
                format!("not well-formed at byte {}: {e}", reader.buffer_position())
            })?;
            match event {
                Event::Start(start) if depth == 0 => {
                    definitions_xmlns = xmlns_of(&start);
                    depth += 1;
                }
                Event::Start(start) if start.local_name().as_ref() == b"schema" && depth >= 1 => {
                    let namespace = attribute(&start, b"targetNamespace")
                        .ok_or("an xs:schema without targetNamespace")?;
                    let mut writer = Writer::new(Vec::new());
                    let mut root = start.to_owned();
                    let declared: Vec<String> =
                        xmlns_of(&start).into_iter().map(|(k, _)| k).collect();
                    for (key, value) in &definitions_xmlns {
                        if !declared.contains(key) {
                            root.push_attribute((key.as_str(), value.as_str()));
                        }
                    }
                    writer
                        .write_event(Event::Start(root))
                        .map_err(|e| e.to_string())?;
                    let mut inner = 1usize;
                    while inner > 0 {
                        let event = reader
                            .read_event()
                            .map_err(|e| format!("inside xs:schema: {e}"))?;
                        match &event {
                            Event::Start(_) => inner += 1,
                            Event::End(_) => inner -= 1,
                            Event::Eof => return Err("the document ends inside xs:schema".into()),
                            _ => {}
                        }
                        writer.write_event(event).map_err(|e| e.to_string())?;
                    }
                    let document =
                        String::from_utf8(writer.into_inner()).map_err(|e| e.to_string())?;
                    schemas.insert(namespace, document);
                }
                Event::Start(_) => depth += 1,
                Event::End(_) => depth = depth.saturating_sub(1),
                Event::Eof => break,
                _ => {}
            }
        }
        if schemas.is_empty() {
            return Err("no xs:schema in wsdl:types".into());
        }
        Ok(schemas)
    }

    fn xmlns_of(start: &BytesStart<'_>) -> Vec<(String, String)> {
        start
            .attributes()
            .flatten()
            .filter(|a| a.key.as_ref() == b"xmlns" || a.key.as_ref().starts_with(b"xmlns:"))
            .map(|a| {
                (
                    String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                    String::from_utf8_lossy(&a.value).into_owned(),
                )
            })
            .collect()
    }

    fn attribute(start: &BytesStart<'_>, key: &[u8]) -> Option<String> {
        start
            .attributes()
            .flatten()
            .find(|a| a.key.as_ref() == key)
            .map(|a| String::from_utf8_lossy(&a.value).into_owned())
    }
}

fn write(path: &Path, code: &str) -> Result<(), String> {
    std::fs::write(path, code).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Built-in XML types mapped to our own scalar types (see `src/types.rs` for why).
const SCALARS: &[(&str, &str)] = &[
    ("xs:string", "Text"),
    ("xs:normalizedString", "Text"),
    ("xs:decimal", "Decimal"),
];

fn base_config(schema: &Path) -> Config {
    let mut config = Config::default();
    for (xml_type, rust_type) in SCALARS {
        config.interpreter.types.push((
            IdentQuadruple::from((IdentType::Type, *xml_type)),
            MetaType::from(
                CustomMeta::new(*rust_type).include_from(format!("crate::types::{rust_type}")),
            ),
        ));
    }
    config
        .with_schema(Schema::File(schema.to_path_buf()))
        .with_parser_flags(ParserFlags::all())
        // Everything but merging structurally equal types: Update and Delete, or the abstract
        // Record and an empty request, must stay distinct types.
        .with_optimizer_flags(OptimizerFlags::all() - OptimizerFlags::REMOVE_DUPLICATES)
        .with_generator_flags(GeneratorFlags::USE_MODULES | GeneratorFlags::FLATTEN_CONTENT)
        .with_nillable_type("crate::field::Field")
        .with_quick_xml_serialize()
        // Boxed: each parser state is moved on every event; boxing keeps the moves small.
        .with_quick_xml_deserialize_config(true)
        .with_derive(["Debug", "Clone", "PartialEq"])
}

/// The CRM (Server API) schema: plain generation plus the `Field<T>` step.
fn generate_crm(schema: &Path) -> Result<String, String> {
    if !schema.exists() {
        return Ok(String::new());
    }
    let listing =
        std::fs::read_to_string(schema).map_err(|e| format!("{}: {e}", schema.display()))?;
    let globals = global_elements(&listing);
    let roots = globals
        .iter()
        .map(|(name, _)| (IdentType::Element, format!("crm:{name}")))
        .collect();
    let (mut code, struct_fields) = run_pipeline(base_config(schema), roots, &[], None)?;
    code.push_str(&render_element_table(&globals, &struct_fields));
    Ok(code)
}

/// One child element of a generated struct.
struct ElementInfo {
    name: String,
    /// XML type name; a name without an entry of its own is a simple type.
    type_name: Option<String>,
    repeated: bool,
    nillable: bool,
}

/// `ROOT_ELEMENTS` and `ELEMENT_TABLE`: the element structure of the schema, for readers
/// that must rebuild schema order from unordered input (the Server API's JSON).
fn render_element_table(
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

/// The SOAP schemas, generated from the envelope so that one type reads a whole message.
fn generate_soap(envelope: &Path) -> Result<String, String> {
    let roots = ROOTS.iter().map(|(t, n)| (*t, n.to_string())).collect();
    let (mut code, struct_fields) = run_pipeline(
        base_config(envelope),
        roots,
        OPEN_ENUMS,
        Some((NS_OBJECTS, RECORD_BASE)),
    )?;
    code.push_str(&render_element_table(&[], &struct_fields));
    Ok(code)
}

/// Runs xsd-parser stage by stage, with our steps between the stages.
fn run_pipeline(
    mut config: Config,
    mut roots: Vec<(IdentType, String)>,
    open_enums: &[(&str, &str, &str)],
    record_base: Option<(&str, &str)>,
) -> Result<(String, BTreeMap<String, Vec<ElementInfo>>), String> {
    let schemas =
        exec_parser(config.parser.clone()).map_err(|e| format!("parsing schemas: {e}"))?;

    // Open enumerations become custom types rendered by us below.
    let (probe, _) = exec_interpreter_with_ident_cache(config.clone().interpreter, &schemas)
        .map_err(|e| format!("interpreting schemas: {e}"))?;
    let mut extra_code = String::new();
    for (ns, type_name, rust_name) in open_enums {
        let values = enumeration_values(&probe, ns, type_name)?;
        extra_code.push_str(&render_open_enum(rust_name, type_name, &values));
        let prefix = prefix_of(&probe, ns)?;
        config.interpreter.types.push((
            IdentQuadruple::from((IdentType::Type, format!("{prefix}:{type_name}").as_str())),
            MetaType::from(
                CustomMeta::new(*rust_name).include_from(format!("crate::generated::{rust_name}")),
            ),
        ));
    }

    // Record types are reached only through the dispatch enum, so they are roots too.
    if let Some((ns, base)) = record_base {
        let prefix = prefix_of(&probe, ns)?;
        for variant in concrete_extensions(&probe, ns, base)? {
            roots.push((IdentType::Type, format!("{prefix}:{}", variant.xml_name)));
        }
    }
    config = config.with_generate(roots.iter().map(|(t, n)| (*t, n.as_str())));

    let (meta, ident_cache) = exec_interpreter_with_ident_cache(config.interpreter, &schemas)
        .map_err(|e| format!("interpreting schemas: {e}"))?;
    let meta =
        exec_optimizer(config.optimizer, meta).map_err(|e| format!("optimizing types: {e}"))?;

    // Concrete record types: every complex type that extends the abstract base.
    let record_variants = match record_base {
        Some((ns, base)) => concrete_extensions(&meta, ns, base)?,
        None => Vec::new(),
    };
    let record_base_ident = match record_base {
        Some((ns, base)) => Some(find_type(&meta, ns, base)?),
        None => None,
    };

    let mut data =
        exec_generator_with_ident_cache(config.generator, &schemas, Some(&ident_cache), &meta)
            .map_err(|e| format!("generating types: {e}"))?;

    let record_path = PathData::from_path(
        IdentPath::from_str(RECORD_ENUM_PATH).map_err(|e| format!("record enum path: {e:?}"))?,
    )
    .into_included();

    // Field<T> step and record retargeting step, over every generated struct.
    let default_path = IdentPath::from_str("Default").map_err(|e| format!("derive path: {e:?}"))?;
    let derive_default = || ConfigValue::Extend(vec![default_path.clone()]);
    let mut field_elements: Vec<FieldElement> = Vec::new();
    // Element order of every struct, for the record field table.
    let mut struct_fields: BTreeMap<String, Vec<ElementInfo>> = BTreeMap::new();
    let mut fast_structs: Vec<FastStruct> = Vec::new();
    for (ident, item) in data.items.iter_mut() {
        let DataTypeVariant::Complex(ComplexData::Struct { type_, .. }) = &mut item.variant else {
            continue;
        };
        let struct_name = ident.name.to_string();
        let module_prefix = meta
            .modules
            .get(&ident.ns)
            .and_then(|m| m.prefix.as_ref())
            .map(|p| p.to_string())
            .unwrap_or_default();
        let mut fast = FastStruct {
            rust_path: format!(
                "crate::generated::{module_prefix}::{}",
                type_.base.type_ident
            ),
            module_prefix: module_prefix.clone(),
            xml_name: struct_name.clone(),
            fields: Vec::new(),
            eligible: type_.attributes.is_empty(),
        };
        let deserializer = type_.base.deserializer_ident.to_string();
        let attributes_optional = type_.attributes.iter().all(|a| a.is_option);
        let elements = match &mut type_.mode {
            StructMode::Sequence { elements, .. } | StructMode::All { elements, .. } => elements,
            StructMode::Empty { .. } => {
                if attributes_optional {
                    item.derive = derive_default();
                }
                continue;
            }
            StructMode::Content { .. } => continue,
        };
        let mut all_defaultable = true;
        for element in elements.iter_mut() {
            let (nillable, type_ident) = {
                let meta = element.meta();
                let type_ident = match &meta.variant {
                    ElementMetaVariant::Type { type_, .. } => Some(type_.clone()),
                    _ => None,
                };
                (meta.nillable, type_ident)
            };
            struct_fields
                .entry(struct_name.clone())
                .or_default()
                .push(ElementInfo {
                    name: element.s_name.clone(),
                    type_name: type_ident.as_ref().map(|t| t.name.to_string()),
                    repeated: matches!(element.occurs, Occurs::DynamicList | Occurs::StaticList(_)),
                    nillable,
                });
            if let (Some(base), Some(type_ident)) = (&record_base_ident, &type_ident) {
                if type_ident == base {
                    element.target_type = record_path.clone();
                    element.target_is_dynamic = false;
                }
            }
            let kind = match element.occurs {
                Occurs::Optional if nillable => "field",
                Occurs::Optional => "opt",
                Occurs::DynamicList => "vec",
                Occurs::Single => "one",
                Occurs::None | Occurs::StaticList(_) => {
                    fast.eligible = false;
                    "one"
                }
            };
            let value_path = if kind == "field" {
                element.target_type.generics.first().cloned()
            } else {
                Some(element.target_type.path.clone())
            };
            match value_path {
                Some(path) => fast.fields.push(FastField {
                    ident: element.field_ident.to_string(),
                    element: element.s_name.clone(),
                    kind,
                    rust_type: resolve_type_path(&path, &element.target_type.usings),
                }),
                None => fast.eligible = false,
            }
            if nillable && element.occurs == Occurs::Optional {
                element.occurs = Occurs::Single;
                field_elements.push(FieldElement {
                    deserializer: deserializer.clone(),
                    element: element.s_name.clone(),
                    field: element.field_ident.to_string(),
                });
            } else if element.occurs == Occurs::Single {
                all_defaultable = false;
            }
        }
        // Records are built field by field: `..Default::default()` must work wherever
        // every element may be left out.
        if all_defaultable && attributes_optional {
            item.derive = derive_default();
        }
        fast_structs.push(fast);
    }

    let module = exec_render(config.renderer, &data).map_err(|e| format!("rendering code: {e}"))?;
    let mut code = quote::ToTokens::to_token_stream(&module).to_string();
    for field in &field_elements {
        code = field.patch(code)?;
    }

    if !record_variants.is_empty() {
        extra_code.push_str(&render_fast_decoders(&fast_structs));
        extra_code.push_str(&render_record_enum(&record_variants));
        extra_code.push_str(&render_record_fields(&record_variants, &struct_fields));
    }
    code.push_str(&extra_code);
    Ok((code, struct_fields))
}

/// A struct for which a direct reader is generated (see `src/soap/fast.rs`).
struct FastStruct {
    rust_path: String,
    module_prefix: String,
    xml_name: String,
    fields: Vec<FastField>,
    eligible: bool,
}

struct FastField {
    ident: String,
    element: String,
    /// `field` (Field<T>), `opt` (Option<T>), `vec` (Vec<T>) or `one` (T).
    kind: &'static str,
    rust_type: String,
}

/// The Rust path of a generated type reference: module-qualified paths live under
/// `crate::generated`, included ones are named by their `use`, the rest are built in.
fn resolve_type_path(path: &IdentPath, usings: &[String]) -> String {
    let text = path.to_string().replace(' ', "");
    if text.contains("::") {
        return format!("crate::generated::{text}");
    }
    usings
        .iter()
        .find(|using| using.ends_with(&format!("::{text}")))
        .cloned()
        .unwrap_or(text)
}

/// Direct readers for record pages: every struct of the record namespace and the two page
/// types, as invocations of `convio::fast_decoder!`. Scalars are the built-in and custom
/// simple types; everything else under `crate::generated` is decoded structurally.
fn render_fast_decoders(structs: &[FastStruct]) -> String {
    const PAGES: &[&str] = &["RecordPage", "QueryResponse"];
    let mut code = String::new();
    for fast in structs {
        let wanted = fast.module_prefix == "ens" || PAGES.iter().any(|p| fast.xml_name == *p);
        if !wanted || !fast.eligible {
            continue;
        }
        let namespace = match fast.module_prefix.as_str() {
            "ens" => "crate::soap::fast::Ns::Objects",
            "tns" => "crate::soap::fast::Ns::Messages",
            _ => continue,
        };
        let _ = writeln!(
            code,
            "\ncrate::fast_decoder! {{ {} , {namespace} , \"{}\" , {{",
            fast.rust_path, fast.module_prefix
        );
        for field in &fast.fields {
            let scalar = !(field.rust_type.starts_with("crate::generated::")
                && field.rust_type != "crate::generated::ResultCode");
            let class = if scalar { "scalar" } else { "complex" };
            let _ = writeln!(
                code,
                "    {} : \"{}\" => {} {class} {},",
                field.ident, field.element, field.kind, field.rust_type
            );
        }
        code.push_str("} }\n");
    }
    code
}

/// A nillable optional element turned into a plain `Field<T>` struct field.
struct FieldElement {
    deserializer: String,
    element: String,
    field: String,
}

impl FieldElement {
    /// In this struct's deserializer, a missing element finishes as `Field::Absent`
    /// instead of a missing-element error. The rewrite is confined to the one
    /// deserializer, so equal element names in other types are not touched.
    fn patch(&self, code: String) -> Result<String, String> {
        let Self {
            deserializer,
            element,
            field,
        } = self;
        // Boxed deserializers implement the trait for `Box<...>`.
        let impl_marker = format!("for Box < {deserializer} > {{");
        let needle = format!("helper . finish_element (\"{element}\" , self . {field}) ?");
        let replacement = format!("self . {field} . unwrap_or_default ()");
        let mut search_from = 0;
        while let Some(offset) = code[search_from..].find(&impl_marker) {
            let start = search_from + offset;
            let end = code[start + impl_marker.len()..]
                .find("impl <")
                .map_or(code.len(), |o| start + impl_marker.len() + o);
            if let Some(hit) = code[start..end].find(&needle) {
                let at = start + hit;
                let mut patched = String::with_capacity(code.len());
                patched.push_str(&code[..at]);
                patched.push_str(&replacement);
                patched.push_str(&code[at + needle.len()..]);
                return Ok(patched);
            }
            search_from = end;
        }
        Err(format!(
            "no finishing call for nillable element `{element}` in {deserializer}: \
             the xsd-parser output changed (is it still pinned to 1.5.2?)"
        ))
    }
}

fn namespace_id_of(
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

fn prefix_of(meta: &MetaTypes, ns: &str) -> Result<String, String> {
    let id = namespace_id_of(meta, ns)?;
    meta.modules
        .get(&id)
        .and_then(|module| module.prefix.as_ref())
        .map(|prefix| prefix.to_string())
        .ok_or_else(|| format!("namespace {ns} has no prefix in the schemas"))
}

fn find_type(meta: &MetaTypes, ns: &str, name: &str) -> Result<TypeIdent, String> {
    let id = namespace_id_of(meta, ns)?;
    meta.items
        .keys()
        .find(|ident| {
            ident.ns == id && ident.name.as_str() == name && ident.type_ == IdentType::Type
        })
        .cloned()
        .ok_or_else(|| format!("type {{{ns}}}{name} not found in the schemas"))
}

fn enumeration_values(meta: &MetaTypes, ns: &str, name: &str) -> Result<Vec<String>, String> {
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
struct RecordVariant {
    xml_name: String,
    rust_type: String,
}

fn concrete_extensions(
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
                let rust_type = format!("crate::generated::ens::{}Type", upper_first(&xml_name));
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

fn upper_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn variant_ident(value: &str) -> String {
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
fn global_elements(schema_text: &str) -> Vec<(String, String)> {
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

fn name_and_type(start: &quick_xml::events::BytesStart<'_>) -> Option<(String, String)> {
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

/// The open enumeration as an invocation of `convio::open_enum!` (see `src/record.rs`).
fn render_open_enum(rust_name: &str, xml_name: &str, values: &[String]) -> String {
    let mut code = format!("\ncrate::open_enum! {{\n    {rust_name}, \"{xml_name}\",\n");
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
fn render_record_fields(
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

/// The record dispatch enum as an invocation of `convio::any_record!` (see `src/record.rs`).
fn render_record_enum(variants: &[RecordVariant]) -> String {
    let mut code = String::from("\ncrate::any_record! {\n");
    for v in variants {
        let _ = writeln!(code, "    {} => {},", v.xml_name, v.rust_type);
    }
    code.push_str("}\n");
    code
}
