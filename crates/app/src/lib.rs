//! Taut's operations: every read and write of patient data goes through here, so that each is authorised by
//! role, done in one transaction and audited in that same transaction. The server and the CLI both call these;
//! nothing else writes patient data.

mod access;
mod alerts;
mod checkin;
mod clock;
mod decision;
mod fhir;
mod followup;
mod import;
mod records;
mod sealer;
mod sessions;
mod support;
mod token_cache;
mod users;
mod web_sessions;

use taut_atlas::Atlas;

use taut_core::records::Invalid;
use taut_store::{NewAudit, Store, StoreConfig, StoreError, Tx};

pub use access::{Actor, Permission, Policy, Profession, Role, allows, granted, parse_profession, parse_role};
pub use alerts::PatientAlerts;
pub use checkin::{
    CLOSED as CHECKIN_CLOSED, CheckinAnswers, CheckinForm, CheckinLink, DEFAULT_DAYS as CHECKIN_DEFAULT_DAYS,
    MAX_DAYS as CHECKIN_MAX_DAYS, PatientCheckins, ReviewItem, WarningSigns, warning_signs,
};
pub use clock::Clock;
pub use decision::VisitQuestion;
pub use followup::{
    AdherenceInput, AdverseEventDetail, AdverseEventInput, OutcomeSummary, SelfCare, WorkItem, Worklist, effect_name,
    parse_day,
};
pub use import::{NewPatient, NewVisit};
pub use records::{EncounterDetail, Timeline};
pub use sealer::spawn_sealer;
pub use sessions::{
    AmendmentRequest, ConsentInput, PlanRequest, ProcedureDetail, ProcedureInput, SignRequest, SiteInput,
};
pub use support::Support;
pub use taut_store::StoreConfig as DatabaseConfig;
pub use taut_store::{AdverseEventRecord, CheckinLinkRecord, CheckinReportRecord, FollowupRecord, ReportedMark};
pub use taut_store::{AmendmentRecord, Consent, PlanRecord, PlanVersion, ProcedureRecord, SiteRecord};
pub use taut_store::{
    AuditEntry, AuditKey, ChainBreak, EncounterRecord, FindingRecord, OutcomeRecord, PainMarkRecord, PatientPage,
    PatientRecord, PatientVersion, UserRecord, redact,
};
pub use web_sessions::{SessionPolicy, WebSession};

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
    /// Signing a plan with an error finding without a written override reason.
    #[error("{0}")]
    OverrideRequired(String),
    #[error("{0}")]
    Store(StoreError),
    /// The reference data compiled into the binary (atlas, catalogs) does not load: a build that must not ship.
    #[error("reference data: {0}")]
    Reference(String),
    /// Too many failed attempts (sign-in throttling and lockout): try again later.
    #[error("{0}")]
    Throttled(String),
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

/// The application: the store, the atlas, the clinic's policy and the key that seals its audit trail.
#[derive(Debug, Clone)]
pub struct App {
    store: Store,
    atlas: &'static Atlas,
    support: Support,
    policy: Policy,
    audit_key: AuditKey,
    sessions: SessionPolicy,
    tokens: std::sync::Arc<token_cache::TokenCache>,
    clock: Clock,
}

/// An opened records database, before it becomes an [`App`]: clients may connect and migrate, nothing more;
/// every read and write goes through the app's operations.
#[derive(Debug, Clone)]
pub struct Database(Store);

impl Database {
    pub async fn connect(url: &str, config: &StoreConfig) -> Result<Database, AppError> {
        Ok(Database(Store::connect(url, config).await?))
    }

    /// Applies the engine's migrations that have not run yet.
    pub async fn migrate(&self) -> Result<(), AppError> {
        Ok(self.0.migrate().await?)
    }
}

impl App {
    pub fn new(database: Database, atlas: &'static Atlas, policy: Policy, audit_key: AuditKey) -> App {
        App {
            store: database.0,
            atlas,
            support: Support::new(atlas),
            policy,
            audit_key,
            sessions: SessionPolicy::default(),
            tokens: std::sync::Arc::default(),
            clock: Clock::system(),
        }
    }

    /// The same application reading the time from `clock` (tests fix it; production uses [`Clock::system`]).
    pub fn with_clock(self, clock: Clock) -> App {
        App { clock, ..self }
    }

    /// The clock the application reads the time from.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The session policy in force (lifetimes, lockout limits).
    pub fn session_policy(&self) -> &SessionPolicy {
        &self.sessions
    }

    /// The same application with another session policy (idle and absolute lifetimes, lockout limits).
    pub fn with_session_policy(self, sessions: SessionPolicy) -> App {
        App { sessions, ..self }
    }

    /// Refreshes the database's planner statistics after a bulk import (no records are read or written).
    pub async fn refresh_statistics(&self) -> Result<(), AppError> {
        Ok(self.store.refresh_statistics().await?)
    }

    /// Whether the records database answers, for health checks.
    pub async fn healthy(&self) -> bool {
        self.store.ping().await.is_ok()
    }

    pub fn atlas(&self) -> &'static Atlas {
        self.atlas
    }

    /// The drug catalog and plan templates compiled into the binary (reference data, like the atlas).
    pub fn catalog(&self) -> Result<&'static taut_core::plan::Catalog, AppError> {
        self.support.catalog()
    }

    /// The follow-up catalog (side effects, checks, self-care) compiled into the binary.
    pub fn followup_catalog(&self) -> Result<&'static taut_core::followup::FollowupCatalog, AppError> {
        followup::rules()
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }
}

/// A new time-ordered id.
fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Appends one audit event for `actor` inside `tx`.
async fn audit(
    clock: &Clock,
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    patient_id: Option<&str>,
    record_type: &str,
    record_id: Option<&str>,
) -> Result<(), AppError> {
    audit_with(clock, tx, Some(actor), action, patient_id, record_type, record_id, None).await
}

/// Appends one audit event with details (the patients a search returned, why access was refused); `actor` is
/// absent when nobody could be identified (a bad token, a failed sign-in).
#[allow(clippy::too_many_arguments)] // one audit row: its columns, plus the clock and the transaction
async fn audit_with(
    clock: &Clock,
    tx: &mut Tx,
    actor: Option<&Actor>,
    action: &str,
    patient_id: Option<&str>,
    record_type: &str,
    record_id: Option<&str>,
    details: Option<serde_json::Value>,
) -> Result<(), AppError> {
    let id = new_id();
    let at = clock.text();
    tx.audit(NewAudit {
        id: &id,
        at: &at,
        actor_id: actor.and_then(|a| a.user_id.as_deref()),
        actor: actor.map_or("anonymous", |a| a.name.as_str()),
        action,
        patient_id,
        record_type,
        record_id,
        details,
    })
    .await?;
    Ok(())
}

impl App {
    /// Checks a permission; a refusal is itself audited (who tried what) before it is returned.
    async fn require(&self, actor: &Actor, permission: Permission) -> Result<(), AppError> {
        let Err(refused) = actor.require(permission) else {
            return Ok(());
        };
        self.record_refusal(Some(actor), "access.refused", &refused.to_string())
            .await?;
        Err(refused)
    }

    /// Audits a refused request or a failed sign-in in a transaction of its own.
    async fn record_refusal(&self, actor: Option<&Actor>, action: &str, reason: &str) -> Result<(), AppError> {
        let mut tx = self.store.begin().await?;
        let details = serde_json::json!({ "reason": reason });
        audit_with(&self.clock, &mut tx, actor, action, None, "access", None, Some(details)).await?;
        tx.commit().await?;
        Ok(())
    }
}
