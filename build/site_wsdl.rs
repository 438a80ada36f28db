//! Reading the schemas out of a site's WSDL.

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
        crate::NS_MESSAGES => "messages.xsd".to_string(),
        crate::NS_OBJECTS => "objects.xsd".to_string(),
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
    for required in [crate::NS_MESSAGES, crate::NS_OBJECTS] {
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
        let event = reader
            .read_event()
            .map_err(|e| format!("not well-formed at byte {}: {e}", reader.buffer_position()))?;
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
                let declared: Vec<String> = xmlns_of(&start).into_iter().map(|(k, _)| k).collect();
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
                let document = String::from_utf8(writer.into_inner()).map_err(|e| e.to_string())?;
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
