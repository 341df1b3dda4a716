//! Who is calling, as far as rate limits are concerned: the client's address, read from the
//! socket or, behind a load balancer named in `TRUSTED_PROXIES`, from `X-Forwarded-For`;
//! and the key it is counted under (an IPv4 address, or an IPv6 /64: one household or
//! server gets a whole /64, so rotating addresses inside it changes nothing).

use std::{
    fmt,
    net::{IpAddr, Ipv6Addr},
};

use http::HeaderMap;
use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`, CIDRs). Empty by
/// default: the header is then ignored, as anyone can send it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

/// At most this many `X-Forwarded-For` entries are looked at, from the right (the ones our
/// own proxies appended); a client can make the header as long as it likes.
const MAX_FORWARDED_HOPS: usize = 16;
/// At most this many networks in `TRUSTED_PROXIES`.
const MAX_TRUSTED: usize = 64;

impl TrustedProxies {
    /// Comma- or space-separated CIDRs (`10.0.0.0/8, fd00::/8`); a bare address is one host.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in raw
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let net = item
                .parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{item:?} is not an address or a CIDR like 10.0.0.0/8"))?;
            nets.push(net.trunc());
        }
        if nets.len() > MAX_TRUSTED {
            return Err(format!("at most {MAX_TRUSTED} networks"));
        }
        Ok(Self(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// What the client of a request with these `extensions` (the socket's peer, as the
    /// accept loop records it) and `headers` is counted under.
    pub fn rate_key(&self, extensions: &http::Extensions, headers: &HeaderMap) -> RateKey {
        let peer = extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |info| {
                info.0.ip()
            });
        RateKey::of(self.client_ip(peer, headers))
    }

    /// The client's address: the socket's peer, unless that peer is a trusted proxy; then
    /// the first address of `X-Forwarded-For`, read from the right, that is not a trusted
    /// proxy (the one our outermost proxy saw). Entries further left were written by the
    /// client and are never believed.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        // Each header line split from its right end, the last line first.
        let mut hops: Vec<&str> = Vec::with_capacity(MAX_FORWARDED_HOPS);
        let values: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        for value in values.iter().rev() {
            for entry in value.rsplit(',') {
                if hops.len() == MAX_FORWARDED_HOPS {
                    break;
                }
                hops.push(entry.trim());
            }
        }
        let mut nearest = peer;
        for hop in hops {
            let Ok(ip) = hop.parse::<IpAddr>() else {
                break; // not written by a proxy of ours: stop at the last one we believe
            };
            if !self.trusts(ip) {
                return ip.to_canonical();
            }
            nearest = ip;
        }
        nearest.to_canonical()
    }
}

/// What a client's attempts are counted under: an IPv4 address, or the /64 of an IPv6 one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RateKey(String);

impl RateKey {
    pub fn of(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(v4) => Self(v4.to_string()),
            IpAddr::V6(v6) => {
                let network = Ipv6Addr::from(u128::from(v6) & !(u128::MAX >> 64));
                Self(format!("{network}/64"))
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_ip(ip("203.0.113.9"), &xff(&["198.51.100.1"])),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn from_an_untrusted_peer_the_header_is_ignored() {
        let lb = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(
            lb.client_ip(ip("203.0.113.9"), &xff(&["198.51.100.1"])),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let lb = TrustedProxies::parse("10.0.0.0/8, 192.168.1.7").unwrap();
        let peer = ip("10.0.0.2");
        // The client wrote a fake address first; our proxies appended the real one.
        assert_eq!(
            lb.client_ip(peer, &xff(&["1.2.3.4, 198.51.100.7, 192.168.1.7"])),
            ip("198.51.100.7")
        );
        // The same across several header lines.
        assert_eq!(
            lb.client_ip(peer, &xff(&["1.2.3.4", "198.51.100.7", "192.168.1.7"])),
            ip("198.51.100.7")
        );
        // No header: the proxy itself.
        assert_eq!(lb.client_ip(peer, &HeaderMap::new()), peer);
        // Garbage where a proxy of ours would have written an address: the nearest we believe.
        assert_eq!(
            lb.client_ip(peer, &xff(&["not-an-ip, 192.168.1.7"])),
            ip("192.168.1.7")
        );
        // Only trusted hops: the leftmost of them.
        assert_eq!(
            lb.client_ip(peer, &xff(&["10.1.1.1, 10.2.2.2"])),
            ip("10.1.1.1")
        );
    }

    #[test]
    fn a_long_forwarded_header_is_read_only_from_its_right_end() {
        let lb = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let long = format!("198.51.100.7, {}10.9.9.9", "10.9.9.9, ".repeat(10_000));
        assert_eq!(
            lb.client_ip(ip("10.0.0.2"), &xff(&[&long])),
            ip("10.9.9.9"),
            "stops after MAX_FORWARDED_HOPS"
        );
        let spoof = format!("{}198.51.100.7", "1.1.1.1, ".repeat(10_000));
        assert_eq!(
            lb.client_ip(ip("10.0.0.2"), &xff(&[&spoof])),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn ipv6_is_counted_per_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(
            RateKey::of(ip("2001:db8:1:2:aaaa::1")),
            RateKey::of(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"))
        );
        assert_eq!(
            RateKey::of(ip("2001:db8:1:2::9")).as_str(),
            "2001:db8:1:2::/64"
        );
        assert_ne!(
            RateKey::of(ip("2001:db8:1:2::1")),
            RateKey::of(ip("2001:db8:1:3::1"))
        );
        assert_eq!(
            RateKey::of(ip("::ffff:203.0.113.9")).as_str(),
            "203.0.113.9"
        );
        assert_eq!(RateKey::of(ip("203.0.113.9")).as_str(), "203.0.113.9");
    }

    #[test]
    fn trusted_proxies_are_parsed_or_refused_by_name() {
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        let t = TrustedProxies::parse("10.0.0.0/8 fd00::/8,127.0.0.1").unwrap();
        assert!(t.trusts(ip("10.200.0.1")) && t.trusts(ip("fd00::5")) && t.trusts(ip("127.0.0.1")));
        assert!(t.trusts(ip("::ffff:127.0.0.1")));
        assert!(!t.trusts(ip("127.0.0.2")));
        let err = TrustedProxies::parse("10.0.0.0/8, proxy.local").unwrap_err();
        assert!(err.contains("proxy.local"), "{err}");
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }
}
