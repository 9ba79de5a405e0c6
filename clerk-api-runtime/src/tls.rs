//! Choosing rustls's crypto provider.

/// Installs a rustls crypto provider process-wide, unless one is installed already: aws-lc-rs's
/// (post-quantum key exchange, X25519MLKEM768, preferred) with the `rustls-aws-lc` feature,
/// else `ring`'s with the default `rustls-ring` feature.
///
/// With `rustls-ring` alone, reqwest is built without a crypto provider (so aws-lc-sys, which
/// takes minutes to compile, is not), and rustls needs one installed before any
/// `reqwest::Client` is built. [`ClientBuilder`](crate::ClientBuilder) calls this itself; call
/// it first if you build a `reqwest::Client` of your own (for
/// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client), say). A provider your
/// program installed first is kept. Without either feature it does nothing.
///
/// `ring` has no post-quantum key exchange in rustls 0.23, and rustls (from 0.23.48) marks its
/// `ring` provider deprecated for that reason: turn on `rustls-aws-lc` for it. When both
/// features are on (one crate in your program asks for each), aws-lc-rs's provider is the one
/// installed.
pub fn install_tls_provider() {
    #[cfg(any(feature = "rustls-ring", feature = "rustls-aws-lc"))]
    {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // An error means another thread installed one first, which is just as good.
            let _ = provider().install_default();
        }
    }
}

#[cfg(feature = "rustls-aws-lc")]
fn provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::aws_lc_rs::default_provider()
}

#[cfg(all(feature = "rustls-ring", not(feature = "rustls-aws-lc")))]
// rustls 0.23 offers `ring`'s provider through this function only; its deprecation says that
// `ring` lacks post-quantum key exchange, which `rustls-aws-lc` provides (see above). `allow`,
// not `expect`: rustls before 0.23.48 does not deprecate it.
#[allow(deprecated, reason = "the only way to `ring`'s provider in rustls 0.23")]
fn provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    #[cfg(any(feature = "rustls-ring", feature = "rustls-aws-lc"))]
    #[test]
    fn a_provider_is_installed_and_aws_lc_rs_brings_post_quantum_key_exchange() {
        super::install_tls_provider();
        let provider = rustls::crypto::CryptoProvider::get_default().expect("a provider is installed");
        let groups: Vec<_> = provider.kx_groups.iter().map(|group| group.name()).collect();
        let post_quantum = groups.contains(&rustls::NamedGroup::X25519MLKEM768);
        // With aws-lc-rs (alone or beside ring) the hybrid group is offered, and first.
        assert_eq!(post_quantum, cfg!(feature = "rustls-aws-lc"), "{groups:?}");
        if cfg!(feature = "rustls-aws-lc") {
            assert_eq!(groups[0], rustls::NamedGroup::X25519MLKEM768, "{groups:?}");
        }
    }
}
