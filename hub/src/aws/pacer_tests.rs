use super::*;
use crate::aws::member::apis::Api;

#[test]
fn every_member_call_has_a_paced_service_and_every_service_a_setting() {
    for api in Api::ALL {
        assert!(
            Service::of(api.action()).is_some(),
            "{} has no service in pacer::Service",
            api.action()
        );
    }
    let toml = crate::settings::Settings::default().to_toml();
    for service in Service::ALL {
        for key in [
            service.prefix().to_owned(),
            format!("{}_burst", service.prefix()),
        ] {
            assert!(
                toml.contains(&format!("\n{key} = ")),
                "no [pacing] key {key} for {service:?}"
            );
        }
    }
}

/// IAM and S3 buckets that hold one second of calls.
fn rates(iam: f64, s3: f64) -> Pacing {
    let (iam_burst, s3_burst) = (iam.ceil(), s3.ceil());
    let text = format!(
        "[pacing]\niam = {iam}\niam_burst = {iam_burst}\ns3 = {s3}\ns3_burst = {s3_burst}\n"
    );
    crate::settings::Settings::parse(&text)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .pacing
}

/// Calls that find a token at once, and how long the rest waited.
async fn burst(pacer: &Pacer, n: usize, action: &str, account: &str, region: &str) -> Duration {
    let started = Instant::now();
    for _ in 0..n {
        let waited = pacer.wait(action, account, region).await;
        assert!(waited.is_ok(), "no cut-off, no refusal: {waited:?}");
    }
    started.elapsed()
}

#[tokio::test]
async fn a_burst_beyond_the_rate_waits_for_tokens_per_account_and_service() {
    let pacer = Pacer::new(&rates(5.0, 1000.0));
    // The bucket holds 5 calls: the first 5 IAM calls go at once, the next 5 take ≈ 1 s.
    let first = burst(&pacer, 5, "iam:ListAccessKeys", "111111111111", "us-east-1").await;
    assert!(first < Duration::from_millis(150), "{first:?}");
    let next = burst(&pacer, 5, "iam:ListAccessKeys", "111111111111", "us-east-1").await;
    assert!(next >= Duration::from_millis(700), "{next:?}");
    // Another account, another service, or IAM's global bucket seen from another region.
    let other = burst(&pacer, 5, "iam:ListAccessKeys", "222222222222", "us-east-1").await;
    assert!(other < Duration::from_millis(150), "{other:?}");
    let s3 = burst(
        &pacer,
        50,
        "s3:GetBucketPolicy",
        "111111111111",
        "us-east-1",
    )
    .await;
    assert!(s3 < Duration::from_millis(150), "{s3:?}");
    let global = pacer
        .wait("iam:UpdateAccessKey", "111111111111", "eu-west-1")
        .await
        .unwrap_or_default();
    assert!(
        global >= Duration::from_millis(100),
        "IAM is one bucket per account: {global:?}"
    );
}

#[tokio::test]
async fn regional_services_have_a_bucket_per_region_and_new_settings_apply() {
    let pacer = Pacer::new(&rates(5.0, 2.0));
    burst(&pacer, 2, "s3:GetBucketPolicy", "111111111111", "us-east-1").await;
    let other_region = burst(&pacer, 2, "s3:GetBucketPolicy", "111111111111", "us-west-2").await;
    assert!(
        other_region < Duration::from_millis(150),
        "{other_region:?}"
    );
    let same = pacer
        .wait("s3:GetBucketPolicy", "111111111111", "us-east-1")
        .await
        .unwrap_or_default();
    assert!(same >= Duration::from_millis(300), "{same:?}");
    pacer.set(&rates(5.0, 1000.0));
    assert_eq!(pacer.shape(Service::S3).rate, 1000.0);
    let raised = burst(
        &pacer,
        100,
        "s3:GetBucketPolicy",
        "111111111111",
        "us-east-1",
    )
    .await;
    assert!(raised < Duration::from_millis(150), "{raised:?}");
}

#[tokio::test]
async fn a_call_whose_token_comes_after_the_cutoff_is_refused_at_once_without_a_token() {
    let pacer = Pacer::new(&rates(1.0, 1000.0));
    let wait = |cutoff: Instant| {
        CUTOFF.scope(
            cutoff,
            pacer.wait("iam:ListAccessKeys", "111111111111", "us-east-1"),
        )
    };
    let soon = Instant::now() + Duration::from_millis(300);
    // A token in the bucket: sent, whatever the cut-off.
    assert_eq!(wait(soon).await, Ok(Duration::ZERO));
    // The next token comes in ≈ 1 s, after the cut-off: refused now, not after waiting.
    let started = Instant::now();
    let refused = wait(soon).await;
    assert!(started.elapsed() < Duration::from_millis(100));
    match refused {
        Err(PastCutoff { service, wait }) => {
            assert_eq!(service, Service::Iam);
            assert!(wait > Duration::from_millis(500), "{wait:?}");
        }
        other => panic!("not refused: {other:?}"),
    }
    // The refusal took no token: with a later cut-off the call waits for the next one and goes.
    let later = Instant::now() + Duration::from_secs(5);
    let waited = wait(later).await.unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        waited > Duration::from_millis(500) && waited < Duration::from_millis(1500),
        "{waited:?}"
    );
    // Other accounts' buckets are their own.
    let other = CUTOFF
        .scope(
            soon,
            pacer.wait("iam:ListAccessKeys", "222222222222", "us-east-1"),
        )
        .await;
    assert_eq!(other, Ok(Duration::ZERO));
}

#[tokio::test]
async fn a_member_call_refused_by_the_pacer_fails_transient_and_is_not_sent() {
    use riposte_shared::ports::{IamPort, PortErrorKind};
    let pacer = std::sync::Arc::new(Pacer::new(&rates(1.0, 1000.0)));
    // Nothing listens on port 9: a call that were sent would fail on the connection, not with the
    // pacer's code.
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new("AKIDEXAMPLE", "secret", None, None, "test"),
            ),
        )
        .build();
    let account =
        riposte_shared::ids::AccountId::parse("111111111111").unwrap_or_else(|e| panic!("{e}"));
    let member = crate::aws::member::MemberClients::new(&config, &account, true, pacer.clone());
    // The account's one IAM token of this second is taken.
    let first = pacer
        .wait("iam:ListAccessKeys", "111111111111", "us-east-1")
        .await;
    assert_eq!(first, Ok(Duration::ZERO));
    let started = Instant::now();
    let refused = CUTOFF
        .scope(
            Instant::now() + Duration::from_millis(200),
            member.list_access_keys("ci-deployer"),
        )
        .await
        .err()
        .unwrap_or_else(|| panic!("the call was not refused"));
    assert!(started.elapsed() < Duration::from_millis(100), "it waited");
    assert_eq!(refused.kind, PortErrorKind::Transient);
    assert_eq!(refused.code.as_deref(), Some("PacedPastDeadline"));
    assert_eq!(refused.api, "iam:ListAccessKeys");
    assert!(
        refused.message.contains("[pacing] iam"),
        "{}",
        refused.message
    );
}

#[tokio::test]
async fn calls_queued_on_one_bucket_are_refused_at_the_cutoff_not_after() {
    let pacer = Pacer::new(&rates(5.0, 1000.0));
    let started = Instant::now();
    let cutoff = started + Duration::from_millis(500);
    // Ten calls at once on one account's IAM bucket (5 tokens, then one per 200 ms): each sees
    // only the next token's wait when it checks, but only one of them gets each token.
    let calls = (0..10).map(|_| {
        CUTOFF.scope(
            cutoff,
            pacer.wait("iam:ListAccessKeys", "111111111111", "us-east-1"),
        )
    });
    let results = futures::future::join_all(calls).await;
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(650), "{elapsed:?}");
    let sent = results.iter().filter(|r| r.is_ok()).count();
    assert!((5..=8).contains(&sent), "{results:?}");
    assert!(
        results.iter().all(|r| match r {
            Ok(waited) => *waited <= Duration::from_millis(550),
            Err(refused) => refused.service == Service::Iam,
        }),
        "{results:?}"
    );
}

#[tokio::test]
async fn at_the_defaults_a_lone_incident_never_waits_for_a_token() {
    let pacer = Pacer::new(&Pacing::default());
    // A compromised user (≈ 10 IAM calls) and a public bucket (≈ 10 S3 calls), ten of each in one
    // account: all within the bursts.
    for _ in 0..10 {
        burst(
            &pacer,
            10,
            "iam:ListAccessKeys",
            "111111111111",
            "us-east-1",
        )
        .await;
        burst(
            &pacer,
            10,
            "s3:GetBucketPolicy",
            "111111111111",
            "us-east-1",
        )
        .await;
    }
    assert_eq!(pacer.counts(), (0, 0), "no call waited");
}

#[tokio::test]
async fn throttling_lowers_one_account_s_pace_and_new_settings_keep_it_lowered() {
    let pacer = Pacer::new(&rates(10.0, 1000.0));
    pacer.throttled(Service::Iam, "111111111111", "us-east-1");
    let lowered = pacer.rate_in_force(Service::Iam, "111111111111", "eu-west-1");
    assert!((lowered - 7.0).abs() < 0.1, "{lowered}");
    // The burst is spent: the next call waits for a token at the lowered rate.
    let waited = pacer
        .wait("iam:ListAccessKeys", "111111111111", "us-east-1")
        .await
        .unwrap_or_default();
    assert!(waited >= Duration::from_millis(100), "{waited:?}");
    assert_eq!(pacer.counts(), (1, 1));
    // Other accounts keep the setting.
    assert_eq!(
        pacer.rate_in_force(Service::Iam, "222222222222", "us-east-1"),
        10.0
    );
    // The same settings again (each run): the lowered rate is remembered, not reset.
    pacer.set(&rates(10.0, 1000.0));
    assert!(pacer.rate_in_force(Service::Iam, "111111111111", "us-east-1") < 8.0);
}
