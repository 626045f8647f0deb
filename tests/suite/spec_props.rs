//! Property tests of the spec reader (proptest, fixed seeds): any spec the grammar accepts
//! plans without panicking, and any it rejects is rejected with a message that names a line or
//! a key; a mangled spec never panics. The fuzz target (`fuzz/`) goes further, unguided by the
//! grammar.

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use lifsweep::grid::Grid;
use lifsweep::plan::Plan;
use lifsweep::spec::Spec;

use super::common::{lifsweep, write_spec};

const MODELS: &[&str] = &["constant", "sine", "noise", "poisson", "bogus"];
const KEYS: &[&str] = &[
    "mu_na",
    "amp_na",
    "period_ms",
    "sigma_na",
    "rate_hz",
    "w_na",
    "tau_s_ms",
    "tau_m_ms",
    "e_l_mv",
    "r_mohm",
    "v_th_mv",
    "v_reset_mv",
    "t_ref_ms",
    "dt_ms",
    "duration_ms",
    "warmup_ms",
    "neurons",
    "seed",
    "integrator",
    "unknown_key",
];

/// A number as TOML: ordinary, edge and absurd values.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        (-5.0f64..20.0).prop_map(|x| format!("{x:.2}")),
        (0u64..3000).prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "0",
            "-1",
            "0.1",
            "1e3",
            "1e308",
            "-1e308",
            "inf",
            "nan",
            "1e-320",
            "4294967296",
            "18446744073709551616",
            "\"text\"",
            "true",
        ])
        .prop_map(str::to_string),
    ]
}

/// A value: a number, a list, or a range.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => number(),
        1 => prop::collection::vec(number(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
        1 => (number(), number(), 0u32..6, prop::bool::ANY).prop_map(|(a, b, n, log)| {
            let scale = if log { ", scale = \"log\"" } else { "" };
            format!("{{ start = {a}, stop = {b}, num = {n}{scale} }}")
        }),
    ]
}

/// The parameters each model needs, with sane values (so that many generated specs are valid).
fn required(model: &str) -> &'static [(&'static str, &'static str)] {
    match model {
        "constant" => &[("mu_na", "1.8")],
        "sine" => &[("mu_na", "1.2"), ("amp_na", "0.5"), ("period_ms", "10.0")],
        "noise" => &[("mu_na", "1.2"), ("sigma_na", "0.5")],
        "poisson" => &[("rate_hz", "800.0"), ("w_na", "0.1"), ("tau_s_ms", "2.0")],
        _ => &[],
    }
}

const SHARED: &[&str] = &[
    "tau_m_ms",
    "e_l_mv",
    "r_mohm",
    "v_th_mv",
    "v_reset_mv",
    "t_ref_ms",
    "dt_ms",
    "warmup_ms",
    "neurons",
    "seed",
    "integrator",
    "sigma_na",
    "unknown_key",
];

/// A valid value (often an axis) for a shared key.
fn sane_value(key: &str) -> &'static str {
    match key {
        "tau_m_ms" => "[10.0, 20.0]",
        "e_l_mv" => "-65.0",
        "r_mohm" => "10.0",
        "v_th_mv" => "-50.0",
        "v_reset_mv" => "{ start = -75.0, stop = -60.0, num = 3 }",
        "t_ref_ms" => "[0.0, 1.0]",
        "dt_ms" => "0.05",
        "warmup_ms" => "2.0",
        "neurons" => "[1, 3]",
        "seed" => "{ start = 1, stop = 3, num = 3 }",
        "sigma_na" => "0.3",
        _ => "1.0",
    }
}

fn block() -> impl Strategy<Value = String> {
    (
        prop::sample::select(MODELS),
        prop::bool::weighted(0.8),
        prop::collection::vec(value(), 3),
        prop::sample::subsequence(SHARED, 0..4),
        prop::collection::vec(value(), 4),
    )
        .prop_map(|(model, sane, own, keys, values)| {
            let mut text = format!("[[sweep]]\nmodel = \"{model}\"\n");
            for (i, (k, v)) in required(model).iter().enumerate() {
                // Sane values mostly; sometimes a generated one (an axis, or out of range).
                let v = if sane { v.to_string() } else { own[i].clone() };
                text.push_str(&format!("{k} = {v}\n"));
            }
            for (k, v) in keys.iter().zip(values) {
                if required(model).iter().any(|(r, _)| r == k) {
                    continue;
                }
                let v = match (sane, *k) {
                    (_, "integrator") => "\"exact\"".to_string(),
                    (true, k) => sane_value(k).to_string(),
                    (false, _) => v,
                };
                text.push_str(&format!("{k} = {v}\n"));
            }
            text
        })
}

fn spec_text() -> impl Strategy<Value = String> {
    (
        prop::sample::subsequence(&["dt_ms", "neurons", "seed", "warmup_ms"][..], 0..3),
        prop::bool::weighted(0.8),
        prop::collection::vec(number(), 3),
        prop::collection::vec(block(), 0..4),
    )
        .prop_map(|(sim, sane, values, blocks)| {
            let mut text = String::from("[simulation]\nduration_ms = 20.0\n");
            for (k, v) in sim.iter().zip(values) {
                let v = match (sane, *k) {
                    (true, "dt_ms") => "0.05".to_string(),
                    (true, "neurons") => "7".to_string(),
                    (true, "seed") => "42".to_string(),
                    (true, _) => "1.0".to_string(),
                    (false, _) => v,
                };
                text.push_str(&format!("{k} = {v}\n"));
            }
            text + &blocks.concat()
        })
}

/// What a rejection must say: a line, or a key or table the text holds.
fn names_where(message: &str, text: &str) -> bool {
    message.contains("line ")
        || message.contains("[[sweep]]")
        || KEYS.iter().any(|k| message.contains(k) && text.contains(k))
}

fn runner(seed: u8) -> TestRunner {
    TestRunner::new_with_rng(
        Config {
            cases: 400,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
    )
}

static ACCEPTED: AtomicUsize = AtomicUsize::new(0);
static REJECTED: AtomicUsize = AtomicUsize::new(0);

fn check(text: &str) -> Result<(), TestCaseError> {
    match Spec::parse(text) {
        Ok(spec) => {
            ACCEPTED.fetch_add(1, Ordering::Relaxed);
            let plan = Plan::new(&spec, 2);
            let _ = plan.to_string();
            let grid = Grid::new(&spec);
            prop_assert_eq!(grid.len(), plan.jobs());
            for id in (0..grid.len()).step_by((grid.len() / 50).max(1) as usize) {
                let job = grid.job(id);
                prop_assert_eq!(job.id, id);
            }
        }
        Err(e) => {
            REJECTED.fetch_add(1, Ordering::Relaxed);
            let message = e.to_string();
            prop_assert!(
                names_where(&message, text),
                "the message names no line or key: {}\n--- spec:\n{}",
                message,
                text
            );
        }
    }
    Ok(())
}

#[test]
fn any_spec_of_the_grammar_plans_or_is_rejected_with_a_line_or_key() {
    runner(7).run(&spec_text(), |text| check(&text)).unwrap();
    // Both ways, many times (with this seed: 90 accepted, 310 rejected).
    let (ok, bad) = (
        ACCEPTED.load(Ordering::Relaxed),
        REJECTED.load(Ordering::Relaxed),
    );
    assert!(ok >= 50 && bad >= 50, "{ok} accepted, {bad} rejected");
}

#[test]
fn mangled_example_specs_never_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sweeps");
    let mut seeds: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    seeds.sort();
    let edits = prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8);
    let strategy = (prop::sample::select(seeds), edits);
    runner(11)
        .run(&strategy, |(text, edits)| {
            let mut bytes = text.into_bytes();
            for (at, byte, kind) in edits {
                let i = at.index(bytes.len() + 1);
                match kind {
                    0 => bytes.insert(i, byte),
                    1 if i < bytes.len() => {
                        bytes.remove(i);
                    }
                    _ if i < bytes.len() => bytes[i] = byte,
                    _ => {}
                }
            }
            if let Ok(text) = String::from_utf8(bytes) {
                // Mangled text may not be a valid spec; it must never panic, and a rejection
                // must still say something.
                if let Err(e) = Spec::parse(&text) {
                    prop_assert!(!e.to_string().is_empty());
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn rejected_specs_exit_2_through_the_binary() {
    // A few generated rejections, through the binary: exit 2 and the same message.
    let dir = tempfile::tempdir().unwrap();
    let mut runner = runner(3);
    let mut seen = 0;
    while seen < 12 {
        let text = spec_text().new_tree(&mut runner).unwrap().current();
        let Err(e) = Spec::parse(&text) else { continue };
        let path = write_spec(dir.path(), &text);
        let out = lifsweep().arg("plan").arg(&path).assert().code(2);
        let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(err.contains(&e.to_string()), "{err}\n{e}");
        seen += 1;
    }
}
