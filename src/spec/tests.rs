use super::*;
use crate::grid::Grid;

#[test]
fn block_neuron_steps_equals_the_sum_over_its_jobs() {
    let spec = Spec::parse(
        "[[sweep]]\nmodel = \"noise\"\nmu_na = [1, 2, 3]\nneurons = [1, 10, 100]\n\
         sigma_na = [0.1, 0.2]\ndt_ms = [0.1, 0.05]\nduration_ms = [100, 250]\n",
    )
    .unwrap();
    let grid = Grid::new(&spec);
    let brute: u128 = grid.jobs().map(|j| j.neuron_steps() as u128).sum();
    assert_eq!(spec.blocks[0].neuron_steps(), brute);
    assert_eq!(brute, 3 * 2 * 111 * (1000 + 2500 + 2000 + 5000));
}

#[test]
fn keys_keep_their_written_order_and_lines() {
    let spec = Spec::parse(
        "[neuron]\nt_ref_ms = 2\n\n[[sweep]]\nmodel = \"noise\"\nsigma_na = [1, 2]\n\
         mu_na = [0, 1, 2]\n",
    )
    .unwrap();
    let b = &spec.blocks[0];
    assert_eq!(b.line, 4);
    let keys: Vec<_> = b.axes.iter().map(|a| (a.key.name(), a.line)).collect();
    assert_eq!(keys, [("sigma_na", 6), ("mu_na", 7)]);
    assert_eq!(b.template.neuron.t_ref_ms, 2.0);
}

#[test]
fn equal_counts_are_equal_however_written_and_sizes_are_checked_before_building() {
    let seed = |v: &str| {
        let spec = Spec::parse(&format!(
            "[[sweep]]\nmodel = \"constant\"\nmu_na = 1\nseed = {v}\nneurons = {v2}\n",
            v2 = if v.contains('e') { "1e3" } else { "1_000" }
        ))
        .unwrap();
        (
            spec.blocks[0].template.sim.seed,
            spec.blocks[0].template.sim.neurons,
        )
    };
    assert_eq!(seed("1.8e19"), seed("18000000000000000000"));
    assert_eq!(seed("1.8e19"), (18_000_000_000_000_000_000, 1000));
    // Three axes of 1e7 points: refused from their declared lengths, before 1.6 GB of values.
    let err = Spec::parse(
        "[[sweep]]\nmodel = \"noise\"\nmu_na = { start = 0, stop = 1, num = 10000000 }\n\
         sigma_na = { start = 0, stop = 1, num = 10000000 }\n\
         t_ref_ms = { start = 0, stop = 1, num = 10000000 }\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("line 4") && err.contains("more than 1099511627776 jobs"),
        "{err}"
    );
    // Plans of huge sweeps are exact, not saturated: 1e12 neurons x 1e8 steps = 1e20.
    let spec = Spec::parse(
        "[simulation]\nneurons = 1e12\nduration_ms = 1e7\n[[sweep]]\nmodel = \"constant\"\n\
         mu_na = 1\n",
    )
    .unwrap();
    assert_eq!(spec.blocks[0].neuron_steps(), 100_000_000_000_000_000_000);
}
