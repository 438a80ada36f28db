//! Paged downloads: Query and GetIncrementalInserts/Updates/Deletes.

use std::collections::VecDeque;

use futures_util::Stream;
use tokio::task::JoinHandle;

use crate::error::Error;
use crate::generated::tns;
use crate::soap::call::{expect, Client, Replay};
use crate::soap::Body;
use crate::{AnyRecord, Text};

/// Largest page size the client asks for (the pagination reference caps downloads at 200).
pub const MAX_PAGE_SIZE: u64 = 200;

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
        partition: u64,
        record_type: Text,
        fields: Vec<Text>,
        /// Whether `fields` are in the site schema's order yet.
        ordered: bool,
    },
}

/// Pages of records, fetched one request at a time (at most one page is held in memory),
/// or with [`read_ahead`](Self::read_ahead) a few requests ahead of the consumer.
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
    page_size: u64,
    next_page: u64,
    done: bool,
    /// Pages fetched so far by this stream.
    fetched: u64,
    max_pages: Option<u64>,
    /// The record keys of the last page, when every record on it had an id.
    previous: Option<Vec<(Text, String)>>,
    /// How many requests may be in flight beyond the page being asked for.
    read_ahead: usize,
    /// Requests sent ahead, in page order, from `next_page` on.
    in_flight: VecDeque<JoinHandle<Result<Body, Error>>>,
}

impl Drop for Pages {
    fn drop(&mut self) {
        for request in &self.in_flight {
            request.abort();
        }
    }
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
            read_ahead: 0,
            in_flight: VecDeque::new(),
        }
    }

    pub(crate) fn incremental(
        client: Client,
        kind: IncrementalKind,
        partition: u64,
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
            read_ahead: 0,
            in_flight: VecDeque::new(),
        }
    }

    /// Records per request, 1 to 200 (default 200).
    pub fn page_size(mut self, size: u64) -> Result<Self, Error> {
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(Error::InvalidArgument(format!(
                "page size {size} is outside 1..={MAX_PAGE_SIZE}"
            )));
        }
        self.page_size = size;
        Ok(self)
    }

    /// Keeps up to `pages` requests in flight ahead of the page being read, so that the
    /// server prepares the next pages while this one is decoded and used (default 0: one
    /// request at a time). Up to `pages + 1` pages are then held in memory, and at the end
    /// up to `pages` requests past the last page are sent (a page past the end is empty)
    /// and their answers dropped. Requests ahead never go past the page limit.
    ///
    /// ```
    /// # let client = convio::soap::Client::builder()
    /// #     .endpoint("https://webservices.cluster2.convio.net/1.0/mysite")
    /// #     .credentials("apiuser", "secret")
    /// #     .build()
    /// #     .unwrap();
    /// let pages = client.query("select ConsId from Constituent").read_ahead(2);
    /// assert_eq!(pages.next_page_number(), 1);
    /// ```
    pub fn read_ahead(mut self, pages: usize) -> Self {
        self.read_ahead = pages;
        self
    }

    /// Starts at this page instead of 1 (to resume an interrupted download).
    pub fn starting_at(mut self, page: u64) -> Self {
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
    pub fn max_pages(mut self, limit: u64) -> Self {
        self.max_pages = Some(limit);
        self
    }

    /// The page limit of this stream, if any (see [`max_pages`](Self::max_pages)).
    pub fn page_limit(&self) -> Option<u64> {
        self.max_pages
    }

    /// The page the next call fetches.
    pub fn next_page_number(&self) -> u64 {
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
        let operation = self.operation();
        if self.read_ahead > 0 {
            self.send_ahead();
        }
        // Without read-ahead the request is made here, in the caller's task.
        let body = match self.in_flight.pop_front() {
            Some(request) => match request.await {
                Ok(answer) => answer,
                Err(failed) if failed.is_panic() => std::panic::resume_unwind(failed.into_panic()),
                Err(_) => Err(Error::InvalidArgument(format!(
                    "{operation} page {} was cancelled",
                    self.next_page
                ))),
            },
            None => {
                let body = self.request(self.next_page);
                self.client.call(operation, body, Replay::Idempotent).await
            }
        };
        let body = match body {
            Ok(body) => body,
            Err(error) => {
                self.stop();
                return Err(error);
            }
        };
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
        if u64::try_from(records.len()).is_ok_and(|len| len < self.page_size) {
            self.stop();
        }
        if records.is_empty() {
            return Ok(None);
        }
        let keys = self.page_keys(&records);
        if keys.is_some() && keys == self.previous {
            self.stop();
            return Err(Error::RepeatedPage { operation, page });
        }
        self.previous = keys;
        Ok(Some(records))
    }

    /// Sends requests for the pages after those in flight, up to the read-ahead and the
    /// page limit, each in a task of its own (which also decodes the answer).
    fn send_ahead(&mut self) {
        let wanted = self.read_ahead + 1;
        while self.in_flight.len() < wanted {
            let in_flight = self.in_flight.len() as u64;
            let page = self.next_page + in_flight;
            let sent = self.fetched + in_flight;
            if self.max_pages.is_some_and(|limit| sent >= limit) {
                break;
            }
            let (client, operation, body) =
                (self.client.clone(), self.operation(), self.request(page));
            self.in_flight.push_back(tokio::spawn(async move {
                client.call(operation, body, Replay::Idempotent).await
            }));
        }
    }

    /// Ends the stream, cancelling the requests sent ahead.
    fn stop(&mut self) {
        self.done = true;
        for request in self.in_flight.drain(..) {
            request.abort();
        }
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

    /// Every remaining record, all pages read: for queries whose answer is known to be
    /// small (every page is held in memory; use [`next_page`](Self::next_page) otherwise).
    ///
    /// ```no_run
    /// # async fn run(client: convio::soap::Client) -> Result<(), convio::Error> {
    /// let admins = client
    ///     .query("select ConsId from Constituent where ConsName.LastName = 'Lovelace'")
    ///     .collect_records()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn collect_records(mut self) -> Result<Vec<AnyRecord>, Error> {
        let mut records = Vec::new();
        while let Some(page) = self.next_page().await? {
            records.extend(page);
        }
        Ok(records)
    }

    /// The pages as a `Stream`, ending after the last page or the first error. The stream
    /// is `Unpin`: `.next()` works on it directly, without pinning it first.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// # async fn run(client: convio::soap::Client) -> Result<(), convio::Error> {
    /// let mut pages = client.query("select ConsId from Constituent").into_stream();
    /// while let Some(page) = pages.next().await {
    ///     println!("{} records", page?.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn into_stream(self) -> impl Stream<Item = Result<Vec<AnyRecord>, Error>> + Unpin + Send {
        Box::pin(futures_util::stream::unfold(
            Some(self),
            |state| async move {
                let mut pages = state?;
                match pages.next_page().await {
                    Ok(Some(records)) => Some((Ok(records), Some(pages))),
                    Ok(None) => None,
                    Err(error) => Some((Err(error), None)),
                }
            },
        ))
    }

    fn request(&self, page: u64) -> Body {
        let page_size = self.page_size;
        match &self.source {
            Source::Query { query } => Body::Query(tns::QueryElementType {
                query_string: query.clone(),
                page: Some(page),
                page_size: Some(page_size),
                unknown: Default::default(),
            }),
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
                    IncrementalKind::Inserts => Body::GetIncrementalInserts(request),
                    IncrementalKind::Updates => Body::GetIncrementalUpdates(request),
                    IncrementalKind::Deletes => Body::GetIncrementalDeletes(request),
                }
            }
        }
    }
}
