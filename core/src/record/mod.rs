//! Reading and writing typed records as JSON objects, field by field. Every refusal names the
//! field path and the reason (`signal.priceOpen: expected a number, got "abc"`); the fields a
//! record does not model are kept, in order, so that they survive a round trip.

mod read;
mod write;

pub use read::{Fields, item};
pub use write::{Writer, array, extra_text, parse_extra, push_string};

use serde_json::Value;
use std::fmt;

/// Why a value is not a valid record: the field path and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Where in the record: `signal.priceOpen`, `risk[0][1].symbol`.
    pub path: String,
    /// What is wrong with the value there.
    pub reason: String,
}

impl FieldError {
    /// An error at `path`.
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

/// A result whose error names the field.
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
pub(crate) fn describe_number(n: f64) -> String {
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

/// `parent.name`, without the formatting machinery.
pub fn join(parent: &str, name: &str) -> String {
    let mut path = String::with_capacity(parent.len() + 1 + name.len());
    path.push_str(parent);
    path.push('.');
    path.push_str(name);
    path
}

/// `parent[i]`.
pub fn index(parent: &str, i: usize) -> String {
    let mut path = String::with_capacity(parent.len() + 6);
    path.push_str(parent);
    path.push('[');
    path.push_str(itoa::Buffer::new().format(i));
    path.push(']');
    path
}

/// Why JSON text is not a record: not JSON at all, or not the record.
#[derive(Debug)]
pub enum ParseError {
    /// The text is not JSON.
    Json(serde_json::Error),
    /// The JSON is not the record.
    Field(FieldError),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Json(e) => write!(f, "not valid JSON: {e}"),
            ParseError::Field(e) => e.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, json};

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
        w.string("note", "a \"quoted\"\nline");
        let extra = json!({"close": 2}).as_object().unwrap().clone();
        assert_eq!(
            w.extra(&extra).unwrap_err().to_string(),
            "candle.close: given twice: as a field of the record and in its extra"
        );
        let extra = json!({"x": [1.0, 2.5]}).as_object().unwrap().clone();
        w.extra(&extra).unwrap();
        assert_eq!(
            w.finish(),
            r#"{"minuteEstimatedTime":null,"close":1.5,"note":"a \"quoted\"\nline","x":[1,2.5]}"#
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
