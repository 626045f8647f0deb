//! Progress on stderr: an indicatif bar on a terminal, a plain line every ~10 s in a batch log,
//! nothing with `--quiet`. A reporter thread reads the engine's counters; workers never block.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::engine::Counters;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressMode {
    Bar,
    Lines,
    Quiet,
}

impl ProgressMode {
    /// A bar when stderr is a terminal, lines otherwise, nothing when quiet.
    pub fn detect(quiet: bool) -> ProgressMode {
        if quiet {
            ProgressMode::Quiet
        } else if std::io::stderr().is_terminal() {
            ProgressMode::Bar
        } else {
            ProgressMode::Lines
        }
    }
}

/// Interval between plain progress lines.
const LINE_INTERVAL: Duration = Duration::from_secs(10);

pub struct Progress {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

struct Totals {
    jobs: u64,
    neuron_steps: u64,
    /// Parts written so far and to write (dataset runs).
    parts: Option<(Arc<AtomicU64>, u64)>,
}

impl Progress {
    pub fn start(
        mode: ProgressMode,
        counters: Arc<Counters>,
        total_jobs: u64,
        total_neuron_steps: u64,
        parts: Option<(Arc<AtomicU64>, u64)>,
    ) -> Progress {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let totals = Totals {
            jobs: total_jobs,
            neuron_steps: total_neuron_steps,
            parts,
        };
        let thread = match mode {
            ProgressMode::Quiet => None,
            _ => {
                let stop = stop.clone();
                Some(std::thread::spawn(move || {
                    report(mode, &counters, &totals, &stop)
                }))
            }
        };
        Progress { stop, thread }
    }

    /// Stops reporting (the bar is cleared).
    pub fn finish(mut self) {
        self.stop_thread();
    }

    fn stop_thread(&mut self) {
        *self.stop.0.lock().expect("progress lock") = true;
        self.stop.1.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

/// A plain progress line. The time left comes from the neuron-steps done (counted inside long
/// jobs too), and is not guessed before any are.
fn line(elapsed: f64, parts: &str, jobs: u64, steps: u64, totals: &Totals) -> String {
    let rate = steps as f64 / elapsed.max(1e-9);
    let left = if steps == 0 {
        "time left not known yet".to_string()
    } else {
        let secs = totals.neuron_steps.saturating_sub(steps) as f64 / rate;
        format!("about {secs:.0} s left")
    };
    format!(
        "lifsweep: {elapsed:.0} s, {parts}{jobs}/{} jobs done, {:.1}% of {:.3e} neuron-steps, \
         {rate:.3e} neuron-steps/s, {left}",
        totals.jobs,
        100.0 * steps as f64 / totals.neuron_steps.max(1) as f64,
        totals.neuron_steps as f64
    )
}

fn report(mode: ProgressMode, c: &Counters, totals: &Totals, stop: &(Mutex<bool>, Condvar)) {
    let start = Instant::now();
    let bar = (mode == ProgressMode::Bar).then(|| {
        let bar = ProgressBar::new(totals.neuron_steps.max(1));
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} {wide_bar} {percent:>3}% {msg} ETA {eta}",
            )
            .expect("valid progress template"),
        );
        bar
    });
    let tick = if bar.is_some() {
        Duration::from_millis(200)
    } else {
        LINE_INTERVAL
    };
    let mut stopped = stop.0.lock().expect("progress lock");
    loop {
        let (guard, _) = stop.1.wait_timeout(stopped, tick).expect("progress lock");
        stopped = guard;
        if *stopped {
            break;
        }
        let jobs = c.jobs.load(Ordering::Relaxed);
        let steps = c.neuron_steps.load(Ordering::Relaxed);
        let elapsed = start.elapsed().as_secs_f64();
        let rate = steps as f64 / elapsed.max(1e-9);
        let parts = totals.parts.as_ref().map_or(String::new(), |(done, of)| {
            format!("{}/{of} chunks, ", done.load(Ordering::Relaxed))
        });
        match &bar {
            Some(bar) => {
                bar.set_position(steps);
                bar.set_message(format!(
                    "{parts}{jobs}/{} jobs, {rate:.2e} neuron-steps/s",
                    totals.jobs
                ));
            }
            None => eprintln!("{}", line(elapsed, &parts, jobs, steps, totals)),
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_inside_one_long_job_tells_the_time_left_from_neuron_steps() {
        let totals = Totals {
            jobs: 1,
            neuron_steps: 1_000_000_000,
            parts: None,
        };
        let l = line(10.0, "", 0, 0, &totals);
        assert!(
            l.contains("0/1 jobs done") && l.contains("time left not known yet"),
            "{l}"
        );
        let l = line(10.0, "", 0, 250_000_000, &totals);
        assert!(
            l.contains("25.0% of") && l.contains("about 30 s left"),
            "{l}"
        );
    }
}
