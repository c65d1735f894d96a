//! The command line: a subcommand and `--name value` options, parsed by hand to keep the tool
//! free of an argument-parsing dependency.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use crate::error::{BenchError, Result};

/// Printed by `help` and after a usage error.
pub const USAGE: &str = "usage: bench <run|hostile|idle|seed|help> [options]

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

bench hostile  run the `bench run` scenario twice, quiet and then under attack, and compare:
             WebSocket attackers (their own accounts, from many loopback addresses) flood
             malformed JSON, binary frames, unknown frame types and oversized messages,
             reconnecting after each close, while failed sign-ins arrive from many addresses;
             fails (exit 2, `bench: HOSTILE FAILED: ...`) when p99 under attack exceeds
             --max-p99-ratio times the quiet p99, anything is lost, duplicated or out of order,
             any answer is 5xx or not as documented, or server RSS grows past --rss-margin
  every `bench run` option except --reconnect (the scenario runs once per phase), and
  --attackers N              attacking sockets (default 24), over 4 accounts
  --logins N                 failed sign-ins during the attack (default 10000)
  --login-addresses N        source addresses they come from (default 100)
  --login-concurrency N      sign-ins in flight at once (default 16)
  --max-p99-ratio R          pass bound on p99 hostile / p99 quiet (default 2)
  --rss-margin MIB           pass bound on hostile RSS peak over the quiet peak (default 256)
  (the attackers run in a second process, `bench attack`, which reads its plan from stdin;
  it is not meant to be run by hand)

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

/// `bench hostile`.
#[derive(Debug, Clone, PartialEq)]
pub struct HostileArgs {
    /// The scenario, run quiet and then under attack.
    pub run: RunArgs,
    /// Attacking WebSockets.
    pub attackers: usize,
    /// Failed sign-ins to attempt.
    pub logins: usize,
    /// Source addresses the sign-ins are spread over.
    pub login_addresses: usize,
    /// Sign-ins in flight at once.
    pub login_concurrency: usize,
    /// Largest allowed p99 hostile / p99 quiet.
    pub max_p99_ratio: f64,
    /// Largest allowed growth of the RSS peak over the quiet peak, KiB.
    pub rss_margin_kib: u64,
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
    /// A load run quiet and under attack.
    Hostile(HostileArgs),
    /// An idle-connection memory measurement.
    Idle(IdleArgs),
    /// Registering accounts for later runs.
    Seed(SeedArgs),
    /// The attacking half of `bench hostile`, in its own process.
    Attack,
    /// Print usage.
    Help,
}

impl Command {
    /// Reads the arguments after the program name.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self> {
        let mut args = args.into_iter();
        let mode = match args.next().as_deref() {
            None | Some("help" | "-h" | "--help") => return Ok(Command::Help),
            Some("attack") => {
                Options::read(args)?.finish()?;
                return Ok(Command::Attack);
            }
            Some(m @ ("run" | "hostile" | "idle" | "seed")) => m.to_owned(),
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
            Command::Run(run_args(&mut opts, common)?)
        } else if mode == "hostile" {
            let run = run_args(&mut opts, common)?;
            if run.reconnect {
                return Err(usage("bench hostile does not take --reconnect"));
            }
            let max_p99_ratio: f64 = opts.parse("max-p99-ratio")?.unwrap_or(2.0);
            if !(max_p99_ratio.is_finite() && max_p99_ratio > 0.0) {
                return Err(usage("--max-p99-ratio must be a positive number"));
            }
            Command::Hostile(HostileArgs {
                run,
                attackers: opts.positive("attackers", 24)?,
                logins: opts.parse("logins")?.unwrap_or(10_000),
                login_addresses: opts.positive("login-addresses", 100)?,
                login_concurrency: opts.positive("login-concurrency", 16)?,
                max_p99_ratio,
                rss_margin_kib: opts.parse::<u64>("rss-margin")?.unwrap_or(256) * 1024,
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

/// The options of `bench run` (also the scenario of `bench hostile`).
fn run_args(opts: &mut Options, common: Common) -> Result<RunArgs> {
    let members = opts.positive("members", 10)?;
    let rate: f64 = opts.parse("rate")?.unwrap_or(200.0);
    if !(rate.is_finite() && rate > 0.0) {
        return Err(usage("--rate must be a positive number"));
    }
    let senders_per_room = opts.positive("senders", members)?;
    if senders_per_room > members {
        return Err(usage("--senders cannot exceed --members"));
    }
    Ok(RunArgs {
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
    fn hostile_takes_the_run_options_and_its_own() {
        let Ok(Command::Hostile(h)) = parse(&[
            "hostile",
            "--rooms",
            "5",
            "--duration",
            "30",
            "--logins",
            "200",
            "--rss-margin",
            "64",
        ]) else {
            panic!("hostile parses");
        };
        assert_eq!(h.run.rooms, 5);
        assert_eq!(h.run.duration, Duration::from_secs(30));
        assert_eq!((h.logins, h.attackers, h.login_addresses), (200, 24, 100));
        assert_eq!(h.max_p99_ratio, 2.0);
        assert_eq!(h.rss_margin_kib, 64 * 1024);
        assert!(parse(&["hostile", "--reconnect"]).is_err());
        assert_eq!(parse(&["attack"]).ok(), Some(Command::Attack));
        assert!(parse(&["attack", "--rooms", "3"]).is_err());
        assert!(parse(&["hostile", "--max-p99-ratio", "0"]).is_err());
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
