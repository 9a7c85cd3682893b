//! The worker pool that validates the transactions of one block in parallel (Fabric's
//! `peer.validatorPoolSize`).
//!
//! A [`WorkerPool`] keeps its threads for as long as the validator lives, so a block does not
//! pay for starting threads (measured on this project's 2-CPU virtual machine: about 0.3 ms
//! per block, more than validating one transaction).
//!
//! [`WorkerPool::map_then`] also fills the time a thread would wait at the end of a block
//! (while the others finish their last transactions, then while the block commits on the
//! calling thread) with the next block's envelope checks. On the 100-tx bench-corpus blocks
//! on 2 threads, that is 6-10 of the next block's 100 creator signatures per block.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

/// The pool size for `configured` (Fabric: 0 or unset means the number of CPUs).
#[must_use]
pub fn pool_size(configured: usize) -> usize {
    if configured > 0 {
        configured
    } else {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    }
}

/// A fixed set of worker threads; the thread that calls [`WorkerPool::map_indexed`] works too,
/// so a pool of `n` keeps `n - 1` threads.
pub struct WorkerPool {
    /// `None` for a pool of one, or when the threads could not be started (then the caller
    /// works alone).
    helpers: Option<rayon_core::ThreadPool>,
}

impl std::fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerPool")
            .field("threads", &self.threads())
            .finish()
    }
}

impl WorkerPool {
    /// A pool of `threads` (at least one) working threads, the helpers named after `name`.
    /// When the system refuses to start the helpers, the pool is the caller alone: slower, but
    /// the results are the same.
    #[must_use]
    pub fn new(threads: usize, name: &str) -> Self {
        let helpers = (threads > 1)
            .then(|| {
                let name = name.to_owned();
                rayon_core::ThreadPoolBuilder::new()
                    .num_threads(threads - 1)
                    .thread_name(move |i| format!("{name}-{i}"))
                    .build()
                    .ok()
            })
            .flatten();
        WorkerPool { helpers }
    }

    /// How many threads work on a call (the caller included).
    #[must_use]
    pub fn threads(&self) -> usize {
        self.helpers
            .as_ref()
            .map_or(1, |helpers| helpers.current_num_threads() + 1)
    }

    /// Runs `job(i)` for every `i < count` and returns the results in index order. Workers
    /// take the next index in ascending order, so lower transactions start first; results
    /// never depend on scheduling.
    pub fn map_indexed<T, F>(&self, count: usize, job: F) -> Vec<T>
    where
        T: Send,
        F: Fn(usize) -> T + Sync,
    {
        let workers = self.threads().min(count);
        let Some(helpers) = self.helpers.as_ref().filter(|_| workers > 1) else {
            return (0..count).map(job).collect();
        };
        let next = AtomicUsize::new(0);
        let helped = Mutex::new(Vec::with_capacity(workers - 1));
        // A panicking job (a validator bug: jobs catch plugin panics themselves) is not
        // swallowed: the scope resumes it here once every worker stopped.
        let own = helpers.in_place_scope(|scope| {
            for _ in 1..workers {
                scope.spawn(|_| {
                    let done = take_all(&next, count, &job);
                    lock(&helped).push(done);
                });
            }
            take_all(&next, count, &job)
        });
        let mut parts = into_inner(helped);
        parts.push(own);
        in_index_order(count, parts).unwrap_or_else(|| unreachable!("every index was taken"))
    }

    /// Runs `job(i)` for every `i < count`, then `finish` on the results in index order, on
    /// the calling thread. Meanwhile a thread that has no job left (the tail of the map, then
    /// the whole of `finish`) runs `ahead(j)` for ascending `j < ahead_count`, until `finish`
    /// returns. Returns `finish`'s result and, per `j`, `ahead(j)` when a thread got to it.
    ///
    /// This fills the time one thread spends waiting for the others and on serial work (a
    /// block's last transactions and its commit) with work that depends on neither (the next
    /// block's envelope checks). `ahead` must be pure: a slot is `None` when no thread got to
    /// it, and also when `ahead` panicked there (the caller redoes the work and meets the
    /// panic where it belongs). With no helpers, `ahead` never runs.
    ///
    /// # Panics
    /// When a `job` panicked (a bug): the panic is resumed here, and `finish` does not run.
    pub fn map_then<T, R, U, F, G, A>(
        &self,
        count: usize,
        job: F,
        finish: G,
        ahead_count: usize,
        ahead: A,
    ) -> (R, Vec<Option<U>>)
    where
        T: Send,
        U: Send,
        F: Fn(usize) -> T + Sync,
        G: FnOnce(Vec<T>) -> R,
        A: Fn(usize) -> U + Sync,
    {
        let mut ahead_slots: Vec<Option<U>> = (0..ahead_count).map(|_| None).collect();
        let Some(helpers) = self.helpers.as_ref() else {
            return (finish((0..count).map(job).collect()), ahead_slots);
        };
        let helper_count = helpers.current_num_threads();
        let next = AtomicUsize::new(0);
        let next_ahead = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let mapped = Mapped {
            parts: Mutex::new((Vec::with_capacity(helper_count), 0)),
            all_in: Condvar::new(),
        };
        let looked = Mutex::new(Vec::with_capacity(helper_count + 1));
        // One look-ahead item, or `None` when they are all taken.
        let take_ahead = || {
            let j = next_ahead.fetch_add(1, Ordering::Relaxed);
            (j < ahead_count).then(|| {
                let value = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ahead(j)));
                (j, value.ok())
            })
        };
        let result = helpers.in_place_scope(|scope| {
            for _ in 0..helper_count {
                scope.spawn(|_| {
                    {
                        // Reported even when a job panics (without its part), so the caller
                        // never waits for a helper that is gone.
                        let mut report = Report {
                            to: &mapped,
                            part: None,
                        };
                        report.part = Some(take_all(&next, count, &job));
                    }
                    let mut done = Vec::new();
                    while !stop.load(Ordering::Acquire) {
                        let Some(item) = take_ahead() else { break };
                        done.push(item);
                    }
                    lock(&looked).push(done);
                });
            }
            // Raised on return or unwind, so the helpers stop early either way.
            let _stop = StopOnDrop(&stop);
            let own = take_all(&next, count, &job);
            // Wait for the helpers' last jobs, looking ahead meanwhile; with nothing left to
            // look ahead, sleep until they are in.
            let mut own_ahead = Vec::new();
            let mut reported = loop {
                let reported = lock(&mapped.parts);
                if reported.1 == helper_count {
                    break reported;
                }
                drop(reported);
                if let Some(item) = take_ahead() {
                    own_ahead.push(item);
                    continue;
                }
                let reported = mapped
                    .all_in
                    .wait_while(lock(&mapped.parts), |r| r.1 < helper_count)
                    .unwrap_or_else(PoisonError::into_inner);
                break reported;
            };
            let mut parts = std::mem::take(&mut reported.0);
            drop(reported);
            lock(&looked).push(own_ahead);
            parts.push(own);
            // A missing result means a helper's job panicked: the scope resumes that panic.
            let results =
                in_index_order(count, parts).unwrap_or_else(|| panic!("a validation job panicked"));
            finish(results)
        });
        for (j, value) in into_inner(looked).into_iter().flatten() {
            ahead_slots[j] = value;
        }
        (result, ahead_slots)
    }
}

/// Runs `job` on indices taken from `next` until `count`, and returns them with their
/// results.
fn take_all<T>(next: &AtomicUsize, count: usize, job: impl Fn(usize) -> T) -> Vec<(usize, T)> {
    let mut done = Vec::new();
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= count {
            break done;
        }
        done.push((i, job(i)));
    }
}

/// The results of `parts` by index, or `None` when an index below `count` is missing.
fn in_index_order<T>(count: usize, parts: Vec<Vec<(usize, T)>>) -> Option<Vec<T>> {
    let mut slots: Vec<Option<T>> = (0..count).map(|_| None).collect();
    for (i, value) in parts.into_iter().flatten() {
        slots[i] = Some(value);
    }
    slots.into_iter().collect()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn into_inner<T>(mutex: Mutex<T>) -> T {
    mutex.into_inner().unwrap_or_else(PoisonError::into_inner)
}

/// The helpers' results of [`WorkerPool::map_then`]: the parts handed in, and how many
/// helpers have reported.
struct Mapped<P> {
    parts: Mutex<(Vec<P>, usize)>,
    all_in: Condvar,
}

/// A helper's report to [`Mapped`], made when dropped: on return with its part, on unwind
/// without it.
struct Report<'a, P> {
    to: &'a Mapped<P>,
    part: Option<P>,
}

impl<P> Drop for Report<'_, P> {
    fn drop(&mut self) {
        let mut reported = lock(&self.to.parts);
        reported.0.extend(self.part.take());
        reported.1 += 1;
        drop(reported);
        self.to.all_in.notify_all();
    }
}

/// Raises a flag when dropped (on return or unwind).
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::WorkerPool;

    #[test]
    fn results_come_back_in_index_order_for_every_pool_size() {
        for threads in [1, 2, 3, 8] {
            let pool = WorkerPool::new(threads, "test");
            for count in [0, 1, 2, 7, 100] {
                let out = pool.map_indexed(count, |i| i * 10);
                assert_eq!(out, (0..count).map(|i| i * 10).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn the_pool_is_reused_across_calls() {
        let pool = WorkerPool::new(2, "test");
        assert_eq!(pool.threads(), 2);
        let names: Vec<Option<String>> = (0..50)
            .flat_map(|_| pool.map_indexed(4, |_| std::thread::current().name().map(str::to_owned)))
            .collect();
        // Only the caller and the pool's one named helper ever work: a thread started per
        // call would have no name.
        let caller = std::thread::current().name().map(str::to_owned);
        for name in &names {
            assert!(
                *name == caller || name.as_deref() == Some("test-0"),
                "unexpected worker {name:?}"
            );
        }
    }

    #[test]
    fn map_then_finishes_on_the_results_in_order_and_looks_ahead_meanwhile() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let pool = WorkerPool::new(2, "test");
        // `finish` waits until look-ahead items 0..3 are done, then returns: later items may
        // or may not have been reached, but every result given is index-correct, and the
        // threads stopped well before the end.
        let reached = AtomicUsize::new(0);
        let (finished, ahead) = pool.map_then(
            5,
            |i| i + 1,
            |results: Vec<usize>| {
                while reached.load(Ordering::Acquire) < 3 {
                    std::thread::yield_now();
                }
                results
            },
            10_000,
            |j| {
                std::thread::sleep(std::time::Duration::from_micros(200));
                reached.fetch_add(1, Ordering::AcqRel);
                j * 10
            },
        );
        assert_eq!(finished, vec![1, 2, 3, 4, 5]);
        assert_eq!(ahead.len(), 10_000);
        assert!(ahead.iter().filter(|s| s.is_some()).count() >= 3);
        assert!(ahead.iter().filter(|s| s.is_some()).count() < 10_000);
        for (j, slot) in ahead.iter().enumerate() {
            if let Some(value) = slot {
                assert_eq!(*value, j * 10);
            }
        }
    }

    #[test]
    fn with_nothing_to_look_ahead_the_caller_waits_for_the_helpers_jobs() {
        let pool = WorkerPool::new(3, "test");
        for _ in 0..20 {
            let (finished, ahead) = pool.map_then(
                6,
                |i| {
                    if i % 2 == 1 {
                        std::thread::sleep(std::time::Duration::from_millis(2));
                    }
                    i * 3
                },
                |results: Vec<usize>| results,
                0,
                |j: usize| j,
            );
            assert_eq!(finished, vec![0, 3, 6, 9, 12, 15]);
            assert!(ahead.is_empty());
        }
    }

    #[test]
    fn a_panic_looking_ahead_leaves_its_slot_empty() {
        let pool = WorkerPool::new(2, "test");
        let (finished, ahead) = pool.map_then(
            2,
            |i| i,
            |results: Vec<usize>| {
                // Long enough for the idle threads to reach every look-ahead item.
                std::thread::sleep(std::time::Duration::from_millis(50));
                results
            },
            4,
            |j| {
                assert!(j != 2, "look-ahead 2 fails");
                j
            },
        );
        assert_eq!(finished, vec![0, 1]);
        assert_eq!(ahead, vec![Some(0), Some(1), None, Some(3)]);
    }

    #[test]
    fn with_one_thread_nothing_is_looked_ahead() {
        let pool = WorkerPool::new(1, "test");
        let (finished, ahead) = pool.map_then(
            3,
            |i| i * 2,
            |results: Vec<usize>| results,
            5,
            |_| -> usize { unreachable!("no helper") },
        );
        assert_eq!(finished, vec![0, 2, 4]);
        assert!(ahead.iter().all(Option::is_none));
    }

    #[test]
    fn a_panicking_job_stops_map_then_before_finish() {
        let pool = WorkerPool::new(2, "test");
        let finished = std::sync::atomic::AtomicBool::new(false);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.map_then(
                10,
                |i| assert!(i != 7, "job 7 fails"),
                |_| finished.store(true, std::sync::atomic::Ordering::SeqCst),
                3,
                |j| j,
            )
        }));
        assert!(result.is_err());
        assert!(!finished.load(std::sync::atomic::Ordering::SeqCst));
        assert_eq!(pool.map_indexed(3, |i| i), vec![0, 1, 2]);
    }

    #[test]
    fn a_panicking_job_is_not_swallowed() {
        let pool = WorkerPool::new(2, "test");
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.map_indexed(10, |i| assert!(i != 7, "job 7 fails"))
        }));
        assert!(result.is_err());
        // The pool still works afterwards.
        assert_eq!(pool.map_indexed(3, |i| i), vec![0, 1, 2]);
    }
}
