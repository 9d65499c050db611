//! backtest-kit's key order: `localeCompare(b, undefined, { numeric: true, sensitivity: "base" })`,
//! without ICU. Digit runs compare as numbers; letters compare without regard to case;
//! punctuation sorts before digits, digits before letters (as ICU does). Names equal under
//! those rules fall back to byte order, so the order is total and stable across runs.

use std::cmp::Ordering;

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Token<'a> {
    /// Punctuation, spaces and symbols, by their lowercase form.
    Symbol(char),
    /// A run of ASCII digits without its leading zeros: longer is larger, then by digits.
    Number(usize, &'a str),
    /// Letters (of any script) and everything else, by their lowercase form.
    Letter(char),
}

fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

fn tokens(s: &str) -> impl Iterator<Item = Token<'_>> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let c = rest.chars().next()?;
        if c.is_ascii_digit() {
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            let digits = rest[..end].trim_start_matches('0');
            rest = &rest[end..];
            Some(Token::Number(digits.len(), digits))
        } else {
            rest = &rest[c.len_utf8()..];
            if c.is_alphanumeric() {
                Some(Token::Letter(fold(c)))
            } else {
                Some(Token::Symbol(fold(c)))
            }
        }
    })
}

/// Compares two ids in natural order with a byte-order tie-break.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    tokens(a).cmp(tokens(b)).then_with(|| a.cmp(b))
}

/// Sorts ids in natural order.
pub fn sort_natural(ids: &mut [String]) {
    ids.sort_by(|a, b| natural_cmp(a, b));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(ids: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        sort_natural(&mut v);
        v
    }

    #[test]
    fn numbers_compare_by_value() {
        assert_eq!(
            sorted(&["item10", "item2", "item1"]),
            ["item1", "item2", "item10"]
        );
        assert_eq!(
            sorted(&["1700000060000", "999", "1700000000000"]),
            ["999", "1700000000000", "1700000060000"]
        );
        assert_eq!(sorted(&["10", "9", "100", "1"]), ["1", "9", "10", "100"]);
    }

    #[test]
    fn letters_ignore_case_with_byte_order_tie_break() {
        assert_eq!(
            sorted(&["banana", "Apple", "cherry"]),
            ["Apple", "banana", "cherry"]
        );
        assert_eq!(sorted(&["a", "A", "b", "B"]), ["A", "a", "B", "b"]);
    }

    #[test]
    fn leading_zeros_tie_break_by_bytes() {
        assert_eq!(sorted(&["07", "7", "007"]), ["007", "07", "7"]);
    }

    #[test]
    fn punctuation_before_digits_before_letters() {
        assert_eq!(sorted(&["a", "1", "_x"]), ["_x", "1", "a"]);
    }
}
