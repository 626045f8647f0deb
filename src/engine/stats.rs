//! Statistics of a job (MODEL.md): spike counts, inter-spike intervals and mean potential.
//!
//! Per neuron the counts and interval sums are integers, so a job's statistics do not depend on
//! how its neurons were cut into batches or in which order the batches ran. The one float sum,
//! the potential, is folded neuron by neuron in neuron order.

use super::hist::{HistShape, Hists, LaneHists};
use super::phase::{LanePhases, Locking};
use super::vstats::{self, Harmonic, LaneV, VSums};
use crate::input::Clock;
use crate::job::Job;
use crate::lanes::{LaneBits, LaneVec};

/// Per-lane accumulators of a batch.
#[derive(Default)]
pub struct LaneStats {
    spikes: Vec<SpikeSums>,
    v_sum: LaneVec<f64>,
    /// The spikes' phases, for a batch of jobs with a sine part.
    phases: Option<LanePhases>,
    /// The V statistics beyond the mean, for a batch of jobs that take them.
    v: Option<LaneV>,
    /// The histograms, for a batch of jobs that take any.
    hists: Option<LaneHists>,
}

/// One lane's spike and interval sums (together, so a spike touches one cache line).
#[derive(Clone, Copy, Debug)]
struct SpikeSums {
    spikes: u64,
    /// Step of the last counted spike (`NONE` before the first).
    last_spike: u64,
    isis: u64,
    isi_sum: u64,
    /// Sum of squared intervals; fits u64 because the spec keeps a run below 2^32 steps.
    isi_sq: u64,
}

const NONE: u64 = u64::MAX;

impl LaneStats {
    /// Appends `count` lanes, with the clock of their job's sine part (if it has one: every
    /// job of a batch has the same parts), with `v_stats` their rest potential `E_L` (every job
    /// of a batch takes the V statistics, or none), and the histograms `hists` their jobs take
    /// (the same for every job of a batch), counting from step `warmup_steps`.
    pub fn push(
        &mut self,
        count: usize,
        clock: Option<Clock>,
        v_stats: Option<f64>,
        hists: HistShape,
        warmup_steps: u64,
    ) {
        if !hists.is_empty() {
            self.hists
                .get_or_insert_with(|| LaneHists::new(hists, warmup_steps))
                .push(count, clock);
        }
        if let Some(e_l_mv) = v_stats {
            self.v
                .get_or_insert_with(LaneV::default)
                .push(count, e_l_mv, clock);
        }
        if let Some(clock) = clock {
            self.phases
                .get_or_insert_with(LanePhases::default)
                .push(clock, count);
        }
        let n = self.spikes.len() + count;
        let none = SpikeSums {
            spikes: 0,
            last_spike: NONE,
            isis: 0,
            isi_sum: 0,
            isi_sq: 0,
        };
        self.spikes.resize(n, none);
        self.v_sum.resize(n, 0.0);
    }

    /// The per-lane sums of `V(t_n)` over counted steps, for the membrane step to add to.
    pub fn v_sum_mut(&mut self) -> &mut [f64] {
        &mut self.v_sum
    }

    /// Adds the potentials `V(t_n)` of counted step `step` to the V statistics, if the batch
    /// takes them.
    #[inline]
    pub fn add_v(&mut self, step: u64, v_mv: &[f64]) {
        if let Some(v) = &mut self.v {
            v.add(step, v_mv);
        }
    }

    /// Records the spikes of counted step `step` (rare: found 64 lanes at a time). Inlined
    /// into the batch's step (a call per step and pass was measurable on W3).
    #[inline(always)]
    pub fn add_spikes(&mut self, step: u64, spiked: &LaneBits) {
        // Before the intervals' sums: the histograms read each lane's previous spike.
        if self.hists.is_some() {
            self.add_to_hists(step, spiked);
        }
        spiked.for_each_set(|i| self.record(i, step));
        // In a pass of its own: the loop above stays what it is for jobs without a sine.
        if let Some(phases) = &mut self.phases {
            spiked.for_each_set(|i| phases.record(i, step));
        }
    }

    /// The histograms' pass (out of line: the common path stays small enough to inline).
    #[inline(never)]
    fn add_to_hists(&mut self, step: u64, spiked: &LaneBits) {
        let (Some(h), spikes) = (&mut self.hists, &self.spikes) else {
            return;
        };
        spiked.for_each_set(|i| {
            let last = spikes[i].last_spike;
            h.record(i, step, (last != NONE).then_some(last));
        });
    }

    #[inline]
    fn record(&mut self, i: usize, step: u64) {
        let s = &mut self.spikes[i];
        s.spikes += 1;
        if s.last_spike != NONE {
            let isi = step - s.last_spike;
            s.isis += 1;
            s.isi_sum += isi;
            s.isi_sq += isi * isi;
        }
        s.last_spike = step;
    }

    /// The accumulators of lanes `lanes`, summed.
    pub fn segment(&self, lanes: std::ops::Range<usize>) -> SegmentStats {
        let mut s = SegmentStats {
            v_sums: NeuronSums::of(&self.v_sum[lanes.clone()]),
            phase_sums: self.phases.as_ref().map(|p| p.segment(lanes.clone())),
            v_sums_more: self.v.as_ref().map(|v| v.segment(lanes.clone())),
            hists: self
                .hists
                .as_ref()
                .map(|h| Box::new(h.segment(lanes.clone()))),
            ..SegmentStats::default()
        };
        for lane in &self.spikes[lanes] {
            s.spikes += lane.spikes;
            s.spikes_sq += (lane.spikes as u128).pow(2);
            s.isis += lane.isis;
            s.isi_sum += lane.isi_sum as u128;
            s.isi_sq += lane.isi_sq as u128;
        }
        s
    }
}

/// Sums over a contiguous range of one job's neurons.
#[derive(Clone, Debug, Default)]
pub struct SegmentStats {
    pub spikes: u64,
    pub spikes_sq: u128,
    pub isis: u64,
    pub isi_sum: u128,
    pub isi_sq: u128,
    /// Each neuron's sum of `V(t_n)` over counted steps, in neuron order.
    pub v_sums: NeuronSums,
    /// The spikes' phase sums (jobs with a sine part).
    pub phase_sums: Option<[f64; 2]>,
    /// Each neuron's V sums (jobs with `v_stats`), in neuron order.
    pub v_sums_more: Option<Vec<VSums>>,
    /// The segment's histograms (jobs that take any).
    pub hists: Option<Box<Hists>>,
}

/// Each neuron's sum of a segment, kept apart so that a job's total is added up in neuron
/// order however its neurons are cut into segments (the same bits for any cut). The first is
/// held in place, so a one-neuron segment (a sweep of one-neuron jobs: one per job) allocates
/// nothing.
#[derive(Clone, Debug, Default)]
pub struct NeuronSums {
    len: usize,
    first: f64,
    rest: Vec<f64>,
}

impl NeuronSums {
    fn of(sums: &[f64]) -> NeuronSums {
        match sums.split_first() {
            Some((&first, rest)) => NeuronSums {
                len: sums.len(),
                first,
                rest: rest.to_vec(),
            },
            None => NeuronSums::default(),
        }
    }

    /// Neurons in the segment.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `total` plus each neuron's sum in turn, in neuron order.
    fn add_to(&self, total: f64) -> f64 {
        if self.len == 0 {
            return total;
        }
        self.rest.iter().fold(total + self.first, |acc, v| acc + v)
    }
}

/// Collects a job's segments (in neuron order) and computes its statistics.
#[derive(Clone, Debug, Default)]
pub struct JobAccumulator {
    neurons: u64,
    spikes: u64,
    spikes_sq: u128,
    isis: u64,
    isi_sum: u128,
    isi_sq: u128,
    v_sum: f64,
    phase_sums: Option<[f64; 2]>,
    v_more: Option<VSums>,
    hists: Option<Box<Hists>>,
}

/// The statistics columns of a job's row.
#[derive(Clone, Debug, PartialEq)]
pub struct JobStats {
    pub spikes: u64,
    pub isis: u64,
    pub firing_rate_hz: f64,
    /// Null for a one-neuron job (a standard deviation needs two neurons).
    pub firing_rate_sem_hz: Option<f64>,
    pub mean_v_mv: f64,
    /// The mean of the pooled intervals (ms); null if `isis == 0`.
    pub mean_isi_ms: Option<f64>,
    /// Null if `isis < 2`.
    pub cv_isi: Option<f64>,
    /// Null if no neuron spiked or the job has one neuron.
    pub fano: Option<f64>,
    /// Phase locking to the job's sine part; null without one, or without spikes.
    pub locking: Option<Locking>,
    /// The standard deviation of `V(t_n)` over neurons and counted steps; null without
    /// `v_stats` (or with a single sample).
    pub std_v_mv: Option<f64>,
    /// V's first harmonic at the sine's frequency; null without `v_stats` or a sine part.
    pub v_harmonic: Option<Harmonic>,
    /// The histograms the job takes (none: `None`, the common case costs no allocation).
    pub hists: Option<Box<Hists>>,
}

impl JobStats {
    /// The job's histograms (each `None` where it does not take it).
    pub fn hists(&self) -> &Hists {
        static NONE: Hists = Hists {
            isi: None,
            psth: None,
            cycle: None,
        };
        self.hists.as_deref().unwrap_or(&NONE)
    }
}

impl JobAccumulator {
    /// Adds the next segment of the job (segments must come in neuron order).
    pub fn add(&mut self, seg: &SegmentStats) {
        self.neurons += seg.v_sums.len() as u64;
        self.spikes += seg.spikes;
        self.spikes_sq += seg.spikes_sq;
        self.isis += seg.isis;
        self.isi_sum += seg.isi_sum;
        self.isi_sq += seg.isi_sq;
        self.v_sum = seg.v_sums.add_to(self.v_sum);
        if let Some([c, s]) = seg.phase_sums {
            let [c0, s0] = self.phase_sums.unwrap_or([0.0; 2]);
            self.phase_sums = Some([c0 + c, s0 + s]);
        }
        if let Some(h) = &seg.hists {
            match &mut self.hists {
                Some(mine) => mine.add(h),
                None => self.hists = Some(h.clone()),
            }
        }
        if let Some(lanes) = &seg.v_sums_more {
            let start = self.v_more.unwrap_or([0.0; 4]);
            self.v_more = Some(
                lanes
                    .iter()
                    .fold(start, |acc, x| std::array::from_fn(|k| acc[k] + x[k])),
            );
        }
    }

    /// The job's statistics; every neuron of `job` must have been added.
    pub fn finish(&self, job: &Job) -> JobStats {
        assert_eq!(self.neurons, job.sim.neurons, "job {} incomplete", job.id);
        let n = self.neurons as f64;
        let window_s = job.window_s();
        let spikes = self.spikes as f64;
        // Sample variance of the counts, from exact integer sums: (N S2 - S1^2) / (N (N-1)).
        let count_var = (self.neurons >= 2).then(|| {
            exact_spread(self.neurons as u128, self.spikes as u128, self.spikes_sq)
                / (n * (n - 1.0))
        });
        let firing_rate_hz = spikes / (n * window_s);
        let counted = job.counted_steps() as f64;
        let clock = Clock::of(job.model, &job.input, job.sim.dt_ms);
        JobStats {
            spikes: self.spikes,
            isis: self.isis,
            firing_rate_hz,
            firing_rate_sem_hz: count_var.map(|var| var.sqrt() / window_s / n.sqrt()),
            mean_v_mv: self.v_sum / (n * job.counted_steps() as f64),
            mean_isi_ms: (self.isis > 0)
                .then(|| self.isi_sum as f64 / self.isis as f64 * job.sim.dt_ms),
            cv_isi: (self.isis >= 2).then(|| {
                // Sample standard deviation over mean of the pooled intervals.
                let k = self.isis as f64;
                let spread = exact_spread(self.isis as u128, self.isi_sum, self.isi_sq);
                (spread / (k * (k - 1.0))).sqrt() / (self.isi_sum as f64 / k)
            }),
            fano: match count_var {
                Some(var) if self.spikes > 0 => Some(var / (spikes / n)),
                _ => None,
            },
            locking: self
                .phase_sums
                .and_then(|sums| Locking::of(sums, self.spikes, firing_rate_hz)),
            std_v_mv: self
                .v_more
                .and_then(|sums| vstats::std_mv(sums, n * counted)),
            v_harmonic: self.v_more.zip(clock).and_then(|(sums, clock)| {
                let steps = job.warmup_steps()..job.n_steps();
                vstats::fit(sums, n, counted, vstats::design(clock, steps))
            }),
            hists: self.hists.clone(),
        }
    }
}

/// `n * sum_sq - sum^2` (= n^2 times the population variance), exactly when it fits in u128.
fn exact_spread(n: u128, sum: u128, sum_sq: u128) -> f64 {
    match (n.checked_mul(sum_sq), sum.checked_mul(sum)) {
        (Some(a), Some(b)) => (a - b) as f64,
        // Beyond 2^128 (populations and runs far larger than any sweep): fall back to floats.
        _ => {
            let (n, sum, sum_sq) = (n as f64, sum as f64, sum_sq as f64);
            (n * sum_sq - sum * sum).max(0.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Model;

    fn job(neurons: u64) -> Job {
        let mut j = Job::new(Model::CONSTANT);
        j.sim.neurons = neurons;
        j.sim.dt_ms = 1.0;
        j.sim.duration_ms = 1000.0;
        j
    }

    fn lanes_with(spike_steps: &[&[u64]]) -> LaneStats {
        let mut s = LaneStats::default();
        s.push(spike_steps.len(), None, None, HistShape::default(), 0);
        for step in 0..1000 {
            let flags: Vec<bool> = spike_steps.iter().map(|t| t.contains(&step)).collect();
            let mut spiked = LaneBits::default();
            spiked.resize(flags.len());
            spiked.set_from(&flags);
            s.add_spikes(step, &spiked);
        }
        s
    }

    #[test]
    fn statistics_by_hand() {
        // Neuron 0: spikes at 10, 20, 40 (intervals 10, 20); neuron 1: at 5 only; neuron 2: none.
        let s = lanes_with(&[&[10, 20, 40], &[5], &[]]);
        let mut acc = JobAccumulator::default();
        acc.add(&s.segment(0..3));
        let st = acc.finish(&job(3));
        assert_eq!(st.spikes, 4);
        assert_eq!(st.isis, 2);
        // 4 spikes / (3 neurons * 1 s).
        assert!((st.firing_rate_hz - 4.0 / 3.0).abs() < 1e-15);
        // Counts 3, 1, 0: mean 4/3, sample variance ((5/3)^2 + (1/3)^2 + (4/3)^2)/2 = 7/3.
        let var = 7.0 / 3.0;
        assert!((st.fano.unwrap() - var / (4.0 / 3.0)).abs() < 1e-15);
        assert!((st.firing_rate_sem_hz.unwrap() - (var / 3.0f64).sqrt()).abs() < 1e-15);
        // Intervals 10, 20 steps: mean 15 (ms at dt = 1 ms), sample sd sqrt(50).
        assert_eq!(st.mean_isi_ms, Some(15.0));
        assert!((st.cv_isi.unwrap() - 50f64.sqrt() / 15.0).abs() < 1e-15);
    }

    #[test]
    fn null_rules() {
        let mut acc = JobAccumulator::default();
        acc.add(&lanes_with(&[&[], &[]]).segment(0..2));
        let silent = acc.finish(&job(2));
        assert_eq!(silent.firing_rate_hz, 0.0);
        assert_eq!(silent.fano, None);
        assert_eq!(silent.cv_isi, None);
        assert_eq!(silent.mean_isi_ms, None);
        assert_eq!(silent.firing_rate_sem_hz, Some(0.0));

        let mut acc = JobAccumulator::default();
        acc.add(&lanes_with(&[&[3, 9]]).segment(0..1));
        let one = acc.finish(&job(1));
        assert_eq!(one.isis, 1);
        assert_eq!(one.cv_isi, None, "one interval has no spread");
        assert_eq!(one.mean_isi_ms, Some(6.0));
        assert_eq!(one.fano, None, "one neuron has no count variance");
        assert_eq!(one.firing_rate_sem_hz, None);
    }

    #[test]
    fn segments_combine_like_one() {
        let s = lanes_with(&[&[1, 5, 9], &[2, 4], &[7], &[0, 999]]);
        let mut whole = JobAccumulator::default();
        whole.add(&s.segment(0..4));
        let mut parts = JobAccumulator::default();
        parts.add(&s.segment(0..1));
        parts.add(&s.segment(1..4));
        assert_eq!(whole.finish(&job(4)), parts.finish(&job(4)));
    }
}
