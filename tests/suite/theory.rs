//! Simulation against theory, with fixed seeds and stated tolerances.
//!
//! Tolerance = k standard errors + model error. The standard error of a population rate is
//! that of a renewal process: a neuron's spike count in a window T has variance
//! `rate CV^2 T` (Cox 1962), so the mean rate over N independent neurons has
//! `s.e. = sqrt(rate CV^2 / (N T))`, evaluated with the theory's rate and CV.
//!
//! Finite runs: each neuron starts at `E_L` with no refractory period, so the first interval is
//! not a stationary one; every run here discards a warm-up of at least 200 ms (20 membrane time
//! constants) and counts from then on. The pooled ISI CV of a window is biased low by the
//! intervals cut at its ends (long intervals are cut more often); windows here hold >= 50
//! intervals per neuron on average, where that bias is below 1%.

use lifsweep::engine::JobResult;
use lifsweep::job::Job;

use super::common::run_with_theory;

/// Standard error of the rate of `job` under its theory (renewal process).
fn rate_se(job: &Job, rate_hz: f64, cv: f64) -> f64 {
    let window_s = (job.sim.duration_ms - job.sim.warmup_ms) / 1000.0;
    (rate_hz * cv * cv / (job.sim.neurons as f64 * window_s)).sqrt()
}

struct Report {
    lines: Vec<String>,
}

/// Checks `|sim - theory| <= k s.e. + model_error * theory` for every row `keep` selects;
/// returns a line per row for the log.
fn check_rates(
    rows: &[(Job, JobResult)],
    k: f64,
    model_error: f64,
    keep: impl Fn(&Job, &JobResult) -> bool,
) -> Report {
    let mut report = Report { lines: Vec::new() };
    let mut failures = Vec::new();
    for (job, r) in rows.iter().filter(|(j, r)| keep(j, r)) {
        let theory = r.theory.rate_hz.expect("a theory rate");
        let cv = r.theory.cv.unwrap_or(1.0);
        let se = rate_se(job, theory, cv);
        let sim = r.stats.firing_rate_hz;
        let allowed = k * se + model_error * theory;
        let params: Vec<String> = job
            .input
            .iter()
            .map(|(p, x)| format!("{} {x}", p.key()))
            .collect();
        let line = format!(
            "{} {} dt {}: sim {sim:.3} Hz, theory {theory:.3} Hz, s.e. {se:.3}, allowed \
             {allowed:.3}; cv sim {:?} theory {:?}",
            job.model.name(),
            params.join(" "),
            job.sim.dt_ms,
            r.stats.cv_isi,
            r.theory.cv
        );
        if (sim - theory).abs() > allowed {
            failures.push(line.clone());
        }
        report.lines.push(line);
    }
    assert!(!report.lines.is_empty(), "no row selected");
    assert!(
        failures.is_empty(),
        "outside tolerance:\n{}",
        failures.join("\n")
    );
    report
}

#[test]
fn white_noise_matches_the_corrected_siegert_rate() {
    // Sub- and supra-threshold means, three noise levels, three steps: 45 jobs, 200 neurons,
    // 10 s counted each (2000 neuron-seconds: s.e. ~ 0.1-0.5% of the rate above 10 Hz).
    let rows = run_with_theory(
        r#"
        [neuron]
        t_ref_ms = 2.0
        [simulation]
        duration_ms = 10200.0
        warmup_ms = 200.0
        neurons = 200
        seed = 11
        [[sweep]]
        model = "noise"
        dt_ms = [0.01, 0.05, 0.1]
        mu_na = [1.0, 1.3, 1.5, 1.8, 2.5]
        sigma_na = [0.3, 0.6, 1.0]
        "#,
        2,
    );
    // 5 s.e. + 1% (the issue's bound for the discrete-threshold correction), on rows with a
    // measurable rate (below 0.5 Hz the counts are too few for a 1% statement).
    let report = check_rates(&rows, 5.0, 0.01, |_, r| r.theory.rate_hz.unwrap() > 0.5);
    eprintln!("{}", report.lines.join("\n"));
    // The CV agrees too, to 5% (pooled-window bias and Euler's own error included).
    for (job, r) in &rows {
        if let (Some(sim), Some(theory)) = (r.stats.cv_isi, r.theory.cv)
            && r.stats.isis > 20_000
        {
            assert!(
                (sim - theory).abs() < 0.05 * theory,
                "cv {sim} vs {theory} at {job:?}"
            );
        }
    }
}

#[test]
fn poisson_input_matches_the_corrected_diffusion_approximation_where_it_holds() {
    let rows = run_with_theory(
        r#"
        [neuron]
        t_ref_ms = 2.0
        [simulation]
        dt_ms = 0.05
        duration_ms = 5200.0
        warmup_ms = 200.0
        neurons = 200
        seed = 5
        [[sweep]]
        model = "poisson"
        tau_s_ms = [0.5, 1.0, 2.0]
        w_na = [0.02, 0.04]
        rate_hz = [5000.0, 20000.0]
        mu_na = [0.8, 1.2, 1.6]
        "#,
        2,
    );
    let reliable = rows
        .iter()
        .filter(|(_, r)| r.theory.reliable == Some(true))
        .count();
    assert!(
        reliable >= 10,
        "only {reliable} rows where the theory holds"
    );
    // 5 s.e. + 5%: the approximation's own error where it holds (Fourcaud & Brunel 2002).
    let report = check_rates(&rows, 5.0, 0.05, |_, r| r.theory.reliable == Some(true));
    eprintln!("{}", report.lines.join("\n"));
}

/// OU noise: the diffusion approximation with the Fourcaud–Brunel correction for correlation
/// times up to `tau_m/5` (a held-out grid: the tuning grid of docs/validation.md used other
/// seeds and means), 5 s.e. + 5%; and beyond, at `tau = tau_m/2`, flagged unreliable.
#[test]
fn ou_noise_matches_the_coloured_noise_correction_where_it_holds() {
    let rows = run_with_theory(
        r#"
        [neuron]
        t_ref_ms = 2.0
        [simulation]
        dt_ms = 0.05
        duration_ms = 5200.0
        warmup_ms = 200.0
        neurons = 200
        seed = 21
        [[sweep]]
        model = "ou"
        mu_na = [1.1, 1.45, 1.9]
        ou_sigma_na = [0.4, 0.8]
        ou_tau_ms = [0.5, 1.5, 5.0]
        "#,
        2,
    );
    let reliable = |r: &JobResult| r.theory.reliable == Some(true);
    assert!(rows.iter().filter(|(_, r)| reliable(r)).count() >= 10);
    assert!(
        rows.iter()
            .filter(|(j, _)| j.input.get(lifsweep::input::OU_TAU) == Some(5.0))
            .all(|(_, r)| !reliable(r))
    );
    let report = check_rates(&rows, 5.0, 0.05, |_, r| reliable(r));
    eprintln!("{}", report.lines.join("\n"));
}

/// Excitation and inhibition: two independent Poisson sources, means and intensities added
/// (Campbell), the Fourcaud–Brunel correction for their common synaptic time; 5 s.e. + 5%
/// where both sources' conditions hold; different time constants are flagged unreliable.
#[test]
fn excitation_and_inhibition_add_in_the_diffusion_approximation() {
    let rows = run_with_theory(
        r#"
        [neuron]
        t_ref_ms = 2.0
        [simulation]
        dt_ms = 0.05
        duration_ms = 5200.0
        warmup_ms = 200.0
        neurons = 200
        seed = 8
        [[sweep]]
        model = "poisson_i+poisson"
        mu_na = [1.1, 1.4]
        rate_hz = [12000.0, 20000.0]
        w_na = 0.04
        tau_s_ms = 1.0
        rate_i_hz = [1000.0, 3000.0]
        w_i_na = -0.08
        tau_i_ms = [1.0, 0.5]
        "#,
        2,
    );
    assert!(
        rows.iter()
            .all(|(j, _)| j.model.name() == "poisson+poisson_i")
    );
    let reliable = |r: &JobResult| r.theory.reliable == Some(true);
    assert!(rows.iter().filter(|(_, r)| reliable(r)).count() >= 4);
    assert!(
        rows.iter()
            .filter(|(j, _)| j.input.get(lifsweep::input::TAU_I) == Some(0.5))
            .all(|(_, r)| !reliable(r))
    );
    let report = check_rates(&rows, 5.0, 0.05, |_, r| reliable(r));
    eprintln!("{}", report.lines.join("\n"));
}

/// A weak sine on white noise: the rate's first harmonic (amplitude and the sine's phase at its
/// peak) against the linear response, over a decade and a half of frequencies and two rates,
/// with `R amp = 0.32 sigma_V` (flagged reliable). The tolerance is three standard errors of the
/// simulated harmonic (a vector strength from `n` spikes has one of about `sqrt(1/(2n))`) plus
/// 2% and 1.5 degrees; the errors measured are 0.1-2% and 0.2-2 degrees.
#[test]
fn a_weak_sine_on_white_noise_matches_the_linear_response() {
    let text = r#"
[neuron]
t_ref_ms = 2.0
[simulation]
duration_ms = 5200.0
warmup_ms = 200.0
neurons = 2000
[[sweep]]
model = "sine+noise"
mu_na = [1.3, 1.6]
amp_na = 0.1
period_ms = [5.0, 10.0, 25.0, 100.0]
sigma_na = 1.0
"#;
    for (job, r) in run_with_theory(text, 2) {
        let t = r
            .theory
            .locking
            .expect("a sine on white noise has the linear response");
        let got = r.stats.locking.unwrap();
        let se = 2.0 * r.stats.firing_rate_hz * (1.0 / (2.0 * r.stats.spikes as f64)).sqrt();
        let what = format!("job {}: {got:?} vs {t:?}, se {se}", job.id);
        assert_eq!(r.theory.reliable, Some(true), "{what}");
        let off = (got.rate_modulation_hz - t.rate_modulation_hz).abs();
        assert!(off < 3.0 * se + 0.02 * t.rate_modulation_hz, "{what}");
        let phase_off = ((got.phase_deg - t.spike_phase_deg + 540.0) % 360.0 - 180.0).abs();
        let phase_se = (se / got.rate_modulation_hz).to_degrees();
        assert!(phase_off < 3.0 * phase_se + 1.5, "{what}: {phase_off} deg");
    }
}

/// Where the linear response is not shown to hold, it is flagged; where it does not apply
/// (coloured noise), there is none.
#[test]
fn the_linear_response_says_where_it_holds() {
    let text = r#"
[simulation]
duration_ms = 50.0
neurons = 2
[[sweep]]
model = "sine+noise"
mu_na = 1.3
amp_na = [0.1, 0.6]
period_ms = [2.0, 25.0]
sigma_na = 1.0
[[sweep]]
model = "sine+ou"
mu_na = 1.3
amp_na = 0.1
period_ms = 25.0
ou_sigma_na = 0.5
ou_tau_ms = 1.0
"#;
    let rows = run_with_theory(text, 1);
    let reliable: Vec<_> = rows.iter().map(|(_, r)| r.theory.reliable).collect();
    // amp 0.1 at periods 2 and 25 ms, then amp 0.6 (R amp = 1.9 sigma_V) at both.
    assert_eq!(
        reliable[..4],
        [Some(false), Some(true), Some(false), Some(false)]
    );
    assert!(rows[..4].iter().all(|(_, r)| r.theory.locking.is_some()));
    let ou = &rows[4].1.theory;
    assert_eq!((ou.locking, ou.rate_hz, ou.reliable), (None, None, None));
}

/// A sine of amplitude 0 adds exactly nothing: its job steps as constant input and has the
/// exact theory; on noise it has the noise's theory.
#[test]
fn a_sine_of_amplitude_zero_has_the_theory_of_what_is_under_it() {
    let head = "[neuron]\nt_ref_ms = 2.0\n[simulation]\nduration_ms = 300.0\nneurons = 20\n";
    let run = |blocks: &str| run_with_theory(&format!("{head}{blocks}"), 1);
    let with_sine = run(
        "[[sweep]]\nmodel = \"sine\"\nmu_na = [1.2, 1.8]\namp_na = 0.0\n\
                         period_ms = 10.0\n[[sweep]]\nmodel = \"sine+noise\"\nmu_na = 1.5\n\
                         amp_na = 0.0\nperiod_ms = 10.0\nsigma_na = 0.5\n",
    );
    let without = run("[[sweep]]\nmodel = \"constant\"\nmu_na = [1.2, 1.8]\n\
                       [[sweep]]\nmodel = \"noise\"\nmu_na = 1.5\nsigma_na = 0.5\n");
    for (k, ((_, a), (_, b))) in with_sine.iter().zip(&without).enumerate() {
        // (The noise's streams differ: a job's seed folds in its parts.)
        if k < 2 {
            assert_eq!(a.stats.spikes, b.stats.spikes);
            assert_eq!(a.stats.mean_v_mv.to_bits(), b.stats.mean_v_mv.to_bits());
        }
        let (ta, tb) = (&a.theory, &b.theory);
        assert_eq!(
            (ta.rate_hz, ta.cv, ta.reliable),
            (tb.rate_hz, tb.cv, tb.reliable)
        );
        assert!(ta.rate_hz.is_some() && ta.locking.is_none());
    }
}

/// `theory = false` leaves every theory column null and changes no simulated number; the key
/// is sweepable like any other.
#[test]
fn theory_false_computes_none_and_changes_nothing_else() {
    let spec = |theory: &str| {
        format!(
            "[simulation]\nduration_ms = 300.0\nneurons = 40\nv_stats = true\n{theory}\
             [[sweep]]\nmodel = \"noise\"\nmu_na = [1.2, 1.8]\nsigma_na = 0.5\n\
             [[sweep]]\nmodel = \"constant\"\nmu_na = 2.0\nneurons = 1\n\
             [[sweep]]\nmodel = \"sine+noise\"\nmu_na = 1.3\namp_na = 0.2\nperiod_ms = 20\n\
             sigma_na = 0.5\n"
        )
    };
    let with = run_with_theory(&spec(""), 2);
    let without = run_with_theory(&spec("theory = false\n"), 2);
    assert_eq!(with.len(), without.len());
    for ((j, w), (k, wo)) in with.iter().zip(&without) {
        assert!(j.sim.theory && !k.sim.theory);
        assert_eq!(
            super::common::bits(&w.stats),
            super::common::bits(&wo.stats),
            "job {}",
            j.id
        );
        assert_eq!(
            wo.theory,
            lifsweep::theory::Theory::default(),
            "job {}",
            j.id
        );
        assert!(
            w.theory.rate_hz.is_some() && w.theory.v.is_some(),
            "job {}",
            j.id
        );
    }
    // Swept: a block with both.
    let both = run_with_theory(
        "[[sweep]]\nmodel = \"noise\"\nmu_na = 1.5\nsigma_na = 0.5\nduration_ms = 100.0\n\
         neurons = 5\ntheory = [true, false]\n",
        1,
    );
    assert!(both[0].1.theory.rate_hz.is_some());
    assert_eq!(both[1].1.theory, lifsweep::theory::Theory::default());
}
