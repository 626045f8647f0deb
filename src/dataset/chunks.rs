//! Chunks and shards: a dataset's jobs cut into contiguous job-id ranges, fixed when the
//! dataset is made, and the share of them that shard `I/N` runs (chunk `c` belongs to shard
//! `c mod N`).

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crate::grid::Grid;
use crate::plan::job_seconds;

/// Estimated single-thread work per chunk (s), at least: a kill costs about this much of one
/// task's work at most (a task of C threads finishes a chunk every CHUNK_SECONDS / C), and a
/// chunk's part file (16 kB of footer and metadata) is small beside its rows.
pub const CHUNK_SECONDS: f64 = 15.0;

/// Chunks of a sweep, at most about this many: a sweep bigger than `MAX_CHUNKS x CHUNK_SECONDS`
/// gets longer chunks rather than more files.
pub const MAX_CHUNKS: u64 = 2_000;

/// The chunks of a dataset: chunk `c` is jobs `starts[c]..starts[c + 1]` (the last one ends at
/// `jobs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunks {
    starts: Vec<u64>,
    jobs: u64,
}

impl Chunks {
    /// Chunks of `k` jobs each (the last may be shorter).
    pub fn uniform(jobs: u64, k: u64) -> Chunks {
        assert!(k >= 1 && jobs >= 1);
        Chunks {
            starts: (0..jobs.div_ceil(k)).map(|c| c * k).collect(),
            jobs,
        }
    }

    /// Chunks of about [`CHUNK_SECONDS`] of estimated single-thread work each (more when the
    /// sweep would otherwise have more than [`MAX_CHUNKS`] of them), closed after the job that
    /// reaches it: a job is never cut. From the spec alone.
    pub fn by_cost(grid: &Grid, total_seconds: f64) -> Chunks {
        let target = CHUNK_SECONDS.max(total_seconds / MAX_CHUNKS as f64);
        let mut starts = vec![0];
        let mut acc = 0.0;
        for job in grid.jobs() {
            if acc >= target {
                starts.push(job.id);
                acc = 0.0;
            }
            acc += job_seconds(&job);
        }
        Chunks {
            starts,
            jobs: grid.len(),
        }
    }

    /// The chunks a new dataset of `spec` gets: `chunk_jobs` jobs each, or by cost.
    pub fn for_spec(spec: &crate::spec::Spec, chunk_jobs: Option<u64>) -> Chunks {
        let grid = Grid::new(spec);
        match chunk_jobs {
            Some(k) => Chunks::uniform(grid.len(), k),
            None => Chunks::by_cost(&grid, crate::plan::Plan::new(spec, 1).seconds()),
        }
    }

    /// Jobs in chunk `c`.
    pub fn jobs_in(&self, c: usize) -> u64 {
        let r = self.range(c);
        r.end - r.start
    }

    /// Jobs of the biggest chunk.
    pub fn biggest(&self) -> u64 {
        (0..self.len()).map(|c| self.jobs_in(c)).max().unwrap_or(0)
    }

    /// From recorded boundaries; `None` unless they start at 0, increase and stay below `jobs`.
    pub fn from_starts(starts: Vec<u64>, jobs: u64) -> Option<Chunks> {
        let ok = starts.first() == Some(&0)
            && starts.windows(2).all(|w| w[0] < w[1])
            && starts.last().is_some_and(|&s| s < jobs);
        ok.then_some(Chunks { starts, jobs })
    }

    pub fn starts(&self) -> &[u64] {
        &self.starts
    }

    /// Number of chunks.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Number of jobs in all.
    pub fn jobs(&self) -> u64 {
        self.jobs
    }

    /// The job ids of chunk `c`.
    pub fn range(&self, c: usize) -> Range<u64> {
        let end = self.starts.get(c + 1).copied().unwrap_or(self.jobs);
        self.starts[c]..end
    }

    /// The chunk holding job `id`.
    pub fn of(&self, id: u64) -> usize {
        self.starts.partition_point(|&s| s <= id) - 1
    }
}

/// A share of a dataset's chunks: shard `index` of `count` owns chunk `c` when
/// `c mod count == index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// The whole dataset.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    pub fn owns(&self, chunk: usize) -> bool {
        chunk as u64 % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || {
            format!(
                "--shard {s:?} is not allowed: write I/N with whole numbers, 0 <= I < N (shard I \
                 of N, counted from 0), e.g. 0/4"
            )
        };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Increasing numbers as a SLURM array list: `[3, 7, 8, 9]` -> `3,7-9`.
pub fn array_list(numbers: impl IntoIterator<Item = u64>) -> String {
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for n in numbers {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == n => *end = n,
            _ => runs.push((n, n)),
        }
    }
    runs.iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Spec;

    #[test]
    fn every_chunk_belongs_to_exactly_one_shard_for_any_count() {
        let chunks = Chunks::uniform(1000, 7);
        for count in 1..=chunks.len() as u64 {
            let mut owners = vec![0; chunks.len()];
            for index in 0..count {
                let shard = Shard { index, count };
                for (c, owner) in owners.iter_mut().enumerate() {
                    if shard.owns(c) {
                        *owner += 1;
                    }
                }
            }
            assert!(owners.iter().all(|&o| o == 1), "count {count}: {owners:?}");
        }
    }

    #[test]
    fn chunks_cover_the_jobs_in_order() {
        let c = Chunks::uniform(10, 4);
        assert_eq!(c.len(), 3);
        assert_eq!([c.range(0), c.range(1), c.range(2)], [0..4, 4..8, 8..10]);
        assert_eq!(
            (0..10).map(|id| c.of(id)).collect::<Vec<_>>(),
            [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]
        );
        assert_eq!(Chunks::from_starts(vec![0, 4, 8], 10), Some(c));
        assert_eq!(Chunks::from_starts(vec![0, 8, 4], 10), None);
        assert_eq!(Chunks::from_starts(vec![1, 4], 10), None);
        assert_eq!(Chunks::from_starts(vec![0, 10], 10), None);
    }

    #[test]
    fn chunks_by_cost_hold_about_the_target_and_never_cut_a_job() {
        // 100 noise jobs of 1e9 neuron-steps: 1.6 s each by the cost table, 10 per chunk.
        let spec = Spec::parse(
            "[simulation]\nneurons = 10000\nduration_ms = 10000.0\n[[sweep]]\nmodel = \"noise\"\n\
             mu_na = { start = 0.0, stop = 3.0, num = 100 }\nsigma_na = 1.0\n",
        )
        .unwrap();
        let grid = Grid::new(&spec);
        let total: f64 = grid.jobs().map(|j| job_seconds(&j)).sum();
        let chunks = Chunks::by_cost(&grid, total);
        let per_job = job_seconds(&grid.job(0));
        let expect = (CHUNK_SECONDS / per_job).ceil() as u64;
        assert_eq!(chunks.range(0), 0..expect);
        assert_eq!(chunks.len() as u64, 100u64.div_ceil(expect));
        // A huge sweep gets at most about MAX_CHUNKS chunks.
        let chunks = Chunks::by_cost(&grid, total * 1e4);
        assert_eq!(chunks.len(), 1);
    }

    #[test]
    fn shards_parse_and_array_lists_compress_runs() {
        assert_eq!("1/4".parse(), Ok(Shard { index: 1, count: 4 }));
        for bad in ["4/4", "1/0", "x/2", "3", "-1/2", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!(array_list([3, 7, 8, 9, 12]), "3,7-9,12");
        assert_eq!(array_list([]), "");
        assert_eq!(array_list([0, 1]), "0-1");
    }
}
