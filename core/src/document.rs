//! What makes a stored document valid. Every document must be well-formed JSON text; a
//! document of a domain must also be a valid record of that domain.

use crate::domain::Domain;

/// Why a stored document is not valid, or `Ok` with the parsed JSON.
pub fn parse_document(bytes: &[u8]) -> Result<serde_json::Value, String> {
    if bytes.is_empty() {
        return Err("empty document (0 bytes)".to_string());
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("not UTF-8 text: invalid byte at offset {}", e.valid_up_to()))?;
    serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))
}

/// The stored document as compact JSON text. Text that is already compact (no whitespace
/// byte at all: everything this project and backtest-kit write) is validated and returned
/// byte for byte; anything else is re-serialised as `JSON.stringify` would.
pub fn compact_text(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, String> {
    if bytes.is_empty() {
        return Err("empty document (0 bytes)".to_string());
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("not UTF-8 text: invalid byte at offset {}", e.valid_up_to()))?;
    if !bytes.iter().any(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t')) {
        serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| format!("not valid JSON: {e}"))?;
        return Ok(std::borrow::Cow::Borrowed(text));
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    crate::json::to_js_string(&value).map(std::borrow::Cow::Owned).map_err(|e| e.to_string())
}

/// Parses a stored document of the (escaped) entity path and checks it against the entity's
/// domain, if it has one.
pub fn validate(entity: &str, bytes: &[u8]) -> Result<serde_json::Value, String> {
    let value = parse_document(bytes)?;
    if let Some(domain) = Domain::of(entity) {
        domain.check(&value)?;
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_bad_document_gets_its_reason() {
        assert_eq!(parse_document(b"").unwrap_err(), "empty document (0 bytes)");
        assert!(
            parse_document(b"{\"a\":1")
                .unwrap_err()
                .starts_with("not valid JSON: EOF while parsing")
        );
        assert!(
            parse_document(&[0xff, 0xfe, 0x00])
                .unwrap_err()
                .starts_with("not UTF-8 text")
        );
        assert!(
            parse_document(b"{} trailing")
                .unwrap_err()
                .starts_with("not valid JSON: trailing characters")
        );
        assert!(parse_document(b"null").is_ok());
        for bad in [&b""[..], b"{\"a\":1", b"{\"a\": 1", b"\xff", b"{}x"] {
            assert!(compact_text(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn compact_text_keeps_compact_documents_and_compacts_the_rest() {
        assert_eq!(compact_text(br#"{"a":[1,2.5],"b":"x y"}"#).unwrap(), r#"{"a":[1,2.5],"b":"x y"}"#);
        assert_eq!(compact_text(b"{ \"a\": [1, 2.0] }\n").unwrap(), r#"{"a":[1,2]}"#);
        assert_eq!(compact_text(b"null").unwrap(), "null");
    }
}
