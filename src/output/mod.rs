//! Where results go: the Parquet writer and its thread, the all-or-nothing output file,
//! progress reports.

mod background;
mod columns;
mod encode;
mod file;
mod parquet;
mod progress;

pub use background::{BackgroundWriter, RowSink, WriterStopped};
pub use columns::{COLUMNS, Column, Fill, markdown_table};
pub use file::{AtomicOutput, BadOutput, OutputAppeared, OutputExists, new_file};
pub use parquet::{BatchWriter, ROW_GROUP_ROWS, ResultWriter, metadata, schema};
pub use progress::{Progress, ProgressMode};
