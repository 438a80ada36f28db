//! Groups: `SRGroupAPI` getGroupInfo and listGroups, and `SRConsAPI` getGroupMembers. The
//! site's groups are those some constituent belongs to, named as getUserGroups names them.

use std::collections::BTreeMap;

use super::{api_error, list_page, number_param, param, user_document, ApiError, Document, Node};
use crate::emulator::state::State;

/// Answers `method`, or `None` when this servlet has no such method.
pub(super) fn call(
    state: &State,
    method: &str,
    params: &[(String, String)],
) -> Option<Result<Document, ApiError>> {
    match method {
        "getGroupInfo" => Some(group_info(state, params)),
        "listGroups" => Some(list_groups(state, params)),
        _ => None,
    }
}

/// Every group with its members (ConsIds, ascending), by group id.
fn groups(state: &State) -> BTreeMap<u64, Vec<u64>> {
    let mut groups: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for (cons_id, fields) in &state.constituents {
        for id in fields.lists.get("GroupId").into_iter().flatten() {
            if let Ok(id) = id.trim().parse() {
                groups.entry(id).or_default().push(*cons_id);
            }
        }
    }
    groups
}

fn group_name(id: u64) -> String {
    format!("Group {id}")
}

/// A group as getGroupInfo and listGroups answer it (the fields of the createGroup sample
/// the emulator can fill: its groups are static and administrator-managed).
fn described(id: u64, members: usize) -> Node {
    let text = |value: String| Node::Text(value);
    Node::Object(vec![
        ("id".into(), text(id.to_string())),
        ("name".into(), text(group_name(id))),
        (
            "description".into(),
            text(format!("{members} member(s) on this site")),
        ),
        ("groupMode".into(), text("STATIC".into())),
        ("securityMode".into(), text("ADMINISTRATOR".into())),
        ("numMembers".into(), text(members.to_string())),
        ("numActiveMembers".into(), text(members.to_string())),
    ])
}

fn group_info(state: &State, params: &[(String, String)]) -> Result<Document, ApiError> {
    let group_id: u64 = number_param(params, "group_id")?;
    let groups = groups(state);
    let members = groups
        .get(&group_id)
        .ok_or_else(|| api_error(16, format!("There is no group {group_id}.")))?;
    Ok((
        "getGroupInfoResponse",
        vec![("groupInfo".to_string(), described(group_id, members.len()))],
    ))
}

/// `listGroups`: the groups whose name contains `list_filter_text` (case-insensitive), by
/// id, a page at a time. The emulator's groups are all membership groups, so every
/// `selection_mode` lists them.
fn list_groups(state: &State, params: &[(String, String)]) -> Result<Document, ApiError> {
    let (skip, size) = list_page(params)?;
    let filter = param(params, "list_filter_text").map(str::to_lowercase);
    let listed = groups(state)
        .into_iter()
        .filter(|(id, _)| {
            filter
                .as_ref()
                .is_none_or(|text| group_name(*id).to_lowercase().contains(text))
        })
        .skip(skip)
        .take(size)
        .map(|(id, members)| ("groupInfo".to_string(), described(id, members.len())))
        .collect();
    Ok(("listGroupsResponse", listed))
}

/// The members' fields getGroupMembers answers when `fields` names none: the method page's
/// default columns, in the dot notation getUser takes.
const DEFAULT_MEMBER_FIELDS: &[&str] = &[
    "cons_id",
    "member_id",
    "name.first",
    "name.last",
    "email.primary_address",
    "primary_address.street1",
    "primary_address.street2",
    "primary_address.street3",
    "primary_address.city",
    "primary_address.state",
    "primary_address.county",
    "primary_address.zip",
];

/// The column names the method page lists for `fields`, and the dot notation they stand
/// for (the legacy page's spelling, which getUser takes too).
const MEMBER_COLUMNS: &[(&str, &str)] = &[
    ("first_name", "name.first"),
    ("last_name", "name.last"),
    ("primary_email", "email.primary_address"),
    ("home_street1", "primary_address.street1"),
    ("home_street2", "primary_address.street2"),
    ("home_street3", "primary_address.street3"),
    ("home_city", "primary_address.city"),
    ("home_stateprov", "primary_address.state"),
    ("home_county", "primary_address.county"),
    ("home_zip", "primary_address.zip"),
];

/// The largest `max_number` (the method page).
const MAX_MEMBERS: usize = 1000;

/// `getGroupMembers` (SRConsAPI): `total_number` (the group's size), then at most
/// `max_number` members by ConsId, each with the fields asked for.
pub(super) fn group_members(
    state: &State,
    params: &[(String, String)],
) -> Result<Document, ApiError> {
    let group_id: u64 = number_param(params, "group_id")?;
    let max = match param(params, "max_number") {
        None => MAX_MEMBERS,
        Some(_) => number_param::<usize>(params, "max_number")?,
    };
    if !(1..=MAX_MEMBERS).contains(&max) {
        return Err(api_error(
            22,
            format!("max_number: 1 to {MAX_MEMBERS}, not {max}"),
        ));
    }
    let fields: Vec<String> = match param(params, "fields") {
        None => DEFAULT_MEMBER_FIELDS
            .iter()
            .map(|f| f.to_string())
            .collect(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|field| !field.is_empty())
            .map(|field| {
                MEMBER_COLUMNS
                    .iter()
                    .find(|(column, _)| *column == field)
                    .map_or(field, |(_, dotted)| dotted)
                    .to_string()
            })
            .collect(),
    };
    let groups = groups(state);
    let members = groups
        .get(&group_id)
        .ok_or_else(|| api_error(16, format!("There is no group {group_id}.")))?;
    let mut document = vec![(
        "total_number".to_string(),
        Node::Text(members.len().to_string()),
    )];
    for cons_id in members.iter().take(max) {
        let member = user_document(state, *cons_id, Some(&fields))?;
        document.push(("member".to_string(), Node::Object(member)));
    }
    Ok(("getGroupMembersResponse", document))
}
