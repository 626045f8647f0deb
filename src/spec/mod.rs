//! The sweep spec: TOML text -> validated [`Spec`], whose blocks the [`crate::grid`] expands
//! into jobs. Everything is checked here, once; nothing downstream re-checks.
//!
//! Grammar (DESIGN.md): optional `[neuron]` and `[simulation]` tables of single values, then one
//! or more `[[sweep]]` blocks, each with a `model`, its input parameters, and any `[neuron]` or
//! `[simulation]` key as a value or an axis. A block's jobs are the Cartesian product of its
//! axes, in the order they are written, the first axis varying slowest.

mod checks;
mod duplicates;
mod error;
mod keys;
pub mod reference;
mod value;

pub use error::SpecError;
pub use keys::{Key, KeyValue, MAX_NEURONS, NEURONS_ALLOWED, SEED_ALLOWED, Section, ValueKind};
pub use value::MAX_RANGE_POINTS;

use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::input::Model;
use crate::job::Job;
use checks::check_block;
use duplicates::duplicate_warnings;
use error::{Lines, capped_lines};

/// The compiled-in default sweep (`sweeps/default.toml`).
pub const DEFAULT_SPEC: &str = include_str!("../../sweeps/default.toml");

/// Largest spec text read (bytes).
pub const MAX_SPEC_BYTES: u64 = 4 << 20;

/// Largest number of jobs one spec may expand to.
pub const MAX_JOBS: u64 = 1 << 40;

/// Largest number of steps of one job (interval sums are kept in 64-bit integers).
pub const MAX_STEPS: u64 = u32::MAX as u64;

/// A validated sweep spec.
#[derive(Clone, Debug)]
pub struct Spec {
    /// The spec's text, written into every result file.
    pub text: String,
    pub blocks: Vec<Block>,
    /// Things that are allowed but probably not meant (printed by the CLI).
    pub warnings: Vec<String>,
}

/// One `[[sweep]]` block.
#[derive(Clone, Debug)]
pub struct Block {
    /// 1-based, as in messages.
    pub number: usize,
    pub line: usize,
    pub model: Model,
    /// Every key at its single value (defaults, `[neuron]`, `[simulation]`, the block's scalars).
    pub template: Job,
    /// The block's keys with more than one value, in written order.
    pub axes: Vec<Axis>,
    /// Where each key given in the spec was set (the block's own line wins over [neuron] or
    /// [simulation]), for messages.
    key_lines: Vec<(Key, usize)>,
}

#[derive(Clone, Debug)]
pub struct Axis {
    pub key: Key,
    pub values: Vec<KeyValue>,
    pub line: usize,
}

impl Block {
    /// Jobs in the block (saturating; the spec keeps it <= [`MAX_JOBS`]).
    pub fn len(&self) -> u64 {
        self.axes
            .iter()
            .fold(1u64, |n, a| n.saturating_mul(a.values.len() as u64))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Neuron-steps of all the block's jobs, without expanding axes that do not change them.
    pub fn neuron_steps(&self) -> u128 {
        let sizes = [Key::Neurons, Key::Duration, Key::Dt];
        let (sized, other): (Vec<&Axis>, Vec<&Axis>) =
            self.axes.iter().partition(|a| sizes.contains(&a.key));
        let repeats = other
            .iter()
            .fold(1u128, |n, a| n.saturating_mul(a.values.len() as u128));
        let combos: usize = sized.iter().map(|a| a.values.len()).product();
        let mut job = self.template.clone();
        let mut total = 0u128;
        for mut i in 0..combos {
            for axis in &sized {
                axis.key.set(&mut job, axis.values[i % axis.values.len()]);
                i /= axis.values.len();
            }
            total = total.saturating_add(job.sim.neurons as u128 * job.n_steps() as u128);
        }
        total.saturating_mul(repeats)
    }

    /// The sum of `f` over the block's jobs, where `f` depends only on the model and the keys
    /// `keys`: the axes of other keys are not expanded, only counted.
    pub fn sum_over(&self, keys: &[Key], f: impl Fn(&Job) -> f64) -> f64 {
        let (varying, other): (Vec<&Axis>, Vec<&Axis>) =
            self.axes.iter().partition(|a| keys.contains(&a.key));
        let repeats = other.iter().map(|a| a.values.len() as f64).product::<f64>();
        let combos: usize = varying.iter().map(|a| a.values.len()).product();
        let mut job = self.template.clone();
        let mut total = 0.0;
        for mut i in 0..combos {
            for axis in &varying {
                axis.key.set(&mut job, axis.values[i % axis.values.len()]);
                i /= axis.values.len();
            }
            total += f(&job);
        }
        total * repeats
    }

    /// Every value `key` takes in the block.
    pub fn values(&self, key: Key) -> Vec<KeyValue> {
        match self.axes.iter().find(|a| a.key == key) {
            Some(axis) => axis.values.clone(),
            None => key.get(&self.template).into_iter().collect(),
        }
    }

    fn reals(&self, key: Key) -> Vec<f64> {
        self.values(key).into_iter().map(KeyValue::real).collect()
    }

    fn line_of_key(&self, key: Key) -> usize {
        self.key_lines
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map_or(self.line, |(_, line)| *line)
    }

    fn label(&self) -> String {
        format!(
            "[[sweep]] block {} (model {})",
            self.number,
            self.model.name()
        )
    }
}

impl Spec {
    /// Reads and validates a spec file.
    ///
    /// `-` reads standard input. The spec must be a regular file or a pipe (a device such as
    /// `/dev/zero` never ends, and is refused), of at most [`MAX_SPEC_BYTES`].
    pub fn from_file(path: &Path) -> Result<Spec, SpecError> {
        let read = |error| SpecError::Read {
            path: path.to_path_buf(),
            error,
        };
        let too_big = || {
            SpecError::general(format!(
                "spec {} is larger than {} MiB: a spec describes its axes as ranges, it does not \
                 list every job",
                path.display(),
                MAX_SPEC_BYTES >> 20
            ))
        };
        let reader: Box<dyn std::io::Read> = if path == Path::new("-") {
            Box::new(std::io::stdin().lock())
        } else {
            use std::os::unix::fs::FileTypeExt;
            let file = std::fs::File::open(path).map_err(read)?;
            let meta = file.metadata().map_err(read)?;
            let t = meta.file_type();
            if t.is_dir() || t.is_char_device() || t.is_block_device() || t.is_socket() {
                return Err(SpecError::general(format!(
                    "spec {} is not a regular file or a pipe (it is a {}); give a TOML file, or \
                     - for standard input",
                    path.display(),
                    if t.is_dir() {
                        "directory"
                    } else {
                        "device or socket"
                    }
                )));
            }
            if meta.len() > MAX_SPEC_BYTES {
                return Err(too_big());
            }
            Box::new(file)
        };
        let mut bytes = Vec::new();
        use std::io::Read;
        reader
            .take(MAX_SPEC_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(read)?;
        if bytes.len() as u64 > MAX_SPEC_BYTES {
            return Err(too_big());
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            SpecError::general(format!(
                "spec {} is not UTF-8 text (byte {} is not valid UTF-8)",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        })?;
        Spec::parse(&text)
    }

    /// The compiled-in default sweep.
    pub fn default_sweep() -> Spec {
        Spec::parse(DEFAULT_SPEC).expect("sweeps/default.toml is valid")
    }

    /// Parses and validates spec text.
    pub fn parse(text: &str) -> Result<Spec, SpecError> {
        let lines = Lines::new(text);
        let doc =
            DeTable::parse(text).map_err(|e| SpecError::Syntax(capped_lines(&e.to_string())))?;
        let mut defaults = Job::new(Model::CONSTANT);
        let mut default_lines = Vec::new();
        let mut sweeps = None;
        for (key, value) in ordered(doc.get_ref()) {
            let line = lines.of(key.span().start);
            match key.get_ref().as_ref() {
                name @ ("neuron" | "simulation") => {
                    let section = if name == "neuron" {
                        Section::Neuron
                    } else {
                        Section::Simulation
                    };
                    let DeValue::Table(table) = value.get_ref() else {
                        return Err(SpecError::at(
                            line,
                            format!("{name} must be a table: [{name}]"),
                        ));
                    };
                    read_defaults(
                        &lines,
                        name,
                        section,
                        table,
                        &mut defaults,
                        &mut default_lines,
                    )?;
                }
                "sweep" => match value.get_ref() {
                    DeValue::Array(blocks) => sweeps = Some(blocks),
                    _ => {
                        return Err(SpecError::at(
                            line,
                            "sweep must be an array of tables: write each block as [[sweep]]",
                        ));
                    }
                },
                other => {
                    return Err(SpecError::at(
                        line,
                        format!(
                            "unknown top-level key \"{other}\"; allowed: [neuron], [simulation], \
                             [[sweep]]"
                        ),
                    ));
                }
            }
        }
        let Some(sweeps) = sweeps.filter(|s| !s.is_empty()) else {
            return Err(SpecError::general(
                "the spec has no [[sweep]] block: add at least one, e.g.\n  [[sweep]]\n  model = \
                 \"constant\"\n  mu_na = { start = 0.0, stop = 3.0, num = 31 }",
            ));
        };
        let mut spec = Spec {
            text: text.to_string(),
            blocks: Vec::new(),
            warnings: Vec::new(),
        };
        let mut total: u64 = 0;
        for (i, block) in sweeps.iter().enumerate() {
            let block = read_block(&lines, i + 1, block, &defaults, &default_lines, total)?;
            check_block(&block, &mut spec.warnings)?;
            total = total
                .checked_add(block.len())
                .filter(|&t| t <= MAX_JOBS)
                .ok_or_else(|| {
                    SpecError::at(
                        block.line,
                        format!(
                            "the spec expands to more than {MAX_JOBS} jobs; split it into several \
                             specs"
                        ),
                    )
                })?;
            spec.blocks.push(block);
        }
        spec.warnings.extend(duplicate_warnings(&spec.blocks));
        Ok(spec)
    }

    /// Total number of jobs.
    pub fn len(&self) -> u64 {
        self.blocks.iter().map(Block::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A table's entries in the order they are written.
fn ordered<'a, 'i>(
    table: &'a DeTable<'i>,
) -> Vec<(
    &'a Spanned<std::borrow::Cow<'i, str>>,
    &'a Spanned<DeValue<'i>>,
)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    entries
}

fn allowed_keys(section: Section) -> String {
    Key::SHARED
        .iter()
        .filter(|k| k.section() == section)
        .map(|k| k.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn read_defaults(
    src: &Lines<'_>,
    name: &str,
    section: Section,
    table: &DeTable<'_>,
    defaults: &mut Job,
    lines: &mut Vec<(Key, usize)>,
) -> Result<(), SpecError> {
    for (key, value) in ordered(table) {
        let line = src.of(key.span().start);
        let key_name = key.get_ref().as_ref();
        let key = Key::from_name(key_name)
            .filter(|k| k.section() == section)
            .ok_or_else(|| {
                let hint = match Key::from_name(key_name) {
                    Some(k) if k.section() == Section::Input => {
                        " (input parameters go in a [[sweep]] block)".to_string()
                    }
                    Some(_) => " (it belongs to the other table)".to_string(),
                    None => String::new(),
                };
                SpecError::at(
                    line,
                    format!(
                        "unknown key \"{key_name}\" in [{name}]{hint}; allowed: {}",
                        allowed_keys(section)
                    ),
                )
            })?;
        let values = value::key_values(key, value.get_ref(), &|span| src.snippet(span))
            .map_err(|e| SpecError::at(line, format!("[{name}] {e}")))?;
        if values.len() != 1 {
            return Err(SpecError::at(
                line,
                format!(
                    "[{name}] {key_name} has {} values, but [{name}] takes single values; to \
                     sweep it, set it inside a [[sweep]] block",
                    values.len()
                ),
            ));
        }
        key.set(defaults, values[0]);
        lines.push((key, line));
    }
    Ok(())
}

fn read_block(
    lines: &Lines<'_>,
    number: usize,
    block: &Spanned<DeValue<'_>>,
    defaults: &Job,
    default_lines: &[(Key, usize)],
    jobs_before: u64,
) -> Result<Block, SpecError> {
    let line = lines.of(block.span().start);
    let DeValue::Table(table) = block.get_ref() else {
        return Err(SpecError::at(line, "each [[sweep]] entry must be a table"));
    };
    let entries = ordered(table);
    let label = format!("[[sweep]] block {number}");
    let model = match table.get("model").map(|v| v.get_ref()) {
        None => {
            return Err(SpecError::at(
                line,
                format!(
                    "{label} has no model; add model = one of {}",
                    Model::allowed()
                ),
            ));
        }
        Some(DeValue::String(name)) => Model::parse(name).map_err(|why| {
            SpecError::at(
                lines.of(table.get("model").unwrap().span().start),
                format!(
                    "{label}: model = {name:?} is not a model ({why}); allowed: {}",
                    Model::allowed()
                ),
            )
        })?,
        Some(_) => {
            let model = table.get("model").expect("model is there");
            return Err(SpecError::at(
                lines.of(model.span().start),
                format!(
                    "{label}: model = {} is not allowed: model must be one string, one of {} (a \
                     block has one model; write a block per model)",
                    lines.snippet(model.span()),
                    Model::allowed()
                ),
            ));
        }
    };
    let mut template = Job::new(model);
    template.neuron = defaults.neuron;
    template.sim = defaults.sim;
    template.block = number - 1;
    let label = format!("{label} (model {})", model.name());
    let mut axes = Vec::new();
    let mut key_lines = default_lines.to_vec();
    // The grid's size, from the lengths the values declare, before any value list is built.
    let mut declared: u128 = 1;
    for (key, value) in &entries {
        declared = declared.saturating_mul(value::declared_len(value.get_ref()) as u128);
        if jobs_before as u128 + declared > MAX_JOBS as u128 {
            return Err(SpecError::at(
                lines.of(key.span().start),
                format!(
                    "{label}: with {} the spec expands to more than {MAX_JOBS} jobs (this block \
                     alone to {declared} or more); split it into several specs",
                    key.get_ref()
                ),
            ));
        }
    }
    for (key, value) in entries {
        let key_line = lines.of(key.span().start);
        let key_name = key.get_ref().as_ref();
        if key_name == "model" {
            continue;
        }
        let key = match Key::from_name(key_name) {
            Some(Key::Input(p)) if !model.has(p) => {
                return Err(SpecError::at(
                    key_line,
                    format!(
                        "{label}: {key_name} does not belong to model {}; its parameters are {}",
                        model.name(),
                        param_names(model)
                    ),
                ));
            }
            Some(k) => k,
            None => {
                return Err(SpecError::at(
                    key_line,
                    format!(
                        "{label}: unknown key \"{key_name}\"; allowed: model, {}, {}",
                        param_names(model),
                        Key::SHARED.map(Key::name).join(", ")
                    ),
                ));
            }
        };
        let values = value::key_values(key, value.get_ref(), &|span| lines.snippet(span))
            .map_err(|e| SpecError::at(key_line, format!("{label}: {e}")))?;
        key_lines.push((key, key_line));
        if values.len() == 1 {
            key.set(&mut template, values[0]);
        } else {
            axes.push(Axis {
                key,
                values,
                line: key_line,
            });
        }
    }
    for (param, _) in model.params() {
        let present =
            template.input.get(param).is_some() || axes.iter().any(|a| a.key == Key::Input(param));
        if !present {
            return Err(SpecError::at(
                line,
                format!(
                    "{label} is missing {}; model {} needs {}",
                    param.key(),
                    model.name(),
                    param_names(model)
                ),
            ));
        }
    }
    Ok(Block {
        number,
        line,
        model,
        template,
        axes,
        key_lines,
    })
}

fn param_names(model: Model) -> String {
    model
        .params()
        .map(|(param, default)| match default {
            None => param.key().to_string(),
            Some(d) => format!("{} (default {d})", param.key()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
