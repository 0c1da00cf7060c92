//! NumPy's `.npy` format: the feature matrix as little-endian float64 in C
//! order (`descr '<f8'`, `fortran_order False`, `shape (n, d)`), and the
//! ground truth beside it as `STEM.labels.npy` (`'<i8'`, shape `(n,)`).
//!
//! A file is `\x93NUMPY`, a major and a minor version byte, the header's
//! length (2 bytes little-endian in version 1, 4 in versions 2 and 3), the
//! header (a Python dict literal padded with spaces and ended by `\n` so the
//! data starts at a multiple of 64 bytes), then the raw values. The header is
//! parsed here by hand: only the three keys and the types above are read.
//!
//! [`NpyMatrix`] memory-maps a file so a worker can read any rows of it
//! without loading the rest; [`load_npy`] copies everything into a
//! [`Dataset`]; [`write_npy`] writes atomically (temporary file, rename).

use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use ndarray::Array2;

use crate::dataset::{Dataset, NOISE};
use crate::error::{one_line, DataError};

const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// The data starts at a multiple of this many bytes (NumPy's `ARRAY_ALIGN`).
const ALIGN: usize = 64;
/// Digits NumPy reserves for the first dimension (`GROWTH_AXIS_MAX_DIGITS`).
const GROWTH_DIGITS: usize = 21;
/// Largest header the reader accepts (NumPy itself refuses beyond 10,000 bytes).
const MAX_HEADER: usize = 1 << 16;

/// The element types read here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    /// `<f8`: little-endian float64.
    F64,
    /// `<i8`: little-endian int64.
    I64,
    /// `<i4`: little-endian int32.
    I32,
}

impl Dtype {
    fn descr(self) -> &'static str {
        match self {
            Dtype::F64 => "<f8",
            Dtype::I64 => "<i8",
            Dtype::I32 => "<i4",
        }
    }
    fn size(self) -> usize {
        match self {
            Dtype::F64 | Dtype::I64 => 8,
            Dtype::I32 => 4,
        }
    }
    fn parse(s: &str) -> Option<Dtype> {
        match s {
            "<f8" | "f8" | "float64" => Some(Dtype::F64),
            "<i8" | "i8" | "int64" => Some(Dtype::I64),
            "<i4" | "i4" | "int32" => Some(Dtype::I32),
            _ => None,
        }
    }
}

/// What a `.npy` header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyHeader {
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    /// Byte offset of the first value.
    pub data_offset: usize,
}

fn bad(path: &str, message: impl Into<String>) -> DataError {
    DataError::Malformed {
        path: path.to_string(),
        line: 0,
        message: message.into(),
    }
}

fn io_error(path: &str, e: std::io::Error) -> DataError {
    match e.kind() {
        std::io::ErrorKind::NotFound => DataError::NotFound {
            path: path.to_string(),
        },
        _ => DataError::Unreadable {
            path: path.to_string(),
            message: one_line(&e.to_string()),
        },
    }
}

/// The value text of `key` in the header dict (up to the next top-level comma or brace).
fn dict_value<'a>(dict: &'a str, key: &str) -> Option<&'a str> {
    let at = dict
        .find(&format!("'{key}'"))
        .or_else(|| dict.find(&format!("\"{key}\"")))?;
    let rest = &dict[at + key.len() + 2..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let mut depth = 0i32;
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' | '}' if depth == 0 => return Some(rest[..i].trim()),
            _ => {}
        }
        if depth < 0 {
            return None;
        }
    }
    None
}

/// Parses the header dict (`{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }`).
fn parse_dict(path: &str, dict: &str) -> Result<(Dtype, Vec<usize>), DataError> {
    let descr = dict_value(dict, "descr")
        .ok_or_else(|| bad(path, "the .npy header has no 'descr'"))?
        .trim_matches(|c| c == '\'' || c == '"');
    let dtype = Dtype::parse(descr).ok_or_else(|| {
        bad(
            path,
            format!(
                "the .npy data type is '{}' (expected '<f8' float64, or '<i8'/'<i4' for labels)",
                one_line(descr)
            ),
        )
    })?;
    match dict_value(dict, "fortran_order") {
        Some("False") => {}
        Some("True") => return Err(bad(
            path,
            "the .npy array is in Fortran order (expected C order; save np.ascontiguousarray(x))",
        )),
        _ => return Err(bad(path, "the .npy header has no 'fortran_order'")),
    }
    let shape_text =
        dict_value(dict, "shape").ok_or_else(|| bad(path, "the .npy header has no 'shape'"))?;
    let inner = shape_text
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| bad(path, format!("the .npy shape {shape_text} is not a tuple")))?;
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_end_matches('L').parse::<usize>().map_err(|_| {
                bad(
                    path,
                    format!("the .npy shape {shape_text} is not a tuple of sizes"),
                )
            })
        })
        .collect::<Result<Vec<usize>, DataError>>()?;
    Ok((dtype, shape))
}

/// Reads and checks the header of the `.npy` file at `path`.
pub fn read_npy_header(path: &Path) -> Result<NpyHeader, DataError> {
    let shown = path.display().to_string();
    let mut f = File::open(path).map_err(|e| io_error(&shown, e))?;
    let mut pre = [0u8; 8];
    f.read_exact(&mut pre)
        .map_err(|_| bad(&shown, "not a .npy file (shorter than its magic string)"))?;
    if &pre[..6] != MAGIC {
        return Err(bad(&shown, "not a .npy file (no \\x93NUMPY magic string)"));
    }
    let (len, prefix) = match pre[6] {
        1 => {
            let mut b = [0u8; 2];
            f.read_exact(&mut b)
                .map_err(|_| bad(&shown, "the .npy header is cut short"))?;
            (u16::from_le_bytes(b) as usize, 10)
        }
        2 | 3 => {
            let mut b = [0u8; 4];
            f.read_exact(&mut b)
                .map_err(|_| bad(&shown, "the .npy header is cut short"))?;
            (u32::from_le_bytes(b) as usize, 12)
        }
        v => {
            return Err(bad(
                &shown,
                format!(".npy format version {v} is not supported"),
            ))
        }
    };
    if len > MAX_HEADER {
        return Err(bad(&shown, format!("the .npy header claims {len} bytes")));
    }
    let mut text = vec![0u8; len];
    f.read_exact(&mut text)
        .map_err(|_| bad(&shown, "the .npy header is cut short"))?;
    let dict = String::from_utf8_lossy(&text);
    let (dtype, shape) = parse_dict(&shown, &dict)?;
    let header = NpyHeader {
        dtype,
        shape,
        data_offset: prefix + len,
    };
    let expected = header
        .shape
        .iter()
        .try_fold(dtype.size(), |a, &s| a.checked_mul(s))
        .and_then(|b| b.checked_add(header.data_offset))
        .ok_or_else(|| bad(&shown, "the .npy shape is too large"))?;
    let actual = f.metadata().map_err(|e| io_error(&shown, e))?.len() as usize;
    if actual != expected {
        return Err(bad(
            &shown,
            format!(
                "the .npy file has {actual} bytes but its header (shape {:?}, {}) needs {expected}",
                header.shape,
                dtype.descr()
            ),
        ));
    }
    Ok(header)
}

/// A float64 C-order `n × d` `.npy` file, memory-mapped: rows are read from
/// the page cache on demand, so only the rows touched stay resident.
pub struct NpyMatrix {
    map: Mmap,
    offset: usize,
    n: usize,
    d: usize,
    path: String,
}

impl NpyMatrix {
    /// Maps the file at `path` (its header must say `'<f8'`, C order, two dimensions).
    pub fn open(path: &Path) -> Result<NpyMatrix, DataError> {
        let shown = path.display().to_string();
        let h = read_npy_header(path)?;
        if h.dtype != Dtype::F64 {
            return Err(bad(
                &shown,
                format!(
                    "the features are '{}' (expected '<f8' float64)",
                    h.dtype.descr()
                ),
            ));
        }
        let (n, d) = match h.shape[..] {
            [n, d] => (n, d),
            [n] => (n, 1),
            _ => {
                return Err(bad(
                    &shown,
                    format!("the .npy array has shape {:?} (expected (n, d))", h.shape),
                ))
            }
        };
        if n == 0 || d == 0 {
            return Err(DataError::NoRows { path: shown });
        }
        let file = File::open(path).map_err(|e| io_error(&shown, e))?;
        // SAFETY: the map is read-only; a file truncated by another process
        // while mapped would fault, which is the same hazard as any reader
        // of a file someone else rewrites in place (`convert` never does:
        // it writes a new file and renames it).
        let map = unsafe { Mmap::map(&file) }.map_err(|e| io_error(&shown, e))?;
        Ok(NpyMatrix {
            map,
            offset: h.data_offset,
            n,
            d,
            path: shown,
        })
    }

    pub fn n(&self) -> usize {
        self.n
    }
    pub fn d(&self) -> usize {
        self.d
    }
    /// The file as given, for messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Copies rows `lo..hi` into `out` (row-major, `(hi − lo)·d` values).
    pub fn read_rows(&self, lo: usize, hi: usize, out: &mut Vec<f64>) {
        let d = self.d;
        let bytes = &self.map[self.offset + lo * d * 8..self.offset + hi * d * 8];
        out.clear();
        out.extend(
            bytes
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes"))),
        );
    }

    /// Copies one row into `out` (d values).
    pub fn read_row(&self, i: usize, out: &mut [f64]) {
        let d = self.d;
        let bytes = &self.map[self.offset + i * d * 8..self.offset + (i + 1) * d * 8];
        for (o, b) in out.iter_mut().zip(bytes.chunks_exact(8)) {
            *o = f64::from_le_bytes(b.try_into().expect("8 bytes"));
        }
    }

    /// Tells the OS the pages of rows `lo..hi` are not needed for now (they
    /// stay in the page cache but leave this process's resident set).
    pub fn release_rows(&self, lo: usize, hi: usize) {
        #[cfg(unix)]
        {
            let page = 4096;
            let start = (self.offset + lo * self.d * 8) / page * page;
            let end = (self.offset + hi * self.d * 8).min(self.map.len());
            if end > start {
                // SAFETY: the range lies inside the read-only map; DONTNEED on
                // a file-backed read-only map only drops pages, which are read
                // back from the file on the next access.
                let _ = unsafe {
                    self.map.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        start,
                        end - start,
                    )
                };
            }
        }
    }

    /// The first non-finite value, as (row, column), 0-based.
    pub fn first_non_finite(&self) -> Option<(usize, usize)> {
        let bytes = &self.map[self.offset..self.offset + self.n * self.d * 8];
        bytes
            .chunks_exact(8)
            .position(|b| !f64::from_le_bytes(b.try_into().expect("8 bytes")).is_finite())
            .map(|p| (p / self.d, p % self.d))
    }
}

/// `DATA.labels.npy` beside `DATA.npy`.
pub fn labels_path(npy: &Path) -> PathBuf {
    let stem = npy
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    npy.with_file_name(format!("{stem}.labels.npy"))
}

/// Reads a labels `.npy` (`'<i8'` or `'<i4'`, shape `(n,)`, values ≥ −1).
pub fn read_labels(path: &Path, n: usize) -> Result<Vec<i64>, DataError> {
    let shown = path.display().to_string();
    let h = read_npy_header(path)?;
    if h.shape != [n] {
        return Err(bad(
            &shown,
            format!(
                "the labels have shape {:?} but the data has {n} rows",
                h.shape
            ),
        ));
    }
    let bytes = fs::read(path).map_err(|e| io_error(&shown, e))?;
    let data = &bytes[h.data_offset..];
    let labels: Vec<i64> = match h.dtype {
        Dtype::I64 => data
            .chunks_exact(8)
            .map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect(),
        Dtype::I32 => data
            .chunks_exact(4)
            .map(|b| i32::from_le_bytes(b.try_into().expect("4 bytes")) as i64)
            .collect(),
        Dtype::F64 => {
            return Err(bad(
                &shown,
                "the labels are float64 (expected integers '<i8' or '<i4')",
            ))
        }
    };
    if let Some(i) = labels.iter().position(|&l| l < NOISE) {
        return Err(bad(
            &shown,
            format!(
                "label {} (row {}) is below -1 (-1 = noise)",
                labels[i],
                i + 1
            ),
        ));
    }
    Ok(labels)
}

/// Loads a float64 `.npy` into a [`Dataset`] (features named `x1`, `x2`, …),
/// with the labels of `STEM.labels.npy` when that file exists.
pub fn load_npy(path: &Path) -> Result<Dataset, DataError> {
    let m = NpyMatrix::open(path)?;
    if let Some((i, j)) = m.first_non_finite() {
        return Err(bad(
            m.path(),
            format!("row {}, column {} is not finite", i + 1, j + 1),
        ));
    }
    let mut values = Vec::new();
    m.read_rows(0, m.n(), &mut values);
    let x = Array2::from_shape_vec((m.n(), m.d()), values).expect("n × d values");
    let lp = labels_path(path);
    let labels = if lp.exists() {
        Some(read_labels(&lp, m.n())?)
    } else {
        None
    };
    Ok(Dataset {
        name: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        x,
        feature_names: (1..=m.d()).map(|j| format!("x{j}")).collect(),
        labels,
        source: path.display().to_string(),
    })
}

/// The header bytes NumPy writes for `shape` and `dtype` (version 1.0,
/// padded with spaces so the data starts at a multiple of 64 bytes).
pub fn npy_header(dtype: Dtype, shape: &[usize]) -> Vec<u8> {
    let dims = match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {dims}, }}",
        dtype.descr()
    );
    // NumPy leaves room for the first dimension to grow to 21 digits (so
    // an array can be appended to in place); matching it keeps the bytes equal.
    let growth = GROWTH_DIGITS.saturating_sub(shape.first().map_or(0, |n| n.to_string().len()));
    let dict = format!("{dict}{}", " ".repeat(growth));
    let unpadded = MAGIC.len() + 2 + 2 + dict.len() + 1;
    let pad = unpadded.next_multiple_of(ALIGN) - unpadded;
    let mut out = Vec::with_capacity(unpadded + pad);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&((dict.len() + pad + 1) as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.extend(std::iter::repeat_n(b' ', pad));
    out.push(b'\n');
    out
}

/// Writes `bytes` to `path` through a temporary file beside it and a rename.
fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<(), DataError> {
    let shown = path.display().to_string();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .ok_or_else(|| DataError::Write {
            path: shown.clone(),
            message: "not a file path".into(),
        })?;
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut w = BufWriter::new(File::create(&tmp)?);
        write(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        DataError::Write {
            path: shown,
            message: one_line(&e.to_string()),
        }
    })
}

/// Writes `x` as a float64 C-order `.npy` at `path` (atomically).
pub fn write_npy(path: &Path, x: &Array2<f64>) -> Result<(), DataError> {
    write_atomic(path, |w| {
        w.write_all(&npy_header(Dtype::F64, &[x.nrows(), x.ncols()]))?;
        for v in x.iter() {
            w.write_all(&v.to_le_bytes())?;
        }
        Ok(())
    })
}

/// Writes `labels` as an int64 `.npy` of shape `(n,)` at `path` (atomically).
pub fn write_labels_npy(path: &Path, labels: &[i64]) -> Result<(), DataError> {
    write_atomic(path, |w| {
        w.write_all(&npy_header(Dtype::I64, &[labels.len()]))?;
        for v in labels {
            w.write_all(&v.to_le_bytes())?;
        }
        Ok(())
    })
}
