//! JSON text exactly as backtest-kit's `JSON.stringify` writes it: compact, keys in insertion
//! order, numbers in JavaScript's `Number.prototype.toString` format (`1` not `1.0`, `1e+21`,
//! `1.5e-7`, `0.000001`).

use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};
use std::borrow::Cow;
use std::io;

/// Serialises a value as `JSON.stringify` would.
pub fn to_js_string<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut out = Vec::with_capacity(128);
    value.serialize(&mut Serializer::with_formatter(&mut out, JsFormatter))?;
    // serde_json writes UTF-8 only.
    String::from_utf8(out).map_err(serde::ser::Error::custom)
}

/// Rewrites JSON text as `JSON.stringify(JSON.parse(text))` would, streaming from parser to
/// writer without building a tree. (One difference: a key repeated in an object is written
/// twice instead of once with its last value; `JSON.parse` reads both forms the same.)
/// Text that is already in that form is returned as it came, without a copy.
pub fn canonicalize(text: String) -> Result<String, serde_json::Error> {
    match crate::fast_json::canonical(&text) {
        Some(Cow::Borrowed(_)) => Ok(text),
        Some(Cow::Owned(compact)) => Ok(compact),
        None => canonicalize_general(&text),
    }
}

/// [`canonicalize`] by serde_json alone: decides every input and words every error. Text
/// holding a lone surrogate escape is checked as [`without_lone_surrogates`] reads it and
/// returned as it came, so the escape is kept.
pub(crate) fn canonicalize_general(text: &str) -> Result<String, serde_json::Error> {
    if let Cow::Owned(readable) = without_lone_surrogates(text) {
        canonicalize_general(&readable)?;
        return Ok(text.to_string());
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let mut out = Vec::with_capacity(text.len());
    serde_transcode::transcode(
        &mut de,
        &mut Serializer::with_formatter(&mut out, JsFormatter),
    )?;
    de.end()?;
    String::from_utf8(out).map_err(serde::ser::Error::custom)
}

/// JSON text with each lone UTF-16 surrogate escape replaced by `\ufffd`. JavaScript strings
/// may hold half of a surrogate pair (a note cut inside an emoji), and `JSON.stringify`
/// writes it as an escape (`"\ud83d"`); such text is valid for `JSON.parse`, but Rust and WIT
/// strings are Unicode, so where persist decodes the string it reads as U+FFFD, the
/// replacement character. Text without one (nearly all) is returned as it came.
pub fn without_lone_surrogates(text: &str) -> Cow<'_, str> {
    if !text.contains("\\u") {
        return Cow::Borrowed(text);
    }
    let b = text.as_bytes();
    let hex = |at: usize| -> Option<u32> {
        let digits = std::str::from_utf8(b.get(at..at + 4)?).ok()?;
        u32::from_str_radix(digits, 16).ok()
    };
    let surrogate = |at: usize, range: std::ops::Range<u32>| {
        b.get(at) == Some(&b'\\')
            && b.get(at + 1) == Some(&b'u')
            && hex(at + 2).is_some_and(|u| range.contains(&u))
    };
    let mut out = String::new();
    let mut copied = 0;
    let mut in_string = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                in_string = !in_string;
                i += 1;
            }
            b'\\' if in_string => {
                if surrogate(i, 0xD800..0xDC00) && surrogate(i + 6, 0xDC00..0xE000) {
                    i += 12;
                } else if surrogate(i, 0xD800..0xE000) {
                    out.push_str(&text[copied..i]);
                    out.push_str("\\ufffd");
                    i += 6;
                    copied = i;
                } else {
                    i += 2;
                }
            }
            _ => i += 1,
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Appends a finite number as `JSON.stringify` writes it.
pub fn push_number(out: &mut Vec<u8>, value: f64) {
    let _ = JsFormatter.write_f64(out, value);
}

struct JsFormatter;

impl Formatter for JsFormatter {
    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        // Fast paths, each exactly what `js_number` returns (a test compares them).
        if value.is_finite() && value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 {
            return w.write_all(itoa::Buffer::new().format(value as i64).as_bytes());
        }
        if let Some(text) = few_decimals(value) {
            return w.write_all(text.as_bytes());
        }
        if value.is_finite() {
            let mut buf = ryu::Buffer::new();
            let text = buf.format_finite(value);
            if !text.contains('e') && !text.ends_with(".0") {
                return w.write_all(text.as_bytes());
            }
        }
        w.write_all(js_number(value).as_bytes())
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f32) -> io::Result<()> {
        self.write_f64(w, f64::from(value))
    }
}

/// The shortest decimal form of a number with at most 6 decimals and 15 significant digits
/// (most prices and quantities), without the 128-bit arithmetic of the general algorithm,
/// which WebAssembly has to emulate.
///
/// If `m = round(value·10^k)` has at most 15 significant digits and `m / 10^k == value` (a
/// correctly rounded division of two exact numbers), the decimal `m·10^-k` reads back as
/// `value`. No other decimal of at most 15 significant digits reads back as the same double,
/// and trying `k` upwards finds the one without trailing zeros, so it is the shortest: what
/// ryu and JavaScript print.
fn few_decimals(value: f64) -> Option<String> {
    const POW10: [f64; 7] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6];
    if !value.is_finite() || value.abs() >= 1e15 || value.fract() == 0.0 {
        return None;
    }
    for (k, &scale) in POW10.iter().enumerate().skip(1) {
        let m = (value * scale).round();
        if m.abs() >= 1e15 {
            return None;
        }
        if m / scale == value {
            let m = m.abs() as u64;
            let unit = 10u64.pow(k as u32);
            let mut out = String::with_capacity(24);
            if value < 0.0 {
                out.push('-');
            }
            out.push_str(itoa::Buffer::new().format(m / unit));
            out.push('.');
            let mut digits = itoa::Buffer::new();
            let frac = digits.format(m % unit);
            out.extend(std::iter::repeat_n('0', k - frac.len()));
            out.push_str(frac);
            return Some(out);
        }
    }
    None
}

/// `Number.prototype.toString()` for a number; `null` for NaN and the infinities, as
/// `JSON.stringify` writes them.
pub fn js_number(value: f64) -> String {
    if !value.is_finite() {
        return "null".to_string();
    }
    if value == 0.0 {
        return "0".to_string();
    }
    let mut buf = ryu::Buffer::new();
    let shortest = buf.format_finite(value.abs());
    let (mantissa, exp10) = match shortest.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (shortest, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = format!("{int_part}{frac_part}");
    let leading = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_start_matches('0').trim_end_matches('0');
    // value = 0.digits × 10^n, in the words of the ECMAScript specification.
    let n = int_part.len() as i32 - leading as i32 + exp10;
    let k = digits.len() as i32;
    let sign = if value < 0.0 { "-" } else { "" };
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e_sign = if e < 0 { '-' } else { '+' };
        if k == 1 {
            format!("{digits}e{e_sign}{}", e.abs())
        } else {
            format!("{}.{}e{e_sign}{}", &digits[..1], &digits[1..], e.abs())
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn lone_surrogate_escapes_read_as_the_replacement_character_and_pairs_stay() {
        for (text, readable) in [
            (r#"{"note":"cut \ud83d"}"#, r#"{"note":"cut \ufffd"}"#),
            (
                r#"["\udc00x","\uD83D\uDE00"]"#,
                r#"["\ufffdx","\uD83D\uDE00"]"#,
            ),
            (r#""\ud83d\ud83d\ude00""#, r#""\ufffd\ud83d\ude00""#),
            (r#""\\ud83d""#, r#""\\ud83d""#),
            (r#"{"a":"\u00e9"}"#, r#"{"a":"\u00e9"}"#),
        ] {
            assert_eq!(without_lone_surrogates(text), readable, "{text}");
            assert!(
                serde_json::from_str::<serde_json::Value>(&without_lone_surrogates(text)).is_ok()
            );
        }
        assert!(matches!(
            without_lone_surrogates(r#"{"a":"\ud83d\ude00"}"#),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn canonical_text_keeps_a_lone_surrogate_escape() {
        assert_eq!(
            super::canonicalize(r#"{"note":"cut \ud83d"}"#.to_string()).unwrap(),
            r#"{"note":"cut \ud83d"}"#
        );
    }

    use super::*;

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        let cases = [
            (1.0, "1"),
            (-0.0, "0"),
            (0.1, "0.1"),
            (42000.5, "42000.5"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (1e-7, "1e-7"),
            (123456789.125, "123456789.125"),
            (-2.5, "-2.5"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (f64::INFINITY, "null"),
            (f64::NAN, "null"),
        ];
        for (value, text) in cases {
            assert_eq!(js_number(value), text, "{value:e}");
        }
    }

    #[test]
    fn the_fast_paths_agree_with_the_general_formatter() {
        let mut samples = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            1e15,
            1e16,
            9_007_199_254_740_991.0,
            9_007_199_254_740_992.0,
            1e20,
            1e21,
        ];
        samples.extend([
            42150.25,
            0.1 + 0.2,
            1e-5,
            1e-6,
            1e-7,
            123456.789e3,
            5e-324,
            f64::MAX,
            -7.25e-3,
        ]);
        samples.extend([
            0.000001,
            0.0000015,
            42150.123456,
            999999999.999999,
            0.3,
            -0.07,
            1e-6 + 1e-7,
        ]);
        let mut x = 0.123_f64;
        for i in 0..20_000 {
            x = (x * 7919.0 + 0.377).fract();
            samples.push(x * 10f64.powi((x * 60.0) as i32 - 30));
            // Prices and quantities with a few decimals, and their neighbours.
            let decimals = i % 8;
            let cents =
                ((x * 1e9).round() / 10f64.powi(decimals)) * if i % 3 == 0 { -1.0 } else { 1.0 };
            samples.extend([
                cents,
                f64::from_bits(cents.to_bits() + 1),
                f64::from_bits(cents.to_bits().saturating_sub(1)),
            ]);
        }
        for v in samples {
            assert_eq!(to_js_string(&v).unwrap(), js_number(v), "{v:e}");
        }
    }

    #[test]
    fn canonicalize_matches_building_the_value_and_reports_bad_json() {
        for text in [
            r#"{ "z": 1.0, "a": [ 2.50, "x\u0001 \/ \u00e9" ], "m": null, "n": {"deep": [true, false, -0.0, 1e21]} }"#,
            "null",
            " [ ] ",
            r#""just a string""#,
            "12345678901234567890",
        ] {
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                canonicalize(text.to_string()).unwrap(),
                to_js_string(&v).unwrap(),
                "{text}"
            );
        }
        for bad in ["", "{", "{\"a\":1} x", "[1,]", "NaN", "{\"a\" 1}"] {
            assert!(canonicalize(bad.to_string()).is_err(), "{bad:?}");
        }
        assert!(
            canonicalize("{".to_string())
                .unwrap_err()
                .to_string()
                .starts_with("EOF while parsing")
        );
    }

    #[test]
    fn documents_are_compact_in_insertion_order() {
        let v: serde_json::Value =
            serde_json::from_str("{ \"z\": 1.0, \"a\": [ 2.50, \"x\\u0001\" ], \"m\": null }")
                .unwrap();
        assert_eq!(
            to_js_string(&v).unwrap(),
            r#"{"z":1,"a":[2.5,"x\u0001"],"m":null}"#
        );
    }
}
