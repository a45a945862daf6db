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
    rule_keys: HashMap<(i64, u32, u64), Option<Key>>,
    ready: Vec<(Passing, Option<Key>)>,
    /// With [`End::naming_in_place`]: the keys of the events that waited,
    /// in the order they left the stream.
    waited: Option<Vec<Option<Key>>>,
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
            rule_keys: HashMap::new(),
            ready: Vec::new(),
            waited: None,
        }
    }

    /// With `keep`, [`End::finish`] names in place the events it is given
    /// (those the report prints one by one: `--format events`).
    pub fn naming_in_place(self, keep: bool) -> End<'a> {
        End { waited: keep.then(Vec::new), ..self }
    }

    /// Takes the next event in sort order ([`Event::sort_key`]).
    pub fn add(&mut self, e: &Event) {
        let held = self.rules.add(e);
        self.impact.add(e);
        if let Some(k) = self.stream.add(e, || Passing { e: e.clone(), held }) {
            self.windows.add(e, Some(k.index()));
            if held {
                self.rule_keys.insert(e.sort_key(), Some(k));
            }
        }
    }

    /// A client's `bootstrap.servers` from its configuration, met at any
    /// time before the end: it names the client's bootstrap pseudo ids
    /// ahead of what the lines show.
    pub fn learn_bootstrap(&mut self, client: &str, servers: &[String]) {
        self.stream.learn_bootstrap(client, servers);
    }

    /// No event still to come starts before `watermark` ([`Event::start`]).
    pub fn advance(&mut self, watermark: i64) {
        self.impact.advance(watermark);
        self.stream.advance(watermark, &mut self.ready);
        self.take_ready();
    }

    /// The events the stream named since: to the windows with their keys;
    /// the keys of those the rules hold, and of all with
    /// [`End::naming_in_place`], kept.
    fn take_ready(&mut self) {
        for (p, key) in self.ready.drain(..) {
            self.windows.add(&p.e, key.map(Key::index));
            if p.held {
                self.rule_keys.insert(p.e.sort_key(), key);
            }
            self.waited.iter_mut().for_each(|w| w.push(key));
        }
    }

    /// Names every key and finishes the folds. `logs_end` is the time of
    /// the last line of the logs that show INFO; `input_end[i]`, of input i.
    /// With [`End::naming_in_place`], `events` are the events added, in the
    /// order added, and are named in place.
    pub fn finish(mut self, logs_end: Option<i64>, input_end: &[Option<i64>], events: &mut [Event]) -> Ended {
        let naming: Naming = self.stream.finish(&mut self.ready);
        self.take_ready();
        let End { windows, rules, impact, rule_keys, waited, .. } = self;
        if let Some(waited) = waited {
            naming.name_in_place(events, waited);
        }
        let ((timelines, held_windows), seen) = rayon::join(
            || windows.finish(|slot| naming.by_index(slot).cloned(), &naming.hosts, logs_end),
            || {
                let mut seen = rules.finish();
                seen.name_held(|e| e.name_broker(naming.name(rule_keys.get(&e.sort_key()).copied().flatten())));
                seen
            },
        );
        let clients = impact.finish(input_end);
        Ended { timelines, held: held_windows, seen, clients, hosts: naming.hosts }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Gist, Kind};
    use std::sync::Arc;

    /// Held events in one order, to compare as sets.
    fn sorted(mut evs: Vec<Event>) -> Vec<Event> {
        evs.sort_by_key(|e| (e.sort_key(), e.broker.clone(), e.kind));
        evs
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2048, ..Default::default() })]
        /// The one pass gives what naming the events in place
        /// (`broker::resolve`) and then folding them gave: the windows and
        /// their held events, the rules' held events with their brokers,
        /// the clients' impact and the hosts. Events name brokers by id, by
        /// host (paired with an id by some lines, or an MSK name), by
        /// bootstrap address, by a `--topics` leader or not at all; runs
        /// are thinned, times shared, and some events are those the rules
        /// hold (records expired, unknown lines, bootstrap failures,
        /// outside a maintenance window).
        #[test]
        fn one_pass_gives_what_naming_in_place_gave(
            gists in proptest::collection::vec(
                (0usize..Kind::ALL.len(), 0usize..7, 0usize..4, 0usize..3, 0usize..3, proptest::bool::weighted(0.1)),
                1..12,
            ),
            picks in proptest::collection::vec(
                (0usize..12, 0i64..60, 0i64..4, 0u32..2, proptest::option::of(0i64..30)),
                1..120,
            ),
            maintenance in proptest::option::of((0i64..30, 0i64..30)),
            logs_end in proptest::option::of(0i64..80),
        ) {
            let nodes = [None, Some(1), Some(2), Some(-1), Some(2147483645), Some(3), None];
            let hosts = [None, Some("h1"), Some("b-2.demo.abc.c2.kafka.us-east-1.amazonaws.com"), Some("h2")];
            let clients = [None, Some("p"), Some("c")];
            let partitions = [None, Some(0), Some(1)];
            let describe = broker::case::describe();
            let gists: Vec<Arc<Gist>> = gists
                .iter()
                .map(|&(k, n, h, c, p, answered)| {
                    let rule = if k % 5 == 0 { "java.metadata_wait_timeout" } else { "t" };
                    let port = hosts[h].map(|_| 9094);
                    broker::case::gist(Kind::ALL[k], rule, nodes[n], hosts[h], port, clients[c], partitions[p], answered)
                })
                .collect();
            // Seconds apart, the gap ten: outages meet, overlap and part.
            let mut evs: Vec<Event> = picks
                .iter()
                .enumerate()
                .map(|(i, &(g, t, span, input, _))| {
                    let mut e = Event::new(gists[g % gists.len()].clone(), t * 1_000, input, i as u64);
                    e.set_start(e.time - span * 4_000);
                    e
                })
                .collect();
            evs.sort_by_key(Event::sort_key);
            let t = Thresholds { gap_ms: 10_000, ..Thresholds::default() };
            let maintenance = maintenance.map(|(a, b)| (a.min(b) * 1_000, a.max(b) * 1_000));
            let logs_end = logs_end.map(|s| s * 1_000);
            let ends = [logs_end, None];
            let hints = Hints {
                leaders: Some(&describe),
                bootstrap: vec![("p".into(), vec!["h1:9094".into(), "h2".into()])],
            };

            // The watermark moved at random events, to at most the least
            // start from there on.
            let mut from: Vec<i64> = evs.iter().map(Event::start).collect();
            for i in (0..from.len().saturating_sub(1)).rev() {
                from[i] = from[i].min(from[i + 1]);
            }
            let moves: Vec<Option<i64>> =
                picks.iter().enumerate().map(|(i, p)| p.4.map(|back| from[i] - back * 500)).collect();
            let mut end = End::new(&hints, &t, maintenance, true).naming_in_place(true);
            for (e, w) in evs.iter().zip(&moves) {
                if let Some(w) = *w {
                    end.advance(w);
                }
                end.add(e);
            }
            let mut kept = evs.clone();
            let got = end.finish(logs_end, &ends, &mut kept);

            let mut named = evs.clone();
            let hosts = broker::resolve(&mut named, t.gap_ms, &hints);
            let (timelines, held) = correlate::timelines(&named, &hosts, t.gap_ms, logs_end, true);
            let seen = noise::Fold::over(&named, maintenance, true);
            proptest::prop_assert_eq!(&got.hosts, &hosts);
            proptest::prop_assert_eq!(&got.timelines, &timelines);
            // The reference's held events say "line" for every broker.
            let how = |evs: &[Event]| sorted(evs.iter().map(|e| {
                let mut e = e.clone();
                e.attributed = e.broker.is_some().then_some(crate::event::Attribution::Line);
                e
            }).collect());
            proptest::prop_assert_eq!(how(&got.held), how(&held));
            proptest::prop_assert_eq!(sorted(got.seen.held().cloned().collect()), sorted(seen.held().cloned().collect()));
            proptest::prop_assert_eq!(got.clients, impact::clients(&named, &ends, &t));
            proptest::prop_assert_eq!(kept, named);
        }
    }
}
