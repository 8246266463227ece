//! Admission before acting: every automatic remediation is counted against the hourly blast-radius
//! limits the hub instances share.

use riposte_shared::asff::SeverityLabel;
use riposte_shared::policy::Decision;
use riposte_shared::ports::{FindingsPort, NotifyPort, SpokesPort};
use time::OffsetDateTime;

use super::intake::{self, Work};
use super::Engine;
use crate::config::Config;
use crate::report::Failure;

impl<S: SpokesPort, F: FindingsPort, N: NotifyPort> Engine<S, F, N> {
    /// Count every automatic remediation against the hourly limits, all of the run's at once (one
    /// update per account and per playbook); beyond them a finding waits for approval, the most severe
    /// getting the room left (the team is told once per limit and hour). An analyst's action is not counted. When
    /// the counts cannot be read, nothing automatic runs and the message is retried.
    pub(super) async fn within_limits(&self, work: &mut [Work], config: &Config) {
        let Some(limiter) = &self.limits else {
            return;
        };
        let limits = &config.document.limits;
        let caps = (
            limits.per_account_per_hour.get(),
            limits.per_playbook_per_hour.get(),
        );
        let now = OffsetDateTime::now_utc();
        let mut automatic: Vec<&mut Work> = work
            .iter_mut()
            .filter(|w| {
                w.assessment.decision == Decision::Remediate && w.result.requested_by.is_none()
            })
            .collect();
        most_severe_first(&mut automatic, |w| w.finding.severity_label());
        let asks: Vec<(&str, &str)> = automatic
            .iter()
            .map(|w| {
                (
                    w.assessment.account.as_str(),
                    w.result.playbook.as_deref().unwrap_or("-"),
                )
            })
            .collect();
        let taken = limiter.take_all(&asks, caps, now).await;
        for (w, taken) in automatic.into_iter().zip(taken) {
            match taken {
                Ok(crate::aws::limits::Taken::Granted) => {}
                Ok(crate::aws::limits::Taken::Refused { reason, tell }) => {
                    intake::hold(w, Decision::AwaitApproval(reason));
                    w.result.quiet = !tell;
                }
                Err(e) => {
                    let reason = format!("the blast-radius counts cannot be read ({e}): nothing automatic ran; the message is retried");
                    intake::hold(w, Decision::Skip(reason));
                    w.result.failure = Some(Failure::Transient);
                }
            }
        }
    }
}

/// The order in which a run's automatic remediations are offered the room left under a limit: the most
/// severe first, then in message order; a finding without a severity last.
fn most_severe_first<T>(items: &mut [T], severity: impl Fn(&T) -> Option<SeverityLabel>) {
    items.sort_by_key(|item| std::cmp::Reverse(severity(item)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_severe_come_first_then_the_message_order() {
        use SeverityLabel::*;
        let mut items = vec![
            (0, Some(Medium)),
            (1, None),
            (2, Some(High)),
            (3, Some(Critical)),
            (4, Some(High)),
            (5, Some(Low)),
        ];
        most_severe_first(&mut items, |(_, s)| *s);
        let order: Vec<usize> = items.iter().map(|(i, _)| *i).collect();
        assert_eq!(order, [3, 2, 4, 0, 5, 1]);
    }
}
