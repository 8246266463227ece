use super::*;

#[test]
fn the_example_document_is_the_defaults() {
    let example = Settings::parse(EXAMPLE).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(example, Settings::default());
    // What `config show` prints reads back as the same settings.
    assert_eq!(Settings::parse(&example.to_toml()), Ok(example));
}

#[test]
fn every_error_is_reported_with_its_line_and_column() {
    let text = "\
[remediation]
severity_threshold = \"SEVERE\"
guardduty_threshold = 12.5
colour = \"blue\"

[scope]
exclude_accounts = [\"1234\"]

[unknown]
key = 1

[playbooks]
public-bucket = \"sometimes\"
delete-everything = \"auto\"
instance-isolation = \"auto\"
";
    let errors = Settings::parse(text).err().unwrap_or_default();
    let at: Vec<(usize, usize)> = errors.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(
        at,
        vec![(2, 22), (3, 23), (4, 1), (7, 20), (9, 2), (13, 17), (14, 1)],
        "{errors:#?}"
    );
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let all = text.join("\n");
    for needle in [
        "SEVERE",
        "12.5",
        "colour",
        "1234",
        "unknown",
        "sometimes",
        "delete-everything",
    ] {
        assert!(all.contains(needle), "{needle} not reported:\n{all}");
    }
}

#[test]
fn a_syntax_error_is_reported_and_ends_the_check() {
    let errors = Settings::parse("[remediation\nseverity_threshold = 1\n")
        .err()
        .unwrap_or_default();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].line, 1);
}

#[test]
fn values_are_checked_where_they_stand() {
    for (text, needle) in [
        (
            "[principals]\nprotected = [\"alice\"]",
            "IAM user or role ARN",
        ),
        (
            "[scope]\ninclude_ous = [\"finance\"]",
            "organizational unit",
        ),
        ("[scope]\nregions = [\"mars\"]", "AWS region"),
        (
            "[destinations]\ncloudtrail_kms_key = \"arn:aws:s3:::b\"",
            "KMS key",
        ),
        (
            "[destinations]\naccess_log_bucket = \"Logs_Bucket\"",
            "S3 bucket name",
        ),
        (
            "[destinations]\nflow_log_destination = \"logs\"",
            "S3 bucket ARN",
        ),
        ("[approval]\nexpiry_hours = 0", "from 1 to 720"),
        ("[remediation]\nmax_per_account = 65", "from 1 to 64"),
        ("[pacing]\nec2 = 0", "from 0.1 to 10000"),
        ("[notifications]\nstatuses = [\"everything\"]", "everything"),
    ] {
        let errors = Settings::parse(text).err().unwrap_or_default();
        assert!(
            errors.len() == 1 && errors[0].line == 2 && errors[0].message.contains(needle),
            "{text}: {errors:#?}"
        );
    }
}

fn repo_file(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_readme_settings_block_is_current() {
    let readme = repo_file("README.md");
    assert_eq!(
        docs::with_block(&readme).as_deref(),
        Some(readme.as_str()),
        "README.md's settings block is stale: run `riposte docs render`"
    );
}

#[test]
fn the_hub_stack_wires_exactly_the_variables_the_hub_reads() {
    let template = repo_file("cloudformation/hub.yaml");
    let start = template
        .find("        Variables:\n          RIPOSTE_")
        .unwrap_or_else(|| panic!("no function environment in hub.yaml"));
    let mut wired: Vec<&str> = template[start..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("          ") || l.trim_start().starts_with('#'))
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.trim().split(':').next())
        .collect();
    wired.sort_unstable();
    let mut read: Vec<&str> = crate::config::VARIABLES
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !docs::NOT_WIRED.contains(name))
        .collect();
    read.sort_unstable();
    assert_eq!(wired, read);
}
