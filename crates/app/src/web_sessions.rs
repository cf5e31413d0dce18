//! Browser sign-in: sessions behind an HttpOnly cookie, throttling and lockout of repeated failures, and the
//! one-time set-up link that creates the first admin of an empty database.
//!
//! The cookie holds a random token; the database keeps only its SHA-256, so a copy of the database opens no
//! session. Attempts are counted in the database, so every server of a clinic enforces the same limits.

use std::time::Duration;

use taut_store::{NewSession, StoreError};

use crate::access::{Actor, Role, parse_profession};
use crate::users::{hash_password, random_token, token_hash, validate_new_user};
use crate::{App, AppError, Clock, audit, new_id};
use taut_core::records::format_utc;

/// How long sessions live and how many failed sign-ins are tolerated. These are security settings of the
/// clinic, not clinical facts; the defaults follow common practice (NIST SP 800-63B allows at most 100
/// consecutive failures; a clinical workstation signs out after a short idle time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session ends this long after sign-in, used or not.
    pub absolute: Duration,
    /// Failed sign-ins for one username within `window` (since its last success) that lock it.
    pub user_failures: i64,
    /// Failed sign-ins from one client (any username) within `window` that throttle it.
    pub client_failures: i64,
    /// The window over which failures count; a lock lifts as old failures leave it.
    pub window: Duration,
    /// How long a set-up link stays valid.
    pub setup_link: Duration,
}

impl Default for SessionPolicy {
    fn default() -> SessionPolicy {
        SessionPolicy {
            idle: Duration::from_secs(30 * 60),
            absolute: Duration::from_secs(12 * 3600),
            user_failures: 5,
            client_failures: 20,
            window: Duration::from_secs(15 * 60),
            setup_link: Duration::from_secs(24 * 3600),
        }
    }
}

/// A signed-in browser session: the token goes into the cookie and nowhere else.
#[derive(Debug, Clone)]
pub struct WebSession {
    pub token: String,
    pub actor: Actor,
    pub expires_at: String,
}

/// Lifting a session only touches its last-seen time this often, so that page views are not all writes.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

fn later(clock: &Clock, by: Duration) -> String {
    format_utc(clock.now() + by)
}

fn earlier(clock: &Clock, by: Duration) -> String {
    format_utc(clock.now() - by)
}

fn parse_stamp(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

impl App {
    /// Signs a user in with a password. `client` names where the attempt came from (the peer address) for
    /// throttling. Failures are recorded and audited; a locked username or a throttled client is refused
    /// before the password is checked, with [`AppError::Throttled`].
    pub async fn sign_in(&self, username: &str, password: &str, client: &str) -> Result<WebSession, AppError> {
        let policy = &self.sessions;
        let since = earlier(&self.clock, policy.window);
        let mut tx = self.store.begin_read().await?;
        let by_user = tx.failed_sign_ins_for_user(username, &since).await?;
        let by_client = tx.failed_sign_ins_from_client(client, &since).await?;
        drop(tx);
        let minutes = policy.window.as_secs().div_ceil(60);
        if by_user >= policy.user_failures {
            self.record_refusal(None, "auth.locked", "sign-in to a locked username")
                .await?;
            return Err(AppError::Throttled(format!(
                "too many failed sign-ins for this username; try again in up to {minutes} minutes or ask an admin"
            )));
        }
        if by_client >= policy.client_failures {
            self.record_refusal(None, "auth.throttled", "sign-in from a throttled client")
                .await?;
            return Err(AppError::Throttled(format!(
                "too many failed sign-ins from this device; try again in up to {minutes} minutes"
            )));
        }
        let actor = match self.verify_password(username, password).await {
            Ok(actor) => actor,
            Err(AppError::Unauthenticated(message)) => {
                let mut tx = self.store.begin().await?;
                tx.record_sign_in_attempt(username, client, &self.clock.text(), false)
                    .await?;
                tx.commit().await?;
                return Err(AppError::Unauthenticated(message));
            }
            Err(other) => return Err(other),
        };
        let token = random_token("tautweb_")?;
        let session_id = new_id();
        let at = self.clock.text();
        let expires_at = later(&self.clock, policy.absolute);
        let user_id = actor.author()?.to_owned();
        let mut tx = self.store.begin().await?;
        tx.record_sign_in_attempt(username, client, &at, true).await?;
        tx.insert_session(NewSession {
            id: &session_id,
            token_hash: &token_hash(&token),
            user_id: &user_id,
            at: &at,
            expires_at: &expires_at,
        })
        .await?;
        audit(
            &self.clock,
            &mut tx,
            &actor,
            "session.start",
            None,
            "session",
            Some(&session_id),
        )
        .await?;
        tx.commit().await?;
        Ok(WebSession {
            token,
            actor,
            expires_at,
        })
    }

    /// The user behind a session cookie. An unknown, ended, expired or idle session, or a disabled user, is
    /// refused alike (the browser is sent to sign in again).
    pub async fn session(&self, token: &str) -> Result<Actor, AppError> {
        let refused = || AppError::Unauthenticated("sign in again".into());
        let mut tx = self.store.begin_read().await?;
        let session = match tx.session_by_hash(&token_hash(token)).await {
            Ok(session) => session,
            Err(StoreError::NotFound) => return Err(refused()),
            Err(other) => return Err(other.into()),
        };
        drop(tx);
        let now = self.clock.now();
        let expires = parse_stamp(&session.expires_at).ok_or_else(refused)?;
        let seen = parse_stamp(&session.last_seen_at).ok_or_else(refused)?;
        if session.ended_at.is_some() || session.user.disabled || expires <= now || seen + self.sessions.idle <= now {
            return Err(refused());
        }
        if seen + TOUCH_EVERY <= now {
            let mut tx = self.store.begin().await?;
            tx.touch_session(&session.id, &format_utc(now)).await?;
            tx.commit().await?;
        }
        Actor::from_user(&session.user)
    }

    /// Ends the session behind a cookie (sign-out); an unknown or ended one is no error.
    pub async fn sign_out(&self, token: &str) -> Result<(), AppError> {
        let mut tx = self.store.begin().await?;
        let session = match tx.session_by_hash(&token_hash(token)).await {
            Ok(session) => session,
            Err(StoreError::NotFound) => return Ok(()),
            Err(other) => return Err(other.into()),
        };
        if tx.end_session(&session.id, &self.clock.text()).await? {
            let actor = Actor::from_user(&session.user)?;
            audit(
                &self.clock,
                &mut tx,
                &actor,
                "session.end",
                None,
                "session",
                Some(&session.id),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether the database has no user yet, so that the first admin must be created.
    pub async fn needs_setup(&self) -> Result<bool, AppError> {
        let mut tx = self.store.begin_read().await?;
        Ok(tx.user_count().await? == 0)
    }

    /// A one-time set-up link token for an empty database, valid for the policy's `setup_link`; `None` when
    /// users exist already.
    pub async fn create_setup_link(&self) -> Result<Option<String>, AppError> {
        let mut tx = self.store.begin().await?;
        if tx.user_count().await? > 0 {
            return Ok(None);
        }
        let token = random_token("")?;
        tx.insert_setup_link(
            &token_hash(&token),
            &self.clock.text(),
            &later(&self.clock, self.sessions.setup_link),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(token))
    }

    /// Whether a set-up link is still good (to show its form).
    pub async fn setup_link_valid(&self, token: &str) -> Result<bool, AppError> {
        let mut tx = self.store.begin_read().await?;
        Ok(tx.setup_link_valid(&token_hash(token), &self.clock.text()).await? && tx.user_count().await? == 0)
    }

    /// Creates the first admin through a set-up link. The link is used up, and refused once any user exists,
    /// so it creates one admin at most.
    pub async fn complete_setup(
        &self,
        token: &str,
        username: &str,
        profession: &str,
        password: &str,
    ) -> Result<Actor, AppError> {
        let username = validate_new_user(username, password)?;
        let profession = parse_profession(profession)?;
        let hash = hash_password(password).await?;
        let mut tx = self.store.begin().await?;
        let used = tx.use_setup_link(&token_hash(token), &self.clock.text()).await?;
        if !used || tx.user_count().await? > 0 {
            drop(tx);
            self.record_refusal(None, "setup.refused", "an unknown, used or expired set-up link")
                .await?;
            return Err(AppError::Forbidden(
                "this set-up link is unknown, used or expired; an admin exists or a new link is needed".into(),
            ));
        }
        let user = taut_store::UserRecord {
            id: new_id(),
            username: username.to_owned(),
            role: Role::Admin.as_str().to_owned(),
            profession: profession.to_owned(),
            disabled: false,
            created_at: self.clock.text(),
        };
        tx.insert_user(&user, &hash).await?;
        let actor = Actor::from_user(&user)?;
        audit(&self.clock, &mut tx, &actor, "user.setup", None, "user", Some(&user.id)).await?;
        tx.commit().await?;
        Ok(actor)
    }
}
