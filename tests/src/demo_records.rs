//! The demo's second half: for one remediated finding, what the team is told (the notification), what
//! Security Hub now says (the write-back), and where the audit record is. Read back from the emulator;
//! a part that cannot be read says so and the rest still prints.

use riposte_hub::report::RunReport;
use riposte_shared::writeback::RiposteStatus;

use crate::{audit_bucket, notifications, Emulator, Scenario};

/// Print the three records of the run's first remediated finding.
pub async fn print(emulator: &Emulator, scenario: &Scenario, report: &RunReport) {
    let Some(finding) = report
        .findings
        .iter()
        .find(|f| f.status == Some(RiposteStatus::Remediated))
    else {
        println!("\n(no finding was remediated, so there is no record to show)");
        return;
    };
    let id = &finding.finding_id;
    println!(
        "\n━━ One finding end to end: {} ({})",
        finding.resource,
        finding.playbook.as_deref().unwrap_or("-")
    );
    println!("   {id}");
    notification(emulator, scenario, id).await;
    write_back(emulator, scenario, id).await;
    audit(scenario, report, id);
}

/// The Chatbot document the hub's SNS topic delivered about it (the e-mail carries the same text).
async fn notification(emulator: &Emulator, scenario: &Scenario, id: &str) {
    println!("\n▸ What the team is told (SNS → Amazon Q Developer in chat applications / e-mail):");
    let documents = notifications(emulator, scenario).await;
    let about = documents
        .iter()
        .find(|d| d["metadata"]["threadId"] == id)
        .or_else(|| documents.first());
    let Some(doc) = about else {
        println!("  (no notification was delivered)");
        return;
    };
    let content = &doc["content"];
    println!("  {}", content["title"].as_str().unwrap_or_default());
    for line in content["description"].as_str().unwrap_or_default().lines() {
        println!("  {line}");
    }
    for step in content["nextSteps"].as_array().into_iter().flatten() {
        println!("  • {}", step.as_str().unwrap_or_default());
    }
    println!(
        "  ({} notification(s) in all for this run)",
        documents.len()
    );
}

/// Security Hub's copy of the finding after the run: workflow, note and Riposte's fields.
async fn write_back(emulator: &Emulator, scenario: &Scenario, id: &str) {
    println!("\n▸ What Security Hub now says about the finding (the write-back):");
    let hub = aws_sdk_securityhub::Client::new(&emulator.sdk(scenario.hub_credentials()));
    let filters = aws_sdk_securityhub::types::AwsSecurityFindingFilters::builder()
        .id(aws_sdk_securityhub::types::StringFilter::builder()
            .comparison(aws_sdk_securityhub::types::StringFilterComparison::Equals)
            .value(id)
            .build())
        .build();
    let found = match hub.get_findings().filters(filters).send().await {
        Ok(out) => out.findings.unwrap_or_default(),
        Err(e) => {
            println!(
                "  (cannot read it back: {})",
                riposte_hub::aws::explain::sdk_error(&e)
            );
            return;
        }
    };
    let Some(f) = found.first() else {
        println!("  (Security Hub no longer holds it)");
        return;
    };
    let workflow = f
        .workflow()
        .and_then(|w| w.status())
        .map(|s| s.as_str().to_owned())
        .unwrap_or_else(|| "-".into());
    println!("  Workflow.Status  {workflow}");
    if let Some(note) = f.note() {
        println!(
            "  Note             {} (by {})",
            note.text().unwrap_or_default(),
            note.updated_by().unwrap_or_default()
        );
    }
    let mut fields: Vec<(&String, &String)> = f
        .user_defined_fields()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with("riposte:"))
        .collect();
    fields.sort();
    for (key, value) in fields {
        println!("  {key:<16} {value}");
    }
}

/// Where the run's audit record is, and what it keeps for the finding.
fn audit(scenario: &Scenario, report: &RunReport, id: &str) {
    println!("\n▸ The audit record (prior state of everything changed, for `riposte undo`):");
    let Some(key) = &report.audit_record else {
        println!("  (not archived: the hub has no audit bucket)");
        return;
    };
    let url = format!("s3://{}/{key}", audit_bucket(scenario));
    let steps = report
        .findings
        .iter()
        .find(|f| f.finding_id == id)
        .map(|f| f.steps.len())
        .unwrap_or(0);
    println!("  {url}");
    println!("  {steps} step(s) recorded for this finding; read it with `aws s3 cp {url} -`");
    println!("  undo this run: `riposte undo {}`", report.run);
}
