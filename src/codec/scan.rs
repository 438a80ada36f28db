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

#[inline(always)]
fn word_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_ne_bytes(word)
}

/// The position of the first byte for which `wanted` holds, looking byte by byte only in
/// the words `maybe` flags (`maybe` may flag words with no wanted byte, never miss one).
#[inline(always)]
fn find(bytes: &[u8], maybe: impl Fn(u64) -> bool, wanted: impl Fn(u8) -> bool) -> Option<usize> {
    let mut at = 0;
    while at + 8 <= bytes.len() {
        if maybe(word_at(bytes, at)) {
            if let Some(offset) = bytes[at..at + 8].iter().position(|&b| wanted(b)) {
                return Some(at + offset);
            }
        }
        at += 8;
    }
    bytes[at..]
        .iter()
        .position(|&b| wanted(b))
        .map(|offset| at + offset)
}

/// The first control character other than tab, line feed and carriage return (not allowed
/// raw anywhere in an XML 1.0 document).
pub fn first_control_character(bytes: &[u8]) -> Option<usize> {
    find(
        bytes,
        |word| any_below(word, 0x20) != 0,
        |b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'),
    )
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
}
