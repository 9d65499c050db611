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
    }
}
