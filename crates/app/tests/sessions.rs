//! Browser sessions on both engines: sign-in, lookup, sign-out, expiry, lockout and throttling, and the
//! one-time set-up link.

use std::time::Duration;

use taut_app::{Actor, App, AppError, AuditKey, Database, DatabaseConfig, Policy, Role, SessionPolicy};
use taut_atlas::Atlas;
use taut_store::testing;

async fn apps() -> Vec<App> {
    let mut apps = Vec::new();
    for url in testing::backend_urls().await {
        let database = Database::connect(&url, &DatabaseConfig::default())
            .await
            .expect("connect");
        let atlas = Atlas::embedded().expect("atlas");
        apps.push(App::new(
            database,
            atlas,
            Policy::default(),
            AuditKey::generate().expect("key"),
        ));
    }
    apps
}

async fn add(app: &App, username: &str, role: &str) {
    app.add_user(&Actor::operator(), username, role, "physician", "correct horse battery")
        .await
        .expect("add user");
}

#[tokio::test]
async fn a_session_signs_in_is_looked_up_and_ends_at_sign_out() {
    for app in apps().await {
        add(&app, "alice", "clinician").await;
        let session = app
            .sign_in("alice", "correct horse battery", "10.0.0.1")
            .await
            .expect("signs in");
        assert!(session.token.len() > 40);
        let actor = app.session(&session.token).await.expect("session is good");
        assert_eq!((actor.name.as_str(), actor.role), ("alice", Role::Clinician));
        assert!(matches!(
            app.session("tautweb_forged").await,
            Err(AppError::Unauthenticated(_))
        ));
        app.sign_out(&session.token).await.expect("signs out");
        assert!(matches!(
            app.session(&session.token).await,
            Err(AppError::Unauthenticated(_))
        ));
        // Signing out twice is harmless.
        app.sign_out(&session.token).await.expect("signs out again");
        assert!(matches!(
            app.sign_in("alice", "wrong password!", "10.0.0.1").await,
            Err(AppError::Unauthenticated(_))
        ));
    }
}

#[tokio::test]
async fn idle_and_expired_sessions_and_disabled_users_are_refused() {
    for app in apps().await {
        add(&app, "bob", "assistant").await;
        let idle = app.clone().with_session_policy(SessionPolicy {
            idle: Duration::ZERO,
            ..SessionPolicy::default()
        });
        let session = idle
            .sign_in("bob", "correct horse battery", "c")
            .await
            .expect("signs in");
        assert!(idle.session(&session.token).await.is_err(), "idle at once");
        let short = app.clone().with_session_policy(SessionPolicy {
            absolute: Duration::ZERO,
            ..SessionPolicy::default()
        });
        let session = short
            .sign_in("bob", "correct horse battery", "c")
            .await
            .expect("signs in");
        assert!(short.session(&session.token).await.is_err(), "expired at once");
        let session = app
            .sign_in("bob", "correct horse battery", "c")
            .await
            .expect("signs in");
        assert!(app.session(&session.token).await.is_ok());
        app.disable_user(&Actor::operator(), "bob").await.expect("disable");
        assert!(
            app.session(&session.token).await.is_err(),
            "a disabled user's session stops"
        );
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_username_and_throttle_the_client() {
    for app in apps().await {
        add(&app, "carol", "clinician").await;
        add(&app, "dave", "clinician").await;
        let policy = SessionPolicy::default();
        for _ in 0..policy.user_failures {
            let refused = app.sign_in("carol", "not the password", "1.1.1.1").await;
            assert!(matches!(refused, Err(AppError::Unauthenticated(_))));
        }
        // Locked: even the right password is refused, from any client.
        let locked = app.sign_in("carol", "correct horse battery", "2.2.2.2").await;
        assert!(matches!(locked, Err(AppError::Throttled(_))), "{locked:?}");
        // Another user is not locked by carol's failures.
        app.sign_in("dave", "correct horse battery", "2.2.2.2")
            .await
            .expect("dave signs in");
        // A client guessing across many usernames is throttled.
        for i in 0..policy.client_failures {
            let _ = app.sign_in(&format!("nobody{i}"), "guess guess", "3.3.3.3").await;
        }
        let throttled = app.sign_in("dave", "correct horse battery", "3.3.3.3").await;
        assert!(matches!(throttled, Err(AppError::Throttled(_))), "{throttled:?}");
        // A success clears a username's count: dave fails a few times, signs in, and is not locked later.
        for _ in 0..policy.user_failures - 1 {
            let _ = app.sign_in("dave", "nope nope nope", "4.4.4.4").await;
        }
        app.sign_in("dave", "correct horse battery", "4.4.4.4")
            .await
            .expect("signs in before the limit");
        let _ = app.sign_in("dave", "nope nope nope", "4.4.4.4").await;
        app.sign_in("dave", "correct horse battery", "4.4.4.4")
            .await
            .expect("the count restarted");
    }
}

#[tokio::test]
async fn the_setup_link_creates_one_admin_once() {
    for app in apps().await {
        assert!(app.needs_setup().await.expect("needs setup"));
        let token = app
            .create_setup_link()
            .await
            .expect("link")
            .expect("an empty database gets a link");
        assert!(app.setup_link_valid(&token).await.expect("valid"));
        assert!(!app.setup_link_valid("forged").await.expect("checked"));
        let refused = app.complete_setup("forged", "root", "other", "a long password").await;
        assert!(matches!(refused, Err(AppError::Forbidden(_))));
        let short = app.complete_setup(&token, "root", "other", "short").await;
        assert!(
            matches!(short, Err(AppError::Invalid(_))),
            "a short password is refused before the link is used"
        );
        let admin = app
            .complete_setup(&token, "root", "other", "a long password")
            .await
            .expect("admin");
        assert_eq!(admin.role, Role::Admin);
        assert!(!app.needs_setup().await.expect("set up"));
        let again = app.complete_setup(&token, "root2", "other", "a long password").await;
        assert!(matches!(again, Err(AppError::Forbidden(_))), "the link is used up");
        assert!(
            app.create_setup_link().await.expect("no link").is_none(),
            "users exist: no new link"
        );
        app.sign_in("root", "a long password", "c")
            .await
            .expect("the admin signs in");
    }
}
