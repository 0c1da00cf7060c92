#!/usr/bin/env python3
"""Write crates/em/tests/fixtures/sklearn_gmm.json: scikit-learn GaussianMixture runs
from fixed starting models, for `tests/sklearn_agreement.rs`.

    python3 crates/em/scripts/make_sklearn_fixtures.py

For each dataset (the seed's six 1-D points, three overlapping 2-D blobs with
unequal covariances, a 3-D set of three groups, iris's four features, Old
Faithful) and each covariance type (full, diag, spherical, tied), a starting
model is built deterministically (the seed's own start for the six points; a
perturbed k-means partition for the others) and scikit-learn is run from it:

    GaussianMixture(n_components=k, covariance_type=t, weights_init=w,
                    means_init=mu, precisions_init=inverse of the start covariances,
                    tol=0, max_iter=M, reg_covar=1e-6).fit(X)

for M in (1, 5, 25). With tol = 0 it never converges, so it runs exactly M
iterations (its ConvergenceWarning is expected and silenced). The contract
matched: the given weights, means and covariances are used exactly for the
first E-step (no reg_covar added), as scikit-learn does with precisions_init.

Recorded per case: the dataset name, k, covariance type, M, the start model in
our JSON model shape ({covariance_type, weights, means, covariances}, shaped as
scikit-learn shapes them), scikit-learn's weights_, means_, covariances_,
lower_bounds_ (one per iteration: the mean log-likelihood of that iteration's
E-step), n_iter_, converged_, score(X) (mean log-likelihood of the final model)
and predict_proba(X). Datasets are stored once, under "datasets".
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

warnings.filterwarnings("ignore", category=ConvergenceWarning)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "sklearn_gmm.json")
TYPES = ["full", "diag", "spherical", "tied"]
ITERS = [1, 5, 25]
REG = 1e-6


def read_csv(name, drop=()):
    path = os.path.join(ROOT, "datasets", name)
    with open(path) as f:
        header = f.readline().strip().split(",")
        keep = [i for i, h in enumerate(header) if h not in drop]
        rows = []
        for line in f:
            line = line.strip()
            if line:
                vals = line.split(",")
                rows.append([float(vals[i]) for i in keep])
    return np.array(rows, dtype=float)


def blobs(rng, centres, covs, sizes):
    parts = [
        rng.multivariate_normal(np.asarray(c, float), np.asarray(s, float), size=m)
        for c, s, m in zip(centres, covs, sizes)
    ]
    x = np.vstack(parts)
    return x[rng.permutation(len(x))]


def datasets():
    rng = np.random.default_rng(20240611)
    seed6 = np.array([[0.80], [1.10], [1.40], [4.70], [5.10], [5.50]])
    blobs2d = blobs(
        rng,
        centres=[[0.0, 0.0], [3.0, 1.0], [1.0, 3.5]],
        covs=[
            [[1.0, 0.6], [0.6, 0.8]],
            [[0.4, -0.2], [-0.2, 1.5]],
            [[2.0, 0.0], [0.0, 0.3]],
        ],
        sizes=[50, 50, 50],
    )
    blobs3d = blobs(
        rng,
        centres=[[0.0, 0.0, 0.0], [4.0, 1.0, -1.0], [1.0, 4.0, 2.0]],
        covs=[
            [[1.0, 0.3, 0.1], [0.3, 1.2, -0.2], [0.1, -0.2, 0.7]],
            [[0.5, 0.0, 0.2], [0.0, 2.0, 0.4], [0.2, 0.4, 1.0]],
            [[1.5, -0.5, 0.0], [-0.5, 0.6, 0.0], [0.0, 0.0, 0.4]],
        ],
        sizes=[50, 40, 30],
    )
    # Round generated data so the JSON text is short and exact.
    blobs2d = np.round(blobs2d, 6)
    blobs3d = np.round(blobs3d, 6)
    iris = read_csv("iris.csv", drop=("label",))
    faithful = read_csv("faithful.csv")
    return [
        ("seed6", seed6, 2),
        ("blobs2d", blobs2d, 3),
        ("blobs3d", blobs3d, 3),
        ("iris", iris, 3),
        ("faithful", faithful, 2),
    ]


def start_model(name, x, k, ctype):
    """A deterministic starting model of the given type: for the seed, the
    seed's own start; otherwise a k-means partition's statistics, perturbed so
    EM has work to do (means moved by a fixed fraction of the data's spread,
    covariances inflated, weights pulled towards uniform)."""
    n, d = x.shape
    if name == "seed6":
        weights = np.array([0.5, 0.5])
        means = np.array([[1.6], [4.4]])
        full = np.array([[[1.0]], [[1.0]]])
    else:
        labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit(x).labels_
        sd = x.std(axis=0)
        prng = np.random.default_rng(7)
        weights = np.empty(k)
        means = np.empty((k, d))
        full = np.empty((k, d, d))
        for j in range(k):
            xj = x[labels == j]
            weights[j] = len(xj) / n
            means[j] = xj.mean(axis=0) + 0.3 * sd * prng.standard_normal(d)
            c = np.cov(xj, rowvar=False, bias=True).reshape(d, d)
            full[j] = 1.5 * c + 0.05 * np.diag(sd**2)
        weights = 0.6 * weights + 0.4 / k
        weights /= weights.sum()
    if ctype == "full":
        cov = full
    elif ctype == "diag":
        cov = np.array([np.diag(c) for c in full])
    elif ctype == "spherical":
        cov = np.array([np.diag(c).mean() for c in full])
    else:
        cov = np.einsum("j,jab->ab", weights, full)
    if ctype in ("full", "tied"):
        # Exactly symmetric.
        cov = 0.5 * (cov + np.swapaxes(cov, -1, -2))
    return weights, means, cov


def precisions_of(cov, ctype):
    if ctype == "full":
        p = np.array([np.linalg.inv(c) for c in cov])
        return 0.5 * (p + np.swapaxes(p, -1, -2))
    if ctype == "tied":
        p = np.linalg.inv(cov)
        return 0.5 * (p + p.T)
    return 1.0 / cov


def main():
    data = datasets()
    out = {
        "generator": "crates/em/scripts/make_sklearn_fixtures.py",
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "reg_covar": REG,
        "datasets": {name: x.tolist() for name, x, _ in data},
        "cases": [],
    }
    for name, x, k in data:
        for ctype in TYPES:
            weights, means, cov = start_model(name, x, k, ctype)
            for m in ITERS:
                gm = GaussianMixture(
                    n_components=k,
                    covariance_type=ctype,
                    weights_init=weights,
                    means_init=means,
                    precisions_init=precisions_of(cov, ctype),
                    tol=0.0,
                    max_iter=m,
                    reg_covar=REG,
                    random_state=0,
                ).fit(x)
                if not hasattr(gm, "lower_bounds_"):
                    raise SystemExit("this scikit-learn has no lower_bounds_ (need ≥ 1.5)")
                assert gm.n_iter_ == m and not gm.converged_
                assert len(gm.lower_bounds_) == m
                out["cases"].append(
                    {
                        "name": f"{name}/{ctype}/{m}",
                        "dataset": name,
                        "k": k,
                        "covariance_type": ctype,
                        "max_iter": m,
                        "start": {
                            "covariance_type": ctype,
                            "weights": weights.tolist(),
                            "means": means.tolist(),
                            "covariances": cov.tolist(),
                        },
                        "sklearn": {
                            "weights": gm.weights_.tolist(),
                            "means": gm.means_.tolist(),
                            "covariances": gm.covariances_.tolist(),
                            "lower_bounds": [float(v) for v in gm.lower_bounds_],
                            "lower_bound": float(gm.lower_bound_),
                            "n_iter": int(gm.n_iter_),
                            "converged": bool(gm.converged_),
                            "score": float(gm.score(x)),
                            "predict_proba": gm.predict_proba(x).tolist(),
                        },
                    }
                )
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(out['cases'])} cases to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
