//! Writing a record: its JSON text in field order, as `JSON.stringify` writes it.

use super::*;
use serde_json::Map;

/// Builds a record's JSON text in field order, as `JSON.stringify` writes it, checking
/// numbers as it goes.
#[derive(Debug)]
pub struct Writer<'p> {
    path: &'p str,
    out: Vec<u8>,
    /// The modeled fields written so far (an extra may not repeat one).
    names: Vec<&'static str>,
}

impl<'p> Writer<'p> {
    /// An empty object whose fields are named under `path` in errors.
    pub fn new(path: &'p str) -> Writer<'p> {
        let mut out = Vec::with_capacity(256);
        out.push(b'{');
        Writer {
            path,
            out,
            names: Vec::new(),
        }
    }

    /// The path of the field `name` of this object.
    pub fn path(&self, name: &str) -> String {
        join(self.path, name)
    }

    fn key(&mut self, name: &str) {
        if self.out.len() > 1 {
            self.out.push(b',');
        }
        push_string(&mut self.out, name);
        self.out.push(b':');
    }

    /// A modeled field's key: a name of ours, plain ASCII, written without escaping.
    fn field(&mut self, name: &'static str) {
        self.names.push(name);
        if self.out.len() > 1 {
            self.out.push(b',');
        }
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    /// A field whose value is JSON text already (a nested record).
    pub fn raw(&mut self, name: &'static str, json: &str) -> &mut Self {
        self.field(name);
        self.out.extend_from_slice(json.as_bytes());
        self
    }

    /// Writes the field `name` with any JSON value.
    pub fn value(&mut self, name: &'static str, value: &Value) -> &mut Self {
        self.field(name);
        push_value(&mut self.out, value);
        self
    }

    /// Writes the field `name` as `null`.
    pub fn null(&mut self, name: &'static str) -> &mut Self {
        self.raw(name, "null")
    }

    /// Writes the field `name` as a string.
    pub fn string(&mut self, name: &'static str, value: &str) -> &mut Self {
        self.field(name);
        push_string(&mut self.out, value);
        self
    }

    /// Writes the field `name` as a string when there is one.
    pub fn opt_string(&mut self, name: &'static str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.string(name, v);
        }
        self
    }

    /// Writes the field `name` as `true` or `false`.
    pub fn boolean(&mut self, name: &'static str, value: bool) -> &mut Self {
        self.raw(name, if value { "true" } else { "false" })
    }

    /// Writes the field `name` as `true` or `false` when there is one.
    pub fn opt_boolean(&mut self, name: &'static str, value: Option<bool>) -> &mut Self {
        if let Some(v) = value {
            self.boolean(name, v);
        }
        self
    }

    /// A finite number; NaN and the infinities are refused (JSON has neither, and
    /// `JSON.stringify` would write `null`, which does not read back as the number).
    pub fn number(&mut self, name: &'static str, value: f64) -> Result<&mut Self> {
        if !value.is_finite() {
            return Err(FieldError::new(
                self.path(name),
                format!("expected a finite number, got {}", describe_number(value)),
            ));
        }
        self.field(name);
        crate::json::push_number(&mut self.out, value);
        Ok(self)
    }

    /// Writes the field `name` as a finite number when there is one.
    pub fn opt_number(&mut self, name: &'static str, value: Option<f64>) -> Result<&mut Self> {
        match value {
            Some(v) => self.number(name, v),
            None => Ok(self),
        }
    }

    /// `minuteEstimatedTime`: Infinity is stored as `null`, as `JSON.stringify` writes it.
    pub fn eta(&mut self, name: &'static str, value: f64) -> Result<&mut Self> {
        if value == f64::INFINITY {
            Ok(self.null(name))
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
            if self.names.contains(&name.as_str()) {
                return Err(FieldError::new(
                    self.path(name),
                    "given twice: as a field of the record and in its extra",
                ));
            }
            self.key(name);
            push_value(&mut self.out, value);
        }
        Ok(self)
    }

    /// The record's JSON text.
    pub fn finish(&mut self) -> String {
        self.out.push(b'}');
        let out = std::mem::take(&mut self.out);
        // Only UTF-8 text and ASCII punctuation were pushed.
        String::from_utf8(out).unwrap_or_default()
    }
}

/// A JSON string, escaped as `JSON.stringify` escapes it.
pub fn push_string(out: &mut Vec<u8>, s: &str) {
    let plain = s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
    if plain {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        let _ = serde_json::to_writer(out, s);
    }
}

fn push_value(out: &mut Vec<u8>, value: &Value) {
    out.extend_from_slice(
        crate::json::to_js_string(value)
            .unwrap_or_else(|_| "null".to_string())
            .as_bytes(),
    );
}

/// A JSON array of items' JSON texts.
pub fn array(items: impl IntoIterator<Item = Result<String>>) -> Result<String> {
    let mut out = String::from("[");
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&item?);
    }
    out.push(']');
    Ok(out)
}

/// Parses the JSON text of a record's extra fields: an object (empty text means none).
pub fn parse_extra(path: &str, text: &str) -> Result<Map<String, Value>> {
    if text.is_empty() || text == "{}" || text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(FieldError::new(
            join(path, "extra"),
            format!("expected a JSON object, got {}", describe(&other)),
        )),
        Err(e) => Err(FieldError::new(
            join(path, "extra"),
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
