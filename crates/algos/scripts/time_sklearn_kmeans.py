#!/usr/bin/env python3
"""Times scikit-learn's KMeans(n_clusters=5, n_init=10, random_state=0) on
the z-scored blobs the Rust bench (crates/algos/benches/kmeans.rs) wrote to
target/kmeans-bench/<name>.csv, with 2 threads (threadpoolctl), and prints
it next to our medians from target/kmeans-bench/ours.json.

    cargo bench -p clusterlab-algos --bench kmeans     # ours, writes the CSVs
    python crates/algos/scripts/time_sklearn_kmeans.py            # both sizes
    python crates/algos/scripts/time_sklearn_kmeans.py --runs 7 100k

Each fit is timed --runs times (default 5); medians are printed with the
ratio sklearn / ours and both best-of-n_init inertias (sums of squared
distances) and their relative difference.

    python crates/algos/scripts/time_sklearn_kmeans.py --interleave

alternates the two under the same load: before each scikit-learn fit it
runs the Rust bench once (`KMEANS_RUNS=1 cargo bench ... -- <name>`), and
takes our median over those runs instead of ours.json's.
"""
import argparse
import json
import os
import statistics
import subprocess
import time

import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "..", "target", "kmeans-bench")


def run_ours(name, out_dir):
    """One timed fit of ours through the Rust bench; its seconds."""
    env = dict(os.environ, KMEANS_RUNS="1")
    subprocess.run(
        ["cargo", "bench", "-q", "-p", "clusterlab-algos", "--bench", "kmeans", "--", name],
        check=True, env=env, stdout=subprocess.DEVNULL, cwd=os.path.join(HERE, ".."),
    )
    with open(os.path.join(out_dir, "ours.json")) as f:
        return json.load(f)[name]["seconds"][0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*", help="100k, 1m (default: every entry of ours.json)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dir", default=os.environ.get("KMEANS_BENCH_DIR", OUT))
    ap.add_argument("--interleave", action="store_true")
    a = ap.parse_args()
    with open(os.path.join(a.dir, "ours.json")) as f:
        ours = json.load(f)
    names = a.names or [k for k in ours if "-" not in k]
    rows = []
    for name in names:
        o = ours[name]
        x = np.loadtxt(os.path.join(a.dir, f"{name}.csv"), delimiter=",", ndmin=2)
        assert x.shape == (o["n"], o["dim"]), (x.shape, o["n"], o["dim"])
        secs = []
        ours_secs = []
        inertia = None
        with threadpool_limits(limits=a.threads):
            for _ in range(a.runs):
                if a.interleave:
                    ours_secs.append(run_ours(name, a.dir))
                km = KMeans(n_clusters=5, n_init=10, random_state=0)
                t = time.perf_counter()
                km.fit(x)
                secs.append(time.perf_counter() - t)
                inertia = km.inertia_
        med = statistics.median(secs)
        if ours_secs:
            o = dict(o, median_seconds=statistics.median(ours_secs), runs=len(ours_secs))
            print(f"{name}: ours {[round(s, 3) for s in ours_secs]} s", flush=True)
        rows.append((name, o, med, secs, inertia, km.n_iter_))
        print(f"{name}: sklearn {[round(s, 3) for s in secs]} s", flush=True)
    print()
    print(f"| data | ours median s (of n) | sklearn median s (of {a.runs}) | sklearn / ours | "
          "inertia ours | inertia sklearn | rel. diff |")
    print("|---|---|---|---|---|---|---|")
    for name, o, med, secs, inertia, n_iter in rows:
        rel = (o["inertia"] - inertia) / inertia
        print(f"| {name} ({o['n']} x {o['dim']}) | {o['median_seconds']:.4f} ({o['runs']}) | "
              f"{med:.4f} | {med / o['median_seconds']:.2f}x | {o['inertia']:.6f} | "
              f"{inertia:.6f} | {rel:+.2e} |")
    print(f"\nthreads: ours {', '.join(str(ours[n]['threads']) for n, *_ in rows)}; "
          f"sklearn {a.threads} (threadpoolctl)")


if __name__ == "__main__":
    main()
