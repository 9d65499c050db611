//! One pass over JSON text for the shape nearly every stored document has: plain strings,
//! integers of up to 15 digits, decimals without an exponent, shallow nesting.
//!
//! Both functions answer only when they are sure. `Some` / `true` means the text is valid
//! JSON and, for [`canonical`], that the output is byte for byte what the general path
//! (serde_json into the `JSON.stringify` formatter) writes; `None` / `false` means "not
//! decided here", never "invalid": the caller then takes the general path, which also words
//! every error. A test compares both paths on generated and mutated documents.
//!
//! Why a plain token is already canonical: a string without escapes or control characters is
//! written back unchanged; an integer of at most 15 digits is exact; a decimal with at most 15
//! significant digits, no trailing zero and no exponent is the only decimal of at most 15
//! digits that reads as its double, hence that double's shortest form, which JavaScript
//! prints in fixed notation for magnitudes of at least 1e-6.

use std::borrow::Cow;

/// Deeper documents go to the general path (serde_json stops at 128).
const MAX_DEPTH: usize = 100;

/// The text as `JSON.stringify(JSON.parse(text))` writes it, when this pass can tell:
/// borrowed when the text already is that (the usual case), owned when only whitespace
/// between tokens had to go.
pub fn canonical(text: &str) -> Option<Cow<'_, str>> {
    let mut scan = Scan {
        b: text.as_bytes(),
        canonical: true,
        spaced: false,
    };
    if !scan.document() {
        return None;
    }
    if !scan.spaced {
        return Some(Cow::Borrowed(text));
    }
    // Every string is free of escapes here, so each quote opens or closes one.
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    for c in text.chars() {
        match c {
            '"' => in_string = !in_string,
            ' ' | '\t' | '\n' | '\r' if !in_string => continue,
            _ => {}
        }
        out.push(c);
    }
    Some(Cow::Owned(out))
}

/// True when the text is certainly one valid JSON document.
pub fn valid(text: &str) -> bool {
    Scan {
        b: text.as_bytes(),
        canonical: false,
        spaced: false,
    }
    .document()
}

/// The members of a JSON object as (key with its quotes, value) slices of the text, when
/// this pass can tell the text is one valid object; `None` means "not decided here" (the
/// caller parses it the general way).
pub fn members(text: &str) -> Option<Vec<(&str, &str)>> {
    let b = text.as_bytes();
    let mut scan = Scan {
        b,
        canonical: false,
        spaced: false,
    };
    let mut i = scan.skip_ws(0)?;
    if b[i] != b'{' {
        return None;
    }
    i = scan.skip_ws(i + 1)?;
    let mut out = Vec::with_capacity(32);
    let end = if b[i] == b'}' {
        i + 1
    } else {
        loop {
            if b[i] != b'"' {
                return None;
            }
            let key_end = scan.string(i)?;
            let colon = scan.skip_ws(key_end)?;
            if b[colon] != b':' {
                return None;
            }
            let value = scan.skip_ws(colon + 1)?;
            let value_end = scan.value_at(value)?;
            out.push((&text[i..key_end], &text[value..value_end]));
            let next = scan.skip_ws(value_end)?;
            match b[next] {
                b',' => i = scan.skip_ws(next + 1)?,
                b'}' => break next + 1,
                _ => return None,
            }
        }
    };
    scan.skip_ws(end).is_none().then_some(out)
}

/// One pass over the bytes. It copies nothing: in WebAssembly every small copy is a call
/// out of the module, which cost more than the scan itself.
struct Scan<'a> {
    b: &'a [u8],
    /// Accept only tokens that `JSON.stringify` writes unchanged.
    canonical: bool,
    /// Whether whitespace was seen between tokens.
    spaced: bool,
}

impl Scan<'_> {
    /// The whole text is one value.
    fn document(&mut self) -> bool {
        let Some(start) = self.skip_ws(0) else {
            return false;
        };
        self.value_at(start)
            .is_some_and(|end| self.skip_ws(end).is_none())
    }

    /// The value starting at `start`; returns the index after it. Iterative, with the open
    /// containers as a bit stack (1 = object), so that a value costs no call.
    fn value_at(&mut self, start: usize) -> Option<usize> {
        let b = self.b;
        let mut open: u128 = 0;
        let mut depth = 0;
        let mut i = start;
        loop {
            // A value starts at `i`.
            match *b.get(i)? {
                c @ (b'{' | b'[') => {
                    if depth == MAX_DEPTH {
                        return None;
                    }
                    let object = c == b'{';
                    let close = if object { b'}' } else { b']' };
                    let next = self.skip_ws(i + 1)?;
                    if b[next] == close {
                        i = next + 1;
                    } else {
                        open = (open << 1) | u128::from(object);
                        depth += 1;
                        i = if object { self.key(next)? } else { next };
                        continue;
                    }
                }
                b'"' => i = self.string(i)?,
                b't' => i = self.literal(i, b"true")?,
                b'f' => i = self.literal(i, b"false")?,
                b'n' => i = self.literal(i, b"null")?,
                b'-' | b'0'..=b'9' => i = self.number(i)?,
                _ => return None,
            }
            // A value ended before `i`: close containers until one goes on with a comma.
            loop {
                if depth == 0 {
                    return Some(i);
                }
                let next = self.skip_ws(i)?;
                let object = open & 1 == 1;
                match b[next] {
                    b',' => {
                        let after = self.skip_ws(next + 1)?;
                        i = if object { self.key(after)? } else { after };
                        break;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return None,
                }
                open >>= 1;
                depth -= 1;
                i = next + 1;
            }
        }
    }

    /// The index of the next byte that is not whitespace, or `None` at the end of the text.
    #[inline(always)]
    fn skip_ws(&mut self, start: usize) -> Option<usize> {
        let mut i = start;
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(i) {
            i += 1;
        }
        self.spaced |= i != start;
        (i < self.b.len()).then_some(i)
    }

    /// `"key" :` at `i` (where a key must start); returns where its value starts.
    #[inline(always)]
    fn key(&mut self, i: usize) -> Option<usize> {
        if self.b[i] != b'"' {
            return None;
        }
        let colon = self.skip_ws(self.string(i)?)?;
        if self.b[colon] != b':' {
            return None;
        }
        self.skip_ws(colon + 1)
    }

    #[inline(always)]
    fn literal(&self, i: usize, word: &[u8]) -> Option<usize> {
        let end = i + word.len();
        (self.b.get(i..end)? == word).then_some(end)
    }

    /// A string starting at the quote at `i`. Canonical strings have no escapes (they are
    /// written back unchanged); otherwise simple escapes are fine too.
    #[inline(always)]
    fn string(&self, i: usize) -> Option<usize> {
        let b = self.b;
        let mut j = i + 1;
        // Skip eight plain bytes at a time; the byte loop below handles the rest.
        while let Some(word) = b.get(j..j + 8) {
            let word = u64::from_le_bytes([
                word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
            ]);
            if needs_attention(word) {
                break;
            }
            j += 8;
        }
        loop {
            match *b.get(j)? {
                b'"' => return Some(j + 1),
                b'\\' if !self.canonical => match *b.get(j + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => j += 2,
                    _ => return None,
                },
                b'\\' | 0x00..=0x1f => return None,
                _ => j += 1,
            }
        }
    }

    /// A number without an exponent. Canonical ones only when asked (see the module docs).
    #[inline(always)]
    fn number(&self, i: usize) -> Option<usize> {
        let b = self.b;
        let negative = b[i] == b'-';
        let int_start = if negative { i + 1 } else { i };
        let int_end = match *b.get(int_start)? {
            b'0' => int_start + 1,
            b'1'..=b'9' => digits(b, int_start),
            _ => return None,
        };
        let (frac_start, end) = if b.get(int_end) == Some(&b'.') {
            let end = digits(b, int_end + 1);
            if end == int_end + 1 {
                return None;
            }
            (int_end + 1, end)
        } else {
            (int_end, int_end)
        };
        if matches!(b.get(end), Some(b'e' | b'E')) || end - i > 40 {
            return None;
        }
        if self.canonical {
            let int = &b[int_start..int_end];
            let frac = &b[frac_start..end];
            if frac.is_empty() {
                if int.len() > 15 || (negative && int == b"0") {
                    return None;
                }
            } else {
                let leading_zeros = if int == b"0" {
                    frac.iter().take_while(|&&d| d == b'0').count()
                } else {
                    0
                };
                let significant = if int == b"0" {
                    frac.len() - leading_zeros
                } else {
                    int.len() + frac.len()
                };
                if frac.last() == Some(&b'0') || significant > 15 || leading_zeros >= 6 {
                    return None;
                }
            }
        }
        Some(end)
    }
}

/// Whether any byte of the word is a quote, a backslash or a control character (below 0x20).
/// Exact: `(x - 0x01…) & !x & 0x80…` is non-zero exactly when some byte of `x` is zero, and
/// with `0x20…` subtracted, exactly when some byte is below 0x20.
fn needs_attention(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGH != 0;
    below_space
        || has_zero(word ^ (ONES * u64::from(b'"')))
        || has_zero(word ^ (ONES * u64::from(b'\\')))
}

/// The index after the run of ASCII digits starting at `j`.
fn digits(b: &[u8], mut j: usize) -> usize {
    // Eight bytes at a time: timestamps have 13 digits.
    while let Some(word) = b.get(j..j + 8) {
        let word = u64::from_le_bytes([
            word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
        ]);
        let others = non_digits(word);
        if others != 0 {
            return j + (others.trailing_zeros() / 8) as usize;
        }
        j += 8;
    }
    while matches!(b.get(j), Some(b'0'..=b'9')) {
        j += 1;
    }
    j
}

/// The high bit of each byte of the word that is not an ASCII digit. Exact per byte: with
/// `t = byte ^ 0x30`, a digit is `t < 10`; `(t & 0x7f) + 0x76` sets the high bit exactly when
/// `t & 0x7f >= 10` and cannot carry into the next byte.
fn non_digits(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let t = word ^ (ONES * 0x30);
    ((t & !HIGH).wrapping_add(ONES * 0x76) | t) & HIGH
}

#[cfg(test)]
mod tests {
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
}
