//! What the client does with a site's record schema: the order of the `Field` list of a
//! GetIncremental* request, and the order and values of a dynamic record's fields.

use crate::codec::{Content, Element};
use crate::error::Error;
use crate::schema::{value_fits, Schema};
use crate::{DynamicRecord, Text};

/// Puts requested fields (dotted paths) into the record type's schema order, as
/// GetIncremental* requires, refusing fields the schema does not declare for it.
pub(crate) fn ordered_request_fields<I, S>(
    schema: &Schema,
    record_type: &str,
    fields: I,
) -> Result<Vec<Text>, Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let known = schema.record_fields(record_type).ok_or_else(|| {
        Error::InvalidArgument(format!(
            "unknown record type `{record_type}` (not in the site's schema: give the client the \
             site's WSDL to download record types the bundled schema lacks)"
        ))
    })?;
    let mut positions = Vec::new();
    for field in fields {
        let field = field.as_ref().trim();
        let position = known
            .iter()
            .position(|known| known == field)
            .ok_or_else(|| {
                Error::InvalidArgument(format!("`{field}` is not a field of {record_type}"))
            })?;
        positions.push(position);
    }
    positions.sort_unstable();
    positions.dedup();
    Ok(positions
        .into_iter()
        .map(|p| Text::from(known[p].as_str()))
        .collect())
}

/// Puts a dynamic record's fields in the schema's order (groups too) and checks the values
/// of the fields the schema types. A record type the schema does not know is sent as it is;
/// fields the schema does not declare keep their order after the declared ones.
pub(crate) fn prepare_dynamic(schema: &Schema, record: &mut DynamicRecord) -> Result<(), Error> {
    let type_name = record.type_name().to_string();
    if !schema.is_record_type(&type_name) {
        tracing::debug!(record_type = %type_name, "record type not in the site schema: fields sent in the order given");
        return Ok(());
    }
    prepare_level(schema, &type_name, record.fields_mut(), &type_name)
}

fn prepare_level(
    schema: &Schema,
    type_name: &str,
    elements: &mut [Element],
    path: &str,
) -> Result<(), Error> {
    let Some(declared) = schema.fields(type_name) else {
        return Ok(());
    };
    let rank = |element: &Element| {
        declared
            .iter()
            .position(|field| field.name == element.name().local())
            .unwrap_or(declared.len())
    };
    elements.sort_by_key(rank);
    for element in elements.iter_mut() {
        let local = element.name().local().to_string();
        let Some(field) = declared.iter().find(|field| field.name == local) else {
            continue;
        };
        let field_path = format!("{path}.{local}");
        match element.content_mut() {
            Content::Elements(children) => {
                prepare_level(schema, &field.type_name, children, &field_path)?;
            }
            Content::Text(text) if !text.is_empty() => {
                let kind = field.type_name.as_str();
                if schema.fields(kind).is_none() && !value_fits(kind, text.trim()) {
                    return Err(Error::InvalidArgument(format!(
                        "`{field_path}`: `{text}` is not a valid {kind}"
                    )));
                }
            }
            Content::Text(_) | Content::Nil => {}
        }
    }
    Ok(())
}
