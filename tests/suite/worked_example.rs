//! The worked example of docs/MODEL.md (`tests/data/worked_example.csv`), reproduced through
//! the sweep's own stepper (`Batch`).

use lifsweep::engine::{Batch, Shape};
use lifsweep::input::{AMP, InputLanes, JobView, MU, Model, PERIOD, synapse_step};
use lifsweep::job::Job;

use super::common::worked_example;

/// The worked example's neuron: MODEL.md defaults, dt = 1 ms, no refractory period, 10 ms.
fn example_job(model: Model) -> Job {
    let mut job = Job::new(model);
    job.sim.dt_ms = 1.0;
    job.sim.duration_ms = 10.0;
    job.sim.neurons = 1;
    job
}

/// V(t_n) for n = 0..=10, stepping `batch` (one lane) through steps 0..10.
fn voltages(mut batch: Batch, job: &Job) -> Vec<f64> {
    batch.push(job, job.seed(), 0, 1);
    let mut v = vec![batch.v_mv()[0]];
    for n in 0..10 {
        batch.step(n);
        v.push(batch.v_mv()[0]);
        assert!(!batch.spiked(0), "no spike in the worked example");
    }
    v
}

fn assert_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: row count");
    for (n, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol,
            "{what}: row {n}: got {g}, worked example {w} (tolerance {tol} mV)"
        );
    }
}

#[test]
fn constant_input() {
    let golden = worked_example();
    let mut job = example_job(Model::CONSTANT);
    job.input.set(MU, Some(1.5));
    let v = voltages(Batch::new(Shape::of(&job)), &job);
    assert_close(&v, &golden["v_constant_mv"], 0.001, "constant");
}

#[test]
fn sine_input() {
    let golden = worked_example();
    let mut job = example_job(Model::SINE);
    job.input.set(MU, Some(0.8));
    job.input.set(AMP, Some(0.8));
    job.input.set(PERIOD, Some(20.0));
    let mut batch = Batch::new(Shape::of(&job));
    batch.push(&job, job.seed(), 0, 1);
    // The model's own currents match the file's.
    for (n, want) in golden["i_sine_na"].iter().enumerate() {
        batch.step(n as u64);
        assert!(
            (batch.current_na()[0] - want).abs() < 0.0005,
            "I_sine row {n}"
        );
    }
    let v = voltages(Batch::new(Shape::of(&job)), &job);
    assert_close(&v, &golden["v_sine_mv"], 0.001, "sine");
}

/// Input replayed from the file: the noise currents as given, or the Poisson events through the
/// model's synapse (`synapse_step`, tau_s = 0: a one-step pulse).
struct Replay {
    currents: Vec<f64>,
    events: Vec<u32>,
    w_na: f64,
    i_syn_na: f64,
}

impl InputLanes for Replay {
    fn push(&mut self, _: &JobView<'_>, _: &dyn Fn() -> u64, _: u64, count: usize) {
        assert_eq!(count, 1);
    }

    fn current(&mut self, step: u64, current: &mut [f64], events: &mut [u32]) {
        let n = step as usize;
        if self.events.is_empty() {
            current[0] = self.currents[n];
        } else {
            let decay = (-1.0f64 / 0.0).exp();
            let k = self.events[n];
            // The engine asks for no counts (empty `events`) unless it traces.
            if let Some(e) = events.first_mut() {
                *e = k;
            }
            self.i_syn_na = synapse_step(self.i_syn_na, decay, self.w_na, k);
            current[0] = self.i_syn_na;
        }
    }
}

#[test]
fn noise_input_with_the_files_currents() {
    let golden = worked_example();
    let job = example_job(Model::NOISE);
    let replay = Replay {
        currents: golden["i_noise_na"].clone(),
        events: Vec::new(),
        w_na: 0.0,
        i_syn_na: 0.0,
    };
    let v = voltages(Batch::with_input(Shape::of(&job), Box::new(replay)), &job);
    // The file's currents are rounded to 3 decimals: 0.003 mV (MODEL.md).
    assert_close(&v, &golden["v_noise_mv"], 0.003, "noise");
}

#[test]
fn poisson_input_with_the_files_event() {
    let golden = worked_example();
    let job = example_job(Model::POISSON);
    let replay = Replay {
        currents: Vec::new(),
        events: golden["poisson_events"].iter().map(|&k| k as u32).collect(),
        w_na: 0.6,
        i_syn_na: 0.0,
    };
    let v = voltages(Batch::with_input(Shape::of(&job), Box::new(replay)), &job);
    assert_close(&v, &golden["v_poisson_mv"], 0.001, "poisson");
}

#[test]
fn hand_computed_first_steps() {
    // MODEL.md: constant -65 + 0.1*(0 + 15) = -63.5; sine -65 + 0.1*8 = -64.2.
    let golden = worked_example();
    assert_eq!(golden["v_constant_mv"][1], -63.5);
    assert_eq!(golden["v_sine_mv"][1], -64.2);
    assert_eq!(lifsweep::neuron::euler(-65.0, 0.1, -65.0, 10.0, 1.5), -63.5);
}
