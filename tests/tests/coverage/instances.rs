//! Instance read-backs: IMDS settings and what isolation changes (groups, profile).

use riposte_tests::MemberView;

/// An instance's IMDS settings as "HttpTokens/HttpEndpoint" (`optional/disabled`).
pub async fn http_tokens(view: &MemberView, instance: &str) -> Option<String> {
    let out = view
        .ec2
        .describe_instances()
        .instance_ids(instance)
        .send()
        .await
        .ok()?;
    let instance = out.reservations().first()?.instances().first()?.clone();
    let options = instance.metadata_options()?;
    Some(format!(
        "{}/{}",
        options.http_tokens()?.as_str(),
        options.http_endpoint()?.as_str()
    ))
}

/// An instance's security groups (across its interfaces) and whether a profile is attached.
pub async fn isolation_view(view: &MemberView, instance: &str) -> (Vec<String>, bool) {
    let out = view
        .ec2
        .describe_instances()
        .instance_ids(instance)
        .send()
        .await;
    let Some(i) = out
        .ok()
        .and_then(|o| o.reservations().first()?.instances().first().cloned())
    else {
        panic!("no instance {instance}");
    };
    let mut groups: Vec<String> = i
        .network_interfaces()
        .iter()
        .flat_map(|n| {
            n.groups()
                .iter()
                .filter_map(|g| g.group_id().map(str::to_owned))
        })
        .collect();
    groups.dedup();
    (groups, i.iam_instance_profile().is_some())
}
