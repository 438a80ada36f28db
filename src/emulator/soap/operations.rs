//! The operations that are neither writes nor pages: login and logout, the server time,
//! the synchronization windows and logs, DescribeRecordType; each answers one response element.

use std::fmt::Write as _;

use super::reads::{incremental, incremental_count, query_operation};
use super::{
    boolean, check_sequence, date_time, fault, invalid_request, number, required_partition,
    response, text, FaultReply, MAX_PAGE_SIZE,
};
use crate::emulator::clock::format_date_time;
use crate::emulator::state::{ChangeKind, State};
use crate::emulator::xml::Element;

/// The operations other than the writes, under the lock.
pub(super) fn operate(
    state: &mut State,
    user: &str,
    token: &str,
    op: &Element,
) -> Result<String, FaultReply> {
    let name = &*op.name;
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
        "Query" => {
            check_sequence(
                op,
                &[("QueryString", 1, 1), ("Page", 0, 1), ("PageSize", 0, 1)],
            )?;
            let query = text(op, "QueryString")?.unwrap_or_default();
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
            text(op, "ParentType")?;
            text(op, "ParentField")?;
            describe(state, text(op, "RecordType")?.unwrap_or_default())
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
            let partition = required_partition(state, op)?;
            let (start, end) = (date_time(op, "Start")?, date_time(op, "End")?);
            let window = state
                .start_sync(user, partition, start, end, boolean(op, "Force")?)
                .map_err(|message| fault("SYNCHRONIZATION", "SynchronizationFault", message))?;
            Ok(response(name, &window_xml(&window)))
        }
        "EndSynchronization" => {
            check_sequence(op, &[("PartitionId", 1, 1)])?;
            let partition = required_partition(state, op)?;
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
        "GetIncrementalInsertsCount"
        | "GetIncrementalUpdatesCount"
        | "GetIncrementalDeletesCount" => {
            check_sequence(
                op,
                &[
                    ("PartitionId", 1, 1),
                    ("RecordType", 1, 1),
                    ("Page", 0, 1),
                    ("PageSize", 0, 1),
                ],
            )?;
            incremental_count(state, user, op)
        }
        "GetSynchronizationRequestLog" => {
            check_sequence(op, &[("SyncId", 1, 1)])?;
            let sync_id = number(op, "SyncId")?.unwrap_or_default();
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
            let partition = required_partition(state, op)?;
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

fn window_xml(window: &crate::emulator::state::SyncWindow) -> String {
    format!(
        "<Result><PartitionId>{}</PartitionId><Start>{}</Start><End>{}</End><SyncId>{}</SyncId></Result>",
        window.partition,
        format_date_time(window.start),
        format_date_time(window.end),
        window.sync_id
    )
}

/// A field's `Type` as the service names it: the XML Schema type of a simple value (the
/// runtime schema holds the Rust kind it is read as), or the record type of a nested one.
fn described_type(kind: &str) -> &str {
    match kind {
        "u64" => "nonNegativeInteger",
        "u32" => "unsignedInt",
        "i64" | "i32" => "integer",
        "bool" => "boolean",
        "Text" | "String" | "string" => "string",
        "Decimal" | "decimal" => "decimal",
        "DateTime" => "dateTime",
        "Date" | "date" => "date",
        other => other,
    }
}

fn describe(state: &State, record_type: &str) -> Result<String, FaultReply> {
    let children = state
        .settings
        .schema
        .fields(record_type)
        .ok_or_else(|| invalid_request(format!("unknown record type `{record_type}`")))?;
    // Records the emulator keeps are written unless download-only; the downloads are the
    // documented ones (a site's own type: downloadable when kept).
    let kept = state.active_records(record_type).is_some();
    let writable_record = kept
        && state
            .stores
            .get(record_type)
            .is_none_or(|store| !store.download_only);
    let downloads = |kind: ChangeKind| {
        crate::emulator::store::documented_downloads(record_type)
            .map_or(kept, |documented| documented.contains(&kind))
    };
    let mut out = format!("<Result><Name>{record_type}</Name><SupportedOperations>");
    for (operation, supported) in [
        ("Create", writable_record),
        ("Update", writable_record),
        ("Delete", writable_record),
        ("Query", true),
        ("GetIncrementalInserts", downloads(ChangeKind::Insert)),
        ("GetIncrementalUpdates", downloads(ChangeKind::Update)),
        ("GetIncrementalDeletes", downloads(ChangeKind::Delete)),
    ] {
        let _ = write!(out, "<{operation}>{supported}</{operation}>");
    }
    out.push_str("</SupportedOperations>");
    let wildcard = crate::emulator::records::wildcard(&state.settings.schema, record_type);
    for field in children {
        let writable =
            writable_record && !crate::emulator::records::is_read_only(record_type, &field.name);
        let _ = write!(
            out,
            "<Field><Name>{}</Name><Writable>{writable}</Writable><Custom>{}</Custom>\
             <Nillable>{}</Nillable><Multiple>{}</Multiple><Type>{}</Type>\
             <IsWildcard>{}</IsWildcard></Field>",
            field.name,
            field.custom,
            field.nillable,
            field.repeated,
            described_type(&field.type_name),
            wildcard.contains(&field.name.as_str()),
        );
    }
    out.push_str("</Result>");
    Ok(response("DescribeRecordType", &out))
}
