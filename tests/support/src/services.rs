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

/// The Redis Cluster the store tests use: `PERSIST_TEST_REDIS_CLUSTER` (a
/// `redis+cluster://` URL), else this run's own.
pub fn redis_cluster() -> String {
    std::env::var("PERSIST_TEST_REDIS_CLUSTER")
        .unwrap_or_else(|_| servers::shared_redis_cluster().to_owned())
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

/// A key prefix of its own on the test Redis Cluster; its keys are deleted on drop.
pub struct ClusterPrefix {
    /// The cluster's `redis+cluster://` URL.
    pub server: String,
    /// The prefix, unique to this test.
    pub prefix: String,
}

impl ClusterPrefix {
    /// A new prefix on the test cluster.
    pub fn create() -> ClusterPrefix {
        ClusterPrefix {
            server: redis_cluster(),
            prefix: unique("cluster"),
        }
    }

    /// The store URL of the prefix.
    pub fn url(&self) -> String {
        format!("{}?prefix={}", self.server, self.prefix)
    }

    /// `redis://` of each node of the cluster.
    pub fn node_urls(&self) -> Vec<String> {
        let hosts = self.server.trim_start_matches("redis+cluster://");
        hosts.split(',').map(|h| format!("redis://{h}")).collect()
    }

    /// Every key under the prefix on every master, sorted.
    pub fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for url in self.node_urls() {
            let Ok(mut conn) = redis::Client::open(url.as_str()).and_then(|c| c.get_connection())
            else {
                continue;
            };
            let role: Vec<redis::Value> = redis::cmd("ROLE").query(&mut conn).unwrap_or_default();
            if !matches!(role.first(), Some(redis::Value::BulkString(r)) if r == b"master") {
                continue;
            }
            let found: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{}:*", self.prefix))
                .query(&mut conn)
                .unwrap_or_default();
            keys.extend(found);
        }
        keys.sort();
        keys
    }
}

impl Drop for ClusterPrefix {
    fn drop(&mut self) {
        for url in self.node_urls() {
            let Ok(mut conn) = redis::Client::open(url.as_str()).and_then(|c| c.get_connection())
            else {
                continue;
            };
            let keys: Vec<Vec<u8>> = redis::cmd("KEYS")
                .arg(format!("{}:*", self.prefix))
                .query(&mut conn)
                .unwrap_or_default();
            for key in keys {
                // A replica answers MOVED; its master deletes the key.
                let _: redis::RedisResult<()> = redis::cmd("DEL").arg(key).query(&mut conn);
            }
        }
    }
}

/// The S3 endpoint the store tests use: `PERSIST_TEST_S3_ENDPOINT` (serving the bucket
/// `persist-tests` to the `AWS_*` credentials of the environment), else this run's own
/// SeaweedFS.
pub fn s3_endpoint() -> String {
    servers::s3_credentials();
    std::env::var("PERSIST_TEST_S3_ENDPOINT")
        .unwrap_or_else(|_| servers::shared_seaweedfs().to_owned())
}

/// A prefix of its own in the test bucket; its objects are left to the server's folder,
/// which the run's watchdog removes.
pub struct S3Prefix {
    /// The endpoint.
    pub endpoint: String,
    /// The prefix, unique to this test.
    pub prefix: String,
}

impl S3Prefix {
    /// A new prefix in the test bucket.
    pub fn create() -> S3Prefix {
        S3Prefix {
            endpoint: s3_endpoint(),
            prefix: unique("s3"),
        }
    }

    /// The store URL of the prefix.
    pub fn url(&self) -> String {
        format!(
            "s3://{}/{}?endpoint={}&region=us-east-1",
            servers::S3_BUCKET,
            self.prefix,
            self.endpoint
        )
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
    /// A prefix of its own on the test Redis Cluster.
    RedisCluster(ClusterPrefix),
    /// A table of its own on the test PostgreSQL.
    Postgres(PostgresTable),
    /// A prefix of its own in the test S3 bucket.
    S3(S3Prefix),
}

impl Fresh {
    /// One of each kind.
    pub fn all() -> Vec<Fresh> {
        vec![
            Fresh::File(tempfile::tempdir().expect("temp dir")),
            Fresh::Memory,
            Fresh::Redis(RedisPrefix::create()),
            Fresh::RedisCluster(ClusterPrefix::create()),
            Fresh::Postgres(PostgresTable::create()),
            Fresh::S3(S3Prefix::create()),
        ]
    }

    /// `file`, `memory`, `redis`, `redis-cluster`, `postgres` or `s3`.
    pub fn name(&self) -> &'static str {
        match self {
            Fresh::File(_) => "file",
            Fresh::Memory => "memory",
            Fresh::Redis(_) => "redis",
            Fresh::RedisCluster(_) => "redis-cluster",
            Fresh::Postgres(_) => "postgres",
            Fresh::S3(_) => "s3",
        }
    }

    /// The store URL.
    pub fn url(&self) -> String {
        match self {
            Fresh::File(dir) => format!("file:{}", dir.path().display()),
            Fresh::Memory => "memory:".into(),
            Fresh::Redis(r) => r.url(),
            Fresh::RedisCluster(r) => r.url(),
            Fresh::Postgres(p) => p.url(),
            Fresh::S3(p) => p.url(),
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
