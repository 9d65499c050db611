//! Reading and writing typed records as JSON objects, field by field. Every refusal names the
//! field path and the reason (`signal.priceOpen: expected a number, got "abc"`); the fields a
//! record does not model are kept, in order, so that they survive a round trip.

use serde_json::{Map, Number, Value};
use std::fmt;

/// Why a value is not a valid record: the field path and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

impl std::error::Error for FieldError {}

pub type Result<T> = std::result::Result<T, FieldError>;

/// A JSON value as a message shows it, cut to 40 characters.
pub fn describe(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

/// A number as a message shows it (`NaN`, `Infinity` as JavaScript writes them).
fn describe_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".to_string()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
    } else {
        crate::json::js_number(n)
    }
}

/// A record that may be stored as `null`.
pub fn optional<T>(
    path: &str,
    value: Value,
    read: impl FnOnce(&str, Value) -> Result<T>,
) -> Result<Option<T>> {
    match value {
        Value::Null => Ok(None),
        Value::Object(_) => read(path, value).map(Some),
        other => Err(FieldError::new(
            path,
            format!("expected an object or null, got {}", describe(&other)),
        )),
    }
}

/// The fields of one JSON object, taken one by one; what is left over is the record's extra.
pub struct Fields {
    path: String,
    map: Map<String, Value>,
}

impl Fields {
    /// The object at `path`, or an error if the value is not an object.
    pub fn new(path: &str, value: Value) -> Result<Fields> {
        match value {
            Value::Object(map) => Ok(Fields {
                path: path.to_string(),
                map,
            }),
            other => Err(FieldError::new(
                path,
                format!("expected an object, got {}", describe(&other)),
            )),
        }
    }

    pub fn path(&self, name: &str) -> String {
        format!("{}.{name}", self.path)
    }

    fn take(&mut self, name: &str) -> Option<Value> {
        self.map.shift_remove(name)
    }

    fn expected(&self, name: &str, what: &str, got: Option<&Value>) -> FieldError {
        let got = got.map_or_else(|| "nothing (the field is missing)".to_string(), describe);
        FieldError::new(self.path(name), format!("expected {what}, got {got}"))
    }

    /// A value of any JSON type, which must be present.
    pub fn any(&mut self, name: &str) -> Result<Value> {
        self.take(name)
            .ok_or_else(|| self.expected(name, "a value", None))
    }

    /// A value of any JSON type, or nothing when the field is missing or `null`.
    pub fn opt_any(&mut self, name: &str) -> Option<Value> {
        self.take(name).filter(|v| !v.is_null())
    }

    pub fn string(&mut self, name: &str) -> Result<String> {
        match self.take(name) {
            Some(Value::String(s)) => Ok(s),
            other => Err(self.expected(name, "a string", other.as_ref())),
        }
    }

    /// A string, or nothing when the field is missing or `null`.
    pub fn opt_string(&mut self, name: &str) -> Result<Option<String>> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            other => Err(self.expected(name, "a string or null", other.as_ref())),
        }
    }

    /// One of the given strings.
    pub fn one_of(&mut self, name: &str, allowed: &[&str]) -> Result<String> {
        match self.take(name) {
            Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(s),
            other => {
                let what = allowed
                    .iter()
                    .map(|a| format!("\"{a}\""))
                    .collect::<Vec<_>>()
                    .join(" or ");
                Err(self.expected(name, &what, other.as_ref()))
            }
        }
    }

    pub fn number(&mut self, name: &str) -> Result<f64> {
        match self.take(name) {
            Some(Value::Number(n)) => n
                .as_f64()
                .ok_or_else(|| FieldError::new(self.path(name), "number out of range")),
            other => Err(self.expected(name, "a number", other.as_ref())),
        }
    }

    /// A number, or nothing when the field is missing or `null`.
    pub fn opt_number(&mut self, name: &str) -> Result<Option<f64>> {
        match self.map.get(name) {
            None | Some(Value::Null) => {
                self.take(name);
                Ok(None)
            }
            _ => self.number(name).map(Some),
        }
    }

    /// `minuteEstimatedTime`: `JSON.stringify` writes Infinity as `null`, and every reader
    /// of backtest-kit maps `null` or a missing value back to Infinity.
    pub fn eta(&mut self, name: &str) -> Result<f64> {
        Ok(self.opt_number(name)?.unwrap_or(f64::INFINITY))
    }

    pub fn boolean(&mut self, name: &str) -> Result<bool> {
        match self.take(name) {
            Some(Value::Bool(b)) => Ok(b),
            other => Err(self.expected(name, "true or false", other.as_ref())),
        }
    }

    pub fn opt_boolean(&mut self, name: &str) -> Result<Option<bool>> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            other => Err(self.expected(name, "true, false or null", other.as_ref())),
        }
    }

    /// A nested record.
    pub fn object<T>(&mut self, name: &str, read: impl FnOnce(Fields) -> Result<T>) -> Result<T> {
        let path = self.path(name);
        let value = self.any(name)?;
        read(Fields::new(&path, value)?)
    }

    /// A nested record, or nothing when the field is missing or `null`.
    pub fn opt_object<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(Fields) -> Result<T>,
    ) -> Result<Option<T>> {
        let path = self.path(name);
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => read(Fields::new(&path, value)?).map(Some),
        }
    }

    /// An array, each item read by `read` with its index in the path (`signal._entry[2]`).
    pub fn list<T>(
        &mut self,
        name: &str,
        read: impl Fn(&str, Value) -> Result<T>,
    ) -> Result<Vec<T>> {
        match self.take(name) {
            Some(Value::Array(items)) => {
                let path = self.path(name);
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| read(&format!("{path}[{i}]"), item))
                    .collect()
            }
            other => Err(self.expected(name, "an array", other.as_ref())),
        }
    }

    /// An array, or nothing when the field is missing or `null`.
    pub fn opt_list<T>(
        &mut self,
        name: &str,
        read: impl Fn(&str, Value) -> Result<T>,
    ) -> Result<Option<Vec<T>>> {
        match self.map.get(name) {
            None | Some(Value::Null) => {
                self.take(name);
                Ok(None)
            }
            _ => self.list(name, read).map(Some),
        }
    }

    /// Whether any of the named fields is present and not `null`.
    pub fn rest_has_any(&self, names: &[&str]) -> bool {
        names
            .iter()
            .any(|n| self.map.get(*n).is_some_and(|v| !v.is_null()))
    }

    /// The fields not taken: the record's extra.
    pub fn rest(self) -> Map<String, Value> {
        self.map
    }
}

/// Reads a nested record at `path` (for [`Fields::list`] items).
pub fn item<T>(read: impl FnOnce(Fields) -> Result<T>) -> impl FnOnce(&str, Value) -> Result<T> {
    move |path, value| read(Fields::new(path, value)?)
}

/// Builds a JSON object in field order, checking numbers as it goes.
#[derive(Debug)]
pub struct Writer {
    path: String,
    map: Map<String, Value>,
}

impl Writer {
    pub fn new(path: &str) -> Writer {
        Writer {
            path: path.to_string(),
            map: Map::new(),
        }
    }

    pub fn path(&self, name: &str) -> String {
        format!("{}.{name}", self.path)
    }

    pub fn value(&mut self, name: &str, value: Value) -> &mut Self {
        self.map.insert(name.to_string(), value);
        self
    }

    pub fn string(&mut self, name: &str, value: &str) -> &mut Self {
        self.value(name, Value::String(value.to_string()))
    }

    pub fn opt_string(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.string(name, v);
        }
        self
    }

    pub fn boolean(&mut self, name: &str, value: bool) -> &mut Self {
        self.value(name, Value::Bool(value))
    }

    pub fn opt_boolean(&mut self, name: &str, value: Option<bool>) -> &mut Self {
        if let Some(v) = value {
            self.boolean(name, v);
        }
        self
    }

    /// A finite number; NaN and the infinities are refused (JSON has neither, and
    /// `JSON.stringify` would write `null`, which does not read back as the number).
    pub fn number(&mut self, name: &str, value: f64) -> Result<&mut Self> {
        let n = Number::from_f64(value).ok_or_else(|| {
            FieldError::new(
                self.path(name),
                format!("expected a finite number, got {}", describe_number(value)),
            )
        })?;
        Ok(self.value(name, Value::Number(n)))
    }

    pub fn opt_number(&mut self, name: &str, value: Option<f64>) -> Result<&mut Self> {
        match value {
            Some(v) => self.number(name, v),
            None => Ok(self),
        }
    }

    /// `minuteEstimatedTime`: Infinity is stored as `null`, as `JSON.stringify` writes it.
    pub fn eta(&mut self, name: &str, value: f64) -> Result<&mut Self> {
        if value == f64::INFINITY {
            Ok(self.value(name, Value::Null))
        } else if value.is_nan() || value < 0.0 {
            Err(FieldError::new(
                self.path(name),
                format!(
                    "expected a number of minutes (Infinity for no limit), got {}",
                    describe_number(value)
                ),
            ))
        } else {
            self.number(name, value)
        }
    }

    /// The fields a record does not model. One that is modeled is refused: it would be
    /// written twice.
    pub fn extra(&mut self, extra: &Map<String, Value>) -> Result<&mut Self> {
        for (name, value) in extra {
            if self.map.contains_key(name) {
                return Err(FieldError::new(
                    self.path(name),
                    "given twice: as a field of the record and in its extra",
                ));
            }
            self.map.insert(name.clone(), value.clone());
        }
        Ok(self)
    }

    pub fn finish(&mut self) -> Value {
        Value::Object(std::mem::take(&mut self.map))
    }
}

/// Parses the JSON text of a record's extra fields: an object (empty text means none).
pub fn parse_extra(path: &str, text: &str) -> Result<Map<String, Value>> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(FieldError::new(
            format!("{path}.extra"),
            format!("expected a JSON object, got {}", describe(&other)),
        )),
        Err(e) => Err(FieldError::new(
            format!("{path}.extra"),
            format!("not valid JSON: {e}"),
        )),
    }
}

/// The JSON text of a record's extra fields (`{}` when there are none).
pub fn extra_text(extra: &Map<String, Value>) -> String {
    if extra.is_empty() {
        return "{}".to_string();
    }
    crate::json::to_js_string(extra).unwrap_or_else(|_| "{}".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_kind_of_bad_field_gets_its_path_and_reason() {
        let mut f = Fields::new(
            "signal",
            json!({"priceOpen":"abc","id":5,"position":"up","n":null,"flag":1,"keep":[1]}),
        )
        .unwrap();
        assert_eq!(
            f.number("priceOpen").unwrap_err().to_string(),
            "signal.priceOpen: expected a number, got \"abc\""
        );
        assert_eq!(
            f.string("id").unwrap_err().to_string(),
            "signal.id: expected a string, got 5"
        );
        assert_eq!(
            f.one_of("position", &["long", "short"])
                .unwrap_err()
                .to_string(),
            "signal.position: expected \"long\" or \"short\", got \"up\""
        );
        assert_eq!(
            f.string("symbol").unwrap_err().to_string(),
            "signal.symbol: expected a string, got nothing (the field is missing)"
        );
        assert_eq!(f.eta("n"), Ok(f64::INFINITY));
        assert_eq!(
            f.boolean("flag").unwrap_err().to_string(),
            "signal.flag: expected true or false, got 1"
        );
        assert_eq!(f.rest(), json!({"keep":[1]}).as_object().unwrap().clone());
        assert_eq!(
            Fields::new("risk", json!([1])).err().unwrap().to_string(),
            "risk: expected an object, got [1]"
        );
    }

    #[test]
    fn the_writer_refuses_numbers_json_cannot_carry() {
        let mut w = Writer::new("candle");
        assert_eq!(
            w.number("open", f64::NAN).unwrap_err().to_string(),
            "candle.open: expected a finite number, got NaN"
        );
        assert_eq!(
            w.number("open", f64::NEG_INFINITY).unwrap_err().to_string(),
            "candle.open: expected a finite number, got -Infinity"
        );
        w.eta("minuteEstimatedTime", f64::INFINITY).unwrap();
        w.number("close", 1.5).unwrap();
        let extra = json!({"close": 2}).as_object().unwrap().clone();
        assert_eq!(
            w.extra(&extra).unwrap_err().to_string(),
            "candle.close: given twice: as a field of the record and in its extra"
        );
        assert_eq!(
            w.finish(),
            json!({"minuteEstimatedTime": null, "close": 1.5})
        );
    }

    #[test]
    fn extra_text_must_be_an_object() {
        assert_eq!(parse_extra("signal", "").unwrap(), Map::new());
        assert_eq!(
            parse_extra("signal", "[1]").unwrap_err().to_string(),
            "signal.extra: expected a JSON object, got [1]"
        );
        assert!(
            parse_extra("signal", "{")
                .unwrap_err()
                .to_string()
                .starts_with("signal.extra: not valid JSON")
        );
        let map = parse_extra("signal", r#"{"b":1,"a":2}"#).unwrap();
        assert_eq!(extra_text(&map), r#"{"b":1,"a":2}"#);
    }
}
