//! The command line: one optional subcommand, nothing else.

/// Printed by `help` and after a usage error.
pub const USAGE: &str = "usage: server [serve|worker|migrate|help|--version]
  serve    run migrations, then serve HTTP on SITE_ADDR (default)
  worker   run migrations, then only consume notification jobs (no HTTP)
  migrate  apply pending database migrations and exit
configuration comes from the environment and an optional .env file (see README.md)";

/// What the process was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Run only the notification consumer.
    Worker,
    /// Apply migrations and exit.
    Migrate,
    /// Print usage.
    Help,
    /// Print the version.
    Version,
}

impl Command {
    /// Reads the arguments after the program name.
    pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Self, String> {
        let command = match args.next().as_deref() {
            None | Some("serve") => Command::Serve,
            Some("migrate") => Command::Migrate,
            Some("worker") => Command::Worker,
            Some("help" | "-h" | "--help") => Command::Help,
            Some("version" | "-V" | "--version") => Command::Version,
            Some(other) => return Err(format!("unknown command {other:?}")),
        };
        match args.next() {
            Some(extra) => Err(format!("unexpected argument {extra:?}")),
            None => Ok(command),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Command;

    fn parse(args: &[&str]) -> Result<Command, String> {
        Command::parse(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn serve_is_the_default() {
        assert_eq!(parse(&[]), Ok(Command::Serve));
        assert_eq!(parse(&["serve"]), Ok(Command::Serve));
        assert_eq!(parse(&["migrate"]), Ok(Command::Migrate));
        assert_eq!(parse(&["worker"]), Ok(Command::Worker));
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
    }

    #[test]
    fn unknown_or_extra_arguments_are_errors() {
        assert!(parse(&["nope"]).is_err());
        assert!(parse(&["serve", "now"]).is_err());
    }
}
