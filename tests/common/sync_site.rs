//! A site and a database for synchronization tests: the emulator on a manual clock, the
//! client, and plain SQL against the store's database (SQLite in a temporary directory, or
//! the PostgreSQL database `CONVIO_TEST_POSTGRES` names).
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use convio::emulator::{ChangeKind, Clock, Emulator};
use convio::soap::Client;
use sqlx::Row;

/// The emulator on a manual clock and a client of its partition 1001.
pub struct Site {
    pub emulator: Emulator,
    pub clock: Clock,
    pub client: Client,
}

impl Site {
    /// A site with `seed` constituents.
    pub async fn start(seed: usize) -> Site {
        let clock = Clock::manual(1_700_000_000);
        let emulator = Emulator::builder()
            .seed(seed)
            .clock(clock.clone())
            .start("127.0.0.1:0")
            .await
            .expect("emulator starts");
        let client = Client::builder()
            .endpoint(emulator.soap_url())
            .credentials("apiuser", "secret")
            .partition(1001)
            .build()
            .expect("client");
        Site {
            emulator,
            clock,
            client,
        }
    }

    /// Lets a minute pass (so that windows and changes fall apart).
    pub fn tick(&self) {
        self.clock.advance(Duration::from_secs(60));
    }

    /// The ConsIds of the stored constituents, in order.
    pub fn cons_ids(&self) -> Vec<u64> {
        self.emulator.site().constituent_ids()
    }

    /// A constituent's stored field.
    pub fn field(&self, cons_id: u64, path: &str) -> Option<String> {
        super::stored(&self.emulator, cons_id, path)
    }

    /// A change made on the site by someone else than the synchronizing API user: values set
    /// on a constituent (a new one when `cons_id` is `None`), or its deletion. The id.
    pub fn change_by_others(
        &self,
        kind: ChangeKind,
        cons_id: Option<u64>,
        values: &[(&str, &str)],
    ) -> u64 {
        self.emulator
            .site()
            .change_on_website("Constituent", kind, cons_id, values)
            .expect("constituents are kept")
    }
}

/// Where a test's database lives.
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    /// A new SQLite database file in a fresh temporary directory.
    pub fn sqlite(name: &str) -> Database {
        let directory = std::env::temp_dir().join(format!(
            "convio-sync-{}-{name}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir_all(&directory).expect("temporary directory");
        Database::Sqlite(directory.join("donors.db"))
    }

    /// A new schema in the PostgreSQL database `CONVIO_TEST_POSTGRES` names, or `None` when
    /// the variable is unset (`.ci/run` sets it after starting a server).
    pub async fn postgres(name: &str) -> Option<Database> {
        let base = std::env::var("CONVIO_TEST_POSTGRES").ok()?;
        let schema = format!("t_{}_{name}", std::process::id());
        let pool = sqlx::postgres::PgPool::connect(&base)
            .await
            .expect("the test PostgreSQL server answers");
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&pool)
            .await
            .expect("drop schema");
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&pool)
            .await
            .expect("create schema");
        let separator = if base.contains('?') { '&' } else { '?' };
        Some(Database::Postgres(format!(
            "{base}{separator}options=-c%20search_path%3D{schema}"
        )))
    }

    /// The store URL.
    pub fn url(&self) -> String {
        match self {
            Database::Sqlite(path) => format!("sqlite:{}", path.display()),
            Database::Postgres(url) => url.clone(),
        }
    }

    /// Runs statements (local edits, as a user of the database would).
    pub async fn execute(&self, statements: &[&str]) {
        sqlx::any::install_default_drivers();
        let pool = self.pool().await;
        for statement in statements {
            sqlx::query(statement)
                .execute(&pool)
                .await
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
        pool.close().await;
    }

    /// The rows of a query, every column cast to text by the query itself.
    pub async fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        sqlx::any::install_default_drivers();
        let pool = self.pool().await;
        let rows = sqlx::query(sql)
            .fetch_all(&pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let out = rows
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| row.try_get::<Option<String>, _>(i).unwrap_or(None))
                    .collect()
            })
            .collect();
        pool.close().await;
        out
    }

    /// One text value.
    pub async fn value(&self, sql: &str) -> Option<String> {
        self.rows(sql)
            .await
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().next().flatten())
    }

    async fn pool(&self) -> sqlx::AnyPool {
        let url = match self {
            Database::Sqlite(path) => format!("sqlite://{}?mode=rwc", path.display()),
            Database::Postgres(url) => url.clone(),
        };
        sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .expect("database")
    }
}
