//! Recently authenticated API tokens, so that a burst of requests asks the database once per token every few
//! seconds instead of once per request. Revoking tokens or disabling a user through this process forgets that
//! user's tokens at once; another server (or the command line) is heard within [`TTL`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::access::Actor;

/// How long an authentication is reused: the longest a revocation made elsewhere goes unnoticed here.
pub const TTL: Duration = Duration::from_secs(2);

/// More distinct tokens than this in one window empties the cache rather than letting it grow.
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub(crate) struct TokenCache {
    entries: Mutex<HashMap<String, (Actor, Instant)>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCache")
    }
}

impl TokenCache {
    /// The actor of a token hash authenticated less than [`TTL`] ago.
    pub(crate) fn get(&self, token_hash: &str) -> Option<Actor> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(token_hash)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(actor, _)| actor.clone())
    }

    pub(crate) fn put(&self, token_hash: String, actor: Actor) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(token_hash, (actor, Instant::now()));
        }
    }

    /// Forgets every token of a user (revoked, or the user disabled).
    pub(crate) fn forget_user(&self, user_id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (actor, _)| actor.user_id.as_deref() != Some(user_id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;

    fn actor(id: &str) -> Actor {
        Actor {
            user_id: Some(id.into()),
            name: id.into(),
            role: Role::Clinician,
            profession: "physician".into(),
        }
    }

    #[test]
    fn a_cached_token_is_forgotten_with_its_user() {
        let cache = TokenCache::default();
        cache.put("h1".into(), actor("u1"));
        cache.put("h2".into(), actor("u2"));
        assert_eq!(cache.get("h1").and_then(|a| a.user_id), Some("u1".into()));
        cache.forget_user("u1");
        assert!(cache.get("h1").is_none());
        assert!(cache.get("h2").is_some(), "other users' tokens stay");
        assert!(cache.get("unknown").is_none());
    }
}
