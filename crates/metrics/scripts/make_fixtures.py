"""Generate crates/metrics/tests/fixtures/metrics.json.

Reference values for clusterlab-metrics, computed independently:
  * ARI and NMI with scikit-learn (adjusted_rand_score,
    normalized_mutual_info_score; -1 is an ordinary label there);
  * silhouette with scikit-learn's silhouette_score on the non-noise points
    (null where scikit-learn refuses: fewer than 2 clusters, or every point a
    cluster of its own);
  * the cluster matching with scipy's linear_sum_assignment (maximise), noise
    never matched, pairs that share no point dropped; agreement = (matched
    overlap + points noise in both) / n. When the optimum is not unique
    (checked by brute force over all matchings) only the total is recorded;
  * soft entropies with scipy.special.entr.

Run from anywhere: python3 crates/metrics/scripts/make_fixtures.py
(scikit-learn 1.9.1, scipy, numpy). The Rust tests only read the JSON.
"""
import itertools
import json
import math
import pathlib

import numpy as np
import sklearn
from scipy.optimize import linear_sum_assignment
from scipy.special import entr
from sklearn.metrics import (
    adjusted_rand_score,
    normalized_mutual_info_score,
    silhouette_score,
)

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "metrics.json"
rng = np.random.default_rng(20240611)


# ---------------------------------------------------------------- labelings
def labelings():
    cases = []

    def add(name, a, b):
        cases.append((name, [int(v) for v in a], [int(v) for v in b]))

    add("permuted-identical", [0, 0, 1, 1, 2, 2], [1, 1, 0, 0, 2, 2])
    add("sklearn-doc-negative", [0, 0, 1, 1], [0, 1, 0, 1])
    add("sklearn-doc-split", [0, 0, 0, 0], [0, 1, 2, 3])
    add("both-single-cluster", [3] * 7, [9] * 7)
    add("single-vs-two", [0] * 6, [0, 0, 0, 1, 1, 1])
    add("all-singletons-both", list(range(5)), [4, 3, 2, 1, 0])
    add("seed-1d-vs-em", [0, 0, 0, 1, 1, 1], [1, 1, 0, 0, 0, 0])
    add("noise-both", [0, 0, 0, 1, 1, 1, -1, -1, 2, 2],
        [5, 5, -1, 7, 7, 7, -1, 5, 2, 2])
    add("all-noise-b", [0, 0, 1, 1, 1], [-1] * 5)
    add("big-ids", [100, 100, 7, 7, 42, 42, -1, 100],
        [1, 1, 1, 2, 2, 3, 3, -1])
    add("one-point", [0], [4])
    add("two-points-split", [0, 1], [0, 0])

    # Random: independent labelings of different cluster counts.
    n = 200
    add("random-3-vs-4", rng.integers(0, 3, n), rng.integers(0, 4, n))
    add("random-2-vs-6", rng.integers(0, 2, n), rng.integers(0, 6, n))
    # A ground truth and a noisy copy (80% kept), relabelled.
    truth = rng.integers(0, 5, 300)
    noisy = truth.copy()
    flip = rng.random(300) < 0.2
    noisy[flip] = rng.integers(0, 5, flip.sum())
    perm = np.array([3, 0, 4, 1, 2])
    add("truth-vs-noisy-copy", truth, perm[noisy])
    # Same with noise: DBSCAN-like output with some points marked -1 and
    # one cluster split in two (6 clusters against 5).
    dbs = perm[noisy].copy()
    dbs[rng.random(300) < 0.1] = -1
    dbs[(dbs == 4) & (rng.random(300) < 0.5)] = 11
    truth_noise = truth.copy()
    truth_noise[rng.random(300) < 0.05] = -1
    add("truth-noise-vs-split", truth_noise, dbs)
    # Many small clusters against few (tests the padding of the matching).
    add("many-vs-few", rng.integers(0, 12, 150), rng.integers(0, 3, 150))
    add("few-vs-many", rng.integers(0, 3, 150), rng.integers(0, 12, 150))
    return cases


def matching(a, b):
    """Optimal matching (cluster of a, cluster of b) with scipy; noise never
    matched, zero-overlap pairs dropped. Returns (pairs or None if the
    optimum is not unique, total overlap, points noise in both)."""
    a, b = np.asarray(a), np.asarray(b)
    ids_a = sorted(set(a[a != -1].tolist()))
    ids_b = sorted(set(b[b != -1].tolist()))
    both_noise = int(np.sum((a == -1) & (b == -1)))
    if not ids_a or not ids_b:
        return [], 0, both_noise
    w = np.zeros((len(ids_a), len(ids_b)), dtype=np.int64)
    for i, la in enumerate(ids_a):
        for j, lb in enumerate(ids_b):
            w[i, j] = np.sum((a == la) & (b == lb))
    rows, cols = linear_sum_assignment(w, maximize=True)
    total = int(w[rows, cols].sum())
    pairs = sorted((ids_a[r], ids_b[c]) for r, c in zip(rows, cols) if w[r, c] > 0)
    # Unique? Enumerate every matching of the smaller side into the larger
    # (small cases only) and collect the distinct positive-overlap pair sets
    # that reach the optimum.
    small, large = (w, False) if w.shape[0] <= w.shape[1] else (w.T, True)
    if math.perm(small.shape[1], small.shape[0]) > 2_000_000:
        return None, total, both_noise
    optimal = set()
    for cols_perm in itertools.permutations(range(small.shape[1]), small.shape[0]):
        s = sum(small[i, c] for i, c in enumerate(cols_perm))
        if s == total:
            ps = []
            for i, c in enumerate(cols_perm):
                if small[i, c] > 0:
                    r_, c_ = (c, i) if large else (i, c)
                    ps.append((ids_a[r_], ids_b[c_]))
            optimal.add(tuple(sorted(ps)))
    assert tuple(pairs) in optimal
    return (pairs if len(optimal) == 1 else None), total, both_noise


def relabel(reference, other, pairs):
    """`other` with matched clusters renamed after the reference, unmatched
    clusters given fresh ids above max(reference) in order of their ids."""
    to_ref = {lb: la for la, lb in pairs}
    nxt = max(max(reference), -1) + 1
    mapping = {}
    for lb in sorted(set(other)):
        if lb == -1:
            mapping[lb] = -1
        elif lb in to_ref:
            mapping[lb] = to_ref[lb]
        else:
            mapping[lb] = nxt
            nxt += 1
    return [mapping[v] for v in other]


# --------------------------------------------------------------- silhouette
def silhouettes():
    cases = []

    def add(name, x, labels):
        x = np.asarray(x, dtype=float)
        labels = np.asarray(labels)
        keep = labels != -1
        xs, ls = x[keep], labels[keep]
        k = len(set(ls.tolist()))
        value = None
        if 2 <= k <= len(ls) - 1:
            value = float(silhouette_score(xs, ls, metric="euclidean"))
        cases.append({"name": name, "x": x.tolist(), "labels": [int(v) for v in labels],
                      "value": value})

    centres = np.array([[0.0, 0.0], [3.0, 1.0], [-1.0, 3.5]])
    lab = np.repeat([0, 1, 2], 20)
    x = centres[lab] + rng.normal(size=(60, 2))
    add("three-blobs", x, lab)
    lab_noise = lab.copy()
    lab_noise[rng.choice(60, 9, replace=False)] = -1
    add("three-blobs-with-noise", x, lab_noise)
    lab_single = lab.copy()
    lab_single[5] = 7  # a cluster of one point: its value is 0
    add("singleton-cluster", x, lab_single)
    add("random-5d-random-labels", rng.normal(size=(80, 5)), rng.integers(0, 4, 80))
    add("seed-1d", [[0.80], [1.10], [1.40], [4.70], [5.10], [5.50]], [0, 0, 0, 1, 1, 1])
    # Identical points in both clusters: a = b = 0 for some points.
    add("duplicates", [[0, 0], [0, 0], [0, 0], [0, 0], [1, 1], [1, 1]], [0, 0, 1, 1, 1, 0])
    add("one-cluster-after-noise", x[:10], [0] * 8 + [-1] * 2)
    add("all-singletons", x[:4], [0, 1, 2, 3])
    return cases


# ------------------------------------------------------------------ entropy
def entropies():
    cases = []
    mats = [
        [[1.0, 0.0], [0.5, 0.5], [0.0, 1.0], [0.25, 0.75]],
        [[0.2, 0.3, 0.5], [1 / 3, 1 / 3, 1 / 3], [0.9, 0.1, 0.0], [0.0, 0.0, 1.0]],
    ]
    r = rng.random((25, 4)) ** 3
    r /= r.sum(axis=1, keepdims=True)
    mats.append(r.tolist())
    for m in mats:
        m = np.asarray(m)
        h = entr(m).sum(axis=1)
        cases.append({"membership": m.tolist(), "entropy": h.tolist(), "mean": float(h.mean())})
    return cases


def main():
    pair_cases = []
    for name, a, b in labelings():
        pairs, total, both_noise = matching(a, b)
        case = {
            "name": name,
            "a": a,
            "b": b,
            "ari": float(adjusted_rand_score(a, b)),
            "nmi": float(normalized_mutual_info_score(a, b)),
            "matched_overlap": total,
            "agreement": (total + both_noise) / len(a),
            "matching": [list(p) for p in pairs] if pairs is not None else None,
            "relabel": relabel(a, b, pairs) if pairs is not None else None,
        }
        pair_cases.append(case)
    doc = {
        "generator": "crates/metrics/scripts/make_fixtures.py",
        "sklearn_version": sklearn.__version__,
        "pairs": pair_cases,
        "silhouette": silhouettes(),
        "entropy": entropies(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    unique = sum(c["matching"] is not None for c in pair_cases)
    print(f"wrote {OUT}: {len(pair_cases)} labeling pairs ({unique} with a unique matching), "
          f"{len(doc['silhouette'])} silhouette cases, {len(doc['entropy'])} entropy cases")


if __name__ == "__main__":
    main()
