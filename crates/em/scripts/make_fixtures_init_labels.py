#!/usr/bin/env python3
"""Write crates/em/tests/fixtures/sklearn_init_labels.json: scikit-learn
GaussianMixture runs started from a hard partition, for
`tests/init_labels.rs` (our `Init::Labels` / `fit gmm --init-labels`).

    /work/venv/bin/python crates/em/scripts/make_fixtures_init_labels.py

For iris (four features, k = 3) and Old Faithful (k = 2), a deterministic
partition is cut: the rows sorted by their first principal coordinate and
split into k groups of (nearly) equal size. scikit-learn's own start from
responsibilities, `GaussianMixture._initialize(X, resp)` with the one-hot
responsibilities of that partition, gives the first model (an M-step with
reg_covar = 1e-6); scikit-learn is then run from exactly that model
(weights_init, means_init, precisions_init) with tol = 0 and max_iter = M for
M in (1, 10), so it runs exactly M E+M iterations after the first M-step,
which is our contract for `n_iter` with `--init-labels`.

Recorded per case: dataset, k, covariance type, M, the labels, the model of
the first M-step, and scikit-learn's weights_, means_, covariances_,
lower_bounds_ and score(X).
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

warnings.filterwarnings("ignore", category=ConvergenceWarning)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "sklearn_init_labels.json")
TYPES = ["full", "diag", "spherical", "tied"]
ITERS = [1, 10]
REG = 1e-6


def read_csv(name, drop=()):
    with open(os.path.join(ROOT, "datasets", name)) as f:
        header = f.readline().strip().split(",")
        keep = [i for i, h in enumerate(header) if h not in drop]
        rows = [
            [float(line.strip().split(",")[i]) for i in keep] for line in f if line.strip()
        ]
    return np.array(rows, dtype=float)


def partition(x, k):
    """Rows sorted by the first principal coordinate, cut into k equal runs."""
    z = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(z, full_matrices=False)
    order = np.argsort(z @ vt[0], kind="stable")
    labels = np.empty(len(x), dtype=int)
    for j, chunk in enumerate(np.array_split(order, k)):
        labels[chunk] = j
    return labels


def precisions(gm):
    c = gm.precisions_cholesky_
    if gm.covariance_type == "full":
        return np.array([u @ u.T for u in c])
    if gm.covariance_type == "tied":
        return c @ c.T
    return c**2


def main():
    data = [
        ("iris", read_csv("iris.csv", drop=("label",)), 3),
        ("faithful", read_csv("faithful.csv"), 2),
    ]
    out = {
        "generator": "crates/em/scripts/make_fixtures_init_labels.py",
        "sklearn_version": sklearn.__version__,
        "reg_covar": REG,
        "datasets": {name: x.tolist() for name, x, _ in data},
        "cases": [],
    }
    for name, x, k in data:
        labels = partition(x, k)
        resp = np.eye(k)[labels]
        for ctype in TYPES:
            first = GaussianMixture(n_components=k, covariance_type=ctype, reg_covar=REG)
            first._initialize(x, resp)
            for m in ITERS:
                gm = GaussianMixture(
                    n_components=k,
                    covariance_type=ctype,
                    weights_init=first.weights_,
                    means_init=first.means_,
                    precisions_init=precisions(first),
                    tol=0.0,
                    max_iter=m,
                    reg_covar=REG,
                ).fit(x)
                assert gm.n_iter_ == m
                out["cases"].append(
                    {
                        "name": f"{name}/{ctype}/{m}",
                        "dataset": name,
                        "k": k,
                        "covariance_type": ctype,
                        "max_iter": m,
                        "labels": labels.tolist(),
                        "first": {
                            "weights": first.weights_.tolist(),
                            "means": first.means_.tolist(),
                            "covariances": np.asarray(first.covariances_).tolist(),
                        },
                        "sklearn": {
                            "weights": gm.weights_.tolist(),
                            "means": gm.means_.tolist(),
                            "covariances": np.asarray(gm.covariances_).tolist(),
                            "lower_bounds": list(gm.lower_bounds_),
                            "score": gm.score(x),
                        },
                    }
                )
    with open(OUT, "w") as f:
        json.dump(out, f)
        f.write("\n")
    print(f"wrote {len(out['cases'])} cases to {OUT}")


if __name__ == "__main__":
    main()
