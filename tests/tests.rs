//! lifsweep's integration tests, one binary (links faster than one per file).
mod suite;
