//! The process around both entry points: logging and the async runtime.

/// A person's terminal: Riposte's warnings, none of the SDK's (it logs its credential-chain attempts
/// with Rust debug text; every failure that matters is reported by the command itself, in words).
const PERSON: &str = "warn,aws_config=off,aws_runtime=off,aws_smithy_runtime=off,aws_smithy_http_client=off,aws_sdk_sts=off,hyper=off,hyper_util=off";

pub fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RIPOSTE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(if json { "info" } else { PERSON }));
    let _ = if json {
        tracing::subscriber::set_global_default(json_subscriber(std::io::stderr, filter))
            .map_err(|e| e.to_string())
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init()
            .map_err(|e| e.to_string())
    };
}

/// The Lambda's log format: one JSON object per line, the event's fields at the top level, the
/// finding's span under `span` (the dashboard's queries read this shape).
pub fn json_subscriber<W>(
    writer: W,
    filter: tracing_subscriber::EnvFilter,
) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .finish()
}

/// The runtime of both entry points. Debug builds of the AWS SDK poll deep, large futures: give every
/// worker 16 MiB of stack (release builds need a fraction of it).
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(16 << 20)
        .build()
}
