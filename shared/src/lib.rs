//! Riposte's pure domain: what a finding says, which playbook answers it, whether to act, how to act
//! (against port traits), and what to write back and tell the team. No I/O, no AWS SDK, no async runtime.

pub mod approval;
pub mod arn;
pub mod asff;
pub mod audit;
pub mod catalogue;
pub mod error;
pub mod event;
pub mod grants;
pub mod ids;
pub mod notify;
pub mod playbooks;
pub mod policy;
pub mod ports;
pub mod routing;
pub mod s3_public;
pub mod spec;
pub mod target;
pub mod vulnerability;
pub mod writeback;

#[cfg(any(test, feature = "fake"))]
pub mod fake;

pub use error::Error;
