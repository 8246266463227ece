use super::*;
use riposte_shared::spec::{Inverse, Mode, Risk};
use std::collections::BTreeSet;

fn spec(triggers: &'static [Trigger]) -> PlaybookSpec {
    PlaybookSpec {
        id: "test",
        title: "a test playbook",
        triggers,
        steps: &[],
        grants: &[],
        risk: Risk::Low,
        mode: Mode::Auto,
        threat: false,
        undo: Inverse::None("test"),
    }
}

#[test]
fn the_counts_are_the_catalogue_s() {
    let controls: BTreeSet<&str> = CATALOGUE
        .iter()
        .flat_map(|s| s.triggers.iter())
        .filter_map(|t| match t {
            Trigger::Control(id) => Some(*id),
            _ => None,
        })
        .collect();
    let coverage = Coverage::of(CATALOGUE);
    assert!(!CATALOGUE.is_empty() && !controls.is_empty());
    assert_eq!(coverage.playbooks, CATALOGUE.len());
    assert_eq!(
        coverage.controls,
        controls.iter().copied().collect::<Vec<_>>()
    );
    assert_eq!(
        coverage.services.iter().map(|(_, n)| n).sum::<usize>(),
        controls.len()
    );
    let sentence = coverage.sentence();
    for expected in [
        format!("{} playbooks answer ", CATALOGUE.len()),
        format!(
            "{} Security Hub controls across {} services (",
            controls.len(),
            coverage.services.len()
        ),
    ] {
        assert!(sentence.contains(&expected), "{expected:?} in {sentence}");
    }
}

#[test]
fn every_catalogue_service_guardduty_family_and_inspector_is_named() {
    let sentence = Coverage::of(CATALOGUE).sentence();
    for trigger in CATALOGUE.iter().flat_map(|s| s.triggers.iter()) {
        let expected = match trigger {
            Trigger::Control(id) => {
                service_name(id.split_once('.').map_or(*id, |(p, _)| p)).to_owned()
            }
            Trigger::GuardDutyResourceType(kind) => format!("`*:{kind}/*`"),
            Trigger::GuardDutyFamily { purpose, resource } => format!("`{purpose}:{resource}/*`"),
            Trigger::InspectorVulnerability => "Amazon Inspector".to_owned(),
            Trigger::ConfigRule(_) => "AWS Config managed rule".to_owned(),
        };
        assert!(
            sentence.contains(&expected),
            "{trigger}: {expected:?} in {sentence}"
        );
    }
}

#[test]
fn an_unknown_service_prefix_is_printed_as_it_is() {
    let spec = spec(&[
        Trigger::Control("Foo.1"),
        Trigger::Control("SSM.4"),
        Trigger::Control("nodot"),
        Trigger::Control("Foo.2"),
        Trigger::Control("Foo.1"),
    ]);
    let coverage = Coverage::of(&[&spec]);
    assert_eq!(coverage.controls, ["Foo.1", "Foo.2", "SSM.4", "nodot"]);
    assert_eq!(
        coverage.services,
        [
            ("Foo".to_owned(), 2),
            ("Systems Manager".to_owned(), 1),
            ("nodot".to_owned(), 1)
        ]
    );
    assert_eq!(
        coverage.sentence(),
        "**What it answers.** 1 playbook answers 4 Security Hub controls across 3 services (Foo, Systems Manager and nodot)."
    );
    assert_eq!(service_name(""), "");
}

#[test]
fn guardduty_families_are_grouped_by_resource_type_in_catalogue_order() {
    let first = spec(&[
        Trigger::GuardDutyFamily {
            purpose: "Backdoor",
            resource: "EC2",
        },
        Trigger::GuardDutyResourceType("IAMUser"),
    ]);
    let second = spec(&[
        Trigger::GuardDutyFamily {
            purpose: "Trojan",
            resource: "EC2",
        },
        Trigger::GuardDutyFamily {
            purpose: "Backdoor",
            resource: "EC2",
        },
        Trigger::GuardDutyResourceType("Runtime"),
        Trigger::InspectorVulnerability,
        Trigger::ConfigRule("s3-bucket-logging-enabled"),
    ]);
    let coverage = Coverage::of(&[&first, &second]);
    assert_eq!(coverage.guardduty.len(), 3);
    assert_eq!(
        coverage.guardduty[0],
        (
            "EC2",
            vec!["Backdoor:EC2/*".to_owned(), "Trojan:EC2/*".to_owned()]
        )
    );
    assert!(coverage.controls.is_empty() && coverage.inspector);
    assert_eq!(
        coverage.sentence(),
        "**What it answers.** 2 playbooks answer the findings of 1 AWS Config managed rule (Security Hub's AWS Config \
         integration); GuardDuty findings on EC2 instances (`Backdoor:EC2/*`, `Trojan:EC2/*`), IAM users \
         (`*:IAMUser/*`) and Runtime (`*:Runtime/*`); and Amazon Inspector's HIGH and CRITICAL package \
         vulnerabilities."
    );
}

#[test]
fn no_playbook_answers_no_finding() {
    assert_eq!(
        Coverage::of(&[]).sentence(),
        "**What it answers.** 0 playbooks answer no finding."
    );
}

#[test]
fn the_summary_block_is_replaced_between_its_markers_only() {
    let block = render_summary_block();
    assert!(block.starts_with(SUMMARY_BEGIN) && block.ends_with(SUMMARY_END));
    let readme =
        format!("# R\n\nintro\n\n{SUMMARY_BEGIN}\nstale: 41 controls\n{SUMMARY_END}\n\nrest\n");
    let rendered = with_summary(&readme).unwrap_or_default();
    assert_eq!(rendered, format!("# R\n\nintro\n\n{block}\n\nrest\n"));
    assert_eq!(with_summary(&rendered).as_deref(), Some(rendered.as_str()));
    assert_eq!(with_summary("# R\n\nno markers\n"), None);
}
