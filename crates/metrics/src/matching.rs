//! One-to-one matching of the clusters of two labelings (Hungarian method).

use pathfinding::kuhn_munkres::kuhn_munkres;
use pathfinding::matrix::Matrix;

use crate::contingency::encode;
use crate::NOISE;

/// The optimal matching and its total overlap.
struct Matched {
    /// `(label in a, label in b, overlap)`, overlap > 0, sorted by `a` label.
    pairs: Vec<(i64, i64, u64)>,
    /// Points that are noise in both labelings.
    both_noise: u64,
}

fn match_clusters(a: &[i64], b: &[i64]) -> Option<Matched> {
    if a.len() != b.len() {
        return None;
    }
    let mut both_noise = 0u64;
    let mut pa = Vec::new();
    let mut pb = Vec::new();
    for (&la, &lb) in a.iter().zip(b) {
        match (la == NOISE, lb == NOISE) {
            (true, true) => both_noise += 1,
            (false, false) => {
                pa.push(la);
                pb.push(lb);
            }
            _ => {}
        }
    }
    // Clusters are those of all non-noise points, including clusters whose
    // points all fall on noise in the other labeling (they overlap nothing).
    let ids_a: Vec<i64> = {
        let mut v: Vec<i64> = a.iter().copied().filter(|&l| l != NOISE).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let ids_b: Vec<i64> = {
        let mut v: Vec<i64> = b.iter().copied().filter(|&l| l != NOISE).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let size = ids_a.len().max(ids_b.len());
    if size == 0 || pa.is_empty() {
        return Some(Matched {
            pairs: Vec::new(),
            both_noise,
        });
    }
    // Overlap matrix, rows = clusters of b, columns = clusters of a, padded
    // with zeros to a square so both sides may have any number of clusters.
    let (ua, ca) = encode(&pa);
    let (ub, cb) = encode(&pb);
    let col_of: Vec<usize> = ua
        .iter()
        .map(|l| ids_a.binary_search(l).unwrap_or(0))
        .collect();
    let row_of: Vec<usize> = ub
        .iter()
        .map(|l| ids_b.binary_search(l).unwrap_or(0))
        .collect();
    let mut overlap = Matrix::new(size, size, 0i64);
    for (&i, &j) in cb.iter().zip(&ca) {
        overlap[(row_of[i], col_of[j])] += 1;
    }
    let (_, assignment) = kuhn_munkres(&overlap);
    let mut pairs: Vec<(i64, i64, u64)> = assignment
        .iter()
        .enumerate()
        .filter(|&(r, &c)| r < ids_b.len() && c < ids_a.len() && overlap[(r, c)] > 0)
        .map(|(r, &c)| (ids_a[c], ids_b[r], overlap[(r, c)] as u64))
        .collect();
    pairs.sort_unstable();
    Some(Matched { pairs, both_noise })
}

/// Best one-to-one matching of the clusters of `b` onto those of `a`: the
/// pairs `(cluster of a, cluster of b)` that maximise the total number of
/// points the matched clusters share (Hungarian method, Kuhn–Munkres, on
/// the overlap table padded with zeros to a square, so the two labelings may
/// have different numbers of clusters).
///
/// Noise (`-1`) is not a cluster and is never matched. Pairs that share no
/// point are left out, so a cluster with no partner is simply absent. Sorted
/// by the cluster of `a`. Among several optimal matchings one is returned,
/// always the same for the same input. Empty if the lengths differ.
///
/// Cost `O(k³)` for `k` = the larger number of clusters.
pub fn best_matching(a: &[i64], b: &[i64]) -> Vec<(i64, i64)> {
    match_clusters(a, b)
        .map(|m| m.pairs.into_iter().map(|(la, lb, _)| (la, lb)).collect())
        .unwrap_or_default()
}

/// `other` relabelled so that each of its clusters carries the id of the
/// `reference` cluster it is matched to by [`best_matching`]`(reference,
/// other)`. Unmatched clusters of `other` get fresh ids above the largest
/// reference label (in the order of their original ids); noise stays `-1`.
/// If the lengths differ nothing is matched and every cluster gets a fresh id.
pub fn relabel_to_match(reference: &[i64], other: &[i64]) -> Vec<i64> {
    let to_ref: std::collections::HashMap<i64, i64> = best_matching(reference, other)
        .into_iter()
        .map(|(ra, rb)| (rb, ra))
        .collect();
    let (ids, _) = encode(other);
    let mut next = reference.iter().copied().max().unwrap_or(NOISE).max(NOISE) + 1;
    let mut map: Vec<i64> = Vec::with_capacity(ids.len());
    for &id in &ids {
        let new = if id == NOISE {
            NOISE
        } else if let Some(&ra) = to_ref.get(&id) {
            ra
        } else {
            next += 1;
            next - 1
        };
        map.push(new);
    }
    other
        .iter()
        .map(|l| map[ids.binary_search(l).unwrap_or(0)])
        .collect()
}

/// Fraction of points whose labels agree once the clusters of `b` are
/// matched onto those of `a` by [`best_matching`]: points in matched
/// clusters plus points that are noise (`-1`) in both, over all points.
/// 1.0 for no points; NaN if the lengths differ.
pub fn agreement(a: &[i64], b: &[i64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    match match_clusters(a, b) {
        Some(m) => {
            let agree: u64 = m.pairs.iter().map(|p| p.2).sum::<u64>() + m.both_noise;
            agree as f64 / a.len() as f64
        }
        None => f64::NAN,
    }
}
