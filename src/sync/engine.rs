//! The documented synchronization session as a state machine: StartSynchronization, upload
//! of local changes, GetIncrementalInserts / Updates / Deletes page by page (the next page is
//! fetched while the current one is applied), EndSynchronization.
//!
//! The engine always names the window's start itself (the end of the last window it applied,
//! kept by the store), so that ending a stray window, or starting over after a crash, can
//! never skip changes.

use tokio::sync::mpsc;

use super::layout::TypeLayout;
use super::run::{Progress, RunOptions, Summary, SyncError};
use super::store::{Checkpoint, Page, Position, Store, StoreError, SyncState, Window, WindowKey};
use super::upload;
use crate::error::Error;
use crate::soap::{Client, FaultKind, IncrementalKind, Pages, SyncOptions};
use crate::{AnyRecord, DateTime};

/// The start of the first window of a store: everything.
const BEGINNING: &str = "1970-01-01T00:00:00Z";

/// A synchronization of one site and partition into a store.
///
/// ```no_run
/// use convio::sync::{RunOptions, Synchronization, SqlStore, Quiet};
///
/// # async fn run(client: convio::soap::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let store = SqlStore::connect("sqlite:donors.db").await?;
/// let mut sync = Synchronization::new(client, store, 1001, &["Constituent"])?;
/// let summary = sync.run(&RunOptions::default(), &Quiet).await?;
/// println!("{} inserted, {} updated, {} deleted", summary.inserted, summary.updated, summary.deleted);
/// # Ok(()) }
/// ```
pub struct Synchronization<S: Store> {
    client: Client,
    store: S,
    key: WindowKey,
    layouts: Vec<TypeLayout>,
    /// Per record type, whether the server offers its inserts, updates and deletes
    /// (DescribeRecordType's SupportedOperations), asked once before the first download.
    offered: Option<Vec<[bool; 3]>>,
}

impl<S: Store> Synchronization<S> {
    /// A synchronization of `record_types` (in this order) of one partition, laid out by the
    /// client's record schema (bundled, or the site's: see
    /// [`ClientBuilder::wsdl_file`](crate::soap::ClientBuilder::wsdl_file)).
    pub fn new(
        client: Client,
        store: S,
        partition: u64,
        record_types: &[&str],
    ) -> Result<Self, SyncError> {
        let schema = client.site_schema();
        let layouts = record_types
            .iter()
            .map(|name| {
                TypeLayout::of(&schema, name).ok_or_else(|| {
                    SyncError::Plan(format!(
                        "record type `{name}` is not in the site's schema or has no id field"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let key = WindowKey {
            site: client.endpoint(),
            partition,
        };
        Ok(Synchronization {
            client,
            store,
            key,
            layouts,
            offered: None,
        })
    }

    /// The store (to inspect it after a run).
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Runs (or resumes) a synchronization: open or resume the window, upload local changes,
    /// download and apply every page, end the window.
    pub async fn run(
        &mut self,
        options: &RunOptions,
        progress: &dyn Progress,
    ) -> Result<Summary, SyncError> {
        // Nothing is asked of the server before the store is known to work.
        self.store.prepare(&self.layouts).await?;
        let mut state = self.store.load(&self.key).await?;
        if options.force {
            state.checkpoint = None;
        }
        let (window, mut uploaded, mut position) = match state.checkpoint.clone() {
            Some(Checkpoint::Open {
                window,
                uploaded,
                position,
            }) if self.window_is_open(&window).await? => (window, uploaded, Some(position)),
            Some(Checkpoint::Downloaded { window }) => (window, true, None),
            Some(Checkpoint::Open { window, .. }) => {
                tracing::warn!(sync_id = window.sync_id, "the checkpoint's window was ended elsewhere: starting a new one from the last window applied");
                state.checkpoint = None;
                let window = self.open_window(&mut state, options, false).await?;
                (window, false, Some(Position::START))
            }
            Some(Checkpoint::Starting) => {
                // A window may be open from a run that died before recording it: ending it
                // is safe, the new one starts where the last applied one ended.
                let window = self.open_window(&mut state, options, true).await?;
                (window, false, Some(Position::START))
            }
            None => {
                let window = self.open_window(&mut state, options, false).await?;
                (window, false, Some(Position::START))
            }
        };
        let mut summary = Summary {
            window_start: window.start.clone(),
            window_end: window.end.clone(),
            sync_id: window.sync_id,
            ..Summary::default()
        };
        if !uploaded {
            progress.phase("upload");
            let (done, refused) = upload::run(
                &self.client,
                &mut self.store,
                &self.layouts,
                self.key.partition,
                progress,
            )
            .await?;
            summary.uploaded = done;
            summary.refused = refused;
            uploaded = true;
            state.checkpoint = Some(Checkpoint::Open {
                window: window.clone(),
                uploaded,
                position: position.unwrap_or(Position::START),
            });
            self.store.save(&self.key, &state).await?;
        }
        while let Some(at) = position {
            position = self
                .download(&mut state, &window, at, &mut summary, progress)
                .await?;
        }
        state.checkpoint = Some(Checkpoint::Downloaded {
            window: window.clone(),
        });
        self.store.save(&self.key, &state).await?;
        match self
            .client
            .end_synchronization(Some(self.key.partition))
            .await
        {
            Ok(_) => {}
            // Ended already (a run that died after ending it): nothing is lost.
            Err(Error::Fault(fault)) if fault.kind == FaultKind::Synchronization => {}
            Err(error) => return Err(error.into()),
        }
        state.last_end = Some(window.end.clone());
        state.last_sync_id = Some(window.sync_id);
        state.checkpoint = None;
        self.store.save(&self.key, &state).await?;
        Ok(summary)
    }

    /// Ends the window open on the server for this partition, and forgets any checkpoint:
    /// the next run starts where the last applied window ended, so nothing is skipped.
    pub async fn end_window(&mut self) -> Result<Option<Window>, SyncError> {
        self.store.prepare(&self.layouts).await?;
        let mut state = self.store.load(&self.key).await?;
        let ended = match self
            .client
            .end_synchronization(Some(self.key.partition))
            .await
        {
            Ok(window) => Some(Window {
                sync_id: window.sync_id,
                start: window.start,
                end: window.end,
            }),
            Err(Error::Fault(fault)) if fault.kind == FaultKind::Synchronization => None,
            Err(error) => return Err(error.into()),
        };
        state.checkpoint = None;
        self.store.save(&self.key, &state).await?;
        Ok(ended)
    }

    /// Whether the server still has `window` open (a checkpoint naming a window the server
    /// does not know is refused: the state was not written by this store's runs).
    async fn window_is_open(&self, window: &Window) -> Result<bool, SyncError> {
        let log = self
            .client
            .synchronization_log(Some(self.key.partition), None, None)
            .await?;
        match log.iter().find(|entry| entry.sync_id == window.sync_id) {
            None => Err(StoreError::Mismatch {
                location: self.key.site.clone(),
                message: format!(
                    "the checkpoint names window {} of partition {}, which the server does not have",
                    window.sync_id, self.key.partition
                ),
            }
            .into()),
            Some(entry) => Ok(entry.completed != Some(true)),
        }
    }

    async fn open_window(
        &mut self,
        state: &mut SyncState,
        options: &RunOptions,
        may_end_stray: bool,
    ) -> Result<Window, SyncError> {
        state.checkpoint = Some(Checkpoint::Starting);
        self.store.save(&self.key, state).await?;
        let mut request = SyncOptions {
            partition: Some(self.key.partition),
            start: self.window_start(state, options).await?,
            end: None,
            force: options.force,
        };
        let opened = match self.client.start_synchronization(request.clone()).await {
            Err(Error::Fault(fault))
                if fault.kind == FaultKind::Synchronization && may_end_stray =>
            {
                tracing::info!(
                    partition = self.key.partition,
                    "ending the window a previous run opened but did not record"
                );
                self.client
                    .end_synchronization(Some(self.key.partition))
                    .await?;
                // The server's default start moved past the stray window: name ours.
                request.start = self.window_start(state, options).await?;
                self.client.start_synchronization(request).await
            }
            other => other,
        };
        let window = match opened {
            Ok(window) => Window {
                sync_id: window.sync_id,
                start: window.start,
                end: window.end,
            },
            Err(Error::Fault(fault)) if fault.kind == FaultKind::Synchronization => {
                // Not ours: nothing of it is recorded, so the next run is not blocked by us.
                state.checkpoint = None;
                self.store.save(&self.key, state).await?;
                return Err(SyncError::WindowOpen {
                    site: self.key.site.clone(),
                    partition: self.key.partition,
                    message: fault.message,
                });
            }
            Err(error) => {
                // The request may have opened a window: the next run ends it if so.
                return Err(error.into());
            }
        };
        state.checkpoint = Some(Checkpoint::Open {
            window: window.clone(),
            uploaded: false,
            position: Position::START,
        });
        self.store.save(&self.key, state).await?;
        Ok(window)
    }

    /// Where the next window starts: `--since`; the beginning of time for a store that never
    /// synchronized; else the server's default (the end of the
    /// last successful window) when that is the last window this store applied; else the end
    /// of the last window this store applied (after a window was ended elsewhere, or a stray
    /// one ended, the server's default would skip changes this store never received).
    async fn window_start(
        &self,
        state: &SyncState,
        options: &RunOptions,
    ) -> Result<Option<DateTime>, SyncError> {
        if let Some(since) = &options.since {
            return Ok(Some(since.clone()));
        }
        let Some(last_end) = &state.last_end else {
            // A store that never synchronized wants everything, whatever windows this API
            // user ended before (for another store, say).
            return Ok(Some(DateTime::new(BEGINNING)));
        };
        let latest_completed = self
            .client
            .synchronization_log(Some(self.key.partition), None, None)
            .await?
            .iter()
            .filter(|entry| entry.completed == Some(true))
            .map(|entry| entry.sync_id)
            .max();
        if latest_completed.is_some() && latest_completed == state.last_sync_id {
            Ok(None)
        } else {
            Ok(Some(last_end.clone()))
        }
    }

    /// Downloads from `at` to the end of that (type, kind), applying every page with its
    /// checkpoint; returns the next position, `None` after the last.
    async fn download(
        &mut self,
        state: &mut SyncState,
        window: &Window,
        at: Position,
        summary: &mut Summary,
        progress: &dyn Progress,
    ) -> Result<Option<Position>, SyncError> {
        let offered = self.offered().await?[at.record_type][usize::from(at.kind.min(2))];
        let layout = &self.layouts[at.record_type];
        let kind = at.incremental_kind();
        if offered {
            progress.phase(&format!("{} {}", layout.record_type, kind_label(kind)));
            self.download_pages(state, window, at, summary, progress)
                .await?;
        }
        let following = if at.kind < 2 {
            Some(Position {
                kind: at.kind + 1,
                next_page: 1,
                ..at
            })
        } else if at.record_type + 1 < self.layouts.len() {
            Some(Position {
                record_type: at.record_type + 1,
                ..Position::START
            })
        } else {
            None
        };
        state.checkpoint = Some(Checkpoint::Open {
            window: window.clone(),
            uploaded: true,
            position: following.unwrap_or(Position { kind: 3, ..at }),
        });
        self.store.save(&self.key, state).await?;
        Ok(following)
    }

    /// The downloads the server offers for each record type of the plan. A type the server
    /// cannot describe, or whose description leaves an operation out, is downloaded whole:
    /// the documented types that offer fewer (ActionAlertResponse: inserts only) say so.
    async fn offered(&mut self) -> Result<&[[bool; 3]], SyncError> {
        if self.offered.is_none() {
            let mut offered = Vec::with_capacity(self.layouts.len());
            for layout in &self.layouts {
                let operations = match self
                    .client
                    .describe_record_type(layout.record_type.as_str())
                    .await
                {
                    Ok(description) => description.supported_operations,
                    Err(Error::Fault(fault)) => {
                        tracing::warn!(record_type = %layout.record_type, %fault, "DescribeRecordType refused: downloading inserts, updates and deletes");
                        None
                    }
                    Err(error) => return Err(error.into()),
                };
                let says = |supported: Option<bool>| supported.unwrap_or(true);
                offered.push(match operations {
                    Some(ops) => [
                        says(ops.get_incremental_inserts),
                        says(ops.get_incremental_updates),
                        says(ops.get_incremental_deletes),
                    ],
                    None => [true; 3],
                });
            }
            self.offered = Some(offered);
        }
        Ok(self.offered.as_deref().unwrap_or_default())
    }

    /// Downloads the pages of one (type, kind) from `at`, applying each with its checkpoint.
    async fn download_pages(
        &mut self,
        state: &mut SyncState,
        window: &Window,
        at: Position,
        summary: &mut Summary,
        progress: &dyn Progress,
    ) -> Result<(), SyncError> {
        let layout = &self.layouts[at.record_type];
        let kind = at.incremental_kind();
        let schema = self.client.site_schema();
        let fields = match kind {
            // A delete needs the id only.
            IncrementalKind::Deletes => vec![crate::Text::from(layout.id_field.as_str())],
            _ => layout.request_fields(&schema),
        };
        let pages = match kind {
            IncrementalKind::Inserts => self
                .client
                .incremental_inserts(&layout.record_type, &fields),
            IncrementalKind::Updates => self
                .client
                .incremental_updates(&layout.record_type, &fields),
            IncrementalKind::Deletes => self
                .client
                .incremental_deletes(&layout.record_type, &fields),
        }?
        .starting_at(at.next_page)
        // The server prepares the next pages while this one is decoded and applied.
        .read_ahead(READ_AHEAD);
        let mut pages = prefetch(pages);
        while let Some(fetched) = pages.recv().await {
            let (records, next_page) = fetched?;
            let next = Position { next_page, ..at };
            state.checkpoint = Some(Checkpoint::Open {
                window: window.clone(),
                uploaded: true,
                position: next,
            });
            let page = Page {
                layout: &self.layouts[at.record_type],
                kind,
                records: &records,
            };
            self.store.apply(&self.key, page, state).await?;
            let count = records.len() as u64;
            match kind {
                IncrementalKind::Inserts => summary.inserted += count,
                IncrementalKind::Updates => summary.updated += count,
                IncrementalKind::Deletes => summary.deleted += count,
            }
            progress.advanced(count);
        }
        Ok(())
    }
}

/// Requests a download keeps in flight beyond the page it waits for.
const READ_AHEAD: usize = 2;

fn kind_label(kind: IncrementalKind) -> &'static str {
    match kind {
        IncrementalKind::Inserts => "inserts",
        IncrementalKind::Updates => "updates",
        IncrementalKind::Deletes => "deletes",
    }
}

/// Fetches pages in a task, one ahead of the consumer: each with the number of the page that
/// follows it.
fn prefetch(mut pages: Pages) -> mpsc::Receiver<Result<(Vec<AnyRecord>, u64), Error>> {
    let (sender, receiver) = mpsc::channel(1);
    tokio::spawn(async move {
        loop {
            let fetched = pages.next_page().await;
            let message = match fetched {
                Ok(Some(records)) => Ok((records, pages.next_page_number())),
                Ok(None) => break,
                Err(error) => Err(error),
            };
            let failed = message.is_err();
            if sender.send(message).await.is_err() || failed {
                break;
            }
        }
    });
    receiver
}
