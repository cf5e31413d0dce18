//! The audit trail on both engines: events in the access's transaction, sealed later by one sealer, verified
//! in a snapshot; tampering of every kind is found.

use taut_store::testing::{backends, execute};
use taut_store::{AuditKey, Engine, NewAudit, Store};

const NOW: &str = "2026-12-01T10:00:00.000000Z";

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn append(store: &Store, n: usize, patient: &str) {
    for i in 0..n {
        let mut tx = store.begin().await.expect("begin");
        let entry_id = id();
        let record = format!("r{i}");
        tx.audit(NewAudit {
            id: &entry_id,
            at: NOW,
            actor_id: None,
            actor: "tester",
            action: "patient.read",
            patient_id: Some(patient),
            record_type: "patient",
            record_id: Some(&record),
            details: (i == 0).then(|| serde_json::json!({"returned": [patient]})),
        })
        .await
        .expect("audit");
        tx.commit().await.expect("commit");
    }
}

/// Lets the test rewrite the trail as a database owner could, past the append-only triggers.
async fn unguard(store: &Store) {
    let sql = match store.engine() {
        Engine::Postgres => {
            "ALTER TABLE audit_events DISABLE TRIGGER USER; ALTER TABLE audit_chain DISABLE TRIGGER USER; \
             ALTER TABLE audit_seals DISABLE TRIGGER USER"
        }
        Engine::Sqlite => {
            "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete; \
             DROP TRIGGER audit_chain_no_update; DROP TRIGGER audit_chain_no_delete; \
             DROP TRIGGER audit_seals_no_update; DROP TRIGGER audit_seals_no_delete"
        }
    };
    execute(store, sql).await.expect("unguard");
}

async fn verify(store: &Store, key: &AuditKey) -> Result<u64, taut_store::ChainBreak> {
    store.verify_audit(key, None).await.expect("verify runs")
}

#[tokio::test]
async fn readers_see_sealed_events_only_in_chain_order() {
    for store in backends().await {
        let key = AuditKey::generate().expect("key");
        let patient = id();
        append(&store, 3, &patient).await;
        let mut tx = store.begin_read().await.expect("begin");
        assert!(
            tx.audit_entries(None, 0, 100).await.expect("entries").is_empty(),
            "nothing sealed yet"
        );
        drop(tx);
        let sealed = store.seal_all(&key, NOW, 50).await.expect("seal");
        assert_eq!(sealed, 3, "{:?}", store.engine());
        assert_eq!(
            store.seal(&key, NOW).await.expect("seal again").sealed,
            0,
            "nothing twice"
        );
        let mut tx = store.begin_read().await.expect("begin");
        let entries = tx.audit_entries(Some(&patient), 0, 100).await.expect("entries");
        assert_eq!(entries.iter().map(|e| e.position).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(entries[0].details, Some(serde_json::json!({"returned": [patient]})));
        assert_eq!(
            tx.audit_entries(None, 2, 100).await.expect("page").len(),
            1,
            "pages by position"
        );
        assert_eq!(verify(&store, &key).await, Ok(3));
    }
}

#[tokio::test]
async fn the_application_cannot_rewrite_the_trail() {
    for store in backends().await {
        let key = AuditKey::generate().expect("key");
        append(&store, 2, &id()).await;
        store.seal_all(&key, NOW, 50).await.expect("seal");
        for sql in [
            "UPDATE audit_events SET action = 'x'",
            "DELETE FROM audit_events",
            "UPDATE audit_chain SET hash = 'x'",
            "DELETE FROM audit_chain",
            "DELETE FROM audit_seals",
        ] {
            let err = execute(&store, sql).await.expect_err(sql);
            assert!(
                err.to_string().contains("append-only"),
                "{sql} on {:?}: {err}",
                store.engine()
            );
        }
        assert_eq!(verify(&store, &key).await, Ok(2));
    }
}

#[tokio::test]
async fn an_altered_event_is_found() {
    for store in backends().await {
        let key = AuditKey::generate().expect("key");
        append(&store, 4, &id()).await;
        store.seal_all(&key, NOW, 50).await.expect("seal");
        unguard(&store).await;
        execute(
            &store,
            "UPDATE audit_events SET action = 'patient.update' WHERE seq = 2",
        )
        .await
        .expect("tamper");
        let broken = verify(&store, &key).await.expect_err("altered");
        assert_eq!(broken.position, 2, "{broken:?}");
        assert!(broken.reason.contains("altered"), "{broken:?}");
    }
}

#[tokio::test]
async fn removed_reordered_and_inserted_entries_are_found() {
    for store in backends().await {
        let key = AuditKey::generate().expect("key");
        append(&store, 5, &id()).await;
        store.seal_all(&key, NOW, 50).await.expect("seal");
        unguard(&store).await;
        // Reordered: the second and third entries trade places (their contents swap).
        let swap = "UPDATE audit_events SET record_id = CASE seq WHEN 2 THEN 'r2' ELSE 'r1' END WHERE seq IN (2, 3)";
        execute(&store, swap).await.expect("swap");
        let broken = verify(&store, &key).await.expect_err("reordered");
        assert_eq!(broken.position, 2, "{broken:?} on {:?}", store.engine());
        let restore = "UPDATE audit_events SET record_id = CASE seq WHEN 2 THEN 'r1' ELSE 'r2' END WHERE seq IN (2, 3)";
        execute(&store, restore).await.expect("restore");
        assert_eq!(verify(&store, &key).await, Ok(5));
        // Removed from the middle: the chain row and its event.
        execute(&store, "DELETE FROM audit_chain WHERE position = 3")
            .await
            .expect("remove");
        let broken = verify(&store, &key).await.expect_err("removed");
        assert_eq!(broken.position, 3, "{broken:?}");
        assert!(broken.reason.contains("missing"), "{broken:?}");
        // Inserted: a chain row that no seal covers, after the last one.
        let insert = "INSERT INTO audit_chain (position, seq, batch, hash) VALUES (3, 3, 1, 'forged')";
        execute(&store, insert).await.expect("insert");
        let broken = verify(&store, &key).await.expect_err("inserted");
        assert_eq!(broken.position, 3, "{broken:?}");
    }
}

#[tokio::test]
async fn a_rewritten_chain_fails_its_signature() {
    for store in backends().await {
        let key = AuditKey::generate().expect("key");
        append(&store, 2, &id()).await;
        store.seal_all(&key, NOW, 50).await.expect("seal");
        // Someone who recomputes every hash but lacks the key cannot sign the seal.
        let forger = AuditKey::generate().expect("forger's key");
        assert!(
            verify(&store, &forger).await.is_err(),
            "another key does not verify the seals"
        );
        let err = store
            .seal(&forger, NOW)
            .await
            .expect_err("the sealer refuses a different key");
        assert!(err.to_string().contains("not the key"), "{err}");
    }
}

#[tokio::test]
async fn a_checkpoint_catches_entries_removed_from_the_end_with_their_seals() {
    for store in backends().await {
        let key = AuditKey::generate().expect("key");
        append(&store, 2, &id()).await;
        store.seal_all(&key, NOW, 50).await.expect("seal 1");
        append(&store, 2, &id()).await;
        store.seal_all(&key, NOW, 50).await.expect("seal 2");
        let checkpoint = store.checkpoint(&key, NOW).await.expect("checkpoint");
        assert_eq!(checkpoint.position, 4);
        assert_eq!(
            store.verify_audit(&key, Some(&checkpoint)).await.expect("verify"),
            Ok(4)
        );
        unguard(&store).await;
        execute(&store, "DELETE FROM audit_seals WHERE last_position > 2")
            .await
            .expect("drop seal");
        execute(&store, "DELETE FROM audit_chain WHERE position > 2")
            .await
            .expect("drop tail");
        assert_eq!(
            verify(&store, &key).await,
            Ok(2),
            "without a checkpoint the shorter chain looks whole"
        );
        let broken = store
            .verify_audit(&key, Some(&checkpoint))
            .await
            .expect("verify")
            .expect_err("tail removed");
        assert!(broken.reason.contains("removed from the end"), "{broken:?}");
        let mut forged = checkpoint.clone();
        forged.position = 2;
        let broken = store
            .verify_audit(&key, Some(&forged))
            .await
            .expect("verify")
            .expect_err("forged checkpoint");
        assert!(broken.reason.contains("signature"), "{broken:?}");
    }
}

#[tokio::test]
async fn concurrent_writers_and_sealers_keep_one_verifiable_chain() {
    for store in backends().await {
        let key = AuditKey::generate().expect("key");
        let writers: Vec<_> = (0..4)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { append(&store, 10, &id()).await })
            })
            .collect();
        let sealers: Vec<_> = (0..2)
            .map(|_| {
                let (store, key) = (store.clone(), key.clone());
                tokio::spawn(async move {
                    for _ in 0..10 {
                        store.seal_all(&key, NOW, 50).await.expect("seal");
                        assert!(
                            store.verify_audit(&key, None).await.expect("verify").is_ok(),
                            "no false alarm"
                        );
                    }
                })
            })
            .collect();
        for task in writers.into_iter().chain(sealers) {
            task.await.expect("task");
        }
        store.seal_all(&key, NOW, 50).await.expect("final seal");
        assert_eq!(verify(&store, &key).await, Ok(40), "{:?}", store.engine());
    }
}
