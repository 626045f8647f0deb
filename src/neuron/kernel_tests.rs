//! The hand-written kernels (AVX-512, AVX2) against the compiled rule, bit for bit.

use super::{Constants, Input, PASS_STEPS, State, avx2, avx512, step_uniform as compiled};
use crate::fastmath::SimdLevel;
use crate::lanes::LaneBits;

/// A kernel's two entry points and the vector unit it needs.
struct Kernel {
    name: &'static str,
    needs: SimdLevel,
    step: unsafe fn(&Constants, State<'_>, Input<'_>, &mut [u64]),
    pass: unsafe fn(&Constants, State<'_>, &[f64], [&mut [u64]; PASS_STEPS]),
}

const KERNELS: [Kernel; 2] = [
    Kernel {
        name: "AVX-512",
        needs: SimdLevel::Avx512,
        step: avx512::step_uniform,
        pass: avx512::pass_uniform,
    },
    Kernel {
        name: "AVX2",
        needs: SimdLevel::Avx2,
        step: avx2::step_uniform,
        pass: avx2::pass_uniform,
    },
];

/// The kernels this CPU can run (says which it cannot).
fn kernels_here() -> impl Iterator<Item = &'static Kernel> {
    KERNELS.iter().filter(|k| {
        let here = crate::fastmath::detected() >= k.needs;
        if !here {
            eprintln!("no {} on this CPU: its kernels cannot run here", k.name);
        }
        here
    })
}

const C: Constants = Constants {
    a: 0.3,
    e_l_mv: -65.0,
    r_mohm: 10.0,
    v_th_mv: -50.0,
    v_reset_mv: -70.0,
    refractory_steps: 3,
};

/// Lane counts: tails of every kind, whole blocks, groups of blocks and less than a block.
const LANE_COUNTS: [usize; 10] = [1, 7, 8, 9, 31, 32, 33, 61, 65, 256];

/// A few lanes' state: potentials around threshold, some lanes held, some sums.
#[derive(Clone)]
struct Lanes {
    v_mv: Vec<f64>,
    free_from: Vec<u64>,
    sum: Vec<f64>,
}

impl Lanes {
    /// `n` lanes at step `now`; a held lane sits at V_reset (the rule puts it there; the kernels
    /// rely on it).
    fn new(n: usize, now: u64, u: &mut impl FnMut() -> f64) -> Lanes {
        let free_from: Vec<u64> = (0..n).map(|_| now + (u() * 8.0) as u64).collect();
        let v_mv = free_from
            .iter()
            .map(|&f| {
                if f > now {
                    C.v_reset_mv
                } else {
                    -70.0 + 20.5 * u()
                }
            })
            .collect();
        Lanes {
            v_mv,
            free_from,
            sum: (0..n).map(|_| u()).collect(),
        }
    }

    fn state(&mut self, now: u64, with_sum: bool) -> State<'_> {
        State {
            v_mv: &mut self.v_mv,
            free_from: &mut self.free_from,
            now,
            v_sum: with_sum.then_some(&mut self.sum[..]),
        }
    }

    /// Fails unless both hold the same bits.
    fn assert_same(&self, other: &Lanes, what: &str) {
        let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(self.free_from, other.free_from, "{what}");
        assert_eq!(bits(&self.v_mv), bits(&other.v_mv), "{what}");
        assert_eq!(bits(&self.sum), bits(&other.sum), "{what}");
    }
}

/// A reproducible uniform stream on [0, 1).
fn uniform() -> impl FnMut() -> f64 {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    move || {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `n` flags, every one set: a kernel must clear those that did not spike.
fn all_set(n: usize) -> LaneBits {
    let mut bits = LaneBits::default();
    bits.resize(n);
    bits.set_from(&vec![true; n]);
    bits
}

/// One step of the compiled rule; returns the flags.
fn compiled_step(
    c: &Constants,
    lanes: &mut Lanes,
    now: u64,
    with_sum: bool,
    input: Input<'_>,
) -> LaneBits {
    let n = lanes.v_mv.len();
    let mut flags = vec![true; n];
    compiled(c, lanes.state(now, with_sum), input, &mut flags);
    let mut bits = LaneBits::default();
    bits.resize(n);
    bits.set_from(&flags);
    bits
}

fn count(bits: &LaneBits) -> usize {
    let mut spikes = 0;
    bits.for_each_set(|_| spikes += 1);
    spikes
}

#[test]
fn the_kernels_step_like_the_compiled_rule() {
    for kernel in kernels_here() {
        one_step_at_a_time(kernel);
    }
}

fn one_step_at_a_time(kernel: &Kernel) {
    let mut u = uniform();
    let mut spikes = 0;
    for n in LANE_COUNTS {
        let mut fast = Lanes::new(n, 0, &mut u);
        let mut slow = fast.clone();
        for now in 0..40u64 {
            let current_na: Vec<f64> = (0..n).map(|_| 8.0 * u() - 0.5).collect();
            let with_sum = now % 3 != 0;
            let drives: Vec<f64> = current_na.iter().map(|i| C.r_mohm * i).collect();
            let input = if now % 2 == 0 {
                Input::Currents(&current_na)
            } else {
                Input::Drives(&drives)
            };
            let mut fast_bits = all_set(n);
            // SAFETY: the CPU has the kernel's vector unit (kernels_here).
            unsafe { (kernel.step)(&C, fast.state(now, with_sum), input, fast_bits.words_mut()) };
            let slow_bits = compiled_step(&C, &mut slow, now, with_sum, input);
            let at = format!("{}, n {n}, step {now}", kernel.name);
            assert_eq!(fast_bits.words(), slow_bits.words(), "{at}");
            fast.assert_same(&slow, &at);
            spikes += count(&fast_bits);
        }
    }
    assert!(
        spikes > 100,
        "only {spikes} spikes: the test does not exercise the resets"
    );
}

#[test]
fn a_pass_takes_the_steps_the_compiled_rule_takes() {
    for kernel in kernels_here() {
        passes(kernel);
    }
}

fn passes(kernel: &Kernel) {
    let mut u = uniform();
    let mut spikes = 0;
    // A refractory period shorter than a pass lets a lane spike twice in one.
    for (n, refractory_steps) in LANE_COUNTS
        .into_iter()
        .filter(|&n| n >= 8)
        .flat_map(|n| [(n, 0), (n, 1), (n, 3)])
    {
        let c = Constants {
            refractory_steps,
            ..C
        };
        for start in [0u64, 5] {
            let mut fast = Lanes::new(n, start, &mut u);
            let mut slow = fast.clone();
            // Drives over a range wide enough for lanes that never spike and lanes that spike
            // as soon as they are free.
            let drives: Vec<f64> = (0..n).map(|_| C.r_mohm * (8.0 * u() - 0.5)).collect();
            for pass in 0..20u64 {
                let now = start + pass * PASS_STEPS as u64;
                let with_sum = pass % 3 != 0;
                let mut fast_bits: [LaneBits; PASS_STEPS] = std::array::from_fn(|_| all_set(n));
                // SAFETY: the CPU has the kernel's vector unit (kernels_here).
                unsafe {
                    (kernel.pass)(
                        &c,
                        fast.state(now, with_sum),
                        &drives,
                        fast_bits.each_mut().map(LaneBits::words_mut),
                    )
                };
                for (k, fast_bits) in fast_bits.iter().enumerate() {
                    let step = now + k as u64;
                    let slow_bits =
                        compiled_step(&c, &mut slow, step, with_sum, Input::Drives(&drives));
                    let at = format!("{}, n {n}, step {step}", kernel.name);
                    assert_eq!(fast_bits.words(), slow_bits.words(), "{at}");
                    spikes += count(fast_bits);
                }
                fast.assert_same(&slow, &format!("{}, n {n}, pass from {now}", kernel.name));
            }
        }
    }
    assert!(
        spikes > 500,
        "only {spikes} spikes: the test does not exercise the resets"
    );
}
