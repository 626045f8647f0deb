"""The README's numpy baseline: MODEL.md's scheme for the benchmark workloads W1-W3 and W5, all
jobs of a workload in one vectorized array (what a careful numpy user writes), on one core. (W5,
a million one-neuron jobs of 100 steps, computes no theory: numpy has none.)

Usage: python benches/numpy_baseline.py [W1 W2 W3 W5]   (prints neuron-steps per second)
"""

import sys
import time

import numpy as np

TAU, E_L, R, V_TH, V_RESET, T_REF, DT, STEPS = 10.0, -65.0, 10.0, -50.0, -65.0, 2.0, 0.1, 10_000


def simulate(mu, draw, steps=STEPS):
    """Steps all neurons; `draw(step)` returns the input current minus mu (or 0)."""
    n = mu.size
    v = np.full(n, E_L)
    refr = np.zeros(n, dtype=np.int64)
    spikes = np.zeros(n, dtype=np.int64)
    ref_steps = round(T_REF / DT)
    a = DT / TAU
    for step in range(steps):
        i = mu + draw(step)
        free = refr == 0
        v = np.where(free, v + a * (E_L - v + R * i), v)
        refr = np.where(free, refr, refr - 1)
        spiked = free & (v >= V_TH)
        v[spiked] = V_RESET
        refr[spiked] = ref_steps
        spikes += spiked
    return spikes


def w1(rng):
    mu, sigma = np.meshgrid(np.linspace(0, 3, 31), [0.25, 0.5, 1.0], indexing="ij")
    mu = np.repeat(mu.ravel(), 1000)
    scale = np.repeat(sigma.ravel(), 1000) * np.sqrt(1.0 / DT)
    return mu, lambda step: scale * rng.standard_normal(mu.size)


def w2(rng):
    grid = np.array(np.meshgrid(np.linspace(0, 2, 21), [1000.0, 2000.0, 4000.0], [0.05, 0.1],
                                indexing="ij")).reshape(3, -1)
    mu, rate, w = (np.repeat(x, 1000) for x in grid)
    lam = rate * DT / 1000.0
    decay = np.exp(-DT / 5.0)
    i_syn = np.zeros(mu.size)

    def draw(step):
        nonlocal i_syn
        i_syn = i_syn * decay + w * rng.poisson(lam)
        return i_syn

    return mu, draw


def w3(rng):
    mu = np.linspace(0, 5, 10_001)
    return mu, lambda step: 0.0


def w5(rng):
    mu, sigma = np.meshgrid(np.linspace(0, 3, 1000), np.linspace(0.1, 2.0, 1000), indexing="ij")
    mu = mu.ravel()
    scale = sigma.ravel() * np.sqrt(1.0 / DT)
    return mu, lambda step: scale * rng.standard_normal(mu.size)


def main(names):
    rng = np.random.default_rng(1)
    for name in names:
        mu, draw = {"W1": w1, "W2": w2, "W3": w3, "W5": w5}[name](rng)
        steps = 100 if name == "W5" else STEPS
        start = time.perf_counter()
        spikes = simulate(mu, draw, steps)
        seconds = time.perf_counter() - start
        print(f"{name}: {mu.size} neurons x {steps} steps in {seconds:.3f} s: "
              f"{mu.size * steps / seconds:.2e} neuron-steps/s ({spikes.sum()} spikes)")


if __name__ == "__main__":
    main(sys.argv[1:] or ["W1", "W2", "W3"])
