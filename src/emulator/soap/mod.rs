//! The SOAP side of the emulator: `POST /1.0/{site}`. This module reads the envelope and its
//! header, checks the session, reads request values and writes responses and faults; the
//! operations live in `writes` (Create, Update, Delete, relationships), `reads` (Query and the
//! incremental downloads) and `operations` (the rest), and the rules they apply in the state.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use super::clock::parse_date_time;
use super::records::ListMode;
use super::session::LoginError;
use super::state::State;
use super::xml::{escape, parse, Element, ENS, SOAP_ENV, TNS, XSI};
use crate::schema::Schema;

mod operations;
mod reads;
mod writes;

use operations::operate;
use writes::{write_operation, WriteKind};

/// Most records per write request.
pub(super) const MAX_RECORDS: usize = 50;
/// Largest page a download may ask for.
pub(super) const MAX_PAGE_SIZE: u64 = 200;
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

pub(super) fn fault(
    code: &'static str,
    detail: &'static str,
    message: impl Into<String>,
) -> FaultReply {
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

pub(super) fn invalid(message: impl Into<String>) -> FaultReply {
    fault("INVALID_MESSAGE", "InvalidMessageFault", message)
}

pub(super) fn invalid_request(message: impl Into<String>) -> FaultReply {
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

pub(super) fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a request needs of the site besides the records: read under the lock once, so that
/// the costly part of a write (reading and checking every value) runs without it.
pub(super) struct Context {
    pub(super) schema: Arc<Schema>,
    pub(super) partitions: Vec<u64>,
    /// Record types kept in a store: (type, id field, download only).
    pub(super) stores: Vec<(String, String, bool)>,
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
pub(super) fn no_text(element: &Element, what: &str) -> Result<(), FaultReply> {
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
pub(super) fn text<'e>(element: &'e Element, name: &str) -> Result<Option<&'e str>, FaultReply> {
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
pub(super) fn check_sequence(
    element: &Element,
    spec: &[(&str, usize, usize)],
) -> Result<(), FaultReply> {
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

pub(super) fn number(element: &Element, name: &str) -> Result<Option<u64>, FaultReply> {
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
pub(super) fn date_time(
    element: &Element,
    name: &str,
) -> Result<Option<std::time::Duration>, FaultReply> {
    text(element, name)?
        .map(|text| {
            parse_date_time(text)
                .ok_or_else(|| invalid(format!("`{name}` is not an xs:dateTime: {text}")))
        })
        .transpose()
}

pub(super) fn boolean(element: &Element, name: &str) -> Result<bool, FaultReply> {
    match text(element, name)? {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(invalid(format!("`{name}` is not a boolean: {other}"))),
    }
}

/// The PartitionId of an operation, which must be one of the site's (an InvalidRequest
/// fault otherwise): `None` when the operation carries none.
pub(super) fn partition(op: &Element, partitions: &[u64]) -> Result<Option<u64>, FaultReply> {
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
pub(super) fn required_partition(state: &State, op: &Element) -> Result<u64, FaultReply> {
    let partitions: Vec<u64> = state
        .settings
        .partitions
        .iter()
        .map(|(id, _)| *id)
        .collect();
    partition(op, &partitions)?.ok_or_else(|| invalid("`PartitionId` is required"))
}

pub(super) fn response(operation: &str, content: &str) -> String {
    format!(
        r#"<{operation}Response xmlns="{TNS}" xmlns:ens="{ENS}" xmlns:xsi="{XSI}">{content}</{operation}Response>"#
    )
}
