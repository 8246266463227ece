//! `riposte-bench`: Riposte's cost and speed on the local emulator, printed as tables and written to
//! `docs/benchmarks.md` with the machine, date and commit, and the figures capacity rests on written
//! into `docs/capacity.md`'s measured section. Not a test: it never fails on a timing.
//!
//! ```sh
//! cargo build --release -p riposte-hub --bins
//! cargo run --release -p riposte-tests --bin riposte-bench -- --runs 50 --findings 10000 --latency-ms 30
//! ```

mod capacity;
mod coldstart;
mod measure;

use clap::Parser;
use measure::Bench;

#[derive(Parser)]
#[command(
    about = "Measure calls per finding, warm latency, cold start and throughput on the local emulator; write docs/benchmarks.md and the measured section of docs/capacity.md"
)]
struct Args {
    /// Single-finding runs per playbook for the warm p50/p95 (at least 50 is meaningful).
    #[arg(long, default_value_t = 50)]
    runs: usize,
    /// Findings in the throughput run (half compromised users, half public buckets).
    #[arg(long, default_value_t = 2000)]
    findings: usize,
    /// Latency the emulator adds to every AWS call in the throughput run, in milliseconds.
    #[arg(long, default_value_t = 30)]
    latency_ms: u64,
    /// Hub instances (Lambda containers) in the throughput run.
    #[arg(long, default_value_t = 2)]
    instances: usize,
    /// Member accounts the throughput run's findings are spread over.
    #[arg(long, default_value_t = 20)]
    accounts: usize,
    /// Regions the throughput run's findings are spread over, comma-separated.
    #[arg(long, default_value = "us-east-1,us-west-2", value_delimiter = ',')]
    regions: Vec<String>,
    /// Where to write the report ("-" for stdout only: then docs/capacity.md is not touched either).
    #[arg(long, default_value = "docs/benchmarks.md")]
    out: String,
    /// The capacity page whose measured section is rewritten.
    #[arg(long, default_value = "docs/capacity.md")]
    capacity: String,
}

fn main() {
    let args = Args::parse();
    // SDK futures are large: run on a thread with the hub's stack size, on the hub's runtime.
    let runtime = riposte_hub::cli::runtime().unwrap_or_else(|e| panic!("{e}"));
    let (report, measured) = std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn_scoped(s, || runtime.block_on(Box::pin(run(&args))))
            .unwrap_or_else(|e| panic!("{e}"))
            .join()
            .unwrap_or_else(|_| panic!("the benchmark panicked"))
    });
    let section = measured.section();
    println!("{report}\n{section}");
    if args.out != "-" {
        let path = riposte_tests::repo_root().join(&args.out);
        std::fs::write(&path, &report).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("wrote {}", path.display());
        let path = riposte_tests::repo_root().join(&args.capacity);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        std::fs::write(&path, capacity::splice(&text, &section))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("wrote the measured section of {}", path.display());
    }
}

async fn run(args: &Args) -> (String, capacity::Measured) {
    let mut measured = capacity::Measured {
        stamp: measure::stamp(),
        ..Default::default()
    };
    let bench = Bench::start();
    let load = riposte_tests::load::Load {
        findings: args.findings,
        accounts: args.accounts,
        regions: args.regions.clone(),
        latency_ms: args.latency_ms,
        instances: args.instances,
        settings: String::new(),
        throttle: None,
    };
    let mut out = measure::header(args.runs, &load);

    eprintln!("== calls per finding, per playbook (coverage scenario)");
    out.push_str(&bench.per_playbook().await);

    eprintln!(
        "== one finding warm, {} runs each; the 100 + 100 batch; cold start",
        args.runs
    );
    let singles = bench.singles_and_batch(args.runs, &mut measured).await;
    out.push_str(&singles);

    eprintln!(
        "== throughput: {} findings over {} accounts × {:?}, {} ms per call, {} instances",
        load.findings, load.accounts, load.regions, load.latency_ms, load.instances
    );
    out.push_str(&bench.throughput(&load, &mut measured).await);
    (out, measured)
}
