//! Group commit for SQLite's single writer.
//!
//! Every access writes its audit event, so every access is a write, and with `synchronous=FULL` every commit
//! waits for a disk sync. Here accesses still run one at a time on the one writer connection, each inside a
//! savepoint of a shared transaction: an access's reads, writes and audit event stay in one transaction, an
//! access that fails rolls back to its savepoint alone, and the shared transaction commits (one sync for the
//! whole batch) when no other access is waiting for the writer. An access reports success only once its batch
//! has committed, so nothing is acknowledged, and no record is shown, before its audit event is durable.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as SyncMutex};
use std::time::{Duration, Instant};

use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

use crate::StoreError;

/// A batch commits when it holds this many accesses or has been open this long, even if others are waiting,
/// so that waiting accesses' answers are not held back indefinitely under constant load.
const MAX_MEMBERS: usize = 64;
const MAX_AGE: Duration = Duration::from_millis(20);
/// How many failed batches are remembered for accesses that have not yet looked at their batch's outcome.
const FAILURES_KEPT: usize = 64;

/// The writer connection's state, owned by whichever access holds the lock.
pub(crate) struct Slot {
    /// The shared transaction while a batch is open.
    tx: Option<Transaction<'static, Sqlite>>,
    /// The number of the open batch, or of the last one when none is open.
    batch: u64,
    /// Accesses that released their savepoint into the open batch.
    members: usize,
    opened: Instant,
    /// An access went away inside its savepoint while others wait for the batch: the next holder of the writer
    /// rolls the savepoint back before anything else.
    undo_savepoint: bool,
}

/// Queues accesses on the writer and commits them in batches.
pub(crate) struct GroupCommit {
    pool: SqlitePool,
    /// How long an access waits for the writer before the database counts as busy.
    acquire_timeout: Duration,
    slot: Arc<Mutex<Slot>>,
    /// Accesses waiting for the writer to begin: while there are some, a finished access leaves the batch open
    /// for them instead of committing.
    waiting: AtomicUsize,
    /// The highest batch number that has ended, committed or failed.
    ended: watch::Sender<u64>,
    failures: SyncMutex<VecDeque<(u64, String)>>,
}

/// An access's transaction: a savepoint in the open batch, holding the writer until it commits or is dropped.
pub(crate) struct BatchTx {
    slot: Option<OwnedMutexGuard<Slot>>,
    group: Arc<GroupCommit>,
    /// Whether the access set a savepoint (a one-statement access does not).
    savepoint: bool,
}

/// Counts an access as waiting for the writer until it gets it, or gives up (a cancelled request).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl GroupCommit {
    pub(crate) fn new(pool: SqlitePool, acquire_timeout: Duration) -> Arc<GroupCommit> {
        Arc::new(GroupCommit {
            pool,
            acquire_timeout,
            slot: Arc::new(Mutex::new(Slot {
                tx: None,
                batch: 0,
                members: 0,
                opened: Instant::now(),
                undo_savepoint: false,
            })),
            waiting: AtomicUsize::new(0),
            ended: watch::channel(0).0,
            failures: SyncMutex::new(VecDeque::new()),
        })
    }

    /// How many batches have ended, and how many accesses wait for the writer (for tests).
    #[cfg(feature = "test-support")]
    pub(crate) fn stats(&self) -> (u64, usize) {
        (*self.ended.borrow(), self.waiting.load(Ordering::SeqCst))
    }

    /// Waits for the writer and makes sure a batch is open.
    async fn hold(self: &Arc<Self>) -> Result<OwnedMutexGuard<Slot>, StoreError> {
        let mut slot = {
            self.waiting.fetch_add(1, Ordering::SeqCst);
            let _waiting = Waiting(&self.waiting);
            tokio::time::timeout(self.acquire_timeout, self.slot.clone().lock_owned())
                .await
                .map_err(|_| StoreError::Unavailable("the database writer is busy; try again".into()))?
        };
        if let Err(why) = settle(&mut slot).await {
            // The batch cannot go on; this access starts the next one.
            let _ = self.end(&mut slot, Some(why)).await;
        }
        if slot.tx.is_none() {
            slot.tx = Some(self.pool.begin_with("BEGIN IMMEDIATE").await?);
            slot.batch += 1;
            slot.members = 0;
            slot.opened = Instant::now();
        }
        Ok(slot)
    }

    /// An access that is one statement: it needs no savepoint, since SQLite undoes a failed statement's own
    /// changes and nothing else, which saves two of its statements. Like any access, it answers only once its
    /// batch has committed. Cancelled alone in its batch, the batch is dropped (rolled back); cancelled with
    /// others, its statement has either run whole or not at all and the batch commits it or not accordingly.
    pub(crate) async fn single<T>(
        self: &Arc<Self>,
        statement: impl AsyncFnOnce(&mut SqliteConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, StoreError> {
        let mut access = BatchTx {
            slot: Some(self.hold().await?),
            group: self.clone(),
            savepoint: false,
        };
        let answer = statement(access.conn()).await;
        let mut slot = access
            .slot
            .take()
            .expect("a batch transaction holds the writer until it ends");
        let batch = slot.batch;
        let answer = match answer {
            Ok(answer) => {
                slot.members += 1;
                answer
            }
            Err(e) => {
                if slot.members == 0 {
                    let _ = self.end(&mut slot, Some(e.to_string())).await;
                } else if self.due(&slot) {
                    let _ = self.end(&mut slot, None).await;
                }
                return Err(e.into());
            }
        };
        if self.due(&slot) {
            self.end(&mut slot, None).await?;
            return Ok(answer);
        }
        drop(slot);
        self.await_batch(batch).await?;
        Ok(answer)
    }

    /// Starts an access: waits for the writer, opens a batch if none is open, and sets the access's savepoint.
    pub(crate) async fn begin(self: &Arc<Self>) -> Result<BatchTx, StoreError> {
        let mut slot = self.hold().await?;
        if let Err(e) = sqlx::query("SAVEPOINT access").execute(conn(&mut slot)).await {
            let _ = self.end(&mut slot, Some(e.to_string())).await;
            return Err(e.into());
        }
        Ok(BatchTx {
            slot: Some(slot),
            group: self.clone(),
            savepoint: true,
        })
    }

    /// Ends the open batch: commits it, or rolls it back when `failure` says why it cannot commit; records the
    /// outcome for the batch's other members, and returns this batch's. The caller still holds the writer.
    async fn end(&self, slot: &mut Slot, failure: Option<String>) -> Result<(), StoreError> {
        let batch = slot.batch;
        let outcome = match (slot.tx.take(), failure) {
            (None, _) => Ok(()),
            (Some(tx), None) => tx.commit().await.map_err(|e| e.to_string()),
            (Some(tx), Some(why)) => {
                let _ = tx.rollback().await;
                Err(why)
            }
        };
        slot.members = 0;
        slot.undo_savepoint = false;
        if let Err(why) = &outcome {
            let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
            if failures.len() == FAILURES_KEPT {
                failures.pop_front();
            }
            failures.push_back((batch, why.clone()));
        }
        self.ended.send_replace(batch);
        outcome.map_err(batch_failed)
    }

    /// The outcome of a batch that has ended.
    fn outcome(&self, batch: u64) -> Result<(), StoreError> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match failures.iter().find(|(b, _)| *b == batch) {
            Some((_, why)) => Err(batch_failed(why.clone())),
            None => Ok(()),
        }
    }

    /// Whether a batch should commit now rather than wait for the accesses queued behind it.
    fn due(&self, slot: &Slot) -> bool {
        self.waiting.load(Ordering::SeqCst) == 0 || slot.members >= MAX_MEMBERS || slot.opened.elapsed() >= MAX_AGE
    }

    /// Waits until `batch` has ended. The access queues for the writer meanwhile, so that if the accesses that
    /// took over the batch went away without ending it, it ends the batch itself.
    async fn await_batch(&self, batch: u64) -> Result<(), StoreError> {
        let mut ended = self.ended.subscribe();
        loop {
            if *ended.borrow_and_update() >= batch {
                return self.outcome(batch);
            }
            tokio::select! {
                changed = ended.changed() => {
                    if changed.is_err() {
                        return Err(StoreError::Unavailable("the database writer has stopped".into()));
                    }
                }
                slot = self.slot.clone().lock_owned() => {
                    let mut slot = slot;
                    if slot.batch == batch && slot.tx.is_some() {
                        let failure = settle(&mut slot).await.err();
                        return self.end(&mut slot, failure).await;
                    }
                }
            }
        }
    }
}

impl BatchTx {
    pub(crate) fn conn(&mut self) -> &mut SqliteConnection {
        conn(
            self.slot
                .as_mut()
                .expect("a batch transaction holds the writer until it ends"),
        )
    }

    /// Releases the access's savepoint into the batch and returns once the batch has committed.
    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        let mut slot = self
            .slot
            .take()
            .expect("a batch transaction holds the writer until it ends");
        let group = self.group.clone();
        let batch = slot.batch;
        if let Err(e) = sqlx::query("RELEASE access").execute(conn(&mut slot)).await {
            // The shared transaction is in an unknown state: end the batch for everyone in it.
            let _ = group.end(&mut slot, Some(e.to_string())).await;
            return Err(e.into());
        }
        slot.members += 1;
        if group.due(&slot) {
            return group.end(&mut slot, None).await;
        }
        drop(slot);
        group.await_batch(batch).await
    }
}

impl Drop for BatchTx {
    /// An access that ends without committing (an error, a cancelled request) loses its own writes only. Alone
    /// in its batch, it drops the shared transaction, which sqlx rolls back at once on the connection's own
    /// thread, so no other process is kept waiting for SQLite's lock even if this runtime is not polled again;
    /// otherwise the next holder of the writer rolls its savepoint back.
    fn drop(&mut self) {
        let Some(mut slot) = self.slot.take() else { return };
        if slot.members == 0 {
            let batch = slot.batch;
            slot.tx = None;
            drop(slot);
            self.group.ended.send_replace(batch);
        } else if self.savepoint {
            slot.undo_savepoint = true;
        }
    }
}

/// Rolls back the savepoint of an access that went away, if there is one.
async fn settle(slot: &mut Slot) -> Result<(), String> {
    if !std::mem::take(&mut slot.undo_savepoint) || slot.tx.is_none() {
        return Ok(());
    }
    sqlx::raw_sql("ROLLBACK TO access; RELEASE access")
        .execute(conn(slot))
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

fn conn(slot: &mut Slot) -> &mut SqliteConnection {
    slot.tx.as_mut().expect("an open batch has its transaction")
}

fn batch_failed(why: String) -> StoreError {
    StoreError::Unavailable(format!("the database could not commit this access: {why}"))
}
