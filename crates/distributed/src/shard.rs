//! One worker's rows: those with `i mod T = t` (T workers in all, t this
//! worker's index), read from the file by the worker itself.
//!
//! * In memory: read once into an `n_t × d` matrix.
//! * Streamed (`--stream`, `.npy` only): nothing is kept; every pass walks
//!   the memory-mapped file in blocks of [`STREAM_BLOCK`] global rows,
//!   copies this worker's rows of the block into one buffer, and tells the
//!   OS it may drop the block's pages, so the worker's resident memory is
//!   its statistics plus one block.

use std::path::Path;

use clusterlab_data::{is_npy, NpyMatrix};
use ndarray::{Array2, ArrayView2};

/// Global rows per streamed block (a worker holds about STREAM_BLOCK / T of them).
pub const STREAM_BLOCK: usize = 1 << 14;

enum Rows {
    Memory(Array2<f64>),
    Stream(NpyMatrix),
}

/// One column's z-score, as `clusterlab_data::zscore` computes it: the
/// value in a power-of-two `unit`, less the mean in that unit, over the
/// standard deviation in that unit (`std_u` 0: a constant column, all 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZColumn {
    pub unit: f64,
    pub mean_u: f64,
    pub std_u: f64,
}

impl ZColumn {
    /// The z-score of `v`.
    pub fn apply(&self, v: f64) -> f64 {
        if self.std_u > 0.0 {
            (v / self.unit - self.mean_u) / self.std_u
        } else {
            0.0
        }
    }
}

/// z-scores a row in place.
fn zscore_row(z: &[ZColumn], row: &mut [f64]) {
    for (v, c) in row.iter_mut().zip(z) {
        *v = c.apply(*v);
    }
}

/// This worker's share of the data.
pub struct Shard {
    rows: Rows,
    /// The z-scores streamed rows get as they are read (rows in memory are z-scored once).
    zscore: Option<Vec<ZColumn>>,
    /// Rows in the whole file.
    pub n_total: usize,
    pub d: usize,
    /// This worker's index t and the number of workers T.
    pub index: usize,
    pub peers: usize,
}

impl Shard {
    /// Opens `path` (`.npy`, or CSV read whole and filtered) for worker `index` of `peers`.
    pub fn open(path: &Path, index: usize, peers: usize, stream: bool) -> Result<Shard, String> {
        if is_npy(path) {
            let m = NpyMatrix::open(path).map_err(|e| e.to_string())?;
            let (n_total, d) = (m.n(), m.d());
            let rows = if stream {
                Rows::Stream(m)
            } else {
                let mine: Vec<usize> = (index..n_total).step_by(peers).collect();
                let mut x = Array2::<f64>::zeros((mine.len(), d));
                for (r, &i) in mine.iter().enumerate() {
                    m.read_row(
                        i,
                        x.row_mut(r).as_slice_mut().expect("a standard layout row"),
                    );
                }
                Rows::Memory(x)
            };
            let shard = Shard {
                rows,
                zscore: None,
                n_total,
                d,
                index,
                peers,
            };
            shard.check_finite(path)?;
            return Ok(shard);
        }
        if stream {
            return Err(format!(
                "{}: --stream reads a .npy file (write one with: clusterlab convert {} DATA.npy)",
                path.display(),
                path.display()
            ));
        }
        let ds = clusterlab_data::load_csv(path, None).map_err(|e| e.to_string())?;
        let mine: Vec<usize> = (index..ds.n()).step_by(peers).collect();
        Ok(Shard {
            zscore: None,
            n_total: ds.n(),
            d: ds.d(),
            rows: Rows::Memory(ds.x.select(ndarray::Axis(0), &mine)),
            index,
            peers,
        })
    }

    /// Non-finite values in this worker's rows: an error naming the row and column (1-based).
    fn check_finite(&self, path: &Path) -> Result<(), String> {
        let mut bad = None;
        self.for_each_block(|rows, x| {
            if bad.is_none() {
                if let Some(((r, c), _)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
                    bad = Some((rows[r], c));
                }
            }
        });
        match bad {
            Some((i, j)) => Err(format!(
                "{}: row {}, column {} is not finite",
                path.display(),
                i + 1,
                j + 1
            )),
            None => Ok(()),
        }
    }

    /// From now on every row is z-scored by `z` (one per column).
    pub(crate) fn set_zscore(&mut self, z: Vec<ZColumn>) {
        match &mut self.rows {
            Rows::Memory(x) => {
                for mut row in x.rows_mut() {
                    zscore_row(&z, row.as_slice_mut().expect("a standard layout row"));
                }
            }
            Rows::Stream(_) => self.zscore = Some(z),
        }
    }

    /// Rows this worker holds.
    pub(crate) fn len(&self) -> usize {
        self.n_total.saturating_sub(self.index).div_ceil(self.peers)
    }

    /// Global index of this worker's r-th row.
    pub fn global(&self, r: usize) -> usize {
        self.index + r * self.peers
    }

    /// This worker's row with global index `i` (`i mod T` = this worker), into `out`.
    pub(crate) fn row(&self, i: usize, out: &mut [f64]) {
        match &self.rows {
            Rows::Memory(x) => {
                for (o, v) in out.iter_mut().zip(x.row(i / self.peers)) {
                    *o = *v;
                }
            }
            Rows::Stream(m) => {
                m.read_row(i, out);
                if let Some(z) = &self.zscore {
                    zscore_row(z, out);
                }
            }
        }
    }

    /// Calls `f(global indices, rows)` on this worker's rows, block by block
    /// in row order (one block holding everything when in memory).
    pub fn for_each_block(&self, mut f: impl FnMut(&[usize], ArrayView2<f64>)) {
        match &self.rows {
            Rows::Memory(x) => {
                let idx: Vec<usize> = (0..x.nrows()).map(|r| self.global(r)).collect();
                f(&idx, x.view());
            }
            Rows::Stream(m) => {
                let mut buf = Array2::<f64>::zeros((STREAM_BLOCK.div_ceil(self.peers), self.d));
                let mut idx = Vec::with_capacity(buf.nrows());
                let mut lo = 0;
                while lo < self.n_total {
                    let hi = (lo + STREAM_BLOCK).min(self.n_total);
                    idx.clear();
                    // The first row of the block that is this worker's.
                    let first = lo + (self.index + self.peers - lo % self.peers) % self.peers;
                    idx.extend((first..hi).step_by(self.peers));
                    for (r, &i) in idx.iter().enumerate() {
                        let row = buf.row_mut(r).into_slice().expect("a standard layout row");
                        m.read_row(i, row);
                        if let Some(z) = &self.zscore {
                            zscore_row(z, row);
                        }
                    }
                    m.release_rows(lo, hi);
                    f(&idx, buf.slice(ndarray::s![..idx.len(), ..]));
                    lo = hi;
                }
            }
        }
    }
}

/// The global rows in `lo..hi` that worker `index` of `peers` holds.
pub(crate) fn own_rows(
    lo: usize,
    hi: usize,
    peers: usize,
    index: usize,
) -> impl Iterator<Item = usize> {
    (lo + (index + peers - lo % peers) % peers..hi).step_by(peers)
}

/// What the workers sent for their own rows — `width` numbers per row, in
/// the order of `rows` (each worker its rows of it, `parts[w]` from worker
/// w) — back in the order of `rows`.
pub(crate) fn in_row_order(
    parts: &[Vec<f64>],
    rows: impl IntoIterator<Item = usize>,
    width: usize,
) -> Vec<f64> {
    let t = parts.len();
    let mut cursor = vec![0usize; t];
    let mut out = Vec::new();
    for i in rows {
        let w = i % t;
        out.extend_from_slice(&parts[w][cursor[w]..cursor[w] + width]);
        cursor[w] += width;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three workers, rows dealt `i mod 3`: each sends its own rows of 4..11
    /// (two numbers per row, 10·i and 10·i + 1); they come back in row order.
    #[test]
    fn own_rows_and_back_in_row_order() {
        let (lo, hi) = (4, 11);
        let mine: Vec<Vec<usize>> = (0..3).map(|w| own_rows(lo, hi, 3, w).collect()).collect();
        assert_eq!(mine, vec![vec![6, 9], vec![4, 7, 10], vec![5, 8]]);
        let parts: Vec<Vec<f64>> = mine
            .iter()
            .map(|rows| {
                rows.iter()
                    .flat_map(|&i| [10.0 * i as f64, 10.0 * i as f64 + 1.0])
                    .collect()
            })
            .collect();
        let back = in_row_order(&parts, lo..hi, 2);
        let want: Vec<f64> = (lo..hi)
            .flat_map(|i| [10.0 * i as f64, 10.0 * i as f64 + 1.0])
            .collect();
        assert_eq!(back, want);
        // Any order of rows, each worker's in that order.
        let which = [9, 4, 6, 5];
        let parts: Vec<Vec<f64>> = (0..3)
            .map(|w| {
                which
                    .iter()
                    .filter(|&&i| i % 3 == w)
                    .map(|&i| i as f64)
                    .collect()
            })
            .collect();
        assert_eq!(in_row_order(&parts, which, 1), vec![9.0, 4.0, 6.0, 5.0]);
    }

    /// Every worker's rows, in memory and streamed across block boundaries,
    /// are exactly the rows i with i mod T = t, in order.
    #[test]
    fn workers_read_exactly_their_rows() {
        let dir = tempfile::tempdir().unwrap();
        let n = 2 * STREAM_BLOCK + 5;
        let x = Array2::from_shape_fn((n, 2), |(i, j)| (i * 2 + j) as f64);
        let path = dir.path().join("x.npy");
        clusterlab_data::write_npy(&path, &x).unwrap();
        for peers in [1, 3, 4] {
            for index in 0..peers {
                let want: Vec<usize> = (index..n).step_by(peers).collect();
                for stream in [false, true] {
                    let s = Shard::open(&path, index, peers, stream).unwrap();
                    assert_eq!((s.n_total, s.d, s.len()), (n, 2, want.len()));
                    let mut got = Vec::new();
                    s.for_each_block(|idx, rows| {
                        for (r, &i) in idx.iter().enumerate() {
                            assert_eq!(rows.row(r).to_vec(), [(2 * i) as f64, (2 * i + 1) as f64]);
                            got.push(i);
                        }
                    });
                    assert_eq!(got, want, "worker {index} of {peers}, stream {stream}");
                    assert!((0..s.len()).all(|r| s.global(r) == want[r]));
                }
            }
        }
    }

    #[test]
    fn errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let x = Array2::from_shape_fn((4, 2), |(i, _)| if i == 2 { f64::NAN } else { 1.0 });
        let path = dir.path().join("nan.npy");
        clusterlab_data::write_npy(&path, &x).unwrap();
        let e = Shard::open(&path, 0, 1, false).err().unwrap();
        assert!(e.ends_with("nan.npy: row 3, column 1 is not finite"), "{e}");
        let csv = dir.path().join("a.csv");
        std::fs::write(&csv, "x\n1\n").unwrap();
        let e = Shard::open(&csv, 0, 1, true).err().unwrap();
        assert!(e.contains("--stream reads a .npy file"), "{e}");
    }
}
