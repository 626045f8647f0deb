//! Parsing and validating specs of many blocks: the time per block must not grow with the
//! number of blocks (it did: counting the newlines before every key made 20,000 one-key blocks
//! take 6 s). `cargo bench -p lifsweep-benches --bench spec_parse`: criterion's time per spec;
//! divide by the blocks, which the group reports as its throughput ("elem/s").

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lifsweep::spec::Spec;

fn blocks(n: usize) -> String {
    (0..n)
        .map(|i| format!("[[sweep]]\nmodel = \"constant\"\nmu_na = {i}.5\n"))
        .collect()
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("spec/blocks");
    group.sample_size(10);
    for n in [1_000, 10_000, 100_000] {
        let text = blocks(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(n.to_string(), |b| {
            b.iter(|| Spec::parse(&text).expect("valid"))
        });
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
