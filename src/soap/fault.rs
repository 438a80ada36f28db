//! `soap:Fault` read into the typed [`Fault`](crate::error::Fault): the kind from the
//! detail element or the faultcode, and a lenient reading of faults that are not quite SOAP.

use quick_xml::events::Event;
use quick_xml::NsReader;

use crate::error::{Fault, FaultKind};
use crate::generated::soapenv::{FaultDetailType, FaultType};
use crate::types::Text;

impl From<FaultType> for Fault {
    fn from(fault: FaultType) -> Self {
        // Both are optional in the schema only because either may come qualified; a fault
        // without them is still a fault, with an empty code or message.
        let code = fault.faultcode.map(Text::into_string).unwrap_or_default();
        let kind = fault
            .detail
            .as_ref()
            .and_then(kind_from_detail)
            .unwrap_or_else(|| kind_from_code(&code));
        Fault {
            kind,
            code,
            message: fault.faultstring.map(Text::into_string).unwrap_or_default(),
            actor: fault.faultactor.map(|actor| actor.into_string()),
        }
    }
}

/// The kind named by the detail's fault element: a typed one, or one the schema does not
/// list (another namespace, a newer fault) by its name.
fn kind_from_detail(detail: &FaultDetailType) -> Option<FaultKind> {
    let typed = [
        (detail.login_fault.is_some(), FaultKind::Login),
        (detail.session_fault.is_some(), FaultKind::Session),
        (
            detail.invalid_message_fault.is_some(),
            FaultKind::InvalidMessage,
        ),
        (
            detail.unsupported_operation_fault.is_some(),
            FaultKind::UnsupportedOperation,
        ),
        (
            detail.invalid_request_fault.is_some(),
            FaultKind::InvalidRequest,
        ),
        (
            detail.synchronization_fault.is_some(),
            FaultKind::Synchronization,
        ),
        (detail.server_fault.is_some(), FaultKind::Server),
    ];
    if let Some(malformed) = &detail.malformed_message_fault {
        return Some(FaultKind::MalformedMessage {
            line: malformed.line,
            column: malformed.column,
        });
    }
    if let Some((_, kind)) = typed.into_iter().find(|(present, _)| *present) {
        return Some(kind);
    }
    let name = detail.unknown.elements().next()?.name().local().to_string();
    Some(match kind_from_code(&name) {
        FaultKind::Other(_) => FaultKind::Other(name),
        known => known,
    })
}

/// Infers the kind from a faultcode such as `SESSION`, `soap:Client.LoginFault` or
/// `MALFORMED_MESSAGE`.
fn kind_from_code(code: &str) -> FaultKind {
    let local = code.rsplit(':').next().unwrap_or(code);
    let normalized: String = local
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    let matches = |name: &str| normalized.contains(name);
    if matches("MALFORMED") {
        FaultKind::MalformedMessage {
            line: None,
            column: None,
        }
    } else if matches("INVALIDMESSAGE") {
        FaultKind::InvalidMessage
    } else if matches("LOGIN") {
        FaultKind::Login
    } else if matches("SESSION") {
        FaultKind::Session
    } else if matches("UNSUPPORTED") {
        FaultKind::UnsupportedOperation
    } else if matches("INVALIDREQUEST") {
        FaultKind::InvalidRequest
    } else if matches("SYNCHRONIZATION") {
        FaultKind::Synchronization
    } else if matches("SERVER") {
        FaultKind::Server
    } else {
        FaultKind::Other(local.to_string())
    }
}

/// Reads a fault that the typed decoder refused (e.g. a detail element with children
/// this schema does not list): code, message and the detail element's name are enough
/// to act on, and losing the fault would hide the server's explanation.
const MAX_FAULT_DEPTH: usize = 16;

pub(crate) fn lenient_fault(bytes: &[u8]) -> Option<Fault> {
    let mut reader = NsReader::from_reader(bytes);
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut code = None;
    let mut message = None;
    let mut actor = None;
    let mut detail_kind = None;
    let mut line = None;
    let mut column = None;
    let mut in_fault = false;
    let mut text = String::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) => {
                // A fault sits at depth 3 with its detail a few levels below; a document
                // nested deeper is not one (and quick-xml's namespace stack must not be
                // driven towards its limit).
                if path.len() >= MAX_FAULT_DEPTH {
                    return None;
                }
                let local = start.local_name().as_ref().to_vec();
                if path.last().is_some_and(|p| p == b"Body") {
                    if local != b"Fault" {
                        // The body holds something else: not a fault, and nothing more to
                        // read (a large response is not walked twice).
                        return None;
                    }
                    in_fault = true;
                } else if in_fault && path.last().is_some_and(|p| p == b"detail") {
                    detail_kind = Some(String::from_utf8_lossy(&local).into_owned());
                }
                path.push(local);
                text.clear();
            }
            Event::Empty(start) if in_fault && path.last().is_some_and(|p| p == b"detail") => {
                detail_kind =
                    Some(String::from_utf8_lossy(start.local_name().as_ref()).into_owned());
            }
            Event::Text(content) => text.push_str(&content.decode().ok()?),
            Event::GeneralRef(reference) => {
                if let Ok(Some(c)) = reference.resolve_char_ref() {
                    text.push(c);
                } else {
                    let name = reference.decode().ok()?;
                    text.push_str(quick_xml::escape::resolve_predefined_entity(&name)?);
                }
            }
            Event::CData(content) => text.push_str(&String::from_utf8_lossy(&content)),
            Event::End(_) => {
                let local = path.pop()?;
                if in_fault {
                    let value = text.trim().to_string();
                    match local.as_slice() {
                        b"faultcode" => code = Some(value),
                        b"faultstring" => message = Some(value),
                        b"faultactor" => actor = Some(value),
                        b"line" => line = value.parse().ok(),
                        b"column" => column = value.parse().ok(),
                        b"Fault" => break,
                        _ => {}
                    }
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let code = code?;
    let kind = match detail_kind.as_deref() {
        Some("MalformedMessageFault") => FaultKind::MalformedMessage { line, column },
        Some(name) => match kind_from_code(name) {
            FaultKind::Other(_) => FaultKind::Other(name.to_string()),
            known => known,
        },
        None => kind_from_code(&code),
    };
    Some(Fault {
        kind,
        code,
        message: message.unwrap_or_default(),
        actor,
    })
}
