//! The histograms (ISI, PSTH, cycle): what a trace of the spikes gives, independent of threads
//! and cuts, changing nothing else, and the spec's rules for their keys.

use super::common::{bits, lifsweep, run_spec, stderr_of, write_spec};
use lifsweep::engine::{Batch, JobAccumulator, Shape};
use lifsweep::grid::Grid;
use lifsweep::input::Clock;
use lifsweep::spec::Spec;

const HEAD: &str = "[neuron]\nt_ref_ms = 1.5\n[simulation]\nduration_ms = 400.0\n\
                    warmup_ms = 33.3\nisi_bin_ms = 0.7\nisi_max_ms = 21.0\npsth_bin_ms = 25.0\n\
                    cycle_bins = 10\n";

const BLOCKS: &str = "[[sweep]]\nmodel = \"sine+noise\"\nmu_na = [1.3, 2.0]\namp_na = 0.6\n\
                      period_ms = [9.0, 31.0]\nphase_deg = 40.0\nsigma_na = 0.4\n\
                      [[sweep]]\nmodel = \"poisson\"\nrate_hz = 3000\nw_na = 0.6\n\
                      tau_s_ms = 1.0\n";

/// The three histograms of a job, counted here from the spikes of every counted step, the
/// plain way.
#[test]
fn histograms_are_those_of_the_traced_spikes() {
    let text = format!("{HEAD}neurons = 37\n{BLOCKS}");
    let grid = Grid::new(&Spec::parse(&text).unwrap());
    for job in grid.jobs() {
        let lanes = job.sim.neurons as usize;
        let mut batch = Batch::new(Shape::of(&job));
        batch.push(&job, job.seed(), 0, lanes);
        let (w, bin_isi, bin_psth) = (job.warmup_steps(), 7u64, 250u64);
        let mut isi = vec![0u64; 30];
        let mut psth = vec![0u64; (job.n_steps() - w).div_ceil(bin_psth) as usize];
        let mut cycle = [0u64; 10];
        let mut last = vec![None; lanes];
        let clock = Clock::of(job.model, &job.input, job.sim.dt_ms);
        for n in 0..job.n_steps() {
            batch.step(n);
            if n < w {
                continue;
            }
            for lane in (0..lanes).filter(|&l| batch.spiked(l)) {
                if let Some(prev) = last[lane]
                    && let Some(c) = isi.get_mut(((n - prev) / bin_isi) as usize)
                {
                    *c += 1;
                }
                last[lane] = Some(n);
                psth[((n - w) / bin_psth) as usize] += 1;
                if let Some(clock) = clock {
                    let u = clock.cycles((n + 1) as f64);
                    cycle[((u - u.floor()) * 10.0) as usize] += 1;
                }
            }
        }
        let mut acc = JobAccumulator::default();
        acc.add(&batch.segment(0..lanes));
        let stats = acc.finish(&job);
        assert!(
            stats.spikes > 100,
            "job {}: {} spikes",
            job.id,
            stats.spikes
        );
        let h = stats.hists();
        assert_eq!(h.isi.as_deref(), Some(&isi[..]), "job {}", job.id);
        assert_eq!(h.psth.as_deref(), Some(&psth[..]), "job {}", job.id);
        assert_eq!(psth.iter().sum::<u64>(), stats.spikes);
        match clock {
            Some(_) => assert_eq!(h.cycle.as_deref(), Some(&cycle[..]), "job {}", job.id),
            None => assert_eq!(h.cycle, None, "no sine, no cycle histogram"),
        }
        assert!(
            isi.iter().sum::<u64>() < stats.isis,
            "some intervals are past isi_max_ms"
        );
    }
}

/// Threads, a job cut into several batches (700 neurons), one-neuron jobs packed side by side:
/// the same counts; and the histograms change no other statistic.
#[test]
fn histograms_do_not_depend_on_threads_or_cuts_and_change_nothing_else() {
    let text = format!("{HEAD}neurons = 700\n{BLOCKS}");
    let one = run_spec(&text, 1);
    let two = run_spec(&text, 2);
    let plain = run_spec(
        &format!(
            "[neuron]\nt_ref_ms = 1.5\n[simulation]\nduration_ms = 400.0\nwarmup_ms = 33.3\nneurons = 700\n{BLOCKS}"
        ),
        2,
    );
    for ((a, b), c) in one.iter().zip(&two).zip(&plain) {
        assert_eq!(a.1.hists, b.1.hists, "job {}", a.0.id);
        assert_eq!(bits(&a.1), bits(&c.1), "job {}", a.0.id);
        assert!(a.1.hists().psth.is_some() && c.1.hists().psth.is_none());
    }
    let packed = format!("{HEAD}neurons = 1\n{BLOCKS}");
    for (job, stats) in run_spec(&packed, 2) {
        let alone = run_spec(&packed, 1)
            .into_iter()
            .find(|(j, _)| j.id == job.id)
            .unwrap();
        assert_eq!(alone.1.hists, stats.hists);
    }
}

#[test]
fn histogram_keys_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let block = "[[sweep]]\nmodel = \"noise\"\nmu_na = 1.5\nsigma_na = 0.5\n";
    for (sim, want) in [
        (
            "isi_bin_ms = 0.25",
            "isi_bin_ms = 0.25 is not a whole number of dt_ms = 0.1 steps",
        ),
        (
            "psth_bin_ms = 0.05",
            "psth_bin_ms = 0.05 is not a whole number of dt_ms = 0.1 steps",
        ),
        (
            "isi_bin_ms = 1.0\nisi_max_ms = 10.5",
            "isi_max_ms = 10.5 is not a whole number of isi_bin_ms = 1 bins",
        ),
        (
            "isi_bin_ms = 0.1\nisi_max_ms = 2000.0",
            "isi_max_ms = 2000 gives 20000 bins (of isi_bin_ms); at most 10000",
        ),
        (
            "psth_bin_ms = 0.1\nduration_ms = 5000.0",
            "psth_bin_ms = 0.1 gives 50000 bins (over the counting window); at most 10000",
        ),
        (
            "cycle_bins = 20000",
            "cycle_bins must be a whole number from 0 to 10000",
        ),
        ("isi_bin_ms = -1.0", "isi_bin_ms = -1 is not allowed"),
        ("isi_max_ms = 0.0", "isi_max_ms = 0 is not allowed"),
    ] {
        let spec = write_spec(dir.path(), &format!("[simulation]\n{sim}\n{block}"));
        let err = stderr_of(
            lifsweep()
                .arg("run")
                .arg(&spec)
                .arg("-o")
                .arg(dir.path().join("x.parquet")),
            2,
        );
        assert!(err.contains(want), "{sim}: {err}");
        assert!(!dir.path().join("x.parquet").exists());
    }
    let spec = write_spec(
        dir.path(),
        &format!("[simulation]\ncycle_bins = 12\n{block}"),
    );
    let plan = stderr_of(lifsweep().arg("plan").arg(&spec), 0);
    assert!(
        plan.contains("cycle_bins is set, but model noise has no sine part"),
        "{plan}"
    );
}
