//! `SRDataSyncAPI`: launching a data sync operation and polling its task.

use super::{api_error, number_param, ApiError, Document, Node};
use crate::emulator::state::State;

/// Answers `method`, or `None` when this servlet has no such method.
pub(super) fn call(
    state: &mut State,
    method: &str,
    params: &[(String, String)],
) -> Option<Result<Document, ApiError>> {
    let id = |name: &str| number_param::<u64>(params, name);
    match method {
        "launchDataSync" => Some(id("operation_id").and_then(|operation_id| {
            let task_id = state.data_syncs.launch(operation_id).ok_or_else(|| {
                api_error(
                    22,
                    format!("There is no data sync operation {operation_id}."),
                )
            })?;
            Ok((
                "launchDataSyncResponse",
                vec![(
                    "taskId".to_string(),
                    Node::Object(vec![("id".into(), Node::Text(task_id.to_string()))]),
                )],
            ))
        })),
        "getDataSyncStatus" => Some(id("task_id").and_then(|task_id| {
            let status = state
                .data_syncs
                .poll(task_id)
                .ok_or_else(|| api_error(22, format!("There is no data sync task {task_id}.")))?;
            Ok((
                "getDataSyncStatusResponse",
                vec![(
                    "taskStatus".to_string(),
                    Node::Object(vec![
                        ("status".into(), Node::Text(status.into())),
                        ("detailMessage".into(), Node::Nil),
                    ]),
                )],
            ))
        })),
        _ => None,
    }
}
