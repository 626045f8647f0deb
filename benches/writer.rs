//! The writer thread's work per row: a W5-like noise sweep's rows (10,000 one-neuron jobs of
//! 100 steps, their real statistics and theory) and a W4-like constant sweep's, turned into
//! Arrow arrays and encoded into a Parquet file in memory, as `ResultWriter` does on the writer
//! thread. `cargo bench -p lifsweep-benches --bench writer` (throughput in rows per second).
//! Each both ways: serially, as with `--threads 1`, and with the columns encoded side by side on
//! a pool of as many threads as the machine has (`/pool`), as with more threads.

use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use lifsweep::engine::{self, Counters};
use lifsweep::grid::Grid;
use lifsweep::output::ResultWriter;
use lifsweep::spec::Spec;

fn rows(params: &str) -> Vec<(lifsweep::job::Job, lifsweep::engine::JobResult)> {
    let text = format!(
        "[neuron]\nt_ref_ms = 2.0\n[simulation]\ndt_ms = 0.1\nduration_ms = 10.0\nneurons = 1\n\
         [[sweep]]\n{params}\n"
    );
    let grid = Grid::new(&Spec::parse(&text).unwrap());
    let mut rows = Vec::new();
    engine::run(&grid, &Counters::default(), |job, result| {
        rows.push((job, result));
        Ok::<(), ()>(())
    })
    .unwrap();
    rows
}

fn writer(c: &mut Criterion) {
    let mut group = c.benchmark_group("writer");
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pool = Arc::new(engine::thread_pool(threads).unwrap());
    group.sample_size(10);
    for (name, params) in [
        (
            "noise",
            "model = \"noise\"\nmu_na = { start = 0.0, stop = 3.0, num = 100 }\n\
             sigma_na = { start = 0.1, stop = 2.0, num = 100 }",
        ),
        (
            "constant",
            "model = \"constant\"\nmu_na = { start = 0.0, stop = 3.0, num = 10000 }",
        ),
    ] {
        let rows = rows(params);
        group.throughput(Throughput::Elements(rows.len() as u64));
        for pooled in [false, true] {
            let id = if pooled {
                format!("{name}/pool{threads}")
            } else {
                name.to_string()
            };
            group.bench_function(id, |b| {
                // The rows are cloned outside the timing: the writer gets them as it does from
                // the engine, a batch at a time.
                b.iter_batched(
                    || rows.clone(),
                    |mut rows| {
                        let mut w = ResultWriter::new(Vec::new(), "", rows.len() as u64).unwrap();
                        if pooled {
                            w = w.encode_on(pool.clone());
                        }
                        w.push_rows(&mut rows).unwrap();
                        std::hint::black_box(w.finish().unwrap().len())
                    },
                    BatchSize::LargeInput,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(benches, writer);
criterion_main!(benches);
