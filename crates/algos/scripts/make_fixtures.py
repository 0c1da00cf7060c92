#!/usr/bin/env python3
"""Writes crates/algos/tests/fixtures/*.json: small deterministic datasets
and what scikit-learn 1.9 (DBSCAN, OPTICS, HDBSCAN, KMeans) and the Python
`kmedoids` package (FasterPAM) compute on them. The Rust tests read these
files and never run Python.

    python3 crates/algos/scripts/make_fixtures.py

Infinite values (OPTICS core/reachability distances) are written as null.
"""
import json
import math
import os

import numpy as np
import sklearn
import kmedoids
from sklearn.cluster import DBSCAN, HDBSCAN, KMeans, OPTICS, cluster_optics_dbscan
from sklearn.datasets import make_moons
from scipy.spatial.distance import cdist

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")


def blobs_noise_2d():
    rng = np.random.default_rng(1)
    parts = [
        rng.normal([0.0, 0.0], 0.5, size=(120, 2)),
        rng.normal([5.0, 5.0], 0.8, size=(100, 2)),
        rng.normal([0.0, 6.0], 0.3, size=(80, 2)),
        rng.uniform(-3.0, 9.0, size=(40, 2)),
    ]
    return np.vstack(parts)


def moons():
    x, _ = make_moons(n_samples=300, noise=0.06, random_state=3)
    return x


def varied_3d():
    rng = np.random.default_rng(2)
    centers = [[0, 0, 0], [4, 4, 0], [0, 5, 5], [6, 0, 6]]
    stds = [0.4, 1.0, 0.6, 0.25]
    sizes = [150, 120, 80, 50]
    parts = [rng.normal(c, s, size=(m, 3)) for c, s, m in zip(centers, stds, sizes)]
    parts.append(rng.uniform(-2, 8, size=(30, 3)))
    return np.vstack(parts)


def grid():
    """Integer lattice (with holes) plus a finer lattice: exact distance ties."""
    a = [(i, j) for i in range(12) for j in range(12) if (i * 7 + j * 3) % 11 != 0]
    b = [(20 + 0.5 * i, 20 + 0.5 * j) for i in range(6) for j in range(6)]
    c = [(40.0, 0.0), (-10.0, 30.0)]
    return np.array(a + b + c, dtype=float)


def fin(v):
    return [None if not math.isfinite(t) else float(t) for t in v]


def ints(v):
    return [int(t) for t in v]


def dbscan_cases(x, cases):
    out = []
    for eps, ms in cases:
        m = DBSCAN(eps=eps, min_samples=ms).fit(x)
        out.append({"eps": eps, "min_samples": ms, "labels": ints(m.labels_),
                    "core_points": ints(m.core_sample_indices_)})
    return out


def optics_cases(x, cases):
    out = []
    for c in cases:
        kw = dict(min_samples=c["min_samples"], max_eps=c.get("max_eps", np.inf),
                  xi=c.get("xi", 0.05), min_cluster_size=c.get("min_cluster_size"))
        m = OPTICS(**kw).fit(x)
        case = {
            "min_samples": c["min_samples"],
            "max_eps": None if not math.isfinite(kw["max_eps"]) else kw["max_eps"],
            "xi": kw["xi"],
            "min_cluster_size": kw["min_cluster_size"],
            "ordering": ints(m.ordering_),
            "core_distances": fin(m.core_distances_),
            "reachability": fin(m.reachability_),
            "predecessor": ints(m.predecessor_),
            "xi_labels": ints(m.labels_),
            "dbscan_cuts": [],
        }
        for eps in c.get("cuts", []):
            lab = cluster_optics_dbscan(reachability=m.reachability_,
                                        core_distances=m.core_distances_,
                                        ordering=m.ordering_, eps=eps)
            case["dbscan_cuts"].append({"eps": eps, "labels": ints(lab)})
        out.append(case)
    return out


def hdbscan_cases(x, cases):
    out = []
    for mcs, ms in cases:
        m = HDBSCAN(min_cluster_size=mcs, min_samples=ms, copy=True).fit(x)
        out.append({"min_cluster_size": mcs, "min_samples": ms,
                    "labels": ints(m.labels_),
                    "probabilities": [float(p) for p in m.probabilities_]})
    return out


def kmeans_cases(x, ks):
    out = []
    for k in ks:
        m = KMeans(n_clusters=k, n_init=10, random_state=0).fit(x)
        out.append({"k": k, "inertia": float(m.inertia_), "labels": ints(m.labels_)})
    return out


def kmedoids_cases(x, ks):
    diss = cdist(x, x)
    out = []
    for k in ks:
        runs = [kmedoids.fasterpam(diss, k, max_iter=100, init="random", random_state=s)
                for s in range(10)]
        best = min(runs, key=lambda r: r.loss)
        out.append({"k": k, "loss_seed0": float(runs[0].loss), "loss_best_of_10": float(best.loss),
                    "medoids_best": ints(best.medoids)})
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    datasets = {
        "blobs_noise_2d": (blobs_noise_2d(), dict(
            dbscan=[(0.5, 5), (0.8, 10), (0.3, 1)],
            optics=[dict(min_samples=5, cuts=[0.5, 0.8]),
                    dict(min_samples=10, xi=0.1, min_cluster_size=0.05, cuts=[0.6]),
                    dict(min_samples=5, max_eps=2.0, cuts=[0.5, 2.0])],
            hdbscan=[(10, None), (15, 5)],
            kmeans=[3, 4], kmedoids=[3, 5])),
        "moons": (moons(), dict(
            dbscan=[(0.15, 5), (0.2, 8)],
            optics=[dict(min_samples=5, cuts=[0.15]), dict(min_samples=0.05, cuts=[0.2])],
            hdbscan=[(10, None), (20, 3)],
            kmeans=[2, 5], kmedoids=[2, 5])),
        "varied_3d": (varied_3d(), dict(
            dbscan=[(0.7, 8), (1.2, 5)],
            optics=[dict(min_samples=8, cuts=[0.7]),
                    dict(min_samples=5, xi=0.03, min_cluster_size=12, cuts=[1.0])],
            hdbscan=[(20, 10), (8, None)],
            kmeans=[4], kmedoids=[4])),
        "grid": (grid(), dict(
            dbscan=[(1.0, 4), (1.5, 9), (0.5, 5)],
            optics=[dict(min_samples=4, cuts=[1.0, 0.5]),
                    dict(min_samples=9, max_eps=1.5, cuts=[1.5])],
            hdbscan=[],
            kmeans=[], kmedoids=[])),
    }
    for name, (x, spec) in datasets.items():
        doc = {
            "name": name,
            "generator": f"crates/algos/scripts/make_fixtures.py (scikit-learn {sklearn.__version__}, numpy {np.__version__})",
            "x": x.tolist(),
            "dbscan": dbscan_cases(x, spec["dbscan"]),
            "optics": optics_cases(x, spec["optics"]),
            "hdbscan": hdbscan_cases(x, spec["hdbscan"]),
            "kmeans": kmeans_cases(x, spec["kmeans"]),
            "kmedoids": kmedoids_cases(x, spec["kmedoids"]),
        }
        path = os.path.join(OUT, f"{name}.json")
        with open(path, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
        print(f"{path}: n={len(x)}")


if __name__ == "__main__":
    main()
