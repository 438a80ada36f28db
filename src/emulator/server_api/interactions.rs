//! `SRConsAPI` interactions: logInteraction and updateInteraction write, getUserInteractions
//! and getInteraction read. No source shows what the two writes answer; the emulator answers
//! `logInteractionResponse` / `updateInteractionResponse` with the interaction's id, its own
//! spelling (clients get it as sent).

use super::{
    api_error, list_page, lookup, number_param, param, within_dates, ApiError, Document, Node,
};
use crate::emulator::interactions::Interaction;
use crate::emulator::state::State;

/// The documented limits of an interaction's subject and body, in characters.
const SUBJECT_LIMIT: usize = 80;
const BODY_LIMIT: usize = 1_500;

/// Answers the writes, or `None` for another method.
pub(super) fn write(
    state: &mut State,
    user: &str,
    method: &str,
    params: &[(String, String)],
) -> Option<Result<Document, ApiError>> {
    Some(match method {
        "logInteraction" => log_interaction(state, user, params),
        "updateInteraction" => update_interaction(state, params),
        _ => return None,
    })
}

/// Answers the reads, or `None` for another method.
pub(super) fn read(
    state: &State,
    method: &str,
    params: &[(String, String)],
) -> Option<Result<Document, ApiError>> {
    Some(match method {
        "getUserInteractions" => user_interactions(state, params),
        "getInteraction" => interaction(state, params),
        "listInteractions" => list_interactions(state, params),
        _ => return None,
    })
}

/// The subject, body and optional numbers of a request, checked; `subject_required` is false
/// for an update, which may leave it as it is.
struct Written {
    subject: Option<String>,
    body: Option<String>,
    type_id: Option<u64>,
    category_id: Option<u64>,
    count: Option<u64>,
}

fn written(params: &[(String, String)], subject_required: bool) -> Result<Written, ApiError> {
    let subject = param(params, "interaction_subject");
    if subject.is_none() && subject_required {
        return Err(api_error(9, "Missing parameter was: interaction_subject"));
    }
    if let Some(subject) = subject.filter(|s| s.chars().count() > SUBJECT_LIMIT) {
        return Err(api_error(
            22,
            format!(
                "interaction_subject: at most {SUBJECT_LIMIT} characters, not {}",
                subject.chars().count()
            ),
        ));
    }
    let body = param(params, "interaction_body");
    if body.is_some_and(|b| b.chars().count() > BODY_LIMIT) {
        return Err(api_error(
            22,
            format!("interaction_body: at most {BODY_LIMIT} characters"),
        ));
    }
    let number = |name: &str| match param(params, name) {
        Some(_) => number_param::<u64>(params, name).map(Some),
        None => Ok(None),
    };
    Ok(Written {
        subject: subject.map(str::to_string),
        body: body.map(str::to_string),
        type_id: number("interaction_type_id")?,
        category_id: number("interaction_cat_id")?,
        count: number("interaction_count")?,
    })
}

fn answer(root: &'static str, id: u64) -> Document {
    (
        root,
        vec![("interactionId".to_string(), Node::Text(id.to_string()))],
    )
}

fn log_interaction(
    state: &mut State,
    user: &str,
    params: &[(String, String)],
) -> Result<Document, ApiError> {
    let written = written(params, true)?;
    let cons_id = lookup(state, params)?;
    let logged = crate::emulator::clock::format_date_time(state.now());
    let id = state.interactions.log(Interaction {
        cons_id,
        type_id: written.type_id.unwrap_or(0),
        subject: written.subject.unwrap_or_default(),
        body: written.body,
        category_id: written.category_id,
        count: written.count,
        by: user.to_string(),
        logged,
    });
    Ok(answer("logInteractionResponse", id))
}

fn update_interaction(
    state: &mut State,
    params: &[(String, String)],
) -> Result<Document, ApiError> {
    let id: u64 = number_param(params, "interaction_id")?;
    let written = written(params, false)?;
    let interaction = state
        .interactions
        .get_mut(id)
        .ok_or_else(|| api_error(16, format!("There is no interaction {id}.")))?;
    if let Some(subject) = written.subject {
        interaction.subject = subject;
    }
    if written.body.is_some() {
        interaction.body = written.body;
    }
    if let Some(type_id) = written.type_id {
        interaction.type_id = type_id;
    }
    if written.category_id.is_some() {
        interaction.category_id = written.category_id;
    }
    if written.count.is_some() {
        interaction.count = written.count;
    }
    Ok(answer("updateInteractionResponse", id))
}

/// An interaction as getInteraction and getUserInteractions show one.
fn shown(id: u64, interaction: &Interaction) -> Node {
    let mut fields = vec![
        ("interactionId".to_string(), Node::Text(id.to_string())),
        (
            "interactionTypeId".to_string(),
            Node::Text(interaction.type_id.to_string()),
        ),
        (
            "subject".to_string(),
            Node::Text(interaction.subject.clone()),
        ),
    ];
    if let Some(body) = &interaction.body {
        fields.push((
            "note".to_string(),
            Node::Object(vec![("text".to_string(), Node::Text(body.clone()))]),
        ));
    }
    Node::Object(fields)
}

fn user_interactions(state: &State, params: &[(String, String)]) -> Result<Document, ApiError> {
    let cons_id = lookup(state, params)?;
    let (skip, size) = list_page(params)?;
    let type_id = match param(params, "interaction_type_id") {
        Some(_) => Some(number_param::<u64>(params, "interaction_type_id")?),
        None => None,
    };
    let subject = param(params, "interaction_subject");
    Ok((
        "getUserInteractionsResponse",
        state
            .interactions
            .of(cons_id)
            .filter(|(_, i)| type_id.is_none_or(|t| i.type_id == t))
            .filter(|(_, i)| subject.is_none_or(|s| i.subject == s))
            .skip(skip)
            .take(size)
            .map(|(id, i)| ("interaction".to_string(), shown(id, i)))
            .collect(),
    ))
}

fn interaction(state: &State, params: &[(String, String)]) -> Result<Document, ApiError> {
    let id: u64 = number_param(params, "interaction_id")?;
    let interaction = state
        .interactions
        .get(id)
        .ok_or_else(|| api_error(16, format!("There is no interaction {id}.")))?;
    Ok((
        "getInteractionResponse",
        vec![("interaction".to_string(), shown(id, interaction))],
    ))
}

/// `listInteractions`: the interactions of one custom type (`interaction_type_id`, not 0,
/// "Other") across constituents, oldest first, optionally of one subject and logged
/// between `begin_date` and `end_date` (compared by day), a page at a time.
fn list_interactions(state: &State, params: &[(String, String)]) -> Result<Document, ApiError> {
    let type_id: u64 = number_param(params, "interaction_type_id")?;
    if type_id == 0 {
        return Err(api_error(
            22,
            "interaction_type_id: 0 (Other) is not a custom interaction type",
        ));
    }
    let (skip, size) = list_page(params)?;
    let subject = param(params, "interaction_subject");
    let within = within_dates(params);
    Ok((
        "listInteractionsResponse",
        state
            .interactions
            .all()
            .filter(|(_, i)| i.type_id == type_id)
            .filter(|(_, i)| subject.is_none_or(|s| i.subject == s))
            .filter(|(_, i)| within(Some(&i.logged)))
            .skip(skip)
            .take(size)
            .map(|(id, i)| ("interaction".to_string(), shown(id, i)))
            .collect(),
    ))
}
