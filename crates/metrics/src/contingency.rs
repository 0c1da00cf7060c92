//! Sparse contingency table of two labelings.

/// The sorted distinct values of `labels`, and each point's index into them.
pub(crate) fn encode(labels: &[i64]) -> (Vec<i64>, Vec<usize>) {
    let mut uniq = labels.to_vec();
    uniq.sort_unstable();
    uniq.dedup();
    let codes = labels
        .iter()
        .map(|l| uniq.binary_search(l).unwrap_or(0))
        .collect();
    (uniq, codes)
}

/// Contingency table of two labelings of the same points, kept sparse:
/// only the non-zero cells, in row-major order (rows = distinct labels of
/// `a` ascending, columns = distinct labels of `b` ascending), as
/// scikit-learn's sparse `contingency_matrix` lists them.
pub(crate) struct Contingency {
    pub n: u64,
    /// Distinct labels of `a` (rows).
    pub rows: Vec<i64>,
    /// Distinct labels of `b` (columns).
    pub cols: Vec<i64>,
    /// Non-zero cells `(row, column, count)`.
    pub cells: Vec<(usize, usize, u64)>,
    /// Row sums.
    pub row_sums: Vec<u64>,
    /// Column sums.
    pub col_sums: Vec<u64>,
}

impl Contingency {
    /// `a` and `b` must have the same length (checked by the callers).
    pub fn new(a: &[i64], b: &[i64]) -> Self {
        let (rows, ca) = encode(a);
        let (cols, cb) = encode(b);
        let mut pairs: Vec<(usize, usize)> = ca.into_iter().zip(cb).collect();
        pairs.sort_unstable();
        let mut cells: Vec<(usize, usize, u64)> = Vec::new();
        for (r, c) in pairs {
            match cells.last_mut() {
                Some(last) if last.0 == r && last.1 == c => last.2 += 1,
                _ => cells.push((r, c, 1)),
            }
        }
        let mut row_sums = vec![0u64; rows.len()];
        let mut col_sums = vec![0u64; cols.len()];
        for &(r, c, v) in &cells {
            row_sums[r] += v;
            col_sums[c] += v;
        }
        Contingency {
            n: a.len() as u64,
            rows,
            cols,
            cells,
            row_sums,
            col_sums,
        }
    }
}
