//! Piecewise Chebyshev interpolation: a smooth function on `[lo, hi]` as interpolants of degree
//! `N - 1` on equal pieces, each built from the function's values at the piece's `N` Chebyshev
//! nodes (of the first kind) and evaluated by Clenshaw's recurrence. The theories' tables
//! (erfcx, the Siegert integrals) are built with it once per process.

use std::f64::consts::PI;

/// A function on `[lo, hi]` as Chebyshev interpolants of degree `N - 1` on equal pieces.
pub struct Piecewise<const N: usize> {
    lo: f64,
    /// Pieces per unit of the variable.
    scale: f64,
    coefficients: Vec<[f64; N]>,
}

fn angle<const N: usize>(j: usize, k: usize) -> f64 {
    PI * j as f64 * (k as f64 + 0.5) / N as f64
}

impl<const N: usize> Piecewise<N> {
    /// The interpolation nodes, piece after piece (within a piece from its upper end down):
    /// the points at which [`Piecewise::fit`] wants the function's values.
    pub fn nodes(lo: f64, hi: f64, pieces: usize) -> Vec<f64> {
        let width = (hi - lo) / pieces as f64;
        (0..pieces)
            .flat_map(|piece| {
                let mid = lo + (piece as f64 + 0.5) * width;
                (0..N).map(move |k| mid + 0.5 * width * angle::<N>(1, k).cos())
            })
            .collect()
    }

    /// The interpolant of the `values` at [`Piecewise::nodes`]`(lo, hi, pieces)`.
    pub fn fit(lo: f64, hi: f64, pieces: usize, values: &[f64]) -> Piecewise<N> {
        assert_eq!(values.len(), pieces * N);
        let coefficients = values
            .chunks_exact(N)
            .map(|values| {
                std::array::from_fn(|j| {
                    let sum: f64 = (0..N).map(|k| values[k] * angle::<N>(j, k).cos()).sum();
                    sum * 2.0 / N as f64
                })
            })
            .collect();
        Piecewise {
            lo,
            scale: pieces as f64 / (hi - lo),
            coefficients,
        }
    }

    /// The interpolant of `f` on `[lo, hi]`.
    pub fn new(lo: f64, hi: f64, pieces: usize, f: impl FnMut(f64) -> f64) -> Piecewise<N> {
        let values: Vec<f64> = Self::nodes(lo, hi, pieces).into_iter().map(f).collect();
        Self::fit(lo, hi, pieces, &values)
    }

    /// The interpolant at `x`; below `lo` or above `hi` the first or last piece's polynomial
    /// (callers keep to the range).
    #[inline]
    pub fn at(&self, x: f64) -> f64 {
        let position = (x - self.lo) * self.scale;
        let piece = (position as usize).min(self.coefficients.len() - 1);
        // The piece's own variable, in [-1, 1].
        let u = 2.0 * (position - piece as f64) - 1.0;
        let c = &self.coefficients[piece];
        // Clenshaw: sum' c_j T_j(u), the first coefficient halved.
        let (mut b1, mut b2) = (0.0, 0.0);
        for &cj in c[1..].iter().rev() {
            (b1, b2) = (2.0 * u * b1 - b2 + cj, b1);
        }
        u * b1 - b2 + 0.5 * c[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_a_smooth_function_and_reproduces_polynomials() {
        let cubic = |x: f64| 1.0 - 2.0 * x + 0.5 * x * x * x;
        let p = Piecewise::<4>::new(-1.0, 3.0, 3, cubic);
        for i in 0..=400 {
            let x = -1.0 + 4.0 * i as f64 / 400.0;
            assert!((p.at(x) - cubic(x)).abs() < 1e-14, "{x}");
        }
        let e = Piecewise::<12>::new(0.0, 2.0, 8, f64::exp);
        let worst = (0..=1000)
            .map(|i| 2.0 * i as f64 / 1000.0)
            .map(|x| (e.at(x) / x.exp() - 1.0).abs())
            .fold(0.0, f64::max);
        assert!(worst < 4e-15, "{worst:e}");
    }
}
