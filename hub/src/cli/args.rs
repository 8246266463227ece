//! The subcommands' own arguments.

use clap::Subcommand;

use super::{operator, Output};

#[derive(Subcommand, Debug)]
pub enum SpokesCommand {
    /// Try the spoke role in every active account of the organization (and each covered region); print
    /// ok / role missing / access denied / suspended / out of scope; exit 1 when an in-scope account is
    /// not ok.
    Verify {
        #[command(flatten)]
        access: operator::Access,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
}

#[derive(Subcommand, Debug)]
pub enum ActionsCommand {
    /// Create the four Riposte custom actions (approve, remediate, ignore, undo) in this account and
    /// region, as the hub stack does; existing ones are kept.
    Create {
        #[command(flatten)]
        access: operator::Access,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigAction {
    /// Check a settings document: every error with line and column; exit 2 when any.
    Check {
        /// The TOML document (see `riposte config example`).
        file: std::path::PathBuf,
    },
    /// Print the effective settings: the wiring from the environment and the document in force
    /// (RIPOSTE_CONFIG_PARAMETER read from SSM, else RIPOSTE_CONFIG_FILE, else the defaults).
    Show {
        #[command(flatten)]
        access: operator::Access,
    },
    /// Print the commented example document (the defaults).
    Example,
}

#[derive(Subcommand, Debug)]
pub enum Render {
    /// Write the generated file (or, with --check, fail when the committed one is stale).
    Render {
        /// Repository root.
        #[arg(long, default_value = ".")]
        repo: std::path::PathBuf,
        /// Do not write; exit 2 when the committed file differs from what would be generated.
        #[arg(long)]
        check: bool,
    },
    /// Print the generated content to stdout.
    Print,
}
