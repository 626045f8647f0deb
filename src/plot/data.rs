//! The columns a figure needs, read from a result file or dataset, and the `--where` filters.

use std::collections::HashMap;

use anyhow::Context;
use arrow_array::types::Int32Type;
use arrow_array::{
    Array, BooleanArray, DictionaryArray, Float64Array, RecordBatch, StringArray, UInt64Array,
};

use super::PlotError;
use crate::output::{COLUMNS, Fill};
use crate::read::Results;

/// A column's values, one per row.
#[derive(Clone, Debug)]
pub enum Values {
    Num(Vec<Option<f64>>),
    Text(Vec<String>),
}

impl Values {
    /// Row `i` as a number (None for null or text).
    pub fn num(&self, i: usize) -> Option<f64> {
        match self {
            Values::Num(v) => v[i],
            Values::Text(_) => None,
        }
    }

    /// Row `i` as text, as a legend or a filter shows it.
    pub fn text(&self, i: usize) -> String {
        match self {
            Values::Num(v) => v[i].map_or("null".to_string(), |x| format!("{x}")),
            Values::Text(v) => v[i].clone(),
        }
    }
}

/// Some columns of every row.
pub struct Table {
    pub rows: usize,
    columns: HashMap<String, Values>,
}

impl Table {
    /// Reads `names` (each a column of the result schema, list columns excepted).
    pub fn read(results: &Results, names: &[String]) -> anyhow::Result<Table> {
        let mut columns: HashMap<String, Values> = HashMap::new();
        for name in names {
            let col = COLUMNS
                .iter()
                .find(|c| c.name == name)
                .ok_or_else(|| unknown_column(name))?;
            let empty = match col.fill {
                Fill::Label(_) => Values::Text(Vec::new()),
                Fill::OptCounts(_) => {
                    return Err(PlotError(format!(
                        "{name} is a list column (a histogram); plot takes number columns"
                    ))
                    .into());
                }
                _ => Values::Num(Vec::new()),
            };
            columns.insert(name.clone(), empty);
        }
        let mut rows = 0;
        for batch in results.batches() {
            let batch = batch.context("reading the results")?;
            rows += batch.num_rows();
            for (name, values) in &mut columns {
                append(&batch, name, values)?;
            }
        }
        Ok(Table { rows, columns })
    }

    pub fn get(&self, name: &str) -> &Values {
        &self.columns[name]
    }

    pub fn num(&self, name: &str, i: usize) -> Option<f64> {
        self.get(name).num(i)
    }
}

/// The error for a column that is not in the result file.
pub fn unknown_column(name: &str) -> PlotError {
    let names: Vec<&str> = COLUMNS
        .iter()
        .filter(|c| !matches!(c.fill, Fill::OptCounts(_)))
        .map(|c| c.name)
        .collect();
    PlotError(format!(
        "{name:?} is not a column of the result file; the columns are {}",
        names.join(", ")
    ))
}

fn append(batch: &RecordBatch, name: &str, values: &mut Values) -> anyhow::Result<()> {
    let array = batch
        .column_by_name(name)
        .with_context(|| format!("the results have no column {name}"))?;
    let any = array.as_any();
    match values {
        Values::Text(out) => {
            let dict = any
                .downcast_ref::<DictionaryArray<Int32Type>>()
                .with_context(|| format!("{name} is not a dictionary column"))?;
            let labels = dict
                .values()
                .as_any()
                .downcast_ref::<StringArray>()
                .with_context(|| format!("{name}'s dictionary is not strings"))?;
            out.extend(
                dict.keys()
                    .iter()
                    .map(|k| k.map_or(String::new(), |k| labels.value(k as usize).to_string())),
            );
        }
        Values::Num(out) => {
            if let Some(a) = any.downcast_ref::<Float64Array>() {
                out.extend(a.iter());
            } else if let Some(a) = any.downcast_ref::<UInt64Array>() {
                out.extend(a.iter().map(|v| v.map(|v| v as f64)));
            } else if let Some(a) = any.downcast_ref::<BooleanArray>() {
                out.extend(a.iter().map(|v| v.map(|b| f64::from(u8::from(b)))));
            } else {
                return Err(PlotError(format!("{name} is not a number column")).into());
            }
        }
    }
    Ok(())
}

/// A `--where COLUMN=VALUE` filter.
#[derive(Clone, Debug)]
pub struct Filter {
    pub column: String,
    pub value: String,
}

impl Filter {
    pub fn parse(text: &str) -> Result<Filter, PlotError> {
        let (column, value) = text.split_once('=').ok_or_else(|| {
            PlotError(format!(
                "--where {text:?} is not allowed: give COLUMN=VALUE, e.g. --where sigma_na=0.5"
            ))
        })?;
        let (column, value) = (column.trim().to_string(), value.trim().to_string());
        if !COLUMNS.iter().any(|c| c.name == column) {
            return Err(unknown_column(&column));
        }
        Ok(Filter { column, value })
    }

    /// Whether row `i` passes: numbers equal to 1e-9 (relative), text exactly.
    pub fn keeps(&self, table: &Table, i: usize) -> Result<bool, PlotError> {
        match table.get(&self.column) {
            Values::Text(v) => Ok(v[i] == self.value),
            Values::Num(v) => {
                let want: f64 = self.value.parse().map_err(|_| {
                    PlotError(format!(
                        "--where {}={} is not allowed: {} holds numbers",
                        self.column, self.value, self.column
                    ))
                })?;
                Ok(v[i].is_some_and(|x| (x - want).abs() <= 1e-9 * want.abs().max(1e-300)))
            }
        }
    }
}
