//! The fast engine: the E-step and its statistics as tiled SIMD kernels.
//!
//! Rows are cut into chunks processed in parallel ([`estep`]), each chunk
//! into blocks of `BLOCK` rows. A block is held transposed
//! (`xt[a·STRIDE + i]`, feature major) so every inner loop runs over the rows
//! of the block with unit stride. The products and sums are written with the
//! `Vector` operations of [`simd`], several independent accumulators per
//! sum, so they run at the vector units' throughput rather than one chain's
//! latency; the log-sum-exp takes its exponentials and logarithms from
//! [`vmath`]. Each kernel is compiled for the baseline target, for AVX2 + FMA
//! and for AVX-512, and the best level the CPU supports is chosen at run time
//! ([`dispatch`]).
//!
//! The stages, one file each:
//! * [`layout`]: block buffers, transposition and centring, feature and
//!   component tiles;
//! * [`log_density`]: `ln π_j + ln N(x_i | μ_j, Σ_j)` per covariance type
//!   (the reference's `weighted_log_prob`);
//! * [`log_sum_exp`]: responsibilities and `ln p(x_i)` (the reference's
//!   `log_sum_exp` and `log_responsibilities`);
//! * [`fused`]: both at once for diagonal and spherical covariances;
//! * [`stats`]: the sufficient statistics (the reference's `sufficient_statistics`);
//! * [`simd`], [`vmath`]: the SIMD levels; [`dispatch`]: choosing one.
//!
//! Every kernel is tested against `crate::reference` at every level the CPU
//! supports (`tests.rs` and the engines' property tests in `crate::engine`).

pub(crate) mod dispatch;
pub(crate) mod estep;
pub(crate) mod fused;
pub(crate) mod layout;
pub(crate) mod log_density;
pub(crate) mod log_sum_exp;
pub(crate) mod simd;
pub(crate) mod stats;
pub(crate) mod vmath;

#[cfg(test)]
mod tests;
