//! The fast (vectorized) input paths against their scalar references, and the distribution of
//! the fast normal generator.

use lifsweep::engine::{Batch, JobAccumulator, Shape};
use lifsweep::input::{
    InputLanes, MU, Model, ModelInput, OU_SIGMA, OU_TAU, PARTS, RATE, SIGMA, TAU_S, W,
};
use lifsweep::job::Job;

fn fast(model: Model) -> Box<dyn InputLanes> {
    Box::new(ModelInput::new(model))
}

fn reference(model: Model) -> Box<dyn InputLanes> {
    Box::new(ModelInput::reference(model))
}

fn push(input: &mut dyn InputLanes, job: &Job, n: usize) {
    input.push(&job.view(), &|| job.seed(), 0, n);
}

fn noise_job(lanes_seed: u64) -> Job {
    let mut job = Job::new(Model::NOISE);
    job.input.set(MU, Some(0.0));
    job.input.set(SIGMA, Some(1.0));
    job.sim.dt_ms = 1.0; // scale 1: the currents are the normals themselves
    job.sim.seed = lanes_seed;
    job.sim.neurons = 300;
    job
}

fn currents(mut input: Box<dyn InputLanes>, job: &Job, steps: u64) -> Vec<Vec<f64>> {
    let n = job.sim.neurons as usize;
    push(&mut *input, job, n);
    let (mut current, mut events) = (vec![0.0; n], vec![0u32; n]);
    (0..steps)
        .map(|s| {
            input.current(s, &mut current, &mut events);
            current.clone()
        })
        .collect()
}

#[test]
fn fast_normals_are_the_reference_bit_for_bit() {
    // 300 lanes x 2000 steps: ~9000 draws take the scalar path after a rejected first try.
    // White noise and OU (the normal source's two shapes); 300 lanes, 301 and 3 (the vector
    // kernels' blocks and the lanes past them); an odd number of steps (the AVX2 kernel draws
    // two per pass).
    for (model, neurons, steps) in [
        (Model::NOISE, 300, 2000),
        (Model::NOISE, 301, 1001),
        (Model::NOISE, 3, 501),
        (Model::parse("ou").unwrap(), 301, 1001),
    ] {
        let mut job = noise_job(9);
        if model != Model::NOISE {
            job = Job {
                input: Job::new(model).input,
                model,
                ..job
            };
            job.input.set(MU, Some(0.0));
            job.input.set(OU_SIGMA, Some(1.0));
            job.input.set(OU_TAU, Some(3.0));
        }
        job.sim.neurons = neurons;
        let fast = currents(fast(model), &job, steps);
        let reference = currents(reference(model), &job, steps);
        assert_eq!(fast.len(), steps as usize);
        for (step, (f, r)) in fast.iter().zip(&reference).enumerate() {
            let f: Vec<u64> = f.iter().map(|x| x.to_bits()).collect();
            let r: Vec<u64> = r.iter().map(|x| x.to_bits()).collect();
            assert_eq!(f, r, "{} lanes of {}, step {step}", neurons, model.name());
        }
    }
}

#[test]
fn fast_poisson_counts_equal_the_reference() {
    for rate in [100.0, 4000.0, 40_000.0, 2.0e6] {
        let mut job = Job::new(Model::POISSON);
        for (k, v) in [(MU, 0.3), (RATE, rate), (W, 0.1), (TAU_S, 2.0)] {
            job.input.set(k, Some(v));
        }
        // 128 lanes take the AVX-512 kernel where the CPU has it (else the AVX2 one), 100 the
        // AVX2 kernel (a multiple of 4, not of 8), 102 the compiled loops.
        for n in [100, 102, 128] {
            job.sim.neurons = n as u64;
            let mut fast = fast(Model::POISSON);
            let mut reference = reference(Model::POISSON);
            // The engine asks for no counts (empty events): the currents stay the same.
            let mut uncounted = self::fast(Model::POISSON);
            push(&mut *fast, &job, n);
            push(&mut *reference, &job, n);
            push(&mut *uncounted, &job, n);
            let (mut cf, mut ef) = (vec![0.0; n], vec![0u32; n]);
            let (mut cr, mut er) = (vec![0.0; n], vec![0u32; n]);
            let mut cu = vec![0.0; n];
            for s in 0..2000 {
                fast.current(s, &mut cf, &mut ef);
                reference.current(s, &mut cr, &mut er);
                uncounted.current(s, &mut cu, &mut []);
                assert_eq!(ef, er, "rate {rate}, {n} lanes, step {s}");
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&cf),
                    bits(&cr),
                    "same counts through the same synapse: same currents"
                );
                assert_eq!(bits(&cu), bits(&cf), "counted or not: the same currents");
            }
        }
    }
}

/// Kolmogorov–Smirnov test of the fast generator's normals against N(0, 1): 200,000 samples
/// from 100 neurons' streams, alpha = 0.001 (critical value
/// 1.949 / sqrt(n)). The normal CDF is `erfc(-z/sqrt 2)/2`, from the theory module's erfcx.
#[test]
fn fast_normals_pass_kolmogorov_smirnov() {
    let mut job = noise_job(2026);
    job.sim.neurons = 100;
    let mut z: Vec<f64> = currents(fast(Model::NOISE), &job, 2000)
        .into_iter()
        .flatten()
        .collect();
    z.sort_by(f64::total_cmp);
    let n = z.len() as f64;
    let cdf = |x: f64| {
        let t = -x / std::f64::consts::SQRT_2;
        0.5 * lifsweep::theory::special::erfcx(t) * (-t * t).exp()
    };
    let d = z
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max);
    assert!(d < 1.949 / n.sqrt(), "KS distance {d} for n = {n}");
}

/// A whole population through the fast path and through the reference: the same normals, so
/// the same spikes and statistics, bit for bit.
#[test]
fn a_noise_job_agrees_with_its_reference_run() {
    let mut job = noise_job(4);
    job.input.set(MU, Some(1.4));
    job.input.set(SIGMA, Some(0.6));
    job.sim.dt_ms = 0.1;
    job.sim.duration_ms = 500.0;
    job.neuron.t_ref_ms = 2.0;
    let run = |input: Box<dyn InputLanes>| {
        let mut batch = Batch::with_input(Shape::of(&job), input);
        batch.push(&job, job.seed(), 0, 300);
        batch.run();
        let mut acc = JobAccumulator::default();
        acc.add(&batch.segment(0..300));
        acc.finish(&job)
    };
    let fast = run(fast(Model::NOISE));
    let reference = run(reference(Model::NOISE));
    assert!(fast.spikes > 1000, "{fast:?}");
    assert_eq!(
        (fast.spikes, fast.isis, fast.mean_v_mv.to_bits()),
        (
            reference.spikes,
            reference.isis,
            reference.mean_v_mv.to_bits()
        )
    );
}

/// Kolmogorov–Smirnov test of the fast path's Poisson counts against Poisson(rate*dt) at
/// alpha = 0.001 (critical value 1.949/sqrt(n), conservative for a discrete law), for a mean
/// below and above the vector head (k < 4).
#[test]
fn fast_poisson_counts_pass_kolmogorov_smirnov() {
    for lambda in [0.4f64, 6.0] {
        let mut job = Job::new(Model::POISSON);
        for (k, v) in [
            (MU, 0.0),
            (RATE, lambda / 0.1 * 1000.0),
            (W, 0.1),
            (TAU_S, 1.0),
        ] {
            job.input.set(k, Some(v));
        }
        job.sim.seed = 77;
        let n_lanes = 200;
        let mut input = fast(Model::POISSON);
        push(&mut *input, &job, n_lanes);
        let (mut current, mut events) = (vec![0.0; n_lanes], vec![0u32; n_lanes]);
        let mut histogram = vec![0u64; 64];
        for s in 0..1000 {
            input.current(s, &mut current, &mut events);
            for &k in &events {
                histogram[k as usize] += 1;
            }
        }
        let n = (n_lanes * 1000) as f64;
        let (mut pmf, mut cdf, mut seen, mut d) = ((-lambda).exp(), 0.0, 0.0, 0.0f64);
        for (k, &count) in histogram.iter().enumerate() {
            cdf += pmf;
            pmf *= lambda / (k as f64 + 1.0);
            seen += count as f64;
            d = d.max((seen / n - cdf).abs());
        }
        assert!(d < 1.949 / n.sqrt(), "lambda {lambda}: KS distance {d}");
    }
}

/// Every combination of the registry's parts, fast path against reference, bit for bit: each
/// lane's current and events for 500 steps, with lanes of several jobs side by side (1, 7 and
/// 64 lanes per job: runs for the sine, the portable and the AVX-512 Poisson loops).
#[test]
fn every_combination_of_parts_is_its_reference_bit_for_bit() {
    for bits in 0..1u32 << PARTS.len() {
        let name = PARTS
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, p)| p.name)
            .collect::<Vec<_>>()
            .join("+");
        let model = Model::parse(if name.is_empty() { "constant" } else { &name }).unwrap();
        let (mut f, mut r) = (fast(model), reference(model));
        let mut lanes = 0;
        for (k, count) in [1usize, 7, 64].into_iter().enumerate() {
            let mut job = Job::new(model);
            job.sim.seed = 5 + k as u64;
            for (p, default) in model.params() {
                let x = default.unwrap_or(match p.def().allowed {
                    lifsweep::input::Allowed::Positive => 3.0 + k as f64,
                    _ => 0.5 + 0.25 * k as f64,
                });
                job.input.set(p, Some(x));
            }
            if model.has(RATE) {
                job.input.set(RATE, Some(3000.0 * (k + 1) as f64));
            }
            push(&mut *f, &job, count);
            push(&mut *r, &job, count);
            lanes += count;
        }
        let (mut cf, mut ef) = (vec![0.0; lanes], vec![0u32; lanes]);
        let (mut cr, mut er) = (vec![0.0; lanes], vec![0u32; lanes]);
        for s in 0..500 {
            f.current(s, &mut cf, &mut ef);
            r.current(s, &mut cr, &mut er);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&cf), bits(&cr), "{}, step {s}", model.name());
            assert_eq!(ef, er, "{}, step {s}", model.name());
        }
    }
}
