#!/usr/bin/env python3
"""Time scikit-learn's GaussianMixture per EM iteration on the data em_bench exports.

    cargo run --release -p clusterlab-em --example em_bench -- --export /tmp/embench --json /tmp/embench/ours.json
    python3 crates/em/scripts/time_sklearn_em.py /tmp/embench

Same data, same starting model (weights_init, means_init, precisions_init),
tol = 0 and a fixed number of iterations; the per-iteration time is measured
by difference (1 + T iterations minus 1 iteration), median of repeats, as the
Rust bench does. If ours.json is present, prints the ratio sklearn / ours.
Set OMP_NUM_THREADS / OPENBLAS_NUM_THREADS to control sklearn's BLAS threads.
"""
import glob
import json
import os
import re
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def precisions(model):
    t = model["covariance_type"]
    c = np.asarray(model["covariances"], dtype=float)
    if t == "full":
        return np.array([np.linalg.inv(ci) for ci in c])
    if t == "tied":
        return np.linalg.inv(c)
    return 1.0 / c


def per_iteration(x, model, iters, reps):
    k = len(model["weights"])

    def run(m):
        gm = GaussianMixture(
            n_components=k,
            covariance_type=model["covariance_type"],
            weights_init=np.asarray(model["weights"]),
            means_init=np.asarray(model["means"]),
            precisions_init=precisions(model),
            tol=0.0,
            max_iter=m,
            reg_covar=1e-6,
        )
        t = time.perf_counter()
        gm.fit(x)
        return time.perf_counter() - t

    samples = [(run(1 + iters) - run(1)) / iters for _ in range(reps)]
    return float(np.median(samples))


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "/tmp/embench"
    max_work = float(os.environ.get("MAX_WORK", "2e9"))
    ours = {}
    ours_path = os.path.join(folder, "ours.json")
    if os.path.exists(ours_path):
        for row in json.load(open(ours_path)):
            ours[(row["n"], row["d"], row["k"], row["covariance_type"])] = row["seconds_per_iteration"]
    print("| n | d | k | covariance | scikit-learn ms/iter | ours ms/iter | ratio |")
    print("|---|---|---|---|---|---|---|")
    for start in sorted(glob.glob(os.path.join(folder, "start_*.json"))):
        m = re.match(r"start_(\d+)x(\d+)_k(\d+)_(\w+)\.json", os.path.basename(start))
        n, d, k, t = int(m[1]), int(m[2]), int(m[3]), m[4]
        if n * k * d * d > max_work:
            continue
        x = np.fromfile(os.path.join(folder, f"x_{n}x{d}.f64"), dtype="<f8").reshape(n, d)
        model = json.load(open(start))
        work = n * k * d * d
        iters, reps = (3, 3) if work > 5e8 else (5, 5)
        s = per_iteration(x, model, iters, reps)
        o = ours.get((n, d, k, t))
        ratio = f"{s / o:.1f}×" if o else "–"
        ours_ms = f"{o * 1e3:.2f}" if o else "–"
        print(f"| {n} | {d} | {k} | {t} | {s * 1e3:.2f} | {ours_ms} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
