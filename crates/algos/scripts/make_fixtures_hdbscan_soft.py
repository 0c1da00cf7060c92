#!/usr/bin/env python3
"""Writes crates/algos/tests/fixtures/hdbscan_soft.json: small deterministic
datasets and what the Python `hdbscan` library computes on them
(labels, and `all_points_membership_vectors`). The Rust tests read the file
and never run Python.

    /work/venv/bin/python crates/algos/scripts/make_fixtures_hdbscan_soft.py

Conventions: our `min_samples` counts the point itself (as scikit-learn's);
the library's does not, so it is given ours − 1, with the exact spanning
tree (`approx_min_span_tree=False`).
"""
import json
import os

import hdbscan
import numpy as np
from hdbscan.prediction import all_points_membership_vectors
from sklearn.datasets import make_moons

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures",
                   "hdbscan_soft.json")


def blobs_noise_2d():
    rng = np.random.default_rng(11)
    parts = [
        rng.normal([0.0, 0.0], 0.5, size=(120, 2)),
        rng.normal([4.0, 4.0], 0.8, size=(100, 2)),
        rng.normal([0.0, 5.0], 0.4, size=(80, 2)),
        rng.uniform(-3.0, 8.0, size=(40, 2)),
    ]
    return np.vstack(parts)


def moons():
    x, _ = make_moons(n_samples=300, noise=0.08, random_state=5)
    return x


def varied_3d():
    rng = np.random.default_rng(12)
    centers = [[0, 0, 0], [4, 4, 0], [0, 5, 5], [6, 0, 6]]
    stds = [0.5, 1.0, 0.7, 0.4]
    sizes = [150, 120, 80, 60]
    parts = [rng.normal(c, s, size=(m, 3)) for c, s, m in zip(centers, stds, sizes)]
    parts.append(rng.uniform(-2, 8, size=(30, 3)))
    return np.vstack(parts)


def case(x, mcs, ms):
    m = hdbscan.HDBSCAN(min_cluster_size=mcs, min_samples=ms - 1,
                        approx_min_span_tree=False, prediction_data=True).fit(x)
    v = all_points_membership_vectors(m)
    if v.ndim == 1:
        v = v.reshape(-1, 1)[:, :0]
    return {
        "min_cluster_size": mcs,
        "min_samples": ms,
        "labels": [int(t) for t in m.labels_],
        "membership_vectors": [[float(t) for t in r] for r in v],
    }


def main():
    sets = {
        "blobs_noise_2d": (blobs_noise_2d(), [(15, 5), (30, 10)]),
        "moons": (moons(), [(10, 5), (20, 8)]),
        "varied_3d": (varied_3d(), [(20, 6), (40, 12)]),
    }
    out = {"hdbscan_version": hdbscan.__version__ if hasattr(hdbscan, "__version__") else "0.8.44",
           "datasets": {}}
    for name, (x, cases) in sets.items():
        out["datasets"][name] = {
            "x": [[float(t) for t in r] for r in x],
            "cases": [case(x, mcs, ms) for mcs, ms in cases],
        }
    with open(OUT, "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
