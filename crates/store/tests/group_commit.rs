//! Accesses committed together (SQLite's group commit) still succeed or fail one by one: a failed or abandoned
//! access loses only its own writes, a committed one is visible as soon as its commit returns, on both engines.

use std::time::Duration;

use taut_core::records::Demographics;
use taut_store::testing::{backends, writer_stats};
use taut_store::{PatientRecord, Store, StoreError, UserRecord};

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn patient(mrn: &str) -> PatientRecord {
    PatientRecord {
        id: id(),
        demographics: Demographics {
            mrn: mrn.into(),
            given_name: "Ada".into(),
            family_name: "Batch".into(),
            birth_date: "1980-02-29".into(),
            sex: "female".into(),
            weight_kg: None,
            allergies: vec![],
            conditions: vec![],
            medications: vec![],
            notes: None,
        },
        version: 1,
        created_at: "2026-12-01T09:00:00.000000Z".into(),
        updated_at: "2026-12-01T09:00:00.000000Z".into(),
        deleted_at: None,
        delete_reason: None,
    }
}

async fn clinician(store: &Store) -> String {
    let user = UserRecord {
        id: id(),
        username: format!("batch-{}", id()),
        role: "clinician".into(),
        profession: "physician".into(),
        disabled: false,
        created_at: "2026-12-01T09:00:00.000000Z".into(),
    };
    let mut tx = store.begin().await.expect("begin");
    tx.insert_user(&user, "$argon2id$dummy").await.expect("insert user");
    tx.commit().await.expect("commit");
    user.id
}

/// What one concurrent access does.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Access {
    Commits,
    /// Inserts an MRN an earlier access holds: refused, and its other write with it.
    Conflicts,
    /// Writes, then goes away without committing (a cancelled request).
    Abandons,
}

fn plan(i: usize) -> Access {
    match i % 7 {
        3 => Access::Conflicts,
        5 => Access::Abandons,
        _ => Access::Commits,
    }
}

async fn run(store: Store, by: String, i: usize) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    tx.insert_patient(&patient(&format!("GC-{i}")), &by).await?;
    match plan(i) {
        Access::Commits => tx.commit().await,
        Access::Conflicts => {
            tx.insert_patient(&patient("GC-0"), &by).await?;
            tx.commit().await
        }
        Access::Abandons => {
            drop(tx);
            Ok(())
        }
    }
}

async fn present(store: &Store, mrn: &str) -> bool {
    let mut tx = store.begin_read().await.expect("begin read");
    match tx.patient_by_mrn(mrn).await {
        Ok(_) => true,
        Err(StoreError::NotFound) => false,
        Err(e) => panic!("reading {mrn}: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_access_in_a_batch_commits_or_fails_alone() {
    for store in backends().await {
        let by = clinician(&store).await;
        run(store.clone(), by.clone(), 0)
            .await
            .expect("the first access commits");
        let tasks: Vec<_> = (1..120)
            .map(|i| tokio::spawn(run(store.clone(), by.clone(), i)))
            .collect();
        for (i, task) in (1..120).zip(tasks) {
            let result = task.await.expect("no panic");
            match plan(i) {
                Access::Commits | Access::Abandons => assert!(result.is_ok(), "access {i}: {result:?}"),
                Access::Conflicts => assert!(matches!(result, Err(StoreError::Conflict(_))), "access {i}: {result:?}"),
            }
        }
        // Abandoned accesses are rolled back in the background; give that a moment before looking.
        tokio::time::sleep(Duration::from_millis(100)).await;
        for i in 0..120 {
            let expected = plan(i) == Access::Commits;
            assert_eq!(
                present(&store, &format!("GC-{i}")).await,
                expected,
                "GC-{i} ({:?})",
                plan(i)
            );
        }
        // The writer is free again: a new access begins at once.
        let mut tx = tokio::time::timeout(Duration::from_secs(2), store.begin())
            .await
            .expect("the writer is not left held")
            .expect("begin");
        tx.insert_patient(&patient("GC-after"), &by).await.expect("insert");
        tx.commit().await.expect("commit");
        assert!(present(&store, "GC-after").await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn accesses_waiting_for_the_writer_share_one_commit() {
    let store = taut_store::testing::sqlite().await;
    let by = clinician(&store).await;
    let (before, _) = writer_stats(&store).expect("SQLite");
    let mut first = store.begin().await.expect("begin");
    first.insert_patient(&patient("GC-first"), &by).await.expect("insert");
    let waiting: Vec<_> = (0..20)
        .map(|i| tokio::spawn(run(store.clone(), by.clone(), i * 7)))
        .collect();
    for _ in 0..500 {
        if writer_stats(&store).expect("SQLite").1 == 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(
        writer_stats(&store).expect("SQLite").1,
        20,
        "all accesses queue behind the first"
    );
    first.commit().await.expect("commit");
    for task in waiting {
        task.await.expect("no panic").expect("commits");
    }
    let (after, waiting) = writer_stats(&store).expect("SQLite");
    assert_eq!(waiting, 0);
    // One batch unless the batch reached its age limit on a loaded machine; never one per access.
    assert!(after - before <= 5, "21 accesses took {} commits", after - before);
    assert!(present(&store, "GC-first").await && present(&store, "GC-133").await);
}

#[test]
fn an_access_dropped_where_no_task_runs_again_releases_the_database_at_once() {
    // The runtime that began the access is blocked (a test waiting on a child process, a shutdown): the
    // transaction must still end, so that another process can write.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let url = runtime.block_on(taut_store::testing::sqlite_url());
    let store = runtime
        .block_on(Store::connect(&url, &taut_store::StoreConfig::default()))
        .expect("open");
    let by = runtime.block_on(clinician(&store));
    runtime.block_on(async {
        let mut tx = store.begin().await.expect("begin");
        tx.insert_patient(&patient("GC-dropped"), &by).await.expect("insert");
    });
    // Another connection (as another process would) writes at once, without waiting for this runtime.
    let other = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let config = taut_store::StoreConfig {
                lock_timeout: Duration::from_millis(500),
                ..taut_store::StoreConfig::default()
            };
            let other = Store::connect(&url, &config).await.expect("open");
            let mut tx = other.begin().await.expect("the write lock is free");
            tx.insert_patient(&patient("GC-other"), &by).await.expect("insert");
            tx.commit().await.expect("commit");
            present(&other, "GC-dropped").await
        })
    });
    assert!(!other.join().expect("no panic"), "the dropped access left nothing");
}

/// An audited read of a patient's course is a one-statement access (no savepoint on SQLite): mixed with
/// savepoint accesses in the same batches, each succeeds or fails alone, a failing one (an event id used
/// twice) leaves no event and harms no other access, a cancelled one leaves the writer free, and every read
/// that answered has its event.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_statement_accesses_share_batches_and_fail_alone() {
    for store in backends().await {
        let by = clinician(&store).await;
        let reader = patient("GC-read");
        let mut tx = store.begin().await.expect("begin");
        tx.insert_patient(&reader, &by).await.expect("insert");
        tx.commit().await.expect("commit");
        run(store.clone(), by.clone(), 0)
            .await
            .expect("GC-0, which conflicting accesses insert again");
        let duplicate = id();
        let read = |event_id: String| {
            let (store, reader) = (store.clone(), reader.id.clone());
            async move {
                let event = taut_store::NewAudit {
                    id: &event_id,
                    at: "2026-12-01T09:00:00.000000Z",
                    actor_id: None,
                    actor: "batch",
                    action: "gc.read",
                    patient_id: Some(&reader),
                    record_type: "patient",
                    record_id: Some(&reader),
                    details: None,
                };
                store.audited_course(&reader, event).await.map(drop)
            }
        };
        read(duplicate.clone()).await.expect("the first use of the id");
        let mut reads = Vec::new();
        let mut failing = Vec::new();
        let mut writes = Vec::new();
        for i in 1..121 {
            match i % 4 {
                0 => reads.push(tokio::spawn(read(id()))),
                1 => failing.push(tokio::spawn(read(duplicate.clone()))),
                2 => writes.push((i, tokio::spawn(run(store.clone(), by.clone(), i)))),
                _ => tokio::spawn(read(id())).abort(),
            }
        }
        for task in reads {
            task.await.expect("no panic").expect("a read answers");
        }
        for task in failing {
            assert!(
                task.await.expect("no panic").is_err(),
                "an event id used twice is refused"
            );
        }
        for (i, task) in writes {
            let result = task.await.expect("no panic");
            match plan(i) {
                Access::Commits | Access::Abandons => assert!(result.is_ok(), "access {i}: {result:?}"),
                Access::Conflicts => assert!(matches!(result, Err(StoreError::Conflict(_))), "access {i}: {result:?}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        for i in (1..121).filter(|i| i % 4 == 2) {
            assert_eq!(
                present(&store, &format!("GC-{i}")).await,
                plan(i) == Access::Commits,
                "GC-{i}"
            );
        }
        let events = taut_store::testing::rows4(
            &store,
            "SELECT action, '', '', CAST(count(*) AS BIGINT) FROM audit_events WHERE action = 'gc.read' \
             GROUP BY action",
        )
        .await
        .expect("count");
        // The first read, the 30 that answered, and any of the 30 cancelled reads that ran before it was
        // cancelled (each whole or not at all); none of the 30 refused ones.
        let count = events[0].3;
        assert!((31..=61).contains(&count), "{count} events");
        let mut tx = tokio::time::timeout(Duration::from_secs(2), store.begin())
            .await
            .expect("the writer is not left held")
            .expect("begin");
        tx.insert_patient(&patient("GC-after-reads"), &by)
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
    }
}
