#!/usr/bin/env python3
"""The default EM fit (`clusterlab fit gmm DATA --k 5`: eight starts, mclust's
relative tolerance) against one scikit-learn `GaussianMixture(5)` fit with
its defaults, on the same data in the same run, each timed around the fit
alone (our `fit_seconds`; `time.perf_counter` around `.fit(X)`), and the
mean log-likelihood each reaches. Five Gaussian blobs, full covariances.
Run from the repository root after `cargo build --release`:

    /work/venv/bin/python crates/em/scripts/bench_default_vs_sklearn.py [--sizes 100000x2,1000000x10] [--repeats 3]

Not part of `cargo test`.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np
from sklearn.mixture import GaussianMixture


def blobs(n, d, seed=3):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 5, size=(5, d))
    scales = rng.uniform(0.5, 2.0, size=(5, d))
    j = np.arange(n) % 5
    return centres[j] + rng.normal(size=(n, d)) * scales[j]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000x2,1000000x10")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--binary", default="target/release/clusterlab")
    args = ap.parse_args()
    for size in args.sizes.split(","):
        n, d = map(int, size.split("x"))
        x = blobs(n, d)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "bench.csv")
            np.savetxt(path, x, delimiter=",", header=",".join(f"x{i}" for i in range(d)), comments="", fmt="%.10g")
            ours, theirs = [], []
            for r in range(args.repeats):
                out = json.loads(
                    subprocess.run(
                        [args.binary, "fit", "gmm", path, "--k", "5", "--seed", str(r), "--json"],
                        check=True, capture_output=True, text=True,
                    ).stdout
                )
                ours.append(out["fit_seconds"])
                gm = GaussianMixture(5, random_state=r)
                t = time.perf_counter()
                gm.fit(x)
                theirs.append(time.perf_counter() - t)
                print(
                    f"{n} x {d} run {r + 1}: ours {ours[-1] * 1000:.1f} ms (ll {out['gmm']['log_likelihood']:.5f}, "
                    f"{out['gmm']['n_iter']} iterations); scikit-learn {theirs[-1] * 1000:.1f} ms "
                    f"(ll {gm.score(x):.5f}, {gm.n_iter_} iterations)",
                    flush=True,
                )
            mo, mt = statistics.median(ours), statistics.median(theirs)
            print(f"{n} x {d}: ours median {mo * 1000:.1f} ms, scikit-learn median {mt * 1000:.1f} ms, ratio {mt / mo:.2f}x", flush=True)


if __name__ == "__main__":
    main()
