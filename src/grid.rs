//! The grid: a spec's jobs, in order, computed on demand (a million-job sweep is never held in
//! memory). Job ids run over the blocks in spec order; inside a block the axes vary like nested
//! loops in the order written, the last axis fastest.

use crate::job::Job;
use crate::spec::{Block, Spec};

pub struct Grid {
    blocks: Vec<Block>,
    /// Id of the first job of each block.
    offsets: Vec<u64>,
    len: u64,
}

impl Grid {
    pub fn new(spec: &Spec) -> Grid {
        let mut offsets = Vec::with_capacity(spec.blocks.len());
        let mut len = 0;
        for b in &spec.blocks {
            offsets.push(len);
            len += b.len();
        }
        Grid {
            blocks: spec.blocks.clone(),
            offsets,
            len,
        }
    }

    /// The blocks, in spec order.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// Number of jobs.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Job `id` (`id < len()`).
    pub fn job(&self, id: u64) -> Job {
        assert!(
            id < self.len,
            "job {id} out of range (grid has {})",
            self.len
        );
        let b = self.offsets.partition_point(|&o| o <= id) - 1;
        let block = &self.blocks[b];
        let mut job = block.template.clone();
        job.id = id;
        let mut rest = id - self.offsets[b];
        for axis in block.axes.iter().rev() {
            let n = axis.values.len() as u64;
            axis.key.set(&mut job, axis.values[(rest % n) as usize]);
            rest /= n;
        }
        job
    }

    /// All jobs in order.
    pub fn jobs(&self) -> impl Iterator<Item = Job> + '_ {
        (0..self.len).map(|id| self.job(id))
    }
}
