//! Hands out the images of a registry scan to scanning threads so that, with the layer cache on,
//! no two scans read the same layer at once: the second waits and then finds the layer in the
//! cache, so a base layer shared by many images is read once.

use std::collections::HashSet;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use plimsoll_model::Digest;

/// What a scanning thread does next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Job<T> {
    /// Open image `i`, then [`Scheduler::claim`] its layers.
    Fresh(usize),
    /// Scan this parked image: its layers are claimed now; [`Scheduler::release`] them after.
    Ready(T, Vec<Digest>),
}

/// Hands out images so that, when `exclusive`, no two scans read a layer (`diff_id`) at once: an
/// image whose layers are being read is parked until they are released (and cached). Parked
/// images stay open, so at most `max_parked` wait at a time.
pub(crate) struct Scheduler<T> {
    state: Mutex<SchedState<T>>,
    wake: Condvar,
    exclusive: bool,
    max_parked: usize,
}

struct SchedState<T> {
    fresh: std::ops::Range<usize>,
    parked: Vec<(T, Vec<Digest>)>,
    busy: HashSet<Digest>,
}

impl<T> Scheduler<T> {
    pub(crate) fn new(count: usize, exclusive: bool, max_parked: usize) -> Self {
        Scheduler {
            state: Mutex::new(SchedState { fresh: 0..count, parked: Vec::new(), busy: HashSet::new() }),
            wake: Condvar::new(),
            exclusive,
            max_parked: max_parked.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, SchedState<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next job; `None` when nothing is left. Blocks while everything left waits for layers
    /// that are being read (whose scans then release them).
    pub(crate) fn next(&self) -> Option<Job<T>> {
        let mut s = self.lock();
        loop {
            let st = &mut *s;
            if let Some(pos) = st.parked.iter().position(|(_, layers)| layers.iter().all(|d| !st.busy.contains(d))) {
                let (t, layers) = st.parked.remove(pos);
                st.busy.extend(layers.iter().cloned());
                return Some(Job::Ready(t, layers));
            }
            if st.parked.len() < self.max_parked {
                if let Some(i) = st.fresh.next() {
                    return Some(Job::Fresh(i));
                }
            }
            if st.parked.is_empty() && st.fresh.is_empty() {
                return None;
            }
            // Something parked conflicts with `busy`, so some scan is running and will wake us.
            s = self.wake.wait(s).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Claims `layers` for the caller's scan and gives `t` back, or parks `t` until they are free.
    pub(crate) fn claim(&self, t: T, layers: Vec<Digest>) -> Option<(T, Vec<Digest>)> {
        if !self.exclusive {
            return Some((t, layers));
        }
        let mut s = self.lock();
        if layers.iter().any(|d| s.busy.contains(d)) {
            s.parked.push((t, layers));
            return None;
        }
        s.busy.extend(layers.iter().cloned());
        Some((t, layers))
    }

    pub(crate) fn release(&self, layers: &[Digest]) {
        if !self.exclusive {
            return;
        }
        let mut s = self.lock();
        for d in layers {
            s.busy.remove(d);
        }
        drop(s);
        self.wake.notify_all();
    }
}

/// Layers claimed from a [`Scheduler`], released on drop.
pub(crate) struct Claim<'a, T> {
    pub(crate) sched: &'a Scheduler<T>,
    pub(crate) layers: Vec<Digest>,
}

impl<T> Drop for Claim<'_, T> {
    fn drop(&mut self) {
        self.sched.release(&self.layers);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: u8) -> Digest {
        Digest::sha256_from_bytes(&[n; 32])
    }

    #[test]
    fn scheduler_keeps_shared_layers_apart() {
        let s: Scheduler<usize> = Scheduler::new(3, true, 4);
        assert_eq!(s.next(), Some(Job::Fresh(0)));
        assert_eq!(s.next(), Some(Job::Fresh(1)));
        assert_eq!(s.claim(0, vec![d(1), d(2)]), Some((0, vec![d(1), d(2)])));
        // Image 1 shares layer 2: parked.
        assert_eq!(s.claim(1, vec![d(2), d(3)]), None);
        assert_eq!(s.next(), Some(Job::Fresh(2)));
        assert_eq!(s.claim(2, vec![d(4)]), Some((2, vec![d(4)])));
        s.release(&[d(4)]);
        s.release(&[d(1), d(2)]);
        assert_eq!(s.next(), Some(Job::Ready(1, vec![d(2), d(3)])));
        // Claimed again: another image with layer 3 would park now.
        assert!(s.lock().busy.contains(&d(3)));
        s.release(&[d(2), d(3)]);
        assert_eq!(s.next(), None);
    }

    #[test]
    fn scheduler_without_cache_never_waits() {
        let s: Scheduler<usize> = Scheduler::new(2, false, 1);
        assert_eq!(s.next(), Some(Job::Fresh(0)));
        assert_eq!(s.claim(0, vec![d(1)]), Some((0, vec![d(1)])));
        assert_eq!(s.next(), Some(Job::Fresh(1)));
        assert_eq!(s.claim(1, vec![d(1)]), Some((1, vec![d(1)])));
        assert_eq!(s.next(), None);
    }

    #[test]
    fn scheduler_waits_when_the_parking_is_full() {
        let s: Scheduler<usize> = Scheduler::new(3, true, 1);
        assert_eq!(s.next(), Some(Job::Fresh(0)));
        assert_eq!(s.next(), Some(Job::Fresh(1)));
        assert!(s.claim(0, vec![d(1)]).is_some());
        assert!(s.claim(1, vec![d(1)]).is_none());
        // The parking is full and its image waits for layer 1: `next` must block until the
        // release, then hand out the parked image before opening image 2.
        let job = std::thread::scope(|sc| {
            let waiter = sc.spawn(|| s.next());
            s.release(&[d(1)]);
            waiter.join().unwrap()
        });
        assert_eq!(job, Some(Job::Ready(1, vec![d(1)])));
    }
}
