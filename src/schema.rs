//! The record types of a site at run time: by default those the crate was generated from,
//! or those of a site's WSDL (its custom fields, and record types the bundled schema lacks),
//! without rebuilding the crate.
//!
//! The client uses it to put the fields of GetIncremental* requests and of dynamic records in
//! the site's order and to check their values; the emulator to store and serve a site's
//! records. One schema for both, so that they agree.

use std::collections::{BTreeMap, HashMap};

use crate::generated::{ELEMENT_TABLE, RECORD_TYPES};
use crate::wsdl::WsdlSummary;

/// How deep nested fields are listed in a record type's field paths
/// (`Donor.ConsName.FirstName`).
const FIELD_PATH_DEPTH: usize = 3;

/// One child element of a complex type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    /// Element name.
    pub name: String,
    /// A complex type's name, or the simple type's kind (`string`, `bool`, `u64`, `i64`,
    /// `decimal`; `DateTime` and `Date` for the generated dates, `date` for a WSDL's custom
    /// ones), as in the generated element table.
    pub type_name: String,
    /// `maxOccurs` above one.
    pub repeated: bool,
    /// `nillable="true"`.
    pub nillable: bool,
    /// Not in the schemas the crate was generated from (a site's custom field).
    pub custom: bool,
}

/// Complex types by name, and the record types with their field paths in schema order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    types: HashMap<String, Vec<FieldDef>>,
    records: Vec<(String, Vec<String>)>,
}

impl Default for Schema {
    fn default() -> Self {
        Self::generated()
    }
}

/// The generated table's kind for an XML Schema simple type (by local name); anything not
/// numeric or boolean is kept as text.
fn simple_kind(xml_type: &str) -> &'static str {
    match xml_type {
        "boolean" => "bool",
        "nonNegativeInteger" | "positiveInteger" | "unsignedLong" | "unsignedInt"
        | "unsignedShort" | "unsignedByte" => "u64",
        "integer" | "long" | "int" | "short" | "byte" | "negativeInteger"
        | "nonPositiveInteger" => "i64",
        "decimal" | "double" | "float" => "decimal",
        "date" => "date",
        _ => "string",
    }
}

fn local_name(qualified: &str) -> &str {
    qualified.rsplit(':').next().unwrap_or(qualified)
}

impl Schema {
    /// The schemas the crate was generated from.
    ///
    /// ```
    /// let schema = convio::schema::Schema::generated();
    /// assert!(schema.fields("Constituent").unwrap().iter().any(|f| f.name == "PrimaryEmail"));
    /// ```
    pub fn generated() -> Self {
        let types = ELEMENT_TABLE
            .iter()
            .map(|entry| {
                let fields = entry
                    .children
                    .iter()
                    .map(|child| FieldDef {
                        name: child.name.to_string(),
                        type_name: child.type_name.to_string(),
                        repeated: child.repeated,
                        nillable: child.nillable,
                        custom: false,
                    })
                    .collect();
                (entry.type_name.to_string(), fields)
            })
            .collect();
        Self::with_records(types, RECORD_TYPES)
    }

    /// The generated schemas with the record types (and the types below them) as a site's
    /// WSDL declares them. A field the generated schemas lack is marked custom.
    ///
    /// ```
    /// let wsdl = std::fs::read("tests/fixtures/site/site.wsdl").unwrap();
    /// let summary = convio::wsdl::WsdlSummary::parse(&wsdl).unwrap();
    /// let schema = convio::schema::Schema::from_wsdl(&summary);
    /// let fields = schema.fields("Constituent").unwrap();
    /// assert!(fields.iter().any(|f| f.name == "CustomIsVolunteer" && f.type_name == "bool"));
    /// ```
    pub fn from_wsdl(summary: &WsdlSummary) -> Self {
        let generated = Self::generated();
        let mut types = generated.types.clone();
        // The bundled record types, then those only the WSDL declares.
        let mut record_types: Vec<String> =
            generated.records.iter().map(|(n, _)| n.clone()).collect();
        for name in summary.record_types() {
            if !record_types.iter().any(|known| known == name) {
                record_types.push(name.to_string());
            }
        }
        let mut pending: Vec<String> = record_types.clone();
        let mut replaced = std::collections::BTreeSet::new();
        while let Some(type_name) = pending.pop() {
            if !replaced.insert(type_name.clone()) {
                continue;
            }
            let Some(declared) = summary.types.get(&type_name) else {
                continue;
            };
            let known = generated.types.get(&type_name);
            let fields = declared
                .iter()
                .map(|(name, shape)| {
                    let xml_type = local_name(&shape.type_name);
                    let complex = summary.types.contains_key(xml_type);
                    if complex {
                        pending.push(xml_type.to_string());
                    }
                    let generated_field = known.and_then(|k| k.iter().find(|f| &f.name == name));
                    let (min_max, nillable) = match shape.occurs.split_once(' ') {
                        Some((occurs, flag)) => (occurs, flag == "nillable"),
                        None => (shape.occurs.as_str(), false),
                    };
                    let max = min_max.split_once("..").map_or("1", |(_, max)| max);
                    FieldDef {
                        name: name.clone(),
                        type_name: match (complex, generated_field) {
                            (true, _) => xml_type.to_string(),
                            // Keep the generated kind of a standard field (dates are `String`).
                            (false, Some(field)) => field.type_name.clone(),
                            (false, None) => simple_kind(xml_type).to_string(),
                        },
                        repeated: max != "1" && max != "0",
                        nillable,
                        custom: generated_field.is_none(),
                    }
                })
                .collect();
            types.insert(type_name, fields);
        }
        let record_types: Vec<&str> = record_types.iter().map(String::as_str).collect();
        Self::with_records(types, &record_types)
    }

    fn with_records(types: HashMap<String, Vec<FieldDef>>, record_types: &[&str]) -> Self {
        fn walk(
            types: &HashMap<String, Vec<FieldDef>>,
            type_name: &str,
            prefix: &str,
            depth: usize,
            out: &mut Vec<String>,
        ) {
            for field in types.get(type_name).into_iter().flatten() {
                let path = if prefix.is_empty() {
                    field.name.clone()
                } else {
                    format!("{prefix}.{}", field.name)
                };
                out.push(path.clone());
                if depth + 1 < FIELD_PATH_DEPTH {
                    walk(types, &field.type_name, &path, depth + 1, out);
                }
            }
        }
        let records = record_types
            .iter()
            .map(|name| {
                let mut paths = Vec::new();
                walk(&types, name, "", 0, &mut paths);
                ((*name).to_string(), paths)
            })
            .collect();
        Schema { types, records }
    }

    /// Children of a complex type in schema order, or `None` for a simple type.
    pub fn fields(&self, type_name: &str) -> Option<&[FieldDef]> {
        self.types.get(type_name).map(Vec::as_slice)
    }

    /// The record types (in schema order) with their field paths in schema order.
    pub fn record_types(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.records
            .iter()
            .map(|(name, paths)| (name.as_str(), paths.as_slice()))
    }

    /// The field paths of one record type, in schema order.
    pub fn record_fields(&self, record_type: &str) -> Option<&[String]> {
        self.record_types()
            .find(|(name, _)| *name == record_type)
            .map(|(_, paths)| paths)
    }

    /// Whether `name` is a record type of this schema.
    pub fn is_record_type(&self, name: &str) -> bool {
        self.records.iter().any(|(record, _)| record == name)
    }

    /// The field identifying records of `record_type`, by one rule the client (to tell pages
    /// apart), the synchronization (row keys) and the emulator (its stores) share:
    ///
    /// 1. ConsId for Constituent, TransactionId for Donation (documented);
    /// 2. the integer field named for the type's own name or its tail (`GroupId` of Group,
    ///    `FormId` of DonationForm, `AlertResponseId` of ActionAlertResponse, `OrderId` of
    ///    ProductOrder, a site's `RegistrationId` of VolunteerRegistration);
    /// 3. `TransactionId`, which every transaction record the sources show carries;
    /// 4. for a record type outside the documented names only, the first single-valued
    ///    integer field ending in `Id`.
    ///
    /// `None` for a type without one: a nested type such as `Name`, or a documented type whose
    /// key no source shows (TeamRaiserRegistration's only id, `EventId`, names its event; a
    /// CenterMember is keyed by two ids). Rule 4 stays off for documented types so that such
    /// a reference is never taken for a key.
    ///
    /// ```
    /// let schema = convio::schema::Schema::generated();
    /// assert_eq!(schema.id_field("Constituent"), Some("ConsId"));
    /// assert_eq!(schema.id_field("Donation"), Some("TransactionId"));
    /// assert_eq!(schema.id_field("DonationForm"), Some("FormId"));
    /// assert_eq!(schema.id_field("TeamRaiserRegistration"), None);
    /// assert_eq!(schema.id_field("Name"), None);
    /// ```
    pub fn id_field(&self, record_type: &str) -> Option<&str> {
        match record_type {
            "Constituent" => return Some("ConsId"),
            "Donation" => return Some("TransactionId"),
            _ => {}
        }
        // The generated tables name a kind in Rust (`u64`) or in XML Schema
        // (`nonNegativeInteger`); a site's WSDL in XML Schema.
        let integer = |kind: &str| {
            matches!(kind, "u64" | "u32" | "i64" | "i32")
                || matches!(simple_kind(kind), "u64" | "i64")
        };
        let keys = self
            .fields(record_type)?
            .iter()
            .filter(|f| !f.repeated && integer(&f.type_name));
        let named_for_type = |name: &str| {
            name.strip_suffix("Id")
                .is_some_and(|stem| !stem.is_empty() && record_type.ends_with(stem))
        };
        keys.clone()
            .find(|f| named_for_type(&f.name))
            .or_else(|| keys.clone().find(|f| f.name == "TransactionId"))
            .or_else(|| {
                if is_documented_record_type(record_type) {
                    None
                } else {
                    keys.clone().find(|f| f.name.ends_with("Id"))
                }
            })
            .map(|f| f.name.as_str())
    }

    /// The type of the element at dot path `path` below `type_name`, with its repeated flag.
    pub fn type_at(&self, type_name: &str, path: &str) -> Option<(&str, bool)> {
        let mut current = type_name;
        let mut found = None;
        for segment in path.split('.') {
            let field = self.fields(current)?.iter().find(|f| f.name == segment)?;
            found = Some((field.type_name.as_str(), field.repeated));
            current = &field.type_name;
        }
        found
    }

    /// The custom fields of every record type that has any (fields the generated schemas
    /// lack), for logs and the CLI.
    ///
    /// ```
    /// let schema = convio::schema::Schema::generated();
    /// assert!(schema.custom_fields().is_empty());
    /// ```
    pub fn custom_fields(&self) -> BTreeMap<String, Vec<String>> {
        self.record_types()
            .filter_map(|(name, _)| {
                let custom: Vec<String> = self
                    .fields(name)?
                    .iter()
                    .filter(|f| f.custom)
                    .map(|f| f.name.clone())
                    .collect();
                (!custom.is_empty()).then(|| (name.to_string(), custom))
            })
            .collect()
    }
}

/// Whether `text` (trimmed, not empty) is a value of the simple kind `kind` (as in
/// [`FieldDef::type_name`]): integers, booleans, decimals and `YYYY-MM-DD` dates are checked;
/// anything else is text.
///
/// ```
/// use convio::schema::value_fits;
/// assert!(value_fits("u64", "42"));
/// assert!(!value_fits("bool", "maybe"));
/// assert!(value_fits("date", "2026-11-29"));
/// assert!(value_fits("string", "anything"));
/// ```
pub fn value_fits(kind: &str, text: &str) -> bool {
    match kind {
        "u64" | "u32" => !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()),
        "i64" | "i32" | "isize" => {
            let digits = text.strip_prefix('-').unwrap_or(text);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        }
        "bool" => matches!(text, "true" | "false" | "1" | "0"),
        "decimal" | "Decimal" => text.parse::<crate::Decimal>().is_ok(),
        "date" => is_date(text),
        _ => true,
    }
}

/// `YYYY-MM-DD` with a month and day in range (xs:date without a time zone).
fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let number = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    matches!(
        (number(year, 4), number(month, 2), number(day, 2)),
        (Some(_), Some(1..=12), Some(1..=31))
    )
}

/// Whether `name` is one of the record type names the service documents
/// ([`RecordType::KNOWN`](crate::RecordType::KNOWN)) rather than one a newer server or a
/// site's WSDL adds.
pub(crate) fn is_documented_record_type(name: &str) -> bool {
    crate::RecordType::KNOWN
        .iter()
        .any(|known| known.as_str() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_wsdl_adds_no_custom_fields() {
        let summary = WsdlSummary::parse_file("schemas/soap/convio.wsdl".as_ref()).unwrap();
        let schema = Schema::from_wsdl(&summary);
        assert!(
            schema.custom_fields().is_empty(),
            "{:?}",
            schema.custom_fields()
        );
        let generated = Schema::generated();
        for (name, _) in generated.record_types() {
            assert_eq!(schema.fields(name), generated.fields(name), "{name}");
        }
    }

    #[test]
    fn site_wsdl_custom_fields_have_their_kinds() {
        let summary =
            WsdlSummary::parse(&std::fs::read("tests/fixtures/site/site.wsdl").unwrap()).unwrap();
        let schema = Schema::from_wsdl(&summary);
        let kinds: Vec<(String, String, bool)> = schema
            .fields("Constituent")
            .unwrap()
            .iter()
            .filter(|f| f.name.starts_with("Custom"))
            .map(|f| (f.name.clone(), f.type_name.clone(), f.nillable))
            .collect();
        let expected = [
            ("CustomFavoriteColor", "string"),
            ("CustomIsVolunteer", "bool"),
            ("CustomFirstGiftDate", "date"),
            ("CustomLifetimeGifts", "decimal"),
            ("CustomHouseholdSize", "u64"),
            ("CustomNickname", "string"),
            ("Custom_PartyAffiliation", "string"),
        ];
        assert_eq!(
            kinds,
            expected
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string(), true))
                .collect::<Vec<_>>()
        );
        assert!(schema
            .record_fields("Constituent")
            .unwrap()
            .iter()
            .any(|p| p == "CustomLifetimeGifts"));
    }
}
