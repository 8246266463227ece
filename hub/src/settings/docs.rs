//! The README's settings block, generated from the one source the hub reads: the environment variables
//! (`config::VARIABLES`, also `riposte --help`, and what the hub stack wires) and the settings document's
//! defaults (`Settings::default()`, also `config/riposte.example.toml`).

use super::Settings;
use crate::config::VARIABLES;

pub const BEGIN: &str = "<!-- BEGIN GENERATED settings: riposte docs render, do not edit -->";
pub const END: &str = "<!-- END GENERATED settings -->";

/// Variables the hub stack does not set: the region comes from Lambda, a file is for the CLI, and the
/// TTL keeps its default.
pub const NOT_WIRED: &[&str] = &[
    "AWS_REGION",
    "RIPOSTE_CONFIG_FILE",
    "RIPOSTE_SETTINGS_TTL_SECONDS",
];

pub fn render_block() -> String {
    let mut text = format!(
        "{BEGIN}\n| environment variable | meaning | set by the hub stack |\n|---|---|---|\n"
    );
    for (name, meaning) in VARIABLES {
        let wired = if NOT_WIRED.contains(name) {
            "no"
        } else {
            "yes"
        };
        text.push_str(&format!("| `{name}` | {meaning} | {wired} |\n"));
    }
    text.push_str(
        "\nThe settings document with every default (`riposte config example` prints the commented one, \
         `config/riposte.example.toml`):\n\n```toml\n",
    );
    text.push_str(Settings::default().to_toml().trim_end());
    text.push_str(&format!("\n```\n{END}"));
    text
}

/// `readme` with its settings block replaced; `None` when the markers are missing.
pub fn with_block(readme: &str) -> Option<String> {
    let start = readme.find(BEGIN)?;
    let stop = readme[start..].find(END)? + start + END.len();
    Some(format!(
        "{}{}{}",
        &readme[..start],
        render_block(),
        &readme[stop..]
    ))
}
