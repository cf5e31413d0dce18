//! Users and API tokens (stored only as hashes).

use serde::Serialize;
use uuid::Uuid;

use crate::types::{Stamp, id};
use crate::{StoreError, Tx, on_tx};

/// A user account. The password hash never leaves the store through this type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRecord {
    pub id: String,
    pub username: String,
    pub role: String,
    pub profession: String,
    pub disabled: bool,
    pub created_at: String,
}

/// The user an API token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOwner {
    pub user: UserRecord,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    username: String,
    role: String,
    profession: String,
    disabled: bool,
    created_at: Stamp,
}

impl From<UserRow> for UserRecord {
    fn from(r: UserRow) -> UserRecord {
        UserRecord {
            id: r.id.to_string(),
            username: r.username,
            role: r.role,
            profession: r.profession,
            disabled: r.disabled,
            created_at: r.created_at.0,
        }
    }
}

const USER: &str = "SELECT u.id, u.username, u.role, u.profession, u.disabled, u.created_at FROM users u";

impl crate::Store {
    /// The user whose unrevoked token has this hash, in one statement outside any transaction: every API request
    /// asks this first, so it costs one round trip.
    pub async fn token_owner(&self, token_hash: &str) -> Result<TokenOwner, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{USER} JOIN api_tokens t ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        ));
        let row: Option<UserRow> =
            crate::on_pool!(self, pool => sqlx::query_as(sql).bind(token_hash).fetch_optional(pool).await)?;
        Ok(TokenOwner {
            user: row.ok_or(StoreError::NotFound)?.into(),
        })
    }
}

impl Tx {
    pub async fn insert_user(&mut self, user: &UserRecord, password_hash: &str) -> Result<(), StoreError> {
        let uid = id(&user.id)?;
        let created = Stamp::from(&user.created_at);
        const SQL: &str = "INSERT INTO users (id, username, password_hash, role, profession, disabled, created_at) \
                           VALUES ($1, $2, $3, $4, $5, $6, $7)";
        on_tx!(self, conn => sqlx::query(SQL)
            .bind(uid)
            .bind(&user.username)
            .bind(password_hash)
            .bind(&user.role)
            .bind(&user.profession)
            .bind(user.disabled)
            .bind(&created)
            .execute(conn)
            .await
            .map(drop))
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("username '{}' is taken", user.username)),
            other => other,
        })?;
        Ok(())
    }

    pub async fn user_by_username(&mut self, username: &str) -> Result<UserRecord, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("{USER} WHERE u.username = $1"));
        let row: Option<UserRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(username).fetch_optional(conn).await)?;
        Ok(row.ok_or(StoreError::NotFound)?.into())
    }

    /// The stored password hash of a user, for verifying a login.
    pub async fn password_hash(&mut self, user_id: &str) -> Result<String, StoreError> {
        let uid = id(user_id)?;
        let hash: Option<(String,)> = on_tx!(self, conn => sqlx::query_as("SELECT password_hash FROM users WHERE id = $1")
            .bind(uid)
            .fetch_optional(conn)
            .await)?;
        Ok(hash.ok_or(StoreError::NotFound)?.0)
    }

    pub async fn users(&mut self) -> Result<Vec<UserRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("{USER} ORDER BY u.username"));
        let rows: Vec<UserRow> = on_tx!(self, conn => sqlx::query_as(sql).fetch_all(conn).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub async fn set_disabled(&mut self, user_id: &str, disabled: bool) -> Result<(), StoreError> {
        let uid = id(user_id)?;
        let rows = on_tx!(self, conn => sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(disabled)
            .bind(uid)
            .execute(conn)
            .await
            .map(|r| r.rows_affected()))?;
        if rows == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    pub async fn insert_token(
        &mut self,
        token_id: &str,
        user_id: &str,
        token_hash: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        let (tid, uid, at) = (id(token_id)?, id(user_id)?, Stamp::from(at));
        on_tx!(self, conn => sqlx::query(
            "INSERT INTO api_tokens (id, user_id, token_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(tid)
        .bind(uid)
        .bind(token_hash)
        .bind(&at)
        .execute(conn)
        .await
        .map(drop))?;
        Ok(())
    }

    /// Revokes every live token of a user; returns how many.
    pub async fn revoke_tokens(&mut self, user_id: &str, at: &str) -> Result<u64, StoreError> {
        let (uid, at) = (id(user_id)?, Stamp::from(at));
        let rows = on_tx!(self, conn => sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(&at)
        .bind(uid)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(rows)
    }
}
