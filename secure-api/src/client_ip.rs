//! The client's IP address, believing forwarding headers only from trusted
//! proxies (RFC 7239 §5.2 and §7.4; OWASP API4:2023).

use std::net::{IpAddr, Ipv6Addr};

use actix_web::http::header::HeaderMap;
use actix_web::{HttpMessage, HttpRequest};
use ipnet::IpNet;

/// The header trusted proxies append the client's address to. Only that
/// one is read: a client can send the other through a proxy that leaves it
/// untouched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For` (the de facto standard; the default).
    #[default]
    XForwardedFor,
    /// `Forwarded` `for=` (RFC 7239 §5.2).
    Forwarded,
}

/// The client IP of `req`: the TCP peer, unless the peer is a trusted
/// proxy; then the right-most address of the forwarding chain that is not
/// itself a trusted proxy. The chain is read from the one header the
/// proxies are configured to append to (`header`: `X-Forwarded-For` by
/// default, or RFC 7239 `Forwarded` `for=`); the other is ignored, since a
/// client can send it through a proxy that does not rewrite it. A hop that
/// cannot be read (an obfuscated identifier, `unknown`, garbage) ends the
/// walk at the last readable address. Addresses may carry a port
/// (`192.0.2.1:5000`, `[2001:db8::1]:443`). IPv4-mapped IPv6 addresses count as their IPv4
/// address. `None` only when actix-web knows no peer.
pub(crate) fn client_ip(
    req: &HttpRequest,
    trusted: &[IpNet],
    header: ForwardedHeader,
) -> Option<IpAddr> {
    let peer = canonical(req.peer_addr()?.ip());
    if !is_trusted(peer, trusted) {
        return Some(peer);
    }
    let mut client = peer;
    for hop in forwarded_chain(req.headers(), header).into_iter().rev() {
        match hop {
            Some(ip) => {
                client = ip;
                if !is_trusted(ip, trusted) {
                    break;
                }
            }
            None => break,
        }
    }
    Some(client)
}

/// The addresses of the configured forwarding header, left (client) to
/// right (nearest proxy); `None` for a hop that is not an IP address.
fn forwarded_chain(headers: &HeaderMap, header: ForwardedHeader) -> Vec<Option<IpAddr>> {
    match header {
        ForwardedHeader::Forwarded => headers
            .get_all("forwarded")
            .flat_map(|v| match v.to_str() {
                Ok(v) => v.split(',').map(forwarded_for).collect(),
                Err(_) => vec![None],
            })
            .collect(),
        ForwardedHeader::XForwardedFor => headers
            .get_all("x-forwarded-for")
            .flat_map(|v| match v.to_str() {
                Ok(v) => v.split(',').map(|hop| node_ip(hop.trim())).collect(),
                Err(_) => vec![None],
            })
            .collect(),
    }
}

/// The `for=` node of one `Forwarded` element (RFC 7239 §4).
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
        .and_then(|(_, value)| node_ip(value.trim()))
}

/// An RFC 7239 §6 node: `192.0.2.43`, `"192.0.2.43:47011"`,
/// `"[2001:db8:cafe::17]:4711"`; `None` for `unknown` and `_obfuscated`.
fn node_ip(value: &str) -> Option<IpAddr> {
    let node = value.trim_matches('"');
    if let Some(rest) = node.strip_prefix('[') {
        return rest
            .split(']')
            .next()?
            .parse::<Ipv6Addr>()
            .ok()
            .map(|ip| canonical(IpAddr::V6(ip)));
    }
    let host = match node.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            host
        }
        _ => node,
    };
    host.parse().ok().map(canonical)
}

/// The client IP the `Security` middleware resolved for this request (with
/// [`client_ip`], once), kept in the request's extensions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Resolved(pub(crate) Option<IpAddr>);

/// The client IP resolved for `req` by the middleware; `None` when the
/// peer is unknown or the middleware did not run.
pub(crate) fn resolved(req: &HttpRequest) -> Option<IpAddr> {
    req.extensions().get::<Resolved>().and_then(|r| r.0)
}

/// The bucket of the client of `req` (see [`bucket_ip`]): the IP the
/// middleware resolved, its IPv6 network cut to `ipv6_prefix_len` bits;
/// `0.0.0.0` when the peer is unknown. Rate limits keyed by IP and failed
/// authentications are counted against it.
pub(crate) fn client_bucket(req: &HttpRequest, ipv6_prefix_len: u8) -> IpAddr {
    resolved(req).map_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |ip| {
        bucket_ip(ip, ipv6_prefix_len)
    })
}

/// Whether `ip` is one of the trusted proxies.
pub(crate) fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    let ip = canonical(ip);
    trusted.iter().any(|net| net.contains(&ip))
}

/// IPv4-mapped IPv6 addresses as IPv4.
pub(crate) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The address a rate-limit bucket is keyed by: IPv4 as is, IPv6 cut to
/// its first `prefix_len` bits (a /64 is usually one subscriber).
pub(crate) fn bucket_ip(ip: IpAddr, prefix_len: u8) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let bits = u32::from(prefix_len.min(128));
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_nodes() {
        assert_eq!(node_ip("192.0.2.43"), "192.0.2.43".parse().ok());
        assert_eq!(node_ip("\"192.0.2.43:47011\""), "192.0.2.43".parse().ok());
        assert_eq!(
            node_ip("\"[2001:db8:cafe::17]:4711\""),
            "2001:db8:cafe::17".parse().ok()
        );
        assert_eq!(node_ip("unknown"), None);
        assert_eq!(node_ip("_hidden"), None);
    }

    #[test]
    fn ipv6_is_grouped_by_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1"
            .parse()
            .unwrap_or(IpAddr::from([0; 4]));
        assert_eq!(
            bucket_ip(a, 64),
            "2001:db8:1:2::".parse::<IpAddr>().unwrap_or(a)
        );
        assert_eq!(bucket_ip(a, 128), a);
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap_or(a);
        assert_eq!(bucket_ip(mapped, 64), IpAddr::from([192, 0, 2, 1]));
    }
}
