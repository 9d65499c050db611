//! The report of a run, read back from the live signals store (data/storage/live): what a run
//! prints is what is persisted, so an interrupted run that resumed prints the same.

use super::Context;
use crate::RunError;
use persist_embed::error::Error;
use persist_embed::session::Persist;
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;

/// One closed signal of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Trade {
    /// The signal's id.
    pub id: String,
    /// `long` or `short`.
    pub position: String,
    /// When it opened, in ms.
    pub open_time: i64,
    /// The entry price.
    pub price_open: f64,
    /// When it closed, in ms.
    pub close_time: i64,
    /// The exit price.
    pub price_close: f64,
    /// `take_profit`, `stop_loss` or `time_expired`.
    pub reason: String,
    /// Profit or loss in percent, fees included.
    pub pnl_percentage: f64,
    /// The plugin's note on the signal.
    pub note: Option<String>,
}

/// What a run did, read back from the signals store: `persist run`'s table and `--json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The symbol traded.
    pub symbol: String,
    /// The strategy's name.
    pub strategy_name: String,
    /// The exchange's name.
    pub exchange_name: String,
    /// Candles in the feed.
    pub candles: usize,
    /// The closed signals, oldest first.
    pub trades: Vec<Trade>,
    /// Scheduled signals cancelled before they opened.
    pub cancelled: usize,
    /// `opened` or `scheduled` when the run ended with a signal active.
    pub active: Option<String>,
    /// Trades closed in profit.
    pub wins: usize,
    /// Trades closed at a loss.
    pub losses: usize,
    /// The sum of the trades' `pnl_percentage`.
    pub total_pnl_percentage: f64,
}

fn number(row: &Value, key: &str) -> f64 {
    row.get(key).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

fn text(row: &Value, key: &str) -> String {
    row.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The report of `ctx`'s run over `candles` candles, from the persisted rows.
pub fn build(persist: &mut Persist, ctx: &Context, candles: usize) -> Result<Report, RunError> {
    let mut rows = Vec::new();
    for json in persist.storage(false).read_storage_data()? {
        let row: Value = serde_json::from_str(&json)
            .map_err(|e| Error::Guest(format!("a signals-store row: {e}")))?;
        let ours = text(&row, "symbol") == ctx.symbol
            && text(&row, "strategyName") == ctx.strategy_name
            && text(&row, "exchangeName") == ctx.exchange_name;
        if ours {
            rows.push(row);
        }
    }
    rows.sort_by(|a, b| {
        number(a, "scheduledAt")
            .total_cmp(&number(b, "scheduledAt"))
            .then_with(|| text(a, "id").cmp(&text(b, "id")))
    });
    let mut report = Report {
        symbol: ctx.symbol.clone(),
        strategy_name: ctx.strategy_name.clone(),
        exchange_name: ctx.exchange_name.clone(),
        candles,
        trades: Vec::new(),
        cancelled: 0,
        active: None,
        wins: 0,
        losses: 0,
        total_pnl_percentage: 0.0,
    };
    for row in &rows {
        match text(row, "status").as_str() {
            "closed" => {
                let pnl = row
                    .get("pnl")
                    .map_or(f64::NAN, |p| number(p, "pnlPercentage"));
                report.trades.push(Trade {
                    id: text(row, "id"),
                    position: text(row, "position"),
                    open_time: number(row, "pendingAt") as i64,
                    price_open: number(row, "priceOpen"),
                    close_time: number(row, "closeTimestamp") as i64,
                    price_close: number(row, "currentPrice"),
                    reason: text(row, "closeReason"),
                    pnl_percentage: pnl,
                    note: row.get("note").and_then(Value::as_str).map(str::to_string),
                });
                if pnl > 0.0 {
                    report.wins += 1;
                } else {
                    report.losses += 1;
                }
                report.total_pnl_percentage += pnl;
            }
            "cancelled" => report.cancelled += 1,
            status => report.active = Some(status.to_string()),
        }
    }
    Ok(report)
}

fn time(ms: i64) -> String {
    let t = persist_core::time::UtcTime::from_ms(ms);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute
    )
}

impl Report {
    /// How many signals of the run the signals store holds: closed, cancelled and active.
    pub fn signals(&self) -> usize {
        self.trades.len() + self.cancelled + usize::from(self.active.is_some())
    }

    /// The report as text for people.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} · {} · {} · {} candles",
            self.symbol, self.strategy_name, self.exchange_name, self.candles
        );
        let _ = writeln!(
            out,
            "{:<5} {:<16} {:>12} {:<16} {:>12} {:<12} {:>8}",
            "side", "opened (UTC)", "open", "closed (UTC)", "close", "reason", "pnl %"
        );
        for t in &self.trades {
            let _ = writeln!(
                out,
                "{:<5} {:<16} {:>12.4} {:<16} {:>12.4} {:<12} {:>+8.3}",
                t.position,
                time(t.open_time),
                t.price_open,
                time(t.close_time),
                t.price_close,
                t.reason,
                t.pnl_percentage
            );
        }
        let _ = writeln!(
            out,
            "{} trades: {} won, {} lost, total pnl {:+.3} % (fees of {} % a side included); \
             {} scheduled signals cancelled{}",
            self.trades.len(),
            self.wins,
            self.losses,
            self.total_pnl_percentage,
            super::lifecycle::FEE_PERCENT,
            self.cancelled,
            match &self.active {
                Some(status) => format!("; a signal is still {status}"),
                None => String::new(),
            }
        );
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_print_as_utc_dates() {
        assert_eq!(super::time(0), "1970-01-01 00:00");
        assert_eq!(super::time(1_704_067_200_000), "2024-01-01 00:00");
        assert_eq!(super::time(1_709_210_096_000), "2024-02-29 12:34");
    }
}
