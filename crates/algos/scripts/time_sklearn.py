#!/usr/bin/env python3
"""Times scikit-learn's DBSCAN, OPTICS and HDBSCAN on the data of the Rust
benchmarks (crates/algos/benches/density.rs): 100k points in 2-D and 10-D
from `blobs(n, dim, centers=5, std=1.0, seed=42)` (scripts/blobs.py, the
same numbers as clusterlab_algos::synth::blobs), with the same parameters.

    python3 crates/algos/scripts/time_sklearn.py            # all six runs
    python3 crates/algos/scripts/time_sklearn.py optics-10d dbscan-2d

Each run is timed once (they take a minute or more); prints seconds and the
number of clusters / noise points found.
"""
import os
import sys
import time

import numpy as np
from sklearn.cluster import DBSCAN, HDBSCAN, OPTICS

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blobs import blobs  # noqa: E402

N = 100_000
# name -> (dim, estimator factory); keep in step with benches/density.rs.
RUNS = {
    "dbscan-2d": (2, lambda: DBSCAN(eps=0.1, min_samples=10)),
    "dbscan-10d": (10, lambda: DBSCAN(eps=3.0, min_samples=200)),
    "optics-2d": (2, lambda: OPTICS(min_samples=5, cluster_method="xi", xi=0.05)),
    "optics-10d": (10, lambda: OPTICS(min_samples=5, cluster_method="xi", xi=0.05)),
    "hdbscan-2d": (2, lambda: HDBSCAN(min_cluster_size=500, min_samples=10, copy=True)),
    "hdbscan-10d": (10, lambda: HDBSCAN(min_cluster_size=500, min_samples=10, copy=True)),
}


def main(names):
    data = {}
    for name in names:
        dim, make = RUNS[name]
        if dim not in data:
            data[dim] = blobs(N, dim, 5, 1.0, 42)
        x = data[dim]
        est = make()
        t = time.perf_counter()
        est.fit(x)
        secs = time.perf_counter() - t
        labels = est.labels_
        k = int(labels.max()) + 1 if labels.size else 0
        noise = int((labels == -1).sum())
        print(f"{name:12s} {secs:8.2f} s   clusters {k:5d}   noise {noise:6d}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or list(RUNS))
