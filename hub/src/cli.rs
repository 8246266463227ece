//! The `riposte` command line: the same engine as the Lambda, one module-level function per command.

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Read;

use crate::aws::audit::AuditArchive;
use crate::aws::securityhub::SecurityHub;
use crate::aws::sessions::SessionCache;
use crate::aws::sns::{Notifier, Sns};
use crate::config::{Config, VARIABLES};
use crate::engine::{Engine, Mode};
use crate::HubError;
use riposte_shared::event::AnalystAction;

#[macro_use]
mod out;
mod args;
mod catalogue_view;
mod generated;
pub mod operator;
mod process;
mod settings_cmd;
mod spokes;
mod sweep;

pub use args::{ActionsCommand, ConfigAction, Render, SpokesCommand};
use catalogue_view::playbooks;
use generated::render_file;
pub use process::{init_logging, json_subscriber, runtime};

pub type HubEngine = Engine<SessionCache, SecurityHub, Notifier>;

const AFTER_HELP: &str = "\
Input (--event FILE, or - for stdin): an EventBridge \"Security Hub Findings - Imported\" or \"- Custom Action\"
event, an SQS event carrying them, a bare ASFF finding or a list of them, or a GetFindings response.

Exit codes: 0 every finding handled, 1 some finding failed, 2 bad input (also when only some findings
were unreadable: the others are still handled) or configuration, 141 standard output closed by its reader
(`riposte playbooks | head -1`).

AWS endpoint, region and credentials come from the standard AWS chain (AWS_REGION, AWS_ENDPOINT_URL,
AWS_PROFILE or keys). Riposte's own settings, from the environment:";

#[derive(Parser, Debug)]
#[command(name = "riposte", version, about = "Multi-account AWS security auto-remediation on Security Hub", after_help = after_help())]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

fn after_help() -> String {
    let mut text = AFTER_HELP.to_owned();
    for (name, meaning) in VARIABLES {
        text.push_str(&format!("\n  {name:<34} {meaning}"));
    }
    text
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Output {
    Table,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Remediate the findings in an event (or the findings named by --finding, whatever their
    /// playbook's mode): assume the spoke role, fix, verify, write back, notify.
    Remediate {
        /// Event file, or - for standard input.
        #[arg(long, required_unless_present = "finding", conflicts_with = "finding")]
        event: Option<String>,
        /// Finding ids to remediate now, as the "Riposte: remediate" custom action does.
        #[arg(long, num_args = 1..)]
        finding: Vec<String>,
        #[command(flatten)]
        access: operator::Access,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Approve findings awaiting approval: their playbooks run now. Refused (exit 1, with the reason)
    /// when the request expired, the finding changed since, or it is no longer awaiting approval.
    Approve(operator::OnFindings),
    /// Suppress findings with a note: Riposte never acts on them.
    Ignore(operator::OnFindings),
    /// Restore what Riposte changed for these findings, or for every finding of a run (`r-…`, from the
    /// audit archive); refused, saying what changed, when a resource changed since.
    Undo(operator::OnFindings),
    /// Remediate the active NEW findings that existed before Riposte (filters: control, account,
    /// region, age); --dry-run lists what would happen.
    Sweep(sweep::SweepArgs),
    /// Member accounts' spoke roles.
    Spokes {
        #[command(subcommand)]
        action: SpokesCommand,
    },
    /// Security Hub custom actions.
    Actions {
        #[command(subcommand)]
        action: ActionsCommand,
    },
    /// Show what `remediate` would do for each finding, without any AWS call.
    Plan {
        /// Event file, or - for standard input.
        #[arg(long)]
        event: String,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// List the playbook catalogue: one line per playbook (id, what it answers, default mode, risk,
    /// undo); --long adds the steps and the IAM actions in member accounts.
    Playbooks {
        /// Every field: steps and IAM actions too.
        #[arg(long)]
        long: bool,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// The settings document: check a draft, show what is in force, print the commented example.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// The spoke role StackSet template, derived from the playbook catalogue.
    SpokeRole {
        #[command(subcommand)]
        action: Render,
    },
    /// The hub's "Imported" EventBridge pattern (inside cloudformation/hub.yaml), derived from the catalogue.
    EventPattern {
        #[command(subcommand)]
        action: Render,
    },
    /// The README's playbook table, derived from the catalogue.
    Docs {
        #[command(subcommand)]
        action: Render,
    },
}

/// Build the engine from the environment: one SdkConfig (one HTTP client) shared by everything.
pub async fn build_engine(emit_metrics: bool) -> Result<HubEngine, HubError> {
    let config = Config::from_env()?;
    let sdk = crate::aws::load_sdk_config().await;
    if sdk.region().is_none() {
        return Err(HubError::Usage(crate::aws::explain::NO_REGION.into()));
    }
    Ok(engine_from(&sdk, config, emit_metrics))
}

/// An engine over the given SDK configuration (used by tests against the emulator too).
pub fn engine_from(sdk: &aws_config::SdkConfig, config: Config, emit_metrics: bool) -> HubEngine {
    let session_name = format!(
        "riposte-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let spokes = SessionCache::new(sdk.clone(), &config.policy.spoke_role_name, &session_name);
    let pacer = spokes.pacer();
    pacer.set(&config.document.pacing);
    Engine {
        spokes,
        pacer: Some(pacer),
        findings: SecurityHub::new(sdk),
        notifier: match &config.sns_topic_arn {
            Some(topic) => Notifier::Sns(Sns::new(sdk, topic)),
            None => Notifier::Off,
        },
        audit: config
            .audit_bucket
            .as_ref()
            .map(|(bucket, owner)| AuditArchive::new(sdk, bucket, owner)),
        limits: config
            .limits_table
            .as_deref()
            .map(|table| crate::aws::limits::Limiter::new(sdk, table)),
        live: crate::settings::live::LiveSettings::new(sdk, &config),
        config,
        emit_metrics,
    }
}

fn read_event(path: &str) -> Result<String, HubError> {
    let mut text = String::new();
    if path == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|source| HubError::Read {
                path: "stdin".into(),
                source,
            })?;
    } else {
        text = std::fs::read_to_string(path).map_err(|source| HubError::Read {
            path: path.into(),
            source,
        })?;
    }
    Ok(text)
}

fn print_json(value: &impl serde::Serialize) {
    outln!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

async fn run_event(
    path: &str,
    output: Output,
    mode: Mode,
    access: &operator::Access,
) -> Result<i32, HubError> {
    let messages = riposte_shared::event::decode(&read_event(path)?)?;
    let report = match mode {
        // A plan needs no AWS configuration at all.
        Mode::Plan => {
            let config = Config::from_env()?;
            let sdk = aws_config::SdkConfig::builder()
                .behavior_version(aws_config::BehaviorVersion::latest())
                .build();
            engine_from(&sdk, config, false).run(messages, mode).await
        }
        Mode::Remediate => {
            let engine = match (&access.hub_role_arn, &access.profile, &access.region) {
                (None, None, None) => build_engine(false).await?,
                _ => engine_from(
                    &operator::connect(access).await?.0,
                    Config::from_env()?,
                    false,
                ),
            };
            let mut report = engine.run(messages, mode).await;
            report.assume_role_calls = engine.spokes.assume_role_calls();
            report
        }
    };
    match output {
        Output::Table => out!("{}", report.table()),
        Output::Json => print_json(&report),
    }
    Ok(if !report.refused_messages.is_empty() {
        2
    } else if report.any_failed() {
        1
    } else {
        0
    })
}

async fn dispatch(cli: Cli) -> Result<i32, HubError> {
    match cli.command {
        Command::Remediate {
            event: Some(event),
            access,
            output,
            ..
        } => run_event(&event, output, Mode::Remediate, &access).await,
        Command::Remediate {
            finding,
            access,
            output,
            ..
        } => {
            let on = operator::OnFindings {
                finding_ids: finding,
                access,
                output,
            };
            operator::run(AnalystAction::Remediate, on).await
        }
        Command::Approve(on) => operator::run(AnalystAction::Approve, on).await,
        Command::Ignore(on) => operator::run(AnalystAction::Ignore, on).await,
        Command::Undo(on) => operator::run(AnalystAction::Undo, on).await,
        Command::Sweep(args) => sweep::run(args).await,
        Command::Spokes {
            action: SpokesCommand::Verify { access, output },
        } => spokes::verify(&access, output).await,
        Command::Actions {
            action: ActionsCommand::Create { access },
        } => operator::create_actions(&access).await,
        Command::Plan { event, output } => {
            run_event(&event, output, Mode::Plan, &operator::Access::default()).await
        }
        Command::Playbooks { output, long } => {
            playbooks(output, long);
            Ok(0)
        }
        Command::SpokeRole {
            action: Render::Print,
        } => {
            out!("{}", riposte_spoke_role::render_spoke_template());
            Ok(0)
        }
        Command::SpokeRole {
            action: Render::Render { repo, check },
        } => render_file(
            &repo,
            riposte_spoke_role::SPOKE_TEMPLATE_PATH,
            check,
            "riposte spoke-role render",
            |_| Some(riposte_spoke_role::render_spoke_template()),
        ),
        Command::EventPattern {
            action: Render::Print,
        } => {
            outln!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "ImportedRule": riposte_shared::catalogue::imported_event_pattern(),
                    "ImportedConfigRule": riposte_shared::catalogue::config_rule_event_pattern(),
                }))
                .unwrap_or_default()
            );
            Ok(0)
        }
        Command::EventPattern {
            action: Render::Render { repo, check },
        } => render_file(
            &repo,
            riposte_spoke_role::HUB_TEMPLATE_PATH,
            check,
            "riposte event-pattern render",
            |hub| riposte_spoke_role::with_pattern(hub?),
        ),
        Command::Docs {
            action: Render::Print,
        } => {
            outln!("{}", riposte_spoke_role::render_summary_block());
            outln!("{}", riposte_spoke_role::render_docs_block());
            outln!("{}", crate::settings::docs::render_block());
            Ok(0)
        }
        Command::Docs {
            action: Render::Render { repo, check },
        } => render_file(
            &repo,
            riposte_spoke_role::README_PATH,
            check,
            "riposte docs render",
            |readme| {
                let readme = riposte_spoke_role::with_docs(readme?)?;
                crate::settings::docs::with_block(&readme)
            },
        ),
        Command::Config { action } => settings_cmd::run(action).await,
    }
}

/// Parse arguments, run, and return the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    init_logging(std::env::var_os("RIPOSTE_LOG_JSON").is_some());
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("riposte: cannot start the async runtime: {e}");
            return 2;
        }
    };
    // On a worker, not the main thread: the workers' stack size is ours to set.
    match runtime.block_on(async { tokio::spawn(dispatch(cli)).await }) {
        Err(e) => {
            eprintln!("riposte: internal error: {e}");
            2
        }
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("riposte: {e}");
            e.exit_code()
        }
    }
}
