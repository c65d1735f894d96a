//! `bench`: a load tool for a running Parley server. It talks to the server only through its
//! public interfaces (REST `/api/v1` for setup, `GET /ws` for the load) and reads the
//! server's memory from `/proc`. See docs/benchmarks.md for the scenarios and results.

mod api;
mod cli;
mod error;
mod hostile;
mod idle;
mod ledger;
mod load;
mod net;
mod report;
mod resilient;
mod rss;
mod setup;
mod stats;
mod ws;

use std::process::ExitCode;

use cli::{Command, USAGE};
use error::BenchError;

/// Exit status of a run that completed but was not clean (loss, duplicates, refusals).
const NOT_CLEAN: u8 = 2;

fn main() -> ExitCode {
    let command = match Command::parse(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bench: {e}\n\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    if command == Command::Attack {
        // Before the runtime exists, so every one of its threads inherits the priority.
        hostile::yield_to_the_measured();
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bench: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(command)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(NOT_CLEAN),
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the command and prints its report; `Ok(false)` when the run was not clean.
async fn execute(command: Command) -> Result<bool, BenchError> {
    match command {
        Command::Help => {
            println!("{USAGE}");
            Ok(true)
        }
        Command::Run(args) if args.reconnect => {
            let report = resilient::run(&args).await?;
            if args.common.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", report::reconnect_table(&report));
            }
            let clean = report.clean();
            if !clean {
                eprintln!("bench: RUN FAILED: {}", report.failures().join(", "));
            }
            Ok(clean)
        }
        Command::Run(args) => {
            let report = load::run(&args).await?;
            if args.common.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", report::run_table(&report));
            }
            Ok(report.clean())
        }
        Command::Hostile(args) => {
            let report = hostile::run(&args).await?;
            if args.run.common.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", report::hostile_table(&report));
            }
            let passed = report.failures.is_empty();
            if !passed {
                eprintln!("bench: HOSTILE FAILED: {}", report.failures.join("; "));
            }
            Ok(passed)
        }
        Command::Attack => {
            hostile::attack_from_stdin().await?;
            Ok(true)
        }
        Command::Seed(args) => {
            let names = setup::RunNames::new();
            eprintln!("registering {} accounts ({})", args.users, names.tag);
            let accounts = setup::register(
                args.common.server,
                &names,
                args.users,
                args.common.setup_concurrency,
            )
            .await?;
            setup::AccountsFile::new(args.common.server, accounts).save(&args.out)?;
            eprintln!("saved to {}", args.out.display());
            Ok(true)
        }
        Command::Idle(args) => {
            let report = idle::run(&args).await?;
            if args.common.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", report::idle_table(&report));
            }
            Ok(report.clean())
        }
    }
}
