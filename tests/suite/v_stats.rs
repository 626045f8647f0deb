//! The V statistics (`v_stats = true`): what they change (nothing but their own columns), that
//! they are what a trace of V gives, that they do not depend on threads or cuts, and the free
//! membrane's theory beside them.

use super::common::{bits, run_spec, run_with_theory};
use lifsweep::engine::{Batch, JobAccumulator, Shape};
use lifsweep::grid::Grid;
use lifsweep::input::{Clock, Param};
use lifsweep::spec::Spec;

const MODELS: &str = r#"
[[sweep]]
model = "constant"
mu_na = [1.2, 2.8]
[[sweep]]
model = "noise"
mu_na = 1.6
sigma_na = [0.0, 0.4]
[[sweep]]
model = "sine+noise"
mu_na = 1.6
amp_na = 0.3
period_ms = [7.0, 20.0]
sigma_na = 0.3
[[sweep]]
model = "poisson+poisson_i"
mu_na = 0.5
rate_hz = 800
w_na = 0.3
tau_s_ms = 2.0
rate_i_hz = 400
w_i_na = -0.3
tau_i_ms = 4.0
[[sweep]]
model = "ou"
mu_na = 1.4
ou_sigma_na = 0.3
ou_tau_ms = 2.0
"#;

fn spec(v_stats: bool, neurons: u64) -> String {
    format!(
        "[neuron]\nt_ref_ms = 1.0\n[simulation]\nduration_ms = 300.0\nwarmup_ms = 20.3\n\
         neurons = {neurons}\nv_stats = {v_stats}\n{MODELS}"
    )
}

/// Taking the V statistics changes no other statistic (the constant jobs then step one step at
/// a time instead of in passes: the same bits), and without them their columns are null.
#[test]
fn v_stats_change_nothing_else() {
    let off = run_spec(&spec(false, 40), 2);
    let on = run_spec(&spec(true, 40), 2);
    for ((job, a), (_, b)) in off.iter().zip(&on) {
        assert_eq!(bits(a)[..9], bits(b)[..9], "job {}", job.id);
        assert_eq!((a.std_v_mv, a.v_harmonic), (None, None));
        assert!(b.std_v_mv.is_some(), "job {}", job.id);
        assert_eq!(b.v_harmonic.is_some(), job.model.name().contains("sine"));
    }
    assert!(on.iter().map(|(_, s)| s.spikes).sum::<u64>() > 1000);
}

/// The statistics do not depend on threads, on how a job's neurons are cut into batches
/// (600 neurons: three batches), or on what shares a batch (one-neuron jobs of different
/// periods: the sine's phase per lane rather than per run of lanes).
#[test]
fn v_stats_do_not_depend_on_threads_or_cuts() {
    let one = run_spec(&spec(true, 600), 1);
    let two = run_spec(&spec(true, 600), 2);
    for ((job, a), (_, b)) in one.iter().zip(&two) {
        assert_eq!(bits(a), bits(b), "job {}", job.id);
    }
    let many = "[simulation]\nduration_ms = 100.0\nneurons = 1\nv_stats = true\n[[sweep]]\n\
                model = \"sine\"\nmu_na = 1.0\namp_na = 0.4\n\
                period_ms = { start = 3.0, stop = 30.0, num = 40 }\n";
    let packed = run_spec(many, 2);
    for (job, stats) in &packed {
        let alone = format!(
            "[simulation]\nduration_ms = 100.0\nneurons = 1\nv_stats = true\n[[sweep]]\n\
             model = \"sine\"\nmu_na = 1.0\namp_na = 0.4\nperiod_ms = {:?}\n",
            job.input
                .get(Param::from_key("period_ms").unwrap())
                .unwrap()
        );
        assert_eq!(
            bits(&run_spec(&alone, 1)[0].1),
            bits(stats),
            "job {}",
            job.id
        );
    }
}

/// std_v_mv and the harmonic are what the traced V(t_n) of the counted steps give, computed
/// here the plain way (two passes; the harmonic by solving the 3x3 least-squares problem).
#[test]
fn v_stats_are_those_of_the_traced_potential() {
    let text = "[neuron]\nt_ref_ms = 2.0\n[simulation]\nduration_ms = 200.0\nwarmup_ms = 13.7\n\
                neurons = 30\nv_stats = true\n[[sweep]]\nmodel = \"sine+noise\"\nmu_na = 1.4\n\
                amp_na = 0.5\nperiod_ms = 17.0\nphase_deg = 30.0\nsigma_na = 0.5\n";
    let job = Grid::new(&Spec::parse(text).unwrap()).job(0);
    let lanes = job.sim.neurons as usize;
    let mut batch = Batch::new(Shape::of(&job));
    batch.push(&job, job.seed(), 0, lanes);
    let clock = Clock::of(job.model, &job.input, job.sim.dt_ms).unwrap();
    let mut samples = Vec::new();
    for n in 0..job.n_steps() {
        if n >= job.warmup_steps() {
            let theta = 2.0 * std::f64::consts::PI * clock.cycles(n as f64);
            samples.extend(batch.v_mv().iter().map(|&v| (v, theta)));
        }
        batch.step(n);
    }
    let mut acc = JobAccumulator::default();
    acc.add(&batch.segment(0..lanes));
    let stats = acc.finish(&job);
    assert!(stats.spikes > 100, "{} spikes", stats.spikes);
    let k = samples.len() as f64;
    let mean = samples.iter().map(|s| s.0).sum::<f64>() / k;
    let var = samples.iter().map(|s| (s.0 - mean).powi(2)).sum::<f64>() / (k - 1.0);
    let std = stats.std_v_mv.unwrap();
    assert!(
        (std / var.sqrt() - 1.0).abs() < 1e-9,
        "{std} vs {}",
        var.sqrt()
    );
    // Normal equations of V = m + alpha sin + beta cos, solved by Cramer's rule.
    let mut g = [[0.0f64; 3]; 3];
    let mut r = [0.0f64; 3];
    for &(v, t) in &samples {
        let x = [1.0, t.sin(), t.cos()];
        for i in 0..3 {
            r[i] += x[i] * v;
            for j in 0..3 {
                g[i][j] += x[i] * x[j];
            }
        }
    }
    let det = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let solve = |col: usize| {
        let mut m = g;
        for i in 0..3 {
            m[i][col] = r[i];
        }
        det(m) / det(g)
    };
    let (alpha, beta) = (solve(1), solve(2));
    let h = stats.v_harmonic.unwrap();
    assert!((h.amp_mv / alpha.hypot(beta) - 1.0).abs() < 1e-7, "{h:?}");
    assert!(
        (h.phase_deg - beta.atan2(alpha).to_degrees()).abs() < 1e-5,
        "{h:?}"
    );
}

/// Below threshold the sine's response is the discrete map's exactly (both integrators, any
/// step): the fitted harmonic and the standard deviation agree with the free membrane's theory
/// to 1e-7 once the start has decayed (warm-up 30 tau_m), and the row says it is reliable.
#[test]
fn the_sine_below_threshold_is_the_free_membrane_exactly() {
    let text = "[simulation]\nduration_ms = 1000.0\nwarmup_ms = 300.0\nneurons = 1\n\
                v_stats = true\n[[sweep]]\nintegrator = [\"euler\", \"exact\"]\n\
                dt_ms = [0.1, 0.5]\nmodel = \"sine\"\nmu_na = 0.6\namp_na = 0.5\n\
                period_ms = [3.0, 10.0, 61.0]\nphase_deg = [0.0, 250.0]\n";
    let rows = run_with_theory(text, 2);
    assert_eq!(rows.len(), 24);
    for (job, r) in &rows {
        let v = r.theory.v.expect("a sine has a free-membrane theory");
        let (h, th) = (r.stats.v_harmonic.unwrap(), v.harmonic.unwrap());
        let what = format!("job {}: {h:?} vs {th:?}", job.id);
        assert!(v.reliable && r.stats.spikes == 0, "{what}");
        assert!((h.amp_mv / th.amp_mv - 1.0).abs() < 1e-7, "{what}");
        assert!((h.phase_deg - th.phase_deg).abs() < 1e-5, "{what}");
        // The plain mean and variance over a window that is not whole periods see the sine's
        // last part-period: by at most amp / (pi x periods in the window), relatively.
        let period = job
            .input
            .get(Param::from_key("period_ms").unwrap())
            .unwrap();
        let leak = 1.0 / (std::f64::consts::PI * job.window_s() * 1000.0 / period);
        let mean_off = (r.stats.mean_v_mv - v.mean_mv).abs();
        assert!(
            mean_off < leak * th.amp_mv,
            "{what}: mean off by {mean_off}"
        );
        let std_off = (r.stats.std_v_mv.unwrap() / v.std_mv - 1.0).abs();
        assert!(std_off < leak, "{what}: std off by {std_off}");
    }
}

/// Fluctuating inputs below threshold: mean and standard deviation of V against the free
/// membrane (white noise, OU noise, Poisson synapses, excitation + inhibition, and a sine on
/// noise, whose harmonic is the sine's alone), within 1.5% for the standard deviation (its
/// statistical error here is about 0.5%) and 0.05 standard deviations for the mean.
#[test]
fn fluctuating_inputs_below_threshold_match_the_free_membrane() {
    let text = r#"
[simulation]
duration_ms = 2000.0
warmup_ms = 100.0
neurons = 200
v_stats = true
[[sweep]]
model = "noise"
mu_na = 0.8
sigma_na = [0.2, 0.6]
integrator = ["euler", "exact"]
[[sweep]]
model = "ou"
mu_na = 0.8
ou_sigma_na = 0.15
ou_tau_ms = [1.0, 5.0, 20.0]
[[sweep]]
model = "poisson"
mu_na = 0.0
rate_hz = 2000
w_na = 0.1
tau_s_ms = [0.0, 3.0]
[[sweep]]
model = "poisson+poisson_i"
mu_na = 0.6
rate_hz = 1500
w_na = 0.12
tau_s_ms = 2.0
rate_i_hz = 1000
w_i_na = -0.1
tau_i_ms = 6.0
[[sweep]]
model = "sine+noise"
mu_na = 0.7
amp_na = 0.3
period_ms = 25.0
sigma_na = 0.3
"#;
    let rows = run_with_theory(text, 2);
    for (job, r) in &rows {
        let v = r.theory.v.unwrap();
        let (mean, std) = (r.stats.mean_v_mv, r.stats.std_v_mv.unwrap());
        let what = format!(
            "job {} ({}): mean {mean} vs {}, std {std} vs {}",
            job.id,
            job.model.name(),
            v.mean_mv,
            v.std_mv
        );
        assert!(v.reliable && r.stats.spikes == 0, "{what}");
        assert!((std / v.std_mv - 1.0).abs() < 0.015, "{what}");
        assert!((mean - v.mean_mv).abs() < 0.05 * v.std_mv, "{what}");
        if let Some(th) = v.harmonic {
            let h = r.stats.v_harmonic.unwrap();
            assert!((h.amp_mv / th.amp_mv - 1.0).abs() < 0.01, "{what}: {h:?}");
            assert!((h.phase_deg - th.phase_deg).abs() < 1.0, "{what}: {h:?}");
        }
    }
}
