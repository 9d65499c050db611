//! The `persist` command line: argument parsing, one function per command, and the mapping of
//! errors to one line on stderr and an exit status.

mod commands;
pub(crate) mod config;
mod domains;
pub mod error;
pub mod exit;
pub(crate) mod quarantine;

use domains::DomainOp;
use error::CliError;
use persist_core::domain::Domain;

use clap::{Parser, Subcommand};
use persist_embed::runtime::GuestSource;
use persist_embed::storage::DEFAULT_MAX_DOCUMENT_BYTES;
use std::path::PathBuf;
use std::process::ExitCode;

/// Crash-safe persistence for backtest-kit, as a WebAssembly component.
#[derive(Parser, Debug)]
#[command(
    name = "persist",
    version,
    about,
    after_help = exit::SUMMARY
)]
pub struct Cli {
    /// Where documents live: file:PATH (backtest-kit's ./dump layout), memory:,
    /// redis://[user:pass@]host:port[/db][?prefix=P&ttl=S] or
    /// postgres://user[:pass]@host:port/db[?table=T]. Default: the config file's `store`,
    /// else file:./dump.
    #[arg(long, global = true, env = "PERSIST_STORE", value_name = "URL")]
    pub store: Option<String>,

    /// Serve one bucket from another store (repeatable): signal=redis://127.0.0.1:6379.
    /// Buckets: base and the 16 domain names.
    // Parsed by the command, not by clap, whose error would repeat the text (and so a
    // password) as given.
    #[arg(long = "route", global = true, value_name = "BUCKET=URL")]
    pub routes: Vec<String>,

    /// A TOML file with `store = "URL"` and a `[routes]` table of bucket = "URL".
    #[arg(long, global = true, env = "PERSIST_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Run this build of the guest component instead of the embedded one.
    #[arg(long, global = true, value_name = "FILE.wasm")]
    pub guest: Option<PathBuf>,

    /// Refuse documents larger than this many bytes.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = DEFAULT_MAX_DOCUMENT_BYTES)]
    pub max_document_bytes: u64,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Store a JSON document (from the argument, or stdin when omitted).
    Put {
        entity: String,
        id: String,
        json: Option<String>,
    },
    /// Print a document's JSON text.
    Get { entity: String, id: String },
    /// Print whether a document exists; exit status 0 if it does, 3 if not.
    Has { entity: String, id: String },
    /// List an entity's ids in natural order.
    Ls { entity: String },
    /// Remove a document (no error if it is absent).
    Rm { entity: String, id: String },
    /// Validate every document in the store and move invalid ones to the quarantine.
    /// Exit status 6 when something invalid was found.
    Check {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Report without moving anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// The way back from the quarantine: list, show, restore or purge quarantined documents
    /// of every store this command is routed to.
    Quarantine {
        #[command(subcommand)]
        op: quarantine::QuarantineOp,
    },
    /// Measure write, read and init-validation costs on the memory and file stores.
    Bench(crate::bench::BenchArgs),
    /// Run a strategy plugin over a candle feed through backtest-kit's live signal lifecycle,
    /// persisting every change; run the same command again after a crash to resume.
    /// Exit status 7 when the plugin was refused or stopped.
    Run(RunArgs),
    /// Serve web pages of what the stores hold: open signals (updated live), the signals
    /// store's history with its equity curve and candle chart, and the store's health with the
    /// quarantine. Read-only except restoring a quarantined document.
    Ui(crate::ui::UiArgs),
    /// Copy every document from one store to another, validating each through the guest
    /// (an invalid one is reported and not copied). A second run changes nothing.
    /// Exit status 6 when a document was invalid or --verify found a difference.
    Migrate {
        #[arg(long, value_name = "URL")]
        from: String,
        #[arg(long, value_name = "URL")]
        to: String,
        /// Only these buckets (repeatable): base and the 16 domain names.
        #[arg(long = "bucket", value_name = "BUCKET")]
        buckets: Vec<String>,
        /// Copy nothing: compare source and target document by document.
        #[arg(long)]
        verify: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The pending signal of a symbol/strategy/exchange (data/signal).
    Signal {
        #[command(subcommand)]
        op: DomainOp,
    },
    /// The scheduled signal of a symbol/strategy/exchange (data/schedule).
    Schedule {
        #[command(subcommand)]
        op: DomainOp,
    },
    /// The strategy's deferred state and commit queue (data/strategy).
    Strategy {
        #[command(subcommand)]
        op: DomainOp,
    },
    /// A risk profile's active positions (data/risk).
    Risk {
        #[command(subcommand)]
        op: DomainOp,
    },
    /// Partial profit/loss levels of a signal (data/partial).
    Partial {
        #[command(subcommand)]
        op: DomainOp,
    },
    /// Breakeven state of a signal (data/breakeven).
    Breakeven {
        #[command(subcommand)]
        op: DomainOp,
    },
    /// Cached candles, one file each (data/candle).
    Candle {
        #[command(subcommand)]
        op: DomainOp,
    },
    /// The signals store, backtest or live (data/storage).
    Storage {
        #[command(subcommand)]
        op: DomainOp,
    },
    /// Notifications, backtest or live (data/notification).
    Notification {
        #[command(subcommand)]
        op: DomainOp,
    },
    /// The append-only log (data/log).
    Log {
        #[command(subcommand)]
        op: DomainOp,
    },
    /// Cached measures, soft-deleted (data/measure).
    Measure {
        #[command(subcommand)]
        op: DomainOp,
    },
    /// Interval results, soft-deleted (data/interval).
    Interval {
        #[command(subcommand)]
        op: DomainOp,
    },
    /// A signal's memory records, soft-deleted (memory/).
    Memory {
        #[command(subcommand)]
        op: DomainOp,
    },
    /// The most recent signal of a context (data/recent).
    Recent {
        #[command(subcommand)]
        op: DomainOp,
    },
    /// A signal's state bucket (state/).
    State {
        #[command(subcommand)]
        op: DomainOp,
    },
    /// A strategy session per symbol (session/).
    Session {
        #[command(subcommand)]
        op: DomainOp,
    },
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The strategy plugin: a component built for the `plugin` world of wit/strategy/strategy.wit.
    #[arg(value_name = "PLUGIN.wasm")]
    pub plugin: PathBuf,
    /// Candles to replay: CSV `timestamp,open,high,low,close,volume` (ms open times, a header
    /// line allowed) or JSON lines with those keys.
    #[arg(long, value_name = "FILE")]
    pub candles: PathBuf,
    /// Default: the candle file's name up to its first `-`, `_` or `.` (BTCUSDT-1m.csv: BTCUSDT).
    #[arg(long)]
    pub symbol: Option<String>,
    /// Default: the plugin file's name without `.wasm`.
    #[arg(long)]
    pub strategy_name: Option<String>,
    #[arg(long, default_value = "binance")]
    pub exchange: String,
    /// Candle length: 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h or 1d.
    #[arg(long, default_value = "1m")]
    pub interval: String,
    /// The risk profile the positions count against.
    #[arg(long, default_value = "default")]
    pub risk_name: String,
    /// Most positions open at once in the risk profile.
    #[arg(long, default_value_t = 1)]
    pub max_positions: usize,
    /// Fuel per plugin call (about one unit per wasm instruction); 0: no fuel limit.
    #[arg(long, default_value_t = persist_runner::plugin::Limits::default().fuel)]
    pub fuel: u64,
    /// Most memory the plugin may use, in MiB.
    #[arg(long, default_value_t = 64)]
    pub memory_mb: usize,
    /// Wall-clock time a plugin call may take, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub timeout_ms: u64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

impl Command {
    /// The domain command this is, if it is one.
    fn domain(&self) -> Option<(Domain, &DomainOp)> {
        match self {
            Command::Signal { op } => Some((Domain::Signal, op)),
            Command::Schedule { op } => Some((Domain::Schedule, op)),
            Command::Strategy { op } => Some((Domain::Strategy, op)),
            Command::Risk { op } => Some((Domain::Risk, op)),
            Command::Partial { op } => Some((Domain::Partial, op)),
            Command::Breakeven { op } => Some((Domain::Breakeven, op)),
            Command::Candle { op } => Some((Domain::Candle, op)),
            Command::Storage { op } => Some((Domain::Storage, op)),
            Command::Notification { op } => Some((Domain::Notification, op)),
            Command::Log { op } => Some((Domain::Log, op)),
            Command::Measure { op } => Some((Domain::Measure, op)),
            Command::Interval { op } => Some((Domain::Interval, op)),
            Command::Memory { op } => Some((Domain::Memory, op)),
            Command::Recent { op } => Some((Domain::Recent, op)),
            Command::State { op } => Some((Domain::State, op)),
            Command::Session { op } => Some((Domain::Session, op)),
            _ => None,
        }
    }
}

impl Cli {
    pub fn guest_source(&self) -> GuestSource {
        self.guest
            .clone()
            .map(GuestSource::File)
            .unwrap_or_default()
    }
}

/// Runs the CLI and returns its exit status.
pub fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PERSIST_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let cli = Cli::parse();
    match commands::run(&cli) {
        Ok(code) => ExitCode::from(code),
        // The reader of our output went away (`persist ls … | head`): a quiet exit, as every
        // Unix tool does. Whatever was being done is done; only printing stopped.
        Err(CliError::Terminal(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::from(exit::OK)
        }
        Err(e) => {
            let message = persist_core::keys::printable(&e.to_string());
            eprintln!("persist: error: {message} ({})", exit::hint(&e));
            ExitCode::from(exit::code(&e))
        }
    }
}
