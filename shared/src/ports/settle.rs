//! Waiting for AWS: configuration reads lag writes (eventual consistency), so a verification that does
//! not yet see a change reads again after a pause. The hub's pause sleeps (never past the playbook's
//! cut-off); the fake's returns at once and counts.

use std::future::Future;
use std::time::Duration;

pub trait Settle: Send + Sync {
    /// Wait `duration` (less, or not at all, when the run's time budget would not allow it); `false`
    /// when it could not wait at all: the caller stops retrying.
    fn pause(&self, duration: Duration) -> impl Future<Output = bool> + Send;
}
