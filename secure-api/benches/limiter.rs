//! The cost of one rate-limit check on the hot path: a key already tracked,
//! and a key seen for the first time.
//!
//! Run: `cargo bench -p secure-api --bench limiter`.

use std::hint::black_box;
use std::net::IpAddr;

use criterion::{Criterion, criterion_group, criterion_main};
use secure_api::rate_limit::{BucketKey, KeyedLimiter, Quota};

fn checks(c: &mut Criterion) {
    // A quota no benchmark run exhausts: a billion a second.
    let quota = Quota::new(1_000_000_000, 1).unwrap_or_else(|| unreachable!());

    let limiter = KeyedLimiter::new(quota, 10_000_000);
    let key = BucketKey::Principal("c-1001".to_owned());
    c.bench_function("check/existing principal key", |b| {
        b.iter(|| black_box(limiter.check(black_box(&key))))
    });

    let ip_key = BucketKey::Ip(IpAddr::from([192, 0, 2, 1]));
    c.bench_function("check/existing ip key", |b| {
        b.iter(|| black_box(limiter.check(black_box(&ip_key))))
    });

    let fresh = KeyedLimiter::new(quota, usize::MAX);
    let mut n: u32 = 0;
    c.bench_function("check/new ip key", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            black_box(fresh.check(&BucketKey::Ip(IpAddr::from(n.to_be_bytes()))))
        })
    });
}

criterion_group!(benches, checks);
criterion_main!(benches);
