//! The special functions the variational bound needs, for positive
//! arguments: `ln Γ`, the digamma function `ψ = (ln Γ)'` and `ln B(a, b)`.
//!
//! Both are shifted up to `x ≥ 15` by their recurrences
//! (`Γ(x + 1) = x Γ(x)`, `ψ(x + 1) = ψ(x) + 1/x`) and then evaluated by
//! their asymptotic (Stirling) series, whose first omitted term is below
//! 1e-15 there.

/// Where the asymptotic series take over.
const SHIFT_TO: f64 = 15.0;
/// `½ ln 2π`.
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

/// `ln Γ(x)` for `x > 0` (NaN otherwise).
pub fn ln_gamma(x: f64) -> f64 {
    if !(x > 0.0) {
        return f64::NAN;
    }
    // Γ(x) = Γ(x + m) / (x (x + 1) ⋯ (x + m − 1)); the product (below 15^15) is
    // formed first so only one logarithm is rounded.
    let (mut z, mut product) = (x, 1.0);
    while z < SHIFT_TO {
        product *= z;
        z += 1.0;
    }
    stirling_ln_gamma(z) - product.ln()
}

/// Stirling's series `(z − ½) ln z − z + ½ ln 2π + Σ B₂ₘ / (2m(2m − 1) z^(2m−1))`.
fn stirling_ln_gamma(z: f64) -> f64 {
    let r = 1.0 / (z * z);
    let series = (1.0 / 12.0
        + r * (-1.0 / 360.0 + r * (1.0 / 1260.0 + r * (-1.0 / 1680.0 + r * (1.0 / 1188.0)))))
        / z;
    (z - 0.5) * z.ln() - z + HALF_LN_2PI + series
}

/// The digamma function `ψ(x) = d ln Γ(x) / dx` for `x > 0` (NaN otherwise).
pub fn digamma(x: f64) -> f64 {
    if !(x > 0.0) {
        return f64::NAN;
    }
    let (mut z, mut shift) = (x, 0.0);
    while z < SHIFT_TO {
        shift += 1.0 / z;
        z += 1.0;
    }
    asymptotic_digamma(z) - shift
}

/// `ψ(z) ≈ ln z − 1/(2z) − Σ B₂ₘ / (2m z^(2m))`.
fn asymptotic_digamma(z: f64) -> f64 {
    let r = 1.0 / (z * z);
    let series = r
        * (1.0 / 12.0
            + r * (-1.0 / 120.0 + r * (1.0 / 252.0 + r * (-1.0 / 240.0 + r * (1.0 / 132.0)))));
    z.ln() - 0.5 / z - series
}

/// `ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b)`.
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Euler–Mascheroni constant γ = −ψ(1).
    const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol * b.abs().max(1.0), "{a} vs {b}");
    }

    /// Values known in closed form: Γ(1) = Γ(2) = 1, Γ(½) = √π, Γ(n) = (n − 1)!.
    #[test]
    fn ln_gamma_known_values() {
        close(ln_gamma(1.0), 0.0, 1e-14);
        close(ln_gamma(2.0), 0.0, 1e-14);
        close(ln_gamma(0.5), 0.5 * std::f64::consts::PI.ln(), 1e-14);
        close(ln_gamma(10.0), 362_880.0f64.ln(), 1e-14);
        let fact_29: f64 = (1..=29).map(|i| (i as f64).ln()).sum();
        close(ln_gamma(30.0), fact_29, 1e-14);
        // Γ(1.5) = √π / 2.
        close(
            ln_gamma(1.5),
            (std::f64::consts::PI.sqrt() / 2.0).ln(),
            1e-14,
        );
        assert!(ln_gamma(0.0).is_nan() && ln_gamma(-1.0).is_nan());
    }

    /// ψ(1) = −γ, ψ(½) = −γ − 2 ln 2, ψ(n) = −γ + Σ_{i<n} 1/i.
    #[test]
    fn digamma_known_values() {
        close(digamma(1.0), -EULER_GAMMA, 1e-14);
        close(digamma(0.5), -EULER_GAMMA - 2.0 * 2.0f64.ln(), 1e-14);
        let h: f64 = (1..20).map(|i| 1.0 / i as f64).sum();
        close(digamma(20.0), -EULER_GAMMA + h, 1e-14);
        assert!(digamma(0.0).is_nan());
    }

    /// B(a, b) = (a − 1)!(b − 1)!/(a + b − 1)! for whole numbers; B(1, b) = 1/b.
    #[test]
    fn ln_beta_known_values() {
        close(ln_beta(3.0, 4.0), (2.0 * 6.0 / 720.0f64).ln(), 1e-14);
        close(ln_beta(1.0, 7.5), -(7.5f64.ln()), 1e-14);
    }
}
