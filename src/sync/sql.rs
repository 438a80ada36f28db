//! Databases: SQLite (embedded, the default: `sqlite:PATH`) and PostgreSQL
//! (`postgres://...`), through one implementation over sqlx's `Any` driver.
//!
//! The store creates and migrates its own tables (see [`layout`](super::layout) for their
//! names). Every page is applied together with its checkpoint in one transaction. Local edits
//! made with plain SQL are captured by triggers the store installs (which columns an UPDATE
//! changed; inserts; deletes) into `convio_changes`, and uploaded at the start of the next
//! synchronization; rows the store itself writes are not captured (`convio_applying` in
//! SQLite, the transaction setting `convio.applying` in PostgreSQL). A row inserted locally
//! without an id gets a temporary negative one until it is created upstream; then the real
//! id is written back.
//!
//! Every value column is TEXT, as the server wrote the value (decimals and dates exact); the
//! id columns are BIGINT.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Once;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use super::layout::{column_name, TypeLayout};
use super::store::{
    LocalAction, LocalChange, Page, Store, StoreError, SyncState, UploadOutcome, WindowKey,
};
use crate::soap::{visit_record_paths, IncrementalKind};
use crate::{AnyRecord, Field};

/// Which SQL the database speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

/// A SQLite or PostgreSQL database as a synchronization store.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    dialect: Dialect,
    /// The URL without its password, for messages.
    shown: String,
    /// Per table: its value columns (path, column), fixed ones and those added when seen.
    columns: HashMap<String, Vec<(String, String)>>,
}

static DRIVERS: Once = Once::new();

/// The URL with any password replaced, for messages.
fn without_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn quoted(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

impl SqlStore {
    /// Connects to `sqlite:PATH` (the file is created if missing) or `postgres://...`.
    /// Nothing is created yet: [`prepare`](Store::prepare) does that.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let shown = without_password(url);
        let (dialect, url) = if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.trim_start_matches("//");
            if path.is_empty() {
                return Err(StoreError::Unavailable {
                    location: shown,
                    message: "no database file given (sqlite:PATH)".into(),
                });
            }
            let url = if path.contains('?') {
                format!("sqlite://{path}")
            } else {
                format!("sqlite://{path}?mode=rwc")
            };
            (Dialect::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Dialect::Postgres, url.to_string())
        } else {
            return Err(StoreError::Unavailable {
                location: shown,
                message: "a database URL is sqlite:PATH or postgres://USER@HOST/DATABASE".into(),
            });
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if dialect == Dialect::Sqlite { 1 } else { 4 })
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect(&url)
            .await
            .map_err(|e| StoreError::Unavailable {
                location: shown.clone(),
                message: e.to_string(),
            })?;
        Ok(SqlStore {
            pool,
            dialect,
            shown,
            columns: HashMap::new(),
        })
    }

    fn error(&self, error: sqlx::Error) -> StoreError {
        StoreError::Io {
            location: self.shown.clone(),
            message: error.to_string(),
        }
    }

    /// The `n`-th placeholder (from 1).
    fn placeholder(&self, n: usize) -> String {
        match self.dialect {
            Dialect::Sqlite => "?".to_string(),
            Dialect::Postgres => format!("${n}"),
        }
    }

    async fn execute(&self, sql: &str) -> Result<(), StoreError> {
        sqlx::query(sql)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    async fn existing_columns(&self, table: &str) -> Result<BTreeSet<String>, StoreError> {
        let sql = match self.dialect {
            Dialect::Sqlite => format!("SELECT name FROM pragma_table_info({})", literal(table)),
            Dialect::Postgres => format!(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = {}",
                literal(table)
            ),
        };
        let rows = sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        rows.iter()
            .map(|row| row.try_get::<String, _>(0).map_err(|e| self.error(e)))
            .collect()
    }

    /// The columns added for fields the schema did not declare, by table.
    async fn registered_columns(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let rows = sqlx::query("SELECT table_name, column_name, path FROM convio_columns")
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get::<String, _>(0).map_err(|e| self.error(e))?,
                    row.try_get::<String, _>(1).map_err(|e| self.error(e))?,
                    row.try_get::<String, _>(2).map_err(|e| self.error(e))?,
                ))
            })
            .collect()
    }

    fn internal_tables(&self) -> Vec<String> {
        let serial = match self.dialect {
            Dialect::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
            Dialect::Postgres => "BIGSERIAL PRIMARY KEY",
        };
        let mut statements = vec![
            "CREATE TABLE IF NOT EXISTS convio_sync_state (site TEXT NOT NULL, \
             partition_id BIGINT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (site, partition_id))"
                .to_string(),
            "CREATE TABLE IF NOT EXISTS convio_columns (table_name TEXT NOT NULL, \
             column_name TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (table_name, column_name))"
                .to_string(),
            format!(
                "CREATE TABLE IF NOT EXISTS convio_changes (change_id {serial}, \
                 record_type TEXT NOT NULL, action TEXT NOT NULL, row_key BIGINT, columns TEXT, \
                 status TEXT NOT NULL DEFAULT 'pending', result_code TEXT, result_message TEXT)"
            ),
        ];
        match self.dialect {
            Dialect::Sqlite => statements
                .push("CREATE TABLE IF NOT EXISTS convio_applying (active INTEGER)".to_string()),
            Dialect::Postgres => {
                statements.push("CREATE SEQUENCE IF NOT EXISTS convio_local_keys".to_string())
            }
        }
        statements
    }

    /// Creates the record type's tables, adds columns the schema gained, and (re)creates
    /// the capture triggers over the current columns.
    async fn prepare_type(
        &mut self,
        layout: &TypeLayout,
        extra: &[(String, String)],
    ) -> Result<(), StoreError> {
        let table = &layout.table;
        let id = quoted(&layout.id_column);
        let mut columns: Vec<(String, String)> = layout
            .columns
            .iter()
            .filter(|(path, _)| *path != layout.id_field)
            .cloned()
            .collect();
        for (path, column) in extra {
            if !columns.iter().any(|(_, c)| c == column) && *column != layout.id_column {
                columns.push((path.clone(), column.clone()));
            }
        }
        let definitions: Vec<String> = columns
            .iter()
            .map(|(_, c)| format!("{} TEXT", quoted(c)))
            .collect();
        let mut create = format!(
            "CREATE TABLE IF NOT EXISTS {} ({id} BIGINT PRIMARY KEY",
            quoted(table)
        );
        for definition in &definitions {
            create.push_str(", ");
            create.push_str(definition);
        }
        create.push(')');
        self.execute(&create).await?;
        let existing = self.existing_columns(table).await?;
        for (_, column) in &columns {
            if !existing.contains(column) {
                self.execute(&format!(
                    "ALTER TABLE {} ADD COLUMN {} TEXT",
                    quoted(table),
                    quoted(column)
                ))
                .await?;
            }
        }
        for (_, child, value) in &layout.lists {
            self.execute(&format!(
                "CREATE TABLE IF NOT EXISTS {} ({id} BIGINT NOT NULL, {} TEXT NOT NULL)",
                quoted(child),
                quoted(value)
            ))
            .await?;
            self.execute(&format!(
                "CREATE INDEX IF NOT EXISTS {} ON {} ({id})",
                quoted(&format!("{child}_by_{}", layout.id_column)),
                quoted(child)
            ))
            .await?;
        }
        self.columns.insert(table.clone(), columns.clone());
        for statement in self.triggers(layout, &columns) {
            self.execute(&statement).await?;
        }
        Ok(())
    }

    /// The capture triggers of a record table.
    fn triggers(&self, layout: &TypeLayout, columns: &[(String, String)]) -> Vec<String> {
        let table = quoted(&layout.table);
        let id = quoted(&layout.id_column);
        let record_type = literal(&layout.record_type);
        let name = |suffix: &str| quoted(&format!("convio_{}_{suffix}", layout.table));
        match self.dialect {
            Dialect::Sqlite => {
                let changed = if columns.is_empty() {
                    "''".to_string()
                } else {
                    columns
                        .iter()
                        .map(|(_, c)| {
                            format!(
                                "CASE WHEN NEW.{q} IS NOT OLD.{q} THEN {l} ELSE '' END",
                                q = quoted(c),
                                l = literal(&format!("{c},"))
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" || ")
                };
                let not_applying = "NOT EXISTS (SELECT 1 FROM convio_applying)";
                vec![
                    format!("DROP TRIGGER IF EXISTS {}", name("insert")),
                    format!(
                        "CREATE TRIGGER {} AFTER INSERT ON {table} WHEN {not_applying} BEGIN \
                         UPDATE {table} SET {id} = (SELECT MIN(0, COALESCE(MIN({id}), 0)) - 1 FROM {table}) \
                         WHERE rowid = NEW.rowid AND {id} IS NULL; \
                         INSERT INTO convio_changes (record_type, action, row_key, status) \
                         VALUES ({record_type}, 'insert', (SELECT {id} FROM {table} WHERE rowid = NEW.rowid), 'pending'); END",
                        name("insert")
                    ),
                    format!("DROP TRIGGER IF EXISTS {}", name("update")),
                    format!(
                        "CREATE TRIGGER {} AFTER UPDATE ON {table} WHEN OLD.{id} IS NOT NULL AND {not_applying} \
                         AND ({changed}) <> '' BEGIN \
                         INSERT INTO convio_changes (record_type, action, row_key, columns, status) \
                         VALUES ({record_type}, 'update', NEW.{id}, {changed}, 'pending'); END",
                        name("update")
                    ),
                    format!("DROP TRIGGER IF EXISTS {}", name("delete")),
                    format!(
                        "CREATE TRIGGER {} AFTER DELETE ON {table} WHEN {not_applying} BEGIN \
                         INSERT INTO convio_changes (record_type, action, row_key, status) \
                         VALUES ({record_type}, 'delete', OLD.{id}, 'pending'); END",
                        name("delete")
                    ),
                ]
            }
            Dialect::Postgres => {
                let key_function = quoted(&format!("convio_key_{}", layout.table));
                let capture_function = quoted(&format!("convio_capture_{}", layout.table));
                let comparisons: String = columns
                    .iter()
                    .map(|(_, c)| {
                        format!(
                            "IF NEW.{q} IS DISTINCT FROM OLD.{q} THEN changed := changed || {l}; END IF; ",
                            q = quoted(c),
                            l = literal(&format!("{c},"))
                        )
                    })
                    .collect();
                vec![
                    format!(
                        "CREATE OR REPLACE FUNCTION {key_function}() RETURNS trigger LANGUAGE plpgsql AS $$ \
                         BEGIN IF NEW.{id} IS NULL THEN NEW.{id} := -nextval('convio_local_keys'); END IF; \
                         RETURN NEW; END $$"
                    ),
                    format!("DROP TRIGGER IF EXISTS {} ON {table}", name("key")),
                    format!(
                        "CREATE TRIGGER {} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {key_function}()",
                        name("key")
                    ),
                    format!(
                        "CREATE OR REPLACE FUNCTION {capture_function}() RETURNS trigger LANGUAGE plpgsql AS $$ \
                         DECLARE changed text := ''; \
                         BEGIN \
                         IF current_setting('convio.applying', true) = 'on' THEN RETURN NULL; END IF; \
                         IF TG_OP = 'INSERT' THEN \
                           INSERT INTO convio_changes (record_type, action, row_key, status) VALUES ({record_type}, 'insert', NEW.{id}, 'pending'); \
                         ELSIF TG_OP = 'UPDATE' THEN \
                           {comparisons}\
                           IF changed <> '' THEN \
                             INSERT INTO convio_changes (record_type, action, row_key, columns, status) VALUES ({record_type}, 'update', NEW.{id}, changed, 'pending'); \
                           END IF; \
                         ELSE \
                           INSERT INTO convio_changes (record_type, action, row_key, status) VALUES ({record_type}, 'delete', OLD.{id}, 'pending'); \
                         END IF; \
                         RETURN NULL; END $$"
                    ),
                    format!("DROP TRIGGER IF EXISTS {} ON {table}", name("capture")),
                    format!(
                        "CREATE TRIGGER {} AFTER INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {capture_function}()",
                        name("capture")
                    ),
                ]
            }
        }
    }

    /// Starts a transaction in which the store's own writes are not captured as local edits.
    async fn begin_applying(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        let mut transaction = self.pool.begin().await.map_err(|e| self.error(e))?;
        let statement = match self.dialect {
            Dialect::Sqlite => "INSERT INTO convio_applying (active) VALUES (1)",
            Dialect::Postgres => "SELECT set_config('convio.applying', 'on', true)",
        };
        sqlx::query(statement)
            .execute(&mut *transaction)
            .await
            .map_err(|e| self.error(e))?;
        Ok(transaction)
    }

    async fn commit_applying(
        &self,
        mut transaction: sqlx::Transaction<'static, sqlx::Any>,
    ) -> Result<(), StoreError> {
        if self.dialect == Dialect::Sqlite {
            sqlx::query("DELETE FROM convio_applying")
                .execute(&mut *transaction)
                .await
                .map_err(|e| self.error(e))?;
        }
        transaction.commit().await.map_err(|e| self.error(e))
    }

    async fn save_state(
        &self,
        transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
        key: &WindowKey,
        state: &SyncState,
    ) -> Result<(), StoreError> {
        let text = serde_json::to_string(state).map_err(|e| StoreError::Io {
            location: self.shown.clone(),
            message: e.to_string(),
        })?;
        let partition = i64::try_from(key.partition).unwrap_or(i64::MAX);
        let sql = format!(
            "INSERT INTO convio_sync_state (site, partition_id, state) VALUES ({}, {}, {}) \
             ON CONFLICT (site, partition_id) DO UPDATE SET state = excluded.state",
            self.placeholder(1),
            self.placeholder(2),
            self.placeholder(3)
        );
        sqlx::query(&sql)
            .bind(key.site.clone())
            .bind(partition)
            .bind(text)
            .execute(&mut **transaction)
            .await
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Adds columns for fields a page carries that the table does not have yet.
    async fn add_columns(
        &mut self,
        transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
        layout: &TypeLayout,
        paths: &BTreeSet<String>,
    ) -> Result<bool, StoreError> {
        let known = self.columns.get(&layout.table).cloned().unwrap_or_default();
        let mut added = Vec::new();
        for path in paths {
            let column = column_name(path);
            let taken = column == layout.id_column
                || known.iter().any(|(_, c)| *c == column)
                || added.iter().any(|(_, c): &(String, String)| *c == column);
            if taken || layout.list_of(path).is_some() {
                continue;
            }
            let statements = [
                format!(
                    "ALTER TABLE {} ADD COLUMN {} TEXT",
                    quoted(&layout.table),
                    quoted(&column)
                ),
                format!(
                    "INSERT INTO convio_columns (table_name, column_name, path) VALUES ({}, {}, {})",
                    literal(&layout.table),
                    literal(&column),
                    literal(path)
                ),
            ];
            for statement in statements {
                sqlx::query(&statement)
                    .execute(&mut **transaction)
                    .await
                    .map_err(|e| self.error(e))?;
            }
            tracing::info!(table = %layout.table, column = %column, path = %path, "column added for a field the schema does not declare");
            added.push((path.clone(), column));
        }
        if added.is_empty() {
            return Ok(false);
        }
        let mut columns = known;
        columns.extend(added);
        for statement in self.triggers(layout, &columns) {
            sqlx::query(&statement)
                .execute(&mut **transaction)
                .await
                .map_err(|e| self.error(e))?;
        }
        self.columns.insert(layout.table.clone(), columns);
        Ok(true)
    }

    async fn upsert(
        &mut self,
        transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
        layout: &TypeLayout,
        records: &[AnyRecord],
    ) -> Result<(), StoreError> {
        let mut columns = self.columns.get(&layout.table).cloned().unwrap_or_default();
        let mut built = build_rows(layout, &columns, records, true);
        // Fields the table has no column for yet get one, and the rows are built again.
        if !built.unknown.is_empty()
            && self
                .add_columns(transaction, layout, &built.unknown)
                .await?
        {
            columns = self.columns.get(&layout.table).cloned().unwrap_or_default();
            built = build_rows(layout, &columns, records, false);
        }
        let Rows {
            rows, list_values, ..
        } = built;
        if rows.is_empty() {
            return Ok(());
        }
        let width = columns.len() + 1;
        let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
        // Within the databases' limits on bound values (SQLite: 32766).
        let per_statement = (30_000 / width).max(1);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<(i64, Vec<Option<String>>)> =
                rows.by_ref().take(per_statement).collect();
            let mut sql = format!(
                "INSERT INTO {} ({}",
                quoted(&layout.table),
                quoted(&layout.id_column)
            );
            for (_, column) in &columns {
                sql.push_str(", ");
                sql.push_str(&quoted(column));
            }
            sql.push_str(") VALUES ");
            let mut n = 0;
            for (i, _) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for j in 0..width {
                    if j > 0 {
                        sql.push_str(", ");
                    }
                    n += 1;
                    sql.push_str(&self.placeholder(n));
                }
                sql.push(')');
            }
            sql.push_str(&format!(" ON CONFLICT ({}) DO ", quoted(&layout.id_column)));
            if columns.is_empty() {
                sql.push_str("NOTHING");
            } else {
                sql.push_str("UPDATE SET ");
                let sets: Vec<String> = columns
                    .iter()
                    .map(|(_, c)| format!("{q} = excluded.{q}", q = quoted(c)))
                    .collect();
                sql.push_str(&sets.join(", "));
            }
            let mut query = sqlx::query(&sql);
            for (id, row) in chunk {
                query = query.bind(id);
                for value in row {
                    query = query.bind(value);
                }
            }
            query
                .execute(&mut **transaction)
                .await
                .map_err(|e| self.error(e))?;
        }
        for ((_, child, value_column), pairs) in layout.lists.iter().zip(list_values) {
            self.delete_by_ids(transaction, child, &layout.id_column, &ids)
                .await?;
            for chunk in pairs.chunks(10_000) {
                let mut sql = format!(
                    "INSERT INTO {} ({}, {}) VALUES ",
                    quoted(child),
                    quoted(&layout.id_column),
                    quoted(value_column)
                );
                for i in 0..chunk.len() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!(
                        "({}, {})",
                        self.placeholder(2 * i + 1),
                        self.placeholder(2 * i + 2)
                    ));
                }
                let mut query = sqlx::query(&sql);
                for (id, value) in chunk {
                    query = query.bind(*id).bind(value.clone());
                }
                query
                    .execute(&mut **transaction)
                    .await
                    .map_err(|e| self.error(e))?;
            }
        }
        Ok(())
    }

    /// Deletes the rows of `table` whose `id_column` is one of `ids`.
    async fn delete_by_ids(
        &self,
        transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
        table: &str,
        id_column: &str,
        ids: &[i64],
    ) -> Result<(), StoreError> {
        for chunk in ids.chunks(10_000) {
            let sql = format!(
                "DELETE FROM {} WHERE {} IN ({})",
                quoted(table),
                quoted(id_column),
                self.placeholders(chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query
                .execute(&mut **transaction)
                .await
                .map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    fn placeholders(&self, count: usize) -> String {
        (1..=count)
            .map(|n| self.placeholder(n))
            .collect::<Vec<_>>()
            .join(", ")
    }

    async fn delete_rows(
        &self,
        transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
        layout: &TypeLayout,
        records: &[AnyRecord],
    ) -> Result<(), StoreError> {
        let ids: Vec<i64> = records
            .iter()
            .filter_map(|record| layout.record_id(record))
            .collect();
        for (_, child, _) in &layout.lists {
            self.delete_by_ids(transaction, child, &layout.id_column, &ids)
                .await?;
        }
        self.delete_by_ids(transaction, &layout.table, &layout.id_column, &ids)
            .await?;
        Ok(())
    }

    /// The current values of a row (`None` when it is gone), by field path; lists too.
    async fn row_values(
        &self,
        layout: &TypeLayout,
        key: i64,
    ) -> Result<Option<Vec<(String, Field<String>)>>, StoreError> {
        let columns = self.columns.get(&layout.table).cloned().unwrap_or_default();
        let mut sql = format!("SELECT CAST({} AS TEXT)", quoted(&layout.id_column));
        for (_, column) in &columns {
            sql.push_str(&format!(", CAST({} AS TEXT)", quoted(column)));
        }
        sql.push_str(&format!(
            " FROM {} WHERE {} = {}",
            quoted(&layout.table),
            quoted(&layout.id_column),
            self.placeholder(1)
        ));
        let row = sqlx::query(&sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut values = Vec::new();
        for (i, (path, _)) in columns.iter().enumerate() {
            let value: Option<String> = row.try_get(i + 1).map_err(|e| self.error(e))?;
            values.push((path.clone(), value.map_or(Field::Nil, Field::Value)));
        }
        for (path, child, value_column) in &layout.lists {
            let sql = format!(
                "SELECT {} FROM {} WHERE {} = {}",
                quoted(value_column),
                quoted(child),
                quoted(&layout.id_column),
                self.placeholder(1)
            );
            let rows = sqlx::query(&sql)
                .bind(key)
                .fetch_all(&self.pool)
                .await
                .map_err(|e| self.error(e))?;
            for row in rows {
                let value: String = row.try_get(0).map_err(|e| self.error(e))?;
                values.push((path.clone(), Field::Value(value)));
            }
        }
        Ok(Some(values))
    }

    /// Marks the changes up to `change`'s of its row: done (deleted) or refused.
    async fn settle(
        &self,
        transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
        change: &LocalChange,
        refused: Option<(&str, &str)>,
    ) -> Result<(), StoreError> {
        let sql = match refused {
            None => format!(
                "DELETE FROM convio_changes WHERE record_type = {} AND row_key = {} AND change_id <= {}",
                self.placeholder(1),
                self.placeholder(2),
                self.placeholder(3)
            ),
            Some(_) => format!(
                "UPDATE convio_changes SET status = 'pending', result_code = {}, result_message = {} \
                 WHERE record_type = {} AND row_key = {} AND change_id <= {}",
                self.placeholder(1),
                self.placeholder(2),
                self.placeholder(3),
                self.placeholder(4),
                self.placeholder(5)
            ),
        };
        let mut query = sqlx::query(&sql);
        if let Some((code, message)) = refused {
            query = query.bind(code.to_string()).bind(message.to_string());
        }
        query
            .bind(change.record_type.clone())
            .bind(change.row_key)
            .bind(change.change_id)
            .execute(&mut **transaction)
            .await
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Gives a row created upstream its real id (and later changes of it too).
    async fn rekey(
        &self,
        transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
        layout: &TypeLayout,
        change: &LocalChange,
        id: i64,
    ) -> Result<(), StoreError> {
        if change.row_key == id {
            return Ok(());
        }
        let p = |n| self.placeholder(n);
        let taken = format!(
            "SELECT 1 FROM {} WHERE {} = {}",
            quoted(&layout.table),
            quoted(&layout.id_column),
            p(1)
        );
        let exists = sqlx::query(&taken)
            .bind(id)
            .fetch_optional(&mut **transaction)
            .await
            .map_err(|e| self.error(e))?
            .is_some();
        // (statement, bind the new id first) — every statement names the row by its old key.
        let mut statements: Vec<(String, bool)> = Vec::new();
        if exists {
            statements.push((
                format!(
                    "DELETE FROM {} WHERE {} = {}",
                    quoted(&layout.table),
                    quoted(&layout.id_column),
                    p(1)
                ),
                false,
            ));
        } else {
            statements.push((
                format!(
                    "UPDATE {} SET {} = {} WHERE {} = {}",
                    quoted(&layout.table),
                    quoted(&layout.id_column),
                    p(1),
                    quoted(&layout.id_column),
                    p(2)
                ),
                true,
            ));
        }
        for (_, child, _) in &layout.lists {
            statements.push((
                format!(
                    "UPDATE {} SET {} = {} WHERE {} = {}",
                    quoted(child),
                    quoted(&layout.id_column),
                    p(1),
                    quoted(&layout.id_column),
                    p(2)
                ),
                true,
            ));
        }
        for (statement, with_new_id) in statements {
            let query = sqlx::query(&statement);
            let query = if with_new_id {
                query.bind(id).bind(change.row_key)
            } else {
                query.bind(change.row_key)
            };
            query
                .execute(&mut **transaction)
                .await
                .map_err(|e| self.error(e))?;
        }
        let later = format!(
            "UPDATE convio_changes SET row_key = {} WHERE record_type = {} AND row_key = {} AND change_id > {}",
            p(1),
            p(2),
            p(3),
            p(4)
        );
        sqlx::query(&later)
            .bind(id)
            .bind(change.record_type.clone())
            .bind(change.row_key)
            .bind(change.change_id)
            .execute(&mut **transaction)
            .await
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    async fn prepare_tables(&mut self, layouts: &[TypeLayout]) -> Result<(), StoreError> {
        for statement in self.internal_tables() {
            self.execute(&statement).await?;
        }
        let registered = self.registered_columns().await?;
        for layout in layouts {
            let extra: Vec<(String, String)> = registered
                .iter()
                .filter(|(table, ..)| *table == layout.table)
                .map(|(_, column, path)| (path.clone(), column.clone()))
                .collect();
            self.prepare_type(layout, &extra).await?;
        }
        Ok(())
    }
}

/// The record's id among its field values.
/// A page's rows, by column position, with the values of multi-valued fields apart.
struct Rows {
    rows: Vec<(i64, Vec<Option<String>>)>,
    list_values: Vec<Vec<(i64, String)>>,
    /// Paths of records with an id that have no column yet.
    unknown: BTreeSet<String>,
}

/// The rows of `records` for `columns`. Records of a page list their fields in the same
/// order, so each field is first looked for at the column the record before had at that
/// place (one comparison), and only then by name. Records without an id are skipped (and
/// said so when `warn`).
fn build_rows(
    layout: &TypeLayout,
    columns: &[(String, String)],
    records: &[AnyRecord],
    warn: bool,
) -> Rows {
    let position: HashMap<&str, usize> = columns
        .iter()
        .enumerate()
        .map(|(i, (path, _))| (path.as_str(), i))
        .collect();
    let list_position: HashMap<&str, usize> = layout
        .lists
        .iter()
        .enumerate()
        .map(|(i, (path, ..))| (path.as_str(), i))
        .collect();
    let mut built = Rows {
        rows: Vec::with_capacity(records.len()),
        list_values: vec![Vec::new(); layout.lists.len()],
        unknown: BTreeSet::new(),
    };
    // The column of the n-th field of the record before (`usize::MAX`: none).
    let mut guesses: Vec<usize> = Vec::new();
    for record in records {
        let mut row: Vec<Option<String>> = vec![None; columns.len()];
        let mut filled = vec![false; columns.len()];
        let mut id: Option<Option<i64>> = None;
        let mut lists: Vec<(usize, String)> = Vec::new();
        let mut unknown: Vec<String> = Vec::new();
        let mut at = 0;
        visit_record_paths(record, |path, value| {
            let guessed = guesses
                .get(at)
                .filter(|&&c| columns.get(c).is_some_and(|(known, _)| known == path));
            let column = guessed.copied().or_else(|| position.get(path).copied());
            match guesses.get_mut(at) {
                Some(guess) => *guess = column.unwrap_or(usize::MAX),
                None => guesses.push(column.unwrap_or(usize::MAX)),
            }
            at += 1;
            if path == layout.id_field {
                // The first value of the id field is the record's id.
                id.get_or_insert_with(|| value.as_option().and_then(|v| v.trim().parse().ok()));
                return;
            }
            if let Some(column) = column {
                // A second value of a single field stays out (the first is the field's).
                if !filled[column] {
                    filled[column] = true;
                    row[column] = value.as_option().map(|v| v.to_string());
                }
            } else if let Some(&list) = list_position.get(path) {
                if let Field::Value(text) = value {
                    lists.push((list, text.to_string()));
                }
            } else {
                unknown.push(path.to_string());
            }
        });
        let Some(id) = id.flatten() else {
            if warn {
                tracing::warn!(record_type = %layout.record_type, "a downloaded record has no {}: skipped", layout.id_field);
            }
            continue;
        };
        for (list, value) in lists {
            built.list_values[list].push((id, value));
        }
        built.unknown.extend(unknown);
        built.rows.push((id, row));
    }
    built
}

fn text(row: &AnyRow, index: usize) -> Option<String> {
    row.try_get::<Option<String>, _>(index).ok().flatten()
}

impl Store for SqlStore {
    async fn prepare(&mut self, layouts: &[TypeLayout]) -> Result<(), StoreError> {
        if self.dialect == Dialect::Sqlite {
            // WAL: readers do not block the synchronization; NORMAL keeps every commit across
            // a process crash (not across a power cut).
            self.execute("PRAGMA journal_mode = WAL").await?;
            self.execute("PRAGMA synchronous = NORMAL").await?;
            return self.prepare_tables(layouts).await;
        }
        // Several partitions prepare the same tables at once: one at a time (concurrent
        // CREATE TABLE IF NOT EXISTS can collide in PostgreSQL's catalog). The lock is taken
        // and released on one connection held for the purpose.
        let mut lock = self.pool.acquire().await.map_err(|e| self.error(e))?;
        sqlx::query("SELECT pg_advisory_lock(7363746973)")
            .execute(&mut *lock)
            .await
            .map_err(|e| self.error(e))?;
        let prepared = self.prepare_tables(layouts).await;
        sqlx::query("SELECT pg_advisory_unlock(7363746973)")
            .execute(&mut *lock)
            .await
            .map_err(|e| self.error(e))?;
        prepared
    }

    async fn load(&mut self, key: &WindowKey) -> Result<SyncState, StoreError> {
        let sql = format!(
            "SELECT state FROM convio_sync_state WHERE site = {} AND partition_id = {}",
            self.placeholder(1),
            self.placeholder(2)
        );
        let row = sqlx::query(&sql)
            .bind(key.site.clone())
            .bind(i64::try_from(key.partition).unwrap_or(i64::MAX))
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        match row {
            None => Ok(SyncState::default()),
            Some(row) => {
                let text: String = row.try_get(0).map_err(|e| self.error(e))?;
                serde_json::from_str(&text).map_err(|e| StoreError::Mismatch {
                    location: format!("{} (convio_sync_state)", self.shown),
                    message: format!("not a synchronization state ({e})"),
                })
            }
        }
    }

    async fn save(&mut self, key: &WindowKey, state: &SyncState) -> Result<(), StoreError> {
        let mut transaction = self.begin_applying().await?;
        self.save_state(&mut transaction, key, state).await?;
        self.commit_applying(transaction).await
    }

    async fn apply(
        &mut self,
        key: &WindowKey,
        page: Page<'_>,
        state: &SyncState,
    ) -> Result<(), StoreError> {
        let mut transaction = self.begin_applying().await?;
        match page.kind {
            IncrementalKind::Inserts | IncrementalKind::Updates => {
                self.upsert(&mut transaction, page.layout, page.records)
                    .await?
            }
            IncrementalKind::Deletes => {
                self.delete_rows(&mut transaction, page.layout, page.records)
                    .await?
            }
        }
        self.save_state(&mut transaction, key, state).await?;
        self.commit_applying(transaction).await
    }

    async fn pending(&mut self, layouts: &[TypeLayout]) -> Result<Vec<LocalChange>, StoreError> {
        let rows = sqlx::query(
            "SELECT change_id, record_type, action, row_key, columns FROM convio_changes \
             WHERE status = 'pending' ORDER BY change_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.error(e))?;
        // Per row: every change since the last upload, merged.
        struct Merged {
            last: i64,
            inserted: bool,
            deleted: bool,
            columns: BTreeSet<String>,
        }
        let mut merged: BTreeMap<(String, i64), Merged> = BTreeMap::new();
        let mut order: Vec<(String, i64)> = Vec::new();
        for row in &rows {
            let change_id: i64 = row.try_get(0).map_err(|e| self.error(e))?;
            let record_type = text(row, 1).unwrap_or_default();
            let action = text(row, 2).unwrap_or_default();
            let Ok(Some(row_key)) = row.try_get::<Option<i64>, _>(3) else {
                continue;
            };
            let key = (record_type, row_key);
            let entry = merged.entry(key.clone()).or_insert_with(|| {
                order.push(key.clone());
                Merged {
                    last: change_id,
                    inserted: false,
                    deleted: false,
                    columns: BTreeSet::new(),
                }
            });
            entry.last = change_id;
            match action.as_str() {
                "insert" => entry.inserted = true,
                "delete" => entry.deleted = true,
                _ => entry.columns.extend(
                    text(row, 4)
                        .unwrap_or_default()
                        .split(',')
                        .filter(|c| !c.is_empty())
                        .map(str::to_string),
                ),
            }
        }
        let mut changes = Vec::new();
        for key in order {
            let Some(entry) = merged.remove(&key) else {
                continue;
            };
            let (record_type, row_key) = key;
            let Some(layout) = layouts.iter().find(|l| l.record_type == record_type) else {
                continue;
            };
            let change = |action, record_id, fields| LocalChange {
                change_id: entry.last,
                record_type: record_type.clone(),
                action,
                record_id,
                row_key,
                fields,
            };
            let upstream = (row_key > 0).then_some(row_key);
            if entry.deleted {
                if upstream.is_none() {
                    // Created and deleted here before it was ever sent: nothing to do.
                    let mut transaction = self.begin_applying().await?;
                    self.settle(
                        &mut transaction,
                        &change(LocalAction::Delete, None, Vec::new()),
                        None,
                    )
                    .await?;
                    self.commit_applying(transaction).await?;
                    continue;
                }
                changes.push(change(LocalAction::Delete, upstream, Vec::new()));
                continue;
            }
            let Some(values) = self.row_values(layout, row_key).await? else {
                continue;
            };
            if entry.inserted && upstream.is_none() {
                let fields = values.into_iter().filter(|(_, v)| v.is_value()).collect();
                changes.push(change(LocalAction::Insert, None, fields));
                continue;
            }
            // An update; an insert with an upstream id given by hand is one too (of every
            // column it set).
            let wanted: Vec<(String, Field<String>)> = values
                .into_iter()
                .filter(|(path, value)| {
                    if entry.inserted {
                        value.is_value()
                    } else {
                        entry.columns.contains(&column_name(path))
                    }
                })
                .collect();
            if wanted.is_empty() {
                continue;
            }
            changes.push(change(LocalAction::Update, upstream, wanted));
        }
        Ok(changes)
    }

    async fn creating(&mut self, changes: &[LocalChange]) -> Result<(), StoreError> {
        let mut transaction = self.begin_applying().await?;
        let sql = format!(
            "UPDATE convio_changes SET status = 'creating' WHERE record_type = {} AND row_key = {} AND change_id <= {}",
            self.placeholder(1),
            self.placeholder(2),
            self.placeholder(3)
        );
        for change in changes {
            sqlx::query(&sql)
                .bind(change.record_type.clone())
                .bind(change.row_key)
                .bind(change.change_id)
                .execute(&mut *transaction)
                .await
                .map_err(|e| self.error(e))?;
        }
        self.commit_applying(transaction).await
    }

    async fn uploaded(
        &mut self,
        layouts: &[TypeLayout],
        results: &[(LocalChange, UploadOutcome)],
    ) -> Result<(), StoreError> {
        let mut transaction = self.begin_applying().await?;
        for (change, outcome) in results {
            match outcome {
                UploadOutcome::Applied { created_id } => {
                    if let (LocalAction::Insert, Some(id), Some(layout)) = (
                        change.action,
                        created_id,
                        layouts.iter().find(|l| l.record_type == change.record_type),
                    ) {
                        self.rekey(&mut transaction, layout, change, *id).await?;
                    }
                    self.settle(&mut transaction, change, None).await?;
                }
                UploadOutcome::Refused { code, message } => {
                    self.settle(&mut transaction, change, Some((code, message)))
                        .await?;
                }
            }
        }
        self.commit_applying(transaction).await
    }

    async fn unresolved_creates(
        &mut self,
        layouts: &[TypeLayout],
    ) -> Result<Vec<LocalChange>, StoreError> {
        let rows = sqlx::query(
            "SELECT record_type, row_key, MAX(change_id) FROM convio_changes \
             WHERE status = 'creating' GROUP BY record_type, row_key",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.error(e))?;
        let mut changes = Vec::new();
        for row in &rows {
            let record_type = text(row, 0).unwrap_or_default();
            let Ok(Some(row_key)) = row.try_get::<Option<i64>, _>(1) else {
                continue;
            };
            let change_id: i64 = row.try_get(2).map_err(|e| self.error(e))?;
            let Some(layout) = layouts.iter().find(|l| l.record_type == record_type) else {
                continue;
            };
            let fields = self
                .row_values(layout, row_key)
                .await?
                .unwrap_or_default()
                .into_iter()
                .filter(|(_, v)| v.is_value())
                .collect();
            changes.push(LocalChange {
                change_id,
                record_type,
                action: LocalAction::Insert,
                record_id: None,
                row_key,
                fields,
            });
        }
        Ok(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            without_password("postgres://sync:hunter2@db.example/donors"),
            "postgres://sync:***@db.example/donors"
        );
        assert_eq!(without_password("sqlite:donors.db"), "sqlite:donors.db");
        assert_eq!(
            without_password("postgres://sync@db.example/donors"),
            "postgres://sync@db.example/donors"
        );
    }

    #[test]
    fn identifiers_and_literals_are_quoted() {
        assert_eq!(quoted("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("O'Brien"), "'O''Brien'");
    }
}
