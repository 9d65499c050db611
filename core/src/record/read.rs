//! Reading a record: the fields of a JSON object taken one by one, the rest kept as its extra.

use super::*;
use serde_json::Map;
use std::borrow::Cow;

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
