//! The SOAP operations, as methods of [`Client`]: server time, writes split into requests of
//! 50 records, queries and synchronization downloads as pages, record type descriptions.

use crate::error::Error;
use crate::error::{FaultKind, RecordResult};
use crate::generated::tns;
use crate::schema::Schema;
use crate::soap::call::{expect, Client, Replay};
use crate::soap::pages::{IncrementalKind, Pages};
use crate::soap::results::BatchResults;
use crate::soap::site_schema::{ordered_request_fields, prepare_dynamic};
use crate::soap::Body;
use crate::{AnyRecord, DateTime, Text};

/// Most records one Create, Update or Delete request may carry.
pub const MAX_RECORDS_PER_REQUEST: usize = 50;

/// Options of a write (Create, Update, Delete, Add/RemoveRelationships).
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct WriteOptions {
    /// Partition of the synchronization context; the client's default when `None`.
    pub partition: Option<u64>,
    /// Override synchronization collision detection (Update, Delete, relationships).
    pub force: Option<bool>,
}

impl WriteOptions {
    /// The partition of the write (the client's default otherwise).
    ///
    /// ```
    /// let options = convio::soap::WriteOptions::default().partition(1001).force(true);
    /// # let _ = options;
    /// ```
    pub fn partition(mut self, value: u64) -> Self {
        self.partition = Some(value);
        self
    }

    /// Overrides synchronization collision detection.
    pub fn force(mut self, value: bool) -> Self {
        self.force = Some(value);
        self
    }
}

/// Options of StartSynchronization.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SyncOptions {
    /// Partition to synchronize; the client's default when `None`.
    pub partition: Option<u64>,
    /// Window start; the server defaults to where the last successful window ended.
    pub start: Option<DateTime>,
    /// Window end; the server defaults to now.
    pub end: Option<DateTime>,
    /// Open a new window even though one is active for this user and partition.
    pub force: bool,
}

impl SyncOptions {
    /// The partition to synchronize.
    ///
    /// ```
    /// let options = convio::soap::SyncOptions::default().partition(1001).start("2026-11-01T00:00:00Z");
    /// # let _ = options;
    /// ```
    pub fn partition(mut self, value: u64) -> Self {
        self.partition = Some(value);
        self
    }

    /// The window start (`xs:dateTime`).
    pub fn start(mut self, value: impl Into<DateTime>) -> Self {
        self.start = Some(value.into());
        self
    }

    /// The window end (`xs:dateTime`).
    pub fn end(mut self, value: impl Into<DateTime>) -> Self {
        self.end = Some(value.into());
        self
    }

    /// Opens a new window even though one is active.
    pub fn force(mut self, value: bool) -> Self {
        self.force = value;
        self
    }
}

impl Client {
    /// The server's clock (`xs:dateTime`), to compare with ours before a sync.
    pub async fn get_server_time(&self) -> Result<DateTime, Error> {
        let body = self
            .call(
                "GetServerTime",
                Body::GetServerTime(tns::GetServerTimeElementType),
                Replay::Idempotent,
            )
            .await?;
        expect(body, "GetServerTime", |b| match b {
            Body::GetServerTimeResponse(r) => Some(r.result.time),
            _ => None,
        })
    }

    /// Creates records; results in input order. Inputs over 50 records are sent as several
    /// requests. Never replayed when the outcome is unknown ([`Error::OutcomeUnknown`]).
    ///
    /// New constituents are opted out of email unless `AcceptsEmail` is `true` (LWS 1.32);
    /// set it explicitly, e.g. with [`NewConstituent`](crate::soap::NewConstituent).
    pub async fn create(
        &self,
        records: impl IntoIterator<Item = AnyRecord>,
    ) -> Result<BatchResults, Error> {
        self.create_with(records, WriteOptions::default()).await
    }

    /// [`create`](Self::create) with explicit options.
    pub async fn create_with(
        &self,
        records: impl IntoIterator<Item = AnyRecord>,
        options: WriteOptions,
    ) -> Result<BatchResults, Error> {
        let partition = self.partition_or(options.partition);
        self.write_batch("Create", records, Replay::Never, |record| {
            Body::Create(tns::CreateElementType {
                partition_id: partition,
                record,
                unknown: Default::default(),
            })
        })
        .await
    }

    /// Updates records located by ConsId, else MemberId, else PrimaryEmail.
    pub async fn update(
        &self,
        records: impl IntoIterator<Item = AnyRecord>,
    ) -> Result<BatchResults, Error> {
        self.update_with(records, WriteOptions::default()).await
    }

    /// [`update`](Self::update) with explicit options.
    pub async fn update_with(
        &self,
        records: impl IntoIterator<Item = AnyRecord>,
        options: WriteOptions,
    ) -> Result<BatchResults, Error> {
        let partition = self.partition_or(options.partition);
        self.write_batch("Update", records, Replay::Idempotent, |record| {
            Body::Update(tns::UpdateElementType {
                partition_id: partition,
                force: options.force,
                record,
                unknown: Default::default(),
            })
        })
        .await
    }

    /// Deletes records located by ConsId, MemberId or PrimaryEmail.
    pub async fn delete(
        &self,
        records: impl IntoIterator<Item = AnyRecord>,
    ) -> Result<BatchResults, Error> {
        self.delete_with(records, WriteOptions::default()).await
    }

    /// [`delete`](Self::delete) with explicit options.
    pub async fn delete_with(
        &self,
        records: impl IntoIterator<Item = AnyRecord>,
        options: WriteOptions,
    ) -> Result<BatchResults, Error> {
        let partition = self.partition_or(options.partition);
        self.write_batch("Delete", records, Replay::Idempotent, |record| {
            Body::Delete(tns::DeleteElementType {
                partition_id: partition,
                force: options.force,
                record,
                unknown: Default::default(),
            })
        })
        .await
    }

    /// Adds center, group and interest memberships (CenterId, GroupId, InterestId fields).
    pub async fn add_relationships(
        &self,
        records: impl IntoIterator<Item = AnyRecord>,
        options: WriteOptions,
    ) -> Result<BatchResults, Error> {
        let partition = self.partition_or(options.partition);
        self.write_batch("AddRelationships", records, Replay::Idempotent, |record| {
            Body::AddRelationships(tns::RecordBatchType {
                partition_id: partition,
                force: options.force,
                record,
                unknown: Default::default(),
            })
        })
        .await
    }

    /// Removes center, group and interest memberships.
    pub async fn remove_relationships(
        &self,
        records: impl IntoIterator<Item = AnyRecord>,
        options: WriteOptions,
    ) -> Result<BatchResults, Error> {
        let partition = self.partition_or(options.partition);
        self.write_batch(
            "RemoveRelationships",
            records,
            Replay::Idempotent,
            |record| {
                Body::RemoveRelationships(tns::RecordBatchType {
                    partition_id: partition,
                    force: options.force,
                    record,
                    unknown: Default::default(),
                })
            },
        )
        .await
    }

    /// Pages of a `select ... from ... [where ...]` query.
    ///
    /// ```no_run
    /// # async fn run(client: convio::soap::Client) -> Result<(), convio::Error> {
    /// let mut pages = client.query("select ConsId, ConsName from Constituent").page_size(200)?;
    /// while let Some(records) = pages.next_page().await? {
    ///     for record in records {
    ///         println!("{record:?}");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn query(&self, query: impl Into<Text>) -> Pages {
        Pages::query(self.clone(), query.into())
    }

    /// Metadata of a record type (fields, writability, wildcard flags).
    pub async fn describe_record_type(
        &self,
        record_type: impl Into<Text>,
    ) -> Result<tns::RecordTypeDescriptionType, Error> {
        let body = Body::DescribeRecordType(tns::DescribeRecordTypeElementType {
            record_type: record_type.into(),
            parent_type: None,
            parent_field: None,
            unknown: Default::default(),
        });
        let body = self
            .call("DescribeRecordType", body, Replay::Idempotent)
            .await?;
        expect(body, "DescribeRecordType", |b| match b {
            Body::DescribeRecordTypeResponse(r) => Some(r.result),
            _ => None,
        })
    }

    /// The record types the site supports.
    pub async fn list_record_types(&self) -> Result<Vec<Text>, Error> {
        let body = self
            .call(
                "ListRecordTypes",
                Body::ListRecordTypes(tns::ListRecordTypesElementType),
                Replay::Idempotent,
            )
            .await?;
        expect(body, "ListRecordTypes", |b| match b {
            Body::ListRecordTypesResponse(r) => Some(r.record_type),
            _ => None,
        })
    }

    /// Opens a synchronization window for a partition.
    pub async fn start_synchronization(
        &self,
        options: SyncOptions,
    ) -> Result<tns::SynchronizationWindowType, Error> {
        let partition_id = self.required_partition(options.partition)?;
        let body = Body::StartSynchronization(tns::StartSynchronizationElementType {
            partition_id,
            start: options.start,
            end: options.end,
            force: options.force.then_some(true),
            unknown: Default::default(),
        });
        let body = self
            .call("StartSynchronization", body, Replay::Never)
            .await
            .map_err(open_window_fault)?;
        expect(body, "StartSynchronization", |b| match b {
            Body::StartSynchronizationResponse(r) => Some(r.result),
            _ => None,
        })
    }

    /// Closes the active synchronization window of a partition.
    pub async fn end_synchronization(
        &self,
        partition: Option<u64>,
    ) -> Result<tns::SynchronizationWindowType, Error> {
        let partition_id = self.required_partition(partition)?;
        let body = Body::EndSynchronization(tns::EndSynchronizationElementType {
            partition_id,
            unknown: Default::default(),
        });
        let body = self.call("EndSynchronization", body, Replay::Never).await?;
        expect(body, "EndSynchronization", |b| match b {
            Body::EndSynchronizationResponse(r) => Some(r.result),
            _ => None,
        })
    }

    /// How many records of `record_type` a download of the active window returns
    /// (GetIncrementalInsertsCount, GetIncrementalUpdatesCount, GetIncrementalDeletesCount),
    /// for progress and planning before paging.
    ///
    /// ```no_run
    /// # async fn run(client: convio::soap::Client) -> Result<(), convio::Error> {
    /// use convio::soap::IncrementalKind;
    ///
    /// let inserts = client.incremental_count(IncrementalKind::Inserts, "Constituent").await?;
    /// println!("{inserts} new constituents to download");
    /// # Ok(()) }
    /// ```
    pub async fn incremental_count(
        &self,
        kind: IncrementalKind,
        record_type: &str,
    ) -> Result<u64, Error> {
        let request = tns::IncrementalCountRequestType {
            partition_id: self.required_partition(None)?,
            record_type: Text::from(record_type),
            page: None,
            page_size: None,
            unknown: Default::default(),
        };
        let (operation, body) = match kind {
            IncrementalKind::Inserts => (
                "GetIncrementalInsertsCount",
                Body::GetIncrementalInsertsCount(request),
            ),
            IncrementalKind::Updates => (
                "GetIncrementalUpdatesCount",
                Body::GetIncrementalUpdatesCount(request),
            ),
            IncrementalKind::Deletes => (
                "GetIncrementalDeletesCount",
                Body::GetIncrementalDeletesCount(request),
            ),
        };
        let body = self.call(operation, body, Replay::Idempotent).await?;
        expect(body, operation, |b| match b {
            Body::GetIncrementalInsertsCountResponse(r)
            | Body::GetIncrementalUpdatesCountResponse(r)
            | Body::GetIncrementalDeletesCountResponse(r) => r
                .record_count
                .or_else(|| r.result.map(|result| result.record_count)),
            _ => None,
        })
    }

    /// Pages of records added to the partition in the active window. `fields` may be in any
    /// order: they are sent in schema order, as the server requires.
    pub fn incremental_inserts<I, S>(&self, record_type: &str, fields: I) -> Result<Pages, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.incremental(IncrementalKind::Inserts, record_type, fields)
    }

    /// Pages of records updated in the active window.
    pub fn incremental_updates<I, S>(&self, record_type: &str, fields: I) -> Result<Pages, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.incremental(IncrementalKind::Updates, record_type, fields)
    }

    /// Pages of records removed from the partition in the active window.
    pub fn incremental_deletes<I, S>(&self, record_type: &str, fields: I) -> Result<Pages, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.incremental(IncrementalKind::Deletes, record_type, fields)
    }

    fn incremental<I, S>(
        &self,
        kind: IncrementalKind,
        record_type: &str,
        fields: I,
    ) -> Result<Pages, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let partition = self.required_partition(None)?;
        let fields: Vec<Text> = fields
            .into_iter()
            .map(|f| Text::from(f.as_ref().trim()))
            .collect();
        // Checked now when the schema is final; with a WSDL still to download, the fields
        // are ordered by the site's schema before the first request.
        let pending = self.site_schema_pending();
        let fields = if pending {
            fields
        } else {
            ordered_request_fields(&self.site_schema(), record_type, &fields)?
        };
        Ok(Pages::incremental(
            self.clone(),
            kind,
            partition,
            record_type.into(),
            fields,
            !pending,
        ))
    }

    /// The requests made during a synchronization (kept 90 days).
    pub async fn synchronization_request_log(
        &self,
        sync_id: u64,
    ) -> Result<Vec<tns::RecordQueryRequestType>, Error> {
        let body =
            Body::GetSynchronizationRequestLog(tns::GetSynchronizationRequestLogElementType {
                sync_id: sync_id.to_string().into(),
                unknown: Default::default(),
            });
        let body = self
            .call("GetSynchronizationRequestLog", body, Replay::Idempotent)
            .await?;
        expect(body, "GetSynchronizationRequestLog", |b| match b {
            Body::GetSynchronizationRequestLogResponse(r) => Some(r.record_request),
            _ => None,
        })
    }

    /// The synchronizations of a partition overlapping a time range.
    pub async fn synchronization_log(
        &self,
        partition: Option<u64>,
        start: Option<DateTime>,
        end: Option<DateTime>,
    ) -> Result<Vec<tns::SynchronizationLogEntryType>, Error> {
        let partition_id = self.required_partition(partition)?;
        let body = Body::GetSynchronizationLog(tns::GetSynchronizationLogElementType {
            partition_id,
            start,
            end,
            unknown: Default::default(),
        });
        let body = self
            .call("GetSynchronizationLog", body, Replay::Idempotent)
            .await?;
        expect(body, "GetSynchronizationLog", |b| match b {
            Body::GetSynchronizationLogResponse(r) => Some(r.result),
            _ => None,
        })
    }

    async fn write_batch(
        &self,
        operation: &'static str,
        records: impl IntoIterator<Item = AnyRecord>,
        replay: Replay,
        make_body: impl Fn(Vec<AnyRecord>) -> Body,
    ) -> Result<BatchResults, Error> {
        let mut records: Vec<AnyRecord> = records.into_iter().collect();
        if records.iter().any(|r| matches!(r, AnyRecord::Dynamic(_))) {
            self.ensure_site_schema().await?;
            let schema = self.site_schema();
            for record in &mut records {
                if let AnyRecord::Dynamic(record) = record {
                    prepare_dynamic(&schema, record)?;
                }
            }
        }
        let mut completed: Vec<RecordResult> = Vec::with_capacity(records.len());
        let mut records = records.into_iter().peekable();
        while records.peek().is_some() {
            let chunk: Vec<AnyRecord> = records.by_ref().take(MAX_RECORDS_PER_REQUEST).collect();
            let sent = chunk.len();
            let outcome = self
                .call(operation, make_body(chunk), replay)
                .await
                .and_then(|body| {
                    let results = expect(body, operation, batch_results)?;
                    if results.len() != sent {
                        return Err(Error::ResultCountMismatch {
                            operation,
                            sent,
                            received: results.len(),
                        });
                    }
                    Ok(results)
                });
            match outcome {
                Ok(results) => {
                    let offset = completed.len();
                    completed.extend(
                        results
                            .into_iter()
                            .enumerate()
                            .map(|(i, r)| RecordResult::from_wire(offset + i, r)),
                    );
                }
                Err(error) if completed.is_empty() => return Err(error),
                Err(error) => {
                    return Err(Error::BatchInterrupted {
                        completed,
                        source: Box::new(error),
                    })
                }
            }
        }
        Ok(BatchResults::new(completed))
    }
}

fn batch_results(body: Body) -> Option<Vec<tns::RecordResultType>> {
    match body {
        Body::CreateResponse(r) => Some(r.result),
        Body::UpdateResponse(r) => Some(r.result),
        Body::DeleteResponse(r) => Some(r.result),
        Body::AddRelationshipsResponse(r) | Body::RemoveRelationshipsResponse(r) => Some(r.result),
        _ => None,
    }
}

/// Puts requested fields into the bundled schema's order (required by GetIncremental*),
/// refusing fields it does not declare for the record type. A client with a site's schema
/// orders by that one (see [`ClientBuilder::wsdl`](crate::soap::ClientBuilder::wsdl)).
///
/// ```
/// let ordered = convio::soap::schema_ordered_fields("Constituent", ["PrimaryEmail", "ConsName.MiddleName", "ConsId"]).unwrap();
/// let ordered: Vec<&str> = ordered.iter().map(|f| f.as_str()).collect();
/// assert_eq!(ordered, ["ConsId", "ConsName.MiddleName", "PrimaryEmail"]);
/// assert!(convio::soap::schema_ordered_fields("Constituent", ["NoSuchField"]).is_err());
/// ```
pub fn schema_ordered_fields<I, S>(record_type: &str, fields: I) -> Result<Vec<Text>, Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    ordered_request_fields(&Schema::generated(), record_type, fields)
}

/// On StartSynchronization, a `CLIENT` fault is what public client code written against the
/// live service sees when a window is already open (and answers with EndSynchronization):
/// it is a synchronization fault.
fn open_window_fault(error: Error) -> Error {
    match error {
        Error::Fault(mut fault) if matches!(&fault.kind, FaultKind::Other(code) if code.eq_ignore_ascii_case("CLIENT")) =>
        {
            fault.kind = FaultKind::Synchronization;
            Error::Fault(fault)
        }
        other => other,
    }
}
