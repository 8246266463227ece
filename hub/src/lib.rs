//! Riposte's hub: the AWS adapters behind the domain's ports, the session cache, the engine that runs
//! playbooks concurrently, and the two entry points (Lambda `bootstrap`, CLI `riposte`).

pub mod aws;
pub mod cli;
pub mod config;
pub mod engine;
pub mod error;
pub mod lambda;
pub mod report;
pub mod settings;

pub use error::HubError;
