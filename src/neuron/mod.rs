//! The leaky integrate-and-fire membrane and its step rule (MODEL.md), for a struct-of-arrays
//! population. This is the one place the physics of the membrane lives: sweeps, traces and tests
//! all step neurons through [`Membrane::step`].

use crate::lanes::{LaneBits, LaneVec};

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(all(test, target_arch = "x86_64"))]
mod kernel_tests;

/// Membrane parameters of the leaky integrate-and-fire neuron (docs/MODEL.md).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NeuronParams {
    pub tau_m_ms: f64,
    pub e_l_mv: f64,
    pub r_mohm: f64,
    pub v_th_mv: f64,
    pub v_reset_mv: f64,
    pub t_ref_ms: f64,
}

impl Default for NeuronParams {
    /// The documented defaults (the worked example's), with no refractory period.
    fn default() -> Self {
        NeuronParams {
            tau_m_ms: 10.0,
            e_l_mv: -65.0,
            r_mohm: 10.0,
            v_th_mv: -50.0,
            v_reset_mv: -65.0,
            t_ref_ms: 0.0,
        }
    }
}

impl NeuronParams {
    /// Steps held at reset after a spike: `round(t_ref / dt)`.
    pub fn refractory_steps(&self, dt_ms: f64) -> u32 {
        u32::try_from(crate::fastmath::round_u64(self.t_ref_ms / dt_ms)).unwrap_or(u32::MAX)
    }

    /// The refractory time the simulation has: whole steps, `round(t_ref / dt) * dt` (ms).
    pub fn refractory_ms(&self, dt_ms: f64) -> f64 {
        self.refractory_steps(dt_ms) as f64 * dt_ms
    }
}

/// How the membrane equation is stepped.
///
/// Both rules have the form `V <- V + a (E_L - V + R I_n)`: forward Euler with `a = dt/tau_m`
/// (MODEL.md's rule, the default), and exponential integration with `a = 1 - exp(-dt/tau_m)`,
/// which is `V_inf + (V - V_inf) exp(-dt/tau_m)`, `V_inf = E_L + R I_n`: exact for an input
/// constant over the step (as NEST integrates its LIF models).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Integrator {
    #[default]
    Euler,
    Exact,
}

impl Integrator {
    pub const ALL: [Integrator; 2] = [Integrator::Euler, Integrator::Exact];

    pub fn name(self) -> &'static str {
        match self {
            Integrator::Euler => "euler",
            Integrator::Exact => "exact",
        }
    }

    pub fn from_name(name: &str) -> Option<Integrator> {
        Integrator::ALL.into_iter().find(|i| i.name() == name)
    }

    /// The step coefficient `a` of `V <- V + a (E_L - V + R I)`.
    pub fn coefficient(self, dt_ms: f64, tau_m_ms: f64) -> f64 {
        match self {
            Integrator::Euler => dt_ms / tau_m_ms,
            Integrator::Exact => -(-dt_ms / tau_m_ms).exp_m1(),
        }
    }
}

/// One step of `tau_m dV/dt = (E_L - V) + R I` with coefficient `a` (see [`Integrator`]).
#[inline(always)]
pub fn euler(v_mv: f64, a: f64, e_l_mv: f64, r_mohm: f64, i_na: f64) -> f64 {
    euler_driven(v_mv, a, e_l_mv, r_mohm * i_na)
}

/// [`euler`] with the drive `R I` (mV) already multiplied out (the same bits).
#[inline(always)]
pub fn euler_driven(v_mv: f64, a: f64, e_l_mv: f64, drive_mv: f64) -> f64 {
    v_mv + a * (e_l_mv - v_mv + drive_mv)
}

/// What drives a step: input currents, or their drives `R I` when the input never changes (the
/// product is then taken once per run instead of once per step; see [`Membrane::drives`]).
#[derive(Clone, Copy, Debug)]
pub enum Input<'a> {
    /// Input currents (nA), one per lane.
    Currents(&'a [f64]),
    /// `R I` (mV), one per lane.
    Drives(&'a [f64]),
}

impl Input<'_> {
    fn lanes(&self) -> &[f64] {
        match *self {
            Input::Currents(x) | Input::Drives(x) => x,
        }
    }
}

/// Steps taken in one pass over the lanes by [`Membrane::step_fixed`].
pub const PASS_STEPS: usize = 2;

/// The constants of one neuron's step rule.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Constants {
    /// The integrator's step coefficient, e.g. `dt / tau_m` for forward Euler.
    a: f64,
    e_l_mv: f64,
    r_mohm: f64,
    v_th_mv: f64,
    v_reset_mv: f64,
    /// `round(t_ref / dt)`.
    refractory_steps: u32,
}

impl Constants {
    fn of(p: &NeuronParams, dt_ms: f64, integrator: Integrator) -> Constants {
        Constants {
            a: integrator.coefficient(dt_ms, p.tau_m_ms),
            e_l_mv: p.e_l_mv,
            r_mohm: p.r_mohm,
            v_th_mv: p.v_th_mv,
            v_reset_mv: p.v_reset_mv,
            refractory_steps: p.refractory_steps(dt_ms),
        }
    }
}

/// Membrane state and parameters of a population, one lane per neuron.
#[derive(Default)]
pub struct Membrane {
    a: LaneVec<f64>,
    e_l_mv: LaneVec<f64>,
    r_mohm: LaneVec<f64>,
    v_th_mv: LaneVec<f64>,
    v_reset_mv: LaneVec<f64>,
    refractory_steps: LaneVec<u32>,
    /// The constants shared by every lane, when they are (the common case: a sweep over input
    /// parameters); the step then reads 3 arrays instead of 9.
    uniform: Option<Constants>,
    /// Membrane potential (mV) at the start of the next step.
    v_mv: LaneVec<f64>,
    /// The first step at which the lane is free again: it is held at reset while the step being
    /// taken comes before it. (A compare with the clock costs fewer vector operations than a
    /// countdown per lane.) A held lane's V is always V_reset, where its spike put it; the
    /// AVX-512 kernel relies on that.
    free_from: LaneVec<u64>,
    /// Steps taken so far: the index of the next step.
    clock: u64,
    /// The spike flags of a step as the compiled loops write them (one bool per lane), before
    /// they become bits.
    flags: LaneVec<bool>,
}

impl Membrane {
    /// Appends `count` neurons with parameters `p`, stepped by `integrator` at `dt_ms`, at rest
    /// (`V(0) = E_L`).
    pub fn push(&mut self, p: &NeuronParams, dt_ms: f64, integrator: Integrator, count: usize) {
        let c = Constants::of(p, dt_ms, integrator);
        // The step rule relies on it (a held lane sits at V_reset and must not cross); the spec
        // rejects any other sweep.
        assert!(c.v_reset_mv < c.v_th_mv, "v_reset_mv must be below v_th_mv");
        self.uniform = match (self.is_empty(), self.uniform) {
            (true, _) => Some(c),
            (false, Some(u)) if u == c => Some(u),
            _ => None,
        };
        let rep = |x: f64| std::iter::repeat_n(x, count);
        self.a.extend(rep(c.a));
        self.e_l_mv.extend(rep(c.e_l_mv));
        self.r_mohm.extend(rep(c.r_mohm));
        self.v_th_mv.extend(rep(c.v_th_mv));
        self.v_reset_mv.extend(rep(c.v_reset_mv));
        self.refractory_steps
            .extend(std::iter::repeat_n(c.refractory_steps, count));
        self.v_mv.extend(rep(c.e_l_mv));
        self.free_from.extend(std::iter::repeat_n(0, count));
        self.flags.resize(self.v_mv.len(), false);
    }

    pub fn len(&self) -> usize {
        self.v_mv.len()
    }

    pub fn is_empty(&self) -> bool {
        self.v_mv.is_empty()
    }

    /// Membrane potentials (mV), one per lane.
    pub fn v_mv(&self) -> &[f64] {
        &self.v_mv
    }

    /// Writes each lane's drive `R I` (mV) for currents `current_na` into `drives`.
    pub fn drives(&self, current_na: &[f64], drives: &mut [f64]) {
        assert!(current_na.len() == self.len() && drives.len() == self.len());
        for ((d, &i), &r) in drives.iter_mut().zip(current_na).zip(self.r_mohm.iter()) {
            *d = r * i;
        }
    }

    /// One step of MODEL.md's rule driven by `input`; sets lane `i`'s flag in
    /// `spiked` if it crosses threshold in this step (a spike at time `t_{n+1}`), and clears the
    /// others. With `v_sum`, first adds each lane's `V(t_n)` to it (the statistics of a counted
    /// step, fused into the same pass).
    ///
    /// A refractory neuron is held at `V_reset`; otherwise V is updated by the job's integrator
    /// and, if `V >= V_th`, reset and held for the next `round(t_ref/dt)` steps.
    pub fn step(&mut self, input: Input<'_>, spiked: &mut LaneBits, v_sum: Option<&mut [f64]>) {
        let n = self.len();
        assert!(input.lanes().len() == n && spiked.len() == n);
        assert!(v_sum.as_ref().is_none_or(|s| s.len() == n));
        let state = State {
            v_mv: &mut self.v_mv,
            free_from: &mut self.free_from,
            now: self.clock,
            v_sum,
        };
        self.clock += 1;
        // By reference: a copy on the stack, stored just before the call, would be read back
        // in pieces that straddle its stores, which stalls (a one-lane batch paid it each step).
        match &self.uniform {
            #[cfg(target_arch = "x86_64")]
            Some(c) if crate::fastmath::simd_level() == crate::fastmath::SimdLevel::Avx512 => {
                // SAFETY: simd_level() reports AVX-512 only if the CPU has F/DQ/VL/BW.
                unsafe { avx512::step_uniform(c, state, input, spiked.words_mut()) }
            }
            #[cfg(target_arch = "x86_64")]
            Some(c) if crate::fastmath::simd_level() == crate::fastmath::SimdLevel::Avx2 => {
                // SAFETY: simd_level() reports AVX2 only if the CPU has it.
                unsafe { avx2::step_uniform(c, state, input, spiked.words_mut()) }
            }
            Some(c) => {
                step_uniform(c, state, input, &mut self.flags);
                spiked.set_from(&self.flags);
            }
            None => {
                let p = PerLane {
                    a: &self.a,
                    e_l_mv: &self.e_l_mv,
                    r_mohm: &self.r_mohm,
                    v_th_mv: &self.v_th_mv,
                    v_reset_mv: &self.v_reset_mv,
                    refractory_steps: &self.refractory_steps,
                };
                step_per_lane(&p, state, input, &mut self.flags);
                spiked.set_from(&self.flags);
            }
        }
    }

    /// `spiked.len()` steps driven by the same drives `R I` (mV) throughout (a time-invariant
    /// input; see [`Membrane::drives`]), the flags of the `k`-th step going to `spiked[k]`:
    /// the same bits as that many calls of [`Membrane::step`] with `Input::Drives(drives)`, but
    /// faster where the AVX-512 or AVX2 kernel can keep the lanes in registers from one step
    /// to the next (at least eight lanes sharing their constants; [`PASS_STEPS`] steps per
    /// pass).
    pub fn step_fixed(
        &mut self,
        drives: &[f64],
        spiked: &mut [LaneBits],
        mut v_sum: Option<&mut [f64]>,
    ) {
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if let Some(c) = &self.uniform
            && let Some(pass_uniform) = pass_kernel()
            && self.len() >= 8
        {
            let n = self.len();
            assert!(drives.len() == n && spiked.iter().all(|s| s.len() == n));
            assert!(v_sum.as_ref().is_none_or(|s| s.len() == n));
            for pass in spiked.chunks_exact_mut(PASS_STEPS) {
                let state = State {
                    v_mv: &mut self.v_mv,
                    free_from: &mut self.free_from,
                    now: self.clock,
                    v_sum: v_sum.as_deref_mut(),
                };
                self.clock += PASS_STEPS as u64;
                let pass: &mut [LaneBits; PASS_STEPS] =
                    pass.try_into().expect("chunks of PASS_STEPS");
                let flags = pass.each_mut().map(LaneBits::words_mut);
                // SAFETY: pass_kernel() gives a kernel only for a vector unit the CPU has.
                unsafe { pass_uniform(c, state, drives, flags) };
                done += PASS_STEPS;
            }
        }
        for bits in &mut spiked[done..] {
            self.step(Input::Drives(drives), bits, v_sum.as_deref_mut());
        }
    }
}

/// A kernel taking [`PASS_STEPS`] steps of a time-invariant input per pass, for the CPU's
/// vector unit (see [`Membrane::step_fixed`]); unsafe to call unless the CPU has that unit.
#[cfg(target_arch = "x86_64")]
type PassKernel = unsafe fn(&Constants, State<'_>, &[f64], [&mut [u64]; PASS_STEPS]);

/// The pass kernel for this CPU, if it has one (AVX-512 or AVX2).
#[cfg(target_arch = "x86_64")]
fn pass_kernel() -> Option<PassKernel> {
    match crate::fastmath::simd_level() {
        crate::fastmath::SimdLevel::Avx512 => Some(avx512::pass_uniform),
        crate::fastmath::SimdLevel::Avx2 => Some(avx2::pass_uniform),
        crate::fastmath::SimdLevel::Baseline => None,
    }
}

/// Where `state`'s voltage sums are (taken out of it), checked to hold `n` lanes; null if the
/// step is not counted (for the kernels, which take raw pointers).
#[cfg(target_arch = "x86_64")]
fn sum_ptr(state: &mut State<'_>, n: usize) -> *mut f64 {
    match state.v_sum.take() {
        Some(sum) => {
            assert!(sum.len() >= n);
            sum.as_mut_ptr()
        }
        None => std::ptr::null_mut(),
    }
}

/// The free-from step of a lane that spikes at step `now`: held for the next
/// `refractory_steps` steps.
#[inline(always)]
fn free_after_spike(c: &Constants, now: u64) -> u64 {
    now + 1 + u64::from(c.refractory_steps)
}

/// [`free_after_spike`] as the kernels' 64-bit lanes hold it (below 2^34, so exact).
#[cfg(target_arch = "x86_64")]
fn free_again(c: &Constants, now: u64) -> i64 {
    free_after_spike(c, now) as i64
}

/// What a step changes (besides the spike flags).
struct State<'a> {
    v_mv: &'a mut [f64],
    free_from: &'a mut [u64],
    /// The index of the step being taken.
    now: u64,
    v_sum: Option<&'a mut [f64]>,
}

/// Each lane's constants.
struct PerLane<'a> {
    a: &'a [f64],
    e_l_mv: &'a [f64],
    r_mohm: &'a [f64],
    v_th_mv: &'a [f64],
    v_reset_mv: &'a [f64],
    refractory_steps: &'a [u32],
}

/// Where the step finds lane `i`'s constants.
trait LaneConstants {
    fn at(&self, i: usize) -> Constants;
}

impl LaneConstants for Constants {
    #[inline(always)]
    fn at(&self, _i: usize) -> Constants {
        *self
    }
}

impl LaneConstants for PerLane<'_> {
    #[inline(always)]
    fn at(&self, i: usize) -> Constants {
        Constants {
            a: self.a[i],
            e_l_mv: self.e_l_mv[i],
            r_mohm: self.r_mohm[i],
            v_th_mv: self.v_th_mv[i],
            v_reset_mv: self.v_reset_mv[i],
            refractory_steps: self.refractory_steps[i],
        }
    }
}

crate::dispatch!(
    /// The step rule over all lanes sharing one set of constants, vectorized for the CPU.
    fn step_uniform = step_uniform_generic(
        c: &Constants,
        state: State<'_>,
        input: Input<'_>,
        spiked: &mut [bool],
    )
);

crate::dispatch!(
    /// The step rule over lanes with their own constants, vectorized for the CPU.
    fn step_per_lane = step_per_lane_generic(
        p: &PerLane<'_>,
        state: State<'_>,
        input: Input<'_>,
        spiked: &mut [bool],
    )
);

#[inline(always)]
fn step_uniform_generic(c: &Constants, state: State<'_>, input: Input<'_>, spiked: &mut [bool]) {
    step_lanes(c, state, input, spiked)
}

#[inline(always)]
fn step_per_lane_generic(p: &PerLane<'_>, state: State<'_>, input: Input<'_>, spiked: &mut [bool]) {
    let n = input.lanes().len();
    // Bounds known up front let the compiler drop the checks inside the loop.
    assert!(p.a.len() >= n && p.e_l_mv.len() >= n && p.r_mohm.len() >= n);
    assert!(p.v_th_mv.len() >= n && p.v_reset_mv.len() >= n && p.refractory_steps.len() >= n);
    step_lanes(p, state, input, spiked)
}

#[inline(always)]
fn step_lanes(p: &impl LaneConstants, state: State<'_>, input: Input<'_>, spiked: &mut [bool]) {
    let x = input.lanes();
    let n = x.len();
    let lanes = Lanes {
        now: state.now,
        v_mv: &mut state.v_mv[..n],
        free_from: &mut state.free_from[..n],
        spiked: &mut spiked[..n],
    };
    match (input, state.v_sum) {
        (Input::Currents(_), Some(sum)) => step_loop::<true, false>(p, lanes, x, &mut sum[..n]),
        (Input::Currents(_), None) => step_loop::<false, false>(p, lanes, x, &mut []),
        (Input::Drives(_), Some(sum)) => step_loop::<true, true>(p, lanes, x, &mut sum[..n]),
        (Input::Drives(_), None) => step_loop::<false, true>(p, lanes, x, &mut []),
    }
}

/// The lane arrays of a step, cut to the same length.
struct Lanes<'a> {
    now: u64,
    v_mv: &'a mut [f64],
    free_from: &'a mut [u64],
    spiked: &'a mut [bool],
}

/// The loop over lanes; compile-time flags (so each loop vectorizes without a test inside):
/// `SUM` adds each lane's `V(t_n)` to `v_sum` first, `DRIVES` reads `x` as drives `R I`, not
/// currents.
#[inline(always)]
fn step_loop<const SUM: bool, const DRIVES: bool>(
    p: &impl LaneConstants,
    l: Lanes<'_>,
    x: &[f64],
    v_sum: &mut [f64],
) {
    for i in 0..l.v_mv.len() {
        if SUM {
            v_sum[i] += l.v_mv[i];
        }
        let c = p.at(i);
        let drive_mv = drive::<DRIVES>(&c, x[i]);
        rule(
            &c,
            l.now,
            &mut l.v_mv[i],
            &mut l.free_from[i],
            drive_mv,
            &mut l.spiked[i],
        );
    }
}

/// The drive `R I` (mV) of a lane from its input `x`: a current (nA), or with `DRIVES` the
/// drive itself (see [`Input`]).
#[inline(always)]
fn drive<const DRIVES: bool>(c: &Constants, x: f64) -> f64 {
    if DRIVES { x } else { c.r_mohm * x }
}

/// The step rule for one lane at step `now`, written without branches so that the loops
/// vectorize: a held neuron keeps `V = V_reset`; a free one is updated and, if it reaches
/// threshold, reset and held for the next `refractory_steps` steps. (A held lane's `V_reset` is
/// below `V_th`, which the spec enforces, so the threshold test needs no exception for it.)
#[inline(always)]
fn rule(
    c: &Constants,
    now: u64,
    v_mv: &mut f64,
    free_from: &mut u64,
    drive_mv: f64,
    spiked: &mut bool,
) {
    let held = *free_from > now;
    let v = if held {
        *v_mv
    } else {
        euler_driven(*v_mv, c.a, c.e_l_mv, drive_mv)
    };
    let spike = v >= c.v_th_mv;
    *v_mv = if spike { c.v_reset_mv } else { v };
    // A select and a plain store, not a store under `if spike`: the compiler makes that a masked
    // store, which on AMD Zen 3 (AVX2) is slow itself and stalls the next step's load of the
    // same lanes (two thirds of a constant-input run's time, measured).
    *free_from = if spike {
        free_after_spike(c, now)
    } else {
        *free_from
    };
    *spiked = spike;
}
