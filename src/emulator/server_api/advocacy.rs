//! `SRAdvocacyAPI`: the site's action alerts, and actions taken on them for a constituent,
//! which are ActionAlertResponse records the SOAP downloads return.

use super::{api_error, list_page, lookup, number_param, param, ApiError, Document, Node};
use crate::emulator::state::State;
use crate::emulator::transactions::{alert_responses, record_alert_response, ALERTS};

/// The type of every alert of the site (`advocacyAlertType`).
const ALERT_TYPE: &str = "action";
/// The status of every alert of the site (`advocacyAlertStatus`).
const ALERT_STATUS: &str = "active";

/// Answers `method`, or `None` when this servlet has no such method.
pub(super) fn call(
    state: &mut State,
    user: &str,
    method: &str,
    params: &[(String, String)],
) -> Option<Result<Document, ApiError>> {
    Some(match method {
        "getAdvocacyAlerts" => advocacy_alerts(state, params),
        "takeAction" => take_action(state, user, params),
        "getAdvocacyInteractions" => advocacy_interactions(state, params),
        _ => return None,
    })
}

/// Whether `value` is in the comma-separated `filter` (no filter: everything is).
fn admits(filter: Option<&str>, value: &str) -> bool {
    filter.is_none_or(|list| list.split(',').any(|item| item.trim() == value))
}

/// `getAdvocacyInteractions`: the actions constituent `lookup` took, oldest first, each as
/// the alert acted on and when (the emulator's reading; no source shows the answer),
/// filtered by the alert's type and status and paged as the alert list is.
fn advocacy_interactions(state: &State, params: &[(String, String)]) -> Result<Document, ApiError> {
    let cons_id = lookup(state, params)?;
    let (skip, size) = list_page(params)?;
    let shown = admits(param(params, "alert_type"), ALERT_TYPE)
        && admits(param(params, "alert_status"), ALERT_STATUS);
    let interactions = state
        .actions_taken
        .iter()
        .filter(|(taker, _, _)| shown && *taker == cons_id)
        .skip(skip)
        .take(size)
        .map(|(_, alert_id, when)| {
            let title = ALERTS
                .iter()
                .find(|(id, _)| id == alert_id)
                .map_or("", |(_, title)| title);
            (
                "interaction".to_string(),
                Node::Object(vec![
                    ("alertId".into(), Node::Text(alert_id.to_string())),
                    ("type".into(), Node::Text(ALERT_TYPE.into())),
                    ("title".into(), Node::Text(title.to_string())),
                    ("interacted".into(), Node::Text(when.clone())),
                ]),
            )
        })
        .collect();
    Ok(("getAdvocacyInteractionsResponse", interactions))
}

fn advocacy_alerts(state: &State, params: &[(String, String)]) -> Result<Document, ApiError> {
    let (skip, size) = list_page(params)?;
    let shown = admits(param(params, "alert_type"), ALERT_TYPE)
        && admits(param(params, "alert_status"), ALERT_STATUS);
    let alerts = ALERTS
        .iter()
        .filter(|_| shown)
        .skip(skip)
        .take(size)
        .map(|(id, title)| {
            let text = |value: String| Node::Text(value);
            (
                "alert".to_string(),
                Node::Object(vec![
                    ("alertId".into(), text(id.to_string())),
                    ("type".into(), text(ALERT_TYPE.into())),
                    ("status".into(), text(ALERT_STATUS.into())),
                    ("priority".into(), text("medium".into())),
                    (
                        "url".into(),
                        text(format!(
                            "https://{}/site/Advocacy?cmd=display&page=UserAction&id={id}",
                            state.settings.site
                        )),
                    ),
                    (
                        "interactionCount".into(),
                        text(alert_responses(state, *id).to_string()),
                    ),
                    ("title".into(), text((*title).to_string())),
                    (
                        "description".into(),
                        text(format!("Alert {id} of the emulated site.")),
                    ),
                ]),
            )
        })
        .collect();
    Ok(("getAdvocacyAlertsResponse", alerts))
}

/// `takeAction` for the constituent the server names (`cons_id`, or member id or email):
/// the alert must exist and be of the given type; a preview records nothing.
fn take_action(
    state: &mut State,
    user: &str,
    params: &[(String, String)],
) -> Result<Document, ApiError> {
    let alert_id: u64 = number_param(params, "alert_id")?;
    let alert_type = param(params, "alert_type")
        .ok_or_else(|| api_error(9, "Missing parameter was: alert_type"))?;
    if !ALERTS.iter().any(|(id, _)| *id == alert_id) {
        return Err(api_error(16, format!("There is no alert {alert_id}.")));
    }
    if alert_type != ALERT_TYPE {
        return Err(api_error(
            22,
            format!("alert_type: alert {alert_id} is of type {ALERT_TYPE}, not {alert_type}"),
        ));
    }
    let cons_id = lookup(state, params)?;
    if param(params, "preview") != Some("true")
        && record_alert_response(state, cons_id, alert_id, user).is_none()
    {
        return Err(api_error(1, "This site does not record alert responses."));
    }
    Ok(("takeActionResponse", Vec::new()))
}
