//! Reading a dataset from CSV.

use std::collections::HashSet;
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use ndarray::Array2;

use crate::dataset::{Dataset, LABEL_COLUMN, NOISE};
use crate::error::{one_line, DataError};

/// Longest cell text quoted back in an error message.
const MAX_SHOWN: usize = 40;

fn shown_value(s: &str) -> String {
    let s = one_line(s);
    if s.chars().count() <= MAX_SHOWN {
        s
    } else {
        let cut: String = s.chars().take(MAX_SHOWN).collect();
        format!("{cut}...")
    }
}

/// Longest line the loader reads (16 MiB: 100,000 columns of long numbers).
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// The file's bytes, refusing a line longer than [`MAX_LINE_BYTES`].
fn read_capped(path: &Path, shown: &str) -> Result<Vec<u8>, DataError> {
    use std::io::Read;
    let unreadable = |e: std::io::Error| match e.kind() {
        ErrorKind::NotFound => DataError::NotFound {
            path: shown.to_string(),
        },
        _ => DataError::Unreadable {
            path: shown.to_string(),
            message: one_line(&e.to_string()),
        },
    };
    let mut f = fs::File::open(path).map_err(unreadable)?;
    let mut bytes = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut since_newline = 0usize;
    let mut line = 1usize;
    loop {
        let got = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(g) => g,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(unreadable(e)),
        };
        for &b in &buf[..got] {
            if b == b'\n' {
                since_newline = 0;
                line += 1;
            } else {
                since_newline += 1;
            }
        }
        if since_newline > MAX_LINE_BYTES {
            return Err(DataError::Unreadable {
                path: shown.to_string(),
                message: format!(
                    "line {line} is longer than {} MiB (not a CSV file?)",
                    MAX_LINE_BYTES >> 20
                ),
            });
        }
        bytes.extend_from_slice(&buf[..got]);
    }
    Ok(bytes)
}

/// Loads a CSV file into a [`Dataset`].
///
/// * Line 1 is a header of column names (a UTF-8 byte-order mark is
///   ignored; cells are trimmed of surrounding spaces; blank lines are
///   skipped).
/// * Every column is a numeric feature except the ground-truth column:
///   `label_column` if given (an error if the header lacks it), otherwise a
///   column named `label` if there is one (or a single one named so in
///   another case, such as `Label`).
/// * A line longer than [`MAX_LINE_BYTES`] is an error (so a stream without
///   line breaks, such as `/dev/zero`, is not read until memory runs out).
/// * Labels are integers ≥ −1 (`-1` = noise); an integral float such as
///   `2.0` is accepted as `2`.
/// * NaN and infinities are rejected.
///
/// The dataset's name is the file stem and its source the path as given.
/// Errors name the file, the line (1-based line number in the file, the
/// header is line 1) and the column.
pub fn load_csv(path: &Path, label_column: Option<&str>) -> Result<Dataset, DataError> {
    let shown = path.display().to_string();
    let bytes = read_capped(path, &shown)?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| shown.clone());
    let mut ds = parse_csv(&bytes, &shown, label_column)?;
    ds.name = name;
    ds.source = shown;
    Ok(ds)
}

/// Line numbers counted from byte offsets: the csv crate's own line count
/// drifts over blank lines and CRLF line ends, its byte offsets do not.
/// A record's offset may point at blank lines before it; those are skipped.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// 1-based line of the record whose position is `pos` (records come in
    /// file order, so counting resumes where the last call stopped).
    fn line_of(&mut self, pos: Option<&csv::Position>) -> u64 {
        let Some(pos) = pos else { return self.line };
        let mut start = usize::try_from(pos.byte())
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start < self.offset {
            // Not expected; count from the top rather than guess.
            self.offset = 0;
            self.line = 1;
        }
        self.line += self.bytes[self.offset..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.offset = start;
        self.line
    }
}

fn malformed(path: &str, err: &csv::Error, lines: &mut LineCounter) -> DataError {
    let line = lines.line_of(err.position());
    let message = match err.kind() {
        csv::ErrorKind::Utf8 { err, .. } => format!("not valid UTF-8 ({err})"),
        _ => err.to_string(),
    };
    DataError::Malformed {
        path: path.to_string(),
        line,
        message: one_line(&message),
    }
}

/// Parses CSV text (see [`load_csv`]); `path` is only used in messages.
/// Name and source are left to the caller.
fn parse_csv(bytes: &[u8], path: &str, label_column: Option<&str>) -> Result<Dataset, DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut records = reader.records();
    let mut lines = LineCounter::new(bytes);

    // Header: the first non-blank record.
    let header = loop {
        match records.next() {
            None => {
                return Err(DataError::Empty {
                    path: path.to_string(),
                })
            }
            Some(Err(e)) => return Err(malformed(path, &e, &mut lines)),
            Some(Ok(rec)) => {
                if rec.len() == 1 && rec[0].is_empty() {
                    continue;
                }
                break rec;
            }
        }
    };
    let columns: Vec<String> = header.iter().map(str::to_string).collect();
    let mut seen = HashSet::new();
    for c in &columns {
        if !seen.insert(c.as_str()) {
            return Err(DataError::DuplicateColumn {
                path: path.to_string(),
                column: shown_value(c),
            });
        }
    }
    let wanted = label_column.unwrap_or(LABEL_COLUMN);
    let label_idx = columns.iter().position(|c| c == wanted).or_else(|| {
        // `Label` or `LABEL` is the ground truth too, not a feature.
        let mut like = columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.eq_ignore_ascii_case(LABEL_COLUMN));
        match (label_column, like.next(), like.next()) {
            (None, Some((j, _)), None) => Some(j),
            _ => None,
        }
    });
    if label_idx.is_none() && label_column.is_some() {
        return Err(DataError::MissingLabelColumn {
            path: path.to_string(),
            column: shown_value(wanted),
            available: columns
                .iter()
                .map(|c| format!("\"{}\"", shown_value(c)))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let feature_idx: Vec<usize> = (0..columns.len())
        .filter(|&j| Some(j) != label_idx)
        .collect();
    if feature_idx.is_empty() {
        return Err(DataError::NoFeatures {
            path: path.to_string(),
            label_column: shown_value(wanted),
        });
    }
    let d = feature_idx.len();

    let mut values: Vec<f64> = Vec::new();
    let mut labels: Vec<i64> = Vec::new();
    let mut n = 0usize;
    for rec in records {
        let rec = rec.map_err(|e| malformed(path, &e, &mut lines))?;
        let line = lines.line_of(rec.position());
        if rec.len() == 1 && rec[0].is_empty() && columns.len() != 1 {
            continue; // a blank line
        }
        if rec.len() != columns.len() {
            return Err(DataError::Ragged {
                path: path.to_string(),
                line,
                expected: columns.len(),
                found: rec.len(),
            });
        }
        for &j in &feature_idx {
            let cell = &rec[j];
            let v: f64 = cell.parse().map_err(|_| DataError::NotANumber {
                path: path.to_string(),
                line,
                column: shown_value(&columns[j]),
                value: shown_value(cell),
            })?;
            if !v.is_finite() {
                return Err(DataError::NotFinite {
                    path: path.to_string(),
                    line,
                    column: shown_value(&columns[j]),
                    value: shown_value(cell),
                });
            }
            values.push(v);
        }
        if let Some(j) = label_idx {
            let cell = &rec[j];
            let label = parse_label(cell).ok_or_else(|| DataError::BadLabel {
                path: path.to_string(),
                line,
                column: shown_value(&columns[j]),
                value: shown_value(cell),
            })?;
            labels.push(label);
        }
        n += 1;
    }
    if n == 0 {
        return Err(DataError::NoRows {
            path: path.to_string(),
        });
    }
    let x = Array2::from_shape_vec((n, d), values).map_err(|e| DataError::Malformed {
        path: path.to_string(),
        line: 0,
        message: one_line(&e.to_string()),
    })?;
    Ok(Dataset {
        name: String::new(),
        x,
        feature_names: feature_idx.iter().map(|&j| columns[j].clone()).collect(),
        labels: label_idx.map(|_| labels),
        source: String::new(),
    })
}

/// An integer ≥ −1, written as an integer or as an integral float (`2.0`).
fn parse_label(cell: &str) -> Option<i64> {
    let label = match cell.parse::<i64>() {
        Ok(l) => l,
        Err(_) => {
            let v: f64 = cell.parse().ok()?;
            // Integral and well inside the range where f64 holds integers exactly.
            if !(v.fract() == 0.0 && v.abs() <= 9.0e15) {
                return None;
            }
            v as i64
        }
    };
    (label >= NOISE).then_some(label)
}
