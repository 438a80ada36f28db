//! What a value must be before the emulator stores it: characters XML 1.0 allows (a stored
//! one it forbids would make every later response that carries it not well-formed), and a
//! value of the field's type, including the `xs:date` and `xs:dateTime` fields the generated
//! tables keep as text.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::chars::{describe_char, forbidden_char};
use super::clock::parse_date_time;
use super::xml::{parse, Element};

/// The XML Schema simple type (local name: `date`, `dateTime`, `string` ...) of the element
/// `field` of the complex type `type_name` in the bundled `objects.xsd`.
pub fn xsd_type(type_name: &str, field: &str) -> Option<&'static str> {
    static TABLE: OnceLock<HashMap<(String, String), String>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            let mut table = HashMap::new();
            if let Ok(schema) = parse(super::OBJECTS_XSD.as_bytes()) {
                for complex in schema.children.iter().filter(|c| &*c.name == "complexType") {
                    let Some(name) = attribute(complex, "name") else {
                        continue;
                    };
                    collect_elements(complex, name, &mut table);
                }
            }
            table
        })
        .get(&(type_name.to_string(), field.to_string()))
        .map(String::as_str)
}

fn attribute<'e>(element: &'e Element, name: &str) -> Option<&'e str> {
    element
        .attributes
        .iter()
        .find(|a| a.namespace.is_none() && &*a.name == name)
        .map(|a| a.value.as_str())
}

fn collect_elements(
    element: &Element,
    type_name: &str,
    table: &mut HashMap<(String, String), String>,
) {
    for child in element.children.iter() {
        if &*child.name == "element" {
            if let (Some(name), Some(xml_type)) =
                (attribute(child, "name"), attribute(child, "type"))
            {
                let local = xml_type.rsplit(':').next().unwrap_or(xml_type);
                table.insert((type_name.to_string(), name.to_string()), local.to_string());
            }
        } else {
            collect_elements(child, type_name, table);
        }
    }
}

/// `xs:date`: `YYYY-MM-DD` (a year of four digits or more, month and day in range), with an
/// optional time zone (`Z` or `±HH:MM`).
pub fn is_xs_date(text: &str) -> bool {
    let (date, zone) = if let Some(date) = text.strip_suffix('Z') {
        (date, "")
    } else if text.len() > 10 && matches!(text.as_bytes().get(text.len() - 6), Some(b'+' | b'-')) {
        text.split_at(text.len() - 6)
    } else {
        (text, "")
    };
    let zone_ok = zone.is_empty() || {
        let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
        zone.get(3..4) == Some(":")
            && zone.get(1..3).is_some_and(digits)
            && zone.get(4..6).is_some_and(digits)
    };
    let parts: Vec<&str> = date.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let number = |s: &str, lengths: std::ops::RangeInclusive<usize>| {
        (lengths.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    zone_ok
        && matches!(
            (
                number(year, 4..=9),
                number(month, 2..=2),
                number(day, 2..=2)
            ),
            (Some(_), Some(1..=12), Some(1..=31))
        )
}

/// Checks a field value before it is stored: XML 1.0 characters only, and a value of the
/// field's kind (`kind` as in [`crate::schema::FieldDef::type_name`]); for the text kinds
/// the bundled schema's `xs:date` / `xs:dateTime` of `parent`'s field `field` is checked
/// too. The message names `path`.
pub fn check_value(
    parent: &str,
    field: &str,
    kind: &str,
    path: &str,
    text: &str,
) -> Result<(), String> {
    if let Some((_, c)) = forbidden_char(text) {
        return Err(format!(
            "field `{path}`: character {} is not allowed in XML 1.0",
            describe_char(c)
        ));
    }
    if !crate::schema::value_fits(kind, text) {
        return Err(format!("field `{path}`: `{text}` is not a valid {kind}"));
    }
    let fits = match xsd_type(parent, field) {
        Some("date") => is_xs_date(text),
        Some("dateTime") => parse_date_time(text).is_some(),
        _ => true,
    };
    if !fits {
        let expected = match xsd_type(parent, field) {
            Some("date") => "xs:date (YYYY-MM-DD)",
            _ => "xs:dateTime (YYYY-MM-DDThh:mm:ssZ)",
        };
        return Err(format!(
            "field `{path}`: `{text}` is not a valid {expected}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod examples {
    #[test]
    fn xsd_type_examples() {
        use super::xsd_type;
        assert_eq!(xsd_type("Constituent", "BirthDate"), Some("date"));
        assert_eq!(xsd_type("Payment", "PaymentDate"), Some("dateTime"));
        assert_eq!(xsd_type("Constituent", "Nope"), None);
    }

    #[test]
    fn is_xs_date_examples() {
        use super::is_xs_date;
        assert!(
            is_xs_date("1815-12-10") && is_xs_date("1815-12-10Z") && is_xs_date("1815-12-10+01:00")
        );
        assert!(
            !is_xs_date("not-a-date")
                && !is_xs_date("1815-13-10")
                && !is_xs_date("1815-12-10T00:00:00")
        );
    }

    #[test]
    fn check_value_examples() {
        use super::check_value;
        assert!(check_value(
            "Constituent",
            "BirthDate",
            "Date",
            "BirthDate",
            "1815-12-10"
        )
        .is_ok());
        assert!(check_value(
            "Constituent",
            "BirthDate",
            "Date",
            "BirthDate",
            "not-a-date"
        )
        .is_err());
        assert!(check_value(
            "Name",
            "FirstName",
            "string",
            "ConsName.FirstName",
            "Ada\u{1}"
        )
        .is_err());
        assert!(check_value("Constituent", "ConsId", "u64", "ConsId", "-1").is_err());
    }
}
