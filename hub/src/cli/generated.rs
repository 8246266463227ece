//! The catalogue listing and the generated files (spoke template, event pattern, README blocks).

use super::{print_json, Output};
use crate::HubError;

/// Regenerate `repo/relative` from its current content (`None` when it does not exist) and write it,
/// or with `check` fail when the committed file differs from what would be written.
pub(super) fn render_file(
    repo: &std::path::Path,
    relative: &str,
    check: bool,
    command: &str,
    render: impl FnOnce(Option<&str>) -> Option<String>,
) -> Result<i32, HubError> {
    let path = repo.join(relative);
    let display = path.display().to_string();
    let current = std::fs::read_to_string(&path).ok();
    let content = render(current.as_deref()).ok_or_else(|| {
        HubError::Usage(format!(
            "{display} is missing or has no generated-block markers"
        ))
    })?;
    if check {
        if current.as_deref() != Some(content.as_str()) {
            return Err(HubError::Stale {
                path: display,
                command: command.into(),
            });
        }
        println!("{display} is current");
    } else {
        std::fs::write(&path, content).map_err(|source| HubError::Write {
            path: display.clone(),
            source,
        })?;
        println!("wrote {display}");
    }
    Ok(0)
}

pub(super) fn playbooks(output: Output) {
    use riposte_shared::catalogue::CATALOGUE;
    match output {
        Output::Json => print_json(&CATALOGUE),
        Output::Table => {
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
                ]);
            for spec in CATALOGUE {
                let triggers: Vec<String> = spec.triggers.iter().map(ToString::to_string).collect();
                let actions: Vec<&str> = spec.grants.iter().map(|g| g.action).collect();
                table.add_row(vec![
                    spec.id.to_owned(),
                    triggers.join("\n"),
                    spec.mode.to_string(),
                    spec.steps.join("\n"),
                    actions.join("\n"),
                    format!("{:?}", spec.risk),
                ]);
            }
            println!("{table}");
        }
    }
}
