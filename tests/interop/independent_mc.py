"""An independent Monte-Carlo of the schemes docs/MODEL.md documents, against lifsweep's rows.

numpy steps the documented step rule with its own random numbers (nothing shared with lifsweep
but the text of docs/MODEL.md) for held-out cases that no Rust test uses: the free membrane
under OU noise and under excitation + inhibition (mean and standard deviation of V), a sine
below threshold (V's first harmonic: deterministic, so to 1e-6), and a sine on white noise
(vector strength, spike phase, rate modulation) over frequency and amplitude. Random statistics
must agree within 5 combined standard errors (each side's error estimated from the spread over
independent neurons in the numpy run; lifsweep's is taken equal).

Usage: python independent_mc.py BINARY
"""

import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

E_L, V_TH, V_RESET, R, TAU_M = -65.0, -50.0, -65.0, 10.0, 10.0
DT, DURATION, WARMUP = 0.1, 3000.0, 100.0
Z = 5.0


def lifsweep(binary, blocks, neurons, work):
    spec = Path(work) / "spec.toml"
    spec.write_text(
        f"[neuron]\nt_ref_ms = 2.0\n[simulation]\ndt_ms = {DT}\nduration_ms = {DURATION}\n"
        f"warmup_ms = {WARMUP}\nneurons = {neurons}\nv_stats = true\nseed = 20261201\n{blocks}")
    out = Path(work) / "out.parquet"
    subprocess.run([binary, "run", str(spec), "-o", str(out), "--force", "--quiet"],
                   check=True, stdout=subprocess.DEVNULL)
    return pq.read_table(out).to_pandas()


def simulate(current, neurons, rng, sine=None, refractory_steps=20):
    """Steps the documented rule (Euler) for `neurons` neurons; `current(n)` gives I_n.
    Returns per-neuron sums over counted steps of V - E_L and its square, and per-neuron sums
    of exp(i theta) over counted spikes with their counts."""
    steps, first = round(DURATION / DT), round(WARMUP / DT)
    a = DT / TAU_M
    v = np.full(neurons, E_L)
    held = np.zeros(neurons, dtype=np.int64)
    s1 = np.zeros(neurons)
    s2 = np.zeros(neurons)
    z = np.zeros(neurons, dtype=complex)
    count = np.zeros(neurons)
    for n in range(steps):
        if n >= first:
            d = v - E_L
            s1 += d
            s2 += d * d
        i_n = current(n)
        free = held == 0
        v = np.where(free, v + a * (E_L - v + R * i_n), V_RESET)
        held = np.where(free, 0, held - 1)
        spiked = free & (v >= V_TH)
        v = np.where(spiked, V_RESET, v)
        held = np.where(spiked, refractory_steps, held)
        if n >= first and sine is not None and spiked.any():
            period, phase = sine
            u = (n + 1) * DT / period + phase / 360.0
            z[spiked] += np.exp(2j * math.pi * (u - math.floor(u)))
            count[spiked] += 1
    return s1, s2, z, count, steps - first


def v_moments(s1, s2, k):
    """Pooled mean and standard deviation of V, each with its standard error over neurons."""
    mean_i, var_i = s1 / k, s2 / k - (s1 / k) ** 2
    n = len(s1)
    mean = mean_i.mean()
    var = (s2.sum() - s1.sum() ** 2 / (n * k)) / (n * k - 1)
    se_mean = mean_i.std(ddof=1) / math.sqrt(n)
    # Var of the pooled variance ~ var of the per-neuron values (plus their means' spread).
    pooled_i = var_i + (mean_i - mean) ** 2
    se_std = pooled_i.std(ddof=1) / math.sqrt(n) / (2 * math.sqrt(var))
    return E_L + mean, se_mean, math.sqrt(var), se_std


def locking(z, count, groups=20):
    """Vector strength and phase, with jackknife standard errors over groups of neurons."""
    def of(zs, cs):
        total = zs.sum()
        return abs(total) / cs.sum(), math.degrees(math.atan2(total.imag, total.real)) % 360

    vs, ph = of(z, count)
    parts = np.array_split(np.arange(len(z)), groups)
    jack = [of(np.delete(z, p), np.delete(count, p)) for p in parts]
    g = len(parts)
    se_vs = math.sqrt((g - 1) / g * sum((j[0] - vs) ** 2 for j in jack))
    dph = [((j[1] - ph + 180) % 360) - 180 for j in jack]
    se_ph = math.sqrt((g - 1) / g * sum(x * x for x in dph))
    return vs, se_vs, ph, se_ph, count.sum()


def agree(what, ours, theirs, se, failures):
    tol = Z * math.sqrt(2) * se
    ok = abs(ours - theirs) <= tol
    print(f"  {what}: lifsweep {ours:.6g}, numpy {theirs:.6g}, |diff| {abs(ours - theirs):.3g} "
          f"<= {tol:.3g}: {'ok' if ok else 'FAIL'}")
    if not ok:
        failures.append(what)


def main(binary):
    rng = np.random.default_rng(8675309)
    failures = []
    neurons = 400
    with tempfile.TemporaryDirectory() as work:
        # OU below threshold.
        mu, sig, tau = 0.6, 0.25, 3.0
        row = lifsweep(binary, f'[[sweep]]\nmodel = "ou"\nmu_na = {mu}\nou_sigma_na = {sig}\n'
                       f'ou_tau_ms = {tau}\n', neurons, work).iloc[0]
        d = math.exp(-DT / tau)
        eta = sig * rng.standard_normal(neurons)

        def ou(n):
            nonlocal eta
            eta = eta * d + sig * math.sqrt(1 - d * d) * rng.standard_normal(neurons)
            return mu + eta
        m, se_m, s, se_s = v_moments(*simulate(ou, neurons, rng)[:2], round((DURATION - WARMUP) / DT))
        print(f"ou mu {mu} sigma {sig} tau {tau}")
        agree("mean_v_mv", row["mean_v_mv"], m, se_m, failures)
        agree("std_v_mv", row["std_v_mv"], s, se_s, failures)

        # Excitation + inhibition below threshold.
        e, i = (2000.0, 0.08, 4.0), (1500.0, -0.06, 8.0)
        row = lifsweep(binary, f'[[sweep]]\nmodel = "poisson+poisson_i"\nmu_na = 0.3\n'
                       f'rate_hz = {e[0]}\nw_na = {e[1]}\ntau_s_ms = {e[2]}\nrate_i_hz = {i[0]}\n'
                       f'w_i_na = {i[1]}\ntau_i_ms = {i[2]}\n', neurons, work).iloc[0]
        syn = [np.zeros(neurons), np.zeros(neurons)]

        def ei(n):
            for k, (rate, w, ts) in enumerate((e, i)):
                syn[k] = syn[k] * math.exp(-DT / ts) + w * rng.poisson(rate * DT / 1000, neurons)
            return 0.3 + syn[0] + syn[1]
        m, se_m, s, se_s = v_moments(*simulate(ei, neurons, rng)[:2], round((DURATION - WARMUP) / DT))
        print(f"poisson+poisson_i {e} {i}")
        agree("mean_v_mv", row["mean_v_mv"], m, se_m, failures)
        agree("std_v_mv", row["std_v_mv"], s, se_s, failures)

        # A sine below threshold: deterministic, the fit of the same V.
        mu, amp, period, phase = 0.5, 0.4, 17.0, 30.0
        row = lifsweep(binary, f'[[sweep]]\nmodel = "sine"\nmu_na = {mu}\namp_na = {amp}\n'
                       f'period_ms = {period}\nphase_deg = {phase}\n', 1, work).iloc[0]
        steps, first = round(DURATION / DT), round(WARMUP / DT)
        t = np.arange(steps) * DT
        theta = 2 * math.pi * (t / period + phase / 360)
        v, vs = E_L, np.empty(steps)
        for n in range(steps):
            vs[n] = v
            v = v + DT / TAU_M * (E_L - v + R * (mu + amp * math.sin(theta[n])))
        x = np.column_stack([np.ones(steps - first), np.sin(theta[first:]), np.cos(theta[first:])])
        c = np.linalg.lstsq(x, vs[first:], rcond=None)[0]
        a_fit, psi = math.hypot(c[1], c[2]), math.degrees(math.atan2(c[2], c[1]))
        print(f"sine mu {mu} amp {amp} period {period} phase {phase}")
        agree("v_harmonic_mv", row["v_harmonic_mv"], a_fit, 1e-6 / Z, failures)
        agree("v_harmonic_phase_deg", row["v_harmonic_phase_deg"], psi, 1e-5 / Z, failures)

        # A sine on white noise: phase locking over frequency and amplitude.
        mu, sigma, neurons = 1.5, 0.4, 1000
        for period in (8.0, 40.0):
            for amp in (0.1, 0.3):
                row = lifsweep(binary, f'[[sweep]]\nmodel = "sine+noise"\nmu_na = {mu}\n'
                               f'amp_na = {amp}\nperiod_ms = {period}\nsigma_na = {sigma}\n',
                               neurons, work).iloc[0]
                scale = sigma * math.sqrt(1.0 / DT)
                om = 2 * math.pi * DT / period

                def drive(n):
                    return mu + amp * math.sin(om * n) + scale * rng.standard_normal(neurons)
                _, _, z, count, _ = simulate(drive, neurons, rng, sine=(period, 0.0))
                vs, se_vs, ph, se_ph, spikes = locking(z, count)
                window_s = (DURATION - WARMUP) / 1000
                rate = spikes / (neurons * window_s)
                print(f"sine+noise mu {mu} sigma {sigma} amp {amp} period {period}")
                agree("firing_rate_hz", row["firing_rate_hz"], rate,
                      (count / window_s).std(ddof=1) / math.sqrt(neurons), failures)
                agree("vector_strength", row["vector_strength"], vs, se_vs, failures)
                agree("spike_phase_deg", row["spike_phase_deg"], ph, se_ph, failures)
                agree("rate_modulation_hz", row["rate_modulation_hz"], 2 * rate * vs,
                      2 * rate * se_vs, failures)
    if failures:
        sys.exit(f"independent Monte-Carlo disagrees: {failures}")
    print("independent Monte-Carlo: every statistic agrees")


if __name__ == "__main__":
    main(sys.argv[1])
