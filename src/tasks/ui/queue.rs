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
    waiting: VecDeque<Job>,
    running: bool,
}

thread_local! {
    static QUEUE: RefCell<Queue> = RefCell::default();
}

/// Runs `job` once every job queued before it has finished.
pub(crate) fn enqueue(job: impl Future<Output = ()> + 'static) {
    let start = QUEUE.with_borrow_mut(|q| {
        q.waiting.push_back(Box::pin(job));
        !std::mem::replace(&mut q.running, true)
    });
    if start {
        spawn_local(async {
            while let Some(job) = QUEUE.with_borrow_mut(|q| {
                let next = q.waiting.pop_front();
                q.running = next.is_some();
                next
            }) {
                job.await;
            }
        });
    }
}

/// Whether more jobs wait behind the one running now.
pub(crate) fn more_waiting() -> bool {
    QUEUE.with_borrow(|q| !q.waiting.is_empty())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use std::{cell::RefCell, rc::Rc};

    use tokio::sync::oneshot;

    use crate::tasks::ui::queue::{enqueue, more_waiting};

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
}
