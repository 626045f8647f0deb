//! Convergence in the step size: forward Euler approaches the continuous-time answers as dt
//! shrinks (error ~ sqrt(dt) for white noise, ~ dt for constant input); the exact integrator is
//! exact for constant input at any dt.

use lifsweep::engine::{Batch, Shape};
use lifsweep::input::{MU, Model};
use lifsweep::job::Job;
use lifsweep::neuron::Integrator;
use lifsweep::theory::white_noise::siegert;

use super::common::run_with_theory;

#[test]
fn euler_noise_rate_error_falls_like_sqrt_dt() {
    // mu = 1.5 nA, sigma = 0.6 nA, t_ref = 2 ms: the continuous-time Siegert rate (no
    // discrete-threshold correction) is the dt -> 0 limit. dt falls by 4 per step, so the error
    // should halve (sqrt(4) = 2); accepted: ratios 1.5..2.7. 400 neurons x 5 s: s.e. ~0.05 Hz,
    // against errors of 0.5-2 Hz.
    let rows = run_with_theory(
        r#"
        [neuron]
        t_ref_ms = 2.0
        [simulation]
        duration_ms = 5200.0
        warmup_ms = 200.0
        neurons = 400
        seed = 3
        [[sweep]]
        model = "noise"
        mu_na = 1.5
        sigma_na = 0.6
        dt_ms = [0.1, 0.025, 0.00625]
        "#,
        2,
    );
    let sigma_v = 10.0 * 0.6 * (1.0f64 / 10.0).sqrt();
    let (continuous, _) = siegert(-50.0, sigma_v, -50.0, -65.0, 10.0, 2.0);
    let continuous_hz = continuous * 1000.0;
    let errors: Vec<f64> = rows
        .iter()
        .map(|(_, r)| continuous_hz - r.stats.firing_rate_hz)
        .collect();
    assert!(
        errors.iter().all(|&e| e > 0.0),
        "a sampled threshold misses crossings: {errors:?}"
    );
    for pair in errors.windows(2) {
        let ratio = pair[0] / pair[1];
        assert!(
            (1.5..2.7).contains(&ratio),
            "errors {errors:?} (continuous {continuous_hz} Hz)"
        );
    }
}

/// V(t_n) for a one-neuron constant-input job, stepping the sweep's own batch.
fn trajectory(mu: f64, dt: f64, steps: u64, integrator: Integrator) -> Vec<f64> {
    let mut job = Job::new(Model::CONSTANT);
    job.input.set(MU, Some(mu));
    job.sim.dt_ms = dt;
    job.sim.duration_ms = dt * steps as f64;
    job.sim.neurons = 1;
    job.sim.integrator = integrator;
    let mut batch = Batch::new(Shape::of(&job));
    batch.push(&job, job.seed(), 0, 1);
    let mut v = vec![batch.v_mv()[0]];
    for n in 0..steps {
        batch.step(n);
        v.push(batch.v_mv()[0]);
    }
    v
}

/// The continuous solution from rest: V(t) = V_inf + (E_L - V_inf) exp(-t/tau).
fn continuous_v(mu: f64, t_ms: f64) -> f64 {
    let v_inf = -65.0 + 10.0 * mu;
    v_inf + (-65.0 - v_inf) * (-t_ms / 10.0).exp()
}

#[test]
fn euler_constant_input_error_falls_like_dt() {
    // Subthreshold (no reset): the error of V at t = 20 ms halves when dt halves.
    let mu = 1.2;
    let errors: Vec<f64> = [0.4, 0.2, 0.1, 0.05]
        .iter()
        .map(|&dt| {
            let steps = (20.0 / dt) as u64;
            let v = trajectory(mu, dt, steps, Integrator::Euler);
            (v[steps as usize] - continuous_v(mu, 20.0)).abs()
        })
        .collect();
    for pair in errors.windows(2) {
        let ratio = pair[0] / pair[1];
        assert!((1.9..2.1).contains(&ratio), "errors {errors:?}");
    }
}

#[test]
fn exact_integrator_is_exact_for_constant_input_at_any_step() {
    for dt in [0.1, 1.0, 5.0, 25.0, 50.0] {
        let steps = (200.0 / dt) as u64;
        let v = trajectory(1.2, dt, steps, Integrator::Exact);
        for (n, &vn) in v.iter().enumerate() {
            let want = continuous_v(1.2, n as f64 * dt);
            assert!(
                (vn - want).abs() < 1e-12,
                "dt {dt}, step {n}: {vn} vs {want}"
            );
        }
    }
    // Above threshold the first spike is at the first grid time at or after the continuous
    // crossing t* = tau ln((V_inf - E_L)/(V_inf - V_th)) = 10 ln 4 = 13.86 ms.
    let t_star = 10.0 * 4f64.ln();
    for dt in [0.1, 0.3, 1.0, 7.0, 30.0] {
        let rows = run_with_theory(
            &format!(
                "[simulation]\ndt_ms = {dt}\nduration_ms = {}\nneurons = 1\nintegrator = \
                 \"exact\"\n[[sweep]]\nmodel = \"constant\"\nmu_na = 2.0\n",
                dt * (t_star / dt).ceil()
            ),
            1,
        );
        assert_eq!(
            rows[0].1.stats.spikes, 1,
            "dt {dt}: the spike falls in the last step"
        );
    }
}
