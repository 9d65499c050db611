//! One function per `persist` command.

use super::exit::{FOUND_INVALID, NOT_FOUND, OK};
use super::{Cli, Command};
use crate::cli::error::CliError;
use persist_core::keys::printable;
use persist_embed::bindings::CheckReport;
use persist_embed::error::Error;
use persist_embed::runtime::Runtime;
use persist_embed::session::Persist;
use std::io::{Read, Write};

/// Runs the command; `Ok` carries the exit status.
pub fn run(cli: &Cli) -> Result<u8, CliError> {
    if let Command::Bench(args) = &cli.command {
        crate::bench::run(&cli.guest_source(), args)?;
        return Ok(OK);
    }
    if let Command::Quarantine { op } = &cli.command {
        let mut out = std::io::stdout().lock();
        return super::quarantine::run(&super::config::routes(cli)?, op, &mut out);
    }
    let runtime = Runtime::new(&cli.guest_source())?;
    if let Command::Ui(args) = &cli.command {
        crate::ui::run(runtime, super::config::routes(cli)?, args)?;
        return Ok(OK);
    }
    if let Command::Migrate {
        from,
        to,
        buckets,
        verify,
        json,
    } = &cli.command
    {
        return migrate(&runtime, cli, from, to, buckets, *verify, *json);
    }
    let mut persist = runtime.open_routed(super::config::routes(cli)?)?;
    let mut out = std::io::stdout().lock();
    if let Command::Run(args) = &cli.command {
        let report = run_plugin(&mut persist, args)?;
        if args.json {
            let text = serde_json::to_string_pretty(&report)
                .map_err(|e| Error::Setup(format!("report JSON: {e}")))?;
            writeln!(out, "{text}")?;
        } else {
            write!(out, "{}", report.text())?;
        }
        return Ok(OK);
    }
    if let Some((domain, op)) = cli.command.domain() {
        super::domains::run(
            &mut persist,
            domain,
            op,
            || read_stdin(cli.max_document_bytes),
            &mut out,
        )?;
        return Ok(OK);
    }
    match &cli.command {
        Command::Put { entity, id, json } => {
            let text = match json {
                Some(text) => text.clone(),
                None => read_stdin(cli.max_document_bytes)?,
            };
            persist.base(entity).write_value(id, &text)?;
        }
        Command::Get { entity, id } => writeln!(out, "{}", persist.base(entity).read_value(id)?)?,
        Command::Has { entity, id } => {
            let found = persist.base(entity).has_value(id)?;
            writeln!(out, "{found}")?;
            if !found {
                return Ok(NOT_FOUND);
            }
        }
        Command::Ls { entity } => {
            for id in persist.base(entity).keys()? {
                writeln!(out, "{}", printable(&id))?;
            }
        }
        Command::Rm { entity, id } => persist.base(entity).remove_value(id)?,
        Command::Check { json, dry_run } => return check(&mut persist, *json, *dry_run, &mut out),
        _ => unreachable!("bench and the domain commands are handled above"),
    }
    Ok(OK)
}

fn run_plugin(
    persist: &mut Persist,
    args: &super::RunArgs,
) -> Result<persist_runner::live::Report, CliError> {
    let stem = |p: &std::path::Path| {
        p.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let symbol = match &args.symbol {
        Some(s) => s.clone(),
        None => stem(&args.candles)
            .split(['-', '_', '.'])
            .next()
            .unwrap_or_default()
            .to_string(),
    };
    if symbol.is_empty() {
        return Err(Error::Usage(
            "no symbol: pass --symbol (the candle file's name does not give one)".into(),
        )
        .into());
    }
    let interval_ms = persist_core::records::trading::interval_minutes(&args.interval)
        .map(|minutes| i64::from(minutes) * 60_000)
        .ok_or_else(|| {
            Error::Usage(format!(
                "--interval {}: expected 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h or 1d",
                args.interval
            ))
        })?;
    let ctx = persist_runner::live::Context {
        symbol,
        strategy_name: args
            .strategy_name
            .clone()
            .unwrap_or_else(|| stem(&args.plugin)),
        exchange_name: args.exchange.clone(),
        risk_name: args.risk_name.clone(),
        max_positions: args.max_positions,
        interval_ms,
        interval: args.interval.clone(),
    };
    let candles = persist_runner::live::candles::read(&args.candles)?;
    let limits = persist_runner::plugin::Limits {
        fuel: args.fuel,
        memory_bytes: args.memory_mb.saturating_mul(1 << 20),
        timeout: std::time::Duration::from_millis(args.timeout_ms),
    };
    let mut plugin = persist_runner::plugin::Plugin::load(&args.plugin, limits)?;
    Ok(persist_runner::live::run(
        persist,
        &mut plugin,
        &candles,
        &ctx,
    )?)
}

/// A file source must exist (opening it would create an empty one and copy nothing), and
/// neither folder may hold the other (each run would copy the target into itself again).
fn check_file_stores(
    from: &persist_embed::storage::StoreUrl,
    to: &persist_embed::storage::StoreUrl,
) -> Result<(), Error> {
    use persist_embed::storage::StoreUrl::File;
    let File(source) = from else {
        return Ok(());
    };
    let source = source.canonicalize().map_err(|e| {
        Error::Usage(format!(
            "--from {}: {e}; name the folder of an existing store",
            source.display()
        ))
    })?;
    if !source.is_dir() {
        return Err(Error::Usage(format!(
            "--from {}: not a folder; name the folder of an existing store",
            source.display()
        )));
    }
    if let File(target) = to {
        // The target may not exist yet: compare what it will be.
        let target = std::path::absolute(target)
            .map_err(|e| Error::Usage(format!("--to {}: {e}", target.display())))?;
        let target = match target.canonicalize() {
            Ok(t) => t,
            Err(_) => target,
        };
        if target.starts_with(&source) || source.starts_with(&target) {
            return Err(Error::Usage(format!(
                "--from {} and --to {} are the same folder or one holds the other; \
                 migrate into a folder outside the source",
                source.display(),
                target.display()
            )));
        }
    }
    Ok(())
}

fn migrate(
    runtime: &Runtime,
    cli: &Cli,
    from: &str,
    to: &str,
    buckets: &[String],
    verify: bool,
    json: bool,
) -> Result<u8, CliError> {
    let open = |url: &persist_embed::storage::StoreUrl| {
        persist_embed::storage::open_url(url, cli.max_document_bytes)
            .map_err(|e| Error::Setup(format!("cannot open store {url}: {e}")))
    };
    let from = super::config::cli_url(from, "--from")?;
    let to = super::config::cli_url(to, "--to")?;
    check_file_stores(&from, &to)?;
    let (source, target) = (open(&from)?, open(&to)?);
    let bar = std::io::IsTerminal::is_terminal(&std::io::stderr())
        .then(|| indicatif::ProgressBar::new(0));
    let report =
        persist_embed::migrate::migrate(runtime, source, target, buckets, verify, &mut |p| {
            if let Some(bar) = &bar {
                match p {
                    persist_embed::migrate::Progress::Total(n) => bar.set_length(n),
                    persist_embed::migrate::Progress::Done => bar.inc(1),
                }
            }
        })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut out = std::io::stdout().lock();
    if json {
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| Error::Setup(e.to_string()))?;
        writeln!(out, "{text}")?;
    } else {
        if verify {
            writeln!(
                out,
                "{from} vs {to}: {} identical, {} different, {} invalid in the source",
                report.unchanged,
                report.differences.len(),
                report.invalid.len()
            )?;
            for (entity, id, what) in &report.differences {
                let line = format!("{entity}:{id}: {what}");
                writeln!(out, "  {}", printable(&line))?;
            }
        } else {
            writeln!(
                out,
                "{from} -> {to}: {} copied, {} unchanged, {} invalid (not copied)",
                report.copied,
                report.unchanged,
                report.invalid.len()
            )?;
        }
        for (entity, id, reason) in &report.invalid {
            let line = format!("{entity}:{id}: {reason}");
            writeln!(out, "  invalid, not copied: {}", printable(&line))?;
        }
    }
    Ok(
        if report.invalid.is_empty() && report.differences.is_empty() {
            0
        } else {
            FOUND_INVALID
        },
    )
}

/// The document of a write given on stdin, read only up to `cap` bytes (the store's
/// `--max-document-bytes`): a larger one is refused before it reaches the guest.
fn read_stdin(cap: u64) -> Result<String, CliError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::InvalidInput {
            path: "value".into(),
            reason: format!("cannot read the document from stdin: {e}"),
        })?;
    if bytes.len() as u64 > cap {
        return Err(Error::InvalidInput {
            path: "value".into(),
            reason: format!(
                "the document on stdin is larger than the cap of {cap} bytes \
                 (--max-document-bytes); nothing was read past it"
            ),
        }
        .into());
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::InvalidInput {
            path: "value".into(),
            reason: format!(
                "the document on stdin is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        }
        .into()
    })
}

fn check(
    persist: &mut Persist,
    json: bool,
    dry_run: bool,
    out: &mut impl Write,
) -> Result<u8, CliError> {
    let report: CheckReport = persist.check(dry_run)?;
    if json {
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| Error::Setup(e.to_string()))?;
        writeln!(out, "{text}")?;
    } else {
        let invalid = report.findings.len();
        writeln!(
            out,
            "{}: checked {} documents: {} valid, {invalid} invalid",
            persist.store_url(),
            report.checked,
            report.valid
        )?;
        for f in &report.findings {
            let state = if f.quarantined {
                "quarantined"
            } else if dry_run {
                "would quarantine"
            } else {
                "NOT quarantined"
            };
            let line = format!("{}:{} ({}): {}", f.entity, f.id, f.bucket, f.reason);
            writeln!(out, "  {state}: {}", printable(&line))?;
        }
        if invalid > 0 && !dry_run {
            let moved = report.findings.iter().filter(|f| f.quarantined).count();
            writeln!(
                out,
                "{moved} moved to the quarantine, {} left in place; nothing was deleted (file stores keep quarantined documents under .quarantine/)",
                invalid - moved
            )?;
        }
    }
    Ok(if report.findings.is_empty() {
        0
    } else {
        FOUND_INVALID
    })
}
