//! The page's requests about its list leave one at a time, in the order the person made the
//! changes. Sent at once, two of them could be run by the server the other way round (a
//! browser spreads requests over several connections): "Mark done" then "Clear completed"
//! would clear nothing and leave the task done, and an edit then a toggle would meet a
//! conflict with the page's own edit. A refresh of the list waits its turn the same way, so
//! it never reads the list from before a change the page has already shown.
//!
//! One queue per page (a tab's WebAssembly runs on one thread); the server never uses it.

use std::{cell::RefCell, collections::VecDeque, future::Future, pin::Pin};

use leptos::task::spawn_local;

type Job = Pin<Box<dyn Future<Output = ()>>>;

#[derive(Default)]
struct Queue {
    /// Each job, and whether it is one of the page's writes or reads (`more_waiting` counts
    /// those) or only a look once they are done (`after_the_writes`).
    waiting: VecDeque<(Job, bool)>,
    running: bool,
}

thread_local! {
    static QUEUE: RefCell<Queue> = RefCell::default();
}

/// Runs `job` once every job queued before it has finished.
pub(crate) fn enqueue(job: impl Future<Output = ()> + 'static) {
    push(Box::pin(job), true);
}

/// Runs `look` once every job queued before it has finished, without counting as a job
/// waiting (`more_waiting`): a live change may arrive before the answer to the page's own
/// write that made it, and is only worth a look once that answer is shown.
pub(crate) fn after_the_writes(look: impl FnOnce() + 'static) {
    push(Box::pin(async move { look() }), false);
}

fn push(job: Job, counted: bool) {
    let start = QUEUE.with_borrow_mut(|q| {
        q.waiting.push_back((job, counted));
        !std::mem::replace(&mut q.running, true)
    });
    if start {
        spawn_local(async {
            while let Some((job, _)) = QUEUE.with_borrow_mut(|q| {
                let next = q.waiting.pop_front();
                q.running = next.is_some();
                next
            }) {
                job.await;
            }
        });
    }
}

/// Whether more of the page's requests wait behind the one running now.
pub(crate) fn more_waiting() -> bool {
    QUEUE.with_borrow(|q| q.waiting.iter().any(|(_, counted)| *counted))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use std::{cell::RefCell, rc::Rc};

    use tokio::sync::oneshot;

    use crate::tasks::ui::queue::{after_the_writes, enqueue, more_waiting};

    /// Jobs run one at a time, in order, even when the first is the slowest to finish; the
    /// queue starts again after running dry.
    #[tokio::test]
    async fn jobs_run_one_at_a_time_in_the_order_they_were_queued() {
        let _ = any_spawner::Executor::init_tokio();
        tokio::task::LocalSet::new()
            .run_until(async {
                let log = Rc::new(RefCell::new(Vec::new()));
                let (release, held) = oneshot::channel::<()>();
                let (done, finished) = oneshot::channel::<()>();
                let first = Rc::clone(&log);
                enqueue(async move {
                    first.borrow_mut().push("first starts");
                    held.await.unwrap();
                    first.borrow_mut().push("first ends");
                });
                let second = Rc::clone(&log);
                enqueue(async move { second.borrow_mut().push("second") });
                let third = Rc::clone(&log);
                enqueue(async move {
                    third.borrow_mut().push("third");
                    done.send(()).unwrap();
                });
                assert!(more_waiting());
                // The first job holds the queue: nothing behind it may start meanwhile.
                for _ in 0..10 {
                    tokio::task::yield_now().await;
                }
                assert_eq!(*log.borrow(), ["first starts"]);
                release.send(()).unwrap();
                finished.await.unwrap();
                assert_eq!(
                    *log.borrow(),
                    ["first starts", "first ends", "second", "third"]
                );
                assert!(!more_waiting());

                let (done, finished) = oneshot::channel::<()>();
                enqueue(async move { done.send(()).unwrap() });
                finished.await.expect("a queue that ran dry starts again");
            })
            .await;
    }

    /// A look runs after the writes queued before it, and a write running meanwhile does not
    /// count it as a request still to leave.
    #[tokio::test]
    async fn a_look_waits_for_the_writes_before_it_and_is_not_a_write_waiting() {
        let _ = any_spawner::Executor::init_tokio();
        tokio::task::LocalSet::new()
            .run_until(async {
                let log = Rc::new(RefCell::new(Vec::new()));
                let (release, held) = oneshot::channel::<()>();
                let (done, finished) = oneshot::channel::<()>();
                let write = Rc::clone(&log);
                enqueue(async move {
                    held.await.unwrap();
                    write
                        .borrow_mut()
                        .push(format!("write answered, more waiting: {}", more_waiting()));
                });
                let look = Rc::clone(&log);
                after_the_writes(move || {
                    look.borrow_mut().push("look".to_owned());
                    done.send(()).unwrap();
                });
                // Once the write runs, only the look waits behind it.
                for _ in 0..10 {
                    tokio::task::yield_now().await;
                }
                assert!(!more_waiting(), "a look is not a write waiting");
                release.send(()).unwrap();
                finished.await.unwrap();
                assert_eq!(
                    *log.borrow(),
                    ["write answered, more waiting: false", "look"]
                );
            })
            .await;
    }
}
