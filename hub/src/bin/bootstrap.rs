//! The Lambda `bootstrap`: build the engine once per container, then serve invocations.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    riposte_hub::cli::init_logging(true);
    let engine = riposte_hub::cli::build_engine(true)
        .await
        .map_err(|e| Error::from(e.to_string()))?;
    let engine = &engine;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        riposte_hub::lambda::handle(engine, event.payload)
            .await
            .map_err(|e| Error::from(e.to_string()))
    }))
    .await
}
