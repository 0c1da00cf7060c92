#!/usr/bin/env python3
"""clusterlab against scikit-learn at the sizes people bring.

Times k-means, k-medoids, DBSCAN, OPTICS, HDBSCAN and EM (GMM) on Gaussian
blobs of 100,000 x 2, 100,000 x 10 and 1,000,000 x 10 points and prints a
Markdown table: our `fit_seconds`, scikit-learn's fit time on the same
z-scored data with the same parameters, the ratio, and the ARI of both
against the `label` column.

    python3 scripts/bench_vs_sklearn.py                        # everything
    python3 scripts/bench_vs_sklearn.py --sizes 100k2 --algorithms kmeans,gmm --runs 3
    python3 scripts/bench_vs_sklearn.py --budget 300 --out bench.md

How it works (run from anywhere; paths are relative to the repository):

* Data: `cargo run --release --example write_blobs -- N D OUT.csv` (five
  blobs, std 1, centres uniform in [-10, 10]^D, seed 42) into `--cache`
  (default $TMPDIR/clusterlab-bench) unless the file is there. scikit-learn
  reads the very same CSV, z-scored per column with the population standard
  deviation, as `clusterlab fit --standardize` does (cached as .npy).
* Ours: `target/release/clusterlab fit ALGO DATA.csv --standardize --json
  [--k 5]` (built first with `cargo build --release` unless `--no-build`).
  The time is the binary's own `fit_seconds` (reading and z-scoring the CSV
  excluded); `params` gives every parameter it used, and `method`/`sample_n`
  in the algorithm's object say when it fitted a sample.
* scikit-learn: the same parameters, read from our `params` (the mapping is
  `peer_estimator` below), fitted on ALL points even where ours fitted a
  sample, in a child process (this script with `--peer`) limited to 2
  BLAS/OpenMP threads by threadpoolctl, `n_jobs=2` where the estimator takes
  it (not OPTICS: it dispatches a joblib job per point, and n_jobs=2 made it
  ~30x slower). A density method that went over the budget at 100k x d is
  not run at 1M x d. The child is killed after `--budget` seconds of fitting (plus the time
  it needs to start and load the data) and the table says "> budget".
  k-medoids uses scikit-learn-extra's CLARA, which only imports with
  numpy < 2: `--kmedoids-python` (default /tmp/kmed-venv/bin/python, a venv
  with numpy 1.26, scikit-learn and scikit-learn-extra 0.3) runs that child.
* Runs: `--runs R` fits each side up to R times and reports the median; a
  side whose first fit took longer than `--repeat-under` seconds (default
  10) is not repeated. One fit runs at a time.

The ratio is scikit-learn's time over ours (above 1: clusterlab is faster).
The table ends with the date, the `lscpu` model name and the thread limits.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZES = {"10k2": (10_000, 2), "100k2": (100_000, 2), "100k10": (100_000, 10), "1m10": (1_000_000, 10)}
ALGORITHMS = ["kmeans", "kmedoids", "dbscan", "optics", "hdbscan", "gmm"]
K = 5
THREADS = 2
# Seconds a child may spend importing scikit-learn and loading the .npy
# before the budget of the fit itself starts counting.
STARTUP = 30


# --------------------------------------------------------------------------
# The child: one scikit-learn fit, timed, printed as one JSON line.
# --------------------------------------------------------------------------

def gmm_init(name):
    return {"kmeans": "kmeans", "kmeans++": "k-means++", "random": "random",
            "random-from-data": "random_from_data"}.get(name, name)


def peer_estimator(algo, p, n):
    """scikit-learn's estimator with the parameters ours used (`p`), and a
    note of what it was given."""
    if algo == "kmeans":
        from sklearn.cluster import KMeans
        kw = dict(n_clusters=K, n_init=int(p.get("n_init", 10)),
                  max_iter=int(p.get("max_iter", 300)), random_state=0)
        return KMeans(**kw), kw
    if algo == "kmedoids":
        from sklearn_extra.cluster import CLARA
        # CLARA with our sample size and number of samples (PAM on each).
        m = int(p.get("sample_size") or min(n, 4000 + 20 * K))
        kw = dict(n_clusters=K, n_sampling=min(m, n), n_sampling_iter=int(p.get("samples", 5)),
                  random_state=0)
        return CLARA(**kw), kw
    if algo == "dbscan":
        from sklearn.cluster import DBSCAN
        kw = dict(eps=float(p["eps"]), min_samples=int(p["min_samples"]), n_jobs=THREADS)
        return DBSCAN(**kw), kw
    if algo == "optics":
        from sklearn.cluster import OPTICS
        # n_jobs stays None: OPTICS dispatches a joblib job per point, and
        # n_jobs=2 made it 30x slower here (1,000 points: 0.5 s -> 16 s).
        kw = dict(min_samples=int(p["min_samples"]))
        method = p.get("cluster_method", "xi")
        kw["cluster_method"] = method
        if p.get("max_eps") is not None:
            kw["max_eps"] = float(p["max_eps"])
        if method == "xi":
            kw["xi"] = float(p["xi"])
            mcs = p.get("min_cluster_size")
            if mcs is not None:
                kw["min_cluster_size"] = mcs if isinstance(mcs, float) and mcs < 1 else int(mcs)
        else:
            kw["eps"] = float(p["eps"])
        return OPTICS(**kw), kw
    if algo == "hdbscan":
        from sklearn.cluster import HDBSCAN
        kw = dict(min_cluster_size=int(p["min_cluster_size"]),
                  min_samples=int(p["min_samples"]), n_jobs=THREADS, copy=True)
        return HDBSCAN(**kw), kw
    if algo == "gmm":
        from sklearn.mixture import GaussianMixture
        kw = dict(n_components=K, covariance_type=p.get("covariance", "full"),
                  n_init=int(p.get("n_init", 1)), tol=float(p.get("tol", 1e-3)),
                  max_iter=int(p.get("max_iter", 100)),
                  reg_covar=float(p.get("reg_covar", 1e-6)),
                  init_params=gmm_init(p.get("init", "kmeans")), random_state=0)
        return GaussianMixture(**kw), kw
    raise ValueError(f"unknown algorithm {algo}")


def versions(algo):
    import numpy
    import sklearn
    v = f"scikit-learn {sklearn.__version__}, numpy {numpy.__version__}"
    if algo == "kmedoids":
        import sklearn_extra
        v += f", scikit-learn-extra {getattr(sklearn_extra, '__version__', '?')}"
    return v


def peer_main(algo, npy, params_json):
    os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
    import numpy as np
    from threadpoolctl import threadpool_limits
    from sklearn.metrics import adjusted_rand_score

    z = np.load(npy)
    y = np.load(npy.replace(".npy", ".labels.npy"))
    p = json.loads(params_json)
    est, kw = peer_estimator(algo, p, len(z))
    print(json.dumps({"loaded": True}), flush=True)
    with threadpool_limits(limits=THREADS):
        t = time.perf_counter()
        est.fit(z)
        secs = time.perf_counter() - t
    labels = np.asarray(est.predict(z) if algo == "gmm" else est.labels_)
    out = {"seconds": secs, "ari": float(adjusted_rand_score(y, labels)),
           "n_clusters": int(len(set(labels[labels >= 0].tolist()))),
           "noise": int((labels < 0).sum()), "params": kw,
           "versions": versions(algo)}
    if algo == "kmeans":
        out["inertia"] = float(est.inertia_)
    if algo == "kmedoids":
        c = est.cluster_centers_
        total = 0.0
        for s in range(0, len(z), 100_000):
            d2 = ((z[s:s + 100_000, None, :] - c[None, :, :]) ** 2).sum(axis=2)
            total += float(np.sqrt(d2.min(axis=1)).sum())
        out["loss"] = total
    if algo == "gmm":
        out["n_iter"] = int(est.n_iter_)
        out["converged"] = bool(est.converged_)
    print(json.dumps(out), flush=True)


# --------------------------------------------------------------------------
# The parent.
# --------------------------------------------------------------------------

def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def build(args):
    if args.no_build:
        return
    log("cargo build --release (binary and write_blobs)")
    subprocess.run(["cargo", "build", "--release", "--bin", "clusterlab", "--examples"],
                   cwd=ROOT, check=True)


def dataset(args, name):
    """CSV path and z-scored .npy path of a size, written if missing."""
    n, d = SIZES[name]
    os.makedirs(args.cache, exist_ok=True)
    csv = os.path.join(args.cache, f"blobs-{name}.csv")
    if not os.path.exists(csv):
        log(f"writing {csv}")
        subprocess.run(["cargo", "run", "--release", "--quiet", "--example", "write_blobs",
                        "--", str(n), str(d), csv], cwd=ROOT, check=True)
    npy = os.path.join(args.cache, f"blobs-{name}.z.npy")
    if not os.path.exists(npy) or os.path.getmtime(npy) < os.path.getmtime(csv):
        import numpy as np
        log(f"z-scoring {csv} for scikit-learn")
        with open(csv) as f:
            header = f.readline().strip().split(",")
        a = np.loadtxt(csv, delimiter=",", skiprows=1)
        li = header.index("label")
        x = np.delete(a, li, axis=1)
        z = (x - x.mean(axis=0)) / x.std(axis=0)  # population sd, as --standardize
        np.save(npy.replace(".npy", ".labels.npy"), a[:, li].astype(np.int64))
        np.save(npy, z)
    return csv, npy


def run_ours(args, algo, csv):
    cmd = [args.bin, "fit", algo, csv, "--standardize", "--json"]
    if algo in ("kmeans", "kmedoids", "gmm"):
        cmd += ["--k", str(K)]
    cmd += args.ours_extra.get(algo, [])
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.budget * 10)
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {r.stderr.strip()}")
    j = json.loads(r.stdout)
    j.pop("labels", None)
    j.pop("responsibilities", None)
    j["_wall"] = wall
    j["_cmd"] = " ".join(cmd)
    return j


def run_peer(args, algo, npy, params):
    py = args.kmedoids_python if algo == "kmedoids" else args.python
    cmd = [py, os.path.abspath(__file__), "--peer", algo, npy, json.dumps(params)]
    env = dict(os.environ, OMP_NUM_THREADS=str(THREADS), OPENBLAS_NUM_THREADS=str(THREADS),
               MKL_NUM_THREADS=str(THREADS))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    # Wait for "loaded" (import + np.load), then give the fit its budget.
    start = time.monotonic()
    try:
        first = proc.stdout.readline()
        if not first:
            _, err = proc.communicate()
            raise RuntimeError(f"peer {algo} failed: {err.strip()[-2000:]}")
        out, err = proc.communicate(timeout=args.budget + 5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None
    if proc.returncode != 0:
        raise RuntimeError(f"peer {algo} failed: {err.strip()[-2000:]}")
    res = json.loads(out.strip().splitlines()[-1])
    res["_startup"] = time.monotonic() - start - res["seconds"]
    if res["seconds"] > args.budget:
        return None
    return res


def repeated(fn, runs, repeat_under, seconds):
    """Up to `runs` results of fn(); stop after a first run slower than
    repeat_under (or a None = over budget)."""
    results = []
    for i in range(runs):
        r = fn()
        if r is None:
            return results or None
        results.append(r)
        if seconds(r) > repeat_under:
            break
    return results


def median_of(results, key):
    return statistics.median(key(r) for r in results)


def fmt_s(s):
    if s is None:
        return "–"
    return f"{s:.3f}" if s < 1 else f"{s:.2f}" if s < 100 else f"{s:.0f}"


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def params_text(p):
    return ", ".join(f"{k} {v}" for k, v in p.items() if v is not None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100k2,100k10,1m10",
                    help="comma-separated: " + ", ".join(SIZES))
    ap.add_argument("--algorithms", default=",".join(ALGORITHMS),
                    help="comma-separated subset of " + ", ".join(ALGORITHMS))
    ap.add_argument("--budget", type=float, default=120,
                    help="seconds a scikit-learn fit may take before it is killed (default 120)")
    ap.add_argument("--runs", type=int, default=1, help="fits per side; the median is reported")
    ap.add_argument("--repeat-under", type=float, default=10,
                    help="repeat only fits faster than this many seconds (default 10)")
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "clusterlab-bench"),
                    help="where the blob CSVs are written")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "clusterlab"))
    ap.add_argument("--no-build", action="store_true", help="skip cargo build --release")
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter with scikit-learn and threadpoolctl (default: this one)")
    ap.add_argument("--kmedoids-python", default="/tmp/kmed-venv/bin/python",
                    help="interpreter with scikit-learn-extra (numpy < 2) for CLARA")
    ap.add_argument("--ours", action="append", default=[], metavar="ALGO=ARGS",
                    help="extra arguments for our fit, e.g. --ours 'dbscan=--eps 0.3'")
    ap.add_argument("--skip-peer", action="store_true", help="time ours only")
    ap.add_argument("--out", help="also write the Markdown (and a .json of raw results) here")
    ap.add_argument("--peer", nargs=3, metavar=("ALGO", "NPY", "PARAMS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.peer:
        return peer_main(*args.peer)

    args.ours_extra = {}
    for spec in args.ours:
        a, _, rest = spec.partition("=")
        args.ours_extra[a] = rest.split()
    sizes = [s for s in args.sizes.split(",") if s]
    algos = [a for a in args.algorithms.split(",") if a]
    for s in sizes:
        if s not in SIZES:
            ap.error(f"unknown size {s}")
    for a in algos:
        if a not in ALGORITHMS:
            ap.error(f"unknown algorithm {a}")

    t_all = time.perf_counter()
    build(args)
    rows, raw = [], []
    over = {}  # (algorithm, d) -> smallest n where scikit-learn went over the budget
    for size in sizes:
        csv, npy = dataset(args, size)
        n, d = SIZES[size]
        for algo in algos:
            log(f"{algo} on {size}: ours")
            try:
                ours = repeated(lambda: run_ours(args, algo, csv), args.runs,
                                args.repeat_under, lambda r: r["fit_seconds"])
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                log(f"ours failed: {e}")
                rows.append(f"| {algo} | {n:,} × {d} | failed | – | – | – | – | {str(e)[:200]} |")
                continue
            o = ours[0]
            t_ours = median_of(ours, lambda r: r["fit_seconds"])
            obj = o.get(algo) or {}
            notes = []
            if obj.get("method") or obj.get("sample_n"):
                notes.append(f"ours: {obj.get('method', 'sample')} on {obj.get('sample_n', '?')} of {n}")
            notes.append(f"ours {o['n_clusters']} clusters" + (f", {o['noise']} noise" if o["noise"] else ""))
            peer, t_peer, peer_note = None, None, ""
            smaller = over.get((algo, d))
            if not args.skip_peer and smaller is not None and smaller < n:
                peer_note = (f"scikit-learn not run: over the budget already at "
                             f"{smaller:,} × {d}")
                log(peer_note)
            elif not args.skip_peer:
                log(f"{algo} on {size}: scikit-learn (budget {args.budget:.0f} s)")
                try:
                    peer = repeated(lambda: run_peer(args, algo, npy, o["params"]), args.runs,
                                    args.repeat_under, lambda r: r["seconds"])
                except RuntimeError as e:
                    peer_note = f"scikit-learn failed: {str(e).splitlines()[-1][:200]}"
                    log(peer_note)
                    peer = []
                if peer:
                    t_peer = median_of(peer, lambda r: r["seconds"])
                    p0 = peer[0]
                    notes.append(f"sklearn {p0['n_clusters']} clusters"
                                 + (f", {p0['noise']} noise" if p0["noise"] else ""))
                elif peer is None:
                    peer_note = f"scikit-learn killed after {args.budget:.0f} s"
                    over[(algo, d)] = min(n, over.get((algo, d), n))
            if algo == "kmeans":
                notes.append(f"inertia ours {obj.get('inertia', float('nan')):.6g}"
                             + (f" / sklearn {peer[0]['inertia']:.6g}" if peer else ""))
            if algo == "kmedoids":
                notes.append(f"loss ours {obj.get('loss', float('nan')):.6g}"
                             + (f" / sklearn {peer[0]['loss']:.6g}" if peer else ""))
                notes.append("sklearn: scikit-learn-extra CLARA (PAM), same sample size and samples")
            if algo == "gmm" and peer:
                notes.append(f"sklearn n_iter {peer[0]['n_iter']}"
                             + ("" if peer[0]["converged"] else " (not converged)"))
            if algo == "optics":
                notes.append("sklearn n_jobs=None (n_jobs=2 is ~30× slower: a joblib dispatch per point)")
            if peer_note:
                notes.append(peer_note)
            notes.append("params: " + params_text(o["params"]))
            if args.runs > 1:
                notes.append(f"median of {len(ours)} / {len(peer) if peer else 0} runs")
            ratio = f"{t_peer / t_ours:.1f}×" if t_peer and t_ours > 0 else "–"
            sk_cell = fmt_s(t_peer) if peer else ("> budget" if peer is None else "–")
            sk_ari = f"{peer[0]['ari']:.3f}" if peer else "–"
            ours_ari = f"{o['ari']:.3f}" if o.get("ari") is not None else "–"
            row = (f"| {algo} | {n:,} × {d} | {fmt_s(t_ours)} | {sk_cell} | {ratio} | "
                   f"{ours_ari} | {sk_ari} | {'; '.join(notes)} |")
            rows.append(row)
            raw.append({"algorithm": algo, "size": size, "ours": ours, "sklearn": peer})
            print(row, flush=True)
    wall = time.perf_counter() - t_all
    vers = sorted({p["versions"] for r in raw if r["sklearn"] for p in r["sklearn"]})
    head = ["| algorithm | data (n × d) | ours (s) | scikit-learn (s) | ratio (sklearn / ours) "
            "| ARI ours | ARI sklearn | notes |",
            "|---|---|---:|---:|---:|---:|---:|---|"]
    foot = [
        "",
        f"Date: {datetime.date.today().isoformat()}. Machine: {cpu_model()}, "
        f"{os.cpu_count()} logical CPUs; {' / '.join(vers) or 'scikit-learn not run'}, limited to {THREADS} BLAS/OpenMP threads, n_jobs={THREADS}; "
        f"budget {args.budget:.0f} s per scikit-learn fit; "
        f"{args.runs} run(s) per side (median; fits over {args.repeat_under:.0f} s once).",
        f"Whole script: {wall:.0f} s wall.",
    ]
    text = "\n".join(head + rows + foot)
    print()
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
        with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
            json.dump(raw, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
