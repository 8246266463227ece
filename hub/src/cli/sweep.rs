//! `riposte sweep`: remediate what existed before Riposte (or while it was paused). Pages GetFindings for
//! active NEW findings — FAILED controls a playbook answers, GuardDuty findings — within the filters, keeps
//! those a playbook answers, and runs them through the same engine in batches of 100 (one grouped
//! write-back per batch), paced under GetFindings' 3 and BatchUpdateFindings' 10 requests a second.
//! `--dry-run` decides without changing anything. A progress bar on a terminal, JSON lines otherwise.

use aws_sdk_securityhub::types::{AwsSecurityFindingFilters, DateFilter, DateRange, DateRangeUnit};
use clap::Args;
use riposte_shared::event::{Content, Message, Source};
use riposte_shared::routing::{route, Route};
use std::io::IsTerminal;

use super::operator::{connect, Access};
use super::{engine_from, Output};
use crate::aws::securityhub::{equals, SecurityHub};
use crate::config::Config;
use crate::engine::Mode;
use crate::HubError;

/// Findings per engine run: one write-back call per identical outcome.
const BATCH: usize = 100;

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Only these controls (consolidated ids such as S3.8); repeatable. Default: every control a playbook
    /// answers, and GuardDuty findings.
    #[arg(long)]
    pub control: Vec<String>,
    /// Only findings of these member accounts; repeatable.
    #[arg(long)]
    pub account: Vec<String>,
    /// Only findings in these regions (the finding's `Region`); repeatable.
    #[arg(long = "in-region")]
    pub in_region: Vec<String>,
    /// Only findings updated in the last N days.
    #[arg(long)]
    pub since_days: Option<i32>,
    /// At most this many findings.
    #[arg(long, default_value_t = 10_000)]
    pub limit: usize,
    /// List what would happen; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub access: Access,
    #[arg(long, value_enum, default_value_t = Output::Json)]
    pub output: Output,
}

fn filters(args: &SweepArgs, controls: &[&str], guardduty: bool) -> AwsSecurityFindingFilters {
    let mut f = AwsSecurityFindingFilters::builder();
    if guardduty {
        f = f.product_name(equals("GuardDuty"));
    } else {
        f = f.compliance_status(equals("FAILED"));
        f = f
            .set_compliance_security_control_id(Some(controls.iter().map(|c| equals(c)).collect()));
    }
    if !args.account.is_empty() {
        f = f.set_aws_account_id(Some(args.account.iter().map(|a| equals(a)).collect()));
    }
    if !args.in_region.is_empty() {
        f = f.set_region(Some(args.in_region.iter().map(|r| equals(r)).collect()));
    }
    if let Some(days) = args.since_days {
        f = f.updated_at(
            DateFilter::builder()
                .date_range(
                    DateRange::builder()
                        .value(days)
                        .unit(DateRangeUnit::Days)
                        .build(),
                )
                .build(),
        );
    }
    f.build()
}

/// The control ids the catalogue answers (or the ones asked for), in filters of at most 20 values.
fn control_ids(args: &SweepArgs) -> Vec<String> {
    if !args.control.is_empty() {
        return args.control.clone();
    }
    let mut ids: Vec<String> = riposte_shared::catalogue::CATALOGUE
        .iter()
        .flat_map(|s| s.triggers.iter())
        .filter_map(|t| match t {
            riposte_shared::spec::Trigger::Control(id) if !id.contains(' ') => {
                Some((*id).to_owned())
            }
            _ => None,
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

pub async fn run(args: SweepArgs) -> Result<i32, HubError> {
    let config = Config::from_env()?;
    let (sdk, _) = connect(&args.access).await?;
    let hub = SecurityHub::new(&sdk);
    let read = |e: riposte_shared::ports::PortError| {
        HubError::Usage(format!("cannot read the findings from Security Hub: {e}"))
    };
    let ids = control_ids(&args);
    let mut found = Vec::new();
    for chunk in ids.chunks(20) {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        found.extend(
            hub.active_new(filters(&args, &refs, false), args.limit)
                .await
                .map_err(read)?,
        );
    }
    if args.control.is_empty() {
        found.extend(
            hub.active_new(filters(&args, &[], true), args.limit)
                .await
                .map_err(read)?,
        );
    }
    found.retain(|f| matches!(route(f), Route::Playbook { .. }));
    found.truncate(args.limit);
    let engine = engine_from(&sdk, config, false);
    let mode = if args.dry_run {
        Mode::Plan
    } else {
        Mode::Remediate
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(found.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} findings {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let (mut failed, mut total) = (false, 0usize);
    for batch in found.chunks(BATCH) {
        let message = Message {
            id: None,
            receive_count: None,
            content: Ok(Content {
                source: Source::Sweep,
                region: sdk
                    .region()
                    .and_then(|r| riposte_shared::ids::Region::parse(r.as_ref()).ok()),
                findings: batch.iter().cloned().map(Ok).collect(),
            }),
        };
        let report = engine.run(vec![message], mode).await;
        failed |= report.any_failed();
        total += report.findings.len();
        for f in &report.findings {
            match (&bar, args.output) {
                (Some(bar), _) => {
                    bar.set_message(format!("{} {}", f.decision.as_str(), f.resource))
                }
                (None, Output::Json) => {
                    outln!("{}", serde_json::to_string(f).unwrap_or_default())
                }
                (None, Output::Table) => outln!(
                    "{:<14} {:<24} {} {}",
                    f.decision.as_str(),
                    f.playbook.as_deref().unwrap_or("-"),
                    f.account,
                    f.resource
                ),
            }
        }
        if let Some(bar) = &bar {
            bar.inc(batch.len() as u64);
        }
        // Under BatchUpdateFindings' 10 requests a second whatever the batch's outcomes.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    if let Some(bar) = bar {
        bar.finish_with_message(format!(
            "{total} findings {}",
            if args.dry_run { "planned" } else { "handled" }
        ));
    }
    Ok(if failed { 1 } else { 0 })
}
