//! Layouts: a record's bytes in, `Record { time, level, logger, message }` out.
//!
//! A layout is a log4j/logback conversion pattern compiled once by `pattern`,
//! a JSON-lines field map read by `json` (`grammars/layouts.toml`, or the
//! user's `--layout`), or one of the few lines no such pattern can describe
//! (librdkafka's `%3|<epoch>|FAC|name|`), read by a hand parser named in
//! `layouts.toml` with `parser`. Any of them may sit inside a wrapper
//! (`wrapper`: CRI, Docker, CloudWatch, syslog) that is peeled off each
//! physical line first. Detection samples the first lines of an input, tries
//! them raw and with each wrapper peeled, and keeps the pair that parses most
//! of them. Unwrapped pattern and librdkafka layouts borrow the input; JSON
//! and wrapped records are decoded into buffers that only candidate records
//! pay for.

pub mod json;
pub mod librdkafka;
pub mod pattern;
pub mod timestamp;
pub mod wrapper;

use crate::event::Level;
use crate::timefmt::Civil;
use json::{JsonFields, JsonLayout};
use pattern::Pattern;
use serde::Deserialize;
use std::borrow::Cow;
use std::cell::RefCell;
use wrapper::Wrapper;

/// One parsed log record: its head line plus any continuation lines
/// (stack traces, `Caused by:`, the `ProducerConfig values:` dump).
#[derive(Clone, Debug)]
pub struct Record<'a> {
    pub time: Option<Civil>,
    pub level: Option<Level>,
    pub logger: &'a [u8],
    pub thread: &'a [u8],
    /// The message on the head line.
    pub message: &'a [u8],
    /// The continuation lines, newline-separated, without the last newline
    /// (for JSON layouts: the error and stack-trace fields).
    pub body: &'a [u8],
    /// A field naming the broker the line is about (`host:port`), or empty.
    pub broker: &'a [u8],
    /// The client's name when the layout carries it outside the message
    /// (librdkafka's `rdkafka#producer-1` field, kafkajs' `clientId`), or empty.
    pub client: &'a [u8],
}

/// A head line `Layout::test_head` parsed, to be read as a record without
/// parsing it again (`Layout::with_tested_record`).
#[derive(Clone, Debug)]
pub struct TestedHead<'a>(pattern::Prefix<'a>);

impl TestedHead<'_> {
    /// Was this parsed from `line` itself (the same bytes at the same
    /// place, after `strip_cr`)?
    pub fn is_of(&self, line: &[u8]) -> bool {
        self.0.is_of(strip_cr(line))
    }
}

/// How a layout reads the line inside any wrapper.
#[derive(Clone, Debug)]
enum Body {
    Pattern(Pattern),
    Json(JsonLayout),
    /// `librdkafka::parse`.
    Librdkafka,
    /// rollcall's own `--format events` lines: read by `extract::ndjson`,
    /// which makes events of them directly, never records.
    Events,
}

impl Body {
    fn from_entry(e: &LayoutEntry) -> Result<Body, String> {
        match (e.parser.as_deref(), e.pattern.as_deref(), &e.json) {
            (Some("librdkafka"), None, None) => Ok(Body::Librdkafka),
            (Some("rollcall-events"), None, None) => Ok(Body::Events),
            (Some(other), None, None) => Err(format!("layout {}: unknown parser '{other}'", e.name)),
            (None, Some(p), None) => Ok(Body::Pattern(Pattern::compile(p)?)),
            (None, None, Some(fields)) => Ok(Body::Json(JsonLayout { fields: fields.clone() })),
            _ => Err(format!("layout {}: give one of a pattern, json fields or a parser", e.name)),
        }
    }
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
    body: Body,
    /// Peeled off every physical line before `body` reads it.
    wrapper: Option<Wrapper>,
    /// The date of time-only timestamps (`--date`, or the file's name).
    date: Option<(i64, u32, u32)>,
}

#[derive(Deserialize)]
struct LayoutFile {
    layout: Vec<LayoutEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutEntry {
    name: String,
    #[serde(default)]
    description: String,
    pattern: Option<String>,
    json: Option<JsonFields>,
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

thread_local! {
    /// Unescaped text of a Docker line, for `is_head`: reused, never freed.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl Layout {
    pub fn new(name: &str, pattern: &str) -> Result<Layout, String> {
        Ok(Layout::of(name, Body::Pattern(Pattern::compile(pattern)?)))
    }

    pub fn json(name: &str, fields: JsonFields) -> Layout {
        Layout::of(name, Body::Json(JsonLayout { fields }))
    }

    fn of(name: &str, body: Body) -> Layout {
        Layout {
            name: name.to_string(),
            description: String::new(),
            example: String::new(),
            families: Vec::new(),
            markers: Vec::new(),
            body,
            wrapper: None,
            date: None,
        }
    }

    /// The name reports show: the layout, and the wrapper it came in.
    pub fn format(&self) -> String {
        match self.wrapper {
            Some(w) => format!("{} in {}", self.name, w.name()),
            None => self.name.clone(),
        }
    }

    pub fn wrapper(&self) -> Option<Wrapper> {
        self.wrapper
    }

    /// A JSON-lines layout: its level markers differ (`"level":50`, `"warn"`).
    pub fn is_json(&self) -> bool {
        matches!(self.body, Body::Json(_))
    }

    /// rollcall's own events (`--format events`): `extract::ndjson` reads it.
    pub fn is_events(&self) -> bool {
        matches!(self.body, Body::Events)
    }

    /// Its timestamps carry no date.
    pub fn is_time_only(&self) -> bool {
        matches!(&self.body, Body::Pattern(p) if p.time_only)
    }

    fn specificity(&self) -> usize {
        match &self.body {
            Body::Pattern(p) => p.specificity(),
            // Level, time and three `|` fields, all checked.
            Body::Librdkafka => 8,
            // Four required fields and a known kind, all checked.
            Body::Events => 9,
            Body::Json(j) => {
                let f = &j.fields;
                1 + [&f.time, &f.level, &f.logger, &f.thread, &f.broker, &f.client]
                    .iter()
                    .filter(|x| x.is_some())
                    .count()
            }
        }
    }

    fn inner_is_head(&self, line: &[u8]) -> bool {
        match &self.body {
            Body::Pattern(p) => p.is_head(line),
            Body::Json(j) => j.is_head(line),
            Body::Librdkafka => librdkafka::parse(line).is_some(),
            // Every line stands alone; a bad one is reported by itself.
            Body::Events => true,
        }
    }

    /// The pattern the layout was compiled from, or its parser's shape.
    pub fn source(&self) -> &str {
        match &self.body {
            Body::Pattern(p) => &p.source,
            Body::Json(_) => &self.name,
            Body::Librdkafka => "%LEVEL|seconds.millis|FAC|name| message (librdkafka)",
            Body::Events => "rollcall --format events (NDJSON)",
        }
    }

    /// Does this line start a record? Anything else continues the one before.
    pub fn is_head(&self, line: &[u8]) -> bool {
        let line = strip_cr(line);
        let Some(w) = self.wrapper else {
            return self.inner_is_head(line);
        };
        match w.peel(line) {
            None => false,
            Some(p) if !p.escaped => self.inner_is_head(p.content),
            Some(p) => SCRATCH.with(|s| {
                let mut s = s.borrow_mut();
                s.clear();
                p.append_to(&mut s);
                self.inner_is_head(&s)
            }),
        }
    }

    /// `is_head`, keeping what it parsed where the record can be read from
    /// that (unwrapped pattern layouts): `with_tested_record` then does not
    /// parse the line's prefix again. A candidate record's end is found by
    /// testing the line after it, and in a Kafka client's log that line is
    /// mostly the next candidate's head (issue 4, session 6: 34 k of 41 k).
    pub fn test_head<'a>(&self, line: &'a [u8]) -> (bool, Option<TestedHead<'a>>) {
        match (&self.body, self.wrapper) {
            (Body::Pattern(p), None) => {
                let pre = p.prefix(strip_cr(line));
                (pre.is_some(), pre.map(TestedHead))
            }
            _ => (self.is_head(line), None),
        }
    }

    /// `with_record` on the line `tested` was parsed from.
    pub fn with_tested_record<R>(
        &self,
        tested: TestedHead<'_>,
        body: &[u8],
        f: impl FnOnce(&Record<'_>) -> R,
    ) -> Option<R> {
        self.inner_record(tested.0.line(), Some(tested.0), body, None, f)
    }

    /// `with_record` on a line gives `None` exactly when `is_head` says it
    /// is no head: true for unwrapped pattern and librdkafka layouts, whose
    /// test is their parse. The extractor then parses a candidate's head
    /// once, by trying its record first (issue 4).
    pub fn heads_parse_alone(&self) -> bool {
        self.wrapper.is_none() && !self.is_json()
    }

    /// For detection: does the (peeled) line parse, and how well.
    fn fits(&self, line: &[u8]) -> bool {
        match &self.body {
            Body::Pattern(p) => p.parse(line).is_some(),
            Body::Json(j) => j.fit(line).is_ok(),
            Body::Librdkafka => librdkafka::parse(line).is_some(),
            Body::Events => crate::extract::ndjson::fits(line),
        }
    }

    /// How far a line gets, and why it fails (for the "closest" message).
    fn diagnose(&self, line: &[u8]) -> (usize, String) {
        match &self.body {
            Body::Pattern(p) => p.diagnose(line),
            Body::Librdkafka => match librdkafka::parse(line) {
                Some(_) => (9, "it parses".into()),
                None => (usize::from(line.first() == Some(&b'%')), "not a %LEVEL|time|FAC|name| line".into()),
            },
            Body::Json(j) => match j.fit(line) {
                Ok(n) => (n + 1, "it parses".into()),
                Err(e) => (usize::from(json::looks_like_object(line)) * 2, e),
            },
            Body::Events => crate::extract::ndjson::diagnose(line),
        }
    }

    /// A continuation line without the pattern's tail (` (logger)`), when
    /// a multi-line message ends on it.
    pub fn strip_suffix<'a>(&self, line: &'a [u8]) -> &'a [u8] {
        let Body::Pattern(p) = &self.body else { return line };
        match p.match_suffix(line) {
            Some((end, logger)) if !logger.is_empty() => &line[..end],
            _ => line,
        }
    }

    /// Parses a record from its head line and its continuation lines and
    /// hands it to `f`. Unwrapped pattern layouts borrow the input; JSON
    /// layouts and wrapped lines are decoded into buffers that live for the
    /// call, which only candidate records pay for.
    pub fn with_record<R>(&self, head: &[u8], body: &[u8], f: impl FnOnce(&Record<'_>) -> R) -> Option<R> {
        let Some(w) = self.wrapper else {
            return self.inner_record(strip_cr(head), None, body, None, f);
        };
        let mut text = Vec::with_capacity(head.len() + body.len());
        let mut wtime = None;
        let mut head_end = None;
        let phys = std::iter::once(head).chain(body.split(|&b| b == b'\n').filter(|_| !body.is_empty()));
        for (i, l) in phys.enumerate() {
            let l = strip_cr(l);
            match w.peel(l) {
                Some(p) => {
                    if i == 0 {
                        wtime = p.time;
                    }
                    p.append_to(&mut text);
                    if p.partial {
                        continue;
                    }
                }
                None => text.extend_from_slice(l),
            }
            head_end.get_or_insert(text.len());
            text.push(b'\n');
        }
        let he = head_end.unwrap_or(text.len()).min(text.len());
        let (h, b) = text.split_at(he);
        let b = b.strip_prefix(b"\n").unwrap_or(b);
        let b = b.strip_suffix(b"\n").unwrap_or(b);
        self.inner_record(h, None, b, wtime, f)
    }

    /// `tested`: `head`'s prefix, parsed by `test_head`.
    fn inner_record<'h, R>(
        &self,
        head: &'h [u8],
        tested: Option<pattern::Prefix<'h>>,
        body: &[u8],
        wrapper_time: Option<Civil>,
        f: impl FnOnce(&Record<'_>) -> R,
    ) -> Option<R> {
        match &self.body {
            Body::Pattern(p) => {
                let h = match tested {
                    Some(pre) => p.finish(pre),
                    None => p.parse(head)?,
                };
                let mut logger = h.logger;
                if !h.suffix_found {
                    // A multi-line message carries the pattern's tail on a later line.
                    for l in body.split(|&b| b == b'\n') {
                        if let Some((_, lg)) = p.match_suffix(strip_cr(l)) {
                            if !lg.is_empty() {
                                logger = lg;
                            }
                            break;
                        }
                    }
                }
                let time = if p.time_only { h.time.and_then(|t| self.dated(t)) } else { h.time };
                Some(f(&Record {
                    time: time.or(wrapper_time),
                    level: Level::parse(h.level),
                    logger,
                    thread: h.thread,
                    message: h.message,
                    body,
                    broker: b"",
                    client: h.client,
                }))
            }
            Body::Librdkafka => {
                let h = librdkafka::parse(head)?;
                Some(f(&Record {
                    time: h.time.or(wrapper_time),
                    level: Level::parse(h.level),
                    logger: h.logger,
                    thread: h.thread,
                    message: h.message,
                    body,
                    broker: b"",
                    client: h.client,
                }))
            }
            Body::Json(j) => j.with_record(head, body, |r| {
                if r.time.is_some() || wrapper_time.is_none() {
                    f(r)
                } else {
                    f(&Record { time: wrapper_time, ..r.clone() })
                }
            }),
            // Not a log record: its line is an event already.
            Body::Events => None,
        }
    }

    /// A time-only timestamp on the layout's date; `None` without one.
    fn dated(&self, mut t: Civil) -> Option<Civil> {
        let (y, m, d) = self.date?;
        t.year = y;
        t.month = m;
        t.day = d;
        Some(t)
    }
}

pub fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A `YYYY-MM-DD` date, as `--date` takes it and file names carry it.
pub fn parse_date(s: &[u8]) -> Option<(i64, u32, u32)> {
    let c = timestamp::DateFormat::compile(Some("yyyy-MM-dd")).ok()?;
    let (t, _) = c.parse(s)?;
    Some((t.year, t.month, t.day))
}

/// The first `YYYY-MM-DD` in a file's name (`app-2024-02-06.log`), for
/// time-only layouts.
pub fn date_in_name(name: &str) -> Option<(i64, u32, u32)> {
    let file = name.rsplit('/').next().unwrap_or(name).as_bytes();
    (0..file.len().saturating_sub(9)).find_map(|i| {
        let before_ok = i == 0 || !file[i - 1].is_ascii_digit();
        let after_ok = file.get(i + 10).is_none_or(|c| !c.is_ascii_digit());
        if before_ok && after_ok {
            parse_date(&file[i..i + 10])
        } else {
            None
        }
    })
}

/// The layouts an input may be in: the built-ins, or the user's one.
#[derive(Clone, Debug)]
pub struct Layouts {
    list: Vec<Layout>,
    forced: bool,
    date: Option<(i64, u32, u32)>,
}

/// Why no layout fits an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unrecognised {
    pub first_line: String,
    pub forced: Option<String>,
    /// The layout that got furthest on the first line, and where it stopped.
    pub closest: Option<String>,
    /// A time-only layout fits but no date is known.
    pub needs_date: Option<String>,
}

impl std::fmt::Display for Unrecognised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(name) = &self.needs_date {
            return write!(
                f,
                "layout {name} has time-only timestamps and no date is known: give --date YYYY-MM-DD, or name the file with its date (app-2024-02-06.log)"
            );
        }
        match &self.forced {
            Some(p) => write!(f, "no line matches --layout '{p}'; first line: {}", self.first_line)?,
            None => write!(
                f,
                "unknown layout: no built-in layout parses its first lines (give the pattern with --layout); first line: {}",
                self.first_line
            )?,
        }
        if let Some(c) = &self.closest {
            write!(f, "; closest: {c}")?;
        }
        Ok(())
    }
}

/// One way of reading an input's sample: raw, or with a wrapper peeled.
struct View<'s> {
    wrapper: Option<Wrapper>,
    lines: Vec<Cow<'s, [u8]>>,
}

/// The sample's lines as `wrapper` leaves them (partial lines joined), when
/// at least half of them are so wrapped.
fn view<'s>(wrapper: Option<Wrapper>, lines: &[&'s [u8]]) -> Option<View<'s>> {
    let Some(w) = wrapper else {
        return Some(View { wrapper, lines: lines.iter().map(|l| Cow::Borrowed(*l)).collect() });
    };
    let mut out: Vec<Cow<'s, [u8]>> = Vec::new();
    let mut partial: Option<Vec<u8>> = None;
    let mut peeled = 0;
    for l in lines {
        let Some(p) = w.peel(l) else { continue };
        peeled += 1;
        if p.partial || partial.is_some() || p.escaped {
            let mut buf = partial.take().unwrap_or_default();
            p.append_to(&mut buf);
            if p.partial {
                partial = Some(buf);
            } else {
                out.push(Cow::Owned(buf));
            }
        } else {
            out.push(Cow::Borrowed(p.content));
        }
    }
    (peeled * 2 >= lines.len() && peeled > 0).then_some(View { wrapper, lines: out })
}

impl Layouts {
    pub fn builtin() -> Layouts {
        let file: LayoutFile = toml::from_str(BUILTIN).expect("grammars/layouts.toml is valid (checked by tests)");
        let list = file
            .layout
            .into_iter()
            .map(|e| {
                let body = Body::from_entry(&e).expect("built-in layouts compile (checked by tests)");
                Layout {
                    description: e.description,
                    example: e.example,
                    families: e.families,
                    markers: e.markers.into_iter().map(String::into_bytes).collect(),
                    ..Layout::of(&e.name, body)
                }
            })
            .collect();
        Layouts { list, forced: false, date: None }
    }

    /// `--layout SPEC`: this layout for every input, no detection (wrappers
    /// are still peeled). SPEC is a built-in layout's name, `json:ROLE=FIELD,...`
    /// for JSON lines, or a log4j/logback pattern.
    pub fn forced(spec: &str) -> Result<Layouts, String> {
        let builtin = Layouts::builtin();
        let named: Vec<Layout> = builtin.list.iter().filter(|l| l.name == spec).cloned().collect();
        let list = if !named.is_empty() {
            named
        } else if let Some(fields) = spec.strip_prefix("json:") {
            vec![Layout::json("custom-json", JsonFields::parse_spec(fields)?)]
        } else if !spec.contains('%') {
            let names: Vec<&str> = builtin.list.iter().map(|l| l.name.as_str()).collect();
            return Err(format!(
                "'{spec}' is no built-in layout ({}), no json: field list and no log4j pattern",
                names.join(", ")
            ));
        } else {
            vec![Layout::new("custom", spec)?]
        };
        Ok(Layouts { list, forced: true, date: None })
    }

    /// `--date`: the date of time-only timestamps, for every input.
    pub fn with_date(mut self, date: Option<(i64, u32, u32)>) -> Layouts {
        self.date = date;
        self
    }

    pub fn all(&self) -> &[Layout] {
        &self.list
    }

    /// Picks the layout that parses the most of the first lines of `sample`.
    pub fn detect(&self, sample: &[u8]) -> Result<Layout, Unrecognised> {
        self.detect_input("", sample)
    }

    /// Picks the wrapper and layout that parse the most of the first lines
    /// of `sample`; `name` (the input's) may give time-only layouts their date.
    pub fn detect_input(&self, name: &str, sample: &[u8]) -> Result<Layout, Unrecognised> {
        let lines: Vec<&[u8]> =
            sample.split(|&b| b == b'\n').take(SAMPLE_LINES).map(strip_cr).filter(|l| !l.is_empty()).collect();
        let views: Vec<View<'_>> =
            std::iter::once(None).chain(Wrapper::ALL.map(Some)).filter_map(|w| view(w, &lines)).collect();
        let mut best: Option<(&Layout, Option<Wrapper>, usize)> = None;
        for v in &views {
            for l in &self.list {
                let score = v.lines.iter().filter(|line| l.fits(line)).count();
                let better = match best {
                    None => score > 0,
                    Some((b, _, s)) => score > s || (score == s && l.specificity() > b.specificity()),
                };
                if better && score > 0 {
                    best = Some((l, v.wrapper, score));
                }
            }
        }
        let first_line = preview(lines.first().copied().unwrap_or_default());
        let forced = self.forced.then(|| self.list[0].source().to_string());
        let Some((l, wrapper, _)) = best else {
            return Err(Unrecognised { first_line, forced, closest: self.closest(&views), needs_date: None });
        };
        let date = self.date.or_else(|| date_in_name(name));
        if l.is_time_only() && date.is_none() {
            return Err(Unrecognised { first_line, forced, closest: None, needs_date: Some(l.name.clone()) });
        }
        Ok(Layout { wrapper, date, ..l.clone() })
    }

    /// The layout that gets furthest on the first line of any view.
    fn closest(&self, views: &[View<'_>]) -> Option<String> {
        let mut best: Option<(usize, String)> = None;
        for v in views {
            let Some(line) = v.lines.first() else { continue };
            for l in &self.list {
                let (n, why) = l.diagnose(line);
                if best.as_ref().is_none_or(|(b, _)| n > *b) {
                    let name = match v.wrapper {
                        Some(w) => format!("{} in {}", l.name, w.name()),
                        None => l.name.clone(),
                    };
                    best = Some((n, format!("{name} ({why})")));
                }
            }
        }
        best.map(|(_, s)| s)
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
            assert!(l.is_head(ex.as_bytes()) && l.fits(ex.as_bytes()), "{} does not parse its example", l.name);
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
        let (logger, level) = l
            .with_record(
                b"[2024-02-06 10:47:03,491] INFO ProducerConfig values: ",
                b"\tacks = -1\n\tretries = 3 (org.apache.kafka.common.config.AbstractConfig)",
                |r| (r.logger.to_vec(), r.level),
            )
            .unwrap();
        assert_eq!(logger, b"org.apache.kafka.common.config.AbstractConfig");
        assert_eq!(level, Some(Level::Info));
    }

    /// (format, message, body, time) of the first record of `text`.
    fn first(text: &str, name: &str) -> (String, String, String, String) {
        let l = Layouts::builtin().detect_input(name, text.as_bytes()).unwrap();
        let mut lines = text.split('\n');
        let head = lines.next().unwrap();
        let rest: Vec<&str> = lines.take_while(|x| !l.is_head(x.as_bytes())).collect();
        let body = rest.join("\n");
        l.with_record(head.as_bytes(), body.trim_end().as_bytes(), |r| {
            let z = crate::timefmt::Zone::default();
            (
                l.format(),
                String::from_utf8_lossy(r.message).into_owned(),
                String::from_utf8_lossy(r.body).into_owned(),
                r.time.and_then(|t| t.to_utc_millis(&z)).map(|m| crate::timefmt::rfc3339(m, &z)).unwrap_or_default(),
            )
        })
        .unwrap()
    }

    #[test]
    fn json_presets_are_told_apart() {
        let kjs = r#"{"level":"ERROR","timestamp":"2024-02-06T10:47:03.491Z","logger":"kafkajs","message":"[Connection] Connection error: connect ECONNREFUSED 10.0.1.12:9092","broker":"b-2.x:9092","clientId":"orders"}"#;
        assert_eq!(first(kjs, "").0, "kafkajs");
        let logstash = r#"{"@timestamp":"2024-02-06T10:47:03.491+09:00","@version":"1","message":"[Producer clientId=p-1] Node 2 disconnected.","logger_name":"org.apache.kafka.clients.NetworkClient","thread_name":"kafka-producer-network-thread | p-1","level":"WARN","level_value":30000}"#;
        let (f, m, _, t) = first(logstash, "");
        assert_eq!(
            (f.as_str(), m.as_str(), t.as_str()),
            ("logstash", "[Producer clientId=p-1] Node 2 disconnected.", "2024-02-06T01:47:03.491Z")
        );
        let ecs = r#"{"@timestamp":"2024-02-06T10:47:03.491Z","log.level":"WARN","message":"x","ecs.version":"1.2.0","log.logger":"org.apache.kafka.clients.NetworkClient"}"#;
        assert_eq!(first(ecs, "").0, "ecs");
        let pino = r#"{"level":50,"time":1707216423491,"pid":7,"hostname":"h","name":"orders","msg":"boom"}"#;
        assert_eq!(first(pino, "").0, "pino");
    }

    #[test]
    fn wrappers_are_peeled_and_partial_lines_joined() {
        let cri = "2024-02-06T10:47:03.491234567Z stderr F [2024-02-06 10:47:03,491] ERROR Error when sending (org.apache.kafka.clients.producer.internals.ErrorLoggingCallback)\n2024-02-06T10:47:03.491234567Z stderr P org.apache.kafka.common.errors.TimeoutException: Expiring 5 record(s) for orders-2:120001 ms \n2024-02-06T10:47:03.491234567Z stderr F has passed since batch creation\n";
        let (f, m, b, _) = first(cri, "");
        assert_eq!(f, "kafka-log4j in cri");
        assert_eq!(m, "Error when sending");
        assert_eq!(b, "org.apache.kafka.common.errors.TimeoutException: Expiring 5 record(s) for orders-2:120001 ms has passed since batch creation");
        let docker = r#"{"log":"{\"level\":\"WARN\",\"timestamp\":\"2024-02-06T10:47:03.491Z\",\"logger\":\"kafkajs\",\"message\":\"[Connection] \u003cx\u003e\"}\n","stream":"stdout","time":"2024-02-06T10:47:03.5Z"}"#;
        let (f, m, _, t) = first(docker, "");
        assert_eq!(
            (f.as_str(), m.as_str(), t.as_str()),
            ("kafkajs in docker-json", "[Connection] <x>", "2024-02-06T10:47:03.491Z")
        );
        let tail = "2024-02-06T10:47:03.491000+00:00 orders/i-0abc 2024-02-06 10:47:03.491 [main] WARN  org.apache.kafka.clients.NetworkClient - hi\n";
        assert_eq!(first(tail, "").0, "logback in aws-logs-tail");
        let syslog = "Feb  6 10:47:03 ip-10-0-0-1 orders[123]: [2024-02-06 10:47:03,491] WARN hi (org.apache.kafka.clients.NetworkClient)\n";
        assert_eq!(first(syslog, "").0, "kafka-log4j in syslog");
    }

    /// Part A's hand parser inside part B's wrappers: the client name still
    /// travels in `Record::client`, the time is librdkafka's, not the wrapper's.
    #[test]
    fn librdkafka_lines_are_read_inside_wrappers() {
        let line = "%3|1707216423.491|FAIL|rdkafka#producer-1| [thrd:b-2.x:9092/2]: b-2.x:9092/2: Connect to ipv4#10.0.1.12:9092 failed: Connection refused";
        for text in [line.to_string(), format!("2024-02-06T10:50:00.000000001Z stderr F {line}")] {
            let l = Layouts::builtin().detect(text.as_bytes()).unwrap();
            assert_eq!(l.families, ["librdkafka"]);
            let (client, fac, msg) = l
                .with_record(text.as_bytes(), b"", |r| {
                    (String::from_utf8_lossy(r.client).into_owned(), r.thread.to_vec(), r.message.len())
                })
                .unwrap();
            assert_eq!((client.as_str(), &fac[..]), ("rdkafka#producer-1", &b"FAIL"[..]), "{}", l.format());
            assert!(msg > 0);
            assert_eq!(first(&text, "").3, "2024-02-06T10:47:03.491Z", "{}", l.format());
        }
        assert_eq!(first(&format!("2024-02-06T10:50:00.000000001Z stderr F {line}"), "").0, "librdkafka in cri");
    }

    #[test]
    fn time_only_layouts_take_their_date_from_the_name_or_flag() {
        let text =
            "10:47:03.491 [kafka-producer-network-thread | p-1] WARN  org.apache.kafka.clients.NetworkClient - hi\n";
        let (f, _, _, t) = first(text, "logs/app-2024-02-06.log");
        assert_eq!((f.as_str(), t.as_str()), ("logback-time-only", "2024-02-06T10:47:03.491Z"));
        let err = Layouts::builtin().detect_input("app.log", text.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("--date"), "{err}");
        let l =
            Layouts::builtin().with_date(parse_date(b"2024-03-01")).detect_input("app.log", text.as_bytes()).unwrap();
        assert!(l.with_record(text.trim_end().as_bytes(), b"", |r| r.time.unwrap().month).unwrap() == 3);
        assert_eq!(date_in_name("x/app-2024-02-06.1.log"), Some((2024, 2, 6)));
        assert_eq!(date_in_name("app-12024-02-06.log"), None);
        assert_eq!(date_in_name("app.log"), None);
        let yy = "24-02-06 10:47:03.491 [main] WARN  org.apache.kafka.clients.NetworkClient - hi\n";
        assert_eq!(first(yy, "").3, "2024-02-06T10:47:03.491Z");
        let iso = "2024-02-06T10:47:03.491+09:00 [main] WARN  org.apache.kafka.clients.NetworkClient - hi\n";
        assert_eq!(first(iso, "").3, "2024-02-06T01:47:03.491Z");
    }

    #[test]
    fn unrecognised_inputs_name_the_closest_layout() {
        let ls = Layouts::builtin();
        let err = ls.detect(b"[2024-02-06 10:47:03,491] 42 x\n").unwrap_err().to_string();
        assert!(err.contains("closest: kafka-log4j (timestamp matched, level field did not at column 27)"), "{err}");
        let err = ls.detect(br#"{"ts":"2024-02-06T10:47:03Z","msg":"x"}"#).unwrap_err().to_string();
        assert!(err.contains("closest:") && err.contains("no "), "{err}");
    }

    /// Never panic on input: truncated JSON and wrapped lines through
    /// detection and every built-in layout, with every wrapper.
    #[test]
    fn truncated_records_never_panic() {
        let ls = Layouts::builtin();
        let samples = [
            r#"{"level":50,"time":1e300,"msg":"x","err":{"stack":null}}"#,
            r#"{"level":"ERROR","timestamp":"2024-02-06T10:47:03.491Z","logger":"kafkajs","message":"[Connection] x","broker":7}"#,
            r#"{"log":"{\"level\":\"WARN\"}\n","stream":"stdout","time":"2024-02-06T10:47:03Z"}"#,
            "2024-02-06T10:47:03.491234567Z stderr P [2024-02-06 10:47:03,491] WARN x (y)",
            "10:47:03.491 [main] WARN  a.B - x",
        ];
        for text in samples {
            for cut in 0..=text.len() {
                let Some(t) = text.get(..cut) else { continue };
                let _ = ls.detect_input("app-2024-02-06.log", t.as_bytes());
                for base in ls.all() {
                    for w in std::iter::once(None).chain(Wrapper::ALL.map(Some)) {
                        let l = Layout { wrapper: w, date: Some((2024, 2, 6)), ..base.clone() };
                        let _ = l.is_head(t.as_bytes());
                        let _ = l.with_record(t.as_bytes(), t.as_bytes(), |r| r.time);
                    }
                }
            }
        }
    }

    #[test]
    fn forced_layouts_by_name_and_json_fields() {
        let ls = Layouts::forced("kafkajs").unwrap();
        assert_eq!(ls.all().len(), 1);
        let ls = Layouts::forced("json:time=ts,level=sev,message=msg").unwrap();
        let l = ls.detect(br#"{"ts":"2024-02-06T10:47:03Z","sev":"warn","msg":"x"}"#).unwrap();
        assert_eq!(l.name, "custom-json");
        assert!(Layouts::forced("kafkajsx").unwrap_err().contains("no built-in layout"));
        assert!(Layouts::forced("json:time=ts").unwrap_err().contains("message=FIELD"));
    }

    #[test]
    fn forced_layout_reports_its_pattern() {
        let ls = Layouts::forced("%d{ISO8601} %p %m%n").unwrap();
        assert_eq!(ls.detect(b"2024-02-06T10:47:03,491 WARN hi\n").unwrap().name, "custom");
        assert!(ls.detect(b"nope\n").unwrap_err().to_string().contains("--layout"));
    }

    /// A head read from its head test is the head `with_record` reads, in
    /// every built-in layout, wrapped or not; `test_head` agrees with
    /// `is_head` on heads, continuations and odd lines.
    #[test]
    fn a_tested_head_reads_as_the_line_does() {
        type Read = (Option<Civil>, Option<Level>, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);
        let read = |r: &Record<'_>| -> Read {
            (
                r.time,
                r.level,
                r.logger.to_vec(),
                r.thread.to_vec(),
                r.message.to_vec(),
                r.body.to_vec(),
                r.client.to_vec(),
            )
        };
        let ls = Layouts::builtin();
        let mut lines: Vec<Vec<u8>> = ls.all().iter().map(|l| l.example.replace("...", "x").into_bytes()).collect();
        lines.extend(
            [
                &b"[2024-02-06 10:47:03,491] WARN [Producer clientId=p-1] Node 1 disconnected. (org.apache.kafka.clients.NetworkClient)"[..],
                b"[2024-02-06 10:47:03,491] WARN multi-line message without its tail",
                b"[2024-02-06 10:47:03,491] WARN crlf (org.apache.kafka.clients.NetworkClient)\r",
                b"[2024-02-06 10:47:03,491] WARN two crs (x.Y)\r\r",
                b"[2024-02-06 10:47:03,491] WARN caf\xc3\xa9 \xff bytes (x.Y)",
                b"[2024-13-06 10:47:03,491] WARN bad month (x.Y)",
                b"\tat org.apache.kafka.X.y(X.java:1)",
                b"",
                b"\r",
            ]
            .map(<[u8]>::to_vec),
        );
        let body = b"\tat a.b(C.java:1)\n\tretries = 3 (org.apache.kafka.common.config.AbstractConfig)";
        let mut reused = 0;
        for l in ls.all() {
            let wrapped = Layout { wrapper: Some(Wrapper::Docker), ..l.clone() };
            for layout in [l, &wrapped] {
                for line in &lines {
                    let (is_head, tested) = layout.test_head(line);
                    assert_eq!(is_head, layout.is_head(line), "{} {:?}", layout.name, String::from_utf8_lossy(line));
                    let Some(t) = tested else { continue };
                    assert!(t.is_of(line) && !t.is_of(&line[1..]));
                    let want = layout.with_record(line, body, read);
                    assert!(want.is_some());
                    assert_eq!(layout.with_tested_record(t, body, read), want, "{}", layout.name);
                    reused += 1;
                }
            }
        }
        assert!(reused >= 8, "unwrapped pattern layouts keep their head test: {reused}");
    }
}
