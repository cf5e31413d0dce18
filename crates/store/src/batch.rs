//! Batches of concurrent accesses of one kind (the timeline read).
//!
//! Every access writes its audit event, so even a read is a transaction with a durable commit. Under load most
//! of such an access's cost is per statement and per commit rather than the read itself (on PostgreSQL the
//! insert and the WAL flush, on SQLite the hand-offs to the writer's thread; docs/performance.md), so concurrent
//! accesses of one kind are gathered and run together: each member's read and its audit event are in the
//! batch's transaction, and a member is answered only after it has committed. Nothing waits for a batch to fill:
//! a lone access runs at once; accesses arriving while `IN_FLIGHT` batches are running queue and leave together
//! with the next one.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::sync::{Semaphore, oneshot};

use crate::{Pool, StoreError};

/// Batches running at once per server. Fewer, larger batches spend less of the database per access: on the
/// benchmark machine one or two at once served the most timelines, four and eight fewer (docs/performance.md).
/// Two, so that one batch held up (a slow disk, a lock) does not stop every other access of its kind.
const IN_FLIGHT: usize = 2;
/// The most members of one batch.
const MAX_MEMBERS: usize = 64;

/// Runs a whole batch as one access on the pool: the members' answers, in the members' order.
pub(crate) type RunBatch<R, A> = for<'c> fn(&'c Pool, &'c [R]) -> Answers<'c, A>;
pub(crate) type Answers<'c, A> = Pin<Box<dyn Future<Output = Result<Vec<A>, StoreError>> + Send + 'c>>;

type Reply<A> = oneshot::Sender<Result<A, StoreError>>;

struct Queue<R, A> {
    waiting: Vec<(R, Reply<A>)>,
    /// Whether a task is on its way to take the waiting members.
    collector: bool,
}

impl<R, A> std::fmt::Debug for Batcher<R, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Batcher")
    }
}

/// Gathers concurrent requests of one kind and runs them in batches on the pool.
pub(crate) struct Batcher<R, A> {
    pool: Pool,
    run: RunBatch<R, A>,
    queue: Mutex<Queue<R, A>>,
    slots: Arc<Semaphore>,
}

impl<R: Send + Sync + 'static, A: Send + 'static> Batcher<R, A> {
    pub(crate) fn new(pool: Pool, run: RunBatch<R, A>) -> Arc<Batcher<R, A>> {
        Arc::new(Batcher {
            pool,
            run,
            queue: Mutex::new(Queue {
                waiting: Vec::new(),
                collector: false,
            }),
            slots: Arc::new(Semaphore::new(IN_FLIGHT)),
        })
    }

    /// Runs `request` in the next batch and returns its answer once the batch has committed. The batch runs in a
    /// task of its own, so a request that goes away (a closed connection) leaves the other members unharmed; it
    /// is dropped from its batch if the batch has not started yet.
    pub(crate) async fn submit(self: &Arc<Self>, request: R) -> Result<A, StoreError> {
        let (reply, answer) = oneshot::channel();
        let start_collector = {
            let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            queue.waiting.push((request, reply));
            !std::mem::replace(&mut queue.collector, true)
        };
        if start_collector {
            tokio::spawn(self.clone().collect());
        }
        answer
            .await
            .unwrap_or_else(|_| Err(StoreError::Unavailable("the batch of this access was lost".into())))
    }

    /// Waits for a free slot, takes the waiting members and starts their batch; goes on while members are left
    /// (more than a batch holds, or arrived meanwhile).
    async fn collect(self: Arc<Self>) {
        loop {
            let Ok(slot) = self.slots.clone().acquire_owned().await else {
                return;
            };
            let (members, more): (Vec<(R, Reply<A>)>, bool) = {
                let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
                queue.waiting.retain(|(_, reply)| !reply.is_closed());
                let take = queue.waiting.len().min(MAX_MEMBERS);
                let members = queue.waiting.drain(..take).collect();
                let more = !queue.waiting.is_empty();
                queue.collector = more;
                (members, more)
            };
            if !members.is_empty() {
                let batcher = self.clone();
                tokio::spawn(async move {
                    batcher.run_members(members).await;
                    drop(slot);
                });
            }
            if !more {
                return;
            }
        }
    }

    async fn run_members(&self, members: Vec<(R, Reply<A>)>) {
        let (requests, replies): (Vec<R>, Vec<Reply<A>>) = members.into_iter().unzip();
        match (self.run)(&self.pool, &requests).await {
            Ok(answers) if answers.len() == replies.len() => {
                for (reply, answer) in replies.into_iter().zip(answers) {
                    let _ = reply.send(Ok(answer));
                }
            }
            Ok(answers) => {
                let why = format!("a batch of {} gave {} answers", replies.len(), answers.len());
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Corrupt(why.clone())));
                }
            }
            Err(failure) => self.after_failure(requests, replies, failure).await,
        }
    }

    /// A batch failed as a whole and wrote nothing. When the database is busy or gone, every member is told so;
    /// otherwise each member runs alone, so that one member's failure (a bad value) is its own.
    async fn after_failure(&self, requests: Vec<R>, replies: Vec<Reply<A>>, failure: StoreError) {
        match failure {
            failure if replies.len() == 1 => {
                let _ = replies.into_iter().next().map(|reply| reply.send(Err(failure)));
            }
            StoreError::Unavailable(why) => {
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Unavailable(why.clone())));
                }
            }
            _ => {
                for (request, reply) in requests.chunks(1).zip(replies) {
                    let answer = (self.run)(&self.pool, request).await.and_then(|mut answers| {
                        answers
                            .pop()
                            .ok_or_else(|| StoreError::Corrupt("a batch of one gave no answer".into()))
                    });
                    let _ = reply.send(answer);
                }
            }
        }
    }
}
