//! `riposte playbooks`: the catalogue for people. The default is one line per playbook; `--long` adds
//! the steps and IAM actions; `--output json` is the same content with plain words (no template
//! placeholders, no internal enum spellings).

use riposte_shared::catalogue::CATALOGUE;
use riposte_shared::spec::{Inverse, Mode, PlaybookSpec, Risk, Trigger};
use serde_json::{json, Value};

use super::{print_json, Output};

pub(super) fn playbooks(output: Output, long: bool) {
    match output {
        Output::Json => print_json(&CATALOGUE.iter().map(|s| as_json(s)).collect::<Vec<_>>()),
        Output::Table if long => outln!("{}", long_table()),
        Output::Table => outln!("{}", compact_table()),
    }
}

/// One line per playbook: id, triggers, mode, risk, undo.
fn compact_table() -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(vec!["id", "answers", "mode", "risk", "undo"]);
    for spec in CATALOGUE {
        table.add_row(vec![
            spec.id.to_owned(),
            compact_triggers(spec.triggers),
            spec.mode.to_string(),
            risk(spec.risk).to_owned(),
            undo(spec.undo).0.to_owned(),
        ]);
    }
    table
}

/// Every field: the steps and the IAM actions too.
fn long_table() -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
        .set_width(160)
        .set_header(vec![
            "id",
            "triggers",
            "mode",
            "steps",
            "IAM actions",
            "risk",
            "undo",
        ]);
    for spec in CATALOGUE {
        let triggers: Vec<String> = spec.triggers.iter().map(ToString::to_string).collect();
        let actions: Vec<&str> = spec.grants.iter().map(|g| g.action).collect();
        let (undo, detail) = undo(spec.undo);
        table.add_row(vec![
            spec.id.to_owned(),
            triggers.join("\n"),
            spec.mode.to_string(),
            spec.steps.join("\n"),
            actions.join("\n"),
            risk(spec.risk).to_owned(),
            format!("{undo}: {detail}"),
        ]);
    }
    table
}

/// Control ids and GuardDuty/Inspector families as written; Config rules counted.
fn compact_triggers(triggers: &[Trigger]) -> String {
    let mut parts: Vec<String> = triggers
        .iter()
        .filter(|t| !matches!(t, Trigger::ConfigRule(_)))
        .map(|t| match t {
            Trigger::InspectorVulnerability => "Inspector vulnerabilities".to_owned(),
            other => other.to_string(),
        })
        .collect();
    match triggers
        .iter()
        .filter(|t| matches!(t, Trigger::ConfigRule(_)))
        .count()
    {
        0 => {}
        1 => parts.push("+1 Config rule".into()),
        n => parts.push(format!("+{n} Config rules")),
    }
    parts.join(" ")
}

fn risk(risk: Risk) -> &'static str {
    match risk {
        Risk::Low => "low",
        Risk::Disruptive => "disruptive",
    }
}

/// (`automatic` or `by hand`, what it means).
fn undo(inverse: Inverse) -> (&'static str, &'static str) {
    match inverse {
        Inverse::Restores(what) => ("automatic", what),
        Inverse::None(why) => ("by hand", why),
    }
}

/// A playbook in plain words.
fn as_json(spec: &PlaybookSpec) -> Value {
    let (undo, undo_detail) = undo(spec.undo);
    let actions: Vec<Value> = spec
        .grants
        .iter()
        .map(|g| {
            let mut action = json!({
                "action": g.action,
                "resource_type": g.scope.describe(),
            });
            if let Some(c) = g.condition {
                action["only_when"] = json!(format!("{} {} = {}", c.test, c.key, plain(c.value)));
            }
            action
        })
        .collect();
    let mut out = json!({
        "id": spec.id,
        "title": spec.title,
        "answers": spec.triggers.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "mode": spec.mode.to_string(),
        "risk": risk(spec.risk),
        "threat": spec.threat,
        "steps": spec.steps,
        "iam_actions": actions,
        "undo": undo,
        "undo_detail": undo_detail,
    });
    if let Mode::Notify(why) = spec.mode {
        out["notify_reason"] = json!(why);
    }
    out
}

/// A grant condition's value without CloudFormation's placeholders: the partition is AWS's commercial
/// one in the example, the account is the member account's own.
fn plain(value: &str) -> String {
    value
        .replace("${AWS::Partition}", "aws")
        .replace("${AWS::AccountId}", "<member account>")
}
