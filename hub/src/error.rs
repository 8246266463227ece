//! The hub's one error enum. Per-finding failures are results, not errors; these are the failures of a
//! whole invocation (bad input or configuration, AWS set-up).

use thiserror::Error;

#[derive(Debug, Error)]
pub enum HubError {
    #[error(transparent)]
    Input(#[from] riposte_shared::Error),
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is stale: run `{command}` and commit the result")]
    Stale { path: String, command: String },
    #[error("{0}")]
    Usage(String),
    /// The settings could not be read and no good ones are in force: the run's messages are retried.
    #[error("{0}")]
    Settings(String),
}

impl HubError {
    /// CLI exit code: 2 for bad input or configuration.
    pub fn exit_code(&self) -> i32 {
        2
    }
}
