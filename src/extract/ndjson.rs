//! rollcall's own `--format events` NDJSON as an input: many hosts extract,
//! one process correlates (issue 6, "Many hosts").
//!
//! Takes a chunk of whole lines of an input whose layout is `events`; gives
//! one `Event` per line, read field by field from what `report/events.rs`
//! writes, with no prefilter and no grammar: the host that wrote the line
//! already classified it. What each event says about where it came from is
//! kept: its `line` is the line of the ORIGINAL log, and its `input` is an
//! index into the chunk's `origins`, the original inputs' names as the host
//! wrote them. `analysis` turns those into inputs of their own, so evidence
//! names `host-a:/var/log/app.log` line 1234, never a line of the NDJSON.
//!
//! The host's `broker` and `attributed` fields are not read: identity is
//! resolved again from the raw fields (node, host, port, topic-partition,
//! client), with every host's lines and `--topics` in view.
//!
//! A line that is not such an event is an `Issue` (named by its NDJSON line,
//! counted, skipped); nothing here can panic on arbitrary bytes, huge
//! numbers or fields of the wrong type.

use super::{ChunkOut, Issue, IssueKind};
use crate::event::{Event, Gist, Gists, Kind, Level, Role};
use crate::grammar::split_tp;
use crate::layout::strip_cr;
use crate::layout::wrapper::Wrapper;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;

/// The layout's name (`--layout events`) and the `format` of the inputs it
/// gives.
pub const FORMAT: &str = "events";

/// Why a line is not an event. Static, so that alike lines are counted
/// together under their first line (`analysis::merge_issues`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadLine {
    NotJson,
    NotObject,
    /// A required field (`time`, `kind`, `input`, `line`) is missing or null.
    Missing(&'static str),
    /// A field holds the wrong type or an impossible value.
    Invalid(&'static str),
    UnknownKind,
}

impl fmt::Display for BadLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadLine::NotJson => f.write_str("not JSON"),
            BadLine::NotObject => f.write_str("not a JSON object"),
            BadLine::Missing(field) => write!(f, "no `{field}` field"),
            BadLine::Invalid(field) => write!(f, "`{field}` has the wrong type or value"),
            BadLine::UnknownKind => f.write_str("`kind` is not an event kind of rollcall"),
        }
    }
}

/// Does this line look like one of rollcall's events? For layout detection:
/// a JSON object with the contract's `time`, `kind`, `input` and `line`.
pub fn fits(line: &[u8]) -> bool {
    let line = line.trim_ascii();
    line.first() == Some(&b'{') && read(line).is_ok()
}

/// For the "closest layout" message: how far the line gets.
pub fn diagnose(line: &[u8]) -> (usize, String) {
    match read(line.trim_ascii()) {
        Ok(_) => (9, "it parses".into()),
        Err(BadLine::NotJson | BadLine::NotObject) => (0, "not a JSON object".into()),
        Err(e) => (2, e.to_string()),
    }
}

/// The events of a chunk of NDJSON lines, peeled of `wrapper` first when
/// the lines were captured by a container runtime (a rollcall job's output
/// under `/var/log/containers`).
pub fn chunk(data: &[u8], wrapper: Option<Wrapper>) -> ChunkOut {
    let mut out = ChunkOut::default();
    let mut origins = Origins::default();
    // Alike lines share one gist from the start, as a log's chunk does: a
    // host's NDJSON is mostly the same few gists, and a gist is most of an
    // event's memory until it settles.
    let mut gists = Gists::default();
    // A wrapped line: unescaped (Docker) or joined (CRI partial lines) here.
    let mut text: Vec<u8> = Vec::new();
    for (k, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line = match wrapper.and_then(|w| w.peel(strip_cr(raw))) {
            Some(p) => {
                p.append_to(&mut text);
                if p.partial {
                    continue;
                }
                &text[..]
            }
            None => raw,
        };
        let line = line.trim_ascii();
        if !line.is_empty() {
            match read(line) {
                Ok((origin, mut ev)) => {
                    ev.input = origins.note(origin);
                    gists.adopt(&mut ev);
                    out.records += 1;
                    out.events.push(ev);
                }
                Err(why) => bad(&mut out.issues, k as u64 + 1, why),
            }
        }
        text.clear();
    }
    out.origins = origins.list;
    out.newlines = super::bytes::count(data);
    out
}

fn bad(issues: &mut Vec<Issue>, line: u64, why: BadLine) {
    match issues.iter_mut().find(|i| i.kind == IssueKind::BadEvent(why)) {
        Some(i) => i.count += 1,
        None => issues.push(Issue { line, kind: IssueKind::BadEvent(why), count: 1 }),
    }
}

/// One NDJSON line: what it says of its original input, and the event.
fn read(line: &[u8]) -> Result<(Origin, Event), BadLine> {
    let v: Value = serde_json::from_slice(line).map_err(|_| BadLine::NotJson)?;
    let Value::Object(o) = v else { return Err(BadLine::NotObject) };
    let time = opt_time(&o, "time")?.ok_or(BadLine::Missing("time"))?;
    let kind = Kind::parse(&req_str(&o, "kind")?).ok_or(BadLine::UnknownKind)?;
    let origin = Origin {
        name: req_str(&o, "input")?,
        span: match (opt_time(&o, "input_start")?, opt_time(&o, "input_end")?) {
            (Some(s), Some(e)) => Some((s.min(e), s.max(e))),
            (None, None) => None,
            _ => return Err(BadLine::Invalid("input_end")),
        },
        info: opt_bool(&o, "input_info")?,
    };
    let line = match o.get("line") {
        None | Some(Value::Null) => return Err(BadLine::Missing("line")),
        Some(v) => v.as_u64().filter(|&n| n >= 1).ok_or(BadLine::Invalid("line"))?,
    };
    let mut topic = opt_str(&o, "topic")?;
    let mut partition = opt_int(&o, "partition")?;
    if topic.is_none() {
        // A writer that gives only the joined form: `orders-3`.
        if let Some(tp) = opt_str(&o, "topic_partition")? {
            match split_tp(tp.as_bytes()) {
                Some((t, p)) => {
                    topic = Some(String::from_utf8_lossy(t).into_owned());
                    partition = partition.or(Some(p));
                }
                None => topic = Some(tp),
            }
        }
    }
    let level = match opt_str(&o, "level")? {
        None => None,
        Some(l) => Some(Level::parse(l.as_bytes()).ok_or(BadLine::Invalid("level"))?),
    };
    let role = match opt_str(&o, "role")? {
        None => None,
        Some(r) => Some(Role::parse(&r).or_else(|| Role::from_name(r.as_bytes())).ok_or(BadLine::Invalid("role"))?),
    };
    let answered = opt_bool(&o, "answered")?;
    let weight = match opt_int::<u32>(&o, "weight")? {
        None => 1,
        Some(0) => return Err(BadLine::Invalid("weight")),
        Some(w) => w,
    };
    let gist = Gist {
        kind,
        rule: opt_str(&o, "rule")?.map_or_else(|| "unknown".into(), Into::into),
        level,
        node: opt_int(&o, "node")?,
        host: opt_str(&o, "host")?,
        port: opt_int(&o, "port")?,
        topic,
        partition,
        // Capped as the extractor caps what it reads from a log line.
        error: opt_str(&o, "error")?.map(|e| super::first_chars(e, super::ERROR_CHARS)),
        client: opt_str(&o, "client")?,
        role,
        attempts: opt_int(&o, "attempts")?,
        count: opt_int(&o, "count")?,
        answered,
        template: opt_str(&o, "template")?.map(|t| super::first_chars(t, 400)),
    };
    // `input` is set per origin and the broker resolved again centrally
    // (see the module's doc).
    let mut ev = Event::new(gist, time, 0, line);
    // Dropped again per log (`each_origin`) when its twin is there.
    ev.echo = opt_bool(&o, "echo")?;
    ev.weight = weight;
    Ok((origin, ev))
}

/// An RFC 3339 time with its offset, as UTC milliseconds.
fn opt_time(o: &Map<String, Value>, field: &'static str) -> Result<Option<i64>, BadLine> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.timestamp_millis()))
            .map_err(|_| BadLine::Invalid(field)),
        Some(_) => Err(BadLine::Invalid(field)),
    }
}

/// A flag: absent or null is false.
fn opt_bool(o: &Map<String, Value>, field: &'static str) -> Result<bool, BadLine> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(BadLine::Invalid(field)),
    }
}

fn req_str(o: &Map<String, Value>, field: &'static str) -> Result<String, BadLine> {
    match o.get(field) {
        None | Some(Value::Null) => Err(BadLine::Missing(field)),
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(_) => Err(BadLine::Invalid(field)),
    }
}

fn opt_str(o: &Map<String, Value>, field: &'static str) -> Result<Option<String>, BadLine> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(BadLine::Invalid(field)),
    }
}

/// An integer field that fits `T`: a float, a string or an out-of-range
/// number is a bad line, not a wrapped value.
fn opt_int<T: TryFrom<i64> + TryFrom<u64>>(o: &Map<String, Value>, field: &'static str) -> Result<Option<T>, BadLine> {
    let bad = BadLine::Invalid(field);
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            let v = match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => T::try_from(i).ok(),
                (None, Some(u)) => T::try_from(u).ok(),
                _ => None,
            };
            v.map(Some).ok_or(bad)
        }
        Some(_) => Err(bad),
    }
}

/// An original input, as the events of an NDJSON input tell it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// Its name as the host wrote it.
    pub name: String,
    /// The first and last time of its log (`input_start`, `input_end`),
    /// when the host wrote them (events of files, not of live pipes).
    pub span: Option<(i64, i64)>,
    /// Its log shows INFO lines (`input_info`), so its end is observed.
    pub info: bool,
}

/// The original inputs named in one NDJSON input, in the order first met,
/// with an index so that a chunk's names join the list in one lookup each.
#[derive(Debug, Default)]
pub struct Origins {
    pub list: Vec<Origin>,
    index: HashMap<String, u32>,
}

impl Origins {
    /// Adds a chunk's origins; gives the index in `list` of each.
    pub fn adopt(&mut self, chunk: Vec<Origin>) -> Vec<u32> {
        chunk.into_iter().map(|o| self.note(o)).collect()
    }

    /// The index of `o`'s input, added when new; what it tells is merged.
    pub fn note(&mut self, o: Origin) -> u32 {
        if let Some(&i) = self.index.get(&o.name) {
            let known = &mut self.list[i as usize];
            known.info |= o.info;
            known.span = match (known.span, o.span) {
                (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
                (a, b) => a.or(b),
            };
            return i;
        }
        let i = self.list.len() as u32;
        self.index.insert(o.name.clone(), i);
        self.list.push(o);
        i
    }
}

/// Runs `f` on the events of each log (`input` below `logs`) apart; with
/// one log or none (an input that is a log), on all of them at once.
pub fn each_origin(events: &mut Vec<Event>, logs: usize, mut f: impl FnMut(&mut Vec<Event>)) {
    if logs <= 1 {
        return f(events);
    }
    let mut by: Vec<Vec<Event>> = (0..logs).map(|_| Vec::new()).collect();
    for e in events.drain(..) {
        let i = (e.input as usize).min(logs - 1);
        by[i].push(e);
    }
    for mut group in by {
        f(&mut group);
        events.append(&mut group);
    }
}

/// Orders an NDJSON input's logs by name, as a directory of logs is read,
/// so that events at the same millisecond come in the order the logs'
/// own analysis gives them. Returns the new index of each old one.
pub fn sort(origins: &mut Vec<Origin>) -> Vec<u32> {
    let mut order: Vec<u32> = (0..origins.len() as u32).collect();
    order.sort_by(|&a, &b| origins[a as usize].name.cmp(&origins[b as usize].name));
    let mut rank = vec![0u32; order.len()];
    for (new, &old) in order.iter().enumerate() {
        rank[old as usize] = new as u32;
    }
    let mut taken: Vec<Option<Origin>> = std::mem::take(origins).into_iter().map(Some).collect();
    *origins = order.iter().filter_map(|&old| taken[old as usize].take()).collect();
    rank
}

/// The name an original input is reported under: qualified by the host it
/// was read on, which is the NDJSON input's file name without its
/// extensions (`host-a.ndjson.gz` → `host-a:/var/log/app.log`). Read from
/// an unnamed standard input, the name stays as the host wrote it.
pub fn qualified(via: &str, original: &str) -> String {
    match host_of(via) {
        Some(h) => format!("{h}:{original}"),
        None => original.to_string(),
    }
}

fn host_of(via: &str) -> Option<&str> {
    if via == "-" {
        return None;
    }
    let file = via.rsplit('/').next().unwrap_or(via);
    let mut stem = file;
    for ext in [".gz", ".zst", ".zstd"] {
        stem = stem.strip_suffix(ext).unwrap_or(stem);
    }
    for ext in [".ndjson", ".jsonl", ".json", ".events"] {
        stem = stem.strip_suffix(ext).unwrap_or(stem);
    }
    Some(if stem.is_empty() { file } else { stem })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"time":"2024-02-06T10:47:03.491Z","kind":"not_leader","broker":"2","client":"console-producer","input":"fixtures/msk-seed/producer.log","line":118,"topic_partition":"orders-0","topic":"orders","partition":0,"error":"NOT_LEADER_OR_FOLLOWER","level":"WARN","rule":"java.produce_error_retrying","attributed":"time","role":"producer","attempts":2}"#;

    #[test]
    fn a_line_is_its_event_with_its_original_input_and_line() {
        let text = format!("{LINE}\n\n{}\n", LINE.replace("producer.log", "consumer.log").replace("118", "7"));
        let out = chunk(text.as_bytes(), None);
        assert_eq!(out.newlines, 3);
        assert!(out.issues.is_empty(), "{:?}", out.issues);
        let names: Vec<&str> = out.origins.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, vec!["fixtures/msk-seed/producer.log", "fixtures/msk-seed/consumer.log"]);
        let e = &out.events[0];
        assert_eq!((e.time, e.kind, e.line, e.input), (1707216423491, Kind::NotLeader, 118, 0));
        assert_eq!((e.topic.as_deref(), e.partition, e.attempts), (Some("orders"), Some(0), Some(2)));
        assert_eq!(
            (e.role, e.level, &*e.rule),
            (Some(Role::Producer), Some(Level::Warn), "java.produce_error_retrying")
        );
        assert_eq!((e.broker.as_deref(), e.attributed), (None, None), "identity is resolved again centrally");
        assert_eq!((out.events[1].input, out.events[1].line), (1, 7));
    }

    #[test]
    fn bad_lines_are_counted_by_reason_with_their_first_line() {
        let lines = [
            LINE.to_string(),
            "not json at all".into(),
            "[1,2]".into(),
            LINE.replace(r#""time":"2024-02-06T10:47:03.491Z","#, ""),
            LINE.replace("\"line\":118", "\"line\":1e400"),
            LINE.replace("\"line\":118", "\"line\":-3"),
            LINE.replace("\"line\":118", "\"line\":99999999999999999999999"),
            LINE.replace("not_leader", "meteor_strike"),
            LINE.replace("\"partition\":0", "\"partition\":\"zero\""),
            LINE.replace("\"partition\":0", "\"partition\":4294967296"),
            LINE.replace("2024-02-06T10:47:03.491Z", "yesterday"),
            "{\"time\":".into(),
            String::from_utf8_lossy(b"\xff\xfe{").into_owned(),
            "not json either".into(),
        ];
        let out = chunk(lines.join("\n").as_bytes(), None);
        assert_eq!(out.events.len(), 1);
        let got: Vec<(u64, String, u64)> = out.issues.iter().map(|i| (i.line, i.message(), i.count)).collect();
        let find = |reason: &str| got.iter().find(|g| g.1.contains(reason)).cloned();
        // 1e400 overflows a double: serde_json refuses the line as JSON.
        assert_eq!(find("not JSON").map(|g| (g.0, g.2)), Some((2, 5)), "{got:?}");
        assert_eq!(find("not a JSON object").map(|g| (g.0, g.2)), Some((3, 1)));
        assert_eq!(find("no `time`").map(|g| g.0), Some(4));
        assert_eq!(find("`line` has").map(|g| (g.0, g.2)), Some((6, 2)), "-3 and 10^23 are no line numbers: {got:?}");
        assert_eq!(find("`kind` is not").map(|g| g.0), Some(8));
        assert_eq!(find("`partition` has").map(|g| (g.0, g.2)), Some((9, 2)));
        assert_eq!(find("`time` has").map(|g| g.0), Some(11));
    }

    #[test]
    fn lines_captured_by_a_container_runtime_are_peeled() {
        let (head, tail) = LINE.split_at(40);
        let cri = format!(
            "2024-02-06T10:50:00.000000001Z stdout F {LINE}\n2024-02-06T10:50:00.000000002Z stdout P {head}\n2024-02-06T10:50:00.000000003Z stdout F {tail}\n"
        );
        let out = chunk(cri.as_bytes(), Wrapper::ALL.into_iter().find(|w| w.name() == "cri"));
        assert!(out.issues.is_empty(), "{:?}", out.issues);
        assert_eq!(out.events.len(), 2);
        let docker = format!(
            "{}\n",
            serde_json::json!({"log": format!("{LINE}\n"), "stream": "stdout", "time": "2024-02-06T10:50:00Z"})
        );
        let w = Wrapper::ALL.into_iter().find(|w| w.peel(docker.trim_end().as_bytes()).is_some_and(|p| p.escaped));
        let out = chunk(docker.as_bytes(), w);
        assert_eq!((out.events.len(), out.issues.len()), (1, 0), "{w:?}");
    }

    #[test]
    fn detection_wants_the_contract_fields() {
        assert!(fits(LINE.as_bytes()));
        assert!(!fits(br#"{"level":50,"time":1707216423491,"msg":"x"}"#));
        assert!(!fits(LINE.replace(r#""kind":"not_leader","#, "").as_bytes()));
        assert!(!fits(b"[2024-02-06 10:47:03,491] WARN x (org.apache.kafka.clients.NetworkClient)"));
    }

    #[test]
    fn names_are_qualified_by_the_host_file() {
        assert_eq!(qualified("collected/host-a.ndjson", "/var/log/app.log"), "host-a:/var/log/app.log");
        assert_eq!(qualified("host-b.ndjson.gz", "app.log"), "host-b:app.log");
        assert_eq!(qualified("pod-7", "-"), "pod-7:-");
        assert_eq!(qualified("-", "app.log"), "app.log");
        assert_eq!(qualified(".ndjson", "x"), ".ndjson:x");
    }

    #[test]
    fn origins_of_chunks_join_one_list() {
        let named = |n: &str, span: Option<(i64, i64)>, info| Origin { name: n.into(), span, info };
        let mut o = Origins::default();
        assert_eq!(o.adopt(vec![named("a", None, false), named("b", Some((5, 9)), false)]), vec![0, 1]);
        assert_eq!(o.adopt(vec![named("b", Some((1, 7)), true), named("c", None, false)]), vec![1, 2]);
        assert_eq!(o.list, vec![named("a", None, false), named("b", Some((1, 9)), true), named("c", None, false)]);
    }

    #[test]
    fn logs_are_ordered_by_name() {
        let named = |n: &str| Origin { name: n.into(), ..Origin::default() };
        let mut v = vec![named("p.log"), named("c.log"), named("a.log")];
        assert_eq!(sort(&mut v), vec![2, 1, 0]);
        assert_eq!(v, vec![named("a.log"), named("c.log"), named("p.log")]);
    }

    #[test]
    fn the_span_of_the_original_log_travels_with_its_events() {
        let with = LINE.replace(
            "\"line\":118",
            "\"line\":118,\"input_start\":\"2024-02-06T10:40:00.000Z\",\"input_end\":\"2024-02-06T10:59:00.000Z\",\"input_info\":true",
        );
        let out = chunk(with.as_bytes(), None);
        assert_eq!(out.origins[0].span, Some((1707216000000, 1707217140000)));
        assert!(out.origins[0].info);
        let half = with.replace(",\"input_start\":\"2024-02-06T10:40:00.000Z\"", "");
        let out = chunk(half.as_bytes(), None);
        assert_eq!(out.issues[0].kind, IssueKind::BadEvent(BadLine::Invalid("input_end")));
    }
}
