//! Wrapped scenarios: the Java logs of another scenario as a container
//! runtime stores them, so that a wrapped log can be checked against the
//! plain one it wraps (same verdict, same broker windows).
//!
//! - `cri-clean-roll`: `clean-roll` as Kubernetes writes container logs
//!   (`/var/log/pods/...`, CRI format: `<RFC 3339 nanos> <stream> <F|P> <line>`;
//!   the kubelet splits lines over 16 KiB into `P` pieces).
//! - `docker-records-expired`: `records-expired` as Docker's json-file driver
//!   writes it (`{"log":"<line>\n","stream":"stdout","time":"<RFC 3339 nanos>"}`,
//!   Go's encoding/json escaping, `<`, `>` and `&` included).

use std::fs;
use std::io;
use std::path::Path;

use crate::clock::Stamp;
use crate::rng::{self, Rng};
use crate::scenario;

pub const NAMES: [&str; 2] = ["cri-clean-roll", "docker-records-expired"];

/// The kubelet's line limit (CRI `maxMsgSize`).
const CRI_MAX: usize = 16 * 1024;

/// Writes the files of scenario `name` into `dir`.
pub fn write(name: &str, dir: &Path, seed: u64) -> io::Result<()> {
    let (inner, cri) = match name {
        "cri-clean-roll" => ("clean-roll", true),
        _ => ("records-expired", false),
    };
    scenario::write(inner, dir, seed)?;
    let mut rng = Rng::new(rng::derive(seed, name));
    for file in ["producer.log", "consumer.log"] {
        let path = dir.join(file);
        let text = fs::read(&path)?;
        let wrapped = if cri { to_cri(&text, &mut rng) } else { to_docker(&text, &mut rng) };
        fs::write(&path, wrapped)?;
    }
    Ok(())
}

/// The epoch milliseconds of the first `yyyy-MM-dd?HH:mm:ss?SSS` near the
/// start of a line (Kafka tools and Spring Boot layouts both have one).
fn line_time(line: &[u8]) -> Option<i64> {
    let at = line.iter().take(4).position(u8::is_ascii_digit)?;
    let s = line.get(at..at + 23)?;
    let num = |a: usize, b: usize| -> Option<i64> {
        s[a..b].iter().try_fold(0i64, |v, c| c.is_ascii_digit().then(|| v * 10 + i64::from(c - b'0')))
    };
    let days = crate::clock::days_from_civil(num(0, 4)?, num(5, 7)? as u32, num(8, 10)? as u32);
    Some(((days * 24 + num(11, 13)?) * 60 + num(14, 16)?) * 60_000 + num(17, 19)? * 1000 + num(20, 23)?)
}

/// The runtime's own stamps: the line's time plus the pipe's latency, in
/// nanoseconds (`2024-02-06T10:47:03.491234567Z`), never going backwards.
struct RuntimeClock {
    stamp: Stamp,
    last: (i64, u64),
}

impl RuntimeClock {
    fn new() -> RuntimeClock {
        RuntimeClock { stamp: Stamp::new(b'T'), last: (i64::MIN, 0) }
    }

    fn push(&mut self, out: &mut Vec<u8>, t: i64, rng: &mut Rng) {
        let (mut t, mut sub) = (t.max(self.last.0), rng.below(400_000));
        if t == self.last.0 {
            sub = self.last.1 + 1 + rng.below(20_000);
            if sub >= 1_000_000 {
                t += 1;
                sub -= 1_000_000;
            }
        }
        self.last = (t, sub);
        self.stamp.push(out, t, b'.');
        crate::clock::push_digits(out, sub, 6);
        out.push(b'Z');
    }
}

fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.strip_suffix(b"\n").unwrap_or(text).split(|&b| b == b'\n')
}

fn to_cri(text: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 2);
    let mut clock = RuntimeClock::new();
    let mut t = 0;
    for line in lines(text) {
        t = line_time(line).unwrap_or(t);
        let pieces: Vec<&[u8]> = if line.is_empty() { vec![line] } else { line.chunks(CRI_MAX).collect() };
        for (i, piece) in pieces.iter().enumerate() {
            clock.push(&mut out, t, rng);
            out.extend_from_slice(b" stdout ");
            out.push(if i + 1 < pieces.len() { b'P' } else { b'F' });
            out.push(b' ');
            out.extend_from_slice(piece);
            out.push(b'\n');
        }
    }
    out
}

/// Go's encoding/json string escaping, as Docker writes the `log` field.
fn push_json_string(out: &mut Vec<u8>, s: &[u8]) {
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'<' => out.extend_from_slice(b"\\u003c"),
            b'>' => out.extend_from_slice(b"\\u003e"),
            b'&' => out.extend_from_slice(b"\\u0026"),
            c if c < 0x20 => {
                out.extend_from_slice(b"\\u00");
                out.push(b"0123456789abcdef"[usize::from(c >> 4)]);
                out.push(b"0123456789abcdef"[usize::from(c & 15)]);
            }
            c => out.push(c),
        }
    }
}

fn to_docker(text: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 2);
    let mut clock = RuntimeClock::new();
    let mut t = 0;
    for line in lines(text) {
        t = line_time(line).unwrap_or(t);
        out.extend_from_slice(b"{\"log\":\"");
        push_json_string(&mut out, line);
        out.extend_from_slice(b"\\n\",\"stream\":\"stdout\",\"time\":\"");
        clock.push(&mut out, t, rng);
        out.extend_from_slice(b"\"}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_escapes() {
        assert_eq!(line_time(b"[2024-02-06 10:47:03,491] WARN x"), Some(1707216423491));
        assert_eq!(line_time(b"2024-02-06T10:47:03.491Z  INFO 1"), Some(1707216423491));
        assert_eq!(line_time(b"\tat x.y(Z.java:1)"), None);
        let mut v = Vec::new();
        push_json_string(&mut v, b"a\t\"<b>\" & \\");
        assert_eq!(v, br#"a\t\"\u003cb\u003e\" \u0026 \\"#);
    }
}
