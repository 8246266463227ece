use super::*;

fn committed(path: &str) -> String {
    let full = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

#[test]
fn the_committed_spoke_template_is_current() {
    assert!(
        committed(SPOKE_TEMPLATE_PATH) == render_spoke_template(),
        "{SPOKE_TEMPLATE_PATH} is stale: run `cargo run -p riposte-hub --bin riposte -- spoke-role render` and commit it"
    );
}

#[test]
fn the_committed_hub_event_pattern_is_current() {
    let hub = committed(HUB_TEMPLATE_PATH);
    assert!(
        with_pattern(&hub).as_deref() == Some(hub.as_str()),
        "the event pattern in {HUB_TEMPLATE_PATH} is stale: run `cargo run -p riposte-hub --bin riposte -- event-pattern render` and commit it"
    );
}

#[test]
fn the_committed_readme_playbook_table_is_current() {
    let readme = committed(README_PATH);
    assert!(
        with_docs(&readme).as_deref() == Some(readme.as_str()),
        "the generated blocks (summary, playbook table) in {README_PATH} are stale: run `cargo run -p riposte-hub --bin riposte -- docs render` and commit it"
    );
}

#[test]
fn the_committed_readme_summary_is_current() {
    let readme = committed(README_PATH);
    assert!(
        with_summary(&readme).as_deref() == Some(readme.as_str()),
        "the summary in {README_PATH} is stale (or its markers are missing): run `cargo run -p riposte-hub --bin riposte -- docs render` and commit it"
    );
}

/// `text` without its generated blocks (`<!-- BEGIN GENERATED … -->` to `<!-- END GENERATED … -->`).
fn prose(text: &str) -> String {
    let mut prose = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("<!-- BEGIN GENERATED") {
        prose.push_str(&rest[..start]);
        rest = rest[start..]
            .find("<!-- END GENERATED")
            .map_or("", |end| &rest[start + end..]);
    }
    prose.push_str(rest);
    prose
}

/// "41 Security Hub controls", "30 playbooks", "12 services": a count the catalogue should state.
fn hand_written_counts(text: &str) -> Vec<String> {
    let mut words: Vec<&str> = text.split_whitespace().collect();
    words.extend(["", "", ""]);
    let noun = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned();
    words
        .windows(4)
        .filter(|w| {
            w[0].trim_matches(|c: char| !c.is_ascii_digit())
                .parse::<u32>()
                .is_ok()
        })
        .filter_map(|w| match noun(w[1]).as_str() {
            "playbooks" | "controls" | "services" => Some(w[..2].join(" ")),
            "Security" if noun(w[2]) == "Hub" && noun(w[3]).starts_with("control") => {
                Some(w.join(" "))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn no_doc_counts_playbooks_controls_or_services_by_hand() {
    assert_eq!(
        hand_written_counts("across 41 Security Hub controls, for all 30 playbooks (12 services)."),
        [
            "41 Security Hub controls,",
            "30 playbooks",
            "(12 services)."
        ]
    );
    let generated =
        "a\n<!-- BEGIN GENERATED x: -->\n41 controls\n<!-- END GENERATED x -->\nb 2 playbooks";
    assert_eq!(hand_written_counts(&prose(generated)), ["2 playbooks"]);
    let mut docs: Vec<String> = [
        "README.md",
        "stacksets/README.md",
        "cloudformation/README.md",
    ]
    .map(str::to_owned)
    .to_vec();
    let dir = format!("{}/../docs", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        // benchmarks.md is written whole by riposte-bench.
        if name.ends_with(".md") && name != "benchmarks.md" {
            docs.push(format!("docs/{name}"));
        }
    }
    for path in docs {
        let counts = hand_written_counts(&prose(&committed(&path)));
        assert!(
            counts.is_empty(),
            "{path} states counts by hand: {counts:?}; say it without the number or generate it from the catalogue (spoke-role/src/coverage.rs)"
        );
    }
}

#[test]
fn the_spoke_policy_is_exactly_the_catalogue_with_no_wildcard_action() {
    let (main, revocation) = (permissions_policy(), revocation_policy());
    let mut allowed: Vec<String> = [&main, &revocation]
        .into_iter()
        .filter_map(|p| p["Statement"].as_array())
        .flatten()
        .filter(|s| s["Effect"] == "Allow")
        .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect();
    allowed.sort();
    let mut declared: Vec<String> = all_grants().iter().map(|g| g.action.to_owned()).collect();
    declared.sort();
    declared.dedup();
    assert_eq!(allowed, declared);
    assert!(allowed.iter().all(|a| !a.contains('*')));
    let rendered = render_spoke_template();
    assert!(!rendered.contains("ManagedPolicyArns"));
    assert!(!rendered.contains("\"*:*\"") && !rendered.contains("Action: \"*\""));
}

#[test]
fn changing_roles_is_opt_in_and_never_reaches_protected_roles() {
    let main = permissions_policy().to_string();
    assert!(!main.contains("iam:PutRolePolicy"), "{main}");
    let revocation = revocation_policy();
    let deny = revocation["Statement"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["Effect"] == "Deny"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(deny["Action"], json!(["iam:PutRolePolicy"]));
    let denied = deny["Resource"].to_string();
    for role in [
        "${RoleName}",
        "${HubRoleName}",
        "OrganizationAccountAccessRole",
        "aws-controltower-*",
        "AWSControlTower*",
        "aws-reserved/*",
        "${BreakGlassRoles}",
    ] {
        assert!(
            denied.contains(&format!("role/{role}")),
            "{role} not denied: {denied}"
        );
    }
    let template = render_spoke_template();
    assert!(template.contains("RevocationAllowed") && template.contains("AllowSessionRevocation"));
}

#[test]
fn only_actions_without_resource_level_permissions_use_a_star_resource() {
    for statement in permissions_policy()["Statement"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if statement["Resource"] == "*" {
            // Only actions the Service Authorization Reference gives no resource type.
            for action in statement["Action"].as_array().into_iter().flatten() {
                let action = action.as_str().unwrap_or_default();
                assert!(
                    riposte_shared::grants::SERVICE_AUTHORIZATION
                        .iter()
                        .any(|(a, scope)| *a == action && *scope == Scope::AnyResource),
                    "{action} on *"
                );
            }
        }
    }
}

#[test]
fn the_role_s_inline_policies_fit_iam_s_size_limit() {
    // IAM limits the inline policies of one role to 10,240 characters in all (whitespace not
    // counted). `Fn::Sub` expands `${AWS::Partition}` (≤ 10) and `${AWS::AccountId}` (12): count
    // each as its expansion's longest form. Past this, the grants must move to managed policies.
    let size = |policy: Value| {
        policy
            .to_string()
            .replace("{\"Fn::Sub\":", "")
            .replace("${AWS::Partition}", "aws-us-gov")
            .replace("${AWS::AccountId}", "123456789012")
            .len()
    };
    let total = size(permissions_policy()) + size(revocation_policy());
    assert!(total < 10_240, "{total} characters of inline policy");
}

#[test]
fn every_guard_names_a_granted_action_and_is_rendered_as_a_deny() {
    let granted: Vec<&str> = riposte_shared::catalogue::all_grants()
        .iter()
        .map(|g| g.action)
        .collect();
    let policy = permissions_policy();
    let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
    for guard in crate::guards::GUARDS {
        assert!(
            granted.contains(&guard.action),
            "guard {} names {}, which no playbook grants",
            guard.sid,
            guard.action
        );
        let rendered = statements
            .iter()
            .find(|s| s["Sid"] == guard.sid)
            .unwrap_or_else(|| panic!("guard {} is not rendered", guard.sid));
        assert_eq!(rendered["Effect"], "Deny");
        assert_eq!(rendered["Action"], guard.action);
    }
}

#[test]
fn tagging_is_allowed_only_for_riposte_keys() {
    let policy = permissions_policy();
    let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
    let tagging: Vec<&serde_json::Value> = statements
        .iter()
        .filter(|s| {
            s["Effect"] == "Allow"
                && s["Action"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|a| a == "ec2:CreateTags"))
        })
        .collect();
    assert_eq!(tagging.len(), 1, "{tagging:?}");
    assert_eq!(
        tagging[0]["Action"].as_array().map(Vec::len),
        Some(1),
        "CreateTags shares its statement with nothing: {tagging:?}"
    );
    let condition = tagging[0]["Condition"]["ForAllValues:StringLike"]["aws:TagKeys"].to_string();
    assert!(condition.contains("riposte:*"), "{condition}");
}
