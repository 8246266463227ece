//! What Riposte answers, counted from the playbook catalogue: the README's generated summary (playbooks,
//! Security Hub controls and their services, Config rules, GuardDuty families, Inspector). Prose never states a
//! count of its own, so the docs cannot drift from the product.

use riposte_shared::catalogue::{PlaybookSpec, Trigger, CATALOGUE, INSPECTOR_SEVERITIES};

pub const SUMMARY_BEGIN: &str =
    "<!-- BEGIN GENERATED summary: riposte docs render, do not edit -->";
pub const SUMMARY_END: &str = "<!-- END GENERATED summary -->";

/// The findings a set of playbooks answers, each kind deduplicated, in a stable order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    pub playbooks: usize,
    /// Distinct Security Hub control ids, sorted.
    pub controls: Vec<&'static str>,
    /// The controls' services, readable, with how many controls each: most controls first, then by name.
    pub services: Vec<(String, usize)>,
    /// Distinct AWS Config managed rules, sorted.
    pub config_rules: Vec<&'static str>,
    /// GuardDuty finding families per resource type (`IAMUser`, `EC2`), in catalogue order:
    /// the type patterns (`*:IAMUser/*`, `Backdoor:EC2/*`).
    pub guardduty: Vec<(&'static str, Vec<String>)>,
    pub inspector: bool,
}

impl Coverage {
    pub fn of(specs: &[&PlaybookSpec]) -> Self {
        let mut coverage = Coverage {
            playbooks: specs.len(),
            ..Coverage::default()
        };
        for trigger in specs.iter().flat_map(|s| s.triggers.iter()) {
            match trigger {
                Trigger::Control(id) => coverage.controls.push(id),
                Trigger::ConfigRule(rule) => coverage.config_rules.push(rule),
                Trigger::GuardDutyResourceType(kind) => {
                    coverage.add_guardduty(kind, format!("*:{kind}/*"))
                }
                Trigger::GuardDutyFamily { purpose, resource } => {
                    coverage.add_guardduty(resource, format!("{purpose}:{resource}/*"))
                }
                Trigger::InspectorVulnerability => coverage.inspector = true,
            }
        }
        for list in [&mut coverage.controls, &mut coverage.config_rules] {
            list.sort_unstable();
            list.dedup();
        }
        coverage.services = services(&coverage.controls);
        coverage
    }

    fn add_guardduty(&mut self, resource: &'static str, pattern: String) {
        match self.guardduty.iter_mut().find(|(r, _)| *r == resource) {
            Some((_, patterns)) if patterns.contains(&pattern) => {}
            Some((_, patterns)) => patterns.push(pattern),
            None => self.guardduty.push((resource, vec![pattern])),
        }
    }

    /// The summary: one sentence.
    pub fn sentence(&self) -> String {
        let mut answers = Vec::new();
        if !self.controls.is_empty() {
            let names: Vec<&str> = self.services.iter().map(|(s, _)| s.as_str()).collect();
            answers.push(format!(
                "{} across {} ({})",
                count(
                    self.controls.len(),
                    "Security Hub control",
                    "Security Hub controls"
                ),
                count(self.services.len(), "service", "services"),
                and_list(&names)
            ));
        }
        if !self.config_rules.is_empty() {
            answers.push(format!(
                "the findings of {} (Security Hub's AWS Config integration)",
                count(
                    self.config_rules.len(),
                    "AWS Config managed rule",
                    "AWS Config managed rules"
                )
            ));
        }
        if !self.guardduty.is_empty() {
            let families: Vec<String> = self
                .guardduty
                .iter()
                .map(|(resource, patterns)| {
                    let patterns: Vec<String> = patterns.iter().map(|p| format!("`{p}`")).collect();
                    format!("{} ({})", guardduty_resource(resource), patterns.join(", "))
                })
                .collect();
            answers.push(format!("GuardDuty findings on {}", and_list(&families)));
        }
        if self.inspector {
            answers.push(format!(
                "Amazon Inspector's {} package vulnerabilities",
                and_list(&INSPECTOR_SEVERITIES)
            ));
        }
        let verb = if self.playbooks == 1 {
            "answers"
        } else {
            "answer"
        };
        // Semicolons: the clauses hold commas of their own.
        let answers = match answers.as_slice() {
            [] => "no finding".to_owned(),
            [only] => only.clone(),
            [init @ .., last] => format!("{}; and {last}", init.join("; ")),
        };
        format!(
            "**What it answers.** {} {verb} {answers}.",
            count(self.playbooks, "playbook", "playbooks")
        )
    }
}

/// The services of `controls` (the prefix before the first `.`: `S3.2` → S3), readable, with how many
/// controls each; most controls first, then by name.
pub fn services(controls: &[&str]) -> Vec<(String, usize)> {
    let mut services: Vec<(String, usize)> = Vec::new();
    for id in controls {
        let prefix = id.split_once('.').map_or(*id, |(prefix, _)| prefix);
        let name = service_name(prefix);
        match services.iter_mut().find(|(s, _)| s == name) {
            Some((_, n)) => *n += 1,
            None => services.push((name.to_owned(), 1)),
        }
    }
    services.sort_by(|(a, m), (b, n)| n.cmp(m).then_with(|| a.cmp(b)));
    services
}

/// A Security Hub control prefix as readers know the service; an unknown prefix as it is.
pub fn service_name(prefix: &str) -> &str {
    match prefix {
        "ACM" => "Certificate Manager",
        "APIGateway" => "API Gateway",
        "AutoScaling" => "EC2 Auto Scaling",
        "ElasticBeanstalk" => "Elastic Beanstalk",
        "ELB" => "Elastic Load Balancing",
        "ES" | "Opensearch" => "OpenSearch",
        "MQ" => "Amazon MQ",
        "NetworkFirewall" => "Network Firewall",
        "Route53" => "Route 53",
        "SecretsManager" => "Secrets Manager",
        "SSM" => "Systems Manager",
        "StepFunctions" => "Step Functions",
        other => other,
    }
}

/// A GuardDuty resource type (the part after `ThreatPurpose:`) as a plural noun; an unknown one as it is.
fn guardduty_resource(resource: &str) -> &str {
    match resource {
        "IAMUser" => "IAM users",
        "EC2" => "EC2 instances",
        "S3" => "S3 buckets",
        "Kubernetes" => "EKS clusters",
        "Lambda" => "Lambda functions",
        "RDS" => "RDS databases",
        other => other,
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `a`, `a and b`, `a, b and c`.
fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [only] => only.as_ref().to_owned(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

/// The README's summary block, markers included, from the catalogue.
pub fn render_summary_block() -> String {
    format!(
        "{SUMMARY_BEGIN}\n{}\n{SUMMARY_END}",
        Coverage::of(CATALOGUE).sentence()
    )
}

/// `readme` with its marked summary replaced; `None` when the markers are missing.
pub fn with_summary(readme: &str) -> Option<String> {
    super::replace_block(readme, SUMMARY_BEGIN, SUMMARY_END, &render_summary_block())
}

#[cfg(test)]
#[path = "coverage_tests.rs"]
mod tests;
