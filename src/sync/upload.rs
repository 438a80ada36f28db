//! Uploading local changes at the start of a window: creates, then updates, then deletes, in
//! batches of 50, each record's result kept. A Create is marked as sent before it is sent;
//! one whose outcome was never recorded is looked up upstream before anything is resent.

use super::layout::TypeLayout;
use super::run::{Progress, SyncError};
use super::store::{LocalAction, LocalChange, Store, UploadOutcome};
use crate::error::Error;
use crate::soap::{BatchResults, Client, WriteOptions};
use crate::AnyRecord;

/// Uploads every pending change; returns (applied, refused).
pub(crate) async fn run<S: Store>(
    client: &Client,
    store: &mut S,
    layouts: &[TypeLayout],
    partition: u64,
    progress: &dyn Progress,
) -> Result<(u64, u64), SyncError> {
    let mut applied = 0;
    let mut refused = 0;
    let mut count = |results: &[(LocalChange, UploadOutcome)]| {
        for (_, outcome) in results {
            match outcome {
                UploadOutcome::Applied { .. } => applied += 1,
                UploadOutcome::Refused { .. } => refused += 1,
            }
        }
    };

    // Creates a crashed run sent without recording their outcome.
    let unresolved = store.unresolved_creates(layouts).await?;
    let mut resend = Vec::new();
    let mut reconciled = Vec::new();
    for change in unresolved {
        let Some(layout) = layout_of(layouts, &change.record_type) else {
            continue;
        };
        match find_created(client, layout, &change).await? {
            Lookup::Found(id) => reconciled.push((
                change,
                UploadOutcome::Applied {
                    created_id: Some(id),
                },
            )),
            Lookup::NotFound => resend.push(change),
            Lookup::Cannot(reason) => reconciled.push((
                change,
                UploadOutcome::Refused {
                    code: "OUTCOME_UNKNOWN".into(),
                    message: reason,
                },
            )),
        }
    }
    if !reconciled.is_empty() {
        store.uploaded(layouts, &reconciled).await?;
        count(&reconciled);
    }

    for action in [
        LocalAction::Insert,
        LocalAction::Update,
        LocalAction::Delete,
    ] {
        // Read again after each step: creates give rows the ids their updates need.
        let mut changes: Vec<LocalChange> = store
            .pending(layouts)
            .await?
            .into_iter()
            .filter(|c| c.action == action)
            .collect();
        if action == LocalAction::Insert {
            changes.extend(std::mem::take(&mut resend));
        } else {
            // A change of a row that has no upstream id yet waits for its Create.
            changes.retain(|c| c.record_id.is_some());
        }
        for layout in layouts {
            let of_type: Vec<LocalChange> = changes
                .iter()
                .filter(|c| c.record_type == layout.record_type)
                .cloned()
                .collect();
            for batch in of_type.chunks(crate::soap::MAX_RECORDS_PER_REQUEST) {
                let results = send(client, store, layout, action, batch, partition).await?;
                count(&results);
                progress.advanced(batch.len() as u64);
            }
        }
    }
    Ok((applied, refused))
}

fn layout_of<'a>(layouts: &'a [TypeLayout], record_type: &str) -> Option<&'a TypeLayout> {
    layouts.iter().find(|l| l.record_type == record_type)
}

/// Sends one batch and records each record's outcome.
async fn send<S: Store>(
    client: &Client,
    store: &mut S,
    layout: &TypeLayout,
    action: LocalAction,
    batch: &[LocalChange],
    partition: u64,
) -> Result<Vec<(LocalChange, UploadOutcome)>, SyncError> {
    let records: Vec<AnyRecord> = batch.iter().map(|c| change_record(layout, c)).collect();
    let options = WriteOptions {
        partition: Some(partition),
        force: None,
    };
    let sent = match action {
        LocalAction::Insert => {
            store.creating(batch).await?;
            client.create_with(records, options).await
        }
        LocalAction::Update => client.update_with(records, options).await,
        LocalAction::Delete => client.delete_with(records, options).await,
    };
    let (results, failure) = match sent {
        Ok(results) => (results, None),
        Err(Error::BatchInterrupted { completed, source }) => {
            (BatchResults::new(completed), Some(*source))
        }
        Err(error) => return Err(error.into()),
    };
    let outcomes: Vec<(LocalChange, UploadOutcome)> = results
        .iter()
        .filter_map(|result| {
            let change = batch.get(result.index)?;
            Some((change.clone(), outcome(layout, result)))
        })
        .collect();
    store
        .uploaded(std::slice::from_ref(layout), &outcomes)
        .await?;
    match failure {
        Some(error) => Err(error.into()),
        None => Ok(outcomes),
    }
}

enum Lookup {
    Found(i64),
    NotFound,
    Cannot(String),
}

/// Looks up a record a Create may have made (Constituent: by PrimaryEmail, else MemberId).
async fn find_created(
    client: &Client,
    layout: &TypeLayout,
    change: &LocalChange,
) -> Result<Lookup, SyncError> {
    if layout.record_type != "Constituent" {
        return Ok(Lookup::Cannot(format!(
            "the Create of this {} may have been applied; no key to look it up by: check upstream, then delete or keep the row",
            layout.record_type
        )));
    }
    let value = |path: &str| {
        change
            .fields
            .iter()
            .find(|(p, _)| p == path)
            .and_then(|(_, v)| v.as_option().cloned())
    };
    let Some((field, key)) = value("PrimaryEmail")
        .map(|v| ("PrimaryEmail", v))
        .or_else(|| value("MemberId").map(|v| ("MemberId", v)))
    else {
        return Ok(Lookup::Cannot(
            "the Create may have been applied and the record has neither PrimaryEmail nor MemberId to look it up by".into(),
        ));
    };
    if key.contains('\'') {
        return Ok(Lookup::Cannot(format!(
            "the Create may have been applied; its {field} cannot be queried safely"
        )));
    }
    let mut pages = client.query(format!(
        "select ConsId from Constituent where {field} = '{key}'"
    ));
    let mut found = Vec::new();
    while let Some(records) = pages.next_page().await? {
        found.extend(records.iter().filter_map(|r| layout.record_id(r)));
    }
    Ok(match found.as_slice() {
        [] => Lookup::NotFound,
        [id] => Lookup::Found(*id),
        _ => Lookup::Cannot(format!(
            "the Create may have been applied; {} records have this {field}",
            found.len()
        )),
    })
}

/// The records of local changes, as the server takes them.
pub(crate) fn change_record(layout: &TypeLayout, change: &LocalChange) -> AnyRecord {
    let mut record = crate::DynamicRecord::new(layout.record_type.as_str());
    if let Some(id) = change.record_id {
        record.set(&layout.id_field, crate::Field::Value(id.to_string()));
    }
    for (path, value) in &change.fields {
        if *path == layout.id_field {
            continue;
        }
        if let Some((..)) = layout.list_of(path) {
            if let crate::Field::Value(value) = value {
                record.push(path, value.as_str());
            }
            continue;
        }
        record.set(path, value.clone());
    }
    if change.action == LocalAction::Insert
        && layout.record_type == "Constituent"
        && record.get("AcceptsEmail").is_absent()
    {
        // LWS 1.32 opts new constituents out unless told: say it, so nothing is implied.
        record.set("AcceptsEmail", crate::Field::Value("false"));
    }
    AnyRecord::Dynamic(record)
}

/// Outcome of one uploaded record, from its per-record result.
pub(crate) fn outcome(layout: &TypeLayout, result: &crate::soap::RecordResult) -> UploadOutcome {
    if result.is_ok() {
        let created_id = result
            .record
            .as_ref()
            .and_then(|record| layout.record_id(record));
        UploadOutcome::Applied { created_id }
    } else {
        UploadOutcome::Refused {
            code: result.code.to_string(),
            message: result.message.clone().unwrap_or_default(),
        }
    }
}
