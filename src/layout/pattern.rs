//! log4j / logback conversion patterns, compiled once into a line parser.
//!
//! `[%d] %p %m (%c)%n` is read by a `nom` grammar into a list of elements.
//! The elements before `%m` are then matched left to right from the start
//! of a line; the elements after it right to left from the end, so that a
//! message containing ` (` still leaves Kafka's trailing `(logger)` intact.
//! A run of spaces in the pattern matches one or more spaces in the line,
//! which absorbs `%-5p` and `%15.15t` padding.

use super::timestamp::DateFormat;
use crate::timefmt::Civil;
use nom::{
    branch::alt,
    bytes::complete::{tag, take_while1},
    character::complete::{char, digit1},
    combinator::{opt, recognize},
    sequence::{delimited, preceded, tuple},
    IResult,
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Elem {
    Lit(Vec<u8>),
    Date(DateFormat),
    Level,
    Logger,
    Thread,
    Message,
    /// Any other field (`%X{..}`, `%pid`, `${PID}`, `%r`): skipped.
    Field,
}

/// A compiled pattern: what precedes the message and what follows it.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub source: String,
    prefix: Vec<Elem>,
    suffix: Vec<Elem>,
    /// The timestamp has no date (`%d{HH:mm:ss.SSS}`): the layout supplies one.
    pub time_only: bool,
}

/// What a head line yields.
#[derive(Clone, Debug, Default)]
pub struct Head<'a> {
    pub time: Option<Civil>,
    pub level: &'a [u8],
    pub logger: &'a [u8],
    pub thread: &'a [u8],
    /// The client's name, for layouts that carry it outside the message
    /// (librdkafka's `rdkafka#producer-1` field); empty otherwise.
    pub client: &'a [u8],
    pub message: &'a [u8],
    /// False when the pattern has elements after `%m` that this line does
    /// not end with (a multi-line message carries them on a later line).
    pub suffix_found: bool,
}

/// A head line with the elements before `%m` parsed (`Pattern::prefix`).
#[derive(Clone, Debug)]
pub struct Prefix<'a> {
    line: &'a [u8],
    head: Head<'a>,
    /// Where the message starts.
    at: usize,
}

impl<'a> Prefix<'a> {
    /// Was this parsed from `line` itself (the same bytes at the same place)?
    pub fn is_of(&self, line: &[u8]) -> bool {
        std::ptr::eq(self.line, line)
    }

    /// The line it was parsed from.
    pub fn line(&self) -> &'a [u8] {
        self.line
    }
}

/// One conversion as the pattern text spells it.
#[derive(Debug)]
enum Piece<'a> {
    Text(&'a str),
    Conv { name: &'a str, arg: Option<&'a str>, group: Option<Vec<Piece<'a>>> },
    Prop,
}

fn braced(i: &str) -> IResult<&str, &str> {
    delimited(char('{'), take_while1(|c| c != '}'), char('}'))(i)
}

fn modifier(i: &str) -> IResult<&str, &str> {
    recognize(tuple((opt(char('-')), opt(digit1), opt(preceded(char('.'), tuple((opt(char('-')), digit1)))))))(i)
}

fn conversion(i: &str) -> IResult<&str, Piece<'_>> {
    let (i, _) = char('%')(i)?;
    let (i, _) = modifier(i)?;
    let (i, name) = take_while1(|c: char| c.is_ascii_alphabetic())(i)?;
    // logback's %clr(inner){style} and log4j2's %highlight{inner}{style} wrap a pattern.
    if let Ok((rest, inner)) = delimited(char::<_, nom::error::Error<&str>>('('), balanced('(', ')'), char(')'))(i) {
        let (rest, _) = opt(braced)(rest)?;
        return Ok((rest, Piece::Conv { name, arg: None, group: Some(pieces(inner)?.1) }));
    }
    if matches!(name, "highlight" | "style") {
        if let Ok((rest, inner)) = delimited(char::<_, nom::error::Error<&str>>('{'), balanced('{', '}'), char('}'))(i)
        {
            let (rest, _) = opt(braced)(rest)?;
            return Ok((rest, Piece::Conv { name, arg: None, group: Some(pieces(inner)?.1) }));
        }
    }
    let (i, arg) = opt(braced)(i)?;
    // %d{pattern}{timezone}: the zone argument does not change the digits' shape.
    let (i, _) = if matches!(name, "d" | "date") { opt(braced)(i)? } else { (i, None) };
    Ok((i, Piece::Conv { name, arg, group: None }))
}

/// Text up to the bracket that closes an already opened one.
fn balanced(open: char, close: char) -> impl Fn(&str) -> IResult<&str, &str> {
    move |i: &str| {
        let mut depth = 0usize;
        for (k, c) in i.char_indices() {
            if c == open {
                depth += 1;
            } else if c == close {
                if depth == 0 {
                    return Ok((&i[k..], &i[..k]));
                }
                depth -= 1;
            }
        }
        Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::TakeUntil)))
    }
}

fn property(i: &str) -> IResult<&str, Piece<'_>> {
    let (i, _) = delimited(tag("${"), take_while1(|c| c != '}'), char('}'))(i)?;
    Ok((i, Piece::Prop))
}

fn text(i: &str) -> IResult<&str, Piece<'_>> {
    alt((
        |i| tag("%%")(i).map(|(r, _)| (r, Piece::Text("%"))),
        |i| take_while1(|c| c != '%' && c != '$')(i).map(|(r, t)| (r, Piece::Text(t))),
        |i| tag("$")(i).map(|(r, t)| (r, Piece::Text(t))),
    ))(i)
}

fn pieces(mut i: &str) -> IResult<&str, Vec<Piece<'_>>> {
    let mut out = Vec::new();
    while !i.is_empty() {
        let (rest, p) = alt((property, conversion, text))(i)?;
        out.push(p);
        i = rest;
    }
    Ok((i, out))
}

fn lower(pieces: Vec<Piece<'_>>, out: &mut Vec<Elem>) -> Result<(), String> {
    for p in pieces {
        let elem = match p {
            Piece::Text(t) => Elem::Lit(t.as_bytes().to_vec()),
            Piece::Prop => Elem::Field,
            Piece::Conv { group: Some(g), .. } => {
                lower(g, out)?;
                continue;
            }
            Piece::Conv { name, arg, .. } => match name {
                "d" | "date" => Elem::Date(DateFormat::compile(arg)?),
                "p" | "le" | "level" => Elem::Level,
                "c" | "lo" | "logger" => Elem::Logger,
                "t" | "thread" | "tn" | "threadName" => Elem::Thread,
                "m" | "msg" | "message" => Elem::Message,
                "n" | "ex" | "exception" | "throwable" | "xEx" | "xException" | "xThrowable" | "rEx" | "rException"
                | "rThrowable" | "wEx" | "wex" | "nopex" | "nopexception" => continue,
                "X" | "mdc" | "MDC" | "K" | "map" | "MAP" | "r" | "relative" | "pid" | "processId" | "L" | "line"
                | "F" | "file" | "M" | "method" | "C" | "class" | "sn" | "sequenceNumber" | "T" | "tid"
                | "threadId" | "marker" | "markerSimpleName" | "contextName" | "cn" | "property" | "u" | "uuid"
                | "N" | "nano" | "i" | "caller" | "kvp" | "prefix" | "correlationId" | "applicationName" | "esb" => {
                    Elem::Field
                }
                other => return Err(format!("unknown conversion '%{other}' (known: %d %p %c %t %m %n %X %pid ...)")),
            },
        };
        out.push(elem);
    }
    Ok(())
}

/// Merges adjacent literals and trims the pattern's trailing whitespace.
fn normalise(elems: Vec<Elem>) -> Vec<Elem> {
    let mut out: Vec<Elem> = Vec::new();
    for e in elems {
        match (out.last_mut(), e) {
            (Some(Elem::Lit(a)), Elem::Lit(b)) => a.extend_from_slice(&b),
            (_, e) => out.push(e),
        }
    }
    out.retain(|e| !matches!(e, Elem::Lit(l) if l.is_empty()));
    out
}

impl Pattern {
    pub fn compile(source: &str) -> Result<Pattern, String> {
        let (_, ps) = pieces(source).map_err(|e| format!("cannot read pattern '{source}': {e}"))?;
        let mut elems = Vec::new();
        lower(ps, &mut elems)?;
        let mut elems = normalise(elems);
        let Some(m) = elems.iter().position(|e| *e == Elem::Message) else {
            return Err(format!("pattern '{source}' has no %m (message)"));
        };
        let mut suffix = elems.split_off(m + 1);
        elems.pop();
        if let Some(Elem::Lit(l)) = suffix.last_mut() {
            while l.last().is_some_and(u8::is_ascii_whitespace) {
                l.pop();
            }
        }
        let suffix = normalise(suffix);
        if !elems.iter().any(|e| matches!(e, Elem::Date(_))) {
            return Err(format!("pattern '{source}' has no %d (date): rollcall needs a time for every record"));
        }
        let time_only = elems.iter().any(|e| matches!(e, Elem::Date(f) if !f.has_date));
        Ok(Pattern { source: source.to_string(), prefix: elems, suffix, time_only })
    }

    /// How many structural elements the pattern checks: more is more specific.
    pub fn specificity(&self) -> usize {
        self.prefix.len() + self.suffix.len()
    }

    /// Parses a head line (no newline, no CR). `None` when the line does not
    /// start the way the pattern says: it is a continuation line.
    pub fn parse<'a>(&self, line: &'a [u8]) -> Option<Head<'a>> {
        self.prefix(line).map(|pre| self.finish(pre))
    }

    /// The elements before `%m` of a head line: what `is_head` parses, kept
    /// for `finish` (`None`: a continuation line).
    pub fn prefix<'a>(&self, line: &'a [u8]) -> Option<Prefix<'a>> {
        let (head, at) = self.parse_prefix(line)?;
        Some(Prefix { line, head, at })
    }

    /// The head of the line `pre` was parsed from: its message and the
    /// elements after `%m`. `parse` is `prefix`, then this.
    pub fn finish<'a>(&self, pre: Prefix<'a>) -> Head<'a> {
        let Prefix { line, head: mut h, at: p } = pre;
        let rest = &line[p..];
        match self.match_suffix(rest) {
            Some((msg_end, logger)) => {
                if !logger.is_empty() {
                    h.logger = logger;
                }
                h.message = &rest[..msg_end];
                h.suffix_found = true;
            }
            None => {
                h.message = rest;
                h.suffix_found = self.suffix.is_empty();
            }
        }
        h
    }

    /// Does the line start a record? Exactly when `parse` gives a head: the
    /// tail after `%m` never rejects a line (a multi-line message carries it
    /// on a later line), so it is not looked for. Head tests run on every
    /// line after a candidate record (to find its end), most of them heads.
    pub fn is_head(&self, line: &[u8]) -> bool {
        self.parse_prefix(line).is_some()
    }

    /// The elements before `%m`: the head so far and where the message starts.
    fn parse_prefix<'a>(&self, line: &'a [u8]) -> Option<(Head<'a>, usize)> {
        let mut h = Head::default();
        let mut p = 0;
        for (k, e) in self.prefix.iter().enumerate() {
            let next = self.prefix.get(k + 1);
            match e {
                Elem::Lit(l) => p = match_lit(line, p, l)?,
                Elem::Date(f) => {
                    let (c, used) = f.parse(&line[p..])?;
                    h.time = Some(c);
                    p += used;
                }
                Elem::Level | Elem::Logger | Elem::Thread | Elem::Field => {
                    let end = field_end(line, p, next, matches!(e, Elem::Thread | Elem::Field));
                    let v = trim(&line[p..end]);
                    match e {
                        Elem::Level => {
                            if v.is_empty() || !v.iter().all(u8::is_ascii_alphabetic) {
                                return None;
                            }
                            h.level = v
                        }
                        Elem::Logger => h.logger = v,
                        Elem::Thread => h.thread = v,
                        _ => {}
                    }
                    p = end;
                }
                Elem::Message => unreachable!("the message is split out at compile time"),
            }
        }
        Some((h, p))
    }

    /// How far a line gets through the pattern: the number of elements it
    /// matched, and what failed where (for "closest layout" messages).
    pub fn diagnose(&self, line: &[u8]) -> (usize, String) {
        let mut matched: Vec<&str> = Vec::new();
        let mut p = 0;
        let name = |e: &Elem| match e {
            Elem::Lit(_) => "literal text",
            Elem::Date(_) => "timestamp",
            Elem::Level => "level field",
            Elem::Logger => "logger field",
            Elem::Thread => "thread field",
            Elem::Field | Elem::Message => "field",
        };
        for (k, e) in self.prefix.iter().enumerate() {
            let next = self.prefix.get(k + 1);
            let ok = match e {
                Elem::Lit(l) => match_lit(line, p, l),
                Elem::Date(f) => f.parse(&line[p..]).map(|(_, used)| p + used),
                Elem::Level => {
                    let end = field_end(line, p, next, false);
                    let v = trim(&line[p..end]);
                    (!v.is_empty() && v.iter().all(u8::is_ascii_alphabetic)).then_some(end)
                }
                _ => Some(field_end(line, p, next, matches!(e, Elem::Thread | Elem::Field))),
            };
            match ok {
                Some(np) => {
                    if !matches!(e, Elem::Lit(_)) {
                        matched.push(name(e));
                    }
                    p = np;
                }
                None => {
                    let what = if let Elem::Lit(l) = e {
                        format!("\"{}\"", String::from_utf8_lossy(l).trim())
                    } else {
                        name(e).to_string()
                    };
                    let done = if matched.is_empty() {
                        "nothing matched".to_string()
                    } else {
                        format!("{} matched", matched.join(", "))
                    };
                    return (k, format!("{done}, {what} did not at column {}", p + 1));
                }
            }
        }
        (self.prefix.len(), "the line's end did not match the pattern's tail".into())
    }

    /// Matches the elements after `%m` against the end of `s`: returns where
    /// the message ends and the logger the suffix names (if any).
    pub fn match_suffix<'a>(&self, s: &'a [u8]) -> Option<(usize, &'a [u8])> {
        let mut end = s.len();
        let mut logger: &[u8] = &[];
        for k in (0..self.suffix.len()).rev() {
            match &self.suffix[k] {
                Elem::Lit(l) => end = match_lit_back(s, end, l)?,
                e => {
                    let start = match k.checked_sub(1).map(|j| &self.suffix[j]) {
                        Some(Elem::Lit(l)) => {
                            let stop = l.iter().rev().find(|c| !c.is_ascii_whitespace()).copied();
                            match stop {
                                Some(c) => memchr::memrchr(c, &s[..end])? + 1,
                                None => memchr::memrchr(b' ', &s[..end])? + 1,
                            }
                        }
                        _ => memchr::memrchr(b' ', &s[..end]).map_or(0, |i| i + 1),
                    };
                    if matches!(e, Elem::Logger) {
                        logger = trim(&s[start..end]);
                        // A fold the compiler checks many bytes at a time.
                        if logger.is_empty() || logger.iter().fold(false, |sp, &c| sp | (c == b' ')) {
                            return None;
                        }
                    }
                    end = start;
                }
            }
        }
        Some((end, logger))
    }
}

/// Matches literal `l` at `p`; a space in `l` matches one or more spaces.
fn match_lit(s: &[u8], mut p: usize, l: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < l.len() {
        if l[i] == b' ' {
            let n = s[p..].iter().take_while(|&&c| c == b' ').count();
            if n == 0 {
                return None;
            }
            p += n;
            while i < l.len() && l[i] == b' ' {
                i += 1;
            }
        } else {
            if s.get(p) != Some(&l[i]) {
                return None;
            }
            p += 1;
            i += 1;
        }
    }
    Some(p)
}

/// Matches literal `l` ending at `end`, backwards; returns where it starts.
fn match_lit_back(s: &[u8], mut end: usize, l: &[u8]) -> Option<usize> {
    let mut i = l.len();
    while i > 0 {
        if l[i - 1] == b' ' {
            let n = s[..end].iter().rev().take_while(|&&c| c == b' ').count();
            if n == 0 {
                return None;
            }
            end -= n;
            while i > 0 && l[i - 1] == b' ' {
                i -= 1;
            }
        } else {
            if end == 0 || s[end - 1] != l[i - 1] {
                return None;
            }
            end -= 1;
            i -= 1;
        }
    }
    Some(end)
}

/// Where a field starting at `p` ends: at the next literal's first visible
/// byte, or (for fields that hold no spaces) at the first space.
fn field_end(s: &[u8], p: usize, next: Option<&Elem>, may_hold_spaces: bool) -> usize {
    let rest = &s[p..];
    let stop = match next {
        Some(Elem::Lit(l)) => l.iter().find(|c| !c.is_ascii_whitespace()).copied(),
        _ => None,
    };
    let lead = rest.iter().take_while(|&&c| c == b' ').count();
    let body = &rest[lead..];
    let end = match (stop, may_hold_spaces) {
        (Some(c), true) => memchr::memchr(c, body).map(|e| {
            // Leave the spaces before the stop to the literal that wants them.
            body[..e].iter().rposition(|&b| b != b' ').map_or(0, |k| k + 1)
        }),
        (Some(c), false) => body.iter().position(|&b| b == c || b == b' '),
        // A level or an MDC field is a few bytes: a byte loop ends before
        // a `memchr` call would have set up.
        (None, _) => body.iter().position(|&b| b == b' '),
    };
    p + lead + end.unwrap_or(body.len())
}

fn trim(s: &[u8]) -> &[u8] {
    s.trim_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head<'a>(p: &Pattern, line: &'a str) -> Head<'a> {
        p.parse(line.as_bytes()).expect("parses")
    }

    #[test]
    fn kafka_tools_layout() {
        let p = Pattern::compile("[%d] %p %m (%c)%n").unwrap();
        let h = head(&p, "[2024-02-06 10:47:03,491] WARN [Producer clientId=console-producer] Got error (x) retrying (2 attempts left). Error: NOT_LEADER_OR_FOLLOWER (org.apache.kafka.clients.producer.internals.Sender)");
        assert_eq!(h.level, b"WARN");
        assert_eq!(h.logger, b"org.apache.kafka.clients.producer.internals.Sender");
        assert!(h.message.starts_with(b"[Producer clientId=console-producer] Got error (x)"));
        assert!(h.message.ends_with(b"Error: NOT_LEADER_OR_FOLLOWER"));
        assert!(h.suffix_found);
        let h = head(&p, "[2024-02-06 10:47:03,491] INFO ProducerConfig values: ");
        assert!(!h.suffix_found);
        assert_eq!(h.message, b"ProducerConfig values: ");
        assert!(p.parse(b"\tat org.apache.kafka.X.y(X.java:1)").is_none());
        assert!(p.parse(b"[2024-02-06 10:47").is_none());
        let (_, why) = p.diagnose(b"[2024-02-06 10:47:03,491] 42 x");
        assert_eq!(why, "timestamp matched, level field did not at column 27");
        let (_, why) = p.diagnose(b"hello");
        assert_eq!(why, "nothing matched, \"[\" did not at column 1");
    }

    #[test]
    fn spring_boot_layout_with_padding() {
        let p = Pattern::compile(
            "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %5p ${PID} --- [${APP}] [%15.15t] %-40.40logger{39} : %m%n",
        )
        .unwrap();
        let h = head(&p, "2024-02-06T10:47:03.491Z  INFO 1 --- [orders-service] [ntainer#0-0-C-1] o.a.k.c.c.internals.ConsumerCoordinator  : [Consumer clientId=c-1, groupId=g] Discovered group coordinator x");
        assert_eq!(h.level, b"INFO");
        assert_eq!(h.thread, b"ntainer#0-0-C-1");
        assert_eq!(h.logger, b"o.a.k.c.c.internals.ConsumerCoordinator");
        assert!(h.message.starts_with(b"[Consumer clientId=c-1"));
        let h = head(&p, "2024-02-06T10:47:03.491Z ERROR 1 --- [orders-service] [ad | producer-1] o.s.k.support.LoggingProducerListener    : Exception thrown");
        assert_eq!(h.thread, b"ad | producer-1");
        assert_eq!(h.message, b"Exception thrown");
    }

    #[test]
    fn logback_wrappers_and_errors() {
        let p = Pattern::compile("%d{ISO8601} [%t] %clr(%-5level) %logger{36} - %msg%n").unwrap();
        let h = head(&p, "2024-02-06 10:47:03,491 [kafka-producer-network-thread | producer-1] WARN  org.apache.kafka.clients.NetworkClient - [Producer clientId=producer-1] Node 1 disconnected.");
        assert_eq!(h.level, b"WARN");
        assert_eq!(h.thread, b"kafka-producer-network-thread | producer-1");
        assert_eq!(h.message, b"[Producer clientId=producer-1] Node 1 disconnected.");
        assert!(Pattern::compile("%d %p %bogus %m").unwrap_err().contains("%bogus"));
        assert!(Pattern::compile("%d %p").unwrap_err().contains("no %m"));
        assert!(Pattern::compile("%p %m").unwrap_err().contains("no %d"));
        assert!(Pattern::compile("%d{HH:mm:ss.SSS} %p %m").unwrap().time_only);
        assert!(!p.time_only);
    }
}
