//! What makes a stored document valid. Every document must be well-formed JSON text; a
//! document of a domain must also be a valid record of that domain.

use crate::domain::Domain;
use crate::json::without_lone_surrogates;
use crate::records::signal::SignalRow;

/// The bytes as text, or why a document cannot be that.
fn document_text(bytes: &[u8]) -> Result<&str, String> {
    if bytes.is_empty() {
        return Err("empty document (0 bytes)".to_string());
    }
    std::str::from_utf8(bytes)
        .map_err(|e| format!("not UTF-8 text: invalid byte at offset {}", e.valid_up_to()))
}

/// Why text is not JSON persist can store. A number beyond what a JavaScript number holds
/// (`1e400`) is JSON, and `JSON.parse` reads it as Infinity, which `JSON.stringify` writes as
/// `null`: it is refused on write, saying so, rather than stored as something else.
pub fn not_json(e: serde_json::Error) -> String {
    if e.to_string().starts_with("number out of range") {
        format!(
            "a number beyond what JavaScript holds (±1.8e308) at line {} column {}: JSON.parse \
             reads it as Infinity, which JSON.stringify writes as null; write null or a number \
             in range",
            e.line(),
            e.column()
        )
    } else {
        format!("not valid JSON: {e}")
    }
}

/// Parses JSON text into a value as `JSON.parse` would, except that a lone surrogate escape
/// reads as U+FFFD (see [`without_lone_surrogates`]).
pub fn parse_json(text: &str) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::from_str(&without_lone_surrogates(text))
}

/// Parses a stored document into a JSON value.
pub fn parse_document(bytes: &[u8]) -> Result<serde_json::Value, String> {
    parse_json(document_text(bytes)?).map_err(not_json)
}

/// Checks that the bytes are one well-formed JSON document, without building it.
fn check_json(text: &str) -> Result<(), String> {
    if crate::fast_json::valid(text) {
        return Ok(());
    }
    serde_json::from_str::<serde::de::IgnoredAny>(&without_lone_surrogates(text))
        .map(|_| ())
        .map_err(not_json)
}

/// The stored document's JSON text, validated, taking the bytes without copying them. It is
/// returned as stored: compact for everything written through persist or backtest-kit.
pub fn into_json_text(bytes: Vec<u8>) -> Result<String, String> {
    if bytes.is_empty() {
        return Err("empty document (0 bytes)".to_string());
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text: invalid byte at offset {}",
            e.utf8_error().valid_up_to()
        )
    })?;
    check_json(&text)?;
    Ok(text)
}

/// Validates a stored document of the (escaped) entity path: JSON, and a valid record of the
/// entity's domain if it has one.
pub fn validate(entity: &str, bytes: &[u8]) -> Result<(), String> {
    match Domain::of(entity) {
        Some(domain @ (Domain::Signal | Domain::Schedule | Domain::Recent)) => {
            SignalRow::parse_optional(domain.name(), document_text(bytes)?)
                .map(drop)
                .map_err(|e| e.to_string())
        }
        Some(domain) => domain.check(&parse_document(bytes)?),
        None => check_json(document_text(bytes)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_bad_document_gets_its_reason() {
        for check in [
            |b: &[u8]| validate("orders", b),
            |b: &[u8]| into_json_text(b.to_vec()).map(|_| ()),
            |b: &[u8]| parse_document(b).map(|_| ()),
        ] {
            assert_eq!(check(b"").unwrap_err(), "empty document (0 bytes)");
            assert!(
                check(b"{\"a\":1")
                    .unwrap_err()
                    .starts_with("not valid JSON: EOF while parsing")
            );
            assert!(
                check(b"{\"a\": 1")
                    .unwrap_err()
                    .starts_with("not valid JSON: EOF while parsing")
            );
            assert!(
                check(&[0xff, 0xfe, 0x00])
                    .unwrap_err()
                    .starts_with("not UTF-8 text")
            );
            assert!(
                check(b"{} trailing")
                    .unwrap_err()
                    .starts_with("not valid JSON: trailing characters")
            );
            assert!(check(b"null").is_ok());
        }
    }

    #[test]
    fn domain_documents_are_checked_against_their_record() {
        assert!(
            validate("data/signal/X_s_e", b"[1]")
                .unwrap_err()
                .starts_with("signal: expected an object or null")
        );
        assert!(validate("orders", b"[1]").is_ok());
    }

    #[test]
    fn json_text_is_returned_as_stored() {
        assert_eq!(
            into_json_text(br#"{"a":[1,2.5],"b":"x y"}"#.to_vec()).unwrap(),
            r#"{"a":[1,2.5],"b":"x y"}"#
        );
        assert_eq!(
            into_json_text(b"{ \"a\": 1 }\n".to_vec()).unwrap(),
            "{ \"a\": 1 }\n"
        );
    }
}
