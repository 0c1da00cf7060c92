//! Our k-means: greedy k-means++ (or random) seeding and Hamerly's bounded
//! Lloyd iterations.
//!
//! Determinism: the rows are cut into fixed chunks of [`CHUNK`] rows (never
//! depending on the thread count); every sum is taken inside a chunk in row
//! order and then over the chunks in chunk order, so the result does not
//! depend on how many threads rayon runs. The seeding draws from one random
//! stream per run and only ever compares sums formed that way, so it does not
//! depend on how the rows are split either.
//!
//! Exactness: Hamerly's bounds only decide when a point's distances need not
//! be recomputed (with a safety margin against rounding); every assignment
//! that is computed compares the same squared distances as plain Lloyd, ties
//! going to the lower index. The centroids of a chunk are re-summed from
//! scratch whenever one of its labels changed, so the centroids are exactly
//! the means plain Lloyd would compute (up to the summation order).

use rand::seq::index;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256Plus;
use rayon::prelude::*;

use super::hyperparams::KMeansInit;
use crate::common::sq_dist;

/// Rows per chunk: the unit of parallel work and of every partial sum.
pub(crate) const CHUNK: usize = 4096;

/// A bound is trusted only with this relative margin, so that rounding in the
/// bounds can never skip a point plain Lloyd would move.
const MARGIN: f64 = 1.0 - 1e-9;

/// The random stream of run `run`: xoshiro256+ seeded with `seed`, advanced
/// by `run` jumps (2¹²⁸ draws each).
pub(crate) fn run_rng(seed: u64, run: usize) -> Xoshiro256Plus {
    let mut rng = Xoshiro256Plus::seed_from_u64(seed);
    for _ in 0..run {
        rng.jump();
    }
    rng
}

/// One run's seeding state on one chunk of rows: the squared distance to the
/// nearest centre so far, that centre, a lower bound on the squared distance
/// to the second nearest, and (once the last centre is chosen) the chunk's
/// per-cluster sums and counts.
pub(crate) struct RunBlock {
    pub closest: Vec<f64>,
    pub labels: Vec<u32>,
    pub second: Vec<f64>,
    pub sums: Vec<f64>,
    pub counts: Vec<usize>,
}

impl RunBlock {
    fn restat(&mut self, xs: &[f64], dim: usize, k: usize) {
        self.sums = vec![0.0; k * dim];
        self.counts = vec![0; k];
        for (p, &l) in xs.chunks_exact(dim).zip(&self.labels) {
            let l = l as usize;
            self.counts[l] += 1;
            for (s, v) in self.sums[l * dim..(l + 1) * dim].iter_mut().zip(p) {
                *s += v;
            }
        }
    }
}

/// A run's start: the centroids (k × dim, row-major) and, from k-means++,
/// the exact assignment to them, chunk by chunk.
pub(crate) struct Start {
    pub centers: Vec<f64>,
    pub assignment: Option<Vec<RunBlock>>,
}

/// The starts of several runs, run r drawing from `rngs[r]` only (so a run's
/// start does not depend on which runs are seeded with it). k-means++ runs
/// are seeded together: every pass over the data serves all of them.
pub(crate) fn initial_centroids(
    data: &[f64],
    dim: usize,
    k: usize,
    init: KMeansInit,
    rngs: &mut [Xoshiro256Plus],
) -> Vec<Start> {
    let n = data.len() / dim;
    match init {
        KMeansInit::Random => rngs
            .iter_mut()
            .map(|rng| {
                let idx = index::sample(rng, n, k).into_vec();
                let centers = idx
                    .iter()
                    .flat_map(|&i| data[i * dim..(i + 1) * dim].iter().copied())
                    .collect();
                Start {
                    centers,
                    assignment: None,
                }
            })
            .collect(),
        KMeansInit::KMeansPlusPlus => kmeans_plusplus(data, dim, k, rngs),
    }
}

/// Relative margin of the triangle-inequality skips: a candidate c is
/// skipped for x (x's distance to c cannot be below its distance to its
/// nearest centre a) only when d(c, a)² > 4·d(x, a)²·SKIP.
const SKIP: f64 = 1.0 + 1e-9;

/// scikit-learn's greedy k-means++ for each run: the first centre uniform;
/// each next one the best (lowest potential) of `2 + ⌊ln k⌋` candidates
/// drawn with probability ∝ D(x)². A candidate's distance to a point is not
/// computed when the triangle inequality shows it cannot be below the
/// point's current D(x) (the potentials are the same numbers either way).
/// Also returns the exact assignment to the chosen centres.
fn kmeans_plusplus(data: &[f64], dim: usize, k: usize, rngs: &mut [Xoshiro256Plus]) -> Vec<Start> {
    let n = data.len() / dim;
    let nr = rngs.len();
    let trials = 2 + (k as f64).ln() as usize;
    let mut centers: Vec<Vec<f64>> = rngs
        .iter_mut()
        .map(|rng| {
            let first = rng.gen_range(0..n);
            let mut c = Vec::with_capacity(k * dim);
            c.extend_from_slice(&data[first * dim..(first + 1) * dim]);
            c
        })
        .collect();
    // blocks[b][r]: run r on chunk b.
    let mut blocks: Vec<Vec<RunBlock>> = data
        .chunks(CHUNK * dim)
        .map(|xs| {
            let m = xs.len() / dim;
            (0..nr)
                .map(|_| RunBlock {
                    closest: vec![0.0; m],
                    labels: vec![0; m],
                    second: vec![f64::INFINITY; m],
                    sums: Vec::new(),
                    counts: Vec::new(),
                })
                .collect()
        })
        .collect();
    let firsts: Vec<f64> = centers.iter().flatten().copied().collect();
    let ct0 = runs_major(&firsts, dim);
    let per_block: Vec<Vec<f64>> = blocks
        .par_iter_mut()
        .zip(data.par_chunks(CHUNK * dim))
        .map(|(rbs, xs)| {
            let mut sums = vec![0.0; nr];
            across_runs(xs, dim, &ct0, nr, |r, i, d| {
                rbs[r].closest[i] = d;
                sums[r] += d;
            });
            if k == 1 {
                rbs.iter_mut().for_each(|rb| rb.restat(xs, dim, k));
            }
            sums
        })
        .collect();
    // block_sums[r][b]
    let mut block_sums: Vec<Vec<f64>> = (0..nr)
        .map(|r| per_block.iter().map(|b| b[r]).collect())
        .collect();
    let mut pots: Vec<f64> = block_sums.iter().map(|b| b.iter().sum()).collect();
    for c in 1..k {
        let last = c + 1 == k;
        let ids: Vec<Vec<usize>> = (0..nr)
            .map(|r| {
                (0..trials)
                    .map(|_| {
                        let v = rngs[r].gen::<f64>() * pots[r];
                        pick(&blocks, r, &block_sums[r], v)
                    })
                    .collect()
            })
            .collect();
        let flat: Vec<Vec<f64>> = ids
            .iter()
            .map(|ids| {
                ids.iter()
                    .flat_map(|&i| data[i * dim..(i + 1) * dim].iter().copied())
                    .collect()
            })
            .collect();
        // Candidates coordinate-major, padded (repeating the first) to a
        // multiple of four for the vector units.
        let cts: Vec<Vec<f64>> = flat
            .iter()
            .map(|f| {
                let mut g = f.clone();
                while g.len() / dim < padded(trials) {
                    g.extend_from_slice(&f[..dim]);
                }
                transpose(&g, dim)
            })
            .collect();
        // dccs[r][t·c + a]: squared distance candidate t × chosen centre a.
        let dccs: Vec<Vec<f64>> = flat
            .iter()
            .zip(&centers)
            .map(|(f, cs)| {
                f.chunks_exact(dim)
                    .flat_map(|p| cs.chunks_exact(dim).map(move |q| sq_dist(p, q)))
                    .collect()
            })
            .collect();
        // per_block[b][r][t]: block b's potential for run r under candidate t.
        let per_block: Vec<Vec<Vec<f64>>> = blocks
            .par_iter()
            .zip(data.par_chunks(CHUNK * dim))
            .map(|(rbs, xs)| {
                rbs.iter()
                    .enumerate()
                    .map(|(r, rb)| potentials(xs, dim, rb, &dccs[r], &cts[r], c, trials))
                    .collect()
            })
            .collect();
        let mut chosen = Vec::with_capacity(nr);
        for r in 0..nr {
            let p: Vec<f64> = (0..trials)
                .map(|t| per_block.iter().map(|b| b[r][t]).sum())
                .collect();
            let mut best = 0;
            for t in 1..trials {
                if p[t] < p[best] {
                    best = t;
                }
            }
            pots[r] = p[best];
            chosen.push(best);
        }
        let qs: Vec<&[f64]> = (0..nr)
            .map(|r| &flat[r][chosen[r] * dim..(chosen[r] + 1) * dim])
            .collect();
        // The chosen candidate becomes centre c: update the assignment.
        // Every point's distance to every run's new centre (exact, so the
        // lower bounds tighten too).
        let qflat: Vec<f64> = qs.iter().flat_map(|q| q.iter().copied()).collect();
        let ctq = runs_major(&qflat, dim);
        let per_block: Vec<Vec<f64>> = blocks
            .par_iter_mut()
            .zip(data.par_chunks(CHUNK * dim))
            .map(|(rbs, xs)| {
                let mut sums = vec![0.0; nr];
                across_runs(xs, dim, &ctq, nr, |r, i, d| {
                    let rb = &mut rbs[r];
                    let d0 = rb.closest[i];
                    if d < d0 {
                        rb.second[i] = d0;
                        rb.closest[i] = d;
                        rb.labels[i] = c as u32;
                    } else if d < rb.second[i] {
                        rb.second[i] = d;
                    }
                    sums[r] += rb.closest[i];
                });
                if last {
                    rbs.iter_mut().for_each(|rb| rb.restat(xs, dim, k));
                }
                sums
            })
            .collect();
        block_sums = (0..nr)
            .map(|r| per_block.iter().map(|b| b[r]).collect())
            .collect();
        for (cs, q) in centers.iter_mut().zip(&qs) {
            cs.extend_from_slice(q);
        }
    }
    let mut per_run: Vec<Vec<RunBlock>> =
        (0..nr).map(|_| Vec::with_capacity(blocks.len())).collect();
    for rbs in blocks {
        for (r, rb) in rbs.into_iter().enumerate() {
            per_run[r].push(rb);
        }
    }
    centers
        .into_iter()
        .zip(per_run)
        .map(|(centers, rbs)| Start {
            centers,
            assignment: Some(rbs),
        })
        .collect()
}

/// One point per run (rows of `points`), coordinate-major and padded with
/// copies of the first to [`padded`] columns.
fn runs_major(points: &[f64], dim: usize) -> Vec<f64> {
    let mut g = points.to_vec();
    while g.len() / dim < padded(points.len() / dim) {
        g.extend_from_slice(&points[..dim]);
    }
    transpose(&g, dim)
}

/// For every row i of the block and run r < nr: `f(r, i, d)` with d the
/// squared distance from row i to run r's point (column r of `ct`, see
/// [`runs_major`]), rows in order.
fn across_runs(xs: &[f64], dim: usize, ct: &[f64], nr: usize, f: impl FnMut(usize, usize, f64)) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { across_runs_avx2(xs, dim, ct, nr, f) };
    }
    across_runs_inline(xs, dim, ct, nr, f)
}

/// [`across_runs`] compiled for AVX2 (no FMA: the same roundings).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn across_runs_avx2(
    xs: &[f64],
    dim: usize,
    ct: &[f64],
    nr: usize,
    f: impl FnMut(usize, usize, f64),
) {
    across_runs_inline(xs, dim, ct, nr, f)
}

#[inline(always)]
fn across_runs_inline(
    xs: &[f64],
    dim: usize,
    ct: &[f64],
    nr: usize,
    mut f: impl FnMut(usize, usize, f64),
) {
    let mut buf = vec![0.0; ct.len() / dim];
    for (i, p) in xs.chunks_exact(dim).enumerate() {
        dists(p, ct, &mut buf);
        for (r, &d) in buf[..nr].iter().enumerate() {
            f(r, i, d);
        }
    }
}

/// Columns padded to a multiple of four up to 16 (widths [`dists`] has
/// vector code for).
fn padded(m: usize) -> usize {
    if m <= 16 {
        m.div_ceil(4) * 4
    } else {
        m
    }
}

/// One block's potential for one run under each of `trials` candidates
/// (`ct`: the candidates coordinate-major, padded, see [`padded`]).
fn potentials(
    xs: &[f64],
    dim: usize,
    rb: &RunBlock,
    dcc: &[f64],
    ct: &[f64],
    c: usize,
    trials: usize,
) -> Vec<f64> {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { potentials_avx2(xs, dim, rb, dcc, ct, c, trials) };
    }
    potentials_inline(xs, dim, rb, dcc, ct, c, trials)
}

/// [`potentials`] compiled for AVX2 (no FMA: the same roundings).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn potentials_avx2(
    xs: &[f64],
    dim: usize,
    rb: &RunBlock,
    dcc: &[f64],
    ct: &[f64],
    c: usize,
    trials: usize,
) -> Vec<f64> {
    potentials_inline(xs, dim, rb, dcc, ct, c, trials)
}

#[inline(always)]
fn potentials_inline(
    xs: &[f64],
    dim: usize,
    rb: &RunBlock,
    dcc: &[f64],
    ct: &[f64],
    c: usize,
    trials: usize,
) -> Vec<f64> {
    let mut buf = vec![0.0; padded(trials)];
    let mut sums = vec![0.0; trials];
    for (i, p) in xs.chunks_exact(dim).enumerate() {
        let (d0, a) = (rb.closest[i], rb.labels[i] as usize);
        if (0..trials).all(|t| dcc[t * c + a] > 4.0 * d0 * SKIP) {
            // No candidate can be closer than the current centre.
            for s in sums.iter_mut() {
                *s += d0;
            }
            continue;
        }
        dists(p, ct, &mut buf);
        for (s, &d) in sums.iter_mut().zip(&buf) {
            *s += d.min(d0);
        }
    }
    sums
}

/// The first point (of run r) whose running sum of D(x)² exceeds `v`
/// (blocks first, then rows inside the block); the last point of positive
/// weight if rounding leaves `v` beyond the total.
fn pick(blocks: &[Vec<RunBlock>], r: usize, block_sums: &[f64], v: f64) -> usize {
    let mut acc = 0.0;
    for (b, &s) in block_sums.iter().enumerate() {
        if acc + s > v {
            let mut a = acc;
            for (i, &x) in blocks[b][r].closest.iter().enumerate() {
                a += x;
                if a > v && x > 0.0 {
                    return b * CHUNK + i;
                }
            }
        }
        acc += s;
    }
    for (b, rbs) in blocks.iter().enumerate().rev() {
        if let Some(i) = rbs[r].closest.iter().rposition(|&x| x > 0.0) {
            return b * CHUNK + i;
        }
    }
    0
}

/// One run's outcome.
pub(crate) struct Run {
    pub centroids: Vec<f64>,
    pub labels: Vec<usize>,
    pub inertia: f64,
    pub n_iter: usize,
}

/// One chunk of rows with its labels, Hamerly bounds and per-cluster sums.
struct Chunk<'a> {
    x: &'a [f64],
    labels: Vec<u32>,
    /// Upper bound on the distance to the assigned centroid.
    upper: Vec<f64>,
    /// Lower bound on the distance to every other centroid.
    lower: Vec<f64>,
    /// Per-cluster coordinate sums (k × dim) and counts of this chunk.
    sums: Vec<f64>,
    counts: Vec<usize>,
}

impl Chunk<'_> {
    fn restat(&mut self, dim: usize) {
        self.sums.iter_mut().for_each(|s| *s = 0.0);
        self.counts.iter_mut().for_each(|c| *c = 0);
        for (p, &l) in self.x.chunks_exact(dim).zip(&self.labels) {
            let l = l as usize;
            self.counts[l] += 1;
            for (s, v) in self.sums[l * dim..(l + 1) * dim].iter_mut().zip(p) {
                *s += v;
            }
        }
    }
}

/// Centroids stored for [`dists`]: coordinate-major (dim × m), so the
/// distances to all of them are taken in one sweep over the point.
fn transpose(c: &[f64], dim: usize) -> Vec<f64> {
    let m = c.len() / dim;
    let mut t = vec![0.0; c.len()];
    for j in 0..m {
        for d in 0..dim {
            t[d * m + j] = c[j * dim + d];
        }
    }
    t
}

/// Squared distances from `p` to the `M` centroids of `ct` (coordinate-major,
/// see [`transpose`]), each summed over the coordinates in order: bit for bit
/// [`sq_dist`], but the M sums run side by side (vectorisable).
#[inline(always)]
fn dists_m<const M: usize>(p: &[f64], ct: &[f64], out: &mut [f64]) {
    let mut acc = [0.0f64; M];
    for (v, c) in p.iter().zip(ct.chunks_exact(M)) {
        for j in 0..M {
            let t = v - c[j];
            acc[j] += t * t;
        }
    }
    out[..M].copy_from_slice(&acc);
}

/// [`dists_m`] for a run-time number of centroids `m` (= out.len()).
#[inline(always)]
fn dists(p: &[f64], ct: &[f64], out: &mut [f64]) {
    match out.len() {
        1 => dists_m::<1>(p, ct, out),
        2 => dists_m::<2>(p, ct, out),
        3 => dists_m::<3>(p, ct, out),
        4 => dists_m::<4>(p, ct, out),
        5 => dists_m::<5>(p, ct, out),
        6 => dists_m::<6>(p, ct, out),
        7 => dists_m::<7>(p, ct, out),
        8 => dists_m::<8>(p, ct, out),
        12 => dists_m::<12>(p, ct, out),
        16 => dists_m::<16>(p, ct, out),
        m => {
            out.iter_mut().for_each(|o| *o = 0.0);
            for (v, c) in p.iter().zip(ct.chunks_exact(m)) {
                for (o, cj) in out.iter_mut().zip(c) {
                    let t = v - cj;
                    *o += t * t;
                }
            }
        }
    }
}

/// Nearest (ties to the lower index) and second-nearest squared distances.
/// `ct` is the centroids transposed, `buf` holds k values.
#[inline]
fn nearest_two(p: &[f64], ct: &[f64], buf: &mut [f64]) -> (usize, f64, f64) {
    dists(p, ct, buf);
    let mut best = (0usize, f64::INFINITY);
    let mut second = f64::INFINITY;
    for (j, &d2) in buf.iter().enumerate() {
        if d2 < best.1 {
            second = best.1;
            best = (j, d2);
        } else if d2 < second {
            second = d2;
        }
    }
    (best.0, best.1, second)
}

/// Half the distance from every centroid to its nearest other centroid.
fn half_gaps(centroids: &[f64], dim: usize, k: usize) -> Vec<f64> {
    let mut s = vec![f64::INFINITY; k];
    for a in 0..k {
        for b in a + 1..k {
            let d = 0.5
                * sq_dist(
                    &centroids[a * dim..(a + 1) * dim],
                    &centroids[b * dim..(b + 1) * dim],
                )
                .sqrt();
            s[a] = s[a].min(d);
            s[b] = s[b].min(d);
        }
    }
    s
}

/// Hamerly's assignment step against `centroids`; returns whether any label
/// changed and re-sums the chunks whose labels changed.
fn hamerly_step(chunks: &mut [Chunk], centroids: &[f64], dim: usize, k: usize) -> bool {
    let s = half_gaps(centroids, dim, k);
    let ct = transpose(centroids, dim);
    chunks
        .par_iter_mut()
        .map(|ch| {
            let mut buf = vec![0.0; k];
            let mut changed = false;
            for (i, p) in ch.x.chunks_exact(dim).enumerate() {
                let a = ch.labels[i] as usize;
                let m = s[a].max(ch.lower[i]) * MARGIN;
                if ch.upper[i] < m {
                    continue;
                }
                let u = sq_dist(p, &centroids[a * dim..(a + 1) * dim]).sqrt();
                ch.upper[i] = u;
                if u < m {
                    continue;
                }
                let (b, d1, d2) = nearest_two(p, &ct, &mut buf);
                ch.upper[i] = d1.sqrt();
                ch.lower[i] = d2.sqrt();
                if b != a {
                    ch.labels[i] = b as u32;
                    changed = true;
                }
            }
            if changed {
                ch.restat(dim);
            }
            changed
        })
        .reduce(|| false, |a, b| a || b)
}

/// The means of the clusters (sums over the chunks in chunk order); an empty
/// cluster keeps its centroid.
fn means(chunks: &[Chunk], old: &[f64], dim: usize, k: usize) -> Vec<f64> {
    let mut sums = vec![0.0; k * dim];
    let mut counts = vec![0usize; k];
    for ch in chunks {
        for (s, v) in sums.iter_mut().zip(&ch.sums) {
            *s += v;
        }
        for (c, v) in counts.iter_mut().zip(&ch.counts) {
            *c += v;
        }
    }
    let mut out = old.to_vec();
    for j in 0..k {
        if counts[j] > 0 {
            for t in 0..dim {
                out[j * dim + t] = sums[j * dim + t] / counts[j] as f64;
            }
        }
    }
    out
}

/// Assigns every point by computing all its distances.
fn first_assignment(chunks: &mut [Chunk], centroids: &[f64], dim: usize, k: usize) {
    let ct = transpose(centroids, dim);
    chunks.par_iter_mut().for_each(|ch| {
        let mut buf = vec![0.0; k];
        for (i, p) in ch.x.chunks_exact(dim).enumerate() {
            let (b, d1, d2) = nearest_two(p, &ct, &mut buf);
            ch.labels[i] = b as u32;
            ch.upper[i] = d1.sqrt();
            ch.lower[i] = d2.sqrt();
        }
        ch.restat(dim);
    });
}

/// Lloyd from `centroids` with scikit-learn's stopping rule: an iteration is
/// an assignment step followed by a mean step; stop when the labels did not
/// change (strict convergence), when the squared Frobenius norm of the
/// centroids' move is at most `tol_sq`, or after `max_iter` iterations. If
/// not strictly converged, the labels are reassigned to the final centroids.
/// The inertia is the sum of squared distances to the assigned centroids.
pub(crate) fn lloyd(data: &[f64], dim: usize, start: Start, max_iter: usize, tol_sq: f64) -> Run {
    let mut centroids = start.centers;
    let k = centroids.len() / dim;
    let mut chunks: Vec<Chunk> = match start.assignment {
        // The seeding's assignment (exact labels, exact upper bounds, sums).
        Some(rbs) => data
            .par_chunks(CHUNK * dim)
            .zip(rbs)
            .map(|(x, rb)| {
                let mut upper = rb.closest;
                let mut lower = rb.second;
                upper.iter_mut().for_each(|u| *u = u.sqrt());
                lower.iter_mut().for_each(|l| *l = l.sqrt());
                Chunk {
                    x,
                    labels: rb.labels,
                    upper,
                    lower,
                    sums: rb.sums,
                    counts: rb.counts,
                }
            })
            .collect(),
        None => {
            let mut chunks: Vec<Chunk> = data
                .chunks(CHUNK * dim)
                .map(|x| {
                    let m = x.len() / dim;
                    Chunk {
                        x,
                        labels: vec![0; m],
                        upper: vec![0.0; m],
                        lower: vec![0.0; m],
                        sums: vec![0.0; k * dim],
                        counts: vec![0; k],
                    }
                })
                .collect();
            // First assignment: every distance.
            first_assignment(&mut chunks, &centroids, dim, k);
            chunks
        }
    };
    let mut strict = false;
    let mut n_iter = 0;
    for it in 0..max_iter {
        if it > 0 {
            let changed = hamerly_step(&mut chunks, &centroids, dim, k);
            if !changed {
                // Same labels, same sums: the means equal the centroids.
                strict = true;
                n_iter = it + 1;
                break;
            }
        }
        let new = means(&chunks, &centroids, dim, k);
        n_iter = it + 1;
        let shift: Vec<f64> = new
            .chunks_exact(dim)
            .zip(centroids.chunks_exact(dim))
            .map(|(a, b)| sq_dist(a, b))
            .collect();
        let total: f64 = shift.iter().sum();
        let shift: Vec<f64> = shift.iter().map(|s| s.sqrt()).collect();
        // Largest and second-largest move, for the lower bounds.
        let (mut j1, mut m1, mut m2) = (0usize, 0.0f64, 0.0f64);
        for (j, &s) in shift.iter().enumerate() {
            if s > m1 {
                m2 = m1;
                m1 = s;
                j1 = j;
            } else if s > m2 {
                m2 = s;
            }
        }
        chunks.par_iter_mut().for_each(|ch| {
            for i in 0..ch.labels.len() {
                let a = ch.labels[i] as usize;
                ch.upper[i] += shift[a];
                ch.lower[i] -= if a == j1 { m2 } else { m1 };
            }
        });
        centroids = new;
        if total <= tol_sq {
            break;
        }
    }
    if !strict {
        hamerly_step(&mut chunks, &centroids, dim, k);
    }
    let c = &centroids;
    let inertia_parts: Vec<f64> = chunks
        .par_iter()
        .map(|ch| {
            let mut s = 0.0;
            for (p, &l) in ch.x.chunks_exact(dim).zip(&ch.labels) {
                let l = l as usize;
                s += sq_dist(p, &c[l * dim..(l + 1) * dim]);
            }
            s
        })
        .collect();
    let inertia = inertia_parts.iter().sum();
    let labels = chunks
        .iter()
        .flat_map(|ch| ch.labels.iter().map(|&l| l as usize))
        .collect();
    Run {
        centroids,
        labels,
        inertia,
        n_iter,
    }
}
