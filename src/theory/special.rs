//! Numerical tools for the theories: the scaled complementary error function and adaptive
//! Gauss–Kronrod quadrature.

use std::f64::consts::PI;

use super::chebyshev::Piecewise;

/// The scaled complementary error function `erfcx(x) = exp(x^2) erfc(x)`, to a few 1e-15
/// relative accuracy, without overflow for x >= 0 (infinite for x < -26.6, where `exp(x^2)`
/// overflows).
///
/// For 0 <= x < 50 it is read from piecewise Chebyshev interpolants (`ErfcxTable`, built once
/// from `erfcx_direct`: a few tens of ns a call instead of up to a microsecond, which matters
/// because the white-noise theory calls it thousands of times per job); beyond, the continued
/// fraction needs only a few terms; for x < 0, `2 exp(x^2) - erfcx(-x)`.
pub fn erfcx(x: f64) -> f64 {
    if x < 0.0 {
        let e = (x * x).exp();
        return 2.0 * e - erfcx(-x);
    }
    if x < ErfcxTable::X_MAX {
        return ERFCX_TABLE.at(x);
    }
    erfcx_direct(x)
}

/// `erfcx(x)` for x >= 0 the slow, direct way, to a few 1e-16: for x < 3/4,
/// `exp(x^2) - (2/sqrt(pi)) S` with the all-positive series `S = sum_n 2^n x^(2n+1) / (2n+1)!!`
/// of `erf(x) exp(x^2) sqrt(pi)/2` (Abramowitz & Stegun 7.1.6); beyond, where that difference
/// would cancel digits away (5e-14 lost near x = 2), the continued fraction `1 / (sqrt(pi) (x +
/// (1/2)/(x + 1/(x + (3/2)/(x + ...)))))` (A&S 7.1.14), evaluated backwards from a depth that
/// grows as 1/x^2 (1,800 terms at x = 3/4, 10 at x = 50). Building [`ErfcxTable`] from it takes
/// about a millisecond.
fn erfcx_direct(x: f64) -> f64 {
    debug_assert!(x >= 0.0);
    if x < 0.75 {
        let x2 = x * x;
        let (mut term, mut sum, mut n) = (x, x, 0.0);
        while term > 1e-17 * sum {
            n += 1.0;
            term *= 2.0 * x2 / (2.0 * n + 1.0);
            sum += term;
        }
        return x2.exp() - 2.0 / PI.sqrt() * sum;
    }
    let terms = (10.0 + 1000.0 / (x * x)) as usize;
    let mut f = x;
    for k in (1..=terms).rev() {
        f = x + (k as f64 / 2.0) / f;
    }
    1.0 / (PI.sqrt() * f)
}

/// `erfcx` on [0, 50) as Chebyshev interpolants of degree 6 in `t = 4 / (4 + x)` (the variable
/// of S. G. Johnson's Faddeeva package, in which erfcx is smooth right out to large x), on
/// [`ErfcxTable::PIECES`] equal pieces of t's range, built from [`erfcx_direct`].
struct ErfcxTable(Piecewise<7>);

static ERFCX_TABLE: std::sync::LazyLock<ErfcxTable> = std::sync::LazyLock::new(ErfcxTable::new);

impl ErfcxTable {
    const X_MAX: f64 = 50.0;
    const PIECES: usize = 256;
    /// The smallest `t`, at `X_MAX`.
    const T_MIN: f64 = 4.0 / (4.0 + Self::X_MAX);

    fn new() -> ErfcxTable {
        // x = 4/t - 4 as 4 (1 - t) / t: no cancellation near t = 1 (x = 0).
        ErfcxTable(Piecewise::new(Self::T_MIN, 1.0, Self::PIECES, |t| {
            erfcx_direct(4.0 * (1.0 - t) / t)
        }))
    }

    fn at(&self, x: f64) -> f64 {
        self.0.at(4.0 / (4.0 + x))
    }
}

/// Dawson's integral `F(x) = exp(-x^2) int_0^x exp(t^2) dt`, to about 1e-15 relative.
///
/// For |x| < 6 the all-positive series `int_0^x e^{t^2} dt = sum_n x^(2n+1) / (n! (2n+1))`
/// times `exp(-x^2)`; beyond, the asymptotic series `F(x) ~ (1/2x) sum_k (2k-1)!! / (2x^2)^k`
/// (A&S 7.1.23), summed to its smallest term (below 1e-15 there).
pub fn dawson(x: f64) -> f64 {
    let a = x.abs();
    let x2 = a * a;
    let f = if a < 6.0 {
        let (mut power, mut sum, mut n) = (a, a, 0.0);
        // power = x^(2n+1) / n!; the term is power / (2n + 1).
        loop {
            n += 1.0;
            power *= x2 / n;
            let term = power / (2.0 * n + 1.0);
            sum += term;
            if term <= 1e-17 * sum {
                break;
            }
        }
        (-x2).exp() * sum
    } else {
        let inv = 1.0 / (2.0 * x2);
        let (mut term, mut sum, mut k) = (1.0, 1.0, 0.0);
        loop {
            k += 1.0;
            let next = term * (2.0 * k - 1.0) * inv;
            if next >= term || next < 1e-17 {
                break;
            }
            term = next;
            sum += term;
        }
        sum / (2.0 * a)
    };
    f.copysign(x)
}

/// Gauss–Kronrod 7/15 nodes and weights (QUADPACK's qk15).
const XGK: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
const WGK: [f64; 8] = [
    0.022_935_322_010_529_22,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_2,
    0.140_653_259_715_525_9,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_8,
];
const WG: [f64; 4] = [
    0.129_484_966_168_869_7,
    0.279_705_391_489_276_7,
    0.381_830_050_505_118_9,
    0.417_959_183_673_469_4,
];

/// (Kronrod estimate, |Kronrod - Gauss|) on [a, b].
fn gk15(f: &mut impl FnMut(f64) -> f64, a: f64, b: f64) -> (f64, f64) {
    let c = 0.5 * (a + b);
    let h = 0.5 * (b - a);
    let fc = f(c);
    let mut kronrod = WGK[7] * fc;
    let mut gauss = WG[3] * fc;
    for j in 0..7 {
        let dx = h * XGK[j];
        let pair = f(c - dx) + f(c + dx);
        kronrod += WGK[j] * pair;
        if j % 2 == 1 {
            gauss += WG[j / 2] * pair;
        }
    }
    (kronrod * h, ((kronrod - gauss) * h).abs())
}

/// `int_a^b f` to a relative accuracy of about `rel_tol`: adaptive bisection with a global
/// error budget (a piece of width h may err by `rel_tol |I| h / (b - a)`, with `I` first
/// estimated on 8 panels), at most 2^20 pieces.
pub fn integrate(mut f: impl FnMut(f64) -> f64, a: f64, b: f64, rel_tol: f64) -> f64 {
    fn go(f: &mut impl FnMut(f64) -> f64, a: f64, b: f64, tol_per_width: f64, depth: u32) -> f64 {
        let (value, err) = gk15(f, a, b);
        if depth >= 20 || err <= tol_per_width * (b - a).abs() || !value.is_finite() {
            return value;
        }
        let m = 0.5 * (a + b);
        go(f, a, m, tol_per_width, depth + 1) + go(f, m, b, tol_per_width, depth + 1)
    }
    if a == b {
        return 0.0;
    }
    let panels = 8;
    let h = (b - a) / panels as f64;
    let coarse: Vec<(f64, f64)> = (0..panels)
        .map(|i| gk15(&mut f, a + i as f64 * h, a + (i + 1) as f64 * h))
        .collect();
    let estimate: f64 = coarse.iter().map(|p| p.0).sum();
    if !estimate.is_finite() {
        return estimate;
    }
    let tol_per_width = rel_tol * estimate.abs() / (b - a).abs();
    coarse
        .iter()
        .enumerate()
        .map(|(i, &(value, err))| {
            if err <= tol_per_width * h.abs() {
                value
            } else {
                let lo = a + i as f64 * h;
                go(&mut f, lo, lo + h, tol_per_width, 3)
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_erfcx_table_matches_the_direct_evaluation() {
        let mut worst: f64 = 0.0;
        let n = 1_000_000;
        for i in 0..=n {
            // Denser near 0, where the table's pieces are widest in x.
            let x = ErfcxTable::X_MAX * (i as f64 / n as f64).powi(2);
            let (fast, direct) = (erfcx(x), erfcx_direct(x));
            worst = worst.max(((fast - direct) / direct).abs());
        }
        assert!(worst < 4e-15, "worst relative difference {worst:e}");
        // Continuous where the table hands over to the continued fraction.
        let edge = ErfcxTable::X_MAX;
        let below = erfcx(edge - 1e-9);
        assert!(((below - erfcx(edge)) / below).abs() < 1e-9);
    }

    #[test]
    fn erfcx_reference_values() {
        // References: mpmath, erfc(x) exp(x^2) with 40 digits.
        for (x, want) in [
            (0.0, 1.0),
            (0.1, 0.896_456_979_969_126_6),
            (0.3, 0.734_599_334_567_655_1),
            (0.5, 0.615_690_344_192_925_9),
            (0.75, 0.506_937_650_293_144_8),
            (1.0, 0.427_583_576_155_807),
            (1.5, 0.321_585_416_454_317_5),
            (1.75, 0.284_972_234_737_436_4),
            (1.95, 0.260_841_973_450_824_4),
            (2.0, 0.255_395_676_310_505_7),
            (2.5, 0.210_806_364_061_143_6),
            (3.0, 0.179_001_151_181_389_95),
            (5.0, 0.110_704_637_733_068_63),
            (10.0, 0.056_140_992_743_822_59),
            (20.0, 0.028_174_348_741_051_32),
            (49.0, 0.011_511_676_863_882_963),
            (-1.0, 5.008_980_080_762_283),
        ] {
            let got = erfcx(x);
            assert!(
                ((got - want) / want).abs() < 4e-15,
                "erfcx({x}) = {got}, want {want}"
            );
        }
        // The large-x asymptote 1/(x sqrt(pi)).
        let x = 1e4;
        assert!((erfcx(x) * x * PI.sqrt() - 1.0).abs() < 1e-8);
    }

    #[test]
    fn dawson_reference_values() {
        // References: scipy.special.dawsn.
        for (x, want) in [
            (0.1, 0.099_335_992_397_852_9),
            (1.0, 0.538_079_506_912_768_4),
            (3.0, 0.178_271_030_610_558_27),
            (5.9, 0.086_019_681_992_648_06),
            (6.1, 0.083_116_330_508_351_5),
            (10.0, 0.050_253_847_187_598_54),
            (30.0, 0.016_675_941_401_059_196),
            (-2.0, -0.301_340_388_923_792),
            (0.0, 0.0),
        ] {
            let got = dawson(x);
            assert!(
                (got - want).abs() <= 1e-13 * want.abs(),
                "dawson({x}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn quadrature_of_known_integrals() {
        let gauss = integrate(|x| (-x * x).exp(), -10.0, 10.0, 1e-12);
        assert!((gauss - PI.sqrt()).abs() < 1e-12);
        let peaked = integrate(|x| 1.0 / (1e-4 + x * x), -1.0, 1.0, 1e-10);
        let exact = 2.0 * (1.0 / 1e-2) * (1.0f64 / 1e-2).atan();
        assert!((peaked / exact - 1.0).abs() < 1e-9);
    }
}
