//! Reading and writing typed records as JSON objects, field by field. Every refusal names the
//! field path and the reason (`signal.priceOpen: expected a number, got "abc"`); the fields a
//! record does not model are kept, in order, so that they survive a round trip.

use serde_json::{Map, Value};
use std::borrow::Cow;
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

/// One member's value: a slice of JSON text (valid JSON, not parsed yet) or a parsed value.
enum Member<'a> {
    Raw(&'a str),
    Value(Value),
}

impl Member<'_> {
    fn into_value(self) -> Value {
        match self {
            // The slice was validated when the object was split.
            Member::Raw(raw) => serde_json::from_str(raw).unwrap_or(Value::Null),
            Member::Value(v) => v,
        }
    }

    fn is_null(&self) -> bool {
        match self {
            Member::Raw(raw) => *raw == "null",
            Member::Value(v) => v.is_null(),
        }
    }
}

/// The fields of one JSON object, taken one by one; what is left over is the record's extra.
/// Kept as a list in document order: records are small, and fields are usually taken in the
/// order they were written, so a search from the last hit finds each at once. Read from
/// text, members stay slices of it until a field is taken, and plain numbers, strings and
/// booleans never become a `Value`.
pub struct Fields<'a> {
    path: String,
    /// Each member; `None` once taken.
    members: Vec<(Cow<'a, str>, Option<Member<'a>>)>,
    /// Where the last taken member was.
    hint: usize,
}

impl<'a> Fields<'a> {
    /// The object at `path`, or an error if the value is not an object.
    pub fn new(path: &str, value: Value) -> Result<Fields<'a>> {
        match value {
            Value::Object(map) => Ok(Fields {
                path: path.to_string(),
                members: map
                    .into_iter()
                    .map(|(k, v)| (Cow::Owned(k), Some(Member::Value(v))))
                    .collect(),
                hint: 0,
            }),
            other => Err(not_an_object(path, &other)),
        }
    }

    /// The object in JSON text, or `Ok(None)` when the text is `null`. Errors are those of
    /// [`Fields::new`] on the parsed value, or the parser's.
    pub fn parse(path: &str, text: &'a str) -> std::result::Result<Option<Fields<'a>>, ParseError> {
        if let Some(fields) = Fields::split(path, text) {
            return Ok(Some(fields));
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let members = match serde::Deserializer::deserialize_any(&mut de, Members) {
            Ok(members) => members,
            Err(e) => {
                // Not an object: say what it is, in the words of the value path.
                return match serde_json::from_str::<Value>(text) {
                    Ok(Value::Null) => Ok(None),
                    Ok(other) => Err(ParseError::Field(not_an_object(path, &other))),
                    Err(_) => Err(ParseError::Json(e)),
                };
            }
        };
        de.end().map_err(ParseError::Json)?;
        Ok(Some(Fields {
            path: path.to_string(),
            members: members
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k), v.map(Member::Value)))
                .collect(),
            hint: 0,
        }))
    }

    /// The object split into slices by the JSON shortcut, when it can tell.
    fn split(path: &str, text: &'a str) -> Option<Fields<'a>> {
        let split = crate::fast_json::members(text)?;
        let mut members: Vec<(Cow<'a, str>, Option<Member<'a>>)> = Vec::with_capacity(split.len());
        for (key, value) in split {
            let key = if key.contains('\\') {
                Cow::Owned(serde_json::from_str::<String>(key).ok()?)
            } else {
                Cow::Borrowed(&key[1..key.len() - 1])
            };
            // A repeated key keeps its last value in the place of its first, as JSON.parse does.
            match members.iter_mut().find(|(k, _)| *k == key) {
                Some(member) => member.1 = Some(Member::Raw(value)),
                None => members.push((key, Some(Member::Raw(value)))),
            }
        }
        Some(Fields {
            path: path.to_string(),
            members,
            hint: 0,
        })
    }

    /// The path of the member `name` of this object.
    pub fn path(&self, name: &str) -> String {
        join(&self.path, name)
    }

    fn find(&self, name: &str) -> Option<usize> {
        let n = self.members.len();
        (0..n)
            .map(|i| (self.hint + i) % n)
            .find(|&i| self.members[i].0 == name && self.members[i].1.is_some())
    }

    /// Whether the field is missing or `null`.
    fn absent(&self, name: &str) -> bool {
        self.find(name)
            .and_then(|i| self.members[i].1.as_ref())
            .is_none_or(Member::is_null)
    }

    fn take_member(&mut self, name: &'static str) -> Option<Member<'a>> {
        let i = self.find(name)?;
        self.hint = i + 1;
        self.members[i].1.take()
    }

    fn take(&mut self, name: &'static str) -> Option<Value> {
        self.take_member(name).map(Member::into_value)
    }

    fn expected(&self, name: &str, what: &str, got: Option<&Value>) -> FieldError {
        let got = got.map_or_else(|| "nothing (the field is missing)".to_string(), describe);
        FieldError::new(self.path(name), format!("expected {what}, got {got}"))
    }

    /// A value of any JSON type, which must be present.
    pub fn any(&mut self, name: &'static str) -> Result<Value> {
        self.take(name)
            .ok_or_else(|| self.expected(name, "a value", None))
    }

    /// A value of any JSON type, or nothing when the field is missing or `null`.
    pub fn opt_any(&mut self, name: &'static str) -> Option<Value> {
        self.take(name).filter(|v| !v.is_null())
    }

    /// The member `name`, which must be a string.
    pub fn string(&mut self, name: &'static str) -> Result<String> {
        let member = self.take_member(name);
        if let Some(Member::Raw(raw)) = member
            && raw.starts_with('"')
            && !raw.contains('\\')
        {
            return Ok(raw[1..raw.len() - 1].to_string());
        }
        match member.map(Member::into_value) {
            Some(Value::String(s)) => Ok(s),
            other => Err(self.expected(name, "a string", other.as_ref())),
        }
    }

    /// A string, or nothing when the field is missing or `null`.
    pub fn opt_string(&mut self, name: &'static str) -> Result<Option<String>> {
        if self.absent(name) {
            self.take(name);
            return Ok(None);
        }
        match self.string(name) {
            Ok(s) => Ok(Some(s)),
            Err(e) => Err(FieldError::new(
                e.path,
                e.reason
                    .replace("expected a string,", "expected a string or null,"),
            )),
        }
    }

    /// One of the given strings.
    pub fn one_of(&mut self, name: &'static str, allowed: &[&str]) -> Result<String> {
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

    /// The member `name`, which must be a finite number.
    pub fn number(&mut self, name: &'static str) -> Result<f64> {
        let member = self.take_member(name);
        // A number the shortcut passed has no exponent and at most 40 characters: it parses
        // to the same finite double as serde_json's.
        if let Some(Member::Raw(raw)) = member
            && matches!(raw.as_bytes().first(), Some(b'-' | b'0'..=b'9'))
        {
            return raw
                .parse::<f64>()
                .map_err(|_| FieldError::new(self.path(name), "number out of range"));
        }
        match member.map(Member::into_value) {
            Some(Value::Number(n)) => n
                .as_f64()
                .ok_or_else(|| FieldError::new(self.path(name), "number out of range")),
            other => Err(self.expected(name, "a number", other.as_ref())),
        }
    }

    /// A number, or nothing when the field is missing or `null`.
    pub fn opt_number(&mut self, name: &'static str) -> Result<Option<f64>> {
        if self.absent(name) {
            self.take(name);
            return Ok(None);
        }
        self.number(name).map(Some)
    }

    /// `minuteEstimatedTime`: `JSON.stringify` writes Infinity as `null`, and every reader
    /// of backtest-kit maps `null` or a missing value back to Infinity.
    pub fn eta(&mut self, name: &'static str) -> Result<f64> {
        Ok(self.opt_number(name)?.unwrap_or(f64::INFINITY))
    }

    /// The member `name`, which must be `true` or `false`.
    pub fn boolean(&mut self, name: &'static str) -> Result<bool> {
        let member = self.take_member(name);
        match member {
            Some(Member::Raw("true")) => return Ok(true),
            Some(Member::Raw("false")) => return Ok(false),
            _ => {}
        }
        match member.map(Member::into_value) {
            Some(Value::Bool(b)) => Ok(b),
            other => Err(self.expected(name, "true or false", other.as_ref())),
        }
    }

    /// The member `name` if present and not null, which must then be `true` or `false`.
    pub fn opt_boolean(&mut self, name: &'static str) -> Result<Option<bool>> {
        if self.absent(name) {
            self.take(name);
            return Ok(None);
        }
        match self.boolean(name) {
            Ok(b) => Ok(Some(b)),
            Err(e) => Err(FieldError::new(
                e.path,
                e.reason
                    .replace("expected true or false,", "expected true, false or null,"),
            )),
        }
    }

    /// A nested record.
    pub fn object<T>(
        &mut self,
        name: &'static str,
        read: impl FnOnce(Fields<'a>) -> Result<T>,
    ) -> Result<T> {
        let path = self.path(name);
        match self.take_member(name) {
            Some(member) => read(Fields::nested(&path, member)?),
            None => Err(self.expected(name, "a value", None)),
        }
    }

    fn nested(path: &str, member: Member<'a>) -> Result<Fields<'a>> {
        if let Member::Raw(raw) = member
            && raw.starts_with('{')
            && let Some(fields) = Fields::split(path, raw)
        {
            return Ok(fields);
        }
        Fields::new(path, member.into_value())
    }

    /// A nested record, or nothing when the field is missing or `null`.
    pub fn opt_object<T>(
        &mut self,
        name: &'static str,
        read: impl FnOnce(Fields<'a>) -> Result<T>,
    ) -> Result<Option<T>> {
        if self.absent(name) {
            self.take(name);
            return Ok(None);
        }
        self.object(name, read).map(Some)
    }

    /// An array, each item read by `read` with its index in the path (`signal._entry[2]`).
    pub fn list<T>(
        &mut self,
        name: &'static str,
        read: impl Fn(&str, Value) -> Result<T>,
    ) -> Result<Vec<T>> {
        match self.take(name) {
            Some(Value::Array(items)) => {
                let path = self.path(name);
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| read(&index(&path, i), item))
                    .collect()
            }
            other => Err(self.expected(name, "an array", other.as_ref())),
        }
    }

    /// An array, or nothing when the field is missing or `null`.
    pub fn opt_list<T>(
        &mut self,
        name: &'static str,
        read: impl Fn(&str, Value) -> Result<T>,
    ) -> Result<Option<Vec<T>>> {
        if self.absent(name) {
            self.take(name);
            return Ok(None);
        }
        self.list(name, read).map(Some)
    }

    /// Whether any of the named fields is present and not `null`.
    pub fn rest_has_any(&self, names: &[&'static str]) -> bool {
        names.iter().any(|n| !self.absent(n))
    }

    /// The fields not taken: the record's extra.
    pub fn rest(self) -> Map<String, Value> {
        self.members
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.into_owned(), v.into_value())))
            .collect()
    }
}

fn not_an_object(path: &str, value: &Value) -> FieldError {
    FieldError::new(path, format!("expected an object, got {}", describe(value)))
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

/// Deserializes an object into its members in order; a repeated key keeps its last value
/// in the place of its first, as `JSON.parse` does.
struct Members;

impl<'de> serde::de::Visitor<'de> for Members {
    type Value = Vec<(String, Option<Value>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut access: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut members: Vec<(String, Option<Value>)> = Vec::with_capacity(32);
        while let Some(key) = access.next_key::<String>()? {
            let value: Value = access.next_value()?;
            match members.iter_mut().find(|(k, _)| *k == key) {
                Some(member) => member.1 = Some(value),
                None => members.push((key, Some(value))),
            }
        }
        Ok(members)
    }
}

/// Reads a nested record at `path` (for [`Fields::list`] items).
pub fn item<T>(read: impl FnOnce(Fields) -> Result<T>) -> impl FnOnce(&str, Value) -> Result<T> {
    move |path, value| read(Fields::new(path, value)?)
}

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
