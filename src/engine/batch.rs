//! A batch: a struct-of-arrays population stepped together, holding one block of a big job or
//! many small jobs of one model side by side, each lane with its own parameters and stream.

use super::hist::HistShape;
use super::stats::{LaneStats, SegmentStats};
use crate::input::{InputLanes, Model, ModelInput};
use crate::job::Job;
use crate::lanes::{LaneBits, LaneVec};
use crate::neuron::{Input, Membrane, PASS_STEPS};

/// What jobs must share to be stepped together: model and step counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub model: Model,
    pub n_steps: u64,
    pub warmup_steps: u64,
    /// Whether the V statistics beyond the mean are taken.
    pub v_stats: bool,
    /// The histograms taken.
    pub hists: HistShape,
}

impl Shape {
    pub fn of(job: &Job) -> Shape {
        Shape {
            model: job.model,
            n_steps: job.n_steps(),
            warmup_steps: job.warmup_steps(),
            v_stats: job.sim.v_stats,
            hists: HistShape::of(job),
        }
    }
}

/// Steps between two progress reports of a batch (256 lanes x 65,536 steps: about 10-30 ms).
pub const REPORT_STEPS: u64 = 1 << 16;

/// A batch's input: its model's (called directly: one indirect call less per step), or one a
/// test gives.
enum Source {
    Model(ModelInput),
    Given(Box<dyn InputLanes>),
}

impl Source {
    fn get(&mut self) -> &mut dyn InputLanes {
        match self {
            Source::Model(m) => m,
            Source::Given(g) => &mut **g,
        }
    }

    #[inline]
    fn current(&mut self, step: u64, current: &mut [f64], events: &mut [u32]) {
        match self {
            Source::Model(m) => m.current(step, current, events),
            Source::Given(g) => g.current(step, current, events),
        }
    }
}

pub struct Batch {
    shape: Shape,
    membrane: Membrane,
    input: Source,
    /// `input.time_invariant()`, asked once.
    fixed_input: bool,
    stats: LaneStats,
    current_na: LaneVec<f64>,
    /// `R I` per lane, when the input never changes (taken once, not every step).
    drives_mv: LaneVec<f64>,
    /// Whether `current_na` and `drives_mv` hold every lane's fixed input (set by the first
    /// step after a push).
    fixed_ready: bool,
    /// Presynaptic events of the last step, if asked for ([`Batch::counting_events`]; empty
    /// otherwise, and the input counts none).
    events: LaneVec<u32>,
    count_events: bool,
    /// Spike flags of the last steps: of the last two, used in turn by [`Batch::step`], or of
    /// the last pass's steps in order. A step's flags are recorded one step later: by then the
    /// stores that wrote them (a byte per eight lanes, straight from the vector unit's mask
    /// register) have left the core, and reading them back costs nothing; read at once, each
    /// word waited for its eight stores.
    spiked: [LaneBits; PASS_STEPS],
    /// Which of `spiked` the last step wrote.
    newest: usize,
    /// The counted step whose spikes are not yet in the statistics, and where they are.
    unrecorded: Option<(u64, usize)>,
}

impl Batch {
    /// An empty batch for jobs of shape `shape`.
    pub fn new(shape: Shape) -> Batch {
        Batch::with_source(shape, Source::Model(ModelInput::new(shape.model)))
    }

    /// A batch whose input currents come from `input` rather than from the model's own
    /// [`InputLanes`] (tests feed recorded currents or events this way).
    pub fn with_input(shape: Shape, input: Box<dyn InputLanes>) -> Batch {
        Batch::with_source(shape, Source::Given(input))
    }

    fn with_source(shape: Shape, mut input: Source) -> Batch {
        Batch {
            shape,
            membrane: Membrane::default(),
            fixed_input: input.get().time_invariant(),
            input,
            stats: LaneStats::default(),
            current_na: LaneVec::new(),
            drives_mv: LaneVec::new(),
            fixed_ready: false,
            events: LaneVec::new(),
            count_events: false,
            spiked: Default::default(),
            newest: 1,
            unrecorded: None,
        }
    }

    /// The same batch, keeping each step's presynaptic event counts ([`Batch::events`]): only
    /// `lifsweep trace` shows them, and the statistics need none.
    pub fn counting_events(mut self) -> Batch {
        assert_eq!(self.lanes(), 0, "asked before lanes are pushed");
        self.count_events = true;
        self
    }

    /// Whether `job` can share this batch.
    pub fn fits(&self, job: &Job) -> bool {
        Shape::of(job) == self.shape
    }

    /// Appends neurons `first_neuron..first_neuron + count` of `job`, whose seed is `seed`
    /// (`job.seed()`, which the engine computes once per job), as new lanes.
    pub fn push(&mut self, job: &Job, seed: u64, first_neuron: u64, count: usize) {
        assert!(self.fits(job), "job {} does not fit this batch", job.id);
        assert!(first_neuron + count as u64 <= job.sim.neurons);
        self.membrane
            .push(&job.neuron, job.sim.dt_ms, job.sim.integrator, count);
        self.input
            .get()
            .push(&job.view(), &|| seed, first_neuron, count);
        let clock = crate::input::Clock::of(job.model, &job.input, job.sim.dt_ms);
        let v_stats = job.sim.v_stats.then_some(job.neuron.e_l_mv);
        self.stats.push(
            count,
            clock,
            v_stats,
            self.shape.hists,
            self.shape.warmup_steps,
        );
        let lanes = self.membrane.len();
        self.current_na.resize(lanes, 0.0);
        if self.count_events {
            self.events.resize(lanes, 0);
        }
        self.record_unrecorded();
        for flags in &mut self.spiked {
            flags.resize(lanes);
        }
        self.drives_mv.resize(lanes, 0.0);
        self.fixed_ready = false;
    }

    pub fn lanes(&self) -> usize {
        self.membrane.len()
    }

    /// Step `n` for every lane: input current (unless it never changes), membrane update,
    /// statistics.
    pub fn step(&mut self, n: u64) {
        let counting = n >= self.shape.warmup_steps;
        let input = if self.fixed_input {
            self.fix_input();
            Input::Drives(&self.drives_mv)
        } else {
            self.input
                .current(n, &mut self.current_na, &mut self.events);
            Input::Currents(&self.current_na)
        };
        if counting && self.shape.v_stats {
            // A pass of its own, before the step changes V: the step's loop stays what it is.
            self.stats.add_v(n, self.membrane.v_mv());
        }
        let v_sum = counting.then(|| self.stats.v_sum_mut());
        let fresh = usize::from(self.newest == 0);
        self.membrane.step(input, &mut self.spiked[fresh], v_sum);
        self.record_unrecorded();
        self.newest = fresh;
        if counting {
            self.unrecorded = Some((n, fresh));
        }
    }

    /// Takes the input of a time-invariant model once for all lanes, if not yet since the last
    /// push (not at every push: a batch of one-neuron jobs has 256).
    fn fix_input(&mut self) {
        if !self.fixed_ready {
            self.input
                .current(0, &mut self.current_na, &mut self.events);
            self.membrane.drives(&self.current_na, &mut self.drives_mv);
            self.fixed_ready = true;
        }
    }

    /// Steps `n..n + PASS_STEPS` of a time-invariant input in one pass over the lanes (see
    /// [`Membrane::step_fixed`]); all counted or none.
    fn step_pass(&mut self, n: u64) {
        let counting = n >= self.shape.warmup_steps;
        debug_assert!(counting || n + PASS_STEPS as u64 <= self.shape.warmup_steps);
        self.fix_input();
        // The pass overwrites every buffer of flags.
        self.record_unrecorded();
        let v_sum = counting.then(|| self.stats.v_sum_mut());
        self.membrane
            .step_fixed(&self.drives_mv, &mut self.spiked, v_sum);
        self.newest = PASS_STEPS - 1;
        if counting {
            for (k, flags) in self.spiked[..PASS_STEPS - 1].iter().enumerate() {
                self.stats.add_spikes(n + k as u64, flags);
            }
            // The last step's flags a step later, as step() records them.
            self.unrecorded = Some((n + self.newest as u64, self.newest));
        }
    }

    /// Adds the spikes of the last counted step to the statistics, if they are not yet.
    fn record_unrecorded(&mut self) {
        if let Some((step, flags)) = self.unrecorded.take() {
            self.stats.add_spikes(step, &self.spiked[flags]);
        }
    }

    /// Runs all steps.
    pub fn run(&mut self) {
        self.advance(0, self.shape.n_steps);
        self.record_unrecorded();
    }

    /// [`Batch::run`], adding the neuron-steps done to `done` every [`REPORT_STEPS`] steps, so
    /// that progress shows inside a long job. (Passes of steps are cut at those points; a pass
    /// and its single steps give the same bits, so the result is the same.)
    pub fn run_reporting(&mut self, done: &std::sync::atomic::AtomicU64) {
        let finished = self.run_until(done, &|| false);
        debug_assert!(finished);
    }

    /// [`Batch::run_reporting`], asking `cancelled` every [`REPORT_STEPS`] steps: once it says
    /// yes, the batch stops where it is (a long job stops within milliseconds) and `false` is
    /// returned; its statistics are then incomplete and must be dropped.
    pub fn run_until(
        &mut self,
        done: &std::sync::atomic::AtomicU64,
        cancelled: &(dyn Fn() -> bool + Sync),
    ) -> bool {
        let n_steps = self.shape.n_steps;
        let mut n = 0;
        while n < n_steps {
            if cancelled() {
                return false;
            }
            let to = (n + REPORT_STEPS).min(n_steps);
            self.advance(n, to);
            done.fetch_add(
                self.lanes() as u64 * (to - n),
                std::sync::atomic::Ordering::Relaxed,
            );
            n = to;
        }
        self.record_unrecorded();
        true
    }

    /// Steps `from..to`.
    fn advance(&mut self, from: u64, to: u64) {
        let warmup_steps = self.shape.warmup_steps;
        let pass = PASS_STEPS as u64;
        let mut n = from;
        // (The V statistics look at V between steps, which passes of steps do not.)
        if self.fixed_input && !self.shape.v_stats {
            // PASS_STEPS steps at a time, but never steps of the warm-up with steps after it.
            while n + pass <= to {
                if n < warmup_steps && n + pass > warmup_steps {
                    self.step(n);
                    n += 1;
                } else {
                    self.step_pass(n);
                    n += pass;
                }
            }
        }
        for n in n..to {
            self.step(n);
        }
    }

    /// Statistics of lanes `lanes` over the steps taken so far.
    pub fn segment(&mut self, lanes: std::ops::Range<usize>) -> SegmentStats {
        self.record_unrecorded();
        self.stats.segment(lanes)
    }

    /// Membrane potentials (mV) at the start of the next step.
    pub fn v_mv(&self) -> &[f64] {
        self.membrane.v_mv()
    }

    /// Input currents (nA) of the last step.
    pub fn current_na(&self) -> &[f64] {
        &self.current_na
    }

    /// Presynaptic events of the last step (Poisson input; 0 otherwise), if the batch is
    /// [`Batch::counting_events`] (empty otherwise).
    pub fn events(&self) -> &[u32] {
        &self.events
    }

    /// Whether lane `lane` spiked in the last step (false before the first).
    pub fn spiked(&self, lane: usize) -> bool {
        self.spiked[self.newest].get(lane)
    }
}
