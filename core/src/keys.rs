//! What an entity path and a document id may be, shared by the guest (which escapes what the
//! caller gives it) and the host (which refuses whatever does not pass, from any guest).
//!
//! A *safe name* is not empty, at most [`MAX_NAME_BYTES`] bytes, not `.` or `..`, does not
//! start with `.` (hidden: temp files and the quarantine live there), and holds no `/`, `\`,
//! NUL or control character. An entity path is safe names joined by `/`, at most
//! [`MAX_ENTITY_BYTES`] bytes and [`MAX_ENTITY_DEPTH`] segments.
//!
//! [`escape`] turns any non-empty string into a safe name reversibly, in percent-encoding
//! style: `%`, `/`, `\`, control characters and a leading `.` become `%XX` per UTF-8 byte;
//! everything else (letters of any script, digits, `-`, `_`, `:`, spaces) is kept as is, so
//! ordinary names like `BTCUSDT_my-strategy_binance` stay byte-identical to backtest-kit's.

use std::fmt;

/// Longest safe name in bytes. A file store adds `.tmp-<12 hex>-` and `.json` around an id,
/// which keeps the file name within the usual 255-byte limit.
pub const MAX_NAME_BYTES: usize = 200;
/// Longest entity path in bytes.
pub const MAX_ENTITY_BYTES: usize = 1024;
/// Most segments in an entity path.
pub const MAX_ENTITY_DEPTH: usize = 16;
/// Prefix of temp files of writes in flight (backtest-kit's `TMP_FILE_PREFIX`).
pub const TMP_PREFIX: &str = ".tmp-";
/// Extension of a document file.
pub const DOC_SUFFIX: &str = ".json";
/// Folder under the store root that holds quarantined documents.
pub const QUARANTINE_DIR: &str = ".quarantine";

/// Why a name or path is not safe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// The name is empty.
    Empty,
    /// A leading, trailing or doubled `/` in an entity path.
    EmptySegment(String),
    /// The name or path is longer than allowed.
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// The entity path has more segments than allowed.
    TooDeep {
        /// Its segments.
        depth: usize,
        /// The most allowed.
        max: usize,
    },
    /// The name is `.` or `..`.
    DotName(String),
    /// The name starts with `.` (hidden; temp files and the quarantine are).
    LeadingDot(String),
    /// The name holds a character no stored name may hold.
    ForbiddenChar {
        /// The name.
        name: String,
        /// The character.
        ch: char,
    },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Empty => write!(f, "must not be empty"),
            KeyError::EmptySegment(p) => {
                write!(
                    f,
                    "{p:?} has an empty segment (a leading, trailing or doubled '/')"
                )
            }
            KeyError::TooLong { len, max } => {
                write!(f, "is {len} bytes long; at most {max} are allowed")
            }
            KeyError::TooDeep { depth, max } => {
                write!(f, "has {depth} segments; at most {max} are allowed")
            }
            KeyError::DotName(n) => write!(f, "contains the segment {n:?}, which is not allowed"),
            KeyError::LeadingDot(n) => {
                write!(
                    f,
                    "contains {n:?}, which starts with '.' (reserved for temp files and the quarantine)"
                )
            }
            KeyError::ForbiddenChar { name, ch } => {
                write!(f, "contains {name:?} with the forbidden character {ch:?}")
            }
        }
    }
}

impl std::error::Error for KeyError {}

fn must_escape(ch: char) -> bool {
    ch == '%' || ch == '/' || ch == '\\' || ch.is_control()
}

/// A name as shown in a message: cut to 60 characters, so a 10,000-character id does not
/// flood an error line.
pub fn shown(name: &str) -> String {
    if name.chars().count() > 60 {
        format!("{}…", name.chars().take(60).collect::<String>())
    } else {
        name.to_string()
    }
}

/// Text as a terminal may show it: control characters (ESC, BEL, a newline…) are written as
/// escapes (`\n`, `\u{1b}`), so a name or a reason can never move the cursor, ring, or print
/// a line of its own.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Checks one safe name (an id, or one segment of an entity path).
pub fn check_name(name: &str) -> Result<(), KeyError> {
    if name.is_empty() {
        return Err(KeyError::Empty);
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(KeyError::TooLong {
            len: name.len(),
            max: MAX_NAME_BYTES,
        });
    }
    if name == "." || name == ".." {
        return Err(KeyError::DotName(name.to_string()));
    }
    if name.starts_with('.') {
        return Err(KeyError::LeadingDot(name.to_string()));
    }
    if let Some(ch) = name
        .chars()
        .find(|&c| c == '/' || c == '\\' || c.is_control())
    {
        return Err(KeyError::ForbiddenChar {
            name: name.to_string(),
            ch,
        });
    }
    Ok(())
}

/// Checks an entity path: safe names joined by `/`.
pub fn check_entity(entity: &str) -> Result<(), KeyError> {
    if entity.is_empty() {
        return Err(KeyError::Empty);
    }
    if entity.len() > MAX_ENTITY_BYTES {
        return Err(KeyError::TooLong {
            len: entity.len(),
            max: MAX_ENTITY_BYTES,
        });
    }
    let depth = entity.split('/').count();
    if depth > MAX_ENTITY_DEPTH {
        return Err(KeyError::TooDeep {
            depth,
            max: MAX_ENTITY_DEPTH,
        });
    }
    for segment in entity.split('/') {
        if segment.is_empty() {
            return Err(KeyError::EmptySegment(entity.to_string()));
        }
        check_name(segment)?;
    }
    Ok(())
}

/// Escapes any string into a safe name, reversibly (see the crate docs). The result can
/// still be refused by [`check_name`] when it is empty or too long.
pub fn escape(raw: &str) -> String {
    if !raw.starts_with('.') && !raw.chars().any(must_escape) {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    for (i, ch) in raw.chars().enumerate() {
        if must_escape(ch) || (i == 0 && ch == '.') {
            let mut buf = [0u8; 4];
            for b in ch.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(ch);
        }
    }
    out
}

/// Inverts [`escape`]. A name that is not the canonical escape of anything (a raw `%` written
/// by another tool, say) is returned as it is, so that every stored name maps to some id.
pub fn unescape(name: &str) -> String {
    if !name.contains('%') && !name.starts_with('.') {
        return name.to_string();
    }
    match decode_percent(name) {
        Some(decoded) if escape(&decoded) == name => decoded,
        _ => name.to_string(),
    }
}

fn decode_percent(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = name.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Escapes each `/`-separated segment of a caller-supplied entity name and checks the result.
/// `/` keeps its meaning of nesting, as in backtest-kit (`binance/BTCUSDT/1m`); a segment
/// such as `..` or `.hidden` is escaped, never passed through. An empty segment (a leading,
/// trailing or doubled `/`) is refused.
pub fn escape_entity(raw: &str) -> Result<String, KeyError> {
    if raw.is_empty() {
        return Err(KeyError::Empty);
    }
    let escaped: Vec<String> = raw
        .split('/')
        .map(|segment| {
            if segment.is_empty() {
                Err(KeyError::EmptySegment(raw.to_string()))
            } else {
                Ok(escape(segment))
            }
        })
        .collect::<Result<_, _>>()?;
    let entity = escaped.join("/");
    check_entity(&entity)?;
    Ok(entity)
}

/// Inverts [`escape_entity`].
pub fn unescape_entity(entity: &str) -> String {
    entity
        .split('/')
        .map(unescape)
        .collect::<Vec<_>>()
        .join("/")
}

/// Escapes a caller-supplied id and checks the result.
pub fn escape_id(raw: &str) -> Result<String, KeyError> {
    let id = escape(raw);
    check_name(&id)?;
    Ok(id)
}

/// The stored names an id may have, the one persist writes first: its escape, then the id
/// itself when that is a name persist never writes but another tool may have (a raw `%` in a
/// backtest-kit dump, such as `pnl%_1h.json`), which [`unescape`] lists as that same id.
pub fn stored_names(raw: &str) -> Result<Vec<String>, KeyError> {
    let escaped = escape_id(raw)?;
    let literal = escaped != raw && check_name(raw).is_ok() && unescape(raw) == raw;
    let mut names = vec![escaped];
    if literal {
        names.push(raw.to_string());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_persist_would_not_write_is_still_found_by_the_id_it_lists_as() {
        assert_eq!(stored_names("pnl%_1h").unwrap(), ["pnl%25_1h", "pnl%_1h"]);
        assert_eq!(unescape("pnl%_1h"), "pnl%_1h");
        assert_eq!(stored_names("a%41").unwrap(), ["a%2541", "a%41"]);
        assert_eq!(stored_names("BTCUSDT").unwrap(), ["BTCUSDT"]);
        assert_eq!(stored_names("..").unwrap(), ["%2E."]);
        assert_eq!(stored_names("a/b").unwrap(), ["a%2Fb"]);
    }

    #[test]
    fn printable_text_has_no_control_characters() {
        assert_eq!(
            printable("a\u{1b}[2J\u{7}b\nfake\tline\r"),
            "a\\u{1b}[2J\\u{7}b\\nfake\\tline\\r"
        );
        assert_eq!(printable("BTC/USDT é"), "BTC/USDT é");
    }

    #[test]
    fn ordinary_names_are_kept_byte_for_byte() {
        for name in [
            "BTCUSDT",
            "BTCUSDT_my-strategy_binance",
            "1m",
            "positions",
            "1700000000000",
            "ünïcødé 日本",
        ] {
            assert_eq!(escape(name), name);
            assert_eq!(check_name(name), Ok(()));
        }
    }

    #[test]
    fn hostile_names_are_escaped_into_safe_names_and_back() {
        let cases = [
            ("..", "%2E."),
            (".", "%2E"),
            ("../x", "%2E.%2Fx"),
            ("/etc/passwd", "%2Fetc%2Fpasswd"),
            ("a\0b", "a%00b"),
            (".tmp-x", "%2Etmp-x"),
            ("100%", "100%25"),
            ("a\\b", "a%5Cb"),
            ("tab\there", "tab%09here"),
            ("BTC/USDT", "BTC%2FUSDT"),
        ];
        for (raw, escaped) in cases {
            assert_eq!(escape(raw), escaped, "escape({raw:?})");
            assert_eq!(check_name(escaped), Ok(()), "{escaped:?} must be safe");
            assert_eq!(unescape(escaped), raw, "unescape({escaped:?})");
        }
    }

    #[test]
    fn unsafe_names_are_refused_with_the_reason() {
        assert_eq!(check_name(""), Err(KeyError::Empty));
        assert_eq!(check_name(".."), Err(KeyError::DotName("..".into())));
        assert_eq!(
            check_name(".tmp-x"),
            Err(KeyError::LeadingDot(".tmp-x".into()))
        );
        assert!(matches!(
            check_name("a/b"),
            Err(KeyError::ForbiddenChar { ch: '/', .. })
        ));
        assert!(matches!(
            check_name("a\0b"),
            Err(KeyError::ForbiddenChar { ch: '\0', .. })
        ));
        let long = "x".repeat(10_000);
        assert_eq!(
            check_name(&long),
            Err(KeyError::TooLong {
                len: 10_000,
                max: MAX_NAME_BYTES
            })
        );
        assert!(escape_id(&long).is_err());
        assert_eq!(escape_id(""), Err(KeyError::Empty));
    }

    #[test]
    fn entity_paths_nest_by_slash_and_refuse_escapes() {
        assert_eq!(check_entity("data/candle/binance/BTCUSDT/1m"), Ok(()));
        assert!(check_entity("/etc").is_err());
        assert!(check_entity("a//b").is_err());
        assert!(check_entity("a/../b").is_err());
        assert!(check_entity("a/").is_err());
        assert!(check_entity(&vec!["a"; 17].join("/")).is_err());
        assert_eq!(escape_entity("orders/../x").as_deref(), Ok("orders/%2E./x"));
        assert_eq!(unescape_entity("orders/%2E./x"), "orders/../x");
        assert!(escape_entity("/etc/passwd").is_err());
        assert!(escape_entity("").is_err());
    }

    #[test]
    fn foreign_names_that_are_not_canonical_escapes_are_kept_raw() {
        assert_eq!(unescape("50%off"), "50%off");
        assert_eq!(unescape("%zz"), "%zz");
        assert_eq!(
            unescape("%41"),
            "%41",
            "'A' is never escaped, so %41 is a raw name"
        );
    }
}
