//! Create, Update and Delete of the records kept in a [`RecordStore`](super::store::RecordStore)
//! (the record types a site's WSDL adds). A record is found by its id field; within it a value
//! sets, `xsi:nil` clears, and an empty or absent element leaves the stored value, as for
//! constituents. Every change goes into the change log, for the synchronization downloads.

use super::records::{Fields, ListMode, Patch};
use super::state::{ChangeKind, RecordOutcome, State};
use super::xml::{Element, ENS};

/// The id a record element carries in `id_field`: `None` when the element is absent, nil or
/// empty.
///
/// # Errors
///
/// A message naming the field when the text is not a record id.
pub fn record_id(record: &Element, id_field: &str) -> Result<Option<u64>, String> {
    let Some(text) = record
        .child(ENS, id_field)
        .filter(|e| !e.nil)
        .map(|e| e.text.trim())
        .filter(|t| !t.is_empty())
    else {
        return Ok(None);
    };
    text.parse()
        .map(Some)
        .map_err(|_| format!("`{id_field}` is not a record id: {text}"))
}

/// The id field of a stored record type that clients may write.
fn id_field(state: &State, record_type: &str) -> Result<String, (&'static str, String)> {
    state
        .stores
        .get(record_type)
        .filter(|store| !store.download_only)
        .map(|store| store.id_field.clone())
        .ok_or_else(|| {
            (
                "SERVER_ERROR",
                format!("{record_type} records cannot be written"),
            )
        })
}

/// The id a record names, or REQUIRED_FIELDS_MISSING.
fn required_id(id: Option<u64>, id_field: &str) -> Result<u64, (&'static str, String)> {
    id.ok_or_else(|| {
        (
            "REQUIRED_FIELDS_MISSING",
            format!("the record has no {id_field}"),
        )
    })
}

/// Adds a record (`given`: the id it carries, read with [`record_id`]; `patch`: its fields).
/// Its id is the one it carries when that is unused (MATCH_EXISTING when it is taken), else a
/// new one.
pub fn create(
    state: &mut State,
    user: &str,
    record_type: &str,
    given: Option<u64>,
    patch: &Patch,
) -> RecordOutcome {
    let id_field = id_field(state, record_type)?;
    let mut fields = Fields::default();
    patch.apply(&mut fields, ListMode::Set, &[id_field.as_str()]);
    let store = state.stores.get_mut(record_type).ok_or_else(|| {
        (
            "SERVER_ERROR",
            format!("{record_type} records are not stored"),
        )
    })?;
    let id = match given {
        Some(id) if store.is_used(id) => {
            return Err((
                "MATCH_EXISTING",
                format!("a {record_type} with {id_field} {id} exists"),
            ))
        }
        Some(id) => id,
        None => store.allocate_id(),
    };
    fields.values.insert(id_field, id.to_string());
    state.store_record(record_type, id, fields, ChangeKind::Insert, user);
    Ok((id, "Record added."))
}

/// Changes the record `id` names; repeated fields are left as they are (as an Update leaves
/// a constituent's memberships).
pub fn update(
    state: &mut State,
    user: &str,
    record_type: &str,
    id: Option<u64>,
    patch: &Patch,
) -> RecordOutcome {
    let id_field = id_field(state, record_type)?;
    let id = required_id(id, &id_field)?;
    let mut fields = state
        .stores
        .get(record_type)
        .and_then(|store| store.active.get(&id))
        .cloned()
        .ok_or_else(|| not_found(record_type, &id_field, id))?;
    patch.apply(&mut fields, ListMode::Ignore, &[id_field.as_str()]);
    state.store_record(record_type, id, fields, ChangeKind::Update, user);
    Ok((id, "Record updated."))
}

/// Removes the record `id` names.
pub fn delete(state: &mut State, user: &str, record_type: &str, id: Option<u64>) -> RecordOutcome {
    let id_field = id_field(state, record_type)?;
    let id = required_id(id, &id_field)?;
    let exists = state
        .stores
        .get(record_type)
        .is_some_and(|store| store.active.contains_key(&id));
    if !exists {
        return Err(not_found(record_type, &id_field, id));
    }
    state.store_record(record_type, id, Fields::default(), ChangeKind::Delete, user);
    Ok((id, "Record deleted."))
}

fn not_found(record_type: &str, id_field: &str, id: u64) -> (&'static str, String) {
    (
        "RECORD_NOT_FOUND",
        format!("no {record_type} with {id_field} {id}"),
    )
}

/// The id of the record a result reports: as stored when the write succeeded (`id`), else
/// as sent (`given`).
pub fn identity(state: &State, record_type: &str, id: Option<u64>, given: Option<u64>) -> Fields {
    let mut fields = Fields::default();
    let Some(store) = state.stores.get(record_type) else {
        return fields;
    };
    if let Some(id) = id.or(given) {
        fields.values.insert(store.id_field.clone(), id.to_string());
    }
    fields
}
