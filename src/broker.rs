//! Broker identity: turns what a line says into the broker it is about.
//!
//! - a real node id (`node 2`) is the broker;
//! - a group-coordinator id (`2147483645`) is broker `2147483647 - id`;
//! - a bootstrap pseudo id (`-1`) is resolved through the host it names
//!   (on the same line, or on another line of the same client);
//! - a host is resolved through the node id ↔ host map learned from every
//!   line that names both, or from an MSK name (`b-2.<cluster>...` is 2);
//! - an event that names no broker (a producer's `NOT_LEADER_OR_FOLLOWER`
//!   names a partition) goes to the one broker out at that moment, or else
//!   stays under broker `null`.

use crate::correlate;
use crate::event::{Attribution, Broker, Event};
use crate::topics::Describe;
use hashbrown::HashTable;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::hash::BuildHasher;

/// Ids at or above this are group-coordinator connection ids
/// (`Integer.MAX_VALUE - brokerId`); real broker ids are far smaller.
const COORDINATOR_BASE: i64 = 1 << 30;
const INT_MAX: i64 = i32::MAX as i64;

/// The broker number of an Amazon MSK host name: `b-2.demo.abc123.c2.kafka.
/// us-east-1.amazonaws.com` and `b-2-public...` are broker 2.
pub fn msk_broker(host: &str) -> Option<u32> {
    let rest = host.strip_prefix("b-")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let after = &rest[digits..];
    if digits == 0 || !(after.starts_with('.') || after.starts_with("-public.")) {
        return None;
    }
    let is_msk = host.contains(".kafka.") || host.contains(".kafka-") || host.contains(".kafka-serverless.");
    (is_msk && (host.contains(".amazonaws.com"))).then(|| rest[..digits].parse().ok()).flatten()
}

/// Is `s` exactly how `n` prints (`n.to_string()`), without making it?
fn is_decimal(s: &str, n: i64) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && s != "-0";
    canonical && s.parse() == Ok(n)
}

/// Is `s` exactly how `p` prints?
fn is_port(s: &str, p: u16) -> bool {
    is_decimal(s, p.into())
}

/// Does the id alone tell the broker (`id_of` is `Some`)?
fn is_id(node: i64) -> bool {
    (0..=INT_MAX).contains(&node)
}

/// A broker id from a node id as logged, if the id alone tells it.
fn id_of(node: i64) -> Option<i64> {
    if (COORDINATOR_BASE..=INT_MAX).contains(&node) {
        Some(INT_MAX - node)
    } else if (0..COORDINATOR_BASE).contains(&node) {
        Some(node)
    } else {
        None
    }
}

/// A broker's name before it is text: an event's broker is told by what
/// its line says, and `resolve` makes each distinct name's text once, not
/// once per event (issue 4, session 5). Prints as the broker's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Name<'x> {
    /// A broker id: `2`.
    Id(i64),
    /// A host known by no id, logged without a port.
    Host(&'x str),
    /// A host known by no id: `host:port`.
    HostPort(&'x str, u16),
}

impl<'x> Name<'x> {
    /// A host as a line gives it, with or without its port.
    fn host(h: &'x str, port: Option<u16>) -> Name<'x> {
        port.map_or(Name::Host(h), |p| Name::HostPort(h, p))
    }

    /// Is `s` this name's text (`to_string()`), without making it?
    fn is(&self, s: &str) -> bool {
        match *self {
            Name::Id(n) => is_decimal(s, n),
            Name::Host(h) => s == h,
            Name::HostPort(h, p) => s.strip_prefix(h).and_then(|r| r.strip_prefix(':')).is_some_and(|r| is_port(r, p)),
        }
    }
}

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Name::Id(n) => write!(f, "{n}"),
            Name::Host(h) => f.write_str(h),
            Name::HostPort(h, p) => write!(f, "{h}:{p}"),
        }
    }
}

/// The hosts each broker was seen under, by broker id.
pub type Hosts = BTreeMap<String, BTreeSet<String>>;

/// What else tells identity: the partition leaders of `--topics`, and each
/// client's `bootstrap.servers` (bootstrap id -1 is its first entry, -2 the
/// second, ...).
#[derive(Default)]
pub struct Hints<'a> {
    pub leaders: Option<&'a Describe>,
    pub bootstrap: Vec<(String, Vec<String>)>,
}

/// What names a broker on a line: the node id ↔ host map and each client's
/// bootstrap pseudo ids, learned from the lines seen so far. The batch
/// analysis learns from every line before naming any; the live event stream
/// names each event with what it has learned up to it.
#[derive(Default)]
pub struct Identity<'a> {
    /// `--topics`: partition leaders.
    leaders: Option<&'a Describe>,
    /// Host -> broker id. foldhash, not SipHash: looked up once per event
    /// (issue 4).
    host_id: HashMap<String, i64, foldhash::fast::RandomState>,
    /// Bootstrap pseudo ids are per client: -1 -> client -> (host, port).
    /// By id first, so that an event's client is looked up borrowed.
    bootstrap: HashMap<i64, HashMap<Option<String>, Address>>,
}

/// A bootstrap server: host and port.
type Address = (String, Option<u16>);

impl<'a> Identity<'a> {
    pub fn new(hints: &Hints<'a>) -> Identity<'a> {
        let mut id = Identity { leaders: hints.leaders, ..Identity::default() };
        for (client, servers) in &hints.bootstrap {
            id.learn_bootstrap(client, servers);
        }
        id
    }

    /// A client's `bootstrap.servers`: -1 is its first entry, -2 the second.
    pub fn learn_bootstrap(&mut self, client: &str, servers: &[String]) {
        for (k, s) in servers.iter().enumerate() {
            let (h, p) = match s.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p.parse().ok()),
                None => (s.clone(), None),
            };
            self.bootstrap.entry(-(k as i64) - 1).or_default().entry(Some(client.to_string())).or_insert((h, p));
        }
    }

    /// What lines naming both a node and its host say.
    pub fn learn<'e>(&mut self, events: impl IntoIterator<Item = &'e Event>) {
        for e in events {
            if let (Some(n), Some(h)) = (e.node, &e.host) {
                if is_id(n) {
                    // Looked up before anything is allocated: most events
                    // repeat a host already learned.
                    if let (false, Some(id)) = (self.host_id.contains_key(h.as_str()), id_of(n)) {
                        self.host_id.insert(h.clone(), id);
                    }
                } else if n < 0 {
                    let clients = self.bootstrap.entry(n).or_default();
                    if !clients.contains_key(&e.client) {
                        clients.insert(e.client.clone(), (h.clone(), e.port));
                    }
                }
            }
        }
    }

    fn by_host<'x>(&self, h: &'x str, port: Option<u16>) -> Name<'x> {
        let id = self.host_id.get(h).copied().or_else(|| msk_broker(h).map(i64::from));
        id.map_or_else(|| Name::host(h, port), Name::Id)
    }

    /// The broker an event's own line names, if it names one.
    pub fn name(&self, e: &Event) -> Option<String> {
        self.name_of(e).map(|n| n.to_string())
    }

    fn name_of<'x>(&'x self, e: &'x Event) -> Option<Name<'x>> {
        match (e.node, &e.host) {
            (Some(n), _) if is_id(n) => id_of(n).map(Name::Id),
            (_, Some(h)) => Some(self.by_host(h, e.port)),
            (Some(n), None) => self.bootstrap.get(&n)?.get(&e.client).map(|(h, p)| self.by_host(h, *p)),
            (None, None) => None,
        }
    }

    /// The broker an event is about and how that is known: its own line
    /// first, else its partition's leader where `--topics` tells it.
    /// NOT_ENOUGH_REPLICAS is the leader's own answer: the leader is up and
    /// a follower is out, so it is not the leader's outage (time decides).
    pub fn attribute(&self, e: &Event) -> Option<(String, Attribution)> {
        self.attribution(e).map(|(b, how)| (b.to_string(), how))
    }

    fn attribution<'x>(&'x self, e: &'x Event) -> Option<(Name<'x>, Attribution)> {
        if let Some(b) = self.name_of(e) {
            return Some((b, Attribution::Line));
        }
        if e.kind == crate::event::Kind::NotEnoughReplicas {
            return None;
        }
        let (t, p) = (e.topic.as_ref()?, e.partition?);
        self.leaders?.leader(t, p).map(|l| (Name::Id(l.into()), Attribution::Leader))
    }
}

/// Each broker's name as text, made once and shared by its events.
#[derive(Default)]
struct Names {
    hasher: foldhash::fast::RandomState,
    /// By the hash of a `Name`: the name's shared text. Two names with one
    /// text (`Id(2)`, a host `2`) both find it.
    by_name: HashTable<(u64, Broker)>,
    /// By text, so that each text is one `Arc`, however it was named.
    by_text: HashMap<String, Broker>,
}

impl Names {
    fn get(&mut self, name: Name<'_>) -> Broker {
        let hash = self.hasher.hash_one(name);
        if let Some((_, text)) = self.by_name.find(hash, |(h, t)| *h == hash && name.is(t)) {
            return text.clone();
        }
        let text = self.by_text.entry(name.to_string()).or_insert_with_key(|t| Broker::from(t.as_str())).clone();
        self.by_name.insert_unique(hash, (hash, text.clone()), |(h, _)| *h);
        text
    }
}

/// Fills `broker` and `attributed` on every event. `gap_ms` is the window
/// gap, used to decide which broker was out when an event names none.
///
/// What a line tells of its broker is its gist's (node, host, port,
/// client, topic and partition), and alike events share one gist: each
/// gist is learned from and named once, and its events take its name,
/// found by the gist's address (issue 4, session 9: the name was worked
/// out, hashed and compared once per event before).
pub fn resolve(events: &mut [Event], gap_ms: i64, hints: &Hints<'_>) -> Hosts {
    let mut id = Identity::new(hints);
    // The first event of each gist: learning keeps what it met first.
    let mut seen: HashSet<usize, foldhash::fast::RandomState> = HashSet::default();
    id.learn(events.iter().filter(|e| seen.insert(gist_address(e))));
    let mut hosts = Hosts::new();
    // One name per broker, shared by its events.
    let mut names = Names::default();
    let mut by_gist: HashMap<usize, Option<(Broker, Attribution)>, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(seen.len(), Default::default());
    for e in events.iter_mut() {
        let found = by_gist.entry(gist_address(e)).or_insert_with(|| {
            let (b, how) = id.attribution(e)?;
            let b = names.get(b);
            if let (Some(h), Attribution::Line) = (&e.host, how) {
                // Compared in pieces; the `host:port` string is made only
                // for a broker known under another name.
                let shown = Name::host(h, e.port);
                if !shown.is(&b) && !hosts.get(&*b).is_some_and(|s| s.iter().any(|x| shown.is(x))) {
                    hosts.entry(b.to_string()).or_default().insert(shown.to_string());
                }
            }
            Some((b, how))
        });
        match found {
            Some((b, how)) => {
                e.broker = Some(b.clone());
                e.attributed = Some(*how);
            }
            None => e.broker = None,
        }
    }
    attribute_by_time(events, gap_ms);
    hosts
}

/// Where an event's gist is: alike events share it.
fn gist_address(e: &Event) -> usize {
    std::sync::Arc::as_ptr(&e.gist) as usize
}

/// An event that names no broker goes to the one broker whose outage
/// (widened by the gap on both sides) contains it; if none or several
/// do, it stays unattributed.
fn attribute_by_time(events: &mut [Event], gap_ms: i64) {
    let mut spans = correlate::spans(events.iter().filter(|e| e.broker.is_some() && e.is_symptom()), gap_ms);
    spans.sort_by_key(|(_, s, _)| *s);
    let longest = spans.iter().map(|(_, s, e)| e - s).max().unwrap_or(0);
    for e in events.iter_mut().filter(|e| e.broker.is_none()) {
        // Spans that start after t + gap cannot hold t; of the others, only
        // those that started within the longest span (plus the gap) of t can.
        let upto = spans.partition_point(|(_, s, _)| *s - gap_ms <= e.time);
        let mut found: Option<&Broker> = None;
        let mut several = false;
        for (b, s, end) in spans[..upto].iter().rev() {
            if *s + longest + gap_ms < e.time {
                break;
            }
            if e.time <= end + gap_ms && e.time >= s - gap_ms {
                match found {
                    Some(f) if f != b => several = true,
                    _ => found = Some(b),
                }
            }
        }
        if let (Some(b), false) = (found, several) {
            e.broker = Some(b.clone());
            e.attributed = Some(Attribution::Time);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Gist, Kind};

    #[test]
    fn ports_compare_as_printed() {
        for p in [0u16, 7, 9094, u16::MAX] {
            assert!(is_port(&p.to_string(), p));
        }
        for (s, p) in [("09094", 9094), ("+9094", 9094), ("", 0), ("00", 0), ("9095", 9094), ("65536", 0)] {
            assert!(!is_port(s, p), "{s} is not how {p} prints");
        }
        for n in [-2, 0, 7, COORDINATOR_BASE - 1, COORDINATOR_BASE, INT_MAX, INT_MAX + 1] {
            assert_eq!(is_id(n), id_of(n).is_some(), "{n}");
        }
    }

    fn ev(time: i64, kind: Kind, node: Option<i64>, host: Option<&str>) -> Event {
        Event::new(
            Gist {
                kind,
                rule: "t".into(),
                node,
                host: host.map(str::to_string),
                port: host.map(|_| 9094),
                client: Some("c".into()),
                ..Gist::default()
            },
            time,
            0,
            time as u64,
        )
    }

    /// [`resolve`] as it was before it named each gist once: every event
    /// learned from and named on its own.
    fn resolve_each(events: &mut [Event], gap_ms: i64, hints: &Hints<'_>) -> Hosts {
        let mut id = Identity::new(hints);
        id.learn(events.iter());
        let mut hosts = Hosts::new();
        let mut names = Names::default();
        for e in events.iter_mut() {
            let Some((b, how)) = id.attribution(e) else {
                e.broker = None;
                continue;
            };
            let b = names.get(b);
            if let (Some(h), Attribution::Line) = (&e.host, how) {
                let shown = Name::host(h, e.port);
                if !shown.is(&b) && !hosts.get(&*b).is_some_and(|s| s.iter().any(|x| shown.is(x))) {
                    hosts.entry(b.to_string()).or_default().insert(shown.to_string());
                }
            }
            e.broker = Some(b);
            e.attributed = Some(how);
        }
        attribute_by_time(events, gap_ms);
        hosts
    }

    proptest::proptest! {
        /// Named once per gist, events are named as when each was named on
        /// its own, and the hosts learned are the same: whatever their
        /// nodes (ids, coordinator ids, bootstrap ids), hosts (by id, MSK,
        /// unknown, a host named like an id), ports, clients and kinds, and
        /// however many events share a gist.
        #[test]
        fn naming_each_gist_once_names_as_each_event_did(
            gists in proptest::collection::vec((0usize..16, 0usize..7, 0usize..5, 0usize..3, 0usize..3), 1..8),
            picks in proptest::collection::vec((0usize..8, 0i64..600_000), 1..60),
        ) {
            let nodes = [None, Some(1), Some(2), Some(-1), Some(-2), Some(2147483645), Some(3)];
            let hosts = [None, Some("h1"), Some("h2"), Some("b-2.demo.abc.c2.kafka.us-east-1.amazonaws.com"), Some("2")];
            let ports = [None, Some(9094), Some(9092)];
            let clients = [None, Some("p"), Some("c")];
            let gists: Vec<std::sync::Arc<Gist>> = gists
                .iter()
                .map(|&(k, n, h, p, c)| {
                    std::sync::Arc::new(Gist {
                        kind: Kind::ALL[k],
                        rule: "t".into(),
                        node: nodes[n],
                        host: hosts[h].map(str::to_string),
                        port: ports[p],
                        client: clients[c].map(str::to_string),
                        ..Gist::default()
                    })
                })
                .collect();
            let mut evs: Vec<Event> = picks
                .iter()
                .enumerate()
                .map(|(i, &(g, t))| Event::new(gists[g % gists.len()].clone(), t, 0, i as u64))
                .collect();
            evs.sort_by_key(Event::sort_key);
            let mut each = evs.clone();
            let hints = Hints { leaders: None, bootstrap: vec![("p".into(), vec!["h1:9094".into(), "h2".into()])] };
            let learned = resolve(&mut evs, 30_000, &hints);
            proptest::prop_assert_eq!(learned, resolve_each(&mut each, 30_000, &hints));
            let named = |evs: &[Event]| {
                evs.iter().map(|e| (e.broker.as_deref().map(str::to_string), e.attributed)).collect::<Vec<_>>()
            };
            proptest::prop_assert_eq!(named(&evs), named(&each));
        }
    }

    #[test]
    fn names_are_made_once_per_text_and_compared_as_printed() {
        let mut names = Names::default();
        let host = String::from("kafka-3.internal");
        let forms = [Name::Id(2), Name::Id(-1), Name::Host(&host), Name::HostPort(&host, 9094), Name::HostPort("h", 0)];
        for n in forms {
            let text = names.get(n);
            assert_eq!(*text, n.to_string());
            assert!(n.is(&text), "{n}");
            assert!(Broker::ptr_eq(&text, &names.get(n)), "{n}: found again, not made again");
            for other in forms.iter().filter(|o| **o != n) {
                assert!(!other.is(&text), "{other} is not {n}");
            }
        }
        for (n, s) in
            [(Name::Id(2), "02"), (Name::Id(0), "-0"), (Name::HostPort(&host, 9094), "kafka-3.internal:09094")]
        {
            assert!(!n.is(s), "{s} is not how {n} prints");
        }
        // Two names with one text share it: an id, and a host named `2`.
        assert!(Broker::ptr_eq(&names.get(Name::Id(2)), &names.get(Name::Host("2"))));
        assert_eq!(names.by_text.len(), 5);
    }

    #[test]
    fn events_of_one_broker_share_its_name() {
        let mut evs = vec![
            ev(1000, Kind::ConnectionFailed, Some(3), Some("kafka-3.internal")),
            ev(2000, Kind::Disconnected, None, Some("kafka-3.internal")),
            ev(3000, Kind::Disconnected, Some(2147483644), None),
            ev(4000, Kind::Disconnected, None, Some("other.host")),
            ev(5000, Kind::Disconnected, None, Some("other.host")),
        ];
        resolve(&mut evs, 30_000, &Hints::default());
        let b: Vec<&Broker> = evs.iter().map(|e| e.broker.as_ref().unwrap()).collect();
        assert_eq!(b.iter().map(|b| &***b).collect::<Vec<_>>(), ["3", "3", "3", "other.host:9094", "other.host:9094"]);
        assert!(Broker::ptr_eq(b[0], b[1]) && Broker::ptr_eq(b[0], b[2]), "by id, host and coordinator id alike");
        assert!(Broker::ptr_eq(b[3], b[4]));
    }

    #[test]
    fn msk_names() {
        assert_eq!(msk_broker("b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com"), Some(2));
        assert_eq!(msk_broker("b-12-public.demo.abc123.c17.kafka.ap-south-1.amazonaws.com"), Some(12));
        assert_eq!(msk_broker("b-2.demo.example.com"), None);
        assert_eq!(msk_broker("broker-2.kafka.svc"), None);
    }

    #[test]
    fn ids_coordinators_bootstrap_and_hosts() {
        let mut evs = vec![
            ev(1000, Kind::ConnectionFailed, Some(2147483645), None),
            ev(2000, Kind::ConnectionFailed, Some(3), Some("kafka-3.internal")),
            ev(3000, Kind::Disconnected, None, Some("kafka-3.internal")),
            ev(4000, Kind::ConnectionFailed, Some(-1), Some("b-1.demo.abc.c2.kafka.us-east-1.amazonaws.com")),
            ev(5000, Kind::Disconnected, Some(-1), None),
            ev(6000, Kind::Disconnected, None, Some("other.host")),
        ];
        let hosts = resolve(&mut evs, 30_000, &Hints::default());
        let got: Vec<_> = evs.iter().map(|e| e.broker.as_deref().map(str::to_string)).collect();
        let want = ["2", "3", "3", "1", "1", "other.host:9094"].map(|s| Some(s.to_string()));
        assert_eq!(got, want);
        assert_eq!(hosts["3"].iter().collect::<Vec<_>>(), vec!["kafka-3.internal:9094"]);
    }

    #[test]
    fn partition_events_go_to_the_one_broker_out() {
        let mut evs = vec![
            ev(100_000, Kind::ConnectionFailed, Some(1), None),
            ev(110_000, Kind::ConnectionFailed, Some(1), None),
            ev(95_000, Kind::NotLeader, None, None),
            ev(500_000, Kind::NotLeader, None, None),
            ev(600_000, Kind::ConnectionFailed, Some(2), None),
            ev(605_000, Kind::ConnectionFailed, Some(3), None),
            ev(602_000, Kind::NotLeader, None, None),
        ];
        resolve(&mut evs, 30_000, &Hints::default());
        assert_eq!(evs[2].broker.as_deref(), Some("1"));
        assert_eq!(evs[2].attributed, Some(Attribution::Time));
        assert_eq!(evs[3].broker, None, "nobody was out then");
        assert_eq!(evs[6].broker, None, "two brokers were out: no guess");
    }
}
