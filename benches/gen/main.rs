//! `rollcall-gen`: the seeded fixture generator of rollcall's tests and
//! benchmarks.
//!
//! What it generates: the logs that Kafka's Java clients write while Amazon
//! MSK restarts the three brokers of a cluster one at a time.
//!
//! - `scenario NAME DIR`: the files of one named situation (a clean roll,
//!   two brokers down at once, a broker that never comes back, records lost
//!   to `delivery.timeout.ms`, and the ten of `extra.rs`): `producer.log`
//!   from the console producer (Kafka tools layout, WARN and up) or a Spring
//!   Boot producer service, and `consumer.log` from a Spring Boot service
//!   (Spring Boot 3 layout, INFO).
//! - `topics NAME`: what `kafka-topics.sh --describe` prints for the
//!   scenario's cluster.
//! - `scenario NAME DIR` for the other clients (`clients.rs`): librdkafka
//!   (its own layout, Python `logging`, .NET `ILogger`), Sarama and franz-go,
//!   each a clean roll and one kind of trouble.
//! - kafkajs scenarios (`node.rs`): a Node service's kafkajs JSON log; and
//!   wrapped scenarios (`wrap.rs`): Java logs inside CRI or Docker json-file.
//! - `mixed-clients` (`mixed.rs`): one roll seen by a Java, a librdkafka
//!   (gzipped) and a kafkajs client, for a directory of mixed layouts.
//! - `bulk`: one long application log of any size for benchmarks, in which
//!   rolling-restart noise is about 1% of the lines.
//!
//! Why it exists: real captures cannot be checked in and never have the
//! shape a test needs, so the fixtures are generated, and generated to be
//! indistinguishable from real output. Every message is the client's own
//! template word for word (`templates.rs`), every line the framework's own
//! layout (`layout.rs`), and the client behaviour follows the client code
//! (`noise.rs`). The generator uses only `std` and its own SplitMix64
//! (`rng.rs`), so a name and a seed give byte-identical files whatever
//! crates or toolchain come later; the one exception is `flate2` for the
//! gzipped file of `mixed-clients`, whose decompressed text is what is
//! byte-identical (a deflate backend may pack it differently).

mod bulk;
mod clients;
mod clock;
mod cluster;
mod extra;
mod layout;
mod mixed;
mod node;
mod noise;
mod rng;
mod scenario;
mod templates;
mod wrap;

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use layout::Style;

const USAGE: &str = "\
usage: rollcall-gen scenario NAME DIR [--seed N]
       rollcall-gen scenario --list
       rollcall-gen topics NAME [--seed N]
       rollcall-gen bulk [--bytes N] [--seed N] [--layout kafka|spring] [--rolls N]

Writes seeded, realistic Kafka client logs of an MSK broker rolling restart.

  scenario NAME DIR  write the log files of scenario NAME into DIR (created if
                     missing; files are overwritten)
  scenario --list    print the scenario names
  topics NAME        print `kafka-topics.sh --describe` of scenario NAME's
                     topics to stdout
  bulk               write about N bytes of one application log to stdout
                     (default 100000000; suffixes K, M, G or KiB, MiB, GiB)

  --seed N           default 1; the same arguments always give the same bytes
  --layout L         kafka: log4j `[%d] %p %m (%c)%n` (default)
                     spring: the Spring Boot 3 console layout
  --rolls N          roll the cluster N times, then log quietly (application
                     lines only) up to --bytes (default: a roll every ten
                     minutes or so, whatever the size)
";

enum Command {
    Help,
    List,
    Scenario { name: String, dir: PathBuf, seed: u64 },
    Topics { name: String, seed: u64 },
    Bulk(bulk::Options),
}

/// Every scenario name, the first four first.
fn scenario_names() -> impl Iterator<Item = &'static str> {
    scenario::NAMES
        .into_iter()
        .chain(extra::NAMES)
        .chain(clients::NAMES)
        .chain(node::NAMES)
        .chain(wrap::NAMES)
        .chain(mixed::NAMES)
}

fn check_scenario(name: &str) -> Result<(), String> {
    if scenario_names().any(|known| known == name) {
        Ok(())
    } else {
        Err(format!("unknown scenario {name} (known: {})", scenario_names().collect::<Vec<_>>().join(", ")))
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse(&args) {
        Ok(command) => command,
        Err(problem) => {
            eprintln!("rollcall-gen: {problem}\n");
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(command) {
        Ok(()) => ExitCode::SUCCESS,
        // `rollcall-gen bulk | head` is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rollcall-gen: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(command: Command) -> io::Result<()> {
    match command {
        Command::Help => {
            print!("{USAGE}");
        }
        Command::List => {
            for name in scenario_names() {
                println!("{name}");
            }
        }
        Command::Scenario { name, dir, seed } if extra::NAMES.contains(&name.as_str()) => {
            extra::write(&name, &dir, seed)?
        }
        Command::Scenario { name, dir, seed } if clients::NAMES.contains(&name.as_str()) => {
            clients::write(&name, &dir, seed)?
        }
        Command::Scenario { name, dir, seed } if node::NAMES.contains(&name.as_str()) => {
            node::write(&name, &dir, seed)?
        }
        Command::Scenario { name, dir, seed } if wrap::NAMES.contains(&name.as_str()) => {
            wrap::write(&name, &dir, seed)?
        }
        Command::Scenario { name, dir, seed } if mixed::NAMES.contains(&name.as_str()) => {
            mixed::write(&name, &dir, seed)?
        }
        Command::Scenario { name, dir, seed } => scenario::write(&name, &dir, seed)?,
        Command::Topics { name, seed } => {
            let stdout = io::stdout();
            let mut out = stdout.lock();
            out.write_all(extra::describe(&name, seed).as_bytes())?;
            out.flush()?;
        }
        Command::Bulk(options) => {
            let stdout = io::stdout();
            let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
            bulk::write(&options, &mut out)?;
            out.flush()?;
        }
    }
    Ok(())
}

fn parse(args: &[String]) -> Result<Command, String> {
    let mut positional = Vec::new();
    let mut seed = 1;
    let mut bytes = None;
    let mut style = None;
    let mut rolls = None;
    let mut list = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if arg.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value =
            |flag: &str| inline.clone().or_else(|| rest.next().cloned()).ok_or_else(|| format!("{flag} needs a value"));
        match flag {
            "-h" | "--help" => return Ok(Command::Help),
            "--list" => list = true,
            "--seed" => {
                let text = value(flag)?;
                seed = text.parse().map_err(|_| format!("--seed: not a number: {text}"))?;
            }
            "--bytes" => bytes = Some(parse_size(&value(flag)?)?),
            "--rolls" => {
                let text = value(flag)?;
                rolls = Some(text.parse().map_err(|_| format!("--rolls: not a number: {text}"))?);
            }
            "--layout" => {
                style = Some(match value(flag)?.as_str() {
                    "kafka" => Style::KafkaTools,
                    "spring" => Style::SpringBoot,
                    other => return Err(format!("--layout: expected kafka or spring, got {other}")),
                })
            }
            _ if flag.starts_with('-') && flag.len() > 1 => return Err(format!("unknown option {flag}")),
            _ => positional.push(arg.clone()),
        }
    }

    match positional.first().map(String::as_str) {
        Some("scenario") => {
            if bytes.is_some() || style.is_some() || rolls.is_some() {
                return Err("--bytes, --layout and --rolls are options of bulk".to_string());
            }
            match (&positional[1..], list) {
                ([], true) => Ok(Command::List),
                ([name, dir], false) => {
                    check_scenario(name)?;
                    Ok(Command::Scenario { name: name.clone(), dir: PathBuf::from(dir), seed })
                }
                _ => Err("scenario takes NAME DIR, or --list".to_string()),
            }
        }
        Some("topics") => {
            if bytes.is_some() || style.is_some() || rolls.is_some() || list {
                return Err("topics takes NAME and --seed only".to_string());
            }
            match &positional[1..] {
                [name] => {
                    check_scenario(name)?;
                    Ok(Command::Topics { name: name.clone(), seed })
                }
                _ => Err("topics takes NAME".to_string()),
            }
        }
        Some("bulk") if positional.len() == 1 && !list => Ok(Command::Bulk(bulk::Options {
            bytes: bytes.unwrap_or(100_000_000),
            seed,
            style: style.unwrap_or(Style::KafkaTools),
            rolls,
        })),
        Some("bulk") => Err("bulk takes only options".to_string()),
        Some(other) => Err(format!("unknown command {other}")),
        None => Err("missing command".to_string()),
    }
}

/// `100000000`, `100_000_000`, `500M`, `1G` (powers of 1000) or `1GiB`
/// (powers of 1024).
fn parse_size(text: &str) -> Result<u64, String> {
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    let split = cleaned.find(|c: char| !c.is_ascii_digit()).unwrap_or(cleaned.len());
    let (digits, suffix) = cleaned.split_at(split);
    let multiplier: u64 = match suffix.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "ki" | "kib" => 1 << 10,
        "mi" | "mib" => 1 << 20,
        "gi" | "gib" => 1 << 30,
        _ => return Err(format!("--bytes: unknown size suffix in {text}")),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| format!("--bytes: not a size: {text}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("100_000_000"), Ok(100_000_000));
        assert_eq!(parse_size("500M"), Ok(500_000_000));
        assert_eq!(parse_size("1G"), Ok(1_000_000_000));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("20m"), Ok(20_000_000));
        assert!(parse_size("12X").is_err());
        assert!(parse_size("G").is_err());
    }

    #[test]
    fn command_lines() {
        assert!(matches!(parse(&args("scenario --list")), Ok(Command::List)));
        assert!(matches!(parse(&args("scenario clean-roll /tmp/x --seed 7")), Ok(Command::Scenario { seed: 7, .. })));
        assert!(matches!(
            parse(&args("bulk --bytes=1K --layout spring")),
            Ok(Command::Bulk(bulk::Options { bytes: 1_000, style: Style::SpringBoot, .. }))
        ));
        assert!(parse(&args("scenario nope /tmp/x")).is_err());
        assert!(matches!(parse(&args("scenario long-outage /tmp/x")), Ok(Command::Scenario { .. })));
        assert!(matches!(parse(&args("topics not-enough-replicas --seed 3")), Ok(Command::Topics { seed: 3, .. })));
        assert!(parse(&args("topics nope")).is_err());
        assert!(parse(&args("topics")).is_err());
        assert!(parse(&args("scenario clean-roll")).is_err());
        assert!(matches!(
            parse(&args("bulk --bytes 1G --rolls 100")),
            Ok(Command::Bulk(bulk::Options { rolls: Some(100), .. }))
        ));
        assert!(matches!(parse(&args("bulk")), Ok(Command::Bulk(bulk::Options { rolls: None, .. }))));
        assert!(parse(&args("bulk --rolls many")).is_err());
        assert!(parse(&args("scenario clean-roll /tmp/x --rolls 3")).is_err());
        assert!(parse(&args("bulk --layout json")).is_err());
        assert!(parse(&args("bulk --frobnicate")).is_err());
        assert!(parse(&args("")).is_err());
    }
}
