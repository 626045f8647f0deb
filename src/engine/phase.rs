//! Phase locking to a sine part: the phase of the sine at each counted spike, summed as a unit
//! vector, for the vector strength, the mean spike phase and the rate's first harmonic.
//!
//! A spike produced by step `n` happens at `t_{n+1}`; its phase is the sine's argument there,
//! `theta = 2 pi frac(t_{n+1}/period + phase_deg/360)` ([`crate::input::Clock`], the formula of
//! the sine's own current), so a mean phase of 90 degrees means spikes at the sine's peak.
//! `cos theta` and `sin theta` are summed per neuron in time order, then over neurons in neuron
//! order, so the sums do not depend on how the job was cut or run.

use crate::input::Clock;

/// Per-lane phase sums of a batch whose jobs have a sine part.
#[derive(Default)]
pub struct LanePhases {
    clocks: Vec<Clock>,
    /// `(sum cos theta, sum sin theta)` of each lane's counted spikes.
    sums: Vec<[f64; 2]>,
}

impl LanePhases {
    pub fn push(&mut self, clock: Clock, count: usize) {
        self.clocks.extend(std::iter::repeat_n(clock, count));
        self.sums.resize(self.clocks.len(), [0.0; 2]);
    }

    /// Records lane `lane`'s spike produced by step `step`.
    #[inline]
    pub fn record(&mut self, lane: usize, step: u64) {
        let (s, c) = self.clocks[lane].sin_cos((step + 1) as f64);
        let sum = &mut self.sums[lane];
        sum[0] += c;
        sum[1] += s;
    }

    /// The sums of lanes `lanes`, in lane order.
    pub fn segment(&self, lanes: std::ops::Range<usize>) -> [f64; 2] {
        self.sums[lanes]
            .iter()
            .fold([0.0; 2], |[c, s], [dc, ds]| [c + dc, s + ds])
    }
}

/// A job's phase-locking columns.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Locking {
    /// `|sum exp(i theta_k)| / n` over the job's `n` counted spikes.
    pub vector_strength: f64,
    /// The direction of that sum, in degrees in [0, 360).
    pub phase_deg: f64,
    /// The first harmonic of the firing rate, `2 rate vector_strength` (Hz).
    pub rate_modulation_hz: f64,
}

impl Locking {
    /// From the sums of a job's `spikes` counted spikes and its rate (`None` without spikes).
    pub fn of(sums: [f64; 2], spikes: u64, rate_hz: f64) -> Option<Locking> {
        (spikes > 0).then(|| {
            let [c, s] = sums;
            let vector_strength = c.hypot(s) / spikes as f64;
            let phase_deg = s.atan2(c).to_degrees().rem_euclid(360.0);
            Locking {
                vector_strength,
                phase_deg,
                rate_modulation_hz: 2.0 * rate_hz * vector_strength,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(lanes: &[&[u64]], clock: Clock) -> [f64; 2] {
        let mut p = LanePhases::default();
        p.push(clock, lanes.len());
        for (lane, steps) in lanes.iter().enumerate() {
            for &step in *steps {
                p.record(lane, step);
            }
        }
        p.segment(0..lanes.len())
    }

    const CLOCK: Clock = Clock {
        dt_ms: 1.0,
        period_ms: 10.0,
        phase: 0.0,
    };

    #[test]
    fn locked_spikes_have_strength_one_and_their_phase() {
        // Spikes produced by steps 1, 11, 21 happen at t = 2, 12, 22 ms: 0.2 periods, 72 deg.
        let sums = record(&[&[1, 11], &[21]], CLOCK);
        let l = Locking::of(sums, 3, 40.0).unwrap();
        assert!((l.vector_strength - 1.0).abs() < 1e-12, "{l:?}");
        assert!((l.phase_deg - 72.0).abs() < 1e-9, "{l:?}");
        assert!((l.rate_modulation_hz - 80.0).abs() < 1e-9);
        // The sine's own phase shifts the spikes' phase: at 90 deg, 72 + 90.
        let shifted = Clock {
            phase: 0.25,
            ..CLOCK
        };
        let l = Locking::of(record(&[&[1, 11, 21]], shifted), 3, 40.0).unwrap();
        assert!((l.phase_deg - 162.0).abs() < 1e-9, "{l:?}");
    }

    #[test]
    fn opposite_phases_cancel_and_no_spikes_is_null() {
        // t = 2 and t = 7 ms: half a period apart.
        let sums = record(&[&[1], &[6]], CLOCK);
        let l = Locking::of(sums, 2, 10.0).unwrap();
        assert!(l.vector_strength < 1e-12, "{l:?}");
        assert_eq!(Locking::of([0.0; 2], 0, 0.0), None);
    }
}
