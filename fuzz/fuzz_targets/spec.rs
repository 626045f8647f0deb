//! Spec text in, a spec or an error out: no panic, no hang, bounded memory (libFuzzer's
//! -rss_limit_mb and -timeout catch the last two). An accepted spec is planned and its grid
//! walked a little, as `lifsweep plan` and `run` would start to.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lifsweep::grid::Grid;
use lifsweep::plan::Plan;
use lifsweep::spec::Spec;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Spec::parse(text) {
        Ok(spec) => {
            let plan = Plan::new(&spec, 2);
            let _ = plan.to_string();
            let _ = plan.warnings();
            let grid = Grid::new(&spec);
            assert_eq!(grid.len(), plan.jobs());
            for id in (0..grid.len()).take(64) {
                let _ = grid.job(id);
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
