//! The small owned value that everything after extraction works on.
//!
//! An `Event` is one recognised log record: its time in UTC milliseconds, its
//! kind (the contract's vocabulary), the broker identity as the line gave it,
//! and where it came from (input and 1-based line). Nothing here borrows log
//! bytes; a report that wants the text finds it again by input and line.

use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

/// The contract's event vocabulary (`CONTRACT.md`, "Event kinds").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    NotLeader,
    LeaderNotAvailable,
    ConnectionFailed,
    Disconnected,
    RequestTimeout,
    CoordinatorUnavailable,
    CoordinatorDiscovered,
    MetadataError,
    RecordsExpired,
    RetriesExhausted,
    NotEnoughReplicas,
    OffsetCommitFailed,
    Rebalance,
    BootstrapFailed,
    AllBrokersDown,
    #[default]
    Unknown,
}

impl Kind {
    pub const ALL: [Kind; 16] = [
        Kind::NotLeader,
        Kind::LeaderNotAvailable,
        Kind::ConnectionFailed,
        Kind::Disconnected,
        Kind::RequestTimeout,
        Kind::CoordinatorUnavailable,
        Kind::CoordinatorDiscovered,
        Kind::MetadataError,
        Kind::RecordsExpired,
        Kind::RetriesExhausted,
        Kind::NotEnoughReplicas,
        Kind::OffsetCommitFailed,
        Kind::Rebalance,
        Kind::BootstrapFailed,
        Kind::AllBrokersDown,
        Kind::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NotLeader => "not_leader",
            Kind::LeaderNotAvailable => "leader_not_available",
            Kind::ConnectionFailed => "connection_failed",
            Kind::Disconnected => "disconnected",
            Kind::RequestTimeout => "request_timeout",
            Kind::CoordinatorUnavailable => "coordinator_unavailable",
            Kind::CoordinatorDiscovered => "coordinator_discovered",
            Kind::MetadataError => "metadata_error",
            Kind::RecordsExpired => "records_expired",
            Kind::RetriesExhausted => "retries_exhausted",
            Kind::NotEnoughReplicas => "not_enough_replicas",
            Kind::OffsetCommitFailed => "offset_commit_failed",
            Kind::Rebalance => "rebalance",
            Kind::BootstrapFailed => "bootstrap_failed",
            Kind::AllBrokersDown => "all_brokers_down",
            Kind::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A symptom is evidence that a broker is out. `coordinator_discovered`
    /// is the opposite: evidence that the broker it names is up.
    pub fn is_symptom(self) -> bool {
        self != Kind::CoordinatorDiscovered
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Log levels as the layouts name them. librdkafka's syslog numbers map here
/// too, but a level is never a severity: classification is by template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl Level {
    pub fn parse(s: &[u8]) -> Option<Level> {
        Some(match s {
            // `trce`, `dbug`, `fail` and `crit` are .NET's console logger words.
            b"TRACE" | b"trace" | b"trce" => Level::Trace,
            b"DEBUG" | b"debug" | b"FINE" | b"dbug" => Level::Debug,
            b"INFO" | b"info" => Level::Info,
            b"WARN" | b"warn" | b"WARNING" | b"warning" => Level::Warn,
            b"ERROR" | b"error" | b"SEVERE" | b"fail" => Level::Error,
            b"FATAL" | b"fatal" | b"CRITICAL" | b"crit" => Level::Fatal,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }
}

/// What kind of client logged a line, from its LogContext (`[Producer ...]`)
/// or its configuration dump (`ProducerConfig values:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Producer,
    Consumer,
    Admin,
}

impl Role {
    /// `Producer`, `Consumer`, `ShareConsumer`, `AdminClient`, and the config
    /// classes `ProducerConfig`, `ConsumerConfig`, `AdminClientConfig`.
    /// The word `as_str` gives back (`--format events` read as input).
    pub fn parse(s: &str) -> Option<Role> {
        [Role::Producer, Role::Consumer, Role::Admin].into_iter().find(|r| r.as_str() == s)
    }

    pub fn from_name(word: &[u8]) -> Option<Role> {
        let w = word.strip_suffix(b"Config").unwrap_or(word);
        match w {
            // Lower case: librdkafka's `rdkafka#producer-1`.
            b"Producer" | b"producer" => Some(Role::Producer),
            b"Consumer" | b"ShareConsumer" | b"consumer" => Some(Role::Consumer),
            b"AdminClient" | b"LegacyAdminClient" => Some(Role::Admin),
            _ => None,
        }
    }

    /// The role of a kafkajs message by the namespace it starts with, the
    /// name a part of the client gives its logger (`logger.namespace(..)`):
    /// the consumer's `Consumer`, `ConsumerGroup`, `Runner`, `RunnerPool`,
    /// `FetchManager`, `Fetcher`, `FetcherPool`; the producer's `Producer`.
    /// `Connection`, `BrokerPool` and `Cluster` serve both: no role.
    pub fn from_kafkajs_namespace(message: &[u8]) -> Option<Role> {
        let rest = message.strip_prefix(b"[")?;
        let name = &rest[..memchr::memchr(b']', rest)?];
        match name {
            b"Producer" => Some(Role::Producer),
            b"Consumer" | b"ConsumerGroup" | b"Runner" | b"RunnerPool" | b"FetchManager" | b"Fetcher"
            | b"FetcherPool" => Some(Role::Consumer),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Producer => "producer",
            Role::Consumer => "consumer",
            Role::Admin => "admin",
        }
    }
}

/// Where a finding's proof is: the input's display name and a 1-based line
/// (the head line of a multi-line record).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Evidence {
    pub input: String,
    pub line: u64,
}

/// What a recognised record says: the failure, the broker and the client
/// as the line gave them, but not when or where it was logged. Alike lines
/// (a client repeating `NOT_LEADER_OR_FOLLOWER` for one partition all
/// through a window) say the same thing, so their events share one `Gist`
/// (`thin::Gists`): a long input's memory is its bursts, not its lines.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Gist {
    pub kind: Kind,
    /// The grammar rule id (`java.connection_failed`), or `unknown`.
    pub rule: std::sync::Arc<str>,
    pub level: Option<Level>,
    /// The node id as logged: a real id, a bootstrap pseudo id (`-1`) or a
    /// group-coordinator id (`2147483645`).
    pub node: Option<i64>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub topic: Option<String>,
    pub partition: Option<i32>,
    /// The error name or text the line carried, trimmed.
    pub error: Option<String>,
    pub client: Option<String>,
    pub role: Option<Role>,
    /// Retries left, when the line says (`retrying (2 attempts left)`).
    pub attempts: Option<u64>,
    /// Records involved (`Expiring 5 record(s)`). Such lines are rare and
    /// never thinned, so their count may as well live here.
    pub count: Option<u64>,
    /// The line is the broker's own answer (e.g. `NOT_COORDINATOR`): the
    /// broker it names is up, so it is evidence of recovery, not an outage.
    pub answered: bool,
    /// For unknown events: the message with numbers and hosts masked, so
    /// that alike lines group together.
    pub template: Option<String>,
}

/// One recognised record: when and where it was logged, and what it says
/// (its [`Gist`], read through `Deref`: `event.kind`, `event.client`).
/// The `broker` field is filled in later by `broker::resolve`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// What the line says, shared with alike events. Written through
    /// `DerefMut`, which copies it first when it is shared.
    pub gist: Arc<Gist>,
    /// UTC milliseconds since the epoch.
    pub time: i64,
    /// Index of the input in `Analysis::inputs`.
    pub input: u32,
    pub line: u64,
    /// The resolved broker (`"2"`, or `host:port`), set by `broker::resolve`.
    pub broker: Option<Arc<str>>,
    /// How the broker was found: `line` (the line names it), `leader` (the
    /// partition's leader in `--topics`), `time` (the one broker out at that
    /// moment), or none.
    pub attributed: Option<Attribution>,
    /// The line repeats a failure its client already logged: librdkafka's
    /// error event, printed by librdkafka (facility `ERROR`) or by the
    /// application's error callback (`KafkaError{...}`). See
    /// `extract::drop_echoes`.
    pub echo: bool,
    /// How many log lines this event stands for: 1, or more when alike
    /// events were thinned to bound memory (see `thin`). Counts add weights.
    pub weight: u32,
    /// The time of the earliest line it stands for: `time`, unless it
    /// stands for a run of alike lines, none more than `--gap` after the
    /// one before, from `start` to `time`.
    pub start: i64,
}

impl std::ops::Deref for Event {
    type Target = Gist;

    fn deref(&self) -> &Gist {
        &self.gist
    }
}

impl std::ops::DerefMut for Event {
    fn deref_mut(&mut self) -> &mut Gist {
        Arc::make_mut(&mut self.gist)
    }
}

/// One copy of each gist a run of events says, so that alike events share
/// it: a kept event then costs its place and time, not its strings.
///
/// Extraction shares the gists of each chunk (in parallel), and each
/// input's settled events share them again across chunks (`thin`). The
/// second pass mostly meets gists the first has shared, so it looks them
/// up by pointer: only a chunk's first telling of a gist is hashed by its
/// contents. A pointer entry keeps its `Arc` alive, so the address cannot
/// be reused for another gist while the entry stands; the entries are
/// dropped together past `POINTERS`, which bounds them on a long stream.
#[derive(Default)]
pub struct Gists {
    shared: HashSet<Arc<Gist>, foldhash::fast::RandomState>,
    /// A gist met before (kept alive here), by address, and its shared copy.
    by_ptr: HashMap<usize, (Arc<Gist>, Arc<Gist>), foldhash::fast::RandomState>,
}

/// Pointer entries kept before they are all dropped.
const POINTERS: usize = 1 << 12;

impl Gists {
    pub fn share(&mut self, e: &mut Event) {
        let ptr = Arc::as_ptr(&e.gist) as usize;
        if let Some((_, shared)) = self.by_ptr.get(&ptr) {
            e.gist = shared.clone();
            return;
        }
        let shared = match self.shared.get(&e.gist) {
            Some(g) => g.clone(),
            None => {
                self.shared.insert(e.gist.clone());
                e.gist.clone()
            }
        };
        if self.by_ptr.len() >= POINTERS {
            self.by_ptr.clear();
        }
        let met = std::mem::replace(&mut e.gist, shared.clone());
        self.by_ptr.insert(ptr, (met, shared));
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Attribution {
    /// The line names the broker (node id, coordinator id, host).
    Line,
    /// The partition's leader, from `--topics`.
    Leader,
    /// The one broker out at that moment.
    Time,
}

impl Event {
    /// One line's event: what it says, when, and where (`input`, `line`).
    pub fn new(gist: Gist, time: i64, input: u32, line: u64) -> Event {
        Event {
            gist: Arc::new(gist),
            time,
            input,
            line,
            broker: None,
            attributed: None,
            echo: false,
            weight: 1,
            start: time,
        }
    }

    /// Evidence that its broker is out (not a recovery, not an answer).
    pub fn is_symptom(&self) -> bool {
        self.kind.is_symptom() && !self.answered
    }

    /// The order every report uses: time, then input, then line.
    pub fn sort_key(&self) -> (i64, u32, u64) {
        (self.time, self.input, self.line)
    }

    /// `topic-partition` when both are known, else the topic alone.
    pub fn topic_partition(&self) -> Option<String> {
        match (&self.topic, self.partition) {
            (Some(t), Some(p)) => Some(format!("{t}-{p}")),
            (Some(t), None) => Some(t.clone()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(partition: i32) -> Event {
        Event::new(Gist { kind: Kind::NotLeader, partition: Some(partition), ..Gist::default() }, 0, 0, 1)
    }

    #[test]
    fn kafkajs_namespaces_name_roles() {
        assert_eq!(
            Role::from_kafkajs_namespace(b"[Runner] The group is rebalancing, re-joining"),
            Some(Role::Consumer)
        );
        assert_eq!(Role::from_kafkajs_namespace(b"[ConsumerGroup] Consumer has joined"), Some(Role::Consumer));
        assert_eq!(Role::from_kafkajs_namespace(b"[Producer] Failed to send messages: x"), Some(Role::Producer));
        assert_eq!(Role::from_kafkajs_namespace(b"[Connection] Connection error: x"), None);
        assert_eq!(Role::from_kafkajs_namespace(b"[Consumer clientId=c-1] Node 2 disconnected."), None);
        assert_eq!(Role::from_kafkajs_namespace(b"Producer] x"), None);
        assert_eq!(Role::from_kafkajs_namespace(b"[Producer"), None);
    }

    #[test]
    fn equal_gists_become_one_however_they_arrive() {
        // Two chunks, each shared on its own, then the input's pass.
        let mut chunks: Vec<Vec<Event>> = (0..2).map(|_| (0..4).map(|i| said(i % 2)).collect()).collect();
        for c in &mut chunks {
            let mut g = Gists::default();
            c.iter_mut().for_each(|e| g.share(e));
            assert!(Arc::ptr_eq(&c[0].gist, &c[2].gist), "shared within a chunk");
        }
        assert!(!Arc::ptr_eq(&chunks[0][0].gist, &chunks[1][0].gist), "chunks share apart");
        let mut input = Gists::default();
        let mut all: Vec<Event> = chunks.into_iter().flatten().collect();
        all.iter_mut().for_each(|e| input.share(e));
        for e in &all {
            let first = all.iter().find(|f| f.partition == e.partition).unwrap();
            assert!(Arc::ptr_eq(&e.gist, &first.gist), "partition {:?}", e.partition);
        }
        assert!(!Arc::ptr_eq(&all[0].gist, &all[1].gist), "different gists stay apart");
        // Past the pointer entries' bound they are dropped, not the sharing.
        let mut many: Vec<Event> = (0..2 * POINTERS as i32 + 3).map(|i| said(i % (POINTERS as i32 + 1))).collect();
        many.iter_mut().for_each(|e| input.share(e));
        for (a, b) in many.iter().zip(&many[POINTERS + 1..]) {
            assert!(Arc::ptr_eq(&a.gist, &b.gist), "partition {:?}", a.partition);
        }
        assert!(input.by_ptr.len() <= POINTERS);
    }

    #[test]
    fn an_event_without_its_gist_fits_in_a_cache_line() {
        // A long stream keeps one per alike run and window: its size is
        // the memory per window once gists are shared (`thin::Gists`).
        assert!(std::mem::size_of::<Event>() <= 64, "{} bytes", std::mem::size_of::<Event>());
    }
}
