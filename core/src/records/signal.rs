//! Signal rows: backtest-kit's `ISignalRow` (pending), `IScheduledSignalRow` (scheduled), and
//! the rows that extend them (`ISignalCloseRow`, `IPublicSignalRow`, …), whose extra fields
//! travel in `extra`.

use crate::record::{FieldError, Fields, ParseError, Result, Writer, array, index, item};
use serde_json::{Map, Value};

/// A signal's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// Bought: profits when the price rises.
    Long,
    /// Sold short: profits when the price falls.
    Short,
}

impl Position {
    /// `long` or `short`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Position::Long => "long",
            Position::Short => "short",
        }
    }

    /// The member `name` of `f`, which must be `long` or `short`.
    pub fn read(f: &mut Fields, name: &'static str) -> Result<Position> {
        Ok(match f.one_of(name, &["long", "short"])?.as_str() {
            "long" => Position::Long,
            _ => Position::Short,
        })
    }
}

/// `IStrategyPnL`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pnl {
    /// Profit or loss in percent.
    pub pnl_percentage: f64,
    /// The entry price.
    pub price_open: f64,
    /// The price at which it is measured.
    pub price_close: f64,
    /// Profit or loss in money.
    pub pnl_cost: f64,
    /// The entries it covers.
    pub pnl_entries: f64,
}

const PNL_FIELDS: [&str; 5] = [
    "pnlPercentage",
    "priceOpen",
    "priceClose",
    "pnlCost",
    "pnlEntries",
];

/// `_peak` / `_fall`: `{price, timestamp} & IStrategyPnL` (older rows have no PnL).
#[derive(Debug, Clone, PartialEq)]
pub struct Extreme {
    /// The extreme price reached.
    pub price: f64,
    /// When, in ms.
    pub timestamp: f64,
    /// The PnL at that price, when the row has it.
    pub pnl: Option<Pnl>,
    /// Fields the model does not know, kept as they were, in their order.
    pub extra: Map<String, Value>,
}

impl Extreme {
    fn read(mut f: Fields) -> Result<Extreme> {
        let price = f.number("price")?;
        let timestamp = f.number("timestamp")?;
        // The PnL fields come all together or not at all.
        let pnl = if f.rest_has_any(&PNL_FIELDS) {
            Some(Pnl {
                pnl_percentage: f.number("pnlPercentage")?,
                price_open: f.number("priceOpen")?,
                price_close: f.number("priceClose")?,
                pnl_cost: f.number("pnlCost")?,
                pnl_entries: f.number("pnlEntries")?,
            })
        } else {
            None
        };
        Ok(Extreme {
            price,
            timestamp,
            pnl,
            extra: f.rest(),
        })
    }

    fn write(&self, path: &str) -> Result<String> {
        let mut w = Writer::new(path);
        w.number("price", self.price)?
            .number("timestamp", self.timestamp)?;
        if let Some(p) = &self.pnl {
            w.number("pnlPercentage", p.pnl_percentage)?
                .number("priceOpen", p.price_open)?
                .number("priceClose", p.price_close)?
                .number("pnlCost", p.pnl_cost)?
                .number("pnlEntries", p.pnl_entries)?;
        }
        w.extra(&self.extra)?;
        Ok(w.finish())
    }
}

/// Which side of a partial close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartialKind {
    /// Part of the position closed in profit.
    Profit,
    /// Part of the position closed at a loss.
    Loss,
}

impl PartialKind {
    /// `profit` or `loss`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            PartialKind::Profit => "profit",
            PartialKind::Loss => "loss",
        }
    }
}

/// One item of `_partial`: a partial close.
#[derive(Debug, Clone, PartialEq)]
pub struct PartialClose {
    /// `type`: in profit or at a loss.
    pub kind: PartialKind,
    /// The percent of the position closed.
    pub percent: f64,
    /// The price it closed at.
    pub current_price: Option<f64>,
    /// The cost basis when it closed.
    pub cost_basis_at_close: Option<f64>,
    /// How many entries the position had when it closed.
    pub entry_count_at_close: Option<f64>,
    /// When, in ms.
    pub timestamp: Option<f64>,
    /// Fields the model does not know, kept as they were, in their order.
    pub extra: Map<String, Value>,
}

impl PartialClose {
    fn read(mut f: Fields) -> Result<PartialClose> {
        Ok(PartialClose {
            kind: match f.one_of("type", &["profit", "loss"])?.as_str() {
                "profit" => PartialKind::Profit,
                _ => PartialKind::Loss,
            },
            percent: f.number("percent")?,
            current_price: f.opt_number("currentPrice")?,
            cost_basis_at_close: f.opt_number("costBasisAtClose")?,
            entry_count_at_close: f.opt_number("entryCountAtClose")?,
            timestamp: f.opt_number("timestamp")?,
            extra: f.rest(),
        })
    }

    fn write(&self, path: &str) -> Result<String> {
        let mut w = Writer::new(path);
        w.string("type", self.kind.as_str())
            .number("percent", self.percent)?
            .opt_number("currentPrice", self.current_price)?
            .opt_number("costBasisAtClose", self.cost_basis_at_close)?
            .opt_number("entryCountAtClose", self.entry_count_at_close)?
            .opt_number("timestamp", self.timestamp)?
            .extra(&self.extra)?;
        Ok(w.finish())
    }
}

/// One item of `_entry`: a (DCA) entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The entry price.
    pub price: f64,
    /// The money put in.
    pub cost: f64,
    /// When, in ms.
    pub timestamp: f64,
    /// Fields the model does not know, kept as they were, in their order.
    pub extra: Map<String, Value>,
}

impl Entry {
    fn read(mut f: Fields) -> Result<Entry> {
        Ok(Entry {
            price: f.number("price")?,
            cost: f.number("cost")?,
            timestamp: f.number("timestamp")?,
            extra: f.rest(),
        })
    }

    fn write(&self, path: &str) -> Result<String> {
        let mut w = Writer::new(path);
        w.number("price", self.price)?
            .number("cost", self.cost)?
            .number("timestamp", self.timestamp)?
            .extra(&self.extra)?;
        Ok(w.finish())
    }
}

/// backtest-kit 19.5.0's `CC_SIGNAL_LEVERAGE_MULTIPLIER`: the leverage of a row without one.
pub const DEFAULT_MULTIPLIER: f64 = 1.0;
/// backtest-kit 19.5.0's `CC_SIGNAL_ISOLATED_MARGIN`: the margin mode of a row without one.
pub const DEFAULT_ISOLATED: bool = true;

/// A signal row. The fields every row has are required; those that older versions of
/// backtest-kit did not write are optional.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalRow {
    /// The signal's id.
    pub id: String,
    /// `long` or `short`.
    pub position: Position,
    /// The strategy's note.
    pub note: Option<String>,
    /// The entry price.
    pub price_open: f64,
    /// The take-profit price.
    pub price_take_profit: f64,
    /// The stop-loss price.
    pub price_stop_loss: f64,
    /// Infinity when the signal has no time limit (stored as `null`).
    pub minute_estimated_time: f64,
    /// The money put into the position.
    pub cost: Option<f64>,
    /// The leverage (`multiplier`). A row written before backtest-kit 19.5 lacks it and reads
    /// as 1 (`CC_SIGNAL_LEVERAGE_MULTIPLIER`), as 19.5.0 reads it.
    pub multiplier: f64,
    /// Isolated margin (`isolated`). A row written before backtest-kit 19.5 lacks it and
    /// reads as true (`CC_SIGNAL_ISOLATED_MARGIN`), as 19.5.0 reads it.
    pub isolated: bool,
    /// The exchange's name.
    pub exchange_name: String,
    /// The strategy's name.
    pub strategy_name: String,
    /// The backtest frame's name (empty in live mode).
    pub frame_name: Option<String>,
    /// When the signal was created (scheduled), in ms.
    pub scheduled_at: Option<f64>,
    /// When it opened (became pending), in ms.
    pub pending_at: Option<f64>,
    /// The symbol.
    pub symbol: String,
    /// `_isScheduled`: whether it was a scheduled signal.
    pub is_scheduled: Option<bool>,
    /// `_peak`: the best price reached while open.
    pub peak: Option<Extreme>,
    /// `_fall`: the worst price reached while open.
    pub fall: Option<Extreme>,
    /// When the row was written, in ms.
    pub timestamp: Option<f64>,
    /// `_partial`: the partial closes made.
    pub partial: Option<Vec<PartialClose>>,
    /// `_trailingPriceStopLoss`: the stop-loss moved by a trailing stop.
    pub trailing_price_stop_loss: Option<f64>,
    /// `_trailingPriceTakeProfit`: the take-profit moved by a trailing take.
    pub trailing_price_take_profit: Option<f64>,
    /// `_entry`: the entries of an averaged (DCA) position.
    pub entry: Option<Vec<Entry>>,
    /// Fields the model does not know, kept as they were, in their order.
    pub extra: Map<String, Value>,
}

impl SignalRow {
    /// Reads a row from a JSON value; `path` names it in errors (`signal`, `strategy.closedSignal`).
    pub fn read(path: &str, value: Value) -> Result<SignalRow> {
        SignalRow::from_fields(Fields::new(path, value)?)
    }

    /// [`SignalRow::read_optional`] straight from JSON text, without building a map first
    /// (a test holds the two to the same answers).
    pub fn parse_optional(
        path: &str,
        text: &str,
    ) -> std::result::Result<Option<SignalRow>, ParseError> {
        let text = crate::json::without_lone_surrogates(text);
        match Fields::parse(path, &text) {
            Ok(Some(f)) => SignalRow::from_fields(f)
                .map(Some)
                .map_err(ParseError::Field),
            Ok(None) => Ok(None),
            Err(ParseError::Field(e)) => Err(ParseError::Field(FieldError::new(
                e.path,
                e.reason
                    .replace("expected an object, got", "expected an object or null, got"),
            ))),
            Err(e) => Err(e),
        }
    }

    fn from_fields(mut f: Fields) -> Result<SignalRow> {
        Ok(SignalRow {
            id: f.string("id")?,
            position: Position::read(&mut f, "position")?,
            note: f.opt_string("note")?,
            price_open: f.number("priceOpen")?,
            price_take_profit: f.number("priceTakeProfit")?,
            price_stop_loss: f.number("priceStopLoss")?,
            minute_estimated_time: f.eta("minuteEstimatedTime")?,
            cost: f.opt_number("cost")?,
            multiplier: f.opt_number("multiplier")?.unwrap_or(DEFAULT_MULTIPLIER),
            isolated: f.opt_boolean("isolated")?.unwrap_or(DEFAULT_ISOLATED),
            exchange_name: f.string("exchangeName")?,
            strategy_name: f.string("strategyName")?,
            frame_name: f.opt_string("frameName")?,
            scheduled_at: f.opt_number("scheduledAt")?,
            pending_at: f.opt_number("pendingAt")?,
            symbol: f.string("symbol")?,
            is_scheduled: f.opt_boolean("_isScheduled")?,
            peak: f.opt_object("_peak", Extreme::read)?,
            fall: f.opt_object("_fall", Extreme::read)?,
            timestamp: f.opt_number("timestamp")?,
            partial: f.opt_list("_partial", |p, v| item(PartialClose::read)(p, v))?,
            trailing_price_stop_loss: f.opt_number("_trailingPriceStopLoss")?,
            trailing_price_take_profit: f.opt_number("_trailingPriceTakeProfit")?,
            entry: f.opt_list("_entry", |p, v| item(Entry::read)(p, v))?,
            extra: f.rest(),
        })
    }

    /// The row as backtest-kit's JSON value; refuses NaN and infinite prices.
    pub fn write(&self, path: &str) -> Result<String> {
        let mut w = Writer::new(path);
        w.string("id", &self.id)
            .string("position", self.position.as_str())
            .opt_string("note", self.note.as_deref())
            .number("priceOpen", self.price_open)?
            .number("priceTakeProfit", self.price_take_profit)?
            .number("priceStopLoss", self.price_stop_loss)?
            .eta("minuteEstimatedTime", self.minute_estimated_time)?
            .opt_number("cost", self.cost)?
            .number("multiplier", self.multiplier)?
            .boolean("isolated", self.isolated)
            .string("exchangeName", &self.exchange_name)
            .string("strategyName", &self.strategy_name)
            .opt_string("frameName", self.frame_name.as_deref())
            .opt_number("scheduledAt", self.scheduled_at)?
            .opt_number("pendingAt", self.pending_at)?
            .string("symbol", &self.symbol)
            .opt_boolean("_isScheduled", self.is_scheduled);
        if let Some(peak) = &self.peak {
            let text = peak.write(&w.path("_peak"))?;
            w.raw("_peak", &text);
        }
        if let Some(fall) = &self.fall {
            let text = fall.write(&w.path("_fall"))?;
            w.raw("_fall", &text);
        }
        w.opt_number("timestamp", self.timestamp)?;
        if let Some(partial) = &self.partial {
            let path = w.path("_partial");
            let text = array(
                partial
                    .iter()
                    .enumerate()
                    .map(|(i, p)| p.write(&index(&path, i))),
            )?;
            w.raw("_partial", &text);
        }
        w.opt_number("_trailingPriceStopLoss", self.trailing_price_stop_loss)?
            .opt_number("_trailingPriceTakeProfit", self.trailing_price_take_profit)?;
        if let Some(entry) = &self.entry {
            let path = w.path("_entry");
            let text = array(
                entry
                    .iter()
                    .enumerate()
                    .map(|(i, e)| e.write(&index(&path, i))),
            )?;
            w.raw("_entry", &text);
        }
        w.extra(&self.extra)?;
        Ok(w.finish())
    }

    /// A row as stored, or `null`.
    pub fn read_optional(path: &str, value: Value) -> Result<Option<SignalRow>> {
        crate::record::optional(path, value, SignalRow::read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reading from text and reading from a parsed value give the same row or the same error.
    #[test]
    fn parsing_text_agrees_with_reading_the_value() {
        let row = r#"{"id":"a","position":"long","priceOpen":1.5,"priceTakeProfit":2,"priceStopLoss":1,"minuteEstimatedTime":null,"exchangeName":"b","strategyName":"s","symbol":"X","_peak":{"price":1,"timestamp":2,"pnlPercentage":1,"priceOpen":1,"priceClose":2,"pnlCost":1,"pnlEntries":1,"z":0},"_entry":[{"price":1,"cost":2,"timestamp":3}],"later":{"k":[1]},"after":"x"}"#;
        let cases = [
            row.to_string(),
            "null".to_string(),
            "[1]".to_string(),
            "{".to_string(),
            "{} x".to_string(),
            row.replace(r#""priceOpen":1.5"#, r#""priceOpen":"abc""#),
            row.replace(r#""symbol":"X","#, ""),
            row.replace(r#""id":"a","#, r#""id":"a","id":"b","#),
            row.replace(r#""cost":2"#, r#""cost":null"#),
            row.replace(r#""pnlCost":1,"#, ""),
            row.replace("minuteEstimatedTime\":null", "minuteEstimatedTime\":30"),
        ];
        for text in cases {
            let by_text = SignalRow::parse_optional("signal", &text).map_err(|e| e.to_string());
            let by_value = match serde_json::from_str::<Value>(&text) {
                Ok(v) => SignalRow::read_optional("signal", v).map_err(|e| e.to_string()),
                Err(e) => Err(format!("not valid JSON: {e}")),
            };
            assert_eq!(by_text, by_value, "{text}");
        }
        let parsed = SignalRow::parse_optional("signal", row).unwrap().unwrap();
        assert_eq!(parsed.minute_estimated_time, f64::INFINITY);
        assert_eq!(
            crate::record::extra_text(&parsed.extra),
            r#"{"later":{"k":[1]},"after":"x"}"#
        );
    }
}
