//! Byte scans the codecs run over every byte of a message, eight bytes at a time: a word
//! with nothing of interest is passed over with a few integer operations, and only a word
//! that may hold something is looked at byte by byte.

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);

const fn repeated(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

/// Non-zero when some byte of `word` is below `limit` (exact for limits up to 0x80).
#[inline(always)]
fn any_below(word: u64, limit: u8) -> u64 {
    word.wrapping_sub(repeated(limit)) & !word & HIGH
}

/// Non-zero when some byte of `word` equals `byte`.
#[inline(always)]
fn any_equal(word: u64, byte: u8) -> u64 {
    let difference = word ^ repeated(byte);
    difference.wrapping_sub(ONES) & !difference & HIGH
}

/// The eight bytes at `at` as one word, the first byte lowest (so that `trailing_zeros` of a
/// flag word counts the bytes before the first flagged one).
#[inline(always)]
pub(crate) fn word_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// The length of the whitespace (space, tab, line feed, carriage return) `bytes` starts
/// with: the indentation between the tags of a pretty-printed page, judged a word at a time.
#[inline(always)]
pub(crate) fn leading_whitespace(bytes: &[u8]) -> usize {
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let other = !exactly_equal_any(word_at(bytes, at), [b' ', b'\t', b'\n', b'\r']) & HIGH;
        if other != 0 {
            return at + (other.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + bytes[at..].iter().take_while(|&&b| is_space(b)).count()
}

/// The high bit set in exactly those bytes of `word` that are below `limit` (1..=0x80): no
/// byte's sum carries into its neighbour, so unlike [`any_below`] nothing is flagged that
/// does not hold, and the flags can be combined byte by byte.
#[inline(always)]
fn exactly_below(word: u64, limit: u8) -> u64 {
    let low_seven = word & repeated(0x7F);
    !(low_seven.wrapping_add(repeated(0x80 - limit)) | word) & HIGH
}

/// The high bit set in exactly those bytes of `word` that equal `byte`.
#[inline(always)]
fn exactly_equal(word: u64, byte: u8) -> u64 {
    exactly_below(word ^ repeated(byte), 1)
}

/// The high bit set in exactly those bytes of `word` that equal one of `bytes`.
#[inline(always)]
pub fn exactly_equal_any<const N: usize>(word: u64, bytes: [u8; N]) -> u64 {
    bytes
        .into_iter()
        .fold(0, |found, byte| found | exactly_equal(word, byte))
}

/// The first control character other than tab, line feed and carriage return (not allowed
/// raw anywhere in an XML 1.0 document).
///
/// Indented documents have a line feed in most words, so the words are judged exactly (a
/// line feed flags nothing) rather than looked at byte by byte whenever one holds a byte
/// below 0x20.
pub fn first_control_character(bytes: &[u8]) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    for (index, chunk) in words.by_ref().enumerate() {
        let word = word_at(chunk, 0);
        if any_below(word, 0x20) == 0 {
            continue;
        }
        let allowed =
            exactly_equal(word, b'\t') | exactly_equal(word, b'\n') | exactly_equal(word, b'\r');
        let control = exactly_below(word, 0x20) & !allowed;
        if control != 0 {
            // Little-endian: the lowest flagged byte is the first in the document.
            return Some(index * 8 + (control.trailing_zeros() / 8) as usize);
        }
    }
    let tail = bytes.len() - words.remainder().len();
    words
        .remainder()
        .iter()
        .position(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
        .map(|offset| tail + offset)
}

/// Whether the element-text writer must look at this byte: markup characters, `\r`, control
/// characters other than tab and line feed, and 0xEF (the lead byte of U+FFFE and U+FFFF).
const ESCAPABLE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b != 0x09 && b != 0x0A;
        b += 1;
    }
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'\'' as usize] = true;
    table[b'"' as usize] = true;
    table[0xEF] = true;
    table
};

/// Whether text escaping must look at `byte`.
#[inline(always)]
pub fn escapable(byte: u8) -> bool {
    ESCAPABLE[usize::from(byte)]
}

/// Whether the eight bytes at `at` may hold a byte text escaping must look at (never false
/// when one does). `bytes` must hold eight bytes from `at` on.
#[inline(always)]
pub fn word_may_need_escaping(bytes: &[u8], at: usize) -> bool {
    let word = word_at(bytes, at);
    (any_below(word, 0x20)
        | any_equal(word, b'&')
        | any_equal(word, b'<')
        | any_equal(word, b'>')
        | any_equal(word, b'\'')
        | any_equal(word, b'"')
        | any_equal(word, 0xEF))
        != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_scans_agree_with_byte_by_byte_checks_at_every_offset() {
        let alphabet: Vec<u8> = (0u8..=255).collect();
        // Every byte value at every position of a 23-byte window over plain text.
        for special in alphabet {
            for position in 0..23 {
                let mut text = *b"abcdefghijklmnopqrstuvw";
                text[position] = special;
                for at in 0..=text.len() - 8 {
                    let word = &text[at..at + 8];
                    let flagged = word_may_need_escaping(&text, at);
                    if word.iter().any(|&b| escapable(b)) {
                        assert!(flagged, "{special:#x} at {position}, word at {at}");
                    } else if !word.iter().any(|b| matches!(b, b'\t' | b'\n')) {
                        // Tab and line feed may flag a word; nothing else may.
                        assert!(!flagged, "{special:#x} at {position}, word at {at}");
                    }
                }
                let expected = text
                    .iter()
                    .position(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'));
                assert_eq!(
                    first_control_character(&text),
                    expected,
                    "{special:#x} at {position}"
                );
            }
        }
    }

    #[test]
    fn leading_whitespace_counts_what_a_byte_by_byte_scan_counts() {
        for length in 0..24 {
            for stop in 0..=length {
                for other in [b'<', b'a', 0x0B, 0x0C, 0x00, 0xA0, 0xFF] {
                    let mut text = vec![b' '; length];
                    for (at, byte) in text.iter_mut().enumerate() {
                        *byte = [b' ', b'\t', b'\n', b'\r'][at % 4];
                    }
                    if stop < length {
                        text[stop] = other;
                    }
                    assert_eq!(
                        leading_whitespace(&text),
                        stop,
                        "{length} {stop} {other:#x}"
                    );
                }
            }
        }
    }

    #[test]
    fn control_scan_is_exact_beside_allowed_whitespace_and_high_bytes() {
        // A byte that flags a word (or borrows in a sum) beside every byte value: a line
        // feed next to a control character must neither hide nor invent one.
        let neighbours = [
            b'\t', b'\n', b'\r', 0x00, 0x01, 0x1F, 0x20, 0x7F, 0x80, 0xFF,
        ];
        for neighbour in neighbours {
            for special in 0u8..=255 {
                for (first, second) in [(3, 4), (4, 3), (7, 8), (8, 7), (0, 15)] {
                    let mut text = *b"abcdefghijklmnop";
                    text[first] = neighbour;
                    text[second] = special;
                    let expected = text
                        .iter()
                        .position(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'));
                    assert_eq!(
                        first_control_character(&text),
                        expected,
                        "{neighbour:#x} at {first}, {special:#x} at {second}"
                    );
                }
            }
        }
    }
}
