//! Runs the comparison without the `clusterlab` binary:
//! `cargo run --release -p clusterlab-report --example compare -- [DATASET ...] [--out DIR]`.

fn main() {
    let mut cfg = clusterlab_report::CompareConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--out" {
            cfg.out = args.next().expect("--out DIR").into();
        } else if a == "--config" {
            let keep = (cfg.out.clone(), cfg.datasets.clone());
            let p = std::path::PathBuf::from(args.next().expect("--config FILE"));
            cfg = clusterlab_report::CompareConfig::from_file(&p).unwrap_or_else(|e| {
                eprintln!("error: {e}");
                std::process::exit(1)
            });
            (cfg.out, cfg.datasets) = keep;
        } else {
            cfg.datasets.push(a);
        }
    }
    match clusterlab_report::run(&cfg) {
        Ok(s) => eprintln!(
            "wrote {} files to {} (fit {:.2} s, render {:.2} s, total {:.2} s); {} skipped",
            s.files.len(),
            s.out.display(),
            s.fit_seconds,
            s.render_seconds,
            s.total_seconds,
            s.skipped.len()
        ),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
