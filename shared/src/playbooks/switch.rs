//! The shape of a one-setting fix (point-in-time recovery, key rotation, scan on push, …): read the
//! setting; on already: done; else turn it on, record that it was off, and read it back.

use serde_json::Value;
use std::future::Future;

use super::failed;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::{PortResult, Settle};

/// One setting of one resource, as the report names it.
pub(crate) struct Setting<'a> {
    /// The step name in the report (`point-in-time-recovery`).
    pub step: &'a str,
    /// What the setting is, for the note (`point-in-time recovery on`, `not publicly accessible`).
    pub what: &'a str,
    pub read_api: &'a str,
    pub write_api: &'a str,
    pub label: &'a str,
    /// What undo needs to turn it off again.
    pub prior: Value,
}

/// `read` answers `Some(on)`, or `None` when the resource does not exist.
pub(crate) async fn turn_on<R, W>(
    ports: &impl Settle,
    setting: Setting<'_>,
    read: impl Fn() -> R,
    write: impl FnOnce() -> W,
) -> PlaybookReport
where
    R: Future<Output = PortResult<Option<bool>>>,
    W: Future<Output = PortResult<()>>,
{
    let first = read().await;
    turn_on_from(ports, setting, first, read, write).await
}

/// As `turn_on`, for a playbook that has read the resource already (for its tags): `first` is that read.
pub(crate) async fn turn_on_from<R, W>(
    ports: &impl Settle,
    setting: Setting<'_>,
    first: PortResult<Option<bool>>,
    read: impl Fn() -> R,
    write: impl FnOnce() -> W,
) -> PlaybookReport
where
    R: Future<Output = PortResult<Option<bool>>>,
    W: Future<Output = PortResult<()>>,
{
    let Setting {
        step,
        what,
        read_api,
        write_api,
        label,
        prior,
    } = setting;
    match first {
        Err(e) => PlaybookReport::conclude(vec![failed(step, read_api, label, e)], Ok(())),
        Ok(None) => {
            PlaybookReport::conclude(Vec::new(), Err(format!("{label} does not exist").into()))
        }
        Ok(Some(true)) => {
            let detail = format!("{what} is already so");
            let record = StepRecord::new(
                step,
                Some(write_api),
                label,
                StepOutcome::AlreadyDone,
                detail,
            );
            PlaybookReport::conclude(vec![record], Ok(()))
        }
        Ok(Some(false)) => {
            let record = match write().await {
                Ok(()) => StepRecord::new(
                    step,
                    Some(write_api),
                    label,
                    StepOutcome::Done,
                    format!("{what}: done"),
                )
                .with_prior(prior),
                Err(e) => {
                    return PlaybookReport::conclude(
                        vec![failed(step, write_api, label, e)],
                        Ok(()),
                    )
                }
            };
            let verified = match super::settle::until(ports, &read, |on| *on != Some(false)).await {
                Ok(Ok(Some(_))) => Ok(()),
                Ok(Ok(None)) | Ok(Err(None)) => Err(format!("{label} is gone").into()),
                Ok(Err(Some(_))) => Err(super::settle::propagating(format!(
                    "{what}: does not read back so"
                ))),
                Err(e) => Err(e.into()),
            };
            PlaybookReport::conclude(vec![record], verified)
        }
    }
}
