//! `lifsweep plot RESULTS -o FIG.png|.svg`: the figure of a sweep. For each model family, the
//! firing rate (or `--y`) against the first swept input parameter (or `--x`), one colour per
//! value of the other parameters that vary in the family, markers with +-1 s.e.m. error bars,
//! the theory as a line computed on a fine grid (dashed where it is not reliable), and the
//! ISI CV in a panel below on the same x axis. Rendered in pure Rust (plotters) with an
//! embedded font, so no system font is needed.

mod data;
mod draw;

use std::path::PathBuf;

use crate::engine::predict;
use crate::grid::Grid;
use crate::output::{AtomicOutput, COLUMNS, Fill};
use crate::read::Results;
use crate::spec::{Key, KeyValue, Spec, ValueKind};

pub use data::{Filter, Table, Values};
pub use draw::{Axes, Format, Panel};

/// A figure that cannot be made as asked (exit status 2), with nothing written.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PlotError(pub String);

/// What to draw.
pub struct PlotOptions {
    pub results: PathBuf,
    pub out: PathBuf,
    pub x: Option<String>,
    pub y: String,
    pub group: Option<Vec<String>>,
    pub filters: Vec<String>,
    /// A logarithmic x axis; `None`: when the x axis's values are a geometric series spanning a
    /// factor of 20 or more (a `scale = "log"` range).
    pub logx: Option<bool>,
    pub logy: bool,
    pub size: Option<(u32, u32)>,
    pub force: bool,
}

/// Points of the fine theory grid of a line.
const FINE_POINTS: usize = 201;

/// One line of a panel: its legend label, the data points (x, y, s.e.m.) and theory points
/// (x, y, reliable).
#[derive(Clone, Debug, Default)]
pub struct Line {
    pub label: String,
    pub points: Vec<(f64, f64, Option<f64>)>,
    pub theory: Vec<(f64, f64, bool)>,
}

/// Parses `WxH`.
pub fn parse_size(text: &str) -> Result<(u32, u32), PlotError> {
    let bad = || {
        PlotError(format!(
            "--size {text:?} is not allowed: give WIDTHxHEIGHT in pixels, each 200 to 10000, \
             e.g. 1600x900"
        ))
    };
    let (w, h) = text.split_once(['x', 'X']).ok_or_else(bad)?;
    let (w, h): (u32, u32) = (
        w.trim().parse().map_err(|_| bad())?,
        h.trim().parse().map_err(|_| bad())?,
    );
    if !(200..=10_000).contains(&w) || !(200..=10_000).contains(&h) {
        return Err(bad());
    }
    Ok((w, h))
}

/// The theory column of a statistic, where the results have one.
fn theory_column(y: &str) -> Option<&'static str> {
    let name = match y {
        "firing_rate_hz" => "theory_rate_hz".to_string(),
        "cv_isi" => "theory_cv".to_string(),
        other => format!("theory_{other}"),
    };
    COLUMNS.iter().find(|c| c.name == name).map(|c| c.name)
}

fn unit_of(name: &str) -> &'static str {
    COLUMNS
        .iter()
        .find(|c| c.name == name)
        .map_or("", |c| c.unit)
}

/// An axis label: the column with its unit.
fn label(name: &str) -> String {
    match (name, unit_of(name)) {
        ("firing_rate_hz", _) => "firing rate (Hz)".to_string(),
        ("cv_isi", _) => "CV of the ISIs".to_string(),
        (n, "") => n.to_string(),
        (n, u) => format!("{n} ({u})"),
    }
}

/// The parameter columns a family's lines can differ in (the spec's keys).
fn parameter_columns() -> Vec<&'static str> {
    COLUMNS
        .iter()
        .filter(|c| {
            matches!(c.fill, Fill::Param(_) | Fill::Key(_))
                || ["neurons", "integrator", "master_seed"].contains(&c.name)
        })
        .map(|c| c.name)
        .collect()
}

/// The default x axis: the spec's swept real-valued key with the most values (mu_na among
/// equals, then the first written).
fn default_x(spec: &Spec) -> Result<String, PlotError> {
    let mut best: Option<(usize, bool, &str)> = None;
    for axis in spec.blocks.iter().flat_map(|b| b.axes.iter()) {
        if axis.key.kind() != ValueKind::Real || axis.values.len() < 2 {
            continue;
        }
        let name = axis.key.name();
        let rank = (axis.values.len(), name == "mu_na");
        if best.is_none_or(|(n, mu, _)| rank > (n, mu)) {
            best = Some((rank.0, rank.1, name));
        }
    }
    best.map(|(_, _, name)| name.to_string())
        .ok_or_else(|| PlotError("nothing is swept in these results: give --x COLUMN".into()))
}

/// Whether the spec's axes of `x` are all geometric series spanning a factor of 20 or more.
fn log_axis(spec: &Spec, x: &str) -> bool {
    let mut axes = spec
        .blocks
        .iter()
        .flat_map(|b| b.axes.iter())
        .filter(|a| a.key.name() == x)
        .peekable();
    axes.peek().is_some()
        && axes.all(|a| {
            let v: Vec<f64> = a.values.iter().map(|v| v.real()).collect();
            v.len() >= 3
                && v.iter().all(|&x| x > 0.0)
                && (v[v.len() - 1] / v[0]).abs().max(v[0] / v[v.len() - 1]) >= 20.0
                && v.windows(3)
                    .all(|w| ((w[1] / w[0]) / (w[2] / w[1]) - 1.0).abs() < 1e-6)
        })
}

/// A parameter value as a legend shows it: at most 4 significant digits.
pub fn short(v: f64) -> String {
    if v == v.round() && v.abs() < 1e6 {
        return format!("{v}");
    }
    if (1e-3..1e6).contains(&v.abs()) {
        let digits = (3 - v.abs().log10().floor() as i32).max(0) as usize;
        let s = format!("{v:.digits$}");
        return match s.contains('.') {
            true => s.trim_end_matches('0').trim_end_matches('.').to_string(),
            false => s,
        };
    }
    format!("{v:.3e}")
}

/// Draws the figure; returns the number of panels (model families) and rows plotted.
pub fn plot(opts: &PlotOptions) -> anyhow::Result<(usize, usize)> {
    let format = Format::of(&opts.out)?;
    let figure = figure(opts)?;
    let size = opts.size.unwrap_or((
        (480 * figure.panels.len() as u32 + 80).clamp(720, 3000),
        820,
    ));
    let bytes = draw::render(&figure.panels, &figure.axes, size, format)?;
    AtomicOutput::write_with(&opts.out, opts.force, |file| {
        use std::io::Write;
        Ok(file.write_all(&bytes)?)
    })?;
    Ok((figure.panels.len(), figure.rows))
}

/// What a figure shows: its panels, axes and the number of rows plotted.
pub struct Figure {
    pub panels: Vec<Panel>,
    pub axes: draw::Axes,
    pub rows: usize,
}

/// The figure's content, from the results and the options (nothing drawn).
pub fn figure(opts: &PlotOptions) -> anyhow::Result<Figure> {
    let filters = opts
        .filters
        .iter()
        .map(|f| Filter::parse(f))
        .collect::<Result<Vec<_>, _>>()?;
    let results = Results::open(&opts.results)?;
    let spec = Spec::parse(results.get("lifsweep.spec").unwrap_or_default()).map_err(|e| {
        PlotError(format!(
            "the spec stored in {} is not valid for this lifsweep: {e}",
            opts.results.display()
        ))
    })?;
    let x = match &opts.x {
        Some(x) => x.clone(),
        None => default_x(&spec)?,
    };
    let logx = opts.logx.unwrap_or_else(|| log_axis(&spec, &x));
    let y = opts.y.clone();
    for name in [&x, &y] {
        if !COLUMNS.iter().any(|c| c.name == name) {
            return Err(data::unknown_column(name).into());
        }
    }
    let candidates: Vec<String> = match &opts.group {
        Some(g) => {
            for name in g {
                if !COLUMNS.iter().any(|c| c.name == name) {
                    return Err(data::unknown_column(name).into());
                }
            }
            g.clone()
        }
        None => parameter_columns()
            .into_iter()
            .filter(|&c| c != x)
            .map(String::from)
            .collect(),
    };
    let mut names: Vec<String> = vec!["job_id".into(), "model".into(), x.clone(), y.clone()];
    names.extend(
        [
            "firing_rate_sem_hz",
            "cv_isi",
            "theory_cv",
            "theory_reliable",
        ]
        .map(String::from),
    );
    names.extend(theory_column(&y).map(String::from));
    names.extend(candidates.iter().cloned());
    names.extend(filters.iter().map(|f| f.column.clone()));
    names.sort();
    names.dedup();
    let table = Table::read(&results, &names)?;

    let mut keep = Vec::new();
    for i in 0..table.rows {
        let mut ok = true;
        for f in &filters {
            ok &= f.keeps(&table, i)?;
        }
        let usable =
            |v: Option<f64>, log: bool| v.is_some_and(|v| v.is_finite() && (!log || v > 0.0));
        if ok && usable(table.num(&x, i), logx) {
            keep.push(i);
        }
    }
    if keep.is_empty() {
        return Err(PlotError(format!(
            "no rows of {} to plot{}",
            opts.results.display(),
            if filters.is_empty() {
                format!(" ({x} is null in every row, or not positive with --logx)")
            } else {
                " match the --where filters".to_string()
            }
        ))
        .into());
    }

    // Families in order of appearance.
    let model = table.get("model");
    let mut families: Vec<String> = Vec::new();
    for &i in &keep {
        let m = model.text(i);
        if !families.contains(&m) {
            families.push(m);
        }
    }
    let grid = Grid::new(&spec);
    let x_key = Key::from_name(&x).filter(|k| k.kind() == ValueKind::Real);
    let mut panels = Vec::new();
    for family in &families {
        let rows: Vec<usize> = keep
            .iter()
            .copied()
            .filter(|&i| model.text(i) == *family)
            .collect();
        let varying: Vec<&String> = candidates
            .iter()
            .filter(|c| {
                let v = table.get(c);
                rows.iter().any(|&i| v.text(i) != v.text(rows[0]))
            })
            .collect();
        // Lines: rows that agree in every varying column, in order of appearance.
        let mut lines: Vec<(Vec<String>, Vec<usize>)> = Vec::new();
        for &i in &rows {
            let key: Vec<String> = varying.iter().map(|c| table.get(c).text(i)).collect();
            match lines.iter_mut().find(|(k, _)| *k == key) {
                Some((_, members)) => members.push(i),
                None => lines.push((key, vec![i])),
            }
        }
        // In the order of their values (numbers as numbers), so colours and legend run in order.
        lines.sort_by(|(a, _), (b, _)| {
            let num = |s: &String| s.parse::<f64>().ok();
            a.iter()
                .zip(b)
                .map(|(p, q)| match (num(p), num(q)) {
                    (Some(p), Some(q)) => p.total_cmp(&q),
                    _ => p.cmp(q),
                })
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let sem_for = |i: usize| {
            (y == "firing_rate_hz")
                .then(|| table.num("firing_rate_sem_hz", i))
                .flatten()
        };
        let mut rate_lines = Vec::new();
        let mut cv_lines = Vec::new();
        for (key, mut members) in lines {
            members.sort_by(|&a, &b| {
                table
                    .num(&x, a)
                    .partial_cmp(&table.num(&x, b))
                    .expect("finite x")
            });
            let line_label = if varying.is_empty() {
                "simulation".to_string()
            } else {
                varying
                    .iter()
                    .zip(&key)
                    .map(|(c, v)| {
                        let v = v.parse::<f64>().map_or(v.clone(), short);
                        match unit_of(c) {
                            "" => format!("{c} = {v}"),
                            u => format!("{c} = {v} {u}"),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let xs = |i: usize| table.num(&x, i).expect("kept rows have x");
            let pts = |col: &str, sem: &dyn Fn(usize) -> Option<f64>| {
                members
                    .iter()
                    .filter_map(|&i| table.num(col, i).map(|v| (xs(i), v, sem(i))))
                    .collect::<Vec<_>>()
            };
            let mut rate = Line {
                label: line_label.clone(),
                points: pts(&y, &sem_for),
                theory: Vec::new(),
            };
            let mut cv = Line {
                label: line_label,
                points: pts("cv_isi", &|_| None),
                theory: Vec::new(),
            };
            // Theory: on a fine grid from the first job of the line, where x is a real key
            // and the statistic is the rate or the CV; else the rows' own theory columns.
            let (lo, hi) = members
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &i| {
                    (l.min(xs(i)), h.max(xs(i)))
                });
            let rows_theory = |col: &str| {
                members
                    .iter()
                    .filter_map(|&i| {
                        let v = table.num(col, i)?;
                        let ok = table.num("theory_reliable", i).is_some_and(|r| r > 0.5);
                        Some((xs(i), v, ok))
                    })
                    .collect::<Vec<_>>()
            };
            let has_theory = members
                .iter()
                .any(|&i| table.num("theory_reliable", i).is_some());
            match x_key {
                Some(key) if has_theory && members.len() > 1 && hi > lo => {
                    let job_id = table.num("job_id", members[0]).expect("job_id") as u64;
                    let base = grid.job(job_id);
                    for k in 0..FINE_POINTS {
                        let f = k as f64 / (FINE_POINTS - 1) as f64;
                        let xv = if logx {
                            (lo.ln() + f * (hi / lo).ln()).exp()
                        } else {
                            lo + f * (hi - lo)
                        };
                        let mut job = base.clone();
                        key.set(&mut job, KeyValue::Real(xv));
                        let t = predict(&job);
                        let ok = t.reliable.unwrap_or(false);
                        if y == "firing_rate_hz"
                            && let Some(r) = t.rate_hz
                        {
                            rate.theory.push((xv, r, ok));
                        }
                        if let Some(c) = t.cv {
                            cv.theory.push((xv, c, ok));
                        }
                    }
                    if y != "firing_rate_hz"
                        && let Some(col) = theory_column(&y)
                    {
                        rate.theory = rows_theory(col);
                    }
                }
                _ => {
                    if let Some(col) = theory_column(&y) {
                        rate.theory = rows_theory(col);
                    }
                    cv.theory = rows_theory("theory_cv");
                }
            }
            rate_lines.push(rate);
            cv_lines.push(cv);
        }
        // The family's fixed part parameters, for the caption.
        let fixed: Vec<String> = candidates
            .iter()
            .filter(|c| {
                !varying.contains(c)
                    && Key::from_name(c).is_some_and(|k| matches!(k, Key::Input(_)))
            })
            .filter_map(|c| {
                let v = short(table.num(c, rows[0])?);
                Some(match unit_of(c) {
                    "" => format!("{c} = {v}"),
                    u => format!("{c} = {v} {u}"),
                })
            })
            .collect();
        panels.push(Panel {
            title: if fixed.is_empty() {
                family.clone()
            } else {
                format!("{family}: {}", fixed.join(", "))
            },
            rate: rate_lines,
            cv: cv_lines,
        });
    }
    Ok(Figure {
        panels,
        axes: draw::Axes {
            x: label(&x),
            y: label(&y),
            logx,
            logy: opts.logy,
        },
        rows: keep.len(),
    })
}
