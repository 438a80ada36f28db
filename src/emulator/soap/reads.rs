//! The paged reads: Query and the GetIncremental* downloads of a synchronization window.

use std::sync::Arc;

use super::{
    fault, invalid, invalid_request, number, required_partition, response, text, FaultReply,
    MAX_PAGE_SIZE,
};
use crate::emulator::query::parse_query;
use crate::emulator::records::{expand_selection, Fields, RecordWriter};
use crate::emulator::state::{ChangeKind, State, SyncWindow};
use crate::emulator::xml::{Element, TNS};
use crate::schema::Schema;

fn page_bounds(
    page: u64,
    page_size: u64,
    total: usize,
) -> Result<std::ops::Range<usize>, FaultReply> {
    if page == 0 || page_size == 0 || page_size > MAX_PAGE_SIZE {
        return Err(invalid_request(format!(
            "Page must be at least 1 and PageSize 1 to {MAX_PAGE_SIZE}"
        )));
    }
    // A page past the end (however far: no arithmetic wraps) is empty.
    let start = (page - 1)
        .checked_mul(page_size)
        .and_then(|start| usize::try_from(start).ok())
        .map_or(total, |start| start.min(total));
    let end = usize::try_from(page_size)
        .ok()
        .and_then(|size| start.checked_add(size))
        .map_or(total, |end| end.min(total));
    Ok(start..end)
}

pub(super) fn query_operation(
    state: &mut State,
    query: &str,
    page: u64,
    page_size: u64,
) -> Result<String, FaultReply> {
    let query =
        parse_query(query).map_err(|message| invalid_request(format!("query: {message}")))?;
    let schema = std::sync::Arc::clone(&state.settings.schema);
    let paths = expand_selection(&schema, &query.record_type, &query.fields)
        .map_err(|m| invalid_request(format!("query: {m}")))?;
    // A condition on a field the type lacks is refused like a selected one (it would
    // silently match nothing); so is one on a complex field (it has no single value).
    for (field, _) in &query.conditions {
        match schema.type_at(&query.record_type, field) {
            None => {
                return Err(invalid_request(format!(
                    "query: `{field}` is not a field of {}",
                    query.record_type
                )))
            }
            Some((type_name, _)) if schema.fields(type_name).is_some() => {
                return Err(invalid_request(format!(
                    "query: `{field}` of {} has fields of its own; compare one of them",
                    query.record_type
                )))
            }
            Some(_) => {}
        }
    }
    let partitions: Vec<Fields> = if query.record_type == "Partition" {
        state
            .settings
            .partitions
            .iter()
            .map(|(id, name)| {
                let mut fields = Fields::default();
                fields.values.insert("PartitionId".into(), id.to_string());
                fields.values.insert("Name".into(), name.clone());
                fields
            })
            .collect()
    } else {
        Vec::new()
    };
    let matches = |fields: &Fields| {
        query
            .conditions
            .iter()
            .all(|(field, value)| condition_holds(fields, field, value))
    };
    let writer = RecordWriter::new(&schema, "Record", &query.record_type, &paths);
    let mut out = String::new();
    if state.active_records(&query.record_type).is_some() {
        // The matching ids are worked out once and kept until the next change, so that
        // paging through N records costs N, not N per page.
        let mut key = query.record_type.clone();
        for (field, value) in &query.conditions {
            key.push_str(&format!("\u{0}{field}\u{0}{value}"));
        }
        let ids = match state.cached_query(&key) {
            Some(ids) => ids,
            None => {
                let ids = state
                    .active_records(&query.record_type)
                    .map(|records| {
                        records
                            .iter()
                            .filter(|(_, fields)| matches(fields))
                            .map(|(id, _)| *id)
                            .collect()
                    })
                    .unwrap_or_default();
                state.cache_query(key, ids)
            }
        };
        let range = page_bounds(page, page_size, ids.len())?;
        let records = state.active_records(&query.record_type);
        for id in &ids[range] {
            if let Some(fields) = records.and_then(|records| records.get(id)) {
                writer.write(&mut out, fields);
            }
        }
        return Ok(response("Query", &out));
    }
    let rows: Vec<&Fields> = match query.record_type.as_str() {
        "Partition" => partitions.iter().filter(|fields| matches(fields)).collect(),
        _ if schema.record_fields(&query.record_type).is_some() => Vec::new(),
        _ => {
            return Err(invalid_request(format!(
                "query: unknown record type `{}`",
                query.record_type
            )))
        }
    };
    let range = page_bounds(page, page_size, rows.len())?;
    for fields in &rows[range] {
        writer.write(&mut out, fields);
    }
    Ok(response("Query", &out))
}

fn condition_holds(fields: &Fields, field: &str, value: &str) -> bool {
    match fields.get(field) {
        Some(stored) if field == "PrimaryEmail" => stored.eq_ignore_ascii_case(value),
        Some(stored) => stored == value,
        None => fields
            .lists
            .get(field)
            .is_some_and(|list| list.iter().any(|v| v == value)),
    }
}

/// The field paths of a record type the downloads serve, in WSDL order.
fn synchronizable_fields<'s>(
    schema: &'s Schema,
    record_type: &str,
) -> Result<&'s [String], FaultReply> {
    schema.record_fields(record_type).ok_or_else(|| {
        invalid_request(format!(
            "`{record_type}` is not a synchronizable record type"
        ))
    })
}

/// The active window of `user` on `partition` and the ids of the records of `record_type` the
/// `operation` (a GetIncremental* download or its Count) covers.
fn window_ids(
    state: &mut State,
    user: &str,
    partition: u64,
    record_type: &str,
    operation: &str,
) -> Result<(SyncWindow, Arc<Vec<u64>>), FaultReply> {
    let window = state
        .active_window(user, partition)
        .cloned()
        .ok_or_else(|| {
            fault(
                "SYNCHRONIZATION",
                "SynchronizationFault",
                format!("no active synchronization on partition {partition}"),
            )
        })?;
    let kind = match operation.trim_end_matches("Count") {
        "GetIncrementalInserts" => ChangeKind::Insert,
        "GetIncrementalUpdates" => ChangeKind::Update,
        _ => ChangeKind::Delete,
    };
    if crate::emulator::store::documented_downloads(record_type)
        .is_some_and(|documented| !documented.contains(&kind))
    {
        return Err(invalid_request(format!(
            "`{record_type}` does not support {operation} (DescribeRecordType lists what it does)"
        )));
    }
    // Changes are logged for the kept record types; the others never change here.
    let ids = if state.active_records(record_type).is_some() {
        state.window_changes_cached(&window, record_type, kind)
    } else {
        Arc::new(Vec::new())
    };
    Ok((window, ids))
}

/// GetIncrementalInsertsCount, UpdatesCount and DeletesCount: how many records the matching
/// download of the active window returns.
pub(super) fn incremental_count(
    state: &mut State,
    user: &str,
    op: &Element,
) -> Result<String, FaultReply> {
    let partition = required_partition(state, op)?;
    let record_type = text(op, "RecordType")?.unwrap_or_default().to_string();
    synchronizable_fields(&state.settings.schema, &record_type)?;
    // Page and PageSize are accepted (clients send them) but do not change the count.
    for name in ["Page", "PageSize"] {
        number(op, name)?;
    }
    let (_, ids) = window_ids(state, user, partition, &record_type, &op.name)?;
    Ok(response(
        &op.name,
        &format!("<RecordCount>{}</RecordCount>", ids.len()),
    ))
}

pub(super) fn incremental(
    state: &mut State,
    user: &str,
    op: &Element,
) -> Result<String, FaultReply> {
    let partition = required_partition(state, op)?;
    let record_type = text(op, "RecordType")?.unwrap_or_default().to_string();
    let page = number(op, "Page")?.unwrap_or_default();
    let page_size = number(op, "PageSize")?.unwrap_or_default();
    let requested: Vec<String> = op
        .children_named(TNS, "Field")
        .map(|f| {
            if f.children.is_empty() {
                Ok(f.text.trim().to_string())
            } else {
                Err(invalid("`Field` must hold text, not elements"))
            }
        })
        .collect::<Result<_, _>>()?;
    let schema = std::sync::Arc::clone(&state.settings.schema);
    let order = synchronizable_fields(&schema, &record_type)?;
    let mut last = 0;
    for field in &requested {
        let position = order
            .iter()
            .position(|known| known == field)
            .ok_or_else(|| invalid_request(format!("`{field}` is not a field of {record_type}")))?;
        if position < last {
            return Err(invalid_request(format!(
                "fields must be listed in WSDL order; `{field}` is out of order"
            )));
        }
        last = position;
    }
    let paths = expand_selection(&schema, &record_type, &requested).map_err(invalid_request)?;
    let (window, ids) = window_ids(state, user, partition, &record_type, &op.name)?;
    let range = page_bounds(page, page_size, ids.len())?;
    let mut out = String::new();
    let writer = RecordWriter::new(&schema, "Record", &record_type, &paths);
    for id in &ids[range] {
        if let Some(fields) = state.any_record(&record_type, *id) {
            writer.write(&mut out, fields);
        }
    }
    let at = state.now();
    state
        .request_log
        .push(crate::emulator::state::RequestLogEntry {
            operation: op.name.to_string(),
            record_type,
            record_count: ids.len(),
            at,
            sync_id: window.sync_id,
            page,
            page_size,
        });
    Ok(response(&op.name, &out))
}
