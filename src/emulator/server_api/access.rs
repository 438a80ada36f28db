//! `SRConsAPI` sign-in methods: login (a constituent's user name or email, and password),
//! authenticateUser (the fields the site flags "Use for Authentication"), changePassword.
//! Both sign-ins answer `loginResponse`, as public client code reads them.

use super::{api_error, lookup, param, random_token, ApiError, Document, Node};
use crate::emulator::state::State;

/// The fields the emulated site flags "Use for Authentication", by their Server API names,
/// and where the emulator stores them: the member id and the last name (the method page's
/// example pairs a membership number with another attribute).
pub const AUTHENTICATION_FIELDS: &[(&str, &str)] = &[
    ("member_id", "MemberId"),
    ("name.last", "ConsName.LastName"),
];

/// Answers `method`, or `None` for another method.
pub(super) fn call(
    state: &mut State,
    method: &str,
    params: &[(String, String)],
) -> Option<Result<Document, ApiError>> {
    Some(match method {
        "login" => login(state, params),
        "authenticateUser" => authenticate_user(state, params),
        "changePassword" => change_password(state, params),
        _ => return None,
    })
}

/// A password parameter as sent (untrimmed: spaces belong to a password); an empty one
/// counts as missing.
fn password_param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, value)| value.as_str())
        .filter(|value| !value.is_empty())
}

/// A fresh session for `cons_id`, in loginResponse's order.
fn signed_in(cons_id: u64) -> Result<Document, ApiError> {
    Ok((
        "loginResponse",
        vec![
            ("cons_id".to_string(), Node::Text(cons_id.to_string())),
            ("token".to_string(), Node::Text(random_token()?)),
            ("nonce".to_string(), Node::Text(random_token()?)),
            (
                "JSESSIONID".to_string(),
                Node::Text(format!("emu-login-{cons_id}")),
            ),
            ("routing_id".to_string(), Node::Text("emu1".to_string())),
        ],
    ))
}

/// `login`: by `user_name`, else `email`; the password must be the one the constituent set.
/// A wrong name or password is error 3 (the documented "bad credentials"), without saying
/// which of the two was wrong.
fn login(state: &State, params: &[(String, String)]) -> Result<Document, ApiError> {
    let ids = if let Some(user_name) = param(params, "user_name") {
        state.by_user_name(user_name)
    } else if let Some(email) = param(params, "email") {
        state.by_email(email)
    } else {
        return Err(api_error(9, "Missing parameter was: user_name or email"));
    };
    let password = password_param(params, "password")
        .ok_or_else(|| api_error(9, "Missing parameter was: password"))?;
    let matching = ids
        .into_iter()
        .filter(|id| state.passwords.get(id).is_some_and(|p| p == password))
        .collect::<Vec<_>>();
    match matching.as_slice() {
        [cons_id] => signed_in(*cons_id),
        _ => Err(api_error(3, "Invalid user name or password.")),
    }
}

/// `authenticateUser`: every flagged field must be given, and exactly one constituent must
/// have all of those values (none is error 16, as public client code treats it).
fn authenticate_user(state: &State, params: &[(String, String)]) -> Result<Document, ApiError> {
    let mut wanted = Vec::new();
    for (name, stored) in AUTHENTICATION_FIELDS {
        let value = param(params, name)
            .ok_or_else(|| api_error(9, format!("Missing parameter was: {name}")))?;
        wanted.push((*stored, value));
    }
    let matching: Vec<u64> = state
        .constituents
        .iter()
        .filter(|(_, fields)| {
            wanted.iter().all(|(stored, value)| {
                fields
                    .get(stored)
                    .is_some_and(|have| have.trim().eq_ignore_ascii_case(value))
            })
        })
        .map(|(id, _)| *id)
        .collect();
    match matching.as_slice() {
        [cons_id] => signed_in(*cons_id),
        [] => Err(api_error(16, "No matching constituent.")),
        _ => Err(api_error(8, "More than one constituent matches.")),
    }
}

/// `changePassword` for the constituent named by cons_id, member_id or primary_email: the
/// new password twice; the old one when the constituent has one (missing: 21, wrong: 20).
fn change_password(state: &mut State, params: &[(String, String)]) -> Result<Document, ApiError> {
    let raw = |name: &str| password_param(params, name);
    let new_password =
        raw("user_password").ok_or_else(|| api_error(9, "Missing parameter was: user_password"))?;
    if raw("retype_password") != Some(new_password) {
        return Err(api_error(20, "user_password and retype_password differ."));
    }
    let cons_id = lookup(state, params)?;
    if let Some(current) = state.passwords.get(&cons_id) {
        match raw("old_password") {
            None => return Err(api_error(21, "The old password is required.")),
            Some(old) if old != current => {
                return Err(api_error(20, "The old password is not correct."))
            }
            Some(_) => {}
        }
    }
    state.passwords.insert(cons_id, new_password.to_string());
    Ok((
        "changePasswordResponse",
        vec![
            ("cons_id".to_string(), Node::Text(cons_id.to_string())),
            (
                "message".to_string(),
                Node::Text("Password changed.".to_string()),
            ),
        ],
    ))
}
