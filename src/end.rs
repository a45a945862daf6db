//! The end phase as one pass: every event, once, in sort order, through
//! broker identity ([`broker::Stream`]) into the folds that the windows
//! ([`correlate::Fold`]), the rules ([`noise::Fold`]) and the clients'
//! impact ([`impact::Fold`]) read. No event is named in place: each fold
//! takes the event with its broker's [`Key`], or holds the few events it
//! keeps whole and names them when the stream ends. So the events need
//! not be kept for the end (`docs/fold-survey.md` §11).
//!
//! The rules and the impact take each event as it comes, in sort order;
//! they read no broker. The windows read the broker: they take each event
//! with its key, at once when its line or partition names one, else when
//! the watermark has passed it ([`broker::Stream::advance`]). They take
//! events in any order.

use std::collections::HashMap;

use crate::broker::{self, Hints, Hosts, Key, Naming};
use crate::correlate::{self, Timeline};
use crate::event::Event;
use crate::impact::{self, ClientImpact};
use crate::noise::{self, Thresholds};

/// The events of one analysis, folded as they pass ([module](self)).
pub struct End<'a> {
    stream: broker::Stream<'a, Passing>,
    windows: correlate::Fold,
    rules: noise::Fold,
    impact: impact::Fold,
    /// The keys of the events the rules' fold holds, by place in the sort
    /// order, for naming them at the end.
    held: HashMap<(i64, u32, u64), Option<Key>>,
    ready: Vec<(Passing, Option<Key>)>,
}

/// An event waiting for its key, and whether the rules hold it.
struct Passing {
    e: Event,
    held: bool,
}

/// What the folds made: the input to the rules that read the windows, and
/// to the reports.
pub struct Ended {
    /// Every broker's windows ([`correlate::Fold::finish`]).
    pub timelines: Vec<Timeline>,
    /// The events the windows' evidence lines may name, when held.
    pub held: Vec<Event>,
    /// What the rules read of the events, each held event named.
    pub seen: noise::Seen,
    pub clients: Vec<ClientImpact>,
    /// The hosts each broker was seen under.
    pub hosts: Hosts,
}

impl<'a> End<'a> {
    /// `maintenance` is `--maintenance`; with `evidence`, the folds hold
    /// the events evidence lines may name.
    pub fn new(hints: &Hints<'a>, t: &Thresholds, maintenance: Option<(i64, i64)>, evidence: bool) -> End<'a> {
        End {
            stream: broker::Stream::new(hints, t.gap_ms),
            windows: correlate::Fold::new(t.gap_ms).with_evidence(evidence),
            rules: noise::Fold::new(maintenance).with_evidence(evidence),
            impact: impact::Fold::new(t),
            held: HashMap::new(),
            ready: Vec::new(),
        }
    }

    /// Takes the next event in sort order ([`Event::sort_key`]).
    pub fn add(&mut self, e: &Event) {
        let held = self.rules.add(e);
        self.impact.add(e);
        if let Some(k) = self.stream.add(e, || Passing { e: e.clone(), held }) {
            take(&mut self.windows, &mut self.held, e, held, Some(k));
        }
    }

    /// No event still to come starts before `watermark` ([`Event::start`]).
    pub fn advance(&mut self, watermark: i64) {
        self.stream.advance(watermark, &mut self.ready);
        for (p, key) in self.ready.drain(..) {
            take(&mut self.windows, &mut self.held, &p.e, p.held, key);
        }
    }

    /// Names every key and finishes the folds. `logs_end` is the time of
    /// the last line of the logs that show INFO; `input_end[i]`, of input i.
    pub fn finish(self, logs_end: Option<i64>, input_end: &[Option<i64>]) -> Ended {
        let End { stream, mut windows, rules, impact, mut held, mut ready } = self;
        let naming: Naming = stream.finish(&mut ready);
        for (p, key) in ready {
            take(&mut windows, &mut held, &p.e, p.held, key);
        }
        let ((timelines, held_windows), seen) = rayon::join(
            || windows.finish(|slot| naming.by_index(slot).cloned(), &naming.hosts, logs_end),
            || {
                let mut seen = rules.finish();
                seen.name_held(|e| e.name_broker(naming.name(held.get(&e.sort_key()).copied().flatten())));
                seen
            },
        );
        let clients = impact.finish(input_end);
        Ended { timelines, held: held_windows, seen, clients, hosts: naming.hosts }
    }
}

/// An event whose key is known, to the windows; the key of one the rules
/// hold, kept.
fn take(
    windows: &mut correlate::Fold,
    held: &mut HashMap<(i64, u32, u64), Option<Key>>,
    e: &Event,
    is_held: bool,
    key: Option<Key>,
) {
    windows.add(e, key.map(Key::index));
    if is_held {
        held.insert(e.sort_key(), key);
    }
}

/// `events` (sorted) folded, the stream's watermark moved as
/// [`broker::Watermarks`] says.
pub fn over<'a>(
    events: &[Event],
    hints: &Hints<'a>,
    t: &Thresholds,
    maintenance: Option<(i64, i64)>,
    evidence: bool,
) -> End<'a> {
    let marks = broker::Watermarks::of(events);
    let mut end = End::new(hints, t, maintenance, evidence);
    for (i, e) in events.iter().enumerate() {
        if let Some(w) = marks.before(i) {
            end.advance(w);
        }
        end.add(e);
    }
    end
}
