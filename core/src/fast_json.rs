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
mod tests;
