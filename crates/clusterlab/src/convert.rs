//! `clusterlab convert DATA.csv DATA.npy`: the feature columns as a float64
//! C-order `.npy`, the label column (if any) as `DATA.labels.npy` beside it.
//! Both are written atomically (a temporary file, then a rename).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::cli::io;
use crate::error::{CliError, CliResult};

#[derive(Debug, Args, Clone)]
pub struct ConvertArgs {
    /// The CSV file to read (header row, numeric columns, optional integer `label`).
    pub input: PathBuf,
    /// The `.npy` file to write (float64, C order, shape (n, d)).
    pub output: PathBuf,
    /// Name of the ground-truth column (default: `label` if present).
    #[arg(long)]
    pub label_column: Option<String>,
}

/// Converts, then prints what it wrote.
pub fn run(args: &ConvertArgs, out: &mut dyn Write) -> CliResult<()> {
    if !clusterlab_data::is_npy(&args.output) {
        return Err(CliError::new(format!(
            "{}: the output must end in .npy",
            args.output.display()
        )));
    }
    let ds = clusterlab_data::load_csv(&args.input, args.label_column.as_deref())?;
    clusterlab_data::write_npy(&args.output, &ds.x)?;
    writeln!(
        out,
        "wrote {} ({} rows × {} features: {})",
        args.output.display(),
        ds.n(),
        ds.d(),
        ds.feature_names.join(", ")
    )
    .map_err(io)?;
    let lp = clusterlab_data::labels_path(&args.output);
    match &ds.labels {
        Some(labels) => {
            clusterlab_data::write_labels_npy(&lp, labels)?;
            writeln!(out, "wrote {} ({} labels)", lp.display(), labels.len()).map_err(io)?;
        }
        // A stale labels file from an earlier conversion would be read as this data's truth.
        None if lp.exists() => std::fs::remove_file(&lp).map_err(|e| {
            CliError::new(format!(
                "{}: cannot remove the old labels: {e}",
                lp.display()
            ))
        })?,
        None => {}
    }
    Ok(())
}
