//! The layout is the architecture: data flows one way through the layers below, and no two
//! modules import each other. Read from the source text of `src/` (the CLI in `src/bin/` is
//! a separate crate that sees only the public API).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, lowest first. A module may import from its own layer and the layers below;
/// `generated` is the code `build/` writes into `OUT_DIR`.
const LAYERS: &[&[&str]] = &[
    &["types", "field"],
    &["codec", "transport", "credentials"],
    &["generated", "record"],
    &["error"],
    &["wsdl", "schema"],
    &["soap", "server_api"],
    &["sync"],
    &["emulator"],
];

/// Items the crate root re-exports, by the module that defines them.
const ROOT_ITEMS: &[(&str, &str)] = &[
    ("Field", "field"),
    ("Text", "types"),
    ("Decimal", "types"),
    ("AnyRecord", "generated"),
    ("ResultCode", "generated"),
    ("RecordType", "generated"),
    ("DynamicRecord", "record"),
    ("Error", "error"),
    ("DecodeError", "codec"),
    ("EncodeError", "codec"),
    ("DecodeOptions", "codec"),
    ("Element", "codec"),
    ("Unknown", "codec"),
];

fn layer_of(top: &str) -> usize {
    LAYERS
        .iter()
        .position(|layer| layer.contains(&top))
        .unwrap_or_else(|| panic!("module `{top}` is in no layer: add it to LAYERS"))
}

/// Every `.rs` file of `src/` but the binary's, as (module path, source).
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).expect("readable src/") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "bin") {
                    walk(&path, out);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix("src").expect("under src/");
            let mut segments: Vec<String> = relative
                .with_extension("")
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            if segments.last().is_some_and(|s| s == "mod" || s == "lib") {
                segments.pop();
            }
            let source = std::fs::read_to_string(&path).expect("readable source");
            out.insert(segments.join("::"), source);
        }
    }
    let mut out = BTreeMap::new();
    walk(Path::new("src"), &mut out);
    out
}

/// The source without comments (doc links name paths that are not imports) and without
/// string literals.
fn code_only(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for line in source.lines() {
        let mut in_string = false;
        let mut previous = ' ';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if !in_string && c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            if c == '"' && previous != '\\' {
                in_string = !in_string;
                out.push(' ');
            } else if !in_string {
                out.push(c);
            }
            previous = if previous == '\\' && c == '\\' {
                ' '
            } else {
                c
            };
        }
        out.push('\n');
    }
    out
}

/// The paths after `prefix::` in `code`, `{a, b::{c, d}}` groups expanded.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    fn group(text: &str, base: &[String], out: &mut Vec<Vec<String>>) -> usize {
        // `text` starts right after `{`; returns how much was read up to the matching `}`.
        let mut at = 0;
        let mut current = base.to_vec();
        let mut word = String::new();
        let bytes = text.as_bytes();
        while at < bytes.len() {
            let c = bytes[at] as char;
            match c {
                '{' => {
                    at += 1 + group(&text[at + 1..], &current, out);
                    current = base.to_vec();
                    continue;
                }
                '}' => {
                    if !word.is_empty() {
                        current.push(std::mem::take(&mut word));
                    }
                    if current.len() > base.len() {
                        out.push(current);
                    }
                    return at + 1;
                }
                ',' => {
                    if !word.is_empty() {
                        current.push(std::mem::take(&mut word));
                    }
                    if current.len() > base.len() {
                        out.push(current);
                    }
                    current = base.to_vec();
                }
                ':' if !word.is_empty() => {
                    current.push(std::mem::take(&mut word));
                }
                c if c.is_alphanumeric() || c == '_' => word.push(c),
                _ => {}
            }
            at += 1;
        }
        at
    }
    let mut out = Vec::new();
    let needle = format!("{prefix}::");
    for (start, _) in code.match_indices(&needle) {
        let before = code[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &code[start + needle.len()..];
        if let Some(inner) = rest.strip_prefix('{') {
            group(inner, &[], &mut out);
            continue;
        }
        let mut path = Vec::new();
        let mut word = String::new();
        for c in rest.chars() {
            if c.is_alphanumeric() || c == '_' {
                word.push(c);
            } else if c == ':' {
                if !word.is_empty() {
                    path.push(std::mem::take(&mut word));
                }
            } else {
                break;
            }
        }
        if !word.is_empty() {
            path.push(word);
        }
        if !path.is_empty() {
            out.push(path);
        }
    }
    out
}

/// The deepest module of `known` that `path` (absolute segments) names.
fn module_named(known: &BTreeMap<String, String>, path: &[String]) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|candidate| known.contains_key(candidate))
}

/// Modules each module imports: (module, imported module).
fn imports(known: &BTreeMap<String, String>) -> BTreeSet<(String, String)> {
    let mut edges = BTreeSet::new();
    for (module, source) in known {
        let code = code_only(source);
        let segments: Vec<String> = if module.is_empty() {
            Vec::new()
        } else {
            module.split("::").map(String::from).collect()
        };
        let mut targets = Vec::new();
        for path in paths_after(&code, "crate") {
            let absolute = match ROOT_ITEMS.iter().find(|(item, _)| *item == path[0]) {
                Some((_, home)) => vec![home.to_string()],
                None => path,
            };
            targets.push(absolute);
        }
        for path in paths_after(&code, "super") {
            // `super::super::x` climbs one level per `super`.
            let ups = 1 + path.iter().take_while(|s| *s == "super").count();
            if ups > segments.len() {
                continue;
            }
            let mut absolute = segments[..segments.len() - ups].to_vec();
            absolute.extend(path.into_iter().skip_while(|s| s == "super"));
            targets.push(absolute);
        }
        for target in targets {
            let Some(imported) = module_named(known, &target)
                .or_else(|| (target.first()? == "generated").then(|| "generated".to_string()))
            else {
                continue;
            };
            // A module's own items, and its descendants' (a parent declares and re-exports
            // its children), are not imports.
            if imported == *module
                || imported.starts_with(&format!("{module}::"))
                || module.is_empty()
            {
                continue;
            }
            edges.insert((module.clone(), imported));
        }
    }
    edges
}

#[test]
fn no_module_imports_from_a_layer_above_its_own() {
    let known = modules();
    let mut upward = Vec::new();
    for (module, imported) in imports(&known) {
        let (from, to) = (
            module.split("::").next().unwrap_or_default(),
            imported.split("::").next().unwrap_or_default(),
        );
        if from != to && layer_of(to) > layer_of(from) {
            upward.push(format!("{module} imports {imported}"));
        }
    }
    assert!(upward.is_empty(), "imports against the flow: {upward:#?}");
}

#[test]
fn no_two_modules_import_each_other() {
    let known = modules();
    let edges = imports(&known);
    let mutual: Vec<String> = edges
        .iter()
        .filter(|(a, b)| a < b && edges.contains(&(b.clone(), a.clone())))
        .map(|(a, b)| format!("{a} <-> {b}"))
        .collect();
    assert!(
        mutual.is_empty(),
        "modules that import each other: {mutual:#?}"
    );
}

#[test]
fn every_top_level_module_has_a_layer_and_the_reader_finds_imports() {
    let known = modules();
    for module in known.keys().filter(|m| !m.is_empty() && !m.contains("::")) {
        layer_of(module);
    }
    let edges = imports(&known);
    // Known imports, to show the reader sees `use` groups, inline paths and `super`.
    for expected in [
        ("soap::operations", "soap::pages"),
        ("sync::engine", "sync::upload"),
        ("codec::leaves", "codec::element"),
        ("server_api::client", "credentials"),
    ] {
        assert!(
            edges.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} not found"
        );
    }
}

#[test]
fn the_readme_layout_table_matches_the_tree() {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let table = readme
        .split("## Layout")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a Layout section");
    // Every path the table names exists...
    let named: Vec<&str> = table
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|text| {
            text.starts_with("src/") || text.starts_with("build/") || text.starts_with("schemas/")
        })
        .collect();
    for path in &named {
        assert!(
            Path::new(path).exists(),
            "the layout table names `{path}`, which does not exist"
        );
    }
    // ...and every top-level module of src/ is in it.
    for entry in std::fs::read_dir("src").expect("src/") {
        let name = entry
            .expect("an entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name == "lib.rs" {
            continue;
        }
        let path = if name.ends_with(".rs") {
            format!("src/{name}")
        } else if name == "bin" {
            "src/bin/convio/".to_string()
        } else {
            format!("src/{name}/")
        };
        assert!(
            named.contains(&path.as_str()),
            "`{path}` is missing from the README's layout table"
        );
    }
}

#[test]
fn every_source_file_says_what_it_owns() {
    fn walk(dir: &Path, missing: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("a directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                walk(&path, missing);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).expect("readable");
                let opening: Vec<&str> = source
                    .lines()
                    .take_while(|l| l.starts_with("//!"))
                    .collect();
                if opening.iter().map(|l| l.len()).sum::<usize>() < 40 {
                    missing.push(path.display().to_string());
                }
            }
        }
    }
    let mut missing = Vec::new();
    walk(Path::new("src"), &mut missing);
    assert!(
        missing.is_empty(),
        "files without an opening `//!` paragraph: {missing:#?}"
    );
}

/// Public enums that are closed by what they mean, with the reason; every other public enum,
/// and every public options or policy struct, is `#[non_exhaustive]` so that it can grow.
const CLOSED_ENUMS: &[(&str, &str)] = &[
    (
        "Field",
        "absent, nil or a value: the tri-state is the contract",
    ),
    ("Content", "an XML element holds nil, text or children"),
    ("IncrementalKind", "the three documented downloads"),
    ("LocalAction", "a row is inserted, updated or deleted"),
    ("ChangeKind", "a record is inserted, updated or deleted"),
    (
        "Response",
        "a Server API call answers with its response or an error",
    ),
    ("EmailOptIn", "a new constituent accepts email or does not"),
    (
        "ListMode",
        "how a write treats repeated ids: set, ignore, add, remove",
    ),
];

#[test]
fn public_enums_and_option_structs_can_grow() {
    let mut closed_without_reason = Vec::new();
    for (module, source) in modules() {
        let lines: Vec<&str> = source.lines().collect();
        for (at, line) in lines.iter().enumerate() {
            let item = line
                .strip_prefix("pub enum ")
                .map(|rest| ("enum", rest))
                .or_else(|| {
                    line.strip_prefix("pub struct ")
                        .map(|rest| ("struct", rest))
                });
            let Some((kind, rest)) = item else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let grows = kind == "enum"
                || name.ends_with("Options")
                || name.ends_with("Policy")
                || name == "Limits";
            if !grows || CLOSED_ENUMS.iter().any(|(closed, _)| *closed == name) {
                continue;
            }
            let attributes = lines[..at]
                .iter()
                .rev()
                .take_while(|l| l.starts_with("#[") || l.starts_with("///"));
            if !attributes.clone().any(|l| l.trim() == "#[non_exhaustive]") {
                closed_without_reason.push(format!("{module}::{name}"));
            }
        }
    }
    assert!(
        closed_without_reason.is_empty(),
        "public enums and option structs without #[non_exhaustive] (or a reason in CLOSED_ENUMS): {closed_without_reason:#?}"
    );
}

/// Modules whose parts stay inside the crate: the codec's machinery and the emulator's site
/// state. What users may reach is re-exported by name from the module itself (checked by the
/// compiler: the integration tests and the CLI use only those names).
const SEALED: &[&str] = &["codec", "emulator", "soap"];

#[test]
fn codec_and_emulator_internals_are_not_public() {
    let sources = modules();
    let mut public_parts = Vec::new();
    for sealed in SEALED {
        let source = &sources[*sealed];
        for line in source.lines() {
            if let Some(rest) = line.trim_start().strip_prefix("pub mod ") {
                public_parts.push(format!("{sealed}::{}", rest.trim_end_matches(';')));
            }
        }
        // Nothing re-exports the emulator's state or the codec's machinery as such.
        for line in code_only(source).lines() {
            let line = line.trim_start();
            if line.starts_with("pub use")
                && [
                    "state", "State", "Settings", "reader", "writer", "macros", "scan",
                ]
                .iter()
                .any(|internal| line.contains(internal))
            {
                public_parts.push(format!("{sealed}: {line}"));
            }
        }
    }
    assert!(
        public_parts.is_empty(),
        "public internals (make them private or pub(crate) and re-export what users need): {public_parts:#?}"
    );
}
