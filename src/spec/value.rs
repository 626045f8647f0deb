//! Values of spec keys: a scalar, a list, or a range `{start, stop, num[, scale]}`.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::keys::{Key, KeyValue, ValueKind};
use crate::neuron::Integrator;

/// Largest number of points one range may have (its values are held in memory while the spec
/// is read: 16 bytes each).
pub const MAX_RANGE_POINTS: u64 = 10_000_000;

/// How many values `value` declares (a list's length, a range's `num`), read without building
/// them, so that a grid's size is checked before anything is materialized. A malformed value
/// counts 1: reading it properly reports what is wrong.
pub fn declared_len(value: &DeValue<'_>) -> u64 {
    match value {
        DeValue::Array(items) => items.len() as u64,
        DeValue::Table(t) => match t.get("num").map(|v| v.get_ref()) {
            Some(DeValue::Integer(i)) => u64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .filter(|&n| n >= 1)
                .map_or(1, |n| n.min(MAX_RANGE_POINTS)),
            _ => 1,
        },
        _ => 1,
    }
}

/// The values a key takes, each checked on its own. `Err` holds what is wrong, without location.
///
/// `snippet` gives the text of a span as written, for messages about lists in lists.
pub fn key_values(
    key: Key,
    value: &DeValue<'_>,
    snippet: &dyn Fn(std::ops::Range<usize>) -> String,
) -> Result<Vec<KeyValue>, String> {
    let name = key.name();
    let values = match value {
        DeValue::Array(items) => {
            if items.is_empty() {
                return Err(format!("{name} = [] is empty: give at least one value"));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let what = match item.get_ref() {
                        DeValue::Table(_) => Some("a range or table"),
                        DeValue::Array(_) => Some("a list"),
                        _ => None,
                    };
                    if let Some(what) = what {
                        return Err(format!(
                            "{name}, list item {}: a list holds single values, got {what} {}; \
                             write a range on its own ({name} = {{ start = ..., stop = ..., num = \
                             ... }}) or list every value",
                            i + 1,
                            snippet(item.span())
                        ));
                    }
                    number(key, item.get_ref())
                        .map_err(|e| format!("{name}, list item {}: {e}", i + 1))
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        DeValue::Table(_) if matches!(key.kind(), ValueKind::Name | ValueKind::Flag) => {
            return Err(format!("{name}: expected {}, got a table", expected(key)));
        }
        DeValue::Table(table) => range(key, table)?,
        other => vec![number(key, other).map_err(|e| format!("{name}: {e}"))?],
    };
    for v in &values {
        key.check(*v)
            .map_err(|allowed| format!("{name} = {v} is not allowed: {name} must be {allowed}"))?;
    }
    Ok(values)
}

fn expected(key: Key) -> &'static str {
    match key.kind() {
        ValueKind::Count => "an integer, a list of integers, or a range {start, stop, num}",
        ValueKind::Real => {
            "a number, a list of numbers, or a range {start, stop, num[, scale = \"linear\" | \"log\"]}"
        }
        ValueKind::Name => "\"euler\" or \"exact\", or a list of them",
        ValueKind::Flag => "true or false, or a list of them",
    }
}

fn describe(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => format!("the string {s:?}"),
        DeValue::Boolean(b) => format!("the boolean {b}"),
        DeValue::Datetime(d) => format!("the date-time {d}"),
        DeValue::Array(_) => "a nested list".to_string(),
        DeValue::Table(_) => "a table".to_string(),
        DeValue::Integer(i) => format!("the integer {i}"),
        DeValue::Float(f) => format!("the number {f}"),
    }
}

/// A plain number (integer or float) as a real value.
pub fn real(value: &DeValue<'_>) -> Option<f64> {
    match value {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|x| x as f64),
        DeValue::Float(f) => f.as_str().replace('_', "").parse().ok(),
        _ => None,
    }
}

/// One value for `key`: counts must be whole and >= 0, names must be known.
fn number(key: Key, value: &DeValue<'_>) -> Result<KeyValue, String> {
    if key.kind() == ValueKind::Flag {
        if let DeValue::Boolean(b) = value {
            return Ok(KeyValue::Flag(*b));
        }
    } else if key.kind() == ValueKind::Name {
        if let DeValue::String(name) = value {
            return Integrator::from_name(name)
                .map(KeyValue::Integrator)
                .ok_or_else(|| format!("{name:?} is not allowed: must be {}", expected(key)));
        }
    } else if key.kind() == ValueKind::Count {
        // Equal values alike however they are written: 1e3, 1000 and 1_000 are 1000.
        let (lo, hi) = key.count_range();
        let allowed = |v: &dyn std::fmt::Display| {
            format!(
                "{v} is not allowed: {} must be a whole number from {lo} to {hi}",
                key.name()
            )
        };
        if let DeValue::Integer(i) = value {
            return match i128::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) if (lo as i128..=hi as i128).contains(&n) => Ok(KeyValue::Count(n as u64)),
                _ => Err(allowed(i)),
            };
        }
        if let Some(x) = real(value) {
            return whole(key, x).map_err(|_| allowed(&v_text(value)));
        }
    } else if let Some(x) = real(value) {
        return Ok(KeyValue::Real(x));
    }
    Err(format!(
        "expected {}, got {}",
        expected(key),
        describe(value)
    ))
}

/// `x` as a value of the count key `key`: whole and in its range. Every whole f64 below 2^64
/// is exactly the integer it stands for, so `1.8e19` is a seed like `18000000000000000000`.
fn whole(key: Key, x: f64) -> Result<KeyValue, String> {
    let (lo, hi) = key.count_range();
    if x.is_finite() && x.fract() == 0.0 && x >= lo as f64 && x < 18446744073709551616.0 {
        let n = x as u64;
        if n <= hi {
            return Ok(KeyValue::Count(n));
        }
    }
    Err(format!(
        "{x} is not allowed: {} must be a whole number from {lo} to {hi}",
        key.name()
    ))
}

/// `{start, stop, num[, scale]}`: `num` points from `start` to `stop`, both included.
///
/// Linear: `start + i * (stop - start) / (num - 1)`, the last point set to `stop` exactly (as
/// numpy.linspace). Log: `exp(ln start + i * (ln stop - ln start) / (num - 1))`, the end points
/// exact (as numpy.geomspace); start and stop must be > 0. `num = 1` gives `[start]`.
fn range(key: Key, table: &DeTable<'_>) -> Result<Vec<KeyValue>, String> {
    let name = key.name();
    let mut entries: Vec<(&Spanned<std::borrow::Cow<'_, str>>, &Spanned<DeValue<'_>>)> =
        table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    let (mut start, mut stop, mut num, mut log) = (None, None, None, false);
    for (k, v) in entries {
        let v = v.get_ref();
        let num_of = |what: &str| {
            real(v).ok_or_else(|| format!("{name}.{what}: expected a number, got {}", describe(v)))
        };
        match k.get_ref().as_ref() {
            "start" => start = Some(num_of("start")?),
            "stop" => stop = Some(num_of("stop")?),
            "num" => {
                let n = match v {
                    DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
                    _ => None,
                };
                match n {
                    Some(n) if n >= 1 && n as u64 <= MAX_RANGE_POINTS => num = Some(n as u64),
                    _ => {
                        return Err(format!(
                            "{name}.num = {} is not allowed: num must be an integer from 1 to \
                             {MAX_RANGE_POINTS}",
                            v_text(v)
                        ));
                    }
                }
            }
            "scale" => match v.as_str() {
                Some("linear") => log = false,
                Some("log") => log = true,
                _ => {
                    return Err(format!(
                        "{name}.scale = {} is not allowed: scale must be \"linear\" or \"log\"",
                        v_text(v)
                    ));
                }
            },
            other => {
                return Err(format!(
                    "{name}: unknown range key \"{other}\"; a range has start, stop, num and \
                     optionally scale = \"linear\" | \"log\""
                ));
            }
        }
    }
    let missing =
        |what: &str| format!("{name}: range is missing {what} (a range needs start, stop and num)");
    let start = start.ok_or_else(|| missing("start"))?;
    let stop = stop.ok_or_else(|| missing("stop"))?;
    let num = num.ok_or_else(|| missing("num"))?;
    if !start.is_finite() || !stop.is_finite() {
        return Err(format!(
            "{name}: range start = {start}, stop = {stop} is not allowed: both must be finite"
        ));
    }
    if log && (start <= 0.0 || stop <= 0.0) {
        return Err(format!(
            "{name}: log range from {start} to {stop} is not allowed: a log range needs start > 0 \
             and stop > 0"
        ));
    }
    let points: Vec<f64> = if num == 1 {
        vec![start]
    } else {
        let last = num - 1;
        (0..num)
            .map(|i| {
                if i == last {
                    stop
                } else if log {
                    let (a, b) = (start.ln(), stop.ln());
                    if i == 0 {
                        start
                    } else {
                        (a + i as f64 * ((b - a) / last as f64)).exp()
                    }
                } else if (stop - start).is_finite() {
                    start + i as f64 * ((stop - start) / last as f64)
                } else {
                    // stop - start overflows (ends near +-f64::MAX): the same points, in steps
                    // that do not.
                    start + i as f64 * (stop / last as f64 - start / last as f64)
                }
            })
            .collect()
    };
    if key.kind() == ValueKind::Count {
        points
            .into_iter()
            .map(|x| {
                let r = x.round();
                whole(
                    key,
                    if (x - r).abs() < 1e-9 * r.abs().max(1.0) {
                        r
                    } else {
                        x
                    },
                )
                .map_err(|e| format!("{name}: range point {e}"))
            })
            .collect()
    } else {
        Ok(points.into_iter().map(KeyValue::Real).collect())
    }
}

fn v_text(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("{s:?}"),
        DeValue::Integer(i) => i.to_string(),
        DeValue::Float(f) => f.to_string(),
        DeValue::Boolean(b) => b.to_string(),
        other => describe(other),
    }
}
