//! The writer thread: rows go to the Parquet writer on a thread of their own, so encoding and
//! compressing them overlaps with the simulation instead of following it (for a sweep of many
//! small jobs, the file is a sixth of the run).

use std::io::{BufWriter, Write};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use anyhow::Context;

use super::ResultWriter;
use super::columns::Row;
use crate::engine::JobResult;
use crate::job::Job;

/// Rows sent to the writer thread at a time (one message per this many rows).
const SEND_ROWS: usize = 1_024;

/// Messages in flight; the engine waits when the writer falls this far behind, so memory stays
/// bounded.
const QUEUE: usize = 8;

type Rows = Vec<Row>;

/// Where the writer thread puts rows: one result file, or a dataset's part files.
pub trait RowSink: Send + 'static {
    /// What the sink gives back when it is done.
    type Output: Send + 'static;
    /// Takes one job's row (rows come in the order the engine emits them).
    fn push(&mut self, job: Job, result: JobResult) -> anyhow::Result<()>;
    /// Takes the rows of `rows` in turn and leaves it empty.
    fn push_rows(&mut self, rows: &mut Vec<Row>) -> anyhow::Result<()> {
        for (job, result) in rows.drain(..) {
            self.push(job, result)?;
        }
        Ok(())
    }
    /// Writes what is left; returns the output.
    fn finish(self) -> anyhow::Result<Self::Output>;
}

/// One result file written into a `W`.
impl<W: Write + Send + 'static> RowSink for ResultWriter<BufWriter<W>> {
    type Output = W;
    fn push(&mut self, job: Job, result: JobResult) -> anyhow::Result<()> {
        Ok(ResultWriter::push(self, job, result)?)
    }
    fn push_rows(&mut self, rows: &mut Vec<Row>) -> anyhow::Result<()> {
        Ok(ResultWriter::push_rows(self, rows)?)
    }
    fn finish(self) -> anyhow::Result<W> {
        let buffered = ResultWriter::finish(self)?;
        Ok(buffered.into_inner().map_err(|e| e.into_error())?)
    }
}

/// The engine's side of the writer thread, which hands rows to an `S`.
pub struct BackgroundWriter<S: RowSink> {
    tx: Option<SyncSender<Rows>>,
    /// Emptied buffers coming back from the writer thread, to be filled again (a fresh one
    /// faults its pages in anew: 6% of the engine thread's time in a run of tiny jobs).
    returned: Receiver<Rows>,
    pending: Rows,
    thread: JoinHandle<anyhow::Result<S::Output>>,
}

/// The writer thread has stopped (on an error, which [`BackgroundWriter::finish`] returns).
#[derive(Debug, thiserror::Error)]
#[error("the result writer stopped")]
pub struct WriterStopped;

impl<W: Write + Send + 'static> BackgroundWriter<ResultWriter<BufWriter<W>>> {
    /// Starts a thread writing about `rows` rows (see [`ResultWriter::new`]) into `out`, its
    /// columns encoded side by side on `pool` (see [`ResultWriter::encode_on`]).
    pub fn start(
        out: W,
        spec_text: &str,
        rows: u64,
        pool: Arc<rayon::ThreadPool>,
    ) -> anyhow::Result<Self> {
        BackgroundWriter::with_sink(
            ResultWriter::new(BufWriter::new(out), spec_text, rows)?.encode_on(pool),
        )
    }
}

impl<S: RowSink> BackgroundWriter<S> {
    /// Starts a thread handing rows to `sink`.
    pub fn with_sink(mut sink: S) -> anyhow::Result<Self> {
        let (tx, rx) = sync_channel::<Rows>(QUEUE);
        let (give_back, returned) = sync_channel::<Rows>(QUEUE);
        let thread = std::thread::Builder::new()
            .name("lifsweep-writer".into())
            .spawn(move || {
                for mut rows in rx {
                    sink.push_rows(&mut rows)?;
                    // Dropped instead when the engine has buffers enough, or has finished.
                    let _ = give_back.try_send(rows);
                }
                sink.finish()
            })
            .context("cannot start the writer thread")?;
        Ok(BackgroundWriter {
            tx: Some(tx),
            returned,
            pending: Vec::with_capacity(SEND_ROWS),
            thread,
        })
    }

    /// Queues a job's row (rows must come in job order).
    pub fn push(&mut self, job: Job, result: JobResult) -> Result<(), WriterStopped> {
        self.pending.push((job, result));
        if self.pending.len() >= SEND_ROWS {
            self.send()?;
        }
        Ok(())
    }

    /// Hands the queued rows to the writer thread now (a dataset run calls it at the end of
    /// each chunk, so that the chunk's part is written while the engine goes on).
    pub fn flush(&mut self) -> Result<(), WriterStopped> {
        self.send()
    }

    fn send(&mut self) -> Result<(), WriterStopped> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let next = match self.returned.try_recv() {
            Ok(empty) => empty,
            Err(_) => Vec::with_capacity(SEND_ROWS),
        };
        let rows = std::mem::replace(&mut self.pending, next);
        let tx = self.tx.as_ref().ok_or(WriterStopped)?;
        tx.send(rows).map_err(|_| WriterStopped)
    }

    /// Sends the remaining rows and waits for the thread to write the footer; returns the sink,
    /// or the error that stopped the writer.
    pub fn finish(mut self) -> anyhow::Result<S::Output> {
        // If this fails, the thread has stopped on an error, which join reports.
        let _ = self.send();
        drop(self.tx.take());
        match self.thread.join() {
            Ok(written) => written,
            // A panic there is a bug: carry it on here.
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::JobStats;
    use crate::input::Model;
    use crate::theory::Theory;

    fn row(id: u64) -> (Job, JobResult) {
        let mut job = Job::new(Model::CONSTANT);
        job.id = id;
        let stats = JobStats {
            spikes: id,
            isis: 0,
            firing_rate_hz: id as f64,
            firing_rate_sem_hz: None,
            mean_v_mv: -65.0,
            mean_isi_ms: None,
            cv_isi: None,
            fano: None,
            locking: None,
            std_v_mv: None,
            v_harmonic: None,
            hists: None,
        };
        let theory = Theory {
            rate_hz: None,
            cv: None,
            reliable: None,
            v: None,
            locking: None,
        };
        let seed = job.seed();
        (
            job,
            JobResult {
                stats,
                theory,
                seed,
            },
        )
    }

    /// A sink that takes `room` bytes, then fails like a full disk.
    #[derive(Debug)]
    struct Full {
        room: usize,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if buf.len() > self.room {
                return Err(std::io::Error::other("no space left"));
            }
            self.room -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Pushes `n` rows from a worker of a pool of `threads` threads, as the engine does, to a
    /// writer that encodes on the same pool; returns their ids as read back.
    fn ids_written(n: u64, threads: usize) -> Vec<u64> {
        let pool = Arc::new(crate::engine::thread_pool(threads).unwrap());
        let file = tempfile::tempfile().unwrap();
        let mut w = BackgroundWriter::start(file, "", n, pool.clone()).unwrap();
        pool.install(|| {
            for id in 0..n {
                let (job, result) = row(id);
                w.push(job, result).unwrap();
            }
        });
        let file = w.finish().unwrap();
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReader::try_new(file, 4096);
        reader
            .unwrap()
            .flat_map(|b| {
                let b = b.unwrap();
                let col = b.column_by_name("job_id").unwrap().clone();
                let col = col
                    .as_any()
                    .downcast_ref::<arrow_array::UInt64Array>()
                    .unwrap();
                col.values().to_vec()
            })
            .collect()
    }

    #[test]
    fn rows_arrive_in_order() {
        // Enough rows to fill the queue, so the pushing worker waits for the writer, which
        // needs a worker of the pool; on one thread the writer encodes alone (else the two
        // would wait for each other forever).
        let n = (QUEUE as u64 + 3) * SEND_ROWS as u64 + 17;
        for threads in [1, 2] {
            assert_eq!(ids_written(n, threads), (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_failing_sink_stops_the_engine_and_its_error_is_reported() {
        let pool = Arc::new(crate::engine::thread_pool(2).unwrap());
        let mut w = BackgroundWriter::start(Full { room: 20_000 }, "", 1 << 20, pool).unwrap();
        // The writer fails once its buffered pages reach the sink; the engine's pushes then
        // fail instead of blocking forever on a full queue.
        let stopped = (0..1u64 << 20).find_map(|id| {
            let (job, result) = row(id);
            w.push(job, result).err()
        });
        assert!(
            stopped.is_some(),
            "the engine never heard that the writer stopped"
        );
        let err = w.finish().expect_err("the write error");
        assert!(format!("{err:#}").contains("no space left"), "{err:#}");
    }
}
