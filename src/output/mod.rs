//! Where results go: the Parquet writer, the all-or-nothing output file, progress reports.

mod file;
mod parquet;
mod progress;

pub use file::{AtomicOutput, BadOutput, OutputExists};
pub use parquet::{ROW_GROUP_ROWS, ResultWriter, metadata, schema};
pub use progress::{Progress, ProgressMode};
