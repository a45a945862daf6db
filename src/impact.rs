//! What the roll did, as opposed to what went wrong (`noise`): the order in
//! which brokers went out and whether each waited for the one before, the
//! impact on each client, and the blind spots of the inputs: what their log
//! level or content cannot show, so that an empty result is never mistaken
//! for "no impact".

use crate::correlate::Timeline;
use crate::event::{ClientNames, Event, Kind, Role};
use crate::extract::ConfigDump;
use crate::noise::Thresholds;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::sync::Arc;

/// AWS's stated client impact of one broker restart: "up to 2 mins,
/// typically less" (MSK patching-impact documentation).
pub const EXPECTED_IMPACT_MS: i64 = 120_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollStep<'a> {
    pub broker: &'a str,
    pub start: i64,
    pub end: i64,
    /// From the end of the latest earlier outage to this start; negative
    /// when this broker went out before the one before was back.
    pub gap_ms: Option<i64>,
    /// Did it wait for every earlier broker to be back (one-at-a-time rule)?
    pub waited: Option<bool>,
    /// Within AWS's ~2 minutes of client impact per broker?
    pub within_expected: bool,
}

/// The roll's verdict. Its steps are made by [`steps`] as they are read,
/// not kept: a long input has one per window (12,505 at 4 GB of the
/// benchmark log), and they are the windows' own times.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Roll {
    /// How many steps there are.
    pub steps: usize,
    /// Every broker waited for the one before it.
    pub one_at_a_time: bool,
}

/// The roll's verdict, from its [`steps`].
pub fn roll(timelines: &[Timeline], t: &Thresholds) -> Roll {
    let mut r = Roll { steps: 0, one_at_a_time: true };
    for s in steps(timelines, t) {
        r.steps += 1;
        r.one_at_a_time &= s.waited != Some(false);
    }
    r
}

/// The roll sequence: every outage window of a named broker, by start
/// (then broker name), each against the latest end before it. A broker's
/// windows are in order already: they are merged (the next window of each
/// broker in a heap), not gathered and sorted.
pub fn steps<'a>(timelines: &'a [Timeline], t: &Thresholds) -> impl Iterator<Item = RollStep<'a>> + 'a {
    let tolerance = t.overlap_tolerance_ms;
    // (start, broker, timeline, window): a broker's windows come in their
    // order, as a stable sort by (start, broker) would leave them.
    let mut next: BinaryHeap<Reverse<(i64, &str, usize, usize)>> = timelines
        .iter()
        .enumerate()
        .filter_map(|(i, tl)| Some(Reverse((tl.windows.first()?.start, tl.broker.as_deref()?, i, 0))))
        .collect();
    let mut latest_end: Option<i64> = None;
    std::iter::from_fn(move || {
        let Reverse((start, broker, i, k)) = next.pop()?;
        let windows = &timelines[i].windows;
        if let Some(w) = windows.get(k + 1) {
            next.push(Reverse((w.start, broker, i, k + 1)));
        }
        let end = windows[k].end;
        let gap_ms = latest_end.map(|le| start - le);
        // Judged like `noise::overlapping`: by how long the two were out
        // together, so a short window inside a long one is an overlap of
        // the short window's length, not of the time to the long one's end.
        let together = latest_end.map(|le| end.min(le) - start);
        latest_end = Some(latest_end.map_or(end, |le| le.max(end)));
        Some(RollStep {
            broker,
            start,
            end,
            gap_ms,
            waited: together.map(|o| o <= tolerance),
            within_expected: end - start <= EXPECTED_IMPACT_MS,
        })
    })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientImpact {
    pub client: String,
    pub role: Option<Role>,
    /// Inputs its lines came from.
    pub inputs: Vec<u32>,
    pub events: usize,
    pub first: i64,
    pub last: i64,
    /// Time inside its own disruption spans (symptoms closer than the gap).
    pub disrupted_ms: i64,
    /// Lines that say a request is being retried.
    pub retries: usize,
    /// Records that expired, by topic-partition.
    pub records_lost: BTreeMap<String, u64>,
    /// Sends or requests that failed for good.
    pub failed: usize,
    /// `Some(true)`: its logs go on quietly for at least the gap after its
    /// last symptom, or show a recovery; `Some(false)`: they end inside its
    /// disruption; `None`: its logs cannot tell (WARN only, nothing beside).
    pub recovered: Option<bool>,
    pub recovered_at: Option<i64>,
}

/// Per-client impact. `input_end[i]` is the time of the last line of input i.
///
/// `events` must be sorted (`Event::sort_key`): they are fed to a [`Fold`]
/// in that order. Never inlined: a symbol of its own to measure
/// (`valgrind --tool=callgrind --toggle-collect=rollcall::impact::clients`).
#[inline(never)]
pub fn clients(events: &[Event], input_end: &[Option<i64>], t: &Thresholds) -> Vec<ClientImpact> {
    let mut fold = Fold::new(t);
    for e in events {
        fold.add(e);
    }
    fold.finish(input_end)
}

/// The clients' impact, gathered forwards from events fed in sort order
/// (`Event::sort_key`), so that events need not be kept until the end
/// (`docs/fold-survey.md`, §5). It borrows nothing from the events. It is
/// not order-free: an event earlier than one added before is gathered
/// wrongly, and nothing says so (the caller must keep the order).
///
/// What it keeps is a few words per client and per disrupted run (its
/// [`Gathered`]), by the client's number in its [`ClientNames`].
///
/// Events with no client may belong to their input's one client, which
/// only the input's end decides (`fill_lone_client` in `analysis.rs`):
/// [`Fold::add_lone`] gathers them under their input, and
/// [`Fold::settle_lone`] merges that into the client or drops it. While
/// any is unsettled, every client keeps what a merge needs (see
/// [`Gathered`]).
pub struct Fold {
    gap_ms: i64,
    names: ClientNames,
    /// What was gathered of each client, by its number in `names`.
    clients: Vec<Gathered>,
    /// Events with no client, by input, until `settle_lone`.
    lone: BTreeMap<u32, Gathered>,
}

impl Fold {
    pub fn new(t: &Thresholds) -> Fold {
        Fold { gap_ms: t.gap_ms, names: ClientNames::default(), clients: Vec::new(), lone: BTreeMap::new() }
    }

    /// Adds an event, not earlier in sort order than any added before. An
    /// event with no client is not a client's (see [`Fold::add_lone`]).
    pub fn add(&mut self, e: &Event) {
        let Some(id) = self.names.of(&e.gist) else { return };
        let keep = !self.lone.is_empty();
        let gap_ms = self.gap_ms;
        self.client(id).add(e, gap_ms, keep);
    }

    /// Adds an event with no client under its input, to be settled by
    /// [`Fold::settle_lone`] once the input's end says whose it is. An
    /// event that names its client is added as by [`Fold::add`].
    pub fn add_lone(&mut self, e: &Event) {
        if e.client.is_some() {
            return self.add(e);
        }
        let gap = self.gap_ms;
        self.lone.entry(e.input).or_default().add(e, gap, true);
    }

    /// Settles the events with no client of `input` ([`Fold::add_lone`]):
    /// they are `client`'s, or (`None`) nobody's. Call it only once every
    /// such event of the input has been added; it may be called before the
    /// other inputs' events go on being added.
    pub fn settle_lone(&mut self, input: u32, client: Option<&str>) {
        let Some(lone) = self.lone.remove(&input) else { return };
        if let Some(name) = client {
            let (id, gap_ms) = (self.names.id(name), self.gap_ms);
            self.client(id).absorb(lone, gap_ms);
        }
        if self.lone.is_empty() {
            for g in &mut self.clients {
                g.forget_recoveries();
            }
        }
    }

    /// Says that no event added from now on starts before `watermark`
    /// (`Event::start`): a run that ends more than the gap before it can
    /// grow no more, and is counted and dropped. Not while an input's
    /// events with no client are unsettled: their runs may yet join a
    /// client's runs that are done with its own events.
    pub fn advance(&mut self, watermark: i64) {
        if !self.lone.is_empty() {
            return;
        }
        for g in &mut self.clients {
            let done = g.runs.iter().take_while(|&&(_, e)| watermark.saturating_sub(e) > self.gap_ms).count();
            g.disrupted += g.runs.drain(..done).map(|(s, e)| e - s).sum::<i64>();
        }
    }

    /// The impact on each client with a symptom, by name. Events with no
    /// client that are still unsettled are nobody's.
    pub fn finish(self, input_end: &[Option<i64>]) -> Vec<ClientImpact> {
        let gap_ms = self.gap_ms;
        let mut clients: Vec<(&Arc<str>, Gathered)> = self.names.names().iter().zip(self.clients).collect();
        clients.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut out = Vec::new();
        for (client, g) in clients {
            // A client with no symptom had no impact.
            let Some(last_symptom) = g.last_symptom else { continue };
            let disrupted = g.disrupted + g.runs.iter().map(|(s, e)| e - s).sum::<i64>();
            let logs_end = g.inputs.iter().filter_map(|&i| input_end.get(i as usize).copied().flatten()).max();
            let recovery = g.after.first().copied();
            let recovered = match (recovery, logs_end) {
                (Some(_), _) => Some(true),
                (None, Some(le)) => Some(le - last_symptom >= gap_ms),
                (None, None) => None,
            };
            out.push(ClientImpact {
                client: client.to_string(),
                // A kafkajs client's producer and consumer share one
                // clientId: a role is named only when its lines agree on one.
                role: g.role.flatten(),
                inputs: g.inputs.into_iter().collect(),
                events: g.events,
                // Every client here has a symptom, so an event: both were seen.
                first: g.first.unwrap_or(last_symptom),
                last: g.last.unwrap_or(last_symptom),
                disrupted_ms: disrupted,
                retries: g.retries,
                records_lost: g.records_lost,
                failed: g.failed,
                recovered,
                recovered_at: if recovered == Some(true) { Some(recovery.unwrap_or(last_symptom)) } else { None },
            });
        }
        out
    }

    /// What was gathered of client `id`, made empty the first time.
    fn client(&mut self, id: usize) -> &mut Gathered {
        if id >= self.clients.len() {
            self.clients.resize_with(id + 1, Gathered::default);
        }
        &mut self.clients[id]
    }
}

/// What [`Fold`] gathers of one client (or of one input's events with no
/// client), its events met in sort order. Two can be merged
/// ([`Gathered::absorb`]) into what one would have gathered of both
/// clients' events: for that, each keeps its disrupted runs as intervals,
/// not only their lengths, and every recovery time after its last
/// symptom, not only the first.
#[derive(Default)]
struct Gathered {
    /// The time of its last symptom.
    last_symptom: Option<i64>,
    /// The times of its signs of recovery at or after its last symptom,
    /// each once, in order: the first is its recovery. Today's tie rule
    /// (`clients_gathered`): one at the same ms as the last symptom counts
    /// even when it sorts before it. A merge needs the first at or after
    /// the other's last symptom, which may be any of them; with nothing to
    /// merge, only the first and the last are kept (the last for a symptom
    /// at its ms).
    after: Vec<i64>,
    /// Its symptoms' spans, merged where closer than the gap: runs in order
    /// (of start and of end), each more than the gap after the one before.
    /// A thinned span can start earlier than the runs before it and join
    /// them (`correlate::place`).
    runs: Vec<(i64, i64)>,
    /// The length of the runs done and dropped (`Fold::advance`).
    disrupted: i64,
    records_lost: BTreeMap<String, u64>,
    inputs: BTreeSet<u32>,
    /// The input of the event met last.
    last_input: Option<u32>,
    /// The earliest line any of its events stands for.
    first: Option<i64>,
    /// The time of its last event.
    last: Option<i64>,
    /// `None`: no role seen; `Some(None)`: its lines disagree.
    role: Option<Option<Role>>,
    events: usize,
    retries: usize,
    failed: usize,
}

impl Gathered {
    /// Adds an event not earlier in sort order than any before; `keep`:
    /// keep every recovery time after the last symptom, for a merge.
    fn add(&mut self, e: &Event, gap_ms: i64, keep: bool) {
        let (weight, start) = (e.weight as usize, e.start());
        if e.is_symptom() {
            self.last_symptom = Some(e.time);
            let tie = self.after.last() == Some(&e.time);
            self.after.clear();
            if tie {
                self.after.push(e.time);
            }
            self.push_run((start, e.time), gap_ms);
        } else if self.last_symptom.is_none_or(|ls| e.time >= ls) && self.after.last() != Some(&e.time) {
            match self.after.as_mut_slice() {
                [_, .., last] if !keep => *last = e.time,
                _ => self.after.push(e.time),
            }
        }
        if e.kind == Kind::RecordsExpired {
            *self.records_lost.entry(e.topic_partition().unwrap_or_else(|| "unknown".into())).or_insert(0) +=
                e.count.unwrap_or(1);
        }
        // A client's events are mostly from one input: the set is looked
        // at only when the input changes.
        if self.last_input != Some(e.input) {
            self.inputs.insert(e.input);
            self.last_input = Some(e.input);
        }
        self.first = Some(self.first.map_or(start, |f| f.min(start)));
        self.last = Some(self.last.map_or(e.time, |l| l.max(e.time)));
        if let Some(r) = e.role {
            self.see_role(Some(r));
        }
        self.events += weight;
        if e.attempts.is_some() {
            self.retries += weight;
        }
        if e.kind == Kind::RetriesExhausted {
            self.failed += weight;
        }
    }

    /// Adds a span `(start, end)`, in any order (`correlate::place`).
    fn push_run(&mut self, (s, e): (i64, i64), gap_ms: i64) {
        let widen = |r: &mut (i64, i64), (s, e): (i64, i64)| *r = (r.0.min(s), r.1.max(e));
        match crate::correlate::place(&mut self.runs, (s, e), gap_ms, |&r| r, widen) {
            Ok(i) => widen(&mut self.runs[i], (s, e)),
            Err(i) => self.runs.insert(i, (s, e)),
        }
    }

    /// Its lines' roles agree as long as each is the one before; `None`:
    /// lines that disagreed.
    fn see_role(&mut self, r: Option<Role>) {
        self.role = Some(match self.role {
            None => r,
            Some(seen) => seen.filter(|&s| Some(s) == r),
        });
    }

    /// Merges in what `o` gathered: this becomes what one [`Gathered`] fed
    /// both's events in sort order would be, ready for later events.
    fn absorb(&mut self, o: Gathered, gap_ms: i64) {
        // The recovery: the first time at or after the later last symptom.
        let ls = self.last_symptom.max(o.last_symptom);
        let mut after = Vec::with_capacity(self.after.len() + o.after.len());
        let (mut a, mut b) = (self.after.iter().peekable(), o.after.iter().peekable());
        while let Some(&t) = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x <= y => a.next(),
            (Some(_), Some(_)) | (None, _) => b.next(),
            (Some(_), None) => a.next(),
        } {
            if ls.is_none_or(|ls| t >= ls) && after.last() != Some(&t) {
                after.push(t);
            }
        }
        self.after = after;
        self.last_symptom = ls;
        // The runs of both, merged as spans are (in any order).
        for run in o.runs {
            self.push_run(run, gap_ms);
        }
        self.disrupted += o.disrupted;
        for (tp, n) in o.records_lost {
            *self.records_lost.entry(tp).or_insert(0) += n;
        }
        self.inputs.extend(o.inputs);
        self.first = self.first.into_iter().chain(o.first).min();
        self.last = self.last.max(o.last);
        if let Some(r) = o.role {
            self.see_role(r);
        }
        self.events += o.events;
        self.retries += o.retries;
        self.failed += o.failed;
    }

    /// Keeps of its recovery times after its last symptom only the first
    /// and the last, once nothing is left to merge.
    fn forget_recoveries(&mut self) {
        let n = self.after.len();
        if n > 2 {
            self.after.drain(1..n - 1);
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlindSpot {
    /// The input it is about, or `None` for the whole analysis.
    pub input: Option<u32>,
    pub message: String,
}

/// What an input is, as far as blind spots go.
#[derive(Clone, Debug)]
pub struct InputView<'a> {
    pub format: Option<&'a str>,
    /// Some line at INFO (or below) was seen.
    pub info_seen: bool,
    pub roles: BTreeSet<Role>,
    /// Its events were read from rollcall's NDJSON (`InputReport::via`).
    pub via: bool,
}

/// What a central rollcall cannot see in events extracted on other hosts
/// (docs/fleet.md, "What the central process does not see").
pub const EVENTS_BLIND_SPOT: &str = "some logs were read as rollcall events (--format events, extracted on another host), not as logs: their client configuration dumps are not in the events, so their acks, retries and bootstrap.servers are not checked (no config_risk, no single_bootstrap from configuration), and bootstrap ids are named only where an event line names the host";

/// An input read from events that do not say it logs INFO lines.
const EVENTS_WARN_ONLY: &str = "read as rollcall events that do not show INFO lines of its log (it logs WARN and above only, or the events were written live, before its end was known): whether its brokers and clients came back at its end cannot be seen, so it never decides that a window is still open";

pub fn blind_spots(inputs: &[InputView<'_>], configs: &[ConfigDump], topics_given: bool) -> Vec<BlindSpot> {
    let mut out = Vec::new();
    let events_format = Some(crate::extract::ndjson::FORMAT);
    for (i, v) in inputs.iter().enumerate() {
        if v.via && !v.info_seen {
            out.push(BlindSpot { input: Some(i as u32), message: EVENTS_WARN_ONLY.into() });
            continue;
        }
        // An NDJSON input holds no log lines of its own: its logs are the
        // inputs with `via`.
        if v.format.is_some() && v.format != events_format && !v.info_seen {
            out.push(BlindSpot {
                input: Some(i as u32),
                message: "logs WARN and above only (the Kafka tools' default): disconnects, coordinator moves and recoveries are logged at INFO and cannot be seen, so windows end at the last warning and client configuration is not shown".into(),
            });
        }
    }
    if inputs.iter().any(|v| v.via) {
        out.push(BlindSpot { input: None, message: EVENTS_BLIND_SPOT.into() });
    }
    let roles: BTreeSet<Role> = inputs.iter().flat_map(|v| v.roles.iter().copied()).collect();
    if !roles.is_empty() && !roles.contains(&Role::Producer) {
        out.push(BlindSpot {
            input: None,
            message: "no producer lines: lost records and failed sends cannot be seen".into(),
        });
    }
    if !roles.is_empty() && !roles.contains(&Role::Consumer) {
        out.push(BlindSpot {
            input: None,
            message: "no consumer lines: coordinator moves, rebalances and commit failures cannot be seen".into(),
        });
    }
    let dumped: BTreeSet<Role> = configs.iter().filter_map(|c| c.role).collect();
    if roles.contains(&Role::Producer) && !dumped.contains(&Role::Producer) {
        out.push(BlindSpot {
            input: None,
            message: "no ProducerConfig dump (a Java producer logs it at INFO when it starts; kafkajs, librdkafka, sarama and franz-go never log theirs): acks, retries, delivery.timeout.ms, idempotence and bootstrap servers were not checked".into(),
        });
    }
    if !topics_given {
        out.push(BlindSpot {
            input: None,
            message: "no --topics: partition leaders, replication factors and min.insync.replicas are unknown, so partition errors are attributed by time and topic settings are not checked".into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Gist;

    fn tl(b: &str, spans: &[(i64, i64)]) -> Timeline {
        Timeline::of_spans(b, spans)
    }

    /// [`clients`] as it was written before it became a pass over the
    /// events: each client's events gathered, then read forwards, with the
    /// disrupted time from the sorted spans (`correlate::runs`).
    fn clients_gathered(events: &[Event], input_end: &[Option<i64>], t: &Thresholds) -> Vec<ClientImpact> {
        let mut by: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
        for e in events {
            if let Some(c) = &e.client {
                by.entry(c).or_default().push(e);
            }
        }
        let mut out = Vec::new();
        for (client, evs) in by {
            let Some(last_symptom) = evs.iter().rfind(|e| e.is_symptom()).map(|e| e.time) else { continue };
            let spans = evs.iter().filter(|e| e.is_symptom()).map(|e| (e.start(), e.time));
            let disrupted: i64 = crate::correlate::runs(spans, t.gap_ms).iter().map(|(s, e)| e - s).sum();
            let mut records_lost = BTreeMap::new();
            for e in evs.iter().filter(|e| e.kind == Kind::RecordsExpired) {
                *records_lost.entry(e.topic_partition().unwrap_or_else(|| "unknown".into())).or_insert(0) +=
                    e.count.unwrap_or(1);
            }
            let inputs: BTreeSet<u32> = evs.iter().map(|e| e.input).collect();
            let logs_end = inputs.iter().filter_map(|&i| input_end.get(i as usize).copied().flatten()).max();
            let recovery = evs.iter().find(|e| !e.is_symptom() && e.time >= last_symptom).map(|e| e.time);
            let recovered = match (recovery, logs_end) {
                (Some(_), _) => Some(true),
                (None, Some(le)) => Some(le - last_symptom >= t.gap_ms),
                (None, None) => None,
            };
            let weight = |f: &dyn Fn(&Event) -> bool| crate::thin::weight(evs.iter().copied().filter(|e| f(e)));
            out.push(ClientImpact {
                client: client.to_string(),
                role: {
                    let mut roles = evs.iter().filter_map(|e| e.role);
                    roles.next().filter(|&r| roles.all(|o| o == r))
                },
                inputs: inputs.into_iter().collect(),
                events: weight(&|_| true),
                first: evs.iter().map(|e| e.start()).min().unwrap(),
                last: evs.last().unwrap().time,
                disrupted_ms: disrupted,
                retries: weight(&|e| e.attempts.is_some()),
                records_lost,
                failed: weight(&|e| e.kind == Kind::RetriesExhausted),
                recovered,
                recovered_at: if recovered == Some(true) { Some(recovery.unwrap_or(last_symptom)) } else { None },
            });
        }
        out
    }

    /// A generated line: time (in 5 s steps, so that times are often
    /// equal), how long before it its span starts, kind, client (3: none),
    /// input, weight, and bits for the rest.
    type Line = (i64, i64, usize, usize, u32, u32, u8);

    fn line() -> impl proptest::strategy::Strategy<Value = Line> {
        (0i64..30, crate::correlate::span_lengths(90_000), 0usize..20, 0usize..4, 0u32..3, 1u32..4, 0u8..8)
    }

    /// The lines' events, sorted, alike ones sharing a gist as extraction
    /// leaves them (so that clients are found by their gists' addresses).
    fn events(lines: &[Line]) -> Vec<Event> {
        let mut gists = crate::event::Gists::default();
        let mut evs: Vec<Event> = lines
            .iter()
            .enumerate()
            .map(|(i, &(at, back, kind, client, input, weight, extra))| {
                let time = at * 5_000;
                let gist = Gist {
                    // Recoveries (a coordinator discovered) more often than 1 in 16.
                    kind: Kind::ALL.get(kind).copied().unwrap_or(Kind::CoordinatorDiscovered),
                    rule: "t".into(),
                    client: ["a", "b", "c"].get(client).map(|c| c.to_string()),
                    role: [Some(Role::Producer), Some(Role::Consumer), None][extra as usize % 3],
                    attempts: (extra & 1 == 1).then_some(2),
                    count: (extra & 2 == 2).then_some(7),
                    topic: (extra & 3 == 3).then(|| "orders".to_string()),
                    partition: (extra & 3 == 3).then_some(1),
                    answered: extra & 4 == 4,
                    ..Gist::default()
                };
                let mut e = Event::new(gist, time, input, i as u64);
                gists.adopt(&mut e);
                e.set_start(time - back);
                e.weight = weight;
                e
            })
            .collect();
        evs.sort_by_key(Event::sort_key);
        evs
    }

    /// A fold fed `evs` (sorted): those with no client under their input
    /// ([`Fold::add_lone`]), input `i` settled on `c` before event `k` for
    /// each `(k, i, c)` in `settle` (`k` = the number of events: at the
    /// end), and told the watermark of the starts to come before event `k`
    /// when bit `k % 64` of `water` is set.
    fn fed(evs: &[Event], water: u64, settle: &[(usize, u32, Option<&str>)]) -> Fold {
        let mut fold = Fold::new(&Thresholds::default());
        let mut from = vec![i64::MAX; evs.len() + 1];
        for k in (0..evs.len()).rev() {
            from[k] = from[k + 1].min(evs[k].start());
        }
        for (k, e) in evs.iter().map(Some).chain([None]).enumerate() {
            for &(_, i, c) in settle.iter().filter(|s| s.0 == k) {
                fold.settle_lone(i, c);
            }
            let Some(e) = e else { break };
            if water >> (k % 64) & 1 == 1 {
                fold.advance(from[k]);
            }
            match e.client {
                Some(_) => fold.add(e),
                None => fold.add_lone(e),
            }
        }
        fold
    }

    /// A sign of recovery at the ms of the last symptom counts even when
    /// it sorts before it, and so does one after an earlier sign.
    #[test]
    fn a_recovery_at_the_ms_of_the_last_symptom_counts() {
        let t = Thresholds::default();
        let ev = |kind, time, line| {
            let gist = Gist { kind, rule: "t".into(), client: Some("c".into()), ..Gist::default() };
            Event::new(gist, time, 0, line)
        };
        let evs = [
            ev(Kind::CoordinatorDiscovered, 1_000, 1),
            ev(Kind::CoordinatorDiscovered, 9_000, 2),
            ev(Kind::Disconnected, 9_000, 3),
        ];
        let got = clients(&evs, &[Some(9_000)], &t);
        assert_eq!((got[0].recovered, got[0].recovered_at), (Some(true), Some(9_000)));
        assert_eq!(got, clients_gathered(&evs, &[Some(9_000)], &t));
        // One ms before it, it does not count: the logs end too soon.
        let evs = [ev(Kind::CoordinatorDiscovered, 8_999, 1), ev(Kind::Disconnected, 9_000, 2)];
        assert_eq!(clients(&evs, &[Some(9_000)], &t)[0].recovered, Some(false));
    }

    #[test]
    fn roll_order_gaps_and_the_one_at_a_time_rule() {
        let t = Thresholds::default();
        let tls = [tl("2", &[(200_000, 250_000)]), tl("1", &[(0, 60_000)]), tl("3", &[(400_000, 600_000)])];
        let r: Vec<RollStep> = steps(&tls, &t).collect();
        let order: Vec<&str> = r.iter().map(|s| s.broker).collect();
        assert_eq!(order, vec!["1", "2", "3"]);
        assert_eq!(r[1].gap_ms, Some(140_000));
        assert_eq!(roll(&tls, &t), Roll { steps: 3, one_at_a_time: true });
        assert!(!r[2].within_expected, "200 s is beyond AWS's 2 minutes");
        let tls = [tl("2", &[(0, 60_000)]), tl("3", &[(30_000, 90_000)])];
        let r: Vec<RollStep> = steps(&tls, &t).collect();
        assert_eq!(r[1].gap_ms, Some(-30_000));
        assert_eq!(r[1].waited, Some(false));
        assert!(!roll(&tls, &t).one_at_a_time);
        // A blip inside a long window overlaps it only for the blip's length,
        // which `noise::overlapping` forgives too: the two verdicts agree.
        let blip = t.overlap_tolerance_ms / 2;
        let tls = [tl("2", &[(0, 600_000)]), tl("3", &[(100_000, 100_000 + blip)])];
        let r: Vec<RollStep> = steps(&tls, &t).collect();
        assert_eq!(r[1].gap_ms, Some(-500_000));
        assert_eq!(r[1].waited, Some(true));
        let tls = [tl("2", &[(0, 600_000)]), tl("3", &[(100_000, 100_000 + 3 * blip)])];
        assert_eq!(steps(&tls, &t).nth(1).unwrap().waited, Some(false));
    }

    #[test]
    fn blind_spots_name_what_cannot_be_seen() {
        let warn_only =
            InputView { format: Some("kafka-log4j"), info_seen: false, roles: [Role::Producer].into(), via: false };
        let b = blind_spots(&[warn_only], &[], false);
        let msgs: Vec<&str> = b.iter().map(|s| s.message.as_str()).collect();
        assert!(msgs[0].starts_with("logs WARN and above only"));
        assert!(msgs.iter().any(|m| m.starts_with("no consumer lines")));
        assert!(msgs.iter().any(|m| m.starts_with("no ProducerConfig dump")));
        assert!(msgs.iter().any(|m| m.starts_with("no --topics")));
        let full = InputView {
            format: Some("spring-boot-3"),
            info_seen: true,
            roles: [Role::Producer, Role::Consumer].into(),
            via: false,
        };
        assert_eq!(blind_spots(&[full], &[], true).len(), 1, "only the missing config dump");
    }

    proptest::proptest! {
        /// The steps merged from each broker's windows are those of every
        /// window gathered and sorted by (start, broker), as they were made
        /// before, with equal starts across brokers.
        #[test]
        fn roll_steps_merged_are_the_windows_sorted(
            brokers in proptest::collection::vec(proptest::collection::vec((0i64..20, 0i64..4), 1..12), 1..5),
        ) {
            let t = Thresholds::default();
            let names = ["2", "10", "1", "b-3:9094", "3"];
            let tls: Vec<Timeline> = brokers
                .iter()
                .enumerate()
                .map(|(b, ws)| {
                    // Disjoint windows in order, on a coarse grid so that
                    // starts meet across brokers.
                    let mut at = 0;
                    let spans: Vec<(i64, i64)> = ws
                        .iter()
                        .map(|&(skip, len)| {
                            let s = at + skip * 30_000;
                            at = s + len * 30_000 + 1;
                            (s, s + len * 30_000)
                        })
                        .collect();
                    Timeline::of_spans(names[b], &spans)
                })
                .collect();
            let mut windows: Vec<(String, i64, i64)> = tls
                .iter()
                .flat_map(|tl| tl.windows.iter().map(|w| (tl.broker.clone().unwrap(), w.start, w.end)))
                .collect();
            windows.sort_by_key(|(b, s, _)| (*s, b.clone()));
            let got: Vec<(String, i64, i64)> = steps(&tls, &t).map(|s| (s.broker.to_string(), s.start, s.end)).collect();
            proptest::prop_assert_eq!(got, windows);
        }

        /// The fold gives every client what gathering its events and
        /// reading them forwards gives, whatever the mix of clients, kinds,
        /// roles, inputs, thinned runs and equal times; and so it does when
        /// told as it goes which runs no later span can reach.
        #[test]
        fn clients_folded_are_the_clients_gathered(
            lines in proptest::collection::vec(line(), 0..60),
            ends in proptest::collection::vec(proptest::option::of(0i64..300_000), 3),
            water: u64,
        ) {
            let t = Thresholds::default();
            let evs = events(&lines);
            let want = clients_gathered(&evs, &ends, &t);
            proptest::prop_assert_eq!(&clients(&evs, &ends, &t), &want);
            proptest::prop_assert_eq!(&fed(&evs, water, &[]).finish(&ends), &want);
        }

        /// An input's events with no client, folded under the input and
        /// settled at any point after the last of them, give what folding
        /// them as the client it is settled on (`fill_lone_client`) gives,
        /// or, settled on nobody, what leaving them out gives: whichever
        /// clients their input and the others name, with several inputs
        /// unsettled at once.
        #[test]
        fn lone_events_settled_are_the_events_filled(
            lines in proptest::collection::vec(line(), 0..60),
            ends in proptest::collection::vec(proptest::option::of(0i64..300_000), 3),
            targets in proptest::collection::vec(0usize..4, 3),
            when in proptest::collection::vec(0usize..=1000, 3),
            water: u64,
        ) {
            let t = Thresholds::default();
            let evs = events(&lines);
            let names = ["a", "b", "c"];
            // Each input settled after its last event with no client, at
            // some point up to the end.
            let settle: Vec<(usize, u32, Option<&str>)> = (0..3u32)
                .map(|i| {
                    let from = evs.iter().rposition(|e| e.input == i && e.client.is_none()).map_or(0, |k| k + 1);
                    let at = from + when[i as usize] * (evs.len() - from) / 1000;
                    (at, i, names.get(targets[i as usize]).copied())
                })
                .collect();
            let filled: Vec<Event> = evs
                .iter()
                .filter_map(|e| {
                    let mut e = e.clone();
                    if e.client.is_none() {
                        e.client = Some(settle[e.input as usize].2?.to_string());
                    }
                    Some(e)
                })
                .collect();
            proptest::prop_assert_eq!(fed(&evs, water, &settle).finish(&ends), clients_gathered(&filled, &ends, &t));
        }

        /// A client's disrupted time, merged in order of its events' ends, is
        /// the length of the gap-merged runs of its symptoms' spans sorted by
        /// start (`correlate::runs`), whatever their overlaps and thinned runs.
        #[test]
        fn disrupted_time_is_the_merged_runs_of_the_symptom_spans(
            lines in proptest::collection::vec((0i64..20, crate::correlate::span_lengths(120_000)), 1..40),
        ) {
            let t = Thresholds::default();
            let mut evs: Vec<Event> = lines
                .iter()
                .enumerate()
                .map(|(i, &(at, back))| {
                    let time = at * 7_000;
                    let gist = Gist {
                        kind: Kind::ConnectionFailed,
                        rule: "t".into(),
                        client: Some("c".into()),
                        ..Gist::default()
                    };
                    let mut e = Event::new(gist, time, 0, i as u64);
                    // Some stand for a thinned run that began earlier.
                    e.set_start(time - back);
                    e
                })
                .collect();
            evs.sort_by_key(Event::sort_key);
            let spans = evs.iter().map(|e| (e.start(), e.time));
            let want: i64 = crate::correlate::runs(spans, t.gap_ms).iter().map(|(s, e)| e - s).sum();
            let got = clients(&evs, &[evs.last().map(|e| e.time)], &t);
            proptest::prop_assert_eq!(got[0].disrupted_ms, want);
        }
    }
}
