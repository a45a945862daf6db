//! Wrappers: what a log line's shipper puts around it, peeled before the
//! inner layout reads the line.
//!
//! A wrapper takes one physical line and gives the application's line inside
//! it (borrowed; Docker's JSON-escaped text is marked for unescaping), its
//! own timestamp, and whether the line continues on the next physical line
//! (CRI `P`, a Docker line without its `\n`). Line numbers are never touched:
//! the extractor counts physical lines, so evidence points into the file as
//! it is. Peeling allocates nothing; only the joining of a candidate record's
//! lines (`Layout::with_record`) copies.

use super::timestamp::parse_iso;
use crate::timefmt::Civil;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrapper {
    /// Kubernetes CRI log files: `2024-02-06T10:47:03.491234567Z stderr F <line>`.
    Cri,
    /// Docker's json-file driver: `{"log":"<line>\n","stream":"stderr","time":"..."}`.
    Docker,
    /// `aws logs tail`: `2024-02-06T10:47:03.491000+00:00 <log-stream> <line>`.
    AwsTail,
    /// A CloudWatch Logs export to S3: `2024-02-06T10:47:03.491Z <line>`.
    CloudWatchExport,
    /// Syslog / journald prefixes: RFC 3164 `Feb  6 10:47:03 host app[123]: <line>`,
    /// `journalctl -o short-iso`, and RFC 5424 `<165>1 2024-02-06T10:47:03.491Z host app 123 - - <line>`.
    Syslog,
}

/// One physical line with its wrapper peeled off.
#[derive(Clone, Copy, Debug)]
pub struct Peeled<'a> {
    pub content: &'a [u8],
    /// `content` is the inside of a JSON string (Docker): unescape before use.
    pub escaped: bool,
    /// The line goes on in the next physical line (CRI `P`).
    pub partial: bool,
    pub time: Option<Civil>,
}

impl Peeled<'_> {
    /// Appends the line's text, unescaped.
    pub fn append_to(&self, out: &mut Vec<u8>) {
        if self.escaped {
            unescape_into(self.content, out);
        } else {
            out.extend_from_slice(self.content);
        }
    }
}

impl Wrapper {
    /// Detection tries them in this order; the most specific come first.
    pub const ALL: [Wrapper; 5] =
        [Wrapper::Cri, Wrapper::Docker, Wrapper::AwsTail, Wrapper::Syslog, Wrapper::CloudWatchExport];

    pub fn name(self) -> &'static str {
        match self {
            Wrapper::Cri => "cri",
            Wrapper::Docker => "docker-json",
            Wrapper::AwsTail => "aws-logs-tail",
            Wrapper::CloudWatchExport => "cloudwatch-export",
            Wrapper::Syslog => "syslog",
        }
    }

    /// Peels one physical line (no newline); `None` when it is not wrapped so.
    pub fn peel(self, line: &[u8]) -> Option<Peeled<'_>> {
        match self {
            Wrapper::Cri => peel_cri(line),
            Wrapper::Docker => peel_docker(line),
            Wrapper::AwsTail => {
                let (time, rest) = zoned_time(line)?;
                let rest = rest.strip_prefix(b" ")?;
                let sp = memchr::memchr(b' ', rest)?;
                if sp == 0 {
                    return None;
                }
                Some(Peeled { content: &rest[sp + 1..], escaped: false, partial: false, time: Some(time) })
            }
            Wrapper::CloudWatchExport => {
                let (time, rest) = zoned_time(line)?;
                Some(Peeled { content: rest.strip_prefix(b" ")?, escaped: false, partial: false, time: Some(time) })
            }
            Wrapper::Syslog => peel_syslog(line),
        }
    }
}

/// An ISO timestamp that carries its zone, as every shipper writes it.
fn zoned_time(line: &[u8]) -> Option<(Civil, &[u8])> {
    let (c, used) = parse_iso(line)?;
    c.offset?;
    Some((c, &line[used..]))
}

fn peel_cri(line: &[u8]) -> Option<Peeled<'_>> {
    let (time, rest) = zoned_time(line)?;
    let rest = rest.strip_prefix(b" ")?;
    let rest = rest.strip_prefix(b"stderr ").or_else(|| rest.strip_prefix(b"stdout "))?;
    let partial = match rest.first()? {
        b'P' => true,
        b'F' => false,
        _ => return None,
    };
    let content = match rest.get(1) {
        None => &rest[1..],
        Some(b' ') => &rest[2..],
        Some(_) => return None,
    };
    Some(Peeled { content, escaped: false, partial, time: Some(time) })
}

const DOCKER_HEAD: &[u8] = b"{\"log\":\"";

fn peel_docker(line: &[u8]) -> Option<Peeled<'_>> {
    let body = line.strip_prefix(DOCKER_HEAD)?;
    let end = string_end(body)?;
    let rest = &body[end + 1..];
    let time = memchr::memmem::find(rest, b"\"time\":\"").and_then(|k| parse_iso(&rest[k + 8..])).map(|(c, _)| c);
    let mut content = &body[..end];
    // Docker ends each complete line with its newline; a line over 16 KiB
    // is split into pieces without one.
    let partial = match content.strip_suffix(b"\\n") {
        Some(c) => {
            content = c.strip_suffix(b"\\r").unwrap_or(c);
            false
        }
        None => true,
    };
    Some(Peeled { content, escaped: true, partial, time })
}

/// Where the JSON string whose body starts `s` ends (its closing quote).
pub fn string_end(s: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(k) = memchr::memchr2(b'"', b'\\', &s[i..]) {
        if s[i + k] == b'"' {
            return Some(i + k);
        }
        i += k + 2;
        if i > s.len() {
            return None;
        }
    }
    None
}

const MONTHS: [&[u8]; 12] =
    [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];

fn peel_syslog(line: &[u8]) -> Option<Peeled<'_>> {
    let mut s = line;
    if s.first() == Some(&b'<') {
        let close = memchr::memchr(b'>', &s[..s.len().min(5)])?;
        if !s[1..close].iter().all(u8::is_ascii_digit) {
            return None;
        }
        s = &s[close + 1..];
    }
    if let Some(r) = s.strip_prefix(b"1 ") {
        return peel_5424(r);
    }
    let mut time = None;
    let rest = if s.len() > 16 && MONTHS.contains(&&s[..3]) && s[3] == b' ' {
        // `Feb  6 10:47:03 `: the year is not there, so the inner line's time is used.
        let clock = &s[7..15];
        let ok = matches!(s[4], b' ' | b'0'..=b'9')
            && s[5].is_ascii_digit()
            && s[6] == b' '
            && clock[2] == b':'
            && clock[5] == b':'
            && s[15] == b' ';
        if !ok {
            return None;
        }
        &s[16..]
    } else {
        let (c, rest) = zoned_time(s)?;
        time = Some(c);
        rest.strip_prefix(b" ")?
    };
    // host, then `tag[pid]: ` or `tag: `.
    let sp = memchr::memchr(b' ', rest)?;
    let after_host = &rest[sp + 1..];
    let colon = memchr::memmem::find(after_host, b": ")?;
    let tag = &after_host[..colon];
    if tag.is_empty() || tag.contains(&b' ') {
        return None;
    }
    Some(Peeled { content: &after_host[colon + 2..], escaped: false, partial: false, time })
}

/// RFC 5424 after `<PRI>1 `: TIMESTAMP HOST APP PROCID MSGID SD MSG.
fn peel_5424(s: &[u8]) -> Option<Peeled<'_>> {
    let (time, mut rest) = match zoned_time(s) {
        Some((c, r)) => (Some(c), r),
        None => (None, s.strip_prefix(b"-")?),
    };
    for _ in 0..4 {
        rest = rest.strip_prefix(b" ")?;
        let sp = memchr::memchr(b' ', rest)?;
        rest = &rest[sp..];
    }
    rest = rest.strip_prefix(b" ")?;
    // Structured data: `-` or one or more `[id k="v" ...]`.
    if let Some(r) = rest.strip_prefix(b"-") {
        rest = r;
    } else {
        while rest.first() == Some(&b'[') {
            let mut i = 1;
            loop {
                let k = memchr::memchr3(b']', b'"', b'\\', rest.get(i..)?)? + i;
                match rest[k] {
                    b']' => {
                        i = k + 1;
                        break;
                    }
                    b'"' => i = k + 1 + string_end(&rest[k + 1..])? + 1,
                    _ => i = k + 2,
                }
            }
            rest = rest.get(i..)?;
        }
    }
    let content = rest.strip_prefix(b" ").unwrap_or(rest);
    let content = content.strip_prefix("\u{feff}".as_bytes()).unwrap_or(content);
    Some(Peeled { content, escaped: false, partial: false, time })
}

/// Unescapes the inside of a JSON string. Bad escapes are kept as they are:
/// a log line is evidence, never a reason to fail.
pub fn unescape_into(s: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'\\', &s[i..]) {
        out.extend_from_slice(&s[i..i + k]);
        let p = i + k;
        let Some(&e) = s.get(p + 1) else {
            out.push(b'\\');
            return;
        };
        i = p + 2;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'u' => {
                let Some(hi) = hex4(s, p + 2) else {
                    out.extend_from_slice(b"\\u");
                    continue;
                };
                i = p + 6;
                let mut cp = u32::from(hi);
                if (0xd800..0xdc00).contains(&hi) && s.get(i..i + 2) == Some(b"\\u") {
                    if let Some(lo) = hex4(s, i + 2).filter(|lo| (0xdc00..0xe000).contains(lo)) {
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (u32::from(lo) - 0xdc00);
                        i += 6;
                    }
                }
                let c = char::from_u32(cp).unwrap_or('\u{fffd}');
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            }
            other => out.push(other),
        }
    }
    out.extend_from_slice(&s[i..]);
}

fn hex4(s: &[u8], at: usize) -> Option<u16> {
    let h = s.get(at..at + 4)?;
    u16::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(p: &Peeled<'_>) -> String {
        let mut v = Vec::new();
        p.append_to(&mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn cri_full_and_partial_lines() {
        let p =
            Wrapper::Cri.peel(b"2024-02-06T10:47:03.491234567Z stderr F [2024-02-06 10:47:03,491] WARN x (y)").unwrap();
        assert_eq!(text(&p), "[2024-02-06 10:47:03,491] WARN x (y)");
        assert!(!p.partial);
        assert_eq!(p.time.unwrap().milli, 491);
        let p = Wrapper::Cri.peel(b"2024-02-06T10:47:03.491Z stdout P {\"level\":").unwrap();
        assert!(p.partial);
        assert_eq!(Wrapper::Cri.peel(b"2024-02-06T10:47:03.491Z stdout F").unwrap().content, b"");
        assert!(Wrapper::Cri.peel(b"2024-02-06T10:47:03.491Z stdin F x").is_none());
        assert!(Wrapper::Cri.peel(b"2024-02-06T10:47:03.491  WARN 1 --- x").is_none());
    }

    #[test]
    fn docker_json_file_unescapes() {
        let line = br#"{"log":"{\"level\":\"ERROR\",\"message\":\"a \\\"quoted\\\" \u003cb\u003e \u00e9 \ud83d\ude00\"}\n","stream":"stderr","time":"2024-02-06T10:47:03.491234567Z"}"#;
        let p = Wrapper::Docker.peel(line).unwrap();
        assert!(!p.partial);
        assert_eq!(text(&p), r#"{"level":"ERROR","message":"a \"quoted\" <b> é 😀"}"#);
        assert_eq!(p.time.unwrap().second, 3);
        let p =
            Wrapper::Docker.peel(br#"{"log":"first half","stream":"stdout","time":"2024-02-06T10:47:03Z"}"#).unwrap();
        assert!(p.partial);
        assert!(Wrapper::Docker.peel(br#"{"level":"ERROR"}"#).is_none());
        assert!(Wrapper::Docker.peel(br#"{"log":"unterminated \"#).is_none());
    }

    #[test]
    fn aws_tail_export_and_syslog() {
        let p = Wrapper::AwsTail
            .peel(b"2024-02-06T10:47:03.491000+00:00 orders/abc123 [2024-02-06 10:47:03,491] WARN x")
            .unwrap();
        assert_eq!(p.content, b"[2024-02-06 10:47:03,491] WARN x");
        let p = Wrapper::CloudWatchExport.peel(b"2024-02-06T10:47:03.491Z hello").unwrap();
        assert_eq!(p.content, b"hello");
        let p =
            Wrapper::Syslog.peel(b"Feb  6 10:47:03 ip-10-0-0-1 orders[123]: [2024-02-06 10:47:03,491] WARN x").unwrap();
        assert_eq!(p.content, b"[2024-02-06 10:47:03,491] WARN x");
        assert!(p.time.is_none());
        let p = Wrapper::Syslog
            .peel(b"<165>1 2024-02-06T10:47:03.491Z host orders 123 ID47 [ex@1 a=\"]x\"] {\"level\":\"WARN\"}")
            .unwrap();
        assert_eq!(p.content, b"{\"level\":\"WARN\"}");
        assert!(p.time.is_some());
        let p = Wrapper::Syslog.peel(b"<13>1 - host app - - - msg").unwrap();
        assert_eq!(p.content, b"msg");
        let p = Wrapper::Syslog.peel(b"2024-02-06T10:47:03+0000 host app[1]: msg").unwrap();
        assert_eq!(p.content, b"msg");
        assert!(Wrapper::Syslog.peel(b"[2024-02-06 10:47:03,491] WARN x: y").is_none());
    }

    /// Never panic on input: every prefix of real and broken lines, with
    /// some bytes flipped, through every wrapper.
    #[test]
    fn truncated_and_mangled_lines_never_panic() {
        let lines: [&[u8]; 6] = [
            b"2024-02-06T10:47:03.491234567Z stderr P x",
            br#"{"log":"a \\ \" \u00e9 \ud83d\ude00\n","stream":"stdout","time":"2024-02-06T10:47:03Z"}"#,
            b"2024-02-06T10:47:03.491000+00:00 s x",
            b"<165>1 2024-02-06T10:47:03.491Z h a 1 m [x a=\"\\\"]\"] msg",
            b"Feb  6 10:47:03 h a[1]: msg",
            b"<13>Feb 16 10:47:03 h a: m",
        ];
        let mut out = Vec::new();
        for l in lines {
            for cut in 0..=l.len() {
                for flip in [None, Some(b'\\'), Some(b'"'), Some(b'[')] {
                    let mut v = l[..cut].to_vec();
                    if let (Some(f), Some(last)) = (flip, v.last_mut()) {
                        *last = f;
                    }
                    for w in Wrapper::ALL {
                        if let Some(p) = w.peel(&v) {
                            out.clear();
                            p.append_to(&mut out);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn unescape_keeps_bad_escapes() {
        let mut v = Vec::new();
        unescape_into(br"a\u12zz\", &mut v);
        assert_eq!(v, br"a\u12zz\");
    }
}
