//! Paged downloads: Query and GetIncrementalInserts/Updates/Deletes.

use futures_util::Stream;

use crate::error::Error;
use crate::generated::tns;
use crate::soap::client::{expect, Client, Replay};
use crate::soap::Body;
use crate::{AnyRecord, Text};

/// Largest page size the client asks for (the pagination reference caps downloads at 200).
pub const MAX_PAGE_SIZE: usize = 200;

/// Which GetIncremental* operation a [`Pages`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncrementalKind {
    /// GetIncrementalInserts.
    Inserts,
    /// GetIncrementalUpdates.
    Updates,
    /// GetIncrementalDeletes.
    Deletes,
}

#[derive(Debug, Clone)]
enum Source {
    Query {
        query: Text,
    },
    Incremental {
        kind: IncrementalKind,
        partition: usize,
        record_type: Text,
        fields: Vec<Text>,
        /// Whether `fields` are in the site schema's order yet.
        ordered: bool,
    },
}

/// Pages of records, fetched one request at a time: at most one page is held in memory.
///
/// Pages start at 1; the last page is the first one with fewer records than the page size.
/// Use [`next_page`](Self::next_page) in a loop, or [`into_stream`](Self::into_stream).
#[derive(Debug)]
pub struct Pages {
    client: Client,
    source: Source,
    page_size: usize,
    next_page: usize,
    done: bool,
}

impl Pages {
    pub(crate) fn query(client: Client, query: Text) -> Self {
        Pages {
            client,
            source: Source::Query { query },
            page_size: MAX_PAGE_SIZE,
            next_page: 1,
            done: false,
        }
    }

    pub(crate) fn incremental(
        client: Client,
        kind: IncrementalKind,
        partition: usize,
        record_type: Text,
        fields: Vec<Text>,
        ordered: bool,
    ) -> Self {
        Pages {
            client,
            source: Source::Incremental {
                kind,
                partition,
                record_type,
                fields,
                ordered,
            },
            page_size: MAX_PAGE_SIZE,
            next_page: 1,
            done: false,
        }
    }

    /// Records per request, 1 to 200 (default 200).
    pub fn page_size(mut self, size: usize) -> Result<Self, Error> {
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(Error::InvalidArgument(format!(
                "page size {size} is outside 1..={MAX_PAGE_SIZE}"
            )));
        }
        self.page_size = size;
        Ok(self)
    }

    /// Starts at this page instead of 1 (to resume an interrupted download).
    pub fn starting_at(mut self, page: usize) -> Self {
        self.next_page = page.max(1);
        self
    }

    /// The page the next call fetches.
    pub fn next_page_number(&self) -> usize {
        self.next_page
    }

    /// The next page, or `None` after the last one.
    pub async fn next_page(&mut self) -> Result<Option<Vec<AnyRecord>>, Error> {
        if self.done {
            return Ok(None);
        }
        if let Source::Incremental {
            record_type,
            fields,
            ordered,
            ..
        } = &mut self.source
        {
            if !*ordered {
                // The site's WSDL was still to download when the pages were made.
                self.client.ensure_site_schema().await?;
                *fields = crate::soap::site_schema::ordered_request_fields(
                    &self.client.site_schema(),
                    record_type,
                    fields.iter(),
                )?;
                *ordered = true;
            }
        }
        let (operation, body) = self.request();
        let body = self
            .client
            .call(operation, body, Replay::Idempotent)
            .await?;
        let records = expect(body, operation, |body| match body {
            Body::QueryResponse(r) => Some(r.record),
            Body::GetIncrementalInsertsResponse(r)
            | Body::GetIncrementalUpdatesResponse(r)
            | Body::GetIncrementalDeletesResponse(r) => Some(r.record),
            _ => None,
        })?;
        self.next_page += 1;
        if records.len() < self.page_size {
            self.done = true;
        }
        if records.is_empty() {
            return Ok(None);
        }
        Ok(Some(records))
    }

    /// The pages as a `Stream`, ending after the last page or the first error.
    pub fn into_stream(self) -> impl Stream<Item = Result<Vec<AnyRecord>, Error>> {
        futures_util::stream::unfold(Some(self), |state| async move {
            let mut pages = state?;
            match pages.next_page().await {
                Ok(Some(records)) => Some((Ok(records), Some(pages))),
                Ok(None) => None,
                Err(error) => Some((Err(error), None)),
            }
        })
    }

    fn request(&self) -> (&'static str, Body) {
        let page = self.next_page;
        let page_size = self.page_size;
        match &self.source {
            Source::Query { query } => (
                "Query",
                Body::Query(tns::QueryElementType {
                    query_string: query.clone(),
                    page: Some(page),
                    page_size: Some(page_size),
                    unknown: Default::default(),
                }),
            ),
            Source::Incremental {
                kind,
                partition,
                record_type,
                fields,
                ..
            } => {
                let request = tns::IncrementalRequestType {
                    partition_id: *partition,
                    record_type: record_type.clone(),
                    page,
                    page_size,
                    field: fields.clone(),
                    unknown: Default::default(),
                };
                match kind {
                    IncrementalKind::Inserts => (
                        "GetIncrementalInserts",
                        Body::GetIncrementalInserts(request),
                    ),
                    IncrementalKind::Updates => (
                        "GetIncrementalUpdates",
                        Body::GetIncrementalUpdates(request),
                    ),
                    IncrementalKind::Deletes => (
                        "GetIncrementalDeletes",
                        Body::GetIncrementalDeletes(request),
                    ),
                }
            }
        }
    }
}
