//! Properties (issue 7), with proptest: chunking at any boundary and any
//! thread count give the events and line numbers of one thread and one
//! chunk; any order of the inputs gives the same windows; events survive
//! a round trip through NDJSON. Logs are generated from the records of the
//! fixtures (head lines with their stack traces and `Caused by:` lines)
//! shuffled, with extra continuation lines, CRLF and a missing last
//! newline. Case counts keep the suite well under a minute in release.

mod common;
use common::*;
use proptest::prelude::*;
use rollcall::analysis::{self, Analysis, Options};
use rollcall::event::{Event, Kind};
use rollcall::extract::Extractor;
use rollcall::input::chunk::StreamChunker;
use rollcall::input::readahead::Eager;
use rollcall::layout::Layouts;
use rollcall::report::{self, Format};
use rollcall::timefmt::Zone;
use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The records of three kafka-log4j fixtures, each a head line and its
/// continuation lines, newline-terminated; under 600 bytes so that any
/// record, with the continuation lines added below, fits the smallest
/// stream buffer used (1026 bytes: a record longer than the buffer is cut,
/// by design, to keep memory bounded).
fn records() -> &'static Vec<String> {
    static R: OnceLock<Vec<String>> = OnceLock::new();
    R.get_or_init(|| {
        let mut out: Vec<String> = Vec::new();
        for f in ["fixtures/records-expired/producer.log", "fixtures/clean-roll/consumer.log", GOOD] {
            let text = String::from_utf8(read(f)).unwrap();
            for line in text.lines() {
                match out.last_mut() {
                    Some(r) if !line.starts_with('[') => {
                        r.push_str(line);
                        r.push('\n');
                    }
                    _ => out.push(format!("{line}\n")),
                }
            }
        }
        out.retain(|r| r.len() < 600);
        out
    })
}

const GOOD: &str = "fixtures/msk-seed/console.log";

const CONTINUATIONS: &[&str] = &[
    "\tat org.apache.kafka.clients.NetworkClient.poll(NetworkClient.java:583)\n",
    "Caused by: org.apache.kafka.common.errors.TimeoutException: Expiring 3 record(s) for orders-1:30001 ms has passed since batch creation\n",
    "\n",
    "WARN not a head line, a continuation\n",
];

/// A generated log: records in any order (times out of order included),
/// some followed by extra continuation lines.
fn log() -> impl Strategy<Value = Vec<u8>> {
    let n = records().len();
    let rec = (0..n, prop::collection::vec(0..CONTINUATIONS.len(), 0..3));
    (prop::collection::vec(rec, 1..80), any::<bool>(), any::<bool>()).prop_map(|(recs, crlf, cut_last)| {
        let mut s = String::new();
        for (i, conts) in recs {
            s.push_str(&records()[i]);
            for c in conts {
                s.push_str(CONTINUATIONS[c]);
            }
        }
        if cut_last {
            s.pop();
        }
        if crlf {
            s = s.replace('\n', "\r\n");
        }
        s.into_bytes()
    })
}

/// A generated log's records (each from a line that starts with `[` to
/// the next), each ending in a line break, in the order of their heads'
/// timestamps (stably: ties keep their order).
fn by_time(data: &[u8]) -> Vec<u8> {
    let starts: Vec<usize> = (0..data.len()).filter(|&i| data[i] == b'[' && (i == 0 || data[i - 1] == b'\n')).collect();
    let Some(&first) = starts.first() else { return data.to_vec() };
    let mut records: Vec<Vec<u8>> = starts
        .iter()
        .zip(starts.iter().skip(1).chain([&data.len()]))
        .map(|(&a, &b)| {
            let mut r = data[a..b].to_vec();
            if r.last() != Some(&b'\n') {
                r.push(b'\n');
            }
            r
        })
        .collect();
    records.sort_by(|a, b| a[..a.len().min(25)].cmp(&b[..b.len().min(25)]));
    let mut out = data[..first].to_vec();
    records.into_iter().for_each(|r| out.extend(r));
    out
}

fn temp_file(data: &[u8]) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!("rollcall-props-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{}.log", N.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&p, data).unwrap();
    p
}

fn options(inputs: Vec<String>, chunk_size: usize) -> Options {
    Options { chunk_size, keep_events: true, ..Options::new(inputs) }
}

fn fixed() -> &'static (Layouts, Extractor) {
    static F: OnceLock<(Layouts, Extractor)> = OnceLock::new();
    F.get_or_init(|| (Layouts::builtin(), Extractor::new(rollcall::grammar::load_builtin(), Zone::default())))
}

/// The library's analysis on a pool of `threads` threads.
fn analyse(opts: &Options, threads: usize) -> Analysis {
    let (layouts, x) = fixed();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| analysis::run(opts, layouts, x))
}

/// lines, bytes, events, records, not understood, its first line, errors.
type Counts = (u64, u64, usize, u64, u64, Option<u64>, usize);

/// Per-input accounting, which must not depend on chunking either.
fn counts(a: &Analysis) -> Vec<Counts> {
    a.inputs
        .iter()
        .map(|i| (i.lines, i.bytes, i.events, i.records, i.not_understood, i.first_not_understood, i.errors.len()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// Mapped input: any chunk size, any thread count.
    #[test]
    fn chunks_and_threads_change_nothing(data in log(), chunk in 1usize..3000, threads in 1usize..5) {
        let p = temp_file(&data);
        let name = p.display().to_string();
        let one = analyse(&options(vec![name.clone()], analysis::CHUNK_SIZE), 1);
        let many = analyse(&options(vec![name], chunk), threads);
        std::fs::remove_file(&p).unwrap();
        prop_assert!(!one.events.is_empty());
        prop_assert_eq!(&one.events, &many.events);
        prop_assert_eq!(counts(&one), counts(&many));
        prop_assert_eq!(&one.timelines, &many.timelines);
    }

    /// The library's stream chunker, for any read size and buffer: the
    /// chunks put back together are the input, each starts a record, and
    /// extracting chunk by chunk with a prefix sum of lines gives the
    /// events of one pass over the whole.
    #[test]
    fn stream_chunks_give_the_events_of_one_pass(data in log(), read in 1usize..700, cap in 1usize..4000) {
        let (layouts, x) = fixed();
        let layout = &layouts.detect(&data).unwrap();
        let whole = x.chunk(layout, &data, 0);
        let mut ch = StreamChunker::new(Eager(Trickle(&data, read)), cap, 1024);
        let (mut joined, mut events, mut base) = (Vec::new(), Vec::new(), 0u64);
        let mut first = true;
        loop {
            let (chunk, err) = ch.next_chunk(&|l: &[u8]| layout.is_head(l));
            prop_assert!(err.is_none());
            let Some(chunk) = chunk else { break };
            prop_assert!(first || layout.is_head(chunk.split(|&b| b == b'\n').next().unwrap()), "a chunk starts mid-record");
            first = false;
            joined.extend_from_slice(chunk);
            let out = x.chunk(layout, chunk, 0);
            events.extend(out.events.into_iter().map(|mut e| { e.line += base; e }));
            base += out.newlines;
        }
        prop_assert!(joined == data, "the chunks are the input");
        prop_assert_eq!(base, whole.newlines);
        prop_assert_eq!(events, whole.events);
    }

    /// Events survive `--format events`: every line parses back to the
    /// fields of the event it was written from.
    #[test]
    fn events_round_trip_through_ndjson(data in log()) {
        let p = temp_file(&data);
        let a = analyse(&options(vec![p.display().to_string()], analysis::CHUNK_SIZE), 2);
        std::fs::remove_file(&p).unwrap();
        let mut out = Vec::new();
        report::write(Format::Events, &a, &mut out, report::Style::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        prop_assert_eq!(lines.len(), a.events.len());
        for (l, e) in lines.iter().zip(&a.events) {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            prop_assert_eq!(parse_back(&v), project(&a, e));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any order of the inputs gives the same windows and anomalies (only
    /// the input indexes inside evidence move with the order).
    #[test]
    fn input_order_changes_no_window(order in Just((0..FILES.len()).collect::<Vec<_>>()).prop_shuffle()) {
        let base = analyse(&options(FILES.iter().map(|f| root().join(f).display().to_string()).collect(), analysis::CHUNK_SIZE), 2);
        let shuffled: Vec<String> = order.iter().map(|&i| root().join(FILES[i]).display().to_string()).collect();
        let other = analyse(&options(shuffled, analysis::CHUNK_SIZE), 2);
        prop_assert_eq!(windows(&base), windows(&other));
        prop_assert_eq!(findings(&base), findings(&other));
        prop_assert_eq!(base.verdict, other.verdict);
    }
}

/// Inputs from several fixtures: windows of several brokers, and anomalies.
const FILES: &[&str] = &[
    "fixtures/two-brokers-out/producer.log",
    "fixtures/two-brokers-out/consumer.log",
    "fixtures/records-expired/producer.log",
    "fixtures/coordinator-moves/consumer.log",
    GOOD,
];

type WindowView = (Option<String>, i64, i64, bool, usize, Vec<(Kind, usize)>, Vec<String>);

fn windows(a: &Analysis) -> Vec<WindowView> {
    let mut v: Vec<WindowView> = a
        .timelines
        .iter()
        .flat_map(|t| {
            t.windows.iter().map(|w| {
                let kinds = w.kinds.iter().map(|(k, n)| (*k, *n)).collect();
                let clients = w.clients.iter().map(|c| c.to_string()).collect();
                (t.broker.clone(), w.start, w.end, w.open, w.events, kinds, clients)
            })
        })
        .collect();
    v.sort();
    v
}

fn findings(a: &Analysis) -> Vec<(String, Vec<String>, i64, i64, String)> {
    let mut v: Vec<_> = a
        .findings
        .iter()
        .map(|f| (format!("{:?}", f.kind), f.brokers.clone(), f.start, f.end, f.message.clone()))
        .collect();
    v.sort();
    v
}

/// The fields an NDJSON line carries, as the event holds them.
#[derive(Debug, PartialEq)]
struct Fields {
    time: i64,
    kind: Kind,
    broker: Option<String>,
    client: Option<String>,
    input: String,
    line: u64,
    topic: Option<String>,
    partition: Option<i64>,
    node: Option<i64>,
    host: Option<String>,
    port: Option<i64>,
    count: Option<u64>,
    error: Option<String>,
    rule: String,
    template: Option<String>,
}

fn project(a: &Analysis, e: &Event) -> Fields {
    Fields {
        time: e.time,
        kind: e.kind,
        broker: e.broker.as_deref().map(str::to_string),
        client: e.client.clone(),
        input: a.input_name(e.input).to_string(),
        line: e.line,
        topic: e.topic.clone(),
        partition: e.partition.map(i64::from),
        node: e.node,
        host: e.host.clone(),
        port: e.port.map(i64::from),
        count: e.count,
        error: e.error.clone(),
        rule: e.rule.to_string(),
        template: e.template.clone(),
    }
}

fn parse_back(v: &serde_json::Value) -> Fields {
    let s = |k: &str| v[k].as_str().map(String::from);
    let time = chrono::DateTime::parse_from_rfc3339(v["time"].as_str().unwrap()).unwrap().timestamp_millis();
    Fields {
        time,
        kind: Kind::parse(v["kind"].as_str().unwrap()).unwrap(),
        broker: s("broker"),
        client: s("client"),
        input: s("input").unwrap(),
        line: v["line"].as_u64().unwrap(),
        topic: s("topic"),
        partition: v["partition"].as_i64(),
        node: v["node"].as_i64(),
        host: s("host"),
        port: v["port"].as_i64(),
        count: v["count"].as_u64(),
        error: s("error"),
        rule: s("rule").unwrap(),
        template: s("template"),
    }
}

/// A reader that gives at most `n` bytes per read.
struct Trickle<'a>(&'a [u8], usize);

impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.1.min(out.len()).min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// The hidden `--chunk-size` and `--max-line` flags, end to end through
/// the binary: a stream read through a small buffer and a mapped file cut
/// into small chunks on several threads give the events of the plain run.
#[test]
fn hidden_chunk_flags_change_no_event() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 12,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&(log(), 256usize..1024, 1usize..5), |(data, chunk, threads)| {
            let p = temp_file(&data);
            let name = p.to_str().unwrap();
            let base = rollcall(&["--format", "events", name], None);
            let cs = chunk.to_string();
            let t = threads.to_string();
            // A pipe is live (its events come in line order, named by their
            // own lines): compare its timeline instead. It is folded as it
            // settles, exactly when its time goes forward (a pipe whose time
            // goes back says so: `tests/equivalence.rs`), so it is given the
            // records in time order, and compared with that file.
            let in_order = by_time(&data);
            let q = temp_file(&in_order);
            let ordered = q.to_str().unwrap();
            let base_json = rollcall(&["--format", "json", ordered], None);
            let piped = rollcall(
                &["--format", "json", "--chunk-size", &cs, "--max-line", "1024", "--label", ordered],
                Some(&in_order),
            );
            let mapped = rollcall(&["--format", "events", "--chunk-size", &cs, "--threads", &t, name], None);
            std::fs::remove_file(&p).unwrap();
            std::fs::remove_file(&q).unwrap();
            prop_assert!(!base.stdout.is_empty());
            for (how, out, base) in [("piped", &piped, &base_json), ("mapped", &mapped, &base)] {
                let first = out.stdout.lines().zip(base.stdout.lines()).find(|(a, b)| a != b);
                prop_assert!(out.stdout == base.stdout, "{} differs: {:?}", how, first);
                prop_assert_eq!(out.code, base.code);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{}", &format!("{e}")[..2000.min(format!("{e}").len())]));
}
