//! The command line: a subcommand and `--name value` options, parsed by hand to keep the tool
//! free of an argument-parsing dependency.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use crate::error::{BenchError, Result};

/// Printed by `help` and after a usage error.
pub const USAGE: &str = "usage: bench <run|idle|seed|help> [options]

bench run    open one WebSocket per member over --rooms rooms of --members members each, send
             timestamped messages at --rate per second for --duration seconds, then report
             delivery latency, deliveries/s, lost and duplicated deliveries and server RSS
  --server ADDR             server address (default 127.0.0.1:3200)
  --rooms N                 rooms (default 100)
  --members N               members per room, one socket each (default 10)
  --rate R                  messages per second over all rooms (default 200)
  --duration S              seconds of sending (default 60)
  --senders N               members that send, per room (default: all)
  --drain S                 give up waiting for outstanding deliveries after S seconds
                            in which none arrived (default 15)
  --server-pid PID          server process for RSS (default: the process listening on ADDR)
  --setup-concurrency N     parallel registrations and joins (default 8)
  --connect-concurrency N   parallel WebSocket handshakes (default 64)
  --accounts FILE           use accounts saved by `bench seed` instead of registering
  --json                    print the report as JSON
  --reconnect               clients behave like the browser: reconnect with jittered backoff
                            after any close or reset, resubscribe from the last seq seen, fill
                            seq gaps from history, retry unacknowledged sends with the same
                            client_id; the report counts retries, reconnects, redeliveries
                            and lost or duplicated messages (for runs through a load balancer
                            while instances restart)
  --ack-timeout S           with --reconnect: resend a send not acknowledged after S seconds
                            (default 5)
  --token-renew-after S     with --reconnect: renew a client's access token once it is S
                            seconds old (default 600; access tokens live 900)

bench idle   open --connections authenticated WebSockets over --users accounts, hold them
             (answering pings) and report server RSS before and after
  --server ADDR             as above
  --connections N           sockets (default 10000)
  --users N                 accounts the sockets are spread over (default 100)
  --hold S                  seconds to hold the sockets open (default 70)
  --server-pid PID          as above
  --setup-concurrency N     as above
  --connect-concurrency N   as above
  --accounts FILE           as above
  --json                    as above

bench seed   register --users accounts and save their tokens to --out, so that the server can
             be restarted before measuring (password hashing leaves memory in its allocator)
  --server ADDR             as above
  --users N                 accounts (default 1000)
  --out FILE                where to write them (required)
  --setup-concurrency N     as above

bench exits with 2 when a run lost, duplicated or reordered a delivery or a send failed.";

/// Options shared by both modes.
#[derive(Debug, Clone, PartialEq)]
pub struct Common {
    /// The server's HTTP address.
    pub server: SocketAddr,
    /// The server process, when given explicitly.
    pub server_pid: Option<u32>,
    /// Parallel REST calls during setup.
    pub setup_concurrency: usize,
    /// Parallel WebSocket handshakes.
    pub connect_concurrency: usize,
    /// Print JSON instead of a table.
    pub json: bool,
    /// Accounts saved by `bench seed`, instead of registering new ones.
    pub accounts: Option<PathBuf>,
}

/// `bench run`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunArgs {
    /// Shared options.
    pub common: Common,
    /// Number of rooms.
    pub rooms: usize,
    /// Members (and sockets) per room.
    pub members: usize,
    /// Messages per second over all rooms.
    pub rate: f64,
    /// How long to send.
    pub duration: Duration,
    /// Members per room that send; the rest only listen.
    pub senders_per_room: usize,
    /// After sending stops, how long to wait for outstanding acks and deliveries once they
    /// stop arriving.
    pub drain: Duration,
    /// Clients reconnect, catch up and retry sends like the browser (`--reconnect`).
    pub reconnect: bool,
    /// With `reconnect`: how long a send may go unacknowledged before it is sent again.
    pub ack_timeout: Duration,
    /// With `reconnect`: the age at which a client renews its access token.
    pub token_renew_after: Duration,
}

/// `bench idle`.
#[derive(Debug, Clone, PartialEq)]
pub struct IdleArgs {
    /// Shared options.
    pub common: Common,
    /// Sockets to open.
    pub connections: usize,
    /// Accounts they are spread over.
    pub users: usize,
    /// How long to hold them.
    pub hold: Duration,
}

/// `bench seed`.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedArgs {
    /// Shared options.
    pub common: Common,
    /// Accounts to register.
    pub users: usize,
    /// File to write.
    pub out: PathBuf,
}

/// What the tool was asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// A load run.
    Run(RunArgs),
    /// An idle-connection memory measurement.
    Idle(IdleArgs),
    /// Registering accounts for later runs.
    Seed(SeedArgs),
    /// Print usage.
    Help,
}

impl Command {
    /// Reads the arguments after the program name.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self> {
        let mut args = args.into_iter();
        let mode = match args.next().as_deref() {
            None | Some("help" | "-h" | "--help") => return Ok(Command::Help),
            Some(m @ ("run" | "idle" | "seed")) => m.to_owned(),
            Some(other) => return Err(usage(format!("unknown command {other:?}"))),
        };
        let mut opts = Options::read(args)?;
        let common = Common {
            server: opts
                .parse("server")?
                .unwrap_or(([127, 0, 0, 1], 3200).into()),
            server_pid: opts.parse("server-pid")?,
            setup_concurrency: opts.positive("setup-concurrency", 8)?,
            connect_concurrency: opts.positive("connect-concurrency", 64)?,
            json: opts.flag("json"),
            accounts: opts.parse("accounts")?,
        };
        let command = if mode == "seed" {
            Command::Seed(SeedArgs {
                users: opts.positive("users", 1000)?,
                out: opts
                    .parse("out")?
                    .ok_or_else(|| usage("bench seed needs --out FILE"))?,
                common,
            })
        } else if mode == "run" {
            let members = opts.positive("members", 10)?;
            let rate: f64 = opts.parse("rate")?.unwrap_or(200.0);
            if !(rate.is_finite() && rate > 0.0) {
                return Err(usage("--rate must be a positive number"));
            }
            let senders_per_room = opts.positive("senders", members)?;
            if senders_per_room > members {
                return Err(usage("--senders cannot exceed --members"));
            }
            Command::Run(RunArgs {
                common,
                rooms: opts.positive("rooms", 100)?,
                members,
                rate,
                duration: opts.seconds("duration", 60.0)?,
                senders_per_room,
                drain: opts.seconds("drain", 15.0)?,
                reconnect: opts.flag("reconnect"),
                ack_timeout: opts.seconds("ack-timeout", 5.0)?,
                token_renew_after: opts.seconds("token-renew-after", 600.0)?,
            })
        } else {
            Command::Idle(IdleArgs {
                common,
                connections: opts.positive("connections", 10_000)?,
                users: opts.positive("users", 100)?,
                hold: opts.seconds("hold", 70.0)?,
            })
        };
        opts.finish()?;
        Ok(command)
    }
}

fn usage(message: impl Into<String>) -> BenchError {
    BenchError::Usage(message.into())
}

/// `--name value` pairs and bare `--flag`s, consumed as they are looked up so that leftovers
/// can be reported as unknown.
struct Options(Vec<(String, Option<String>)>);

impl Options {
    fn read(args: impl Iterator<Item = String>) -> Result<Self> {
        let mut pairs = Vec::new();
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            let Some(name) = arg.strip_prefix("--") else {
                return Err(usage(format!("unexpected argument {arg:?}")));
            };
            let (name, value) = match name.split_once('=') {
                Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
                None => {
                    let value = args.next_if(|next| !next.starts_with("--"));
                    (name.to_owned(), value)
                }
            };
            if pairs.iter().any(|(n, _)| *n == name) {
                return Err(usage(format!("--{name} given twice")));
            }
            pairs.push((name, value));
        }
        Ok(Self(pairs))
    }

    fn take(&mut self, name: &str) -> Option<Option<String>> {
        let at = self.0.iter().position(|(n, _)| n == name)?;
        Some(self.0.remove(at).1)
    }

    fn flag(&mut self, name: &str) -> bool {
        self.take(name).is_some()
    }

    fn parse<T: std::str::FromStr>(&mut self, name: &str) -> Result<Option<T>> {
        match self.take(name) {
            None => Ok(None),
            Some(None) => Err(usage(format!("--{name} needs a value"))),
            Some(Some(v)) => v
                .parse()
                .map(Some)
                .map_err(|_| usage(format!("--{name}: cannot read {v:?}"))),
        }
    }

    fn positive(&mut self, name: &str, default: usize) -> Result<usize> {
        match self.parse::<usize>(name)? {
            None => Ok(default),
            Some(0) => Err(usage(format!("--{name} must be at least 1"))),
            Some(n) => Ok(n),
        }
    }

    fn seconds(&mut self, name: &str, default: f64) -> Result<Duration> {
        let secs = self.parse::<f64>(name)?.unwrap_or(default);
        Duration::try_from_secs_f64(secs)
            .map_err(|_| usage(format!("--{name} must be a number of seconds")))
    }

    fn finish(self) -> Result<()> {
        match self.0.first() {
            Some((name, _)) => Err(usage(format!("unknown option --{name}"))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command> {
        Command::parse(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn run_has_the_issue_scenario_as_defaults() {
        let Ok(Command::Run(run)) = parse(&["run"]) else {
            panic!("run parses");
        };
        assert_eq!(
            (run.rooms, run.members, run.senders_per_room),
            (100, 10, 10)
        );
        assert_eq!(run.rate, 200.0);
        assert_eq!(run.common.server, "127.0.0.1:3200".parse().unwrap());
        assert!(!run.common.json);
        assert!(!run.reconnect);
    }

    #[test]
    fn reconnect_is_a_flag_with_an_ack_timeout() {
        let Ok(Command::Run(run)) = parse(&["run", "--reconnect", "--ack-timeout", "2.5"]) else {
            panic!("run parses");
        };
        assert!(run.reconnect);
        assert_eq!(run.ack_timeout, Duration::from_millis(2500));
        assert_eq!(run.token_renew_after, Duration::from_secs(600));
        assert!(matches!(
            parse(&["idle", "--reconnect"]),
            Err(BenchError::Usage(_))
        ));
    }

    #[test]
    fn options_take_values_with_or_without_equals() {
        let Ok(Command::Run(run)) = parse(&[
            "run",
            "--rooms",
            "1",
            "--members=1000",
            "--rate",
            "20",
            "--duration",
            "0.5",
            "--json",
            "--server-pid",
            "42",
        ]) else {
            panic!("run parses");
        };
        assert_eq!((run.rooms, run.members), (1, 1000));
        assert_eq!(run.duration, Duration::from_millis(500));
        assert_eq!(run.common.server_pid, Some(42));
        assert!(run.common.json);
    }

    #[test]
    fn idle_reads_its_own_options() {
        let Ok(Command::Idle(idle)) = parse(&["idle", "--connections", "10", "--users", "2"])
        else {
            panic!("idle parses");
        };
        assert_eq!((idle.connections, idle.users), (10, 2));
        let Ok(Command::Idle(idle)) = parse(&["idle", "--accounts", "a.json"]) else {
            panic!("idle parses");
        };
        assert_eq!(idle.common.accounts, Some(PathBuf::from("a.json")));
    }

    #[test]
    fn seed_needs_an_output_file() {
        let Ok(Command::Seed(seed)) = parse(&["seed", "--users", "5", "--out", "s.json"]) else {
            panic!("seed parses");
        };
        assert_eq!((seed.users, seed.out), (5, PathBuf::from("s.json")));
        assert!(matches!(parse(&["seed"]), Err(BenchError::Usage(_))));
    }

    #[test]
    fn mistakes_are_usage_errors() {
        for bad in [
            &["nope"][..],
            &["run", "--rooms"],
            &["run", "--rooms", "0"],
            &["run", "--rooms", "x"],
            &["run", "--rate", "-1"],
            &["run", "--members", "2", "--senders", "3"],
            &["run", "--connections", "5"],
            &["run", "--json", "--json"],
            &["idle", "stray"],
        ] {
            assert!(
                matches!(parse(bad), Err(BenchError::Usage(_))),
                "{bad:?} should be rejected"
            );
        }
        assert_eq!(parse(&[]).ok(), Some(Command::Help));
    }
}
