//! What the roll did, as opposed to what went wrong (`noise`): the order in
//! which brokers went out and whether each waited for the one before, the
//! impact on each client, and the blind spots of the inputs: what their log
//! level or content cannot show, so that an empty result is never mistaken
//! for "no impact".

use crate::correlate::{self, Timeline};
use crate::event::{Event, Kind, Role};
use crate::extract::ConfigDump;
use crate::noise::Thresholds;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

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
/// `events` must be sorted by time. One pass from the last event back, with
/// what each client needs gathered as it goes (`Seen`): no list of a
/// client's events, which on a long input was 4 bytes an event held beside
/// every kept event and window (issue 4, session 7). Backwards because a
/// client's disrupted time is merged in order of its events' ends without
/// a sort (`correlate::Backward`), and its last symptom, which its recovery
/// is measured from, is the first one met.
pub fn clients(events: &[Event], input_end: &[Option<i64>], t: &Thresholds) -> Vec<ClientImpact> {
    // By name as a `BTreeMap` would give them, found by address (`ByName`).
    let mut by: correlate::ByName<'_, Seen> = correlate::ByName::default();
    for e in events.iter().rev() {
        if let Some(c) = &e.client {
            by.entry(c, Seen::default).add(e, t.gap_ms);
        }
    }
    let mut out = Vec::new();
    for (client, seen) in by.into_sorted() {
        // A client with no symptom had no impact.
        let Some(last_symptom) = seen.last_symptom else { continue };
        let disrupted = seen.disrupted + seen.run.finish().map_or(0, |(s, e)| e - s);
        let logs_end = seen.inputs.iter().filter_map(|&i| input_end.get(i as usize).copied().flatten()).max();
        let recovered = match (seen.recovery, logs_end) {
            (Some(_), _) => Some(true),
            (None, Some(le)) => Some(le - last_symptom >= t.gap_ms),
            (None, None) => None,
        };
        out.push(ClientImpact {
            client: client.to_string(),
            // A kafkajs client's producer and consumer share one clientId:
            // a role is named only when its lines agree on one.
            role: seen.role.flatten(),
            inputs: seen.inputs.into_iter().collect(),
            events: seen.events,
            // Every client here has a symptom, so an event: both were seen.
            first: seen.first.unwrap_or(last_symptom),
            last: seen.last.unwrap_or(last_symptom),
            disrupted_ms: disrupted,
            retries: seen.retries,
            records_lost: seen.records_lost,
            failed: seen.failed,
            recovered,
            recovered_at: if recovered == Some(true) { Some(seen.recovery.unwrap_or(last_symptom)) } else { None },
        });
    }
    out
}

/// What [`clients`] gathers of one client, its events met last first.
#[derive(Default)]
struct Seen {
    /// The time of its last symptom: the first one met.
    last_symptom: Option<i64>,
    /// The time of its first sign of recovery at or after its last symptom:
    /// the last such met.
    recovery: Option<i64>,
    /// Its symptoms' spans, merged: the run being merged and the length of
    /// those done.
    run: correlate::Backward,
    disrupted: i64,
    records_lost: BTreeMap<String, u64>,
    inputs: BTreeSet<u32>,
    /// The input of the event met last.
    last_input: Option<u32>,
    /// The earliest line any of its events stands for.
    first: Option<i64>,
    /// The time of its last event: the first met.
    last: Option<i64>,
    /// `None`: no role seen; `Some(None)`: its lines disagree.
    role: Option<Option<Role>>,
    events: usize,
    retries: usize,
    failed: usize,
}

impl Seen {
    fn add(&mut self, e: &Event, gap_ms: i64) {
        let weight = e.weight as usize;
        if e.is_symptom() {
            self.last_symptom.get_or_insert(e.time);
            if let Some((s, end)) = self.run.push((e.start(), e.time), gap_ms) {
                self.disrupted += end - s;
            }
        } else if self.last_symptom.is_none_or(|ls| e.time >= ls) {
            self.recovery = Some(e.time);
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
        self.first = Some(self.first.map_or(e.start(), |f| f.min(e.start())));
        self.last.get_or_insert(e.time);
        if let Some(r) = e.role {
            self.role = Some(match self.role {
                None => Some(r),
                Some(seen) => seen.filter(|&s| s == r),
            });
        }
        self.events += weight;
        if e.attempts.is_some() {
            self.retries += weight;
        }
        if e.kind == Kind::RetriesExhausted {
            self.failed += weight;
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

    fn tl(b: &str, spans: &[(i64, i64)]) -> Timeline {
        Timeline::of_spans(b, spans)
    }

    /// [`clients`] as it was written before it became one backward pass:
    /// each client's events gathered, then read forwards, with the
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

        /// One backward pass gives every client what gathering its events
        /// and reading them forwards gives, whatever the mix of clients,
        /// kinds, roles, inputs, thinned runs and equal times.
        #[test]
        fn clients_in_one_backward_pass_are_the_clients_gathered(
            lines in proptest::collection::vec(
                (0i64..30, crate::correlate::span_lengths(90_000), 0usize..20, 0usize..4, 0u32..3, 1u32..4, 0u8..8),
                0..60,
            ),
            ends in proptest::collection::vec(proptest::option::of(0i64..300_000), 3),
        ) {
            use crate::event::Gist;
            let t = Thresholds::default();
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
                    e.set_start(time - back);
                    e.weight = weight;
                    e
                })
                .collect();
            evs.sort_by_key(Event::sort_key);
            proptest::prop_assert_eq!(clients(&evs, &ends, &t), clients_gathered(&evs, &ends, &t));
        }

        /// A client's disrupted time, merged in order of its events' ends, is
        /// the length of the gap-merged runs of its symptoms' spans sorted by
        /// start (`correlate::runs`), whatever their overlaps and thinned runs.
        #[test]
        fn disrupted_time_is_the_merged_runs_of_the_symptom_spans(
            lines in proptest::collection::vec((0i64..20, crate::correlate::span_lengths(120_000)), 1..40),
        ) {
            use crate::event::Gist;
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
