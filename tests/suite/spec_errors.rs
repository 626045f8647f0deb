//! Malformed specs: each error names where (line, block), the key, the value and what is allowed.

use lifsweep::spec::Spec;

/// `(spec, fragments the error message must contain)`.
const CASES: &[(&str, &[&str])] = &[
    // Structure.
    ("[simulation]\nneurons = 10\n", &["no [[sweep]] block"]),
    (
        "[[sweep]]\nmu_na = 1.0\n",
        &["line 1", "block 1", "has no model", "\"noise\""],
    ),
    (
        "[[sweep]]\nmodel = \"ramp\"\nmu_na = 1\n",
        &["line 2", "\"ramp\"", "is not a model", "\"poisson\""],
    ),
    (
        "[[sweep]]\nmodel = 3\nmu_na = 1\n",
        &[
            "line 2",
            "model = 3 is not allowed",
            "model must be one string",
        ],
    ),
    ("[sweep]\nmodel = \"constant\"\n", &["line 1", "[[sweep]]"]),
    // Combinations of input parts.
    (
        "[[sweep]]\nmodel = \"noise+noise\"\nmu_na = 1\nsigma_na = 1\n",
        &[
            "line 2",
            "\"noise+noise\"",
            "part \"noise\" is named twice",
            "joined by +",
        ],
    ),
    (
        "[[sweep]]\nmodel = \"sine+\"\nmu_na = 1\n",
        &["line 2", "a part name is empty"],
    ),
    (
        "[[sweep]]\nmodel = \"sine+pink\"\nmu_na = 1\n",
        &[
            "line 2",
            "\"pink\" is not an input part",
            "\"sine\", \"noise\", \"poisson\", \"ou\", \"poisson_i\"",
        ],
    ),
    (
        "[[sweep]]\nmodel = \"sine+noise\"\nmu_na = 1\namp_na = 1\nperiod_ms = 10\nsigma_na = 1\nrate_hz = 5\n",
        &[
            "line 7",
            "model sine+noise",
            "rate_hz does not belong",
            "amp_na, period_ms, phase_deg (default 0), sigma_na",
        ],
    ),
    (
        "[[sweep]]\nmodel = \"noise+sine\"\nmu_na = 1\namp_na = 1\nperiod_ms = 10\n",
        &["line 1", "(model sine+noise) is missing sigma_na"],
    ),
    (
        "[[sweep]]\nmodel = \"sine+poisson\"\namp_na = 1\nperiod_ms = 10\nrate_hz = 5\nw_na = 0.1\ntau_s_ms = 1\n",
        &["(model sine+poisson) is missing mu_na"],
    ),
    (
        "[[sweep]]\nmodel = \"sine+noise\"\nmu_na = 1\namp_na = 1\nperiod_ms = 0\nsigma_na = 1\n",
        &["line 5", "period_ms", "a finite number > 0"],
    ),
    (
        "colour = 1\n[[sweep]]\nmodel = \"constant\"\nmu_na = 1\n",
        &["line 1", "unknown top-level key \"colour\""],
    ),
    (
        "[neuron]\ntau_ms = 10\n[[sweep]]\nmodel = \"constant\"\nmu_na = 1\n",
        &["line 2", "unknown key \"tau_ms\" in [neuron]", "tau_m_ms"],
    ),
    (
        "[neuron]\nmu_na = 1\n[[sweep]]\nmodel = \"constant\"\nmu_na = 1\n",
        &["line 2", "mu_na", "[[sweep]] block"],
    ),
    (
        "[simulation]\nseed = [1, 2]\n[[sweep]]\nmodel = \"constant\"\nmu_na = 1\n",
        &["line 2", "seed has 2 values", "inside a [[sweep]] block"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nsigmna_na = 2\n",
        &[
            "line 4",
            "block 1 (model constant)",
            "unknown key \"sigmna_na\"",
            "allowed: model, mu_na",
        ],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nsigma_na = 0.5\n",
        &[
            "line 4",
            "sigma_na does not belong to model constant",
            "mu_na",
        ],
    ),
    (
        "[[sweep]]\nmodel = \"noise\"\nmu_na = 1\n",
        &[
            "line 1",
            "missing sigma_na",
            "model noise needs mu_na, sigma_na",
        ],
    ),
    (
        "[[sweep]]\nmodel = \"poisson\"\nrate_hz = 10\nw_na = 0.1\n",
        &["missing tau_s_ms"],
    ),
    (
        "[[sweep]]\nmodel = \"sine\"\nmu_na = 1\namp_na = 1\n",
        &["missing period_ms"],
    ),
    // Types.
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = \"1.0\"\n",
        &["line 3", "mu_na", "expected a number", "the string \"1.0\""],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = [1.0, true]\n",
        &["mu_na, list item 2", "the boolean true"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nneurons = 1.5\n",
        &[
            "line 4",
            "neurons: 1.5",
            "whole number from 1 to 1000000000000",
        ],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nseed = -1\n",
        &["seed: -1", "whole number from 0 to 18446744073709551615"],
    ),
    // Integer limits: equal values alike however written; the real limits stated.
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nneurons = 1e16\n",
        &["neurons: 1e16 is not allowed", "from 1 to 1000000000000"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nneurons = 10000000000000000\n",
        &[
            "neurons: 10000000000000000 is not allowed",
            "from 1 to 1000000000000",
        ],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nneurons = -5\n",
        &["neurons: -5 is not allowed", "from 1 to"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nseed = 18446744073709551616\n",
        &[
            "seed: 18446744073709551616 is not allowed",
            "to 18446744073709551615",
        ],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nduration_ms = 1e308\n",
        &[
            "duration_ms = 1e308",
            "too many steps (more than 1e308)",
            "at most 4294967295 steps",
        ],
    ),
    // Messages show what was written.
    (
        "[[sweep]]\nmodel = [\"noise\", \"constant\"]\n",
        &[
            "line 2",
            "model = [\"noise\", \"constant\"] is not allowed",
            "a block per model",
        ],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = [1.0, { start = 0, stop = 1, num = 3 }]\n",
        &[
            "list item 2",
            "got a range or table { start = 0, stop = 1, num = 3 }",
        ],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = [1.0, [2.0, 3.0]]\n",
        &["list item 2", "got a list [2.0, 3.0]"],
    ),
    // Values.
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = inf\n",
        &["line 3", "mu_na = inf", "finite number"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = nan\n",
        &["mu_na = NaN", "finite number"],
    ),
    (
        "[neuron]\ntau_m_ms = 0.0\n[[sweep]]\nmodel = \"constant\"\nmu_na = 1\n",
        &["line 2", "tau_m_ms = 0", "> 0"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\ntau_m_ms = [10, -5]\n",
        &["line 4", "tau_m_ms = -5", "> 0"],
    ),
    (
        "[simulation]\ndt_ms = -0.1\n[[sweep]]\nmodel = \"constant\"\nmu_na = 1\n",
        &["dt_ms = -0.1", "> 0"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\ndt_ms = 20\nduration_ms = 100\n",
        &[
            "line 4",
            "dt_ms = 20",
            "tau_m_ms = 10",
            "dt_ms < 2 * tau_m_ms = 20",
        ],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nneurons = 0\n",
        &["neurons: 0", "whole number from 1"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = []\n",
        &["line 3", "mu_na = [] is empty"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = { start = 0, stop = 1, num = 0 }\n",
        &["line 3", "mu_na.num = 0", "integer from 1"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = { start = 0, stop = 1 }\n",
        &["range is missing num"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = { start = 0, stop = 1, num = 3, step = 1 }\n",
        &["unknown range key \"step\""],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = { start = 0, stop = 1, num = 3, scale = \"cubic\" }\n",
        &["scale = \"cubic\"", "\"linear\" or \"log\""],
    ),
    (
        "[[sweep]]\nmodel = \"poisson\"\nrate_hz = { start = 0, stop = 100, num = 3, scale = \"log\" }\nw_na = 0.1\ntau_s_ms = 1\n",
        &["line 3", "rate_hz", "log range from 0 to 100", "start > 0"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = { start = -1, stop = 1, num = 3, scale = \"log\" }\n",
        &["log range from -1 to 1"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nt_ref_ms = -2\n",
        &["t_ref_ms = -2", ">= 0"],
    ),
    (
        "[neuron]\nv_reset_mv = -50\n[[sweep]]\nmodel = \"constant\"\nmu_na = 1\n",
        &["v_reset_mv = -50", "v_th_mv = -50", "below"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nv_th_mv = [-55, -70]\n",
        &["v_reset_mv = -65", "v_th_mv = -70"],
    ),
    (
        "[simulation]\nwarmup_ms = 1000\n[[sweep]]\nmodel = \"constant\"\nmu_na = 1\n",
        &["warmup_ms = 1000", "duration_ms = 1000", "below"],
    ),
    (
        "[[sweep]]\nmodel = \"noise\"\nmu_na = 1\nsigma_na = -0.5\n",
        &["line 4", "sigma_na = -0.5", ">= 0"],
    ),
    (
        "[[sweep]]\nmodel = \"poisson\"\nrate_hz = -10\nw_na = 0.1\ntau_s_ms = 1\n",
        &["rate_hz = -10", ">= 0"],
    ),
    (
        "[[sweep]]\nmodel = \"poisson\"\nrate_hz = 10\nw_na = 0.1\ntau_s_ms = -1\n",
        &["line 5", "tau_s_ms = -1", ">= 0"],
    ),
    (
        "[[sweep]]\nmodel = \"sine\"\nmu_na = 1\namp_na = 1\nperiod_ms = 0\n",
        &["period_ms = 0", "> 0"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\ndt_ms = 0.3\n",
        &["duration_ms = 1000", "not a whole number of dt_ms = 0.3"],
    ),
    (
        "[[sweep]]\nmodel = \"poisson\"\nrate_hz = 1e7\nw_na = 0.1\ntau_s_ms = 1\n",
        &["rate_hz = 10000000", "events per step", "smaller dt_ms"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nduration_ms = 1e9\ndt_ms = 0.01\n",
        &["steps", "at most"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nintegrator = \"rk4\"\n",
        &["line 4", "\"rk4\" is not allowed", "\"euler\" or \"exact\""],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nintegrator = 1\n",
        &["integrator", "the integer 1"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\ndt_ms = 25\nduration_ms = 100\nintegrator = [\"exact\", \"euler\"]\n",
        &["dt_ms = 25", "unstable"],
    ),
    // TOML syntax.
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = [1, 2\n",
        &["line 3"],
    ),
    (
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nmu_na = 2\n",
        &["line 4", "duplicate key"],
    ),
];

#[test]
fn every_malformed_spec_is_rejected_with_a_useful_message() {
    for (text, fragments) in CASES {
        let err = match Spec::parse(text) {
            Ok(_) => panic!("accepted a malformed spec:\n{text}"),
            Err(e) => e.to_string(),
        };
        for f in *fragments {
            assert!(
                err.contains(f),
                "error for spec\n{text}\nis\n  {err}\nand does not mention {f:?}"
            );
        }
    }
}

#[test]
fn valid_specs_and_warnings() {
    let spec = Spec::parse(
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\ndt_ms = 2\nduration_ms = 100\nt_ref_ms = 0.25\n",
    )
    .unwrap();
    assert!(
        spec.warnings.iter().any(|w| w.contains("tau_m_ms / 10")),
        "{:?}",
        spec.warnings
    );
    assert!(spec.warnings.iter().any(|w| w.contains("round(t_ref/dt)")));
    // Integers for real keys, floats for counts when whole, count ranges.
    let spec = Spec::parse(
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 2\nneurons = 1e3\n\
         seed = { start = 1, stop = 4, num = 4 }\n",
    )
    .unwrap();
    assert_eq!(spec.len(), 4);
    assert_eq!(spec.blocks[0].template.sim.neurons, 1000);
    // The exact integrator has no stability limit, and no Euler accuracy warning.
    let spec = Spec::parse(
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\ndt_ms = 25\nduration_ms = 100\n\
         integrator = \"exact\"\n",
    )
    .unwrap();
    assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);
    // The compiled-in default is valid and warning-free.
    assert!(Spec::default_sweep().warnings.is_empty());
}

#[test]
fn ranges_near_the_largest_doubles_are_finite() {
    let spec = Spec::parse(
        "[[sweep]]\nmodel = \"constant\"\nmu_na = { start = -1.7e308, stop = 1.7e308, num = 3 }\n",
    )
    .unwrap();
    let v: Vec<f64> = spec.blocks[0].axes[0]
        .values
        .iter()
        .map(|v| v.real())
        .collect();
    assert_eq!(v, [-1.7e308, 0.0, 1.7e308]);
}

#[test]
fn identical_jobs_are_warned_about_and_long_axes_warn_once() {
    let warnings = |text: &str| Spec::parse(text).unwrap().warnings;
    let one = |text: &str, expect: &[&str]| {
        let w = warnings(text);
        assert_eq!(w.len(), 1, "{w:?}");
        for e in expect {
            assert!(w[0].contains(e), "{e} not in {w:?}");
        }
        assert!(w[0].contains("seed = [1, 2, 3]"), "{w:?}");
    };
    one(
        "[[sweep]]\nmodel = \"constant\"\nmu_na = [1.5, 2.0, 1.5]\n",
        &["line 3", "mu_na takes the value 1.5 more than once"],
    );
    one(
        "[[sweep]]\nmodel = \"constant\"\nmu_na = { start = 2, stop = 2, num = 3 }\n",
        &["mu_na takes the value 2 more than once"],
    );
    let block = "[[sweep]]\nmodel = \"noise\"\nmu_na = [1, 2]\nsigma_na = 1\n";
    one(
        &format!("{block}{block}"),
        &["block 2 (model noise) repeats [[sweep]] block 1"],
    );
    one(
        &format!("{block}[[sweep]]\nmodel = \"noise\"\nmu_na = [2, 3]\nsigma_na = [1, 2]\n"),
        &["block 1 (model noise) and [[sweep]] block 2 (model noise) share jobs"],
    );
    // Not duplicates: other seeds, other population sizes, other models.
    assert!(
        warnings(&format!(
            "{block}{}",
            block.replace("sigma_na = 1", "sigma_na = 1\nseed = 2")
        ))
        .is_empty()
    );
    assert!(
        warnings(&format!(
            "{block}{}",
            block.replace("sigma_na = 1", "sigma_na = 1\nneurons = 5")
        ))
        .is_empty()
    );
    // A 50-value t_ref_ms axis of odd step counts: one warning, not 50.
    let w = warnings(
        "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nt_ref_ms = { start = 0.01, stop = 0.99, num = 50 }\n",
    );
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("and 49 more"), "{w:?}");
}

#[test]
fn every_example_spec_is_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sweeps");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let spec = Spec::from_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                spec.warnings.is_empty(),
                "{}: {:?}",
                path.display(),
                spec.warnings
            );
            n += 1;
        }
    }
    assert!(n >= 4, "sweeps/ holds the default and one family per model");
}

/// A block names parts in any order; the model is the canonical set, its parameters are the
/// union of its parts', `mu_na` defaults to 0 only where every part allows it.
#[test]
fn combinations_of_parts_parse_to_their_canonical_model() {
    let spec = Spec::parse(
        "[[sweep]]\nmodel = \"noise+sine\"\nmu_na = 1\namp_na = 0.5\nperiod_ms = 10\n\
         sigma_na = [0.1, 0.2]\n[[sweep]]\nmodel = \"poisson\"\nrate_hz = 5\nw_na = 0.1\n\
         tau_s_ms = 1\n",
    )
    .unwrap();
    let sine_noise = &spec.blocks[0];
    assert_eq!(sine_noise.model.name(), "sine+noise");
    assert_eq!(
        sine_noise.model,
        lifsweep::input::Model::parse("sine+noise").unwrap()
    );
    let keys: Vec<&str> = sine_noise.model.params().map(|(p, _)| p.key()).collect();
    assert_eq!(
        keys,
        ["mu_na", "amp_na", "period_ms", "phase_deg", "sigma_na"]
    );
    assert_eq!(spec.len(), 3);
    let poisson = &spec.blocks[1].template;
    assert_eq!(poisson.input.get(lifsweep::input::MU), Some(0.0));
}
