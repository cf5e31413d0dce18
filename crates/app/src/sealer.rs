//! The background task that seals the audit trail while a server runs.

use std::time::Duration;

use crate::App;

/// Seals the audit events every `interval` until the runtime stops. Several servers may each run one: the store
/// lets one seal at a time and the others skip their turn. A failed pass is logged and retried.
pub fn spawn_sealer(app: App, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(e) = app.seal_audit().await {
                tracing::warn!("sealing the audit trail failed, retrying: {e}");
            }
        }
    })
}
