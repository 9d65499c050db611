//! Which domain a document belongs to (by its entity path, as backtest-kit lays out
//! `./dump`), and whether a JSON value is a valid record of that domain.
//!
//! Paths outside every domain (the caller's own `persist-base` entities) are JSON only.

use serde_json::Value;

/// The domains whose records are checked, by the folder they live under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// `data/signal/<symbol>_<strategy>_<exchange>/<symbol>.json`: `ISignalRow | null`.
    Signal,
    /// `data/schedule/…`: `IScheduledSignalRow | null`.
    Schedule,
}

impl Domain {
    /// The domain of an (escaped) entity path, if it has one.
    pub fn of(entity: &str) -> Option<Domain> {
        let mut parts = entity.splitn(3, '/');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("data"), Some("signal"), Some(_)) => Some(Domain::Signal),
            (Some("data"), Some("schedule"), Some(_)) => Some(Domain::Schedule),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Domain::Signal => "signal",
            Domain::Schedule => "schedule",
        }
    }

    /// Checks a value against the domain's record type. The error names the field path and
    /// the reason: `signal.priceOpen: expected a number, got "abc"`.
    pub fn check(self, value: &Value) -> Result<(), String> {
        match self {
            Domain::Signal | Domain::Schedule => check_signal_row(self.name(), value),
        }
    }
}

fn describe(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

fn check_signal_row(name: &str, value: &Value) -> Result<(), String> {
    let row = match value {
        Value::Null => return Ok(()),
        Value::Object(row) => row,
        other => {
            return Err(format!(
                "{name}: expected an object or null, got {}",
                describe(other)
            ));
        }
    };
    let field = |key: &str| row.get(key).unwrap_or(&Value::Null);
    for key in ["id", "symbol", "exchangeName", "strategyName"] {
        if !field(key).is_string() {
            return Err(format!(
                "{name}.{key}: expected a string, got {}",
                describe(field(key))
            ));
        }
    }
    match field("position").as_str() {
        Some("long") | Some("short") => {}
        _ => {
            return Err(format!(
                "{name}.position: expected \"long\" or \"short\", got {}",
                describe(field("position"))
            ));
        }
    }
    for key in ["priceOpen", "priceTakeProfit", "priceStopLoss"] {
        if !field(key).is_number() {
            return Err(format!(
                "{name}.{key}: expected a number, got {}",
                describe(field(key))
            ));
        }
    }
    // Infinity is stored as null by JSON.stringify.
    let eta = field("minuteEstimatedTime");
    if !(eta.is_number() || eta.is_null()) {
        return Err(format!(
            "{name}.minuteEstimatedTime: expected a number or null, got {}",
            describe(eta)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn domains_are_found_by_path() {
        assert_eq!(
            Domain::of("data/signal/BTCUSDT_s_binance"),
            Some(Domain::Signal)
        );
        assert_eq!(
            Domain::of("data/schedule/BTCUSDT_s_binance"),
            Some(Domain::Schedule)
        );
        assert_eq!(Domain::of("data/signal"), None);
        assert_eq!(Domain::of("orders"), None);
    }

    #[test]
    fn signal_rows_are_checked_with_field_paths() {
        let ok = json!({"id":"a","symbol":"BTCUSDT","exchangeName":"binance","strategyName":"s","position":"long",
            "priceOpen":1.5,"priceTakeProfit":2,"priceStopLoss":1,"minuteEstimatedTime":null});
        assert_eq!(Domain::Signal.check(&ok), Ok(()));
        assert_eq!(Domain::Signal.check(&Value::Null), Ok(()));
        let mut bad = ok.clone();
        bad["priceOpen"] = json!("abc");
        assert_eq!(
            Domain::Signal.check(&bad),
            Err("signal.priceOpen: expected a number, got \"abc\"".into())
        );
        bad = ok.clone();
        bad["position"] = json!("sideways");
        assert!(
            Domain::Signal
                .check(&bad)
                .unwrap_err()
                .starts_with("signal.position: expected")
        );
        assert_eq!(
            Domain::Schedule.check(&json!([1])),
            Err("schedule: expected an object or null, got [1]".into())
        );
    }
}
