//! `postgres://`: one row per document in a table with primary key (entity, id), the bytes
//! stored exactly, and `updated_at`. Write = `INSERT … ON CONFLICT DO UPDATE`,
//! write-if-absent = `ON CONFLICT DO NOTHING` and the row count, quarantine = the row moved to
//! `<table>_quarantine` with its reason in one transaction. A view `<table>_json` shows the
//! documents as jsonb for SQL queries. The tables are created when missing; the connection is
//! opened on first use and again after any failure.

use super::url::{PostgresUrl, redacted};
use super::{Backend, StorageError};
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(3);

pub struct PostgresStore {
    config: postgres::Config,
    url: PostgresUrl,
    client: Mutex<Option<postgres::Client>>,
}

impl PostgresStore {
    pub fn open(url: &PostgresUrl) -> Result<PostgresStore, StorageError> {
        let mut config = postgres::Config::from_str(&url.server)
            .map_err(|e| StorageError::Io(format!("{}: {e}", redacted(&url.server))))?;
        if config.get_password().is_none()
            && let Ok(password) = std::env::var("PGPASSWORD")
        {
            config.password(password);
        }
        config.connect_timeout(TIMEOUT);
        Ok(PostgresStore {
            config,
            url: url.clone(),
            client: Mutex::new(None),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Option<postgres::Client>> {
        self.client.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        let mut client = self.config.connect(postgres::NoTls)?;
        let t = &self.url.table;
        client.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {t} (
                entity text NOT NULL,
                id text NOT NULL,
                value bytea NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (entity, id));
             CREATE TABLE IF NOT EXISTS {t}_quarantine (
                entity text NOT NULL,
                id text NOT NULL,
                value bytea NOT NULL,
                reason text NOT NULL,
                quarantined_at timestamptz NOT NULL DEFAULT now());
             CREATE OR REPLACE VIEW {t}_json AS
                SELECT entity, id, convert_from(value, 'UTF8')::jsonb AS document, updated_at
                FROM {t};"
        ))?;
        Ok(client)
    }

    /// Runs `f` on the connection, connecting first if needed; a failure on a broken
    /// connection drops it, so the next call reconnects.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error>,
    ) -> Result<T, StorageError> {
        let mut slot = self.lock();
        if slot.is_none() {
            *slot = Some(self.connect().map_err(|e| self.error(&e, true))?);
        }
        let client = slot
            .as_mut()
            .ok_or_else(|| StorageError::Io("no connection".into()))?;
        match f(client) {
            Ok(v) => Ok(v),
            Err(e) => {
                let broken = client.is_closed() || e.as_db_error().is_none();
                if broken {
                    *slot = None;
                }
                Err(self.error(&e, broken))
            }
        }
    }

    fn error(&self, e: &postgres::Error, unavailable: bool) -> StorageError {
        let at = format!("{}?table={}", redacted(&self.url.server), self.url.table);
        let words = match e.as_db_error() {
            Some(db) => format!("{}: {}", db.severity(), db.message()),
            None => e.to_string(),
        };
        if unavailable {
            StorageError::Unavailable(format!(
                "postgres at {at}: {words}; check that the server is running and reachable"
            ))
        } else {
            StorageError::Io(format!("postgres at {at}: {words}"))
        }
    }
}

impl Backend for PostgresStore {
    fn url(&self) -> String {
        super::StoreUrl::Postgres(self.url.clone()).to_string()
    }

    fn read(&self, entity: &str, id: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let sql = format!(
            "SELECT value FROM {} WHERE entity = $1 AND id = $2",
            self.url.table
        );
        self.with(|c| Ok(c.query_opt(&sql, &[&entity, &id])?.map(|row| row.get(0))))
    }

    fn write(&self, entity: &str, id: &str, value: &[u8]) -> Result<(), StorageError> {
        let sql = format!(
            "INSERT INTO {} (entity, id, value) VALUES ($1, $2, $3)
             ON CONFLICT (entity, id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
            self.url.table
        );
        self.with(|c| c.execute(&sql, &[&entity, &id, &value]).map(drop))
    }

    fn write_if_absent(&self, entity: &str, id: &str, value: &[u8]) -> Result<bool, StorageError> {
        let sql = format!(
            "INSERT INTO {} (entity, id, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            self.url.table
        );
        self.with(|c| c.execute(&sql, &[&entity, &id, &value]).map(|n| n == 1))
    }

    fn remove(&self, entity: &str, id: &str) -> Result<(), StorageError> {
        let sql = format!(
            "DELETE FROM {} WHERE entity = $1 AND id = $2",
            self.url.table
        );
        self.with(|c| c.execute(&sql, &[&entity, &id]).map(drop))
    }

    fn list_ids(&self, entity: &str) -> Result<Vec<String>, StorageError> {
        let sql = format!(
            "SELECT id FROM {} WHERE entity = $1 ORDER BY id",
            self.url.table
        );
        self.with(|c| {
            Ok(c.query(&sql, &[&entity])?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
    }

    fn entities(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let sql = format!(
            "SELECT DISTINCT entity FROM {} WHERE starts_with(entity, $1) ORDER BY entity",
            self.url.table
        );
        self.with(|c| {
            Ok(c.query(&sql, &[&prefix])?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
    }

    fn quarantine(&self, entity: &str, id: &str, reason: &str) -> Result<(), StorageError> {
        let t = &self.url.table;
        let sql = format!(
            "WITH moved AS (DELETE FROM {t} WHERE entity = $1 AND id = $2 RETURNING entity, id, value)
             INSERT INTO {t}_quarantine (entity, id, value, reason)
             SELECT entity, id, value, $3 FROM moved"
        );
        self.with(|c| c.execute(&sql, &[&entity, &id, &reason]).map(drop))
    }
}
