//! Stepper throughput per input model and population size, in neuron-steps per second.
//!
//! `cargo bench` — one batch of N neurons (N = 1 .. 1e5, cut into the engine's batches as a sweep
//! would) stepped for a fixed number of steps on one thread.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lifsweep::engine::{self, Counters};
use lifsweep::grid::Grid;
use lifsweep::spec::Spec;

fn spec(model: &str, neurons: u64, steps: u64) -> Spec {
    let params = match model {
        "constant" => "mu_na = 2.0",
        "sine" => "mu_na = 1.6\namp_na = 0.5\nperiod_ms = 50.0",
        "noise" => "mu_na = 1.4\nsigma_na = 0.5",
        "poisson" => "mu_na = 0.8\nrate_hz = 2000.0\nw_na = 0.1\ntau_s_ms = 5.0",
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
    for model in ["constant", "sine", "noise", "poisson"] {
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

criterion_group!(benches, stepper);
criterion_main!(benches);
