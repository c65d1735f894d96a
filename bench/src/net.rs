//! TCP connections from chosen loopback source addresses.
//!
//! The server limits registrations per client address (20 per hour). Rather than weaken that
//! limit for benchmarks, the tool registers its accounts from many addresses of 127.0.0.0/8,
//! which all reach a server on loopback, exactly as many real clients would.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::atomic::{AtomicU32, Ordering},
};

use tokio::net::{TcpSocket, TcpStream};

use crate::error::{BenchError, Result};

/// Hands out distinct loopback addresses, starting at a per-run offset so that repeated runs
/// against one server do not reuse addresses whose hourly registration budget is spent.
#[derive(Debug)]
pub struct SourceAddrs {
    start: u32,
    next: AtomicU32,
    loopback: bool,
}

impl SourceAddrs {
    /// Addresses for talking to `server`; `seed` picks where in 127.0.0.0/8 to start.
    pub fn new(server: SocketAddr, seed: u32) -> Self {
        // Start somewhere in 127.1.0.0–127.254.255.255, leaving 127.0.x.x to other tools.
        let start = (1 << 16) + seed % (253 << 16);
        Self {
            start,
            next: AtomicU32::new(0),
            loopback: server.ip().is_loopback() && server.is_ipv4(),
        }
    }

    /// Whether [`next`](Self::next) hands out addresses at all.
    pub fn rotates(&self) -> bool {
        self.loopback
    }

    /// The next unused address, or `None` when the server is not on IPv4 loopback (then the
    /// kernel chooses, and the server's per-address limits apply to the whole run).
    pub fn next(&self) -> Option<IpAddr> {
        if !self.loopback {
            return None;
        }
        loop {
            let k = self.next.fetch_add(1, Ordering::Relaxed);
            let host = (self.start + k) % (1 << 24);
            // .0 and .255 host octets are legal on lo but look like network/broadcast
            // addresses; skipping them avoids surprises in logs and firewalls.
            if let Some(ip) = loopback(host) {
                return Some(ip);
            }
        }
    }
}

/// 127.0.0.0 + `host`, unless it ends in .0 or .255 or is 127.0.0.0/16.
fn loopback(host: u32) -> Option<IpAddr> {
    let last = host & 0xff;
    if last == 0 || last == 255 || host < (1 << 16) {
        return None;
    }
    Some(IpAddr::V4(Ipv4Addr::from((127 << 24) | host)))
}

/// Connects to `server`, from `local` when given, with Nagle's algorithm off (small frames
/// must not wait for acknowledgements, or latency measures the kernel rather than the server).
pub async fn connect(server: SocketAddr, local: Option<IpAddr>) -> Result<TcpStream> {
    let socket = if server.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(|e| BenchError::io("create socket", e))?;
    if let Some(ip) = local {
        socket
            .bind(SocketAddr::new(ip, 0))
            .map_err(|e| BenchError::io(format!("bind {ip}"), e))?;
    }
    let stream = socket
        .connect(server)
        .await
        .map_err(|e| BenchError::io(format!("connect to {server}"), e))?;
    stream
        .set_nodelay(true)
        .map_err(|e| BenchError::io("set TCP_NODELAY", e))?;
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_distinct_loopback_hosts() {
        let addrs = SourceAddrs::new("127.0.0.1:3200".parse().unwrap(), 250);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..600 {
            let Some(IpAddr::V4(ip)) = addrs.next() else {
                panic!("loopback server gives addresses");
            };
            let [a, b, _, d] = ip.octets();
            assert_eq!(a, 127);
            assert!(b >= 1, "{ip} is in 127.0.x.x");
            assert!(d != 0 && d != 255, "{ip}");
            assert!(seen.insert(ip), "{ip} handed out twice");
        }
    }

    #[test]
    fn remote_servers_get_no_source_address() {
        let addrs = SourceAddrs::new("10.0.0.5:3200".parse().unwrap(), 1);
        assert_eq!(addrs.next(), None);
    }

    #[test]
    fn the_address_space_wraps_without_leaving_loopback() {
        let addrs = SourceAddrs::new("127.0.0.1:1".parse().unwrap(), u32::MAX);
        for _ in 0..70_000 {
            assert!(matches!(addrs.next(), Some(IpAddr::V4(ip)) if ip.octets()[0] == 127));
        }
    }
}
