"""Writes the .npy fixtures of crates/data/tests/npy.rs with NumPy itself.

Run from the repository root:  python crates/data/scripts/make_fixtures_npy.py
The values are given by formulas that the Rust test repeats:
features x[i, j] = (i + 1) / 3 - 2.5 * j + 1e-7 * i * j  (7 rows x 3 columns),
labels i % 3 - (i == 6)  (so the last row is noise, -1).
"""
from pathlib import Path

import numpy as np

out = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
out.mkdir(parents=True, exist_ok=True)
n, d = 7, 3
x = np.array([[(i + 1) / 3 - 2.5 * j + 1e-7 * i * j for j in range(d)] for i in range(n)],
             dtype="<f8")
labels = np.array([i % 3 - (1 if i == 6 else 0) for i in range(n)], dtype="<i8")
np.save(out / "small.npy", x)
np.save(out / "small.labels.npy", labels)
# Labels as int32, and a Fortran-order copy the reader must refuse.
np.save(out / "labels_i4.npy", labels.astype("<i4"))
np.save(out / "fortran.npy", np.asfortranarray(x))
# A format 2.0 header (4-byte length) for the same matrix.
with open(out / "small_v2.npy", "wb") as f:
    np.lib.format.write_array(f, x, version=(2, 0))
print("wrote", sorted(p.name for p in out.glob("*.npy")))
