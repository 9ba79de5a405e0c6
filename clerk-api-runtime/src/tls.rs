//! Choosing rustls's crypto provider for the `rustls-ring` feature.

/// Installs rustls's `ring` crypto provider process-wide, unless one is installed already.
///
/// With the default `rustls-ring` feature, reqwest is built without a crypto provider (so
/// aws-lc-sys, which takes minutes to compile, is not), and rustls needs one installed before
/// any `reqwest::Client` is built. [`ClientBuilder`](crate::ClientBuilder) calls this itself; call it
/// first if you build a `reqwest::Client` of your own (for
/// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client), say). Without the feature
/// it does nothing.
pub fn install_tls_provider() {
    #[cfg(feature = "rustls-ring")]
    {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // An error means another thread installed one first, which is just as good.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
    }
}
