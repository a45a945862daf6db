//! `--format json`: the timeline document of the contract.
//!
//! ```text
//! {
//!   "schema_version": 1,
//!   "tool": {"name": "rollcall", "version": "0.1.0"},
//!   "timezone_assumed": "UTC",            zone for timestamps without one (--tz)
//!   "thresholds": {"gap_ms", "max_outage_ms", "overlap_tolerance_ms"},
//!   "inputs": [{"name", "format" (layout or null), "lines",
//!               "bytes" (decompressed), "events",
//!               "records" (head lines the layout parsed, of those looked at),
//!               "not_understood" (Kafka client lines no rule or layout could
//!                 read: unknown WARN/ERROR, undated records, headless lines),
//!               "first_not_understood" (its first line, or null),
//!               "errors": [{"line" (1-based or null), "message"}],
//!               "via" (only for a log whose events were read from
//!                 rollcall's NDJSON: that input's name; its lines, bytes
//!                 and records are then unknown, 0)}],
//!   "time_range": {"start", "end"} or null,
//!   "verdict": "clean" | "expected_noise" | "anomalous",
//!   "brokers": [{"broker" ("2", "host:port" or null), "hosts": [...],
//!     "windows": [{"start", "end", "duration_ms", "open",
//!                  "ended_by" ("recovery" | "last_symptom" | null when open),
//!                  "events", "kinds": {kind: n}, "clients": [...],
//!                  "evidence": [{"input", "line"}]}]}],
//!   "roll": {"one_at_a_time", "steps": [{"broker", "start", "end",
//!            "duration_ms", "gap_ms" (from the latest earlier outage's end;
//!            negative: it went out before that one was back; null first),
//!            "waited", "within_expected_impact" (AWS: ~2 min)}]},
//!   "anomalies": [{"kind", "severity" ("critical" | "warning"), "brokers",
//!                  "clients", "start", "end", "message", "advice",
//!                  "evidence": [{"input", "line"}]}],
//!   "clients": [{"client", "role", "inputs", "events", "first", "last",
//!                "disrupted_ms", "retries", "records_lost": {tp: n},
//!                "failed", "recovered" (null: the logs cannot tell),
//!                "recovered_at"}],
//!   "blind_spots": [{"input" (or null: the whole analysis), "message"}]
//! }
//! `maintenance` ({"start", "end"} or null) follows `verdict`.
//! ```
//! How an input was read (mapped, piped, compressed) is deliberately absent:
//! the same logs give the same document however they arrive.
//! Times are RFC 3339 with milliseconds, in the `--tz` zone (`Z` for UTC).
//! Brokers are sorted by the start of their first window, windows by start,
//! anomalies by severity then start.

use crate::analysis::Analysis;
use crate::correlate::EndedBy;
use crate::event::Kind;
use crate::noise::Severity;
use crate::timefmt::{Time, Times};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    tool: Tool,
    timezone_assumed: String,
    thresholds: Thresholds,
    inputs: Vec<Input<'a>>,
    time_range: Option<Range<'a>>,
    verdict: &'static str,
    maintenance: Option<Range<'a>>,
    brokers: Lazy<'a, Broker<'a>>,
    roll: Roll<'a>,
    anomalies: Vec<Anomaly<'a>>,
    clients: Vec<Client<'a>>,
    blind_spots: Vec<BlindSpot<'a>>,
}

#[derive(Serialize)]
struct Roll<'a> {
    one_at_a_time: bool,
    /// One per window of a named broker: written as made, like the windows.
    steps: Lazy<'a, Step<'a>>,
}

#[derive(Serialize)]
struct Step<'a> {
    broker: &'a str,
    start: Time<'a>,
    end: Time<'a>,
    duration_ms: i64,
    gap_ms: Option<i64>,
    waited: Option<bool>,
    within_expected_impact: bool,
}

#[derive(Serialize)]
struct Client<'a> {
    client: &'a str,
    role: Option<&'static str>,
    inputs: Vec<&'a str>,
    events: usize,
    first: Time<'a>,
    last: Time<'a>,
    disrupted_ms: i64,
    retries: usize,
    records_lost: &'a BTreeMap<String, u64>,
    failed: usize,
    recovered: Option<bool>,
    recovered_at: Option<Time<'a>>,
}

#[derive(Serialize)]
struct BlindSpot<'a> {
    input: Option<&'a str>,
    message: &'a str,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Thresholds {
    gap_ms: i64,
    max_outage_ms: i64,
    overlap_tolerance_ms: i64,
}

#[derive(Serialize)]
struct Input<'a> {
    name: &'a str,
    format: Option<&'a str>,
    lines: u64,
    bytes: u64,
    events: usize,
    records: u64,
    not_understood: u64,
    first_not_understood: Option<u64>,
    errors: Vec<InputError<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    via: Option<&'a str>,
}

#[derive(Serialize)]
struct InputError<'a> {
    line: Option<u64>,
    message: &'a str,
}

#[derive(Serialize)]
struct Range<'a> {
    start: Time<'a>,
    end: Time<'a>,
}

#[derive(Serialize)]
struct Broker<'a> {
    broker: Option<&'a str>,
    hosts: &'a [String],
    windows: Lazy<'a, Window<'a>>,
}

/// A list written as it is made, never held whole: a long stream has
/// thousands of windows, and their report strings were a quarter of the
/// memory at the end of a 4 GB stream (massif). Written once: `serialize`
/// takes the items out.
struct Lazy<'a, T>(std::cell::Cell<Option<Box<dyn Iterator<Item = T> + 'a>>>);

impl<'a, T> Lazy<'a, T> {
    fn new(items: impl Iterator<Item = T> + 'a) -> Lazy<'a, T> {
        Lazy(std::cell::Cell::new(Some(Box::new(items))))
    }
}

impl<T: Serialize> Serialize for Lazy<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.take().into_iter().flatten())
    }
}

#[derive(Serialize)]
struct Window<'a> {
    start: Time<'a>,
    end: Time<'a>,
    duration_ms: i64,
    open: bool,
    ended_by: Option<EndedBy>,
    events: usize,
    kinds: Kinds<'a>,
    clients: Names<'a>,
    evidence: Proof<'a>,
}

/// A window's shared client names, written as strings.
struct Names<'a>(&'a [std::sync::Arc<str>]);

impl Serialize for Names<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|c| &**c))
    }
}

#[derive(Serialize)]
struct Anomaly<'a> {
    kind: &'static str,
    severity: Severity,
    brokers: &'a [String],
    clients: &'a [String],
    start: Time<'a>,
    end: Time<'a>,
    message: &'a str,
    advice: &'a str,
    evidence: Proof<'a>,
}

/// Where a finding's proof is: the input's display name and a 1-based line
/// (the head line of a multi-line record).
#[derive(Serialize)]
struct Evidence<'a> {
    input: &'a str,
    line: u64,
}

/// A list of evidence, written from where it is held: no list is made for
/// it (a long stream's document has tens of thousands).
struct Proof<'a>(&'a Analysis, &'a [(u32, u64)]);

impl Serialize for Proof<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.1.iter().map(|&(i, line)| Evidence { input: self.0.input_name(i), line }))
    }
}

/// A window's lines per kind, by kind name (the window holds them by kind),
/// sorted on the stack rather than gathered into a map for each window. A
/// window holds each kind once, so there are never more than all of them.
struct Kinds<'a>(&'a [(Kind, usize)]);

impl Serialize for Kinds<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut named = [("", 0); Kind::ALL.len()];
        let n = self.0.len().min(named.len());
        for (slot, &(k, lines)) in named.iter_mut().zip(self.0) {
            *slot = (k.as_str(), lines);
        }
        named[..n].sort_unstable_by_key(|&(k, _)| k);
        s.collect_map(named[..n].iter().copied())
    }
}

pub fn write(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let z = &a.zone;
    let times = Times::new(*z);
    let at = |ms: i64| Time(ms, &times);
    let doc = Doc {
        schema_version: 1,
        tool: Tool { name: "rollcall", version: env!("CARGO_PKG_VERSION") },
        timezone_assumed: z.to_string(),
        thresholds: Thresholds {
            gap_ms: a.thresholds.gap_ms,
            max_outage_ms: a.thresholds.max_outage_ms,
            overlap_tolerance_ms: a.thresholds.overlap_tolerance_ms,
        },
        inputs: a
            .inputs
            .iter()
            .map(|i| Input {
                name: &i.name,
                format: i.format.as_deref(),
                lines: i.lines,
                bytes: i.bytes,
                events: i.events,
                records: i.records,
                not_understood: i.not_understood,
                first_not_understood: i.first_not_understood,
                errors: i.errors.iter().map(|e| InputError { line: e.line, message: &e.message }).collect(),
                via: i.via.as_deref(),
            })
            .collect(),
        time_range: a.time_range.map(|(s, e)| Range { start: at(s), end: at(e) }),
        verdict: a.verdict.as_str(),
        maintenance: a.maintenance.map(|(s, e)| Range { start: at(s), end: at(e) }),
        brokers: Lazy::new(a.timelines.iter().map(|t| Broker {
            broker: t.broker.as_deref(),
            hosts: &t.hosts,
            windows: Lazy::new(t.windows.iter().map(|w| Window {
                start: at(w.start),
                end: at(w.end),
                duration_ms: w.duration(),
                open: w.open,
                ended_by: w.ended_by,
                events: w.events,
                kinds: Kinds(&w.kinds),
                clients: Names(&w.clients),
                evidence: Proof(a, &w.evidence),
            })),
        })),
        roll: Roll {
            one_at_a_time: a.roll.one_at_a_time,
            steps: Lazy::new(super::roll_steps(a).map(|s| Step {
                broker: s.broker,
                start: at(s.start),
                end: at(s.end),
                duration_ms: s.end - s.start,
                gap_ms: s.gap_ms,
                waited: s.waited,
                within_expected_impact: s.within_expected,
            })),
        },
        anomalies: a
            .findings
            .iter()
            .map(|f| Anomaly {
                kind: f.kind.as_str(),
                severity: f.severity,
                brokers: &f.brokers,
                clients: &f.clients,
                start: at(f.start),
                end: at(f.end),
                message: &f.message,
                advice: &f.advice,
                evidence: Proof(a, &f.evidence),
            })
            .collect(),
        clients: a
            .clients
            .iter()
            .map(|c| Client {
                client: &c.client,
                role: c.role.map(|r| r.as_str()),
                inputs: c.inputs.iter().map(|&i| a.input_name(i)).collect(),
                events: c.events,
                first: at(c.first),
                last: at(c.last),
                disrupted_ms: c.disrupted_ms,
                retries: c.retries,
                records_lost: &c.records_lost,
                failed: c.failed,
                recovered: c.recovered,
                recovered_at: c.recovered_at.map(at),
            })
            .collect(),
        blind_spots: a
            .blind_spots
            .iter()
            .map(|b| BlindSpot { input: b.input.map(|i| a.input_name(i)), message: &b.message })
            .collect(),
    };
    // Written through a buffer of its own type, not `dyn Write`: the
    // serializer's many small writes are then copies, not calls through a
    // vtable (a long stream's document has tens of thousands of windows).
    let mut buf = io::BufWriter::with_capacity(1 << 16, out);
    doc.serialize(&mut serde_json::Serializer::with_formatter(&mut buf, Pretty::default()))?;
    writeln!(buf)?;
    buf.flush()
}

/// serde_json's pretty layout (`to_writer_pretty`: two spaces a level),
/// with each line break and its indentation written as one piece: serde's
/// own formatter writes the indentation two spaces at a time, and a
/// window's fields sit five levels deep, so most of the document's writes
/// were spaces (issue 4, session 10).
#[derive(Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

/// A comma, a line break and the indentation of the deepest level written
/// in one piece; deeper ones are written level by level.
const BREAK: &[u8] = b",\n                                                                ";

impl Pretty {
    fn line_break<W: ?Sized + Write>(&self, w: &mut W, comma: bool) -> io::Result<()> {
        let from = usize::from(!comma);
        match BREAK.get(from..2 + 2 * self.depth) {
            Some(piece) => w.write_all(piece),
            None => {
                w.write_all(&BREAK[from..2])?;
                (0..self.depth).try_for_each(|_| w.write_all(b"  "))
            }
        }
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line_break(w, false)?;
        }
        w.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.line_break(w, !first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.line_break(w, !first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pretty(v: &serde_json::Value) -> String {
        let mut out = Vec::new();
        v.serialize(&mut serde_json::Serializer::with_formatter(&mut out, Pretty::default())).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn values() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[a-z\"\\\\\n\t é\u{1}]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(8, 64, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z]{0,3}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Nested `depth` times: arrays and objects in turn, each holding a
    /// value, an empty list and the next level.
    fn nested(depth: usize) -> serde_json::Value {
        (0..depth).fold(serde_json::json!("leaf"), |v, d| {
            if d % 2 == 0 {
                serde_json::json!([1, [], v])
            } else {
                serde_json::json!({"a": {}, "b": v})
            }
        })
    }

    #[test]
    fn deep_documents_are_laid_out_as_serde_json_lays_them_out() {
        // Past the indentation written in one piece (32 levels) too.
        for depth in [0, 1, 5, 31, 32, 33, 40] {
            let v = nested(depth);
            assert_eq!(pretty(&v), serde_json::to_string_pretty(&v).unwrap(), "depth {depth}");
        }
    }

    proptest! {
        #[test]
        fn documents_are_laid_out_as_serde_json_lays_them_out(v in values()) {
            prop_assert_eq!(pretty(&v), serde_json::to_string_pretty(&v).unwrap());
        }
    }
}
