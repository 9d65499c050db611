//! `persist <domain> read|write|ls|rm`: every domain adapter from the command line, with the
//! same context arguments as the library. Records are read and printed as backtest-kit's JSON.

use crate::cli::error::CliError;
use clap::{Args, Subcommand};
use persist_core::domain::{Domain, entity_path, mode};
use persist_embed::error::Error;
use persist_embed::session::Persist;
use std::io::Write;

/// The 16 domains, by their backtest-kit names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DomainName {
    Signal,
    Schedule,
    Strategy,
    Risk,
    Partial,
    Breakeven,
    Candle,
    Storage,
    Notification,
    Log,
    Measure,
    Interval,
    Memory,
    Recent,
    State,
    Session,
}

/// What to do in a domain, with the context it needs.
#[derive(Subcommand, Debug, Clone)]
pub enum DomainOp {
    /// Print the record(s) as JSON (`null` when nothing is stored).
    Read(Context),
    /// Store the record(s) from JSON (the argument, or stdin when omitted).
    Write {
        #[command(flatten)]
        context: Context,
        json: Option<String>,
    },
    /// List the ids stored in the context, in natural order.
    Ls(Context),
    /// Remove one record (a soft delete): measure, interval and memory only.
    Rm(Context),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Read,
    Write,
    Ls,
    Rm,
}

/// The context of a domain call. Each domain needs some of these; a missing one is a usage
/// error naming it.
#[derive(Args, Debug, Clone, Default)]
pub struct Context {
    #[arg(long)]
    pub symbol: Option<String>,
    /// Strategy name.
    #[arg(long)]
    pub strategy: Option<String>,
    /// Exchange name.
    #[arg(long)]
    pub exchange: Option<String>,
    /// Risk name (risk).
    #[arg(long)]
    pub risk: Option<String>,
    /// Signal id (partial, breakeven, memory, state).
    #[arg(long)]
    pub signal_id: Option<String>,
    /// Candle interval: 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 1d.
    #[arg(long)]
    pub interval: Option<String>,
    /// Frame name (recent, session); empty for live.
    #[arg(long, default_value = "")]
    pub frame: String,
    /// Backtest data instead of live (storage, notification, recent, session).
    #[arg(long)]
    pub backtest: bool,
    /// Bucket (measure, interval, memory, state).
    #[arg(long)]
    pub bucket: Option<String>,
    /// Key (measure, interval).
    #[arg(long)]
    pub key: Option<String>,
    /// Memory id (memory).
    #[arg(long)]
    pub memory_id: Option<String>,
    /// Candles to read (candle read).
    #[arg(long, default_value_t = 1)]
    pub limit: u32,
    /// Open time in ms of the first candle to read (candle read).
    #[arg(long)]
    pub since: Option<f64>,
    /// The `when` timestamp passed to writes, in ms.
    #[arg(long, default_value_t = 0.0)]
    pub when: f64,
}

fn need<'a>(value: &'a Option<String>, flag: &str, domain: DomainName) -> Result<&'a str, Error> {
    value
        .as_deref()
        .ok_or_else(|| Error::Usage(format!("{} needs {flag}", name(domain))))
}

fn name(domain: DomainName) -> &'static str {
    core_domain(domain).name()
}

fn core_domain(domain: DomainName) -> Domain {
    Domain::ALL[domain as usize]
}

fn print(out: &mut impl Write, json: Option<String>) -> Result<(), CliError> {
    writeln!(out, "{}", json.as_deref().unwrap_or("null"))?;
    Ok(())
}

/// A JSON array of JSON texts.
fn array(items: &[String]) -> String {
    format!("[{}]", items.join(","))
}

/// The items of a JSON array, each as its JSON text.
fn items(json: &str, what: &str) -> Result<Vec<String>, Error> {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Array(items)) => Ok(items.iter().map(|v| v.to_string()).collect()),
        Ok(_) => Err(Error::InvalidInput {
            path: what.to_string(),
            reason: "expected a JSON array of records".to_string(),
        }),
        Err(e) => Err(Error::InvalidInput {
            path: what.to_string(),
            reason: format!("not valid JSON: {e}"),
        }),
    }
}

/// Runs `persist DOMAIN OP`; `stdin` gives the JSON of a write without an argument.
pub fn run(
    p: &mut Persist,
    domain: DomainName,
    op: &DomainOp,
    stdin: impl FnOnce() -> Result<String, CliError>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let (op, c, json) = match op {
        DomainOp::Read(c) => (Op::Read, c, None),
        DomainOp::Write { context, json } => (Op::Write, context, json.clone()),
        DomainOp::Ls(c) => (Op::Ls, c, None),
        DomainOp::Rm(c) => (Op::Rm, c, None),
    };
    let input = || match json {
        Some(text) => Ok(text),
        None => stdin(),
    };
    run_op(p, domain, op, c, input, out)
}

fn run_op(
    p: &mut Persist,
    domain: DomainName,
    op: Op,
    c: &Context,
    input: impl FnOnce() -> Result<String, CliError>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    use DomainName as D;
    if op == Op::Ls {
        let entity = context_path(core_domain(domain), &parts(domain, c)?)?;
        for id in p.ids_in(name(domain), &entity)? {
            writeln!(out, "{id}")?;
        }
        return Ok(());
    }
    if op == Op::Rm && !matches!(domain, D::Measure | D::Interval | D::Memory) {
        return Err(Error::Usage(format!(
            "{} records are never removed (only measure, interval and memory have a soft delete)",
            name(domain)
        ))
        .into());
    }
    let symbol = || need(&c.symbol, "--symbol", domain);
    let strategy = || need(&c.strategy, "--strategy", domain);
    let exchange = || need(&c.exchange, "--exchange", domain);
    let signal_id = || need(&c.signal_id, "--signal-id", domain);
    let bucket = || need(&c.bucket, "--bucket", domain);
    let key = || need(&c.key, "--key", domain);
    match (domain, op) {
        (D::Signal | D::Schedule | D::Recent, Op::Read) => {
            let row = match domain {
                D::Signal => p.read_signal_data(symbol()?, strategy()?, exchange()?)?,
                D::Schedule => p.read_schedule_data(symbol()?, strategy()?, exchange()?)?,
                _ => {
                    p.read_recent_data(symbol()?, strategy()?, exchange()?, &c.frame, c.backtest)?
                }
            };
            let json = row.map(|r| p.signal_row_to_json(&r)).transpose()?;
            print(out, json)
        }
        (D::Signal | D::Schedule | D::Recent, Op::Write) => {
            let json = input()?;
            let row = match json.trim() {
                "null" => None,
                text => Some(p.signal_row_from_json(text)?),
            };
            match domain {
                D::Signal => {
                    Ok(p.write_signal_data(row.as_ref(), symbol()?, strategy()?, exchange()?)?)
                }
                D::Schedule => {
                    Ok(p.write_schedule_data(row.as_ref(), symbol()?, strategy()?, exchange()?)?)
                }
                _ => Ok(p.write_recent_data(
                    row.as_ref(),
                    symbol()?,
                    strategy()?,
                    exchange()?,
                    &c.frame,
                    c.backtest,
                    c.when,
                )?),
            }
        }
        (D::Strategy, Op::Read) => {
            let data = p.read_strategy_data(symbol()?, strategy()?, exchange()?)?;
            let json = data.map(|d| p.strategy_data_to_json(&d)).transpose()?;
            print(out, json)
        }
        (D::Strategy, Op::Write) => {
            let json = input()?;
            let data = match json.trim() {
                "null" => None,
                text => Some(p.strategy_data_from_json(text)?),
            };
            Ok(p.write_strategy_data(data.as_ref(), symbol()?, strategy()?, exchange()?)?)
        }
        (D::Risk, Op::Read) => {
            let rows =
                p.read_position_data(need(&c.risk, "--risk", domain)?, exchange()?, c.when)?;
            let json = p.risk_to_json(&rows)?;
            print(out, Some(json))
        }
        (D::Risk, Op::Write) => {
            let rows = p.risk_from_json(&input()?)?;
            Ok(
                p.write_position_data(
                    &rows,
                    need(&c.risk, "--risk", domain)?,
                    exchange()?,
                    c.when,
                )?,
            )
        }
        (D::Partial, Op::Read) => {
            let data =
                p.read_partial_data(symbol()?, strategy()?, signal_id()?, exchange()?, c.when)?;
            let json = p.partial_to_json(&data)?;
            print(out, Some(json))
        }
        (D::Partial, Op::Write) => {
            let data = p.partial_from_json(&input()?)?;
            Ok(p.write_partial_data(
                &data,
                symbol()?,
                strategy()?,
                signal_id()?,
                exchange()?,
                c.when,
            )?)
        }
        (D::Breakeven, Op::Read) => {
            let data =
                p.read_breakeven_data(symbol()?, strategy()?, signal_id()?, exchange()?, c.when)?;
            let json = p.breakeven_to_json(&data)?;
            print(out, Some(json))
        }
        (D::Breakeven, Op::Write) => {
            let data = p.breakeven_from_json(&input()?)?;
            Ok(p.write_breakeven_data(
                &data,
                symbol()?,
                strategy()?,
                signal_id()?,
                exchange()?,
                c.when,
            )?)
        }
        (D::Candle, Op::Read) => {
            let interval = need(&c.interval, "--interval", domain)?;
            let since = c
                .since
                .ok_or_else(|| Error::Usage("candle read needs --since".into()))?;
            let candles =
                p.read_candles_data(symbol()?, interval, exchange()?, c.limit, since, 0.0)?;
            let json = candles.map(|cs| p.candles_to_json(&cs)).transpose()?;
            print(out, json)
        }
        (D::Candle, Op::Write) => {
            let candles = p.candles_from_json(&input()?)?;
            let interval = need(&c.interval, "--interval", domain)?;
            let w = p.write_candles_data(&candles, symbol()?, interval, exchange()?)?;
            writeln!(
                out,
                "{} written, {} already stored, {} not closed yet",
                w.written, w.existing, w.unclosed
            )?;
            Ok(())
        }
        (D::Storage, Op::Read) => print(out, Some(array(&p.read_storage_data(c.backtest)?))),
        (D::Storage, Op::Write) => {
            Ok(p.write_storage_data(&items(&input()?, "storage")?, c.backtest)?)
        }
        (D::Notification, Op::Read) => {
            print(out, Some(array(&p.read_notification_data(c.backtest)?)))
        }
        (D::Notification, Op::Write) => {
            Ok(p.write_notification_data(&items(&input()?, "notification")?, c.backtest)?)
        }
        (D::Log, Op::Read) => print(out, Some(array(&p.read_log_data()?))),
        (D::Log, Op::Write) => {
            let written = p.write_log_data(&items(&input()?, "log")?)?;
            writeln!(out, "{written} new entries written")?;
            Ok(())
        }
        (D::Measure, Op::Read) => {
            let json = p.read_measure_data(bucket()?, key()?)?;
            print(out, json)
        }
        (D::Measure, Op::Write) => {
            Ok(p.write_measure_data(&input()?, bucket()?, key()?, c.when)?)
        }
        (D::Measure, Op::Rm) => Ok(p.remove_measure_data(bucket()?, key()?)?),
        (D::Interval, Op::Read) => {
            let json = p.read_interval_data(bucket()?, key()?)?;
            print(out, json)
        }
        (D::Interval, Op::Write) => {
            Ok(p.write_interval_data(&input()?, bucket()?, key()?, c.when)?)
        }
        (D::Interval, Op::Rm) => Ok(p.remove_interval_data(bucket()?, key()?)?),
        (D::Memory, Op::Read) => {
            let memory_id = need(&c.memory_id, "--memory-id", domain)?;
            let json = p.read_memory_data(signal_id()?, bucket()?, memory_id)?;
            print(out, json)
        }
        (D::Memory, Op::Write) => {
            let memory_id = need(&c.memory_id, "--memory-id", domain)?;
            Ok(p.write_memory_data(&input()?, signal_id()?, bucket()?, memory_id, c.when)?)
        }
        (D::Memory, Op::Rm) => {
            let memory_id = need(&c.memory_id, "--memory-id", domain)?;
            Ok(p.remove_memory_data(signal_id()?, bucket()?, memory_id)?)
        }
        (D::State, Op::Read) => {
            let json = p.read_state_data(signal_id()?, bucket()?)?;
            print(out, json)
        }
        (D::State, Op::Write) => {
            Ok(p.write_state_data(&input()?, signal_id()?, bucket()?, c.when)?)
        }
        (D::Session, Op::Read) => {
            let json =
                p.read_session_data(strategy()?, exchange()?, &c.frame, symbol()?, c.backtest)?;
            print(out, json)
        }
        (D::Session, Op::Write) => Ok(p.write_session_data(
            &input()?,
            strategy()?,
            exchange()?,
            &c.frame,
            c.when,
            symbol()?,
            c.backtest,
        )?),
        (_, Op::Ls | Op::Rm) => unreachable!("handled above"),
    }
}

/// The caller-supplied parts of the domain's entity path, as the guest builds it.
fn parts(domain: DomainName, c: &Context) -> Result<Vec<String>, Error> {
    use DomainName as D;
    let get = |v: &Option<String>, flag: &str| need(v, flag, domain).map(str::to_string);
    let triple = || -> Result<String, Error> {
        Ok(format!(
            "{}_{}_{}",
            get(&c.symbol, "--symbol")?,
            get(&c.strategy, "--strategy")?,
            get(&c.exchange, "--exchange")?
        ))
    };
    Ok(match domain {
        D::Signal | D::Schedule | D::Strategy | D::Partial | D::Breakeven => vec![triple()?],
        D::Risk => vec![format!(
            "{}_{}",
            get(&c.risk, "--risk")?,
            get(&c.exchange, "--exchange")?
        )],
        D::Candle => vec![
            get(&c.exchange, "--exchange")?,
            get(&c.symbol, "--symbol")?,
            get(&c.interval, "--interval")?,
        ],
        D::Storage | D::Notification => vec![mode(c.backtest).to_string()],
        D::Log => vec!["log".to_string()],
        D::Measure | D::Interval => vec![get(&c.bucket, "--bucket")?],
        D::Memory | D::State => vec![
            get(&c.signal_id, "--signal-id")?,
            get(&c.bucket, "--bucket")?,
        ],
        D::Recent => {
            let mut parts = vec![
                get(&c.symbol, "--symbol")?,
                get(&c.strategy, "--strategy")?,
                get(&c.exchange, "--exchange")?,
            ];
            if !c.frame.is_empty() {
                parts.push(c.frame.clone());
            }
            parts.push(mode(c.backtest).to_string());
            vec![parts.join("_")]
        }
        D::Session => {
            let mut parts = vec![
                get(&c.strategy, "--strategy")?,
                get(&c.exchange, "--exchange")?,
            ];
            if !c.frame.is_empty() {
                parts.push(c.frame.clone());
            }
            parts
        }
    })
}

/// The escaped entity path of a context, for listing (the same path the guest builds).
pub fn context_path(domain: Domain, parts: &[String]) -> Result<String, Error> {
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    entity_path(domain, &parts).map_err(|e| {
        Error::InvalidKey(format!(
            "{} context {:?} cannot be stored: it {e}",
            domain.name(),
            parts.join("/")
        ))
    })
}
