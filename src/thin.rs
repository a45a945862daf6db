//! Settling and thinning: what bounds the memory of a long input.
//!
//! Events leave extraction in line order into a *fresh* queue. There they
//! wait until the input's clock (its latest event time) is `SETTLE_MS` past
//! them, so that a librdkafka error's echo meets the line it repeats
//! (`extract::drop_echoes` looks `ECHO_WINDOW_MS` back and one second
//! ahead). Settled events leave the queue as a prefix, in line order, into
//! the [`Thinner`].
//!
//! Every settled event shares its [`Gist`] (what the line says) with the
//! alike events before it ([`Gists`]): a kept event costs its time and
//! place, 48 bytes, not its strings again.
//!
//! Up to a budget of events (`THIN_AFTER` in all, shared evenly by the
//! inputs of a run) the thinner keeps every event. Past it, it thins the plain
//! noise: a run of alike events (the same gist and input, none more than
//! `--gap` after the one before) becomes two, its first and one that
//! stands for the rest (from its `start` to its `time`, with their summed
//! `weight`). Counts add weights and windows read spans, so every window's
//! start, end, kinds, clients and evidence stay where they were. Runs never
//! cross `--since`, `--until` or `--maintenance` bounds, so counts on
//! either side stay exact.
//!
//! Never thinned: events that findings count or quote one by one (records
//! expired, retries exhausted, not enough replicas, bootstrap failures, all
//! brokers down, unknown templates), answers and recoveries, echoes,
//! events against a bootstrap pseudo id, and events that name no broker.
//! The last are attributed by time (`broker::resolve`: the one broker out
//! at that moment), each at its own: an event standing for a run that
//! crossed from one broker's window into another's gave all its lines to
//! the second. Kept one by one (5–7 % more kept events on the
//! benchmark log), thinning is exact: the JSON of four hosts' logs
//! thinned from their first event is byte-identical to the unthinned one
//! (issue 4, session 8; before, 60 of 3,516 windows differed).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

use crate::event::{Event, Gists, Kind, MAX_SPAN_MS};

/// How far behind an input's clock an event settles: the echo window, one
/// second for an echo logged before its twin, and slack for threads that
/// log a little out of order.
pub const SETTLE_MS: i64 = crate::extract::ECHO_WINDOW_MS + 5_000;

/// Events kept one by one before thinning starts, in all: each of N inputs
/// keeps a Nth (`analysis::run_live`).
pub const THIN_AFTER: usize = 20_000;

/// Whether an event is plain noise that may stand for others alike: noise
/// that names its broker (a node id, or a host).
fn thinnable(e: &Event) -> bool {
    use Kind::*;
    let noise = matches!(
        e.kind,
        NotLeader
            | LeaderNotAvailable
            | ConnectionFailed
            | Disconnected
            | RequestTimeout
            | CoordinatorUnavailable
            | MetadataError
            | OffsetCommitFailed
            | Rebalance
    );
    let names_broker = e.node.map_or(e.host.is_some(), |n| n >= 0);
    noise && e.is_symptom() && !e.echo && e.count.is_none() && names_broker
}

/// What alike events share: their gist (everything the line says) and
/// their input. One key for both the hash and the comparison. Every event
/// has passed the input's [`Gists`] first, where equal gists become one
/// `Arc`: within an input, the same gist is the same pointer, so the
/// pointer is the key, and no gist's strings are hashed or compared here.
fn key(e: &Event) -> impl Hash + Eq {
    (Arc::as_ptr(&e.gist) as usize, e.input)
}

/// The run key's hash. foldhash, not SipHash: this runs once per thinned
/// event and SipHash was half of thinning's time (issue 4, session 3). Only
/// the map uses it; equal hashes are still told apart by `key`.
fn hash(e: &Event, segment: u8) -> u64 {
    foldhash::fast::FixedState::default().hash_one((key(e), segment))
}

/// One run of alike events: its first event (kept, and the pattern the
/// others are compared with), and the latest one seen since, which stands
/// for every event after the first (its `start` to its `time`, its weight).
struct Run {
    segment: u8,
    first: Event,
    pending: Option<Event>,
}

impl Run {
    fn latest(&self) -> i64 {
        self.pending.as_ref().map_or(self.first.time, |p| p.time)
    }
}

/// Keeps every event up to a budget, then thins alike runs (module doc).
/// The default keeps every event.
#[derive(Default)]
pub struct Thinner {
    after: Option<usize>,
    gap_ms: i64,
    /// Times that runs must not cross, sorted.
    bounds: Vec<i64>,
    seen: usize,
    runs: HashMap<u64, Vec<Run>, foldhash::fast::RandomState>,
    clock: i64,
    swept_at: i64,
    gists: Gists,
}

impl Thinner {
    /// `after: None` never thins (`--format events` on a file prints every
    /// event). `bounds` are `--since`, `--until` and the maintenance window.
    pub fn new(after: Option<usize>, gap_ms: i64, bounds: impl IntoIterator<Item = i64>) -> Thinner {
        let mut bounds: Vec<i64> = bounds.into_iter().collect();
        bounds.sort_unstable();
        Thinner {
            after,
            gap_ms: gap_ms.max(0),
            bounds,
            seen: 0,
            runs: HashMap::default(),
            clock: i64::MIN,
            swept_at: i64::MIN,
            gists: Gists::default(),
        }
    }

    /// A thinner with the same budget, gap and bounds that has seen
    /// nothing: one per log of an input that interleaves many.
    pub fn like(&self) -> Thinner {
        Thinner::new(self.after, self.gap_ms, self.bounds.iter().copied())
    }

    /// Takes the next settled event (in line order); what is kept goes to `out`.
    pub fn push(&mut self, mut e: Event, out: &mut Vec<Event>) {
        self.gists.share(&mut e);
        self.seen += 1;
        self.clock = self.clock.max(e.time);
        self.sweep(out);
        if self.after.is_none_or(|n| self.seen <= n) || !thinnable(&e) {
            out.push(e);
            return;
        }
        // `--since 10:00` keeps 10:00 itself: the bounds split between
        // `< b` and `>= b` for a start and `<= b` and `> b` for an end, so
        // a run stays on one side of either reading.
        let segment = self.bounds.iter().map(|&b| u8::from(e.time >= b) + u8::from(e.time > b)).sum();
        let gap = self.gap_ms;
        let runs = self.runs.entry(hash(&e, segment)).or_default();
        let at = runs.iter().position(|r| r.segment == segment && key(&r.first) == key(&e));
        let Some(run) = at.map(|i| &mut runs[i]) else {
            runs.push(Run { segment, first: e.clone(), pending: None });
            out.push(e);
            return;
        };
        let latest = run.latest();
        if e.time < latest {
            // Out of order: kept as it is; the run goes on from where it was.
            out.push(e);
            return;
        }
        // An event stands for at most `MAX_SPAN_MS` of lines (its span is
        // four bytes): a run that would span more ends, as at a pause.
        let from = run.pending.as_ref().map_or(e.time, Event::start);
        if e.time.saturating_sub(latest) <= gap && e.time.saturating_sub(from) <= MAX_SPAN_MS {
            // The run goes on: `e` now stands for everything after its first.
            if let Some(p) = run.pending.take() {
                e.weight = e.weight.saturating_add(p.weight);
                e.set_start(p.start());
            }
            run.pending = Some(e);
            return;
        }
        // A pause longer than the gap ends the run; `e` starts the next.
        out.extend(run.pending.take());
        run.first = e.clone();
        out.push(e);
    }

    /// Ends runs that went quiet, so that memory holds only runs still
    /// going, not every key ever seen.
    fn sweep(&mut self, out: &mut Vec<Event>) {
        if self.runs.is_empty() || self.clock.saturating_sub(self.swept_at) < self.gap_ms * 2 {
            return;
        }
        self.swept_at = self.clock;
        let horizon = self.clock.saturating_sub(self.gap_ms * 2);
        self.runs.retain(|_, runs| {
            runs.retain_mut(|r| {
                let quiet = r.latest() < horizon;
                if quiet {
                    out.extend(r.pending.take());
                }
                !quiet
            });
            !runs.is_empty()
        });
    }

    /// The least time and the least start of the events it holds back
    /// (each run's event that stands for the rest): the events it has yet
    /// to pass on are no earlier (a pending event's time only grows).
    pub fn pending(&self) -> Option<(i64, i64)> {
        least(self.runs.values().flatten().filter_map(|r| r.pending.as_ref()))
    }

    /// The input ended: every run's pending event is kept.
    pub fn finish(self, out: &mut Vec<Event>) {
        for runs in self.runs.into_values() {
            out.extend(runs.into_iter().filter_map(|r| r.pending));
        }
    }
}

/// The least time and the least start of some events.
pub fn least<'a>(events: impl IntoIterator<Item = &'a Event>) -> Option<(i64, i64)> {
    events.into_iter().map(|e| (e.time, e.start())).reduce(|a, b| (a.0.min(b.0), a.1.min(b.1)))
}

/// The total weight of some events: the log lines they stand for.
pub fn weight<'a>(events: impl IntoIterator<Item = &'a Event>) -> usize {
    events.into_iter().map(|e| e.weight as usize).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Gist;

    /// A consumer's fetch error from node 1: noise that names its broker.
    fn ev(time: i64, line: u64, partition: i32) -> Event {
        Event::new(
            Gist {
                kind: Kind::NotLeader,
                rule: "java.fetch_error".into(),
                node: Some(1),
                topic: Some("orders".into()),
                partition: Some(partition),
                client: Some("c".into()),
                ..Gist::default()
            },
            time,
            0,
            line,
        )
    }

    fn thin(after: Option<usize>, events: Vec<Event>, bounds: &[i64]) -> Vec<Event> {
        let mut t = Thinner::new(after, 30_000, bounds.iter().copied());
        let mut out = Vec::new();
        for e in events {
            t.push(e, &mut out);
        }
        t.finish(&mut out);
        out.sort_by_key(|e| e.line);
        out
    }

    #[test]
    fn under_the_budget_every_event_is_kept() {
        let evs: Vec<_> = (0..100).map(|i| ev(i * 1000, i as u64, 0)).collect();
        assert_eq!(thin(Some(100), evs.clone(), &[]), evs);
        assert_eq!(thin(None, evs.clone(), &[]), evs);
    }

    #[test]
    fn alike_events_share_one_gist_and_others_keep_their_own() {
        // Each event comes out of extraction with a gist of its own.
        let evs: Vec<_> = (0..10).map(|i| ev(i * 1000, i as u64, (i % 2) as i32)).collect();
        let out = thin(None, evs.clone(), &[]);
        assert_eq!(out, evs, "sharing changes no event");
        for (a, b) in out.iter().zip(&out[2..]) {
            assert!(Arc::ptr_eq(&a.gist, &b.gist), "partition {:?}: one gist", a.partition);
        }
        assert!(!Arc::ptr_eq(&out[0].gist, &out[1].gist), "partitions 0 and 1 say different things");
    }

    #[test]
    fn a_run_is_its_first_event_and_one_that_stands_for_the_rest() {
        // One line a second for ten minutes, a pause longer than the gap,
        // then ten more: however long a run lasts, two events remain.
        let mut evs: Vec<_> = (0..600).map(|i| ev(i * 1000, i as u64, 0)).collect();
        evs.extend((0..10).map(|i| ev(900_000 + i * 1000, 600 + i as u64, 0)));
        let out = thin(Some(0), evs, &[]);
        let got: Vec<(i64, i64, u32, u64)> = out.iter().map(|e| (e.start(), e.time, e.weight, e.line)).collect();
        assert_eq!(
            got,
            vec![(0, 0, 1, 0), (1_000, 599_000, 599, 599), (900_000, 900_000, 1, 600), (901_000, 909_000, 9, 609)]
        );
    }

    #[test]
    fn a_run_ends_before_one_event_would_span_more_than_its_span_holds() {
        // A line every ten days with a gap of eleven: one run, but an event
        // stands for at most MAX_SPAN_MS (~49.7 days), so it ends and the
        // next begins, and no line is lost or moved.
        const DAY: i64 = 86_400_000;
        let mut t = Thinner::new(Some(0), 11 * DAY, []);
        let mut out = Vec::new();
        for i in 0..12 {
            t.push(ev(i * 10 * DAY, i as u64, 0), &mut out);
        }
        t.finish(&mut out);
        out.sort_by_key(|e| e.line);
        let got: Vec<(i64, i64, u32)> = out.iter().map(|e| (e.start() / DAY, e.time / DAY, e.weight)).collect();
        assert_eq!(got, vec![(0, 0, 1), (10, 50, 5), (60, 60, 1), (70, 110, 5)]);
        assert!(out.iter().all(|e| e.time - e.start() <= MAX_SPAN_MS));
        assert_eq!(weight(&out), 12);
    }

    #[test]
    fn different_partitions_are_different_runs() {
        let evs: Vec<_> = (0..40).map(|i| ev(i * 100, i as u64, (i % 2) as i32)).collect();
        let out = thin(Some(0), evs, &[]);
        let per: Vec<usize> = (0..2).map(|p| weight(out.iter().filter(|e| e.partition == Some(p)))).collect();
        assert_eq!(per, vec![20, 20]);
        assert_eq!(out.iter().filter(|e| e.partition == Some(1)).map(|e| e.time).max(), Some(3_900));
    }

    #[test]
    fn runs_do_not_cross_a_bound() {
        let evs: Vec<_> = (0..20).map(|i| ev(i * 1000, i as u64, 0)).collect();
        let out = thin(Some(0), evs, &[10_000]);
        assert_eq!(weight(out.iter().filter(|e| e.time < 10_000)), 10);
        assert_eq!(weight(out.iter().filter(|e| e.time >= 10_000)), 10);
        assert!(out.iter().any(|e| e.time == 9_000) && out.iter().any(|e| e.time == 10_000));
    }

    #[test]
    fn events_that_name_no_broker_are_never_thinned() {
        // A producer's NOT_LEADER_OR_FOLLOWER names a partition, not a
        // broker: each is attributed by its own time (the one broker out
        // then), so one event standing for a run across two brokers'
        // windows would give all its lines to the last one's.
        let evs: Vec<_> = (0..50)
            .map(|i| {
                let mut e = ev(i * 1000, i as u64, 0);
                e.node = None;
                e
            })
            .collect();
        assert_eq!(thin(Some(0), evs.clone(), &[]), evs);
        let named: Vec<_> = (0..50).map(|i| ev(i * 1000, i as u64, 0)).collect();
        assert_eq!(thin(Some(0), named, &[]).len(), 2, "the same run naming node 1 is thinned");
    }

    #[test]
    fn counted_and_rare_events_are_never_thinned() {
        let evs: Vec<_> = (0..50)
            .map(|i| {
                let mut e = ev(i * 10, i as u64, 0);
                e.kind = Kind::RecordsExpired;
                e.count = Some(3);
                e
            })
            .collect();
        assert_eq!(thin(Some(0), evs.clone(), &[]), evs);
    }
}
