#!/usr/bin/env python3
"""Time scikit-learn's GaussianMixture per EM iteration against ours, in one run.

    cargo build --release -p clusterlab-em --example em_bench
    python3 crates/em/scripts/time_sklearn_em.py [--n 100000,1000000] [--d 2,10] [--k 5]

For each configuration the script first runs our bench binary
(target/release/examples/em_bench) on it, which times our EM and exports the
generated data and the starting models, then times scikit-learn on exactly
that data from exactly those models (weights_init, means_init,
precisions_init), tol = 0 and a fixed number of iterations. Per-iteration
time is measured by difference (1 + T iterations minus 1 iteration), median of
repeats, as the Rust bench does, and the ratio sklearn / ours is printed.
scikit-learn is timed twice, with its BLAS on all cores and on one thread
(threadpoolctl), and the faster of the two is compared (multi-threaded BLAS is
often slower at these shapes); both times are printed.
"""
import json
import os
import re
import subprocess
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

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


def arg_list(flag, default):
    if flag in sys.argv:
        return [int(v) for v in sys.argv[sys.argv.index(flag) + 1].split(",")]
    return default


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
    binary = os.environ.get("EM_BENCH", os.path.join(root, "target", "release", "examples", "em_bench"))
    folder = os.environ.get("EM_BENCH_DIR", "/tmp/embench")
    ns = arg_list("--n", [100_000, 1_000_000])
    ds = arg_list("--d", [2, 10])
    ks = arg_list("--k", [5])
    types = os.environ.get("TYPES", "full,diag,spherical,tied").split(",")
    print("| n | d | k | covariance | scikit-learn, BLAS all cores | scikit-learn, BLAS 1 thread | ours | ratio (best scikit-learn / ours) |")
    print("|---|---|---|---|---|---|---|---|")
    for n in ns:
        for d in ds:
            for k in ks:
                ours_json = os.path.join(folder, f"ours_{n}_{d}_{k}.json")
                subprocess.run(
                    [binary, "--n", str(n), "--d", str(d), "--k", str(k), "--no-linfa",
                     "--export", folder, "--json", ours_json],
                    check=True, stdout=subprocess.DEVNULL,
                )
                ours = {r["covariance_type"]: r["seconds_per_iteration"] for r in json.load(open(ours_json))}
                x = np.fromfile(os.path.join(folder, f"x_{n}x{d}.f64"), dtype="<f8").reshape(n, d)
                for t in types:
                    model = json.load(open(os.path.join(folder, f"start_{n}x{d}_k{k}_{t}.json")))
                    work = n * k * d * d
                    iters, reps = (3, 3) if work > 5e8 else (5, 5)
                    s_all = per_iteration(x, model, iters, reps)
                    with threadpool_limits(limits=1):
                        s_one = per_iteration(x, model, iters, reps)
                    s = min(s_all, s_one)
                    o = ours[t]
                    print(
                        f"| {n} | {d} | {k} | {t} | {s_all * 1e3:.2f} ms | {s_one * 1e3:.2f} ms "
                        f"| {o * 1e3:.2f} ms | {s / o:.1f}× |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
