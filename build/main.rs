//! Code generation only: turns the schemas under `schemas/` into Rust types in `OUT_DIR`.
//!
//! xsd-parser 1.5.2 reads the schemas and renders the types. For the SOAP schemas it renders
//! types only: how they are read and written is the crate's codec (`src/codec/`), which the
//! generated code calls through one macro invocation per type (`codec.rs` here). xsd-parser's
//! own readers cannot keep content a schema does not declare (upstream #293), and a real
//! site always sends some. For the Server API schema xsd-parser's readers are used as they
//! are. Steps added over xsd-parser's intermediate models:
//! - a nillable optional element becomes a plain `Field<T>` (not `Option<Field<T>>`), so the
//!   tri-state of the Update semantics has exactly one representation;
//! - an element typed with an abstract base (`Record`) becomes a generated enum of the
//!   concrete types that extend it plus dynamic records, dispatched on `xsi:type`
//!   (upstream issue #275);
//! - an enumeration that servers may extend (`RecordResultCode`) becomes a generated enum
//!   with an `Other(String)` variant instead of a hard decode error;
//! - every SOAP struct gets an `unknown` field for content its schema type lacks.
//!
//! Errors are reported as one readable line and a failing exit status, never a panic.

mod codec;
mod naming;
mod patch;
mod schema_model;
mod site_wsdl;
mod tables;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;

use xsd_parser::config::{GeneratorFlags, IdentQuadruple, OptimizerFlags, ParserFlags, Schema};
use xsd_parser::models::code::IdentPath;
use xsd_parser::models::data::{
    ComplexData, ConfigValue, DataTypeVariant, Occurs, PathData, StructMode,
};
use xsd_parser::models::meta::{CustomMeta, ElementMetaVariant, MetaType};
use xsd_parser::models::schema::xs::FormChoiceType;
use xsd_parser::{
    exec_generator_with_ident_cache, exec_interpreter_with_ident_cache, exec_optimizer,
    exec_parser, exec_render, Config, IdentType,
};

use codec::{CodecField, CodecType};
use patch::FieldElement;
use schema_model::{
    concrete_extensions, enumeration_values, find_type, global_elements, prefix_of,
};
use tables::{
    render_element_table, render_open_enum, render_record_enum, render_record_types, ElementInfo,
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
    println!("cargo:rerun-if-changed=build");
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

fn write(path: &Path, code: &str) -> Result<(), String> {
    std::fs::write(path, code).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Built-in XML types mapped to our own scalar types (see `src/types.rs` for why).
const SCALARS: &[(&str, &str)] = &[
    ("xs:string", "Text"),
    ("xs:normalizedString", "Text"),
    ("xs:decimal", "Decimal"),
    ("xs:dateTime", "DateTime"),
    ("xs:date", "Date"),
];

/// Built-in XML types mapped to a Rust primitive other than xsd-parser's choice. The service
/// types every id (ConsId, PartitionId, SyncId, TransactionId...) `xs:nonNegativeInteger`,
/// which xsd-parser makes `usize`: a width that depends on the platform. Ids, page numbers
/// and page sizes are `u64` in both APIs (the Server API schema types its ids
/// `xs:unsignedLong`).
const PRIMITIVES: &[(&str, &str)] = &[
    ("xs:nonNegativeInteger", "u64"),
    ("xs:positiveInteger", "u64"),
];

/// Simple types of the SOAP schemas read as one of our scalar types: a request date-time is
/// either an `xs:dateTime` or the reference's looser spelling, and `DateTime` keeps either as
/// text.
const SOAP_SCALARS: &[(&str, &str)] = &[("tns:RequestDateTime", "DateTime")];

/// Which reader and writer the generated types get.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The SOAP schemas: types only, read and written by the crate's codec.
    Soap,
    /// The Server API schema: xsd-parser's quick-xml readers.
    ServerApi,
}

fn base_config(schema: &Path, target: Target) -> Config {
    let mut config = Config::default();
    for (xml_type, rust_type) in SCALARS {
        read_type_as(&mut config, xml_type, "crate::types", rust_type);
    }
    for (xml_type, rust_type) in PRIMITIVES {
        read_type_as(&mut config, xml_type, "core::primitive", rust_type);
    }
    if target == Target::Soap {
        for (xml_type, rust_type) in SOAP_SCALARS {
            read_type_as(&mut config, xml_type, "crate::types", rust_type);
        }
    }
    let config = config
        .with_schema(Schema::File(schema.to_path_buf()))
        .with_parser_flags(ParserFlags::all())
        // Everything but merging structurally equal types: Update and Delete, or the abstract
        // Record and an empty request, must stay distinct types.
        .with_optimizer_flags(OptimizerFlags::all() - OptimizerFlags::REMOVE_DUPLICATES)
        .with_generator_flags(GeneratorFlags::USE_MODULES | GeneratorFlags::FLATTEN_CONTENT)
        .with_nillable_type("crate::field::Field")
        .with_derive(["Debug", "Clone", "PartialEq"]);
    match target {
        Target::Soap => config.with_naming(naming::DistinctTypeNames::default()),
        // Boxed: each parser state is moved on every event; boxing keeps the moves small.
        Target::ServerApi => config.with_quick_xml_deserialize_config(true),
    }
}

/// Has the generator read the XML type `xml_type` (`prefix:name`) as `module::rust_type`.
fn read_type_as(config: &mut Config, xml_type: &str, module: &str, rust_type: &str) {
    config.interpreter.types.push((
        IdentQuadruple::from((IdentType::Type, xml_type)),
        MetaType::from(CustomMeta::new(rust_type).include_from(format!("{module}::{rust_type}"))),
    ));
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
    let (mut code, struct_fields) = run_pipeline(
        base_config(schema, Target::ServerApi),
        Target::ServerApi,
        roots,
        &[],
        None,
    )?;
    code.push_str(&render_element_table(&globals, &struct_fields));
    Ok(code)
}

/// The SOAP schemas, generated from the envelope so that one type reads a whole message.
fn generate_soap(envelope: &Path) -> Result<String, String> {
    let roots = ROOTS.iter().map(|(t, n)| (*t, n.to_string())).collect();
    let (mut code, struct_fields) = run_pipeline(
        base_config(envelope, Target::Soap),
        Target::Soap,
        roots,
        OPEN_ENUMS,
        Some((NS_OBJECTS, RECORD_BASE)),
    )?;
    code.push_str(&render_element_table(&[], &struct_fields));
    code.push_str(&render_open_enum(
        "RecordType",
        "RecordType",
        &record_type_names(Path::new(RECORD_TYPE_NAMES))?,
    ));
    Ok(code)
}

/// The record type names the service accepts, whatever WSDL the types come from.
const RECORD_TYPE_NAMES: &str = "schemas/soap/record-types.txt";

/// The names of `path`: one per line; blank lines and `#` comments skipped.
fn record_type_names(path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let names: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect();
    if let Some(bad) = names
        .iter()
        .find(|name| !name.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(format!(
            "{}: `{bad}` is not a record type name",
            path.display()
        ));
    }
    Ok(names)
}

/// Runs xsd-parser stage by stage, with our steps between the stages.
fn run_pipeline(
    mut config: Config,
    target: Target,
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
        read_type_as(
            &mut config,
            &format!("{prefix}:{type_name}"),
            "crate::generated",
            rust_name,
        );
    }
    let scalar_enums: Vec<&str> = open_enums.iter().map(|(.., rust)| *rust).collect();

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
    let mut codec_types: Vec<CodecType> = Vec::new();
    // Structs that get the `unknown` field: (module, Rust name).
    let mut with_unknown: Vec<(String, String)> = Vec::new();
    for (ident, item) in data.items.iter_mut() {
        let xml_name = ident.name.to_string();
        let module = meta.modules.get(&ident.ns);
        let module_prefix = module
            .and_then(|m| m.prefix.as_ref())
            .map(|p| p.to_string())
            .unwrap_or_default();
        let own_namespace = module
            .and_then(|m| m.namespace.as_ref())
            .map(|n| n.to_string());
        match &mut item.variant {
            DataTypeVariant::Complex(ComplexData::Struct { type_, .. }) => {
                let struct_ns = match target {
                    Target::Soap => {
                        codec::namespace_of(own_namespace.as_deref())
                            .map_err(|e| format!("type {xml_name}: {e}"))?
                            .0
                    }
                    Target::ServerApi => "Other",
                };
                let rust_name = type_.base.type_ident.to_string();
                let rust_path = format!("crate::generated::{module_prefix}::{rust_name}");
                if target == Target::Soap && !type_.attributes.is_empty() {
                    return Err(format!(
                        "type {xml_name} declares attributes, which the codec does not read \
                         (xs:anyAttribute is fine: unknown attributes are kept)"
                    ));
                }
                let deserializer = type_.base.deserializer_ident.to_string();
                let attributes_optional = type_.attributes.iter().all(|a| a.is_option);
                // A record type whose fields no source shows is still a struct that keeps what
                // a server sends (its `unknown` field), not a unit struct.
                let is_record = record_variants.iter().any(|v| v.xml_name == xml_name);
                if is_record && matches!(type_.mode, StructMode::Empty { .. }) {
                    type_.mode = StructMode::Sequence {
                        elements: Vec::new(),
                        allow_any: false,
                    };
                    struct_fields.entry(xml_name.clone()).or_default();
                }
                let elements = match &mut type_.mode {
                    StructMode::Sequence { elements, .. } | StructMode::All { elements, .. } => {
                        elements
                    }
                    StructMode::Empty { .. } => {
                        if attributes_optional {
                            item.derive = derive_default();
                        }
                        codec_types.push(CodecType::Unit {
                            rust_path,
                            xml_name,
                        });
                        continue;
                    }
                    StructMode::Content { .. } => {
                        if target == Target::Soap {
                            return Err(format!(
                                "type {xml_name} has a content type (a choice inside a \
                                 sequence, or simple content), which the codec does not read; \
                                 write it as a sequence"
                            ));
                        }
                        continue;
                    }
                };
                let mut fields = Vec::new();
                let mut all_defaultable = true;
                for element in elements.iter_mut() {
                    let (nillable, type_ident, form, element_namespace) = {
                        let meta_element = element.meta();
                        let type_ident = match &meta_element.variant {
                            ElementMetaVariant::Type { type_, .. } => Some(type_.clone()),
                            _ => None,
                        };
                        let namespace = element
                            .tag_name
                            .module
                            .and_then(|m| m.namespace.as_ref())
                            .map(|n| n.to_string());
                        (
                            meta_element.nillable,
                            type_ident,
                            element.tag_name.form,
                            namespace,
                        )
                    };
                    if element.field_ident == "unknown" {
                        return Err(format!(
                            "type {xml_name} has an element named `Unknown`, which clashes with \
                             the field for undeclared content"
                        ));
                    }
                    struct_fields
                        .entry(xml_name.clone())
                        .or_default()
                        .push(ElementInfo {
                            name: element.s_name.clone(),
                            type_name: type_ident.as_ref().map(|t| t.name.to_string()),
                            repeated: matches!(
                                element.occurs,
                                Occurs::DynamicList | Occurs::StaticList(_)
                            ),
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
                            if target == Target::Soap {
                                return Err(format!(
                                    "element {xml_name}/{} has a fixed count of occurrences, \
                                     which the codec does not read",
                                    element.s_name
                                ));
                            }
                            "one"
                        }
                    };
                    let value_path = if kind == "field" {
                        element.target_type.generics.first().cloned()
                    } else {
                        Some(element.target_type.path.clone())
                    };
                    if target == Target::Soap {
                        let value_path = value_path.ok_or_else(|| {
                            format!("element {xml_name}/{} has no value type", element.s_name)
                        })?;
                        let rust_type = resolve_type_path(&value_path, &element.target_type.usings);
                        let qualified = form == FormChoiceType::Qualified;
                        let (ns, prefix) = codec::namespace_of(if qualified {
                            element_namespace.as_deref()
                        } else {
                            None
                        })
                        .map_err(|e| format!("element {xml_name}/{}: {e}", element.s_name))?;
                        fields.push(CodecField {
                            ident: element.field_ident.to_string(),
                            ns,
                            prefix,
                            element: element.s_name.clone(),
                            kind,
                            class: codec::class_of(&rust_type, &scalar_enums),
                            rust_type,
                        });
                    }
                    if nillable && element.occurs == Occurs::Optional {
                        element.occurs = Occurs::Single;
                        if target == Target::ServerApi {
                            field_elements.push(FieldElement {
                                deserializer: deserializer.clone(),
                                element: element.s_name.clone(),
                                field: element.field_ident.to_string(),
                            });
                        }
                    } else if element.occurs == Occurs::Single {
                        all_defaultable = false;
                    }
                }
                // Records are built field by field: `..Default::default()` must work wherever
                // every element may be left out.
                if all_defaultable && attributes_optional {
                    item.derive = derive_default();
                }
                if target == Target::Soap {
                    with_unknown.push((module_prefix.clone(), rust_name));
                    codec_types.push(CodecType::Struct {
                        rust_path,
                        xml_name,
                        ns: struct_ns,
                        fields,
                    });
                }
            }
            DataTypeVariant::Complex(ComplexData::Enum { type_, .. }) if target == Target::Soap => {
                let rust_path = format!(
                    "crate::generated::{module_prefix}::{}",
                    type_.base.type_ident
                );
                let mut variants = Vec::new();
                for element in &type_.elements {
                    let namespace = element
                        .tag_name
                        .module
                        .and_then(|m| m.namespace.as_ref())
                        .map(|n| n.to_string());
                    let qualified = element.tag_name.form == FormChoiceType::Qualified;
                    let (ns, prefix) = codec::namespace_of(if qualified {
                        namespace.as_deref()
                    } else {
                        None
                    })
                    .map_err(|e| format!("element {xml_name}/{}: {e}", element.s_name))?;
                    if element.occurs != Occurs::Single {
                        return Err(format!(
                            "choice {xml_name}: element {} is optional or repeated, which the \
                             codec does not read in a choice",
                            element.s_name
                        ));
                    }
                    variants.push(CodecField {
                        ident: element.variant_ident.to_string(),
                        ns,
                        prefix,
                        element: element.s_name.clone(),
                        kind: "one",
                        class: "complex",
                        rust_type: resolve_type_path(
                            &element.target_type.path,
                            &element.target_type.usings,
                        ),
                    });
                }
                codec_types.push(CodecType::Choice {
                    rust_path,
                    xml_name,
                    variants,
                });
            }
            _ => {}
        }
    }

    let module = exec_render(config.renderer, &data).map_err(|e| format!("rendering code: {e}"))?;
    let mut code = quote::ToTokens::to_token_stream(&module).to_string();
    for field in &field_elements {
        code = field.patch(code)?;
    }
    if target == Target::Soap {
        code = codec::add_unknown_fields(code, &with_unknown)?;
        extra_code.push_str(&codec::render(&codec_types));
        extra_code.push_str(&codec::render_record_aliases(&codec_types));
    }

    if !record_variants.is_empty() {
        extra_code.push_str(&render_record_enum(&record_variants));
        extra_code.push_str(&render_record_types(&record_variants));
    }
    code.push_str(&extra_code);
    Ok((code, struct_fields))
}

/// The Rust path of a generated type reference: module-qualified paths live under
/// `crate::generated`, included ones are named by their `use`, the rest are built in.
fn resolve_type_path(path: &IdentPath, usings: &[String]) -> String {
    let text = path.to_string().replace(' ', "");
    let text = text.strip_prefix("super::").unwrap_or(&text).to_string();
    if text.contains("::") {
        return format!("crate::generated::{text}");
    }
    usings
        .iter()
        .find(|using| using.ends_with(&format!("::{text}")))
        .cloned()
        .unwrap_or(text)
}
