//! The noise model: one small rule per contract anomaly kind, each a pure
//! function of the windows and events, giving findings with a severity,
//! a sentence naming the brokers, clients and times, advice grounded in the
//! rolling-update best practice, and evidence lines.
//!
//! The model of a healthy roll: brokers go out one at a time, each briefly
//! and once, and clients retry and recover. Everything else is a finding.

use crate::correlate::{Timeline, Window};
use crate::event::{ClientNames, Event, Kind, Role};
use crate::extract::ConfigDump;
use crate::timefmt::{human_duration, Stamp};
use crate::topics::Describe;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The thresholds of the model (`--gap`, `--max-outage`, `--overlap-tolerance`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    pub gap_ms: i64,
    pub max_outage_ms: i64,
    pub overlap_tolerance_ms: i64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds { gap_ms: 30_000, max_outage_ms: 300_000, overlap_tolerance_ms: 1_500 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    Warning,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    OverlappingOutage,
    LongOutage,
    BrokerNeverRecovered,
    RepeatedOutage,
    RecordsLost,
    RetriesExhausted,
    NotEnoughReplicas,
    SingleBootstrap,
    ConfigRisk,
    UnexplainedErrors,
    UnknownWarnings,
}

impl AnomalyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyKind::OverlappingOutage => "overlapping_outage",
            AnomalyKind::LongOutage => "long_outage",
            AnomalyKind::BrokerNeverRecovered => "broker_never_recovered",
            AnomalyKind::RepeatedOutage => "repeated_outage",
            AnomalyKind::RecordsLost => "records_lost",
            AnomalyKind::RetriesExhausted => "retries_exhausted",
            AnomalyKind::NotEnoughReplicas => "not_enough_replicas",
            AnomalyKind::SingleBootstrap => "single_bootstrap",
            AnomalyKind::ConfigRisk => "config_risk",
            AnomalyKind::UnexplainedErrors => "unexplained_errors",
            AnomalyKind::UnknownWarnings => "unknown_warnings",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub kind: AnomalyKind,
    pub severity: Severity,
    pub brokers: Vec<String>,
    pub clients: Vec<String>,
    pub start: i64,
    pub end: i64,
    pub message: String,
    pub advice: String,
    /// (input, line)
    pub evidence: Vec<(u32, u64)>,
}

const EVIDENCE: usize = 5;

/// Everything the rules look at, but the events: those they read through
/// a [`Fold`].
#[derive(Clone, Copy)]
pub struct Facts<'a> {
    pub timelines: &'a [Timeline],
    pub configs: &'a [ConfigDump],
    /// Broker id → rack (AZ id on MSK), from `Node` strings in the logs.
    pub racks: &'a BTreeMap<String, String>,
    /// `host:port` → broker id, from every line that names both.
    pub host_broker: &'a BTreeMap<String, String>,
    pub topics: Option<&'a Describe>,
    /// The input index of the `--topics` file, for evidence.
    pub topics_input: Option<u32>,
    pub maintenance: Option<(i64, i64)>,
    pub thresholds: Thresholds,
    /// How messages write times: the analysis's zone and time range.
    pub stamp: Stamp,
}

/// Runs every rule over `events` (sorted by [`Event::sort_key`]); findings
/// come out most severe first, then by time (unknown warnings: most tied to
/// the outages first).
pub fn findings(f: &Facts<'_>, events: &[Event]) -> Vec<Finding> {
    let seen = Fold::over(events, f.maintenance, false);
    findings_with(f, early(f, &seen), &seen)
}

/// What the rules read of the events, gathered as they pass in sort order,
/// so that a stream's events need not be held to the end for them (the
/// fold: `docs/fold-survey.md`, step 4). Held whole are only the events of
/// the kinds whose rules read each one: records expired, retries
/// exhausted, NOT_ENOUGH_REPLICAS, and lines no rule knows. The first three
/// are failures a healthy roll never has and are never thinned; the last
/// are grouped by template, which a new client version can make common, and
/// are a later step. Everything else is a few words per client.
pub struct Fold {
    maintenance: Option<(i64, i64)>,
    kept: Vec<Event>,
    names: ClientNames,
    /// Each client's bootstrap behaviour, by its number in `names`.
    clients: Vec<Option<Behaviour>>,
    outside: Outside,
    first: Option<i64>,
    /// Hold the events evidence lines may name ([`Fold::with_evidence`]).
    evidence: bool,
}

/// What the fold gathered: what [`early`] and [`findings_with`] read.
pub struct Seen {
    /// The events held whole, in sort order.
    kept: Vec<Event>,
    /// Each client's bootstrap behaviour, by name.
    clients: Vec<(String, Behaviour)>,
    outside: Outside,
    /// The time of the first event.
    first: Option<i64>,
}

/// Symptoms outside the maintenance window (`unexplained`).
#[derive(Default)]
struct Outside {
    weight: usize,
    /// The earliest line they stand for, and the last one's time.
    span: Option<(i64, i64)>,
    clients: BTreeSet<String>,
    /// The first lines, in sort order.
    evidence: Vec<(u32, u64)>,
    /// Their events, when the fold holds them ([`Fold::with_evidence`]).
    events: Vec<Event>,
}

impl Fold {
    /// A fold for an analysis with this `--maintenance` window.
    pub fn new(maintenance: Option<(i64, i64)>) -> Fold {
        Fold {
            maintenance,
            kept: Vec::new(),
            names: ClientNames::default(),
            clients: Vec::new(),
            outside: Outside::default(),
            first: None,
            evidence: false,
        }
    }

    /// With `keep`, it holds a clone of each event whose line it keeps as
    /// evidence (a few per client, and of the symptoms outside the
    /// maintenance window), for a report that says what each line was.
    /// The events it holds whole anyway ([`Seen::held`]) need none.
    pub fn with_evidence(self, keep: bool) -> Fold {
        Fold { evidence: keep, ..self }
    }

    /// `events` (sorted) folded; with `evidence`, holding the events of
    /// evidence lines ([`Fold::with_evidence`]).
    pub fn over(events: &[Event], maintenance: Option<(i64, i64)>, evidence: bool) -> Seen {
        let mut f = Fold::new(maintenance).with_evidence(evidence);
        for e in events {
            f.add(e);
        }
        f.finish()
    }

    /// Takes the next event in sort order ([`Event::sort_key`]). Says
    /// whether it holds a clone of it, whose broker [`Seen::name_held`]
    /// must then give: the fold reads no broker until the rules do.
    pub fn add(&mut self, e: &Event) -> bool {
        self.first.get_or_insert(e.time);
        let mut holds = false;
        if matches!(e.kind, Kind::RecordsExpired | Kind::RetriesExhausted | Kind::NotEnoughReplicas | Kind::Unknown) {
            self.kept.push(e.clone());
            holds = true;
        }
        if let Some(id) = self.names.of(&e.gist) {
            if id >= self.clients.len() {
                self.clients.resize_with(id + 1, || None);
            }
            holds |= self.clients[id].get_or_insert_with(|| Behaviour::new(e.time)).add(e, self.evidence);
        }
        if let Some((ms, me)) = self.maintenance {
            if e.is_symptom() && (e.time < ms || e.time > me) {
                let o = &mut self.outside;
                o.weight += e.weight as usize;
                o.span = Some(o.span.map_or((e.start(), e.time), |(s, t)| (s.min(e.start()), t.max(e.time))));
                if let Some(c) = e.client.as_deref().filter(|c| !o.clients.contains(*c)) {
                    o.clients.insert(c.to_string());
                }
                if o.evidence.len() < EVIDENCE {
                    o.evidence.push((e.input, e.line));
                    if self.evidence {
                        o.events.push(e.clone());
                        holds = true;
                    }
                }
            }
        }
        holds
    }

    pub fn finish(self) -> Seen {
        let names = self.names.names();
        let mut clients: Vec<(String, Behaviour)> =
            self.clients.into_iter().enumerate().filter_map(|(i, b)| Some((names[i].to_string(), b?))).collect();
        clients.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        clients.iter_mut().for_each(|(_, b)| b.settle());
        let mut kept = self.kept;
        // In sort order whatever order they came in.
        kept.sort_unstable_by_key(Event::sort_key);
        Seen { kept, clients, outside: self.outside, first: self.first }
    }
}

impl Seen {
    /// The events it holds that evidence lines may name: those held whole,
    /// and those held for evidence ([`Fold::with_evidence`]).
    pub fn held(&self) -> impl Iterator<Item = &Event> {
        let clients = self.clients.iter().flat_map(|(_, b)| &b.events);
        self.kept.iter().chain(&self.outside.events).chain(clients)
    }

    /// Gives every event it holds ([`Fold::add`]) its broker.
    pub fn name_held(&mut self, mut name: impl FnMut(&mut Event)) {
        let clients = self.clients.iter_mut().flat_map(|(_, b)| &mut b.events);
        self.kept.iter_mut().chain(&mut self.outside.events).chain(clients).for_each(&mut name);
    }
}

/// What the rules that read no windows found: made beside the windows
/// (`analysis::run_live`), before there are any, and put in their place
/// among the others by [`findings_with`]. Made beside the windows because
/// the fold's pass over every event, which they follow, is most of the
/// rules' work (issue 4, session 9).
pub struct Early {
    /// Records lost, retries exhausted, NOT_ENOUGH_REPLICAS, configuration.
    events: Vec<Finding>,
    /// Single bootstrap brokers.
    bootstrap: Vec<Finding>,
}

/// The rules that read the events and the configuration, not the windows:
/// `f.timelines` is not read.
pub fn early(f: &Facts<'_>, seen: &Seen) -> Early {
    let (events, st) = (&seen.kept[..], &f.stamp);
    let mut out = Vec::new();
    lost(events, st, &mut out);
    retries_exhausted(events, st, &mut out);
    not_enough_replicas(events, f.topics, st, &mut out);
    config_risk(f.configs, &mut out);
    let mut bootstrap = Vec::new();
    single_bootstrap(f, &seen.clients, &mut bootstrap);
    Early { events: out, bootstrap }
}

/// [`findings`], with what the rules that read no windows found.
pub fn findings_with(f: &Facts<'_>, early: Early, seen: &Seen) -> Vec<Finding> {
    let (timelines, t, st) = (f.timelines, &f.thresholds, &f.stamp);
    let mut out = Vec::new();
    overlapping(timelines, t, st, &mut out);
    per_window(timelines, t, st, &mut out);
    repeated(timelines, st, &mut out);
    // In the order the rules always ran: the sort below is stable.
    out.extend(early.events);
    topic_risk(f, seen.first.unwrap_or(0), &mut out);
    out.extend(early.bootstrap);
    if let Some(m) = f.maintenance {
        unexplained(timelines, &seen.outside, m, st, &mut out);
    }
    out.sort_by_key(|f| (f.severity, f.start, f.kind));
    // Unknown warnings keep their ranking, after every other finding (they
    // are the least severe there is).
    out.extend(unknown(timelines, &seen.kept, st));
    out
}

fn brokers_of(timelines: &[Timeline]) -> impl Iterator<Item = (&String, &Timeline)> {
    timelines.iter().filter_map(|tl| tl.broker.as_ref().map(|b| (b, tl)))
}

fn overlapping(timelines: &[Timeline], t: &Thresholds, st: &Stamp, out: &mut Vec<Finding>) {
    let list: Vec<_> = brokers_of(timelines).collect();
    for (i, (a, ta)) in list.iter().enumerate() {
        for (b, tb) in &list[i + 1..] {
            // A broker's windows are apart in time and in order, so the
            // windows of `b` that can overlap `wa` by more than the
            // tolerance are one run of them, found by halving: a long log's
            // thousands of windows per broker are not compared pairwise.
            debug_assert!(tb.windows.windows(2).all(|p| p[0].end <= p[1].start), "a broker's windows are disjoint");
            for wa in &ta.windows {
                let from = tb.windows.partition_point(|wb| wb.end - wa.start <= t.overlap_tolerance_ms);
                let to = tb.windows.partition_point(|wb| wa.end - wb.start > t.overlap_tolerance_ms);
                for wb in tb.windows.get(from..to).unwrap_or_default() {
                    let (s, e) = (wa.start.max(wb.start), wa.end.min(wb.end));
                    if e - s <= t.overlap_tolerance_ms {
                        continue;
                    }
                    let mut pair = [a.as_str(), b.as_str()];
                    pair.sort_by_key(|x| (x.len(), x.to_string()));
                    let clients: BTreeSet<&str> = wa.clients.iter().chain(&wb.clients).map(|c| &**c).collect();
                    out.push(Finding {
                        kind: AnomalyKind::OverlappingOutage,
                        severity: Severity::Critical,
                        brokers: pair.iter().map(|x| x.to_string()).collect(),
                        clients: clients.into_iter().map(str::to_string).collect(),
                        start: s,
                        end: e,
                        message: format!(
                            "brokers {} and {} were out together for {} ({})",
                            pair[0], pair[1], human_duration(e - s), st.span(s, e)
                        ),
                        advice: "A rolling update restarts one broker at a time and waits for its partitions to catch up; two brokers out together breaks that. Check the cluster operation and broker health for this interval (MSK console, CloudWatch OfflinePartitionsCount and UnderReplicatedPartitions). Topics need RF 3 with min.insync.replicas 2 across three AZs to ride out a second broker loss without losing writes.".into(),
                        evidence: merge_evidence(&[&wa.evidence, &wb.evidence]),
                    });
                }
            }
        }
    }
}

fn per_window(timelines: &[Timeline], t: &Thresholds, st: &Stamp, out: &mut Vec<Finding>) {
    for (b, tl) in brokers_of(timelines) {
        for w in &tl.windows {
            // Copied for a finding only: most windows make none.
            let clients = || w.clients.iter().map(|c| c.to_string()).collect::<Vec<String>>();
            if w.open {
                out.push(Finding {
                    kind: AnomalyKind::BrokerNeverRecovered,
                    severity: Severity::Critical,
                    brokers: vec![b.clone()],
                    clients: clients(),
                    start: w.start,
                    end: w.end,
                    message: format!(
                        "broker {b} was still out when the logs end: symptoms from {} until {} ({}), with no sign of it coming back",
                        st.at(w.start), st.end(w.start, w.end), human_duration(w.duration())
                    ),
                    advice: "Check that broker now (MSK console: cluster operation state and broker status; CloudWatch: its metrics stopped?). While it is out its partitions are under-replicated and one more broker loss makes them unavailable. If the logs were only cut during the restart, analyse logs that run past it.".into(),
                    evidence: w.evidence.to_vec(),
                });
            }
            if w.duration() > t.max_outage_ms {
                out.push(Finding {
                    kind: AnomalyKind::LongOutage,
                    severity: Severity::Warning,
                    brokers: vec![b.clone()],
                    clients: clients(),
                    start: w.start,
                    end: w.end,
                    message: format!(
                        "broker {b} was out for {} ({}), longer than the {} a restart should take",
                        human_duration(w.duration()), st.span(w.start, w.end), human_duration(t.max_outage_ms)
                    ),
                    advice: "AWS puts the client impact of a broker restart at about 2 minutes at most. A longer outage points at a slow start (log recovery after an unclean shutdown), a broker that failed health checks, or a stuck operation: check the broker and the operation's progress. If slow restarts are normal here, raise --max-outage.".into(),
                    evidence: w.evidence.to_vec(),
                });
            }
        }
    }
}

fn repeated(timelines: &[Timeline], st: &Stamp, out: &mut Vec<Finding>) {
    for (b, tl) in brokers_of(timelines) {
        if tl.windows.len() < 2 {
            continue;
        }
        let starts = outage_starts(&tl.windows, st);
        let clients: BTreeSet<&str> = tl.windows.iter().flat_map(|w| w.clients.iter().map(|c| &**c)).collect();
        let ev: Vec<&[(u32, u64)]> = tl.windows.iter().map(|w| &*w.evidence).collect();
        out.push(Finding {
            kind: AnomalyKind::RepeatedOutage,
            severity: Severity::Warning,
            brokers: vec![b.clone()],
            clients: clients.into_iter().map(str::to_string).collect(),
            start: tl.windows[0].start,
            end: tl.windows[tl.windows.len() - 1].end,
            message: format!("broker {b} went out {} times (at {starts})", tl.windows.len()),
            advice: "In a rolling update each broker restarts once. A broker that goes out again may be crash-looping, failing health checks, or caught by a second operation; check its history. If the windows are one slow restart split by a quiet spell, raise --gap.".into(),
            evidence: merge_evidence(&ev),
        });
    }
}

/// Outage starts a message lists before it says how many more there were.
const LISTED_STARTS: usize = 10;

/// When a broker's windows started, for a message read first thing in the
/// report: the first `LISTED_STARTS`, then how many more and the last. A
/// crash-looping broker, or a week of rolls, is hundreds of windows; the
/// JSON lists each under `brokers[].windows`.
fn outage_starts(windows: &[Window], st: &Stamp) -> String {
    let more = windows.len().saturating_sub(LISTED_STARTS);
    let shown = if more >= 2 { &windows[..LISTED_STARTS] } else { windows };
    let times: Vec<i64> = shown.iter().chain(windows.last().filter(|_| more >= 2)).map(|w| w.start).collect();
    let mut s = st.list(&times);
    if let (2.., Some(last)) = (more, s.last_mut()) {
        *last = format!("and {more} more, the last at {last}");
    }
    s.join(", ")
}

/// Per client: its events of `kind`, with their topic-partitions.
fn by_client(events: &[Event], kind: Kind) -> BTreeMap<Option<&str>, Vec<&Event>> {
    let mut m: BTreeMap<Option<&str>, Vec<&Event>> = BTreeMap::new();
    for e in events.iter().filter(|e| e.kind == kind) {
        m.entry(e.client.as_deref()).or_default().push(e);
    }
    m
}

fn span(evs: &[&Event]) -> (i64, i64) {
    (evs.iter().map(|e| e.start()).min().unwrap_or(0), evs.iter().map(|e| e.time).max().unwrap_or(0))
}

fn brokers_in(evs: &[&Event]) -> Vec<String> {
    let s: BTreeSet<&str> = evs.iter().filter_map(|e| e.broker.as_deref()).collect();
    s.into_iter().map(str::to_string).collect()
}

fn first_lines(evs: &[&Event]) -> Vec<(u32, u64)> {
    evs.iter().take(EVIDENCE).map(|e| (e.input, e.line)).collect()
}

/// "at 10:46:48.014", or "between 10:46:48.014 and 10:47:02.277".
fn when(s: i64, e: i64, st: &Stamp) -> String {
    if s == e {
        format!("at {}", st.at(s))
    } else {
        format!("between {} and {}", st.at(s), st.end(s, e))
    }
}

fn who(client: Option<&str>) -> String {
    client.map_or_else(|| "a client".to_string(), |c| format!("client {c}"))
}

fn lost(events: &[Event], st: &Stamp, out: &mut Vec<Finding>) {
    for (client, evs) in by_client(events, Kind::RecordsExpired) {
        let mut per: BTreeMap<String, u64> = BTreeMap::new();
        for e in &evs {
            *per.entry(e.topic_partition().unwrap_or_else(|| "unknown partition".into())).or_insert(0) +=
                e.count.unwrap_or(1);
        }
        let total: u64 = per.values().sum();
        let list: Vec<String> = per.iter().map(|(tp, n)| format!("{tp} ({n})")).collect();
        let (s, e) = span(&evs);
        out.push(Finding {
            kind: AnomalyKind::RecordsLost,
            severity: Severity::Critical,
            brokers: brokers_in(&evs),
            clients: client.map(str::to_string).into_iter().collect(),
            start: s,
            end: e,
            message: format!(
                "{} lost {total} record(s) {}: they expired before delivery, on {}",
                who(client),
                when(s, e, st),
                list.join(", ")
            ),
            advice: lost_advice(&evs),
            evidence: first_lines(&evs),
        });
    }
}

fn retries_exhausted(events: &[Event], st: &Stamp, out: &mut Vec<Finding>) {
    for (client, evs) in by_client(events, Kind::RetriesExhausted) {
        let (s, e) = span(&evs);
        let topics: BTreeSet<String> = evs.iter().filter_map(|e| e.topic.clone()).collect();
        let on = if topics.is_empty() {
            String::new()
        } else {
            format!(" to {}", topics.into_iter().collect::<Vec<_>>().join(", "))
        };
        out.push(Finding {
            kind: AnomalyKind::RetriesExhausted,
            severity: Severity::Critical,
            brokers: brokers_in(&evs),
            clients: client.map(str::to_string).into_iter().collect(),
            start: s,
            end: e,
            message: format!("{} failed {} request(s){on} for good {}", who(client), evs.len(), when(s, e, st)),
            advice: gave_up_advice(&evs),
            evidence: first_lines(&evs),
        });
    }
}

fn not_enough_replicas(events: &[Event], topics: Option<&Describe>, st: &Stamp, out: &mut Vec<Finding>) {
    let evs: Vec<&Event> = events.iter().filter(|e| e.kind == Kind::NotEnoughReplicas).collect();
    if evs.is_empty() {
        return;
    }
    let (s, e) = span(&evs);
    let tps: BTreeSet<String> = evs.iter().filter_map(|e| e.topic_partition()).collect();
    let clients: BTreeSet<String> = evs.iter().filter_map(|e| e.client.clone()).collect();
    let tps: Vec<String> = tps.into_iter().collect();
    let shown =
        if tps.len() > 6 { format!("{} and {} more", tps[..6].join(", "), tps.len() - 6) } else { tps.join(", ") };
    let topic_names: BTreeSet<&str> = evs.iter().filter_map(|e| e.topic.as_deref()).collect();
    let known: Vec<String> = topic_names
        .iter()
        .filter_map(|t| topics.and_then(|d| d.topic(t)))
        .filter_map(|t| {
            Some(format!(
                "{} has RF {} and min.insync.replicas {}",
                t.name, t.replication_factor?, t.min_insync_replicas?
            ))
        })
        .collect();
    let why = if known.is_empty() {
        "min.insync.replicas is probably equal to the replication factor (give --topics to check)".to_string()
    } else {
        format!("--topics says {}", known.join(", "))
    };
    let advice = format!(
        "With one broker restarting, these partitions had fewer in-sync replicas than min.insync.replicas: {why}, so acks=all producers fail during every roll. Use RF 3 with min.insync.replicas 2 (at most RF - 1)."
    );
    out.push(Finding {
        kind: AnomalyKind::NotEnoughReplicas,
        severity: Severity::Critical,
        brokers: brokers_in(&evs),
        clients: clients.into_iter().collect(),
        start: s,
        end: e,
        message: format!(
            "writes were rejected with NOT_ENOUGH_REPLICAS {} time(s) {}{}",
            evs.len(),
            when(s, e, st),
            if shown.is_empty() { String::new() } else { format!(" on {shown}") }
        ),
        advice,
        evidence: first_lines(&evs),
    });
}

/// Unknown WARN/ERROR lines, grouped by template (numbers, ids and hosts
/// masked) and ranked by how much more often they come inside broker
/// outage windows than outside them: a new client message that the roll
/// provokes rises to the top instead of drowning among known ones.
fn unknown(timelines: &[Timeline], events: &[Event], st: &Stamp) -> Vec<Finding> {
    let mut windows: Vec<(i64, i64)> = timelines
        .iter()
        .filter(|t| t.broker.is_some())
        .flat_map(|t| t.windows.iter().map(|w| (w.start, w.end)))
        .collect();
    windows.sort_unstable();
    let longest = windows.iter().map(|(s, e)| e - s).max().unwrap_or(0);
    // Windows starting after t cannot hold it; of the others only those that
    // started within the longest window of t can (logs of many days hold
    // thousands of windows and unknown lines alike).
    let inside = |t: i64| {
        let upto = windows.partition_point(|&(s, _)| s <= t);
        windows[..upto].iter().rev().take_while(|&&(s, _)| s >= t - longest).any(|&(_, e)| t <= e)
    };
    let mut groups: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in events.iter().filter(|e| e.kind == Kind::Unknown) {
        groups.entry(e.template.as_deref().unwrap_or("")).or_default().push(e);
    }
    let mut ranked: Vec<(f64, Finding)> = Vec::new();
    for (template, evs) in groups {
        let (s, e) = span(&evs);
        let clients: BTreeSet<String> = evs.iter().filter_map(|e| e.client.clone()).collect();
        let n_in = evs.iter().filter(|e| inside(e.time)).count();
        let n_out = evs.len() - n_in;
        let score = (n_in as f64 + 1.0) / (n_out as f64 + 1.0);
        ranked.push((
            score,
            Finding {
                kind: AnomalyKind::UnknownWarnings,
                severity: Severity::Warning,
                brokers: brokers_in(&evs),
                clients: clients.into_iter().collect(),
                start: s,
                end: e,
                message: format!(
                    "{} WARN/ERROR line(s) from Kafka clients that no grammar rule knows ({n_in} inside broker outages, {n_out} outside), {}: \"{}\"",
                    evs.len(),
                    when(s, e, st),
                    template
                ),
                advice: "rollcall cannot tell whether this message is roll noise. Read the evidence lines; if the message is known, add a rule for it with --grammar FILE (the format is that of grammars/java.toml) so it is classified next time.".into(),
                evidence: first_lines(&evs),
            },
        ));
    }
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.start.cmp(&b.1.start)));
    ranked.into_iter().map(|(_, f)| f).collect()
}

/// The latest dump of each client (a client restarted during the roll dumps
/// its configuration again).
fn latest_configs(configs: &[ConfigDump]) -> Vec<&ConfigDump> {
    let mut by: BTreeMap<(String, String), &ConfigDump> = BTreeMap::new();
    for c in configs {
        let key = (c.client.clone().unwrap_or_else(|| format!("input {}", c.input)), c.class.clone());
        match by.get(&key) {
            Some(old) if old.time > c.time => {}
            _ => {
                by.insert(key, c);
            }
        }
    }
    by.into_values().collect()
}

/// Lowest `retries` that can outlast a broker restart: the client default is
/// 2147483647 and delivery.timeout.ms is the real limit; a handful of retries
/// at 100 ms to 1 s of backoff is over in seconds.
const MIN_RETRIES: i64 = 10;
/// A broker restart takes up to about 2 minutes (AWS): batches must outlive it.
const MIN_DELIVERY_TIMEOUT_MS: i64 = 120_000;

/// Producer settings that break the rolling-update practice.
pub fn producer_risks(c: &ConfigDump) -> Vec<String> {
    let mut out = Vec::new();
    let num = |k: &str| c.get(k).and_then(|v| v.parse::<i64>().ok());
    match c.get("acks") {
        Some("0") => out.push("acks = 0: nothing is acknowledged, so anything in flight when a leader restarts is lost".to_string()),
        Some("1") => out.push("acks = 1: only the leader acknowledges, so a write acknowledged just before its leader restarts can be lost".to_string()),
        _ => {}
    }
    let retries = num("retries");
    match retries {
        Some(0) => out.push("retries = 0: every transient error of the restart fails the send".to_string()),
        Some(r) if r < MIN_RETRIES => out.push(format!(
            "retries = {r}: too few to outlast a broker restart (default 2147483647, bounded by delivery.timeout.ms)"
        )),
        _ => {}
    }
    if let Some(d) = num("delivery.timeout.ms").filter(|&d| d < MIN_DELIVERY_TIMEOUT_MS) {
        out.push(format!("delivery.timeout.ms = {d}: shorter than a broker restart (about 2 minutes), so batches expire while it is out"));
    }
    if c.get("enable.idempotence") == Some("false") && retries.is_none_or(|r| r > 0) {
        out.push(
            "enable.idempotence = false with retries on: a retried batch can be written twice or out of order"
                .to_string(),
        );
    }
    out
}

fn config_risk(configs: &[ConfigDump], out: &mut Vec<Finding>) {
    for c in latest_configs(configs) {
        if c.role != Some(Role::Producer) {
            continue;
        }
        let risks = producer_risks(c);
        if risks.is_empty() {
            continue;
        }
        let who = c.client.clone().unwrap_or_else(|| "a producer".into());
        out.push(Finding {
            kind: AnomalyKind::ConfigRisk,
            severity: Severity::Warning,
            brokers: vec![],
            clients: c.client.clone().into_iter().collect(),
            start: c.time,
            end: c.time,
            message: format!("{who} runs with settings that do not ride out a rolling update: {}", risks.join("; ")),
            advice: "The rolling-update practice for producers: acks=all, retries left at the default (2147483647) with delivery.timeout.ms at 120000 or more, and enable.idempotence=true (the default since Kafka 3.0).".into(),
            evidence: vec![(c.input, c.line)],
        });
    }
}

/// Topic settings from `--topics` that break the practice: RF 3 with
/// min.insync.replicas 2 on three AZs.
/// `first`: the time of the first event, which the findings are put at.
fn topic_risk(f: &Facts<'_>, first: i64, out: &mut Vec<Finding>) {
    let Some(d) = f.topics else { return };
    let mut brokers: BTreeSet<String> = d.brokers().iter().map(|b| b.to_string()).collect();
    brokers.extend(f.timelines.iter().filter_map(|t| t.broker.clone()).filter(|b| b.parse::<i32>().is_ok()));
    for t in &d.topics {
        let ev = f.topics_input.map(|i| vec![(i, t.line as u64)]).unwrap_or_default();
        let mut push = |severity: Severity, message: String, advice: &str| {
            out.push(Finding {
                kind: AnomalyKind::ConfigRisk,
                severity,
                brokers: vec![],
                clients: vec![],
                start: first,
                end: first,
                message,
                advice: advice.into(),
                evidence: ev.clone(),
            })
        };
        let (rf, min) = (t.replication_factor, t.min_insync_replicas);
        if rf == Some(1) {
            push(Severity::Critical, format!("topic {} has replication factor 1: its partitions are unavailable while their broker restarts", t.name), "No other replica can take over leadership. Use RF 3 with min.insync.replicas 2 across three AZs (kafka-reassign-partitions.sh can add replicas).");
        }
        if let (Some(rf), Some(min)) = (rf, min) {
            if min >= rf {
                push(Severity::Critical, format!("topic {} has min.insync.replicas {min} with replication factor {rf}: acks=all producers fail while any of its replicas' brokers restarts", t.name), "min.insync.replicas must be at most RF - 1 for writes to go on during a roll. Use RF 3 with min.insync.replicas 2.");
            } else if rf == 2 && min == 1 {
                push(Severity::Warning, format!("topic {} has replication factor 2 with min.insync.replicas 1: a write acknowledged by the leader alone can be lost if that leader restarts before its follower catches up", t.name), "Use RF 3 with min.insync.replicas 2 so that every acknowledged write is on two brokers.");
            }
        }
        if let Some(rf) = rf {
            if !brokers.is_empty() && rf as usize > brokers.len() {
                push(Severity::Warning, format!("topic {} has replication factor {rf} but only {} broker(s) are known: replicas cannot all be placed", t.name, brokers.len()), "RF must not exceed the number of brokers; on MSK use RF 3 on a three-AZ cluster.");
            }
        }
    }
}

/// What makes one client a single-bootstrap case.
struct BootstrapCase {
    reasons: Vec<String>,
    evidence: Vec<(u32, u64)>,
    start: i64,
    /// Seen in behaviour, not only in configuration.
    seen: bool,
}

impl BootstrapCase {
    fn new(start: i64) -> BootstrapCase {
        BootstrapCase { reasons: vec![], evidence: vec![], start, seen: false }
    }
}

/// What `single_bootstrap` needs of one client's events, taken in sort
/// order.
struct Behaviour {
    /// The time of its first event.
    first: i64,
    /// The time it first reached a broker by id.
    first_real: Option<i64>,
    /// Its failures on a bootstrap address before then: how many, the
    /// times of the first and last, their hosts and first lines.
    stuck_n: usize,
    stuck: Option<(i64, i64)>,
    hosts: BTreeSet<String>,
    stuck_ev: Vec<(u32, u64)>,
    /// Its failures at the latest millisecond, not yet counted: they came
    /// before it reached a broker by id only if that happened at a later
    /// millisecond (`e.time < first_real`), and a line at the same one may
    /// still come after them.
    held: Held,
    /// Its timeouts waiting for metadata: the time of the first, their
    /// lines' weight, their first lines.
    waits: Option<i64>,
    waits_weight: usize,
    waits_ev: Vec<(u32, u64)>,
    /// The events of the lines above, held for evidence
    /// ([`Fold::with_evidence`]): at most three times [`EVIDENCE`], as
    /// failures held at one millisecond are dropped once at most.
    events: Vec<Event>,
}

/// Bootstrap failures at one millisecond (`Behaviour::held`).
#[derive(Default)]
struct Held {
    time: i64,
    n: usize,
    /// Their hosts not yet among the counted ones.
    hosts: Vec<String>,
    /// Their first lines.
    ev: Vec<(u32, u64)>,
}

impl Behaviour {
    fn new(first: i64) -> Behaviour {
        Behaviour {
            first,
            first_real: None,
            stuck_n: 0,
            stuck: None,
            hosts: BTreeSet::new(),
            stuck_ev: Vec::new(),
            held: Held::default(),
            waits: None,
            waits_weight: 0,
            waits_ev: Vec::new(),
            events: Vec::new(),
        }
    }

    /// A failure on a bootstrap address (pseudo id below 0).
    fn on_bootstrap(e: &Event) -> bool {
        e.kind == Kind::BootstrapFailed || (e.node.is_some_and(|n| n < 0) && e.is_symptom())
    }

    fn is_wait(e: &Event) -> bool {
        &*e.rule == "java.metadata_wait_timeout"
    }

    /// Adds its next event in sort order; with `hold`, holding the events
    /// of the lines it keeps. Says whether it held this one.
    fn add(&mut self, e: &Event, hold: bool) -> bool {
        let mut held = false;
        if self.first_real.is_none() && e.node.is_some_and(|n| n >= 0) {
            self.first_real = Some(e.time);
            if self.held.time == e.time {
                self.held = Held::default();
            }
            self.settle();
        }
        if Behaviour::on_bootstrap(e) && self.first_real.is_none_or(|r| e.time < r) {
            if self.held.n > 0 && self.held.time != e.time {
                self.settle();
            }
            let h = &mut self.held;
            h.time = e.time;
            h.n += 1;
            if let Some(host) = e.host.as_deref() {
                if !self.hosts.contains(host) && !h.hosts.iter().any(|x| x == host) {
                    h.hosts.push(host.to_string());
                }
            }
            if self.stuck_ev.len() + h.ev.len() < EVIDENCE {
                h.ev.push((e.input, e.line));
                if hold {
                    self.events.push(e.clone());
                    held = true;
                }
            }
        }
        if Behaviour::is_wait(e) {
            self.waits.get_or_insert(e.time);
            self.waits_weight += e.weight as usize;
            if self.waits_ev.len() < EVIDENCE {
                self.waits_ev.push((e.input, e.line));
                if hold {
                    self.events.push(e.clone());
                    held = true;
                }
            }
        }
        held
    }

    /// Counts the held failures.
    fn settle(&mut self) {
        let h = std::mem::take(&mut self.held);
        if h.n == 0 {
            return;
        }
        self.stuck_n += h.n;
        self.stuck = Some((self.stuck.map_or(h.time, |(first, _)| first), h.time));
        self.hosts.extend(h.hosts);
        self.stuck_ev.extend(h.ev);
    }
}

/// A client bootstrapped from one broker: its configuration names one
/// host, or its behaviour shows it never got past its bootstrap address.
/// `clients`: each client's behaviour ([`Fold`]), by name.
fn single_bootstrap(f: &Facts<'_>, clients: &[(String, Behaviour)], out: &mut Vec<Finding>) {
    let st = &f.stamp;
    let mut by: BTreeMap<String, BootstrapCase> = BTreeMap::new();
    for c in latest_configs(f.configs) {
        let servers = c.bootstrap_servers();
        let key = c.client.clone().unwrap_or_else(|| "a client".into());
        if servers.len() == 1 {
            let e = by.entry(key).or_insert_with(|| BootstrapCase::new(c.time));
            e.reasons.push(format!("bootstrap.servers names one broker ({})", servers[0]));
            e.evidence.push((c.input, c.line));
        } else if let Some(az) = one_az(&servers, f) {
            let e = by.entry(key).or_insert_with(|| BootstrapCase::new(c.time));
            e.reasons.push(format!("all {} bootstrap brokers sit in one AZ ({az})", servers.len()));
            e.evidence.push((c.input, c.line));
        }
    }
    for (client, b) in clients {
        // Stuck on its bootstrap address: failures there, for at least the
        // gap, before it ever talked to a broker by id (or it never did).
        let stuck_for = b.stuck.map_or(0, |(first, last)| last - first);
        let mut reasons = Vec::new();
        if let Some((first, _)) = b.stuck.filter(|_| b.stuck_n >= 2) {
            if stuck_for >= f.thresholds.gap_ms || b.first_real.is_none() {
                let then = match b.first_real {
                    Some(_) => "before it reached any broker by id",
                    None => "and never reached a broker by id",
                };
                reasons.push(format!(
                    "it failed on its bootstrap address{} {} time(s) for {} from {} {then}",
                    if b.hosts.len() == 1 { "" } else { "es" },
                    b.stuck_n,
                    human_duration(stuck_for),
                    st.at(first)
                ));
            }
        }
        if b.waits.is_some() {
            reasons.push(format!("send() timed out waiting for metadata {} time(s)", b.waits_weight));
        }
        if reasons.is_empty() {
            continue;
        }
        let case = by.entry(client.to_string()).or_insert_with(|| BootstrapCase::new(b.first));
        case.reasons.extend(reasons);
        case.evidence.extend(b.stuck_ev.iter().chain(&b.waits_ev).take(EVIDENCE));
        case.start = case.start.min(b.stuck.map(|(s, _)| s).or(b.waits).unwrap_or(case.start));
        case.seen = true;
    }
    bootstrap_findings(by, out);
}

/// One finding per client with a bootstrap case.
fn bootstrap_findings(by: BTreeMap<String, BootstrapCase>, out: &mut Vec<Finding>) {
    for (client, BootstrapCase { reasons, evidence, start, seen }) in by {
        out.push(Finding {
            kind: AnomalyKind::SingleBootstrap,
            severity: if seen { Severity::Critical } else { Severity::Warning },
            brokers: vec![],
            clients: vec![client.clone()],
            start,
            end: start,
            message: format!("client {client} depends on a single bootstrap broker: {}", reasons.join("; ")),
            advice: "Name at least one broker per AZ in bootstrap.servers (on MSK, the whole string from `aws kafka get-bootstrap-brokers`). With one, the client cannot start or re-bootstrap while that broker restarts.".into(),
            evidence: evidence.into_iter().take(EVIDENCE).collect(),
        });
    }
}

/// The one rack (AZ) all these bootstrap servers are in, when the logs
/// tell every one of them.
fn one_az(servers: &[String], f: &Facts<'_>) -> Option<String> {
    let mut az: Option<&String> = None;
    for s in servers {
        let host = s.rsplit_once(':').map_or(s.as_str(), |(h, _)| h);
        let broker =
            f.host_broker.get(s).cloned().or_else(|| crate::broker::msk_broker(host).map(|n| n.to_string()))?;
        let rack = f.racks.get(&broker)?;
        if az.is_some_and(|a| a != rack) {
            return None;
        }
        az = Some(rack);
    }
    az.cloned()
}

/// Disruption outside the declared maintenance window (`--maintenance`):
/// the symptoms `o` gathered there.
fn unexplained(timelines: &[Timeline], o: &Outside, (ms, me): (i64, i64), st: &Stamp, out: &mut Vec<Finding>) {
    let Some((s, e)) = o.span else { return };
    let outside_windows: Vec<String> = timelines
        .iter()
        .filter_map(|t| t.broker.as_ref().map(|b| (b, t)))
        .filter(|(_, t)| t.windows.iter().any(|w| w.start < ms || w.end > me))
        .map(|(b, _)| b.clone())
        .collect();
    let who = if outside_windows.is_empty() {
        String::new()
    } else {
        format!("; outages of broker(s) {}", outside_windows.join(", "))
    };
    out.push(Finding {
        kind: AnomalyKind::UnexplainedErrors,
        severity: if outside_windows.is_empty() { Severity::Warning } else { Severity::Critical },
        brokers: outside_windows,
        clients: o.clients.iter().cloned().collect(),
        start: s,
        end: e,
        message: format!(
            "{} disruption event(s) {} fall outside the maintenance window {}{who}",
            o.weight,
            when(s, e, st),
            st.span(ms, me)
        ),
        advice: "The rolling update does not explain these: look for another cause (a broker failure, a network problem, a second operation) in the broker and cluster metrics for that time.".into(),
        evidence: o.evidence.clone(),
    });
}

fn merge_evidence(lists: &[&[(u32, u64)]]) -> Vec<(u32, u64)> {
    let mut out: Vec<(u32, u64)> = Vec::new();
    // Round-robin so that every window shows its first lines.
    for k in 0..EVIDENCE {
        for l in lists {
            if let Some(x) = l.get(k) {
                if out.len() < EVIDENCE && !out.contains(x) {
                    out.push(*x);
                }
            }
        }
    }
    out
}

/// The client family whose events are a finding's evidence: the prefix of
/// `Event.rule` (`librdkafka.connection_failed`). Advice names that client's
/// own settings, since a librdkafka or Go user has no `delivery.timeout.ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    Java,
    Librdkafka,
    Kafkajs,
    Sarama,
    FranzGo,
}

impl Family {
    fn of(rule: &str) -> Option<Family> {
        match rule.split_once('.').map_or(rule, |(family, _)| family) {
            "java" => Some(Family::Java),
            "librdkafka" => Some(Family::Librdkafka),
            "kafkajs" => Some(Family::Kafkajs),
            "sarama" => Some(Family::Sarama),
            "franz-go" => Some(Family::FranzGo),
            _ => None,
        }
    }

    /// How the family's producer outlasts a broker restart: its name, the
    /// retry settings, and the write settings. Names and defaults as the
    /// clients define them: librdkafka CONFIGURATION.md; kafkajs
    /// src/retry/defaults.js and the broker's produce() (acks -1); Sarama
    /// config.go (NewConfig, Validate); franz-go pkg/kgo/config.go.
    fn producer_knobs(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Family::Java => (
                "the Java client",
                "keep retries at its default (MAX_INT) and delivery.timeout.ms at 120000 or more",
                "use acks=all with enable.idempotence=true",
            ),
            Family::Librdkafka => (
                "librdkafka (confluent-kafka, node-rdkafka)",
                "keep message.timeout.ms (alias delivery.timeout.ms, default 300000) longer than a restart and leave message.send.max.retries (alias retries) at its default (2147483647 in current releases, 2 in old ones)",
                "use acks=all with enable.idempotence=true",
            ),
            Family::Kafkajs => (
                "kafkajs",
                "raise the client's retry options (retries, default 5; maxRetryTime, default 30000 ms) so that retrying outlasts a restart",
                "send with acks: -1 (the default) and create the producer with idempotent: true",
            ),
            Family::Sarama => (
                "Sarama",
                "raise Producer.Retry.Max (default 3) and Producer.Retry.Backoff (default 100ms) so that retrying outlasts a restart (Producer.Timeout, default 10s, bounds one request only)",
                "set Producer.RequiredAcks = WaitForAll (the default is WaitForLocal) and Producer.Idempotent = true",
            ),
            Family::FranzGo => (
                "franz-go",
                "leave RecordRetries and RecordDeliveryTimeout unset (unlimited by default) or set them beyond a restart",
                "keep RequiredAcks(AllISRAcks()) and idempotent writes (both defaults; DisableIdempotentWrite turns the latter off)",
            ),
        }
    }
}

/// The families of `evs`, Java when none is known (a user grammar's own
/// family): the advice rollcall has always given.
fn families(evs: &[&Event]) -> BTreeSet<Family> {
    let mut set: BTreeSet<Family> = evs.iter().filter_map(|e| Family::of(&e.rule)).collect();
    if set.is_empty() {
        set.insert(Family::Java);
    }
    set
}

/// The settings of each family in `evs`, as `clause` picks them from
/// (name, retry settings, write settings): the clause alone for one family,
/// "for X, ...; for Y, ..." for several.
fn knobs_of(evs: &[&Event], clause: impl Fn(&str, &str) -> String) -> String {
    let fams = families(evs);
    let said = |f: &Family| {
        let (_, retry, writes) = f.producer_knobs();
        clause(retry, writes)
    };
    if fams.len() == 1 {
        return fams.iter().map(said).collect();
    }
    fams.iter().map(|f| format!("for {}, {}", f.producer_knobs().0, said(f))).collect::<Vec<_>>().join("; ")
}

fn lost_advice(evs: &[&Event]) -> String {
    format!(
        "These records were never written. Producers must outlast a broker restart: {}, and handle failed sends in the application (resend or dead-letter them).",
        knobs_of(evs, |retry, writes| format!("{retry}, {writes}"))
    )
}

fn gave_up_advice(evs: &[&Event]) -> String {
    if families(evs) == BTreeSet::from([Family::Java]) {
        return "The client gave up: its retries or delivery.timeout.ms were too small to outlast a broker restart, or the error was not retriable (see the evidence). Keep retries at the default (MAX_INT), delivery.timeout.ms at 120000 or more, and acks=all with idempotence.".into();
    }
    format!(
        "The client gave up: its retry limits were too small to outlast a broker restart, or the error was not retriable (see the evidence). To retry long enough: {}.",
        knobs_of(evs, |retry, _| retry.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::Hosts;
    use crate::correlate::timelines;
    use crate::event::{Broker, Gist};
    use crate::timefmt::Zone;
    use std::sync::Arc;

    fn ev(time: i64, kind: Kind, broker: Option<&str>) -> Event {
        let mut e = Event::new(
            Gist {
                kind,
                rule: "t".into(),
                topic: Some("orders".into()),
                partition: Some(2),
                client: Some("p".into()),
                ..Gist::default()
            },
            time,
            0,
            (time / 1000) as u64 + 1,
        );
        e.count = Some(5);
        e.broker = broker.map(Broker::from);
        e
    }

    static NONE: BTreeMap<String, String> = BTreeMap::new();

    fn facts<'a>(tl: &'a [Timeline], evs: &'a [Event], configs: &'a [ConfigDump], zone: &'a Zone) -> Facts<'a> {
        Facts {
            timelines: tl,
            configs,
            racks: &NONE,
            host_broker: &NONE,
            topics: None,
            topics_input: None,
            maintenance: None,
            thresholds: Thresholds::default(),
            stamp: Stamp::new(*zone, evs.first().zip(evs.last()).map(|(a, b)| (a.time, b.time))),
        }
    }

    fn kinds(evs: &[Event], end: i64) -> Vec<AnomalyKind> {
        let t = Thresholds::default();
        let tl = timelines(evs, &Hosts::new(), t.gap_ms, Some(end), false).0;
        findings(&facts(&tl, evs, &[], &Zone::default()), evs).iter().map(|f| f.kind).collect()
    }

    #[test]
    fn one_at_a_time_is_quiet() {
        let mut evs = Vec::new();
        for (b, start) in [("1", 0), ("2", 200_000), ("3", 400_000)] {
            for i in 0..10 {
                evs.push(ev(start + i * 1_000, Kind::ConnectionFailed, Some(b)));
            }
        }
        assert!(kinds(&evs, 700_000).is_empty());
    }

    #[test]
    fn overlap_beyond_tolerance_is_critical() {
        let mut evs: Vec<Event> = (0..30).map(|i| ev(i * 1_000, Kind::ConnectionFailed, Some("2"))).collect();
        evs.extend((0..10).map(|i| ev(20_000 + i * 1_000, Kind::ConnectionFailed, Some("3"))));
        evs.sort_by_key(|e| e.time);
        assert_eq!(kinds(&evs, 600_000), vec![AnomalyKind::OverlappingOutage]);
        // A single line of broker 3 inside broker 2's window is not an overlap.
        let mut evs: Vec<Event> = (0..30).map(|i| ev(i * 1_000, Kind::ConnectionFailed, Some("2"))).collect();
        evs.push(ev(10_500, Kind::ConnectionFailed, Some("3")));
        evs.sort_by_key(|e| e.time);
        assert!(kinds(&evs, 600_000).is_empty());
    }

    proptest::proptest! {
        /// Only the windows of the other broker near each window are
        /// compared, yet every pair that overlaps beyond the tolerance is
        /// found, in the pairwise order (each window of the first broker,
        /// then the second's).
        #[test]
        fn overlaps_found_by_halving_are_the_pairwise_overlaps(
            brokers in proptest::collection::vec(
                proptest::collection::vec((1i64..90_000, crate::correlate::span_lengths(80_000)), 1..25),
                3,
            ),
        ) {
            let t = Thresholds::default();
            // Each broker's windows apart and in order, as `timelines` makes them.
            let tls: Vec<Timeline> = brokers
                .iter()
                .zip(["1", "2", "3"])
                .map(|(ws, b)| {
                    let mut at = 0;
                    let spans: Vec<(i64, i64)> = ws
                        .iter()
                        .map(|&(pause, len)| {
                            let start = at + pause;
                            at = start + len;
                            (start, at)
                        })
                        .collect();
                    Timeline::of_spans(b, &spans)
                })
                .collect();
            let mut want = Vec::new();
            for (i, ta) in tls.iter().enumerate() {
                for tb in &tls[i + 1..] {
                    for wa in &ta.windows {
                        for wb in &tb.windows {
                            let (s, e) = (wa.start.max(wb.start), wa.end.min(wb.end));
                            if e - s > t.overlap_tolerance_ms {
                                want.push((s, e));
                            }
                        }
                    }
                }
            }
            let mut out = Vec::new();
            overlapping(&tls, &t, &Stamp::new(Zone::default(), None), &mut out);
            let got: Vec<(i64, i64)> = out.iter().map(|f| (f.start, f.end)).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn long_repeated_and_never_recovered() {
        let mut evs: Vec<Event> = (0..400).map(|i| ev(i * 1_000, Kind::ConnectionFailed, Some("1"))).collect();
        evs.push(ev(1_000_000, Kind::ConnectionFailed, Some("1")));
        let k = kinds(&evs, 1_000_000);
        assert_eq!(k, vec![AnomalyKind::LongOutage, AnomalyKind::RepeatedOutage]);
        let evs: Vec<Event> = (0..100).map(|i| ev(i * 1_000, Kind::ConnectionFailed, Some("1"))).collect();
        assert_eq!(kinds(&evs, 100_000), vec![AnomalyKind::BrokerNeverRecovered]);
    }

    #[test]
    fn a_broker_out_many_times_is_told_in_a_line() {
        let message = |n: i64| {
            let spans: Vec<(i64, i64)> = (0..n).map(|i| (i * 600_000, i * 600_000 + 10_000)).collect();
            let mut out = Vec::new();
            let range = spans.first().zip(spans.last()).map(|(a, b)| (a.0, b.1));
            repeated(&[Timeline::of_spans("1", &spans)], &Stamp::new(Zone::default(), range), &mut out);
            out.pop().map(|f| f.message).unwrap_or_default()
        };
        assert_eq!(message(2), "broker 1 went out 2 times (at 00:00:00.000, 00:10:00.000)");
        // Ten starts, then how many more and the last: a week of them, so
        // the first says its day, and so does the last, six days on.
        let m = message(1_000);
        assert!(m.starts_with("broker 1 went out 1000 times (at 1970-01-01 00:00:00.000, 00:10:00.000, "), "{m}");
        assert!(m.ends_with(", 01:30:00.000, and 990 more, the last at 1970-01-07 22:30:00.000)"), "{m}");
        assert_eq!(m.matches(':').count(), 2 * 11, "{m}");
        // One more than ten is listed, not counted.
        assert!(message(11).ends_with(", 01:30:00.000, 01:40:00.000)"));
    }

    fn dump(class: &str, entries: &[(&str, &str)]) -> ConfigDump {
        ConfigDump {
            time: 1_000,
            input: 0,
            line: 7,
            class: class.into(),
            role: Role::from_name(class.as_bytes()),
            client: Some("p1".into()),
            entries: entries.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn producer_settings_that_break_the_practice() {
        let good = dump(
            "ProducerConfig",
            &[
                ("acks", "-1"),
                ("retries", "2147483647"),
                ("delivery.timeout.ms", "120000"),
                ("enable.idempotence", "true"),
            ],
        );
        assert!(producer_risks(&good).is_empty());
        let bad = dump(
            "ProducerConfig",
            &[("acks", "1"), ("retries", "3"), ("delivery.timeout.ms", "30000"), ("enable.idempotence", "false")],
        );
        let r = producer_risks(&bad);
        assert_eq!(r.len(), 4, "{r:?}");
        assert!(r[0].starts_with("acks = 1"));
        let zone = Zone::default();
        let f = findings(&facts(&[], &[], std::slice::from_ref(&bad), &zone), &[]);
        assert_eq!(f.iter().map(|f| f.kind).collect::<Vec<_>>(), vec![AnomalyKind::ConfigRisk]);
        assert_eq!(f[0].evidence, vec![(0, 7)]);
        assert!(f[0].advice.contains("acks=all"));
    }

    /// The behaviour half of [`single_bootstrap`] as it was before it
    /// kept no list of a client's events: each client's events gathered,
    /// then filtered into lists.
    fn bootstrap_gathered(f: &Facts<'_>, events: &[Event]) -> Vec<Finding> {
        let st = &f.stamp;
        let mut by: BTreeMap<String, BootstrapCase> = BTreeMap::new();
        // Indices (4 bytes an event), one client's references at a time: this
        // runs beside every kept event and window (`impact::clients`).
        let mut per_client: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for (i, e) in events.iter().enumerate() {
            if let Some(c) = &e.client {
                per_client.entry(c).or_default().push(i as u32);
            }
        }
        for (client, idx) in per_client {
            let evs: Vec<&Event> = idx.iter().map(|&i| &events[i as usize]).collect();
            let boot: Vec<&&Event> = evs
                .iter()
                .filter(|e| e.kind == Kind::BootstrapFailed || (e.node.is_some_and(|n| n < 0) && e.is_symptom()))
                .collect();
            // Stuck on its bootstrap address: failures there, for at least the
            // gap, before it ever talked to a broker by id (or it never did).
            let first_real = evs.iter().find(|e| e.node.is_some_and(|n| n >= 0)).map(|e| e.time);
            let stuck: Vec<&&Event> = boot.iter().copied().filter(|e| first_real.is_none_or(|r| e.time < r)).collect();
            let stuck_for = stuck.last().map_or(0, |l| l.time - stuck[0].time);
            let waits: Vec<&&Event> = evs.iter().filter(|e| &*e.rule == "java.metadata_wait_timeout").collect();
            let mut reasons = Vec::new();
            if stuck.len() >= 2 && (stuck_for >= f.thresholds.gap_ms || first_real.is_none()) {
                let hosts: BTreeSet<String> = stuck.iter().filter_map(|e| e.host.clone()).collect();
                let then = match first_real {
                    Some(_) => "before it reached any broker by id",
                    None => "and never reached a broker by id",
                };
                reasons.push(format!(
                    "it failed on its bootstrap address{} {} time(s) for {} from {} {then}",
                    if hosts.len() == 1 { "" } else { "es" },
                    stuck.len(),
                    human_duration(stuck_for),
                    st.at(stuck[0].time)
                ));
            }
            if !waits.is_empty() {
                reasons.push(format!(
                    "send() timed out waiting for metadata {} time(s)",
                    crate::thin::weight(waits.iter().copied().copied())
                ));
            }
            if reasons.is_empty() {
                continue;
            }
            let case = by.entry(client.to_string()).or_insert_with(|| BootstrapCase::new(evs[0].time));
            case.reasons.extend(reasons);
            case.evidence.extend(stuck.iter().chain(waits.iter()).take(EVIDENCE).map(|e| (e.input, e.line)));
            case.start = case.start.min(stuck.first().or(waits.first()).map_or(case.start, |e| e.time));
            case.seen = true;
        }
        let mut out = Vec::new();
        bootstrap_findings(by, &mut out);
        out
    }

    /// [`unexplained`] as it was before the fold: the symptoms outside
    /// the window gathered into a list.
    fn unexplained_gathered(tl: &[Timeline], events: &[Event], (ms, me): (i64, i64), st: &Stamp) -> Vec<Finding> {
        let evs: Vec<&Event> = events.iter().filter(|e| e.is_symptom() && (e.time < ms || e.time > me)).collect();
        let o = Outside {
            weight: crate::thin::weight(evs.iter().copied()),
            span: (!evs.is_empty()).then(|| span(&evs)),
            clients: evs.iter().filter_map(|e| e.client.clone()).collect(),
            evidence: first_lines(&evs),
            events: Vec::new(),
        };
        let mut out = Vec::new();
        unexplained(tl, &o, (ms, me), st, &mut out);
        out
    }

    proptest::proptest! {
        /// The fold gathers the symptoms outside the maintenance window as
        /// the list did: their weight, span (from the earliest line a
        /// thinned event stands for), clients and first lines.
        #[test]
        fn unexplained_folded_is_unexplained_gathered(
            lines in proptest::collection::vec((0i64..40, 0usize..4, 0usize..3, 1u32..4, 0u32..3_000), 0..50),
            (ms, len) in (0i64..40, 0i64..20),
        ) {
            let zone = Zone::default();
            let mut evs: Vec<Event> = lines
                .iter()
                .enumerate()
                .map(|(i, &(at, kind, client, weight, span))| {
                    let kind = [Kind::ConnectionFailed, Kind::CoordinatorDiscovered, Kind::NotLeader, Kind::RequestTimeout][kind];
                    let mut e = ev(at * 1_000, kind, None);
                    e.gist = Arc::new(Gist { client: ["p", "q", ""].get(client).filter(|c| !c.is_empty()).map(|c| c.to_string()), ..(*e.gist).clone() });
                    (e.line, e.weight) = (i as u64, weight);
                    e.set_start(e.time - i64::from(span));
                    e
                })
                .collect();
            evs.sort_by_key(Event::sort_key);
            let m = (ms * 1_000, (ms + len) * 1_000);
            let t = Thresholds::default();
            let tl = timelines(&evs, &Hosts::new(), t.gap_ms, Some(50_000), false).0;
            let mut fx = facts(&tl, &evs, &[], &zone);
            fx.maintenance = Some(m);
            let got: Vec<Finding> =
                findings(&fx, &evs).into_iter().filter(|f| f.kind == AnomalyKind::UnexplainedErrors).collect();
            proptest::prop_assert_eq!(got, unexplained_gathered(&tl, &evs, m, &fx.stamp));
        }
    }

    proptest::proptest! {
        /// The fold's one pass in sort order finds what gathering each
        /// client's events found, whatever the mix of clients, bootstrap
        /// failures, brokers reached by id, metadata timeouts, hosts and
        /// equal times: a failure at the millisecond its client first
        /// reaches a broker by id is not counted, even when it sorts
        /// before that line (`Behaviour::held`).
        #[test]
        fn bootstrap_behaviour_without_lists_is_the_behaviour_gathered(
            lines in proptest::collection::vec((0i64..60, 0usize..3, 0usize..4, 0usize..5, 0usize..3, 1u32..3), 0..60),
        ) {
            let zone = Zone::default();
            let mut evs: Vec<Event> = lines
                .iter()
                .enumerate()
                .map(|(i, &(at, client, kind, node, host, weight))| {
                    let kind = [Kind::ConnectionFailed, Kind::BootstrapFailed, Kind::CoordinatorDiscovered, Kind::RequestTimeout][kind];
                    let mut e = ev(at * 2_000, kind, None);
                    let rule = if node == 4 { "java.metadata_wait_timeout" } else { "t" };
                    let gist = Gist {
                        client: ["p", "q", "r"].get(client).map(|c| c.to_string()),
                        rule: rule.into(),
                        ..(*e.gist).clone()
                    };
                    e.gist = Arc::new(gist);
                    e.node = [Some(-1), Some(2), None, Some(-3), None][node];
                    e.host = ["b-1.x", "b-2.x", ""].get(host).filter(|h| !h.is_empty()).map(|h| h.to_string());
                    (e.line, e.weight) = (i as u64, weight);
                    e
                })
                .collect();
            evs.sort_by_key(Event::sort_key);
            let f = facts(&[], &evs, &[], &zone);
            let mut got = Vec::new();
            let seen = Fold::over(&evs, None, true);
            single_bootstrap(&f, &seen.clients, &mut got);
            // Each evidence line's event is held, for what the line said.
            for &l in got.iter().flat_map(|f| &f.evidence) {
                let want = evs.iter().find(|e| (e.input, e.line) == l);
                proptest::prop_assert!(want.is_some_and(|w| seen.held().any(|e| e == w)), "line {:?} not held", l);
            }
            proptest::prop_assert_eq!(got, bootstrap_gathered(&f, &evs));
        }
    }

    /// A failure on the bootstrap address at the very millisecond the
    /// client first reaches a broker by id did not come before it, even
    /// when its line sorts first: the fold holds it until it knows
    /// (`Behaviour::held`). Here it would be counted, and its line shown
    /// beside the metadata timeout's.
    #[test]
    fn a_bootstrap_failure_at_the_ms_of_the_first_broker_by_id_is_not_before_it() {
        let zone = Zone::default();
        let mut wait = ev(0, Kind::RequestTimeout, None);
        wait.gist = Arc::new(Gist { rule: "java.metadata_wait_timeout".into(), ..(*wait.gist).clone() });
        let mut on_bootstrap = ev(4_000, Kind::ConnectionFailed, None);
        (on_bootstrap.node, on_bootstrap.host) = (Some(-1), Some("b-1.x".into()));
        let mut by_id = ev(4_000, Kind::ConnectionFailed, None);
        (by_id.node, by_id.line) = (Some(2), on_bootstrap.line + 1);
        let evs = vec![wait, on_bootstrap, by_id];
        assert!(evs.is_sorted_by_key(Event::sort_key));
        let f = findings(&facts(&[], &evs, &[], &zone), &evs);
        let sb: Vec<&Finding> = f.iter().filter(|f| f.kind == AnomalyKind::SingleBootstrap).collect();
        assert_eq!(sb.len(), 1, "the metadata timeout alone makes the finding");
        assert_eq!(sb[0].evidence, vec![(evs[0].input, evs[0].line)]);
    }

    #[test]
    fn single_bootstrap_from_config_and_from_behaviour() {
        let zone = Zone::default();
        let one = dump("ConsumerConfig", &[("bootstrap.servers", "[b-1.x:9094]")]);
        let f = findings(&facts(&[], &[], std::slice::from_ref(&one), &zone), &[]);
        assert_eq!((f[0].kind, f[0].severity), (AnomalyKind::SingleBootstrap, Severity::Warning));
        let mut evs: Vec<Event> = (0..5).map(|i| ev(i * 1_000, Kind::ConnectionFailed, None)).collect();
        for e in &mut evs {
            e.node = Some(-1);
            e.host = Some("b-1.x".into());
        }
        let f = findings(&facts(&[], &evs, &[], &zone), &evs);
        let sb: Vec<&Finding> = f.iter().filter(|f| f.kind == AnomalyKind::SingleBootstrap).collect();
        assert_eq!(sb.len(), 1);
        assert_eq!(sb[0].severity, Severity::Critical);
        assert!(sb[0].message.contains("and never reached a broker by id"), "{}", sb[0].message);
        let by_id = |t: i64| {
            let mut e = ev(t, Kind::ConnectionFailed, None);
            e.node = Some(2);
            e
        };
        evs.push(by_id(9_000));
        let f = findings(&facts(&[], &evs, &[], &zone), &evs);
        assert!(f.iter().all(|f| f.kind != AnomalyKind::SingleBootstrap), "4 s on bootstrap, then broker 2 by id");
        // Stuck for longer than the gap before the first broker by id.
        let mut evs: Vec<Event> = (0..40)
            .map(|i| {
                let mut e = ev(i * 1_000, Kind::ConnectionFailed, None);
                e.node = Some(-1);
                e
            })
            .collect();
        evs.push(by_id(45_000));
        let f = findings(&facts(&[], &evs, &[], &zone), &evs);
        let sb: Vec<&Finding> = f.iter().filter(|f| f.kind == AnomalyKind::SingleBootstrap).collect();
        assert!(
            sb[0].message.contains("40 time(s) for 39.0s from")
                && sb[0].message.ends_with("before it reached any broker by id"),
            "{}",
            sb[0].message
        );
    }

    #[test]
    fn bootstrap_brokers_all_in_one_az() {
        let zone = Zone::default();
        let two = dump(
            "ConsumerConfig",
            &[("bootstrap.servers", "[b-1.demo.abc.c2.kafka.us-east-1.amazonaws.com:9094, kafka-2.internal:9094]")],
        );
        let mut racks = BTreeMap::new();
        racks.insert("1".to_string(), "use1-az1".to_string());
        racks.insert("2".to_string(), "use1-az1".to_string());
        let mut hosts = BTreeMap::new();
        hosts.insert("kafka-2.internal:9094".to_string(), "2".to_string());
        let mut fx = facts(&[], &[], std::slice::from_ref(&two), &zone);
        fx.racks = &racks;
        fx.host_broker = &hosts;
        let f = findings(&fx, &[]);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("all 2 bootstrap brokers sit in one AZ (use1-az1)"), "{}", f[0].message);
        let mut two_azs = racks.clone();
        two_azs.insert("2".to_string(), "use1-az2".to_string());
        let mut fx = facts(&[], &[], std::slice::from_ref(&two), &zone);
        fx.racks = &two_azs;
        fx.host_broker = &hosts;
        assert!(findings(&fx, &[]).is_empty(), "two AZs are fine");
    }

    #[test]
    fn disruption_outside_maintenance_is_unexplained() {
        let evs: Vec<Event> = (0..10).map(|i| ev(100_000 + i * 1_000, Kind::ConnectionFailed, Some("3"))).collect();
        let t = Thresholds::default();
        let tl = timelines(&evs, &Hosts::new(), t.gap_ms, Some(400_000), false).0;
        let zone = Zone::default();
        let mut fx = facts(&tl, &evs, &[], &zone);
        fx.maintenance = Some((0, 200_000));
        assert!(findings(&fx, &evs).is_empty());
        fx.maintenance = Some((0, 50_000));
        let f = findings(&fx, &evs);
        assert_eq!((f[0].kind, f[0].severity), (AnomalyKind::UnexplainedErrors, Severity::Critical));
        assert_eq!(f[0].brokers, vec!["3"]);
    }

    #[test]
    fn unknown_warnings_rank_by_their_tie_to_outages() {
        let mut evs: Vec<Event> = (0..10).map(|i| ev(i * 1_000, Kind::ConnectionFailed, Some("1"))).collect();
        for (t, tpl) in [
            (2_000, "new in roll"),
            (3_000, "new in roll"),
            (500_000, "always"),
            (600_000, "always"),
            (5_000, "always"),
        ] {
            let mut e = ev(t, Kind::Unknown, None);
            e.template = Some(tpl.into());
            evs.push(e);
        }
        evs.sort_by_key(|e| e.time);
        let t = Thresholds::default();
        let tl = timelines(&evs, &Hosts::new(), t.gap_ms, Some(700_000), false).0;
        let zone = Zone::default();
        let f: Vec<Finding> = findings(&facts(&tl, &evs, &[], &zone), &evs)
            .into_iter()
            .filter(|f| f.kind == AnomalyKind::UnknownWarnings)
            .collect();
        assert!(f[0].message.ends_with("\"new in roll\""), "{}", f[0].message);
        assert!(f[0].message.contains("(2 inside broker outages, 0 outside)"));
        assert!(f[1].message.contains("(1 inside broker outages, 2 outside)"));
    }

    #[test]
    fn loss_and_replica_findings_count_records() {
        let evs = vec![
            ev(1_000, Kind::RecordsExpired, None),
            ev(2_000, Kind::RecordsExpired, None),
            ev(3_000, Kind::NotEnoughReplicas, None),
        ];

        let zone = Zone::default();
        let f = findings(&facts(&[], &evs, &[], &zone), &evs);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].kind, AnomalyKind::RecordsLost);
        assert!(f[0].message.contains("lost 10 record(s)"), "{}", f[0].message);
        assert!(f[0].message.contains("orders-2 (10)"));
        assert_eq!(f[0].evidence, vec![(0, 2), (0, 3)]);
        assert_eq!(f[1].kind, AnomalyKind::NotEnoughReplicas);
    }

    fn from(rule: &str, time: i64) -> Event {
        let mut e = ev(time, Kind::RecordsExpired, Some("2"));
        e.rule = rule.into();
        e
    }

    fn advice_of(evs: &[Event], kind: AnomalyKind) -> String {
        let zone = Zone::default();
        let f = findings(&facts(&[], evs, &[], &zone), evs);
        f.into_iter().find(|f| f.kind == kind).expect("the finding").advice
    }

    #[test]
    fn records_lost_advice_names_the_settings_of_the_client_that_lost_them() {
        let rdk = advice_of(&[from("librdkafka.message_timed_out", 1_000)], AnomalyKind::RecordsLost);
        assert!(rdk.contains("message.timeout.ms"), "{rdk}");
        assert!(rdk.contains("message.send.max.retries"), "{rdk}");
        assert!(!rdk.contains("Java"), "one family, no label: {rdk}");

        let java = advice_of(&[from("java.batch_expired", 1_000)], AnomalyKind::RecordsLost);
        assert!(java.contains("delivery.timeout.ms at 120000"), "{java}");
        assert!(!java.contains("message.timeout.ms"), "{java}");

        let go = advice_of(&[from("sarama.produce_failed", 1_000)], AnomalyKind::RecordsLost);
        assert!(go.contains("Producer.Retry.Max") && !go.contains("delivery.timeout.ms"), "{go}");
        let kgo = advice_of(&[from("franz-go.records_failed", 1_000)], AnomalyKind::RecordsLost);
        assert!(kgo.contains("RecordDeliveryTimeout"), "{kgo}");
    }

    #[test]
    fn mixed_evidence_gives_each_familys_settings() {
        // One client id logged through two families: both sets of settings.
        let evs = [from("java.batch_expired", 1_000), from("kafkajs.send_failed", 2_000)];
        let a = advice_of(&evs, AnomalyKind::RecordsLost);
        assert!(a.contains("for the Java client, keep retries"), "{a}");
        assert!(a.contains("for kafkajs, raise the client's retry options"), "{a}");
    }

    #[test]
    fn gave_up_advice_follows_the_family_and_keeps_the_java_text() {
        let mut e = from("kafkajs.consumer_crashed", 1_000);
        e.kind = Kind::RetriesExhausted;
        let a = advice_of(&[e], AnomalyKind::RetriesExhausted);
        assert!(a.contains("maxRetryTime") && !a.contains("delivery.timeout.ms"), "{a}");
        assert!(!a.contains("idempotent"), "a consumer that gave up needs retry settings only: {a}");
        let mut e = from("java.retries_exhausted", 1_000);
        e.kind = Kind::RetriesExhausted;
        let a = advice_of(&[e], AnomalyKind::RetriesExhausted);
        assert!(a.starts_with("The client gave up: its retries or delivery.timeout.ms"), "{a}");
        // An unknown family (a user grammar) keeps the Java advice.
        assert_eq!(families(&[&from("acme.lost", 1)]), BTreeSet::from([Family::Java]));
    }
}
