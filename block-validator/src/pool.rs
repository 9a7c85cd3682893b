//! The worker pool that validates the transactions of one block in parallel (Fabric's
//! `peer.validatorPoolSize`).
//!
//! A [`WorkerPool`] keeps its threads for as long as the validator lives, so a block does not
//! pay for starting threads (measured on this project's 2-CPU virtual machine: about 0.3 ms
//! per block, more than validating one transaction).

use std::sync::atomic::{AtomicUsize, Ordering};

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
        let work = || {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break done;
                }
                done.push((i, job(i)));
            }
        };
        let helped = std::sync::Mutex::new(Vec::with_capacity(workers - 1));
        // A panicking job (a validator bug: jobs catch plugin panics themselves) is not
        // swallowed: the scope resumes it here once every worker stopped.
        let own = helpers.in_place_scope(|scope| {
            for _ in 1..workers {
                scope.spawn(|_| {
                    let done = work();
                    helped
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(done);
                });
            }
            work()
        });
        let mut parts = helped
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        parts.push(own);
        let mut slots: Vec<Option<T>> = (0..count).map(|_| None).collect();
        for (i, value) in parts.into_iter().flatten() {
            slots[i] = Some(value);
        }
        // Every index below `count` was taken by exactly one worker.
        slots.into_iter().flatten().collect()
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
