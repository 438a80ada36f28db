//! The SOAP side of the emulator: `POST /1.0/{site}`.

use std::fmt::Write as _;
use std::sync::Mutex;

use super::clock::{format_date_time, parse_date_time};
use super::query::parse_query;
use super::records::{apply, expand_selection, write_record, Fields, ListMode, Selection};
use super::state::{ChangeKind, State, CONSTITUENT};
use super::stored_writes;
use super::xml::{escape, parse, Element, ENS, SOAP_ENV, TNS, XSI};

/// Most records per write request.
pub const MAX_RECORDS: usize = 50;
/// Largest page a download may ask for.
pub const MAX_PAGE_SIZE: u64 = 200;

/// A SOAP fault to send back.
#[derive(Debug, Clone)]
pub struct FaultReply {
    code: &'static str,
    detail: &'static str,
    message: String,
    line_column: Option<(u64, u64)>,
}

fn fault(code: &'static str, detail: &'static str, message: impl Into<String>) -> FaultReply {
    FaultReply {
        code,
        detail,
        message: message.into(),
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
    let mut detail = String::new();
    if let Some((line, column)) = reply.line_column {
        let _ = write!(detail, "<line>{line}</line><column>{column}</column>");
    } else {
        let _ = write!(detail, "<Message>{}</Message>", escape(&reply.message));
    }
    format!(
        r#"<soap:Fault><faultcode>{}</faultcode><faultstring>{}</faultstring><detail><{} xmlns="{TNS}">{detail}</{}></detail></soap:Fault>"#,
        reply.code,
        escape(&reply.message),
        reply.detail,
        reply.detail
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

fn dispatch(state: &Mutex<State>, body: &[u8]) -> Result<String, FaultReply> {
    let document = parse(body).map_err(|error| FaultReply {
        code: "MALFORMED_MESSAGE",
        detail: "MalformedMessageFault",
        message: error.message,
        line_column: Some(line_column(body, error.position)),
    })?;
    if !document.is(SOAP_ENV, "Envelope") {
        return Err(invalid("the root element is not a SOAP 1.1 Envelope"));
    }
    let (header, body) = match document.children.as_slice() {
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
    let [operation] = body.children.as_slice() else {
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
        let user = operation.child_text(TNS, "UserName").unwrap_or_default();
        let password = operation
            .child(TNS, "Password")
            .map(|p| p.text.as_str())
            .unwrap_or_default();
        let token = lock(state)
            .login(user, password)
            .ok_or_else(|| fault("LOGIN", "LoginFault", "Invalid user name or password"))?;
        return Ok(format!(
            r#"<LoginResponse xmlns="{TNS}"><Result><SessionId>{}</SessionId></Result></LoginResponse>"#,
            escape(&token)
        ));
    }
    let token = header
        .and_then(|h| h.child(TNS, "Session"))
        .and_then(|s| s.child_text(TNS, "SessionId"))
        .ok_or_else(|| fault("SESSION", "SessionFault", "The Session header is missing"))?
        .to_string();
    let mut state = lock(state);
    let user = state.session_user(&token).ok_or_else(|| {
        fault(
            "SESSION",
            "SessionFault",
            "The session is unknown or has expired",
        )
    })?;
    let response = operate(&mut state, &user, &token, operation)?;
    Ok(response)
}

/// Checks that the children of `element` are exactly the listed ones, in order, within
/// their counts, with nothing but whitespace between them (the documented samples indent
/// even an empty operation: `<GetServerTime ...>` newline, spaces, `</GetServerTime>`).
fn check_sequence(element: &Element, spec: &[(&str, usize, usize)]) -> Result<(), FaultReply> {
    let text = element
        .text
        .trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
    if !text.is_empty() {
        return Err(invalid(format!(
            "{}: text is not allowed here: `{text}`",
            element.name
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
    match element.child_text(TNS, name) {
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
    element
        .child_text(TNS, name)
        .map(|text| {
            parse_date_time(text)
                .ok_or_else(|| invalid(format!("`{name}` is not an xs:dateTime: {text}")))
        })
        .transpose()
}

fn boolean(element: &Element, name: &str) -> Result<bool, FaultReply> {
    match element.child_text(TNS, name) {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(invalid(format!("`{name}` is not a boolean: {other}"))),
    }
}

fn response(operation: &str, content: &str) -> String {
    format!(
        r#"<{operation}Response xmlns="{TNS}" xmlns:ens="{ENS}" xmlns:xsi="{XSI}">{content}</{operation}Response>"#
    )
}

fn operate(state: &mut State, user: &str, token: &str, op: &Element) -> Result<String, FaultReply> {
    let name = op.name.as_str();
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
        "Create" => {
            check_sequence(op, &[("PartitionId", 0, 1), ("Record", 1, MAX_RECORDS)])?;
            write_operation(state, user, op, WriteKind::Create)
        }
        "Update" | "Delete" | "AddRelationships" | "RemoveRelationships" => {
            check_sequence(
                op,
                &[
                    ("PartitionId", 0, 1),
                    ("Force", 0, 1),
                    ("Record", 1, MAX_RECORDS),
                ],
            )?;
            boolean(op, "Force")?;
            let kind = match name {
                "Update" => WriteKind::Update,
                "Delete" => WriteKind::Delete,
                "AddRelationships" => WriteKind::Relationships(ListMode::Add),
                _ => WriteKind::Relationships(ListMode::Remove),
            };
            write_operation(state, user, op, kind)
        }
        "Query" => {
            check_sequence(
                op,
                &[("QueryString", 1, 1), ("Page", 0, 1), ("PageSize", 0, 1)],
            )?;
            let query = op.child_text(TNS, "QueryString").unwrap_or_default();
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
            describe(state, op.child_text(TNS, "RecordType").unwrap_or_default())
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
            let partition = number(op, "PartitionId")?.unwrap_or_default();
            let (start, end) = (date_time(op, "Start")?, date_time(op, "End")?);
            let window = state
                .start_sync(user, partition, start, end, boolean(op, "Force")?)
                .map_err(|message| fault("SYNCHRONIZATION", "SynchronizationFault", message))?;
            Ok(response(name, &window_xml(&window)))
        }
        "EndSynchronization" => {
            check_sequence(op, &[("PartitionId", 1, 1)])?;
            let partition = number(op, "PartitionId")?.unwrap_or_default();
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
            let sync_id: u64 = op
                .child_text(TNS, "SyncId")
                .unwrap_or_default()
                .parse()
                .map_err(|_| invalid("`SyncId` is not a number"))?;
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
            let partition = number(op, "PartitionId")?.unwrap_or_default();
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
    Constituent,
    /// A record type kept in a store of its own, with its id field.
    Stored {
        record_type: String,
        id_field: String,
    },
}

/// Where a record of a write request goes, or the fault that refuses the message.
fn target(
    state: &State,
    operation: &str,
    record: &Element,
    kind: WriteKind,
) -> Result<Target, FaultReply> {
    let name = match &record.xsi_type {
        Some((Some(ns), name)) if ns == ENS && state.settings.schema.fields(name).is_some() => name,
        Some((_, name)) => return Err(invalid(format!("unknown record type `{name}`"))),
        None => return Err(invalid("a Record element has no xsi:type")),
    };
    if name == CONSTITUENT {
        return Ok(Target::Constituent);
    }
    match (kind, state.stores.get(name)) {
        (WriteKind::Create | WriteKind::Update | WriteKind::Delete, Some(store)) => {
            Ok(Target::Stored {
                record_type: name.clone(),
                id_field: store.id_field.clone(),
            })
        }
        _ => Err(invalid_request(format!(
            "{operation} is not supported for {name} records"
        ))),
    }
}

fn write_operation(
    state: &mut State,
    user: &str,
    op: &Element,
    kind: WriteKind,
) -> Result<String, FaultReply> {
    let schema = std::sync::Arc::clone(&state.settings.schema);
    let records: Vec<&Element> = op.children_named(TNS, "Record").collect();
    // Validate every record before changing anything: a malformed record refuses the message.
    let mut targets = Vec::with_capacity(records.len());
    for record in &records {
        let target = target(state, &op.name, record, kind)?;
        let type_name = match &target {
            Target::Constituent => {
                keys(record)?;
                CONSTITUENT
            }
            Target::Stored {
                record_type,
                id_field,
            } => {
                stored_writes::record_id(record, id_field).map_err(invalid)?;
                record_type.as_str()
            }
        };
        apply(
            &schema,
            &mut Fields::default(),
            record,
            type_name,
            ListMode::Set,
            &[],
        )
        .map_err(invalid)?;
        targets.push(target);
    }
    let mut results = String::new();
    for (record, target) in records.into_iter().zip(&targets) {
        let (outcome, type_name, identity_paths) = match target {
            Target::Constituent => (
                match kind {
                    WriteKind::Create => create(state, user, record),
                    WriteKind::Update => update(state, user, record, ListMode::Ignore),
                    WriteKind::Relationships(mode) => update(state, user, record, mode),
                    WriteKind::Delete => delete(state, user, record),
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
            } => (
                match kind {
                    WriteKind::Create => stored_writes::create(state, user, record_type, record),
                    WriteKind::Update => stored_writes::update(state, user, record_type, record),
                    WriteKind::Delete => stored_writes::delete(state, user, record_type, record),
                    // Refused by `target` before anything changed.
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
            Target::Constituent => identity_fields(state, id, record),
            Target::Stored { record_type, .. } => {
                stored_writes::identity(state, record_type, id, record)
            }
        };
        write_record(
            &schema,
            &mut results,
            "Record",
            type_name,
            &identity,
            &Selection::Paths(&identity_paths),
        );
        results.push_str("</Result>");
    }
    Ok(response(&op.name, &results))
}

/// ConsId, MemberId and PrimaryEmail of the record as stored (or as sent, when it failed).
fn identity_fields(state: &State, cons_id: Option<u64>, record: &Element) -> Fields {
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
            if let Ok(keys) = keys(record) {
                if let Some(id) = keys.cons_id {
                    fields.values.insert("ConsId".into(), id.to_string());
                }
                if let Some(member_id) = keys.member_id {
                    fields.values.insert("MemberId".into(), member_id);
                }
                if let Some(email) = keys.email {
                    fields.values.insert("PrimaryEmail".into(), email);
                }
            }
        }
    }
    fields
}

fn create(
    state: &mut State,
    user: &str,
    record: &Element,
) -> Result<(u64, &'static str), (&'static str, String)> {
    let schema = std::sync::Arc::clone(&state.settings.schema);
    let mut fields = Fields::default();
    apply(
        &schema,
        &mut fields,
        record,
        "Constituent",
        ListMode::Set,
        &["ConsId"],
    )
    .map_err(|m| ("SERVER_ERROR", m))?;
    let Some(email) = fields.get("PrimaryEmail").map(str::to_string) else {
        return Err(("REQUIRED_FIELDS_MISSING", "PrimaryEmail is required".into()));
    };
    if let Some(member_id) = fields.get("MemberId") {
        if !state.by_member_id(member_id).is_empty() {
            return Err((
                "DUPLICATE_MEMBER_KEY",
                format!("member id {member_id} exists"),
            ));
        }
    }
    if state.settings.unique_email && !state.by_email(&email).is_empty() {
        return Err(("DUPLICATE_EMAIL", format!("{email} exists")));
    }
    // Since LWS 1.32 a new constituent is opted out unless AcceptsEmail says otherwise.
    fields
        .values
        .entry("AcceptsEmail".into())
        .or_insert_with(|| "false".into());
    let cons_id = state.allocate_cons_id();
    state
        .check_unique(cons_id, &fields)
        .map_err(|(code, message)| match code {
            "MATCH_EXISTING" => ("DUPLICATE_MEMBER_KEY", message),
            other => (other, message),
        })?;
    fields.values.insert("ConsId".into(), cons_id.to_string());
    state.store(cons_id, fields, ChangeKind::Insert, user);
    Ok((cons_id, "User added."))
}

fn update(
    state: &mut State,
    user: &str,
    record: &Element,
    lists: ListMode,
) -> Result<(u64, &'static str), (&'static str, String)> {
    let keys = keys(record).map_err(|f| ("SERVER_ERROR", f.message))?;
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
    let schema = std::sync::Arc::clone(&state.settings.schema);
    apply(&schema, &mut fields, record, "Constituent", lists, skip)
        .map_err(|m| ("SERVER_ERROR", m))?;
    state.check_unique(cons_id, &fields)?;
    state.store(cons_id, fields, ChangeKind::Update, user);
    Ok((cons_id, "User updated."))
}

fn delete(
    state: &mut State,
    user: &str,
    record: &Element,
) -> Result<(u64, &'static str), (&'static str, String)> {
    let keys = keys(record).map_err(|f| ("SERVER_ERROR", f.message))?;
    let cons_id = state.locate(
        keys.cons_id,
        keys.member_id.as_deref(),
        keys.email.as_deref(),
    )?;
    let fields = state
        .constituents
        .get(&cons_id)
        .cloned()
        .unwrap_or_default();
    state.store(cons_id, fields, ChangeKind::Delete, user);
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
    let start = ((page - 1) * page_size).min(total as u64) as usize;
    let end = (start + page_size as usize).min(total);
    Ok(start..end)
}

fn query_operation(
    state: &State,
    query: &str,
    page: u64,
    page_size: u64,
) -> Result<String, FaultReply> {
    let query =
        parse_query(query).map_err(|message| invalid_request(format!("query: {message}")))?;
    let schema = &state.settings.schema;
    let paths = expand_selection(schema, &query.record_type, &query.fields)
        .map_err(|m| invalid_request(format!("query: {m}")))?;
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
    let candidates: Vec<&Fields> = match state.active_records(&query.record_type) {
        Some(records) => records.values().collect(),
        None if query.record_type == "Partition" => partitions.iter().collect(),
        None if schema.record_fields(&query.record_type).is_some() => Vec::new(),
        None => {
            return Err(invalid_request(format!(
                "query: unknown record type `{}`",
                query.record_type
            )))
        }
    };
    let rows: Vec<&Fields> = candidates
        .into_iter()
        .filter(|fields| {
            query
                .conditions
                .iter()
                .all(|(field, value)| condition_holds(fields, field, value))
        })
        .collect();
    let range = page_bounds(page, page_size, rows.len())?;
    let mut out = String::new();
    for fields in &rows[range] {
        write_record(
            schema,
            &mut out,
            "Record",
            &query.record_type,
            fields,
            &Selection::Paths(&paths),
        );
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
    let partition = number(op, "PartitionId")?.unwrap_or_default();
    let record_type = op
        .child_text(TNS, "RecordType")
        .unwrap_or_default()
        .to_string();
    let page = number(op, "Page")?.unwrap_or_default();
    let page_size = number(op, "PageSize")?.unwrap_or_default();
    let requested: Vec<String> = op
        .children_named(TNS, "Field")
        .map(|f| f.text.trim().to_string())
        .collect();
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
    for id in &ids[range] {
        if let Some(fields) = state.any_record(&record_type, *id) {
            write_record(
                &schema,
                &mut out,
                "Record",
                &record_type,
                fields,
                &Selection::Paths(&paths),
            );
        }
    }
    let at = state.now();
    state.request_log.push(super::state::RequestLogEntry {
        operation: op.name.clone(),
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
    let writable_record = state.active_records(record_type).is_some();
    let mut out = format!("<Result><Name>{record_type}</Name><SupportedOperations>");
    for (operation, supported) in [
        ("Create", writable_record),
        ("Update", writable_record),
        ("Delete", writable_record),
        ("Query", true),
        ("GetIncrementalInserts", writable_record),
        ("GetIncrementalUpdates", writable_record),
        ("GetIncrementalDeletes", writable_record),
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
