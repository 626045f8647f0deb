//! Stepper throughput per input model and population size, in neuron-steps per second.
//!
//! `cargo bench -p lifsweep-benches --bench stepper` — one batch of N neurons (N = 1 .. 1e5, cut
//! into the engine's batches as a sweep would) stepped for a fixed number of steps on one
//! thread; and the membrane update alone on one batch of 256 lanes with constant input, one
//! step at a time against passes of several steps
//! (`membrane/...`: its throughput divided by 8 is eight-lane blocks per second).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lifsweep::engine::{self, Counters};
use lifsweep::grid::Grid;
use lifsweep::lanes::LaneBits;
use lifsweep::neuron::{Input, Membrane, PASS_STEPS};
use lifsweep::spec::Spec;

fn spec(model: &str, neurons: u64, steps: u64) -> Spec {
    let params = match model {
        "constant" => "mu_na = 2.0",
        "sine" => "mu_na = 1.6\namp_na = 0.5\nperiod_ms = 50.0",
        "noise" => "mu_na = 1.4\nsigma_na = 0.5",
        "poisson" => "mu_na = 0.8\nrate_hz = 2000.0\nw_na = 0.1\ntau_s_ms = 5.0",
        "ou" => "mu_na = 1.4\nou_sigma_na = 0.5\nou_tau_ms = 2.0",
        "poisson+poisson_i" => {
            "mu_na = 0.8\nrate_hz = 2000.0\nw_na = 0.1\ntau_s_ms = 5.0\nrate_i_hz = 1000.0\n\
             w_i_na = -0.1\ntau_i_ms = 5.0"
        }
        "sine+noise" => "mu_na = 1.4\namp_na = 0.5\nperiod_ms = 50.0\nsigma_na = 0.5",
        _ => unreachable!(),
    };
    Spec::parse(&format!(
        "[neuron]\nt_ref_ms = 2.0\n[simulation]\ndt_ms = 0.1\nduration_ms = {}\nneurons = \
         {neurons}\n[[sweep]]\nmodel = \"{model}\"\n{params}\n",
        steps as f64 * 0.1
    ))
    .unwrap()
}

fn stepper(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for model in [
        "constant",
        "sine",
        "noise",
        "poisson",
        "ou",
        "poisson+poisson_i",
        "sine+noise",
    ] {
        let mut group = c.benchmark_group(format!("stepper/{model}"));
        group.sample_size(10);
        for neurons in [1u64, 100, 10_000, 100_000] {
            // About 1e7 neuron-steps per iteration.
            let steps = (10_000_000 / neurons).clamp(100, 100_000);
            let grid = Grid::new(&spec(model, neurons, steps));
            group.throughput(Throughput::Elements(neurons * steps));
            group.bench_with_input(BenchmarkId::from_parameter(neurons), &grid, |b, grid| {
                b.iter(|| {
                    pool.install(|| {
                        engine::run(grid, &Counters::default(), |_, r| {
                            std::hint::black_box(r);
                            Ok::<(), ()>(())
                        })
                    })
                })
            });
        }
        group.finish();
    }
}

/// `Membrane::step` against `Membrane::step_fixed` on one batch of 256 lanes (one-neuron jobs
/// with mu from 1.5 to 4 nA, so lanes spike at many rates), voltage sums included, as in a
/// counted step of W3.
fn membrane(c: &mut Criterion) {
    const LANES: usize = 256;
    const STEPS: usize = 10_000;
    let text = format!(
        "[neuron]\nt_ref_ms = 2.0\n[simulation]\nneurons = 1\n[[sweep]]\nmodel = \"constant\"\n\
         mu_na = {{ start = 1.5, stop = 4.0, num = {LANES} }}\n"
    );
    let grid = Grid::new(&Spec::parse(&text).unwrap());
    let start = || {
        let mut m = Membrane::default();
        let mut current_na = Vec::new();
        for job in grid.jobs() {
            m.push(&job.neuron, job.sim.dt_ms, job.sim.integrator, 1);
            current_na.push(job.input.get(lifsweep::input::MU).unwrap());
        }
        let mut drives = vec![0.0; LANES];
        m.drives(&current_na, &mut drives);
        (m, drives)
    };
    let mut flags: [LaneBits; PASS_STEPS] = Default::default();
    for f in &mut flags {
        f.resize(LANES);
    }
    let mut v_sum = vec![0.0; LANES];
    let mut group = c.benchmark_group("membrane");
    group.sample_size(20);
    group.throughput(Throughput::Elements((LANES * STEPS) as u64));
    group.bench_function("one_step_at_a_time", |b| {
        let (mut m, drives) = start();
        b.iter(|| {
            for _ in 0..STEPS {
                m.step(Input::Drives(&drives), &mut flags[0], Some(&mut v_sum));
            }
        })
    });
    group.bench_function("passes", |b| {
        let (mut m, drives) = start();
        b.iter(|| {
            for _ in 0..STEPS / PASS_STEPS {
                m.step_fixed(&drives, &mut flags, Some(&mut v_sum));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, stepper, membrane);
criterion_main!(benches);
