//! Layouts: a record's bytes in, `Record { time, level, logger, message }` out.
//!
//! Every layout is a log4j/logback conversion pattern (`grammars/layouts.toml`,
//! or the user's `--layout`), compiled once by `pattern`, or one of the few
//! lines no such pattern can describe (librdkafka's `%3|<epoch>|FAC|name|`),
//! read by a hand parser named in `layouts.toml` with `parser`. Detection samples
//! the first lines of an input and keeps the layout that parses most of them.
//! Layouts borrow: a `Record` holds slices of the input, nothing is copied.

pub mod librdkafka;
pub mod pattern;
pub mod timestamp;

use crate::event::Level;
use crate::timefmt::Civil;
use pattern::Pattern;
use serde::Deserialize;

/// One parsed log record: its head line plus any continuation lines
/// (stack traces, `Caused by:`, the `ProducerConfig values:` dump).
#[derive(Clone, Debug)]
pub struct Record<'a> {
    pub time: Option<Civil>,
    pub level: Option<Level>,
    pub logger: &'a [u8],
    pub thread: &'a [u8],
    /// The client's name when the layout carries it (librdkafka); else empty.
    pub client: &'a [u8],
    /// The message on the head line.
    pub message: &'a [u8],
    /// The continuation lines, newline-separated, without the last newline.
    pub body: &'a [u8],
}

#[derive(Clone, Debug)]
pub struct Layout {
    pub name: String,
    pub description: String,
    pub example: String,
    /// The client families whose lines this layout carries (empty: any).
    /// Only their rules' literals are scanned for.
    pub families: Vec<String>,
    /// Level words of this layout beside WARN/ERROR/FATAL (`%3|`, `fail: `).
    pub markers: Vec<Vec<u8>>,
    pattern: Parser,
}

/// How a layout reads a line.
#[derive(Clone, Debug)]
enum Parser {
    Pattern(Pattern),
    /// `librdkafka::parse`.
    Librdkafka,
}

impl Parser {
    fn from_entry(e: &LayoutEntry) -> Result<Parser, String> {
        match (e.parser.as_deref(), e.pattern.as_deref()) {
            (Some("librdkafka"), None) => Ok(Parser::Librdkafka),
            (None, Some(p)) => Ok(Parser::Pattern(Pattern::compile(p)?)),
            (Some(other), None) => Err(format!("layout {}: unknown parser '{other}'", e.name)),
            _ => Err(format!("layout {}: give either a pattern or a parser", e.name)),
        }
    }

    fn parse<'a>(&self, line: &'a [u8]) -> Option<pattern::Head<'a>> {
        match self {
            Parser::Pattern(p) => p.parse(line),
            Parser::Librdkafka => librdkafka::parse(line),
        }
    }

    fn match_suffix<'a>(&self, line: &'a [u8]) -> Option<(usize, &'a [u8])> {
        match self {
            Parser::Pattern(p) => p.match_suffix(line),
            Parser::Librdkafka => None,
        }
    }

    fn specificity(&self) -> usize {
        match self {
            Parser::Pattern(p) => p.specificity(),
            // Level, time and three `|` fields, all checked.
            Parser::Librdkafka => 8,
        }
    }

    /// The pattern text, or the parser's name.
    fn source(&self) -> &str {
        match self {
            Parser::Pattern(p) => &p.source,
            Parser::Librdkafka => "%LEVEL|seconds.millis|FAC|name| message (librdkafka)",
        }
    }
}

#[derive(Deserialize)]
struct LayoutFile {
    layout: Vec<LayoutEntry>,
}

#[derive(Deserialize)]
struct LayoutEntry {
    name: String,
    #[serde(default)]
    description: String,
    pattern: Option<String>,
    /// A hand parser, for a line no pattern describes: `librdkafka`.
    parser: Option<String>,
    #[serde(default)]
    example: String,
    #[serde(default)]
    families: Vec<String>,
    #[serde(default)]
    markers: Vec<String>,
}

const BUILTIN: &str = include_str!("../../grammars/layouts.toml");

/// How many lines detection looks at, at most.
pub const SAMPLE_LINES: usize = 200;

impl Layout {
    pub fn new(name: &str, pattern: &str) -> Result<Layout, String> {
        Ok(Layout {
            name: name.to_string(),
            description: String::new(),
            example: String::new(),
            families: Vec::new(),
            markers: Vec::new(),
            pattern: Parser::Pattern(Pattern::compile(pattern)?),
        })
    }

    /// The pattern the layout was compiled from, or its parser's shape.
    pub fn source(&self) -> &str {
        self.pattern.source()
    }

    /// Does this line start a record? Anything else continues the one before.
    pub fn is_head(&self, line: &[u8]) -> bool {
        self.pattern.parse(strip_cr(line)).is_some()
    }

    /// A continuation line without the pattern's tail (` (logger)`), when
    /// a multi-line message ends on it.
    pub fn strip_suffix<'a>(&self, line: &'a [u8]) -> &'a [u8] {
        match self.pattern.match_suffix(line) {
            Some((end, logger)) if !logger.is_empty() => &line[..end],
            _ => line,
        }
    }

    /// Parses a record from its head line and its continuation lines.
    pub fn record<'a>(&self, head: &'a [u8], body: &'a [u8]) -> Option<Record<'a>> {
        let h = self.pattern.parse(strip_cr(head))?;
        let mut logger = h.logger;
        if !h.suffix_found {
            // A multi-line message carries the pattern's tail on a later line.
            for l in body.split(|&b| b == b'\n') {
                if let Some((_, lg)) = self.pattern.match_suffix(strip_cr(l)) {
                    if !lg.is_empty() {
                        logger = lg;
                    }
                    break;
                }
            }
        }
        Some(Record {
            time: h.time,
            level: Level::parse(h.level),
            logger,
            thread: h.thread,
            client: h.client,
            message: h.message,
            body,
        })
    }
}

pub fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The layouts an input may be in: the built-ins, or the user's one.
#[derive(Clone, Debug)]
pub struct Layouts {
    list: Vec<Layout>,
    forced: bool,
}

/// Why no layout fits an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unrecognised {
    pub first_line: String,
    pub forced: Option<String>,
}

impl std::fmt::Display for Unrecognised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.forced {
            Some(p) => write!(f, "no line matches --layout '{p}'; first line: {}", self.first_line),
            None => write!(
                f,
                "unknown layout: no built-in layout parses its first lines (give the pattern with --layout); first line: {}",
                self.first_line
            ),
        }
    }
}

impl Layouts {
    pub fn builtin() -> Layouts {
        let file: LayoutFile = toml::from_str(BUILTIN).expect("grammars/layouts.toml is valid (checked by tests)");
        let list = file
            .layout
            .into_iter()
            .map(|e| Layout {
                pattern: Parser::from_entry(&e).expect("built-in patterns compile (checked by tests)"),
                families: e.families,
                markers: e.markers.into_iter().map(String::into_bytes).collect(),
                name: e.name,
                description: e.description,
                example: e.example,
            })
            .collect();
        Layouts { list, forced: false }
    }

    /// `--layout PATTERN`: this layout for every input, no detection.
    pub fn forced(pattern: &str) -> Result<Layouts, String> {
        Ok(Layouts { list: vec![Layout::new("custom", pattern)?], forced: true })
    }

    pub fn all(&self) -> &[Layout] {
        &self.list
    }

    /// Picks the layout that parses the most of the first lines of `sample`.
    pub fn detect(&self, sample: &[u8]) -> Result<&Layout, Unrecognised> {
        let lines: Vec<&[u8]> = sample.split(|&b| b == b'\n').take(SAMPLE_LINES).map(strip_cr).collect();
        let mut best: Option<(&Layout, usize)> = None;
        for l in &self.list {
            let score = lines.iter().filter(|line| l.is_head(line)).count();
            let better = match best {
                None => score > 0,
                Some((b, s)) => score > s || (score == s && l.pattern.specificity() > b.pattern.specificity()),
            };
            if better && score > 0 {
                best = Some((l, score));
            }
        }
        best.map(|(l, _)| l).ok_or_else(|| Unrecognised {
            first_line: preview(lines.iter().find(|l| !l.is_empty()).copied().unwrap_or_default()),
            forced: self.forced.then(|| self.list[0].source().to_string()),
        })
    }
}

/// A line shortened and made printable, for error messages.
pub fn preview(line: &[u8]) -> String {
    let s = String::from_utf8_lossy(&line[..line.len().min(120)]);
    let mut out: String = s.chars().map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect();
    if line.len() > 120 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_layouts_parse_their_examples() {
        let ls = Layouts::builtin();
        assert!(ls.all().len() >= 4);
        for l in ls.all() {
            let ex = l.example.replace("...", "x");
            assert!(l.is_head(ex.as_bytes()), "{} does not parse its example", l.name);
        }
    }

    #[test]
    fn detection_picks_the_layout_per_input() {
        let ls = Layouts::builtin();
        let kafka = b"[2024-02-06 10:47:03,491] WARN x (org.apache.kafka.clients.NetworkClient)\n\tat x\n";
        assert_eq!(ls.detect(kafka).unwrap().name, "kafka-log4j");
        let spring = b"2024-02-06T10:47:03.491Z  INFO 1 --- [orders-service] [ntainer#0-0-C-1] c.e.o.OrderListener                      : Processed order 1\n";
        assert_eq!(ls.detect(spring).unwrap().name, "spring-boot-3");
        let junk = b"hello world\nnothing here\n";
        let err = ls.detect(junk).unwrap_err();
        assert!(err.to_string().contains("unknown layout"));
        assert!(err.to_string().contains("hello world"));
    }

    #[test]
    fn multi_line_record_takes_logger_from_its_last_line() {
        let ls = Layouts::builtin();
        let l = &ls.all()[0];
        let r = l
            .record(
                b"[2024-02-06 10:47:03,491] INFO ProducerConfig values: ",
                b"\tacks = -1\n\tretries = 3 (org.apache.kafka.common.config.AbstractConfig)",
            )
            .unwrap();
        assert_eq!(r.logger, b"org.apache.kafka.common.config.AbstractConfig");
        assert_eq!(r.level, Some(Level::Info));
    }

    #[test]
    fn forced_layout_reports_its_pattern() {
        let ls = Layouts::forced("%d{ISO8601} %p %m%n").unwrap();
        assert_eq!(ls.detect(b"2024-02-06T10:47:03,491 WARN hi\n").unwrap().name, "custom");
        assert!(ls.detect(b"nope\n").unwrap_err().to_string().contains("--layout"));
    }
}
