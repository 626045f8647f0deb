//! The free membrane: the steady-state statistics of `V` below threshold, exactly for the
//! discrete map the simulation steps (either integrator), the threshold and reset left out.
//!
//! Both integrators step `V_{n+1} = q V_n + a (E_L + R I_n)`, `q = 1 - a`
//! ([`crate::neuron::Integrator::coefficient`]), a linear filter of the input, so each part of
//! the current contributes on its own (superposition) and independent parts' variances add:
//!
//! - the mean: `m = E_L + R (mu + sum of the parts' mean currents)`;
//! - a stationary fluctuating current of per-step variance `s^2` whose autocovariance falls by a
//!   factor `d` per step (`s^2 d^k` at lag `k`: white noise `d = 0`; OU noise and exponential
//!   synapses `d = exp(-dt/tau)`) adds to the variance of `V`
//!   `(a R)^2 s^2 (1 + q d) / ((1 - q^2)(1 - q d))`
//!   (the sum `sum_jk q^(j+k) d^|j-k|` of the filter's weights; for `d = 0` the familiar
//!   `(a R s)^2 / (1 - q^2)`);
//! - a sine `amp sin(theta_n)`, `theta_{n+1} = theta_n + Omega` (`Omega = 2 pi dt/period`), adds
//!   the periodic response `Im(Z e^(i theta_n))` with `Z = a R amp / (e^(i Omega) - q)`: V's first
//!   harmonic has amplitude `|Z|` and phase `arg Z` against the sine. As `dt -> 0` this is the
//!   continuous membrane's `R amp / (1 + i omega tau_m)`: amplitude
//!   `R amp / sqrt(1 + (omega tau_m)^2)`, phase `-atan(omega tau_m)`.
//!
//! The standard deviation of V over time is `sqrt(var + |Z|^2 / 2)` (the sine's share is its
//! time average over whole periods). The prediction is that of a membrane that never fires: it
//! is flagged reliable where V stays below threshold with a margin, `m + |Z| + (the start's
//! overshoot, max(0, E_L - m + |Z|)) + 5 sd < V_th`, `sd` the fluctuations' standard deviation.

/// One part's current as the free membrane sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Drive {
    /// A stationary current: its mean (nA), per-step variance (nA^2) and the factor `d` by
    /// which its autocovariance falls per step.
    Stationary {
        mean_na: f64,
        var_na2: f64,
        corr: f64,
    },
    /// A sine of amplitude `amp_na` (nA) advancing `omega_dt` radians per step.
    Sine { amp_na: f64, omega_dt: f64 },
}

/// A first harmonic of V: `V(t_n) ~ m + amp_mv sin(theta_n + phase_deg)`, `theta_n` the sine's
/// argument at step `n`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Harmonic {
    pub amp_mv: f64,
    /// In (-180, 180] degrees; negative: V lags the input sine.
    pub phase_deg: f64,
}

impl Harmonic {
    /// From the complex amplitude `z = re + i im` (`V ~ m + Im(z e^(i theta))`).
    pub fn of_complex(re: f64, im: f64) -> Harmonic {
        let d = im.atan2(re).to_degrees().rem_euclid(360.0);
        Harmonic {
            amp_mv: re.hypot(im),
            phase_deg: if d > 180.0 { d - 360.0 } else { d },
        }
    }
}

/// The free membrane's predicted statistics of V.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prediction {
    pub mean_mv: f64,
    pub std_mv: f64,
    /// With a sine part.
    pub harmonic: Option<Harmonic>,
    /// Whether V stays below threshold with a margin (see the module's text).
    pub reliable: bool,
}

/// The membrane constants the prediction needs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Membrane {
    /// The step coefficient `a`.
    pub a: f64,
    pub e_l_mv: f64,
    pub r_mohm: f64,
    pub v_th_mv: f64,
}

/// The free membrane driven by `mu_na` plus `drives`.
pub fn predict(m: &Membrane, mu_na: f64, drives: &[Drive]) -> Prediction {
    let (a, r) = (m.a, m.r_mohm);
    let q = 1.0 - a;
    let mut mean_na = mu_na;
    let mut var = 0.0;
    let mut z = (0.0, 0.0);
    for drive in drives {
        match *drive {
            Drive::Stationary {
                mean_na: mean,
                var_na2,
                corr,
            } => {
                mean_na += mean;
                var += (a * r).powi(2) * var_na2 * (1.0 + q * corr)
                    / ((1.0 - q * q) * (1.0 - q * corr));
            }
            Drive::Sine { amp_na, omega_dt } => {
                // a R amp / (e^(i Omega) - q).
                let (re, im) = (omega_dt.cos() - q, omega_dt.sin());
                let k = a * r * amp_na / (re * re + im * im);
                z = (z.0 + k * re, z.1 - k * im);
            }
        }
    }
    let mean_mv = m.e_l_mv + r * mean_na;
    let harmonic = drives
        .iter()
        .any(|d| matches!(d, Drive::Sine { .. }))
        .then(|| Harmonic::of_complex(z.0, z.1));
    let amp = harmonic.map_or(0.0, |h| h.amp_mv);
    let overshoot = (m.e_l_mv - mean_mv + amp).max(0.0);
    Prediction {
        mean_mv,
        std_mv: (var + amp * amp / 2.0).sqrt(),
        harmonic,
        reliable: mean_mv + amp + overshoot + 5.0 * var.sqrt() < m.v_th_mv,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn membrane(a: f64) -> Membrane {
        Membrane {
            a,
            e_l_mv: -65.0,
            r_mohm: 10.0,
            v_th_mv: -50.0,
        }
    }

    /// The map iterated by hand settles on the predicted harmonic (any step, both signs of
    /// the lag), and on the mean.
    #[test]
    fn the_sine_response_is_the_maps_steady_state() {
        for (a, omega_dt) in [(0.01, 0.0123), (0.3, 1.1), (0.095, 2.9)] {
            let (mu, amp) = (0.4, 0.3);
            let p = predict(
                &membrane(a),
                mu,
                &[Drive::Sine {
                    amp_na: amp,
                    omega_dt,
                }],
            );
            let mut v = -65.0;
            let n0 = 20_000;
            let mut worst: f64 = 0.0;
            for n in 0..n0 + 500 {
                let theta = omega_dt * n as f64;
                if n >= n0 {
                    let h = p.harmonic.unwrap();
                    let want = p.mean_mv + h.amp_mv * (theta + h.phase_deg.to_radians()).sin();
                    worst = worst.max((v - want).abs());
                }
                v = v + a * (-65.0 - v + 10.0 * (mu + amp * theta.sin()));
            }
            assert!(worst < 1e-10, "a = {a}, Omega = {omega_dt}: off by {worst}");
        }
    }

    /// As dt -> 0 the discrete response is the continuous membrane's.
    #[test]
    fn the_continuous_limit() {
        let (tau, period, amp) = (10.0, 25.0, 0.5);
        let omega = 2.0 * std::f64::consts::PI / period;
        let dt = 1e-4;
        let p = predict(
            &membrane(dt / tau),
            0.0,
            &[Drive::Sine {
                amp_na: amp,
                omega_dt: omega * dt,
            }],
        );
        let h = p.harmonic.unwrap();
        let want_amp = 10.0 * amp / (1.0 + (omega * tau).powi(2)).sqrt();
        let want_phase = -(omega * tau).atan().to_degrees();
        assert!((h.amp_mv / want_amp - 1.0).abs() < 1e-4, "{h:?}");
        assert!((h.phase_deg - want_phase).abs() < 1e-2, "{h:?}");
    }

    /// The variance formula against the autocovariance summed by brute force, and white noise's
    /// closed form.
    #[test]
    fn the_variance_is_the_filters_sum() {
        let (a, s2, d): (f64, f64, f64) = (0.05, 0.7, 0.8);
        let q = 1.0 - a;
        let mut brute = 0.0;
        for j in 0..1500 {
            for k in 0..1500 {
                brute += q.powi(j + k) * d.powi((j - k).abs());
            }
        }
        brute *= (a * 10.0).powi(2) * s2;
        let p = predict(
            &membrane(a),
            0.0,
            &[Drive::Stationary {
                mean_na: 0.0,
                var_na2: s2,
                corr: d,
            }],
        );
        assert!((p.std_mv.powi(2) / brute - 1.0).abs() < 1e-9);
        let white = predict(
            &membrane(a),
            0.0,
            &[Drive::Stationary {
                mean_na: 0.0,
                var_na2: s2,
                corr: 0.0,
            }],
        );
        let want = (a * 10.0).powi(2) * s2 / (1.0 - q * q);
        assert!((white.std_mv.powi(2) / want - 1.0).abs() < 1e-14);
        assert!(white.harmonic.is_none() && white.reliable);
    }
}
