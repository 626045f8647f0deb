"""The README's NEST baseline: the benchmark workloads W1-W3 in NEST 3.10 (`pip install
nest-simulator`), MODEL.md's neuron as `iaf_psc_exp` (exact integration), spikes recorded.
One workload and thread count per process.

Usage: python benches/nest_baseline.py W1|W2|W3 THREADS [DURATION_MS]
(in a virtual environment with `pip install nest-simulator`, a manylinux wheel)
Prints the wall time of `nest.Simulate` (network construction not counted) and neuron-steps per
second. DURATION_MS (default 1000) may be shortened for the slow workloads: the rate per
neuron-step does not depend on it.

Mapping: C_m = tau_m / R = 1000 pF; mu as the neuron's I_e; white noise as a `noise_generator`
per sigma (independent currents for every target, redrawn every 0.1 ms, std = sigma *
sqrt(1 ms / dt)); Poisson input as a `poisson_generator` per rate (independent trains for every
target) through the exponential synapse (tau_syn_ex = 5 ms, weight = w).
"""

import sys
import time

import nest
import numpy as np

DT, NEURONS = 0.1, 1000
NEURON = dict(C_m=1000.0, tau_m=10.0, E_L=-65.0, V_th=-50.0, V_reset=-65.0, t_ref=2.0,
              V_m=-65.0, tau_syn_ex=5.0, tau_syn_in=5.0)


def population(mu_na):
    """Neurons with I_e = mu (pA), one per entry of `mu_na`."""
    pop = nest.Create("iaf_psc_exp", len(mu_na), params=NEURON)
    pop.I_e = list(1000.0 * np.asarray(mu_na))
    return pop


def w1():
    pops = []
    for sigma in [0.25, 0.5, 1.0]:
        pop = population(np.repeat(np.linspace(0, 3, 31), NEURONS))
        noise = nest.Create("noise_generator", params=dict(
            mean=0.0, std=1000.0 * sigma * np.sqrt(1.0 / DT), dt=DT))
        nest.Connect(noise, pop)
        pops.append(pop)
    return pops


def w2():
    pops = []
    for rate in [1000.0, 2000.0, 4000.0]:
        for w in [0.05, 0.1]:
            pop = population(np.repeat(np.linspace(0, 2, 21), NEURONS))
            source = nest.Create("poisson_generator", params=dict(rate=rate))
            nest.Connect(source, pop, syn_spec=dict(weight=1000.0 * w, delay=DT))
            pops.append(pop)
    return pops


def w3():
    return [population(np.linspace(0, 5, 10_001))]


def main():
    workload, threads = sys.argv[1], int(sys.argv[2])
    duration = float(sys.argv[3]) if len(sys.argv) > 3 else 1000.0
    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.ResetKernel()
    nest.SetKernelStatus(dict(resolution=DT, local_num_threads=threads, print_time=False))
    pops = {"W1": w1, "W2": w2, "W3": w3}[workload]()
    recorder = nest.Create("spike_recorder")
    for pop in pops:
        nest.Connect(pop, recorder)
    neurons = sum(len(p) for p in pops)
    start = time.perf_counter()
    nest.Simulate(duration)
    seconds = time.perf_counter() - start
    steps = round(duration / DT)
    print(f"{workload} threads {threads}: {duration:g} ms simulated in {seconds:.2f} s, "
          f"{neurons * steps / seconds:.3g} neuron-steps/s, {recorder.n_events} spikes")


if __name__ == "__main__":
    main()
