//! How long an adapter waits before trying a request again: exponential from a base, capped,
//! with jitter so that many clients refused together do not come back together; a server's
//! `Retry-After` is honoured up to the cap. Every adapter and `ops` retry alike.

use std::sync::Mutex;
use std::time::Duration;

/// A backoff policy with its own jitter source.
#[derive(Debug)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    state: Mutex<u64>,
}

impl Backoff {
    /// Starts at `base`, doubles each try, never waits longer than `max`.
    pub fn new(base: Duration, max: Duration) -> Backoff {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9_7f4a_7c15);
        Backoff {
            base,
            max: max.max(base),
            state: Mutex::new(seed | 1),
        }
    }

    /// The delay before retry number `attempt` (0-based). With a `Retry-After`, that (capped),
    /// but never less than the jittered exponential delay.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self.base.saturating_mul(1u32 << attempt.min(16));
        let jittered = exp.min(self.max).mul_f64(self.jitter());
        match retry_after {
            Some(ra) => ra.min(self.max).max(jittered),
            None => jittered,
        }
    }

    /// A random factor in [0.5, 1.0): xorshift64*, plenty for spreading retries apart.
    fn jitter(&self) -> f64 {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut x = *state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *state = x;
        let r = x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
        0.5 + (r as f64 / (1u64 << 53) as f64) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_are_capped_and_honour_retry_after() {
        let b = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
        for attempt in 0..6 {
            let d = b.delay(attempt, None);
            let full = Duration::from_millis(100) * (1 << attempt);
            assert!(d >= full / 2 && d <= full, "{attempt}: {d:?}");
        }
        let capped = b.delay(30, None);
        assert!(
            capped >= Duration::from_millis(2500) && capped <= Duration::from_secs(5),
            "{capped:?}"
        );
        assert_eq!(
            b.delay(3, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            b.delay(0, Some(Duration::from_secs(60))),
            Duration::from_secs(5)
        );
        // A Retry-After shorter than the backoff does not make the client hammer.
        assert!(b.delay(5, Some(Duration::from_millis(1))) >= Duration::from_millis(1600));
    }
}
