//! Reads the text that `kafka-topics.sh --describe` prints (with or without
//! `--topic X`, `--under-replicated-partitions`, `--unavailable-partitions`,
//! `--under-min-isr-partitions`, ...) and gives, per topic, its partition
//! count, replication factor, `min.insync.replicas` and, per partition, the
//! leader, replicas and in-sync replicas.
//!
//! Two layouts exist. The tool separates fields with one TAB (shown as two
//! spaces below) and indents partition lines with one; here any run of tabs
//! and spaces separates fields, and any indentation is accepted.
//!
//! ZooKeeper era (up to 2.x with `--zookeeper`), no space after the colons on
//! the topic line:
//!
//! ```text
//! Topic:orders  PartitionCount:6  ReplicationFactor:3  Configs:min.insync.replicas=2  MarkedForDeletion:true
//!     Topic: orders  Partition: 0  Leader: 1  Replicas: 1,2,3  Isr: 1,2,3  MarkedForDeletion: true
//! ```
//!
//! Admin client (2.x with `--bootstrap-server`, 3.x, 4.x):
//!
//! ```text
//! Topic: orders  TopicId: 3tQ2...  PartitionCount: 6  ReplicationFactor: 3  Configs: min.insync.replicas=2
//!     Topic: orders  Partition: 0  Leader: 1  Replicas: 1,2,3  Isr: 1,2,3  Elr: N/A  LastKnownElr: N/A
//! ```
//!
//! Partition lines may carry more fields (`Adding Replicas:` and `Removing
//! Replicas:` during a reassignment, `Elr:`/`LastKnownElr:` from KIP-966,
//! `Offline:` or `Observers:` from other distributions); they are read past.
//! `Leader:` is `none` (or `-1` in ZooKeeper state) for an offline partition,
//! and `Isr:` and `Configs:` may be empty.
//!
//! Lines that are neither a topic line nor a partition line (blank lines,
//! `WARNING: ...`, `Error while executing topic command : ...`, `Topic x
//! doesn't exist!`, log4j lines) are skipped. Numbers are read strictly: a
//! topic or partition line with a number that does not parse is an [`Error`]
//! naming that line, and so is a file with no topic at all.
//!
//! Every topic line starts a new [`Topic`], so several runs of the tool pasted
//! into one file give one entry per run; [`Describe::topic`] and
//! [`Describe::leader`] answer from the last one (the latest state).

use std::collections::{BTreeSet, HashMap};

/// Everything read from one `--describe` output, topics in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Describe {
    pub topics: Vec<Topic>,
    /// Topic name → index of its last description: `leader` runs once per
    /// event, and a describe of a whole cluster holds thousands of topics.
    by_name: HashMap<String, usize>,
}

/// One topic: from its topic line, or, when the output has partition lines
/// only (`--unavailable-partitions` and friends), from its first partition
/// line, with `partition_count` and `min_insync_replicas` then `None`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topic {
    pub name: String,
    pub partition_count: Option<u32>,
    /// From the topic line; when it has none, the replicas of the first
    /// partition listed (less those being added by a reassignment).
    pub replication_factor: Option<u32>,
    /// `min.insync.replicas` from Configs, when it is listed there. `None`
    /// means not listed, not 1: the ZooKeeper-era tool lists topic overrides
    /// only, the admin-client one every entry that is not a default.
    pub min_insync_replicas: Option<u32>,
    pub partitions: Vec<Partition>,
    /// 1-based line of the topic line in the file (of its first partition
    /// line when the output has no topic line for it).
    pub line: usize,
}

/// One partition line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    pub partition: i32,
    /// None when the tool printed `none` or `-1`.
    pub leader: Option<i32>,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    /// 1-based line of the partition line in the file.
    pub line: usize,
}

/// What is wrong with the input, and where (`line` is 1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct Error {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Reads `text`, the output of `kafka-topics.sh --describe`; `file` only
/// names the input in errors.
pub fn parse(file: &str, text: &str) -> Result<Describe, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let err = |line: usize, message: String| Error { file: file.to_string(), line, message };

    let mut topics: Vec<Topic> = Vec::new();
    // Per topic (same index): replication factor guessed from its first
    // partition line, used when the topic line gives none.
    let mut guessed_rf: Vec<Option<u32>> = Vec::new();

    for (index, raw) in text.split('\n').enumerate() {
        let line_no = index + 1;
        let line = raw.trim_matches(is_blank);
        if !line.starts_with("Topic:") {
            continue;
        }
        let fields = split_fields(line);
        let has = |label: &str| fields.iter().any(|f| f.label == label);

        if has("Partition") {
            let (name, partition, adding) = read_partition(&fields, line_no).map_err(|m| err(line_no, m))?;
            let at = match topics.last() {
                Some(t) if t.name == name => topics.len() - 1,
                _ => {
                    topics.push(Topic {
                        name: name.to_string(),
                        partition_count: None,
                        replication_factor: None,
                        min_insync_replicas: None,
                        partitions: Vec::new(),
                        line: line_no,
                    });
                    guessed_rf.push(None);
                    topics.len() - 1
                }
            };
            if topics[at].partitions.is_empty() {
                let rf = partition.replicas.len().saturating_sub(adding);
                guessed_rf[at] = u32::try_from(rf).ok();
            }
            topics[at].partitions.push(partition);
        } else if ["PartitionCount", "ReplicationFactor", "Configs", "TopicId"].iter().any(|l| has(l)) {
            topics.push(read_topic(&fields, line_no).map_err(|m| err(line_no, m))?);
            guessed_rf.push(None);
        }
    }

    if topics.is_empty() {
        return Err(err(
            1,
            "no topic found: expected the output of `kafka-topics.sh --describe` \
             (lines like `Topic: orders\tPartitionCount: 6\t...`)"
                .to_string(),
        ));
    }
    for (topic, guess) in topics.iter_mut().zip(guessed_rf) {
        if topic.replication_factor.is_none() {
            topic.replication_factor = guess;
        }
    }
    let by_name = topics.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();
    Ok(Describe { topics, by_name })
}

impl Describe {
    /// The leader of a partition, if listed.
    pub fn leader(&self, topic: &str, partition: i32) -> Option<i32> {
        let parts = &self.topic(topic)?.partitions;
        // Partitions are listed in order, usually from 0 without holes.
        let at = usize::try_from(partition).ok().and_then(|i| parts.get(i)).filter(|p| p.partition == partition);
        at.or_else(|| parts.iter().find(|p| p.partition == partition))?.leader
    }

    /// Every broker id that appears as a replica anywhere.
    pub fn brokers(&self) -> BTreeSet<i32> {
        self.topics.iter().flat_map(|t| &t.partitions).flat_map(|p| p.replicas.iter().copied()).collect()
    }

    /// The topic of that name; when it was described more than once, the
    /// last description.
    pub fn topic(&self, name: &str) -> Option<&Topic> {
        self.by_name.get(name).map(|&i| &self.topics[i])
    }
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r')
}

/// One `Label: value` field of a line, value trimmed.
#[derive(Debug)]
struct Field<'a> {
    label: &'a str,
    value: &'a str,
}

/// Labels of two words; every other label is one word.
const TWO_WORD_LABELS: [&str; 2] = ["Adding Replicas", "Removing Replicas"];

/// The label starting at byte `at` of `line`, and where its colon ends.
/// A label is one of [`TWO_WORD_LABELS`] or an ASCII word starting with an
/// upper-case letter, directly followed by `:`.
fn label_at(line: &str, at: usize) -> Option<(&str, usize)> {
    let rest = &line[at..];
    for label in TWO_WORD_LABELS {
        if rest.starts_with(label) && rest[label.len()..].starts_with(':') {
            return Some((label, at + label.len() + 1));
        }
    }
    let bytes = rest.as_bytes();
    if !bytes.first()?.is_ascii_uppercase() {
        return None;
    }
    let len = bytes.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
    (bytes.get(len) == Some(&b':')).then(|| (&rest[..len], at + len + 1))
}

/// Splits a line into fields. A field starts at a label at the start of the
/// line or right after a tab or space, so `0:1` inside a config value or
/// `Configs:a=b` (no space) read as expected.
fn split_fields(line: &str) -> Vec<Field<'_>> {
    let bytes = line.as_bytes();
    // (label, start of label, end of label)
    let mut starts: Vec<(&str, usize, usize)> = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if at == 0 || matches!(bytes[at - 1], b' ' | b'\t') {
            if let Some((label, end)) = label_at(line, at) {
                starts.push((label, at, end));
                // `Replicas:` inside `Adding Replicas:` is no label of its own.
                at = end;
                continue;
            }
        }
        at += 1;
    }
    let mut fields = Vec::with_capacity(starts.len());
    for (i, &(label, _, end)) in starts.iter().enumerate() {
        let stop = starts.get(i + 1).map_or(line.len(), |next| next.1);
        fields.push(Field { label, value: line[end..stop].trim_matches(is_blank) });
    }
    fields
}

fn field<'a>(fields: &[Field<'a>], label: &str) -> Option<&'a str> {
    fields.iter().find(|f| f.label == label).map(|f| f.value)
}

/// A non-negative decimal number: digits only, no sign.
fn number<T: std::str::FromStr>(value: &str, what: &str) -> Result<T, String> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what}: expected a number, found `{value}`"));
    }
    value.parse().map_err(|_| format!("{what}: `{value}` is out of range"))
}

/// A comma-separated list of broker ids, possibly empty.
fn broker_list(value: &str, what: &str) -> Result<Vec<i32>, String> {
    if value.is_empty() {
        return Ok(Vec::new());
    }
    value.split(',').map(|id| number(id.trim_matches(is_blank), what)).collect()
}

/// Reads a topic line.
fn read_topic(fields: &[Field<'_>], line: usize) -> Result<Topic, String> {
    let name = field(fields, "Topic").unwrap_or_default();
    if name.is_empty() {
        return Err("topic line without a topic name".to_string());
    }
    let count = |label: &str| field(fields, label).map(|v| number::<u32>(v, label)).transpose();
    let min_insync_replicas = match field(fields, "Configs").and_then(|c| config(c, "min.insync.replicas")) {
        Some(v) => Some(number::<u32>(v, "Configs: min.insync.replicas")?),
        None => None,
    };
    Ok(Topic {
        name: name.to_string(),
        partition_count: count("PartitionCount")?,
        replication_factor: count("ReplicationFactor")?,
        min_insync_replicas,
        partitions: Vec::new(),
        line,
    })
}

/// The value of `key` in a Configs list `k=v,k=v`. A value may itself hold
/// commas (`leader.replication.throttled.replicas=0:1,1:2`), so a comma ends
/// a pair only when the piece after it holds `=`.
fn config<'a>(configs: &'a str, key: &str) -> Option<&'a str> {
    let mut found = None;
    let mut start = 0;
    let mut pieces = configs.split(',').peekable();
    let mut end = 0;
    while let Some(piece) = pieces.next() {
        end += piece.len();
        let pair_ends = pieces.peek().is_none_or(|next| next.contains('='));
        if pair_ends {
            let pair = &configs[start..end];
            if let Some((k, v)) = pair.split_once('=') {
                if k.trim_matches(is_blank) == key {
                    found = Some(v.trim_matches(is_blank));
                }
            }
            start = end + 1;
        }
        end += 1;
    }
    found
}

/// Reads a partition line: topic name, partition, and how many replicas
/// are being added by a reassignment.
fn read_partition<'a>(fields: &[Field<'a>], line: usize) -> Result<(&'a str, Partition, usize), String> {
    let name = field(fields, "Topic").unwrap_or_default();
    if name.is_empty() {
        return Err("partition line without a topic name".to_string());
    }
    let required = |label: &str| field(fields, label).ok_or_else(|| format!("partition line without `{label}:`"));
    let partition = number::<i32>(required("Partition")?, "Partition")?;
    let leader = match required("Leader")? {
        "none" | "-1" => None,
        v => Some(number::<i32>(v, "Leader")?),
    };
    let replicas = broker_list(required("Replicas")?, "Replicas")?;
    let isr = broker_list(required("Isr")?, "Isr")?;
    let adding = match field(fields, "Adding Replicas") {
        Some(v) => broker_list(v, "Adding Replicas")?.len(),
        None => 0,
    };
    Ok((name, Partition { partition, leader, replicas, isr, line }, adding))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Admin-client layout (3.x/4.x) with KIP-966 fields.
    const NEW: &str = "\
Topic: orders\tTopicId: 3tQ2xq9uQ8mO2X1b0aZ1kQ\tPartitionCount: 6\tReplicationFactor: 3\tConfigs: min.insync.replicas=2,segment.bytes=1073741824
\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2,3\tElr: N/A\tLastKnownElr: N/A
\tTopic: orders\tPartition: 1\tLeader: 2\tReplicas: 2,3,1\tIsr: 2,3,1\tElr: N/A\tLastKnownElr: N/A
\tTopic: orders\tPartition: 2\tLeader: 3\tReplicas: 3,1,2\tIsr: 3,1\tElr: N/A\tLastKnownElr: N/A
\tTopic: orders\tPartition: 3\tLeader: 1\tReplicas: 1,3,2\tIsr: 1,3,2\tElr: N/A\tLastKnownElr: N/A
\tTopic: orders\tPartition: 4\tLeader: 2\tReplicas: 2,1,3\tIsr: 2,1,3\tElr: N/A\tLastKnownElr: N/A
\tTopic: orders\tPartition: 5\tLeader: 3\tReplicas: 3,2,1\tIsr: 3,2,1\tElr: N/A\tLastKnownElr: N/A
Topic: payments\tTopicId: Zk3m1wq0Q5-2b7nYc1rT0A\tPartitionCount: 2\tReplicationFactor: 3\tConfigs: cleanup.policy=compact,min.insync.replicas=3
\tTopic: payments\tPartition: 0\tLeader: 2\tReplicas: 2,3,1\tIsr: 2,3\tElr: 1\tLastKnownElr: 
\tTopic: payments\tPartition: 1\tLeader: 3\tReplicas: 3,1,2\tIsr: 3,1,2\tElr: \tLastKnownElr: 
Topic: audit\tTopicId: q9V0d3Lx2QK8eYwz4U1m7g\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: 
\tTopic: audit\tPartition: 0\tLeader: none\tReplicas: 2\tIsr: \tElr: N/A\tLastKnownElr: N/A
\tTopic: audit\tPartition: 1\tLeader: 3\tReplicas: 3\tIsr: 3\tElr: N/A\tLastKnownElr: N/A
";

    /// ZooKeeper-era layout (`--zookeeper`, <= 2.x), with the noise the tool
    /// and a shell session add around it.
    const OLD: &str = "\
WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide.

Topic:orders\tPartitionCount:3\tReplicationFactor:3\tConfigs:min.insync.replicas=2,cleanup.policy=delete
\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2,3
\tTopic: orders\tPartition: 1\tLeader: -1\tReplicas: 2,3,1\tIsr: 
\tTopic: orders\tPartition: 2\tLeader: 3\tReplicas: 3,1,2\tIsr: 3,1,2
Topic:old-events\tPartitionCount:1\tReplicationFactor:2\tConfigs:\tMarkedForDeletion:true
\tTopic: old-events\tPartition: 0\tLeader: 2\tReplicas: 2,4\tIsr: 2,4
Topic gone doesn't exist!
Error while executing topic command : Topic 'gone' does not exist as expected
";

    fn check_new(d: &Describe) {
        assert_eq!(d.topics.len(), 3);
        let orders = d.topic("orders").unwrap();
        assert_eq!(orders.line, 1);
        assert_eq!(orders.partition_count, Some(6));
        assert_eq!(orders.replication_factor, Some(3));
        assert_eq!(orders.min_insync_replicas, Some(2));
        assert_eq!(orders.partitions.len(), 6);
        assert_eq!(
            orders.partitions[2],
            Partition { partition: 2, leader: Some(3), replicas: vec![3, 1, 2], isr: vec![3, 1], line: 4 }
        );

        let payments = d.topic("payments").unwrap();
        assert_eq!(payments.line, 8);
        assert_eq!((payments.replication_factor, payments.min_insync_replicas), (Some(3), Some(3)));
        assert_eq!(payments.partitions[0].isr, vec![2, 3]);
        assert_eq!(payments.partitions[1].line, 10);

        let audit = d.topic("audit").unwrap();
        assert_eq!(audit.line, 11);
        assert_eq!(audit.replication_factor, Some(1));
        assert_eq!(audit.min_insync_replicas, None);
        assert_eq!(
            audit.partitions[0],
            Partition { partition: 0, leader: None, replicas: vec![2], isr: vec![], line: 12 }
        );
    }

    #[test]
    fn new_layout() {
        check_new(&parse("describe.txt", NEW).unwrap());
    }

    #[test]
    fn crlf_line_endings() {
        let crlf = NEW.replace('\n', "\r\n");
        let d = parse("describe.txt", &crlf).unwrap();
        check_new(&d);
        assert_eq!(d, parse("describe.txt", NEW).unwrap());
    }

    #[test]
    fn byte_order_mark() {
        let d = parse("describe.txt", &format!("\u{feff}{NEW}")).unwrap();
        assert_eq!(d, parse("describe.txt", NEW).unwrap());
    }

    #[test]
    fn old_layout() {
        let d = parse("zk.txt", OLD).unwrap();
        assert_eq!(d.topics.len(), 2);
        let orders = &d.topics[0];
        assert_eq!((orders.name.as_str(), orders.line), ("orders", 3));
        assert_eq!((orders.partition_count, orders.replication_factor), (Some(3), Some(3)));
        assert_eq!(orders.min_insync_replicas, Some(2));
        assert_eq!(
            orders.partitions[1],
            Partition { partition: 1, leader: None, replicas: vec![2, 3, 1], isr: vec![], line: 5 }
        );
        let old = &d.topics[1];
        assert_eq!((old.name.as_str(), old.line), ("old-events", 7));
        assert_eq!((old.partition_count, old.replication_factor, old.min_insync_replicas), (Some(1), Some(2), None));
        assert_eq!(old.partitions[0].replicas, vec![2, 4]);
    }

    #[test]
    fn spaces_instead_of_tabs() {
        let text = "Topic: orders   PartitionCount: 1 ReplicationFactor: 3 Configs: min.insync.replicas=2\n  \
                    Topic: orders  Partition: 0  Leader: 1  Replicas: 1, 2, 3,4  Isr: 1,2  \
                    Adding Replicas: 4  Removing Replicas: 3  MarkedForDeletion: true\n";
        let d = parse("spaces.txt", text).unwrap();
        let p = &d.topics[0].partitions[0];
        assert_eq!((p.leader, p.replicas.clone(), p.isr.clone()), (Some(1), vec![1, 2, 3, 4], vec![1, 2]));
        assert_eq!(d.topics[0].min_insync_replicas, Some(2));
    }

    #[test]
    fn configs_with_commas_inside_values() {
        let text = "Topic: t\tPartitionCount: 1\tReplicationFactor: 2\tConfigs: \
                    leader.replication.throttled.replicas=0:1,0:2,1:2,min.insync.replicas=1,\
                    follower.replication.throttled.replicas=*\n";
        let d = parse("f", text).unwrap();
        assert_eq!(d.topics[0].min_insync_replicas, Some(1));
        assert_eq!(config("a=1,2,b=3", "a"), Some("1,2"));
        assert_eq!(config("a=1,2,b=3", "b"), Some("3"));
        assert_eq!(config("", "a"), None);
        assert_eq!(config("a=", "a"), Some(""));
    }

    #[test]
    fn partition_lines_only() {
        // `--describe --unavailable-partitions`: no topic lines at all.
        let text = "\tTopic: a\tPartition: 3\tLeader: none\tReplicas: 2,3\tIsr: \n\
                    \tTopic: a\tPartition: 5\tLeader: none\tReplicas: 2,1\tIsr: 2\n\
                    \tTopic: b\tPartition: 0\tLeader: none\tReplicas: 2\tIsr: \n";
        let d = parse("u", text).unwrap();
        assert_eq!(d.topics.len(), 2);
        let a = d.topic("a").unwrap();
        assert_eq!((a.line, a.partition_count, a.replication_factor, a.min_insync_replicas), (1, None, Some(2), None));
        assert_eq!(a.partitions.iter().map(|p| p.partition).collect::<Vec<_>>(), vec![3, 5]);
        assert_eq!(d.topic("b").unwrap().replication_factor, Some(1));
        assert_eq!(d.leader("a", 5), None);
    }

    #[test]
    fn replication_factor_not_counting_added_replicas() {
        let text = "\tTopic: r\tPartition: 0\tLeader: 1\tReplicas: 1,2,3,4\tIsr: 1,2,3\t\
                    Adding Replicas: 4\tRemoving Replicas: 3\n";
        assert_eq!(parse("r", text).unwrap().topics[0].replication_factor, Some(3));
    }

    #[test]
    fn described_twice_keeps_both_and_answers_from_the_last() {
        let text = "Topic: t\tPartitionCount: 1\tReplicationFactor: 2\tConfigs: \n\
                    \tTopic: t\tPartition: 0\tLeader: 1\tReplicas: 1,2\tIsr: 1,2\n\
                    Topic: t\tPartitionCount: 1\tReplicationFactor: 2\tConfigs: \n\
                    \tTopic: t\tPartition: 0\tLeader: 2\tReplicas: 1,2\tIsr: 2\n";
        let d = parse("t", text).unwrap();
        assert_eq!(d.topics.len(), 2);
        assert_eq!(d.topic("t").unwrap().line, 3);
        assert_eq!(d.leader("t", 0), Some(2));
    }

    #[test]
    fn odd_lines_do_not_panic() {
        let odd = [
            "Topic:",
            "Topic:\t",
            "Topic: é\tPartitionCount: 1\tConfigs: k=ü,ß",
            "Topic: t Adding Replicas:",
            "Topic: t\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tAdding Replicas:Removing Replicas:",
            "Topic: t\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tAdding",
            "Topic:\u{a0}x\tPartition: 0",
            "Topic: t:x\tTopicId: A:B:C",
        ];
        for line in odd {
            let _ = parse("odd", line);
        }
        assert_eq!(parse("odd", "Topic:").unwrap_err().line, 1);
    }

    #[test]
    fn leader_lookup() {
        let d = parse("describe.txt", NEW).unwrap();
        assert_eq!(d.leader("orders", 0), Some(1));
        assert_eq!(d.leader("orders", 5), Some(3));
        assert_eq!(d.leader("payments", 1), Some(3));
        assert_eq!(d.leader("audit", 0), None); // `Leader: none`
        assert_eq!(d.leader("orders", 6), None); // no such partition
        assert_eq!(d.leader("nope", 0), None); // no such topic
    }

    #[test]
    fn brokers_are_every_replica() {
        let d = parse("describe.txt", NEW).unwrap();
        assert_eq!(d.brokers().into_iter().collect::<Vec<_>>(), vec![1, 2, 3]);
        let d = parse("zk.txt", OLD).unwrap();
        assert_eq!(d.brokers().into_iter().collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    }

    #[test]
    fn no_topic_is_an_error() {
        let text = "WARNING: something\n\nError while executing topic command : Topic 'x' does not exist as expected\n";
        let e = parse("empty.txt", text).unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("empty.txt", 1));
        assert!(e.to_string().starts_with("empty.txt:1: no topic found"), "{e}");
        assert_eq!(parse("empty.txt", "").unwrap_err().line, 1);
    }

    #[test]
    fn bad_numbers_name_their_line() {
        let bad_partition = NEW.replace("Partition: 4\t", "Partition: x\t");
        let e = parse("d.txt", &bad_partition).unwrap_err();
        assert_eq!(e.line, 6);
        assert_eq!(e.to_string(), "d.txt:6: Partition: expected a number, found `x`");

        let bad_replica = NEW.replace("Replicas: 3,1,2\tIsr: 3,1,2", "Replicas: 3,one,2\tIsr: 3,1,2");
        assert_eq!(parse("d.txt", &bad_replica).unwrap_err().line, 10);

        let bad_leader = OLD.replace("Leader: 3", "Leader: -3");
        assert_eq!(parse("zk.txt", &bad_leader).unwrap_err().line, 6);

        let bad_count = OLD.replace("PartitionCount:1", "PartitionCount:one");
        let e = parse("zk.txt", &bad_count).unwrap_err();
        assert_eq!(e.line, 7);
        assert!(e.message.contains("PartitionCount"), "{e}");

        let bad_min_isr = NEW.replace("min.insync.replicas=3", "min.insync.replicas=+3");
        assert_eq!(parse("d.txt", &bad_min_isr).unwrap_err().line, 8);

        let huge = NEW.replace("Partition: 0\tLeader: 1", "Partition: 0\tLeader: 99999999999");
        assert!(parse("d.txt", &huge).unwrap_err().message.contains("out of range"));

        let empty_list_item = NEW.replace("Isr: 2,3\t", "Isr: 2,,3\t");
        assert_eq!(parse("d.txt", &empty_list_item).unwrap_err().line, 9);

        let missing = "\tTopic: a\tPartition: 0\tLeader: 1\tIsr: 1\n";
        let e = parse("m.txt", missing).unwrap_err();
        assert_eq!(e.to_string(), "m.txt:1: partition line without `Replicas:`");
    }
}
