//! The candle feed: CSV `timestamp,open,high,low,close,volume` (a header line is allowed; so
//! is a byte-order mark), Binance's 12-column kline CSV as published (open time in ms or µs),
//! or JSON lines `{"timestamp":…,"open":…,…}`, read whole and checked row by row before
//! anything runs. A bad row is an error naming the file, the line and the rule, with long
//! cells cut short.

use crate::plugin::Candle;
use persist_core::keys::shown;
use persist_embed::error::Error;
use std::path::Path;

const FIELDS: [&str; 6] = ["timestamp", "open", "high", "low", "close", "volume"];

/// The largest candle file read, in bytes: ten years of one-minute candles fit well within.
pub const MAX_CANDLE_FILE_BYTES: u64 = 256 << 20;

/// Reads and checks every candle of `path`, oldest first. Reading stops at
/// [`MAX_CANDLE_FILE_BYTES`], so an endless input (`/dev/zero`) is refused, not swallowed.
pub fn read(path: &Path) -> Result<Vec<Candle>, Error> {
    let shown = path.display().to_string();
    let refuse = |reason: String| Error::InvalidInput {
        path: shown.clone(),
        reason,
    };
    let file = std::fs::File::open(path)
        .map_err(|e| refuse(format!("cannot read the candle file: {e}")))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_CANDLE_FILE_BYTES + 1),
        &mut bytes,
    )
    .map_err(|e| refuse(format!("cannot read the candle file: {e}")))?;
    if bytes.len() as u64 > MAX_CANDLE_FILE_BYTES {
        return Err(refuse(format!(
            "the candle file is larger than {} MiB; split it and run each part in turn",
            MAX_CANDLE_FILE_BYTES >> 20
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        refuse(format!(
            "the candle file is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    parse(&shown, &text)
}

/// Parses candles from `text`; `source` names the file in errors.
pub fn parse(source: &str, text: &str) -> Result<Vec<Candle>, Error> {
    let mut candles: Vec<Candle> = Vec::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        let bad = |reason: String| Error::InvalidInput {
            path: format!("{source}:{number}"),
            reason: format!("{reason}; no candle was run (fix the line and run again)"),
        };
        if line.is_empty() {
            continue;
        }
        let values = if line.starts_with('{') {
            json_values(line).map_err(bad)?
        } else {
            let cells = csv_cells(line).map_err(bad)?;
            // A header: a line before the first candle whose first cell is not a number.
            if candles.is_empty() && cells.first().is_some_and(|c| c.parse::<f64>().is_err()) {
                continue;
            }
            csv_values(&cells).map_err(bad)?
        };
        let candle = check(values).map_err(bad)?;
        if let Some(last) = candles.last()
            && candle.timestamp <= last.timestamp
        {
            return Err(bad(format!(
                "timestamp {} does not come after the previous candle's {}",
                candle.timestamp, last.timestamp
            )));
        }
        candles.push(candle);
    }
    if candles.is_empty() {
        return Err(Error::InvalidInput {
            path: source.to_string(),
            reason: "the candle file holds no candles".into(),
        });
    }
    Ok(candles)
}

/// The cells of one CSV line (quoted cells allowed), trimmed.
fn csv_cells(line: &str) -> Result<Vec<String>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(csv::Trim::All)
        .from_reader(line.as_bytes());
    match reader.records().next() {
        Some(Ok(record)) => Ok(record.iter().map(str::to_string).collect()),
        Some(Err(e)) => Err(format!("not a CSV row: {e}")),
        None => Ok(Vec::new()),
    }
}

/// The six values of a row: `timestamp,open,high,low,close,volume`, or the first six of
/// Binance's kline row (open time, open, high, low, close, volume, close time, quote volume,
/// trades, taker buy base, taker buy quote, ignore).
fn csv_values(cells: &[String]) -> Result<[f64; 6], String> {
    if cells.len() != FIELDS.len() && cells.len() != 12 {
        return Err(format!(
            "expected 6 comma-separated values ({}) or Binance's 12-column kline row, found {}",
            FIELDS.join(","),
            cells.len()
        ));
    }
    let mut values = [0.0; 6];
    for ((value, cell), field) in values.iter_mut().zip(cells).zip(FIELDS) {
        *value = cell
            .parse::<f64>()
            .map_err(|_| format!("{field}: {:?} is not a number", shown(cell)))?;
    }
    // Binance publishes open times in microseconds since 2025: no time in milliseconds is
    // this large before the year 5000.
    if values[0] >= 1e14 {
        values[0] /= 1000.0;
    }
    Ok(values)
}

fn json_values(line: &str) -> Result<[f64; 6], String> {
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(line).map_err(|e| format!("not a JSON object: {e}"))?;
    let mut values = [0.0; 6];
    for (value, field) in values.iter_mut().zip(FIELDS) {
        *value = match object.get(field) {
            Some(serde_json::Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
            Some(other) => return Err(format!("{field}: expected a number, got {other}")),
            None => return Err(format!("{field}: missing")),
        };
    }
    Ok(values)
}

fn check([timestamp, open, high, low, close, volume]: [f64; 6]) -> Result<Candle, String> {
    if !(timestamp.fract() == 0.0 && (0.0..=9.0e15).contains(&timestamp)) {
        return Err(format!(
            "timestamp: {timestamp} is not a time in whole milliseconds since 1970"
        ));
    }
    for (field, value) in [
        ("open", open),
        ("high", high),
        ("low", low),
        ("close", close),
    ] {
        if !(value.is_finite() && value > 0.0) {
            return Err(format!("{field}: {value} is not a price above zero"));
        }
    }
    if !(volume.is_finite() && volume >= 0.0) {
        return Err(format!("volume: {volume} is not a volume of zero or more"));
    }
    if high < open.max(close).max(low) || low > open.min(close) {
        return Err(format!(
            "high {high} and low {low} do not enclose open {open} and close {close}"
        ));
    }
    Ok(Candle {
        timestamp: timestamp as i64,
        open,
        high,
        low,
        close,
        volume,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        match parse("c.csv", text) {
            Err(Error::InvalidInput { path, reason }) => format!("{path}: {reason}"),
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn reads_csv_with_a_header_and_json_lines() {
        let text = "timestamp,open,high,low,close,volume\n\
                    60000,10,12,9,11,5\n\
                    {\"timestamp\":120000,\"open\":11,\"high\":11.5,\"low\":10.5,\"close\":11,\"volume\":0}\n";
        let candles = parse("c.csv", text).unwrap();
        assert_eq!(candles.len(), 2);
        assert_eq!((candles[0].timestamp, candles[0].high), (60000, 12.0));
        assert_eq!((candles[1].timestamp, candles[1].low), (120000, 10.5));
    }

    #[test]
    fn reads_what_exchanges_publish_as_is() {
        // A byte-order mark, Binance's header-less 12-column klines, open times in µs.
        let text = "\u{feff}1704067200000000,42000.1,42010,41990,42005.5,12.5,1704067259999999,525000,100,6,252000,0\n\
                    1704067260000000,42005.5,42020,42000,42015,8,1704067319999999,336000,80,4,168000,0\n";
        let candles = parse("BTCUSDT-1m-2024-01.csv", text).unwrap();
        assert_eq!(candles.len(), 2);
        assert_eq!(
            (candles[0].timestamp, candles[0].close),
            (1_704_067_200_000, 42005.5)
        );
        assert_eq!(candles[1].timestamp, 1_704_067_260_000);
        // The same in milliseconds, with a header naming the columns, and a quoted cell.
        let text = "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n\
                    1704067200000,\"42000.1\",42010,41990,42005.5,12.5,1704067259999,525000,100,6,252000,0\n";
        assert_eq!(
            parse("k.csv", text).unwrap()[0].timestamp,
            1_704_067_200_000
        );
    }

    #[test]
    fn a_huge_bad_cell_gives_a_short_error() {
        let cell = "x".repeat(10 << 20);
        let message = error(&format!("60000,10,{cell},9,11,5\n"));
        assert!(message.len() < 300, "{} bytes", message.len());
        assert!(
            message.starts_with("c.csv:1: high: \"xxxx"),
            "{}",
            &message[..80]
        );
    }

    #[test]
    fn each_bad_row_names_its_line_and_rule() {
        let ok = "60000,10,12,9,11,5\n";
        for (row, expected) in [
            (
                "120000,10,12,9\n",
                "c.csv:2: expected 6 comma-separated values (timestamp,open,high,low,close,volume) or Binance's",
            ),
            (
                "120000,10,x,9,11,5\n",
                "c.csv:2: high: \"x\" is not a number",
            ),
            (
                "120000,10,12,9,NaN,5\n",
                "c.csv:2: close: NaN is not a price above zero",
            ),
            (
                "120000,-1,12,9,11,5\n",
                "c.csv:2: open: -1 is not a price above zero",
            ),
            (
                "120000,10,12,9,11,-5\n",
                "c.csv:2: volume: -5 is not a volume",
            ),
            (
                "120000,10,10.5,9,11,5\n",
                "c.csv:2: high 10.5 and low 9 do not enclose",
            ),
            (
                "60000,10,12,9,11,5\n",
                "c.csv:2: timestamp 60000 does not come after",
            ),
            (
                "1.5,10,12,9,11,5\n",
                "c.csv:2: timestamp: 1.5 is not a time",
            ),
            ("{\"timestamp\":120000}\n", "c.csv:2: open: missing"),
            ("{\"timestamp\":120000,\n", "c.csv:2: not a JSON object"),
        ] {
            let message = error(&format!("{ok}{row}"));
            assert!(message.starts_with(expected), "{row:?}: {message}");
            assert!(message.contains("no candle was run"), "{message}");
        }
        assert_eq!(error(""), "c.csv: the candle file holds no candles");
    }
}
