//! `SRGroupAPI`: the groups the site's constituents belong to.

use super::{api_error, number_param, ApiError, Document, Node};
use crate::emulator::state::State;

/// Answers `method`, or `None` when this servlet has no such method.
pub(super) fn call(
    state: &State,
    method: &str,
    params: &[(String, String)],
) -> Option<Result<Document, ApiError>> {
    match method {
        "getGroupInfo" => Some(group_info(state, params)),
        _ => None,
    }
}

/// The groups are those some constituent belongs to, named as getUserGroups names them.
fn group_info(state: &State, params: &[(String, String)]) -> Result<Document, ApiError> {
    let group_id: u64 = number_param(params, "group_id")?;
    let id = group_id.to_string();
    let members = state
        .constituents
        .values()
        .filter(|fields| {
            fields
                .lists
                .get("GroupId")
                .is_some_and(|ids| ids.contains(&id))
        })
        .count();
    if members == 0 {
        return Err(api_error(16, format!("There is no group {group_id}.")));
    }
    Ok((
        "getGroupInfoResponse",
        vec![(
            "groupInfo".to_string(),
            Node::Object(vec![
                ("id".into(), Node::Text(id.clone())),
                ("name".into(), Node::Text(format!("Group {id}"))),
                (
                    "description".into(),
                    Node::Text(format!("{members} member(s) on this site")),
                ),
            ]),
        )],
    ))
}
