//! Browser sessions, sign-in attempts and the one-time set-up link. Tokens arrive here already hashed: the
//! store never sees a session cookie or a set-up link in clear.

use uuid::Uuid;

use crate::types::{Stamp, id};
use crate::users::UserRecord;
use crate::{StoreError, Tx, on_tx};

/// A stored session and the user it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: String,
    pub user: UserRecord,
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
    pub ended_at: Option<String>,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    session_id: Uuid,
    created: Stamp,
    last_seen_at: Stamp,
    expires_at: Stamp,
    ended_at: Option<Stamp>,
    id: Uuid,
    username: String,
    role: String,
    profession: String,
    disabled: bool,
    created_at: Stamp,
}

impl From<SessionRow> for SessionRecord {
    fn from(r: SessionRow) -> SessionRecord {
        SessionRecord {
            id: r.session_id.to_string(),
            user: UserRecord {
                id: r.id.to_string(),
                username: r.username,
                role: r.role,
                profession: r.profession,
                disabled: r.disabled,
                created_at: r.created_at.0,
            },
            created_at: r.created.0,
            last_seen_at: r.last_seen_at.0,
            expires_at: r.expires_at.0,
            ended_at: r.ended_at.map(|s| s.0),
        }
    }
}

/// A new session to store.
#[derive(Debug, Clone, Copy)]
pub struct NewSession<'a> {
    pub id: &'a str,
    pub token_hash: &'a str,
    pub user_id: &'a str,
    pub at: &'a str,
    pub expires_at: &'a str,
}

impl Tx {
    pub async fn insert_session(&mut self, session: NewSession<'_>) -> Result<(), StoreError> {
        let (sid, uid) = (id(session.id)?, id(session.user_id)?);
        let (at, expires) = (Stamp::from(session.at), Stamp::from(session.expires_at));
        const SQL: &str = "INSERT INTO web_sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at) \
                           VALUES ($1, $2, $3, $4, $4, $5)";
        on_tx!(self, conn => sqlx::query(SQL)
            .bind(sid)
            .bind(session.token_hash)
            .bind(uid)
            .bind(&at)
            .bind(&expires)
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    }

    /// The session with this token hash, ended or not; the caller decides whether it is still good.
    pub async fn session_by_hash(&mut self, token_hash: &str) -> Result<SessionRecord, StoreError> {
        const SQL: &str = "SELECT s.id AS session_id, s.created_at AS created, s.last_seen_at, s.expires_at, \
                           s.ended_at, u.id, u.username, u.role, u.profession, u.disabled, u.created_at \
                           FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1";
        let row: Option<SessionRow> =
            on_tx!(self, conn => sqlx::query_as(SQL).bind(token_hash).fetch_optional(conn).await)?;
        Ok(row.ok_or(StoreError::NotFound)?.into())
    }

    pub async fn touch_session(&mut self, session_id: &str, at: &str) -> Result<(), StoreError> {
        let (sid, at) = (id(session_id)?, Stamp::from(at));
        on_tx!(self, conn => sqlx::query("UPDATE web_sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(&at)
            .bind(sid)
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    }

    /// Ends a session (sign-out); true when it was still open.
    pub async fn end_session(&mut self, session_id: &str, at: &str) -> Result<bool, StoreError> {
        let (sid, at) = (id(session_id)?, Stamp::from(at));
        let rows = on_tx!(self, conn => sqlx::query(
            "UPDATE web_sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL",
        )
        .bind(&at)
        .bind(sid)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(rows == 1)
    }

    pub async fn record_sign_in_attempt(
        &mut self,
        username: &str,
        client: &str,
        at: &str,
        succeeded: bool,
    ) -> Result<(), StoreError> {
        let at = Stamp::from(at);
        on_tx!(self, conn => sqlx::query(
            "INSERT INTO sign_in_attempts (id, username, client, at, succeeded) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(Uuid::now_v7())
        .bind(username)
        .bind(client)
        .bind(&at)
        .bind(succeeded)
        .execute(conn)
        .await
        .map(drop))?;
        Ok(())
    }

    /// Failed sign-ins with this username after `since` and after its last successful one.
    pub async fn failed_sign_ins_for_user(&mut self, username: &str, since: &str) -> Result<i64, StoreError> {
        let since = Stamp::from(since);
        const SQL: &str = "SELECT COUNT(*) FROM sign_in_attempts a WHERE a.username = $1 AND NOT a.succeeded \
                           AND a.at > $2 AND NOT EXISTS (SELECT 1 FROM sign_in_attempts b \
                           WHERE b.username = $1 AND b.succeeded AND b.at > a.at)";
        let (count,): (i64,) =
            on_tx!(self, conn => sqlx::query_as(SQL).bind(username).bind(&since).fetch_one(conn).await)?;
        Ok(count)
    }

    /// Failed sign-ins from this client (any username) after `since`.
    pub async fn failed_sign_ins_from_client(&mut self, client: &str, since: &str) -> Result<i64, StoreError> {
        let since = Stamp::from(since);
        const SQL: &str = "SELECT COUNT(*) FROM sign_in_attempts WHERE client = $1 AND NOT succeeded AND at > $2";
        let (count,): (i64,) =
            on_tx!(self, conn => sqlx::query_as(SQL).bind(client).bind(&since).fetch_one(conn).await)?;
        Ok(count)
    }

    /// How many user accounts exist (enabled or not).
    pub async fn user_count(&mut self) -> Result<i64, StoreError> {
        let (count,): (i64,) =
            on_tx!(self, conn => sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(conn).await)?;
        Ok(count)
    }

    pub async fn insert_setup_link(&mut self, token_hash: &str, at: &str, expires_at: &str) -> Result<(), StoreError> {
        let (at, expires) = (Stamp::from(at), Stamp::from(expires_at));
        on_tx!(self, conn => sqlx::query(
            "INSERT INTO setup_links (token_hash, created_at, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(token_hash)
        .bind(&at)
        .bind(&expires)
        .execute(conn)
        .await
        .map(drop))?;
        Ok(())
    }

    /// Marks an unused, unexpired set-up link used; false when there is no such link.
    pub async fn use_setup_link(&mut self, token_hash: &str, at: &str) -> Result<bool, StoreError> {
        let at = Stamp::from(at);
        let rows = on_tx!(self, conn => sqlx::query(
            "UPDATE setup_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(&at)
        .bind(token_hash)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(rows == 1)
    }

    /// Whether an unused, unexpired set-up link with this hash exists (to show the form, not to use it).
    pub async fn setup_link_valid(&mut self, token_hash: &str, at: &str) -> Result<bool, StoreError> {
        let at = Stamp::from(at);
        let (count,): (i64,) = on_tx!(self, conn => sqlx::query_as(
            "SELECT COUNT(*) FROM setup_links WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(&at)
        .fetch_one(conn)
        .await)?;
        Ok(count == 1)
    }
}
