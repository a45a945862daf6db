//! `--format events`: one JSON object per event, one per line (NDJSON).
//! Each carries `time`, `kind`, `broker` (or null), `client` (or null),
//! `input` and `line`, and where known the topic-partition, the node and
//! host as logged, the error text, the rule that matched and how the broker
//! was found (`attributed`: `line`, `leader` or `time`), and what a central
//! rollcall reading the lines back needs (`role`, `attempts`, `answered`,
//! `echo`, `weight`, and the span of the event's input; see
//! `extract::ndjson`).
//!
//! Events of files are written at the end, in time order, with every
//! broker the whole analysis can attribute. Events of a live input (a pipe
//! or a FIFO) are written as soon as their lines are analysed ([`Live`]),
//! in line order, with the broker their own line names (node id, host, MSK
//! name, `--topics` leader): attribution by time needs the lines after
//! them, so those events carry `broker: null` there.

use crate::analysis::{Analysis, EventSink};
use crate::broker::{Hints, Identity};
use crate::event::{Attribution, Event, Level};
use crate::timefmt::{rfc3339, Time, Times, Zone};
use crate::topics::Describe;
use serde::Serialize;
use std::io::{self, Write};
use std::sync::Mutex;

#[derive(Serialize)]
struct Line<'a> {
    time: Time<'a>,
    kind: &'static str,
    broker: Option<&'a str>,
    client: Option<&'a str>,
    input: &'a str,
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    topic_partition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    topic: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    partition: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<Level>,
    rule: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    attributed: Option<Attribution>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template: Option<&'a str>,
    // What a central rollcall reading these lines back (`--layout events`)
    // needs to judge them as the host did: the client's role, the retries
    // left, whether the broker itself answered (then it is up, not out), and
    // how many lines the event stands for.
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attempts: Option<u64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    answered: bool,
    /// A librdkafka failure told a second time (`extract::drop_echoes`):
    /// kept only when its first telling is not in the same log.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    echo: bool,
    #[serde(skip_serializing_if = "is_one")]
    weight: u32,
    // What the event's input showed as a whole, known once it was read to
    // its end (so not on live lines): the span of its lines, quiet ones
    // included, and whether it logs INFO lines (then its end is a time the
    // logs were watched up to, which decides whether a window is still
    // open). A central rollcall needs them to judge as the host did.
    #[serde(skip_serializing_if = "Option::is_none")]
    input_start: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    input_end: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    input_info: Option<bool>,
}

fn is_one(w: &u32) -> bool {
    *w == 1
}

fn line<'a>(times: &'a Times, input: &'a str, e: &'a Event) -> Line<'a> {
    Line {
        time: Time(e.time, times),
        kind: e.kind.as_str(),
        broker: e.broker.as_deref(),
        client: e.client.as_deref(),
        input,
        line: e.line,
        topic_partition: e.partition.and(e.topic_partition()),
        topic: e.topic.as_deref(),
        partition: e.partition,
        node: e.node,
        host: e.host.as_deref(),
        port: e.port,
        count: e.count,
        error: e.error.as_deref(),
        level: e.level,
        rule: &e.rule,
        attributed: e.attributed,
        template: e.template.as_deref(),
        role: e.role.map(|r| r.as_str()),
        attempts: e.attempts,
        answered: e.answered,
        echo: e.echo,
        weight: e.weight,
        input_start: None,
        input_end: None,
        input_info: None,
    }
}

/// Writes the events not already written live.
pub fn write(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let spans: Vec<Option<(String, String)>> =
        a.inputs.iter().map(|i| i.range.map(|(s, e)| (rfc3339(s, &a.zone), rfc3339(e, &a.zone)))).collect();
    let times = Times::new(a.zone);
    // A buffer of its own type, not `dyn Write`, as for the JSON document:
    // the serializer's many small writes are then copies, not calls
    // through a vtable (a third of writing a large input's events).
    let mut buf = io::BufWriter::with_capacity(1 << 16, out);
    for e in a.events.iter().filter(|e| !a.inputs.get(e.input as usize).is_some_and(|i| i.live)) {
        let mut l = line(&times, a.input_name(e.input), e);
        if let (Some(Some((s, end))), Some(i)) = (spans.get(e.input as usize), a.inputs.get(e.input as usize)) {
            l.input_start = Some(s);
            l.input_end = Some(end);
            l.input_info = Some(i.info_seen);
        }
        serde_json::to_writer(&mut buf, &l)?;
        buf.write_all(b"\n")?;
    }
    buf.flush()
}

/// The event stream of live inputs, written and flushed as events are found.
pub struct Live<'a> {
    state: Mutex<LiveState<'a>>,
}

struct LiveState<'a> {
    out: Box<dyn Write + Send>,
    times: Times,
    identity: Identity<'a>,
    /// The first write error (a closed pipe): nothing more is written, and
    /// the caller reports it at the end.
    failed: Option<io::Error>,
}

impl<'a> Live<'a> {
    pub fn new(out: Box<dyn Write + Send>, zone: Zone, leaders: Option<&'a Describe>) -> Live<'a> {
        let identity = Identity::new(&Hints { leaders, bootstrap: Vec::new() });
        Live { state: Mutex::new(LiveState { out, times: Times::new(zone), identity, failed: None }) }
    }

    /// The writer back, for the events written at the end, or the first
    /// write error.
    pub fn finish(self) -> io::Result<Box<dyn Write + Send>> {
        let st = self.state.into_inner().map_err(|_| io::Error::other("a live writer panicked"))?;
        match st.failed {
            Some(e) => Err(e),
            None => Ok(st.out),
        }
    }
}

impl EventSink for Live<'_> {
    fn found(&self, input: &str, events: &[&Event]) {
        // A poisoned lock means a writer panicked: write nothing more.
        let Ok(mut st) = self.state.lock() else { return };
        if st.failed.is_some() {
            return;
        }
        st.identity.learn(events.iter().copied());
        let mut buf = Vec::with_capacity(events.len() * 256);
        for e in events {
            let named = st.identity.attribute(e);
            let mut l = line(&st.times, input, e);
            l.broker = named.as_ref().map(|(b, _)| b.as_str());
            l.attributed = named.as_ref().map(|(_, how)| *how);
            // Serialising a struct of strings and numbers cannot fail.
            let _ = serde_json::to_writer(&mut buf, &l);
            buf.push(b'\n');
        }
        let st = &mut *st;
        if let Err(e) = st.out.write_all(&buf).and_then(|()| st.out.flush()) {
            st.failed = Some(e);
        }
    }
}
