//! The small owned value that everything after extraction works on.
//!
//! An `Event` is one recognised log record: its time in UTC milliseconds, its
//! kind (the contract's vocabulary), the broker identity as the line gave it,
//! and where it came from (input and 1-based line). An event borrows no log
//! bytes; a report that wants the text finds it again by input and line.
//! Only a [`GistView`] borrows a line's text, while extraction looks its
//! gist up ([`Gists::intern`]) before copying anything.

use hashbrown::hash_table::{Entry, HashTable};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
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

/// What a recognised record says: the failure, the broker and the client
/// as the line gave them, but not when or where it was logged. Alike lines
/// (a client repeating `NOT_LEADER_OR_FOLLOWER` for one partition all
/// through a window) say the same thing, so their events share one `Gist`
/// (`thin::Gists`): a long input's memory is its bursts, not its lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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

/// A [`Gist`] as a line says it, its text borrowed from the line where it
/// is valid UTF-8: what [`Gists::intern`] looks up before anything is
/// allocated. Most lines repeat a gist their chunk met moments before, and
/// then they cost a hash and a comparison, not five strings and an `Arc`
/// made only to be dropped (issue 4, session 5). Its fields are the gist's,
/// one for one; equal views are equal gists and hash alike, since a gist is
/// only ever hashed through its view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GistView<'a> {
    pub kind: Kind,
    pub rule: &'a Arc<str>,
    pub level: Option<Level>,
    pub node: Option<i64>,
    pub host: Option<Cow<'a, str>>,
    pub port: Option<u16>,
    pub topic: Option<Cow<'a, str>>,
    pub partition: Option<i32>,
    pub error: Option<Cow<'a, str>>,
    pub client: Option<Cow<'a, str>>,
    pub role: Option<Role>,
    pub attempts: Option<u64>,
    pub count: Option<u64>,
    pub answered: bool,
    pub template: Option<Cow<'a, str>>,
}

impl<'a> GistView<'a> {
    /// A view of nothing but the rule, to be filled in from a line.
    pub fn new(rule: &'a Arc<str>) -> GistView<'a> {
        GistView {
            kind: Kind::default(),
            rule,
            level: None,
            node: None,
            host: None,
            port: None,
            topic: None,
            partition: None,
            error: None,
            client: None,
            role: None,
            attempts: None,
            count: None,
            answered: false,
            template: None,
        }
    }

    /// The owned gist: borrowed text copied, owned text moved. Every field
    /// is named (no `..`), so a field added to `Gist` must be added here.
    pub fn into_gist(self) -> Gist {
        let own = |s: Option<Cow<'_, str>>| s.map(Cow::into_owned);
        Gist {
            kind: self.kind,
            rule: self.rule.clone(),
            level: self.level,
            node: self.node,
            host: own(self.host),
            port: self.port,
            topic: own(self.topic),
            partition: self.partition,
            error: own(self.error),
            client: own(self.client),
            role: self.role,
            attempts: self.attempts,
            count: self.count,
            answered: self.answered,
            template: own(self.template),
        }
    }
}

/// Equal views hash alike (a gist is only ever hashed through its view):
/// the hash reads the same parts of equal fields. A text is hashed by its
/// length and its first and last eight bytes, not whole: hashing all of a
/// view's text (~300 bytes; an error text is up to 200) was a fifth of
/// interning a record's gist (issue 4, session 6). Alike lines differ in
/// their numbers, or in where their texts start or end, so the table stays
/// spread; equality still compares whole texts.
impl Hash for GistView<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        fn word(w: &[u8]) -> u64 {
            match <[u8; 8]>::try_from(w) {
                Ok(a) => u64::from_le_bytes(a),
                Err(_) => w.iter().fold(0, |acc, &x| acc << 8 | u64::from(x)),
            }
        }
        // A few words, each written once: every write is a multiply.
        let text = |t: Option<&str>| match t.map(str::as_bytes) {
            None => u64::MAX,
            Some(b) => {
                let n = b.len();
                word(&b[..n.min(8)]) ^ word(&b[n.saturating_sub(8)..]).rotate_left(29) ^ (n as u64).rotate_left(53)
            }
        };
        let small = u64::from(self.kind as u8)
            | u64::from(self.level.map_or(0xff, |l| l as u8)) << 8
            | u64::from(self.role.map_or(0xff, |r| r as u8)) << 16
            | u64::from(self.answered) << 24
            | u64::from(self.port.map_or(u32::MAX, u32::from)) << 32;
        h.write_u64(small ^ text(Some(&**self.rule)).rotate_left(17));
        h.write_u64(self.node.map_or(u64::MAX, |n| n as u64) ^ text(self.host.as_deref()).rotate_left(7));
        h.write_u64(self.partition.map_or(u64::MAX, |p| p as u64) ^ text(self.topic.as_deref()).rotate_left(7));
        h.write_u64(self.attempts.unwrap_or(u64::MAX) ^ text(self.error.as_deref()).rotate_left(7));
        h.write_u64(self.count.unwrap_or(u64::MAX) ^ text(self.client.as_deref()).rotate_left(7));
        h.write_u64(text(self.template.as_deref()));
    }
}

impl Gist {
    /// The gist as a view, for lookups among views (`Gists`).
    pub fn view(&self) -> GistView<'_> {
        fn text(s: &Option<String>) -> Option<Cow<'_, str>> {
            s.as_deref().map(Cow::Borrowed)
        }
        GistView {
            kind: self.kind,
            rule: &self.rule,
            level: self.level,
            node: self.node,
            host: text(&self.host),
            port: self.port,
            topic: text(&self.topic),
            partition: self.partition,
            error: text(&self.error),
            client: text(&self.client),
            role: self.role,
            attempts: self.attempts,
            count: self.count,
            answered: self.answered,
            template: text(&self.template),
        }
    }
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
    pub broker: Option<Broker>,
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
    /// How long before `time` the earliest line it stands for was logged
    /// (`start`): 0, unless it stands for a run of alike lines, none more
    /// than `--gap` after the one before. Four bytes, not a second `i64`:
    /// `thin` ends a run before it spans `MAX_SPAN_MS`.
    span: u32,
}

/// The longest run of alike lines one event stands for (`Event::start`):
/// some 49 days.
pub const MAX_SPAN_MS: i64 = u32::MAX as i64;

/// A resolved broker's name (`"2"`, or `host:port`), shared by its events:
/// one pointer, where an `Arc<str>` is two, in every kept event (issue 4,
/// session 8). Compares, orders and hashes as its text.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Broker(Arc<String>);

impl std::ops::Deref for Broker {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Broker {
    /// One shared name, not two alike (for tests of the sharing).
    #[cfg(test)]
    pub fn ptr_eq(a: &Broker, b: &Broker) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl From<&str> for Broker {
    fn from(name: &str) -> Broker {
        Broker(Arc::new(name.to_string()))
    }
}

impl fmt::Debug for Broker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl fmt::Display for Broker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
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

/// Client names, each made once and numbered, found from the gist that
/// names them: the folds of the end phase (windows, the clients' impact,
/// the rules) keep what they gather per client by number, hold no event
/// and allocate nothing for a name already met.
pub struct ClientNames {
    hasher: foldhash::fast::RandomState,
    by_text: HashTable<usize>,
    names: Vec<Arc<str>>,
    /// The client of a few gists met lately, by the gist's address: alike
    /// events share their gist, so most events find their client with no
    /// hash of its name and no comparison of texts. Each gist is held, so
    /// that its address stays its own; [`CLIENT_GISTS`] of them at most.
    by_gist: Box<[Option<GistClient>]>,
}

/// A gist, held, and the number of the client it names.
type GistClient = (Arc<Gist>, Option<usize>);

/// Gists whose clients [`ClientNames`] keeps at hand.
const CLIENT_GISTS: usize = 64;

impl Default for ClientNames {
    fn default() -> ClientNames {
        ClientNames {
            hasher: Default::default(),
            by_text: HashTable::new(),
            names: Vec::new(),
            by_gist: vec![None; CLIENT_GISTS].into_boxed_slice(),
        }
    }
}

impl ClientNames {
    /// The number of the client `gist` names, if it names one.
    pub fn of(&mut self, gist: &Arc<Gist>) -> Option<usize> {
        // Fibonacci hashing of the address: its high bits pick the slot.
        let at = (Arc::as_ptr(gist) as usize as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            >> (64 - CLIENT_GISTS.trailing_zeros());
        let slot = &self.by_gist[at as usize];
        if let Some((_, client)) = slot.as_ref().filter(|(g, _)| Arc::ptr_eq(g, gist)) {
            return *client;
        }
        let client = gist.client.as_deref().map(|c| self.id(c));
        self.by_gist[at as usize] = Some((gist.clone(), client));
        client
    }

    /// The number of the client `name`, found without allocating once met.
    pub fn id(&mut self, name: &str) -> usize {
        let hash = self.hasher.hash_one(name);
        let ClientNames { hasher, by_text, names, .. } = self;
        if let Some(&c) = by_text.find(hash, |&c| &*names[c] == name) {
            return c;
        }
        names.push(Arc::from(name));
        by_text.insert_unique(hash, names.len() - 1, |&c| hasher.hash_one(&*names[c]));
        names.len() - 1
    }

    /// Every name met, by number.
    pub fn names(&self) -> &[Arc<str>] {
        &self.names
    }
}

/// One copy of each gist a run of events says, so that alike events share
/// it: a kept event then costs its place and time, not its strings.
///
/// Extraction interns each line's gist from its borrowed view as it reads
/// the line ([`Gists::intern`], one table per chunk, in parallel): a gist
/// the chunk met before costs no allocation. Each input's settled events
/// share them again across chunks (`thin`, [`Gists::share`]). That second
/// pass mostly meets gists already shared within their chunk, so it looks
/// them up by pointer: only a chunk's first telling of a gist is hashed by
/// its contents. A pointer entry keeps its `Arc` alive, so the address
/// cannot be reused for another gist while the entry stands; the entries
/// are dropped together past `POINTERS`, which bounds them on a long stream.
#[derive(Default)]
pub struct Gists {
    /// foldhash, not SipHash: hashed once per event.
    hasher: foldhash::fast::RandomState,
    /// The shared gists, found by their views' hash and contents.
    shared: HashTable<Arc<Gist>>,
    /// A gist met before (kept alive here), by address, and its shared copy.
    by_ptr: HashMap<usize, (Arc<Gist>, Arc<Gist>), foldhash::fast::RandomState>,
}

/// Pointer entries kept before they are all dropped.
const POINTERS: usize = 1 << 12;

impl Gists {
    /// The shared gist equal to `view`; made from the view (its borrowed
    /// text copied) only when there is none yet.
    pub fn intern(&mut self, view: GistView<'_>) -> Arc<Gist> {
        self.find_or_insert(view, |v| Arc::new(v.into_gist()))
    }

    /// Makes `e` share the gist equal to its own (module doc above).
    pub fn share(&mut self, e: &mut Event) {
        let ptr = Arc::as_ptr(&e.gist) as usize;
        if let Some((_, shared)) = self.by_ptr.get(&ptr) {
            e.gist = shared.clone();
            return;
        }
        let met = e.gist.clone();
        let shared = self.find_or_insert(met.view(), |_| met.clone());
        if self.by_ptr.len() >= POINTERS {
            self.by_ptr.clear();
        }
        e.gist = shared.clone();
        self.by_ptr.insert(ptr, (met, shared));
    }

    /// Makes `e`, whose gist was made for it alone, share the equal gist
    /// met before; unlike [`Gists::share`] nothing keeps its own copy.
    pub fn adopt(&mut self, e: &mut Event) {
        let own = e.gist.clone();
        e.gist = self.find_or_insert(own.view(), |_| own.clone());
    }

    /// Makes a finished input's events share the gists of the inputs
    /// finished before it. Within an input alike events already share one
    /// gist, so each is looked up once by contents (then by address, in a
    /// map dropped at the end: nothing keeps the input's own copies). A
    /// directory of a thousand small logs otherwise kept a thousand copies
    /// of what their clients say alike (issue 4, session 8).
    pub fn share_input(&mut self, events: &mut [Event]) {
        let mut met: HashMap<usize, Arc<Gist>, foldhash::fast::RandomState> = HashMap::default();
        for e in events {
            let ptr = Arc::as_ptr(&e.gist) as usize;
            match met.get(&ptr) {
                Some(shared) => e.gist = shared.clone(),
                None => {
                    self.adopt(e);
                    met.insert(ptr, e.gist.clone());
                }
            }
        }
    }

    /// The one lookup both ways in go through: by the view's hash, then
    /// its contents; `make` runs only on a miss.
    fn find_or_insert(&mut self, view: GistView<'_>, make: impl FnOnce(GistView<'_>) -> Arc<Gist>) -> Arc<Gist> {
        let hasher = &self.hasher;
        let hash = hasher.hash_one(&view);
        match self.shared.entry(hash, |g| g.view() == view, |g| hasher.hash_one(g.view())) {
            Entry::Occupied(o) => o.get().clone(),
            Entry::Vacant(v) => v.insert(make(view)).get().clone(),
        }
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
    /// `gist` is an owned `Gist` or one already shared (`Gists::intern`).
    pub fn new(gist: impl Into<Arc<Gist>>, time: i64, input: u32, line: u64) -> Event {
        Event { gist: gist.into(), time, input, line, broker: None, attributed: None, echo: false, weight: 1, span: 0 }
    }

    /// The time of the earliest line it stands for: `time`, unless it
    /// stands for a run of alike lines (`span`).
    pub fn start(&self) -> i64 {
        self.time.saturating_sub(i64::from(self.span))
    }

    /// Makes it stand for lines from `start` on: `start` is at most `time`,
    /// and at most `MAX_SPAN_MS` before it (`thin` ends runs sooner), else
    /// it is clamped there.
    pub fn set_start(&mut self, start: i64) {
        self.span = u32::try_from(self.time.saturating_sub(start).clamp(0, MAX_SPAN_MS)).unwrap_or(u32::MAX);
    }

    /// Evidence that its broker is out (not a recovery, not an answer).
    pub fn is_symptom(&self) -> bool {
        self.kind.is_symptom() && !self.answered
    }

    /// The order every report uses: time, then input, then line.
    pub fn sort_key(&self) -> (i64, u32, u64) {
        (self.time, self.input, self.line)
    }

    /// Gives it the broker `named` (and how that is known), or none.
    pub fn name_broker(&mut self, named: Option<&(Broker, Attribution)>) {
        match named {
            Some((b, how)) => {
                self.broker = Some(b.clone());
                self.attributed = Some(*how);
            }
            None => self.broker = None,
        }
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

    /// Many gists, more than the cache holds and sharing its slots, name
    /// a few clients: each gist finds its client's one number, by address
    /// or by text alike, again and again; a gist with no client finds none.
    #[test]
    fn client_names_number_each_client_once() {
        let clients = ["producer-1", "consumer-7", "", "producer-1-tx"];
        let gists: Vec<Arc<Gist>> = (0..300)
            .map(|i| {
                let c = clients[i % clients.len()];
                Arc::new(Gist {
                    partition: Some(i as i32),
                    client: (!c.is_empty()).then(|| c.to_string()),
                    ..Gist::default()
                })
            })
            .collect();
        let mut names = ClientNames::default();
        for round in 0..3 {
            for (i, g) in gists.iter().enumerate() {
                let want = match clients[i % clients.len()] {
                    "" => None,
                    c => Some(names.id(c)),
                };
                assert_eq!(names.of(g), want, "gist {i}, round {round}");
            }
        }
        let mut met: Vec<&str> = names.names().iter().map(|n| &**n).collect();
        met.sort_unstable();
        assert_eq!(met, ["consumer-7", "producer-1", "producer-1-tx"]);
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
    fn finished_inputs_share_their_gists_and_keep_no_copy_of_their_own() {
        // Two inputs, each sharing within itself (as extraction leaves them).
        let input = |n: usize| {
            let mut g = Gists::default();
            let mut evs: Vec<Event> = (0..n).map(|i| said((i % 2) as i32)).collect();
            evs.iter_mut().for_each(|e| g.share(e));
            evs
        };
        let (mut a, mut b) = (input(4), input(6));
        let own = Arc::downgrade(&b[0].gist);
        let mut all = Gists::default();
        all.share_input(&mut a);
        all.share_input(&mut b);
        for e in &b {
            let twin = a.iter().find(|f| f.partition == e.partition).unwrap();
            assert!(Arc::ptr_eq(&e.gist, &twin.gist), "partition {:?}: the first input's gist", e.partition);
        }
        assert!(!Arc::ptr_eq(&b[0].gist, &b[1].gist), "different gists stay apart");
        assert!(own.upgrade().is_none(), "the second input's own copy is freed");
        assert_eq!((a.len(), b.len()), (4, 6));
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

    /// A view as a line gives it: its text borrowed from `line`.
    fn read<'a>(rule: &'a Arc<str>, line: &'a str, partition: i32) -> GistView<'a> {
        let mut words = line.split(' ');
        let mut v = GistView::new(rule);
        v.kind = Kind::NotLeader;
        v.client = words.next().map(Cow::Borrowed);
        v.host = words.next().map(Cow::Borrowed);
        v.port = Some(9094);
        v.partition = Some(partition);
        v
    }

    #[test]
    fn equal_views_intern_to_one_gist_and_different_ones_apart() {
        let rule: Arc<str> = Arc::from("java.not_leader");
        // Two lines' own bytes: equal text, not the same memory.
        let (one, two) = (String::from("p-1 b-2.x"), String::from("p-1 b-2.x"));
        let mut chunk = Gists::default();
        let a = chunk.intern(read(&rule, &one, 0));
        let b = chunk.intern(read(&rule, &two, 0));
        assert!(Arc::ptr_eq(&a, &b), "equal parts: one gist");
        assert_eq!(*a, read(&rule, &one, 0).into_gist());
        assert_eq!(a.client.as_deref(), Some("p-1"));
        assert_eq!(a.host.as_deref(), Some("b-2.x"));
        let mut owned = read(&rule, &one, 0);
        owned.host = Some(Cow::Owned("b-2.x".to_string()));
        assert!(Arc::ptr_eq(&a, &chunk.intern(owned)), "owned text (a lossy copy) is the same text");
        let others = [
            read(&rule, &one, 1),
            read(&rule, "p-2 b-2.x", 0),
            read(&rule, "p-1 b-3.x", 0),
            read(&rule, "p-1", 0),
            GistView { level: Some(Level::Warn), ..read(&rule, &one, 0) },
            GistView { answered: true, ..read(&rule, &one, 0) },
            GistView { error: Some(Cow::Borrowed("")), ..read(&rule, &one, 0) },
        ];
        let mut seen = vec![a.clone()];
        for (k, v) in others.into_iter().enumerate() {
            let g = chunk.intern(v.clone());
            assert!(seen.iter().all(|s| !Arc::ptr_eq(s, &g)), "view {k} differs: its own gist");
            assert_eq!(*g, v.into_gist(), "view {k}");
            seen.push(g);
        }
        let other_rule: Arc<str> = Arc::from("java.leader_not_available");
        assert!(!Arc::ptr_eq(&a, &chunk.intern(read(&other_rule, &one, 0))), "another rule");
        assert!(Arc::ptr_eq(&seen[2], &chunk.intern(read(&rule, "p-2 b-2.x", 0))), "found again");
    }

    #[test]
    fn gists_interned_per_chunk_are_shared_across_chunks() {
        let rule: Arc<str> = Arc::from("java.not_leader");
        let lines = ["p-1 b-2.x", "p-1 b-3.x", "p-1 b-2.x"];
        // Each chunk interns its own lines (in parallel, in a run).
        let chunks: Vec<Vec<Event>> = (0..3)
            .map(|c| {
                let mut table = Gists::default();
                lines.iter().map(|l| Event::new(table.intern(read(&rule, l, 0)), c, 0, 1)).collect()
            })
            .collect();
        assert!(Arc::ptr_eq(&chunks[0][0].gist, &chunks[0][2].gist), "within a chunk");
        assert!(!Arc::ptr_eq(&chunks[0][0].gist, &chunks[1][0].gist), "chunks intern apart");
        // The input's pass (`thin`) makes them one across chunks.
        let mut input = Gists::default();
        let mut all: Vec<Event> = chunks.into_iter().flatten().collect();
        all.iter_mut().for_each(|e| input.share(e));
        for e in &all {
            let first = if e.host.as_deref() == Some("b-2.x") { &all[0] } else { &all[1] };
            assert!(Arc::ptr_eq(&e.gist, &first.gist), "{:?} at {}", e.host, e.time);
        }
        assert!(!Arc::ptr_eq(&all[0].gist, &all[1].gist), "different hosts stay apart");
        // A gist the input's pass has shared is found again from a view.
        assert!(Arc::ptr_eq(&all[1].gist, &input.intern(read(&rule, "p-1 b-3.x", 0))));
    }

    #[test]
    fn a_gist_and_its_view_are_the_same_in_full() {
        let g = Gist {
            kind: Kind::RecordsExpired,
            rule: Arc::from("java.records_expired"),
            level: Some(Level::Error),
            node: Some(3),
            host: Some("b-3.x".into()),
            port: Some(9094),
            topic: Some("orders".into()),
            partition: Some(7),
            error: Some("TimeoutException".into()),
            client: Some("p-1".into()),
            role: Some(Role::Producer),
            attempts: Some(2),
            count: Some(5),
            answered: true,
            template: Some("x <*>".into()),
        };
        assert_eq!(g.view().into_gist(), g);
        let mut t = Gists::default();
        let shared = t.intern(g.view());
        let mut e = Event::new(g.clone(), 0, 0, 1);
        t.share(&mut e);
        assert!(Arc::ptr_eq(&e.gist, &shared), "a gist is found by its view's hash");
    }

    #[test]
    fn an_event_without_its_gist_takes_48_bytes() {
        // A long stream keeps one per alike run and window: its size is
        // the memory per window once gists are shared (`thin::Gists`).
        assert!(std::mem::size_of::<Event>() <= 48, "{} bytes", std::mem::size_of::<Event>());
        assert_eq!(std::mem::size_of::<Option<Broker>>(), 8);
    }

    #[test]
    fn an_event_stands_for_lines_from_its_start_up_to_its_span_limit() {
        let mut e = Event::new(Gist::default(), 1_000_000, 0, 1);
        assert_eq!(e.start(), 1_000_000);
        e.set_start(400_000);
        assert_eq!(e.start(), 400_000);
        e.set_start(2_000_000);
        assert_eq!(e.start(), 1_000_000, "never after its own time");
        e.set_start(1_000_000 - MAX_SPAN_MS - 5);
        assert_eq!(e.start(), 1_000_000 - MAX_SPAN_MS, "clamped at the longest span");
    }

    /// The sampled hash (`impl Hash for GistView`): equal views hash alike
    /// whatever their text's memory, alike lines that differ in one field
    /// hash apart, and views that differ only inside a long text (where it
    /// does not look) still intern apart.
    #[test]
    fn gist_views_hash_by_samples_and_compare_whole() {
        let state = foldhash::fast::FixedState::with_seed(7);
        let rule: Arc<str> = Arc::from("java.produce_retry");
        let other_rule: Arc<str> = Arc::from("java.produce_retry");
        let error =
            "org.apache.kafka.common.errors.NotLeaderOrFollowerException: For requests intended only for the leader";
        let view = |rule, node: i64, partition: i32, attempts: u64, err: String| GistView {
            kind: Kind::NotLeader,
            node: Some(node),
            host: Some(Cow::Owned(format!("b-{node}.demo.kafka.us-east-1.amazonaws.com"))),
            port: Some(9094),
            topic: Some(Cow::Borrowed("orders")),
            partition: Some(partition),
            attempts: Some(attempts),
            error: Some(Cow::Owned(err)),
            client: Some(Cow::Borrowed("producer-1")),
            ..GistView::new(rule)
        };
        let one = view(&rule, 1, 0, 3, error.to_string());
        assert_eq!(state.hash_one(&one), state.hash_one(view(&other_rule, 1, 0, 3, error.to_string())));
        assert_eq!(state.hash_one(&one), state.hash_one(one.clone().into_gist().view()));
        let mut hashes = std::collections::HashSet::new();
        let mut n = 0;
        for node in 1..=3 {
            for partition in 0..12 {
                for attempts in [1, 2, 2147483646] {
                    for cut in [40, 60, error.len()] {
                        hashes.insert(state.hash_one(view(&rule, node, partition, attempts, error[..cut].to_string())));
                        n += 1;
                    }
                }
            }
        }
        assert_eq!(hashes.len(), n, "alike lines hash apart");
        // Same length, start and end: one hash, two gists.
        let (a, b) = (error.replace("requests", "responses"), error.replace("requests", "questions"));
        assert_eq!(a.len(), b.len());
        let (a, b) = (view(&rule, 1, 0, 3, a), view(&rule, 1, 0, 3, b));
        assert_eq!(state.hash_one(&a), state.hash_one(&b));
        let mut g = Gists::default();
        let (ga, gb) = (g.intern(a.clone()), g.intern(b));
        assert!(!Arc::ptr_eq(&ga, &gb) && Arc::ptr_eq(&ga, &g.intern(a)));
        // Short texts (under eight bytes) are read whole.
        let mut short = one.clone();
        short.client = Some(Cow::Borrowed("p-2"));
        let mut shorter = one.clone();
        shorter.client = Some(Cow::Borrowed("p-3"));
        assert_ne!(state.hash_one(&short), state.hash_one(&shorter));
        let mut none = one.clone();
        none.client = None;
        let mut empty = one;
        empty.client = Some(Cow::Borrowed(""));
        assert_ne!(state.hash_one(&none), state.hash_one(&empty));
    }
}
