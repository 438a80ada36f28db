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
///
/// Two guards keep a misbehaving server from making the stream endless:
/// - **A repeated page** is an error ([`Error::RepeatedPage`], naming the page): a page whose
///   records are, by record type and id (ConsId, TransactionId, a site type's id field), exactly
///   those of the page before — a server that ignores the page number and answers every
///   request with the same full page. Pages whose records carry no id (a query selecting only,
///   say, `AcceptsEmail`) may legitimately be equal and are not compared.
/// - **A page limit** ([`max_pages`](Self::max_pages), or the client's
///   [`ClientBuilder::max_pages`](crate::soap::ClientBuilder::max_pages)): after that many
///   pages, a stream whose last page was full stops with [`Error::PageLimit`] instead of
///   asking for more.
#[derive(Debug)]
pub struct Pages {
    client: Client,
    source: Source,
    page_size: usize,
    next_page: usize,
    done: bool,
    /// Pages fetched so far by this stream.
    fetched: usize,
    max_pages: Option<usize>,
    /// The record keys of the last page, when every record on it had an id.
    previous: Option<Vec<(Text, String)>>,
}

impl Pages {
    pub(crate) fn query(client: Client, query: Text) -> Self {
        Pages {
            max_pages: client.max_pages(),
            client,
            source: Source::Query { query },
            page_size: MAX_PAGE_SIZE,
            next_page: 1,
            done: false,
            fetched: 0,
            previous: None,
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
            max_pages: client.max_pages(),
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
            fetched: 0,
            previous: None,
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

    /// Stops after `limit` pages (counted from where this stream started) with
    /// [`Error::PageLimit`] when the last of them was full, instead of asking for more; the
    /// default is the client's ([`ClientBuilder::max_pages`](crate::soap::ClientBuilder::max_pages)),
    /// unlimited unless set there.
    ///
    /// ```
    /// # let client = convio::soap::Client::builder()
    /// #     .endpoint("https://webservices.cluster2.convio.net/1.0/mysite")
    /// #     .credentials("apiuser", "secret")
    /// #     .build()
    /// #     .unwrap();
    /// let pages = client.query("select ConsId from Constituent").max_pages(10_000);
    /// assert_eq!(pages.page_limit(), Some(10_000));
    /// ```
    pub fn max_pages(mut self, limit: usize) -> Self {
        self.max_pages = Some(limit);
        self
    }

    /// The page limit of this stream, if any (see [`max_pages`](Self::max_pages)).
    pub fn page_limit(&self) -> Option<usize> {
        self.max_pages
    }

    /// The page the next call fetches.
    pub fn next_page_number(&self) -> usize {
        self.next_page
    }

    /// The next page, or `None` after the last one.
    ///
    /// Fails with [`Error::RepeatedPage`] when the server answers with the records of the
    /// page before, and with [`Error::PageLimit`] when the page limit is reached with more
    /// pages to come (see [`Pages`]); the stream ends after such an error.
    pub async fn next_page(&mut self) -> Result<Option<Vec<AnyRecord>>, Error> {
        if self.done {
            return Ok(None);
        }
        if let Some(limit) = self.max_pages {
            if self.fetched >= limit {
                self.done = true;
                return Err(Error::PageLimit {
                    operation: self.operation(),
                    limit,
                });
            }
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
        let page = self.next_page;
        self.next_page += 1;
        self.fetched += 1;
        if records.len() < self.page_size {
            self.done = true;
        }
        if records.is_empty() {
            return Ok(None);
        }
        let keys = self.page_keys(&records);
        if keys.is_some() && keys == self.previous {
            self.done = true;
            return Err(Error::RepeatedPage { operation, page });
        }
        self.previous = keys;
        Ok(Some(records))
    }

    /// The name of the operation this stream calls.
    fn operation(&self) -> &'static str {
        match &self.source {
            Source::Query { .. } => "Query",
            Source::Incremental { kind, .. } => match kind {
                IncrementalKind::Inserts => "GetIncrementalInserts",
                IncrementalKind::Updates => "GetIncrementalUpdates",
                IncrementalKind::Deletes => "GetIncrementalDeletes",
            },
        }
    }

    /// The record type and id of every record on a page, or `None` when a record has no id
    /// (then the page cannot be told from a legitimately equal one).
    fn page_keys(&self, records: &[AnyRecord]) -> Option<Vec<(Text, String)>> {
        let schema = self.client.site_schema();
        records
            .iter()
            .map(|record| {
                let id_field = schema.id_field(record.type_name())?;
                let id = super::paths::record_field_text(record, id_field)?;
                Some((Text::from(record.type_name()), id))
            })
            .collect()
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
