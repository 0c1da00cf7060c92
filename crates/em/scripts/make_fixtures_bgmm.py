#!/usr/bin/env python3
"""Write crates/em/tests/fixtures/sklearn_bgmm.json: scikit-learn
BayesianGaussianMixture runs from fixed one-hot responsibilities, for
`tests/bgmm_agreement.rs`.

    /work/venv/bin/python crates/em/scripts/make_fixtures_bgmm.py

For each dataset (three 2-D blobs, iris's four features, Old Faithful), each
weight prior (dirichlet_process, dirichlet_distribution) and each covariance
type (full, diag, spherical, tied), the start is the one-hot responsibilities
of fixed labels (scikit-learn's KMeans(k_max, n_init=1, random_state=0)
labels, stored in the fixture). scikit-learn is started from them by
overriding `_initialize_parameters` to call `_initialize(X, resp)` (exactly
what its own k-means init does with its labels), with the default priors,
`tol = 0` and `max_iter = M` for M in (1, 30), so it runs exactly M
iterations. A few cases also set `weight_concentration_prior`.

Recorded per case: scikit-learn's lower_bounds_ (the total variational bound
after each iteration, constants dropped), weights_, means_, covariances_,
mean_precision_, degrees_of_freedom_, n_iter_ and predict(X).
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture

warnings.filterwarnings("ignore", category=ConvergenceWarning)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "sklearn_bgmm.json")
TYPES = ["full", "diag", "spherical", "tied"]
PRIORS = ["dirichlet_process", "dirichlet_distribution"]
ITERS = [1, 30]


def read_csv(name, drop=()):
    with open(os.path.join(ROOT, "datasets", name)) as f:
        header = f.readline().strip().split(",")
        keep = [i for i, h in enumerate(header) if h.lower() not in drop]
        rows = [line.strip().split(",") for line in f if line.strip()]
        rows = [[float(r[i]) for i in keep] for r in rows]
    return np.array(rows, dtype=float)


def datasets():
    rng = np.random.default_rng(151)
    centres = [[0.0, 0.0], [4.0, 1.0], [1.0, 4.5]]
    covs = [[[1.0, 0.5], [0.5, 0.8]], [[0.5, -0.2], [-0.2, 1.2]], [[1.5, 0.0], [0.0, 0.4]]]
    parts = [rng.multivariate_normal(c, s, size=60) for c, s in zip(centres, covs)]
    blobs = np.round(np.vstack(parts)[rng.permutation(180)], 6)
    return [
        ("blobs2d", blobs, 6),
        ("iris", read_csv("iris.csv", drop=("label",)), 6),
        ("faithful", read_csv("faithful.csv"), 5),
    ]


class FromLabels(BayesianGaussianMixture):
    """BayesianGaussianMixture whose start is the one-hot responsibilities of fixed labels."""

    start_labels = None

    def _initialize_parameters(self, X, random_state, xp=None):
        resp = np.zeros((X.shape[0], self.n_components))
        resp[np.arange(X.shape[0]), self.start_labels] = 1.0
        self._initialize(X, resp)


def run(x, labels, k, prior, ctype, m, gamma=None):
    FromLabels.start_labels = labels
    b = FromLabels(
        n_components=k,
        covariance_type=ctype,
        weight_concentration_prior_type=prior,
        weight_concentration_prior=gamma,
        tol=0.0,
        max_iter=m,
        random_state=0,
    ).fit(x)
    assert b.n_iter_ == m and len(b.lower_bounds_) == m
    assert all(np.asarray(v).size == 1 for v in b.lower_bounds_)
    return {
        "lower_bounds": [float(np.asarray(v).reshape(-1)[0]) for v in b.lower_bounds_],
        "weights": b.weights_.tolist(),
        "means": b.means_.tolist(),
        "covariances": np.asarray(b.covariances_).tolist(),
        "mean_precision": b.mean_precision_.tolist(),
        "degrees_of_freedom": np.atleast_1d(b.degrees_of_freedom_).tolist(),
        "n_iter": int(b.n_iter_),
        "labels": b.predict(x).tolist(),
    }


def main():
    data = datasets()
    out = {
        "generator": "crates/em/scripts/make_fixtures_bgmm.py",
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "datasets": {},
        "cases": [],
    }
    for name, x, k in data:
        labels = KMeans(n_clusters=k, n_init=1, random_state=0).fit(x).labels_
        out["datasets"][name] = {"x": x.tolist(), "labels": labels.tolist(), "k": k}
        for prior in PRIORS:
            for ctype in TYPES:
                for m in ITERS:
                    case = {"dataset": name, "weight_prior": prior, "covariance_type": ctype,
                            "max_iter": m, "weight_concentration": None}
                    case["sklearn"] = run(x, labels, k, prior, ctype, m)
                    out["cases"].append(case)
        for prior, gamma in [("dirichlet_process", 5.0), ("dirichlet_distribution", 1e-3)]:
            case = {"dataset": name, "weight_prior": prior, "covariance_type": "full",
                    "max_iter": 30, "weight_concentration": gamma}
            case["sklearn"] = run(x, labels, k, prior, "full", 30, gamma)
            out["cases"].append(case)
    with open(OUT, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(out['cases'])} cases to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
