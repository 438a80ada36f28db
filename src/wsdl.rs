//! What a WSDL declares, and what changes between two of them: the operations, the complex
//! types and their fields. For deciding whether a site's new WSDL is worth regenerating for.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::error::{DecodeError, Error};

/// One field of a complex type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldShape {
    /// XML type (as written, prefix included).
    pub type_name: String,
    /// `minOccurs`/`maxOccurs`/`nillable`, as written (`0..1 nillable`).
    pub occurs: String,
}

/// The operations and complex types of a WSDL (from its portType and its inline schemas).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WsdlSummary {
    /// Operation names.
    pub operations: BTreeSet<String>,
    /// Complex types (named and element-inline ones, by name) and their fields in order.
    pub types: BTreeMap<String, Vec<(String, FieldShape)>>,
    /// The base type (local name) of each complex type declared as an extension.
    pub bases: BTreeMap<String, String>,
}

/// A difference between two WSDLs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// An operation only the new WSDL has.
    OperationAdded(String),
    /// An operation only the old WSDL has.
    OperationRemoved(String),
    /// A type only the new WSDL has.
    TypeAdded(String),
    /// A type only the old WSDL has.
    TypeRemoved(String),
    /// A field only the new WSDL's type has.
    FieldAdded {
        /// The type.
        type_name: String,
        /// The field.
        field: String,
        /// Its shape.
        shape: FieldShape,
    },
    /// A field only the old WSDL's type has.
    FieldRemoved {
        /// The type.
        type_name: String,
        /// The field.
        field: String,
    },
    /// A field whose type or occurrence changed.
    FieldChanged {
        /// The type.
        type_name: String,
        /// The field.
        field: String,
        /// Before.
        from: FieldShape,
        /// After.
        to: FieldShape,
    },
}

impl fmt::Display for FieldShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.type_name, self.occurs)
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::OperationAdded(name) => write!(f, "+ operation {name}"),
            Change::OperationRemoved(name) => write!(f, "- operation {name}"),
            Change::TypeAdded(name) => write!(f, "+ type {name}"),
            Change::TypeRemoved(name) => write!(f, "- type {name}"),
            Change::FieldAdded {
                type_name,
                field,
                shape,
            } => write!(f, "+ field {type_name}.{field}: {shape}"),
            Change::FieldRemoved { type_name, field } => write!(f, "- field {type_name}.{field}"),
            Change::FieldChanged {
                type_name,
                field,
                from,
                to,
            } => {
                write!(f, "~ field {type_name}.{field}: {from} -> {to}")
            }
        }
    }
}

fn attribute(start: &BytesStart<'_>, key: &[u8]) -> Option<String> {
    start
        .attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

impl WsdlSummary {
    /// Reads a WSDL (schemas inline or not; only what it contains is summarised).
    ///
    /// ```
    /// let wsdl = std::fs::read("schemas/soap/convio.wsdl").unwrap();
    /// let summary = convio::wsdl::WsdlSummary::parse(&wsdl).unwrap();
    /// assert!(summary.operations.contains("Update"));
    /// ```
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        Self::parse_with_locations(bytes).map(|(summary, _)| summary)
    }

    /// Reads a WSDL file and the schema files it imports by relative `schemaLocation`.
    ///
    /// ```
    /// let summary = convio::wsdl::WsdlSummary::parse_file("schemas/soap/convio.wsdl".as_ref()).unwrap();
    /// assert!(summary.types.contains_key("Constituent"));
    /// ```
    pub fn parse_file(path: &std::path::Path) -> Result<Self, Error> {
        let read = |path: &std::path::Path| {
            std::fs::read(path)
                .map_err(|e| Error::InvalidArgument(format!("{}: {e}", path.display())))
        };
        let (mut summary, locations) = Self::parse_with_locations(&read(path)?)?;
        let mut seen = BTreeSet::new();
        let mut pending: Vec<std::path::PathBuf> = locations
            .iter()
            .filter(|l| !l.contains("://"))
            .map(|l| path.with_file_name(l))
            .collect();
        while let Some(next) = pending.pop() {
            if !seen.insert(next.clone()) {
                continue;
            }
            let (imported, more) = Self::parse_with_locations(&read(&next)?)?;
            summary.merge(imported);
            pending.extend(
                more.iter()
                    .filter(|l| !l.contains("://"))
                    .map(|l| next.with_file_name(l)),
            );
        }
        Ok(summary)
    }

    /// Adds what an imported document declares (first declaration of a name wins).
    pub(crate) fn merge(&mut self, imported: WsdlSummary) {
        self.operations.extend(imported.operations);
        for (name, fields) in imported.types {
            self.types.entry(name).or_insert(fields);
        }
        for (name, base) in imported.bases {
            self.bases.entry(name).or_insert(base);
        }
    }

    /// The summary of one document and the `schemaLocation`s it imports or includes.
    pub(crate) fn parse_with_locations(bytes: &[u8]) -> Result<(Self, Vec<String>), Error> {
        let mut locations = Vec::new();
        let mut reader = Reader::from_reader(bytes);
        let mut summary = WsdlSummary::default();
        // Names of the complex types being read (a stack: element-inline types nest).
        let mut types: Vec<(String, usize)> = Vec::new();
        let mut depth = 0usize;
        let mut in_port_type = false;
        let mut last_element: Option<String> = None;
        loop {
            let event = reader.read_event().map_err(|e| {
                Error::Decode(DecodeError::Xml {
                    message: e.to_string(),
                    position: Some(reader.buffer_position()),
                    path: Vec::new(),
                })
            })?;
            let (start, empty) = match &event {
                Event::Start(start) => (Some(start.clone()), false),
                Event::Empty(start) => (Some(start.clone()), true),
                Event::End(_) => {
                    depth = depth.saturating_sub(1);
                    if types.last().is_some_and(|(_, at)| *at == depth) {
                        types.pop();
                    }
                    if depth <= 1 {
                        in_port_type = false;
                    }
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            let Some(start) = start else { continue };
            let local = start.local_name().as_ref().to_vec();
            match local.as_slice() {
                b"portType" => in_port_type = true,
                b"import" | b"include" => locations.extend(attribute(&start, b"schemaLocation")),
                b"operation" if in_port_type => {
                    if let Some(name) = attribute(&start, b"name") {
                        summary.operations.insert(name);
                    }
                }
                b"complexType" => {
                    let name = attribute(&start, b"name")
                        .or_else(|| last_element.clone())
                        .unwrap_or_default();
                    if !empty {
                        summary.types.entry(name.clone()).or_default();
                        types.push((name, depth));
                    }
                }
                b"extension" => {
                    if let (Some((type_name, _)), Some(base)) =
                        (types.last(), attribute(&start, b"base"))
                    {
                        let local = base.rsplit(':').next().unwrap_or(&base).to_string();
                        summary.bases.insert(type_name.clone(), local);
                    }
                }
                b"element" => {
                    let name = attribute(&start, b"name").or_else(|| attribute(&start, b"ref"));
                    if let (Some((type_name, _)), Some(name)) = (types.last(), name.clone()) {
                        let occurs = format!(
                            "{}..{}{}",
                            attribute(&start, b"minOccurs").unwrap_or_else(|| "1".into()),
                            attribute(&start, b"maxOccurs").unwrap_or_else(|| "1".into()),
                            if attribute(&start, b"nillable").as_deref() == Some("true") {
                                " nillable"
                            } else {
                                ""
                            }
                        );
                        let shape = FieldShape {
                            type_name: attribute(&start, b"type").unwrap_or_default(),
                            occurs,
                        };
                        summary
                            .types
                            .entry(type_name.clone())
                            .or_default()
                            .push((name.clone(), shape));
                    }
                    last_element = name;
                }
                _ => {}
            }
            if !empty {
                depth += 1;
            }
        }
        Ok((summary, locations))
    }

    /// The record types: complex types that extend `Record`, in name order.
    ///
    /// ```
    /// let summary = convio::wsdl::WsdlSummary::parse_file("schemas/soap/convio.wsdl".as_ref()).unwrap();
    /// assert!(summary.record_types().any(|name| name == "Constituent"));
    /// ```
    pub fn record_types(&self) -> impl Iterator<Item = &str> + '_ {
        self.bases
            .iter()
            .filter(|(_, base)| *base == "Record")
            .map(|(name, _)| name.as_str())
    }

    /// What changes from `self` (old) to `new`.
    ///
    /// ```
    /// use convio::wsdl::{Change, WsdlSummary};
    /// let old = WsdlSummary::parse(&std::fs::read("schemas/soap/convio.wsdl").unwrap()).unwrap();
    /// assert!(old.diff(&old).is_empty());
    /// ```
    pub fn diff(&self, new: &WsdlSummary) -> Vec<Change> {
        let mut changes = Vec::new();
        changes.extend(
            new.operations
                .difference(&self.operations)
                .map(|o| Change::OperationAdded(o.clone())),
        );
        changes.extend(
            self.operations
                .difference(&new.operations)
                .map(|o| Change::OperationRemoved(o.clone())),
        );
        for (type_name, fields) in &new.types {
            let Some(old_fields) = self.types.get(type_name) else {
                changes.push(Change::TypeAdded(type_name.clone()));
                continue;
            };
            for (field, shape) in fields {
                match old_fields.iter().find(|(name, _)| name == field) {
                    None => changes.push(Change::FieldAdded {
                        type_name: type_name.clone(),
                        field: field.clone(),
                        shape: shape.clone(),
                    }),
                    Some((_, old)) if old != shape => changes.push(Change::FieldChanged {
                        type_name: type_name.clone(),
                        field: field.clone(),
                        from: old.clone(),
                        to: shape.clone(),
                    }),
                    Some(_) => {}
                }
            }
            for (field, _) in old_fields {
                if !fields.iter().any(|(name, _)| name == field) {
                    changes.push(Change::FieldRemoved {
                        type_name: type_name.clone(),
                        field: field.clone(),
                    });
                }
            }
        }
        changes.extend(
            self.types
                .keys()
                .filter(|t| !new.types.contains_key(*t))
                .map(|t| Change::TypeRemoved(t.clone())),
        );
        changes
    }
}
