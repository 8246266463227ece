#![no_main]
//! cargo +nightly fuzz run route_decide (see docs/fuzzing.md).

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::route_decide(data));
