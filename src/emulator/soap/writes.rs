//! Create, Update, Delete and the relationship operations: up to 50 records per request, one
//! `Result` per record, each record located, checked and stored by the site state's rules.

use std::fmt::Write as _;

use crate::emulator::records::{write_record, Fields, ListMode, Patch};
use crate::emulator::state::{Refusal, State, CONSTITUENT};
use crate::emulator::stored_writes;
use crate::emulator::xml::{escape, Element, ENS, TNS};
use std::sync::Mutex;

use super::{
    boolean, check_sequence, invalid, invalid_request, lock, partition, response, Context,
    FaultReply, MAX_RECORDS,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WriteKind {
    Create,
    Update,
    Delete,
    Relationships(ListMode),
}

/// The identifiers a record element carries.
#[derive(Debug, Clone, Default)]
struct Keys {
    cons_id: Option<u64>,
    member_id: Option<String>,
    email: Option<String>,
}

impl Keys {
    /// The stored constituent these keys name: by ConsId, else MemberId, else PrimaryEmail.
    fn locate(&self, state: &State) -> Result<u64, (&'static str, String)> {
        state.locate(
            self.cons_id,
            self.member_id.as_deref(),
            self.email.as_deref(),
        )
    }
}

fn keys(record: &Element) -> Result<Keys, FaultReply> {
    let text = |name: &str| {
        record
            .child(ENS, name)
            .filter(|e| !e.nil)
            .map(|e| e.text.trim().to_string())
            .filter(|t| !t.is_empty())
    };
    let cons_id = match text("ConsId") {
        Some(id) => Some(
            id.parse()
                .map_err(|_| invalid(format!("ConsId is not a number: {id}")))?,
        ),
        None => None,
    };
    Ok(Keys {
        cons_id,
        member_id: text("MemberId"),
        email: text("PrimaryEmail"),
    })
}

/// Where the records of one record type are written.
enum Target {
    /// The constituents, with their matching rules.
    Constituent(Keys),
    /// A record type kept in a store of its own: the type, its id field and the id the
    /// record carries.
    Stored {
        record_type: String,
        id_field: String,
        id: Option<u64>,
    },
}

/// A record of a write request, read and checked before the site is locked.
struct Prepared {
    target: Target,
    patch: Patch,
}

/// Where a record of a write request goes and what it changes, or the fault that refuses
/// the message.
fn prepare(
    context: &Context,
    operation: &str,
    record: &Element,
    kind: WriteKind,
) -> Result<Prepared, FaultReply> {
    let name = match record.xsi_type.as_deref() {
        Some((Some(ns), name)) if &**ns == ENS && context.schema.fields(name).is_some() => {
            name.as_str()
        }
        Some((_, name)) => return Err(invalid(format!("unknown record type `{name}`"))),
        None => return Err(invalid("a Record element has no xsi:type")),
    };
    let target = if name == CONSTITUENT {
        Target::Constituent(keys(record)?)
    } else {
        let store = context
            .stores
            .iter()
            .find(|(type_name, _, download_only)| type_name == name && !download_only);
        match (kind, store) {
            (WriteKind::Create | WriteKind::Update | WriteKind::Delete, Some((_, id_field, _))) => {
                Target::Stored {
                    record_type: name.to_string(),
                    id_field: id_field.clone(),
                    id: stored_writes::record_id(record, id_field).map_err(invalid)?,
                }
            }
            _ => {
                return Err(invalid_request(format!(
                    "{operation} is not supported for {name} records"
                )))
            }
        }
    };
    let patch = Patch::read(&context.schema, record, name).map_err(invalid)?;
    Ok(Prepared { target, patch })
}

/// Create, Update, Delete, AddRelationships and RemoveRelationships: every record is read
/// and checked (the costly part, linear in the request) before the site is locked; the
/// lock is held only to apply them.
pub(super) fn write_operation(
    state: &Mutex<State>,
    context: &Context,
    user: &str,
    op: &Element,
    kind: WriteKind,
) -> Result<String, FaultReply> {
    match kind {
        WriteKind::Create => {
            check_sequence(op, &[("PartitionId", 0, 1), ("Record", 1, MAX_RECORDS)])?;
        }
        _ => {
            check_sequence(
                op,
                &[
                    ("PartitionId", 0, 1),
                    ("Force", 0, 1),
                    ("Record", 1, MAX_RECORDS),
                ],
            )?;
            boolean(op, "Force")?;
        }
    }
    partition(op, &context.partitions)?;
    // Every record is checked before anything changes: a malformed record refuses the message.
    let prepared: Vec<Prepared> = op
        .children_named(TNS, "Record")
        .map(|record| prepare(context, &op.name, record, kind))
        .collect::<Result<_, _>>()?;
    let schema = &context.schema;
    let mut state = lock(state);
    let mut results = String::new();
    for Prepared { target, patch } in &prepared {
        let (outcome, type_name, identity_paths) = match target {
            Target::Constituent(keys) => (
                match kind {
                    WriteKind::Create => create(&mut state, user, patch),
                    WriteKind::Update => update(&mut state, user, keys, patch, ListMode::Ignore),
                    WriteKind::Relationships(mode) => update(&mut state, user, keys, patch, mode),
                    WriteKind::Delete => delete(&mut state, user, keys),
                },
                CONSTITUENT,
                vec![
                    "ConsId".to_string(),
                    "MemberId".into(),
                    "PrimaryEmail".into(),
                ],
            ),
            Target::Stored {
                record_type,
                id_field,
                id,
            } => (
                match kind {
                    WriteKind::Create => {
                        stored_writes::create(&mut state, user, record_type, *id, patch)
                    }
                    WriteKind::Update => {
                        stored_writes::update(&mut state, user, record_type, *id, patch)
                    }
                    WriteKind::Delete => stored_writes::delete(&mut state, user, record_type, *id),
                    // Refused by `prepare` before anything changed.
                    WriteKind::Relationships(_) => Err((
                        "SERVER_ERROR",
                        format!("{} is not supported for {record_type} records", op.name),
                    )),
                },
                record_type.as_str(),
                vec![id_field.clone()],
            ),
        };
        let (code, message, id) = match outcome {
            Ok((id, message)) => ("OK", message.to_string(), Some(id)),
            Err((code, message)) => (code, message, None),
        };
        let _ = write!(
            results,
            "<Result><ResultCode>{code}</ResultCode><Message>{}</Message>",
            escape(&message)
        );
        let identity = match target {
            Target::Constituent(keys) => identity_fields(&state, id, keys),
            Target::Stored {
                record_type,
                id: given,
                ..
            } => stored_writes::identity(&state, record_type, id, *given),
        };
        write_record(
            schema,
            &mut results,
            "Record",
            type_name,
            &identity,
            &identity_paths,
        );
        results.push_str("</Result>");
    }
    Ok(response(&op.name, &results))
}

/// ConsId, MemberId and PrimaryEmail of the record as stored (or as sent, when it failed).
fn identity_fields(state: &State, cons_id: Option<u64>, keys: &Keys) -> Fields {
    let stored = cons_id.and_then(|id| {
        state
            .constituents
            .get(&id)
            .or_else(|| state.removed.get(&id))
    });
    let mut fields = Fields::default();
    match stored {
        Some(stored) => {
            for key in ["ConsId", "MemberId", "PrimaryEmail"] {
                if let Some(value) = stored.get(key) {
                    fields.values.insert(key.into(), value.into());
                }
            }
        }
        None => {
            if let Some(id) = keys.cons_id {
                fields.values.insert("ConsId".into(), id.to_string());
            }
            if let Some(member_id) = &keys.member_id {
                fields.values.insert("MemberId".into(), member_id.clone());
            }
            if let Some(email) = &keys.email {
                fields.values.insert("PrimaryEmail".into(), email.clone());
            }
        }
    }
    fields
}

/// The SOAP result code and message of a refusal (a member id taken by a new record is a
/// duplicate key; by a changed one, a match with an existing record).
fn refused(refusal: Refusal, creating: bool) -> (&'static str, String) {
    let code = match refusal {
        Refusal::EmailRequired => "REQUIRED_FIELDS_MISSING",
        Refusal::MemberIdTaken(_) if creating => "DUPLICATE_MEMBER_KEY",
        Refusal::MemberIdTaken(_) => "MATCH_EXISTING",
        Refusal::EmailTaken(_) => "DUPLICATE_EMAIL",
        Refusal::UserNameTaken(_) => "DUPLICATE_USER_NAME",
    };
    (code, refusal.to_string())
}

fn create(
    state: &mut State,
    user: &str,
    patch: &Patch,
) -> Result<(u64, &'static str), (&'static str, String)> {
    let mut fields = Fields::default();
    patch.apply(&mut fields, ListMode::Set, &["ConsId"]);
    let cons_id = state
        .create_constituent(fields, user)
        .map_err(|refusal| refused(refusal, true))?;
    Ok((cons_id, "User added."))
}

fn update(
    state: &mut State,
    user: &str,
    keys: &Keys,
    patch: &Patch,
    lists: ListMode,
) -> Result<(u64, &'static str), (&'static str, String)> {
    let cons_id = keys.locate(state)?;
    let mut fields = state
        .constituents
        .get(&cons_id)
        .cloned()
        .unwrap_or_default();
    // The locating key stays; lower-precedence keys given alongside are updated.
    let skip: &[&str] = match (keys.cons_id, &keys.member_id) {
        (Some(_), _) => &["ConsId"],
        (None, Some(_)) => &["ConsId", "MemberId"],
        (None, None) => &["ConsId", "PrimaryEmail"],
    };
    patch.apply(&mut fields, lists, skip);
    state
        .update_constituent(cons_id, fields, user)
        .map_err(|refusal| refused(refusal, false))?;
    Ok((cons_id, "User updated."))
}

fn delete(
    state: &mut State,
    user: &str,
    keys: &Keys,
) -> Result<(u64, &'static str), (&'static str, String)> {
    let cons_id = keys.locate(state)?;
    state.delete_constituent(cons_id, user);
    Ok((cons_id, "User deleted."))
}
