//! Choosing rustls's crypto provider for the `rustls-ring` feature.

/// With `rustls-ring`, reqwest is built without a crypto provider (so aws-lc-sys, which takes
/// minutes to compile, is not), and rustls needs one installed process-wide. This installs
/// `ring` unless the application already installed a provider of its choice.
pub(crate) fn install_default_provider() {
    #[cfg(feature = "rustls-ring")]
    {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // An error means another thread installed one first, which is just as good.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
    }
}
