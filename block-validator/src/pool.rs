//! The worker pool that validates the transactions of one block in parallel (Fabric's
//! `peer.validatorPoolSize`).

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

/// Runs `job(i)` for every `i < count` on up to `threads` threads (the calling thread among
/// them) and returns the results in index order. Workers take the next index in ascending
/// order, so lower transactions start first; results never depend on scheduling.
pub fn map_indexed<T, F>(count: usize, threads: usize, job: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize) -> T + Sync,
{
    let workers = threads.min(count);
    if workers <= 1 {
        return (0..count).map(job).collect();
    }
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
    // The calling thread is one of the workers: one thread fewer to start per block.
    let mut parts: Vec<Vec<(usize, T)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..workers).map(|_| scope.spawn(work)).collect();
        let mut parts = vec![work()];
        for h in handles {
            match h.join() {
                Ok(done) => parts.push(done),
                // The job catches plugin panics itself; a panic here is a validator bug and
                // must not be swallowed.
                Err(payload) => std::panic::resume_unwind(payload),
            }
        }
        parts
    });
    let mut slots: Vec<Option<T>> = (0..count).map(|_| None).collect();
    for (i, value) in parts.drain(..).flatten() {
        slots[i] = Some(value);
    }
    // Every index below `count` was taken by exactly one worker.
    slots.into_iter().flatten().collect()
}
