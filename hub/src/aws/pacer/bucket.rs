//! One token bucket with an adaptive refill (AIMD): it holds `burst` calls and refills at the rate in
//! force, which is the setting's until the service answers with throttling. A throttling answer spends
//! what is left of the burst and lowers the rate (multiplicative decrease, at most once per
//! [`DECREASE_GAP`], so the calls throttled together count as one signal); the rate then climbs back
//! toward the setting by a fixed step per second (additive increase). This is the control AWS's SDKs
//! use in their adaptive retry mode, with their decrease factor (CUBIC's β = 0.7), kept here because
//! the SDK's own limiter is keyed by service and region, not by member account, and does not pace the
//! first calls (docs/capacity.md).
//!
//! Calls that find no token reserve the next one (the count goes below zero): each caller knows at
//! once how long it waits, and callers are served in the order they came.

use std::time::{Duration, Instant};

/// The bucket's shape from the settings: calls per second and calls held.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shape {
    pub rate: f64,
    pub burst: u32,
}

/// Multiplicative decrease on throttling.
pub const DECREASE: f64 = 0.7;
/// The decrease is taken at most once per this span (calls in flight together are throttled together).
pub const DECREASE_GAP: Duration = Duration::from_millis(250);
/// The slowest a throttled bucket goes, calls per second.
pub const FLOOR: f64 = 0.2;
/// Additive increase: the fraction of the setting's rate the rate in force regains per second, and
/// the least it regains (calls per second, per second). Slow enough that a throttled bucket stays
/// just under the service's rate for seconds before it probes above it again.
pub const RECOVERY: f64 = 0.02;
pub const MIN_STEP: f64 = 0.5;

#[derive(Clone, Debug)]
pub struct Bucket {
    shape: Shape,
    /// The refill rate in force: the shape's, or lower after throttling.
    rate: f64,
    /// Calls the bucket holds now; below zero, calls already promised a future token.
    tokens: f64,
    at: Instant,
    lowered: Option<Instant>,
}

impl Bucket {
    /// A full bucket.
    pub fn new(shape: Shape, now: Instant) -> Self {
        Self {
            shape,
            rate: shape.rate,
            tokens: f64::from(shape.burst),
            at: now,
            lowered: None,
        }
    }

    /// Bring the bucket to `now`: recover the rate, then refill at it.
    fn advance(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        if elapsed <= 0.0 {
            return;
        }
        let before = self.rate;
        let step = (self.shape.rate * RECOVERY).max(MIN_STEP);
        self.rate = (self.rate + step * elapsed).min(self.shape.rate);
        // Tokens refilled over the span at the mean of the rate's start and end.
        self.tokens =
            (self.tokens + (before + self.rate) / 2.0 * elapsed).min(f64::from(self.shape.burst));
        self.at = now;
    }

    /// Take a token: `Ok(wait)` — the call may go after `wait` (zero: now) — or `Err(wait)` when the
    /// token would come only after `deadline`, and none is taken.
    pub fn take(&mut self, now: Instant, deadline: Option<Instant>) -> Result<Duration, Duration> {
        self.advance(now);
        let wait = if self.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - self.tokens) / self.rate.max(FLOOR))
        };
        // A token in the bucket goes whatever the deadline; a wait must end before it.
        if !wait.is_zero() && deadline.is_some_and(|deadline| now + wait > deadline) {
            return Err(wait);
        }
        self.tokens -= 1.0;
        Ok(wait)
    }

    /// The service answered with throttling: no more burst, and a lower rate (once per gap). True
    /// when the rate was lowered.
    pub fn throttled(&mut self, now: Instant) -> bool {
        self.advance(now);
        self.tokens = self.tokens.min(0.0);
        if self
            .lowered
            .is_some_and(|at| now.saturating_duration_since(at) < DECREASE_GAP)
        {
            return false;
        }
        self.rate = (self.rate * DECREASE).max(FLOOR.min(self.shape.rate));
        self.lowered = Some(now);
        true
    }

    /// New settings: the new shape; a larger bucket gains the calls it grew by, and the rate in
    /// force is no higher than the new setting's.
    pub fn reshape(&mut self, shape: Shape, now: Instant) {
        self.advance(now);
        let grown = f64::from(shape.burst) - f64::from(self.shape.burst);
        self.tokens = (self.tokens + grown.max(0.0)).min(f64::from(shape.burst));
        self.shape = shape;
        self.rate = self.rate.min(shape.rate);
    }

    /// A bucket back at its setting and full: nothing to remember about it.
    pub fn idle(&mut self, now: Instant) -> bool {
        self.advance(now);
        self.rate >= self.shape.rate && self.tokens >= f64::from(self.shape.burst)
    }

    /// The refill rate in force, calls per second.
    pub fn rate(&self) -> f64 {
        self.rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHAPE: Shape = Shape {
        rate: 10.0,
        burst: 20,
    };

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Within a millisecond (the waits are computed in floating point).
    fn about(got: Result<Duration, Duration>, want: Result<Duration, Duration>) -> bool {
        let near = |a: Duration, b: Duration| a.abs_diff(b) < ms(1);
        match (got, want) {
            (Ok(a), Ok(b)) | (Err(a), Err(b)) => near(a, b),
            _ => false,
        }
    }

    #[test]
    fn a_full_bucket_lets_its_burst_go_then_one_call_per_refill() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(SHAPE, t0);
        for _ in 0..20 {
            assert_eq!(bucket.take(t0, None), Ok(Duration::ZERO));
        }
        // The 21st waits one refill (100 ms), the 22nd two: reservations queue.
        assert!(about(bucket.take(t0, None), Ok(ms(100))));
        assert!(about(bucket.take(t0, None), Ok(ms(200))));
        // Past a deadline: refused, and no token taken.
        assert!(about(bucket.take(t0, Some(t0 + ms(250))), Err(ms(300))));
        assert!(about(bucket.take(t0, Some(t0 + ms(301))), Ok(ms(300))));
        // Later the queue is served and the bucket is full again.
        let later = t0 + Duration::from_secs(10);
        assert!(bucket.idle(later));
    }

    #[test]
    fn throttling_spends_the_burst_and_lowers_the_rate_once_per_gap_then_it_recovers() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(SHAPE, t0);
        assert!(bucket.throttled(t0));
        assert!((bucket.rate() - 7.0).abs() < 1e-9);
        // Calls throttled together are one signal.
        assert!(!bucket.throttled(t0 + ms(100)));
        assert!(
            (bucket.rate() - 7.0 - 0.05).abs() < 1e-6,
            "{}",
            bucket.rate()
        );
        // No burst left: the next call waits for a refill at the lowered rate.
        let wait = bucket.take(t0 + ms(100), None).unwrap_or_default();
        assert!(wait > ms(100) && wait < ms(160), "{wait:?}");
        // A second signal after the gap lowers it again.
        assert!(bucket.throttled(t0 + ms(1500)));
        assert!(bucket.rate() < 7.0, "{}", bucket.rate());
        // Additive increase: 0.5 calls/s per second back to the setting, never above it.
        let t = t0 + ms(1500);
        let lowered = bucket.rate();
        bucket.take(t + Duration::from_secs(4), None).ok();
        assert!(
            (bucket.rate() - (lowered + 2.0)).abs() < 1e-6,
            "{}",
            bucket.rate()
        );
        assert!(bucket.idle(t + Duration::from_secs(60)));
        assert_eq!(bucket.rate(), 10.0);
    }

    #[test]
    fn the_rate_never_falls_below_the_floor_and_new_settings_cap_it() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(SHAPE, t0);
        for i in 0..40 {
            bucket.throttled(t0 + Duration::from_secs(2 * i));
        }
        assert!(bucket.rate() >= FLOOR);
        let mut fresh = Bucket::new(SHAPE, t0);
        fresh.reshape(
            Shape {
                rate: 2.0,
                burst: 3,
            },
            t0,
        );
        assert_eq!(fresh.rate(), 2.0);
        for _ in 0..3 {
            assert_eq!(fresh.take(t0, None), Ok(Duration::ZERO));
        }
        assert!(about(fresh.take(t0, None), Ok(ms(500))));
    }
}
