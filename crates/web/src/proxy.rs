//! Who is really asking: the peer address, or the client a trusted reverse proxy names.
//!
//! `X-Forwarded-For` and `X-Forwarded-Proto` are believed only when the connection comes from
//! a configured proxy (`serve --trusted-proxy CIDR`). From anyone else they are removed before
//! any handler sees them, so a client cannot pick the address the login throttle and the audit
//! log record, nor make a plain-HTTP session cookie look like it came over TLS.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses `CIDR` or a single address per entry; an error names the bad one.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let mut nets = Vec::new();
        for e in entries {
            let e = e.as_ref().trim();
            let net = e
                .parse::<IpNet>()
                .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("“{e}”不是有效的地址或网段 (not an IP address or CIDR)"))?;
            nets.push(net);
        }
        Ok(Self(nets))
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client's address for a request from `peer`, and whether its forwarding headers are
    /// to be kept. Walks `X-Forwarded-For` from the right, past our own proxies, to the first
    /// address we do not run.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> (IpAddr, bool) {
        if !self.trusts(peer) {
            return (peer, false);
        }
        let hops: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|h| h.trim().parse().ok())
            .collect();
        let client = hops.iter().rev().find(|ip| !self.trusts(**ip)).or(hops.first()).copied().unwrap_or(peer);
        (client, true)
    }
}

/// Removes the forwarding headers of a request that did not come through a trusted proxy.
pub fn strip_forwarding(headers: &mut HeaderMap) {
    for h in ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded", "x-real-ip"] {
        headers.remove(h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trusted_proxies_name_the_client() {
        let t = TrustedProxies::parse(&["10.0.0.0/8", "192.0.2.1"]).unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "198.51.100.7, 10.1.1.1".parse().unwrap());
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        assert_eq!(t.client(proxy, &h), ("198.51.100.7".parse().unwrap(), true));
        let stranger: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(t.client(stranger, &h), (stranger, false));
        // A spoofed left part does not help: the rightmost untrusted hop is the client.
        h.insert("x-forwarded-for", "1.2.3.4, 198.51.100.7".parse().unwrap());
        assert_eq!(t.client(proxy, &h).0, "198.51.100.7".parse::<IpAddr>().unwrap());
        assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
        assert!(TrustedProxies::parse(&["proxy"]).is_err());
    }
}
