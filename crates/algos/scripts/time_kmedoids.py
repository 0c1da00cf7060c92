#!/usr/bin/env python3
"""k-medoids at scale: clusterlab's fit (auto: FasterCLARA above 10,000
points) against scikit-learn-extra's CLARA with its defaults, a Python
FasterCLARA written by its definition over the `kmedoids` package's
FasterPAM, and the exact FasterPAM (ours and Python's) where an n x n
matrix is affordable.

Data: `blobs(n, dim, centers=5, std=1.0, seed=42)` (scripts/blobs.py, the
same numbers as clusterlab_algos::synth::blobs), each column z-scored
(population standard deviation), k = 5. The loss is the sum over ALL points
of the euclidean distance to the nearest medoid (for CLARA: to its
`cluster_centers_`, which label the points). Each method runs with seeds
0, 1, 2, ... (`--repeats`); the table gives the median time, the median
loss and the loss range.

    python3 crates/algos/scripts/time_kmedoids.py                  # 100000x2 and 1000000x10
    python3 crates/algos/scripts/time_kmedoids.py --sizes 100000x2 --repeats 5
    python3 crates/algos/scripts/time_kmedoids.py --rust-exact     # + our exact FasterPAM on
                                                                    #   all points (minutes at 100k)

Measured (2 shared cores; medians of 3, seeds 0-2; loss on all points):

    100000 x 2      clusterlab auto = fasterclara (4100/sample)   1.29 s   24449.42
                    scikit-learn-extra CLARA (defaults)           0.07 s   25839.03
                    python FasterCLARA (4100/sample)              2.39 s   24451.44
                    clusterlab fasterpam, all points (1 run)    104.3  s   24437.25
    1000000 x 10    clusterlab auto = fasterclara (4100/sample)   1.29 s  670210.61
                    scikit-learn-extra CLARA (defaults)           0.73 s  802060.45
                    python FasterCLARA (4100/sample)              3.29 s  672447.03
    10000 x 2       clusterlab fasterpam                          0.90 s    2437.06
                    python kmedoids.fasterpam (matrix incl.)      3.48 s    2437.06
    10000 x 10      clusterlab fasterpam                          0.97 s    6832.41
                    python kmedoids.fasterpam (matrix incl.)      3.71 s    6832.41

Needs numpy, scikit-learn-extra (numpy < 2 for its 0.3.0 wheels) and
kmedoids; the Rust side runs the `time_kmedoids` example
(examples/time_kmedoids.rs) in release mode (cargo on PATH, run from the
workspace).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blobs import blobs  # noqa: E402

K = 5
SAMPLES = 5
EXACT_N = 10_000  # the largest n with the exact FasterPAM in both (n x n matrix)


def data(n, dim):
    x = blobs(n, dim, 5, 1.0, 42)
    return (x - x.mean(axis=0)) / x.std(axis=0)


def loss_to(x, centers):
    """Sum over all points of the distance to the nearest of `centers`."""
    total = 0.0
    for start in range(0, len(x), 200_000):
        c = x[start:start + 200_000]
        d2 = ((c[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        total += float(np.sqrt(d2.min(axis=1)).sum())
    return total


def sample_size(n, k):
    """clusterlab's default FasterCLARA sample size."""
    return min(n, 4000 + 20 * k)


def pdist(x):
    """The n x n euclidean distance matrix."""
    from scipy.spatial.distance import pdist as condensed, squareform

    return squareform(condensed(x))


def sklearn_extra_clara(x, seed):
    from sklearn_extra.cluster import CLARA

    t = time.perf_counter()
    c = CLARA(n_clusters=K, random_state=seed).fit(x)
    secs = time.perf_counter() - t
    return secs, loss_to(x, c.cluster_centers_)


def python_fasterclara(x, seed):
    """FasterCLARA by its definition: SAMPLES samples (each holding the best
    medoids so far) of clusterlab's default size, FasterPAM on each, the
    medoids with the lowest loss on all points kept."""
    import kmedoids

    rng = np.random.default_rng(seed)
    n = len(x)
    m = sample_size(n, K)
    best, best_meds = np.inf, np.empty(0, dtype=np.int64)
    t = time.perf_counter()
    for s in range(SAMPLES):
        rest = np.setdiff1d(np.arange(n), best_meds, assume_unique=True)
        idx = np.concatenate([best_meds, rng.choice(rest, m - len(best_meds), replace=False)])
        r = kmedoids.fasterpam(pdist(x[idx]), K, max_iter=100, init="random",
                               random_state=seed * 100 + s)
        meds = idx[np.asarray(r.medoids)]
        loss = loss_to(x, x[meds])
        if loss < best:
            best, best_meds = loss, meds
    return time.perf_counter() - t, best


def python_fasterpam(x, seed):
    import kmedoids

    t = time.perf_counter()
    r = kmedoids.fasterpam(pdist(x), K, max_iter=100, init="random", random_state=seed)
    secs = time.perf_counter() - t  # the n x n matrix included
    return secs, loss_to(x, x[np.asarray(r.medoids)])


def rust(n, dim, repeats, method="auto"):
    env = dict(os.environ, KM_N=str(n), KM_DIM=str(dim), KM_K=str(K),
               KM_REPEATS=str(repeats), KM_METHOD=method)
    out = subprocess.run(
        ["cargo", "run", "--release", "-q", "-p", "clusterlab", "--example", "time_kmedoids"],
        env=env, capture_output=True, text=True, check=True).stdout
    rows = [json.loads(line.split(" ", 1)[1]) for line in out.splitlines()
            if line.startswith("KMEDOIDS_TIMING ")]
    label = rows[0]["method"] + (f" ({rows[0]['sample_n']}/sample)" if rows[0]["sample_n"] else "")
    return label, [(r["seconds"], r["loss"]) for r in rows]


def row(name, runs):
    secs = statistics.median(r[0] for r in runs)
    losses = [r[1] for r in runs]
    print(f"  {name:44s} {secs:9.3f} s   loss {statistics.median(losses):14.2f}"
          f"   [{min(losses):.2f} .. {max(losses):.2f}]", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000x2,1000000x10")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rust-exact", action="store_true",
                    help="also our exact FasterPAM on all points (once: minutes)")
    ap.add_argument("--no-exact", action="store_true",
                    help="skip the exact comparison at n = 10000")
    a = ap.parse_args()
    for size in a.sizes.split(","):
        n, dim = (int(v) for v in size.split("x"))
        print(f"{n} x {dim}, k = {K} (median of {a.repeats}; loss on all points)", flush=True)
        x = data(n, dim)
        name, runs = rust(n, dim, a.repeats)
        row(f"clusterlab auto = {name}", runs)
        row("scikit-learn-extra CLARA (defaults)",
            [sklearn_extra_clara(x, s) for s in range(a.repeats)])
        row(f"python FasterCLARA ({sample_size(n, K)}/sample)",
            [python_fasterclara(x, s) for s in range(a.repeats)])
        if a.rust_exact:
            name, runs = rust(n, dim, 1, "fasterpam")
            row(f"clusterlab {name} (1 run)", runs)
        if not a.no_exact:
            m = min(n, EXACT_N)
            print(f"{m} x {dim} (same generator): the exact FasterPAM", flush=True)
            xe = data(m, dim)
            name, runs = rust(m, dim, a.repeats, "fasterpam")
            row(f"clusterlab {name}", runs)
            name, runs = rust(m, dim, a.repeats, "fasterclara")
            row(f"clusterlab {name}", runs)
            row("python kmedoids.fasterpam (matrix included)",
                [python_fasterpam(xe, s) for s in range(a.repeats)])
            row("scikit-learn-extra CLARA (defaults)",
                [sklearn_extra_clara(xe, s) for s in range(a.repeats)])


if __name__ == "__main__":
    main()
