//! The candle feed: CSV `timestamp,open,high,low,close,volume` (a header line is allowed) or
//! JSON lines `{"timestamp":…,"open":…,…}`, read whole and checked row by row before anything
//! runs. A bad row is an error naming the file, the line and the rule.

use crate::plugin::Candle;
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
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        let bad = |reason: String| Error::InvalidInput {
            path: format!("{source}:{number}"),
            reason: format!("{reason}; no candle was run (fix the line and run again)"),
        };
        if line.is_empty() || (candles.is_empty() && line.starts_with("timestamp")) {
            continue;
        }
        let values = if line.starts_with('{') {
            json_values(line).map_err(bad)?
        } else {
            csv_values(line).map_err(bad)?
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

fn csv_values(line: &str) -> Result<[f64; 6], String> {
    let cells: Vec<&str> = line.split(',').map(str::trim).collect();
    if cells.len() != FIELDS.len() {
        return Err(format!(
            "expected 6 comma-separated values ({}), found {}",
            FIELDS.join(","),
            cells.len()
        ));
    }
    let mut values = [0.0; 6];
    for ((value, cell), field) in values.iter_mut().zip(&cells).zip(FIELDS) {
        *value = cell
            .parse::<f64>()
            .map_err(|_| format!("{field}: {cell:?} is not a number"))?;
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
    fn each_bad_row_names_its_line_and_rule() {
        let ok = "60000,10,12,9,11,5\n";
        for (row, expected) in [
            (
                "120000,10,12,9\n",
                "c.csv:2: expected 6 comma-separated values",
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
