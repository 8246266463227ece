//! The SDK's retries of a member call draw on the pacer. One value is both an interceptor and a retry
//! classifier of the member client:
//! - after each attempt (`read_after_attempt`, once per attempt) it runs the client's classifiers; when
//!   they judge the attempt throttled it tells the account's bucket (which lowers its rate) and takes
//!   the retry's token from it, or finds that token would come after the playbook's cut-off;
//! - as the last classifier, when the retry strategy asks right after, it hands that decision on: the
//!   retry waits for its token (`retry_after`), or is not made.
//!
//! The decision goes from one to the other through a thread-local: the SDK runs `read_after_attempt`
//! and then the retry strategy on the same thread with no await between them (aws-smithy-runtime's
//! orchestrator: `finally_attempt`, then `should_attempt_retry`). The classifiers also run earlier in
//! the attempt (connection poisoning); they find no decision then and change nothing.

use aws_smithy_runtime::client::retries::classifiers::run_classifiers_on_ctx;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    FinalizerInterceptorContextRef, InterceptorContext,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority, RetryReason,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::retry::ErrorKind;
use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

use super::{Pacer, Service, CUTOFF};

thread_local! {
    /// The last throttled attempt's retry token: its wait, or `Err` past the cut-off.
    static DECIDED: Cell<Option<Result<Duration, ()>>> = const { Cell::new(None) };
}

/// One member client's retries, on its service, account and region's bucket.
#[derive(Clone, Debug)]
pub struct PacedRetries {
    pub pacer: Arc<Pacer>,
    pub service: Service,
    pub account: String,
    pub region: String,
}

fn throttling(action: &RetryAction) -> Option<Option<Duration>> {
    match action {
        RetryAction::RetryIndicated(RetryReason::RetryableError {
            kind: ErrorKind::ThrottlingError,
            retry_after,
        }) => Some(*retry_after),
        _ => None,
    }
}

impl Intercept for PacedRetries {
    fn name(&self) -> &'static str {
        "riposte: paced retries"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        DECIDED.set(None);
        let verdict =
            run_classifiers_on_ctx(runtime_components.retry_classifiers(), context.inner());
        if throttling(&verdict).is_some() {
            let (account, region) = (self.account.as_str(), self.region.as_str());
            self.pacer.throttled(self.service, account, region);
            let cutoff = CUTOFF.try_with(|cutoff| *cutoff).ok();
            let token = self.pacer.take(self.service, account, region, cutoff);
            DECIDED.set(Some(token.map_err(|_| ())));
        }
        Ok(())
    }
}

impl ClassifyRetry for PacedRetries {
    fn classify_retry_v2(&self, _ctx: &InterceptorContext, previous: &RetryAction) -> RetryAction {
        let Some(retry_after) = throttling(previous) else {
            return RetryAction::NoActionIndicated;
        };
        match DECIDED.take() {
            None => RetryAction::NoActionIndicated,
            Some(Ok(wait)) => RetryAction::RetryIndicated(RetryReason::RetryableError {
                kind: ErrorKind::ThrottlingError,
                retry_after: Some(wait.max(retry_after.unwrap_or_default())),
            }),
            Some(Err(())) => RetryAction::RetryForbidden,
        }
    }

    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        self.classify_retry_v2(ctx, &RetryAction::NoActionIndicated)
    }

    fn name(&self) -> &'static str {
        "riposte: throttled retries wait for the account's pace"
    }

    /// After every classifier the SDK has (the highest of them runs at 20).
    fn priority(&self) -> RetryClassifierPriority {
        (0..50).fold(
            RetryClassifierPriority::transient_error_classifier(),
            |priority, _| RetryClassifierPriority::run_after(priority),
        )
    }
}
