//! Constant input: the exact spike count of the discrete map, in closed form (no stepping).
//!
//! Both integrators step `V <- V + a (V_inf - V)` with `V_inf = E_L + R mu` (see
//! [`crate::neuron::Integrator`]), so from `V_0` the potential after k updates is
//! `V_k = V_inf + (V_0 - V_inf) q^k`, `q = 1 - a`. The first spike from `V_0` comes after
//! `k = ceil(ln((V_th - V_inf)/(V_0 - V_inf)) / ln q)` updates when `0 < q < 1`,
//! `V_0 < V_th < V_inf`; `V_1 >= V_th` gives k = 1 in every case, and otherwise a map that is
//! not rising towards a `V_inf` above threshold never fires. The first spike starts from
//! `V(0) = E_L` (step `k_0 - 1`), the next ones from `V_reset` after `r = round(t_ref/dt)` held
//! steps, so spikes fall in steps `k_0 - 1 + j (r + k_reset)`; the count is that of those in the
//! window `[warmup/dt, duration/dt)`. Exact for the map; the simulation agrees to the spike except
//! where `V_k` lies within rounding error (~1e-13 mV) of threshold.

use crate::neuron::{Integrator, NeuronParams};

/// What the constant theory needs of a job (`From<&Job>` in `crate::job`).
#[derive(Clone, Copy, Debug)]
pub struct Run {
    pub neuron: NeuronParams,
    pub integrator: Integrator,
    pub dt_ms: f64,
    pub n_steps: u64,
    pub warmup_steps: u64,
    pub neurons: u64,
    /// The counting window in seconds.
    pub window_s: f64,
}

/// Updates from `v0` to the first `V >= v_th` (`None`: never).
fn updates_to_spike(v0: f64, v_inf: f64, q: f64, v_th: f64) -> Option<u64> {
    let v1 = v_inf + (v0 - v_inf) * q;
    if v1 >= v_th {
        return Some(1);
    }
    if !(q > 0.0 && q < 1.0 && v_inf > v_th) {
        return None;
    }
    let k = ((v_th - v_inf) / (v0 - v_inf)).ln() / q.ln();
    Some((k.ceil() as u64).max(1))
}

/// Spikes of one neuron of `run` driven by the constant current `mu_na`, in the counting window.
pub fn spikes_per_neuron(run: impl Into<Run>, mu_na: f64) -> u64 {
    let run = run.into();
    let n = &run.neuron;
    let q = 1.0 - run.integrator.coefficient(run.dt_ms, n.tau_m_ms);
    let v_inf = n.e_l_mv + n.r_mohm * mu_na;
    let Some(k0) = updates_to_spike(n.e_l_mv, v_inf, q, n.v_th_mv) else {
        return 0;
    };
    let first = k0 - 1;
    let (end, warmup) = (run.n_steps, run.warmup_steps);
    // Spikes at steps first + j * period below `limit`.
    let below = |limit: u64, period: Option<u64>| -> u64 {
        match (limit > first, period) {
            (false, _) => 0,
            (true, None) => 1,
            (true, Some(p)) => (limit - 1 - first) / p + 1,
        }
    };
    let period = updates_to_spike(n.v_reset_mv, v_inf, q, n.v_th_mv)
        .map(|k| k + n.refractory_steps(run.dt_ms) as u64);
    below(end, period) - below(warmup, period)
}

/// (rate in Hz, CV) of `run` with constant drive `mu_na`: the rate of the map, and CV 0 when a
/// neuron has at least one interval in the window (null otherwise, as the simulation's).
pub fn predict(run: impl Into<Run>, mu_na: f64) -> (f64, Option<f64>) {
    let run = run.into();
    let spikes = spikes_per_neuron(run, mu_na);
    let intervals = spikes.saturating_sub(1) * run.neurons;
    (
        spikes as f64 / run.window_s,
        (intervals >= 2).then_some(0.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Model;
    use crate::job::Job;
    use crate::neuron::Integrator;

    fn job(dt: f64, duration: f64, warmup: f64, t_ref: f64) -> Job {
        let mut j = Job::new(Model::CONSTANT);
        j.sim.dt_ms = dt;
        j.sim.duration_ms = duration;
        j.sim.warmup_ms = warmup;
        j.neuron.t_ref_ms = t_ref;
        j
    }

    #[test]
    fn hand_computed_counts() {
        // mu = 2 nA, dt = 1 ms: V_inf = -45, 0.9^13 = 0.254 > 0.25 >= 0.9^14, so k = 14: spikes
        // in steps 13, 27, 41, ... (period 14 without refractoriness).
        let j = job(1.0, 14.0, 0.0, 0.0);
        assert_eq!(
            spikes_per_neuron(&j, 2.0),
            1,
            "a spike in the very last step counts"
        );
        assert_eq!(spikes_per_neuron(&job(1.0, 13.0, 0.0, 0.0), 2.0), 0);
        assert_eq!(spikes_per_neuron(&job(1.0, 100.0, 0.0, 0.0), 2.0), 7); // 13, 27, .., 97
        assert_eq!(spikes_per_neuron(&job(1.0, 100.0, 14.0, 0.0), 2.0), 6);
        // 3 ms refractory: period 17: 13, 30, 47, 64, 81, 98.
        assert_eq!(spikes_per_neuron(&job(1.0, 100.0, 0.0, 3.0), 2.0), 6);
        // Rheobase never fires; far above, one update suffices (V_1 = -65 + 0.1 * 150 = -50).
        assert_eq!(spikes_per_neuron(&job(1.0, 1000.0, 0.0, 0.0), 1.5), 0);
        assert_eq!(spikes_per_neuron(&job(1.0, 10.0, 0.0, 0.0), 15.0), 10);
    }

    #[test]
    fn exact_integrator_uses_the_exponential() {
        // Exact: k = ceil(tau ln 4 / dt) = ceil(13.86) = 14 at dt = 1, 139 at dt = 0.1.
        let mut j = job(0.1, 13.9, 0.0, 0.0);
        j.sim.integrator = Integrator::Exact;
        assert_eq!(spikes_per_neuron(&j, 2.0), 1);
        j.sim.duration_ms = 13.8;
        assert_eq!(spikes_per_neuron(&j, 2.0), 0);
    }
}
