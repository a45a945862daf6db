//! Windows: per broker, symptom events closer than `--gap` form one outage
//! window. A window knows its kinds, clients and a few lines of evidence.
//!
//! A window ends at the first evidence of recovery after its last symptom
//! (within `--gap`), when the logs show one; else at its last symptom.
//!
//! A window is *open* when the logs end inside it: its symptoms lasted at
//! least `--gap`, were still coming within `--gap` of the last line of the
//! logs, and nothing showed the broker back (a coordinator discovered on
//! it). A lone burst at the very end of the logs is not enough to say a
//! broker never came back. Closed windows say what ended them: the first
//! sign of recovery, or just their last symptom.

use crate::broker::Hosts;
use crate::event::{Broker, Event, Kind};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Evidence kept per window, at most.
pub const MAX_EVIDENCE: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    /// The logs show the broker back (e.g. a coordinator discovered on it).
    Recovery,
    /// Nothing says the broker came back: the window ends at its last symptom.
    LastSymptom,
}

/// A window is kept for every outage of a long input (thousands per GB of
/// a log that rolls again and again), so it is small: its clients are
/// shared names, its evidence is held in place, and its kinds and clients
/// are boxed slices made once (issue 4, session 7: some 470 bytes of heap
/// a window before, some 260 now).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: i64,
    pub open: bool,
    /// `None` while open.
    pub ended_by: Option<EndedBy>,
    pub events: usize,
    /// Lines per kind, by kind. Sorted, not a map and a set: a window holds
    /// a few of each (a B-tree node is some 250 bytes however few it holds).
    pub kinds: Box<[(Kind, usize)]>,
    /// Its clients, sorted, each once; a name is shared by the broker's
    /// windows, not copied into each.
    pub clients: Box<[Arc<str>]>,
    /// (input, line) of a few of its events: the first of each kind, the last.
    pub evidence: Lines,
}

/// At most [`MAX_EVIDENCE`] (input, line) pairs, in place: a vector's
/// allocation would be a third of a window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lines {
    len: u8,
    /// Unused slots stay `(0, 0)`, so that the derived comparisons hold.
    at: [(u32, u64); MAX_EVIDENCE],
}

impl Lines {
    /// Adds a line unless it is there already or the list is full.
    pub fn push(&mut self, line: (u32, u64)) {
        if usize::from(self.len) < MAX_EVIDENCE && !self.contains(&line) {
            self.at[usize::from(self.len)] = line;
            self.len += 1;
        }
    }
}

impl std::ops::Deref for Lines {
    type Target = [(u32, u64)];

    fn deref(&self) -> &[(u32, u64)] {
        &self.at[..usize::from(self.len)]
    }
}

impl Window {
    pub fn duration(&self) -> i64 {
        self.end - self.start
    }
}

#[cfg(test)]
impl Timeline {
    /// A broker's timeline of closed windows over `spans`, one event each
    /// and nothing else, for tests of what reads windows.
    pub(crate) fn of_spans(broker: &str, spans: &[(i64, i64)]) -> Timeline {
        let window = |&(start, end): &(i64, i64)| Window {
            start,
            end,
            open: false,
            ended_by: None,
            events: 1,
            kinds: Box::default(),
            clients: Box::default(),
            evidence: Lines::default(),
        };
        Timeline { broker: Some(broker.into()), hosts: vec![], windows: spans.iter().map(window).collect() }
    }
}

/// Lengths of generated spans for property tests: zero (a lone line) as
/// often as any other, up to `max`.
#[cfg(test)]
pub(crate) fn span_lengths(max: i64) -> impl proptest::strategy::Strategy<Value = i64> {
    proptest::prop_oneof![proptest::strategy::Just(0i64), 0..max]
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    /// `None`: the events no broker could be assigned to.
    pub broker: Option<String>,
    pub hosts: Vec<String>,
    pub windows: Vec<Window>,
}

/// Values kept per name (a broker's, a client's) through a pass over the
/// events, found by where the name's text is before what it says: a
/// broker's events share its one name (`broker::resolve`) and alike events
/// share their gist, so most lookups compare an address, and the last one
/// found is tried first. By text in a `BTreeMap`, with a comparison of
/// texts at every step down, such lookups were most of several passes of
/// the end phase (issue 4, session 9). Two texts at one address (and of
/// one length) are one text: both are borrowed for `'a`.
pub struct ByName<'a, T> {
    /// The address and length of the text last looked up, and its slot.
    last: Option<((usize, usize), usize)>,
    by_address: std::collections::HashMap<(usize, usize), usize, foldhash::fast::RandomState>,
    by_text: std::collections::HashMap<&'a str, usize, foldhash::fast::RandomState>,
    values: Vec<(&'a str, T)>,
}

impl<T> Default for ByName<'_, T> {
    fn default() -> Self {
        ByName { last: None, by_address: Default::default(), by_text: Default::default(), values: Vec::new() }
    }
}

impl<'a, T> ByName<'a, T> {
    /// Where `name`'s text is: its address and length.
    fn address(name: &str) -> (usize, usize) {
        (name.as_ptr() as usize, name.len())
    }

    /// The slot of `name`'s value, if it has one.
    fn slot(&mut self, name: &'a str) -> Option<usize> {
        let at = Self::address(name);
        if let Some((_, slot)) = self.last.filter(|(a, _)| *a == at) {
            return Some(slot);
        }
        let slot = match self.by_address.get(&at) {
            Some(&slot) => slot,
            None => {
                let slot = *self.by_text.get(name)?;
                self.by_address.insert(at, slot);
                slot
            }
        };
        self.last = Some((at, slot));
        Some(slot)
    }

    /// `name`'s value, made by `new` the first time.
    pub fn entry(&mut self, name: &'a str, new: impl FnOnce() -> T) -> &mut T {
        let slot = match self.slot(name) {
            Some(slot) => slot,
            None => {
                let slot = self.values.len();
                self.values.push((name, new()));
                self.by_text.insert(name, slot);
                self.by_address.insert(Self::address(name), slot);
                self.last = Some((Self::address(name), slot));
                slot
            }
        };
        &mut self.values[slot].1
    }

    /// `name`'s value, if it has one.
    pub fn get_mut(&mut self, name: &'a str) -> Option<&mut T> {
        let slot = self.slot(name)?;
        Some(&mut self.values[slot].1)
    }

    /// The names and their values, by name (as a `BTreeMap` by name
    /// iterates).
    pub fn into_sorted(self) -> Vec<(&'a str, T)> {
        let mut values = self.values;
        values.sort_unstable_by(|a, b| a.0.cmp(b.0));
        values
    }
}

/// Time spans (an event's `start` to `time`) merged where less than the gap
/// apart: (start, end), in order. Sorted first: the plain statement of what
/// [`Backward`] does without a sort, kept as the tests' reference.
#[cfg(test)]
pub(crate) fn runs(spans: impl IntoIterator<Item = (i64, i64)>, gap_ms: i64) -> Vec<(i64, i64)> {
    let mut spans: Vec<(i64, i64)> = spans.into_iter().collect();
    spans.sort_unstable();
    merged(spans, gap_ms).collect()
}

/// [`runs`] of spans already sorted, as they are merged. Test-only: every
/// caller now merges in one backward pass ([`Backward`]).
#[cfg(test)]
pub(crate) fn merged(sorted: impl IntoIterator<Item = (i64, i64)>, gap_ms: i64) -> impl Iterator<Item = (i64, i64)> {
    // Fused: asked again once done, it stays done.
    let mut sorted = sorted.into_iter().fuse();
    let mut run = Run::default();
    std::iter::from_fn(move || loop {
        match sorted.next() {
            Some(span) => {
                if let Some(done) = run.push(span, gap_ms) {
                    return Some(done);
                }
            }
            None => return run.0.take(),
        }
    })
}

/// The run being merged from spans given in order of their starts: what
/// `merged` keeps between spans, for callers that merge many lists at once.
#[derive(Clone, Copy, Debug, Default)]
struct Run(Option<(i64, i64)>);

impl Run {
    /// Adds a span; returns the run it closes, when it starts more than the
    /// gap after that run's end.
    fn push(&mut self, (s, e): (i64, i64), gap_ms: i64) -> Option<(i64, i64)> {
        match &mut self.0 {
            Some(run) if s - run.1 <= gap_ms => {
                run.1 = run.1.max(e);
                None
            }
            cur => cur.replace((s, e)),
        }
    }
}

/// A span read backwards: (start, end) as (-end, -start), so that spans in
/// order of their ends, read from the last, come in order of their starts.
fn mirror((s, e): (i64, i64)) -> (i64, i64) {
    (e.saturating_neg(), s.saturating_neg())
}

/// [`runs`] of spans given in order of their ends, as the spans of events
/// sorted by time are, without sorting them, one span at a time from the
/// last: read backwards with time mirrored, (start, end) is (-end, -start)
/// in order of its start, which is what a [`Run`] merges. The runs are the
/// same, mirrored back; they come last first. For callers that merge many
/// lists in one backward pass over the events.
#[derive(Clone, Copy, Debug, Default)]
pub struct Backward(Run);

impl Backward {
    /// Adds a span that ends no later than any added before; returns the
    /// run it closes.
    pub fn push(&mut self, span: (i64, i64), gap_ms: i64) -> Option<(i64, i64)> {
        self.0.push(mirror(span), gap_ms).map(mirror)
    }

    /// The run still open: the first in time.
    pub fn finish(self) -> Option<(i64, i64)> {
        self.0 .0.map(mirror)
    }
}

/// The gap-split time spans of the events' brokers: (broker, start, end),
/// by broker, each broker's in order. `events` must be sorted by time.
///
/// One backward pass (a [`Backward`] per broker), holding a run per broker
/// and the runs: no list of every event's span, which on
/// a long input was some 5 MB at the end phase's start (issue 4, session 7).
pub fn spans<'a>(events: impl DoubleEndedIterator<Item = &'a Event>, gap_ms: i64) -> Vec<(Broker, i64, i64)> {
    // Brokers by name (`ByName`): they compare as their names do. Each
    // broker's run being merged and the runs done.
    type Runs<'a> = (&'a Broker, Backward, Vec<(i64, i64)>);
    let mut by: ByName<'a, Runs<'a>> = ByName::default();
    for e in events.rev() {
        if let Some(b) = &e.broker {
            let (_, run, runs) = by.entry(b, || (b, Backward::default(), Vec::new()));
            runs.extend(run.push((e.start(), e.time), gap_ms));
        }
    }
    let mut out = Vec::new();
    for (_, (b, run, mut runs)) in by.into_sorted() {
        runs.extend(run.finish());
        out.extend(runs.into_iter().rev().map(|(s, e)| (b.clone(), s, e)));
    }
    out
}

/// Builds every broker's windows. `events` must be sorted by time;
/// `logs_end` is the time of the last line of the logs.
///
/// One backward pass: each event goes to its broker's run of symptom spans
/// (an event's `start` to `time`, so that a thinned run bridges the events
/// inside it), merged where closer than the gap (`Backward`), and to the
/// window being built from that run's events; a span that does not merge
/// closes the run and so the window. A broker's events are found by the
/// address of its name (`ByName`), not by text, and each event is read
/// once: before, a first pass found the runs' ends and a second read every
/// event again for each broker (issue 4, session 9).
pub fn timelines(events: &[Event], hosts: &Hosts, gap_ms: i64, logs_end: Option<i64>) -> Vec<Timeline> {
    /// What the pass keeps of a broker (or of the events of no broker).
    struct Pass<'a> {
        run: Backward,
        building: Option<Building<'a>>,
        /// Its windows' events, the last window first.
        done: Vec<Building<'a>>,
        /// The times of its signs of recovery, the latest first.
        recoveries: Vec<i64>,
    }
    impl<'a> Pass<'a> {
        fn new() -> Pass<'a> {
            Pass { run: Backward::default(), building: None, done: Vec::new(), recoveries: Vec::new() }
        }

        fn symptom(&mut self, e: &'a Event, gap_ms: i64) {
            let closed = self.run.push((e.start(), e.time), gap_ms).is_some();
            match self.building.as_mut() {
                Some(b) if !closed => b.add(e),
                _ => self.done.extend(self.building.replace(Building::new(e))),
            }
        }
    }
    let mut by: ByName<'_, Pass<'_>> = ByName::default();
    let mut nobody = Pass::new();
    for e in events.iter().rev() {
        match (e.is_symptom(), e.broker.as_deref()) {
            (true, Some(b)) => by.entry(b, Pass::new).symptom(e, gap_ms),
            (true, None) => nobody.symptom(e, gap_ms),
            (false, Some(b)) => by.entry(b, Pass::new).recoveries.push(e.time),
            (false, None) => {}
        }
    }
    let mut passes: Vec<(Option<&str>, Pass<'_>)> = vec![(None, nobody)];
    passes.extend(by.into_sorted().into_iter().map(|(b, p)| (Some(b), p)));
    // Each broker's windows are its own: made side by side (rayon).
    let mut out: Vec<Timeline> = passes
        .into_par_iter()
        .filter(|(_, p)| p.building.is_some())
        .map(|(broker, mut pass)| {
            pass.done.extend(pass.building.take());
            let mut rec = pass.recoveries;
            rec.reverse();
            debug_assert!(rec.is_sorted(), "events are sorted by time");
            let mut names = Names::default();
            let windows = pass
                .done
                .into_iter()
                .rev()
                .map(|b| window(b, &rec, gap_ms, logs_end, broker.is_some(), &mut names))
                .collect();
            let hosts = broker.and_then(|b| hosts.get(b)).map(|h| h.iter().cloned().collect()).unwrap_or_default();
            Timeline { broker: broker.map(str::to_string), hosts, windows }
        })
        .collect();
    // Contract: brokers by the start of their first window.
    out.sort_by(|a, b| (a.windows[0].start, &a.broker).cmp(&(b.windows[0].start, &b.broker)));
    out
}

/// What a window needs of its events, which may come in any order (the
/// pass that builds windows reads them last first).
struct Building<'a> {
    /// Its first line (by `start`, then input and line): where the window
    /// starts, and its first evidence.
    first: &'a Event,
    /// Its latest event: its last symptom.
    last: &'a Event,
    /// Per kind, in the order the kinds came: its lines, and its first line
    /// as `first` is. One list, searched once per event.
    kinds: Vec<(Kind, usize, &'a Event)>,
    clients: Vec<&'a str>,
    weight: usize,
}

/// The order of the lines a window stands for: a thinned run's first line
/// is its `start`.
fn line_order(e: &Event) -> (i64, u32, u64) {
    (e.start(), e.input, e.line)
}

impl<'a> Building<'a> {
    fn new(e: &'a Event) -> Building<'a> {
        let mut b = Building { first: e, last: e, kinds: Vec::new(), clients: Vec::new(), weight: 0 };
        b.add(e);
        b
    }

    fn add(&mut self, e: &'a Event) {
        let order = line_order(e);
        if order < line_order(self.first) {
            self.first = e;
        }
        if e.sort_key() > self.last.sort_key() {
            self.last = e;
        }
        let (gist, weight) = (&*e.gist, e.weight as usize);
        match self.kinds.iter_mut().find(|(k, _, _)| *k == gist.kind) {
            Some((_, n, first)) => {
                *n += weight;
                if order < line_order(first) {
                    *first = e;
                }
            }
            None => self.kinds.push((gist.kind, weight, e)),
        }
        if let Some(c) = gist.client.as_deref().filter(|c| !self.clients.contains(c)) {
            self.clients.push(c);
        }
        self.weight += weight;
    }
}

/// One shared name per client, for a broker's windows.
#[derive(Default)]
struct Names<'a>(BTreeMap<&'a str, Arc<str>>);

impl<'a> Names<'a> {
    fn get(&mut self, name: &'a str) -> Arc<str> {
        self.0.entry(name).or_insert_with(|| Arc::from(name)).clone()
    }
}

fn window<'a>(
    b: Building<'a>,
    recoveries: &[i64],
    gap_ms: i64,
    logs_end: Option<i64>,
    is_broker: bool,
    names: &mut Names<'a>,
) -> Window {
    let start = b.first.start();
    let end = b.last.time;
    // `recoveries` are in time order (the events are): the first at or
    // after the end is found by halving, not by a walk through every
    // recovery of the broker for each of its windows.
    let next = recoveries.get(recoveries.partition_point(|&t| t < end)).copied();
    let recovered_at = next.filter(|&t| t - end <= gap_ms);
    let back_later = next.is_some();
    let open = is_broker && !back_later && end - start >= gap_ms && logs_end.is_some_and(|le| le - end <= gap_ms);
    let mut kinds: Vec<(Kind, usize)> = b.kinds.iter().map(|&(k, n, _)| (k, n)).collect();
    let mut clients = b.clients;
    kinds.sort_unstable();
    clients.sort_unstable();
    let mut evidence = Lines::default();
    evidence.push((b.first.input, b.first.line));
    let mut rest: Vec<(u32, u64)> = b.kinds.iter().map(|(_, _, e)| (e.input, e.line)).collect();
    rest.sort_unstable();
    // The first, the first of each kind while there is room, and the last.
    for ev in rest {
        if evidence.len() >= MAX_EVIDENCE - 1 {
            break;
        }
        evidence.push(ev);
    }
    evidence.push((b.last.input, b.last.line));
    Window {
        start,
        // Honest ends: the broker was out until the logs show it back, when
        // they do; otherwise until its last symptom.
        end: recovered_at.unwrap_or(end),
        open,
        ended_by: if open {
            None
        } else if recovered_at.is_some() {
            Some(EndedBy::Recovery)
        } else {
            Some(EndedBy::LastSymptom)
        },
        events: b.weight,
        kinds: kinds.into_boxed_slice(),
        clients: clients.into_iter().map(|c| names.get(c)).collect(),
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Gist;
    use std::collections::BTreeSet;

    fn ev(time: i64, kind: Kind, broker: Option<&str>) -> Event {
        let mut e = Event::new(
            Gist { kind, rule: "t".into(), client: Some("p".into()), ..Gist::default() },
            time,
            0,
            (time / 1000) as u64,
        );
        e.broker = broker.map(Broker::from);
        e
    }

    /// [`timelines`] as it was before its one backward pass: each
    /// broker's symptoms gathered, sorted by their first line, and split
    /// where one starts more than the gap after the latest end so far; each
    /// window read from its events.
    fn timelines_gathered(events: &[Event], gap_ms: i64, logs_end: Option<i64>) -> Vec<Timeline> {
        let mut by: BTreeMap<Option<&str>, Vec<&Event>> = BTreeMap::new();
        for e in events.iter().filter(|e| e.is_symptom()) {
            by.entry(e.broker.as_deref()).or_default().push(e);
        }
        let mut out = Vec::new();
        for (broker, mut evs) in by {
            let rec: Vec<i64> = events
                .iter()
                .filter(|e| !e.is_symptom() && broker.is_some() && e.broker.as_deref() == broker)
                .map(|e| e.time)
                .collect();
            evs.sort_by_key(|e| line_order(e));
            let mut groups: Vec<Vec<&Event>> = Vec::new();
            let mut reach = i64::MIN;
            for e in evs {
                match groups.last_mut() {
                    Some(g) if e.start() - reach <= gap_ms => g.push(e),
                    _ => groups.push(vec![e]),
                }
                reach = if groups.last().unwrap().len() == 1 { e.time } else { reach.max(e.time) };
            }
            let windows = groups.iter().map(|g| {
                let last = g.iter().max_by_key(|e| e.sort_key()).unwrap();
                let (start, end) = (g[0].start(), last.time);
                let next = rec.iter().find(|&&t| t >= end).copied();
                let recovered_at = next.filter(|&t| t - end <= gap_ms);
                let open = broker.is_some()
                    && next.is_none()
                    && end - start >= gap_ms
                    && logs_end.is_some_and(|le| le - end <= gap_ms);
                let mut kinds: BTreeMap<Kind, usize> = BTreeMap::new();
                let mut firsts: BTreeMap<Kind, (u32, u64)> = BTreeMap::new();
                for e in g {
                    *kinds.entry(e.kind).or_default() += e.weight as usize;
                    firsts.entry(e.kind).or_insert((e.input, e.line));
                }
                let clients: BTreeSet<&str> = g.iter().filter_map(|e| e.client.as_deref()).collect();
                let mut evidence = vec![(g[0].input, g[0].line)];
                let mut rest: Vec<(u32, u64)> = firsts.into_values().collect();
                rest.sort();
                for ev in rest {
                    if evidence.len() < MAX_EVIDENCE - 1 && !evidence.contains(&ev) {
                        evidence.push(ev);
                    }
                }
                if !evidence.contains(&(last.input, last.line)) {
                    evidence.push((last.input, last.line));
                }
                let mut lines = Lines::default();
                evidence.into_iter().for_each(|l| lines.push(l));
                Window {
                    start,
                    end: recovered_at.unwrap_or(end),
                    open,
                    ended_by: match (open, recovered_at) {
                        (true, _) => None,
                        (false, Some(_)) => Some(EndedBy::Recovery),
                        (false, None) => Some(EndedBy::LastSymptom),
                    },
                    events: g.iter().map(|e| e.weight as usize).sum(),
                    kinds: kinds.into_iter().collect(),
                    clients: clients.into_iter().map(Arc::from).collect(),
                    evidence: lines,
                }
            });
            out.push(Timeline { broker: broker.map(str::to_string), hosts: vec![], windows: windows.collect() });
        }
        out.sort_by(|a, b| (a.windows[0].start, &a.broker).cmp(&(b.windows[0].start, &b.broker)));
        out
    }

    proptest::proptest! {
        /// The windows found from the runs of one backward pass and built
        /// from their events in time order are those of gathering and
        /// sorting each broker's events, whatever the brokers, kinds,
        /// clients, weights, thinned runs, recoveries and equal times.
        #[test]
        fn windows_in_time_order_are_the_windows_gathered(
            lines in proptest::collection::vec(
                (0i64..40, span_lengths(100_000), 0usize..20, 0usize..3, 0usize..4, 0u32..3, 1u32..4),
                1..80,
            ),
            logs_end in proptest::option::of(0i64..400_000),
        ) {
            let names = [None, Some("1"), Some("2")];
            let mut evs: Vec<Event> = lines
                .iter()
                .enumerate()
                .map(|(i, &(at, back, kind, b, client, input, weight))| {
                    // Recoveries (a coordinator discovered) more often than 1 in 16.
                    let kind = Kind::ALL.get(kind).copied().unwrap_or(Kind::CoordinatorDiscovered);
                    let mut e = ev(at * 9_000, kind, names[b]);
                    let gist = Gist { client: ["p", "c", "q"].get(client).map(|c| c.to_string()), ..(*e.gist).clone() };
                    e.gist = Arc::new(gist);
                    e.set_start(e.time - back);
                    (e.input, e.line, e.weight) = (input, i as u64, weight);
                    e
                })
                .collect();
            evs.sort_by_key(Event::sort_key);
            proptest::prop_assert_eq!(timelines(&evs, &Hosts::new(), 30_000, logs_end), timelines_gathered(&evs, 30_000, logs_end));
        }
    }

    #[test]
    fn gap_splits_windows_and_recovery_ends_them() {
        let evs = vec![
            ev(0, Kind::ConnectionFailed, Some("1")),
            ev(5_000, Kind::ConnectionFailed, Some("1")),
            ev(9_000, Kind::CoordinatorDiscovered, Some("1")),
            ev(100_000, Kind::NotLeader, Some("1")),
            ev(150_000, Kind::Rebalance, None),
        ];
        let t = timelines(&evs, &Hosts::new(), 30_000, Some(400_000));
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].broker.as_deref(), Some("1"));
        let w = &t[0].windows;
        assert_eq!(w.len(), 2);
        assert_eq!((w[0].start, w[0].end, w[0].events), (0, 9_000, 2), "ends at the recovery, not the last symptom");
        assert_eq!(w[0].ended_by, Some(EndedBy::Recovery));
        assert_eq!(w[1].ended_by, Some(EndedBy::LastSymptom));
        assert_eq!(t[1].broker, None);
    }

    #[test]
    fn open_needs_persistent_symptoms_up_to_the_end() {
        let persistent: Vec<_> = (0..60).map(|i| ev(i * 2_000, Kind::ConnectionFailed, Some("2"))).collect();
        let t = timelines(&persistent, &Hosts::new(), 30_000, Some(120_000));
        assert!(t[0].windows[0].open);
        assert_eq!(t[0].windows[0].ended_by, None);
        let t = timelines(&persistent, &Hosts::new(), 30_000, Some(300_000));
        assert!(!t[0].windows[0].open, "the logs went on quietly for minutes");
        let lone = vec![ev(1_000, Kind::ConnectionFailed, Some("2"))];
        let t = timelines(&lone, &Hosts::new(), 30_000, Some(1_000));
        assert!(!t[0].windows[0].open, "one line at the very end proves nothing");
    }

    #[test]
    fn evidence_is_bounded_and_starts_with_the_first_event() {
        let evs: Vec<_> = (0..50).map(|i| ev(i * 100, Kind::ALL[(i % 10) as usize], Some("3"))).collect();
        let evs: Vec<_> = evs.into_iter().filter(|e| e.is_symptom()).collect();
        let t = timelines(&evs, &Hosts::new(), 30_000, None);
        let w = &t[0].windows[0];
        assert!(w.evidence.len() <= MAX_EVIDENCE);
        assert_eq!(w.evidence[0], (0, 0));
        assert_eq!(*w.evidence.last().unwrap(), (0, 4));
    }

    #[test]
    fn lines_hold_each_line_once_and_at_most_max_evidence() {
        let mut l = Lines::default();
        assert!(l.is_empty());
        for i in [3u64, 1, 3, 2, 5, 4, 6, 7] {
            l.push((0, i));
        }
        assert_eq!(&*l, &[(0, 3), (0, 1), (0, 2), (0, 5), (0, 4)]);
        let mut m = Lines::default();
        [(0, 3), (0, 1), (0, 2), (0, 5), (0, 4)].into_iter().for_each(|x| m.push(x));
        assert_eq!(l, m, "equal lines compare equal");
    }

    #[test]
    fn merged_spans_are_the_runs_of_sorted_spans() {
        let spans = [(0, 5), (3, 40), (69, 70), (71, 75), (200, 200), (230, 231), (262, 262)];
        let runs: Vec<(i64, i64)> = merged(spans, 30).collect();
        assert_eq!(runs, vec![(0, 75), (200, 231), (262, 262)]);
        assert_eq!(super::runs(spans.iter().rev().copied(), 30), runs, "runs sorts first");
        assert_eq!(merged(std::iter::empty(), 30).count(), 0);
    }

    proptest::proptest! {
        /// Counted by name through `ByName`, names shared (one text at one
        /// address) and alike (one text at several) count as a map by text
        /// counts them, in its order; a name never entered has no value.
        #[test]
        fn by_name_counts_as_a_map_by_text(picks in proptest::collection::vec((0usize..6, proptest::bool::ANY), 0..60)) {
            let shared: Vec<String> = ["b", "a", "ab", "", "b2", "a"].iter().map(|s| s.to_string()).collect();
            let copies: Vec<String> = picks.iter().map(|&(k, _)| shared[k].clone()).collect();
            let mut by: ByName<'_, usize> = ByName::default();
            let mut want: BTreeMap<&str, usize> = BTreeMap::new();
            for (i, &(k, copy)) in picks.iter().enumerate() {
                let name = if copy { copies[i].as_str() } else { shared[k].as_str() };
                *by.entry(name, || 0) += 1;
                *want.entry(name).or_default() += 1;
                proptest::prop_assert_eq!(by.get_mut(name).copied(), want.get(name).copied());
            }
            proptest::prop_assert!(by.get_mut("never").is_none());
            proptest::prop_assert_eq!(by.into_sorted(), want.into_iter().collect::<Vec<_>>());
        }
    }

    proptest::proptest! {
        /// The spans of every broker, found in one backward pass, are each
        /// broker's runs of its events' spans, by broker.
        #[test]
        fn spans_are_each_brokers_runs(
            evs in proptest::collection::vec((0i64..400, span_lengths(120), 0usize..3), 0..40),
        ) {
            let names = [None, Some("1"), Some("10")];
            let mut evs: Vec<Event> = evs
                .into_iter()
                .map(|(time, len, b)| {
                    let mut e = ev(time, Kind::ConnectionFailed, names[b]);
                    e.set_start(time - len);
                    e
                })
                .collect();
            evs.sort_by_key(Event::sort_key);
            let mut want: Vec<(Broker, i64, i64)> = Vec::new();
            for b in ["1", "10"] {
                let of_b = evs.iter().filter(|e| e.broker.as_deref() == Some(b)).map(|e| (e.start(), e.time));
                want.extend(runs(of_b, 30).into_iter().map(|(s, e)| (Broker::from(b), s, e)));
            }
            proptest::prop_assert_eq!(spans(evs.iter(), 30), want);
        }
    }

    proptest::proptest! {
        /// Spans in order of their ends merge, backwards and mirrored, into
        /// the runs that sorting them by start gives, whatever their overlaps.
        #[test]
        fn spans_in_order_of_their_ends_merge_without_a_sort(
            spans in proptest::collection::vec((0i64..400, span_lengths(120)), 0..30),
        ) {
            let mut spans: Vec<(i64, i64)> = spans.into_iter().map(|(end, len)| (end - len, end)).collect();
            spans.sort_by_key(|&(_, e)| e);
            let mut back = Backward::default();
            let mut got: Vec<(i64, i64)> = spans.iter().rev().filter_map(|&span| back.push(span, 30)).collect();
            got.extend(back.finish());
            got.reverse();
            proptest::prop_assert_eq!(got, runs(spans, 30));
        }
    }
}
