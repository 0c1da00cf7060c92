//! Reading clusters off the reachability plot, as scikit-learn's
//! `cluster_optics_xi` and `cluster_optics_dbscan`.

use super::algorithm::NO_PRED;
use crate::clustering::NOISE;

/// scikit-learn's `cluster_optics_dbscan`: walking the ordering, a point
/// whose reachability exceeds `eps` starts a new cluster if it is a core
/// point at `eps` and is noise otherwise; other points join the current
/// cluster (noise before the first start).
pub(crate) fn cluster_optics_dbscan(
    reachability: &[f64],
    core_distances: &[f64],
    ordering: &[usize],
    eps: f64,
) -> Vec<i64> {
    let n = reachability.len();
    let mut labels = vec![NOISE; n];
    let mut current = -1i64;
    for &p in ordering {
        let far = reachability[p] > eps;
        let near_core = core_distances[p] <= eps;
        if far && near_core {
            current += 1;
        }
        labels[p] = if far && !near_core { NOISE } else { current };
    }
    labels
}

/// A steep down area: `start..=end` in plot order and the maximum
/// reachability seen between it and the current position.
#[derive(Debug, Clone, Copy)]
struct SteepDown {
    start: usize,
    end: usize,
    mib: f64,
}

/// Extends a steep area from `start` while points are steep, allowing at most
/// `min_samples` consecutive non-steep points that do not go the other way
/// (`xward`); returns the last steep index.
fn extend_region(steep: &[bool], xward: &[bool], start: usize, min_samples: usize) -> usize {
    let mut non_xward = 0;
    let mut end = start;
    for i in start..steep.len() {
        if steep[i] {
            non_xward = 0;
            end = i;
        } else if !xward[i] {
            non_xward += 1;
            if non_xward > min_samples {
                break;
            }
        } else {
            return end;
        }
    }
    end
}

/// Keeps the steep down areas whose start is still high enough above `mib`
/// and raises their own `mib`; an infinite `mib` drops them all.
fn update_filter_sdas(sdas: &mut Vec<SteepDown>, mib: f64, xi_complement: f64, plot: &[f64]) {
    if mib.is_infinite() {
        sdas.clear();
        return;
    }
    sdas.retain(|d| mib <= plot[d.start] * xi_complement);
    for d in sdas.iter_mut() {
        d.mib = d.mib.max(mib);
    }
}

/// Predecessor correction (Schubert & Gertz 2018, Algorithm 2): shrink the
/// end of `[s, e]` until the end point's predecessor lies inside the cluster
/// or the start is higher than the end.
fn correct_predecessor(
    plot: &[f64],
    pred_plot: &[usize],
    plot_pos: &[usize],
    s: usize,
    mut e: usize,
) -> Option<(usize, usize)> {
    while s < e {
        if plot[s] > plot[e] {
            return Some((s, e));
        }
        let p = pred_plot[e];
        if p != NO_PRED && plot_pos[p] >= s && plot_pos[p] < e {
            return Some((s, e));
        }
        e -= 1;
    }
    None
}

/// The ξ clusters as `(start, end)` in plot order (inclusive), smaller nested
/// clusters before the ones containing them.
fn xi_clusters(
    reach_plot: &[f64],
    pred_plot: &[usize],
    plot_pos: &[usize],
    xi: f64,
    min_samples: usize,
    min_cluster_size: usize,
    predecessor_correction: bool,
) -> Vec<(usize, usize)> {
    let n = reach_plot.len();
    // An ∞ after the end lets a cluster close at the end of the plot.
    let mut plot = reach_plot.to_vec();
    plot.push(f64::INFINITY);
    let xi_complement = 1.0 - xi;
    let down_limit = 1.0 / xi_complement;
    let mut steep_up = vec![false; n];
    let mut steep_down = vec![false; n];
    let mut up = vec![false; n];
    let mut down = vec![false; n];
    for i in 0..n {
        // ∞/∞ and 0/0 are NaN: every comparison false, as in numpy.
        let ratio = plot[i] / plot[i + 1];
        steep_up[i] = ratio <= xi_complement;
        steep_down[i] = ratio >= down_limit;
        down[i] = ratio > 1.0;
        up[i] = ratio < 1.0;
    }

    let mut sdas: Vec<SteepDown> = Vec::new();
    let mut clusters = Vec::new();
    let mut index = 0;
    let mut mib = 0.0f64;
    for steep_index in 0..n {
        if !(steep_up[steep_index] || steep_down[steep_index]) || steep_index < index {
            continue;
        }
        for &v in &plot[index..=steep_index] {
            mib = mib.max(v);
        }
        update_filter_sdas(&mut sdas, mib, xi_complement, &plot);
        if steep_down[steep_index] {
            let d_end = extend_region(&steep_down, &up, steep_index, min_samples);
            sdas.push(SteepDown {
                start: steep_index,
                end: d_end,
                mib: 0.0,
            });
            index = d_end + 1;
            mib = plot[index];
        } else {
            let u_start = steep_index;
            let u_end = extend_region(&steep_up, &down, u_start, min_samples);
            index = u_end + 1;
            mib = plot[index];
            let mut u_clusters = Vec::new();
            for d in &sdas {
                let mut c_start = d.start;
                let mut c_end = u_end;
                // The cluster must end above the steep down area's mib.
                if plot[c_end + 1] * xi_complement < d.mib {
                    continue;
                }
                let d_max = plot[d.start];
                if d_max * xi_complement >= plot[c_end + 1] {
                    while c_start < d.end && plot[c_start + 1] > plot[c_end + 1] {
                        c_start += 1;
                    }
                } else if plot[c_end + 1] * xi_complement >= d_max {
                    while c_end > u_start && plot[c_end - 1] > d_max {
                        c_end -= 1;
                    }
                }
                if predecessor_correction {
                    match correct_predecessor(&plot, pred_plot, plot_pos, c_start, c_end) {
                        Some((s, e)) => {
                            c_start = s;
                            c_end = e;
                        }
                        None => continue,
                    }
                }
                if c_end + 1 - c_start < min_cluster_size || c_start > d.end || c_end < u_start {
                    continue;
                }
                u_clusters.push((c_start, c_end));
            }
            u_clusters.reverse();
            clusters.extend(u_clusters);
        }
    }
    clusters
}

/// scikit-learn's `cluster_optics_xi` labels: clusters are taken in the
/// order of [`xi_clusters`] (inner before outer); a cluster is labelled only
/// if none of its points is labelled yet. Points outside every labelled
/// cluster are noise.
pub(crate) fn cluster_optics_xi(
    reachability: &[f64],
    predecessor: &[usize],
    ordering: &[usize],
    min_samples: usize,
    min_cluster_size: usize,
    xi: f64,
    predecessor_correction: bool,
) -> Vec<i64> {
    let n = ordering.len();
    let reach_plot: Vec<f64> = ordering.iter().map(|&p| reachability[p]).collect();
    let pred_plot: Vec<usize> = ordering.iter().map(|&p| predecessor[p]).collect();
    let mut plot_pos = vec![0; n];
    for (i, &p) in ordering.iter().enumerate() {
        plot_pos[p] = i;
    }
    let clusters = xi_clusters(
        &reach_plot,
        &pred_plot,
        &plot_pos,
        xi,
        min_samples,
        min_cluster_size,
        predecessor_correction,
    );
    let mut plot_labels = vec![NOISE; n];
    let mut label = 0i64;
    for (s, e) in clusters {
        if plot_labels[s..=e].iter().all(|&l| l == NOISE) {
            plot_labels[s..=e].fill(label);
            label += 1;
        }
    }
    let mut labels = vec![NOISE; n];
    for (i, &p) in ordering.iter().enumerate() {
        labels[p] = plot_labels[i];
    }
    labels
}
