//! Stopping a run early: SIGINT (Ctrl-C), SIGTERM (a SLURM time limit, preemption, `kill`) and
//! SIGUSR1 (what `sbatch --signal=B:USR1@T` sends ahead of the time limit) ask a run to stop.
//!
//! A first signal asks for a graceful stop: a dataset run takes no new chunk, finishes the chunk
//! in flight if it can within [`GRACE`], and keeps every finished part. A second signal (or the
//! end of the grace period) stops at once. The signals are caught, so they stop lifsweep even
//! where their default action is to be ignored (lifsweep as PID 1 in a container).

use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGINT, SIGTERM, SIGUSR1};
use signal_hook::iterator::{Handle, Signals};

/// How long a graceful stop may take to finish the chunk in flight before it drops it: well
/// within SLURM's KillWait (30 s between SIGTERM and SIGKILL).
pub const GRACE: Duration = Duration::from_secs(10);

/// Whether a stop was asked for, and how urgently. Cheap to query from the engine's thread.
#[derive(Debug, Default)]
pub struct Stop {
    requests: AtomicUsize,
    signal: AtomicI32,
    first: Mutex<Option<Instant>>,
}

impl Stop {
    pub fn new() -> Arc<Stop> {
        Arc::new(Stop::default())
    }

    /// Asks for a stop (as a signal `signal` does; 0 when it is not a signal).
    pub fn request(&self, signal: i32) {
        let mut first = self.first.lock().expect("stop lock");
        first.get_or_insert_with(Instant::now);
        if self.requests.fetch_add(1, Ordering::SeqCst) == 0 {
            self.signal.store(signal, Ordering::SeqCst);
        }
    }

    /// A stop was asked for: take no new work.
    pub fn requested(&self) -> bool {
        self.requests.load(Ordering::Relaxed) > 0
    }

    /// Stop at once: a second request came, or the first came more than `grace` ago.
    pub fn now(&self, grace: Duration) -> bool {
        match self.requests.load(Ordering::Relaxed) {
            0 => false,
            1 => self
                .first
                .lock()
                .expect("stop lock")
                .is_some_and(|t| t.elapsed() >= grace),
            _ => true,
        }
    }

    /// The first signal that asked for the stop, if any.
    pub fn signal(&self) -> Option<i32> {
        match self.signal.load(Ordering::SeqCst) {
            0 => None,
            s => Some(s),
        }
    }
}

/// The name of a signal (`SIGTERM`), for messages.
pub fn signal_name(signal: i32) -> String {
    signal_hook::low_level::signal_name(signal)
        .map_or_else(|| format!("signal {signal}"), str::to_string)
}

/// A run ended early by a stop request, with nothing of its own left behind.
#[derive(Debug, thiserror::Error)]
#[error("stopped by {}: {what}", signal.map_or("request".to_string(), signal_name))]
pub struct Interrupted {
    pub signal: Option<i32>,
    pub what: String,
}

/// Turns SIGINT, SIGTERM and SIGUSR1 into requests on a [`Stop`] while it lives.
pub struct SignalGuard {
    handle: Handle,
    thread: Option<JoinHandle<()>>,
}

impl SignalGuard {
    /// Catches the signals; `say` is printed on stderr at the first one (unless empty), `again`
    /// at the second.
    pub fn install(stop: Arc<Stop>, say: String, again: String) -> std::io::Result<SignalGuard> {
        let mut signals = Signals::new([SIGINT, SIGTERM, SIGUSR1])?;
        let handle = signals.handle();
        let thread = std::thread::Builder::new()
            .name("lifsweep-signals".into())
            .spawn(move || {
                for signal in signals.forever() {
                    let first = !stop.requested();
                    stop.request(signal);
                    let text = if first { &say } else { &again };
                    if !text.is_empty() {
                        eprintln!("lifsweep: {}: {text}", signal_name(signal));
                    }
                }
            })?;
        Ok(SignalGuard {
            handle,
            thread: Some(thread),
        })
    }
}

impl Drop for SignalGuard {
    fn drop(&mut self) {
        self.handle.close();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_request_or_the_grace_period_means_now() {
        let stop = Stop::new();
        assert!(!stop.requested() && !stop.now(Duration::ZERO));
        stop.request(SIGTERM);
        assert!(stop.requested());
        assert!(!stop.now(Duration::from_secs(3600)));
        assert!(stop.now(Duration::ZERO));
        stop.request(SIGINT);
        assert!(stop.now(Duration::from_secs(3600)));
        assert_eq!(stop.signal(), Some(SIGTERM));
        assert_eq!(signal_name(SIGUSR1), "SIGUSR1");
    }
}
