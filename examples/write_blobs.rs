//! Writes a Gaussian-blobs CSV at the sizes users bring, for timing
//! `clusterlab compare` (the README's cost-against-n table):
//!
//! ```sh
//! cargo run --release --example write_blobs -- 1000000 10 /tmp/blobs-1m-10.csv
//! cargo run --release -- compare /tmp/blobs-1m-10.csv --out /tmp/r1m
//! ```
//!
//! Arguments: n, d, the output path, and optionally the number of blobs
//! (default 5), their standard deviation (default 1) and the seed (default
//! 42). Point i belongs to blob i mod blobs; the `label` column says which.
//! The generator is `clusterlab_algos::synth::blobs`, the one the density
//! benchmarks and `crates/algos/scripts/time_sklearn.py` use.

use std::io::{BufWriter, Write};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: write_blobs N D OUT.csv [BLOBS [STD [SEED]]]");
        std::process::exit(2);
    }
    let num = |i: usize, default: f64| -> f64 {
        args.get(i).map_or(default, |s| {
            s.parse().unwrap_or_else(|_| {
                eprintln!("write_blobs: argument {} is not a number: {s}", i + 1);
                std::process::exit(2)
            })
        })
    };
    let (n, d) = (num(0, 0.0) as usize, num(1, 0.0) as usize);
    let (blobs, std, seed) = (num(3, 5.0) as usize, num(4, 1.0), num(5, 42.0) as u64);
    let x = clusterlab_algos::synth::blobs(n, d, blobs, std, seed);
    let path = std::path::Path::new(&args[2]);
    let tmp = path.with_extension("csv.partial");
    let write = || -> std::io::Result<()> {
        let mut w = BufWriter::new(std::fs::File::create(&tmp)?);
        let header: Vec<String> = (0..d).map(|j| format!("x{j}")).collect();
        writeln!(w, "{},label", header.join(","))?;
        for (i, row) in x.rows().into_iter().enumerate() {
            for v in row {
                write!(w, "{v},")?;
            }
            writeln!(w, "{}", i % blobs.max(1))?;
        }
        w.flush()?;
        std::fs::rename(&tmp, path)
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        eprintln!("write_blobs: {}: {e}", path.display());
        std::process::exit(1);
    }
}
