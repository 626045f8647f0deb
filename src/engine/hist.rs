//! Histograms of a job's counted spikes (opt-in, each by its own keys): the ISI histogram, the
//! PSTH, and for a job with a sine part the cycle histogram. All are integer counts, summed per
//! job, so they are reproducible like the spike counts (docs/MODEL.md).
//!
//! - ISI: interval `k` steps in bin `floor(k / isi_bin_steps)` if below `isi_max_ms`; longer ones
//!   are left out (`isis - sum(isi_hist)` of them).
//! - PSTH: a spike produced by counted step `n` (at `t_{n+1}`) in bin
//!   `floor((n - warmup_steps) / psth_bin_steps)`: bin `j` holds the spikes at
//!   `t` in `(warmup + j b, warmup + (j + 1) b]`, the last bin perhaps shorter.
//! - cycle: the sine's phase at the spike ([`crate::input::Clock`], as for `vector_strength`),
//!   `floor(frac(t_{n+1}/period + phase_deg/360) x cycle_bins)`.

use crate::input::Clock;
use crate::job::{Job, steps_in};

/// Most bins one histogram may have (every row holds its counts).
pub const MAX_BINS: u64 = 10_000;

/// Which histograms a job takes, in bins: what jobs sharing a batch must agree on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HistShape {
    /// (steps per bin, bins).
    pub isi: Option<(u64, usize)>,
    /// (steps per bin, bins).
    pub psth: Option<(u64, usize)>,
    /// Bins per period (jobs with a sine part).
    pub cycle: Option<usize>,
}

impl HistShape {
    pub fn of(job: &Job) -> HistShape {
        let dt = job.sim.dt_ms;
        let isi = (job.sim.isi_bin_ms > 0.0).then(|| {
            let bin = steps_in(job.sim.isi_bin_ms, dt);
            (
                bin,
                crate::fastmath::round_u64(job.sim.isi_max_ms / job.sim.isi_bin_ms) as usize,
            )
        });
        let psth = (job.sim.psth_bin_ms > 0.0).then(|| {
            let bin = steps_in(job.sim.psth_bin_ms, dt);
            (bin, job.counted_steps().div_ceil(bin) as usize)
        });
        let sine = Clock::of(job.model, &job.input, dt).is_some();
        let cycle = (sine && job.sim.cycle_bins > 0).then_some(job.sim.cycle_bins as usize);
        HistShape { isi, psth, cycle }
    }

    pub fn is_empty(&self) -> bool {
        *self == HistShape::default()
    }
}

/// A job's histograms (each `None` where the job does not take it).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hists {
    pub isi: Option<Vec<u64>>,
    pub psth: Option<Vec<u64>>,
    pub cycle: Option<Vec<u64>>,
}

impl Hists {
    fn empty(shape: HistShape) -> Hists {
        Hists {
            isi: shape.isi.map(|(_, bins)| vec![0; bins]),
            psth: shape.psth.map(|(_, bins)| vec![0; bins]),
            cycle: shape.cycle.map(|bins| vec![0; bins]),
        }
    }

    /// Adds `other`'s counts (of the same shape).
    pub fn add(&mut self, other: &Hists) {
        for (mine, theirs) in [
            (&mut self.isi, &other.isi),
            (&mut self.psth, &other.psth),
            (&mut self.cycle, &other.cycle),
        ] {
            if let (Some(a), Some(b)) = (mine, theirs) {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
            }
        }
    }
}

/// The histograms of a batch: one set per push (a push is one job's lanes), each lane knowing
/// its set.
pub struct LaneHists {
    shape: HistShape,
    warmup_steps: u64,
    group_of: Vec<u32>,
    /// (first lane, lanes, the job's sine clock, counts).
    groups: Vec<(usize, usize, Option<Clock>, Hists)>,
}

impl LaneHists {
    pub fn new(shape: HistShape, warmup_steps: u64) -> LaneHists {
        LaneHists {
            shape,
            warmup_steps,
            group_of: Vec::new(),
            groups: Vec::new(),
        }
    }

    /// Appends `count` lanes of one job, with its sine clock (if it has one).
    pub fn push(&mut self, count: usize, clock: Option<Clock>) {
        let g = self.groups.len() as u32;
        let first = self.group_of.len();
        self.group_of.extend(std::iter::repeat_n(g, count));
        self.groups
            .push((first, count, clock, Hists::empty(self.shape)));
    }

    /// Records lane `lane`'s spike produced by counted step `step`, `last` the step of its
    /// previous counted spike (if any).
    #[inline]
    pub fn record(&mut self, lane: usize, step: u64, last: Option<u64>) {
        let shape = self.shape;
        let (_, _, clock, h) = &mut self.groups[self.group_of[lane] as usize];
        if let (Some((bin, _)), Some(last), Some(counts)) = (shape.isi, last, &mut h.isi)
            && let Some(c) = counts.get_mut(((step - last) / bin) as usize)
        {
            *c += 1;
        }
        if let (Some((bin, _)), Some(counts)) = (shape.psth, &mut h.psth) {
            counts[((step - self.warmup_steps) / bin) as usize] += 1;
        }
        if let (Some(clock), Some(counts)) = (clock, &mut h.cycle) {
            let bins = counts.len();
            // (A fraction just below 1 may round up to `bins`.)
            let bin = (clock.fraction((step + 1) as f64) * bins as f64) as usize;
            counts[bin.min(bins - 1)] += 1;
        }
    }

    /// The counts of lanes `lanes` (whole jobs' lanes, as pushed), summed.
    pub fn segment(&self, lanes: std::ops::Range<usize>) -> Hists {
        let mut sum = Hists::empty(self.shape);
        for (first, count, _, h) in &self.groups {
            if *first >= lanes.start && first + count <= lanes.end {
                sum.add(h);
            } else {
                assert!(
                    first + count <= lanes.start || *first >= lanes.end,
                    "a segment cuts a job's lanes"
                );
            }
        }
        sum
    }
}
