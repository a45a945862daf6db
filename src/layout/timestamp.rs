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
    /// The fixed-width run the pattern opens with, checked in one go.
    fixed: Option<Fixed>,
}

/// The fixed-width tokens a date pattern opens with (`yyyy-MM-dd HH:mm:ss,`
/// — everything before the fraction, whose length varies), compiled into
/// masks over three 8-byte words. A candidate record's head is parsed twice
/// (its own, and the next line's head test), and token by token that cost
/// ~400 instructions a timestamp (issue 4, session 5). Here the digit and
/// literal bytes are checked a word at a time and the fields read from
/// known offsets; the tokens after the run go the token-by-token way.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Fixed {
    /// Bytes the run covers (at most `FIXED_MAX`) and tokens it stands for.
    len: usize,
    toks: usize,
    /// Per word: which bytes must be one literal byte, and those bytes.
    lit_mask: [u64; FIXED_WORDS],
    lit_want: [u64; FIXED_WORDS],
    /// Per word: the bytes that must be ASCII digits (0xff each).
    digit_mask: [u64; FIXED_WORDS],
    /// Bytes that may be either of two (`T` or space; `,` or `.`): the
    /// first `n_alts`. A third such byte ends the run.
    alts: [(usize, u8, u8); 2],
    n_alts: usize,
    /// Offset of each field's first digit, in `FIELD_*` order; `NONE` when
    /// the pattern has no such field.
    at: [usize; 7],
}

const FIXED_WORDS: usize = 3;
const FIXED_MAX: usize = FIXED_WORDS * 8;
const NONE: usize = usize::MAX;
const FIELD_YEAR4: usize = 0;
const FIELD_YEAR2: usize = 1;
const FIELD_MONTH: usize = 2;
const FIELD_DAY: usize = 3;
const FIELD_HOUR: usize = 4;
const FIELD_MINUTE: usize = 5;
const FIELD_SECOND: usize = 6;

impl Fixed {
    /// The run of fixed-width tokens `toks` opens with; `None` when there is
    /// none, or a field repeats (the token loop keeps the last; not worth a
    /// fast path).
    fn compile(toks: &[Tok]) -> Option<Fixed> {
        let mut f = Fixed {
            len: 0,
            toks: 0,
            lit_mask: [0; FIXED_WORDS],
            lit_want: [0; FIXED_WORDS],
            digit_mask: [0; FIXED_WORDS],
            alts: [(0, 0, 0); 2],
            n_alts: 0,
            at: [NONE; 7],
        };
        for t in toks {
            let (field, width) = match t {
                Tok::Year4 => (Some(FIELD_YEAR4), 4),
                Tok::Year2 => (Some(FIELD_YEAR2), 2),
                Tok::Month => (Some(FIELD_MONTH), 2),
                Tok::Day => (Some(FIELD_DAY), 2),
                Tok::Hour => (Some(FIELD_HOUR), 2),
                Tok::Minute => (Some(FIELD_MINUTE), 2),
                Tok::Second => (Some(FIELD_SECOND), 2),
                Tok::DateTimeSep | Tok::FractionSep | Tok::Lit(_) => (None, 1),
                Tok::Fraction(_) | Tok::Zone => break,
            };
            let alt = matches!(t, Tok::DateTimeSep | Tok::FractionSep);
            if f.len + width > FIXED_MAX || (alt && f.n_alts == f.alts.len()) {
                break;
            }
            let p = f.len;
            let (word, shift) = (p / 8, (p % 8) * 8);
            match (t, field) {
                (_, Some(k)) => {
                    if f.at[k] != NONE {
                        return None;
                    }
                    f.at[k] = p;
                    for q in p..p + width {
                        f.digit_mask[q / 8] |= 0xff << ((q % 8) * 8);
                    }
                }
                (Tok::DateTimeSep | Tok::FractionSep, _) => {
                    f.alts[f.n_alts] = if *t == Tok::DateTimeSep { (p, b'T', b' ') } else { (p, b',', b'.') };
                    f.n_alts += 1;
                }
                (Tok::Lit(b), _) => {
                    f.lit_mask[word] |= 0xff << shift;
                    f.lit_want[word] |= u64::from(*b) << shift;
                }
                _ => unreachable!("every other token ended the run"),
            }
            f.len += width;
            f.toks += 1;
        }
        // Both year forms set the year: leave that to the token loop.
        let both_years = f.at[FIELD_YEAR4] != NONE && f.at[FIELD_YEAR2] != NONE;
        (f.toks > 0 && !both_years).then_some(f)
    }

    /// Checks the run at the start of `s` and reads its fields into `c`.
    /// `None` when `s` is too short to load three words (the caller then
    /// takes the token loop, which decides) or — with `Some(false)` — when
    /// the run does not match.
    fn read(&self, s: &[u8], c: &mut Civil) -> Option<bool> {
        let w: &[u8; FIXED_MAX] = s.get(..FIXED_MAX)?.try_into().ok()?;
        let mut bad = 0u64;
        for k in 0..FIXED_WORDS {
            let word = u64::from_le_bytes(w[k * 8..k * 8 + 8].try_into().expect("8 bytes"));
            bad |= (word & self.lit_mask[k]) ^ self.lit_want[k];
            // Digits: byte ^ 0x30 is 0..=9. A high nibble set, or one that
            // adding 6 sets (10..=15), is no digit; a carry out of a byte
            // only happens when its high nibble was set already.
            let x = (word ^ 0x3030_3030_3030_3030) & self.digit_mask[k];
            let six = 0x0606_0606_0606_0606 & self.digit_mask[k];
            bad |= (x | x.wrapping_add(six)) & 0xf0f0_f0f0_f0f0_f0f0;
        }
        for &(p, a, b) in &self.alts[..self.n_alts] {
            bad |= u64::from(w[p] != a && w[p] != b);
        }
        if bad != 0 {
            return Some(false);
        }
        let two = |p: usize| u32::from(w[p] - b'0') * 10 + u32::from(w[p + 1] - b'0');
        let at = &self.at;
        if at[FIELD_YEAR4] != NONE {
            let p = at[FIELD_YEAR4];
            c.year = i64::from(two(p) * 100 + two(p + 2));
        } else if at[FIELD_YEAR2] != NONE {
            c.year = 2000 + i64::from(two(at[FIELD_YEAR2]));
        }
        if at[FIELD_MONTH] != NONE {
            c.month = two(at[FIELD_MONTH]);
        }
        if at[FIELD_DAY] != NONE {
            c.day = two(at[FIELD_DAY]);
        }
        if at[FIELD_HOUR] != NONE {
            c.hour = two(at[FIELD_HOUR]);
        }
        if at[FIELD_MINUTE] != NONE {
            c.minute = two(at[FIELD_MINUTE]);
        }
        if at[FIELD_SECOND] != NONE {
            c.second = two(at[FIELD_SECOND]);
        }
        Some(true)
    }
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
        let fixed = Fixed::compile(&toks);
        Ok(DateFormat { toks, has_date, fixed })
    }

    /// Reads a timestamp at the start of `s`; returns it and the bytes used.
    pub fn parse(&self, s: &[u8]) -> Option<(Civil, usize)> {
        let mut c = Civil { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, milli: 0, offset: None };
        let (toks, p) = match self.fixed.as_ref().map(|f| (f, f.read(s, &mut c))) {
            Some((f, Some(true))) => (&self.toks[f.toks..], f.len),
            Some((_, Some(false))) => return None,
            _ => (&self.toks[..], 0),
        };
        let p = self.parse_tokens(toks, s, &mut c, p)?;
        c.is_valid().then_some((c, p))
    }

    /// The token-by-token reading: of a whole timestamp, or of what follows
    /// the fixed-width run (`c` and `p` as the run left them). Returns the
    /// bytes used; the caller checks the fields' ranges.
    fn parse_tokens(&self, toks: &[Tok], s: &[u8], c: &mut Civil, mut p: usize) -> Option<usize> {
        for t in toks {
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
        Some(p)
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

    /// The token loop alone: what `parse` gave before the fixed-width run.
    fn by_tokens(f: &DateFormat, s: &[u8]) -> Option<(Civil, usize)> {
        let mut c = Civil { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, milli: 0, offset: None };
        let p = f.parse_tokens(&f.toks, s, &mut c, 0)?;
        c.is_valid().then_some((c, p))
    }

    const SHAPES: [&str; 9] = [
        "DEFAULT",
        "ISO8601",
        "ISO8601_BASIC",
        "ABSOLUTE",
        "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
        "yy-MM-dd HH:mm:ss.SSS",
        "dd/MM/yyyy HH:mm:ss",
        "yyyy-MM-dd",
        // Three either-or bytes: the run ends before the third.
        "yyyy-MM-dd'T'HH:mm'T'ss.SSS",
    ];

    #[test]
    fn the_fixed_run_covers_what_comes_before_the_fraction() {
        let f = DateFormat::compile(None).unwrap();
        let run = f.fixed.as_ref().expect("the log4j default has a fixed run");
        assert_eq!((run.len, run.toks), (20, 12));
        // A field twice: the token loop keeps the last, no fast path.
        assert!(DateFormat::compile(Some("yyyy-MM-dd dd")).unwrap().fixed.is_none());
        assert!(DateFormat::compile(Some("yyyy yy")).unwrap().fixed.is_none());
        // A run that would pass three words stops at the last token that fits.
        let wide = DateFormat::compile(Some("yyyy-MM-dd'T'HH:mm:ss------SSS")).unwrap();
        assert_eq!(wide.fixed.as_ref().unwrap().len, 24);
        let wider = DateFormat::compile(Some("yyyy-MM-dd'T'HH:mm:ss-----ss")).unwrap();
        assert_eq!(wider.fixed.as_ref().unwrap().len, 24);
        assert_eq!(utc(&wide, "2024-02-06T10:47:03------491 x"), Some("2024-02-06T10:47:03.491Z".into()));
        assert_eq!(wider.parse(b"2024-02-06T10:47:03-----07 xxxx").unwrap().0.second, 7);
        let three = DateFormat::compile(Some("yyyy-MM-dd'T'HH:mm'T'ss.SSS")).unwrap();
        assert_eq!(three.fixed.as_ref().unwrap().len, 19);
        assert_eq!(utc(&three, "2024-02-06 10:47 03,491 xxxxxxxx"), Some("2024-02-06T10:47:03.491Z".into()));
    }

    #[test]
    fn the_fixed_run_rejects_what_the_token_loop_rejects() {
        let f = DateFormat::compile(None).unwrap();
        let ok = b"2024-02-06 10:47:03,491] INFO x";
        assert!(f.parse(ok).is_some());
        // Every byte of the run, swapped for a byte of another class: the
        // same answer as the token loop, and a failure unless it is a digit
        // for a digit or the other separator.
        for p in 0..20 {
            for b in [b'0' - 1, b'9' + 1, b'/', b'a', b'x', 0x80, 0xff, b' ', b'T', b'.', b'5'] {
                let mut l = ok.to_vec();
                l[p] = b;
                assert_eq!(f.parse(&l), by_tokens(&f, &l), "byte {p} as {b:#x}");
                let fine = b == ok[p]
                    || (ok[p].is_ascii_digit() && b.is_ascii_digit())
                    || (p == 10 && b == b'T')
                    || (p == 19 && b == b'.');
                if !fine {
                    assert_eq!(f.parse(&l), None, "byte {p} as {b:#x}");
                }
            }
        }
        assert_eq!(f.parse(b"2024-02-06 24:00:00,000] INFO x"), None);
        assert_eq!(f.parse(b"2024-00-06 10:47:03,491] INFO x"), None);
        assert_eq!(f.parse(b"2024-02-06 10:47:03,] INFO xxxxxx"), None);
        assert_eq!(f.parse("2024-02-06 10:47:0\u{e9},491] INFO".as_bytes()), None);
    }

    proptest::proptest! {
        /// `parse` (fixed-width run, then tokens) gives what the token loop
        /// alone gives, on timestamps of every shape with bytes swapped,
        /// cut short or run on.
        #[test]
        fn the_fixed_run_reads_as_the_token_loop(
            shape in 0usize..SHAPES.len(),
            fields in proptest::array::uniform7(0u32..100),
            swaps in proptest::collection::vec((0usize..32, proptest::sample::select(
                b"0189:-T ,.Z+/x\x80\xff".to_vec())), 0..3),
            keep in 0usize..60,
            tail in "[ \\]0-9a-zA-Z+:.,-]{0,12}",
        ) {
            let f = DateFormat::compile(Some(SHAPES[shape])).unwrap();
            let spec = named(SHAPES[shape]).unwrap_or(SHAPES[shape]);
            let [y, mo, d, h, mi, se, ms] = fields;
            let text = spec
                .replace("yyyy", &format!("20{y:02}"))
                .replace("yy", &format!("{y:02}"))
                .replace("MM", &format!("{:02}", mo % 14))
                .replace("dd", &format!("{:02}", d % 33))
                .replace("HH", &format!("{:02}", h % 26))
                .replace("mm", &format!("{:02}", mi % 62))
                .replace("ss", &format!("{:02}", se % 62))
                .replace("SSS", &format!("{:03}", ms * 10))
                .replace("XXX", "+05:30")
                .replace('\'', "");
            let mut line = text.into_bytes();
            line.extend_from_slice(tail.as_bytes());
            line.extend_from_slice(b"] INFO some message text");
            for (p, b) in swaps {
                if p < line.len() {
                    line[p] = b;
                }
            }
            line.truncate(keep);
            proptest::prop_assert_eq!(f.parse(&line), by_tokens(&f, &line));
        }
    }
}
