//! Who sent a request, as the machine-token limiter tells clients apart.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// Who sent a request, as far as the machine-token limiter (`MachineTokenLimiter`) tells
/// clients apart:
/// usually the peer's IP address. Put it in the request's extensions
/// (`request.extensions_mut().insert(ClientKey::from(addr))`) for
/// [`authenticate_request`](crate::authenticate_request) to find; the actix-web middleware
/// uses the peer address when none is there. Requests without one share a single bucket.
///
/// An IPv6 address is keyed by its /64 prefix: one host usually holds a whole /64, and would
/// otherwise get a bucket per address.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ClientKey(Box<str>);

impl ClientKey {
    /// A key of your own (an account, a proxy's `X-Forwarded-For` you trust).
    pub fn new(key: impl Into<String>) -> ClientKey {
        ClientKey(key.into().into_boxed_str())
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClientKey").field(&self.0).finish()
    }
}

impl From<IpAddr> for ClientKey {
    fn from(ip: IpAddr) -> ClientKey {
        match ip {
            IpAddr::V4(v4) => ClientKey::new(v4.to_string()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientKey::new(v4.to_string()),
                None => {
                    let s = v6.segments();
                    ClientKey::new(format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]))
                }
            },
        }
    }
}

impl From<SocketAddr> for ClientKey {
    fn from(addr: SocketAddr) -> ClientKey {
        ClientKey::from(addr.ip())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(ClientKey::from(a), ClientKey::from(b));
        assert_ne!(ClientKey::from(a), ClientKey::from(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(ClientKey::from(mapped).as_str(), "192.0.2.1");
        let v4: SocketAddr = "192.0.2.1:443".parse().unwrap();
        assert_eq!(ClientKey::from(v4).as_str(), "192.0.2.1");
    }
}
