//! The noise model: one small rule per contract anomaly kind, each a pure
//! function of the windows and events, giving findings with a severity,
//! a sentence naming the brokers, clients and times, advice grounded in the
//! rolling-update best practice, and evidence lines.
//!
//! The model of a healthy roll: brokers go out one at a time, each briefly
//! and once, and clients retry and recover. Everything else is a finding.

use crate::correlate::Timeline;
use crate::event::{Event, Kind};
use crate::timefmt::{clock, human_duration, Zone};
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

/// Runs every rule; findings come out most severe first, then by time.
pub fn findings(timelines: &[Timeline], events: &[Event], t: &Thresholds, zone: &Zone) -> Vec<Finding> {
    let mut out = Vec::new();
    overlapping(timelines, t, zone, &mut out);
    per_window(timelines, t, zone, &mut out);
    repeated(timelines, zone, &mut out);
    lost(events, zone, &mut out);
    grouped_by_client(events, Kind::RetriesExhausted, zone, &mut out);
    not_enough_replicas(events, zone, &mut out);
    unknown(events, zone, &mut out);
    out.sort_by_key(|f| (f.severity, f.start, f.kind));
    out
}

fn brokers_of(timelines: &[Timeline]) -> impl Iterator<Item = (&String, &Timeline)> {
    timelines.iter().filter_map(|tl| tl.broker.as_ref().map(|b| (b, tl)))
}

fn overlapping(timelines: &[Timeline], t: &Thresholds, zone: &Zone, out: &mut Vec<Finding>) {
    let list: Vec<_> = brokers_of(timelines).collect();
    for (i, (a, ta)) in list.iter().enumerate() {
        for (b, tb) in &list[i + 1..] {
            for wa in &ta.windows {
                for wb in &tb.windows {
                    let (s, e) = (wa.start.max(wb.start), wa.end.min(wb.end));
                    if e - s <= t.overlap_tolerance_ms {
                        continue;
                    }
                    let mut pair = [a.as_str(), b.as_str()];
                    pair.sort_by_key(|x| (x.len(), x.to_string()));
                    let clients: BTreeSet<String> = wa.clients.union(&wb.clients).cloned().collect();
                    out.push(Finding {
                        kind: AnomalyKind::OverlappingOutage,
                        severity: Severity::Critical,
                        brokers: pair.iter().map(|x| x.to_string()).collect(),
                        clients: clients.into_iter().collect(),
                        start: s,
                        end: e,
                        message: format!(
                            "brokers {} and {} were out together for {} ({} → {})",
                            pair[0], pair[1], human_duration(e - s), clock(s, zone), clock(e, zone)
                        ),
                        advice: "A rolling update restarts one broker at a time and waits for its partitions to catch up; two brokers out together breaks that. Check the cluster operation and broker health for this interval (MSK console, CloudWatch OfflinePartitionsCount and UnderReplicatedPartitions). Topics need RF 3 with min.insync.replicas 2 across three AZs to ride out a second broker loss without losing writes.".into(),
                        evidence: merge_evidence(&[&wa.evidence, &wb.evidence]),
                    });
                }
            }
        }
    }
}

fn per_window(timelines: &[Timeline], t: &Thresholds, zone: &Zone, out: &mut Vec<Finding>) {
    for (b, tl) in brokers_of(timelines) {
        for w in &tl.windows {
            let clients: Vec<String> = w.clients.iter().cloned().collect();
            if w.open {
                out.push(Finding {
                    kind: AnomalyKind::BrokerNeverRecovered,
                    severity: Severity::Critical,
                    brokers: vec![b.clone()],
                    clients: clients.clone(),
                    start: w.start,
                    end: w.end,
                    message: format!(
                        "broker {b} was still out when the logs end: symptoms from {} until {} ({}), with no sign of it coming back",
                        clock(w.start, zone), clock(w.end, zone), human_duration(w.duration())
                    ),
                    advice: "Check that broker now (MSK console: cluster operation state and broker status; CloudWatch: its metrics stopped?). While it is out its partitions are under-replicated and one more broker loss makes them unavailable. If the logs were only cut during the restart, analyse logs that run past it.".into(),
                    evidence: w.evidence.clone(),
                });
            }
            if w.duration() > t.max_outage_ms {
                out.push(Finding {
                    kind: AnomalyKind::LongOutage,
                    severity: Severity::Warning,
                    brokers: vec![b.clone()],
                    clients,
                    start: w.start,
                    end: w.end,
                    message: format!(
                        "broker {b} was out for {} ({} → {}), longer than the {} a restart should take",
                        human_duration(w.duration()), clock(w.start, zone), clock(w.end, zone), human_duration(t.max_outage_ms)
                    ),
                    advice: "AWS puts the client impact of a broker restart at about 2 minutes at most. A longer outage points at a slow start (log recovery after an unclean shutdown), a broker that failed health checks, or a stuck operation: check the broker and the operation's progress. If slow restarts are normal here, raise --max-outage.".into(),
                    evidence: w.evidence.clone(),
                });
            }
        }
    }
}

fn repeated(timelines: &[Timeline], zone: &Zone, out: &mut Vec<Finding>) {
    for (b, tl) in brokers_of(timelines) {
        if tl.windows.len() < 2 {
            continue;
        }
        let starts: Vec<String> = tl.windows.iter().map(|w| clock(w.start, zone)).collect();
        let clients: BTreeSet<String> = tl.windows.iter().flat_map(|w| w.clients.iter().cloned()).collect();
        let ev: Vec<&Vec<(u32, u64)>> = tl.windows.iter().map(|w| &w.evidence).collect();
        out.push(Finding {
            kind: AnomalyKind::RepeatedOutage,
            severity: Severity::Warning,
            brokers: vec![b.clone()],
            clients: clients.into_iter().collect(),
            start: tl.windows[0].start,
            end: tl.windows[tl.windows.len() - 1].end,
            message: format!("broker {b} went out {} times (at {})", tl.windows.len(), starts.join(", ")),
            advice: "In a rolling update each broker restarts once. A broker that goes out again may be crash-looping, failing health checks, or caught by a second operation; check its history. If the windows are one slow restart split by a quiet spell, raise --gap.".into(),
            evidence: merge_evidence(&ev),
        });
    }
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
    (evs.iter().map(|e| e.time).min().unwrap_or(0), evs.iter().map(|e| e.time).max().unwrap_or(0))
}

fn brokers_in(evs: &[&Event]) -> Vec<String> {
    let s: BTreeSet<String> = evs.iter().filter_map(|e| e.broker.clone()).collect();
    s.into_iter().collect()
}

fn first_lines(evs: &[&Event]) -> Vec<(u32, u64)> {
    evs.iter().take(EVIDENCE).map(|e| (e.input, e.line)).collect()
}

fn who(client: Option<&str>) -> String {
    client.map_or_else(|| "a client".to_string(), |c| format!("client {c}"))
}

fn lost(events: &[Event], zone: &Zone, out: &mut Vec<Finding>) {
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
                "{} lost {total} record(s) between {} and {}: they expired before delivery, on {}",
                who(client), clock(s, zone), clock(e, zone), list.join(", ")
            ),
            advice: "These records were never written. Producers must outlast a broker restart: keep retries at its default (MAX_INT) and delivery.timeout.ms at 120000 or more, use acks=all with enable.idempotence=true, and handle failed sends in the application (resend or dead-letter them).".into(),
            evidence: first_lines(&evs),
        });
    }
}

fn grouped_by_client(events: &[Event], kind: Kind, zone: &Zone, out: &mut Vec<Finding>) {
    for (client, evs) in by_client(events, kind) {
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
            message: format!("{} failed {} request(s){on} for good between {} and {}", who(client), evs.len(), clock(s, zone), clock(e, zone)),
            advice: "The client gave up: its retries or delivery.timeout.ms were too small to outlast a broker restart, or the error was not retriable (see the evidence). Keep retries at the default (MAX_INT), delivery.timeout.ms at 120000 or more, and acks=all with idempotence.".into(),
            evidence: first_lines(&evs),
        });
    }
}

fn not_enough_replicas(events: &[Event], zone: &Zone, out: &mut Vec<Finding>) {
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
    out.push(Finding {
        kind: AnomalyKind::NotEnoughReplicas,
        severity: Severity::Critical,
        brokers: brokers_in(&evs),
        clients: clients.into_iter().collect(),
        start: s,
        end: e,
        message: format!(
            "writes were rejected with NOT_ENOUGH_REPLICAS {} time(s) between {} and {}{}",
            evs.len(), clock(s, zone), clock(e, zone), if shown.is_empty() { String::new() } else { format!(" on {shown}") }
        ),
        advice: "With one broker restarting, these partitions had fewer in-sync replicas than min.insync.replicas: min.insync.replicas is probably equal to the replication factor, so acks=all producers fail during every roll. Use RF 3 with min.insync.replicas 2 (at most RF - 1).".into(),
        evidence: first_lines(&evs),
    });
}

fn unknown(events: &[Event], zone: &Zone, out: &mut Vec<Finding>) {
    let mut groups: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in events.iter().filter(|e| e.kind == Kind::Unknown) {
        groups.entry(e.template.as_deref().unwrap_or("")).or_default().push(e);
    }
    for (template, evs) in groups {
        let (s, e) = span(&evs);
        let clients: BTreeSet<String> = evs.iter().filter_map(|e| e.client.clone()).collect();
        out.push(Finding {
            kind: AnomalyKind::UnknownWarnings,
            severity: Severity::Warning,
            brokers: brokers_in(&evs),
            clients: clients.into_iter().collect(),
            start: s,
            end: e,
            message: format!(
                "{} WARN/ERROR line(s) from Kafka clients that no grammar rule knows, between {} and {}: \"{}\"",
                evs.len(), clock(s, zone), clock(e, zone), template
            ),
            advice: "rollcall cannot tell whether this message is roll noise. Read the evidence lines; if the message is known, add a rule for it with --grammar FILE (the format is that of grammars/java.toml) so it is classified next time.".into(),
            evidence: first_lines(&evs),
        });
    }
}

fn merge_evidence(lists: &[&Vec<(u32, u64)>]) -> Vec<(u32, u64)> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::Hosts;
    use crate::correlate::timelines;

    fn ev(time: i64, kind: Kind, broker: Option<&str>) -> Event {
        Event {
            time,
            kind,
            rule: "t".into(),
            level: None,
            node: None,
            host: None,
            port: None,
            topic: Some("orders".into()),
            partition: Some(2),
            count: Some(5),
            error: None,
            client: Some("p".into()),
            input: 0,
            line: (time / 1000) as u64 + 1,
            broker: broker.map(str::to_string),
            attributed: None,
            answered: false,
            template: None,
        }
    }

    fn kinds(evs: &[Event], end: i64) -> Vec<AnomalyKind> {
        let t = Thresholds::default();
        let tl = timelines(evs, &Hosts::new(), t.gap_ms, Some(end));
        findings(&tl, evs, &t, &Zone::default()).iter().map(|f| f.kind).collect()
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
    fn loss_and_replica_findings_count_records() {
        let evs = vec![
            ev(1_000, Kind::RecordsExpired, None),
            ev(2_000, Kind::RecordsExpired, None),
            ev(3_000, Kind::NotEnoughReplicas, None),
        ];
        let t = Thresholds::default();
        let f = findings(&[], &evs, &t, &Zone::default());
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].kind, AnomalyKind::RecordsLost);
        assert!(f[0].message.contains("lost 10 record(s)"), "{}", f[0].message);
        assert!(f[0].message.contains("orders-2 (10)"));
        assert_eq!(f[0].evidence, vec![(0, 2), (0, 3)]);
        assert_eq!(f[1].kind, AnomalyKind::NotEnoughReplicas);
    }
}
