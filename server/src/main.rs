//! `server [serve|worker|migrate]`: runs the web server, a notification worker, or applies
//! migrations.

use std::process::ExitCode;

use app::infra::config::Config;
use server::{cli::Command, startup, telemetry};

fn main() -> ExitCode {
    let command = match Command::parse(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            println!("{}", server::cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("parley {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Ok(command) => command,
        Err(message) => {
            eprintln!("parley: {message}\n{}", server::cli::USAGE);
            return ExitCode::from(2);
        }
    };
    server::memory::return_large_allocations();
    // Every startup failure is reported as exactly one line on stderr, never a panic trace.
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => return fail(e),
    };
    if let Err(e) = telemetry::init(&config.log_level) {
        return fail(e);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    let outcome = runtime.block_on(async move {
        match command {
            Command::Migrate => startup::migrate(config).await,
            Command::Worker => startup::worker(config).await,
            _ => startup::serve(config).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn fail(error: impl std::fmt::Display) -> ExitCode {
    eprintln!("parley: {error}");
    ExitCode::FAILURE
}
