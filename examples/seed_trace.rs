//! The seed's trace lab: six points, two Gaussians starting at 1.60 and 4.40.
//! Run with `cargo run --example seed_trace`.

fn main() {
    let stdout = std::io::stdout();
    match clusterlab::trace::run_seed_trace(&mut stdout.lock()) {
        Err(e) if !e.is_broken_pipe() => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        _ => {}
    }
}
