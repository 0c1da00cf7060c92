"""Sanity check for the `overlap` built-in (crates/data/src/builtin.rs).

Draws the same mixture as the Rust generator (same means, covariances and
sizes, not the same random numbers) and shows that
  * the Bayes-optimal labels (argmax of weight x true density) differ from
    the Voronoi labels (nearest true mean, i.e. what k-means draws with
    perfect centroids) for a sizeable fraction of points, and
  * a full-covariance GaussianMixture recovers the truth better than KMeans.
Run: python3 crates/data/scripts/check_overlap.py
"""
import numpy as np
from scipy.stats import multivariate_normal
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture

# Keep in sync with OVERLAP_COMPONENTS in crates/data/src/builtin.rs.
SIZES = [250, 150, 100]
MEANS = [np.array([0.0, 0.0]), np.array([3.0, 0.5]), np.array([0.0, 3.0])]
COVS = [
    np.array([[9.0, 0.0], [0.0, 0.5]]),
    np.array([[0.1, 0.0], [0.0, 0.1]]),
    np.array([[0.6, 0.0], [0.0, 0.6]]),
]


def sample(n_scale, rng):
    xs, ys = [], []
    for j, (m, c, s) in enumerate(zip(MEANS, COVS, SIZES)):
        xs.append(rng.multivariate_normal(m, c, size=s * n_scale))
        ys.append(np.full(s * n_scale, j))
    return np.vstack(xs), np.concatenate(ys)


def bayes_labels(x):
    w = np.array(SIZES, dtype=float) / sum(SIZES)
    dens = np.column_stack(
        [w[j] * multivariate_normal(MEANS[j], COVS[j]).pdf(x) for j in range(3)]
    )
    return dens.argmax(axis=1)


def voronoi_labels(x):
    d = np.column_stack([((x - m) ** 2).sum(axis=1) for m in MEANS])
    return d.argmin(axis=1)


rng = np.random.default_rng(0)
x, y = sample(200, rng)
b, v = bayes_labels(x), voronoi_labels(x)
print(f"Bayes vs Voronoi (true means) disagree on {np.mean(b != v):.3f} of points")
print(f"Bayes accuracy {np.mean(b == y):.3f}, Voronoi accuracy {np.mean(v == y):.3f}")

ari_km, ari_gm = [], []
for seed in range(20):
    x, y = sample(1, np.random.default_rng(100 + seed))
    km = KMeans(3, n_init=10, random_state=seed).fit_predict(x)
    gm = GaussianMixture(3, random_state=seed).fit(x).predict(x)
    ari_km.append(adjusted_rand_score(y, km))
    ari_gm.append(adjusted_rand_score(y, gm))
print(f"500-point samples, 20 seeds: ARI k-means {np.mean(ari_km):.3f}, "
      f"GMM full {np.mean(ari_gm):.3f}; GMM better in {sum(g > k for g, k in zip(ari_gm, ari_km))}/20")
