//! The network part of `persist bench`: writes and reads through the component on Redis,
//! Redis Cluster, PostgreSQL and S3 beside the same requests sent by a plain client in the
//! same run, and the throughput of `migrate` for 10,000 documents.

use crate::bench::{BenchArgs, Report, signal_document};
use persist_embed::error::Error;
use persist_embed::runtime::Runtime;
use persist_embed::storage::{Backend, DEFAULT_MAX_DOCUMENT_BYTES, StoreUrl, open_url};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Documents migrated in the throughput measurement.
const MIGRATE_DOCS: u32 = 10_000;
/// Rounds of the migrate measurement.
const MIGRATE_ROUNDS: u32 = 5;

fn setup(e: impl std::fmt::Display) -> Error {
    Error::Setup(format!("bench: {e}"))
}

/// The plain client's side of a measurement.
trait Raw {
    fn write(&mut self, key: &str, value: &[u8]) -> Result<(), Error>;
    /// The documents written as one atomic batch, as `migrate` writes a batch.
    fn write_batch(&mut self, docs: &[(String, Vec<u8>)]) -> Result<(), Error>;
    fn read(&mut self, key: &str) -> Result<(), Error>;
    fn cleanup(&mut self);
}

struct RawRedis {
    conn: redis::Connection,
    prefix: String,
}

impl Raw for RawRedis {
    fn write(&mut self, key: &str, value: &[u8]) -> Result<(), Error> {
        redis::cmd("SET")
            .arg(format!("{}:raw:{key}", self.prefix))
            .arg(value)
            .query::<()>(&mut self.conn)
            .map_err(setup)
    }

    fn write_batch(&mut self, docs: &[(String, Vec<u8>)]) -> Result<(), Error> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        for (key, value) in docs {
            pipe.cmd("SET")
                .arg(format!("{}:raw:{key}", self.prefix))
                .arg(value)
                .ignore();
        }
        pipe.query::<()>(&mut self.conn).map_err(setup)
    }

    fn read(&mut self, key: &str) -> Result<(), Error> {
        redis::cmd("GET")
            .arg(format!("{}:raw:{key}", self.prefix))
            .query::<Option<Vec<u8>>>(&mut self.conn)
            .map(drop)
            .map_err(setup)
    }

    fn cleanup(&mut self) {
        // The prefix's own keys and those of the migrate targets (`<prefix>_m<round>`).
        let pattern = format!("{}*", self.prefix);
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(pattern)
            .query(&mut self.conn)
            .unwrap_or_default();
        for k in keys {
            let _: redis::RedisResult<()> = redis::cmd("DEL").arg(k).query(&mut self.conn);
        }
    }
}

/// The redis crate's own cluster client. Its keys carry the hash tag of the store's `bench`
/// entity, so both sides talk to the same master.
struct RawCluster {
    conn: redis::cluster::ClusterConnection,
    prefix: String,
}

impl Raw for RawCluster {
    fn write(&mut self, key: &str, value: &[u8]) -> Result<(), Error> {
        redis::cmd("SET")
            .arg(format!("{}:{{bench}}:raw:{key}", self.prefix))
            .arg(value)
            .query::<()>(&mut self.conn)
            .map_err(setup)
    }

    fn write_batch(&mut self, docs: &[(String, Vec<u8>)]) -> Result<(), Error> {
        // One MSET of keys in one slot: atomic, as a transaction on one node would be.
        let mut cmd = redis::cmd("MSET");
        for (key, value) in docs {
            cmd.arg(format!("{}:{{bench}}:raw:{key}", self.prefix))
                .arg(value);
        }
        cmd.query::<()>(&mut self.conn).map_err(setup)
    }

    fn read(&mut self, key: &str) -> Result<(), Error> {
        redis::cmd("GET")
            .arg(format!("{}:{{bench}}:raw:{key}", self.prefix))
            .query::<Option<Vec<u8>>>(&mut self.conn)
            .map(drop)
            .map_err(setup)
    }

    fn cleanup(&mut self) {
        // KEYS goes to every master; each DEL to the key's.
        for pattern in [format!("{}*", self.prefix)] {
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(pattern)
                .query(&mut self.conn)
                .unwrap_or_default();
            for k in keys {
                let _: redis::RedisResult<()> = redis::cmd("DEL").arg(k).query(&mut self.conn);
            }
        }
    }
}

/// Signed S3 requests sent with ureq, as any S3 client sends them.
struct RawS3 {
    bucket: rusty_s3::Bucket,
    credentials: rusty_s3::Credentials,
    agent: ureq::Agent,
    prefix: String,
    /// The store under the bench's prefix, to remove what the bench wrote.
    store: Arc<dyn Backend>,
}

impl RawS3 {
    fn put(&self, key: &str, value: &[u8]) -> Result<(), Error> {
        use rusty_s3::S3Action as _;
        let url = self
            .bucket
            .put_object(
                Some(&self.credentials),
                &format!("{}/raw/{key}.json", self.prefix),
            )
            .sign(Duration::from_secs(300));
        let r = self.agent.put(url.as_str()).send(value).map_err(setup)?;
        match r.status().as_u16() {
            200 | 201 => Ok(()),
            s => Err(setup(format!("plain S3 PUT answered {s}"))),
        }
    }
}

impl Raw for RawS3 {
    fn write(&mut self, key: &str, value: &[u8]) -> Result<(), Error> {
        self.put(key, value)
    }

    fn write_batch(&mut self, docs: &[(String, Vec<u8>)]) -> Result<(), Error> {
        // 8 requests in flight, as the store sends a batch.
        for chunk in docs.chunks(8) {
            let this = &*self;
            std::thread::scope(|s| {
                let handles: Vec<_> = chunk
                    .iter()
                    .map(|(k, v)| s.spawn(move || this.put(k, v)))
                    .collect();
                handles
                    .into_iter()
                    .try_for_each(|h| h.join().unwrap_or_else(|_| Err(setup("a PUT panicked"))))
            })?;
        }
        Ok(())
    }

    fn read(&mut self, key: &str) -> Result<(), Error> {
        use rusty_s3::S3Action as _;
        let url = self
            .bucket
            .get_object(
                Some(&self.credentials),
                &format!("{}/raw/{key}.json", self.prefix),
            )
            .sign(Duration::from_secs(300));
        let mut r = self.agent.get(url.as_str()).call().map_err(setup)?;
        r.body_mut().read_to_vec().map(drop).map_err(setup)
    }

    fn cleanup(&mut self) {
        let Ok(entities) = self.store.entities("") else {
            return;
        };
        for entity in entities {
            let ids = self.store.list_ids(&entity).unwrap_or_default();
            let keys: Vec<(String, String)> =
                ids.into_iter().map(|id| (entity.clone(), id)).collect();
            let _ = self.store.remove_many(&keys);
        }
    }
}

struct RawPostgres {
    client: postgres::Client,
    table: String,
    write: postgres::Statement,
    write_batch: postgres::Statement,
    read: postgres::Statement,
}

impl Raw for RawPostgres {
    fn write(&mut self, key: &str, value: &[u8]) -> Result<(), Error> {
        self.client
            .execute(&self.write, &[&key, &value])
            .map(drop)
            .map_err(setup)
    }

    fn write_batch(&mut self, docs: &[(String, Vec<u8>)]) -> Result<(), Error> {
        let ids: Vec<&str> = docs.iter().map(|(k, _)| k.as_str()).collect();
        let values: Vec<&[u8]> = docs.iter().map(|(_, v)| v.as_slice()).collect();
        self.client
            .execute(&self.write_batch, &[&ids, &values])
            .map(drop)
            .map_err(setup)
    }

    fn read(&mut self, key: &str) -> Result<(), Error> {
        self.client
            .query_opt(&self.read, &[&key])
            .map(drop)
            .map_err(setup)
    }

    fn cleanup(&mut self) {
        let t = &self.table;
        let _ = self.client.batch_execute(&format!(
            "DROP VIEW IF EXISTS {t}_json; DROP TABLE IF EXISTS {t}; \
             DROP TABLE IF EXISTS {t}_quarantine; DROP TABLE IF EXISTS {t}_raw; \
"
        ));
        for round in 0..MIGRATE_ROUNDS {
            let m = format!("{t}_m{round}");
            let _ = self.client.batch_execute(&format!(
                "DROP VIEW IF EXISTS {m}_json; DROP TABLE IF EXISTS {m}; DROP TABLE IF EXISTS {m}_quarantine;"
            ));
        }
    }
}

pub(crate) fn run(runtime: &Runtime, args: &BenchArgs, report: &mut Report) -> Result<(), Error> {
    let tag = format!("bench_{}_{}", std::process::id(), rand::random::<u32>());
    if args.redis != "off" {
        match redis::Client::open(args.redis.as_str()).and_then(|c| c.get_connection()) {
            Ok(conn) => {
                let mut raw = RawRedis {
                    conn,
                    prefix: tag.clone(),
                };
                let result = store(
                    runtime,
                    args,
                    report,
                    "redis",
                    &format!("{}?prefix={tag}", args.redis),
                    &|round| format!("{}?prefix={tag}_m{round}", args.redis),
                    &mut raw,
                );
                raw.cleanup();
                raw.prefix = format!("{tag}_m");
                raw.cleanup();
                result?;
            }
            Err(e) => {
                report.row("redis", "not reachable, skipped", e.to_string(), &[]);
                report.note("redis.skipped", &e.to_string());
            }
        }
    }
    if args.postgres != "off" {
        match postgres::Client::connect(&args.postgres, postgres::NoTls) {
            Ok(mut client) => {
                let table = tag.clone();
                client
                    .batch_execute(&format!(
                        "CREATE TABLE {table}_raw (entity text NOT NULL, id text NOT NULL, \
                         value bytea NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), \
                         PRIMARY KEY (entity, id))"
                    ))
                    .map_err(setup)?;
                let write = client
                    .prepare(&format!(
                        "INSERT INTO {table}_raw (entity, id, value) VALUES ('bench', $1, $2) \
                         ON CONFLICT (entity, id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()"
                    ))
                    .map_err(setup)?;
                let write_batch = client
                    .prepare(&format!(
                        "INSERT INTO {table}_raw (entity, id, value) \
                         SELECT 'migrate', * FROM unnest($1::text[], $2::bytea[]) \
                         ON CONFLICT (entity, id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()"
                    ))
                    .map_err(setup)?;
                let read = client
                    .prepare(&format!(
                        "SELECT value FROM {table}_raw WHERE entity = 'bench' AND id = $1"
                    ))
                    .map_err(setup)?;
                let mut raw = RawPostgres {
                    client,
                    table: table.clone(),
                    write,
                    write_batch,
                    read,
                };
                let result = store(
                    runtime,
                    args,
                    report,
                    "postgres",
                    &format!("{}?table={table}", args.postgres),
                    &|round| format!("{}?table={table}_m{round}", args.postgres),
                    &mut raw,
                );
                raw.cleanup();
                result?;
            }
            Err(e) => {
                report.row("postgres", "not reachable, skipped", e.to_string(), &[]);
                report.note("postgres.skipped", &e.to_string());
            }
        }
    }
    if args.redis_cluster != "off" {
        let seeds: Vec<String> = args
            .redis_cluster
            .trim_start_matches("redis+cluster://")
            .split('?')
            .next()
            .unwrap_or_default()
            .split(',')
            .map(|h| format!("redis://{h}"))
            .collect();
        let conn = redis::cluster::ClusterClient::new(seeds)
            .and_then(|c| c.get_connection())
            .map_err(setup)?;
        let mut raw = RawCluster {
            conn,
            prefix: tag.clone(),
        };
        let sep = if args.redis_cluster.contains('?') {
            '&'
        } else {
            '?'
        };
        let result = store(
            runtime,
            args,
            report,
            "redis-cluster",
            &format!("{}{sep}prefix={tag}", args.redis_cluster),
            &|round| format!("{}{sep}prefix={tag}_m{round}", args.redis_cluster),
            &mut raw,
        );
        raw.cleanup();
        result?;
    }
    if args.s3 != "off" {
        let url: StoreUrl = args.s3.parse().map_err(setup)?;
        let StoreUrl::S3(s3) = &url else {
            return Err(setup("--s3 takes an s3:// URL"));
        };
        let scratch = |name: &str| {
            let mut u = s3.clone();
            u.prefix = if s3.prefix.is_empty() {
                name.to_string()
            } else {
                format!("{}/{name}", s3.prefix)
            };
            u
        };
        let ours = scratch(&tag);
        // The store's own signing setup: the plain client differs only by going around it.
        let credentials = persist_embed::storage::s3::credentials(s3).map_err(setup)?;
        let bucket = persist_embed::storage::s3::bucket(s3).map_err(setup)?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut raw = RawS3 {
            bucket,
            credentials,
            agent,
            prefix: ours.prefix.clone(),
            store: open_url(&StoreUrl::S3(ours.clone()), DEFAULT_MAX_DOCUMENT_BYTES)
                .map_err(setup)?,
        };
        let result = store(
            runtime,
            args,
            report,
            "s3",
            &StoreUrl::S3(ours.clone()).to_string(),
            &|round| StoreUrl::S3(scratch(&format!("{tag}_m{round}"))).to_string(),
            &mut raw,
        );
        raw.cleanup();
        for round in 0..MIGRATE_ROUNDS {
            raw.store = open_url(
                &StoreUrl::S3(scratch(&format!("{tag}_m{round}"))),
                DEFAULT_MAX_DOCUMENT_BYTES,
            )
            .map_err(setup)?;
            raw.cleanup();
        }
        result?;
    }
    Ok(())
}

fn ops_per_sec(d: Duration, n: u32) -> f64 {
    f64::from(n) / d.as_secs_f64().max(1e-9)
}

fn store(
    runtime: &Runtime,
    args: &BenchArgs,
    report: &mut Report,
    name: &str,
    url: &str,
    migrate_url: &dyn Fn(u32) -> String,
    raw: &mut dyn Raw,
) -> Result<(), Error> {
    let backend = open_url(
        &url.parse::<StoreUrl>().map_err(setup)?,
        DEFAULT_MAX_DOCUMENT_BYTES,
    )
    .map_err(setup)?;
    let mut p = runtime.open(backend.clone())?;
    let doc = signal_document(0);
    let n = args.network_ops.max(1);
    p.base("bench").write_value("warm", &doc)?;
    raw.write("warm", doc.as_bytes())?;
    // Op by op, alternating, so that both sides see the same server and machine load; each
    // side reports its median.
    // The store object's own connection, called without the component, is the second floor:
    // the same server process serves it, so the pair differs only by the component. The three
    // calls of a round run in a random order: a server process that has just answered answers
    // the next call on its connection faster than one woken from sleep.
    let mut times: [Vec<Duration>; 6] = Default::default();
    let mut order = [0usize, 1, 2];
    for i in 0..n {
        let id = (i % 100).to_string();
        rand::seq::SliceRandom::shuffle(&mut order[..], &mut rand::rng());
        for &which in &order {
            let t = Instant::now();
            match which {
                0 => raw.write(&id, doc.as_bytes())?,
                1 => p.base("bench").write_value(&id, &doc)?,
                _ => backend.write("bench", &id, doc.as_bytes()).map_err(setup)?,
            }
            times[[0, 1, 4][which]].push(t.elapsed());
        }
    }
    for i in 0..n {
        let id = (i % 100).to_string();
        rand::seq::SliceRandom::shuffle(&mut order[..], &mut rand::rng());
        for &which in &order {
            let t = Instant::now();
            match which {
                0 => raw.read(&id)?,
                1 => p.base("bench").read_value(&id).map(drop)?,
                _ => backend.read("bench", &id).map(drop).map_err(setup)?,
            }
            times[[2, 3, 5][which]].push(t.elapsed());
        }
    }
    // What the component itself costs at this point: a read through it on the memory store,
    // right after a read from this server (caches cold from the wait on the socket), and the
    // same read again at once (caches warm).
    let memory = open_url(&StoreUrl::Memory, DEFAULT_MAX_DOCUMENT_BYTES).map_err(setup)?;
    let mut in_memory = runtime.open(memory)?;
    in_memory.base("bench").write_value("0", &doc)?;
    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    for i in 0..n {
        backend
            .read("bench", &(i % 100).to_string())
            .map_err(setup)?;
        for times in [&mut cold, &mut warm] {
            let t = Instant::now();
            in_memory.base("bench").read_value("0")?;
            times.push(t.elapsed().as_secs_f64());
        }
    }
    // The ratio is the median of each pair's ratio: a pair shares the machine's and the
    // server's state, which drifts by tens of percent between pairs on a busy 2-core machine.
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let [raw_w, ours_w, raw_r, ours_r, same_w, same_r] = times;
    let pair_ratio = |floor: &[Duration], ours: &[Duration]| {
        median(
            floor
                .iter()
                .zip(ours)
                .map(|(f, o)| f.as_secs_f64() / o.as_secs_f64().max(1e-9))
                .collect(),
        )
    };
    for (what, ours, same) in [("write", &ours_w, &same_w), ("read", &ours_r, &same_r)] {
        let ratio = pair_ratio(same, ours);
        report.row(
            name,
            &format!("{what}: component vs the same connection without it (target ≥ 0.9×)"),
            format!("paired ratio {ratio:.2}×"),
            &[(&format!("{name}.{what}.vs_same_connection"), ratio)],
        );
    }
    for (what, ours, floor) in [("write", ours_w, raw_w), ("read", ours_r, raw_r)] {
        let ratio = median(
            floor
                .iter()
                .zip(&ours)
                .map(|(f, o)| f.as_secs_f64() / o.as_secs_f64().max(1e-9))
                .collect(),
        );
        let per_sec = |v: &[Duration]| 1.0 / median(v.iter().map(Duration::as_secs_f64).collect());
        report.row(
            name,
            &format!("{what} through the component vs plain client (target ≥ 0.9×)"),
            format!(
                "{:.0} ops/s vs {:.0} ops/s, paired ratio {ratio:.2}×",
                per_sec(&ours),
                per_sec(&floor)
            ),
            &[
                (&format!("{name}.{what}.ops_per_s"), per_sec(&ours)),
                (&format!("{name}.{what}_plain.ops_per_s"), per_sec(&floor)),
                (&format!("{name}.{what}.vs_plain"), ratio),
            ],
        );
    }

    report.row(
        name,
        "the component's own cost: a read on the memory store right after a read from this server",
        format!(
            "{:.1} µs (the same read again at once: {:.1} µs)",
            median(cold.clone()) * 1e6,
            median(warm.clone()) * 1e6
        ),
        &[
            (
                &format!("{name}.component_read_cold.us"),
                median(cold) * 1e6,
            ),
            (
                &format!("{name}.component_read_warm.us"),
                median(warm) * 1e6,
            ),
        ],
    );

    // Migrate throughput: 10,000 signal-sized documents from memory into this store, beside
    // the plain client writing the same documents in batches of the same size on its own.
    let source: Arc<dyn Backend> =
        open_url(&StoreUrl::Memory, DEFAULT_MAX_DOCUMENT_BYTES).map_err(setup)?;
    let mut plain_docs = Vec::with_capacity(MIGRATE_DOCS as usize);
    for i in 0..MIGRATE_DOCS {
        let doc = signal_document(i).into_bytes();
        source
            .write(&format!("bench/e{}", i % 10), &format!("sig-{i}"), &doc)
            .map_err(setup)?;
        plain_docs.push((format!("e{}/sig-{i}", i % 10), doc));
    }
    // Rounds alternate the two, each migrate into an empty target of its own; the figures
    // are the medians, the ratio the median of each round's.
    let (mut plains, mut ourses, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut done = persist_embed::migrate::MigrateReport::default();
    for round in 0..MIGRATE_ROUNDS {
        let target = open_url(
            &migrate_url(round).parse::<StoreUrl>().map_err(setup)?,
            DEFAULT_MAX_DOCUMENT_BYTES,
        )
        .map_err(setup)?;
        let t = Instant::now();
        for batch in plain_docs.chunks(persist_embed::migrate::BATCH) {
            raw.write_batch(batch)?;
        }
        let plain = ops_per_sec(t.elapsed(), MIGRATE_DOCS);
        let t = Instant::now();
        done = persist_embed::migrate::migrate(
            runtime,
            source.clone(),
            target,
            &[],
            false,
            &mut |_| {},
        )?;
        let ours = ops_per_sec(t.elapsed(), MIGRATE_DOCS);
        plains.push(plain);
        ourses.push(ours);
        ratios.push(ours / plain);
    }
    let (plain, ours, ratio) = (median(plains), median(ourses), median(ratios));
    report.row(
        name,
        &format!(
            "migrate of {MIGRATE_DOCS} documents from memory ({} copied, {} invalid) vs plain client",
            done.copied,
            done.invalid.len()
        ),
        format!(
            "{ours:.0} docs/s vs {plain:.0} docs/s, median of {MIGRATE_ROUNDS} rounds' ratios {ratio:.2}×"
        ),
        &[
            (&format!("{name}.migrate.docs_per_s"), ours),
            (&format!("{name}.migrate_plain.docs_per_s"), plain),
            (&format!("{name}.migrate.vs_plain"), ratio),
        ],
    );
    Ok(())
}
