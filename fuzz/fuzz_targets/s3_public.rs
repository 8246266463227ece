#![no_main]
//! cargo +nightly fuzz run s3_public (see docs/fuzzing.md).

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::s3_public(data));
