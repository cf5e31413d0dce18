//! Taut's operations: every read and write of patient data goes through here, so that each is authorised by
//! role, done in one transaction and audited in that same transaction. The server and the CLI both call these;
//! nothing else writes patient data.

mod access;
mod records;
mod users;

use taut_atlas::Atlas;
use taut_core::records::{Invalid, format_utc};
use taut_store::{NewAudit, Store, StoreError, Tx};

pub use access::{Actor, PROFESSIONS, Permission, Policy, Role, parse_profession};
pub use records::{EncounterDetail, Timeline};

/// Why an operation failed, in terms an interface maps to a status code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("authentication required: {0}")]
    Unauthenticated(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// An edit without the version it was based on.
    #[error("{0}")]
    VersionRequired(String),
    #[error("{0}")]
    Invalid(Invalid),
    #[error("{0}")]
    Store(StoreError),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
        AppError::Invalid(Invalid {
            field: field.to_owned(),
            message: message.into(),
        })
    }

    fn store(what: &str) -> impl Fn(StoreError) -> AppError + '_ {
        move |e| match e {
            StoreError::NotFound => AppError::NotFound(what.to_owned()),
            StoreError::Conflict(message) => AppError::Conflict(message),
            other => AppError::Store(other),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        AppError::store("record")(e)
    }
}

impl From<Invalid> for AppError {
    fn from(e: Invalid) -> AppError {
        AppError::Invalid(e)
    }
}

/// The application: the store, the atlas and the clinic's policy.
#[derive(Debug, Clone)]
pub struct App {
    store: Store,
    atlas: &'static Atlas,
    policy: Policy,
}

impl App {
    pub fn new(store: Store, atlas: &'static Atlas, policy: Policy) -> App {
        App { store, atlas, policy }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn atlas(&self) -> &'static Atlas {
        self.atlas
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }
}

/// A new time-ordered id.
fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn now_text() -> String {
    format_utc(now())
}

/// Appends one audit entry for `actor` inside `tx`.
async fn audit(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    patient_id: Option<&str>,
    record_type: &str,
    record_id: Option<&str>,
) -> Result<(), AppError> {
    let id = new_id();
    let at = now_text();
    tx.audit(NewAudit {
        id: &id,
        at: &at,
        actor_id: actor.user_id.as_deref(),
        actor: &actor.name,
        action,
        patient_id,
        record_type,
        record_id,
    })
    .await?;
    Ok(())
}
