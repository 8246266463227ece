//! A run's blast-radius counts, taken together: the accounts' counts first, then the playbooks' among the
//! asks their account let through; counts a playbook refuses go back to their account. An account that
//! got counts back may then have room for asks it refused: those asks (unless their playbook is full) are
//! tried once more. Every ask ends granted, refused under one counter, or failed (retried).

use futures::future::join_all;
use riposte_shared::ports::{PortError, PortResult};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

use super::{hour, not_taken, Limiter, Taken};

/// The two counters an automatic remediation takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    Account,
    Playbook,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Playbook => "playbook",
        }
    }
}

/// Where one ask stands.
#[derive(Clone, Debug)]
enum Verdict<'a> {
    Pending,
    Granted,
    /// Refused under this counter (scope, account or playbook name).
    Refused(Scope, &'a str),
    Failed(PortError),
}

/// One run's asks, their verdicts, and what the counters are called this hour.
struct Run<'l, 'a> {
    limiter: &'l Limiter,
    asks: &'a [(&'a str, &'a str)],
    caps: (u32, u32),
    hour: String,
    expires: i64,
    verdicts: Vec<Verdict<'a>>,
}

/// The indices of `keys` per distinct key, each list in the order given.
fn positions<'a>(keys: impl Iterator<Item = (usize, &'a str)>) -> BTreeMap<&'a str, Vec<usize>> {
    let mut out: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, key) in keys {
        out.entry(key).or_default().push(i);
    }
    out
}

impl Limiter {
    /// Count a run's automatic remediations, `asks` = (account, playbook) in order of priority, within
    /// the limits `(per_account, per_playbook)` (0: none, still counted): the first asks of an account or
    /// playbook get its room left. One conditional update per account and per playbook in the common
    /// case; an answer per ask, in order.
    pub async fn take_all(
        &self,
        asks: &[(&str, &str)],
        caps: (u32, u32),
        now: OffsetDateTime,
    ) -> Vec<PortResult<Taken>> {
        let (hour, expires) = hour(now);
        let mut run = Run {
            limiter: self,
            asks,
            caps,
            hour,
            expires,
            verdicts: vec![Verdict::Pending; asks.len()],
        };
        let all: Vec<usize> = (0..asks.len()).collect();
        let (given_back, full) = run.pass(&all).await;
        let again: Vec<usize> = all
            .into_iter()
            .filter(|&i| {
                matches!(run.verdicts[i], Verdict::Refused(Scope::Account, _))
                    && given_back.contains(asks[i].0)
                    && !full.contains(asks[i].1)
            })
            .collect();
        if !again.is_empty() {
            run.pass(&again).await;
        }
        run.answers().await
    }
}

impl<'a> Run<'_, 'a> {
    fn counter(&self, scope: Scope, name: &str) -> String {
        format!("{}#{name}#{}", scope.name(), self.hour)
    }

    fn limit(&self, scope: Scope) -> u32 {
        match scope {
            Scope::Account => self.caps.0,
            Scope::Playbook => self.caps.1,
        }
    }

    /// Take `scope`'s counters for the asks `pending` (grouped by its name): each group's first asks get
    /// the room; the rest are refused under it. The asks let through, in order.
    async fn take(&mut self, scope: Scope, pending: &[usize]) -> Vec<usize> {
        let asks = self.asks;
        let key = |i: usize| match scope {
            Scope::Account => asks[i].0,
            Scope::Playbook => asks[i].1,
        };
        let groups = positions(pending.iter().map(|&i| (i, key(i))));
        let (limiter, limit, expires) = (self.limiter, self.limit(scope), self.expires);
        let taken = join_all(groups.iter().map(|(name, idx)| {
            let counter = self.counter(scope, name);
            async move {
                limiter
                    .take_up_to(&counter, idx.len(), limit, expires)
                    .await
            }
        }))
        .await;
        let mut through = Vec::new();
        for ((name, idx), taken) in groups.into_iter().zip(taken) {
            match taken {
                Ok(granted) => {
                    let granted = granted.min(idx.len());
                    through.extend_from_slice(&idx[..granted]);
                    for &i in &idx[granted..] {
                        self.verdicts[i] = Verdict::Refused(scope, name);
                    }
                }
                Err(e) => {
                    for &i in &idx {
                        self.verdicts[i] = Verdict::Failed(e.clone());
                    }
                }
            }
        }
        through.sort_unstable();
        through
    }

    /// One pass over `pending`: the accounts', then the playbooks' counts; the counts of asks a playbook
    /// refused (or could not count) go back to their accounts. The accounts that got counts back, and
    /// the playbooks that refused some.
    async fn pass(&mut self, pending: &[usize]) -> (BTreeSet<&'a str>, BTreeSet<&'a str>) {
        let through = self.take(Scope::Account, pending).await;
        let granted = self.take(Scope::Playbook, &through).await;
        for &i in &granted {
            self.verdicts[i] = Verdict::Granted;
        }
        let full: BTreeSet<&str> = through
            .iter()
            .filter_map(|&i| match self.verdicts[i] {
                Verdict::Refused(Scope::Playbook, playbook) => Some(playbook),
                _ => None,
            })
            .collect();
        let returned = positions(
            through
                .iter()
                .filter(|&&i| !matches!(self.verdicts[i], Verdict::Granted))
                .map(|&i| (i, self.asks[i].0)),
        );
        let limiter = self.limiter;
        join_all(returned.iter().map(|(account, idx)| {
            let counter = self.counter(Scope::Account, account);
            async move { limiter.give_back(&counter, idx.len()).await }
        }))
        .await;
        (returned.into_keys().collect(), full)
    }

    /// Every ask's answer. A refused counter's first ask in priority order tells the team, when this run
    /// is the first refused under it this hour; when that cannot be known, its asks are retried.
    async fn answers(self) -> Vec<PortResult<Taken>> {
        let mut refusals: BTreeMap<(Scope, &str), Vec<usize>> = BTreeMap::new();
        for (i, verdict) in self.verdicts.iter().enumerate() {
            if let Verdict::Refused(scope, name) = verdict {
                refusals.entry((*scope, name)).or_default().push(i);
            }
        }
        let (limiter, expires) = (self.limiter, self.expires);
        let first = join_all(refusals.keys().map(|(scope, name)| {
            let counter = self.counter(*scope, name);
            async move { limiter.first_notice(&counter, expires).await }
        }))
        .await;
        let mut out: Vec<PortResult<Taken>> = self
            .verdicts
            .iter()
            .map(|verdict| match verdict {
                Verdict::Granted => Ok(Taken::Granted),
                Verdict::Failed(e) => Err(e.clone()),
                Verdict::Pending | Verdict::Refused(..) => Err(not_taken()),
            })
            .collect();
        for (((scope, name), idx), first) in refusals.into_iter().zip(first) {
            let limit = self.limit(scope);
            let reason = match scope {
                Scope::Account => format!("blast-radius limit: {limit} automatic remediations in account {name} this hour (limits.per_account_per_hour)"),
                Scope::Playbook => format!("blast-radius limit: {limit} automatic remediations by playbook {name} this hour (limits.per_playbook_per_hour)"),
            };
            for (n, i) in idx.into_iter().enumerate() {
                out[i] = first.clone().map(|first| Taken::Refused {
                    reason: reason.clone(),
                    tell: first && n == 0,
                });
            }
        }
        out
    }
}
