//! The catalogue listing and the generated files (spoke template, event pattern, README blocks).

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
        outln!("{display} is current");
    } else {
        std::fs::write(&path, content).map_err(|source| HubError::Write {
            path: display.clone(),
            source,
        })?;
        outln!("wrote {display}");
    }
    Ok(0)
}
