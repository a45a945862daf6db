//! The command line: clap's raw flags in, a checked `Config` out.

use crate::analysis::{Options, TopicsFile};
use crate::noise::Thresholds;
use crate::report::{Format, Style};
use crate::timefmt::{parse_duration, parse_time, Zone};
use clap::{Parser, ValueEnum};
use std::path::PathBuf;

/// Reads Kafka client logs from a rolling update (MSK patching, version
/// upgrade, configuration change) and tells the expected noise from trouble:
/// brokers out together, brokers that never came back, lost records, failed
/// producers. Prints the verdict first, then a per-broker outage timeline and
/// the anomalies with their evidence.
///
/// Exit codes: 0 expected noise only (or nothing at all); 1 at least one
/// anomaly; 2 usage error, or an input could not be read in full (the report
/// for everything readable is still written).
#[derive(Parser, Debug)]
#[command(name = "rollcall", version, args_override_self = true, max_term_width = 100)]
pub struct Args {
    /// Log files, directories (read recursively), or - for stdin. gzip and
    /// zstd are recognised by their first bytes. No INPUT: read stdin.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Zone of timestamps that carry none: an offset (+09:00) or an IANA
    /// name (Asia/Seoul). Reports print times in it.
    #[arg(long, default_value = "UTC", value_name = "ZONE")]
    pub tz: String,

    /// Events of one broker closer than this form one outage window.
    #[arg(long, default_value = "30s", value_name = "DURATION")]
    pub gap: String,

    /// A window longer than this is a long_outage.
    #[arg(long, default_value = "5m", value_name = "DURATION")]
    pub max_outage: String,

    /// Two brokers' windows may overlap this much before it is an
    /// overlapping_outage.
    #[arg(long, default_value = "1500ms", value_name = "DURATION")]
    pub overlap_tolerance: String,

    /// Extra grammar file (TOML, like grammars/java.toml); may repeat.
    #[arg(long, value_name = "FILE")]
    pub grammar: Vec<PathBuf>,

    /// The log layout for every input: a built-in layout's name (kafkajs,
    /// logstash, ecs, pino, ...), JSON field names ('json:time=ts,level=severity,message=msg'),
    /// or a log4j/logback pattern ('%d{ISO8601} [%t] %-5p %c - %m%n').
    /// Wrappers (CRI, Docker, CloudWatch, syslog) are still peeled. Default: detected per input.
    #[arg(long, value_name = "LAYOUT")]
    pub layout: Option<String>,

    /// The date of time-only timestamps (`10:47:03.491`), YYYY-MM-DD.
    /// Default: the first YYYY-MM-DD in the input's file name.
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,

    /// The output of `kafka-topics.sh --describe`: partition leaders for
    /// attribution, and RF / min.insync.replicas checked against the practice.
    #[arg(long, value_name = "FILE")]
    pub topics: Option<PathBuf>,

    /// When the rolling update was scheduled (START..END, times as for
    /// --since); disruption outside it is reported as unexplained_errors.
    #[arg(long, value_name = "START..END")]
    pub maintenance: Option<String>,

    /// Ignore events before TIME (RFC 3339, or '2024-02-06 10:47:03' in --tz).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Ignore events after TIME.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,

    /// Colour: auto (a terminal, and NO_COLOR unset), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Wrap the text report at N columns. Default: the terminal's width on
    /// a terminal, no wrapping into a file or a pipe.
    #[arg(long, value_name = "N")]
    pub width: Option<usize>,

    /// Print no report; only the exit code (and errors on stderr) tell.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Exit 2 when any Kafka client line could not be understood (an
    /// unknown WARN/ERROR, a record without a readable time), as for an
    /// unreadable input; each input's first such line is named on stderr.
    #[arg(long)]
    pub strict: bool,

    /// The name stdin is reported under (e.g. the pod it came from).
    #[arg(long, value_name = "NAME")]
    pub label: Option<String>,

    /// Chunk size in bytes (tests of chunk boundaries).
    #[arg(long, hide = true)]
    pub chunk_size: Option<usize>,

    /// Longest line analysed in full, in bytes (tests of long lines).
    #[arg(long, hide = true)]
    pub max_line: Option<usize>,

    /// Print each broker window as it opens and closes, then the report at
    /// the end of the input or on Ctrl-C. Files are followed as `tail -F`
    /// does, across rotation (text format only)
    #[arg(long)]
    pub follow: bool,

    /// Events kept one by one before alike noise is thinned, shared by the inputs
    /// (tests of thinning; `rollcall::thin`).
    #[arg(long, hide = true)]
    pub thin_after: Option<usize>,
}

/// `rollcall grammars`: the built-in layouts and grammar rules.
#[derive(Parser, Debug)]
#[command(name = "rollcall grammars", max_term_width = 100)]
pub struct GrammarsArgs {
    /// Also list the rules of this grammar file (checked first); may repeat.
    #[arg(long, value_name = "FILE")]
    pub grammar: Vec<PathBuf>,
    /// Print only the literals the prefilter scans an input in this built-in
    /// layout for (by name: kafka-log4j, logback, ...), one per line: what
    /// decides which lines are ever parsed (a `grep -F -f` file).
    #[arg(long, value_name = "LAYOUT")]
    pub prefilter: Option<String>,
}

/// `rollcall check-grammar FILE...`: loads a grammar file and checks every
/// template and every sample line, as --grammar does before reading logs.
/// Exit 0 when it is right, 2 with file:line errors when it is not.
#[derive(Parser, Debug)]
#[command(name = "rollcall check-grammar", max_term_width = 100)]
pub struct CheckGrammarArgs {
    /// Grammar files (TOML, like grammars/librdkafka.toml).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    Analyse(Box<Args>),
    Grammars(GrammarsArgs),
    CheckGrammar(CheckGrammarArgs),
}

/// The subcommand words. They are recognised only as the very first
/// argument, so that `rollcall [FLAGS] PATHS...` keeps working; a path
/// spelled the same way is read as `./grammars` or after `--`
/// (`rollcall -- grammars`).
pub const SUBCOMMANDS: &[&str] = &["grammars", "check-grammar"];

impl Command {
    /// Parses `argv` (program name first); exits with clap's message on a
    /// usage error, like `Parser::parse`.
    pub fn parse_from(argv: Vec<std::ffi::OsString>) -> Command {
        match Command::try_parse_from(argv) {
            Ok(c) => c,
            Err(e) => e.exit(),
        }
    }

    pub fn try_parse_from(argv: Vec<std::ffi::OsString>) -> Result<Command, clap::Error> {
        let sub = argv.get(1).and_then(|a| a.to_str()).filter(|a| SUBCOMMANDS.contains(a)).map(str::to_string);
        let Some(sub) = sub else {
            return Ok(Command::Analyse(Box::new(Args::try_parse_from(argv)?)));
        };
        // clap wants the program name first: "rollcall grammars" is one word to it.
        let mut rest = vec![std::ffi::OsString::from(format!("rollcall {sub}"))];
        rest.extend(argv.into_iter().skip(2));
        Ok(match sub.as_str() {
            "grammars" => Command::Grammars(GrammarsArgs::try_parse_from(rest)?),
            _ => Command::CheckGrammar(CheckGrammarArgs::try_parse_from(rest)?),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Everything checked; nothing here can fail later.
#[derive(Debug)]
pub struct Config {
    pub options: Options,
    pub format: Format,
    pub out: Option<PathBuf>,
    pub grammars: Vec<PathBuf>,
    pub layout: Option<String>,
    /// `--date`: (year, month, day).
    pub date: Option<(i64, u32, u32)>,
    pub threads: Option<usize>,
    pub color: ColorChoice,
    pub width: Option<usize>,
    pub quiet: bool,
    pub strict: bool,
    pub max_line: Option<usize>,
}

impl Config {
    pub fn from_args(a: Args, stdin_is_terminal: bool) -> Result<Config, String> {
        let zone: Zone = a.tz.parse().map_err(|e| format!("--tz: {e}"))?;
        let dur = |flag: &str, v: &str| parse_duration(v).map_err(|e| format!("{flag}: {e}"));
        let thresholds = Thresholds {
            gap_ms: dur("--gap", &a.gap)?,
            max_outage_ms: dur("--max-outage", &a.max_outage)?,
            overlap_tolerance_ms: dur("--overlap-tolerance", &a.overlap_tolerance)?,
        };
        if thresholds.gap_ms <= 0 {
            return Err("--gap must be more than 0".into());
        }
        // A time given to `flag`, in `--tz` unless it says its own zone.
        let time = |flag: &str, s: &str| parse_time(s, &zone).map_err(|e| format!("{flag}: {e}"));
        let since = a.since.as_deref().map(|s| time("--since", s)).transpose()?;
        let until = a.until.as_deref().map(|s| time("--until", s)).transpose()?;
        if let (Some(s), Some(u)) = (since, until) {
            if s > u {
                return Err("--since is after --until".into());
            }
        }
        let maintenance = match a.maintenance.as_deref() {
            None => None,
            Some(m) => {
                let (s, e) = m.split_once("..").ok_or_else(|| {
                    format!("--maintenance: '{m}' is not START..END (e.g. '2024-02-06 10:00..2024-02-06 12:00')")
                })?;
                let (s, e) = (time("--maintenance", s)?, time("--maintenance", e)?);
                if s > e {
                    return Err("--maintenance: START is after END".into());
                }
                Some((s, e))
            }
        };
        let topics = match &a.topics {
            None => None,
            Some(p) => {
                let name = p.display().to_string();
                let text = std::fs::read_to_string(p).map_err(|e| format!("--topics {name}: cannot read: {e}"))?;
                let describe = crate::topics::parse(&name, &text).map_err(|e| format!("--topics {e}"))?;
                let lines = text.lines().count() as u64;
                Some(TopicsFile { name, lines, bytes: text.len() as u64, describe })
            }
        };
        if a.width == Some(0) {
            return Err("--width must be at least 1".into());
        }
        let date = match a.date.as_deref() {
            None => None,
            Some(d) => Some(
                crate::layout::parse_date(d.trim().as_bytes())
                    .filter(|_| d.trim().len() == 10)
                    .ok_or_else(|| format!("--date: '{d}' is not a date like 2024-02-06"))?,
            ),
        };
        if a.follow && a.format != Format::Text {
            return Err("--follow writes text; --format events already writes each event as it is found".into());
        }
        if a.threads == Some(0) {
            return Err("--threads must be at least 1".into());
        }
        let mut inputs = a.inputs;
        if inputs.is_empty() {
            if stdin_is_terminal {
                return Err("no input: name log files or directories, or pipe logs on stdin (see --help)".into());
            }
            inputs.push("-".into());
        }
        if inputs.iter().filter(|i| *i == "-").count() > 1 {
            return Err("stdin (-) can be read only once".into());
        }
        Ok(Config {
            options: Options {
                inputs,
                zone,
                thresholds,
                since,
                until,
                chunk_size: a.chunk_size.unwrap_or(crate::analysis::CHUNK_SIZE).max(1),
                stdin_label: a.label,
                topics,
                maintenance,
                progress: None,
                // `--format events` writes every event of a file.
                thin_after: match a.format {
                    Format::Events => None,
                    _ => Some(a.thin_after.unwrap_or(crate::thin::THIN_AFTER)),
                },
                follow: a.follow,
                // What the report reads beyond windows and findings.
                keep_events: a.format == Format::Events,
                keep_evidence: matches!(a.format, Format::Markdown | Format::Html),
                keep_density: a.format == Format::Html,
            },
            format: a.format,
            out: a.out,
            grammars: a.grammar,
            layout: a.layout,
            date,
            threads: a.threads,
            color: a.color,
            width: a.width,
            quiet: a.quiet,
            strict: a.strict,
            max_line: a.max_line,
        })
    }

    /// `--color auto`: a terminal, and NO_COLOR unset or empty.
    pub fn use_color(&self, stdout_is_terminal: bool) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                stdout_is_terminal && self.out.is_none() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }

    /// The text report's look: `terminal_width` is that of stdout when it is
    /// a terminal (and the report goes there); `--width` overrides it.
    pub fn style(&self, stdout_is_terminal: bool, terminal_width: Option<usize>) -> Style {
        let to_terminal = stdout_is_terminal && self.out.is_none();
        Style {
            color: self.use_color(stdout_is_terminal),
            width: self.width.or(if to_terminal { terminal_width } else { None }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(args: &[&str]) -> Result<Config, String> {
        let mut v = vec!["rollcall"];
        v.extend_from_slice(args);
        Config::from_args(Args::try_parse_from(v).map_err(|e| e.to_string())?, false)
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = cfg(&[]).unwrap();
        assert_eq!(
            c.options.thresholds,
            Thresholds { gap_ms: 30_000, max_outage_ms: 300_000, overlap_tolerance_ms: 1_500 }
        );
        assert_eq!(c.options.inputs, vec!["-"]);
        assert_eq!(c.options.zone.to_string(), "UTC");
    }

    #[test]
    fn bad_values_are_usage_errors() {
        assert!(cfg(&["--tz", "Mars/Olympus"]).unwrap_err().contains("--tz"));
        assert!(cfg(&["--gap", "soon"]).unwrap_err().contains("--gap"));
        assert!(cfg(&["--since", "2024-02-07", "--until", "2024-02-06"]).unwrap_err().contains("after"));
        assert!(cfg(&["-", "-"]).is_err());
        assert!(cfg(&["--threads", "0"]).is_err());
        assert!(cfg(&["--date", "06/02/2024"]).unwrap_err().contains("--date"));
        assert_eq!(cfg(&["--date", "2024-02-06"]).unwrap().date, Some((2024, 2, 6)));
        assert!(Config::from_args(Args::try_parse_from(["rollcall"]).unwrap(), true).unwrap_err().contains("no input"));
    }

    #[test]
    fn subcommands_only_as_the_first_word() {
        let argv = |v: &[&str]| v.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert!(matches!(Command::try_parse_from(argv(&["rollcall", "grammars"])), Ok(Command::Grammars(_))));
        match Command::try_parse_from(argv(&["rollcall", "check-grammar", "x.toml"])) {
            Ok(Command::CheckGrammar(c)) => assert_eq!(c.files, vec![PathBuf::from("x.toml")]),
            other => panic!("{other:?}"),
        }
        assert!(Command::try_parse_from(argv(&["rollcall", "check-grammar"])).is_err());
        for paths in
            [&["rollcall", "./grammars"][..], &["rollcall", "--", "grammars"], &["rollcall", "a.log", "grammars"]]
        {
            match Command::try_parse_from(argv(paths)) {
                Ok(Command::Analyse(a)) => assert!(a.inputs.iter().any(|i| i.ends_with("grammars")), "{paths:?}"),
                other => panic!("{paths:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn color_honours_no_color_only_in_auto() {
        let mut c = cfg(&["--color", "always"]).unwrap();
        assert!(c.use_color(false));
        c.color = ColorChoice::Never;
        assert!(!c.use_color(true));
    }

    #[test]
    fn width_is_the_terminals_unless_given_and_none_into_a_pipe_or_file() {
        let c = cfg(&["--color", "never"]).unwrap();
        assert_eq!(c.style(true, Some(93)).width, Some(93));
        assert_eq!(c.style(false, Some(93)).width, None);
        let c = cfg(&["--width", "60"]).unwrap();
        assert_eq!(c.style(false, None).width, Some(60));
        assert_eq!(c.style(true, Some(200)).width, Some(60));
        let c = cfg(&["--out", "r.txt"]).unwrap();
        assert_eq!(c.style(true, Some(93)), Style { color: false, width: None });
        assert!(cfg(&["--width", "0"]).is_err());
    }
}
