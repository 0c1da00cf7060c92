//! What a result does not say by itself: the warnings every output of a fit
//! carries (`fit`'s summary and its JSON `warnings`, `compare`'s rows and
//! page). A clustering that asked for k clusters but left some empty, a
//! feature that is constant in the data the algorithm saw, and EM's own
//! warnings (re-seeds, singular covariances, underflowed densities).

use ndarray::ArrayView2;

use crate::{Clustering, Extras};

/// Every warning about `c`, fitted on `x`; `names` are the features' names
/// (else they are called by their 1-based column).
pub fn warnings(c: &Clustering, x: ArrayView2<f64>, names: Option<&[String]>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(k) = asked_k(c) {
        let empty = empty_clusters(&c.labels, k);
        if !empty.is_empty() {
            out.push(describe_empty(&empty, k));
        }
    }
    for j in constant_columns(x) {
        let name = names
            .and_then(|n| n.get(j))
            .map_or_else(|| format!("column {}", j + 1), |n| format!("'{n}'"));
        out.push(format!(
            "feature {name} is constant (every value {}) in the data fitted: it carries no information",
            x[[0, j]]
        ));
    }
    if let Extras::Gmm(fit) = &c.extras {
        out.extend(fit.warnings.iter().cloned());
    }
    out
}

/// The number of clusters the algorithm was asked for, when it takes one.
fn asked_k(c: &Clustering) -> Option<usize> {
    match &c.extras {
        Extras::KMeans { centroids, .. } => Some(centroids.nrows()),
        Extras::KMedoids { medoids, .. } => Some(medoids.len()),
        Extras::Gmm(fit) => Some(fit.n_components()),
        _ => None,
    }
}

/// The clusters `0..k` no point is labelled with, ascending.
pub fn empty_clusters(labels: &[i64], k: usize) -> Vec<usize> {
    let mut count = vec![0usize; k];
    for &l in labels {
        if let Ok(l) = usize::try_from(l) {
            if l < k {
                count[l] += 1;
            }
        }
    }
    (0..k).filter(|&j| count[j] == 0).collect()
}

fn describe_empty(empty: &[usize], k: usize) -> String {
    let list: Vec<String> = empty.iter().map(|j| j.to_string()).collect();
    let (noun, verb) = if empty.len() == 1 {
        ("cluster", "is")
    } else {
        ("clusters", "are")
    };
    format!(
        "{noun} {} {verb} empty: {k} clusters were asked for but only {} have points (fewer distinct points than k, or a cluster lost all its points)",
        list.join(", "),
        k - empty.len()
    )
}

/// The columns whose every value is the same, ascending (none without rows).
pub fn constant_columns(x: ArrayView2<f64>) -> Vec<usize> {
    if x.nrows() < 2 {
        return Vec::new();
    }
    x.columns()
        .into_iter()
        .enumerate()
        .filter(|(_, c)| c.iter().all(|v| *v == c[0]))
        .map(|(j, _)| j)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn empty_clusters_by_hand() {
        assert_eq!(empty_clusters(&[0, 0, 2, -1], 4), vec![1, 3]);
        assert_eq!(empty_clusters(&[1, 0], 2), Vec::<usize>::new());
        assert_eq!(
            describe_empty(&[2], 3),
            "cluster 2 is empty: 3 clusters were asked for but only 2 have points (fewer distinct points than k, or a cluster lost all its points)"
        );
    }

    #[test]
    fn constant_columns_by_hand() {
        let x = array![[1.0, 3.0, 0.0], [2.0, 3.0, 0.0], [5.0, 3.0, -0.0]];
        assert_eq!(constant_columns(x.view()), vec![1, 2]);
        assert_eq!(
            constant_columns(x.slice(ndarray::s![..1, ..])),
            Vec::<usize>::new()
        );
    }
}
