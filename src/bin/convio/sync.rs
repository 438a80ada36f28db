//! `convio sync`: the changes of a synchronization window, downloaded to NDJSON.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use convio::soap::{record_to_paths, Client, IncrementalKind, SyncOptions};

use crate::failure::{io_failure, usage, Failure};
use crate::output::row_json;

/// Where an interrupted sync stands, kept next to the output file.
#[derive(serde::Serialize, serde::Deserialize, Default)]
pub(crate) struct SyncPosition {
    sync_id: usize,
    /// 0 inserts, 1 updates, 2 deletes.
    phase: usize,
    next_page: usize,
    /// Bytes of the output that are complete pages.
    bytes: u64,
    records: u64,
}

pub(crate) async fn sync(
    client: &Client,
    out: &Path,
    record_type: &str,
    fields: &[String],
) -> Result<(), Failure> {
    let state_path = PathBuf::from(format!("{}.state", out.display()));
    let mut position: SyncPosition = match fs::read_to_string(&state_path) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| usage(format!("{}: {e}", state_path.display())))?,
        Err(_) => SyncPosition::default(),
    };
    if position.sync_id == 0 {
        let window = client.start_synchronization(SyncOptions::default()).await?;
        position = SyncPosition {
            sync_id: window.sync_id,
            phase: 0,
            next_page: 1,
            bytes: 0,
            records: 0,
        };
        File::create(out).map_err(io_failure)?;
        eprintln!(
            "synchronization {} opened: {} .. {}",
            window.sync_id, window.start, window.end
        );
    } else {
        eprintln!(
            "resuming synchronization {} at phase {} page {}",
            position.sync_id, position.phase, position.next_page
        );
    }
    // Drop anything written after the last complete page.
    let file = OpenOptions::new()
        .write(true)
        .open(out)
        .map_err(io_failure)?;
    file.set_len(position.bytes).map_err(io_failure)?;
    drop(file);
    let mut output = BufWriter::new(
        OpenOptions::new()
            .append(true)
            .open(out)
            .map_err(io_failure)?,
    );
    let progress = indicatif::ProgressBar::new_spinner();
    progress.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} records {msg} ({per_sec})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    progress.set_position(position.records);
    let started = std::time::Instant::now();
    let start_records = position.records;
    let phases = [
        (IncrementalKind::Inserts, "insert"),
        (IncrementalKind::Updates, "update"),
        (IncrementalKind::Deletes, "delete"),
    ];
    while position.phase < phases.len() {
        let (kind, label) = phases[position.phase];
        progress.set_message(format!("{label}s"));
        let pages = match kind {
            IncrementalKind::Inserts => client.incremental_inserts(record_type, fields),
            IncrementalKind::Updates => client.incremental_updates(record_type, fields),
            IncrementalKind::Deletes => client.incremental_deletes(record_type, fields),
        };
        let mut pages = pages?.starting_at(position.next_page);
        while let Some(records) = pages.next_page().await? {
            for record in &records {
                let line = serde_json::json!({ "change": label, "type": record.type_name(), "fields": row_json(&record_to_paths(record)?) });
                writeln!(output, "{line}").map_err(io_failure)?;
            }
            output.flush().map_err(io_failure)?;
            position.records += records.len() as u64;
            position.next_page = pages.next_page_number();
            position.bytes = fs::metadata(out).map_err(io_failure)?.len();
            save(&state_path, &position)?;
            progress.set_position(position.records);
        }
        position.phase += 1;
        position.next_page = 1;
        save(&state_path, &position)?;
    }
    client.end_synchronization(None).await?;
    fs::remove_file(&state_path).map_err(io_failure)?;
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let fetched = position.records - start_records;
    println!(
        "synchronization {} complete: {} records in {} ({:.0} records/s, {:.2} s)",
        position.sync_id,
        position.records,
        out.display(),
        fetched as f64 / seconds.max(1e-9),
        seconds
    );
    Ok(())
}

pub(crate) fn save(path: &Path, position: &SyncPosition) -> Result<(), Failure> {
    let text = serde_json::to_string(position).map_err(|e| usage(e.to_string()))?;
    fs::write(path, text).map_err(io_failure)
}
