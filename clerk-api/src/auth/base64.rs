//! Base64 decoding for JWT segments (URL-safe alphabet, no padding) and PEM bodies (standard
//! alphabet, padded). Hand-written because it is twenty lines and sits on the hot path of every
//! verification: it decodes into a caller-sized buffer and never allocates more than the input
//! can hold.

/// Which alphabet a text uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alphabet {
    /// `A-Z a-z 0-9 - _`, no padding (RFC 7515 section 2).
    UrlSafeNoPad,
    /// `A-Z a-z 0-9 + /`, optional `=` padding (PEM).
    Standard,
}

/// Why a text is not base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidBase64;

/// Marks a byte outside the alphabet in the decoding tables.
const INVALID: u8 = 0xff;

/// Decoding tables, one per alphabet: a lookup per character instead of range tests, since
/// every verification decodes about a kilobyte.
const fn table(alphabet: Alphabet) -> [u8; 256] {
    let symbols: &[u8; 64] = match alphabet {
        Alphabet::Standard => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        Alphabet::UrlSafeNoPad => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    };
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[symbols[i] as usize] = i as u8;
        i += 1;
    }
    table
}

/// An alphabet's decoding tables.
struct Tables {
    /// Each character's sextet, or INVALID.
    sextets: [u8; 256],
    /// See [`placed`].
    placed: [[u32; 256]; 4],
}

static STANDARD: Tables = tables(Alphabet::Standard);
static URL_SAFE: Tables = tables(Alphabet::UrlSafeNoPad);

const fn tables(alphabet: Alphabet) -> Tables {
    let sextets = table(alphabet);
    Tables { sextets, placed: placed(&sextets) }
}

/// The alphabet's text without padding (checked for the standard alphabet) and its tables.
fn prepare(text: &[u8], alphabet: Alphabet) -> Result<(&[u8], &'static Tables), InvalidBase64> {
    match alphabet {
        Alphabet::Standard => Ok((strip_padding(text)?, &STANDARD)),
        Alphabet::UrlSafeNoPad => Ok((text, &URL_SAFE)),
    }
}

/// Each character's sextet already shifted to its place in a group of four (24 bits), one table
/// per place: a group decodes with four lookups and three ORs. Bit 31 marks a character
/// outside the alphabet.
const fn placed(table: &[u8; 256]) -> [[u32; 256]; 4] {
    let mut placed = [[0; 256]; 4];
    let mut place = 0;
    while place < 4 {
        let mut byte = 0;
        while byte < 256 {
            placed[place][byte] = match table[byte] {
                INVALID => 1 << 31,
                sextet => (sextet as u32) << (18 - 6 * place),
            };
            byte += 1;
        }
        place += 1;
    }
    placed
}

/// Decodes unpadded `text` into `out`, which must be exactly `text.len() * 3 / 4` bytes long.
/// Rejects characters outside the alphabet, a length that no encoding produces (one leftover
/// character) and leftover bits that are not zero, so that each byte string has exactly one
/// accepted encoding.
///
/// Eight characters make six bytes per step, and the characters' validity is gathered and
/// checked once at the end: a bad text fills `out` with garbage before it is refused, and the
/// callers never look at `out` then.
fn decode_exact(text: &[u8], tables: &Tables, out: &mut [u8]) -> Result<(), InvalidBase64> {
    let placed = &tables.placed;
    let group = |chunk: &[u8]| {
        placed[0][chunk[0] as usize]
            | placed[1][chunk[1] as usize]
            | placed[2][chunk[2] as usize]
            | placed[3][chunk[3] as usize]
    };
    let mut seen = 0u32;
    let blocks = text.len() / 8;
    let (head, rest) = out.split_at_mut(blocks * 6);
    for (chunk, bytes) in text.chunks_exact(8).zip(head.chunks_exact_mut(6)) {
        let (high, low) = (group(&chunk[..4]), group(&chunk[4..]));
        seen |= high | low;
        let word = u64::from(high) << 24 | u64::from(low);
        bytes.copy_from_slice(&word.to_be_bytes()[2..]);
    }
    // Up to seven characters left: one group of four, then two or three characters (or none).
    let mut word = 0u64;
    for &byte in &text[blocks * 8..] {
        let sextet = tables.sextets[byte as usize];
        seen |= u32::from(sextet) << 24;
        word = word << 6 | u64::from(sextet);
    }
    let leftover = text.len() % 8;
    let bits_left = leftover * 6 - rest.len() * 8;
    // Sextets are below 64: only INVALID sets bit 31 of `seen`.
    if seen & 1 << 31 != 0 || leftover % 4 == 1 || word & ((1 << bits_left) - 1) != 0 {
        return Err(InvalidBase64);
    }
    let bytes = (word >> bits_left).to_be_bytes();
    rest.copy_from_slice(&bytes[8 - rest.len()..]);
    Ok(())
}

/// Decodes `text`, appending to `out`.
pub(crate) fn decode_into(text: &[u8], alphabet: Alphabet, out: &mut Vec<u8>) -> Result<(), InvalidBase64> {
    let (text, tables) = prepare(text, alphabet)?;
    let start = out.len();
    out.resize(start + text.len() * 3 / 4, 0);
    decode_exact(text, tables, &mut out[start..]).inspect_err(|_| out.truncate(start))
}

/// Decodes `text` into `buffer` and returns the decoded part; fails if it does not fit. Lets
/// the short segments of a token (header, signature) decode without a heap allocation.
pub(crate) fn decode_to_slice<'b>(
    text: &[u8],
    alphabet: Alphabet,
    buffer: &'b mut [u8],
) -> Result<&'b [u8], InvalidBase64> {
    let (text, tables) = prepare(text, alphabet)?;
    let out = buffer.get_mut(..text.len() * 3 / 4).ok_or(InvalidBase64)?;
    decode_exact(text, tables, out)?;
    Ok(out)
}

/// Decodes `text` into a new buffer.
pub(crate) fn decode(text: &[u8], alphabet: Alphabet) -> Result<Vec<u8>, InvalidBase64> {
    let mut out = Vec::new();
    decode_into(text, alphabet, &mut out)?;
    Ok(out)
}

fn strip_padding(text: &[u8]) -> Result<&[u8], InvalidBase64> {
    let unpadded = text.strip_suffix(b"==").or_else(|| text.strip_suffix(b"=")).unwrap_or(text);
    if unpadded.len() != text.len() && text.len() % 4 != 0 {
        return Err(InvalidBase64);
    }
    Ok(unpadded)
}

/// Encodes `bytes` (padded in the standard alphabet): for cookie suffixes, and for tests and the
/// `testing` helpers, which build tokens and PEMs.
pub(crate) fn encode(bytes: &[u8], alphabet: Alphabet) -> String {
    let table: &[u8; 64] = match alphabet {
        Alphabet::Standard => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        Alphabet::UrlSafeNoPad => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let word = chunk.iter().enumerate().fold(0u32, |w, (i, &b)| w | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(table[(word >> (18 - 6 * i) & 63) as usize] as char);
        }
        if alphabet == Alphabet::Standard {
            out.extend(std::iter::repeat_n('=', 3 - chunk.len()));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decoding_inverts_encoding() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            for alphabet in [Alphabet::Standard, Alphabet::UrlSafeNoPad] {
                let text = encode(&bytes, alphabet);
                assert_eq!(decode(text.as_bytes(), alphabet).unwrap(), bytes);
                let mut buffer = [0; 64];
                assert_eq!(decode_to_slice(text.as_bytes(), alphabet, &mut buffer).unwrap(), bytes);
                let mut small = [0; 8];
                assert_eq!(decode_to_slice(text.as_bytes(), alphabet, &mut small).is_ok(), len <= 8);
            }
        }
        let mut buffer = [0; 8];
        assert!(decode_to_slice(b"Zm9v!A", Alphabet::UrlSafeNoPad, &mut buffer).is_err());
        assert!(decode_to_slice(b"Zm9vZh", Alphabet::UrlSafeNoPad, &mut buffer).is_err());
    }

    #[test]
    fn decodes_every_length_in_both_alphabets() {
        assert_eq!(decode(b"", Alphabet::UrlSafeNoPad).unwrap(), b"");
        assert_eq!(decode(b"Zg", Alphabet::UrlSafeNoPad).unwrap(), b"f");
        assert_eq!(decode(b"Zm8", Alphabet::UrlSafeNoPad).unwrap(), b"fo");
        assert_eq!(decode(b"Zm9v", Alphabet::UrlSafeNoPad).unwrap(), b"foo");
        assert_eq!(decode(b"Zm9vYg==", Alphabet::Standard).unwrap(), b"foob");
        assert_eq!(decode(b"Zm9vYmE=", Alphabet::Standard).unwrap(), b"fooba");
        assert_eq!(decode(b"-_8", Alphabet::UrlSafeNoPad).unwrap(), [0xfb, 0xff]);
        assert_eq!(decode(b"+/8=", Alphabet::Standard).unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn rejects_a_character_outside_the_alphabet_at_any_position() {
        for len in [5, 6, 7, 12, 20, 21] {
            let text = encode(&vec![0xa5; len], Alphabet::UrlSafeNoPad);
            for at in 0..text.len() {
                for bad in [b'!', b'.', b'=', b'+', 0xff] {
                    let mut broken = text.clone().into_bytes();
                    broken[at] = bad;
                    assert!(decode(&broken, Alphabet::UrlSafeNoPad).is_err(), "{len} bytes, {bad} at {at}");
                }
            }
        }
    }

    #[test]
    fn rejects_what_no_encoder_writes() {
        for bad in [&b"Z"[..], b"Zh", b"Zm9=", b"Zm9v!", b"+/8", b"Zm 9v"] {
            assert!(decode(bad, Alphabet::UrlSafeNoPad).is_err(), "{bad:?}");
        }
        for bad in [&b"-_8="[..], b"Zm9vYg=", b"Zg==="] {
            assert!(decode(bad, Alphabet::Standard).is_err(), "{bad:?}");
        }
    }
}
