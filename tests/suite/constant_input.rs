//! Constant input against the closed form of the forward-Euler map (no stepping in the oracle).
//!
//! With `a = dt/tau_m`, `q = 1 - a` and `V_inf = E_L + R*mu`, the map from `V_0` gives
//! `V_k = V_inf + (V_0 - V_inf) q^k`. If `V_inf > V_th`, the first `k >= 1` with `V_k >= V_th` is
//! `k = ceil(ln((V_th - V_inf)/(V_0 - V_inf)) / ln q)`: a spike in step `k - 1`. After a spike the
//! neuron is held `r = round(t_ref/dt)` steps and then needs `k_reset` more, so spikes fall in
//! steps `k_0 - 1 + j*(r + k_reset)`; those in `[warmup_steps, n_steps)` are counted.

use super::common::run_spec;

struct Case {
    mu_na: f64,
    dt_ms: f64,
    t_ref_ms: f64,
    warmup_ms: f64,
    duration_ms: f64,
    v_reset_mv: f64,
}

const TAU_MS: f64 = 10.0;
const E_L: f64 = -65.0;
const R: f64 = 10.0;
const V_TH: f64 = -50.0;

/// Steps from `v0` to the first spike (`None`: never).
fn steps_to_spike(v0: f64, v_inf: f64, q: f64) -> Option<u64> {
    if v_inf <= V_TH {
        return None;
    }
    let k = ((V_TH - v_inf) / (v0 - v_inf)).ln() / q.ln();
    Some((k.ceil() as u64).max(1))
}

/// (spikes, intervals) in the window, from the closed form.
fn closed_form(c: &Case) -> (u64, u64) {
    let q = 1.0 - c.dt_ms / TAU_MS;
    let v_inf = E_L + R * c.mu_na;
    let n_steps = (c.duration_ms / c.dt_ms).round() as u64;
    let warmup = (c.warmup_ms / c.dt_ms).round() as u64;
    let r = (c.t_ref_ms / c.dt_ms).round() as u64;
    let (Some(k0), Some(k1)) = (
        steps_to_spike(E_L, v_inf, q),
        steps_to_spike(c.v_reset_mv, v_inf, q),
    ) else {
        return (0, 0);
    };
    let mut spikes = 0;
    let mut step = k0 - 1;
    while step < n_steps {
        if step >= warmup {
            spikes += 1;
        }
        step += r + k1;
    }
    (spikes, spikes.saturating_sub(1))
}

fn spec(c: &Case) -> String {
    format!(
        "[neuron]\nt_ref_ms = {}\nv_reset_mv = {}\n[simulation]\ndt_ms = {}\nduration_ms = {}\n\
         warmup_ms = {}\nneurons = 3\n[[sweep]]\nmodel = \"constant\"\nmu_na = {}\n",
        c.t_ref_ms, c.v_reset_mv, c.dt_ms, c.duration_ms, c.warmup_ms, c.mu_na
    )
}

fn check(c: &Case) {
    let rows = run_spec(&spec(c), 1);
    let (job, st) = &rows[0];
    let (spikes, isis) = closed_form(c);
    assert_eq!(
        st.spikes,
        3 * spikes,
        "mu {} dt {} t_ref {} warmup {} duration {}: 3 identical neurons",
        c.mu_na,
        c.dt_ms,
        c.t_ref_ms,
        c.warmup_ms,
        c.duration_ms
    );
    assert_eq!(st.isis, 3 * isis);
    let window_s = (c.duration_ms - c.warmup_ms) / 1000.0;
    assert!((st.firing_rate_hz - spikes as f64 / window_s).abs() < 1e-9);
    assert_eq!(
        st.cv_isi,
        (3 * isis >= 2).then_some(0.0),
        "regular firing has cv 0"
    );
    assert_eq!(st.firing_rate_sem_hz, Some(0.0), "identical neurons");
    assert_eq!(st.fano, (spikes > 0).then_some(0.0));
    assert_eq!(job.sim.neurons, 3);
}

#[test]
fn worked_example_resolution_no_refractory_period() {
    for mu in [1.0, 1.5, 1.51, 1.6, 2.0, 2.5, 3.7, 5.0, 12.0, 40.0] {
        check(&Case {
            mu_na: mu,
            dt_ms: 1.0,
            t_ref_ms: 0.0,
            warmup_ms: 0.0,
            duration_ms: 1000.0,
            v_reset_mv: -65.0,
        });
    }
}

#[test]
fn rheobase_never_fires() {
    // V_inf = V_th exactly: V approaches threshold from below and never reaches it.
    for dt in [1.0, 0.1, 0.01] {
        check(&Case {
            mu_na: 1.5,
            dt_ms: dt,
            t_ref_ms: 0.0,
            warmup_ms: 0.0,
            duration_ms: 2000.0,
            v_reset_mv: -65.0,
        });
    }
}

#[test]
fn fine_step_refractory_period_and_warmup() {
    for i in 0..=40 {
        let mu = 0.13 * i as f64;
        for (dt, t_ref, warmup) in [(0.1, 2.0, 100.0), (0.05, 1.0, 0.0), (0.01, 3.0, 50.0)] {
            check(&Case {
                mu_na: mu,
                dt_ms: dt,
                t_ref_ms: t_ref,
                warmup_ms: warmup,
                duration_ms: 500.0,
                v_reset_mv: -65.0,
            });
        }
    }
}

#[test]
fn reset_below_rest() {
    for mu in [1.7, 2.2, 3.3] {
        check(&Case {
            mu_na: mu,
            dt_ms: 0.1,
            t_ref_ms: 2.0,
            warmup_ms: 20.0,
            duration_ms: 300.0,
            v_reset_mv: -70.0,
        });
    }
}

#[test]
fn spike_on_the_very_last_step_counts() {
    // mu = 2 nA at dt = 1 ms: V_inf = -45 mV, first spike after k0 updates, i.e. in step k0-1.
    let q: f64 = 0.9;
    let k0 = steps_to_spike(E_L, E_L + R * 2.0, q).unwrap();
    // (V_th - V_inf)/(E_L - V_inf) = 5/20 = 0.25; 0.9^13 = 0.254 > 0.25 >= 0.9^14 = 0.229.
    assert_eq!(k0, 14);
    let case = |duration_ms: f64| Case {
        mu_na: 2.0,
        dt_ms: 1.0,
        t_ref_ms: 0.0,
        warmup_ms: 0.0,
        duration_ms,
        v_reset_mv: -65.0,
    };
    // The spike of step k0 - 1 (at t = k0 ms) is in a run of k0 steps, not in one of k0 - 1.
    assert_eq!(closed_form(&case(k0 as f64)), (1, 0));
    check(&case(k0 as f64));
    assert_eq!(closed_form(&case(k0 as f64 - 1.0)), (0, 0));
    check(&case(k0 as f64 - 1.0));
}

#[test]
fn subthreshold_mean_potential_is_the_closed_form_mean() {
    // No spikes: V_n = V_inf + (E_L - V_inf) q^n; mean over counted n in [w, N) is
    // V_inf + (E_L - V_inf) (q^w - q^N) / ((1 - q) (N - w)).
    let (mu, dt, n, w) = (1.2, 0.1, 5000u64, 1000u64);
    let rows = run_spec(
        &format!(
            "[simulation]\ndt_ms = {dt}\nduration_ms = 500\nwarmup_ms = 100\nneurons = 2\n\
             [[sweep]]\nmodel = \"constant\"\nmu_na = {mu}\n"
        ),
        1,
    );
    let st = &rows[0].1;
    let q: f64 = 1.0 - dt / TAU_MS;
    let v_inf = E_L + R * mu;
    let mean = v_inf
        + (E_L - v_inf) * (q.powi(w as i32) - q.powi(n as i32)) / ((1.0 - q) * (n - w) as f64);
    assert_eq!(st.spikes, 0);
    assert!(
        (st.mean_v_mv - mean).abs() < 1e-9,
        "{} vs {mean}",
        st.mean_v_mv
    );
    assert_eq!(st.firing_rate_hz, 0.0);
    assert_eq!(st.fano, None, "a silent job has no Fano factor");
    assert_eq!(st.cv_isi, None);
}
