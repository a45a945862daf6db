//! Timestamps read by hand from fixed digit positions.
//!
//! A `DateFormat` is compiled once from a `SimpleDateFormat`-style pattern
//! (`yyyy-MM-dd HH:mm:ss,SSS`, what log4j and logback print for a bare `%d`)
//! and then reads a line's leading bytes with no allocation and no regex. It
//! is lenient where real deployments differ: `T` or a space between date and
//! time, `,` or `.` before the fraction, `Z` or any offset form for a zone.

use crate::timefmt::{parse_offset, Civil};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Year4,
    Year2,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    /// Fraction digits; the first three are milliseconds.
    Fraction(usize),
    Zone,
    /// Separator between date and time: `T` or a space.
    DateTimeSep,
    /// Before the fraction: `,` or `.`.
    FractionSep,
    Lit(u8),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateFormat {
    toks: Vec<Tok>,
    pub has_date: bool,
}

/// Named formats of log4j 2 (`%d{ISO8601}`) and logback.
fn named(name: &str) -> Option<&'static str> {
    Some(match name {
        "DEFAULT" => "yyyy-MM-dd HH:mm:ss,SSS",
        "ISO8601" => "yyyy-MM-dd'T'HH:mm:ss,SSS",
        "ISO8601_BASIC" => "yyyyMMdd'T'HHmmss,SSS",
        "ISO8601_OFFSET_DATE_TIME_HH" => "yyyy-MM-dd'T'HH:mm:ss,SSSX",
        "ISO8601_OFFSET_DATE_TIME_HHMM" => "yyyy-MM-dd'T'HH:mm:ss,SSSXX",
        "ISO8601_OFFSET_DATE_TIME_HHCMM" => "yyyy-MM-dd'T'HH:mm:ss,SSSXXX",
        "ABSOLUTE" => "HH:mm:ss,SSS",
        _ => return None,
    })
}

impl DateFormat {
    /// Compiles a date pattern; `None` (or empty) is the log4j default.
    pub fn compile(spec: Option<&str>) -> Result<DateFormat, String> {
        let spec = spec.map(str::trim).filter(|s| !s.is_empty()).unwrap_or("DEFAULT");
        let spec = named(spec).unwrap_or(spec);
        let b = spec.as_bytes();
        let mut toks = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            let run = b[i..].iter().take_while(|&&x| x == c).count();
            let tok = match c {
                b'y' if run == 2 => Tok::Year2,
                b'y' | b'u' => Tok::Year4,
                b'M' if run <= 2 => Tok::Month,
                b'M' => {
                    return Err(format!(
                        "month names ({}) are not supported in date pattern '{spec}'",
                        &spec[i..i + run]
                    ))
                }
                b'd' => Tok::Day,
                b'H' => Tok::Hour,
                b'm' => Tok::Minute,
                b's' => Tok::Second,
                b'S' => Tok::Fraction(run),
                b'X' | b'Z' | b'x' => Tok::Zone,
                b'\'' => {
                    // Quoted literal; '' is a quote.
                    let end = b[i + 1..].iter().position(|&x| x == b'\'').map(|p| i + 1 + p);
                    let Some(end) = end else {
                        return Err(format!("unclosed quote in date pattern '{spec}'"));
                    };
                    for &q in &b[i + 1..end] {
                        toks.push(if q == b'T' { Tok::DateTimeSep } else { Tok::Lit(q) });
                    }
                    i = end + 1;
                    continue;
                }
                b' ' if toks.last().is_some_and(|t| matches!(t, Tok::Day)) => Tok::DateTimeSep,
                b',' | b'.' if b.get(i + 1) == Some(&b'S') => Tok::FractionSep,
                c if c.is_ascii_alphabetic() => {
                    return Err(format!("unsupported letter '{}' in date pattern '{spec}'", c as char))
                }
                c => {
                    for _ in 0..run {
                        toks.push(Tok::Lit(c));
                    }
                    i += run;
                    continue;
                }
            };
            toks.push(tok);
            i += if matches!(c, b'\'') { 1 } else { run };
        }
        let has_date = toks.iter().any(|t| matches!(t, Tok::Year4 | Tok::Year2));
        Ok(DateFormat { toks, has_date })
    }

    /// Reads a timestamp at the start of `s`; returns it and the bytes used.
    pub fn parse(&self, s: &[u8]) -> Option<(Civil, usize)> {
        let mut c = Civil { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, milli: 0, offset: None };
        let mut p = 0;
        for t in &self.toks {
            match t {
                Tok::Year4 => c.year = i64::from(digits(s, &mut p, 4)?),
                Tok::Year2 => c.year = 2000 + i64::from(digits(s, &mut p, 2)?),
                Tok::Month => c.month = digits(s, &mut p, 2)?,
                Tok::Day => c.day = digits(s, &mut p, 2)?,
                Tok::Hour => c.hour = digits(s, &mut p, 2)?,
                Tok::Minute => c.minute = digits(s, &mut p, 2)?,
                Tok::Second => c.second = digits(s, &mut p, 2)?,
                Tok::Fraction(_) => {
                    // Any number of digits: Go and CRI timestamps drop trailing zeros.
                    let start = p;
                    while s.get(p).is_some_and(u8::is_ascii_digit) {
                        p += 1;
                    }
                    if p == start {
                        return None;
                    }
                    let mut ms = 0;
                    for k in 0..3 {
                        ms = ms * 10 + s.get(start + k).filter(|_| start + k < p).map_or(0, |d| u32::from(d - b'0'));
                    }
                    c.milli = ms;
                }
                Tok::Zone => {
                    let len = zone_len(&s[p..])?;
                    c.offset = Some(parse_offset(&s[p..p + len])?);
                    p += len;
                }
                Tok::DateTimeSep => {
                    if !matches!(s.get(p), Some(b'T') | Some(b' ')) {
                        return None;
                    }
                    p += 1;
                }
                Tok::FractionSep => {
                    if !matches!(s.get(p), Some(b',') | Some(b'.')) {
                        return None;
                    }
                    p += 1;
                }
                Tok::Lit(b) => {
                    if s.get(p) != Some(b) {
                        return None;
                    }
                    p += 1;
                }
            }
        }
        c.is_valid().then_some((c, p))
    }
}

/// ISO 8601 / RFC 3339 as JSON logs, CRI and CloudWatch write it: `T` or a
/// space, any number of fraction digits or none, a zone or none. Compiled once.
static ISO: std::sync::LazyLock<[DateFormat; 4]> = std::sync::LazyLock::new(|| {
    ["yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "yyyy-MM-dd'T'HH:mm:ss.SSS", "yyyy-MM-dd'T'HH:mm:ssXXX", "yyyy-MM-dd'T'HH:mm:ss"]
        .map(|f| DateFormat::compile(Some(f)).expect("the ISO formats compile"))
});

/// Reads an ISO 8601 timestamp at the start of `s`; returns it and the bytes used.
pub fn parse_iso(s: &[u8]) -> Option<(Civil, usize)> {
    ISO.iter().find_map(|f| f.parse(s))
}

/// Epoch milliseconds (pino's `time`) as a civil UTC time.
pub fn civil_from_millis(ms: i64) -> Option<Civil> {
    use chrono::{Datelike, Timelike};
    let t = chrono::DateTime::from_timestamp_millis(ms)?;
    Some(Civil {
        year: i64::from(t.year()),
        month: t.month(),
        day: t.day(),
        hour: t.hour(),
        minute: t.minute(),
        second: t.second(),
        milli: t.timestamp_subsec_millis().min(999),
        offset: Some(0),
    })
}

fn digits(s: &[u8], p: &mut usize, n: usize) -> Option<u32> {
    let d = s.get(*p..*p + n)?;
    let mut v = 0u32;
    for &b in d {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(b - b'0');
    }
    *p += n;
    Some(v)
}

/// Length of a zone designator at the start of `s`: `Z`, `+09`, `+0900`, `+09:00`.
fn zone_len(s: &[u8]) -> Option<usize> {
    match s.first()? {
        b'Z' => Some(1),
        b'+' | b'-' => {
            let n = s[1..].iter().take(5).take_while(|c| c.is_ascii_digit() || **c == b':').count();
            matches!(n, 2 | 4 | 5).then_some(1 + n)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timefmt::{rfc3339, Zone};

    fn utc(f: &DateFormat, s: &str) -> Option<String> {
        f.parse(s.as_bytes()).and_then(|(c, _)| c.to_utc_millis(&Zone::default())).map(|m| rfc3339(m, &Zone::default()))
    }

    #[test]
    fn log4j_default_format() {
        let f = DateFormat::compile(None).unwrap();
        assert_eq!(utc(&f, "2024-02-06 10:47:03,491] WARN"), Some("2024-02-06T10:47:03.491Z".into()));
        assert_eq!(f.parse(b"2024-02-06 10:47:03,491]").unwrap().1, 23);
        assert_eq!(utc(&f, "2024-02-06 10:47:03.491"), Some("2024-02-06T10:47:03.491Z".into()));
        assert_eq!(utc(&f, "2024-13-06 10:47:03,491"), None);
        assert_eq!(utc(&f, "2024-02-06 10:4"), None);
        assert_eq!(utc(&f, "\tat org.apache"), None);
    }

    #[test]
    fn iso_with_offset_and_fraction_lengths() {
        let f = DateFormat::compile(Some("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")).unwrap();
        assert_eq!(utc(&f, "2025-03-06T12:52:47.684+05:30 ERROR"), Some("2025-03-06T07:22:47.684Z".into()));
        assert_eq!(utc(&f, "2024-02-06T10:47:03.491Z  INFO"), Some("2024-02-06T10:47:03.491Z".into()));
        assert_eq!(utc(&f, "2024-02-06T10:47:03.4Z"), Some("2024-02-06T10:47:03.400Z".into()));
        assert!(f.has_date);
    }

    #[test]
    fn named_and_time_only_formats() {
        assert!(!DateFormat::compile(Some("ABSOLUTE")).unwrap().has_date);
        assert!(!DateFormat::compile(Some("HH:mm:ss.SSS")).unwrap().has_date);
        let iso = DateFormat::compile(Some("ISO8601")).unwrap();
        assert_eq!(utc(&iso, "2024-02-06T10:47:03,491"), Some("2024-02-06T10:47:03.491Z".into()));
        assert!(DateFormat::compile(Some("dd MMM yyyy")).is_err());
        assert!(DateFormat::compile(Some("yyyy-MM-dd'T")).is_err());
    }

    #[test]
    fn iso_in_all_its_shapes_and_epoch_millis() {
        let z = Zone::default();
        let iso = |s: &str| parse_iso(s.as_bytes()).and_then(|(c, _)| c.to_utc_millis(&z)).map(|m| rfc3339(m, &z));
        assert_eq!(iso("2024-02-06T10:47:03.491234567Z stderr"), Some("2024-02-06T10:47:03.491Z".into()));
        assert_eq!(iso("2024-02-06T10:47:03.491000+00:00 x"), Some("2024-02-06T10:47:03.491Z".into()));
        assert_eq!(iso("2024-02-06T19:47:03+09:00"), Some("2024-02-06T10:47:03.000Z".into()));
        assert_eq!(iso("2024-02-06 10:47:03.4"), Some("2024-02-06T10:47:03.400Z".into()));
        assert_eq!(parse_iso(b"2024-02-06T10:47:03.491Z x").unwrap().1, 24);
        assert_eq!(iso("Feb  6 10:47:03"), None);
        let c = civil_from_millis(1707216423491).unwrap();
        assert_eq!(rfc3339(c.to_utc_millis(&z).unwrap(), &z), "2024-02-06T10:47:03.491Z");
    }

    #[test]
    fn two_digit_years() {
        let f = DateFormat::compile(Some("yy-MM-dd HH:mm:ss.SSS")).unwrap();
        assert_eq!(utc(&f, "24-02-06 10:47:03.491 [main]"), Some("2024-02-06T10:47:03.491Z".into()));
    }
}
