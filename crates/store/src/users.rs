//! Users and API tokens (stored only as hashes).

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{StoreError, Tx};

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

fn user(row: &AnyRow) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        role: row.try_get("role")?,
        profession: row.try_get("profession")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

impl Tx {
    pub async fn insert_user(&mut self, user: &UserRecord, password_hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO users (id, username, password_hash, role, profession, disabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&user.id)
        .bind(&user.username)
        .bind(password_hash)
        .bind(&user.role)
        .bind(&user.profession)
        .bind(i64::from(user.disabled))
        .bind(&user.created_at)
        .execute(&mut *self.inner)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("username '{}' is taken", user.username)),
            other => other,
        })?;
        Ok(())
    }

    pub async fn user_by_username(&mut self, username: &str) -> Result<UserRecord, StoreError> {
        let row =
            sqlx::query("SELECT id, username, role, profession, disabled, created_at FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(&mut *self.inner)
                .await?
                .ok_or(StoreError::NotFound)?;
        user(&row)
    }

    /// The stored password hash of a user, for verifying a login.
    pub async fn password_hash(&mut self, user_id: &str) -> Result<String, StoreError> {
        let row = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *self.inner)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.try_get("password_hash")?)
    }

    pub async fn users(&mut self) -> Result<Vec<UserRecord>, StoreError> {
        let rows =
            sqlx::query("SELECT id, username, role, profession, disabled, created_at FROM users ORDER BY username")
                .fetch_all(&mut *self.inner)
                .await?;
        rows.iter().map(user).collect()
    }

    pub async fn set_disabled(&mut self, user_id: &str, disabled: bool) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        if done.rows_affected() == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    pub async fn insert_token(
        &mut self,
        id: &str,
        user_id: &str,
        token_hash: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO api_tokens (id, user_id, token_hash, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(user_id)
            .bind(token_hash)
            .bind(at)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    /// Revokes every live token of a user; returns how many.
    pub async fn revoke_tokens(&mut self, user_id: &str, at: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
            .bind(at)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(done.rows_affected())
    }

    /// The (enabled or disabled) user whose unrevoked token has this hash.
    pub async fn token_owner(&mut self, token_hash: &str) -> Result<TokenOwner, StoreError> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.role, u.profession, u.disabled, u.created_at \
             FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&mut *self.inner)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(TokenOwner { user: user(&row)? })
    }
}
