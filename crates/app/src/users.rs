//! Users, tokens, authentication and the audit log.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};
use taut_store::{AuditEntry, ChainBreak, Checkpoint, SealReport, StoreError, UserRecord};

use crate::access::{Actor, Permission, parse_profession, parse_role};
use crate::{App, AppError, audit, new_id};

/// Minimum password length (NIST SP 800-63B: at least 8 characters; no composition rules).
const MIN_PASSWORD: usize = 8;

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A random secret (32 bytes, hex) after `prefix`: API tokens, session cookies, set-up links.
pub(crate) fn random_token(prefix: &str) -> Result<String, AppError> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Store(StoreError::Config(e.to_string())))?;
    Ok(format!("{prefix}{}", hex::encode(bytes)))
}

/// Checks a new user's name and password; returns the trimmed name.
pub(crate) fn validate_new_user<'a>(username: &'a str, password: &str) -> Result<&'a str, AppError> {
    let username = username.trim();
    if username.is_empty()
        || username.len() > 64
        || !username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(AppError::invalid(
            "username",
            "1-64 characters: letters, digits, '.', '_' or '-'",
        ));
    }
    if password.chars().count() < MIN_PASSWORD {
        return Err(AppError::invalid(
            "password",
            format!("at least {MIN_PASSWORD} characters"),
        ));
    }
    Ok(username)
}

/// An Argon2id hash of a password, computed off the async workers.
pub(crate) async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| AppError::Store(StoreError::Config(e.to_string())))?
    .map_err(|e| AppError::Store(StoreError::Config(format!("password hashing failed: {e}"))))
}

impl App {
    /// Adds a user; the password is stored only as an Argon2id hash.
    pub async fn add_user(
        &self,
        actor: &Actor,
        username: &str,
        role: &str,
        profession: &str,
        password: &str,
    ) -> Result<UserRecord, AppError> {
        self.require(actor, Permission::ManageUsers).await?;
        let username = validate_new_user(username, password)?;
        let role = parse_role(role)?;
        let profession = parse_profession(profession)?;
        let hash = hash_password(password).await?;
        let user = UserRecord {
            id: new_id(),
            username: username.to_owned(),
            role: role.as_str().to_owned(),
            profession: profession.to_owned(),
            disabled: false,
            created_at: self.clock.text(),
        };
        let mut tx = self.store.begin().await?;
        tx.insert_user(&user, &hash).await?;
        audit(&self.clock, &mut tx, actor, "user.add", None, "user", Some(&user.id)).await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<UserRecord>, AppError> {
        self.require(actor, Permission::ManageUsers).await?;
        let mut tx = self.store.begin_read().await?;
        Ok(tx.users().await?)
    }

    pub async fn disable_user(&self, actor: &Actor, username: &str) -> Result<UserRecord, AppError> {
        self.require(actor, Permission::ManageUsers).await?;
        let mut tx = self.store.begin().await?;
        let user = tx.user_by_username(username).await.map_err(AppError::store("user"))?;
        tx.set_disabled(&user.id, true).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "user.disable",
            None,
            "user",
            Some(&user.id),
        )
        .await?;
        tx.commit().await?;
        self.tokens.forget_user(&user.id);
        Ok(UserRecord { disabled: true, ..user })
    }

    /// Creates an API token for a user and returns it; only its hash is stored, so it is shown once.
    pub async fn create_token(&self, actor: &Actor, username: &str) -> Result<String, AppError> {
        self.require(actor, Permission::ManageUsers).await?;
        let token = random_token("taut_")?;
        let mut tx = self.store.begin().await?;
        let user = tx.user_by_username(username).await.map_err(AppError::store("user"))?;
        if user.disabled {
            return Err(AppError::Conflict(format!("user '{username}' is disabled")));
        }
        let id = new_id();
        tx.insert_token(&id, &user.id, &token_hash(&token), &self.clock.text())
            .await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "token.create",
            None,
            "user",
            Some(&user.id),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Revokes all of a user's API tokens (a lost laptop, a leaked token); returns how many.
    pub async fn revoke_tokens(&self, actor: &Actor, username: &str) -> Result<u64, AppError> {
        self.require(actor, Permission::ManageUsers).await?;
        let mut tx = self.store.begin().await?;
        let user = tx.user_by_username(username).await.map_err(AppError::store("user"))?;
        let revoked = tx.revoke_tokens(&user.id, &self.clock.text()).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "token.revoke",
            None,
            "user",
            Some(&user.id),
        )
        .await?;
        tx.commit().await?;
        self.tokens.forget_user(&user.id);
        Ok(revoked)
    }

    /// The actor behind a bearer token; disabled users and unknown tokens are refused alike.
    pub async fn authenticate(&self, token: &str) -> Result<Actor, AppError> {
        let hash = token_hash(token.trim());
        if let Some(actor) = self.tokens.get(&hash) {
            return Ok(actor);
        }
        let owner = match self.store.token_owner(&hash).await {
            Ok(owner) if !owner.user.disabled => owner,
            Ok(_) | Err(StoreError::NotFound) => {
                self.record_refusal(None, "auth.failed", "invalid or revoked API token")
                    .await?;
                return Err(AppError::Unauthenticated("invalid token".into()));
            }
            Err(other) => return Err(other.into()),
        };
        let actor = Actor::from_user(&owner.user)?;
        self.tokens.put(hash, actor.clone());
        Ok(actor)
    }

    /// A named user acting through a command on this machine (`taut differential --encounter ID --user alice`).
    /// The operator of the machine may already act for any user (`taut token create`), so this grants nothing
    /// new; the user must exist and be enabled, and what they do is audited under their name.
    pub async fn local_user(&self, username: &str) -> Result<Actor, AppError> {
        let mut tx = self.store.begin_read().await?;
        match tx.user_by_username(username.trim()).await {
            Ok(user) if !user.disabled => Actor::from_user(&user),
            Ok(_) => Err(AppError::Forbidden(format!("user {username} is disabled"))),
            Err(StoreError::NotFound) => Err(AppError::invalid("user", format!("no user {username}"))),
            Err(other) => Err(other.into()),
        }
    }

    /// Checks a user's password (for a future login form); never says which part was wrong.
    pub async fn verify_password(&self, username: &str, password: &str) -> Result<Actor, AppError> {
        let refused = || AppError::Unauthenticated("wrong username or password".into());
        let mut tx = self.store.begin_read().await?;
        let Ok(user) = tx.user_by_username(username).await else {
            drop(tx);
            self.record_refusal(None, "auth.failed", "sign-in with an unknown username")
                .await?;
            return Err(refused());
        };
        let hash = tx.password_hash(&user.id).await?;
        drop(tx);
        let password = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || {
            argon2::password_hash::phc::PasswordHash::new(&hash)
                .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false);
        let actor = Actor::from_user(&user)?;
        if !ok || user.disabled {
            let reason = if ok {
                "sign-in by a disabled user"
            } else {
                "wrong password"
            };
            self.record_refusal(Some(&actor), "auth.failed", reason).await?;
            return Err(refused());
        }
        Ok(actor)
    }

    /// Sealed audit entries after chain position `after`, in chain order (optionally one patient's); reading them
    /// is itself audited. The trail is sealed first, so the reader sees every access up to the request.
    pub async fn audit_log(
        &self,
        actor: &Actor,
        patient_id: Option<&str>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, AppError> {
        self.require(actor, Permission::ReadAudit).await?;
        if !(1..=10_000).contains(&limit) {
            return Err(AppError::invalid("limit", "must be from 1 to 10000"));
        }
        if after < 0 {
            return Err(AppError::invalid("after", "must not be negative"));
        }
        self.seal_for_reader().await?;
        let mut tx = self.store.begin().await?;
        let entries = tx.audit_entries(patient_id, after, limit).await?;
        audit(&self.clock, &mut tx, actor, "audit.read", patient_id, "audit_log", None).await?;
        tx.commit().await?;
        Ok(entries)
    }

    /// Writes a consistent copy of the (SQLite) database; copying every record is itself audited first.
    pub async fn backup(&self, actor: &Actor, path: &str) -> Result<(), AppError> {
        self.require(actor, Permission::ManageUsers).await?;
        if self.store.engine() != taut_store::Engine::Sqlite {
            return Err(AppError::Conflict(
                "backup copies SQLite databases; use pg_dump for PostgreSQL".into(),
            ));
        }
        if std::path::Path::new(path).exists() {
            return Err(AppError::Conflict(format!("{path} exists already; choose a new file")));
        }
        let mut tx = self.store.begin().await?;
        audit(&self.clock, &mut tx, actor, "database.backup", None, "database", None).await?;
        tx.commit().await?;
        self.store.backup_to(path).await.map_err(|e| match e {
            StoreError::Config(message) => AppError::Conflict(message),
            other => AppError::Store(other),
        })
    }

    /// One sealing pass over the audit events written so far (see `taut_store::audit`).
    pub async fn seal_audit(&self) -> Result<SealReport, AppError> {
        Ok(self.store.seal(&self.audit_key, &self.clock.text()).await?)
    }

    /// Seals every access that happened before this call (waiting up to a few seconds for transactions that
    /// are still running), so that a reader of the log sees them.
    async fn seal_for_reader(&self) -> Result<(), AppError> {
        let patience = std::time::Duration::from_secs(5);
        Ok(self
            .store
            .seal_up_to_now(&self.audit_key, &self.clock.text(), patience)
            .await?)
    }

    /// Verifies the sealed audit trail, and its end against a checkpoint kept elsewhere: the number of entries,
    /// or the first broken one. Events not sealed yet are sealed first.
    pub async fn verify_audit(&self, checkpoint: Option<&str>) -> Result<Result<u64, ChainBreak>, AppError> {
        let checkpoint = match checkpoint {
            Some(line) => Some(Checkpoint::parse(line).map_err(|e| AppError::invalid("checkpoint", e.to_string()))?),
            None => None,
        };
        self.seal_for_reader().await?;
        Ok(self.store.verify_audit(&self.audit_key, checkpoint.as_ref()).await?)
    }

    /// A signed line stating the trail's current length and last hash, for the clinic to keep elsewhere.
    pub async fn audit_checkpoint(&self) -> Result<Checkpoint, AppError> {
        self.seal_for_reader().await?;
        Ok(self.store.checkpoint(&self.audit_key, &self.clock.text()).await?)
    }
}
