//! The statistics of V beyond its mean, taken when a job asks for them (`v_stats = true`): the
//! standard deviation of `V(t_n)` over neurons and counted steps, and for a job with a sine part
//! the first harmonic of V, the subthreshold response to the sine.
//!
//! Per lane, in time order, the sums of `d = V(t_n) - E_L`, `d^2`, and with a sine `d sin theta_n`
//! and `d cos theta_n` (`theta_n` the sine's argument at step `n`, the formula of its own
//! current, [`crate::input::Clock`]); over neurons in neuron order. The shift by `E_L` keeps the
//! variance from cancelling (V is near -60 mV, its spread a few mV).
//!
//! The harmonic is the least-squares fit `V(t_n) = m + A sin(theta_n + psi)` over the counted
//! steps: exact for any window, whole periods or not (the design sums of `sin theta_n` and
//! `cos theta_n` over the window are summed once per job, [`design`]). `psi` is the phase of V
//! against the input sine, in (-180, 180] degrees: negative where V lags it, as a low-pass
//! membrane does (`-atan(omega tau_m)` in the continuous limit).

use crate::fastmath::sin_cos_2pi;
use crate::input::Clock;
use crate::lanes::LaneVec;
pub use crate::theory::free_membrane::Harmonic;

/// One lane's sums: `[d, d^2, d sin theta, d cos theta]` (the last two 0 without a sine).
pub type VSums = [f64; 4];

/// Per-lane V sums of a batch whose jobs take the V statistics.
#[derive(Default)]
pub struct LaneV {
    /// `E_L` of each lane.
    shift: LaneVec<f64>,
    sum: LaneVec<f64>,
    sq: LaneVec<f64>,
    /// The sine's lanes, for a batch of jobs with a sine part.
    harmonic: Option<LaneHarmonic>,
}

#[derive(Default)]
struct LaneHarmonic {
    dt_ms: LaneVec<f64>,
    period_ms: LaneVec<f64>,
    phase: LaneVec<f64>,
    /// Consecutive lanes of one clock: (first lane, lanes, clock).
    runs: Vec<(usize, usize, Clock)>,
    sin: LaneVec<f64>,
    cos: LaneVec<f64>,
}

impl LaneV {
    /// Appends `count` lanes of rest potential `e_l_mv`, with their job's sine clock if any.
    pub fn push(&mut self, count: usize, e_l_mv: f64, clock: Option<Clock>) {
        let n = self.shift.len() + count;
        self.shift.resize(n, e_l_mv);
        self.sum.resize(n, 0.0);
        self.sq.resize(n, 0.0);
        if let Some(clock) = clock {
            let h = self.harmonic.get_or_insert_with(LaneHarmonic::default);
            match h.runs.last_mut() {
                Some((_, lanes, last)) if *last == clock => *lanes += count,
                _ => h.runs.push((h.sin.len(), count, clock)),
            }
            h.dt_ms.resize(n, clock.dt_ms);
            h.period_ms.resize(n, clock.period_ms);
            h.phase.resize(n, clock.phase);
            h.sin.resize(n, 0.0);
            h.cos.resize(n, 0.0);
        }
    }

    /// Adds the potentials `v` of counted step `step` (taken before the step, like the mean's).
    pub fn add(&mut self, step: u64, v: &[f64]) {
        add_moments(&self.shift, v, &mut self.sum, &mut self.sq);
        let Some(h) = &mut self.harmonic else { return };
        let n = step as f64;
        // Once per run where runs are long; per lane (vectorized) for many one-neuron jobs.
        if h.runs.len() * 8 <= v.len() {
            for &(first, lanes, clock) in &h.runs {
                let (s, c) = clock.sin_cos(n);
                let r = first..(first + lanes).min(v.len());
                let (ps, pc) = (&mut h.sin[r.clone()], &mut h.cos[r.clone()]);
                add_run(ps, pc, &v[r.clone()], &self.shift[r], s, c);
            }
        } else {
            add_harmonic(h, &self.shift, v, n);
        }
    }

    /// Each lane's sums for lanes `lanes`, in lane order.
    pub fn segment(&self, lanes: std::ops::Range<usize>) -> Vec<VSums> {
        lanes
            .map(|i| {
                let (s, c) = self
                    .harmonic
                    .as_ref()
                    .map_or((0.0, 0.0), |h| (h.sin[i], h.cos[i]));
                [self.sum[i], self.sq[i], s, c]
            })
            .collect()
    }
}

crate::dispatch!(
    /// Adds `d = v - shift` and `d^2` to each lane's sums, vectorized for the CPU.
    fn add_moments = add_moments_generic(
        shift: &[f64],
        v: &[f64],
        sum: &mut [f64],
        sq: &mut [f64],
    )
);

#[inline(always)]
fn add_moments_generic(shift: &[f64], v: &[f64], sum: &mut [f64], sq: &mut [f64]) {
    let n = v.len();
    let (shift, sum, sq) = (&shift[..n], &mut sum[..n], &mut sq[..n]);
    for i in 0..n {
        let d = v[i] - shift[i];
        sum[i] += d;
        sq[i] += d * d;
    }
}

crate::dispatch!(
    /// Adds `d s` and `d c` to the lanes of one run (one clock: one phase), vectorized.
    fn add_run = add_run_generic(
        ps: &mut [f64],
        pc: &mut [f64],
        v: &[f64],
        shift: &[f64],
        s: f64,
        c: f64,
    )
);

#[inline(always)]
fn add_run_generic(ps: &mut [f64], pc: &mut [f64], v: &[f64], shift: &[f64], s: f64, c: f64) {
    let n = v.len();
    let (ps, pc, shift) = (&mut ps[..n], &mut pc[..n], &shift[..n]);
    for i in 0..n {
        let d = v[i] - shift[i];
        ps[i] += d * s;
        pc[i] += d * c;
    }
}

crate::dispatch!(
    /// Adds `d sin theta_n`, `d cos theta_n` per lane, each lane with its own clock.
    fn add_harmonic = add_harmonic_generic(h: &mut LaneHarmonic, shift: &[f64], v: &[f64], n: f64)
);

#[inline(always)]
fn add_harmonic_generic(h: &mut LaneHarmonic, shift: &[f64], v: &[f64], n: f64) {
    let len = v.len();
    let (dt, period, phase) = (&h.dt_ms[..len], &h.period_ms[..len], &h.phase[..len]);
    let (ps, pc, shift) = (&mut h.sin[..len], &mut h.cos[..len], &shift[..len]);
    for i in 0..len {
        let clock = Clock {
            dt_ms: dt[i],
            period_ms: period[i],
            phase: phase[i],
        };
        let (s, c) = clock.sin_cos(n);
        let d = v[i] - shift[i];
        ps[i] += d * s;
        pc[i] += d * c;
    }
}

/// The sums over steps `steps` of `sin theta_n`, `cos theta_n` and their products: the design
/// of the harmonic fit, the same for every neuron of a job. `[s, c, ss, sc, cc]`. In closed
/// form (geometric sums of `e^(i theta_n)` and `e^(2 i theta_n)`; the tests hold it to the terms
/// added one by one).
pub fn design(clock: Clock, steps: std::ops::Range<u64>) -> [f64; 5] {
    let t = (steps.end - steps.start) as f64;
    // theta_n = 2 pi (n c + phase), c = dt / period cycles a step.
    let c = clock.dt_ms / clock.period_ms;
    let u0 = clock.fraction(steps.start as f64);
    let (s1, c1) = rotated(u0, geometric(c, t));
    let (s2, c2) = rotated(2.0 * u0, geometric(2.0 * c, t));
    [s1, c1, t / 2.0 - c2 / 2.0, s2 / 2.0, t / 2.0 + c2 / 2.0]
}

/// `sum_{k < t} e^(2 pi i k c)` as (re, im): `e^(i pi (t-1) c) sin(pi t c) / sin(pi c)`, each
/// angle reduced in cycles first (so that long windows keep their accuracy); `t` where
/// `sin(pi c)` vanishes (a whole number of cycles a step).
fn geometric(c: f64, t: f64) -> (f64, f64) {
    let sin_pi = |cycles: f64| {
        let r = cycles - 2.0 * (cycles / 2.0).floor();
        (std::f64::consts::PI * r).sin()
    };
    let den = sin_pi(c);
    if den.abs() < 1e-12 {
        return (t, 0.0);
    }
    let m = sin_pi(t * c) / den;
    let half = (t - 1.0) * c / 2.0;
    let (s, co) = sin_cos_2pi(half - half.floor());
    (m * co, m * s)
}

/// `e^(2 pi i u) z` as (im, re): the sums of sines and cosines of a geometric sum started at
/// phase `u` (in cycles).
fn rotated(u: f64, z: (f64, f64)) -> (f64, f64) {
    let (s, c) = sin_cos_2pi(u - u.floor());
    (s * z.0 + c * z.1, c * z.0 - s * z.1)
}

/// [`design`] term by term (the reference).
#[cfg(test)]
fn design_summed(clock: Clock, steps: std::ops::Range<u64>) -> [f64; 5] {
    steps.fold([0.0; 5], |[s0, c0, ss, sc, cc], n| {
        let (s, c) = clock.sin_cos(n as f64);
        [s0 + s, c0 + c, ss + s * s, sc + s * c, cc + c * c]
    })
}

/// The standard deviation of V from a job's sums over `samples` values (null below two).
pub fn std_mv(sums: VSums, samples: f64) -> Option<f64> {
    let [d, dd, ..] = sums;
    (samples >= 2.0).then(|| ((dd - d * d / samples).max(0.0) / (samples - 1.0)).sqrt())
}

/// The least-squares harmonic from a job's sums over `neurons` neurons and `steps` counted
/// steps, with the design sums of those steps (null where the design is singular: a window of
/// fewer than three steps, or a period the steps cannot resolve, such as two steps).
pub fn fit(sums: VSums, neurons: f64, steps: f64, design: [f64; 5]) -> Option<Harmonic> {
    let [d, _, ds, dc] = sums.map(|x| x / neurons);
    let [s, c, ss, sc, cc] = design;
    // Centred normal equations of d = m + alpha sin + beta cos.
    let (sxx, sxy, syy) = (ss - s * s / steps, sc - s * c / steps, cc - c * c / steps);
    let (rx, ry) = (ds - s * d / steps, dc - c * d / steps);
    let det = sxx * syy - sxy * sxy;
    // (det is about steps^2 / 4 for a resolved sine.)
    if det.is_nan() || det <= 1e-9 * steps * steps {
        return None;
    }
    let alpha = (rx * syy - ry * sxy) / det;
    let beta = (ry * sxx - rx * sxy) / det;
    // alpha sin + beta cos = A sin(theta + psi): alpha = A cos psi, beta = A sin psi.
    Some(Harmonic::of_complex(alpha, beta))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLOCK: Clock = Clock {
        dt_ms: 0.1,
        period_ms: 7.3,
        phase: 0.1,
    };

    /// V made of a known mean and harmonic is recovered exactly over a window that is not a
    /// whole number of periods; a second harmonic leaks into the fit only by about its
    /// amplitude over (2 pi x the periods in the window).
    #[test]
    fn the_fit_recovers_a_known_harmonic() {
        let (m, amp, psi) = (-61.0, 2.5, -0.7f64);
        let steps = 1000..5321u64;
        let e_l = -65.0;
        for (second, tol) in [(0.0, 1e-9), (0.3, 1e-3)] {
            let mut lanes = LaneV::default();
            lanes.push(3, e_l, Some(CLOCK));
            for n in steps.clone() {
                let theta = 2.0 * std::f64::consts::PI * CLOCK.cycles(n as f64);
                let v = m + amp * (theta + psi).sin() + second * (2.0 * theta).cos();
                lanes.add(n, &[v, v, v]);
            }
            let sums = lanes
                .segment(0..3)
                .into_iter()
                .fold([0.0; 4], |a, b| std::array::from_fn(|k| a[k] + b[k]));
            let k = (steps.end - steps.start) as f64;
            let h = fit(sums, 3.0, k, design(CLOCK, steps.clone())).unwrap();
            assert!((h.amp_mv - amp).abs() < tol, "{h:?}");
            assert!((h.phase_deg.to_radians() - psi).abs() < tol / amp, "{h:?}");
            assert!((sums[0] / (3.0 * k) + e_l - m).abs() < 0.01);
        }
    }

    /// The closed-form design sums are the sums term by term, for windows of whole periods and
    /// not, periods of a few steps, phases, a late start, and a period a whole number of steps.
    #[test]
    fn the_closed_form_design_is_the_sum() {
        for (period, phase, steps) in [
            (7.3, 0.1, 1000..5321u64),
            (2.0, 0.0, 0..1000),
            (0.3, 0.7, 17..18),
            (25.0, 0.25, 123_456_789..123_556_789),
            (0.1, 0.0, 0..500),
        ] {
            let clock = Clock {
                dt_ms: 0.1,
                period_ms: period,
                phase,
            };
            let (a, b) = (
                design(clock, steps.clone()),
                design_summed(clock, steps.clone()),
            );
            let scale = (steps.end - steps.start) as f64;
            for k in 0..5 {
                assert!(
                    (a[k] - b[k]).abs() < 1e-9 * scale.max(1.0),
                    "period {period}, {steps:?}: {a:?} vs {b:?}"
                );
            }
        }
    }

    #[test]
    fn std_of_known_values_and_nulls() {
        // d = 1, 2, 3, 4: sample sd sqrt(5/3).
        let sums = [10.0, 30.0, 0.0, 0.0];
        assert!((std_mv(sums, 4.0).unwrap() - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(std_mv(sums, 1.0), None);
        // Two steps a half period apart: sin is always 0 at phase 0, the design singular.
        let c = Clock {
            dt_ms: 1.0,
            period_ms: 2.0,
            phase: 0.0,
        };
        assert_eq!(fit([0.0; 4], 1.0, 8.0, design(c, 0..8)), None);
    }

    /// Runs of lanes and the per-lane loop give the same bits.
    #[test]
    fn runs_and_lanes_agree() {
        let clocks = [
            CLOCK,
            Clock {
                period_ms: 3.1,
                ..CLOCK
            },
        ];
        let make = || {
            let mut l = LaneV::default();
            l.push(40, -65.0, Some(clocks[0]));
            l.push(40, -65.0, Some(clocks[1]));
            l
        };
        let (mut runs, mut each) = (make(), make());
        assert_eq!(runs.harmonic.as_ref().unwrap().runs.len(), 2);
        let v: Vec<f64> = (0..80).map(|i| -64.0 + 0.01 * i as f64).collect();
        for n in [0, 3, 99, 1 << 30] {
            runs.add(n, &v);
            add_moments(&each.shift, &v, &mut each.sum, &mut each.sq);
            add_harmonic(each.harmonic.as_mut().unwrap(), &each.shift, &v, n as f64);
        }
        let bits = |l: &LaneV| {
            l.segment(0..80)
                .iter()
                .flat_map(|s| s.map(f64::to_bits))
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&runs), bits(&each));
    }
}
