//! Every command the README's "two commands" block tells a newcomer to run is run by CI (`.ci/run`), so a
//! broken front door fails CI instead of the first minute of a new user.

use crate::repo_root;

/// The commands of the README's first `bash` block under "## See it work", comments stripped.
fn readme_commands(readme: &str) -> Vec<String> {
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("See it work"))
        .unwrap_or_default();
    let block = section
        .split("```bash\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .unwrap_or_default();
    block
        .lines()
        .map(|l| l.split(" #").next().unwrap_or_default().trim().to_owned())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// The commands `.ci/run` runs: its lines, without comments and surrounding whitespace.
fn ci_lines(script: &str) -> Vec<String> {
    script
        .lines()
        .map(|l| l.split(" #").next().unwrap_or_default().trim().to_owned())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

#[test]
fn ci_runs_every_command_of_the_readme_two_commands_block() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap_or_default();
    let ci = std::fs::read_to_string(repo_root().join(".ci/run")).unwrap_or_default();
    let commands = readme_commands(&readme);
    assert!(
        commands.len() >= 2,
        "the README's \"See it work\" block lost its commands: {commands:?}"
    );
    let lines = ci_lines(&ci);
    for command in &commands {
        assert!(
            lines.iter().any(|l| l == command),
            ".ci/run does not run the README's `{command}` (as a line of its own)"
        );
    }
}

#[test]
fn a_command_missing_from_ci_is_found() {
    let readme = "# R\n\n## See it work — two commands\n\n```bash\ncargo run -p x --bin demo   # 1. demo\nscripts/test  # 2. all\n```\n";
    let commands = readme_commands(readme);
    assert_eq!(commands, ["cargo run -p x --bin demo", "scripts/test"]);
    let lines = ci_lines("set -e\n# cargo run -p x --bin demo\nscripts/test\n");
    assert!(lines.iter().any(|l| l == "scripts/test"));
    assert!(!lines.iter().any(|l| l == "cargo run -p x --bin demo"));
}
