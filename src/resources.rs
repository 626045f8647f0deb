//! What the machine lets this process use: cores (CPU affinity and cgroup quota) and memory
//! (cgroup limit, physical memory, or `LIFSWEEP_MEMORY_LIMIT`), and the check of a run's
//! estimated peak memory against it.

/// The cores this process may use: its CPU affinity and cgroup quota (as SLURM and containers
/// set them), which `available_parallelism` reads.
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The memory this process may use (bytes) and where that limit comes from: the smallest of
/// `LIFSWEEP_MEMORY_LIMIT` (bytes, or with a K, M or G suffix), the cgroup's limit (v2
/// `memory.max`, v1 `memory.limit_in_bytes`) and the physical memory.
pub fn memory_limit() -> Option<(f64, String)> {
    let mut limits: Vec<(f64, String)> = Vec::new();
    if let Ok(text) = std::env::var("LIFSWEEP_MEMORY_LIMIT")
        && let Some(bytes) = parse_bytes(&text)
    {
        limits.push((bytes, format!("LIFSWEEP_MEMORY_LIMIT={text}")));
    }
    if let Some(bytes) = cgroup_limit() {
        limits.push((bytes, "the cgroup's memory limit".to_string()));
    }
    if let Some(kb) = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        m.lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
    }) {
        limits.push((kb * 1024.0, "the physical memory".to_string()));
    }
    limits.into_iter().min_by(|a, b| a.0.total_cmp(&b.0))
}

/// `123`, `64K`, `512M`, `2G` (powers of 1024) as bytes.
fn parse_bytes(text: &str) -> Option<f64> {
    let t = text.trim();
    let (num, scale) = match t.char_indices().last()? {
        (i, 'K' | 'k') => (&t[..i], 1024.0),
        (i, 'M' | 'm') => (&t[..i], 1024.0 * 1024.0),
        (i, 'G' | 'g') => (&t[..i], 1024.0 * 1024.0 * 1024.0),
        _ => (t, 1.0),
    };
    num.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x > 0.0)
        .map(|x| x * scale)
}

/// The memory limit of this process's cgroup, if it has one.
fn cgroup_limit() -> Option<f64> {
    let cgroups = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let read = |path: String| -> Option<f64> {
        let text = std::fs::read_to_string(path).ok()?;
        // "max" (v2) or a huge number (v1): no limit.
        text.trim()
            .parse::<f64>()
            .ok()
            .filter(|&b| b < 2f64.powi(60))
    };
    for line in cgroups.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let found = if id == "0" && controllers.is_empty() {
            read(format!("/sys/fs/cgroup{path}/memory.max"))
                .or_else(|| read("/sys/fs/cgroup/memory.max".to_string()))
        } else if controllers.split(',').any(|c| c == "memory") {
            read(format!("/sys/fs/cgroup/memory{path}/memory.limit_in_bytes"))
                .or_else(|| read("/sys/fs/cgroup/memory/memory.limit_in_bytes".to_string()))
        } else {
            None
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// A run whose estimated peak memory exceeds what the process may use (exit status 2).
#[derive(Debug, thiserror::Error)]
#[error(
    "this run needs about {} MB of memory (estimated; `lifsweep plan` shows it), but {limit_from} \
     allows {} MB; run on a machine or in an allocation with more memory, or use fewer threads",
    (estimate / 1e6).ceil(),
    (limit / 1e6).floor()
)]
pub struct NotEnoughMemory {
    pub estimate: f64,
    pub limit: f64,
    pub limit_from: String,
}

/// Refuses a run whose estimated peak memory (bytes) exceeds the process's limit.
pub fn check_memory(estimate: f64) -> Result<(), NotEnoughMemory> {
    match memory_limit() {
        Some((limit, limit_from)) if estimate > limit => Err(NotEnoughMemory {
            estimate,
            limit,
            limit_from,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_bytes("123"), Some(123.0));
        assert_eq!(parse_bytes("64K"), Some(65536.0));
        assert_eq!(parse_bytes("2G"), Some(2.0 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes(" 1.5m "), Some(1.5 * 1024.0 * 1024.0));
        for bad in ["", "x", "-5", "0", "G"] {
            assert_eq!(parse_bytes(bad), None, "{bad}");
        }
    }

    #[test]
    fn this_machine_has_a_memory_limit() {
        let (bytes, from) = memory_limit().expect("at least the physical memory");
        assert!(bytes > 1e8, "{bytes} from {from}");
    }
}
