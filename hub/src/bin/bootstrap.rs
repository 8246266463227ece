//! The Lambda `bootstrap`: build the engine once per container, then serve invocations.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

fn main() -> Result<(), Error> {
    // The runtime's future is not `Send`, so it runs on a thread of our own, sized like the workers.
    let runtime = riposte_hub::cli::runtime()?;
    std::thread::Builder::new()
        .name("riposte-lambda".into())
        .stack_size(16 << 20)
        .spawn(move || runtime.block_on(serve()))?
        .join()
        .map_err(|_| Error::from("the Lambda runtime thread panicked"))?
}

async fn serve() -> Result<(), Error> {
    riposte_hub::cli::init_logging(true);
    let engine = riposte_hub::cli::build_engine(true)
        .await
        .map_err(|e| Error::from(e.to_string()))?;
    let engine = &engine;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let deadline = riposte_hub::lambda::deadline_from_epoch_ms(event.context.deadline);
        riposte_hub::lambda::handle(engine, event.payload, Some(deadline))
            .await
            .map_err(|e| Error::from(e.to_string()))
    }))
    .await
}
