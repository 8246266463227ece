//! Verification that waits for AWS. Configuration reads lag writes — IAM ("changes … are not always
//! immediately visible", IAM User Guide, troubleshooting), EC2 (eventual consistency, EC2 API reference),
//! SQS ("up to 60 seconds" for queue attributes, SetQueueAttributes), S3 bucket configuration — so a
//! read-back that does not yet show the change is read again after a pause, doubling, within about
//! fifteen seconds (never past the playbook's cut-off: the hub's pause refuses to wait into it). A
//! change still not visible then is *propagating*, a transient failure the next delivery resumes —
//! never a final "failed" for a fix AWS accepted.

use std::future::Future;
use std::time::Duration;

use crate::audit::Failure;
use crate::ports::{PortResult, Settle};

/// The pauses between reads: 0.25 s doubling to 8 s, about 15.75 s in all.
pub(crate) const PAUSES_MS: [u64; 7] = [250, 500, 1_000, 2_000, 4_000, 8_000, 0];

/// Read until `done` holds: `Ok(Ok(value))` when it did, `Ok(Err(last))` when the pauses ran out (or the
/// time budget allowed none) with the change still not visible, `Err` when a read failed.
pub(crate) async fn until<P, T, F, Fut>(
    ports: &P,
    read: F,
    done: impl Fn(&T) -> bool,
) -> PortResult<Result<T, T>>
where
    P: Settle,
    F: Fn() -> Fut,
    Fut: Future<Output = PortResult<T>>,
{
    let mut value = read().await?;
    for pause in PAUSES_MS {
        if done(&value) {
            return Ok(Ok(value));
        }
        if pause == 0 || !ports.pause(Duration::from_millis(pause)).await {
            break;
        }
        value = read().await?;
    }
    if done(&value) {
        Ok(Ok(value))
    } else {
        Ok(Err(value))
    }
}

/// The failure of a change AWS accepted but does not show yet: transient, resumed on redelivery.
pub(crate) fn propagating(what: String) -> Failure {
    Failure {
        reason: format!("{what} (not visible yet: AWS is still propagating the change; retried)"),
        retryable: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeAccount, FakeState};
    use futures::executor::block_on;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn a_read_that_lags_is_read_again_until_it_shows_the_change() {
        let fake = FakeAccount::new(FakeState::default());
        let reads = AtomicU32::new(0);
        let read =
            || async { Ok::<u32, crate::ports::PortError>(reads.fetch_add(1, Ordering::SeqCst)) };
        let settled = block_on(until(&fake, read, |n| *n >= 3)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(settled, Ok(3));
        assert_eq!(fake.pauses().len(), 3);
        assert_eq!(fake.pauses()[0], Duration::from_millis(250));
    }

    #[test]
    fn a_change_never_visible_ends_as_stale_after_the_last_pause() {
        let fake = FakeAccount::new(FakeState::default());
        let read = || async { Ok::<bool, crate::ports::PortError>(false) };
        let settled = block_on(until(&fake, read, |on| *on)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(settled, Err(false));
        let waited: Duration = fake.pauses().iter().sum();
        assert_eq!(waited, Duration::from_millis(15_750));
        assert!(propagating("x".into()).retryable);
    }
}
