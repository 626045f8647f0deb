"""The README's Brian2 baseline: the benchmark workloads W1-W3 in Brian2's C++ standalone mode
(its fastest), MODEL.md's neuron with forward Euler, counting spikes per neuron (no other
statistics, which favours Brian2). One workload and thread count per process.

Usage: python benches/brian2_baseline.py W1|W2|W3 THREADS
(in a virtual environment with `pip install brian2 "numpy<2.3"`: Brian2 2.9.0 fails to import
with numpy 2.4, which removed ndarray.ptp; a C++ compiler must be on the PATH)
Prints: workload, threads, compile seconds, run seconds (the simulation binary as a whole
process, which is what the table compares) and neuron-steps per second of the run.

Differences from lifsweep, none of which slows Brian2 down: its refractoriness clamps v for
t_ref after the reset step; the Poisson input's synapse is integrated by forward Euler
(MODEL.md decays it exactly); PoissonInput draws binomial counts.
"""

import sys
import tempfile
import time

import numpy as np
from brian2 import (Hz, Mohm, Network, NeuronGroup, PoissonInput, SpikeMonitor, defaultclock,
                    device, mV, ms, nA, prefs, set_device)

DT_MS, STEPS, NEURONS = 0.1, 10_000, 1000
COMMON = dict(threshold="v >= -50*mV", reset="v = -65*mV", refractory=2 * ms, method="euler")
NAMESPACE = dict(E_L=-65 * mV, R=10 * Mohm, tau=10 * ms, tau_s=5 * ms)


def w1():
    eqs = """dv/dt = (E_L - v + R*I)/tau : volt (unless refractory)
             I = mu + sigma*sqrt(ms/dt)*randn() : amp (constant over dt)
             mu : amp
             sigma : amp"""
    mu, sigma = np.meshgrid(np.linspace(0, 3, 31), [0.25, 0.5, 1.0], indexing="ij")
    g = NeuronGroup(mu.size * NEURONS, eqs, namespace=NAMESPACE, **COMMON)
    g.v = -65 * mV
    g.mu = np.repeat(mu.ravel(), NEURONS) * nA
    g.sigma = np.repeat(sigma.ravel(), NEURONS) * nA
    return [g], g.N


def w2():
    eqs = """dv/dt = (E_L - v + R*(mu + I_syn))/tau : volt (unless refractory)
             dI_syn/dt = -I_syn/tau_s : amp
             mu : amp"""
    groups, total = [], 0
    for rate in [1000.0, 2000.0, 4000.0]:
        for w in [0.05, 0.1]:
            g = NeuronGroup(21 * NEURONS, eqs, namespace=NAMESPACE, **COMMON)
            g.v = -65 * mV
            g.mu = np.repeat(np.linspace(0, 2, 21), NEURONS) * nA
            groups.append(PoissonInput(g, "I_syn", N=1, rate=rate * Hz, weight=w * nA))
            groups.append(g)
            total += g.N
    return groups, total


def w3():
    eqs = """dv/dt = (E_L - v + R*mu)/tau : volt (unless refractory)
             mu : amp"""
    g = NeuronGroup(10_001, eqs, namespace=NAMESPACE, **COMMON)
    g.v = -65 * mV
    g.mu = np.linspace(0, 5, 10_001) * nA
    return [g], g.N


def main():
    workload, threads = sys.argv[1], int(sys.argv[2])
    directory = tempfile.mkdtemp(prefix="brian2_" + workload)
    set_device("cpp_standalone", directory=directory, build_on_run=False)
    if threads > 1:
        prefs.devices.cpp_standalone.openmp_threads = threads
    defaultclock.dt = DT_MS * ms
    objects, neurons = {"W1": w1, "W2": w2, "W3": w3}[workload]()
    monitors = [SpikeMonitor(g, record=False) for g in objects if isinstance(g, NeuronGroup)]
    Network(objects, monitors).run(STEPS * DT_MS * ms)
    start = time.perf_counter()
    device.build(directory=directory, compile=True, run=False)
    compiled = time.perf_counter()
    device.run(directory=directory, with_output=False, run_args=[])
    ran = time.perf_counter()
    spikes = sum(int(np.sum(m.count[:])) for m in monitors)
    seconds = ran - compiled
    print(f"{workload} threads {threads}: compile {compiled - start:.1f} s, run {seconds:.2f} s, "
          f"{neurons * STEPS / seconds:.3g} neuron-steps/s, {spikes} spikes")


if __name__ == "__main__":
    main()
