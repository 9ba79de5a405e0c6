//! RSA public keys: from a PEM (`jwt_key`, networkless) or from a JWK (`GET /jwks`).
//!
//! A key is kept as its modulus and exponent, the form `ring` verifies with; parsing happens
//! once, when the key is configured or fetched, never per request. The DER inside a PEM is read
//! by RustCrypto's `spki` and `pkcs1`; this file only finds the base64 body in the text.

use crate::encoding::{Engine, BASE64URL, BASE64_ANY_PADDING};
use spki::der::Decode;
use std::fmt;

/// The largest PEM accepted, far above an 8192-bit key's 1.1 KB.
const MAX_PEM_BYTES: usize = 16 * 1024;

/// An RSA public key that verifies session tokens (RS256).
///
/// Build it once at startup from the instance's PEM public key (Clerk Dashboard, API keys,
/// "JWKS public key"; `CLERK_JWT_KEY` by convention) and verify networklessly:
///
/// ```
/// # fn run(pem: &str) -> Result<(), clerk_api_auth::KeyError> {
/// let key = clerk_api_auth::JwtKey::from_pem(pem)?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct JwtKey {
    /// Big-endian modulus without leading zero bytes.
    pub(crate) n: Vec<u8>,
    /// Big-endian public exponent without leading zero bytes.
    pub(crate) e: Vec<u8>,
    /// The algorithm a JWK names (`alg`); a PEM names none and means RS256.
    pub(crate) alg: Option<String>,
}

impl fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtKey").field("bits", &self.bits()).finish()
    }
}

/// Why a configured or fetched key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text is not a PEM public key (`-----BEGIN PUBLIC KEY-----` or
    /// `-----BEGIN RSA PUBLIC KEY-----`).
    #[error("the JWT key is not a PEM public key: {0}")]
    NotPem(&'static str),
    /// The PEM holds something other than an RSA public key.
    #[error("the JWT key is not an RSA public key: {0}")]
    NotRsa(&'static str),
    /// A JWK whose `n` or `e` is not base64url.
    #[error("the JWK's {0} is not base64url")]
    InvalidJwk(&'static str),
    /// RS256 keys must have 2048 to 8192 bits.
    #[error("RSA keys must have 2048 to 8192 bits; this one has {0}")]
    UnsupportedSize(usize),
}

impl JwtKey {
    /// Parses a PEM public key: SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`, what Clerk shows) or
    /// PKCS #1 (`BEGIN RSA PUBLIC KEY`). The text may sit on one line, with its line breaks
    /// dropped or written as `\n`, as it often is in an environment variable. The base64 body
    /// alone, without the BEGIN and END lines (as the Dashboard's copy button gives it), is read
    /// as a SubjectPublicKeyInfo, as Clerk's Go SDK does.
    pub fn from_pem(pem: &str) -> Result<JwtKey, KeyError> {
        if pem.len() > MAX_PEM_BYTES {
            return Err(KeyError::NotPem("longer than 16 KiB"));
        }
        // Environment variables often carry the line breaks as the two characters `\n`.
        let text = pem.replace("\\n", "\n").replace("\\r", "\r");
        let text = text.trim();
        let (label, body) = if text.starts_with("-----") { pem_body(text)? } else { ("PUBLIC KEY", text) };
        let body: Vec<u8> = body.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        let der = BASE64_ANY_PADDING
            .decode(&body)
            .map_err(|_| KeyError::NotPem("neither a PEM nor the base64 body of one"))?;
        let key = match label {
            "PUBLIC KEY" => from_spki(&der)?,
            _ => from_pkcs1(&der)?,
        };
        key.checked()
    }

    /// A key from a JWK's base64url `n` and `e`.
    pub(crate) fn from_jwk(n: &str, e: &str, alg: Option<String>) -> Result<JwtKey, KeyError> {
        let n = BASE64URL.decode(n).map_err(|_| KeyError::InvalidJwk("n"))?;
        let e = BASE64URL.decode(e).map_err(|_| KeyError::InvalidJwk("e"))?;
        JwtKey { n: strip_zeros(&n).to_vec(), e: strip_zeros(&e).to_vec(), alg }.checked()
    }

    /// Whether the key may verify RS256 signatures: a PEM key, or a JWK naming RS256.
    pub(crate) fn is_rs256(&self) -> bool {
        self.alg.as_deref().is_none_or(|alg| alg == "RS256")
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        match self.n.first() {
            Some(first) => self.n.len() * 8 - first.leading_zeros() as usize,
            None => 0,
        }
    }

    fn checked(self) -> Result<JwtKey, KeyError> {
        let bits = self.bits();
        if !(2048..=8192).contains(&bits) {
            return Err(KeyError::UnsupportedSize(bits));
        }
        if self.e.is_empty() || self.e.len() > 4 {
            return Err(KeyError::NotRsa("the exponent is out of range"));
        }
        Ok(self)
    }

    /// Checks an RS256 signature over `message`.
    pub(crate) fn verify_rs256(&self, message: &[u8], signature: &[u8]) -> bool {
        let components = ring::signature::RsaPublicKeyComponents { n: &self.n, e: &self.e };
        components.verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, message, signature).is_ok()
    }
}

/// Finds the PEM label and body between the BEGIN and END lines.
fn pem_body(text: &str) -> Result<(&'static str, &str), KeyError> {
    for label in ["PUBLIC KEY", "RSA PUBLIC KEY"] {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        if let Some(rest) = text.strip_prefix(begin.as_str()) {
            let body = rest.trim_end().strip_suffix(end.as_str()).ok_or(KeyError::NotPem("no matching END line"))?;
            return Ok((label, body));
        }
    }
    Err(KeyError::NotPem("no `-----BEGIN PUBLIC KEY-----` line"))
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, BIT STRING { RSAPublicKey } }
fn from_spki(der: &[u8]) -> Result<JwtKey, KeyError> {
    let info =
        spki::SubjectPublicKeyInfoRef::from_der(der).map_err(|_| KeyError::NotRsa("not a DER SubjectPublicKeyInfo"))?;
    if info.algorithm.oid != pkcs1::ALGORITHM_OID {
        return Err(KeyError::NotRsa("the key's algorithm is not rsaEncryption"));
    }
    let rsa = info.subject_public_key.as_bytes().ok_or(KeyError::NotRsa("the key's BIT STRING has unused bits"))?;
    from_pkcs1(rsa)
}

/// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (both positive).
fn from_pkcs1(der: &[u8]) -> Result<JwtKey, KeyError> {
    let key = pkcs1::RsaPublicKeyRef::from_der(der).map_err(|_| KeyError::NotRsa("not a DER RSAPublicKey"))?;
    Ok(JwtKey {
        n: strip_zeros(key.modulus.as_bytes()).to_vec(),
        e: strip_zeros(key.public_exponent.as_bytes()).to_vec(),
        alg: None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // A 2048-bit public key (public material only), as SubjectPublicKeyInfo.
    const MODULUS_BYTE: u8 = 0xc5;

    fn pkcs1(n_len: usize) -> Vec<u8> {
        let mut n = vec![0x00, MODULUS_BYTE];
        n.resize(n_len + 1, 0x11);
        let e = [0x01, 0x00, 0x01];
        let mut body = der(0x02, &n);
        body.extend(der(0x02, &e));
        der(0x30, &body)
    }

    fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match contents.len() {
            len @ 0..=0x7f => out.push(len as u8),
            len @ 0x80..=0xff => out.extend([0x81, len as u8]),
            len => out.extend([0x82, (len >> 8) as u8, len as u8]),
        }
        out.extend_from_slice(contents);
        out
    }

    /// The DER of the rsaEncryption object identifier, 1.2.840.113549.1.1.1.
    const RSA_ENCRYPTION_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

    fn spki(n_len: usize) -> Vec<u8> {
        let mut algorithm = der(0x06, RSA_ENCRYPTION_OID);
        algorithm.extend([0x05, 0x00]);
        let mut bits = vec![0];
        bits.extend(pkcs1(n_len));
        let mut body = der(0x30, &algorithm);
        body.extend(der(0x03, &bits));
        der(0x30, &body)
    }

    fn pem(label: &str, der: &[u8]) -> String {
        let text = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = text.as_bytes().chunks(64).map(|l| std::str::from_utf8(l).unwrap()).collect();
        format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
    }

    #[test]
    fn reads_spki_and_pkcs1_pems() {
        let spki_key = JwtKey::from_pem(&pem("PUBLIC KEY", &spki(256))).unwrap();
        let pkcs1_key = JwtKey::from_pem(&pem("RSA PUBLIC KEY", &pkcs1(256))).unwrap();
        assert_eq!(spki_key, pkcs1_key);
        assert_eq!(spki_key.bits(), 2048);
        assert_eq!(spki_key.e, [1, 0, 1]);
        assert_eq!(spki_key.n[0], MODULUS_BYTE, "the DER sign byte is stripped");
    }

    #[test]
    fn reads_a_pem_flattened_into_one_line() {
        let multi = pem("PUBLIC KEY", &spki(256));
        let one_line = multi.replace('\n', "");
        let escaped = multi.replace('\n', "\\n");
        let expected = JwtKey::from_pem(&multi).unwrap();
        assert_eq!(JwtKey::from_pem(&one_line).unwrap(), expected);
        assert_eq!(JwtKey::from_pem(&escaped).unwrap(), expected);
        assert_eq!(JwtKey::from_pem(&format!("  {multi}  ")).unwrap(), expected);
    }

    #[test]
    fn reads_the_bare_base64_body_as_the_dashboard_shows_it() {
        let multi = pem("PUBLIC KEY", &spki(256));
        let body: String = multi.lines().filter(|line| !line.starts_with("-----")).collect::<Vec<_>>().join("\n");
        let expected = JwtKey::from_pem(&multi).unwrap();
        assert_eq!(JwtKey::from_pem(&body).unwrap(), expected);
        assert_eq!(JwtKey::from_pem(&body.replace('\n', "")).unwrap(), expected);
        assert_eq!(JwtKey::from_pem(&format!(" {}\n", body.replace('\n', "\\n"))).unwrap(), expected);
        assert!(matches!(JwtKey::from_pem("not base64!"), Err(KeyError::NotPem(_))));
        // The bare body of a PKCS #1 key is not a SubjectPublicKeyInfo.
        let pkcs1_body = base64::engine::general_purpose::STANDARD.encode(pkcs1(256));
        assert!(matches!(JwtKey::from_pem(&pkcs1_body), Err(KeyError::NotRsa(_))));
    }

    #[test]
    fn rejects_what_is_not_a_usable_rsa_key() {
        assert!(matches!(JwtKey::from_pem("hello"), Err(KeyError::NotPem(_))));
        assert!(matches!(JwtKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA"), Err(KeyError::NotPem(_))));
        assert!(matches!(JwtKey::from_pem(&pem("PUBLIC KEY", &spki(128))), Err(KeyError::UnsupportedSize(1024))));
        let mut truncated = spki(256);
        truncated.truncate(100);
        assert!(matches!(JwtKey::from_pem(&pem("PUBLIC KEY", &truncated)), Err(KeyError::NotRsa(_))));
        let mut other_algorithm = spki(256);
        other_algorithm[8] ^= 1; // inside the OID
        assert!(JwtKey::from_pem(&pem("PUBLIC KEY", &other_algorithm)).is_err());
        let mut negative = pkcs1(256);
        negative[8] = 0x80; // the modulus's sign byte
        assert!(matches!(JwtKey::from_pem(&pem("RSA PUBLIC KEY", &negative)), Err(KeyError::NotRsa(_))));
        assert!(matches!(JwtKey::from_pem(&"A".repeat(20_000)), Err(KeyError::NotPem(_))));
    }

    #[test]
    fn debug_shows_the_size_only() {
        let key = JwtKey::from_pem(&pem("PUBLIC KEY", &spki(256))).unwrap();
        assert_eq!(format!("{key:?}"), "JwtKey { bits: 2048 }");
    }
}
