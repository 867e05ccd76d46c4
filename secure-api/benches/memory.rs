//! Memory of the keyed rate limiter under a flood of distinct client keys:
//! bytes per tracked key, and resident memory while 1,000,000 new client
//! addresses arrive at a limiter with the default key cap.
//!
//! Run: `cargo bench -p secure-api --bench memory` (Linux: reads
//! `/proc/self/statm`). Prints a table; see BENCHMARKS.md.

use std::net::IpAddr;

use secure_api::rate_limit::{BucketKey, DEFAULT_MAX_KEYS, KeyedLimiter, Quota};

/// Resident set size in bytes, from `/proc/self/statm` (pages × 4096).
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn key(n: u32) -> BucketKey {
    // Distinct IPv4 addresses from 1.0.0.0 on.
    BucketKey::Ip(IpAddr::from((n + (1 << 24)).to_be_bytes()))
}

fn main() {
    let quota = Quota::new(100, 900).unwrap_or_else(|| unreachable!());
    const FLOOD: u32 = 1_000_000;

    // 1. Bytes per tracked key: no cap, 1,000,000 keys.
    let before = rss_bytes();
    let uncapped = KeyedLimiter::new(quota, usize::MAX);
    for n in 0..FLOOD {
        let _ = uncapped.check(&key(n));
    }
    let after = rss_bytes();
    println!(
        "uncapped: {} keys tracked, RSS +{:.1} MiB, {:.0} bytes per key",
        uncapped.len(),
        mib(after.saturating_sub(before)),
        after.saturating_sub(before) as f64 / f64::from(FLOOD)
    );
    drop(uncapped);

    // 2. The default cap under a rotating flood: RSS after every 100,000 new addresses.
    let capped = KeyedLimiter::new(quota, DEFAULT_MAX_KEYS);
    let start = rss_bytes();
    println!("capped at {DEFAULT_MAX_KEYS} keys: new addresses, keys tracked, RSS (MiB)");
    for n in 0..FLOOD {
        let _ = capped.check(&key(FLOOD + n));
        if (n + 1) % 100_000 == 0 {
            println!(
                "  {:>9} {:>9} {:>8.1}",
                n + 1,
                capped.len(),
                mib(rss_bytes())
            );
        }
    }
    println!(
        "capped: RSS grew {:.1} MiB over the whole flood; {} keys tracked (cap {DEFAULT_MAX_KEYS})",
        mib(rss_bytes().saturating_sub(start)),
        capped.len()
    );
}
