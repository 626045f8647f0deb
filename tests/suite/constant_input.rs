//! Constant input: the simulation agrees to the spike with the closed form of the discrete map
//! (`theory::constant`, which does not step), for both integrators, and the theory columns say so.

use lifsweep::theory::constant::spikes_per_neuron;

use super::common::run_with_theory;

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

fn spec(c: &Case, integrator: &str) -> String {
    format!(
        "[neuron]\nt_ref_ms = {}\nv_reset_mv = {}\n[simulation]\ndt_ms = {}\nduration_ms = {}\n\
         warmup_ms = {}\nneurons = 3\nintegrator = \"{integrator}\"\n[[sweep]]\n\
         model = \"constant\"\nmu_na = {}\n",
        c.t_ref_ms, c.v_reset_mv, c.dt_ms, c.duration_ms, c.warmup_ms, c.mu_na
    )
}

/// Checks every integrator; returns the spikes per neuron (for the caller's own expectations).
fn check(c: &Case) -> u64 {
    let mut per_neuron = 0;
    for integrator in ["euler", "exact"] {
        let rows = run_with_theory(&spec(c, integrator), 1);
        let (job, result) = &rows[0];
        let st = &result.stats;
        let spikes = spikes_per_neuron(job, c.mu_na);
        let what = format!(
            "{integrator}: mu {} dt {} t_ref {} warmup {} duration {} reset {}",
            c.mu_na, c.dt_ms, c.t_ref_ms, c.warmup_ms, c.duration_ms, c.v_reset_mv
        );
        assert_eq!(st.spikes, 3 * spikes, "{what}: 3 identical neurons");
        assert_eq!(st.isis, 3 * spikes.saturating_sub(1), "{what}");
        assert_eq!(
            st.cv_isi,
            (st.isis >= 2).then_some(0.0),
            "{what}: regular firing has cv 0"
        );
        assert_eq!(
            st.firing_rate_sem_hz,
            Some(0.0),
            "{what}: identical neurons"
        );
        assert_eq!(st.fano, (spikes > 0).then_some(0.0), "{what}");
        let theory = result.theory.rate_hz.unwrap();
        assert!(
            (theory - st.firing_rate_hz).abs() <= 1e-12 * theory,
            "{what}: theory {theory}"
        );
        assert_eq!(result.theory.cv, st.cv_isi, "{what}");
        assert_eq!(result.theory.reliable, Some(true));
        if integrator == "euler" {
            per_neuron = spikes;
        }
    }
    per_neuron
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
        let spikes = check(&Case {
            mu_na: 1.5,
            dt_ms: dt,
            t_ref_ms: 0.0,
            warmup_ms: 0.0,
            duration_ms: 2000.0,
            v_reset_mv: -65.0,
        });
        assert_eq!(spikes, 0);
    }
}

#[test]
fn many_currents_steps_refractory_periods_and_warmups() {
    for i in 0..=40 {
        let mu = 0.13 * i as f64;
        for (dt, t_ref, warmup) in [
            (0.1, 2.0, 100.0),
            (0.05, 1.0, 0.0),
            (0.01, 3.0, 50.0),
            (0.25, 2.0, 10.0),
        ] {
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
fn around_rheobase() {
    for mu in [1.49, 1.499, 1.5001, 1.501, 1.51, 1.55] {
        check(&Case {
            mu_na: mu,
            dt_ms: 0.1,
            t_ref_ms: 2.0,
            warmup_ms: 0.0,
            duration_ms: 3000.0,
            v_reset_mv: -65.0,
        });
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
    // mu = 2 nA at dt = 1 ms: V_inf = -45 mV; (V_th - V_inf)/(E_L - V_inf) = 0.25 and
    // 0.9^13 = 0.254 > 0.25 >= 0.9^14 = 0.229: the first spike comes in update 14 (step 13).
    let case = |duration_ms: f64| Case {
        mu_na: 2.0,
        dt_ms: 1.0,
        t_ref_ms: 0.0,
        warmup_ms: 0.0,
        duration_ms,
        v_reset_mv: -65.0,
    };
    assert_eq!(
        check(&case(14.0)),
        1,
        "a run of 14 steps ends with the spike"
    );
    assert_eq!(check(&case(13.0)), 0);
}

#[test]
fn subthreshold_mean_potential_is_the_closed_form_mean() {
    // No spikes: V_n = V_inf + (E_L - V_inf) q^n; mean over counted n in [w, N) is
    // V_inf + (E_L - V_inf) (q^w - q^N) / ((1 - q) (N - w)).
    let (mu, dt, n, w) = (1.2, 0.1, 5000u64, 1000u64);
    let rows = run_with_theory(
        &format!(
            "[simulation]\ndt_ms = {dt}\nduration_ms = 500\nwarmup_ms = 100\nneurons = 2\n\
             [[sweep]]\nmodel = \"constant\"\nmu_na = {mu}\n"
        ),
        1,
    );
    let st = &rows[0].1.stats;
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
