//! The base64 forms authentication reads, all through the `base64` crate.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

pub(crate) use base64::Engine;

/// JWT segments and JWK numbers: URL-safe alphabet, no padding (RFC 7515, section 2).
pub(crate) use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;

/// PEM bodies and publishable keys: the standard alphabet, with or without padding (publishable
/// keys are often written without it).
pub(crate) const BASE64_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn padding_is_optional_in_the_standard_form_and_refused_in_the_url_safe_one() {
        assert_eq!(BASE64_ANY_PADDING.decode("YWI=").unwrap(), b"ab");
        assert_eq!(BASE64_ANY_PADDING.decode("YWI").unwrap(), b"ab");
        assert!(BASE64_ANY_PADDING.decode("YW=I").is_err());
        assert_eq!(BASE64URL.decode("_-8").unwrap(), [0xff, 0xef]);
        assert!(BASE64URL.decode("YWI=").is_err());
        // Bits no encoder writes (a non-zero remainder) are refused, as before the crate.
        assert!(BASE64URL.decode("YWJ").is_err());
    }
}
