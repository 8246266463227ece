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
        assert!(
            toml.contains(&format!("\n{} = ", service.prefix())),
            "no [pacing] key for {service:?}"
        );
    }
}

fn rates(iam: f64, s3: f64) -> Pacing {
    let text = format!("[pacing]\niam = {iam}\ns3 = {s3}\n");
    crate::settings::Settings::parse(&text)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .pacing
}

/// Calls that find a token at once, and how long the rest waited.
async fn burst(pacer: &Pacer, n: usize, action: &str, account: &str, region: &str) -> Duration {
    let started = Instant::now();
    for _ in 0..n {
        pacer.wait(action, account, region).await;
    }
    started.elapsed()
}

#[tokio::test]
async fn a_burst_beyond_the_rate_waits_for_tokens_per_account_and_service() {
    let pacer = Pacer::new(&rates(5.0, 1000.0));
    // A bucket holds one second of calls: the first 5 IAM calls go at once, the next 5 take ≈ 1 s.
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
        .await;
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
        .await;
    assert!(same >= Duration::from_millis(300), "{same:?}");
    pacer.set(&rates(5.0, 1000.0));
    assert_eq!(pacer.rate(Service::S3), Some(1000.0));
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
