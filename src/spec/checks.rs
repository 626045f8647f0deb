//! Checks of a block that involve several keys (stability of the step, reset below threshold,
//! whole numbers of steps, event rates), and the warnings about values that are allowed but
//! probably not meant.

use super::keys::{Key, KeyValue};
use super::{Block, MAX_STEPS, SpecError};
use crate::engine::MAX_BINS;
use crate::job::steps_in;
use crate::neuron::Integrator;

fn max(xs: &[f64]) -> f64 {
    xs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

fn min(xs: &[f64]) -> f64 {
    xs.iter().copied().fold(f64::INFINITY, f64::min)
}

/// Whether `ms` is a whole number of steps of `dt_ms` (to a relative 1e-9).
fn is_whole_steps(ms: f64, dt_ms: f64) -> bool {
    let steps = ms / dt_ms;
    (steps - steps.round()).abs() <= 1e-9 * steps.round().max(1.0)
}

/// A number as a message shows it: as written for ordinary sizes, in exponent form beyond
/// (never 309 digits).
fn shown(x: f64) -> String {
    if x.abs() < 1e15 {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// Checks that involve several keys, over every combination the block's axes produce.
pub(super) fn check_block(b: &Block, warnings: &mut Vec<String>) -> Result<(), SpecError> {
    let label = b.label();
    let dts = b.reals(Key::Dt);
    let taus = b.reals(Key::TauM);
    let (dt_max, tau_min) = (max(&dts), min(&taus));
    let euler = b
        .values(Key::Integrator)
        .contains(&KeyValue::Integrator(Integrator::Euler));
    if euler && dt_max >= 2.0 * tau_min {
        return Err(SpecError::at(
            b.line_of_key(Key::Dt),
            format!(
                "{label}: dt_ms = {dt_max} with tau_m_ms = {tau_min} is not allowed: forward Euler \
                 is unstable unless dt_ms < 2 * tau_m_ms = {} (integrator = \"exact\" has no \
                 such limit)",
                2.0 * tau_min
            ),
        ));
    }
    if euler && dt_max > tau_min / 10.0 {
        warnings.push(format!(
            "{label}: dt_ms = {dt_max} is more than tau_m_ms / 10 = {}: forward Euler is \
             inaccurate at this step (a few % error in rates); consider dt_ms <= {} or \
             integrator = \"exact\"",
            tau_min / 10.0,
            tau_min / 10.0
        ));
    }
    let (reset_max, th_min) = (max(&b.reals(Key::VReset)), min(&b.reals(Key::VTh)));
    if reset_max >= th_min {
        return Err(SpecError::at(
            b.line_of_key(Key::VReset),
            format!(
                "{label}: v_reset_mv = {reset_max} with v_th_mv = {th_min} is not allowed: \
                 v_reset_mv must be below v_th_mv"
            ),
        ));
    }
    let durations = b.reals(Key::Duration);
    let warmups = b.reals(Key::Warmup);
    let (warm_max, dur_min) = (max(&warmups), min(&durations));
    if warm_max >= dur_min {
        return Err(SpecError::at(
            b.line_of_key(Key::Warmup),
            format!(
                "{label}: warmup_ms = {warm_max} with duration_ms = {dur_min} is not allowed: \
                 warmup_ms must be below duration_ms (statistics count [warmup, duration))"
            ),
        ));
    }
    let mut odd_t_refs: Vec<(f64, f64)> = Vec::new();
    for &dt in &dts {
        for (key, list) in [(Key::Duration, &durations), (Key::Warmup, &warmups)] {
            for &ms in list.iter() {
                if key == Key::Duration && ms / dt > MAX_STEPS as f64 + 0.5 {
                    return Err(SpecError::at(
                        b.line_of_key(key),
                        format!(
                            "{label}: duration_ms = {} at dt_ms = {dt} is too many steps ({}); \
                             at most {MAX_STEPS} steps per job are allowed",
                            shown(ms),
                            if (ms / dt).is_finite() {
                                format!("about {:.3e}", ms / dt)
                            } else {
                                "more than 1e308".to_string()
                            }
                        ),
                    ));
                }
                if !is_whole_steps(ms, dt) {
                    return Err(SpecError::at(
                        b.line_of_key(key),
                        format!(
                            "{label}: {} = {} is not a whole number of dt_ms = {dt} steps \
                             ({} steps); make it a multiple of dt_ms",
                            key.name(),
                            shown(ms),
                            shown(ms / dt)
                        ),
                    ));
                }
                if key == Key::Duration && steps_in(ms, dt) > MAX_STEPS {
                    return Err(SpecError::at(
                        b.line_of_key(key),
                        format!(
                            "{label}: duration_ms = {ms} at dt_ms = {dt} is {} steps; at most \
                             {MAX_STEPS} steps per job are allowed",
                            steps_in(ms, dt)
                        ),
                    ));
                }
            }
        }
        for t_ref in b.reals(Key::TRef) {
            if !is_whole_steps(t_ref, dt) {
                odd_t_refs.push((t_ref, dt));
            }
        }
    }
    check_histograms(b, &dts, &durations, &warmups, warnings)?;
    // One warning for all of them, however long the axis.
    if let Some(&(t_ref, dt)) = odd_t_refs.first() {
        let more = match odd_t_refs.len() {
            1 => String::new(),
            n => format!(" (and {} more pairs of t_ref_ms and dt_ms like it)", n - 1),
        };
        warnings.push(format!(
            "{label}: t_ref_ms = {t_ref} is not a whole number of dt_ms = {dt} steps{more}; the \
             neuron is held for round(t_ref/dt) steps ({} here)",
            (t_ref / dt).round()
        ));
    }
    for part in b.model.parts() {
        let Some(check) = part.check else { continue };
        let max_of = |p| max(&b.reals(Key::Input(p)));
        if let Err((param, message)) = check(&max_of, dt_max) {
            return Err(SpecError::at(
                b.line_of_key(Key::Input(param)),
                format!("{label}: {message}"),
            ));
        }
    }
    Ok(())
}

/// The histogram keys: bins of whole steps, the ISI range a whole number of bins, at most
/// [`MAX_BINS`] bins; a cycle histogram asked of a model without a sine is warned about.
fn check_histograms(
    b: &Block,
    dts: &[f64],
    durations: &[f64],
    warmups: &[f64],
    warnings: &mut Vec<String>,
) -> Result<(), SpecError> {
    let label = b.label();
    let err = |key: Key, message: String| {
        SpecError::at(b.line_of_key(key), format!("{label}: {message}"))
    };
    let too_many = |key: Key, value: f64, bins: f64, what: &str| {
        err(
            key,
            format!(
                "{} = {value} gives {} bins ({what}); at most {MAX_BINS} are allowed: use wider \
                 bins",
                key.name(),
                shown(bins)
            ),
        )
    };
    let (dur_max, warm_min) = (max(durations), min(warmups));
    for &dt in dts {
        for key in [Key::IsiBin, Key::PsthBin] {
            for bin in b.reals(key).into_iter().filter(|&x| x > 0.0) {
                if !is_whole_steps(bin, dt) || bin < dt * (1.0 - 1e-9) {
                    return Err(err(
                        key,
                        format!(
                            "{} = {} is not a whole number of dt_ms = {dt} steps ({} steps); \
                             make it a multiple of dt_ms",
                            key.name(),
                            shown(bin),
                            shown(bin / dt)
                        ),
                    ));
                }
                if key == Key::PsthBin {
                    let bins = ((dur_max - warm_min) / bin).ceil();
                    if bins > MAX_BINS as f64 {
                        return Err(too_many(key, bin, bins, "over the counting window"));
                    }
                }
            }
        }
    }
    for bin in b.reals(Key::IsiBin).into_iter().filter(|&x| x > 0.0) {
        for isi_max in b.reals(Key::IsiMax) {
            let bins = isi_max / bin;
            if (bins - bins.round()).abs() > 1e-9 * bins.round().max(1.0) || bins.round() < 1.0 {
                return Err(err(
                    Key::IsiMax,
                    format!(
                        "isi_max_ms = {} is not a whole number of isi_bin_ms = {} bins ({} \
                         bins); make it a multiple of isi_bin_ms",
                        shown(isi_max),
                        shown(bin),
                        shown(bins)
                    ),
                ));
            }
            if bins.round() > MAX_BINS as f64 {
                return Err(too_many(Key::IsiMax, isi_max, bins, "of isi_bin_ms"));
            }
        }
    }
    let sine = b.model.has(crate::input::AMP);
    if !sine && b.values(Key::CycleBins).iter().any(|v| v.real() > 0.0) {
        warnings.push(format!(
            "{label}: cycle_bins is set, but model {} has no sine part: its cycle_hist stays null",
            b.model.name()
        ));
    }
    Ok(())
}
