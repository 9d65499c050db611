//! `persist bench`: what a write, a read and an init validation cost through the component,
//! on the memory store and on the file store, beside the native floor of an atomic file
//! write (temp + write + fsync + rename + folder fsync in plain Rust) measured in the same
//! run. Native and component writes alternate in rounds so that both see the same disk.

use crate::cli::error::CliError;
use persist_embed::error::Error;
use persist_embed::runtime::{GuestSource, Runtime};
use persist_embed::storage::{DEFAULT_MAX_DOCUMENT_BYTES, StoreUrl, open_url};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// Operations per measurement on the memory store.
    #[arg(long, default_value_t = 50_000)]
    pub memory_ops: u32,
    /// Operations per measurement on the file store (each write is fsynced).
    #[arg(long, default_value_t = 400)]
    pub file_ops: u32,
    /// Documents for the init-validation measurement.
    #[arg(long, default_value_t = 10_000)]
    pub docs: u32,
    /// Folder for the file-store measurements (a fresh subfolder is made and removed).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Redis server for the network measurements ("off" to skip them).
    #[arg(long, value_name = "URL", default_value = "redis://127.0.0.1:6379")]
    pub redis: String,
    /// PostgreSQL server for the network measurements ("off" to skip them).
    #[arg(
        long,
        value_name = "URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    pub postgres: String,
    /// Redis Cluster for the network measurements (`redis+cluster://host:port,…`; off unless
    /// given).
    #[arg(long, value_name = "URL", default_value = "off")]
    pub redis_cluster: String,
    /// S3 prefix for the network measurements (`s3://bucket/prefix?endpoint=…`; off unless
    /// given). The bench writes under `<prefix>/bench_…` and removes what it wrote.
    #[arg(long, value_name = "URL", default_value = "off")]
    pub s3: String,
    /// Operations per network measurement.
    #[arg(long, default_value_t = 2000)]
    pub network_ops: u32,
    /// Print every figure as one JSON object with stable keys (nothing else on stdout).
    #[arg(long)]
    pub json: bool,
}

/// A signal-sized document (about 600 bytes), numbered.
pub fn signal_document(n: u32) -> String {
    format!(
        concat!(
            r#"{{"id":"sig-{n:08}","position":"long","priceOpen":42150.25,"priceTakeProfit":43500.5,"#,
            r#""priceStopLoss":41200.75,"minuteEstimatedTime":240,"exchangeName":"binance","#,
            r#""strategyName":"my-strategy","frameName":"","symbol":"BTCUSDT","scheduledAt":1700000000000,"#,
            r#""pendingAt":1700000060000,"timestamp":1700000060000,"_isScheduled":false,"#,
            r#""note":"bench document {n} with a note long enough to make the row signal-sized","#,
            r#""_peak":{{"price":42890.5,"timestamp":1700003600000}},"_fall":{{"price":41900.1,"timestamp":1700001800000}},"#,
            r#""_partial":[{{"type":"profit","percent":10,"price":42300.5,"timestamp":1700002000000}}],"#,
            r#""_entry":[{{"price":42150.25,"cost":100,"timestamp":1700000060000}}],"multiplier":1,"isolated":true}}"#
        ),
        n = n
    )
}

/// The figures of a run: each printed as a row as it comes, or with `--json` kept and printed
/// at the end as one JSON object whose keys stay the same from run to run (`<store>.<what>`
/// with the unit last: `file.batch_100.docs_per_s`), so that runs can be compared.
pub(crate) struct Report {
    json: bool,
    figures: serde_json::Map<String, serde_json::Value>,
}

impl Report {
    fn new(json: bool) -> Report {
        Report {
            json,
            figures: serde_json::Map::new(),
        }
    }

    /// A row: `text` for people, `figures` (key, number) for `--json`.
    pub(crate) fn row(&mut self, store: &str, what: &str, text: String, figures: &[(&str, f64)]) {
        for (key, value) in figures {
            // Three significant decimals are plenty for any timing.
            let rounded = (value * 1000.0).round() / 1000.0;
            self.figures
                .insert((*key).to_string(), serde_json::json!(rounded));
        }
        if !self.json {
            println!("{store:<8} {what:<58} {text}");
            let _ = std::io::stdout().flush();
        }
    }

    /// A fact that is not a number (the guest's hash, a store that was skipped and why).
    pub(crate) fn note(&mut self, key: &str, text: &str) {
        self.figures
            .insert(key.to_string(), serde_json::json!(text));
    }

    fn finish(self) {
        if self.json {
            println!("{}", serde_json::Value::Object(self.figures));
        }
    }
}

fn micros(d: Duration, n: u32) -> f64 {
    d.as_secs_f64() * 1e6 / f64::from(n.max(1))
}

pub fn run(guest: &GuestSource, args: &BenchArgs) -> Result<(), CliError> {
    let runtime = Runtime::new(guest)?;
    let base = args.dir.clone().unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!(
        "persist-bench-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::Setup(format!("cannot create {}: {e}", dir.display())))?;
    let mut report = Report::new(args.json);
    if !args.json {
        println!(
            "persist bench: guest sha256 {}, file store under {}",
            runtime.guest_sha256(),
            dir.display()
        );
    }
    report.note("guest_sha256", runtime.guest_sha256());
    let result = run_in(&runtime, &dir, args, &mut report);
    let _ = std::fs::remove_dir_all(&dir);
    result?;
    report.finish();
    Ok(())
}

fn setup(e: impl std::fmt::Display) -> Error {
    Error::Setup(format!("bench: {e}"))
}

fn run_in(
    runtime: &Runtime,
    dir: &Path,
    args: &BenchArgs,
    report: &mut Report,
) -> Result<(), CliError> {
    let doc = signal_document(0);
    report.row(
        "",
        "document size",
        format!("{} bytes", doc.len()),
        &[("document.bytes", doc.len() as f64)],
    );

    // Memory store.
    let memory = open_url(&StoreUrl::Memory, DEFAULT_MAX_DOCUMENT_BYTES).map_err(setup)?;
    let mut p = runtime.open(memory)?;
    let n = args.memory_ops;
    for i in 0..1000 {
        p.base("bench").write_value(&format!("{}", i % 100), &doc)?;
        p.base("bench").read_value(&format!("{}", i % 100))?;
    }
    let has = best_of(BATCHES, n, |_| {
        p.base("bench").has_value("absent").map(drop)
    })?;
    report.row(
        "memory",
        "has of an absent id (cost of one call into the guest)",
        format!("{has:.2} µs/op"),
        &[("memory.has_absent.us", has)],
    );
    let write = best_of(BATCHES, n, |i| {
        p.base("bench").write_value(&(i % 100).to_string(), &doc)
    })?;
    report.row(
        "memory",
        "write",
        format!("{write:.2} µs/op"),
        &[("memory.write.us", write)],
    );
    let read = best_of(BATCHES, n, |i| {
        p.base("bench").read_value(&(i % 100).to_string()).map(drop)
    })?;
    report.row(
        "memory",
        "read",
        format!("{read:.2} µs/op"),
        &[("memory.read.us", read)],
    );
    let round_trip = best_of(BATCHES, n, |i| {
        let id = (i % 100).to_string();
        p.base("bench").write_value(&id, &doc)?;
        p.base("bench").read_value(&id).map(drop)
    })?;
    report.row(
        "memory",
        "write+read round trip (target ≤ 5 µs)",
        format!("{round_trip:.2} µs/op"),
        &[("memory.round_trip.us", round_trip)],
    );

    let memory = open_url(&StoreUrl::Memory, DEFAULT_MAX_DOCUMENT_BYTES).map_err(setup)?;
    for i in 0..args.docs {
        memory
            .write("init", &i.to_string(), signal_document(i).as_bytes())
            .map_err(setup)?;
    }
    let took = timed_init(runtime, memory, args.docs)?;
    report.row(
        "memory",
        &format!(
            "init validation of {} documents (target ≤ 500 ms)",
            args.docs
        ),
        format!("{:.1} ms", took.as_secs_f64() * 1e3),
        &[("memory.init.ms", took.as_secs_f64() * 1e3)],
    );

    // File store: native floor and component writes, alternating rounds.
    let native_dir = dir.join("native");
    std::fs::create_dir_all(&native_dir).map_err(setup)?;
    let store_dir = dir.join("store");
    let file = open_url(
        &StoreUrl::File(store_dir.clone()),
        DEFAULT_MAX_DOCUMENT_BYTES,
    )
    .map_err(setup)?;
    let mut p = runtime.open(file)?;
    p.base("bench").write_value("warm", &doc)?;
    native_write(&native_dir, "warm", doc.as_bytes()).map_err(setup)?;
    // fsync latency drifts by several times within seconds, so native and component writes
    // alternate op by op and each side reports its median.
    let ops = args.file_ops.max(1);
    let (mut native, mut component) = (Vec::new(), Vec::new());
    for i in 0..ops {
        let id = format!("{}", i % 100);
        let t = Instant::now();
        native_write(&native_dir, &id, doc.as_bytes()).map_err(setup)?;
        native.push(t.elapsed());
        let t = Instant::now();
        p.base("bench").write_value(&id, &doc)?;
        component.push(t.elapsed());
    }
    let (floor, ours) = (
        micros(median(&mut native), 1),
        micros(median(&mut component), 1),
    );
    report.row(
        "file",
        "native floor, median (tmp+write+fsync+rename+folder fsync)",
        format!("{floor:.1} µs/op"),
        &[("file.native_write.us", floor)],
    );
    report.row(
        "file",
        "write, median (target ≤ 1.10× floor)",
        format!("{ours:.1} µs/op = {:.3}× floor", ours / floor),
        &[
            ("file.write.us", ours),
            ("file.write.vs_floor", ours / floor),
        ],
    );
    let t = Instant::now();
    for i in 0..args.memory_ops {
        p.base("bench")
            .read_value(&format!("{}", i % ops.min(100)))?;
    }
    let read = micros(t.elapsed(), args.memory_ops);
    report.row(
        "file",
        "read",
        format!("{read:.2} µs/op"),
        &[("file.read.us", read)],
    );

    let init_dir = store_dir.join("init");
    std::fs::create_dir_all(&init_dir).map_err(setup)?;
    for i in 0..args.docs {
        std::fs::write(init_dir.join(format!("{i}.json")), signal_document(i)).map_err(setup)?;
    }
    for i in 0..args.docs {
        std::fs::read(init_dir.join(format!("{i}.json"))).map_err(setup)?;
    }
    let file = open_url(&StoreUrl::File(store_dir), DEFAULT_MAX_DOCUMENT_BYTES).map_err(setup)?;
    let took = timed_init(runtime, file, args.docs)?;
    report.row(
        "file",
        &format!(
            "init validation of {} documents, warm (target ≤ 500 ms)",
            args.docs
        ),
        format!("{:.1} ms", took.as_secs_f64() * 1e3),
        &[("file.init.ms", took.as_secs_f64() * 1e3)],
    );
    file_batches(dir, report)?;
    domains(runtime, dir, args, report)?;
    crate::bench_plugin::run(runtime, dir, report)?;
    Ok(crate::bench_network::run(runtime, args, report)?)
}

/// Documents per batch in the file-store batch measurement.
const BATCH_DOCS: usize = 100;

/// The file store's batch against single writes of the same documents: 100 durable writes
/// one by one, then the same 100 as one `write_many`, alternating rounds, each side's median.
fn file_batches(dir: &Path, report: &mut Report) -> Result<(), Error> {
    let store = open_url(
        &StoreUrl::File(dir.join("batches")),
        DEFAULT_MAX_DOCUMENT_BYTES,
    )
    .map_err(setup)?;
    let docs: Vec<persist_embed::storage::Document> = (0..BATCH_DOCS as u32)
        .map(|i| {
            (
                "bench/batch".to_string(),
                format!("sig-{i}"),
                signal_document(i).into_bytes(),
            )
        })
        .collect();
    store.write_many(&docs).map_err(setup)?;
    let (mut singles, mut batches) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let t = Instant::now();
        for (entity, id, value) in &docs {
            store.write(entity, id, value).map_err(setup)?;
        }
        singles.push(t.elapsed());
        let t = Instant::now();
        store.write_many(&docs).map_err(setup)?;
        batches.push(t.elapsed());
    }
    let per_s = |d: Duration| BATCH_DOCS as f64 / d.as_secs_f64().max(1e-9);
    let (single, batch) = (per_s(median(&mut singles)), per_s(median(&mut batches)));
    report.row(
        "file",
        "100 documents: one batch vs 100 single writes (target ≥ 10×)",
        format!(
            "{batch:.0} docs/s vs {single:.0} docs/s = {:.1}×",
            batch / single
        ),
        &[
            ("file.batch_100.docs_per_s", batch),
            ("file.single_writes.docs_per_s", single),
            ("file.batch_100.vs_singles", batch / single),
        ],
    );
    Ok(())
}

/// The domain adapters: a typed signal round trip, a run of cached candles, and init with
/// domain validation.
fn domains(
    runtime: &Runtime,
    dir: &Path,
    args: &BenchArgs,
    report: &mut Report,
) -> Result<(), Error> {
    let memory = open_url(&StoreUrl::Memory, DEFAULT_MAX_DOCUMENT_BYTES).map_err(setup)?;
    let mut p = runtime.open(memory)?;
    let row = p.signal_row_from_json(&signal_document(0))?;
    let mut signal = p.signal("BTCUSDT", "my-strategy", "binance");
    for _ in 0..1000 {
        signal.write_signal_data(Some(&row))?;
        signal.read_signal_data()?;
    }
    let round_trip = best_of(BATCHES, args.memory_ops, |_| {
        signal.write_signal_data(Some(&row))?;
        signal.read_signal_data().map(drop)
    })?;
    drop(signal);
    report.row(
        "memory",
        "typed signal write+read round trip (target ≤ 5 µs)",
        format!("{round_trip:.2} µs/op"),
        &[("memory.signal_round_trip.us", round_trip)],
    );

    // 1,000 consecutive 1m candles on files, read warm by one instance.
    const CANDLES: u32 = 1000;
    const T0: f64 = 1_704_067_200_000.0;
    let store_dir = dir.join("domains");
    let file = open_url(
        &StoreUrl::File(store_dir.clone()),
        DEFAULT_MAX_DOCUMENT_BYTES,
    )
    .map_err(setup)?;
    let mut p = runtime.open(file.clone())?;
    let candles: Vec<_> = (0..CANDLES)
        .map(|i| persist_embed::bindings::records::Candle {
            timestamp: T0 + f64::from(i) * 60_000.0,
            open: 42000.5,
            high: 42100.25,
            low: 41950.75,
            close: 42050.5,
            volume: 12.5,
            extra: String::new(),
        })
        .collect();
    let written = p
        .candle("BTCUSDT", "1m", "binance")
        .write_candles_data(&candles)?;
    if written.written != CANDLES {
        return Err(setup(format!(
            "wrote {} of {CANDLES} candles",
            written.written
        )));
    }
    let mut p = runtime.open(file)?;
    p.candle("BTCUSDT", "1m", "binance")
        .read_candles_data(CANDLES, T0, 0.0)?;
    let mut reads = Vec::new();
    for _ in 0..9 {
        let t = Instant::now();
        let got = p
            .candle("BTCUSDT", "1m", "binance")
            .read_candles_data(CANDLES, T0, 0.0)?;
        reads.push(t.elapsed());
        if got.map(|c| c.len()) != Some(CANDLES as usize) {
            return Err(setup("the candles did not read back"));
        }
    }
    let read_ms = median(&mut reads).as_secs_f64() * 1e3;
    report.row(
        "file",
        "read of 1,000 consecutive 1m candles, warm, median (target ≤ 25 ms)",
        format!("{read_ms:.2} ms"),
        &[("file.candles_1000_read.ms", read_ms)],
    );

    // Init of one signal context holding `docs` signal rows, each checked as a record.
    let context = store_dir.join("data/signal/BTCUSDT_my-strategy_binance");
    std::fs::create_dir_all(&context).map_err(setup)?;
    for i in 0..args.docs {
        std::fs::write(context.join(format!("{i}.json")), signal_document(i)).map_err(setup)?;
    }
    for i in 0..args.docs {
        std::fs::read(context.join(format!("{i}.json"))).map_err(setup)?;
    }
    let file = open_url(&StoreUrl::File(store_dir), DEFAULT_MAX_DOCUMENT_BYTES).map_err(setup)?;
    let mut fresh = runtime.open(file)?;
    let t = Instant::now();
    let init = fresh
        .signal("BTCUSDT", "my-strategy", "binance")
        .wait_for_init(true)?;
    let took = t.elapsed();
    if init.valid != args.docs {
        return Err(setup(format!(
            "init validated {} of {} signal rows",
            init.valid, args.docs
        )));
    }
    report.row(
        "file",
        &format!(
            "signal init with domain validation of {} rows, warm (target ≤ 600 ms)",
            args.docs
        ),
        format!("{:.1} ms", took.as_secs_f64() * 1e3),
        &[("file.signal_init.ms", took.as_secs_f64() * 1e3)],
    );
    Ok(())
}

/// How long a fresh guest instance's `wait-for-init` takes over the `init` entity, which
/// must hold `docs` valid documents.
fn timed_init(
    runtime: &Runtime,
    store: std::sync::Arc<dyn persist_embed::storage::Backend>,
    docs: u32,
) -> Result<Duration, Error> {
    let mut fresh = runtime.open(store)?;
    let t = Instant::now();
    let report = fresh.base("init").wait_for_init(true)?;
    let took = t.elapsed();
    if report.valid != docs {
        return Err(setup(format!(
            "init validated {} of {docs} documents",
            report.valid
        )));
    }
    Ok(took)
}

/// Batches per in-memory figure; each figure is the best batch's mean, so that a burst of
/// load from elsewhere on the machine does not show up as the component's cost.
const BATCHES: u32 = 5;

/// µs per call of `op` (given the call's index), the best of `batches` batches of `n` calls.
fn best_of(
    batches: u32,
    n: u32,
    mut op: impl FnMut(u32) -> Result<(), Error>,
) -> Result<f64, Error> {
    let per_batch = (n / batches).max(1);
    let mut best = f64::INFINITY;
    for _ in 0..batches {
        let t = Instant::now();
        for i in 0..per_batch {
            op(i)?;
        }
        best = best.min(micros(t.elapsed(), per_batch));
    }
    Ok(best)
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The floor: an atomic, durable file write in plain Rust.
fn native_write(dir: &Path, id: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!(
        ".tmp-{:012x}-{id}.json",
        rand::random::<u64>() & 0xffff_ffff_ffff
    ));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, dir.join(format!("{id}.json")))?;
    std::fs::File::open(dir)?.sync_all()
}
