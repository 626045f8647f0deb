//! Poisson spike input through an exponential synapse:
//! `c_n = I_syn,n`, `I_syn,n = I_syn,n-1 * exp(-dt/tau_s) + w * k_n`, `k_n ~ Poisson(rate*dt)`.
//!
//! Every neuron receives its own presynaptic Poisson train. The event count of a step is drawn by
//! inversion: one uniform `u` per neuron-step, `k = min{k : u < F(k)}` against a per-job table of
//! the Poisson CDF `F` for the mean `rate * dt`. The table is exact to double precision: it stops
//! where the remaining tail is below 1e-20, and its last entry is 1. `tau_s = 0` gives a one-step
//! pulse (`exp(-dt/0) = 0`).
//!
//! [`PoissonLanes`] is the fast path: lockstep streams, and the first four CDF values of each lane
//! held side by side, so `k < 4` (all but ~1e-3 of the draws at `rate*dt = 0.4`) is found by four
//! vector compares; larger counts search the table. It compares the 64-bit numbers themselves
//! with integer thresholds ([`threshold`]: `u >= F` exactly where the number is above it), which
//! spares the conversion of each number to its uniform. Its AVX-512 and AVX2 loops draw two
//! steps' counts in one pass (each lane's numbers in their order, so the same counts) and apply
//! the second at the next step. [`PoissonReference`] is the scalar twin the tests compare with; both give the
//! same counts from the same numbers.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;

use rand_xoshiro::Xoshiro256PlusPlus;

use super::lanes::{Events, PartLanes};
use super::params::{ModelParams, Param};
use super::part::{Allowed, Cost, JobView, ParamDef, Part};
use crate::lanes::LaneVec;
use crate::rng::{self, LaneStreams, to_uniform};
use crate::theory::free_membrane::Drive;
use crate::theory::{diffusion, shot_noise};

const RATE_DEF: ParamDef = ParamDef {
    key: "rate_hz",
    code: 301,
    unit: "Hz",
    default: None,
    allowed: Allowed::NonNegative,
    doc: "presynaptic Poisson rate",
};

const W_DEF: ParamDef = ParamDef {
    key: "w_na",
    code: 302,
    unit: "nA",
    default: None,
    allowed: Allowed::Finite,
    doc: "jump of the synaptic current per event (signed)",
};

const TAU_S_DEF: ParamDef = ParamDef {
    key: "tau_s_ms",
    code: 303,
    unit: "ms",
    default: None,
    allowed: Allowed::NonNegative,
    doc: "synaptic decay time (0: a one-step pulse)",
};

pub const RATE: Param = Param::of(&RATE_DEF);
pub const W: Param = Param::of(&W_DEF);
pub const TAU_S: Param = Param::of(&TAU_S_DEF);

/// The parameters of one Poisson source: this part's, or another part's with the same rule
/// (`poisson_i`).
#[derive(Clone, Copy, Debug)]
pub struct Source {
    pub rate: Param,
    pub w: Param,
    pub tau: Param,
}

/// This part's source.
pub const EXCITATORY: Source = Source {
    rate: RATE,
    w: W,
    tau: TAU_S,
};

impl Default for Source {
    /// [`EXCITATORY`].
    fn default() -> Self {
        EXCITATORY
    }
}

impl Source {
    /// Whether the source delivers nothing (no events, or events of weight 0).
    pub fn quiet(&self, p: &ModelParams) -> bool {
        p.value(self.rate) == 0.0 || p.value(self.w) == 0.0
    }

    /// At most [`MAX_EVENTS_PER_STEP`] events per step, at the block's largest rate and step.
    pub fn check(&self, max: &dyn Fn(Param) -> f64, dt_max: f64) -> Result<(), (Param, String)> {
        let rate_max = max(self.rate);
        let mean = events_per_step(rate_max, dt_max);
        if mean > MAX_EVENTS_PER_STEP {
            return Err((
                self.rate,
                format!(
                    "{} = {rate_max} at dt_ms = {dt_max} is {mean} presynaptic events per \
                     step; at most {MAX_EVENTS_PER_STEP} are allowed: use a smaller dt_ms",
                    self.rate.key()
                ),
            ));
        }
        Ok(())
    }

    /// The synaptic current `c_n = d c_(n-1) + w k_n`, `d = exp(-dt/tau_s)`, `k_n` Poisson of
    /// mean `lambda = rate dt`: mean `w lambda / (1 - d)`, variance `w^2 lambda / (1 - d^2)`,
    /// autocovariance falling by `d` a step (a one-step pulse for `tau_s = 0`: `d = 0`).
    pub fn membrane(&self, job: &JobView<'_>) -> Drive {
        let p = |k| job.params.value(k);
        let (w, lambda) = (p(self.w), events_per_step(p(self.rate), job.dt_ms));
        let d = (-job.dt_ms / p(self.tau)).exp();
        Drive::Stationary {
            mean_na: w * lambda / (1.0 - d),
            var_na2: w * w * lambda / (1.0 - d * d),
            corr: d,
        }
    }

    /// The source in the diffusion approximation ([`shot_noise`]).
    pub fn diffusion(&self, job: &JobView<'_>) -> diffusion::Source {
        let p = |k| job.params.value(k);
        shot_noise::source(job.neuron, job.dt_ms, p(self.rate), p(self.w), p(self.tau))
    }
}

pub const PART: Part = Part {
    name: "poisson",
    code: 300,
    formula: "I_syn: decays by exp(-dt_ms/tau_s_ms) per step, + w_na per event, \
              k_n ~ Poisson(rate_hz * dt_ms / 1000) events per neuron and step",
    params: &[RATE_DEF, W_DEF, TAU_S_DEF],
    mu_optional: true,
    lanes: || Box::<PoissonLanes>::default(),
    reference: || Box::<PoissonReference>::default(),
    cost: Cost {
        // 0.73 before the two-steps-per-pass draw (benches/plan_costs.sh: 0.433 -> 0.345 s).
        ns_per_neuron_step: 0.56,
        ns_per_event: 0.45,
        ns_per_neuron: 22.0,
        // 17.74e-6 while the diffusion theory was adaptive quadrature.
        seconds_per_job: 0.30e-6,
        events_per_step: Some(|p, dt| events_per_step(p.value(RATE), dt)),
        params: &[&RATE_DEF],
        ..Cost::NONE
    },
    quiet: |p| EXCITATORY.quiet(p),
    diffusion: Some(|job| EXCITATORY.diffusion(job)),
    theory: None,
    membrane: Some(|job| EXCITATORY.membrane(job)),
    check: Some(|max, dt_max| EXCITATORY.check(max, dt_max)),
    rules: "rate_hz * dt_ms / 1000 <= 500 events per step",
};

/// Largest mean number of presynaptic events per step, [`events_per_step`], that the spec
/// accepts (the CDF table starts at `exp(-mean)`, which must not underflow).
pub const MAX_EVENTS_PER_STEP: f64 = 500.0;

/// The mean number of presynaptic events per step, `rate_hz * dt_ms / 1000`.
pub fn events_per_step(rate_hz: f64, dt_ms: f64) -> f64 {
    rate_hz * dt_ms / 1000.0
}

/// The synapse of MODEL.md: decay the current by `decay = exp(-dt/tau_s)`, add `w` per event.
#[inline]
pub fn synapse_step(i_syn_na: f64, decay: f64, w_na: f64, events: u32) -> f64 {
    i_syn_na * decay + w_na * events as f64
}

/// The CDF of a Poisson distribution, for sampling by inversion.
#[derive(Clone, Debug)]
pub struct PoissonTable {
    cdf: Vec<f64>,
}

impl PoissonTable {
    /// The table for mean `lambda` (0 <= lambda <= [`MAX_EVENTS_PER_STEP`]).
    pub fn new(lambda: f64) -> PoissonTable {
        assert!(
            (0.0..=MAX_EVENTS_PER_STEP).contains(&lambda),
            "Poisson mean {lambda} out of range"
        );
        let mut cdf = Vec::new();
        let mut pmf = (-lambda).exp();
        let mut sum = 0.0;
        let mut k = 0.0;
        loop {
            sum += pmf;
            cdf.push(sum);
            k += 1.0;
            pmf *= lambda / k;
            // Past the mode, stop once the rest of the tail (< pmf * 2 here) cannot matter.
            if k > lambda && pmf < 1e-20 {
                break;
            }
        }
        *cdf.last_mut().expect("the table has an entry") = 1.0;
        PoissonTable { cdf }
    }

    /// The count for a uniform `u` in [0, 1): the smallest k with `u < F(k)`.
    #[inline]
    pub fn sample(&self, u: f64) -> u32 {
        if self.cdf.len() <= 32 {
            let mut k = 0;
            while u >= self.cdf[k] {
                k += 1;
            }
            k as u32
        } else {
            self.cdf.partition_point(|&f| f <= u) as u32
        }
    }

    /// P(k <= `k`).
    pub fn cdf(&self, k: usize) -> f64 {
        self.cdf.get(k).copied().unwrap_or(1.0)
    }
}

/// The CDF tables of a batch: consecutive lanes of one job share theirs.
#[derive(Default)]
struct Tables {
    tables: Vec<PoissonTable>,
    /// Mean of each table.
    means: Vec<f64>,
}

impl Tables {
    /// The index of the table for mean `lambda` (a new one unless the last table has it).
    fn index_for(&mut self, lambda: f64) -> u32 {
        if self.means.last() != Some(&lambda) {
            self.tables.push(PoissonTable::new(lambda));
            self.means.push(lambda);
        }
        (self.tables.len() - 1) as u32
    }

    fn get(&self, index: u32) -> &PoissonTable {
        &self.tables[index as usize]
    }

    /// The count that table `index` gives the 64-bit number `raw` (a draw the fast path's
    /// head does not settle).
    fn count(&self, index: u32, raw: u64) -> u32 {
        self.get(index).sample(to_uniform(raw))
    }
}

/// The CDF values the fast path compares against directly.
const HEAD: usize = 4;

/// The largest 64-bit number whose uniform is below `f` (`0 < f`): `to_uniform(x) >= f` exactly
/// where `x > threshold(f)`. (`to_uniform(x) = (x >> 11) 2^-53 >= f` iff `x >> 11 >= c = ceil(f
/// 2^53)`, as `x >> 11` is an integer and `f 2^53` exact, iff `x >= c 2^11`; for `f > 1 - 2^-53`
/// no number qualifies, and the threshold is `u64::MAX`.)
fn threshold(f: f64) -> u64 {
    assert!(f > 0.0, "a CDF value is positive, got {f}");
    let c = (f * (1u64 << 53) as f64).ceil();
    if c >= (1u64 << 53) as f64 {
        u64::MAX
    } else {
        ((c as u64) << 11) - 1
    }
}

/// One step's arrays for the hand-written kernels (`avx512::draw_and_apply`,
/// `avx2::draw_and_apply`).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
struct Step<'a> {
    states: [&'a mut [u64]; 4],
    /// The CDF head's thresholds ([`threshold`]).
    head: [&'a [u64]; HEAD],
    /// The same for the AVX2 kernel, as it compares them ([`avx2::high_halves`]; empty for
    /// the AVX-512 one).
    head_hi: &'a [i32],
    w_na: &'a [f64],
    decay: &'a [f64],
    base: &'a [f64],
    i_syn_na: &'a mut [f64],
    /// This step's numbers (needed only for the lanes in `rare`; a kernel may write the others).
    raw: &'a mut [u64],
    /// The counts (empty: not wanted; see [`Kernel`]).
    events: &'a mut [u32],
    /// Whether to add the counts to `events` rather than write them.
    add_events: bool,
    current: &'a mut [f64],
    /// The lanes needing the table, in order; needs room for 8 more entries than lanes.
    rare: &'a mut [u32],
    /// The next step's counts, drawn in the same pass (`HEAD` where the table is needed).
    ahead: &'a mut [u32],
    /// The next step's numbers (needed only for the lanes in `rare_ahead`; a kernel may write
    /// the others too).
    raw_ahead: &'a mut [u64],
    /// The lanes whose next count needs the table, in order (8 entries to spare).
    rare_ahead: &'a mut [u32],
}

#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
impl Step<'_> {
    /// The number of lanes, `current`'s; checks that every array holds them (the lists 8
    /// more) and that they are a multiple of `block`, the kernel's vector.
    fn check(&self, block: usize) -> usize {
        let n = self.current.len();
        assert!(n.is_multiple_of(block));
        assert!(self.states.iter().all(|s| s.len() >= n));
        assert!(self.head.iter().all(|h| h.len() >= n));
        assert!(self.w_na.len() >= n && self.decay.len() >= n && self.base.len() >= n);
        assert!(self.i_syn_na.len() >= n && self.raw.len() >= n);
        // Empty `events`: not wanted (a kernel that writes them anyway asserts their room).
        assert!(self.events.is_empty() || self.events.len() >= n);
        assert!(self.rare.len() >= n + 8 && self.rare_ahead.len() >= n + 8);
        assert!(self.ahead.len() >= n && self.raw_ahead.len() >= n);
        n
    }
}

/// The fast path (see the module docs).
#[derive(Default)]
pub struct PoissonLanes {
    source: Source,
    w_na: LaneVec<f64>,
    decay: LaneVec<f64>,
    i_syn_na: LaneVec<f64>,
    /// `threshold(F(k))`, `k = 0 .. HEAD - 1`, of each lane's table, one vector per k.
    head: [LaneVec<u64>; HEAD],
    /// `head` laid out for the AVX2 kernel (made at its first step).
    head_hi: Vec<i32>,
    table: LaneVec<u32>,
    tables: Tables,
    streams: LaneStreams,
    raw: LaneVec<u64>,
    /// Each lane's count of this step (portable loops; scratch for a kernel that writes counts
    /// nobody asked for).
    counts: LaneVec<u32>,
    /// The lanes whose count needs the table this step (the vector kernels; 8 entries to spare).
    rare: Vec<u32>,
    /// The vector kernels draw two steps' counts per pass: the next step's (resolved), its
    /// numbers where the table is needed, and which step they are for.
    ahead: LaneVec<u32>,
    raw_ahead: LaneVec<u64>,
    rare_ahead: Vec<u32>,
    ahead_step: Option<u64>,
}

impl PoissonLanes {
    /// The fast path of `source`.
    pub fn of(source: Source) -> PoissonLanes {
        PoissonLanes {
            source,
            ..Default::default()
        }
    }
}

impl PoissonReference {
    /// The reference of `source`.
    pub fn of(source: Source) -> PoissonReference {
        PoissonReference {
            source,
            ..Default::default()
        }
    }
}

impl PartLanes for PoissonLanes {
    fn push(&mut self, job: &JobView<'_>, seed: u64, first_neuron: u64, count: usize) {
        // Lanes join before the first step (a count drawn ahead would be lost).
        assert!(self.ahead_step.is_none(), "lanes pushed after stepping");
        let s = Synapse::of(job.params, job.dt_ms, self.source);
        let index = self.tables.index_for(s.lambda);
        let table = self.tables.get(index);
        for (k, head) in self.head.iter_mut().enumerate() {
            head.extend(std::iter::repeat_n(threshold(table.cdf(k)), count));
        }
        // Laid out anew for the AVX2 kernel at its first step.
        self.head_hi.clear();
        let rep = |x: f64| std::iter::repeat_n(x, count);
        self.w_na.extend(rep(s.w_na));
        self.decay.extend(rep(s.decay));
        self.i_syn_na.extend(rep(0.0));
        self.table.extend(std::iter::repeat_n(index, count));
        for neuron in first_neuron..first_neuron + count as u64 {
            self.streams.push(seed, neuron);
        }
        self.raw.resize(self.w_na.len(), 0);
        self.counts.resize(self.w_na.len(), 0);
        self.rare.resize(self.w_na.len() + 8, 0);
        self.ahead.resize(self.w_na.len(), 0);
        self.raw_ahead.resize(self.w_na.len(), 0);
        self.rare_ahead.resize(self.w_na.len() + 8, 0);
    }

    fn add(&mut self, step: u64, base: &[f64], current: &mut [f64], events: Events<'_>) {
        let n = current.len();
        if let Some(ahead) = self.ahead_step.take() {
            // This step's counts were drawn with the last step's.
            assert_eq!(ahead, step, "steps are taken in order");
            let lanes = Lanes {
                head: &self.head,
                w_na: &self.w_na,
                decay: &self.decay,
            };
            apply_synapse(
                &lanes,
                &mut self.i_syn_na,
                &self.ahead[..n],
                base,
                current,
                events,
            );
            return;
        }
        let Events {
            counts: events,
            add,
        } = events;
        #[cfg(target_arch = "x86_64")]
        let counting = !events.is_empty();
        #[cfg(target_arch = "x86_64")]
        if let Some(k) = kernel(n, counting) {
            let [f0, f1, f2, f3] = &self.head;
            if k.high_halves && self.head_hi.len() != n * 2 * HEAD {
                avx2::high_halves([f0, f1, f2, f3], n, &mut self.head_hi);
            }
            let (events, add) = match (counting, k.always_counts) {
                (true, _) => (&mut events[..n], add),
                // Counts nobody reads, into scratch.
                (false, true) => (&mut self.counts[..n], false),
                (false, false) => (&mut events[..0], false),
            };
            let pass = Step {
                states: self.streams.states(n),
                head: [f0, f1, f2, f3],
                head_hi: &self.head_hi,
                w_na: &self.w_na,
                decay: &self.decay,
                base,
                i_syn_na: &mut self.i_syn_na,
                raw: &mut self.raw,
                events,
                add_events: add,
                current,
                rare: &mut self.rare,
                ahead: &mut self.ahead,
                raw_ahead: &mut self.raw_ahead,
                rare_ahead: &mut self.rare_ahead,
            };
            // SAFETY: kernel() gives a kernel only for a vector unit the CPU has.
            let (rare, rare_ahead) = unsafe { (k.run)(pass) };
            for &lane in &self.rare_ahead[..rare_ahead] {
                let i = lane as usize;
                self.ahead[i] = self.tables.count(self.table[i], self.raw_ahead[i]);
            }
            self.ahead_step = Some(step + 1);
            for &lane in &self.rare[..rare] {
                let i = lane as usize;
                // Its count from its table (a draw beyond the head).
                let k = self.tables.count(self.table[i], self.raw[i]);
                if counting {
                    events[i] = events[i] - HEAD as u32 + k;
                }
                self.i_syn_na[i] = synapse_step(self.i_syn_na[i], self.decay[i], self.w_na[i], k);
                current[i] = base[i] + self.i_syn_na[i];
            }
            return;
        }
        let lanes = Lanes {
            head: &self.head,
            w_na: &self.w_na,
            decay: &self.decay,
        };
        let counts = &mut self.counts[..n];
        let rare = draw_counts(&lanes, &mut self.streams, &mut self.raw, counts);
        if rare {
            for (i, k) in counts.iter_mut().enumerate() {
                if *k == HEAD as u32 {
                    *k = self.tables.count(self.table[i], self.raw[i]);
                }
            }
        }
        let events = Events {
            counts: events,
            add,
        };
        apply_synapse(&lanes, &mut self.i_syn_na, counts, base, current, events);
    }

    fn has_events(&self) -> bool {
        true
    }
}

/// A hand-written kernel.
#[cfg(target_arch = "x86_64")]
struct Kernel {
    run: unsafe fn(Step<'_>) -> (usize, usize),
    /// Whether it needs [`Step::head_hi`].
    high_halves: bool,
    /// Whether it writes the counts even when nobody reads them (give it room).
    always_counts: bool,
}

/// The hand-written kernel for `n` lanes on this CPU, if there is one: AVX-512 for a multiple
/// of eight lanes, AVX2 for a multiple of four; `counting`: whether the counts are wanted.
/// (Unsafe to call unless the CPU has its unit.)
#[cfg(target_arch = "x86_64")]
fn kernel(n: usize, counting: bool) -> Option<Kernel> {
    use crate::fastmath::SimdLevel;
    match crate::fastmath::simd_level() {
        SimdLevel::Avx512 if n.is_multiple_of(8) => Some(Kernel {
            run: avx512::draw_and_apply,
            high_halves: false,
            always_counts: true,
        }),
        SimdLevel::Avx512 | SimdLevel::Avx2 if n.is_multiple_of(4) => Some(Kernel {
            run: if counting {
                avx2::draw_and_apply::<true>
            } else {
                avx2::draw_and_apply::<false>
            },
            high_halves: true,
            always_counts: false,
        }),
        _ => None,
    }
}

struct Lanes<'a> {
    head: &'a [LaneVec<u64>; HEAD],
    w_na: &'a [f64],
    decay: &'a [f64],
}

crate::dispatch!(
    /// Draws every lane's count as `#{k < HEAD : F(k) <= u}`, compared as numbers with the
    /// thresholds (`HEAD` meaning "search the table"); returns whether any lane needs the
    /// table.
    fn draw_counts = draw_counts_generic(
        lanes: &Lanes<'_>,
        streams: &mut LaneStreams,
        raw: &mut [u64],
        events: &mut [u32],
    ) -> bool
);

#[inline(always)]
fn draw_counts_generic(
    lanes: &Lanes<'_>,
    streams: &mut LaneStreams,
    raw: &mut [u64],
    events: &mut [u32],
) -> bool {
    let n = events.len();
    streams.next(&mut raw[..n]);
    let [t0, t1, t2, t3] = lanes.head;
    let (t0, t1, t2, t3) = (&t0[..n], &t1[..n], &t2[..n], &t3[..n]);
    let mut rare = false;
    for i in 0..n {
        let x = raw[i];
        let k = (x > t0[i]) as u32 + (x > t1[i]) as u32 + (x > t2[i]) as u32 + (x > t3[i]) as u32;
        events[i] = k;
        rare |= k == HEAD as u32;
    }
    rare
}

crate::dispatch!(
    /// The synapse of every lane: decay, add `w` per event; the current is `base + I_syn`;
    /// the counts go to `events`.
    fn apply_synapse = apply_synapse_generic(
        lanes: &Lanes<'_>,
        i_syn_na: &mut [f64],
        counts: &[u32],
        base: &[f64],
        current: &mut [f64],
        events: Events<'_>,
    )
);

#[inline(always)]
fn apply_synapse_generic(
    lanes: &Lanes<'_>,
    i_syn_na: &mut [f64],
    counts: &[u32],
    base: &[f64],
    current: &mut [f64],
    events: Events<'_>,
) {
    let n = current.len();
    let (w, decay, i_syn, counts, base) = (
        &lanes.w_na[..n],
        &lanes.decay[..n],
        &mut i_syn_na[..n],
        &counts[..n],
        &base[..n],
    );
    for i in 0..n {
        i_syn[i] = synapse_step(i_syn[i], decay[i], w[i], counts[i]);
        current[i] = base[i] + i_syn[i];
    }
    if events.counts.is_empty() {
        return;
    }
    let (out, add) = (&mut events.counts[..n], events.add);
    if add {
        out.iter_mut().zip(counts).for_each(|(e, &k)| *e += k);
    } else {
        out.copy_from_slice(counts);
    }
}

/// A job's synapse: presynaptic mean per step and the synapse's constants.
struct Synapse {
    lambda: f64,
    decay: f64,
    w_na: f64,
}

impl Synapse {
    fn of(p: &ModelParams, dt_ms: f64, source: Source) -> Synapse {
        Synapse {
            lambda: events_per_step(p.value(source.rate), dt_ms),
            decay: (-dt_ms / p.value(source.tau)).exp(),
            w_na: p.value(source.w),
        }
    }
}

/// The scalar reference (see the module docs).
#[derive(Default)]
pub struct PoissonReference {
    source: Source,
    w_na: Vec<f64>,
    /// `exp(-dt/tau_s)`.
    decay: Vec<f64>,
    i_syn_na: Vec<f64>,
    table: Vec<u32>,
    tables: Tables,
    rngs: Vec<Xoshiro256PlusPlus>,
}

impl PartLanes for PoissonReference {
    fn push(&mut self, job: &JobView<'_>, seed: u64, first_neuron: u64, count: usize) {
        let s = Synapse::of(job.params, job.dt_ms, self.source);
        let table = self.tables.index_for(s.lambda);
        self.w_na.extend(std::iter::repeat_n(s.w_na, count));
        self.decay.extend(std::iter::repeat_n(s.decay, count));
        self.i_syn_na.extend(std::iter::repeat_n(0.0, count));
        self.table.extend(std::iter::repeat_n(table, count));
        self.rngs.extend(
            (first_neuron..first_neuron + count as u64).map(|i| rng::neuron_stream(seed, i)),
        );
    }

    fn add(&mut self, _step: u64, base: &[f64], current: &mut [f64], events: Events<'_>) {
        for (i, out) in current.iter_mut().enumerate() {
            let u = rng::uniform(&mut self.rngs[i]);
            let k = self.tables.get(self.table[i]).sample(u);
            if !events.counts.is_empty() {
                events.counts[i] = if events.add { events.counts[i] + k } else { k };
            }
            self.i_syn_na[i] = synapse_step(self.i_syn_na[i], self.decay[i], self.w_na[i], k);
            *out = base[i] + self.i_syn_na[i];
        }
    }

    fn has_events(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::Rng;

    #[test]
    fn table_is_the_poisson_cdf() {
        let t = PoissonTable::new(2.0);
        let e = (-2.0f64).exp();
        assert!((t.cdf(0) - e).abs() < 1e-15);
        assert!((t.cdf(1) - 3.0 * e).abs() < 1e-15);
        assert!((t.cdf(2) - 5.0 * e).abs() < 1e-15);
        assert_eq!(t.sample(0.0), 0);
        assert_eq!(t.sample(e), 1);
        assert_eq!(t.sample(e * 0.999), 0);
        // The largest uniform, 1 - 2^-53, falls inside the table, where the CDF has reached 1.
        let top = t.sample(1.0 - f64::EPSILON / 2.0) as usize;
        assert!(top < t.cdf.len());
        assert_eq!(t.cdf(top), 1.0);
    }

    #[test]
    fn a_number_is_above_the_threshold_exactly_where_its_uniform_reaches_f() {
        // At the thresholds' edges and at random numbers, for CDF values across the range (the
        // smallest e^-500, values just below and at 1, and values with and without low bits).
        let mut fs = vec![
            (-500.0f64).exp(),
            1e-300,
            0.25,
            0.5,
            1.0,
            1.0 - f64::EPSILON / 2.0,
        ];
        fs.extend([1.0 - f64::EPSILON, 1.0 + f64::EPSILON, 0.9]);
        let mut rng = rng::neuron_stream(11, 0);
        for _ in 0..2000 {
            fs.push(rng::uniform(&mut rng).max(1e-12));
        }
        for &f in &fs {
            let t = threshold(f);
            let mut xs = vec![0, 1, u64::MAX, t, t.wrapping_add(1), t.wrapping_sub(1)];
            xs.extend((0..50).map(|_| rng.next_u64()));
            for x in xs {
                assert_eq!(
                    x > t,
                    to_uniform(x) >= f,
                    "f = {f:e}, x = {x:#x}, t = {t:#x}"
                );
            }
        }
    }

    #[test]
    fn zero_rate_never_fires_and_large_means_use_the_same_rule() {
        let t = PoissonTable::new(0.0);
        assert_eq!(t.sample(0.999_999), 0);
        let big = PoissonTable::new(400.0);
        assert!(big.cdf.len() > 32);
        for u in [0.0, 0.1, 0.5, 0.9, 0.999_999] {
            let linear = big.cdf.iter().position(|&f| u < f).unwrap() as u32;
            assert_eq!(big.sample(u), linear);
        }
        // The median of Poisson(400) is 400 (within one).
        assert!((big.sample(0.5) as i64 - 400).abs() <= 1);
    }

    #[test]
    fn counts_follow_the_poisson_distribution() {
        // Chi-square goodness of fit of 100k draws at mean 0.7 over k = 0..=4 and k >= 5
        // (5 degrees of freedom): the 0.001 critical value is 20.5.
        let lambda = 0.7;
        let t = PoissonTable::new(lambda);
        let mut rng = rng::neuron_stream(7, 3);
        let mut observed = [0u64; 6];
        let n = 100_000;
        for _ in 0..n {
            let k = t.sample(rng::uniform(&mut rng)) as usize;
            observed[k.min(5)] += 1;
        }
        let mut pmf = (-lambda).exp();
        let mut chi2 = 0.0;
        let mut rest = 1.0;
        for (k, &o) in observed.iter().enumerate() {
            let p = if k < 5 { pmf } else { rest };
            rest -= pmf;
            pmf *= lambda / (k as f64 + 1.0);
            let e = p * n as f64;
            chi2 += (o as f64 - e).powi(2) / e;
        }
        assert!(chi2 < 20.5, "chi2 = {chi2}, observed {observed:?}");
    }
}
