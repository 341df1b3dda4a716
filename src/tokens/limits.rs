//! The JSON API's rate limits, counted in this instance's memory (below `state`, which holds
//! them; `api_v1::auth` applies them): requests per token, and unknown tokens presented per
//! client address.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Arc, Mutex},
    time::Instant,
};

/// Requests per key, per minute, counted in this instance's memory: a token bucket of
/// `per_minute` requests, refilled evenly over the minute.
pub struct RateLimits<K> {
    per_minute: u32,
    buckets: Mutex<HashMap<K, Bucket>>,
}

/// Requests per API token (by its hash). A token is only counted once it has been found in
/// the database, so made-up tokens take no room here.
pub type ApiLimits = RateLimits<[u8; 32]>;

/// Tokens not found (unknown, revoked or expired) per client address: each cost a database
/// lookup, so past the limit the next is refused before the database is asked.
pub type BadTokenLimits = RateLimits<crate::client::RateKey>;

struct Bucket {
    /// Requests left, at `at`.
    left: f64,
    at: Instant,
}

/// Past this many tokens counted, the full buckets (idle a minute) are dropped.
const SWEEP_AT: usize = 10_000;

impl<K: Hash + Eq + Clone> RateLimits<K> {
    pub fn new(per_minute: u32) -> Arc<Self> {
        Arc::new(Self {
            per_minute: per_minute.max(1),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    fn rate(&self) -> f64 {
        f64::from(self.per_minute) / 60.0
    }

    fn refilled(&self, bucket: &Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        (bucket.left + elapsed * self.rate()).min(f64::from(self.per_minute))
    }

    /// Seconds until one request is allowed again.
    fn wait(&self, left: f64) -> u64 {
        ((1.0 - left) / self.rate()).ceil().max(1.0) as u64
    }

    /// Whether `key` has been counted (and not yet forgotten): for tokens, one found valid.
    pub fn knows(&self, key: &K) -> bool {
        self.buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(key)
    }

    /// Whether `key` may make a request now (without counting it); else the seconds to wait.
    pub fn check(&self, hash: &K) -> Result<(), u64> {
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        match buckets.get(hash) {
            Some(b) => {
                let left = self.refilled(b, Instant::now());
                if left >= 1.0 {
                    Ok(())
                } else {
                    Err(self.wait(left))
                }
            }
            None => Ok(()),
        }
    }

    /// Counts one request of `key`; refused (with the seconds to wait) when it has none left.
    pub fn take(&self, hash: &K) -> Result<(), u64> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= SWEEP_AT && !buckets.contains_key(hash) {
            let full = f64::from(self.per_minute);
            buckets.retain(|_, b| self.refilled(b, now) < full);
            // Still that many (as many keys busy within a minute, from as many addresses):
            // start afresh rather than sweep again on every new key.
            if buckets.len() >= SWEEP_AT {
                buckets.clear();
            }
        }
        let full = f64::from(self.per_minute);
        let bucket = buckets.entry(hash.clone()).or_insert(Bucket {
            left: full,
            at: now,
        });
        let left = self.refilled(bucket, now);
        if left < 1.0 {
            return Err(self.wait(left));
        }
        bucket.left = left - 1.0;
        bucket.at = now;
        Ok(())
    }

    #[cfg(test)]
    fn counted(&self) -> usize {
        self.buckets.lock().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_gets_its_minute_of_requests_then_waits() {
        let limits = ApiLimits::new(3);
        let a = [1u8; 32];
        let b = [2u8; 32];
        for _ in 0..3 {
            assert_eq!(limits.check(&a), Ok(()));
            assert_eq!(limits.take(&a), Ok(()));
        }
        // One request a 20 s: the fourth waits about that long.
        let wait = limits.take(&a).unwrap_err();
        assert!((19..=20).contains(&wait), "{wait}");
        assert_eq!(limits.check(&a).unwrap_err(), wait);
        // Another token is counted on its own.
        assert_eq!(limits.take(&b), Ok(()));
    }

    #[test]
    fn idle_tokens_are_forgotten_when_many_are_counted() {
        let limits = ApiLimits::new(600);
        for i in 0..SWEEP_AT as u32 {
            let mut hash = [0u8; 32];
            hash[..4].copy_from_slice(&i.to_le_bytes());
            limits.take(&hash).unwrap();
        }
        assert_eq!(limits.counted(), SWEEP_AT);
        // None has refilled yet (each took one of 600): the sweep would free nothing, so
        // the counts start afresh (one sweep per SWEEP_AT new keys, never one per key).
        limits.take(&[9u8; 32]).unwrap();
        assert_eq!(limits.counted(), 1);
    }
}
