//! The client's IP address, believing forwarding headers only from trusted
//! proxies (RFC 7239 §5.2; OWASP API4:2023).

use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

/// The client IP of `req`: the TCP peer, unless the peer is a trusted proxy;
/// then the right-most `X-Forwarded-For` address that is not itself a trusted
/// proxy. IPv4-mapped IPv6 addresses count as their IPv4 address. `None` only
/// when actix-web knows no peer (as in some test requests).
pub(crate) fn client_ip(req: &HttpRequest, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = canonical(req.peer_addr()?.ip());
    if !is_trusted(peer, trusted) {
        return Some(peer);
    }
    let mut chain: Vec<IpAddr> = Vec::new();
    for value in req.headers().get_all("x-forwarded-for") {
        let Ok(value) = value.to_str() else {
            return Some(peer);
        };
        for item in value.split(',') {
            match item.trim().parse::<IpAddr>() {
                Ok(ip) => chain.push(canonical(ip)),
                // A hop we cannot read: stop believing the chain there.
                Err(_) => return Some(peer),
            }
        }
    }
    Some(
        chain
            .into_iter()
            .rev()
            .find(|ip| !is_trusted(*ip, trusted))
            .unwrap_or(peer),
    )
}

/// Whether `ip` is one of the trusted proxies.
pub(crate) fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    let ip = canonical(ip);
    trusted.iter().any(|net| net.contains(&ip))
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}
