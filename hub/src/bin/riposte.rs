//! The `riposte` CLI; see `riposte --help`.

fn main() {
    std::process::exit(riposte_hub::cli::main());
}
