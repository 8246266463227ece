//! The fuzz targets' checks on stable Rust: every committed crasher (fuzz/regressions/TARGET/) and every
//! seed the fuzzers start from (the public samples, as is and wrapped in an SQS record; the S3 policy
//! cases) must pass. A crasher found by `scripts/fuzz` is committed there and replayed here for good.

#[path = "../../fuzz/checks.rs"]
mod checks;

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.is_file() && !p.ends_with(".gitkeep"));
    out.sort();
    out
}

fn crashers(target: &str) -> Vec<Vec<u8>> {
    files(&repo().join("fuzz/regressions").join(target))
        .iter()
        .map(|p| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

/// The public samples, as is and as the body of an SQS record.
fn event_seeds() -> Vec<Vec<u8>> {
    let samples = files(&repo().join("tests/fixtures/public"));
    let samples: Vec<String> = samples
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    assert!(samples.len() >= 20, "the public samples are missing");
    samples
        .iter()
        .flat_map(|text| {
            let sqs = serde_json::json!({"Records": [{"messageId": "m-1", "body": text,
                "attributes": {"ApproximateReceiveCount": "1"}}]});
            [text.clone().into_bytes(), sqs.to_string().into_bytes()]
        })
        .collect()
}

#[test]
fn event_decoder_seeds_and_crashers() {
    for input in event_seeds().iter().chain(&crashers("event_decoder")) {
        checks::event_decoder(input);
    }
}

#[test]
fn route_decide_seeds_and_crashers() {
    for input in event_seeds().iter().chain(&crashers("route_decide")) {
        checks::route_decide(input);
    }
}

#[test]
fn s3_public_seeds_and_crashers() {
    let text = std::fs::read_to_string(repo().join("tests/fixtures/s3-public-statements.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let cases: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let statements: Vec<serde_json::Value> = cases["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["statement"].clone())
        .collect();
    assert!(!statements.is_empty());
    let mut inputs: Vec<Vec<u8>> = statements
        .iter()
        .map(|s| {
            serde_json::json!({"Version": "2012-10-17", "Statement": [s]})
                .to_string()
                .into_bytes()
        })
        .collect();
    inputs.push(
        serde_json::json!({"Version": "2012-10-17", "Statement": statements})
            .to_string()
            .into_bytes(),
    );
    for input in inputs.iter().chain(&crashers("s3_public")) {
        checks::s3_public(input);
    }
}
