//! SIMD levels and dispatch: which instruction set the CPU supports, and
//! every kernel compiled once per level and chosen at run time.

use super::simd::Pair;
#[cfg(target_arch = "x86_64")]
use super::simd::{Avx2, Avx512};

use super::fused::fused_body;
use super::layout::{augment_body, transpose_body, Buffers};
use super::log_density::{log_prob_body, Factors};
use super::log_sum_exp::{normalise_body, RowLogLik};
use super::stats::{stats_body, LaneStats, Second};

/// The instruction sets the kernels are compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Simd {
    /// The target's baseline (SSE2 on x86-64).
    Baseline,
    /// AVX2 with FMA, four f64 lanes.
    Avx2,
    /// AVX-512 (F, DQ, VL) with FMA, eight f64 lanes.
    Avx512,
}

/// The best level this CPU supports, or the one `CLUSTERLAB_SIMD`
/// (`baseline`, `avx2`, `avx512`) asks for if the CPU supports it; chosen once.
pub(crate) fn simd() -> Simd {
    static LEVEL: std::sync::OnceLock<Simd> = std::sync::OnceLock::new();
    *LEVEL.get_or_init(|| {
        let supported = supported_simd();
        let asked = match std::env::var("CLUSTERLAB_SIMD").as_deref() {
            Ok("baseline") => Simd::Baseline,
            Ok("avx2") => Simd::Avx2,
            _ => Simd::Avx512,
        };
        asked.min_level(supported)
    })
}

impl Simd {
    pub(crate) fn rank(self) -> u8 {
        match self {
            Simd::Baseline => 0,
            Simd::Avx2 => 1,
            Simd::Avx512 => 2,
        }
    }
    pub(super) fn min_level(self, other: Simd) -> Simd {
        if self.rank() <= other.rank() {
            self
        } else {
            other
        }
    }
}

/// Every level this CPU supports, lowest first (the tests run each).
#[cfg(test)]
pub(crate) fn supported_levels() -> Vec<Simd> {
    [Simd::Baseline, Simd::Avx2, Simd::Avx512]
        .into_iter()
        .filter(|l| l.rank() <= supported_simd().rank())
        .collect()
}

/// The best level the CPU supports.
pub(crate) fn supported_simd() -> Simd {
    static SUPPORTED: std::sync::OnceLock<Simd> = std::sync::OnceLock::new();
    *SUPPORTED.get_or_init(detect_simd)
}

pub(super) fn detect_simd() -> Simd {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512dq")
            && std::is_x86_feature_detected!("avx512vl")
            && std::is_x86_feature_detected!("fma")
        {
            return Simd::Avx512;
        }
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            return Simd::Avx2;
        }
    }
    Simd::Baseline
}

/// Compile `$body` for each [`Simd`] level, as `$at(level, …)`; the caller
/// passes the level (the fast engine passes [`simd()`], the tests every
/// supported one). With `grouped`, the body also takes the `Vector` type and
/// `NV`, the vectors per row group. (`$name` names the kernel.)
macro_rules! dispatch {
    (grouped $name:ident, $at:ident, $avx:ident, $avx512:ident, $body:ident, ($($arg:ident : $ty:ty),*)) => {
        dispatch!(@make $name, $at, $avx, $avx512, ($($arg: $ty),*),
            $body::<Pair, 2>, $body::<Avx2, 4>, $body::<Avx512, 4>);
    };
    (@make $name:ident, $at:ident, $avx:ident, $avx512:ident, ($($arg:ident : $ty:ty),*),
        $base:path, $two:path, $five:path) => {
        #[target_feature(enable = "avx2,fma")]
        #[cfg(target_arch = "x86_64")]
        unsafe fn $avx($($arg: $ty),*) {
            $two($($arg),*)
        }

        #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
        #[cfg(target_arch = "x86_64")]
        unsafe fn $avx512($($arg: $ty),*) {
            $five($($arg),*)
        }

        /// The kernel at a given level, which must be one the CPU supports.
        pub(super) fn $at(level: Simd, $($arg: $ty),*) {
            assert!(level.rank() <= supported_simd().rank(), "{level:?} is not supported here");
            #[cfg(target_arch = "x86_64")]
            match level {
                // SAFETY: checked above that the CPU supports the level.
                Simd::Avx512 => return unsafe { $avx512($($arg),*) },
                // SAFETY: as above.
                Simd::Avx2 => return unsafe { $avx($($arg),*) },
                Simd::Baseline => {}
            }
            $base($($arg),*)
        }
    };
}
#[cfg(test)]
pub(crate) use dispatch;

dispatch!(grouped log_prob, log_prob_at, log_prob_avx2, log_prob_avx512, log_prob_body, (f: &Factors, offset: &[f64], d: usize, rows: usize, b: &mut Buffers));
dispatch!(grouped transpose, transpose_at, transpose_avx2, transpose_avx512, transpose_body, (flat: &[f64], centre: &[f64], rows: usize, xt: &mut [f64]));
dispatch!(grouped fused, fused_at, fused_avx2, fused_avx512, fused_body, (f: &Factors, offset: &[f64], d: usize, rows: usize, b: &mut Buffers, ll: &mut RowLogLik, ahead: &[f64]));
dispatch!(grouped normalise, normalise_at, normalise_avx2, normalise_avx512, normalise_body, (k: usize, rows: usize, b: &mut Buffers, ll: &mut RowLogLik, ahead: &[f64]));

dispatch!(grouped augment, augment_at, augment_avx2, augment_avx512, augment_body, (kind: Second, d: usize, rows: usize, xt: &mut [f64]));
dispatch!(grouped stats, stats_at, stats_avx2, stats_avx512, stats_body, (d: usize, rows: usize, b: &Buffers, weighted: bool, acc: &mut LaneStats));
