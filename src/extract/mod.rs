//! Extraction: a chunk of whole records in, events out.
//!
//! The prefilter finds candidate positions; each is walked back to its
//! record's head line (a hit in a stack trace belongs to the record that
//! logged it), the record is parsed by the input's layout and classified by
//! the grammar. Hits inside a record already handled are skipped, so a
//! record is parsed at most once. Line numbers come from the newline table
//! of the one pass over every byte (`bytes`); the caller adds the chunk's
//! first line (a prefix sum). Nothing here allocates for a line that yields
//! no event.

pub mod bytes;
pub mod ndjson;
pub mod prefilter;

use crate::event::{Event, GistView, Gists, Kind, Level, Role};
use crate::grammar::{parse_broker_name, parse_node, split_addr, split_tp, Grammar, Match, RuleSet, NODE_MARK};
use crate::layout::{strip_cr, Layout, Record, TestedHead};
use crate::timefmt::Zone;
use bytes::{ByteScan, LineCounter};
use prefilter::Prefilter;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// Lines longer than this are analysed by their first `MAX_LINE` bytes.
pub const MAX_LINE: usize = 1 << 20;
/// A record's continuation lines are looked at up to this many bytes.
pub const MAX_BODY: usize = 256 << 10;
/// How far back a hit is walked to find its record's head.
const MAX_WALK_BACK: usize = 256 << 10;

/// What is wrong with an input's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IssueKind {
    Nul,
    InvalidUtf8,
    /// A line over the limit (`max_line` bytes).
    LongLine(usize),
    /// An NDJSON line that is not one of rollcall's events (`ndjson`).
    BadEvent(ndjson::BadLine),
}

/// A problem found in an input's bytes: its first 1-based line and how
/// many times it occurs there (NUL bytes, invalid sequences).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    pub line: u64,
    pub kind: IssueKind,
    pub count: u64,
}

impl Issue {
    pub fn message(&self) -> String {
        match self.kind {
            IssueKind::Nul => format!("{} NUL byte(s) (binary data in a log); they were read as text", self.count),
            IssueKind::InvalidUtf8 => format!(
                "invalid UTF-8 ({} invalid sequence(s)); the lines were read with replacement characters",
                self.count
            ),
            IssueKind::LongLine(max) => {
                format!("line longer than {max} bytes; only its first {max} bytes were analysed")
            }
            IssueKind::BadEvent(why) => {
                format!("not a rollcall event ({why}): {} such line(s) skipped", self.count)
            }
        }
    }
}

/// What one chunk gives.
#[derive(Debug, Default)]
pub struct ChunkOut {
    /// Newlines in the chunk (the caller's prefix sum).
    pub newlines: u64,
    /// Events with lines relative to the chunk (1 = its first line).
    pub events: Vec<Event>,
    pub issues: Vec<Issue>,
    /// Client configuration dumps, lines relative like `events`.
    pub configs: Vec<ConfigDump>,
    /// Brokers' racks, from `Node` strings (`host:port (id: 1 rack: use1-az1)`).
    pub racks: Vec<RackFact>,
    /// Time of the first and last head line in the chunk.
    pub first_time: Option<i64>,
    pub last_time: Option<i64>,
    /// Records the layout parsed, among those the prefilter pointed at.
    pub records: u64,
    /// Lines the prefilter pointed at that could not be understood: Kafka
    /// WARN/ERROR records no rule matched (`unknown` events), Kafka records
    /// whose time could not be read, and lines no record head could be
    /// found for. Counted so that nothing is dropped silently (issue 7).
    pub not_understood: u64,
    /// The first of them, relative like `events`.
    pub first_not_understood: Option<u64>,
    /// Events read from rollcall's NDJSON (`ndjson`) name their original
    /// input and line: their `input` indexes these names, their `line` is
    /// already the original one. Empty for log chunks.
    pub origins: Vec<ndjson::Origin>,
}

impl ChunkOut {
    fn not_understood_at(&mut self, line: u64) {
        self.not_understood += 1;
        self.first_not_understood.get_or_insert(line);
    }
}

/// Bytes per window of the byte pass and the prefilter: well inside L2
/// (2 MiB per core here), several times a record's longest usual walk.
const WINDOW: usize = 256 << 10;

/// The byte pass over a chunk, run window by window ahead of the
/// prefilter, and the line of any position it has passed.
struct Lines<'a> {
    data: &'a [u8],
    scan: ByteScan,
    counter: LineCounter,
}

impl Lines<'_> {
    /// Newlines before `pos`, which the pass has reached (a hit, or a
    /// line start before one).
    fn before(&mut self, pos: usize) -> u64 {
        self.counter.before(&self.scan, self.data, pos)
    }
}

/// Why a record gave no event.
enum NoEvent {
    /// Not a Kafka client record: nothing to say about it.
    NotKafka,
    /// A Kafka client record without a usable time.
    Undated,
}

/// A client's configuration as it printed it at start-up
/// (`AbstractConfig.logAll`: `ProducerConfig values: ` then one TAB-indented
/// `key = value` line per setting, sorted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigDump {
    pub time: i64,
    pub input: u32,
    pub line: u64,
    /// `ProducerConfig`, `ConsumerConfig`, `AdminClientConfig`, ...
    pub class: String,
    pub role: Option<Role>,
    /// `client.id` as the dump shows it.
    pub client: Option<String>,
    pub entries: std::collections::BTreeMap<String, String>,
}

impl ConfigDump {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(String::as_str)
    }

    /// `bootstrap.servers = [a:9094, b:9094]` → `["a:9094", "b:9094"]`.
    pub fn bootstrap_servers(&self) -> Vec<String> {
        let v = self.get("bootstrap.servers").unwrap_or("");
        v.trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// A broker's rack (on MSK, its AZ id), as a Java `Node` string shows it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RackFact {
    pub broker: i64,
    /// `host:port`
    pub host: String,
    pub rack: String,
}

/// The literal that finds configuration dumps (logged at INFO).
const CONFIG_LITERAL: &[u8] = b"Config values:";
/// The literal of a `Node` string with its rack (INFO lines such as
/// `Setting offset ... leader=Optional[b-1...:9094 (id: 1 rack: use1-az1)]`).
const RACK_LITERAL: &[u8] = b" rack: ";

/// A plan per layout kind: its client families, its level markers, and
/// whether it is JSON lines.
type PlanKey = (Vec<String>, Vec<Vec<u8>>, bool);

/// What an input's layout decides once for all its records: the literals
/// scanned for, the rules tried, and which client-specific extras can apply.
#[derive(Debug)]
pub struct Plan {
    prefilter: Prefilter,
    /// The rules of the layout's families (`Grammar::rule_set`).
    rules: RuleSet,
    /// librdkafka's relay prefixes (`[thrd:`, `KafkaError{`) can occur.
    rdkafka: bool,
    /// Java `Node` strings with racks can occur.
    racks: bool,
}

pub struct Extractor {
    grammar: Grammar,
    /// Built on first use per layout kind: a Java log is scanned only for
    /// the Java rules' literals (a third of the time of all families'), and
    /// JSON-lines inputs for their level markers (numbers, lower case).
    plans: std::sync::Mutex<Vec<(PlanKey, std::sync::Arc<Plan>)>>,
    zone: Zone,
    max_line: usize,
    /// The rule id of unknown events, made once and shared like the rules'.
    unknown: Arc<str>,
}

impl Extractor {
    pub fn new(grammar: Grammar, zone: Zone) -> Extractor {
        Extractor {
            grammar,
            plans: std::sync::Mutex::new(Vec::new()),
            zone,
            max_line: MAX_LINE,
            unknown: Arc::from("unknown"),
        }
    }

    /// The plan for inputs in `layout`, built once per layout kind. Looked
    /// up once per input or block, not per chunk (the lock and the key's
    /// clone are not free).
    pub fn plan(&self, layout: &Layout) -> std::sync::Arc<Plan> {
        self.plan_for(&layout.families, &layout.markers, layout.is_json())
    }

    fn plan_for(&self, families: &[String], markers: &[Vec<u8>], json: bool) -> std::sync::Arc<Plan> {
        // A poisoned lock only means another thread panicked while holding it; the list is still whole.
        let mut cache = self.plans.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, p)) = cache.iter().find(|(k, _)| k.0 == families && k.1 == markers && k.2 == json) {
            return p.clone();
        }
        let mut literals = self.grammar.literals_for(families);
        literals.push(CONFIG_LITERAL.to_vec());
        literals.push(RACK_LITERAL.to_vec());
        let has = |f: &str| families.is_empty() || families.iter().any(|x| x == f);
        let p = std::sync::Arc::new(Plan {
            prefilter: Prefilter::for_layout(&literals, markers, json),
            rules: self.grammar.rule_set(families),
            rdkafka: has("librdkafka"),
            racks: has("java"),
        });
        cache.push(((families.to_vec(), markers.to_vec(), json), p.clone()));
        p
    }

    /// The literals the one scan looks for in an input in `layout`.
    pub fn prefilter_literals(&self, layout: &Layout) -> Vec<Vec<u8>> {
        self.plan(layout).prefilter.literals().to_vec()
    }

    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// For tests of the long-line path.
    pub fn with_max_line(mut self, n: usize) -> Extractor {
        self.max_line = n.max(16);
        self
    }

    /// Extracts the events of a chunk that starts at a line boundary.
    pub fn chunk(&self, layout: &Layout, data: &[u8], input: u32) -> ChunkOut {
        self.chunk_with(&self.plan(layout), layout, data, input)
    }

    /// `chunk` with the layout's plan looked up by the caller.
    pub fn chunk_with(&self, plan: &Plan, layout: &Layout, data: &[u8], input: u32) -> ChunkOut {
        if layout.is_events() {
            // Already events: no prefilter, no grammar.
            return ndjson::chunk(data, layout.wrapper());
        }
        let mut out = ChunkOut {
            first_time: self.first_head_time(layout, data),
            last_time: self.last_head_time(layout, data),
            ..ChunkOut::default()
        };
        let prefilter = &plan.prefilter;
        let mut lines = Lines { data, scan: ByteScan::start(data.len()), counter: LineCounter::new() };
        let alone = layout.heads_parse_alone();
        // The chunk's gists: alike lines share one, made at its first telling.
        let mut gists = Gists::default();
        // The head line the last record's end was found at, as its head
        // test parsed it: mostly the next candidate's (`record`).
        let mut tested = None;
        let mut pos = 0;
        while pos < data.len() {
            // The byte pass runs one window ahead of the prefilter, which
            // then reads the window from the cache (one trip to memory per
            // byte, not two).
            if pos >= lines.scan.scanned() {
                lines.scan.extend(data, pos + WINDOW);
            }
            let window_end = lines.scan.scanned();
            let Some(hit) = prefilter.next_before(data, pos, window_end) else {
                if window_end >= data.len() {
                    break;
                }
                pos = window_end;
                continue;
            };
            let hit_line = line_start(data, hit);
            // Most hits are on their record's head line. Where trying the
            // record is the head test, try it first: the head is parsed
            // once, not once to test it and once to read it.
            if alone {
                let (understood, rec_end, next) =
                    self.record(plan, layout, data, hit_line, tested.take(), &mut lines, input, &mut out, &mut gists);
                if understood {
                    out.records += 1;
                    pos = rec_end.max(hit + 1);
                    tested = next;
                    continue;
                }
            }
            let Some(head) = self.walk_back(layout, data, hit_line, pos, alone) else {
                // A continuation line whose head is not in this chunk (the
                // input starts mid-record): nothing to attach it to.
                out.not_understood_at(lines.before(hit_line) + 1);
                pos = line_end(data, hit) + 1;
                continue;
            };
            let (understood, rec_end, next) =
                self.record(plan, layout, data, head, tested.take(), &mut lines, input, &mut out, &mut gists);
            if understood {
                out.records += 1;
            } else {
                out.not_understood_at(lines.before(head) + 1);
            }
            pos = rec_end.max(hit + 1);
            tested = next;
        }
        // A record's end can stop the loop before the pass reached the end.
        lines.scan.extend(data, data.len());
        self.scan_bytes(data, &lines.scan, &mut out.issues);
        out.newlines = lines.scan.newlines();
        out
    }

    /// Reads the record whose head line starts at `head`, into `out`;
    /// `tested`: a head line the previous record's end was found at, which
    /// is read from its head test when it is this record's. Returns whether
    /// that line parsed as a head, where the record ends, and the head line
    /// found there.
    #[allow(clippy::too_many_arguments)]
    fn record<'d>(
        &self,
        plan: &Plan,
        layout: &Layout,
        data: &'d [u8],
        head: usize,
        tested: Option<TestedHead<'_>>,
        lines: &mut Lines<'_>,
        input: u32,
        out: &mut ChunkOut,
        gists: &mut Gists,
    ) -> (bool, usize, Option<TestedHead<'d>>) {
        let head_end = line_end(data, head);
        let (rec_end, next) = self.record_end(layout, data, head_end);
        let line = lines.before(head) + 1;
        let head_line = self.cap(&data[head..head_end]);
        let body_start = (head_end + 1).min(rec_end);
        let body = trim_newline(&data[body_start..rec_end.min(body_start + MAX_BODY)]);
        let read = |rec: &Record<'_>| {
            if plan.racks {
                racks_in(rec.message, &mut out.racks);
            }
            if let Some(c) = self.config_dump(layout, rec, input, line) {
                out.configs.push(c);
            } else {
                match self.read_event(plan, rec, input, line, gists) {
                    Ok(ev) => {
                        if ev.kind == Kind::Unknown {
                            out.not_understood_at(line);
                        }
                        out.events.push(ev);
                    }
                    Err(NoEvent::Undated) => out.not_understood_at(line),
                    Err(NoEvent::NotKafka) => {}
                }
            }
        };
        let understood = match tested.filter(|t| t.is_of(head_line)) {
            Some(t) => layout.with_tested_record(t, body, read),
            None => layout.with_record(head_line, body, read),
        };
        (understood.is_some(), rec_end, next)
    }

    fn cap<'a>(&self, line: &'a [u8]) -> &'a [u8] {
        strip_cr(&line[..line.len().min(self.max_line)])
    }

    /// The head line at or before `line`, not before `floor`; `known_not`:
    /// `line` itself was found to be no head already.
    fn walk_back(&self, layout: &Layout, data: &[u8], mut line: usize, floor: usize, known_not: bool) -> Option<usize> {
        let mut first = known_not;
        loop {
            let end = line_end(data, line);
            if !std::mem::take(&mut first) && layout.is_head(self.cap(&data[line..end])) {
                return Some(line);
            }
            if line <= floor || line == 0 || line - floor > MAX_WALK_BACK {
                return None;
            }
            line = line_start(data, line - 1);
            if line < floor {
                return None;
            }
        }
    }

    /// Where the record whose head line ends at `head_end` ends: at the next
    /// head line, or the end of the chunk. With it, that head line as the
    /// head test parsed it, when the layout can read the record from that.
    fn record_end<'d>(&self, layout: &Layout, data: &'d [u8], head_end: usize) -> (usize, Option<TestedHead<'d>>) {
        let mut p = head_end + 1;
        while p < data.len() {
            if p - head_end > MAX_BODY {
                return (p, None);
            }
            let e = line_end(data, p);
            if let (true, tested) = layout.test_head(self.cap(&data[p..e])) {
                return (p, tested);
            }
            p = e + 1;
        }
        (data.len(), None)
    }

    fn first_head_time(&self, layout: &Layout, data: &[u8]) -> Option<i64> {
        let mut p = 0;
        for _ in 0..64 {
            if p >= data.len() {
                break;
            }
            let e = line_end(data, p);
            if let Some(t) = self.head_time(layout, &data[p..e]) {
                return Some(t);
            }
            p = e + 1;
        }
        None
    }

    fn last_head_time(&self, layout: &Layout, data: &[u8]) -> Option<i64> {
        let mut end = trim_newline(data).len();
        for _ in 0..64 {
            let s = line_start(data, end);
            if let Some(t) = self.head_time(layout, &data[s..end]) {
                return Some(t);
            }
            if s == 0 {
                break;
            }
            end = s - 1;
        }
        None
    }

    fn head_time(&self, layout: &Layout, line: &[u8]) -> Option<i64> {
        layout.with_record(self.cap(line), b"", |r| r.time)??.to_utc_millis(&self.zone)
    }

    /// NUL bytes, invalid UTF-8 and over-long lines: reported, never fatal.
    fn scan_bytes(&self, data: &[u8], scan: &ByteScan, issues: &mut Vec<Issue>) {
        let line_at = |pos: usize| scan.newlines_before(data, pos) + 1;
        // The fused pass found the first block with an odd byte (or none:
        // the usual case, and then nothing here reads the bytes again).
        let (nul, high) = match scan.odd_from {
            None => (None, None),
            Some(from) => {
                let (nul, high) = odd_bytes(&data[from..]);
                (nul.map(|k| from + k), high.map(|k| from + k))
            }
        };
        if let Some(first) = nul {
            let n = memchr::memchr_iter(0, &data[first..]).count();
            issues.push(Issue { line: line_at(first), kind: IssueKind::Nul, count: n as u64 });
        }
        if let Some(from) = high {
            // Only text from the first non-ASCII byte on needs validating.
            let from = line_start(data, from);
            if let Err(e) = std::str::from_utf8(&data[from..]) {
                let first = from + e.valid_up_to();
                let mut n = 1;
                let mut p = first + e.error_len().unwrap_or(1);
                while p < data.len() {
                    match std::str::from_utf8(&data[p..]) {
                        Ok(_) => break,
                        Err(e2) => {
                            n += 1;
                            p += e2.valid_up_to() + e2.error_len().unwrap_or(1);
                        }
                    }
                }
                issues.push(Issue { line: line_at(first), kind: IssueKind::InvalidUtf8, count: n });
            }
        }
        // Any line longer than max_line holds a newline-free window of half
        // that size at an aligned position: probe those windows only.
        let half = (self.max_line / 2).max(1);
        let mut w = 0;
        while w + half <= data.len() {
            if memchr::memchr(b'\n', &data[w..w + half]).is_none() {
                let s = line_start(data, w);
                let e = line_end(data, w);
                if e - s > self.max_line {
                    issues.push(Issue { line: line_at(s), kind: IssueKind::LongLine(self.max_line), count: 1 });
                    w = e + 1;
                    continue;
                }
            }
            w += half;
        }
    }

    /// Reads a `XxxConfig values:` dump; `None` for any other record.
    pub fn config_dump(&self, layout: &Layout, rec: &Record<'_>, input: u32, line: u64) -> Option<ConfigDump> {
        let head = rec.message.trim_ascii();
        let class = head.strip_suffix(b" values:")?;
        if !class.ends_with(b"Config") || !class.iter().all(u8::is_ascii_alphanumeric) {
            return None;
        }
        let mut entries = std::collections::BTreeMap::new();
        for l in rec.body.split(|&b| b == b'\n') {
            let l = layout.strip_suffix(strip_cr(l));
            let Some((k, v)) = l.trim_ascii().split_once_str(b" = ") else { continue };
            entries.insert(lossy(k.trim_ascii()).into_owned(), lossy(v.trim_ascii()).into_owned());
        }
        let time = rec.time?.to_utc_millis(&self.zone)?;
        let client = entries.get("client.id").filter(|c| !c.is_empty()).cloned();
        Some(ConfigDump {
            time,
            input,
            line,
            class: lossy(class).into_owned(),
            role: Role::from_name(class),
            client,
            entries,
        })
    }

    /// Classifies one record; `None` when it is not a Kafka client event.
    pub fn event(&self, rec: &Record<'_>, input: u32, line: u64) -> Option<Event> {
        self.read_event(&self.plan_for(&[], &[], false), rec, input, line, &mut Gists::default()).ok()
    }

    /// The record's event, its gist shared through `gists` (the chunk's):
    /// read as a borrowed view and copied only when `gists` has none alike.
    fn read_event(
        &self,
        plan: &Plan,
        rec: &Record<'_>,
        input: u32,
        line: u64,
        gists: &mut Gists,
    ) -> Result<Event, NoEvent> {
        let (ctx, message) = if plan.rdkafka { context(rec.message) } else { java_context(rec.message) };
        // librdkafka's own layout and kafkajs' `clientId` field carry the
        // client name outside the message.
        let client = ctx.map(|c| c.client).filter(|c| !c.is_empty()).or((!rec.client.is_empty()).then_some(rec.client));
        let role = ctx.map(|c| c.role).filter(|r| !r.is_empty()).unwrap_or_else(|| rk_role(rec.client));
        // kafkajs names no role in its `clientId`; the namespace that starts
        // its message tells it (`[Runner] The group is rebalancing`).
        let role = Role::from_name(role).or_else(|| Role::from_kafkajs_namespace(message));
        let m = self.grammar.classify_in(&plan.rules, rec.logger, rec.level, message, rec.body);
        if m.is_none() && !is_unknown_candidate(rec, client.is_some()) {
            return Err(NoEvent::NotKafka);
        }
        let time = rec.time.and_then(|t| t.to_utc_millis(&self.zone)).ok_or(NoEvent::Undated)?;
        // The rule's own id, shared: no allocation per event.
        let mut gist = GistView::new(m.as_ref().map_or(&self.unknown, |m| &m.rule.id));
        gist.level = rec.level;
        gist.client = client.map(lossy);
        gist.role = role;
        match &m {
            Some(m) => fill(&mut gist, m),
            None => gist.template = Some(Cow::Owned(mask(message))),
        }
        // A JSON field naming the broker (kafkajs `broker`) is the client's
        // own name for it: it wins over an address in the text, which is the
        // resolved IP (`connect ECONNREFUSED 10.0.1.12:9092`).
        if gist.node.is_none() {
            if let Some((h, p)) = split_addr(rec.broker) {
                gist.host = Some(lossy(h));
                gist.port = Some(p);
            }
        }
        let mut ev = Event::new(gists.intern(gist), time, input, line);
        ev.echo = ctx.is_some_and(|c| c.echo);
        Ok(ev)
    }
}

/// Every `host:port (id: N rack: R)` in a message whose rack is known.
fn racks_in(msg: &[u8], out: &mut Vec<RackFact>) {
    for pos in NODE_MARK.find_iter(msg) {
        let host_start = msg[..pos].iter().rposition(|&b| matches!(b, b' ' | b'[' | b'(' | b'=')).map_or(0, |k| k + 1);
        let Some((host, port)) = split_addr(&msg[host_start..pos]) else { continue };
        let after = &msg[pos + 6..];
        let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
        let Some(rest) = after[digits..].strip_prefix(b" rack: ") else { continue };
        let rack = &rest[..rest.iter().position(|&b| b == b' ' || b == b')').unwrap_or(rest.len())];
        let Ok(broker) = std::str::from_utf8(&after[..digits]).unwrap_or("").parse::<i64>() else { continue };
        if rack.is_empty() || rack == b"null" || broker >= 1 << 30 {
            continue;
        }
        let fact = RackFact { broker, host: format!("{}:{port}", lossy(host)), rack: lossy(rack).into_owned() };
        if !out.contains(&fact) {
            out.push(fact);
        }
    }
}

/// A WARN/ERROR line from a Kafka client logger (or carrying a Java
/// LogContext prefix) that no rule recognised.
fn is_unknown_candidate(rec: &Record<'_>, has_context: bool) -> bool {
    matches!(rec.level, Some(Level::Warn | Level::Error | Level::Fatal))
        && (has_context || !rec.client.is_empty() || is_kafka_logger(rec.logger) || rec.logger == b"kafkajs")
}

/// `org.apache.kafka.*`, and its abbreviations `o.a.k.*`, `org.apa.kaf.*`.
pub fn is_kafka_logger(logger: &[u8]) -> bool {
    let mut parts = logger.split(|&b| b == b'.');
    let want: [&[u8]; 3] = [b"org", b"apache", b"kafka"];
    want.iter().all(|w| parts.next().is_some_and(|p| !p.is_empty() && w.starts_with(p))) && parts.next().is_some()
}

/// A Java LogContext prefix: `[Consumer clientId=c-1, groupId=g] `.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context<'a> {
    /// `Producer`, `Consumer`, `AdminClient`, ...
    pub role: &'a [u8],
    /// The clientId, or the role word when there is none.
    pub client: &'a [u8],
    /// The message repeats an error the client logged already (librdkafka's
    /// error event, see `rdkafka_context`).
    pub echo: bool,
}

/// Splits the Java LogContext prefix off a message:
/// `[Consumer clientId=c-1, groupId=g] rest` → (`c-1`, `rest`).
pub fn split_context(msg: &[u8]) -> (Option<&[u8]>, &[u8]) {
    let (ctx, rest) = context(msg);
    (ctx.map(|c| c.client), rest)
}

/// Like `split_context`, keeping the role word. Java's LogContext prefix
/// first, then librdkafka's (`rdkafka_context`).
pub fn context(msg: &[u8]) -> (Option<Context<'_>>, &[u8]) {
    match java_context(msg) {
        (None, _) => rdkafka_context(msg).map_or((None, msg), |(c, rest)| (Some(c), rest)),
        found => found,
    }
}

static THRD: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"[thrd:"));
static KAFKA_ERROR: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"KafkaError{"));

/// How far into a message librdkafka's thread tag may start: after a host
/// logger's own words and the `FAC [name] ` or `name|FAC| ` relay prefix.
const THRD_WITHIN: usize = 400;

/// librdkafka's message, however it was relayed, split into the client's
/// name and the text the librdkafka grammar reads:
/// - `[thrd:main]: rest` (its own layout; the name is in the layout),
/// - `FAIL [rdkafka#producer-1] [thrd:...]: rest` (confluent-kafka-python's
///   log callback: `"%s [%s] %s", fac, rd_kafka_name(rk), buf`),
/// - `rdkafka#producer-1|FAIL| [thrd:...]: rest` (the usual .NET `ILogger`
///   handler, `{Name}|{Facility}| {Message}`),
/// - `... KafkaError{code=_TRANSPORT,val=-195,str="rest"}` (an application
///   logging the Python binding's error event, `KafkaError.__repr__`).
///
/// The thread tag is skipped, never read: it is cut at 63 bytes and keeps
/// a bootstrap broker's name; the broker is the `proto://host:port/id`
/// after it. An error event logged by librdkafka itself (facility `ERROR`)
/// reads `rdkafka#producer-1: <broker>: <error>`; that name is taken too.
fn rdkafka_context(msg: &[u8]) -> Option<(Context<'_>, &[u8])> {
    let (mut name, mut rest, mut echo) = if let Some(k) = KAFKA_ERROR.find(msg) {
        let body = &msg[k..];
        let start = memchr::memmem::find(body, b",str=\"")? + 6;
        let end = memchr::memmem::rfind(body, b"\"}")?;
        (&b""[..], body.get(start..end)?, true)
    } else {
        let t = THRD.find(&msg[..msg.len().min(THRD_WITHIN)])?;
        let close = t + memchr::memmem::find(&msg[t..], b"]: ")?;
        (rk_name_before(&msg[..t]), &msg[close + 3..], false)
    };
    if let Some(colon) = memchr::memmem::find(rest, b": ") {
        let lead = &rest[..colon];
        if memchr::memchr(b'#', lead).is_some() && !lead.iter().any(|b| b.is_ascii_whitespace() || *b == b'/') {
            name = lead;
            rest = &rest[colon + 2..];
            echo = true;
        }
    }
    Some((Context { role: rk_role(name), client: name, echo }, rest))
}

/// The last `name#type-n` token before the thread tag (between spaces,
/// brackets or bars), or empty.
fn rk_name_before(s: &[u8]) -> &[u8] {
    let Some(hash) = memchr::memrchr(b'#', s) else { return b"" };
    let stop = |b: &u8| matches!(b, b' ' | b'[' | b']' | b'|');
    let start = s[..hash].iter().rposition(stop).map_or(0, |k| k + 1);
    let end = s[hash..].iter().position(stop).map_or(s.len(), |k| hash + k);
    &s[start..end]
}

/// `rdkafka#producer-1` → `producer`.
fn rk_role(name: &[u8]) -> &[u8] {
    let Some(hash) = memchr::memchr(b'#', name) else { return b"" };
    let kind = &name[hash + 1..];
    memchr::memrchr(b'-', kind).map_or(kind, |d| &kind[..d])
}

/// Java's LogContext prefix: `[Consumer clientId=c-1, groupId=g] rest`.
fn java_context(msg: &[u8]) -> (Option<Context<'_>>, &[u8]) {
    let none = (None, msg);
    let Some(inner_end) = msg.first().filter(|&&b| b == b'[').and_then(|_| memchr::memchr(b']', msg)) else {
        return none;
    };
    let inner = &msg[1..inner_end];
    // The role word: letters up to the first space. The first byte that
    // is no letter must be that space; a byte loop, the word is short.
    let Some(sp) = inner.iter().position(|b| !b.is_ascii_alphabetic()).filter(|&k| inner[k] == b' ') else {
        return none;
    };
    // Every comma-separated `key=value` must hold its `=`; the last
    // `clientId` wins. Commas are found with `memchr`: a closure-driven
    // `split` walked the prefix a byte at a time (issue 4, session 5); the
    // `=` of a short key is a few bytes in, where a loop is cheaper.
    let mut client = None;
    let pairs = &inner[sp + 1..];
    let mut start = 0;
    loop {
        let end = memchr::memchr(b',', &pairs[start..]).map_or(pairs.len(), |k| start + k);
        let kv = pairs[start..end].trim_ascii();
        let Some(eq) = kv.iter().position(|&b| b == b'=') else {
            return none;
        };
        if &kv[..eq] == b"clientId" {
            client = Some(&kv[eq + 1..]);
        }
        if end == pairs.len() {
            break;
        }
        start = end + 1;
    }
    let rest = &msg[inner_end + 1..];
    let role = &inner[..sp];
    (Some(Context { role, client: client.unwrap_or(role), echo: false }), rest.strip_prefix(b" ").unwrap_or(rest))
}

trait SplitOnce {
    fn split_once_str(&self, sep: &[u8]) -> Option<(&[u8], &[u8])>;
}

impl SplitOnce for [u8] {
    fn split_once_str(&self, sep: &[u8]) -> Option<(&[u8], &[u8])> {
        let i = memchr::memmem::find(self, sep)?;
        Some((&self[..i], &self[i + sep.len()..]))
    }
}

/// A field an event keeps, as text: borrowed when the bytes are UTF-8
/// (nearly always), else a copy with replacement characters. Checking
/// UTF-8 is a fraction of `from_utf8_lossy`'s chunk walk (issue 4, session
/// 3); the same text either way.
fn lossy(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(String::from_utf8_lossy(b).into_owned()),
    }
}

/// `f` of the text, borrowed still when it was.
fn map_text<'a>(s: Cow<'a, str>, f: impl FnOnce(&str) -> &str) -> Cow<'a, str> {
    match s {
        Cow::Borrowed(b) => Cow::Borrowed(f(b)),
        Cow::Owned(o) => Cow::Owned(f(&o).to_owned()),
    }
}

/// Characters of an error text an event keeps (read from a log or from
/// rollcall's own NDJSON alike).
pub(crate) const ERROR_CHARS: usize = 200;

/// The first `n` characters of `s`. A string of at most `n` bytes has at
/// most `n` characters: kept whole, with no walk over its characters.
pub(crate) fn first_chars(s: String, n: usize) -> String {
    match first_chars_of(&s, n).len() {
        len if len == s.len() => s,
        len => s[..len].to_owned(),
    }
}

/// `first_chars` of a borrowed text. Its first `n` bytes are nearly always
/// ASCII, so `n` characters: one vectorised check, not a walk over the
/// characters (a tenth of its cost on a long error text).
fn first_chars_of(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    if s.as_bytes()[..n].is_ascii() {
        return &s[..n];
    }
    s.char_indices().nth(n).map_or(s, |(cut, _)| &s[..cut])
}

/// What the rule's captures say, into the line's gist.
fn fill<'a>(ev: &mut GistView<'a>, m: &Match<'_, 'a>) {
    ev.kind = m.kind;
    ev.answered = m.broker_answered;
    for &(name, v) in m.captures.iter() {
        match name {
            "node" => ev.node = std::str::from_utf8(v).ok().and_then(|s| s.parse().ok()),
            "addr" => {
                if let Some((h, p)) = split_addr(v) {
                    ev.host = Some(lossy(h));
                    ev.port = Some(p);
                }
            }
            "broker" => {
                if let Some((id, h, p)) = parse_node(v) {
                    ev.node = Some(id);
                    ev.host = Some(lossy(h));
                    ev.port = Some(p);
                }
            }
            "brokername" => {
                if let Some((id, h, p)) = parse_broker_name(v) {
                    ev.node = id;
                    ev.host = Some(lossy(h));
                    ev.port = Some(p);
                }
            }
            "tp" => {
                if let Some((t, p)) = split_tp(v) {
                    ev.topic = Some(lossy(t));
                    ev.partition = Some(p);
                }
            }
            "topic" if ev.topic.is_none() => {
                ev.topic = Some(map_text(lossy(v.trim_ascii()), |t| t.trim_end_matches(':')))
            }
            "partition" if ev.partition.is_none() => {
                ev.partition = std::str::from_utf8(v).ok().and_then(|s| s.parse().ok())
            }
            "attempts" => ev.attempts = std::str::from_utf8(v).ok().and_then(|s| s.parse().ok()),
            "count" => ev.count = std::str::from_utf8(v).ok().and_then(|s| s.parse().ok()),
            "error" => {
                ev.error = Some(map_text(lossy(v.trim_ascii()), |e| first_chars_of(e, ERROR_CHARS)));
            }
            _ => {}
        }
    }
}

/// How long after a librdkafka log line its error event may be printed.
/// The event is queued for the application and printed when it next polls
/// (librdkafka's own `ERROR` line comes from `rd_kafka_poll` on the app
/// thread): seconds later, not milliseconds. Seen: 2 s.
pub const ECHO_WINDOW_MS: i64 = 10_000;

/// Counts a librdkafka failure once when it is told twice. An echo (the
/// error event of a failure, `Event::echo`) is dropped when the same input
/// holds an event of the same kind, broker and topic-partition, from the
/// same client when both name one, that is not an echo and was logged from
/// `ECHO_WINDOW_MS` before it to one second after it (clocks of two loggers
/// may differ by that). An echo with no such twin is the only telling and
/// stays: an application that logs only its error callback loses nothing.
pub fn drop_echoes(events: &mut Vec<Event>) {
    if !events.iter().any(|e| e.echo) {
        return;
    }
    // Indexed by identity, so that a busy input (thousands of events in the
    // window) costs a binary search per echo, not a scan of the window.
    type Identity<'a> = (Kind, Option<i64>, Option<&'a str>, Option<u16>, Option<&'a str>, Option<i32>);
    fn identity(e: &Event) -> Identity<'_> {
        (e.kind, e.node, e.host.as_deref(), e.port, e.topic.as_deref(), e.partition)
    }
    let drop: Vec<bool> = {
        let mut any: HashMap<Identity<'_>, Vec<i64>> = HashMap::new();
        let mut by_client: HashMap<(Identity<'_>, Option<&str>), Vec<i64>> = HashMap::new();
        for e in events.iter().filter(|e| !e.echo) {
            any.entry(identity(e)).or_default().push(e.time);
            by_client.entry((identity(e), e.client.as_deref())).or_default().push(e.time);
        }
        any.values_mut().chain(by_client.values_mut()).for_each(|v| v.sort_unstable());
        let within = |times: Option<&Vec<i64>>, t: i64| {
            times.is_some_and(|v| {
                let i = v.partition_point(|&x| x < t - ECHO_WINDOW_MS);
                i < v.len() && v[i] <= t + 1000
            })
        };
        events
            .iter()
            .map(|e| {
                e.echo
                    && match e.client.as_deref() {
                        None => within(any.get(&identity(e)), e.time),
                        Some(c) => {
                            within(by_client.get(&(identity(e), Some(c))), e.time)
                                || within(by_client.get(&(identity(e), None)), e.time)
                        }
                    }
            })
            .collect()
    };
    let mut i = 0;
    events.retain(|_| {
        i += 1;
        !drop[i - 1]
    });
}

/// Masks what varies between alike messages (numbers, hosts, ids), so that
/// unknown lines group by template.
pub fn mask(msg: &[u8]) -> String {
    let s = String::from_utf8_lossy(&msg[..msg.len().min(300)]);
    let mut out = String::with_capacity(s.len());
    for word in s.split(' ') {
        if !out.is_empty() {
            out.push(' ');
        }
        let has_digit = word.chars().any(|c| c.is_ascii_digit());
        let core = word.trim_matches(|c: char| matches!(c, '(' | ')' | ',' | '.' | ':' | ';' | '[' | ']' | '{' | '}'));
        if has_digit && !core.is_empty() {
            let start = word.find(core).unwrap_or(0);
            out.push_str(&word[..start]);
            out.push_str("<*>");
            out.push_str(&word[start + core.len()..]);
        } else {
            out.push_str(word);
        }
    }
    out
}

/// One pass for what is rare in a log: the first NUL byte and the first
/// byte that is not ASCII. Plain loops over 64-byte blocks, which the
/// compiler vectorises; this replaced a `memchr` pass and a full UTF-8
/// validation pass (see docs/performance.md).
fn odd_bytes(data: &[u8]) -> (Option<usize>, Option<usize>) {
    let (mut nul, mut high) = (None, None);
    let mut blocks = data.chunks_exact(64);
    let mut at = 0;
    for b in &mut blocks {
        // min finds a zero byte, or finds a high bit: both vectorise.
        let (min, or) = b.iter().fold((u8::MAX, 0u8), |(m, o), &x| (m.min(x), o | x));
        if min == 0 && nul.is_none() {
            nul = memchr::memchr(0, b).map(|k| at + k);
        }
        if or & 0x80 != 0 && high.is_none() {
            high = b.iter().position(|&x| x & 0x80 != 0).map(|k| at + k);
        }
        if nul.is_some() && high.is_some() {
            return (nul, high);
        }
        at += 64;
    }
    let rest = blocks.remainder();
    if nul.is_none() {
        nul = memchr::memchr(0, rest).map(|k| at + k);
    }
    if high.is_none() {
        high = rest.iter().position(|&x| x & 0x80 != 0).map(|k| at + k);
    }
    (nul, high)
}

fn line_start(data: &[u8], pos: usize) -> usize {
    memchr::memrchr(b'\n', &data[..pos]).map_or(0, |i| i + 1)
}

fn line_end(data: &[u8], pos: usize) -> usize {
    memchr::memchr(b'\n', &data[pos..]).map_or(data.len(), |i| pos + i)
}

fn trim_newline(s: &[u8]) -> &[u8] {
    let s = s.strip_suffix(b"\n").unwrap_or(s);
    s.strip_suffix(b"\r").unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Gist;
    use crate::layout::Layouts;

    fn extractor() -> Extractor {
        Extractor::new(crate::grammar::load_builtin(), Zone::default())
    }

    const SEED: &str = "[2024-02-06 10:47:03,491] WARN [Producer clientId=console-producer] Got error produce response with correlation id 328 on topic-partition mskversionupgradetest-0, retrying (2 attempts left). Error: NOT_LEADER_OR_FOLLOWER (org.apache.kafka.clients.producer.internals.Sender)
[2024-02-06 10:47:03,492] WARN [Producer clientId=console-producer] Received invalid metadata error in produce request on partition mskversionupgradetest-0 due to org.apache.kafka.common.errors.NotLeaderOrFollowerException: For requests intended only for the leader, this error indicates that the broker is not the current leader. For requests intended for any replica, this error indicates that the broker is not a replica of the topic partition.. Going to request metadata update now (org.apache.kafka.clients.producer.internals.Sender)
[2024-02-06 11:23:01,627] WARN [Consumer clientId=consumer-console-consumer-51435-1, groupId=console-consumer-51435] Connection to node 2147483645(broker..) could not be established. Broker may not be available. (org.apache.kafka.clients.NetworkClient)
";

    #[test]
    fn seed_lines_give_their_events() {
        let x = extractor();
        let layouts = Layouts::builtin();
        let layout = &layouts.detect(SEED.as_bytes()).unwrap();
        let out = x.chunk(layout, SEED.as_bytes(), 0);
        assert_eq!(out.newlines, 3);
        let kinds: Vec<_> = out.events.iter().map(|e| (e.kind, e.line)).collect();
        assert_eq!(kinds, vec![(Kind::NotLeader, 1), (Kind::NotLeader, 2), (Kind::ConnectionFailed, 3)]);
        assert_eq!(out.events[0].topic.as_deref(), Some("mskversionupgradetest"));
        assert_eq!(out.events[0].partition, Some(0));
        assert_eq!(out.events[2].node, Some(2147483645));
        assert_eq!(out.events[2].client.as_deref(), Some("consumer-console-consumer-51435-1"));
    }

    #[test]
    fn hits_in_stack_traces_walk_back_to_their_head() {
        let x = extractor();
        let text = "[2024-02-06 10:50:00,000] INFO all good (com.example.App)
[2024-02-06 10:50:01,000] ERROR Error when sending message to topic orders with key: null, value: 23 bytes with error: (org.apache.kafka.clients.producer.internals.ErrorLoggingCallback)
org.apache.kafka.common.errors.TimeoutException: Expiring 5 record(s) for orders-2:120001 ms has passed since batch creation
[2024-02-06 10:50:02,000] INFO still good (com.example.App)
";
        let layouts = Layouts::builtin();
        let out = x.chunk(&layouts.detect(text.as_bytes()).unwrap(), text.as_bytes(), 3);
        assert_eq!(out.events.len(), 1);
        let e = &out.events[0];
        assert_eq!((e.kind, e.line, e.count, e.input), (Kind::RecordsExpired, 2, Some(5), 3));
        assert_eq!(e.topic_partition().as_deref(), Some("orders-2"));
        assert_eq!(out.first_time, Some(1707216600000));
        assert_eq!(out.last_time, Some(1707216602000));
    }

    #[test]
    fn unknown_kafka_warnings_are_kept_and_others_are_not() {
        let x = extractor();
        let text = "[2024-02-06 10:50:00,000] WARN [Producer clientId=p1] Something new happened to 10.0.0.1:9092 (org.apache.kafka.clients.producer.internals.Sender)
[2024-02-06 10:50:00,001] WARN Disk is slow (com.example.App)
[2024-02-06 10:50:00,002] INFO [Producer clientId=p1] Something informational (org.apache.kafka.clients.producer.KafkaProducer)
";
        let layouts = Layouts::builtin();
        let out = x.chunk(&layouts.detect(text.as_bytes()).unwrap(), text.as_bytes(), 0);
        assert_eq!(out.events.len(), 1);
        assert_eq!(out.events[0].kind, Kind::Unknown);
        assert_eq!(out.events[0].template.as_deref(), Some("Something new happened to <*>"));
    }

    #[test]
    fn crlf_nul_and_bad_utf8() {
        let x = extractor();
        let text = b"[2024-02-06 10:50:00,000] INFO ok \xff\xfe (com.example.App)\r\n[2024-02-06 10:50:01,000] WARN [Consumer clientId=c, groupId=g] Node 2 disconnected.\x00 (org.apache.kafka.clients.NetworkClient)\r\n";
        let layouts = Layouts::builtin();
        let out = x.chunk(&layouts.detect(text).unwrap(), text, 0);
        assert_eq!(out.events.len(), 1);
        assert_eq!(out.events[0].line, 2);
        let msgs: Vec<_> =
            out.issues.iter().map(|i| (i.line, i.message().split(' ').nth(1).unwrap_or("").to_string())).collect();
        assert_eq!(out.issues.len(), 2, "{msgs:?}");
        assert_eq!(out.issues[0].line, 2);
        assert!(out.issues[0].message().contains("NUL"));
        assert_eq!(out.issues[1].line, 1);
        assert!(out.issues[1].message().contains("invalid UTF-8"));
    }

    #[test]
    fn alike_lines_of_a_chunk_share_one_gist_as_they_are_read() {
        let x = extractor();
        let text = b"[2024-02-06 10:50:00,000] WARN [Consumer clientId=c-\xff, groupId=g] Connection to node 2 (b-2.x/10.0.2.12:9094) could not be established. Broker may not be available. (org.apache.kafka.clients.NetworkClient)
[2024-02-06 10:50:01,000] WARN [Consumer clientId=c-2, groupId=g] Connection to node 2 (b-2.x/10.0.2.12:9094) could not be established. Broker may not be available. (org.apache.kafka.clients.NetworkClient)
[2024-02-06 10:50:02,000] WARN [Consumer clientId=c-\xfe, groupId=g] Connection to node 2 (b-2.x/10.0.2.12:9094) could not be established. Broker may not be available. (org.apache.kafka.clients.NetworkClient)
[2024-02-06 10:50:03,000] WARN [Consumer clientId=c-2, groupId=g] Connection to node 3 (b-3.x/10.0.2.13:9094) could not be established. Broker may not be available. (org.apache.kafka.clients.NetworkClient)
[2024-02-06 10:50:04,000] WARN [Consumer clientId=c-2, groupId=g] Connection to node 2 (b-2.x/10.0.2.12:9094) could not be established. Broker may not be available. (org.apache.kafka.clients.NetworkClient)
";
        let layouts = Layouts::builtin();
        let out = x.chunk(&layouts.detect(text).unwrap(), text, 0);
        let e = &out.events;
        assert_eq!(e.len(), 5);
        assert!(Arc::ptr_eq(&e[1].gist, &e[4].gist), "the same line twice: one gist");
        assert!(!Arc::ptr_eq(&e[1].gist, &e[3].gist), "another node");
        assert!(!Arc::ptr_eq(&e[1].gist, &e[0].gist), "another client");
        // Two different invalid bytes read as the same replacement text.
        assert_eq!(e[0].client.as_deref(), Some("c-\u{fffd}"));
        assert!(Arc::ptr_eq(&e[0].gist, &e[2].gist), "the same text, read lossily");
        assert_eq!((e[3].node, e[4].node, e[4].client.as_deref()), (Some(3), Some(2), Some("c-2")));
        assert_eq!((e[4].kind, e[4].host.as_deref(), e[4].port), (Kind::ConnectionFailed, Some("b-2.x"), Some(9094)));
    }

    #[test]
    fn odd_bytes_finds_the_first_nul_and_non_ascii_anywhere() {
        for len in [0, 1, 63, 64, 65, 200] {
            let mut d = vec![b'a'; len];
            assert_eq!(odd_bytes(&d), (None, None));
            if len > 0 {
                d[len - 1] = 0;
                assert_eq!(odd_bytes(&d), (Some(len - 1), None));
                d[len / 2] = 0xc3;
                let (n, h) = odd_bytes(&d);
                assert_eq!(h, Some(len / 2));
                let nul_left = if len / 2 == len - 1 { None } else { Some(len - 1) };
                assert_eq!(n, nul_left);
            }
        }
    }

    #[test]
    fn kept_fields_are_the_lossy_copy_and_errors_keep_200_characters() {
        assert_eq!(lossy(b"orders-1"), "orders-1");
        assert_eq!(lossy(b"a\xffb"), "a\u{fffd}b");
        assert_eq!(first_chars("x".repeat(200), 200), "x".repeat(200));
        assert_eq!(first_chars("x".repeat(201), 200), "x".repeat(200));
        let wide = "\u{e9}".repeat(150);
        assert_eq!(first_chars(wide.clone(), 200), wide, "300 bytes, 150 characters: whole");
        assert_eq!(first_chars("\u{e9}".repeat(250), 200), "\u{e9}".repeat(200));
        let mixed = format!("{}\u{e9}{}", "x".repeat(199), "y".repeat(10));
        assert_eq!(first_chars(mixed, 200), format!("{}\u{e9}", "x".repeat(199)), "a wide character at the cut");
        assert_eq!(first_chars_of(&"x".repeat(300), 200), "x".repeat(200));
    }

    #[test]
    fn long_lines_are_reported_and_cut() {
        let x = extractor().with_max_line(64);
        let long = format!("[2024-02-06 10:50:00,000] WARN [Consumer clientId=c, groupId=g] Node 3 disconnected. {} (org.apache.kafka.clients.NetworkClient)\n", "x".repeat(500));
        let text = format!("[2024-02-06 10:49:59,000] INFO a (com.example.App)\n{long}");
        let layouts = Layouts::builtin();
        let out = x.chunk(&layouts.detect(text.as_bytes()).unwrap(), text.as_bytes(), 0);
        assert_eq!(out.issues.len(), 1);
        assert_eq!(out.issues[0].line, 2);
        assert_eq!(out.events.len(), 1, "the head of a long line is still analysed");
    }

    #[test]
    fn config_dumps_are_read_in_both_layouts() {
        let x = extractor();
        let layouts = Layouts::builtin();
        let kafka = "[2024-02-06 10:40:00,000] INFO ProducerConfig values: \n\tacks = 1\n\tbootstrap.servers = [b-1.x:9094]\n\tclient.id = producer-1\n\tretries = 3\n (org.apache.kafka.common.config.AbstractConfig)\n[2024-02-06 10:40:01,000] WARN [Producer clientId=producer-1] Node 1 disconnected. (org.apache.kafka.clients.NetworkClient)\n";
        let out = x.chunk(&layouts.detect(kafka.as_bytes()).unwrap(), kafka.as_bytes(), 0);
        assert_eq!(out.configs.len(), 1);
        let c = &out.configs[0];
        assert_eq!(
            (c.class.as_str(), c.role, c.client.as_deref(), c.line),
            ("ProducerConfig", Some(Role::Producer), Some("producer-1"), 1)
        );
        assert_eq!(c.get("acks"), Some("1"));
        assert_eq!(c.get("retries"), Some("3"));
        assert_eq!(c.bootstrap_servers(), vec!["b-1.x:9094"]);
        assert_eq!(out.events.len(), 1, "the line after the dump is still an event");
        assert_eq!(out.events[0].role, Some(Role::Producer));
        let spring = "2024-02-06T10:40:00.000Z  INFO 1 --- [orders-service] [           main] o.a.k.c.consumer.ConsumerConfig          : ConsumerConfig values: \n\tbootstrap.servers = [b-1.x:9094, b-2.x:9094]\n\tclient.id = consumer-g-1\n\n";
        let out = x.chunk(&layouts.detect(spring.as_bytes()).unwrap(), spring.as_bytes(), 0);
        assert_eq!(out.configs[0].bootstrap_servers().len(), 2);
        assert_eq!(out.configs[0].role, Some(Role::Consumer));
    }

    #[test]
    fn racks_come_from_node_strings() {
        let mut v = Vec::new();
        racks_in(b"Setting offset for partition orders-3 to the committed offset FetchPosition{offset=5, currentLeader=LeaderAndEpoch{leader=Optional[b-1.x:9094 (id: 1 rack: use1-az1)], epoch=25}}", &mut v);
        racks_in(b"Discovered group coordinator b-2.x:9094 (id: 2147483645 rack: null)", &mut v);
        racks_in(b"Bootstrap broker b-3.x:9094 (id: -1 rack: null isFenced: false) disconnected", &mut v);
        assert_eq!(v, vec![RackFact { broker: 1, host: "b-1.x:9094".into(), rack: "use1-az1".into() }]);
    }

    #[test]
    fn librdkafka_relays_give_the_same_message_and_client() {
        let inner = &b"ssl://b-2.x:9094/2: Connect to ipv4#10.0.1.12:9094 failed: Connection refused"[..];
        let forms: [&[u8]; 4] = [
            b"[thrd:ssl://b-2.x:9094/2]: ssl://b-2.x:9094/2: Connect to ipv4#10.0.1.12:9094 failed: Connection refused",
            b"FAIL [rdkafka#producer-1] [thrd:ssl://b-2.x:9094/2]: ssl://b-2.x:9094/2: Connect to ipv4#10.0.1.12:9094 failed: Connection refused",
            b"rdkafka#producer-1|FAIL| [thrd:ssl://b-2.x:9094/2]: ssl://b-2.x:9094/2: Connect to ipv4#10.0.1.12:9094 failed: Connection refused",
            b"[thrd:app]: rdkafka#producer-1: ssl://b-2.x:9094/2: Connect to ipv4#10.0.1.12:9094 failed: Connection refused",
        ];
        for (k, f) in forms.iter().enumerate() {
            let (ctx, rest) = context(f);
            let ctx = ctx.unwrap();
            assert_eq!(rest, inner, "form {k}");
            assert_eq!(ctx.echo, k == 3, "form {k}");
            if k > 0 {
                assert_eq!((ctx.client, ctx.role), (&b"rdkafka#producer-1"[..], &b"producer"[..]), "form {k}");
            }
        }
        let (ctx, rest) = context(b"Kafka error: KafkaError{code=_TRANSPORT,val=-195,str=\"ssl://b-2.x:9094/2: Connect to ipv4#10.0.1.12:9094 failed: Connection refused\"}");
        assert!(ctx.unwrap().echo);
        assert_eq!(rest, inner);
        assert_eq!(context(b"Connect to nothing [thrd without a close").0, None);
    }

    fn ev(time: i64, echo: bool, host: &str, client: Option<&str>) -> Event {
        let mut e = Event::new(
            Gist {
                kind: Kind::ConnectionFailed,
                rule: "librdkafka.connection_failed".into(),
                node: Some(2),
                host: Some(host.into()),
                port: Some(9094),
                client: client.map(str::to_string),
                ..Gist::default()
            },
            time,
            0,
            time as u64,
        );
        e.echo = echo;
        e
    }

    #[test]
    fn an_echo_is_dropped_only_when_its_first_telling_is_there() {
        let c = Some("rdkafka#producer-1");
        let mut v = vec![ev(1_000, false, "b-2", c), ev(2_500, true, "b-2", c), ev(3_000, true, "b-3", c)];
        drop_echoes(&mut v);
        let kept: Vec<i64> = v.iter().map(|e| e.time).collect();
        assert_eq!(kept, vec![1_000, 3_000], "b-3's echo has no twin: it is the only telling");
        let mut v = vec![ev(1_000, false, "b-2", c), ev(1_000 + ECHO_WINDOW_MS + 1, true, "b-2", c)];
        drop_echoes(&mut v);
        assert_eq!(v.len(), 2, "too late to be the same failure");
        let mut v = vec![ev(1_000, false, "b-2", Some("rdkafka#consumer-1")), ev(1_200, true, "b-2", c)];
        drop_echoes(&mut v);
        assert_eq!(v.len(), 2, "another client's failure");
        let mut v = vec![ev(1_000, false, "b-2", c), ev(1_200, true, "b-2", None)];
        drop_echoes(&mut v);
        assert_eq!(v.len(), 1, "an error callback line names no client");
    }

    #[test]
    fn context_prefix_and_logger_checks() {
        assert_eq!(
            split_context(b"[Consumer clientId=c-1, groupId=g] Node 2 disconnected."),
            (Some(&b"c-1"[..]), &b"Node 2 disconnected."[..])
        );
        assert_eq!(split_context(b"[AdminClient clientId=adminclient-1] x"), (Some(&b"adminclient-1"[..]), &b"x"[..]));
        assert_eq!(split_context(b"[not a context] x").0, None);
        assert_eq!(split_context(b"plain").0, None);
        assert!(is_kafka_logger(b"org.apache.kafka.clients.NetworkClient"));
        assert!(is_kafka_logger(b"o.a.k.c.NetworkClient"));
        assert!(is_kafka_logger(b"org.apa.kaf.cli.NetworkClient"));
        assert!(!is_kafka_logger(b"org.springframework.kafka.Listener"));
        assert!(!is_kafka_logger(b"com.example.App"));
    }

    /// The LogContext reading before it found commas with `memchr`: the
    /// byte-at-a-time `split` it replaced, kept as the reference.
    fn java_context_by_split(msg: &[u8]) -> (Option<Context<'_>>, &[u8]) {
        let none = (None, msg);
        let Some(inner_end) = msg.first().filter(|&&b| b == b'[').and_then(|_| memchr::memchr(b']', msg)) else {
            return none;
        };
        let inner = &msg[1..inner_end];
        let Some(sp) = memchr::memchr(b' ', inner) else { return none };
        if !inner[..sp].iter().all(u8::is_ascii_alphabetic) {
            return none;
        }
        let mut client = None;
        for kv in inner[sp + 1..].split(|&b| b == b',') {
            let kv = kv.trim_ascii();
            let Some(eq) = memchr::memchr(b'=', kv) else { return none };
            if &kv[..eq] == b"clientId" {
                client = Some(&kv[eq + 1..]);
            }
        }
        let rest = &msg[inner_end + 1..];
        let role = &inner[..sp];
        (Some(Context { role, client: client.unwrap_or(role), echo: false }), rest.strip_prefix(b" ").unwrap_or(rest))
    }

    #[test]
    fn log_context_pairs_each_need_their_equals_sign() {
        for m in [
            "[Producer clientId=p-1] x",
            "[Producer clientId=p-1,] x",
            "[Producer ] x",
            "[Producer clientId=a, clientId=b] x",
            "[Consumer clientId=c-1, groupId=g,  x=] rest",
            "[Consumer groupId=g] rest",
            "[Consumer clientId=c-1,,groupId=g] rest",
            "[Consumer clientId = c] rest",
            "[Consumer\tclientId=c] rest",
        ] {
            assert_eq!(java_context(m.as_bytes()), java_context_by_split(m.as_bytes()), "{m}");
        }
        assert_eq!(java_context(b"[Producer clientId=p-1,] x").0, None);
        assert_eq!(java_context(b"[Producer ] x").0, None);
        assert_eq!(java_context(b"[Producer clientId=a, clientId=b] x").0.unwrap().client, b"b");
        assert_eq!(java_context(b"[Consumer groupId=g] rest").0.unwrap().client, b"Consumer");
    }

    proptest::proptest! {
        #[test]
        fn log_context_reads_as_the_split_did(m in "\\[[A-Za-z ]{0,9}[a-zA-Z=, \t-]{0,24}\\]? ?[a-z]{0,3}") {
            proptest::prop_assert_eq!(java_context(m.as_bytes()), java_context_by_split(m.as_bytes()));
        }
    }
}
