//! The client's address behind load balancers: the peer address, unless the peer is a
//! trusted proxy, in which case the nearest untrusted hop of `X-Forwarded-For`.

use std::net::IpAddr;

use ipnet::IpNet;

/// The resolved client address of a request, set by the server on every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// Resolves the client of a request from `peer` and its `X-Forwarded-For` values.
///
/// Hops are read from the right (the nearest proxy appends last); trusted proxies are
/// skipped, and the first untrusted hop is the client. Anything a client wrote further left
/// is ignored, so a forged header cannot pick another address's rate limits. If every hop is
/// trusted (or the header is unreadable), the leftmost readable one is used.
pub fn resolve<'a>(
    peer: IpAddr,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    trusted: &[IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = forwarded_for
        .into_iter()
        .flat_map(|value| value.split(','))
        .filter_map(|hop| parse_hop(hop.trim()))
        .collect();
    hops.iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or_else(|| hops.first())
        .copied()
        .unwrap_or(peer)
}

/// One hop: an address, possibly with a port (`1.2.3.4:5678`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Ok(addr) = hop.parse::<std::net::SocketAddr>() {
        return Some(addr.ip());
    }
    hop.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().expect("net")).collect()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let got = resolve(ip("203.0.113.9"), ["198.51.100.1"], &nets(&["10.0.0.0/8"]));
        assert_eq!(got, ip("203.0.113.9"));
    }

    #[test]
    fn behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "127.0.0.1/32"]);
        // The client forged the first hop; the proxies appended the real one and themselves.
        let got = resolve(
            ip("127.0.0.1"),
            ["6.6.6.6, 203.0.113.9", "10.1.2.3"],
            &trusted,
        );
        assert_eq!(got, ip("203.0.113.9"));
        assert_eq!(
            resolve(ip("10.0.0.1"), ["[2001:db8::1]:443"], &trusted),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn without_a_usable_header_the_peer_stands() {
        let trusted = nets(&["127.0.0.0/8"]);
        assert_eq!(resolve(ip("127.0.0.1"), [], &trusted), ip("127.0.0.1"));
        assert_eq!(
            resolve(ip("127.0.0.1"), ["garbage"], &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(
            resolve(ip("127.0.0.1"), ["127.0.0.5"], &trusted),
            ip("127.0.0.5"),
            "all hops trusted: the leftmost"
        );
    }
}
