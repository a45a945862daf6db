//! Grammars: the clients' own log templates, as data (`grammars/*.toml`).
//!
//! A rule is a template with named captures (`Connection to node {node}
//! ({addr}) could not be established. ...`), the event kind it yields, the
//! logger and levels it applies to and the sample lines that prove it. Rules
//! compile to literal-anchored matchers: literals are compared with
//! `memcmp`/`memmem`, captures end at the first occurrence of the next
//! literal, and nothing backtracks. Every rule also gives the prefilter its
//! literals, so that a line no rule could match is never parsed.

pub mod check;
pub mod list;
mod load;

use crate::event::{Kind, Level};
pub use load::{load_builtin, load_file, load_str};
use memchr::memmem;

/// The built-in grammar files, embedded so the binary needs nothing beside it.
/// One line per client family; a file's rule ids start with its `family`.
/// Rules are tried in this order, so a family whose templates could match
/// another family's lines must come after it (none do today).
pub const BUILTIN: &[(&str, &str)] = &[
    ("grammars/java.toml", include_str!("../../grammars/java.toml")),
    ("grammars/librdkafka.toml", include_str!("../../grammars/librdkafka.toml")),
    ("grammars/sarama.toml", include_str!("../../grammars/sarama.toml")),
    ("grammars/franz-go.toml", include_str!("../../grammars/franz-go.toml")),
    ("grammars/kafkajs.toml", include_str!("../../grammars/kafkajs.toml")),
];

/// A grammar problem, located in its file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}{}", help.as_ref().map(|h| format!("\n  = help: {h}")).unwrap_or_default())]
pub struct Error {
    pub file: String,
    pub line: usize,
    pub message: String,
    pub help: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The template matches at the start of the message (after the Java
    /// LogContext prefix).
    Message,
    /// The template may occur anywhere in the record, continuation lines
    /// included (exception text inside stack traces).
    Record,
}

/// The shape a capture must have; reserved capture names imply it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A signed integer: `{node}`, `{count}`, `{attempts}`.
    Int,
    /// A socket address: `host/ip:port`, `host:port`, `host/<unresolved>:port`.
    Addr,
    /// A Java `Node.toString()`: `host:port (id: N rack: R[ isFenced: B])`.
    Node,
    /// A topic-partition: `orders-3`.
    TopicPartition,
    /// A librdkafka broker name: `[proto://]host:port/id` (or `/bootstrap`).
    BrokerName,
    Text,
}

impl Shape {
    pub fn of(name: &str) -> Shape {
        match name {
            "node" | "count" | "attempts" => Shape::Int,
            "addr" => Shape::Addr,
            "broker" => Shape::Node,
            "tp" => Shape::TopicPartition,
            "brokername" => Shape::BrokerName,
            _ => Shape::Text,
        }
    }

    pub fn accepts(self, v: &[u8]) -> bool {
        match self {
            Shape::Int => {
                let d = v.strip_prefix(b"-").unwrap_or(v);
                !d.is_empty() && d.len() <= 19 && d.iter().all(u8::is_ascii_digit)
            }
            Shape::Addr => split_addr(v).is_some(),
            Shape::Node => parse_node(v).is_some(),
            Shape::TopicPartition => split_tp(v).is_some(),
            Shape::BrokerName => parse_broker_name(v).is_some(),
            Shape::Text => true,
        }
    }
}

/// A literal with its searcher built once: building a `memmem` searcher per
/// match cost 16% of the run time before it was hoisted here.
#[derive(Clone, Debug)]
struct Lit {
    bytes: Vec<u8>,
    finder: memmem::Finder<'static>,
}

impl Lit {
    fn new(bytes: &[u8]) -> Lit {
        Lit { bytes: bytes.to_vec(), finder: memmem::Finder::new(bytes).into_owned() }
    }
}

#[derive(Clone, Debug)]
enum Seg {
    Lit(Box<Lit>),
    Cap { name: String, shape: Shape },
}

#[derive(Clone, Debug)]
pub struct Template {
    pub text: String,
    pub versions: Option<String>,
    segs: Vec<Seg>,
}

/// Most captures one template may have (the built-in ones have at most 8).
/// A match keeps its captures in a fixed array: a `Vec` per classified
/// record was 38 % of all allocations (issue 4, session 6).
pub const MAX_CAPTURES: usize = 16;

/// A capture's name and the bytes it took.
pub type Capture<'r, 'a> = (&'r str, &'a [u8]);

/// The captures of one match, in the template's order; read as a slice.
#[derive(Clone, Copy)]
pub struct Captures<'r, 'a> {
    len: usize,
    slots: [Capture<'r, 'a>; MAX_CAPTURES],
}

impl Default for Captures<'_, '_> {
    fn default() -> Self {
        Captures { len: 0, slots: [("", &[]); MAX_CAPTURES] }
    }
}

impl<'r, 'a> Captures<'r, 'a> {
    fn clear(&mut self) {
        self.len = 0;
    }

    /// `Template::compile` allows no more captures than there are slots.
    fn push(&mut self, c: Capture<'r, 'a>) {
        if let Some(slot) = self.slots.get_mut(self.len) {
            *slot = c;
            self.len += 1;
        }
    }
}

impl<'r, 'a> std::ops::Deref for Captures<'r, 'a> {
    type Target = [Capture<'r, 'a>];
    fn deref(&self) -> &Self::Target {
        &self.slots[..self.len]
    }
}

impl std::fmt::Debug for Captures<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Template {
    pub fn compile(text: &str) -> Result<Template, String> {
        let mut segs = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            match rest.find('{') {
                Some(0) => {
                    let end = rest.find('}').ok_or("a '{' without its '}'")?;
                    let name = &rest[1..end];
                    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        return Err(format!("bad capture name '{{{name}}}'"));
                    }
                    if matches!(segs.last(), Some(Seg::Cap { .. })) {
                        return Err(format!("captures must be separated by literal text (before '{{{name}}}')"));
                    }
                    segs.push(Seg::Cap { name: name.to_string(), shape: Shape::of(name) });
                    rest = &rest[end + 1..];
                }
                Some(i) => {
                    segs.push(Seg::Lit(Box::new(Lit::new(&rest.as_bytes()[..i]))));
                    rest = &rest[i..];
                }
                None => {
                    segs.push(Seg::Lit(Box::new(Lit::new(rest.as_bytes()))));
                    rest = "";
                }
            }
        }
        if !segs.iter().any(|s| matches!(s, Seg::Lit(_))) {
            return Err("a template needs some literal text".into());
        }
        let caps = segs.iter().filter(|s| matches!(s, Seg::Cap { .. })).count();
        if caps > MAX_CAPTURES {
            return Err(format!("{caps} captures; a template may have at most {MAX_CAPTURES}"));
        }
        Ok(Template { text: text.to_string(), versions: None, segs })
    }

    fn starts_with_literal(&self) -> bool {
        matches!(self.segs.first(), Some(Seg::Lit(_)))
    }

    /// Does one of the template's literal pieces contain `lit`?
    pub fn has_literal(&self, lit: &[u8]) -> bool {
        self.segs.iter().any(|s| matches!(s, Seg::Lit(l) if memmem::find(&l.bytes, lit).is_some()))
    }

    /// The literal the prefilter should look for: the longest one.
    pub fn longest_literal(&self) -> &[u8] {
        self.segs
            .iter()
            .filter_map(|s| match s {
                Seg::Lit(l) => Some(l.bytes.as_slice()),
                Seg::Cap { .. } => None,
            })
            .max_by_key(|l| l.trim_ascii().len())
            .map(<[u8]>::trim_ascii)
            .unwrap_or_default()
    }

    /// The byte every match from the start opens with, when the template
    /// opens with a literal.
    fn first_byte(&self) -> Option<u8> {
        match self.segs.first() {
            Some(Seg::Lit(l)) => l.bytes.first().copied(),
            _ => None,
        }
    }

    /// Matches at the start of `s`; a capture at the end runs to the end.
    pub fn match_start<'r, 'a>(&'r self, s: &'a [u8], caps: &mut Captures<'r, 'a>) -> bool {
        caps.clear();
        let mut p = 0;
        for (i, seg) in self.segs.iter().enumerate() {
            match seg {
                Seg::Lit(l) => {
                    if !s[p..].starts_with(&l.bytes) {
                        return false;
                    }
                    p += l.bytes.len();
                }
                Seg::Cap { name, shape } => {
                    let end = match self.segs.get(i + 1) {
                        Some(Seg::Lit(l)) => match l.finder.find(&s[p..]) {
                            Some(k) => p + k,
                            None => return false,
                        },
                        _ => s.len(),
                    };
                    let v = &s[p..end];
                    if !shape.accepts(v) {
                        return false;
                    }
                    caps.push((name.as_str(), v));
                    p = end;
                }
            }
        }
        true
    }

    /// Why `s` does not match from its start: the text matched so far and
    /// the literal expected next (for a grammar author's help line).
    pub fn mismatch(&self, s: &[u8]) -> (String, String) {
        let mut p = 0;
        for (i, seg) in self.segs.iter().enumerate() {
            let Seg::Lit(l) = seg else { continue };
            let found = match i {
                0 => s.starts_with(&l.bytes).then_some(0),
                _ => l.finder.find(&s[p..]).map(|k| p + k),
            };
            match found {
                Some(k) => p = k + l.bytes.len(),
                None => {
                    return (
                        String::from_utf8_lossy(&s[..p]).into_owned(),
                        String::from_utf8_lossy(&l.bytes).into_owned(),
                    )
                }
            }
        }
        (String::from_utf8_lossy(&s[..p]).into_owned(), String::new())
    }

    /// Finds the template anywhere in `text`, one line at a time.
    pub fn match_anywhere<'r, 'a>(&'r self, text: &'a [u8], caps: &mut Captures<'r, 'a>) -> bool {
        let Some(Seg::Lit(first)) = self.segs.first() else {
            return false;
        };
        for pos in first.finder.find_iter(text) {
            let line_end = memchr::memchr(b'\n', &text[pos..]).map_or(text.len(), |k| pos + k);
            let line = crate::layout::strip_cr(&text[pos..line_end]);
            if self.match_start(line, caps) {
                return true;
            }
        }
        false
    }
}

#[derive(Clone, Debug)]
pub struct When {
    pub capture: String,
    pub contains: memmem::Finder<'static>,
    /// `None`: the rule's kind.
    pub kind: Option<Kind>,
    /// The line is the named broker's own answer: that broker is up.
    pub broker_answered: bool,
}

#[derive(Clone, Debug)]
pub struct Sample {
    pub text: String,
    /// Expected captures; the key `kind` is the expected event kind.
    pub expect: Vec<(String, String)>,
    /// Line of the sample in its grammar file.
    pub line: usize,
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub id: std::sync::Arc<str>,
    pub kind: Kind,
    /// Compared with the last dotted segment of the record's logger.
    pub logger: Option<String>,
    pub levels: Option<Vec<Level>>,
    pub scope: Scope,
    pub source: Option<String>,
    pub templates: Vec<Template>,
    pub when: Vec<When>,
    /// Every match is the named broker's own answer (`NOT_COORDINATOR`,
    /// "loading the group"): that broker is up, whatever the kind says.
    pub broker_answered: bool,
    pub prefilter: Vec<Vec<u8>>,
    pub samples: Vec<Sample>,
    /// The file's `family` (`java`, `librdkafka`, ...).
    pub family: String,
    /// Where the rule is: file and line.
    pub file: String,
    pub line: usize,
}

/// The outcome of matching one record.
#[derive(Debug)]
pub struct Match<'r, 'a> {
    pub rule: &'r Rule,
    pub kind: Kind,
    pub broker_answered: bool,
    pub captures: Captures<'r, 'a>,
}

impl Rule {
    /// `logger`: the last dotted segment of the record's logger; `None`
    /// when the layout has none (then the rule does not judge by it).
    fn applies(&self, logger: Option<&[u8]>, level: Option<Level>) -> bool {
        if let (Some(want), Some(l)) = (&self.levels, level) {
            if !want.contains(&l) {
                return false;
            }
        }
        if let (Some(want), Some(last)) = (&self.logger, logger) {
            if last != want.as_bytes() {
                return false;
            }
        }
        true
    }

    /// Can this rule match a message whose first byte is `b`? Only a
    /// message-scope template opening with a literal can rule it out.
    fn may_open_with(&self, b: u8) -> bool {
        self.scope == Scope::Record || self.templates.iter().any(|t| t.first_byte().is_none_or(|f| f == b))
    }

    /// The kind, and whether the broker answered, after the `when` clauses
    /// (each decides what it sets; the first that sets a kind wins).
    fn outcome(&self, caps: &Captures<'_, '_>) -> (Kind, bool) {
        let mut kind = None;
        let mut answered = self.broker_answered;
        for w in &self.when {
            if let Some((_, v)) = caps.iter().find(|(n, _)| *n == w.capture) {
                if w.contains.find(v).is_some() {
                    answered |= w.broker_answered;
                    if kind.is_none() {
                        kind = w.kind;
                    }
                }
            }
        }
        (kind.unwrap_or(self.kind), answered)
    }

    /// Versions the rule covers, as its templates say.
    pub fn versions(&self) -> Vec<&str> {
        self.templates.iter().filter_map(|t| t.versions.as_deref()).collect()
    }
}

/// A grammar file's header: the client family and what it covers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Family {
    pub name: String,
    pub description: String,
    pub file: String,
}

/// All rules, in priority order (the first that matches a record wins).
#[derive(Clone, Debug, Default)]
pub struct Grammar {
    pub families: Vec<Family>,
    pub rules: Vec<Rule>,
}

impl Grammar {
    pub fn extend(&mut self, other: Grammar) {
        self.families.extend(other.families);
        self.rules.extend(other.rules);
    }

    /// The literals the prefilter needs, deduplicated. A rule that only
    /// matches WARN/ERROR/FATAL lines adds none: the prefilter's level
    /// markers already find every such line, and fewer literals scan faster.
    pub fn literals(&self) -> Vec<Vec<u8>> {
        self.literals_for(&[])
    }

    /// The literals of the rules an input in a layout of `families` can
    /// match (empty: every family), and of every rule that is not built in
    /// (a user's grammar may be for any layout). Each literal slows the one
    /// scan of every byte, so a Java log is not scanned for Sarama's.
    pub fn literals_for(&self, families: &[String]) -> Vec<Vec<u8>> {
        let covered = |r: &Rule| r.levels.as_ref().is_some_and(|ls| ls.iter().all(|l| *l >= Level::Warn));
        let mut v: Vec<Vec<u8>> = self
            .rules_for(families)
            .into_iter()
            .map(|i| &self.rules[i])
            .filter(|r| !covered(r))
            .flat_map(|r| r.prefilter.iter().cloned())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The indices, in priority order, of the rules an input in a layout of
    /// `families` can match: the same rules `literals_for` scans for. A
    /// record of a Java log is not tried against the 45 rules of the other
    /// clients (issue 4: a third of the classifying time).
    pub fn rules_for(&self, families: &[String]) -> Vec<usize> {
        let wanted = |r: &Rule| {
            families.is_empty() || families.contains(&r.family) || !BUILTIN.iter().any(|(f, _)| *f == r.file)
        };
        (0..self.rules.len()).filter(|&i| wanted(&self.rules[i])).collect()
    }

    /// Classifies a record. `message` is the head line's message with the
    /// LogContext prefix removed; `body` the continuation lines.
    pub fn classify<'r, 'a>(
        &'r self,
        logger: &[u8],
        level: Option<Level>,
        message: &'a [u8],
        body: &'a [u8],
    ) -> Option<Match<'r, 'a>> {
        self.classify_among(self.rules.iter(), logger, level, message, body)
    }

    /// The rules of `families` (`rules_for`), ready for `classify_in`.
    pub fn rule_set(&self, families: &[String]) -> RuleSet {
        RuleSet::new(self, self.rules_for(families))
    }

    /// Like `classify`, trying only the rules of `set`, and its record-scope
    /// rules only when one of their literals is in the record.
    pub fn classify_in<'r, 'a>(
        &'r self,
        set: &RuleSet,
        logger: &[u8],
        level: Option<Level>,
        message: &'a [u8],
        body: &'a [u8],
    ) -> Option<Match<'r, 'a>> {
        let mut record_scope = None;
        let rules = set.rules_from(message).iter().filter_map(|&i| self.rules.get(i)).filter(|r| {
            r.scope != Scope::Record || *record_scope.get_or_insert_with(|| set.record_scope_possible(message, body))
        });
        self.classify_among(rules, logger, level, message, body)
    }

    fn classify_among<'r, 'a>(
        &'r self,
        rules: impl Iterator<Item = &'r Rule>,
        logger: &[u8],
        level: Option<Level>,
        message: &'a [u8],
        body: &'a [u8],
    ) -> Option<Match<'r, 'a>> {
        let mut caps = Captures::default();
        // The logger's last segment, cut once per record, not once per rule.
        let last = logger.rsplit(|&b| b == b'.').next().unwrap_or(logger);
        let logger = (!logger.is_empty()).then_some(last);
        for rule in rules {
            if !rule.applies(logger, level) {
                continue;
            }
            for t in &rule.templates {
                let hit = match rule.scope {
                    Scope::Message => t.match_start(message, &mut caps),
                    Scope::Record => t.match_anywhere(message, &mut caps) || t.match_anywhere(body, &mut caps),
                };
                if hit {
                    let (kind, broker_answered) = rule.outcome(&caps);
                    return Some(Match { rule, kind, broker_answered, captures: caps });
                }
            }
        }
        None
    }
}

/// A set of rules in priority order, and a scan that tells whether a
/// record can match any of its record-scope rules at all. The loader makes
/// sure every template holds one of its rule's prefilter literals, so when
/// none of those literals is in the message or the body, no record-scope
/// rule can match. One multi-literal search of each replaces two searches
/// per record-scope template (issue 4: those searches were two fifths of
/// classifying).
#[derive(Clone, Debug)]
pub struct RuleSet {
    rules: Vec<usize>,
    /// `by_first[b]`: the rules, in priority order, that can match a
    /// message starting with byte `b`. A message-scope template that opens
    /// with a literal matches only messages opening with that literal's
    /// first byte, so the others are never tried (issue 4, session 3: a
    /// Java record walked all 35 Java rules and tried 4.1 templates on
    /// average; now 1.8, and the walk is over the short list).
    by_first: Vec<Vec<usize>>,
    /// The prefilter literals of the record-scope rules.
    record_scope: RecordScope,
}

/// How a record is searched for record-scope literals.
#[derive(Clone, Debug)]
enum RecordScope {
    /// No record-scope rules: nothing is searched.
    None,
    /// A few literals, one SIMD substring search each. Measured: with the
    /// Java set's three, an Aho-Corasick automaton falls back to a
    /// three-start-byte prefilter that stops at every `E`, `m` and `b` of
    /// a message, over four times the cost.
    Few(Vec<memmem::Finder<'static>>),
    /// The same few literals in one Teddy search, where the CPU has it
    /// (`packed::Searcher` builds only then): one pass over a message, not
    /// three searches with their setup each (issue 4, session 5).
    Packed(aho_corasick::packed::Searcher),
    Many(aho_corasick::AhoCorasick),
    /// A set that does not build is searched for by each template.
    Unknown,
}

/// Up to this many record-scope literals are searched one by one.
const FEW_LITERALS: usize = 4;

impl RuleSet {
    fn new(g: &Grammar, rules: Vec<usize>) -> RuleSet {
        let lits: Vec<&[u8]> = rules
            .iter()
            .filter_map(|&i| g.rules.get(i))
            .filter(|r| r.scope == Scope::Record)
            .flat_map(|r| r.prefilter.iter().map(Vec::as_slice))
            .collect();
        let record_scope = if lits.is_empty() {
            RecordScope::None
        } else if lits.len() <= FEW_LITERALS {
            match aho_corasick::packed::Searcher::new(lits.iter()) {
                Some(p) => RecordScope::Packed(p),
                None => RecordScope::Few(lits.iter().map(|l| memmem::Finder::new(l).into_owned()).collect()),
            }
        } else {
            aho_corasick::AhoCorasick::new(&lits).map_or(RecordScope::Unknown, RecordScope::Many)
        };
        let by_first = (0..=u8::MAX)
            .map(|b| rules.iter().copied().filter(|&i| g.rules.get(i).is_some_and(|r| r.may_open_with(b))).collect())
            .collect();
        RuleSet { rules, by_first, record_scope }
    }

    /// The rules worth trying on `message`, in priority order.
    fn rules_from(&self, message: &[u8]) -> &[usize] {
        match message.first() {
            Some(&b) => &self.by_first[usize::from(b)],
            None => &self.rules,
        }
    }

    /// Can a record-scope rule match this record?
    fn record_scope_possible(&self, message: &[u8], body: &[u8]) -> bool {
        match &self.record_scope {
            RecordScope::None | RecordScope::Unknown => true,
            RecordScope::Few(fs) => fs.iter().any(|f| f.find(message).is_some() || f.find(body).is_some()),
            RecordScope::Packed(p) => p.find(message).is_some() || (!body.is_empty() && p.find(body).is_some()),
            RecordScope::Many(a) => a.is_match(message) || a.is_match(body),
        }
    }
}

/// `host/ip:port`, `host:port`, `host/<unresolved>:port`, `/ip:port` →
/// (host or ip, port).
pub fn split_addr(v: &[u8]) -> Option<(&[u8], u16)> {
    let colon = memchr::memrchr(b':', v)?;
    let port = parse_port(&v[colon + 1..])?;
    let hostpart = &v[..colon];
    let host = match memchr::memchr(b'/', hostpart) {
        Some(0) => &hostpart[1..],
        Some(k) => &hostpart[..k],
        None => hostpart,
    };
    let host = host.strip_prefix(b"[").and_then(|h| h.strip_suffix(b"]")).unwrap_or(host);
    // A fold, not `any`: with no early exit the compiler checks 16 or 32
    // bytes at a time, and a broker's host name is 50 bytes and more.
    if host.is_empty() || host.iter().fold(false, |ws, c| ws | c.is_ascii_whitespace()) {
        return None;
    }
    Some((host, port))
}

/// A port as `str::parse::<u16>` reads it (an optional `+`, then digits,
/// at most 65535), without the UTF-8 check and the generic parser: every
/// `{addr}` and `{broker}` capture goes through here (issue 4, session 5).
fn parse_port(d: &[u8]) -> Option<u16> {
    let d = d.strip_prefix(b"+").unwrap_or(d);
    if d.is_empty() {
        return None;
    }
    let mut v = 0u32;
    for &b in d {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(b - b'0');
        if v > u32::from(u16::MAX) {
            return None;
        }
    }
    u16::try_from(v).ok()
}

/// ` (id: `, the mark of a Java `Node.toString()`. Built once: it is looked
/// for in every parsed record (racks) and every `{broker}` capture.
pub static NODE_MARK: std::sync::LazyLock<memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memmem::Finder::new(b" (id: "));

/// A Java `Node.toString()` → (id, host, port).
pub fn parse_node(v: &[u8]) -> Option<(i64, &[u8], u16)> {
    let open = NODE_MARK.find(v)?;
    if !v.ends_with(b")") {
        return None;
    }
    let (host, port) = split_addr(&v[..open])?;
    let after = &v[open + 6..];
    let end = after.iter().position(|c| !(c.is_ascii_digit() || *c == b'-'))?;
    let id = std::str::from_utf8(&after[..end]).ok()?.parse().ok()?;
    Some((id, host, port))
}

/// A librdkafka broker name (`rd_kafka_mk_brokername`, `src/rdkafka_broker.c`):
/// `sasl_ssl://b-2.x:9096/2` → (Some(2), `b-2.x`, 9096). A bootstrap broker
/// whose id is not known yet is `host:port/bootstrap` → (None, host, port).
pub fn parse_broker_name(v: &[u8]) -> Option<(Option<i64>, &[u8], u16)> {
    let v = match memchr::memmem::find(v, b"://") {
        Some(k) => &v[k + 3..],
        None => v,
    };
    let slash = memchr::memrchr(b'/', v)?;
    let (hostport, id) = (&v[..slash], &v[slash + 1..]);
    if memchr::memchr(b'/', hostport).is_some() {
        return None;
    }
    let (host, port) = split_addr(hostport)?;
    let id = if !id.is_empty() && id.iter().all(u8::is_ascii_digit) {
        Some(std::str::from_utf8(id).ok()?.parse().ok()?)
    } else if id.iter().all(|b| b.is_ascii_alphanumeric()) {
        None
    } else {
        return None;
    };
    Some((id, host, port))
}

/// `orders-3` → (`orders`, 3). Topic names may contain `-`.
pub fn split_tp(v: &[u8]) -> Option<(&[u8], i32)> {
    let dash = memchr::memrchr(b'-', v)?;
    let p = std::str::from_utf8(&v[dash + 1..]).ok()?.parse::<i32>().ok()?;
    (dash > 0 && !v[..dash].iter().any(u8::is_ascii_whitespace)).then_some((&v[..dash], p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_end_where_their_literal_starts() {
        let t = Template::compile("Node {node} disconnected.").unwrap();
        let mut caps = Captures::default();
        assert!(t.match_start(b"Node 12 disconnected.", &mut caps));
        assert_eq!(&caps[..], [("node", &b"12"[..])]);
        assert!(t.match_start(b"Node -1 disconnected. (x)", &mut caps));
        assert!(!t.match_start(b"Node 1x disconnected.", &mut caps));
        assert!(!t.match_start(b"Node 12345678901234567890 disconnected.", &mut caps));
        assert!(t.match_start(b"Node 1234567890123456789 disconnected.", &mut caps));
        // The literal's first occurrence ends the value, digits or not.
        let t = Template::compile("in {count}00 ms").unwrap();
        assert!(t.match_start(b"in 5000 ms", &mut caps));
        assert_eq!(&caps[..], [("count", &b"50"[..])]);
    }

    #[test]
    fn ports_read_as_the_standard_parser_reads_them() {
        let cases = [
            "9092",
            "0",
            "65535",
            "65536",
            "99999999999",
            "+9092",
            "++9092",
            "+",
            "",
            "-1",
            "-0",
            " 9092",
            "9092 ",
            "90a2",
            "0009092",
            "00000000000000000000009092",
            "\u{e9}",
            "٣",
            "1_000",
        ];
        for c in cases {
            assert_eq!(parse_port(c.as_bytes()), c.parse::<u16>().ok(), "{c:?}");
        }
        for n in (0..70_000u32).step_by(7) {
            let c = n.to_string();
            assert_eq!(parse_port(c.as_bytes()), c.parse::<u16>().ok(), "{c}");
        }
        assert_eq!(parse_port(b"\xff9092"), None);
        assert_eq!(split_addr(b"b-1.x/10.0.0.1:+9092"), Some((&b"b-1.x"[..], 9092)));
        assert_eq!(split_addr(b"b-1.x:65536"), None);
    }

    #[test]
    fn template_matching_is_anchored_and_lazy() {
        let t = Template::compile("Connection to node {node} ({addr}) could not be established.").unwrap();
        let mut caps = Captures::default();
        assert!(t.match_start(b"Connection to node 2147483645 (b-2.demo/10.0.2.12:9094) could not be established. Node may not be available.", &mut caps));
        assert_eq!(caps[0], ("node", &b"2147483645"[..]));
        assert_eq!(caps[1], ("addr", &b"b-2.demo/10.0.2.12:9094"[..]));
        assert!(!t.match_start(b"x Connection to node 2 (h:1) could not be established.", &mut caps));
        let old = Template::compile("Connection to node {node} could not be established.").unwrap();
        assert!(!old.match_start(b"Connection to node 2 (h/1.2.3.4:9092) could not be established.", &mut caps));
    }

    #[test]
    fn record_scope_finds_text_in_any_line() {
        let t =
            Template::compile("Expiring {count} record(s) for {tp}:{_} ms has passed since batch creation").unwrap();
        let mut caps = Captures::default();
        let body = b"\tat a.b\norg.apache.kafka.common.errors.TimeoutException: Expiring 5 record(s) for orders-2:120001 ms has passed since batch creation\n\tat c.d";
        assert!(t.match_anywhere(body, &mut caps));
        assert_eq!(caps[0].1, b"5");
        assert_eq!(caps[1].1, b"orders-2");
    }

    /// What classifying a record gave: the rule, kind and captures.
    type Outcome = Option<(String, Kind, Vec<(String, Vec<u8>)>)>;

    fn outcome(m: Option<Match<'_, '_>>) -> Outcome {
        m.map(|m| {
            (m.rule.id.to_string(), m.kind, m.captures.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect())
        })
    }

    #[test]
    fn a_rule_set_classifies_every_sample_as_its_rules_do() {
        let g = load_builtin();
        let layouts = crate::layout::Layouts::builtin();
        let mut families: Vec<Vec<String>> = g.families.iter().map(|f| vec![f.name.clone()]).collect();
        families.push(Vec::new());
        let mut matched = 0;
        for fams in &families {
            let set = g.rule_set(fams);
            let idx = g.rules_for(fams);
            for s in g.rules.iter().flat_map(|r| &r.samples) {
                let (head, body) = s.text.split_once('\n').unwrap_or((s.text.as_str(), ""));
                let Ok(layout) = layouts.detect(head.as_bytes()) else { continue };
                // The sample, its message alone, and its message with
                // each other sample's body: the gate must never skip a
                // rule that would have matched.
                let bodies: Vec<&str> = std::iter::once(body)
                    .chain(g.rules.iter().flat_map(|r| &r.samples).map(|o| o.text.as_str()))
                    .collect();
                for b in bodies {
                    layout.with_record(head.as_bytes(), b.as_bytes(), |rec| {
                        let (_, msg) = crate::extract::split_context(rec.message);
                        let all = idx.iter().map(|&i| &g.rules[i]);
                        let want = outcome(g.classify_among(all, rec.logger, rec.level, msg, rec.body));
                        let got = outcome(g.classify_in(&set, rec.logger, rec.level, msg, rec.body));
                        matched += usize::from(want.is_some());
                        assert_eq!(got, want, "families {fams:?}, sample {:?}", s.text);
                    });
                }
            }
        }
        assert!(matched > 100, "the samples match their rules: {matched}");
    }

    #[test]
    fn record_scope_rules_are_skipped_only_without_their_literals() {
        let g = load_builtin();
        let set = g.rule_set(&["java".to_string()]);
        assert!(!set.record_scope_possible(b"Node 1 disconnected.", b"\tat a.b"));
        assert!(set.record_scope_possible(b"x", b"\tat a.b\nTimeoutException: Expiring 5 record(s) for t-1:1 ms"));
        assert!(set.record_scope_possible(b"Topic t not present in metadata after 60000 ms.", b""));
        let none = RuleSet::new(&g, Vec::new());
        assert!(matches!(none.record_scope, RecordScope::None) && none.record_scope_possible(b"", b""));
        assert!(
            matches!(set.record_scope, RecordScope::Packed(_) | RecordScope::Few(_)),
            "the Java set's three literals are searched in one Teddy pass, or one by one without it"
        );
        // Both ways answer alike, the body included.
        let mut one_by_one = set.clone();
        one_by_one.record_scope = RecordScope::Few(
            ["Expiring", "metadata after", "bootstrap urls"].map(|l| memmem::Finder::new(l).into_owned()).to_vec(),
        );
        for (m, b) in [
            ("Node 1 disconnected.", ""),
            ("Node 1 disconnected.", "\tat a.b"),
            ("x", "\tat a.b\nTimeoutException: Expiring 5 record(s)"),
            ("Expiring", ""),
            ("Couldn't resolve server x from bootstrap urls", ""),
            ("", "metadata after"),
            ("metadata afte", "r"),
            ("", ""),
        ] {
            let (m, b) = (m.as_bytes(), b.as_bytes());
            assert_eq!(set.record_scope_possible(m, b), one_by_one.record_scope_possible(m, b), "{m:?} {b:?}");
        }
        assert!(set.record_scope_possible(b"", b"x metadata after 5 ms"));
        assert!(!set.record_scope_possible(b"metadata afte", b"r"));
    }

    #[test]
    fn rules_are_indexed_by_their_opening_byte() {
        let g = load_builtin();
        let set = g.rule_set(&["java".to_string()]);
        let n = set.rules_from(b"Node 1 disconnected.").len();
        assert!(n < set.rules.len() / 2, "{n} of {} rules tried", set.rules.len());
        assert_eq!(set.rules_from(b""), &set.rules[..], "an empty message is tried against every rule");
        // Record-scope rules are tried whatever the message opens with.
        let first = set.rules.iter().position(|&i| g.rules[i].scope == Scope::Record);
        assert_eq!(set.rules_from(b"\x01").first(), first.map(|k| &set.rules[k]));
    }

    #[test]
    fn bad_templates_are_refused() {
        assert!(Template::compile("{a}{b} x").is_err());
        assert!(Template::compile("{node}").is_err());
        assert!(Template::compile("x {bad name} y").is_err());
        assert!(Template::compile("x {open").is_err());
        let at_most = (0..MAX_CAPTURES).map(|i| format!("{{c{i}}} ")).collect::<String>();
        let t = Template::compile(&at_most).unwrap();
        let line = (0..MAX_CAPTURES).map(|i| format!("{i} ")).collect::<String>();
        let mut caps = Captures::default();
        assert!(t.match_start(line.as_bytes(), &mut caps));
        assert_eq!(caps.len(), MAX_CAPTURES);
        assert_eq!(caps[MAX_CAPTURES - 1], ("c15", &b"15"[..]));
        let over = format!("{at_most}{{last}} x");
        assert!(Template::compile(&over).unwrap_err().contains("at most 16"));
    }

    #[test]
    fn identity_shapes() {
        assert_eq!(split_addr(b"b-1.x/10.0.0.1:9094"), Some((&b"b-1.x"[..], 9094)));
        assert_eq!(split_addr(b"/10.0.0.1:9094"), Some((&b"10.0.0.1"[..], 9094)));
        assert_eq!(split_addr(b"b-1.x/<unresolved>:9094"), Some((&b"b-1.x"[..], 9094)));
        assert_eq!(split_addr(b"nope"), None);
        assert_eq!(parse_node(b"b-2.x:9094 (id: 2147483645 rack: null)"), Some((2147483645, &b"b-2.x"[..], 9094)));
        assert_eq!(
            parse_node(b"localhost:9092 (id: -1 rack: null isFenced: false)"),
            Some((-1, &b"localhost"[..], 9092))
        );
        assert_eq!(split_tp(b"my-topic-12"), Some((&b"my-topic"[..], 12)));
        assert_eq!(parse_broker_name(b"sasl_ssl://b-2.x:9096/2"), Some((Some(2), &b"b-2.x"[..], 9096)));
        assert_eq!(parse_broker_name(b"b-1.x:9092/bootstrap"), Some((None, &b"b-1.x"[..], 9092)));
        assert_eq!(parse_broker_name(b"10.0.0.1:9092/1"), Some((Some(1), &b"10.0.0.1"[..], 9092)));
        assert_eq!(parse_broker_name(b"ssl://b-2.x:9094"), None);
        assert_eq!(parse_broker_name(b"rdkafka#producer-1"), None);
        assert_eq!(split_tp(b"-1"), None);
    }
}
