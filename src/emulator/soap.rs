//! The SOAP side of the emulator: `POST /1.0/{site}`.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use super::clock::{format_date_time, parse_date_time};
use super::query::parse_query;
use super::records::{expand_selection, write_record, Fields, ListMode, Patch, RecordWriter};
use super::session::LoginError;
use super::state::{ChangeKind, Refusal, State, CONSTITUENT};
use super::stored_writes;
use super::xml::{escape, parse, Element, ENS, SOAP_ENV, TNS, XSI};
use crate::schema::Schema;

/// Most records per write request.
pub const MAX_RECORDS: usize = 50;
/// Largest page a download may ask for.
pub const MAX_PAGE_SIZE: u64 = 200;
/// The SOAP 1.1 actor that means "the next node": this server.
const NEXT_ACTOR: &str = "http://schemas.xmlsoap.org/soap/actor/next";

/// A SOAP fault to send back.
#[derive(Debug, Clone)]
pub struct FaultReply {
    code: &'static str,
    /// The detail element's name; `None` for the SOAP faults about header entries, which
    /// carry no detail (SOAP 1.1, section 4.4).
    detail: Option<&'static str>,
    message: String,
    line_column: Option<(u64, u64)>,
}

fn fault(code: &'static str, detail: &'static str, message: impl Into<String>) -> FaultReply {
    FaultReply {
        code,
        detail: Some(detail),
        message: message.into(),
        line_column: None,
    }
}

/// SOAP 1.1's MustUnderstand fault: a header entry for this node marked
/// `mustUnderstand="1"` that the emulator does not know.
fn must_understand(entry: &Element) -> FaultReply {
    FaultReply {
        code: "soap:MustUnderstand",
        detail: None,
        message: format!(
            "header entry `{}` (namespace {}) is marked mustUnderstand and is not understood",
            entry.name,
            entry.namespace.as_deref().unwrap_or("none")
        ),
        line_column: None,
    }
}

fn invalid(message: impl Into<String>) -> FaultReply {
    fault("INVALID_MESSAGE", "InvalidMessageFault", message)
}

fn invalid_request(message: impl Into<String>) -> FaultReply {
    fault("INVALID_REQUEST", "InvalidRequestFault", message)
}

/// Handles one SOAP request: (HTTP status, response XML).
pub fn handle(state: &Mutex<State>, body: &[u8]) -> (u16, String) {
    match dispatch(state, body) {
        Ok(body) => (200, envelope(&body)),
        Err(reply) => (500, envelope(&fault_xml(&reply))),
    }
}

fn envelope(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body>{body}</soap:Body></soap:Envelope>"#
    )
}

fn fault_xml(reply: &FaultReply) -> String {
    let Some(detail_name) = reply.detail else {
        return format!(
            r#"<soap:Fault><faultcode>{}</faultcode><faultstring>{}</faultstring></soap:Fault>"#,
            reply.code,
            escape(&reply.message)
        );
    };
    let mut detail = String::new();
    if let Some((line, column)) = reply.line_column {
        let _ = write!(detail, "<line>{line}</line><column>{column}</column>");
    } else {
        let _ = write!(detail, "<Message>{}</Message>", escape(&reply.message));
    }
    format!(
        r#"<soap:Fault><faultcode>{}</faultcode><faultstring>{}</faultstring><detail><{detail_name} xmlns="{TNS}">{detail}</{detail_name}></detail></soap:Fault>"#,
        reply.code,
        escape(&reply.message),
    )
}

fn line_column(body: &[u8], position: u64) -> (u64, u64) {
    let upto = &body[..(position as usize).min(body.len())];
    let line = upto.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    let column = upto.iter().rev().take_while(|b| **b != b'\n').count() as u64 + 1;
    (line, column)
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a request needs of the site besides the records: read under the lock once, so that
/// the costly part of a write (reading and checking every value) runs without it.
struct Context {
    schema: Arc<Schema>,
    partitions: Vec<u64>,
    /// Record types kept in a store: (type, id field, download only).
    stores: Vec<(String, String, bool)>,
}

fn dispatch(state: &Mutex<State>, body: &[u8]) -> Result<String, FaultReply> {
    let document = parse(body).map_err(|error| FaultReply {
        code: "MALFORMED_MESSAGE",
        detail: Some("MalformedMessageFault"),
        message: error.message,
        line_column: Some(line_column(body, error.position)),
    })?;
    if !document.is(SOAP_ENV, "Envelope") {
        return Err(invalid("the root element is not a SOAP 1.1 Envelope"));
    }
    no_text(&document, "the Envelope")?;
    let (header, body) = match &*document.children {
        [header, body] if header.is(SOAP_ENV, "Header") && body.is(SOAP_ENV, "Body") => {
            (Some(header), body)
        }
        [body] if body.is(SOAP_ENV, "Body") => (None, body),
        _ => {
            return Err(invalid(
                "the Envelope must hold an optional Header and a Body",
            ))
        }
    };
    if let Some(header) = header {
        check_header(header)?;
    }
    no_text(body, "the Body")?;
    let [operation] = &*body.children else {
        return Err(invalid("the Body must hold exactly one operation element"));
    };
    if operation.namespace.as_deref() != Some(TNS) {
        return Err(fault(
            "UNSUPPORTED_OPERATION",
            "UnsupportedOperationFault",
            format!("`{}` is not an operation of {TNS}", operation.name),
        ));
    }
    if operation.name == "Login" {
        check_sequence(operation, &[("UserName", 1, 1), ("Password", 1, 1)])?;
        let user = text(operation, "UserName")?.unwrap_or_default();
        // The password exactly as sent (white space included), and text only.
        let password = match operation.child(TNS, "Password") {
            Some(password) if !password.children.is_empty() => {
                return Err(invalid("`Password` must hold text, not elements"))
            }
            Some(password) => password.text.as_str(),
            None => "",
        };
        let token = lock(state)
            .login(user, password)
            .map_err(|error| match error {
                LoginError::Refused => {
                    fault("LOGIN", "LoginFault", "Invalid user name or password")
                }
                LoginError::Randomness(_) => fault("SERVER", "ServerFault", error.to_string()),
            })?;
        return Ok(format!(
            r#"<LoginResponse xmlns="{TNS}"><Result><SessionId>{}</SessionId></Result></LoginResponse>"#,
            escape(&token)
        ));
    }
    let token = match header.and_then(|h| h.child(TNS, "Session")) {
        Some(session) => text(session, "SessionId")?,
        None => None,
    }
    .ok_or_else(|| fault("SESSION", "SessionFault", "The Session header is missing"))?
    .to_string();
    let (user, context) = {
        let mut state = lock(state);
        let user = state.session_user(&token).ok_or_else(|| {
            fault(
                "SESSION",
                "SessionFault",
                "The session is unknown or has expired",
            )
        })?;
        let context = Context {
            schema: Arc::clone(&state.settings.schema),
            partitions: state
                .settings
                .partitions
                .iter()
                .map(|(id, _)| *id)
                .collect(),
            stores: state
                .stores
                .iter()
                .map(|(name, store)| (name.clone(), store.id_field.clone(), store.download_only))
                .collect(),
        };
        (user, context)
    };
    let write = match &*operation.name {
        "Create" => Some(WriteKind::Create),
        "Update" => Some(WriteKind::Update),
        "Delete" => Some(WriteKind::Delete),
        "AddRelationships" => Some(WriteKind::Relationships(ListMode::Add)),
        "RemoveRelationships" => Some(WriteKind::Relationships(ListMode::Remove)),
        _ => None,
    };
    match write {
        Some(kind) => write_operation(state, &context, &user, operation, kind),
        None => operate(&mut lock(state), &user, &token, operation),
    }
}

/// Refuses text (anything but XML white space) directly inside `element`.
fn no_text(element: &Element, what: &str) -> Result<(), FaultReply> {
    if element.has_text() {
        return Err(invalid(format!(
            "text is not allowed in {what}: `{}`",
            element.text.trim()
        )));
    }
    Ok(())
}

/// The header entries: the Session header is understood; any other entry meant for this
/// node (no `actor`, or the "next" actor) with `mustUnderstand="1"` is a MustUnderstand
/// fault (SOAP 1.1, section 4.2.3); others are ignored.
fn check_header(header: &Element) -> Result<(), FaultReply> {
    no_text(header, "the Header")?;
    for entry in header.children.iter() {
        let for_us = entry
            .attribute(Some(SOAP_ENV), "actor")
            .is_none_or(|actor| actor.trim() == NEXT_ACTOR);
        let must = match entry
            .attribute(Some(SOAP_ENV), "mustUnderstand")
            .map(str::trim)
        {
            None | Some("0" | "false") => false,
            Some("1" | "true") => true,
            Some(other) => {
                return Err(invalid(format!(
                    "header entry `{}`: mustUnderstand must be 0 or 1, not `{other}`",
                    entry.name
                )))
            }
        };
        if entry.is(TNS, "Session") {
            no_text(entry, "the Session header")?;
            continue;
        }
        if for_us && must {
            return Err(must_understand(entry));
        }
    }
    Ok(())
}

/// The trimmed text of the child `name` (in the operations namespace), which must hold no
/// elements.
fn text<'e>(element: &'e Element, name: &str) -> Result<Option<&'e str>, FaultReply> {
    match element.child(TNS, name) {
        None => Ok(None),
        Some(child) if !child.children.is_empty() => {
            Err(invalid(format!("`{name}` must hold text, not elements")))
        }
        Some(child) => Ok(Some(child.text.trim())),
    }
}

/// Checks that the children of `element` are exactly the listed ones, in order, within
/// their counts, with nothing but whitespace between them (the documented samples indent
/// even an empty operation: `<GetServerTime ...>` newline, spaces, `</GetServerTime>`).
fn check_sequence(element: &Element, spec: &[(&str, usize, usize)]) -> Result<(), FaultReply> {
    if element.has_text() {
        return Err(invalid(format!(
            "{}: text is not allowed here: `{}`",
            element.name,
            element.text.trim()
        )));
    }
    let mut children = element.children.iter().peekable();
    for (name, min, max) in spec {
        let mut count = 0;
        while let Some(child) = children.peek() {
            if !child.is(TNS, name) {
                break;
            }
            count += 1;
            children.next();
        }
        if count < *min {
            return Err(invalid(format!("{}: `{name}` is required", element.name)));
        }
        if count > *max {
            let message = format!(
                "{}: at most {max} `{name}` elements, got {count}",
                element.name
            );
            return Err(if *name == "Record" {
                fault("TOO_MANY_RECORDS", "InvalidRequestFault", message)
            } else {
                invalid(message)
            });
        }
    }
    if let Some(extra) = children.next() {
        return Err(invalid(format!(
            "{}: unexpected or misplaced element `{}`",
            element.name, extra.name
        )));
    }
    Ok(())
}

fn number(element: &Element, name: &str) -> Result<Option<u64>, FaultReply> {
    match text(element, name)? {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|_| invalid(format!("`{name}` is not a number: {text}"))),
    }
}

/// The optional `xs:dateTime` child `name` (the documented non-standard forms included, see
/// [`parse_date_time`]).
fn date_time(element: &Element, name: &str) -> Result<Option<std::time::Duration>, FaultReply> {
    text(element, name)?
        .map(|text| {
            parse_date_time(text)
                .ok_or_else(|| invalid(format!("`{name}` is not an xs:dateTime: {text}")))
        })
        .transpose()
}

fn boolean(element: &Element, name: &str) -> Result<bool, FaultReply> {
    match text(element, name)? {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(invalid(format!("`{name}` is not a boolean: {other}"))),
    }
}

/// The PartitionId of an operation, which must be one of the site's (an InvalidRequest
/// fault otherwise): `None` when the operation carries none.
fn partition(op: &Element, partitions: &[u64]) -> Result<Option<u64>, FaultReply> {
    let id = number(op, "PartitionId")?;
    match id {
        Some(id) if !partitions.contains(&id) => Err(invalid_request(format!(
            "unknown partition {id} (the site has {})",
            partitions
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        other => Ok(other),
    }
}

/// The required PartitionId of a synchronization operation, checked against the site's.
fn required_partition(state: &State, op: &Element) -> Result<u64, FaultReply> {
    let partitions: Vec<u64> = state
        .settings
        .partitions
        .iter()
        .map(|(id, _)| *id)
        .collect();
    partition(op, &partitions)?.ok_or_else(|| invalid("`PartitionId` is required"))
}

fn response(operation: &str, content: &str) -> String {
    format!(
        r#"<{operation}Response xmlns="{TNS}" xmlns:ens="{ENS}" xmlns:xsi="{XSI}">{content}</{operation}Response>"#
    )
}

/// The operations other than the writes, under the lock.
fn operate(state: &mut State, user: &str, token: &str, op: &Element) -> Result<String, FaultReply> {
    let name = &*op.name;
    match name {
        "Logout" => {
            check_sequence(op, &[])?;
            state.logout(token);
            Ok(response(name, ""))
        }
        "GetServerTime" => {
            check_sequence(op, &[])?;
            Ok(response(
                name,
                &format!(
                    "<Result><Time>{}</Time></Result>",
                    format_date_time(state.now())
                ),
            ))
        }
        "Query" => {
            check_sequence(
                op,
                &[("QueryString", 1, 1), ("Page", 0, 1), ("PageSize", 0, 1)],
            )?;
            let query = text(op, "QueryString")?.unwrap_or_default();
            let page = number(op, "Page")?.unwrap_or(1);
            let page_size = number(op, "PageSize")?.unwrap_or(MAX_PAGE_SIZE);
            query_operation(state, query, page, page_size)
        }
        "DescribeRecordType" => {
            check_sequence(
                op,
                &[
                    ("RecordType", 1, 1),
                    ("ParentType", 0, 1),
                    ("ParentField", 0, 1),
                ],
            )?;
            text(op, "ParentType")?;
            text(op, "ParentField")?;
            describe(state, text(op, "RecordType")?.unwrap_or_default())
        }
        "ListRecordTypes" => {
            check_sequence(op, &[])?;
            let types: String = state
                .settings
                .schema
                .record_types()
                .map(|(name, _)| format!("<RecordType>{name}</RecordType>"))
                .collect();
            Ok(response(name, &types))
        }
        "StartSynchronization" => {
            check_sequence(
                op,
                &[
                    ("PartitionId", 1, 1),
                    ("Start", 0, 1),
                    ("End", 0, 1),
                    ("Force", 0, 1),
                ],
            )?;
            let partition = required_partition(state, op)?;
            let (start, end) = (date_time(op, "Start")?, date_time(op, "End")?);
            let window = state
                .start_sync(user, partition, start, end, boolean(op, "Force")?)
                .map_err(|message| fault("SYNCHRONIZATION", "SynchronizationFault", message))?;
            Ok(response(name, &window_xml(&window)))
        }
        "EndSynchronization" => {
            check_sequence(op, &[("PartitionId", 1, 1)])?;
            let partition = required_partition(state, op)?;
            let window = state
                .end_sync(user, partition)
                .map_err(|message| fault("SYNCHRONIZATION", "SynchronizationFault", message))?;
            Ok(response(name, &window_xml(&window)))
        }
        "GetIncrementalInserts" | "GetIncrementalUpdates" | "GetIncrementalDeletes" => {
            check_sequence(
                op,
                &[
                    ("PartitionId", 1, 1),
                    ("RecordType", 1, 1),
                    ("Page", 1, 1),
                    ("PageSize", 1, 1),
                    ("Field", 1, usize::MAX),
                ],
            )?;
            incremental(state, user, op)
        }
        "GetSynchronizationRequestLog" => {
            check_sequence(op, &[("SyncId", 1, 1)])?;
            let sync_id = number(op, "SyncId")?.unwrap_or_default();
            let entries: String = state
                .request_log
                .iter()
                .filter(|entry| entry.sync_id == sync_id)
                .map(|entry| {
                    format!(
                        r#"<RecordRequest xsi:type="RecordQueryRequest"><Operation>{}</Operation><RecordType>{}</RecordType><RecordCount>{}</RecordCount><RequestTime>{}</RequestTime><SyncId>{}</SyncId><Page>{}</Page><PageSize>{}</PageSize></RecordRequest>"#,
                        entry.operation, entry.record_type, entry.record_count, format_date_time(entry.at), entry.sync_id, entry.page, entry.page_size
                    )
                })
                .collect();
            Ok(response(name, &entries))
        }
        "GetSynchronizationLog" => {
            check_sequence(op, &[("PartitionId", 1, 1), ("Start", 0, 1), ("End", 0, 1)])?;
            let partition = required_partition(state, op)?;
            let (start, end) = (date_time(op, "Start")?, date_time(op, "End")?);
            // The windows that overlap the period asked for.
            let entries: String = state
                .windows
                .iter()
                .filter(|w| w.partition == partition)
                .filter(|w| start.is_none_or(|start| w.end >= start))
                .filter(|w| end.is_none_or(|end| w.start <= end))
                .map(|w| {
                    format!(
                        "<Result><PartitionId>{}</PartitionId><Created>{}</Created><Start>{}</Start><End>{}</End><Completed>{}</Completed><SyncId>{}</SyncId></Result>",
                        w.partition, format_date_time(w.created), format_date_time(w.start), format_date_time(w.end), w.completed, w.sync_id
                    )
                })
                .collect();
            Ok(response(name, &entries))
        }
        other => Err(fault(
            "UNSUPPORTED_OPERATION",
            "UnsupportedOperationFault",
            format!("`{other}` is not an operation"),
        )),
    }
}

fn window_xml(window: &super::state::SyncWindow) -> String {
    format!(
        "<Result><PartitionId>{}</PartitionId><Start>{}</Start><End>{}</End><SyncId>{}</SyncId></Result>",
        window.partition,
        format_date_time(window.start),
        format_date_time(window.end),
        window.sync_id
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WriteKind {
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
fn write_operation(
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

/// The SOAP result code of a refusal (a member id taken by a new record is a duplicate key;
/// by a changed one, a match with an existing record).
fn refusal_code(refusal: &Refusal, creating: bool) -> &'static str {
    match refusal {
        Refusal::EmailRequired => "REQUIRED_FIELDS_MISSING",
        Refusal::MemberIdTaken(_) if creating => "DUPLICATE_MEMBER_KEY",
        Refusal::MemberIdTaken(_) => "MATCH_EXISTING",
        Refusal::EmailTaken(_) => "DUPLICATE_EMAIL",
        Refusal::UserNameTaken(_) => "DUPLICATE_USER_NAME",
    }
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
        .map_err(|refusal| (refusal_code(&refusal, true), refusal.to_string()))?;
    Ok((cons_id, "User added."))
}

fn update(
    state: &mut State,
    user: &str,
    keys: &Keys,
    patch: &Patch,
    lists: ListMode,
) -> Result<(u64, &'static str), (&'static str, String)> {
    let cons_id = state.locate(
        keys.cons_id,
        keys.member_id.as_deref(),
        keys.email.as_deref(),
    )?;
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
        .map_err(|refusal| (refusal_code(&refusal, false), refusal.to_string()))?;
    Ok((cons_id, "User updated."))
}

fn delete(
    state: &mut State,
    user: &str,
    keys: &Keys,
) -> Result<(u64, &'static str), (&'static str, String)> {
    let cons_id = state.locate(
        keys.cons_id,
        keys.member_id.as_deref(),
        keys.email.as_deref(),
    )?;
    state.delete_constituent(cons_id, user);
    Ok((cons_id, "User deleted."))
}

fn page_bounds(
    page: u64,
    page_size: u64,
    total: usize,
) -> Result<std::ops::Range<usize>, FaultReply> {
    if page == 0 || page_size == 0 || page_size > MAX_PAGE_SIZE {
        return Err(invalid_request(format!(
            "Page must be at least 1 and PageSize 1 to {MAX_PAGE_SIZE}"
        )));
    }
    // A page past the end (however far: no arithmetic wraps) is empty.
    let start = (page - 1)
        .checked_mul(page_size)
        .and_then(|start| usize::try_from(start).ok())
        .map_or(total, |start| start.min(total));
    let end = usize::try_from(page_size)
        .ok()
        .and_then(|size| start.checked_add(size))
        .map_or(total, |end| end.min(total));
    Ok(start..end)
}

fn query_operation(
    state: &mut State,
    query: &str,
    page: u64,
    page_size: u64,
) -> Result<String, FaultReply> {
    let query =
        parse_query(query).map_err(|message| invalid_request(format!("query: {message}")))?;
    let schema = std::sync::Arc::clone(&state.settings.schema);
    let paths = expand_selection(&schema, &query.record_type, &query.fields)
        .map_err(|m| invalid_request(format!("query: {m}")))?;
    // A condition on a field the type lacks is refused like a selected one (it would
    // silently match nothing); so is one on a complex field (it has no single value).
    for (field, _) in &query.conditions {
        match schema.type_at(&query.record_type, field) {
            None => {
                return Err(invalid_request(format!(
                    "query: `{field}` is not a field of {}",
                    query.record_type
                )))
            }
            Some((type_name, _)) if schema.fields(type_name).is_some() => {
                return Err(invalid_request(format!(
                    "query: `{field}` of {} has fields of its own; compare one of them",
                    query.record_type
                )))
            }
            Some(_) => {}
        }
    }
    let partitions: Vec<Fields> = if query.record_type == "Partition" {
        state
            .settings
            .partitions
            .iter()
            .map(|(id, name)| {
                let mut fields = Fields::default();
                fields.values.insert("PartitionId".into(), id.to_string());
                fields.values.insert("Name".into(), name.clone());
                fields
            })
            .collect()
    } else {
        Vec::new()
    };
    let matches = |fields: &Fields| {
        query
            .conditions
            .iter()
            .all(|(field, value)| condition_holds(fields, field, value))
    };
    let writer = RecordWriter::new(&schema, "Record", &query.record_type, &paths);
    let mut out = String::new();
    if state.active_records(&query.record_type).is_some() {
        // The matching ids are worked out once and kept until the next change, so that
        // paging through N records costs N, not N per page.
        let mut key = query.record_type.clone();
        for (field, value) in &query.conditions {
            key.push_str(&format!("\u{0}{field}\u{0}{value}"));
        }
        let ids = match state.cached_query(&key) {
            Some(ids) => ids,
            None => {
                let ids = state
                    .active_records(&query.record_type)
                    .map(|records| {
                        records
                            .iter()
                            .filter(|(_, fields)| matches(fields))
                            .map(|(id, _)| *id)
                            .collect()
                    })
                    .unwrap_or_default();
                state.cache_query(key, ids)
            }
        };
        let range = page_bounds(page, page_size, ids.len())?;
        let records = state.active_records(&query.record_type);
        for id in &ids[range] {
            if let Some(fields) = records.and_then(|records| records.get(id)) {
                writer.write(&mut out, fields);
            }
        }
        return Ok(response("Query", &out));
    }
    let rows: Vec<&Fields> = match query.record_type.as_str() {
        "Partition" => partitions.iter().filter(|fields| matches(fields)).collect(),
        _ if schema.record_fields(&query.record_type).is_some() => Vec::new(),
        _ => {
            return Err(invalid_request(format!(
                "query: unknown record type `{}`",
                query.record_type
            )))
        }
    };
    let range = page_bounds(page, page_size, rows.len())?;
    for fields in &rows[range] {
        writer.write(&mut out, fields);
    }
    Ok(response("Query", &out))
}

fn condition_holds(fields: &Fields, field: &str, value: &str) -> bool {
    match fields.get(field) {
        Some(stored) if field == "PrimaryEmail" => stored.eq_ignore_ascii_case(value),
        Some(stored) => stored == value,
        None => fields
            .lists
            .get(field)
            .is_some_and(|list| list.iter().any(|v| v == value)),
    }
}

fn incremental(state: &mut State, user: &str, op: &Element) -> Result<String, FaultReply> {
    let partition = required_partition(state, op)?;
    let record_type = text(op, "RecordType")?.unwrap_or_default().to_string();
    let page = number(op, "Page")?.unwrap_or_default();
    let page_size = number(op, "PageSize")?.unwrap_or_default();
    let requested: Vec<String> = op
        .children_named(TNS, "Field")
        .map(|f| {
            if f.children.is_empty() {
                Ok(f.text.trim().to_string())
            } else {
                Err(invalid("`Field` must hold text, not elements"))
            }
        })
        .collect::<Result<_, _>>()?;
    let schema = std::sync::Arc::clone(&state.settings.schema);
    let order = schema.record_fields(&record_type).ok_or_else(|| {
        invalid_request(format!(
            "`{record_type}` is not a synchronizable record type"
        ))
    })?;
    let mut last = 0;
    for field in &requested {
        let position = order
            .iter()
            .position(|known| known == field)
            .ok_or_else(|| invalid_request(format!("`{field}` is not a field of {record_type}")))?;
        if position < last {
            return Err(invalid_request(format!(
                "fields must be listed in WSDL order; `{field}` is out of order"
            )));
        }
        last = position;
    }
    let paths = expand_selection(&schema, &record_type, &requested).map_err(invalid_request)?;
    let window = state
        .active_window(user, partition)
        .cloned()
        .ok_or_else(|| {
            fault(
                "SYNCHRONIZATION",
                "SynchronizationFault",
                format!("no active synchronization on partition {partition}"),
            )
        })?;
    let kind = match op.name.as_str() {
        "GetIncrementalInserts" => ChangeKind::Insert,
        "GetIncrementalUpdates" => ChangeKind::Update,
        _ => ChangeKind::Delete,
    };
    // Changes are logged for the writable record types; the others never change here.
    let ids = if state.active_records(&record_type).is_some() {
        state.window_changes_cached(&window, &record_type, kind)
    } else {
        std::sync::Arc::new(Vec::new())
    };
    let range = page_bounds(page, page_size, ids.len())?;
    let mut out = String::new();
    let writer = RecordWriter::new(&schema, "Record", &record_type, &paths);
    for id in &ids[range] {
        if let Some(fields) = state.any_record(&record_type, *id) {
            writer.write(&mut out, fields);
        }
    }
    let at = state.now();
    state.request_log.push(super::state::RequestLogEntry {
        operation: op.name.to_string(),
        record_type,
        record_count: ids.len(),
        at,
        sync_id: window.sync_id,
        page,
        page_size,
    });
    Ok(response(&op.name, &out))
}

fn describe(state: &State, record_type: &str) -> Result<String, FaultReply> {
    let children = state
        .settings
        .schema
        .fields(record_type)
        .ok_or_else(|| invalid_request(format!("unknown record type `{record_type}`")))?;
    // Records the emulator keeps can be downloaded; written unless download-only.
    let kept = state.active_records(record_type).is_some();
    let writable_record = kept
        && state
            .stores
            .get(record_type)
            .is_none_or(|store| !store.download_only);
    let mut out = format!("<Result><Name>{record_type}</Name><SupportedOperations>");
    for (operation, supported) in [
        ("Create", writable_record),
        ("Update", writable_record),
        ("Delete", writable_record),
        ("Query", true),
        ("GetIncrementalInserts", kept),
        ("GetIncrementalUpdates", kept),
        ("GetIncrementalDeletes", kept),
    ] {
        let _ = write!(out, "<{operation}>{supported}</{operation}>");
    }
    out.push_str("</SupportedOperations>");
    for field in children {
        let writable = writable_record && !super::records::is_read_only(record_type, &field.name);
        let _ = write!(
            out,
            "<Field><Name>{}</Name><Writable>{writable}</Writable><Custom>{}</Custom><Nillable>{}</Nillable><Multiple>{}</Multiple><Type>{}</Type></Field>",
            field.name, field.custom, field.nillable, field.repeated, field.type_name
        );
    }
    out.push_str("</Result>");
    Ok(response("DescribeRecordType", &out))
}
