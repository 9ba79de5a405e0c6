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

fn sextet(byte: u8, alphabet: Alphabet) -> Option<u8> {
    Some(match byte {
        b'A'..=b'Z' => byte - b'A',
        b'a'..=b'z' => byte - b'a' + 26,
        b'0'..=b'9' => byte - b'0' + 52,
        b'-' if alphabet == Alphabet::UrlSafeNoPad => 62,
        b'_' if alphabet == Alphabet::UrlSafeNoPad => 63,
        b'+' if alphabet == Alphabet::Standard => 62,
        b'/' if alphabet == Alphabet::Standard => 63,
        _ => return None,
    })
}

/// Decodes `text`, appending to `out`. Rejects characters outside the alphabet, padding in the
/// URL-safe form, a length that no encoding produces (one leftover character) and leftover bits
/// that are not zero, so that each byte string has exactly one accepted encoding.
pub(crate) fn decode_into(text: &[u8], alphabet: Alphabet, out: &mut Vec<u8>) -> Result<(), InvalidBase64> {
    let text = match alphabet {
        Alphabet::Standard => strip_padding(text)?,
        Alphabet::UrlSafeNoPad => text,
    };
    out.reserve(text.len() / 4 * 3 + 2);
    let mut chunks = text.chunks_exact(4);
    for chunk in &mut chunks {
        let mut word = 0u32;
        for &byte in chunk {
            word = word << 6 | u32::from(sextet(byte, alphabet).ok_or(InvalidBase64)?);
        }
        out.extend_from_slice(&word.to_be_bytes()[1..]);
    }
    let rest = chunks.remainder();
    let mut word = 0u32;
    for &byte in rest {
        word = word << 6 | u32::from(sextet(byte, alphabet).ok_or(InvalidBase64)?);
    }
    match rest.len() {
        0 => {}
        2 if word & 0xf == 0 => out.push((word >> 4) as u8),
        3 if word & 0x3 == 0 => out.extend_from_slice(&((word >> 2) as u16).to_be_bytes()),
        _ => return Err(InvalidBase64),
    }
    Ok(())
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

/// Encodes `bytes` (padded in the standard alphabet): for tests, which build tokens and PEMs.
#[cfg(test)]
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
                assert_eq!(decode(encode(&bytes, alphabet).as_bytes(), alphabet).unwrap(), bytes);
            }
        }
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
    fn rejects_what_no_encoder_writes() {
        for bad in [&b"Z"[..], b"Zh", b"Zm9=", b"Zm9v!", b"+/8", b"Zm 9v"] {
            assert!(decode(bad, Alphabet::UrlSafeNoPad).is_err(), "{bad:?}");
        }
        for bad in [&b"-_8="[..], b"Zm9vYg=", b"Zg==="] {
            assert!(decode(bad, Alphabet::Standard).is_err(), "{bad:?}");
        }
    }
}
