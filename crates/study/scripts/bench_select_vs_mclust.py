#!/usr/bin/env python3
"""Speed of `clusterlab select` against R mclust's `Mclust(X)`, in the same run.

Both fit the 14 models × k = 1..9 to the same 10,000 × 5 points (five
Gaussian blobs with unequal covariances, seed 14), each timed around the fit
alone: our `fit_seconds` (data loaded, before printing) and R's
`system.time(Mclust(X, G = 1:9))` after `read.csv`. Run from the repository
root after `cargo build --release`:

    python3 crates/study/scripts/bench_select_vs_mclust.py [--n 10000] [--d 5] [--repeats 3]

Times `select` with its default starts (eight per fit) and with `--init hc`
(mclust's single hierarchical start per fit, its procedure exactly). Prints
each time, the medians and the ratios. Not part of `cargo test`.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile

import numpy as np


def blobs(n, d, seed=14):
    rng = np.random.default_rng(seed)
    k = 5
    centres = rng.normal(0, 6, size=(k, d))
    shapes = [rng.normal(size=(d, d)) * (0.3 + 0.3 * j) for j in range(k)]
    j = np.arange(n) % k
    z = rng.normal(size=(n, d))
    return centres[j] + np.einsum("nab,nb->na", np.array(shapes)[j], z)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--d", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--binary", default="target/release/clusterlab")
    args = ap.parse_args()
    x = blobs(args.n, args.d)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.csv")
        np.savetxt(path, x, delimiter=",", header=",".join(f"x{i}" for i in range(args.d)), comments="")
        ours, hc, theirs = [], [], []
        for r in range(args.repeats):
            def select(*extra):
                out = subprocess.run(
                    [args.binary, "select", path, "--json", *extra],
                    check=True, capture_output=True, text=True,
                ).stdout
                return json.loads(out)
            sel = select()
            ours.append(sel["fit_seconds"])
            best = sel["best"][0]
            sel_hc = select("--init", "hc")
            hc.append(sel_hc["fit_seconds"])
            best_hc = sel_hc["best"][0]
            r_code = (
                "suppressPackageStartupMessages(library(mclust));"
                f"x <- as.matrix(read.csv('{path}'));"
                "t <- system.time(m <- Mclust(x, G = 1:9))[['elapsed']];"
                "cat(t, m$modelName, m$G, m$bic, '\\n')"
            )
            line = subprocess.run(
                ["Rscript", "-e", r_code], check=True, capture_output=True, text=True
            ).stdout.split()
            theirs.append(float(line[0]))
            print(
                f"run {r + 1}: select {ours[-1]:.2f} s (best {best['model']},{best['k']} BIC {best['bic']:.2f}); "
                f"select --init hc {hc[-1]:.2f} s (best {best_hc['model']},{best_hc['k']} BIC {best_hc['bic']:.2f}); "
                f"Mclust {theirs[-1]:.2f} s (best {line[1]},{line[2]} BIC {-float(line[3]):.2f})",
                flush=True,
            )
    mo, mh, mt = statistics.median(ours), statistics.median(hc), statistics.median(theirs)
    print(
        f"{args.n} x {args.d}, 14 models x k = 1..9: select median {mo:.2f} s ({mt / mo:.1f}x faster), "
        f"select --init hc median {mh:.2f} s ({mt / mh:.1f}x), Mclust median {mt:.2f} s"
    )


if __name__ == "__main__":
    main()
