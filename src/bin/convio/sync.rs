//! `convio sync`: a synchronization window, two ways, into a database (`--db`) or a log of
//! changes (`--out`).

use std::path::PathBuf;

use clap::Args;
use convio::sync::{
    NdjsonStore, Progress, RunOptions, SqlStore, Store, StoreError, Summary, SyncError,
    Synchronization,
};
use serde_json::json;

use crate::connection::{connect, Connection};
use crate::failure::{usage, Failure};
use crate::output::{json_terminal_safe, terminal_safe};

#[derive(Args)]
pub(crate) struct SyncArgs {
    #[command(flatten)]
    connection: Connection,
    /// Database to keep in step: `sqlite:PATH` (created if missing) or
    /// `postgres://USER:PASSWORD@HOST/DATABASE` [env: CONVIO_DB].
    #[arg(
        long,
        env = "CONVIO_DB",
        hide_env_values = true,
        conflicts_with = "out"
    )]
    db: Option<String>,
    /// Instead of a database: append the changes to this file, one JSON object per line
    /// (`FILE.state` keeps the position).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Record types to download, in order (repeatable or comma-separated).
    #[arg(
        long = "record-type",
        value_delimiter = ',',
        default_value = "Constituent"
    )]
    record_types: Vec<String>,
    /// Open a new window although one is open on the server (the open one is left for audit).
    #[arg(long)]
    force: bool,
    /// End the window open on the server (and forget any checkpoint), then stop.
    #[arg(long, conflicts_with = "force")]
    end: bool,
    /// Start the window at this `xs:dateTime` instead of where the last one applied ended.
    #[arg(long, value_name = "DATETIME")]
    since: Option<String>,
    /// Print a JSON summary as the last line of standard output.
    #[arg(long)]
    json: bool,
}

/// A progress bar per phase, on standard error.
struct Bar(indicatif::ProgressBar);

impl Bar {
    fn new(partition: u64) -> Self {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{{spinner}} partition {partition}: {{msg}} {{pos}} records ({{per_sec}})"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        Bar(bar)
    }
}

impl Progress for Bar {
    fn phase(&self, name: &str) {
        self.0.set_position(0);
        self.0.set_message(name.to_string());
    }

    fn advanced(&self, records: u64) {
        self.0.inc(records);
    }
}

fn failure(error: SyncError) -> Failure {
    match error {
        SyncError::Api(error) => Failure::from(error),
        other => {
            // A state that does not match, or a store that cannot be used: nothing was done.
            let refused_before_starting = matches!(
                other,
                SyncError::Store(StoreError::Mismatch { .. } | StoreError::Unavailable { .. })
                    | SyncError::Plan(_)
            );
            Failure {
                status: if refused_before_starting { 2 } else { 1 },
                message: other.to_string(),
            }
        }
    }
}

pub(crate) async fn sync(args: SyncArgs) -> Result<(), Failure> {
    if args.db.is_none() && args.out.is_none() {
        return Err(usage(
            "give --db sqlite:PATH (or postgres://...) or --out FILE to say where the records go",
        ));
    }
    // The store is checked before anything is asked of the server.
    let partitions = args.connection.partitions.clone();
    let record_types: Vec<&str> = args.record_types.iter().map(String::as_str).collect();
    let mut options = RunOptions::default().force(args.force);
    if let Some(since) = &args.since {
        options = options.since(since.as_str());
    }
    let (client, _emulator) = connect(&args.connection).await?;
    let mut summaries = Vec::new();
    match (&args.db, &args.out) {
        (Some(url), _) => {
            let store = SqlStore::connect(url)
                .await
                .map_err(|e| failure(e.into()))?;
            // Each partition with its own window and checkpoint, concurrently.
            let runs = partitions.iter().map(|&partition| {
                let store = store.clone();
                let client = client.clone();
                let record_types = record_types.clone();
                let options = options.clone();
                let end = args.end;
                async move {
                    let mut sync = Synchronization::new(client, store, partition, &record_types)
                        .map_err(failure)?;
                    run_one(&mut sync, partition, &options, end).await
                }
            });
            for outcome in futures_util::future::join_all(runs).await {
                summaries.extend(outcome?);
            }
        }
        (None, Some(out)) => {
            for &partition in &partitions {
                let mut sync = Synchronization::new(
                    client.clone(),
                    NdjsonStore::new(out),
                    partition,
                    &record_types,
                )
                .map_err(failure)?;
                summaries.extend(run_one(&mut sync, partition, &options, args.end).await?);
            }
        }
        (None, None) => unreachable!("checked above"),
    }
    report(&summaries, args.json);
    Ok(())
}

async fn run_one<S: Store>(
    sync: &mut Synchronization<S>,
    partition: u64,
    options: &RunOptions,
    end: bool,
) -> Result<Option<(u64, Summary)>, Failure> {
    if end {
        match sync.end_window().await.map_err(failure)? {
            Some(window) => eprintln!(
                "partition {partition}: window {} ({} .. {}) ended",
                window.sync_id,
                terminal_safe(&window.start),
                terminal_safe(&window.end)
            ),
            None => eprintln!("partition {partition}: no window was open"),
        }
        return Ok(None);
    }
    let bar = Bar::new(partition);
    let summary = sync.run(options, &bar).await.map_err(failure)?;
    bar.0.finish_and_clear();
    Ok(Some((partition, summary)))
}

fn report(summaries: &[(u64, Summary)], as_json: bool) {
    for (partition, s) in summaries {
        eprintln!(
            "partition {partition}: window {} ({} .. {}): {} inserted, {} updated, {} deleted; {} uploaded, {} refused",
            s.sync_id,
            terminal_safe(&s.window_start),
            terminal_safe(&s.window_end),
            s.inserted,
            s.updated,
            s.deleted,
            s.uploaded,
            s.refused
        );
    }
    if !as_json || summaries.is_empty() {
        return;
    }
    let total = |f: fn(&Summary) -> u64| summaries.iter().map(|(_, s)| f(s)).sum::<u64>();
    let (_, first) = &summaries[0];
    let windows: Vec<serde_json::Value> = summaries
        .iter()
        .map(|(partition, s)| {
            json!({
                "partition": partition,
                "sync_id": s.sync_id,
                "window_start": s.window_start,
                "window_end": s.window_end,
                "inserted": s.inserted,
                "updated": s.updated,
                "deleted": s.deleted,
                "uploaded": s.uploaded,
                "refused": s.refused,
            })
        })
        .collect();
    let line = json!({
        "inserted": total(|s| s.inserted),
        "updated": total(|s| s.updated),
        "deleted": total(|s| s.deleted),
        "uploaded": total(|s| s.uploaded),
        "refused": total(|s| s.refused),
        "window_start": first.window_start,
        "window_end": first.window_end,
        "sync_id": first.sync_id,
        "partitions": windows,
    });
    println!("{}", json_terminal_safe(&line.to_string()));
}
