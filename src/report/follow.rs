//! `--follow`: on a live input, a line each time a broker goes out and each
//! time it comes back, as the log shows it; the full report follows at the
//! end of the input or on Ctrl-C.
//!
//! The live view knows only what the lines so far say: the broker a line
//! names (node id, host, MSK name, `--topics` leader), never the broker out
//! at that moment (that needs the lines after). A window closes at the
//! first sign of recovery (a coordinator found on the broker), or once the
//! input's clock is `--gap` past its last symptom. The final report, built
//! from every line, is the one to paste into a ticket; where the two
//! differ, the final one is right.
//!
//! What is kept is one small record per broker out at the moment, so a
//! follow that runs for days holds no more than a roll in progress.
//!
//! Times follow the reports' rule (`timefmt::Stamp`) over what the input
//! has shown so far: clocks alone until its lines span more than one day,
//! then each line with its date, so a follow left running over midnight
//! says which night a line is from.

use crate::analysis::EventSink;
use crate::broker::{Hints, Identity};
use crate::event::{Event, Kind};
use crate::report::{plural, printable};
use crate::timefmt::{human_duration, Stamp, Zone};
use crate::topics::Describe;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::sync::Mutex;

/// Writes window openings and closings as they are seen.
pub struct Follow<'a> {
    zone: Zone,
    gap_ms: i64,
    state: Mutex<State<'a>>,
}

/// A broker out right now.
struct Out {
    start: i64,
    last: i64,
    events: usize,
    kinds: BTreeSet<Kind>,
    clients: BTreeSet<String>,
}

struct State<'a> {
    out: Box<dyn Write + Send>,
    identity: Identity<'a>,
    open: BTreeMap<String, Out>,
    /// The earliest and the latest time the input has shown.
    first: Option<i64>,
    clock: i64,
    /// The first write error (a closed pipe): nothing more is written.
    failed: Option<io::Error>,
}

impl<'a> Follow<'a> {
    pub fn new(out: Box<dyn Write + Send>, zone: Zone, gap_ms: i64, leaders: Option<&'a Describe>) -> Follow<'a> {
        let identity = Identity::new(&Hints { leaders, bootstrap: Vec::new() });
        let state = State { out, identity, open: BTreeMap::new(), first: None, clock: i64::MIN, failed: None };
        Follow { zone, gap_ms, state: Mutex::new(state) }
    }

    /// Says which brokers are still out as the input ends, and gives the
    /// writer back for the final report (or the first write error).
    pub fn finish(self) -> io::Result<Box<dyn Write + Send>> {
        let zone = self.zone;
        let mut st = self.state.into_inner().map_err(|_| io::Error::other("a live writer panicked"))?;
        let mut text = String::new();
        let ts = st.stamp(zone);
        for (b, o) in &st.open {
            text.push_str(&closed(b, o, o.last, Ended::Input, &ts));
        }
        if !text.is_empty() || st.failed.is_none() {
            text.push('\n');
            st.write(&text);
        }
        match st.failed {
            Some(e) => Err(e),
            None => Ok(st.out),
        }
    }
}

impl State<'_> {
    /// The input showed a line at `t`.
    fn saw(&mut self, t: i64) {
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        self.clock = self.clock.max(t);
    }

    /// How to write times, for what the input has shown so far.
    fn stamp(&self, zone: Zone) -> Stamp {
        Stamp::new(zone, self.first.map(|f| (f, self.clock)))
    }

    fn write(&mut self, text: &str) {
        if self.failed.is_some() || text.is_empty() {
            return;
        }
        if let Err(e) = self.out.write_all(text.as_bytes()).and_then(|()| self.out.flush()) {
            self.failed = Some(e);
        }
    }

    /// Closes the windows whose last symptom the clock has left `gap_ms`
    /// behind.
    fn close_quiet(&mut self, zone: Zone, gap_ms: i64, text: &mut String) {
        let (now, ts) = (self.clock, self.stamp(zone));
        let quiet: Vec<String> =
            self.open.iter().filter(|(_, o)| now.saturating_sub(o.last) > gap_ms).map(|(b, _)| b.clone()).collect();
        for b in quiet {
            if let Some(o) = self.open.remove(&b) {
                text.push_str(&closed(&b, &o, o.last, Ended::LastSymptom, &ts));
            }
        }
    }
}

/// What closed a window in the live view.
#[derive(Clone, Copy)]
enum Ended {
    Recovery,
    LastSymptom,
    /// The input ended inside it: whether the broker came back is the
    /// final report's call, which sees every line.
    Input,
}

/// `10:41:32.579  broker 1 BACK  out 602ms since 10:41:31.977, ended by a
/// sign of recovery: 11 events (...), client ...`.
fn closed(broker: &str, o: &Out, end: i64, by: Ended, ts: &Stamp) -> String {
    let (word, why) = match by {
        Ended::Recovery => ("BACK", "a sign of recovery"),
        Ended::LastSymptom => ("BACK", "its last symptom"),
        Ended::Input => ("END ", "the end of the input (the report below says whether it came back)"),
    };
    let kinds: Vec<&str> = o.kinds.iter().map(|k| k.as_str()).collect();
    format!(
        "{}  broker {broker} {word}  out {} since {}, ended by {why}: {} ({}), {}\n",
        ts.at(end),
        human_duration(end - o.start),
        // Read from the time the line starts with.
        ts.end(end, o.start),
        plural(o.events, "event", "events"),
        kinds.join(", "),
        clients(&o.clients),
    )
}

fn clients(c: &BTreeSet<String>) -> String {
    let names: Vec<String> = c.iter().map(|c| printable(c)).collect();
    match names.len() {
        0 => "no client id".into(),
        1 => format!("client {}", names[0]),
        _ => format!("clients {}", names.join(", ")),
    }
}

impl EventSink for Follow<'_> {
    fn found(&self, input: &str, events: &[&Event]) {
        let Ok(mut st) = self.state.lock() else { return };
        let st = &mut *st;
        st.identity.learn(events.iter().copied());
        let zone = self.zone;
        let mut text = String::new();
        for e in events {
            // Time passes by each line: a window left behind closes first.
            st.saw(e.time);
            st.close_quiet(zone, self.gap_ms, &mut text);
            let Some((b, _)) = st.identity.attribute(e) else { continue };
            if !e.is_symptom() {
                // A coordinator found on the broker: it is back.
                if let Some(o) = st.open.remove(&b) {
                    text.push_str(&closed(&b, &o, e.time.max(o.last), Ended::Recovery, &st.stamp(zone)));
                }
                continue;
            }
            let ts = st.stamp(zone);
            let o = st.open.entry(b.clone()).or_insert_with(|| {
                text.push_str(&format!(
                    "{}  broker {b} OUT   first: {} from {} ({}:{})\n",
                    ts.at(e.time),
                    e.kind,
                    e.client.as_deref().map_or("a client with no id".into(), |c| format!("client {}", printable(c))),
                    printable(input),
                    e.line
                ));
                Out { start: e.time, last: e.time, events: 0, kinds: BTreeSet::new(), clients: BTreeSet::new() }
            });
            o.last = o.last.max(e.time);
            o.events += e.weight as usize;
            o.kinds.insert(e.kind);
            o.clients.extend(e.client.clone());
        }
        st.close_quiet(zone, self.gap_ms, &mut text);
        st.write(&text);
    }

    fn tick(&self, clock: i64) {
        let Ok(mut st) = self.state.lock() else { return };
        let st = &mut *st;
        st.saw(clock);
        let mut text = String::new();
        st.close_quiet(self.zone, self.gap_ms, &mut text);
        st.write(&text);
    }
}
