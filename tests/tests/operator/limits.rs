//! The blast-radius counts themselves, in the operator story's limits table, under concurrent hub
//! instances: the cap holds whether findings are counted one at a time or a run's at once, the room left
//! is granted rather than refused whole, counts a playbook's limit refuses go back to their account (and
//! are offered again to the run's other asks), answers come back in the order asked, and a run's counts
//! cost one update per account and per playbook, not per finding.

use riposte_hub::aws::limits::{Limiter, Taken};
use riposte_shared::ports::PortResult;
use riposte_tests::{Emulator, Scenario, LIMITS_TABLE as TABLE};
use serde_json::json;

async fn joined<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        out.push(handle.await.unwrap_or_else(|e| panic!("{e}")));
    }
    out
}

fn granted(answers: &[PortResult<Taken>]) -> usize {
    answers
        .iter()
        .filter(|t| matches!(t, Ok(Taken::Granted)))
        .count()
}

fn told(answers: &[PortResult<Taken>]) -> usize {
    answers
        .iter()
        .filter(|t| matches!(t, Ok(Taken::Refused { tell: true, .. })))
        .count()
}

fn update_items(emulator: &Emulator) -> usize {
    emulator
        .calls()
        .iter()
        .filter(|c| c["operation"] == "UpdateItem")
        .count()
}

pub async fn hold_under_concurrency(emulator: &Emulator, scenario: &Scenario) {
    let sdk = emulator.sdk(scenario.hub_credentials());
    let limiters: Vec<Limiter> = (0..4).map(|_| Limiter::new(&sdk, TABLE)).collect();
    let now = time::OffsetDateTime::now_utc();

    // One finding per take: twenty at once from four instances against a limit of five.
    let takes = (0..20).map(|i| {
        let limiter = limiters[i % 4].clone();
        tokio::spawn(async move {
            limiter
                .take("999900000001", "one-by-one", (5, 0), now)
                .await
        })
    });
    let answers = joined(takes).await;
    assert_eq!(
        granted(&answers),
        5,
        "the per-account cap holds: {answers:?}"
    );

    // A run's findings at once: four instances with five each against a limit of seven. Exactly seven
    // run, the team is told once, and no answer is an error.
    let runs = (0..4).map(|i| {
        let limiter = limiters[i].clone();
        tokio::spawn(async move {
            limiter
                .take_all(&[("999900000002", "run-at-once"); 5], (7, 0), now)
                .await
        })
    });
    let answers: Vec<PortResult<Taken>> = joined(runs).await.into_iter().flatten().collect();
    assert_eq!(granted(&answers), 7, "the room left is taken: {answers:?}");
    assert_eq!(told(&answers), 1, "{answers:?}");
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");

    // A playbook's limit below the account's: three of five run; the run costs an update for the
    // account, one for the playbook, one giving two counts back, one for the notice.
    let limiter = &limiters[0];
    let before = update_items(emulator);
    let answers = limiter
        .take_all(&[("999900000003", "capped"); 5], (10, 3), now)
        .await;
    assert_eq!(update_items(emulator) - before, 4, "{answers:?}");
    assert_eq!(granted(&answers[..3]), 3, "the first asks run: {answers:?}");
    for answer in &answers[3..] {
        assert!(
            matches!(answer, Ok(Taken::Refused { reason, .. }) if reason.contains("limits.per_playbook_per_hour")),
            "{answer:?}"
        );
    }
    assert_eq!(told(&answers), 1, "{answers:?}");
    // The two refused counts went back: the account has room for seven more, not five.
    let answers = limiter
        .take_all(&[("999900000003", "uncapped"); 10], (10, 0), now)
        .await;
    assert_eq!(granted(&answers), 7, "{answers:?}");

    // Room given back is offered again: an account with room for two, asked for two findings of a
    // full playbook first and one of another playbook after. The full playbook refuses its two, their
    // counts go back, and the third finding runs rather than waiting under the account's limit.
    let filled = limiter
        .take_all(&[("999900000004", "full"); 3], (10, 3), now)
        .await;
    assert_eq!(granted(&filled), 3, "{filled:?}");
    let asks = [
        ("999900000005", "full"),
        ("999900000005", "full"),
        ("999900000005", "open"),
    ];
    let answers = limiter.take_all(&asks, (2, 3), now).await;
    for answer in &answers[..2] {
        assert!(
            matches!(answer, Ok(Taken::Refused { reason, .. }) if reason.contains("playbook full")),
            "{answers:?}"
        );
    }
    assert!(matches!(answers[2], Ok(Taken::Granted)), "{answers:?}");

    // Answers in the order asked, accounts interleaved: each account's first asks get its room.
    let (c, d) = ("999900000006", "999900000007");
    let asks = [
        (c, "mixed"),
        (d, "mixed"),
        (c, "mixed"),
        (d, "mixed"),
        (c, "mixed"),
    ];
    let answers = limiter.take_all(&asks, (2, 0), now).await;
    let shape: Vec<bool> = answers
        .iter()
        .map(|a| matches!(a, Ok(Taken::Granted)))
        .collect();
    assert_eq!(shape, [true, true, true, true, false], "{answers:?}");
    assert!(
        matches!(&answers[4], Ok(Taken::Refused { reason, tell: true }) if reason.contains(c)),
        "{answers:?}"
    );

    // A give-back is sent once, never retried: applied twice (its answer lost), it would open room past
    // the limit. Here it fails (HTTP 500): the account's count stays high, which only holds fixes back.
    let e = "999900000008";
    let before = update_items(emulator);
    emulator.fault(json!({"operation": "UpdateItem", "code": "InternalServerError", "status": 500, "after": 2}));
    let answers = limiter.take_all(&[(e, "one-only"); 3], (3, 1), now).await;
    emulator.clear_faults();
    assert_eq!(granted(&answers), 1, "{answers:?}");
    assert_eq!(
        update_items(emulator) - before,
        4,
        "account, playbook, the failed give-back once, the notice"
    );
    let answers = limiter.take_all(&[(e, "other")], (3, 0), now).await;
    assert!(
        matches!(&answers[0], Ok(Taken::Refused { reason, .. }) if reason.contains(e)),
        "the two counts were not given back: {answers:?}"
    );

    // The table down for every retry: no finding is granted; every answer is an error, so the engine
    // holds them and their messages are retried.
    emulator.fault(json!({"operation": "UpdateItem", "code": "InternalServerError", "status": 500, "count": -1}));
    let answers = limiter
        .take_all(&[("999900000009", "down"); 3], (10, 0), now)
        .await;
    emulator.clear_faults();
    assert!(answers.iter().all(Result::is_err), "{answers:?}");
}
