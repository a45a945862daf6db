//! librdkafka's own line: `%LEVEL|seconds.millis|FAC|name| message`.
//!
//! `rd_kafka_log_print()` (`src/rdkafka.c`, unchanged since 2016) writes
//! `"%%%i|%u.%03u|%s|%s| %s\n"`: a syslog level, the epoch time, a facility
//! code, the client's name (`rdkafka#producer-1`) and the message. Bindings
//! with their own log callback keep the shape and print an ISO time instead
//! (`%7|2023-08-18T09:15:10.363|FETCHADD|rdkafka#producer-1| ...`,
//! librdkafka issue #4401), so both are read. No log4j pattern can say
//! "epoch seconds", hence a hand parser; it borrows, like every layout.
//!
//! The syslog level is mapped to a `Level` only so that the unknown-warning
//! rule sees librdkafka's level ≤ 4 lines; it is never a severity (a refused
//! connection is logged at 3, ERR, and is the most ordinary roll noise).

use super::pattern::Head;
use super::timestamp::DateFormat;
use crate::timefmt::Civil;
use std::sync::LazyLock;

static ISO: LazyLock<DateFormat> =
    LazyLock::new(|| DateFormat::compile(Some("yyyy-MM-dd'T'HH:mm:ss.SSSX")).expect("a fixed, valid date pattern"));
static ISO_LOCAL: LazyLock<DateFormat> =
    LazyLock::new(|| DateFormat::compile(Some("yyyy-MM-dd'T'HH:mm:ss.SSS")).expect("a fixed, valid date pattern"));

/// The syslog level as the `Level` word the rest of rollcall reads.
fn level_word(digit: u8) -> &'static [u8] {
    match digit {
        b'0'..=b'3' => b"ERROR",
        b'4' => b"WARN",
        b'5' | b'6' => b"INFO",
        _ => b"DEBUG",
    }
}

/// Epoch `seconds.millis` → a UTC civil time.
fn epoch(s: &[u8]) -> Option<Civil> {
    let dot = memchr::memchr(b'.', s)?;
    let (secs, frac) = (&s[..dot], &s[dot + 1..]);
    if secs.is_empty() || secs.len() > 11 || frac.len() != 3 {
        return None;
    }
    if !secs.iter().chain(frac).all(u8::is_ascii_digit) {
        return None;
    }
    let secs: i64 = std::str::from_utf8(secs).ok()?.parse().ok()?;
    let millis: i64 = std::str::from_utf8(frac).ok()?.parse().ok()?;
    crate::layout::timestamp::civil_from_millis(secs.checked_mul(1000)?.checked_add(millis)?)
}

/// Parses one head line; `None` when it is not a librdkafka line.
/// `thread` carries the facility (`FAIL`), `client` the client's name.
pub fn parse(line: &[u8]) -> Option<Head<'_>> {
    let rest = line.strip_prefix(b"%")?;
    let digit = *rest.first()?;
    if !digit.is_ascii_digit() || rest.get(1) != Some(&b'|') {
        return None;
    }
    let mut fields = rest[2..].splitn(4, |&b| b == b'|');
    let time = fields.next()?;
    let fac = fields.next()?;
    let name = fields.next()?;
    let msg = fields.next()?;
    if fac.is_empty() || !fac.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_') {
        return None;
    }
    let time = match epoch(time) {
        Some(c) => c,
        None => {
            let f = if time.len() > 23 { &*ISO } else { &*ISO_LOCAL };
            let (c, used) = f.parse(time)?;
            if used != time.len() {
                return None;
            }
            c
        }
    };
    Some(Head {
        time: Some(time),
        level: level_word(digit),
        logger: b"",
        thread: fac,
        client: name,
        message: msg.strip_prefix(b" ").unwrap_or(msg),
        suffix_found: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_line() {
        let h = parse(b"%3|1707216423.491|FAIL|rdkafka#producer-1| [thrd:ssl://b-2.x:9094/2]: ssl://b-2.x:9094/2: Connect to ipv4#10.0.1.12:9094 failed: Connection refused (after 0ms in state CONNECT)").unwrap();
        let t = h.time.unwrap();
        assert_eq!((t.year, t.month, t.day, t.hour, t.minute, t.second, t.milli), (2024, 2, 6, 10, 47, 3, 491));
        assert_eq!(t.offset, Some(0));
        assert_eq!((h.level, h.thread, h.client), (&b"ERROR"[..], &b"FAIL"[..], &b"rdkafka#producer-1"[..]));
        assert!(h.message.starts_with(b"[thrd:ssl://"));
    }

    #[test]
    fn iso_time_and_levels() {
        let h = parse(b"%7|2023-08-18T09:15:10.363|FETCHADD|rdkafka#producer-1| [thrd:main]: x").unwrap();
        assert_eq!(h.time.unwrap().hour, 9);
        assert_eq!(h.level, b"DEBUG");
        assert_eq!(parse(b"%4|1.000|REQTMOUT|c#consumer-2| m").unwrap().level, b"WARN");
        assert_eq!(parse(b"%6|1.000|FAIL|c#consumer-2| m").unwrap().level, b"INFO");
    }

    #[test]
    fn other_lines_are_not_heads() {
        for l in [
            &b"[2024-02-06 10:47:03,491] WARN x (y)"[..],
            b"%3|notatime|FAIL|n| m",
            b"%3|1.000|fail|n| m",
            b"%x|1.000|FAIL|n| m",
            b"%3|1.000|FAIL",
            b"100%|done",
            b"",
        ] {
            assert!(parse(l).is_none(), "{}", String::from_utf8_lossy(l));
        }
    }
}
