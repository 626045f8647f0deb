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
    let brute: u64 = grid.jobs().map(|j| j.neuron_steps()).sum();
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
