//! The one-pass shortcut against the general path, on generated and mutated documents.

use super::*;
use crate::json::canonicalize_general;

/// A small deterministic generator, so a failure is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "7",
    "-42",
    "1700000000000",
    "123456789012345",
    "1234567890123456",
    "12345678901234567890",
    "0.5",
    "-0.5",
    "1.0",
    "1.50",
    "42150.25",
    "0.000001",
    "0.0000001",
    "0.00001234",
    "123456789012345.6",
    "3.14159265358979",
    "0.30000000000000004",
    "-0.0",
    "1e5",
    "1E-7",
    "2.5e+3",
    "01",
    "1.",
    ".5",
    "-",
    "1e400",
    "9007199254740993",
    "99999999999999.99",
    "5e-324",
];
const STRINGS: &[&str] = &[
    r#""""#,
    r#""BTCUSDT""#,
    r#""with spaces""#,
    r#""é 日本 🚀""#,
    r#""quote \" inside""#,
    r#""back\\slash""#,
    r#""line\nbreak""#,
    r#""\u0041""#,
    r#""\ud83d\ude80""#,
    r#""slash \/""#,
    r#""\x""#,
    "\"raw\ttab\"",
    r#""DEL ""#,
];
const SPACE: &[&str] = &["", "", "", " ", "\n  ", "\t", "\r\n"];

fn gen_value(r: &mut Rng, depth: u32, out: &mut String) {
    let ws = |r: &mut Rng, out: &mut String| out.push_str(r.pick(SPACE));
    match if depth > 3 {
        r.next() % 3
    } else {
        r.next() % 5
    } {
        0 => out.push_str(r.pick(NUMBERS)),
        1 => out.push_str(r.pick(STRINGS)),
        2 => out.push_str(r.pick(&["true", "false", "null"])),
        kind => {
            let (open, close) = if kind == 3 { ('{', '}') } else { ('[', ']') };
            out.push(open);
            for n in 0..r.next() % 5 {
                if n > 0 {
                    out.push(',');
                }
                ws(r, out);
                if kind == 3 {
                    out.push_str(r.pick(STRINGS));
                    ws(r, out);
                    out.push(':');
                    ws(r, out);
                }
                gen_value(r, depth + 1, out);
                ws(r, out);
            }
            out.push(close);
        }
    }
}

fn mutate(r: &mut Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let at = (r.next() % (chars.len() as u64 + 1)) as usize;
    let ch = r
        .pick(&[
            "{", "}", "[", "]", "\"", ",", ":", "0", "-", ".", "e", " ", "\\", "n", "\u{1}",
        ])
        .chars()
        .next()
        .unwrap_or(' ');
    match r.next() % 4 {
        0 if at < chars.len() => {
            chars.remove(at);
        }
        1 => chars.insert(at, ch),
        2 if at < chars.len() => chars[at] = ch,
        _ => chars.truncate(at),
    }
    chars.into_iter().collect()
}

/// The shortcut agrees with the general path wherever it answers.
fn agree(text: &str) -> (bool, bool) {
    let fast = canonical(text);
    if let Some(fast) = &fast {
        assert_eq!(
            canonicalize_general(text).as_deref().ok(),
            Some(fast.as_ref()),
            "canonical({text:?})"
        );
    }
    let fast_valid = valid(text);
    if fast_valid {
        assert!(
            serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok(),
            "valid({text:?})"
        );
    }
    (fast.is_some(), fast_valid)
}

#[test]
fn the_shortcut_agrees_with_serde_json_on_generated_and_mutated_documents() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut written, mut validated, mut total) = (0, 0, 0);
    for _ in 0..20_000 {
        let mut text = String::new();
        text.push_str(r.pick(SPACE));
        gen_value(&mut r, 0, &mut text);
        text.push_str(r.pick(SPACE));
        for candidate in [text.clone(), mutate(&mut r, &text), mutate(&mut r, &text)] {
            let (w, v) = agree(&candidate);
            total += 1;
            written += usize::from(w);
            validated += usize::from(v);
        }
    }
    // The comparison is only worth something if the shortcut answers often.
    assert!(
        written > total / 10 && validated > total / 10,
        "{written} written, {validated} validated of {total}"
    );
}

#[test]
fn members_are_split_exactly_when_the_text_is_one_valid_object() {
    assert_eq!(
        members(r#" { "a" : [1, {"b": null}] , "c\"d":"x" } "#),
        Some(vec![
            (r#""a""#, r#"[1, {"b": null}]"#),
            (r#""c\"d""#, r#""x""#)
        ])
    );
    assert_eq!(members("{}"), Some(vec![]));
    for not_decided in [
        "[1]",
        "null",
        "{",
        r#"{"a":1,}"#,
        r#"{"a":1} x"#,
        r#"{"a":1e5}"#,
        "",
    ] {
        assert_eq!(members(not_decided), None, "{not_decided:?}");
    }
    let mut r = Rng(7);
    for _ in 0..5_000 {
        let mut text = String::from("{\"k\":");
        gen_value(&mut r, 1, &mut text);
        text.push('}');
        for candidate in [text.clone(), mutate(&mut r, &text)] {
            if let Some(split) = members(&candidate) {
                let parsed: serde_json::Value = serde_json::from_str(&candidate)
                    .unwrap_or_else(|e| panic!("{candidate:?}: {e}"));
                let object = parsed.as_object().expect("an object");
                assert_eq!(split.len(), object.len(), "{candidate:?}");
                for (key, value) in split {
                    let key: String = serde_json::from_str(key).unwrap();
                    let value: serde_json::Value = serde_json::from_str(value).unwrap();
                    assert_eq!(object.get(&key), Some(&value), "{candidate:?}");
                }
            }
        }
    }
}

#[test]
fn the_word_test_finds_exactly_the_bytes_that_need_attention() {
    for special in 0u8..=255 {
        for at in 0..8 {
            let mut bytes = *b"abcdefgh";
            bytes[at] = special;
            let expected = special == b'"' || special == b'\\' || special < 0x20;
            assert_eq!(
                needs_attention(u64::from_le_bytes(bytes)),
                expected,
                "byte {special:#x} at {at}"
            );
        }
    }
    assert!(!needs_attention(u64::from_le_bytes(*b"\xff\x7f !#[]~")));
}

#[test]
fn the_digit_test_finds_exactly_the_bytes_that_are_not_digits() {
    for other in 0u8..=255 {
        for at in 0..8 {
            let mut bytes = *b"01234567";
            bytes[at] = other;
            let expected = if other.is_ascii_digit() {
                0
            } else {
                0x80 << (8 * at)
            };
            assert_eq!(
                non_digits(u64::from_le_bytes(bytes)),
                expected,
                "byte {other:#x} at {at}"
            );
        }
    }
    assert_eq!(digits(b"1700000060000,", 0), 13);
    assert_eq!(digits(b"12345678", 0), 8);
    assert_eq!(digits(b"x1234567890", 1), 11);
    assert_eq!(digits(b"12/45678901", 0), 2);
}

#[test]
fn ordinary_documents_take_the_shortcut() {
    let row = r#"{"id":"sig-1","position":"long","priceOpen":42150.25,"minuteEstimatedTime":null,"note":"a b","_isScheduled":false,"_entry":[{"price":42150.25,"cost":100,"timestamp":1700000060000}]}"#;
    assert!(
        matches!(canonical(row), Some(Cow::Borrowed(text)) if text == row),
        "compact canonical text comes back as it is"
    );
    assert!(valid(row));
    assert!(matches!(
        canonical("{ \"a b\" : [ 1 , 2.5 ] }\n"),
        Some(Cow::Owned(text)) if text == r#"{"a b":[1,2.5]}"#
    ));
    let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(valid(&nested(MAX_DEPTH)));
    assert!(
        !valid(&nested(MAX_DEPTH + 1)),
        "deeper goes the general way"
    );
    assert!(!valid(&format!("{}1{}", "[".repeat(5), "]".repeat(4))));
    for general_only in [
        "1.0",
        "-0",
        "1e5",
        r#""a\nb""#,
        "12345678901234567",
        "0.0000001",
    ] {
        assert_eq!(canonical(general_only), None, "{general_only}");
    }
    for invalid in [
        "",
        "{",
        "[1,]",
        "{\"a\" 1}",
        "01",
        "nul",
        "\"\u{1}\"",
        "[1] x",
    ] {
        assert_eq!(canonical(invalid), None, "{invalid:?}");
        assert!(!valid(invalid), "{invalid:?}");
    }
}
