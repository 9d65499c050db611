//! `persist <domain> read|write|ls|rm`: every domain adapter from the command line, with the
//! same context arguments as the library. Records are read and printed as backtest-kit's JSON.

use crate::cli::error::CliError;
use clap::{Args, Subcommand};
use persist_core::context::{self, Field};
use persist_core::domain::Domain;
use persist_core::keys::printable;
use persist_embed::error::Error;
use persist_embed::session::Persist;
use std::io::Write;

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
    /// List the ids of the context's records, in natural order, after validating them as
    /// its init does; measure, interval and memory leave out soft-deleted records.
    Ls(Context),
    /// Print whether a memory record is stored, soft-deleted ones included (`hasMemoryData`):
    /// memory only.
    Has(Context),
    /// Remove one record (a soft delete): measure, interval and memory only.
    Rm(Context),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Read,
    Write,
    Ls,
    Has,
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

fn need<'a>(value: &'a Option<String>, flag: &str, domain: Domain) -> Result<&'a str, Error> {
    value
        .as_deref()
        .ok_or_else(|| Error::Usage(format!("{} needs {flag}", domain.name())))
}

/// The flag that gives a context field.
fn flag(field: Field) -> &'static str {
    match field {
        Field::Symbol => "--symbol",
        Field::StrategyName => "--strategy",
        Field::ExchangeName => "--exchange",
        Field::RiskName => "--risk",
        Field::SignalId => "--signal-id",
        Field::Interval => "--interval",
        Field::FrameName => "--frame",
        Field::Backtest => "--backtest",
        Field::Bucket => "--bucket",
    }
}

/// A flag's value, or "" when it was not given.
fn given(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or_default()
}

impl Context {
    /// The domain's context from the flags; a usage error names the first flag the domain
    /// needs and was not given.
    fn of(&self, domain: Domain) -> Result<context::Context<'_>, Error> {
        for &field in domain.fields() {
            let value = match field {
                Field::Symbol => &self.symbol,
                Field::StrategyName => &self.strategy,
                Field::ExchangeName => &self.exchange,
                Field::RiskName => &self.risk,
                Field::SignalId => &self.signal_id,
                Field::Interval => &self.interval,
                Field::Bucket => &self.bucket,
                Field::FrameName | Field::Backtest => continue, // have defaults
            };
            need(value, flag(field), domain)?;
        }
        Ok(context::Context {
            symbol: given(&self.symbol),
            strategy_name: given(&self.strategy),
            exchange_name: given(&self.exchange),
            risk_name: given(&self.risk),
            signal_id: given(&self.signal_id),
            interval: given(&self.interval),
            frame_name: &self.frame,
            backtest: self.backtest,
            bucket: given(&self.bucket),
        })
    }
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
    match persist_core::document::parse_json(json) {
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

/// `persist DOMAIN ls`: the context is initialised first (its documents validated, invalid
/// ones quarantined and reported), as backtest-kit's list operations do; then the ids.
/// Measure, interval and memory list through `listMeasureData` / `listIntervalData` /
/// `listMemoryData`, which leave out soft-deleted records.
fn list(
    p: &mut Persist,
    domain: Domain,
    ctx: &context::Context,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let ids = match domain {
        Domain::Measure => p.measure(ctx.bucket).list_measure_data()?,
        Domain::Interval => p.interval(ctx.bucket).list_interval_data()?,
        Domain::Memory => p
            .memory(ctx.signal_id, ctx.bucket)
            .list_memory_data()?
            .into_iter()
            .map(|item| item.memory_id)
            .collect(),
        _ => {
            p.wait_for_init(domain, ctx)?;
            let entity = domain.entity(ctx).map_err(|e| {
                Error::InvalidKey(format!(
                    "{} context {:?} cannot be stored: it {e}",
                    domain.name(),
                    domain.entity_parts(ctx).join("/")
                ))
            })?;
            p.ids_in(domain.name(), &entity)?
        }
    };
    for id in ids {
        writeln!(out, "{}", printable(&id))?;
    }
    Ok(())
}

/// Runs `persist DOMAIN OP`; `stdin` gives the JSON of a write without an argument.
pub fn run(
    p: &mut Persist,
    domain: Domain,
    op: &DomainOp,
    stdin: impl FnOnce() -> Result<String, CliError>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let (op, c, json) = match op {
        DomainOp::Read(c) => (Op::Read, c, None),
        DomainOp::Write { context, json } => (Op::Write, context, json.clone()),
        DomainOp::Ls(c) => (Op::Ls, c, None),
        DomainOp::Has(c) => (Op::Has, c, None),
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
    domain: Domain,
    op: Op,
    c: &Context,
    input: impl FnOnce() -> Result<String, CliError>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    use Domain as D;
    let ctx = c.of(domain)?;
    if op == Op::Ls {
        return list(p, domain, &ctx, out);
    }
    if op == Op::Has && domain != D::Memory {
        return Err(Error::Usage(format!(
            "{} has no has (only memory has `hasMemoryData`); `{} ls` lists its ids",
            domain.name(),
            domain.name()
        ))
        .into());
    }
    if op == Op::Rm && !matches!(domain, D::Measure | D::Interval | D::Memory) {
        return Err(Error::Usage(format!(
            "{} records are never removed (only measure, interval and memory have a soft delete)",
            domain.name()
        ))
        .into());
    }
    // partial and breakeven take a signal id beside their context.
    let signal_id = || need(&c.signal_id, "--signal-id", domain);
    let key = || need(&c.key, "--key", domain);
    match (domain, op) {
        (D::Signal | D::Schedule | D::Recent, Op::Read) => {
            let row = match domain {
                D::Signal => p
                    .signal(ctx.symbol, ctx.strategy_name, ctx.exchange_name)
                    .read_signal_data()?,
                D::Schedule => p
                    .schedule(ctx.symbol, ctx.strategy_name, ctx.exchange_name)
                    .read_schedule_data()?,
                _ => p
                    .recent(
                        ctx.symbol,
                        ctx.strategy_name,
                        ctx.exchange_name,
                        ctx.frame_name,
                        ctx.backtest,
                    )
                    .read_recent_data()?,
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
                D::Signal => Ok(p
                    .signal(ctx.symbol, ctx.strategy_name, ctx.exchange_name)
                    .write_signal_data(row.as_ref())?),
                D::Schedule => Ok(p
                    .schedule(ctx.symbol, ctx.strategy_name, ctx.exchange_name)
                    .write_schedule_data(row.as_ref())?),
                _ => Ok(p
                    .recent(
                        ctx.symbol,
                        ctx.strategy_name,
                        ctx.exchange_name,
                        ctx.frame_name,
                        ctx.backtest,
                    )
                    .write_recent_data(row.as_ref(), c.when)?),
            }
        }
        (D::Strategy, Op::Read) => {
            let data = p
                .strategy(ctx.symbol, ctx.strategy_name, ctx.exchange_name)
                .read_strategy_data()?;
            let json = data.map(|d| p.strategy_data_to_json(&d)).transpose()?;
            print(out, json)
        }
        (D::Strategy, Op::Write) => {
            let json = input()?;
            let data = match json.trim() {
                "null" => None,
                text => Some(p.strategy_data_from_json(text)?),
            };
            Ok(p.strategy(ctx.symbol, ctx.strategy_name, ctx.exchange_name)
                .write_strategy_data(data.as_ref())?)
        }
        (D::Risk, Op::Read) => {
            let rows = p
                .risk(ctx.risk_name, ctx.exchange_name)
                .read_position_data(c.when)?;
            let json = p.risk_to_json(&rows)?;
            print(out, Some(json))
        }
        (D::Risk, Op::Write) => {
            let rows = p.risk_from_json(&input()?)?;
            Ok(p.risk(ctx.risk_name, ctx.exchange_name)
                .write_position_data(&rows, c.when)?)
        }
        (D::Partial, Op::Read) => {
            let data = p
                .partial(ctx.symbol, ctx.strategy_name, ctx.exchange_name)
                .read_partial_data(signal_id()?, c.when)?;
            let json = p.partial_to_json(&data)?;
            print(out, Some(json))
        }
        (D::Partial, Op::Write) => {
            let data = p.partial_from_json(&input()?)?;
            Ok(p.partial(ctx.symbol, ctx.strategy_name, ctx.exchange_name)
                .write_partial_data(&data, signal_id()?, c.when)?)
        }
        (D::Breakeven, Op::Read) => {
            let data = p
                .breakeven(ctx.symbol, ctx.strategy_name, ctx.exchange_name)
                .read_breakeven_data(signal_id()?, c.when)?;
            let json = p.breakeven_to_json(&data)?;
            print(out, Some(json))
        }
        (D::Breakeven, Op::Write) => {
            let data = p.breakeven_from_json(&input()?)?;
            Ok(
                p.breakeven(ctx.symbol, ctx.strategy_name, ctx.exchange_name)
                    .write_breakeven_data(&data, signal_id()?, c.when)?,
            )
        }
        (D::Candle, Op::Read) => {
            let interval = ctx.interval;
            let since = c
                .since
                .ok_or_else(|| Error::Usage("candle read needs --since".into()))?;
            let candles = p
                .candle(ctx.symbol, interval, ctx.exchange_name)
                .read_candles_data(c.limit, since, 0.0)?;
            let json = candles.map(|cs| p.candles_to_json(&cs)).transpose()?;
            print(out, json)
        }
        (D::Candle, Op::Write) => {
            let candles = p.candles_from_json(&input()?)?;
            let interval = ctx.interval;
            let w = p
                .candle(ctx.symbol, interval, ctx.exchange_name)
                .write_candles_data(&candles)?;
            writeln!(
                out,
                "{} written, {} already stored, {} not closed yet",
                w.written, w.existing, w.unclosed
            )?;
            Ok(())
        }
        (D::Storage, Op::Read) => print(
            out,
            Some(array(&p.storage(ctx.backtest).read_storage_data()?)),
        ),
        (D::Storage, Op::Write) => Ok(p
            .storage(ctx.backtest)
            .write_storage_data(&items(&input()?, "storage")?)?),
        (D::Notification, Op::Read) => print(
            out,
            Some(array(
                &p.notification(ctx.backtest).read_notification_data()?,
            )),
        ),
        (D::Notification, Op::Write) => Ok(p
            .notification(ctx.backtest)
            .write_notification_data(&items(&input()?, "notification")?)?),
        (D::Log, Op::Read) => print(out, Some(array(&p.log().read_log_data()?))),
        (D::Log, Op::Write) => {
            let written = p.log().write_log_data(&items(&input()?, "log")?)?;
            writeln!(out, "{written} new entries written")?;
            Ok(())
        }
        (D::Measure, Op::Read) => {
            let json = p.measure(ctx.bucket).read_measure_data(key()?)?;
            print(out, json)
        }
        (D::Measure, Op::Write) => {
            Ok(p.measure(ctx.bucket)
                .write_measure_data(&input()?, key()?, c.when)?)
        }
        (D::Measure, Op::Rm) => Ok(p.measure(ctx.bucket).remove_measure_data(key()?)?),
        (D::Interval, Op::Read) => {
            let json = p.interval(ctx.bucket).read_interval_data(key()?)?;
            print(out, json)
        }
        (D::Interval, Op::Write) => {
            Ok(p.interval(ctx.bucket)
                .write_interval_data(&input()?, key()?, c.when)?)
        }
        (D::Interval, Op::Rm) => Ok(p.interval(ctx.bucket).remove_interval_data(key()?)?),
        (D::Memory, Op::Read) => {
            let memory_id = need(&c.memory_id, "--memory-id", domain)?;
            let json = p
                .memory(signal_id()?, ctx.bucket)
                .read_memory_data(memory_id)?;
            print(out, json)
        }
        (D::Memory, Op::Write) => {
            let memory_id = need(&c.memory_id, "--memory-id", domain)?;
            Ok(p.memory(signal_id()?, ctx.bucket).write_memory_data(
                &input()?,
                memory_id,
                c.when,
            )?)
        }
        (D::Memory, Op::Has) => {
            let memory_id = need(&c.memory_id, "--memory-id", domain)?;
            let has = p
                .memory(signal_id()?, ctx.bucket)
                .has_memory_data(memory_id)?;
            writeln!(out, "{has}")?;
            Ok(())
        }
        (D::Memory, Op::Rm) => {
            let memory_id = need(&c.memory_id, "--memory-id", domain)?;
            Ok(p.memory(signal_id()?, ctx.bucket)
                .remove_memory_data(memory_id)?)
        }
        (D::State, Op::Read) => {
            let json = p.state(signal_id()?, ctx.bucket).read_state_data()?;
            print(out, json)
        }
        (D::State, Op::Write) => Ok(p
            .state(signal_id()?, ctx.bucket)
            .write_state_data(&input()?, c.when)?),
        (D::Session, Op::Read) => {
            let json = p
                .session(
                    ctx.strategy_name,
                    ctx.exchange_name,
                    ctx.frame_name,
                    ctx.symbol,
                    ctx.backtest,
                )
                .read_session_data()?;
            print(out, json)
        }
        (D::Session, Op::Write) => Ok(p
            .session(
                ctx.strategy_name,
                ctx.exchange_name,
                ctx.frame_name,
                ctx.symbol,
                ctx.backtest,
            )
            .write_session_data(&input()?, c.when)?),
        (_, Op::Ls | Op::Has | Op::Rm) => unreachable!("handled above"),
    }
}
