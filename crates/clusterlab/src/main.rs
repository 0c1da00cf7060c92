//! The `clusterlab` command: parse, dispatch, report errors on one line.

fn main() {
    std::process::exit(clusterlab::cli::main_with_args(std::env::args_os()));
}
