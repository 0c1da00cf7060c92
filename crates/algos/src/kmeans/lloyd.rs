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
pub const CHUNK: usize = 4096;

/// A bound is trusted only with this relative margin, so that rounding in the
/// bounds can never skip a point plain Lloyd would move.
const MARGIN: f64 = 1.0 - 1e-9;

/// The random stream of run `run`: xoshiro256+ seeded with `seed`, advanced
/// by `run` jumps (2¹²⁸ draws each).
pub fn run_rng(seed: u64, run: usize) -> Xoshiro256Plus {
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

/// Rows whose distances [`seed_block`] takes side by side.
const TILE: usize = 8;

/// scikit-learn's greedy k-means++ for each run: the first centre uniform;
/// each next one the best (lowest potential) of `2 + ⌊ln k⌋` candidates
/// drawn with probability ∝ D(x)². Also returns the exact assignment to the
/// chosen centres.
///
/// One pass over the data per centre serves every run: a block is copied
/// coordinate-major once, then each run folds its newest chosen centre into
/// the block's assignment and takes the block's potential under each of its
/// candidates, [`TILE`] rows at a time (every distance summed over the
/// coordinates in order: bit for bit [`sq_dist`]). Until that pass, the
/// sampling folds the newest centre in on the fly, in the one block it
/// searches.
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
    // blocks[b][r]: run r on chunk b; no centre folded in yet.
    let mut blocks: Vec<Vec<RunBlock>> = data
        .par_chunks(CHUNK * dim)
        .map(|xs| {
            let m = xs.len() / dim;
            (0..nr)
                .map(|_| RunBlock {
                    closest: vec![f64::INFINITY; m],
                    labels: vec![0; m],
                    second: vec![f64::INFINITY; m],
                    sums: Vec::new(),
                    counts: Vec::new(),
                })
                .collect()
        })
        .collect();
    // Every block coordinate-major, once for all passes.
    let xts: Vec<Vec<f64>> = data
        .par_chunks(CHUNK * dim)
        .map(|xs| transpose(xs, dim))
        .collect();
    let firsts: Vec<f64> = centers.iter().flatten().copied().collect();
    let restat = (k == 1).then_some(k);
    let per_block = seed_pass(
        &mut blocks,
        data,
        &xts,
        dim,
        Some((&firsts, 0)),
        &[],
        restat,
    );
    // block_sums[r][b]: run r's potential on block b.
    let mut block_sums: Vec<Vec<f64>> = (0..nr)
        .map(|r| per_block.iter().map(|b| b[r][0]).collect())
        .collect();
    let mut pots: Vec<f64> = block_sums.iter().map(|b| b.iter().sum()).collect();
    // Every run's newest centre (row r: run r's) and its label, not yet
    // folded into the blocks.
    let mut pending: Option<(Vec<f64>, u32)> = None;
    for c in 1..k {
        let ids: Vec<Vec<usize>> = (0..nr)
            .map(|r| {
                let q = pending.as_ref().map(|(p, _)| &p[r * dim..(r + 1) * dim]);
                (0..trials)
                    .map(|_| {
                        let v = rngs[r].gen::<f64>() * pots[r];
                        pick(&blocks, data, dim, r, &block_sums[r], q, v)
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
        // per_block[b][r][t]: block b's potential for run r under candidate t.
        let fold = pending.as_ref().map(|(p, l)| (p.as_slice(), *l));
        let per_block = seed_pass(&mut blocks, data, &xts, dim, fold, &flat, None);
        let mut qflat = Vec::with_capacity(nr * dim);
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
            // The blocks' potentials once the chosen candidate is folded in.
            block_sums[r] = per_block.iter().map(|b| b[r][best]).collect();
            let q = &flat[r][best * dim..(best + 1) * dim];
            centers[r].extend_from_slice(q);
            qflat.extend_from_slice(q);
        }
        pending = Some((qflat, c as u32));
    }
    if let Some((q, l)) = &pending {
        seed_pass(&mut blocks, data, &xts, dim, Some((q, *l)), &[], Some(k));
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

/// One pass over the data for every run: run r folds row r of `fold`'s
/// points (with its label) into its assignment, then takes its potential
/// under each of its candidates (`cands[r]`, row-major). Returns
/// `[b][r][t]`: block b's potential for run r under candidate t, or (no
/// candidates) `[b][r][0]`: its potential once the point is folded in.
/// `restat`: then sum the k clusters of every block. `xts`: the blocks
/// coordinate-major (see [`transpose`]).
fn seed_pass(
    blocks: &mut [Vec<RunBlock>],
    data: &[f64],
    xts: &[Vec<f64>],
    dim: usize,
    fold: Option<(&[f64], u32)>,
    cands: &[Vec<f64>],
    restat: Option<usize>,
) -> Vec<Vec<Vec<f64>>> {
    blocks
        .par_iter_mut()
        .zip(data.par_chunks(CHUNK * dim))
        .zip(xts)
        .map(|((rbs, xs), xt)| {
            rbs.iter_mut()
                .enumerate()
                .map(|(r, rb)| {
                    let q = fold.map(|(p, l)| (&p[r * dim..(r + 1) * dim], l));
                    let cs = cands.get(r).map_or(&[][..], |c| c.as_slice());
                    let sums = seed_block(xt, dim, rb, q, cs);
                    if let Some(k) = restat {
                        rb.restat(xs, dim, k);
                    }
                    sums
                })
                .collect()
        })
        .collect()
}

/// One run on one block (`xt`: its rows coordinate-major, see
/// [`transpose`]): folds `fold` (a centre and its label) into the
/// assignment, then sums min(D(x)², d(x, c)²) over the rows in order for
/// each candidate c of `cands` (row-major); with no candidates, sums D(x)².
fn seed_block(
    xt: &[f64],
    dim: usize,
    rb: &mut RunBlock,
    fold: Option<(&[f64], u32)>,
    cands: &[f64],
) -> Vec<f64> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F (checked just above).
            return unsafe { seed_block_avx512(xt, dim, rb, fold, cands) };
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            return unsafe { seed_block_avx2(xt, dim, rb, fold, cands) };
        }
    }
    seed_block_inline(xt, dim, rb, fold, cands)
}

/// [`seed_block`] compiled for AVX-512F (no FMA: the same roundings).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn seed_block_avx512(
    xt: &[f64],
    dim: usize,
    rb: &mut RunBlock,
    fold: Option<(&[f64], u32)>,
    cands: &[f64],
) -> Vec<f64> {
    seed_block_inline(xt, dim, rb, fold, cands)
}

/// [`seed_block`] compiled for AVX2 (no FMA: the same roundings).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn seed_block_avx2(
    xt: &[f64],
    dim: usize,
    rb: &mut RunBlock,
    fold: Option<(&[f64], u32)>,
    cands: &[f64],
) -> Vec<f64> {
    seed_block_inline(xt, dim, rb, fold, cands)
}

#[inline(always)]
fn seed_block_inline(
    xt: &[f64],
    dim: usize,
    rb: &mut RunBlock,
    fold: Option<(&[f64], u32)>,
    cands: &[f64],
) -> Vec<f64> {
    let mut sums = vec![0.0; (cands.len() / dim).max(1)];
    let label = fold.map(|(_, l)| l);
    let mut targets: Vec<&[f64]> = fold.iter().map(|&(q, _)| q).collect();
    targets.extend(cands.chunks_exact(dim));
    match targets.len() {
        1 => seed_rows::<1>(xt, rb, label, &targets, &mut sums),
        2 => seed_rows::<2>(xt, rb, label, &targets, &mut sums),
        3 => seed_rows::<3>(xt, rb, label, &targets, &mut sums),
        4 => seed_rows::<4>(xt, rb, label, &targets, &mut sums),
        5 => seed_rows::<5>(xt, rb, label, &targets, &mut sums),
        _ => {
            // One sweep for the fold, then one per candidate (the same
            // numbers: a row's potentials only need its own fold).
            let cs = match fold {
                Some((q, l)) => {
                    seed_rows::<1>(xt, rb, Some(l), &[q], &mut []);
                    &targets[1..]
                }
                None => &targets[..],
            };
            for (t, c) in cs.iter().enumerate() {
                seed_rows::<1>(xt, rb, None, &[c], &mut sums[t..t + 1]);
            }
        }
    }
    sums
}

/// [`seed_block`] with `P` targets: the fold's point first when `label` is
/// given, then the candidates, whose potentials go to `sums` (or, with no
/// candidates, D(x)² summed into `sums[0]`; nothing if `sums` is empty).
#[inline(always)]
fn seed_rows<const P: usize>(
    xt: &[f64],
    rb: &mut RunBlock,
    label: Option<u32>,
    targets: &[&[f64]],
    sums: &mut [f64],
) {
    let targets: &[&[f64]; P] = targets.try_into().expect("P targets");
    let m = rb.closest.len();
    let mut i0 = 0;
    while i0 + TILE <= m {
        seed_tile::<TILE, P>(xt, m, i0, rb, label, targets, sums);
        i0 += TILE;
    }
    while i0 < m {
        seed_tile::<1, P>(xt, m, i0, rb, label, targets, sums);
        i0 += 1;
    }
}

/// Squared distances from rows `i0..i0 + L` of `xt` (m rows,
/// coordinate-major) to each of the `P` points `qs`, each summed over the
/// coordinates in order (bit for bit [`sq_dist`]).
#[inline(always)]
fn tile_dists<const L: usize, const P: usize>(
    xt: &[f64],
    m: usize,
    i0: usize,
    qs: &[&[f64]; P],
) -> [[f64; L]; P] {
    let dim = qs[0].len();
    let qs: [&[f64]; P] = std::array::from_fn(|p| &qs[p][..dim]);
    let mut acc = [[0.0f64; L]; P];
    for j in 0..dim {
        let col: &[f64; L] = xt[j * m + i0..j * m + i0 + L].try_into().expect("L rows");
        for p in 0..P {
            let qj = qs[p][j];
            for l in 0..L {
                let t = col[l] - qj;
                acc[p][l] += t * t;
            }
        }
    }
    acc
}

/// [`seed_rows`] on rows `i0..i0 + L`.
#[inline(always)]
fn seed_tile<const L: usize, const P: usize>(
    xt: &[f64],
    m: usize,
    i0: usize,
    rb: &mut RunBlock,
    label: Option<u32>,
    targets: &[&[f64]; P],
    sums: &mut [f64],
) {
    let d = tile_dists::<L, P>(xt, m, i0, targets);
    let closest: &mut [f64; L] = (&mut rb.closest[i0..i0 + L]).try_into().expect("L rows");
    let mut first = 0;
    if let Some(label) = label {
        let second: &mut [f64; L] = (&mut rb.second[i0..i0 + L]).try_into().expect("L rows");
        let labels: &mut [u32; L] = (&mut rb.labels[i0..i0 + L]).try_into().expect("L rows");
        for l in 0..L {
            let (x, c0, s0) = (d[0][l], closest[l], second[l]);
            let nearer = x < c0;
            closest[l] = if nearer { x } else { c0 };
            second[l] = if nearer {
                c0
            } else if x < s0 {
                x
            } else {
                s0
            };
            labels[l] = if nearer { label } else { labels[l] };
        }
        first = 1;
    }
    if first == P {
        if let Some(s) = sums.first_mut() {
            for &c in closest.iter() {
                *s += c;
            }
        }
    } else {
        for (s, dt) in sums.iter_mut().zip(&d[first..]) {
            for l in 0..L {
                let (x, c) = (dt[l], closest[l]);
                *s += if x < c { x } else { c };
            }
        }
    }
}

/// Run r's D(x)² on block b: its `closest` with `fold` (a centre not yet
/// folded into the block) folded in.
fn weights<'a>(
    data: &'a [f64],
    dim: usize,
    blocks: &'a [Vec<RunBlock>],
    b: usize,
    r: usize,
    fold: Option<&'a [f64]>,
) -> impl Iterator<Item = f64> + 'a {
    let xs = &data[b * CHUNK * dim..];
    blocks[b][r]
        .closest
        .iter()
        .zip(xs.chunks_exact(dim))
        .map(move |(&c, p)| match fold {
            Some(q) => {
                let d = sq_dist(p, q);
                if d < c {
                    d
                } else {
                    c
                }
            }
            None => c,
        })
}

/// The first point (of run r) whose running sum of D(x)² exceeds `v`
/// (blocks first, then rows inside the block); the last point of positive
/// weight if rounding leaves `v` beyond the total. `fold`: run r's centre
/// not yet folded into the blocks.
fn pick(
    blocks: &[Vec<RunBlock>],
    data: &[f64],
    dim: usize,
    r: usize,
    block_sums: &[f64],
    fold: Option<&[f64]>,
    v: f64,
) -> usize {
    let mut acc = 0.0;
    for (b, &s) in block_sums.iter().enumerate() {
        if acc + s > v {
            let mut a = acc;
            for (i, x) in weights(data, dim, blocks, b, r, fold).enumerate() {
                a += x;
                if a > v && x > 0.0 {
                    return b * CHUNK + i;
                }
            }
        }
        acc += s;
    }
    for b in (0..blocks.len()).rev() {
        let w: Vec<f64> = weights(data, dim, blocks, b, r, fold).collect();
        if let Some(i) = w.iter().rposition(|&x| x > 0.0) {
            return b * CHUNK + i;
        }
    }
    0
}

/// One run's outcome.
pub(crate) struct Run {
    pub centroids: Vec<f64>,
    /// The labels, chunk by chunk (in row order).
    pub labels: Vec<Vec<u32>>,
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
    for (d, col) in t.chunks_exact_mut(m.max(1)).enumerate() {
        for (o, p) in col.iter_mut().zip(c.chunks_exact(dim)) {
            *o = p[d];
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
    let labels = chunks.into_iter().map(|ch| ch.labels).collect();
    Run {
        centroids,
        labels,
        inertia,
        n_iter,
    }
}
