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
use crate::event::{Attribution, Broker, ClientNames, Event, Kind};
use rayon::prelude::*;
use serde::Serialize;
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

/// Time spans (an event's `start` to `time`) merged where no more than
/// the gap apart: (start, end), in order. The plain statement of the runs
/// the folds keep ([`place`]): the tests' reference.
#[cfg(test)]
pub(crate) fn runs(spans: impl IntoIterator<Item = (i64, i64)>, gap_ms: i64) -> Vec<(i64, i64)> {
    let mut spans: Vec<(i64, i64)> = spans.into_iter().collect();
    spans.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::new();
    for (s, e) in spans {
        match out.last_mut() {
            Some(run) if s - run.1 <= gap_ms => run.1 = run.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Builds every broker's windows from events whose `broker` is already
/// named (tests and benches; the analysis feeds a [`Fold`] the keys of
/// `broker::Stream` instead). `logs_end` is the time of the last line of
/// the logs. With `evidence`, also the events the windows' evidence lines
/// may name ([`Fold::with_evidence`]), said to be named by their line.
pub fn timelines(
    events: &[Event],
    hosts: &Hosts,
    gap_ms: i64,
    logs_end: Option<i64>,
    evidence: bool,
) -> (Vec<Timeline>, Vec<Event>) {
    let mut slots: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    let mut names: Vec<Broker> = Vec::new();
    let mut fold = Fold::new(gap_ms).with_evidence(evidence);
    for e in events {
        let slot = e.broker.as_ref().map(|b| {
            *slots.entry(&**b).or_insert_with(|| {
                names.push(b.clone());
                (names.len() - 1) as u32
            })
        });
        fold.add(e, slot);
    }
    fold.finish(|s| Some((names[s as usize].clone(), Attribution::Line)), hosts, logs_end)
}

/// Where a line is in an order: (start or time, input, line).
type At = (i64, u32, u64);

/// The order of the lines a window stands for: a thinned run's first line
/// is its `start`.
fn line_order(e: &Event) -> At {
    (e.start(), e.input, e.line)
}

/// Every broker's windows, folded from events that come in any order, one
/// at a time, and owning all it keeps (no event is borrowed): the form the
/// windows take while events stream (`docs/fold-survey.md` §3).
///
/// Events come with a *slot*: a number that stands for their broker until
/// the end (`broker::Key::index`), when [`Fold::finish`] is told which
/// broker each slot names. Per slot (the symptoms of none apart) it keeps
/// the summaries of its runs of symptom spans, sorted and gap-separated.
/// An event's span merges every run it comes within the gap of: a run's
/// bounds are the bounds of its spans, and a span within the gap of the
/// bounds is within the gap of one of them, so the runs are those of
/// gap-merging all the spans, whatever order they came in. Each summary is
/// what its window needs (bounds, lines, kinds, clients, weight), minima
/// and maxima and sums, so it too is the same in any order; and the slots
/// that name one broker merge their summaries the same way.
pub struct Fold {
    gap_ms: i64,
    /// The symptoms of no slot: their windows are never open.
    nobody: Runs,
    /// Per slot, its runs.
    slots: Vec<Runs>,
    clients: ClientNames,
    /// Hold the events evidence lines may name ([`Fold::with_evidence`]).
    evidence: bool,
}

impl Fold {
    /// An empty fold of windows split where symptoms are more than `gap_ms`
    /// apart.
    pub fn new(gap_ms: i64) -> Fold {
        Fold { gap_ms, nobody: Runs::default(), slots: Vec::new(), clients: ClientNames::default(), evidence: false }
    }

    /// With `keep`, each run holds a clone of the events its window's
    /// evidence lines may name (its last, the first of each kind:
    /// [`Held`]), for a report that says what each line was: 48 bytes and
    /// a shared gist each, a few per window. Their `broker` is the one
    /// their slot names ([`Fold::finish`]).
    pub fn with_evidence(self, keep: bool) -> Fold {
        Fold { evidence: keep, ..self }
    }

    /// Adds an event of `slot`: a symptom to its slot's runs (or to no
    /// broker's), a sign of recovery to its slot's recoveries. A sign of
    /// recovery of no slot says nothing.
    pub fn add(&mut self, e: &Event, slot: Option<u32>) {
        let symptom = e.is_symptom();
        let runs = match slot {
            Some(s) => {
                let s = s as usize;
                if s >= self.slots.len() {
                    self.slots.resize_with(s + 1, Runs::default);
                }
                &mut self.slots[s]
            }
            None if symptom => &mut self.nobody,
            None => return,
        };
        if !symptom {
            runs.recovery(e.time);
            return;
        }
        let (first, last, weight) = (line_order(e), e.sort_key(), e.weight as usize);
        let client = self.clients.of(&e.gist);
        let held = self.evidence.then_some(e);
        match runs.place((first.0, last.0), self.gap_ms) {
            Ok(i) => runs.runs[i].add(first, last, e.kind, weight, client, held),
            Err(i) => runs.runs.insert(i, Summary::new(first, last, e.kind, weight, client, held)),
        }
    }

    /// Every broker's windows, `name` saying which broker each slot names
    /// (and how that is known): slots that name one broker merge, as if
    /// all their events had come under one; the symptoms of a slot that
    /// names none are no broker's, and its recoveries say nothing.
    /// Timelines come by the start of their first window, then by broker
    /// (no broker first). `logs_end` is the time of the last line of the
    /// logs; `hosts`, each broker's hosts. Also the events held for
    /// evidence ([`Fold::with_evidence`]), named as their slot: every
    /// window's candidates, of which its evidence lines name some.
    pub fn finish(
        self,
        name: impl Fn(u32) -> Option<(Broker, Attribution)>,
        hosts: &Hosts,
        logs_end: Option<i64>,
    ) -> (Vec<Timeline>, Vec<Event>) {
        let Fold { gap_ms, mut nobody, slots, clients, .. } = self;
        let names = clients.names();
        let mut brokers: std::collections::BTreeMap<Broker, Runs> = std::collections::BTreeMap::new();
        for (slot, mut runs) in slots.into_iter().enumerate() {
            if runs.runs.is_empty() && runs.recoveries.is_empty() {
                continue;
            }
            let named = name(slot as u32);
            runs.name_held(named.as_ref());
            match named {
                None => {
                    runs.recoveries.clear();
                    nobody.absorb(runs, gap_ms);
                }
                Some((b, _)) => match brokers.entry(b) {
                    std::collections::btree_map::Entry::Occupied(mut o) => o.get_mut().absorb(runs, gap_ms),
                    std::collections::btree_map::Entry::Vacant(v) => {
                        v.insert(runs);
                    }
                },
            }
        }
        nobody.name_held(None);
        let mut keys: Vec<(Option<Broker>, Runs)> = vec![(None, nobody)];
        keys.extend(brokers.into_iter().map(|(b, runs)| (Some(b), runs)));
        // Each broker's windows are its own: made side by side (rayon).
        let (mut out, held): (Vec<Timeline>, Vec<Vec<Event>>) = keys
            .into_par_iter()
            .filter(|(_, r)| !r.runs.is_empty())
            .map(|(broker, r)| {
                let is_broker = broker.is_some();
                let windows =
                    r.runs.iter().map(|s| window(s, &r.recoveries, gap_ms, logs_end, is_broker, names)).collect();
                let held = r.runs.into_iter().filter_map(|s| s.held).flat_map(|h| h.into_events()).collect();
                let hosts = broker.as_deref().and_then(|b| hosts.get(b)).map(|h| h.iter().cloned().collect());
                (Timeline { broker: broker.map(|b| b.to_string()), hosts: hosts.unwrap_or_default(), windows }, held)
            })
            .unzip();
        // Contract: brokers by the start of their first window.
        out.sort_by(|a, b| (a.windows[0].start, &a.broker).cmp(&(b.windows[0].start, &b.broker)));
        (out, held.into_iter().flatten().collect())
    }
}

/// A broker's runs of symptoms, in order and more than the gap apart, and
/// the times of its signs of recovery, in order, each once.
///
/// Every recovery is kept (8 bytes each; they are never thinned, and come
/// a few to a window): which one ends a window depends on the window's last
/// symptom, which a later event or a merge of names can still move.
#[derive(Default)]
struct Runs {
    runs: Vec<Summary>,
    recoveries: Vec<i64>,
}

impl Runs {
    /// [`place`] among this broker's runs.
    fn place(&mut self, span: (i64, i64), gap_ms: i64) -> Result<usize, usize> {
        place(&mut self.runs, span, gap_ms, |r| (r.first.0, r.last.0), Summary::absorb)
    }

    /// Takes `other`'s runs and recoveries, as if its events had come here.
    fn absorb(&mut self, other: Runs, gap_ms: i64) {
        for s in other.runs {
            match self.place((s.first.0, s.last.0), gap_ms) {
                Ok(at) => self.runs[at].absorb(s),
                Err(at) => self.runs.insert(at, s),
            }
        }
        if !other.recoveries.is_empty() {
            self.recoveries.extend(other.recoveries);
            self.recoveries.sort_unstable();
            self.recoveries.dedup();
        }
    }

    /// Names the events its runs hold for evidence: `named`'s broker (and
    /// how it is known), or none.
    fn name_held(&mut self, named: Option<&(Broker, Attribution)>) {
        for h in self.runs.iter_mut().filter_map(|s| s.held.as_deref_mut()) {
            std::iter::once(&mut h.last).chain(&mut h.kinds).for_each(|e| e.name_broker(named));
        }
    }

    fn recovery(&mut self, t: i64) {
        // In time order (the common case) each goes last.
        match self.recoveries.last() {
            Some(&l) if l >= t => {
                let i = self.recoveries.partition_point(|&r| r < t);
                if self.recoveries[i] != t {
                    self.recoveries.insert(i, t);
                }
            }
            _ => self.recoveries.push(t),
        }
    }
}

/// Merges the runs within the gap of `(start, end)` into the first of
/// them (`absorb`) and gives its index; or, when none is, gives where a run
/// of that span goes. `runs` are sorted and more than the gap apart, none
/// holding another, so they are in order of their starts and of their ends
/// alike (`bounds`: a run's start and end); so they stay, whatever order
/// the spans come in. In time order a span most often falls in the last
/// run, or after it: that is tried first. The windows' runs and a client's
/// disrupted runs (`impact`) are both kept this way.
pub(crate) fn place<T: Default>(
    runs: &mut Vec<T>,
    (start, end): (i64, i64),
    gap_ms: i64,
    bounds: impl Fn(&T) -> (i64, i64),
    mut absorb: impl FnMut(&mut T, T),
) -> Result<usize, usize> {
    let (reach_back, reach_on) = (start.saturating_sub(gap_ms), end.saturating_add(gap_ms));
    let n = runs.len();
    match runs.last().map(&bounds) {
        Some((_, last_end)) if last_end < reach_back => return Err(n),
        Some((last_start, _)) if last_start <= reach_on && (n < 2 || bounds(&runs[n - 2]).1 < reach_back) => {
            return Ok(n - 1)
        }
        _ => {}
    }
    let lo = runs.partition_point(|r| bounds(r).1 < reach_back);
    let hi = lo + runs[lo..].partition_point(|r| bounds(r).0 <= reach_on);
    if lo == hi {
        return Err(lo);
    }
    if hi - lo > 1 {
        for j in lo + 1..hi {
            let run = std::mem::take(&mut runs[j]);
            absorb(&mut runs[lo], run);
        }
        runs.drain(lo + 1..hi);
    }
    Ok(lo)
}

/// What a window needs of a run's events, which may come in any order:
/// minima, maxima, sums and sets, so that two runs' summaries merge into
/// the summary of all their events. Some 100 bytes and two small lists
/// (no event is held).
#[derive(Clone, Debug, Default)]
struct Summary {
    /// Its first line (by `start`, then input and line): where the window
    /// starts, and its first evidence.
    first: At,
    /// Its last line (by time, then input and line): its last symptom.
    last: At,
    /// Per kind, in the order the kinds came: its lines, and its first line
    /// as `first` is. One list, searched once per event.
    kinds: Vec<(Kind, usize, At)>,
    /// Its clients, each once, by their number in the fold ([`ClientNames`]).
    clients: Vec<usize>,
    weight: usize,
    /// The events of `last` and of each kind's first line, when the fold
    /// holds them ([`Fold::with_evidence`]).
    held: Option<Box<Held>>,
}

/// The events a window's evidence lines may name: its last line's, and
/// each kind's first's (in the order of `Summary::kinds`). Its first line
/// is the first of its kind. Each is replaced only by an event strictly
/// after (before, for a kind's first) it, as the summary's lines move.
#[derive(Clone, Debug)]
struct Held {
    last: Event,
    kinds: Vec<Event>,
}

impl Held {
    fn new(e: &Event) -> Box<Held> {
        Box::new(Held { last: e.clone(), kinds: vec![e.clone()] })
    }

    /// Holds `e`, whose line at `at` is of `kind`, if it is that kind's
    /// first: `kinds` are the summary's before it takes the line.
    fn kind(&mut self, kinds: &[(Kind, usize, At)], kind: Kind, at: At, e: impl FnOnce() -> Event) {
        match kinds.iter().position(|(k, _, _)| *k == kind) {
            Some(i) if at < kinds[i].2 => self.kinds[i] = e(),
            Some(_) => {}
            None => self.kinds.push(e()),
        }
    }

    fn into_events(self) -> impl Iterator<Item = Event> {
        std::iter::once(self.last).chain(self.kinds)
    }
}

impl Summary {
    /// The summary of one event's lines: its first and last, kind, weight
    /// and client, and the event itself when it is `held`.
    fn new(first: At, last: At, kind: Kind, weight: usize, client: Option<usize>, held: Option<&Event>) -> Summary {
        Summary {
            first,
            last,
            kinds: vec![(kind, weight, first)],
            clients: client.into_iter().collect(),
            weight,
            held: held.map(Held::new),
        }
    }

    /// Adds an event, as [`Summary::new`] takes it.
    fn add(&mut self, first: At, last: At, kind: Kind, weight: usize, client: Option<usize>, held: Option<&Event>) {
        if let (Some(h), Some(e)) = (self.held.as_deref_mut(), held) {
            if last > self.last {
                h.last = e.clone();
            }
            h.kind(&self.kinds, kind, first, || e.clone());
        }
        self.bounds(first, last, weight);
        self.kind(kind, weight, first);
        self.client(client);
    }

    /// Adds another run's summary.
    fn absorb(&mut self, mut other: Summary) {
        if let (Some(h), Some(o)) = (self.held.as_deref_mut(), other.held.take()) {
            let Held { last, kinds } = *o;
            if other.last > self.last {
                h.last = last;
            }
            for (&(kind, _, at), e) in other.kinds.iter().zip(kinds) {
                h.kind(&self.kinds, kind, at, || e);
            }
        }
        self.bounds(other.first, other.last, other.weight);
        for (kind, n, first) in other.kinds {
            self.kind(kind, n, first);
        }
        for c in other.clients {
            self.client(Some(c));
        }
    }

    fn bounds(&mut self, first: At, last: At, weight: usize) {
        self.first = self.first.min(first);
        self.last = self.last.max(last);
        self.weight += weight;
    }

    fn kind(&mut self, kind: Kind, n: usize, first: At) {
        match self.kinds.iter_mut().find(|(k, _, _)| *k == kind) {
            Some((_, lines, at)) => {
                *lines += n;
                *at = (*at).min(first);
            }
            None => self.kinds.push((kind, n, first)),
        }
    }

    fn client(&mut self, client: Option<usize>) {
        if let Some(c) = client.filter(|c| !self.clients.contains(c)) {
            self.clients.push(c);
        }
    }
}

/// A run's window: `recoveries` are the broker's, in order; `names`, every
/// client's shared name by its number.
fn window(
    b: &Summary,
    recoveries: &[i64],
    gap_ms: i64,
    logs_end: Option<i64>,
    is_broker: bool,
    names: &[Arc<str>],
) -> Window {
    let start = b.first.0;
    let end = b.last.0;
    // The first recovery at or after the end is found by halving, not by a
    // walk through every recovery of the broker for each of its windows.
    let next = recoveries.get(recoveries.partition_point(|&t| t < end)).copied();
    let recovered_at = next.filter(|&t| t - end <= gap_ms);
    let back_later = next.is_some();
    let open = is_broker && !back_later && end - start >= gap_ms && logs_end.is_some_and(|le| le - end <= gap_ms);
    let mut kinds: Vec<(Kind, usize)> = b.kinds.iter().map(|&(k, n, _)| (k, n)).collect();
    let mut clients: Vec<&Arc<str>> = b.clients.iter().map(|&c| &names[c]).collect();
    kinds.sort_unstable();
    clients.sort_unstable();
    let mut evidence = Lines::default();
    evidence.push((b.first.1, b.first.2));
    let mut rest: Vec<(u32, u64)> = b.kinds.iter().map(|&(_, _, (_, input, line))| (input, line)).collect();
    rest.sort_unstable();
    // The first, the first of each kind while there is room, and the last.
    for ev in rest {
        if evidence.len() >= MAX_EVIDENCE - 1 {
            break;
        }
        evidence.push(ev);
    }
    evidence.push((b.last.1, b.last.2));
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
        clients: clients.into_iter().cloned().collect(),
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Gist;
    use std::collections::{BTreeMap, BTreeSet};

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

    /// A generated line: (time, in steps; how long before it its run
    /// starts, in ms or, below 0, in steps; kind, past the kinds a
    /// recovery; broker; client; input; weight; the broker's own answer).
    type Line = (i64, i64, usize, usize, usize, u32, u32, bool);

    /// Lines at up to `times` distinct times of `brokers` brokers (the
    /// first: none): runs that start often where another line is, kinds,
    /// recoveries and answers, clients, inputs and thinned weights.
    fn lines(times: i64, brokers: usize, n: usize) -> impl proptest::strategy::Strategy<Value = Vec<Line>> {
        use proptest::prelude::*;
        let back = prop_oneof![Just(0i64), -3i64..0, 0i64..100_000];
        proptest::collection::vec(
            (0..times, back, 0usize..20, 0..brokers, 0usize..4, 0u32..3, 1u32..4, proptest::bool::weighted(0.1)),
            1..n,
        )
    }

    /// The events of `lines`, `step` ms apart at most, with brokers named
    /// by `names`, sorted by time (each line its own: `line` is its index).
    fn events(lines: &[Line], step: i64, names: &[Option<&str>]) -> Vec<Event> {
        let mut evs: Vec<Event> = lines
            .iter()
            .enumerate()
            .map(|(i, &(at, back, kind, b, client, input, weight, answered))| {
                // Recoveries (a coordinator discovered) more often than 1 in 16.
                let kind = Kind::ALL.get(kind).copied().unwrap_or(Kind::CoordinatorDiscovered);
                let mut e = ev(at * step, kind, names[b]);
                let client = ["p", "c", "q"].get(client).map(|c| c.to_string());
                e.gist = Arc::new(Gist { client, answered, ..(*e.gist).clone() });
                e.set_start(e.time - if back < 0 { -back * step } else { back });
                (e.input, e.line, e.weight) = (input, i as u64, weight);
                e
            })
            .collect();
        evs.sort_by_key(Event::sort_key);
        evs
    }

    /// Steps between generated times: all at once, close, a third and a
    /// half of the gap (so that lines fall exactly the gap apart), and
    /// beyond it.
    fn steps() -> impl proptest::strategy::Strategy<Value = i64> {
        proptest::sample::select(vec![0i64, 1_000, 9_000, 10_000, 15_000, 40_000])
    }

    /// The windows of a fold fed `evs` in the order of `arrival` (a key per
    /// event, ties in the events' order), holding each evidence line's
    /// event ([`held_for_evidence`]).
    fn folded(evs: &[Event], arrival: &[u32], gap_ms: i64, logs_end: Option<i64>) -> Vec<Timeline> {
        let mut order: Vec<usize> = (0..evs.len()).collect();
        order.sort_by_key(|&i| arrival.get(i).copied().unwrap_or(0));
        let names = ["1", "2"];
        let slot = |e: &Event| e.broker.as_ref().map(|b| names.iter().position(|n| **b == **n).unwrap() as u32);
        let mut fold = Fold::new(gap_ms).with_evidence(true);
        order.into_iter().for_each(|i| fold.add(&evs[i], slot(&evs[i])));
        let (timelines, held) =
            fold.finish(|s| Some((Broker::from(names[s as usize]), Attribution::Line)), &Hosts::new(), logs_end);
        held_for_evidence(&timelines, &held, evs);
        timelines
    }

    /// Asserts that `held` has the event (of `evs`: each line is one) of
    /// every evidence line of `timelines`, under whatever broker name it
    /// came.
    fn held_for_evidence(timelines: &[Timeline], held: &[Event], evs: &[Event]) {
        let unnamed = |e: &Event| {
            let mut e = e.clone();
            (e.broker, e.attributed) = (None, None);
            e
        };
        let held: Vec<Event> = held.iter().map(unnamed).collect();
        for &l in timelines.iter().flat_map(|t| t.windows.iter().flat_map(|w| w.evidence.iter())) {
            let e = evs.iter().find(|e| (e.input, e.line) == l).map(unnamed);
            assert!(e.is_some_and(|e| held.contains(&e)), "the event of evidence line {l:?} is not held");
        }
    }

    proptest::proptest! {
        /// The windows of the events folded in time order are those of
        /// gathering and sorting each broker's events, whatever the
        /// brokers, kinds, clients, weights, thinned runs, recoveries and
        /// equal times.
        #[test]
        fn windows_in_time_order_are_the_windows_gathered(
            lines in lines(40, 3, 80),
            step in steps(),
            logs_end in proptest::option::of(0i64..400_000),
        ) {
            let evs = events(&lines, step, &[None, Some("1"), Some("2")]);
            proptest::prop_assert_eq!(timelines(&evs, &Hosts::new(), 30_000, logs_end, false).0, timelines_gathered(&evs, 30_000, logs_end));
        }
    }

    proptest::proptest! {
        /// The fold takes events in any order: fed shuffled, it gives the
        /// windows that gathering gives, to the evidence and the order of
        /// the timelines, also where most lines share a time or a start.
        #[test]
        fn windows_in_any_order_are_the_windows_gathered(
            lines in lines(12, 3, 60),
            step in steps(),
            arrival in proptest::collection::vec(proptest::num::u32::ANY, 60),
            logs_end in proptest::option::of(0i64..400_000),
        ) {
            let evs = events(&lines, step, &[None, Some("1"), Some("2")]);
            let want = timelines_gathered(&evs, 30_000, logs_end);
            proptest::prop_assert_eq!(&folded(&evs, &[], 30_000, logs_end), &want);
            proptest::prop_assert_eq!(&folded(&evs, &arrival, 30_000, logs_end), &want);
        }
    }

    proptest::proptest! {
        /// Slots found to be one broker: events of raw names' slots,
        /// folded in any order, then named by what each name became once
        /// merged (in chains, into names met or not, twice over), give
        /// the windows of the same events under those names, with their
        /// hosts; a slot that names no broker gives its symptoms to none
        /// and its recoveries to nothing; held events are named as their
        /// slot.
        #[test]
        fn slots_named_alike_are_the_windows_of_the_renamed_events(
            lines in lines(30, 5, 80),
            step in steps(),
            merges in proptest::collection::vec((0usize..6, 0usize..6), 0..6),
            arrival in proptest::collection::vec(proptest::num::u32::ANY, 80),
            lost in proptest::option::of(0usize..4),
            logs_end in proptest::option::of(0i64..400_000),
        ) {
            let raw = [None, Some("a"), Some("b"), Some("c"), Some("d")];
            let all = ["a", "b", "c", "d", "1", "2"];
            let evs = events(&lines, step, &raw);
            // What each name is once merged: merging `from` into `into`
            // renames all of `from`'s names to what `into` is. The `lost`
            // name names no broker.
            let mut is: BTreeMap<&str, &str> = all.iter().map(|&n| (n, n)).collect();
            for &(from, into) in &merges {
                let (was, now) = (is[all[from]], is[all[into]]);
                is.values_mut().filter(|v| **v == was).for_each(|v| *v = now);
            }
            let named = |raw: &str| Some(is[raw]).filter(|_| lost.map(|l| all[l]) != Some(raw));
            let renamed: Vec<Event> = evs
                .iter()
                .filter(|e| e.is_symptom() || e.broker.as_deref().is_none_or(|b| named(b).is_some()))
                .map(|e| {
                    let mut e = e.clone();
                    e.broker = e.broker.and_then(|b| named(&b).map(Broker::from));
                    e
                })
                .collect();
            let hosts: Hosts = all.iter().map(|&n| (n.to_string(), [format!("h-{n}")].into())).collect();
            let mut want = timelines_gathered(&renamed, 30_000, logs_end);
            for t in &mut want {
                t.hosts = t.broker.iter().map(|b| format!("h-{b}")).collect();
            }
            let mut order: Vec<usize> = (0..evs.len()).collect();
            order.sort_by_key(|&i| arrival.get(i).copied().unwrap_or(0));
            let slot = |e: &Event| e.broker.as_ref().map(|b| all.iter().position(|n| **b == **n).unwrap() as u32);
            let mut fold = Fold::new(30_000).with_evidence(true);
            for i in order {
                fold.add(&evs[i], slot(&evs[i]));
            }
            let name = |s: u32| named(all[s as usize]).map(|b| (Broker::from(b), Attribution::Time));
            let (got, held) = fold.finish(name, &hosts, logs_end);
            held_for_evidence(&got, &held, &evs);
            for e in &held {
                let raw = evs.iter().find(|x| x.sort_key() == e.sort_key()).and_then(|x| x.broker.clone());
                let want = raw.and_then(|b| named(&b)).map(|b| (Broker::from(b), Attribution::Time));
                proptest::prop_assert_eq!(e.broker.clone().zip(e.attributed), want);
            }
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn a_broker_windows_share_each_client_name() {
        let evs: Vec<_> = [0, 100_000, 200_000].map(|t| ev(t, Kind::ConnectionFailed, Some("1"))).into();
        let t = timelines(&evs, &Hosts::new(), 30_000, None, false).0;
        let w = &t[0].windows;
        assert_eq!(w.len(), 3);
        assert_eq!(&*w[0].clients[0], "p");
        assert!(Arc::ptr_eq(&w[0].clients[0], &w[2].clients[0]), "one name, not one a window");
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
        let t = timelines(&evs, &Hosts::new(), 30_000, Some(400_000), false).0;
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
        let t = timelines(&persistent, &Hosts::new(), 30_000, Some(120_000), false).0;
        assert!(t[0].windows[0].open);
        assert_eq!(t[0].windows[0].ended_by, None);
        let t = timelines(&persistent, &Hosts::new(), 30_000, Some(300_000), false).0;
        assert!(!t[0].windows[0].open, "the logs went on quietly for minutes");
        let lone = vec![ev(1_000, Kind::ConnectionFailed, Some("2"))];
        let t = timelines(&lone, &Hosts::new(), 30_000, Some(1_000), false).0;
        assert!(!t[0].windows[0].open, "one line at the very end proves nothing");
    }

    #[test]
    fn evidence_is_bounded_and_starts_with_the_first_event() {
        let evs: Vec<_> = (0..50).map(|i| ev(i * 100, Kind::ALL[(i % 10) as usize], Some("3"))).collect();
        let evs: Vec<_> = evs.into_iter().filter(|e| e.is_symptom()).collect();
        let t = timelines(&evs, &Hosts::new(), 30_000, None, false).0;
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
        let runs = super::runs(spans, 30);
        assert_eq!(runs, vec![(0, 75), (200, 231), (262, 262)]);
        assert_eq!(super::runs(spans.iter().rev().copied(), 30), runs, "runs sorts first");
        assert!(super::runs(std::iter::empty(), 30).is_empty());
    }
}
