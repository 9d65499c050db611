//! The Redis and PostgreSQL the store tests use: the servers `PERSIST_TEST_REDIS` /
//! `PERSIST_TEST_POSTGRES` name, else private ones this test run starts (see `servers`).
//! Each test works in a key prefix or table of its own, removed afterwards. A named server that
//! is down fails the test with a message saying so; nothing is skipped.

use super::servers;
use persist_embed::{Backend, DEFAULT_MAX_DOCUMENT_BYTES, StoreUrl, open_url};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// The Redis the store tests use: `PERSIST_TEST_REDIS`, else this run's own.
pub fn redis_server() -> String {
    std::env::var("PERSIST_TEST_REDIS").unwrap_or_else(|_| servers::shared_redis().to_owned())
}

/// The PostgreSQL the store tests use: `PERSIST_TEST_POSTGRES`, else this run's own.
pub fn postgres_server() -> String {
    std::env::var("PERSIST_TEST_POSTGRES").unwrap_or_else(|_| servers::shared_postgres().to_owned())
}

/// What to do when a server the tests use does not answer.
fn unreachable(kind: &str, variable: &str, server: &str, error: impl std::fmt::Display) -> String {
    if std::env::var_os(variable).is_some() {
        format!(
            "{kind} at {server} ({variable}) is not reachable ({error}): start it, or unset \
             {variable} to let the tests start a private one"
        )
    } else {
        format!("the private {kind} this test run started at {server} is not reachable ({error})")
    }
}

/// A name no other test (or test run) uses.
pub fn unique(kind: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "t_{kind}_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        rand::random::<u32>()
    )
}

/// A Redis key prefix of its own; its keys are deleted on drop.
pub struct RedisPrefix {
    /// The server's URL.
    pub server: String,
    /// The prefix, unique to this test.
    pub prefix: String,
}

impl RedisPrefix {
    /// A new prefix on the test Redis (a server of this run unless PERSIST_TEST_REDIS names one).
    pub fn create() -> RedisPrefix {
        let server = redis_server();
        let client = redis::Client::open(server.as_str()).expect("redis URL");
        if let Err(e) = client.get_connection() {
            panic!("{}", unreachable("Redis", "PERSIST_TEST_REDIS", &server, e));
        }
        RedisPrefix {
            server,
            prefix: unique("redis"),
        }
    }

    /// The store URL of the prefix.
    pub fn url(&self) -> String {
        format!("{}?prefix={}", self.server, self.prefix)
    }

    /// Every key under the prefix, sorted.
    pub fn keys(&self) -> Vec<String> {
        let client = redis::Client::open(self.server.as_str()).expect("redis URL");
        let mut conn = client.get_connection().expect("redis connection");
        let mut keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}:*", self.prefix))
            .query(&mut conn)
            .expect("KEYS");
        keys.sort();
        keys
    }

    /// Runs one command with raw byte arguments (for keys this store's clients never write).
    pub fn command(&self, name: &str, args: &[&[u8]]) {
        let client = redis::Client::open(self.server.as_str()).expect("redis URL");
        let mut conn = client.get_connection().expect("redis connection");
        let mut cmd = redis::cmd(name);
        for arg in args {
            cmd.arg(*arg);
        }
        cmd.query::<redis::Value>(&mut conn).expect(name);
    }
}

impl Drop for RedisPrefix {
    fn drop(&mut self) {
        let Ok(client) = redis::Client::open(self.server.as_str()) else {
            return;
        };
        let Ok(mut conn) = client.get_connection() else {
            return;
        };
        let keys: Vec<Vec<u8>> = redis::cmd("KEYS")
            .arg(format!("{}:*", self.prefix))
            .query(&mut conn)
            .unwrap_or_default();
        for key in keys {
            let _: redis::RedisResult<()> = redis::cmd("DEL").arg(key).query(&mut conn);
        }
    }
}

/// A PostgreSQL table of its own; dropped (with its quarantine and view) on drop.
pub struct PostgresTable {
    /// The server's URL.
    pub server: String,
    /// The table, unique to this test.
    pub table: String,
}

impl PostgresTable {
    /// A new table on the test PostgreSQL (a server of this run unless PERSIST_TEST_POSTGRES names
    /// one).
    pub fn create() -> PostgresTable {
        let server = postgres_server();
        if let Err(e) = postgres::Client::connect(&server, postgres::NoTls) {
            panic!(
                "{}",
                unreachable("PostgreSQL", "PERSIST_TEST_POSTGRES", &server, e)
            );
        }
        PostgresTable {
            server,
            table: unique("pg"),
        }
    }

    /// The store URL of the table.
    pub fn url(&self) -> String {
        format!("{}?table={}", self.server, self.table)
    }

    /// Runs `sql` on the server and returns its rows.
    pub fn query(&self, sql: &str) -> Vec<postgres::Row> {
        let mut c = postgres::Client::connect(&self.server, postgres::NoTls).expect("postgres");
        c.query(sql, &[]).expect(sql)
    }

    /// Runs statements (`;`-separated) on the server.
    pub fn batch(&self, sql: &str) {
        let mut c = postgres::Client::connect(&self.server, postgres::NoTls).expect("postgres");
        c.batch_execute(sql).expect(sql)
    }
}

impl Drop for PostgresTable {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.server, postgres::NoTls) {
            let t = &self.table;
            let _ = c.batch_execute(&format!(
                "DROP VIEW IF EXISTS {t}_json; DROP TABLE IF EXISTS {t}; DROP TABLE IF EXISTS {t}_quarantine;"
            ));
        }
    }
}

/// A store of each kind, fresh and empty, with what cleans it up.
pub enum Fresh {
    /// A temp folder, removed on drop.
    File(tempfile::TempDir),
    /// A memory store (each open is a new, empty one).
    Memory,
    /// A prefix of its own on the test Redis.
    Redis(RedisPrefix),
    /// A table of its own on the test PostgreSQL.
    Postgres(PostgresTable),
}

impl Fresh {
    /// One of each kind.
    pub fn all() -> Vec<Fresh> {
        vec![
            Fresh::File(tempfile::tempdir().expect("temp dir")),
            Fresh::Memory,
            Fresh::Redis(RedisPrefix::create()),
            Fresh::Postgres(PostgresTable::create()),
        ]
    }

    /// `file`, `memory`, `redis` or `postgres`.
    pub fn name(&self) -> &'static str {
        match self {
            Fresh::File(_) => "file",
            Fresh::Memory => "memory",
            Fresh::Redis(_) => "redis",
            Fresh::Postgres(_) => "postgres",
        }
    }

    /// The store URL.
    pub fn url(&self) -> String {
        match self {
            Fresh::File(dir) => format!("file:{}", dir.path().display()),
            Fresh::Memory => "memory:".into(),
            Fresh::Redis(r) => r.url(),
            Fresh::Postgres(p) => p.url(),
        }
    }

    /// The store, with a document cap.
    pub fn open(&self, max_document_bytes: u64) -> Arc<dyn Backend> {
        let url: StoreUrl = self.url().parse().expect("store URL");
        open_url(&url, max_document_bytes).expect("store opens")
    }

    /// The store, with the default document cap.
    pub fn backend(&self) -> Arc<dyn Backend> {
        self.open(DEFAULT_MAX_DOCUMENT_BYTES)
    }
}

/// Runs `test` on a fresh store of every kind.
pub fn each_store_kind(test: impl Fn(&Fresh, Arc<dyn Backend>)) {
    for fresh in Fresh::all() {
        test(&fresh, fresh.backend());
    }
}
