//! What `SRConsAPI` answers about a constituent beyond its record: its interests and
//! centers, the site's lists of them (those some constituent has: the site keeps no other
//! catalog), and single sign-on tokens.

use std::collections::BTreeSet;

use super::{
    api_error, id_elements, list_page, lookup, number_param, param, random_token, ApiError,
    Document, Node,
};
use crate::emulator::state::State;

/// Answers `method`, or `None` when it is not one of these.
pub(super) fn call(
    state: &State,
    method: &str,
    params: &[(String, String)],
) -> Option<Result<Document, ApiError>> {
    Some(match method {
        "getUserInterests" => lookup(state, params).map(|cons_id| {
            (
                "getConsInterestsResponse",
                id_elements(state, cons_id, "InterestId", "interest", interest),
            )
        }),
        "listInterests" => Ok((
            "listInterestsResponse",
            site_ids(state, "InterestId")
                .map(|id| ("interest".to_string(), described(&id, interest)))
                .collect(),
        )),
        "isUserInterested" => is_user_interested(state, params),
        "getUserCenters" => lookup(state, params).map(|cons_id| {
            (
                "getConsCentersResponse",
                id_elements(state, cons_id, "CenterId", "center", center),
            )
        }),
        "listCenters" => list_centers(state, params),
        "getSingleSignOnToken" => single_sign_on_token(state, params),
        _ => return None,
    })
}

/// An interest as getUserInterests shows one (the emulator hides none).
fn interest(id: &str) -> Vec<(String, Node)> {
    vec![
        ("label".into(), Node::Text(format!("Interest {id}"))),
        ("path".into(), Node::Text(format!("Interest {id}"))),
        ("for_email".into(), Node::Text("true".into())),
        ("for_web".into(), Node::Text("true".into())),
    ]
}

fn center(id: &str) -> Vec<(String, Node)> {
    vec![("name".into(), Node::Text(format!("Center {id}")))]
}

fn described(id: &str, describe: fn(&str) -> Vec<(String, Node)>) -> Node {
    let mut fields = vec![("id".to_string(), Node::Text(id.to_string()))];
    fields.extend(describe(id));
    Node::Object(fields)
}

/// The ids in the `list` of any constituent, in numeric order.
fn site_ids(state: &State, list: &str) -> impl Iterator<Item = String> {
    let ids: BTreeSet<u64> = state
        .constituents
        .values()
        .filter_map(|fields| fields.lists.get(list))
        .flatten()
        .filter_map(|id| id.parse().ok())
        .collect();
    ids.into_iter().map(|id| id.to_string())
}

fn is_user_interested(state: &State, params: &[(String, String)]) -> Result<Document, ApiError> {
    let interest_id: u64 = number_param(params, "interest_id")?;
    let cons_id = lookup(state, params)?;
    let interested = state
        .constituents
        .get(&cons_id)
        .and_then(|fields| fields.lists.get("InterestId"))
        .is_some_and(|ids| ids.iter().any(|id| id == &interest_id.to_string()));
    Ok((
        "isUserInterestedResponse",
        vec![("interested".to_string(), Node::Text(interested.to_string()))],
    ))
}

/// One page of the site's centers: `list_page_size` of them (25 by default), skipping
/// `list_page_offset` pages or, when given, `list_record_offset` records.
fn list_centers(state: &State, params: &[(String, String)]) -> Result<Document, ApiError> {
    let (skip, size) = list_page(params)?;
    Ok((
        "listCentersResponse",
        site_ids(state, "CenterId")
            .skip(skip)
            .take(size)
            .map(|id| ("center".to_string(), described(&id, center)))
            .collect(),
    ))
}

/// `getSingleSignOnToken`: fresh random tokens for the constituent named by `cons_id` or
/// `member_id`; without either, the documented "Unable to process request".
fn single_sign_on_token(state: &State, params: &[(String, String)]) -> Result<Document, ApiError> {
    if param(params, "cons_id").is_none() && param(params, "member_id").is_none() {
        return Err(api_error(1, "Unable to process request."));
    }
    let cons_id = lookup(state, params)?;
    Ok((
        "getSingleSignOnTokenResponse",
        vec![
            ("token".to_string(), Node::Text(random_token()?)),
            ("cons_id".to_string(), Node::Text(cons_id.to_string())),
            ("nonce".to_string(), Node::Text(random_token()?)),
            (
                "JSESSIONID".to_string(),
                Node::Text(format!("emu-sso-{cons_id}")),
            ),
            ("routing_id".to_string(), Node::Text("emu1".to_string())),
        ],
    ))
}
