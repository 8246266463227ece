#![no_main]
//! cargo +nightly fuzz run event_decoder (see docs/fuzzing.md).

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::event_decoder(data));
