//! Time zones, durations and RFC 3339 printing.
//!
//! Layouts parse digits by hand (`layout::timestamp`); this module turns the
//! civil time they read into UTC milliseconds, using `--tz` for timestamps
//! that carry no zone, and prints times back in that zone.

use chrono::{DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, SecondsFormat, TimeZone};
use chrono_tz::Tz;
use std::fmt;
use std::str::FromStr;

/// The zone assumed for timestamps without one (`--tz`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Zone {
    Fixed(FixedOffset),
    Named(Tz),
}

impl Default for Zone {
    fn default() -> Zone {
        Zone::Fixed(FixedOffset::east_opt(0).expect("0 is a valid offset"))
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Fixed(o) if o.local_minus_utc() == 0 => f.write_str("UTC"),
            Zone::Fixed(o) => write!(f, "{o}"),
            Zone::Named(tz) => f.write_str(tz.name()),
        }
    }
}

impl FromStr for Zone {
    type Err = String;

    fn from_str(s: &str) -> Result<Zone, String> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("utc") || t == "Z" || t.eq_ignore_ascii_case("gmt") {
            return Ok(Zone::default());
        }
        if let Some(secs) = parse_offset(t.as_bytes()) {
            return FixedOffset::east_opt(secs).map(Zone::Fixed).ok_or_else(|| format!("offset out of range: {t}"));
        }
        Tz::from_str(t)
            .map(Zone::Named)
            .map_err(|_| format!("unknown time zone '{t}': use an offset like +09:00 or an IANA name like Asia/Seoul"))
    }
}

/// `+09:00`, `+0900`, `+09`, `-05:30`, `Z` → seconds east of UTC.
pub fn parse_offset(s: &[u8]) -> Option<i32> {
    if s == b"Z" {
        return Some(0);
    }
    let (sign, rest) = match s.first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits: Vec<u8> = rest.iter().copied().filter(|&c| c != b':').collect();
    if !digits.iter().all(u8::is_ascii_digit) || !(digits.len() == 2 || digits.len() == 4) {
        return None;
    }
    let h = i32::from(digits[0] - b'0') * 10 + i32::from(digits[1] - b'0');
    let m = if digits.len() == 4 { i32::from(digits[2] - b'0') * 10 + i32::from(digits[3] - b'0') } else { 0 };
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`): the hot path avoids chrono for the common case.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A civil time read from a log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub milli: u32,
    /// Seconds east of UTC when the timestamp carried its zone.
    pub offset: Option<i32>,
}

impl Civil {
    pub fn is_valid(&self) -> bool {
        (1..=12).contains(&self.month)
            && (1..=31).contains(&self.day)
            && self.hour < 24
            && self.minute < 60
            && self.second < 61
            && self.milli < 1000
    }

    /// UTC milliseconds, with `zone` for a timestamp that carries none.
    /// Returns `None` for an impossible date.
    pub fn to_utc_millis(&self, zone: &Zone) -> Option<i64> {
        if !self.is_valid() {
            return None;
        }
        let local = days_from_civil(self.year, self.month, self.day) * 86_400_000
            + i64::from(self.hour) * 3_600_000
            + i64::from(self.minute) * 60_000
            + i64::from(self.second) * 1000
            + i64::from(self.milli);
        let offset = match (self.offset, zone) {
            (Some(o), _) => i64::from(o),
            (None, Zone::Fixed(o)) => i64::from(o.local_minus_utc()),
            (None, Zone::Named(tz)) => {
                let date = NaiveDate::from_ymd_opt(self.year as i32, self.month, self.day)?;
                let naive = date.and_hms_milli_opt(self.hour, self.minute, self.second.min(59), self.milli)?;
                i64::from(named_offset(tz, &naive))
            }
        };
        Some(local - offset * 1000)
    }
}

/// The offset of a named zone at a local time. In a DST gap the earlier
/// offset is used; in an overlap, the first (earlier) instant.
fn named_offset(tz: &Tz, naive: &NaiveDateTime) -> i32 {
    match tz.offset_from_local_datetime(naive) {
        LocalResult::Single(o) | LocalResult::Ambiguous(o, _) => o.fix().local_minus_utc(),
        LocalResult::None => {
            let earlier = *naive - chrono::Duration::hours(1);
            match tz.offset_from_local_datetime(&earlier) {
                LocalResult::Single(o) | LocalResult::Ambiguous(o, _) => o.fix().local_minus_utc(),
                LocalResult::None => 0,
            }
        }
    }
}

/// RFC 3339 with milliseconds, in `zone` (`2024-02-06T10:47:03.491Z`). A
/// fixed zone of +00:00 is written `Z`; a named one keeps its offset.
pub fn rfc3339(millis: i64, zone: &Zone) -> String {
    let Some(utc) = DateTime::from_timestamp_millis(millis) else {
        return format!("@{millis}ms");
    };
    match zone {
        Zone::Fixed(o) => in_zone(utc.with_timezone(o), true),
        Zone::Named(tz) => in_zone(utc.with_timezone(tz), false),
    }
}

/// Writes many times as [`rfc3339`] does, without chrono's formatter for
/// each: the date and the offset of a local day are chrono's, made once per
/// day and offset; the clock within the day is written from the
/// milliseconds. A long stream's JSON has tens of thousands of times, mostly
/// on few days; chrono's formatter was an eighth of writing it (issue 4,
/// session 10). A time chrono writes otherwise (a year past 9999, out of its
/// range) goes through [`rfc3339`] itself.
pub struct Times {
    zone: Zone,
    day: std::cell::Cell<Option<Day>>,
}

/// A time written through a [`Times`], as a JSON string.
pub struct Time<'a>(pub i64, pub &'a Times);

impl serde::Serialize for Time<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.1.with(self.0, |t| s.serialize_str(t))
    }
}

/// One local day at one offset, as chrono writes it: `2024-02-06T` and
/// what follows the milliseconds (`Z`, `+05:30`).
#[derive(Clone, Copy)]
struct Day {
    local_day: i64,
    offset_s: i32,
    date: [u8; DATE_LEN],
    suffix: [u8; 16],
    suffix_len: u8,
}

/// `2024-02-06T`.
const DATE_LEN: usize = 11;
/// `2024-02-06T10:47:03.491`, before the offset.
const CLOCKED_LEN: usize = 23;
const DAY_MS: i64 = 86_400_000;

impl Times {
    pub fn new(zone: Zone) -> Times {
        Times { zone, day: std::cell::Cell::new(None) }
    }

    /// `f` of `millis` written as [`rfc3339`] writes it.
    pub fn with<R>(&self, millis: i64, f: impl FnOnce(&str) -> R) -> R {
        let Some(offset_s) = self.offset(millis) else { return f(&rfc3339(millis, &self.zone)) };
        let Some(local) = millis.checked_add(i64::from(offset_s) * 1000) else {
            return f(&rfc3339(millis, &self.zone));
        };
        let local_day = local.div_euclid(DAY_MS);
        let day = match self.day.get() {
            Some(d) if d.local_day == local_day && d.offset_s == offset_s => d,
            _ => match Day::of(&rfc3339(millis, &self.zone), local_day, offset_s) {
                Some(d) => {
                    self.day.set(Some(d));
                    d
                }
                None => return f(&rfc3339(millis, &self.zone)),
            },
        };
        let mut buf = [0u8; CLOCKED_LEN + 16];
        buf[..DATE_LEN].copy_from_slice(&day.date);
        let ms = local.rem_euclid(DAY_MS);
        let clock =
            [(ms / 3_600_000, 2, b':'), (ms / 60_000 % 60, 2, b':'), (ms / 1000 % 60, 2, b'.'), (ms % 1000, 3, 0)];
        let mut at = DATE_LEN;
        for (v, width, then) in clock {
            let mut v = v;
            for digit in buf[at..at + width].iter_mut().rev() {
                *digit = b'0' + (v % 10) as u8;
                v /= 10;
            }
            at += width;
            if then != 0 {
                buf[at] = then;
                at += 1;
            }
        }
        let n = usize::from(day.suffix_len);
        buf[CLOCKED_LEN..CLOCKED_LEN + n].copy_from_slice(&day.suffix[..n]);
        // Digits, punctuation and chrono's own ASCII: always UTF-8.
        f(std::str::from_utf8(&buf[..CLOCKED_LEN + n]).unwrap_or_default())
    }

    /// Seconds east of UTC at `millis`; None where chrono cannot hold it.
    fn offset(&self, millis: i64) -> Option<i32> {
        Some(match self.zone {
            Zone::Fixed(o) => o.local_minus_utc(),
            Zone::Named(tz) => {
                let utc = DateTime::from_timestamp_millis(millis)?.naive_utc();
                tz.offset_from_utc_datetime(&utc).fix().local_minus_utc()
            }
        })
    }
}

impl Day {
    /// The day of `written` (chrono's form of a time on it), when it has
    /// the four-digit year the clock can be written beside.
    fn of(written: &str, local_day: i64, offset_s: i32) -> Option<Day> {
        let b = written.as_bytes();
        let plain = b.len() > CLOCKED_LEN && b[..4].iter().all(u8::is_ascii_digit) && b[DATE_LEN - 1] == b'T';
        let suffix = b.get(CLOCKED_LEN..).filter(|s| plain && s.len() <= 16)?;
        let mut d = Day { local_day, offset_s, date: [0; DATE_LEN], suffix: [0; 16], suffix_len: suffix.len() as u8 };
        d.date.copy_from_slice(&b[..DATE_LEN]);
        d.suffix[..suffix.len()].copy_from_slice(suffix);
        Some(d)
    }
}

/// `t` in RFC 3339 with milliseconds, `Z` for +00:00 when `use_z`. chrono's
/// own RFC 3339 writer, not a strftime string: that is parsed again on
/// every call, and a 1 GB log's JSON makes tens of thousands. Years past
/// four digits keep strftime's `%Y` form.
fn in_zone<T: TimeZone>(t: DateTime<T>, use_z: bool) -> String
where
    T::Offset: fmt::Display,
{
    if (0..=9999).contains(&t.year()) {
        return t.to_rfc3339_opts(SecondsFormat::Millis, use_z);
    }
    let s = t.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string();
    match s.strip_suffix("+00:00") {
        Some(head) if use_z => format!("{head}Z"),
        _ => s,
    }
}

/// `HH:MM:SS.mmm` in `zone`. The human reports write times through a
/// `Stamp`, which adds the date where one is needed.
pub fn clock(millis: i64, zone: &Zone) -> String {
    halves(&rfc3339(millis, zone)).1.to_string()
}

/// `2024-02-06` in `zone`.
pub fn date(millis: i64, zone: &Zone) -> String {
    halves(&rfc3339(millis, zone)).0.to_string()
}

/// The date and the `HH:MM:SS.mmm` of an RFC 3339 time (a year past 9999
/// keeps its sign and digits; a time chrono cannot hold is all clock).
fn halves(s: &str) -> (&str, &str) {
    match s.split_once('T') {
        Some((d, rest)) => (d, rest.get(..12).unwrap_or(rest)),
        None => ("", s),
    }
}

/// The calendar day of `millis` in `zone`.
fn day_of(millis: i64, zone: &Zone) -> Option<NaiveDate> {
    let utc = DateTime::from_timestamp_millis(millis)?;
    Some(match zone {
        Zone::Fixed(o) => utc.with_timezone(o).date_naive(),
        Zone::Named(tz) => utc.with_timezone(tz).date_naive(),
    })
}

/// How the human reports (text, Markdown, HTML, the live view) and the
/// anomaly messages write a time, one rule for all of them: the clock alone
/// (`07:03:24.665`) while the analysis lies within one calendar day of the
/// report's zone, which the summary line states once; the date as well
/// (`2024-02-07 07:03:24.665`) once it spans more than one day, or for a
/// time off that day (a `--maintenance` window on another day). A line
/// pasted alone into a ticket then still says which night it was. The end
/// of a span is read from its start: on the start's day, its clock alone.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stamp {
    zone: Zone,
    /// The one day everything lies in; None when the times span days (or
    /// there are none, so no day was stated).
    day: Option<NaiveDate>,
}

impl Stamp {
    /// For times within `range` (the analysis's first and last, or the
    /// live view's so far), in `zone`.
    pub fn new(zone: Zone, range: Option<(i64, i64)>) -> Stamp {
        let day = range.and_then(|(s, e)| Some((day_of(s, &zone)?, day_of(e, &zone)?)));
        Stamp { zone, day: day.and_then(|(s, e)| (s == e).then_some(s)) }
    }

    /// `t`: its clock on the one day of a one-day analysis, else its date
    /// and clock.
    pub fn at(&self, t: i64) -> String {
        if self.day.is_some() && day_of(t, &self.zone) == self.day {
            clock(t, &self.zone)
        } else {
            self.full(t)
        }
    }

    /// `t` written after `start` on the same line, mostly the end of a
    /// span: its clock when on the day of `start`, else its date and clock.
    pub fn end(&self, start: i64, t: i64) -> String {
        if day_of(start, &self.zone) == day_of(t, &self.zone) {
            clock(t, &self.zone)
        } else {
            self.full(t)
        }
    }

    /// Times written one after another on a line: the first as `at`, each
    /// next as `end` from the one before it, so a list over days dates its
    /// first time and each that starts another day.
    pub fn list(&self, times: &[i64]) -> Vec<String> {
        let before = times.first().into_iter().chain(times);
        times
            .iter()
            .zip(before)
            .enumerate()
            .map(|(i, (&t, &b))| if i == 0 { self.at(t) } else { self.end(b, t) })
            .collect()
    }

    /// `start → end`, each as `at` and `end` write it.
    pub fn span(&self, start: i64, end: i64) -> String {
        format!("{} → {}", self.at(start), self.end(start, end))
    }

    /// `2024-02-07 07:03:24.665` whatever the range: where the report
    /// states the day.
    pub fn full(&self, t: i64) -> String {
        let s = rfc3339(t, &self.zone);
        match halves(&s) {
            ("", c) => c.to_string(),
            (d, c) => format!("{d} {c}"),
        }
    }
}

/// `30s`, `5m`, `1500ms`, `2h`, `1m30s` → milliseconds.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let bad = || format!("bad duration '{s}': use a number with a unit, like 30s, 5m, 1500ms or 1h");
    if t.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut rest = t;
    while !rest.is_empty() {
        let n_end = rest.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(rest.len());
        if n_end == 0 {
            return Err(bad());
        }
        let n: f64 = rest[..n_end].parse().map_err(|_| bad())?;
        rest = &rest[n_end..];
        let u_end = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit = &rest[..u_end];
        rest = &rest[u_end..];
        let scale = match unit {
            "ms" => 1.0,
            "s" | "sec" => 1000.0,
            "m" | "min" => 60_000.0,
            "h" => 3_600_000.0,
            _ => return Err(bad()),
        };
        total += (n * scale).round() as i64;
    }
    Ok(total)
}

/// A human duration: `850ms`, `41.0s`, `3m12s`, `1h04m`.
pub fn human_duration(ms: i64) -> String {
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else if ms < 3_600_000 {
        format!("{}m{:02}s", ms / 60_000, (ms % 60_000) / 1000)
    } else {
        format!("{}h{:02}m", ms / 3_600_000, (ms % 3_600_000) / 60_000)
    }
}

/// `--since`/`--until`: RFC 3339 (`2024-02-06T10:47:03Z`), or a civil time
/// `2024-02-06 10:47[:03[.491]]` / `2024-02-06T10:47` read in `zone`, or a date.
pub fn parse_time(s: &str, zone: &Zone) -> Result<i64, String> {
    let t = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.timestamp_millis());
    }
    let t2 = t.replace('T', " ");
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(&t2, fmt) {
            return civil_of(&n).to_utc_millis(zone).ok_or_else(|| format!("bad time '{s}'"));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let n = d.and_hms_opt(0, 0, 0).expect("midnight exists");
        return civil_of(&n).to_utc_millis(zone).ok_or_else(|| format!("bad time '{s}'"));
    }
    Err(format!("bad time '{s}': use RFC 3339 (2024-02-06T10:47:03Z) or '2024-02-06 10:47:03' in --tz"))
}

fn civil_of(n: &NaiveDateTime) -> Civil {
    use chrono::{Datelike, Timelike};
    Civil {
        year: i64::from(n.year()),
        month: n.month(),
        day: n.day(),
        hour: n.hour(),
        minute: n.minute(),
        second: n.second(),
        milli: n.nanosecond() / 1_000_000,
        offset: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_from_civil_matches_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2024, 2, 6), 19759);
        assert_eq!(days_from_civil(2000, 3, 1), 11017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
    }

    #[test]
    fn civil_to_utc_uses_zone_only_without_offset() {
        let mut c = Civil { year: 2024, month: 2, day: 6, hour: 10, minute: 47, second: 3, milli: 491, offset: None };
        let utc = Zone::default();
        assert_eq!(rfc3339(c.to_utc_millis(&utc).unwrap(), &utc), "2024-02-06T10:47:03.491Z");
        let seoul: Zone = "Asia/Seoul".parse().unwrap();
        assert_eq!(rfc3339(c.to_utc_millis(&seoul).unwrap(), &utc), "2024-02-06T01:47:03.491Z");
        assert_eq!(rfc3339(c.to_utc_millis(&seoul).unwrap(), &seoul), "2024-02-06T10:47:03.491+09:00");
        let plus: Zone = "+05:30".parse().unwrap();
        assert_eq!(rfc3339(c.to_utc_millis(&plus).unwrap(), &utc), "2024-02-06T05:17:03.491Z");
        c.offset = Some(3600);
        assert_eq!(rfc3339(c.to_utc_millis(&seoul).unwrap(), &utc), "2024-02-06T09:47:03.491Z");
    }

    #[test]
    fn rfc3339_writes_what_strftime_writes() {
        let strftime = |millis: i64, zone: &Zone| {
            let utc = DateTime::from_timestamp_millis(millis).unwrap();
            let fmt = "%Y-%m-%dT%H:%M:%S%.3f%:z";
            match zone {
                Zone::Fixed(o) => utc.with_timezone(o).format(fmt).to_string().replace("+00:00", "Z"),
                Zone::Named(tz) => utc.with_timezone(tz).format(fmt).to_string(),
            }
        };
        let zones: Vec<Zone> = ["UTC", "+05:30", "-08:00", "Europe/London", "America/New_York", "Asia/Kolkata"]
            .iter()
            .map(|z| z.parse().unwrap())
            .collect();
        // Before 1970, leap days, DST changes, milliseconds of 0 and 999.
        let times = [-86_400_001, 0, 951_782_400_999, 1_707_216_423_491, 1_710_052_200_000, 1_730_611_800_000];
        for z in &zones {
            for &t in &times {
                assert_eq!(rfc3339(t, z), strftime(t, z), "{t} in {z}");
            }
        }
        assert_eq!(rfc3339(1_707_216_423_491, &"Europe/London".parse().unwrap()), "2024-02-06T10:47:03.491+00:00");
        // A year past 9999 keeps strftime's form.
        assert_eq!(rfc3339(253_402_300_800_000, &Zone::default()), "+10000-01-01T00:00:00.000Z");
    }

    #[test]
    fn dst_gap_and_overlap_do_not_fail() {
        let ny: Zone = "America/New_York".parse().unwrap();
        // 2024-03-10 02:30 does not exist in New York; 2024-11-03 01:30 exists twice.
        let gap = Civil { year: 2024, month: 3, day: 10, hour: 2, minute: 30, second: 0, milli: 0, offset: None };
        assert!(gap.to_utc_millis(&ny).is_some());
        let overlap = Civil { year: 2024, month: 11, day: 3, hour: 1, minute: 30, second: 0, milli: 0, offset: None };
        assert_eq!(rfc3339(overlap.to_utc_millis(&ny).unwrap(), &Zone::default()), "2024-11-03T05:30:00.000Z");
    }

    /// UTC milliseconds of an RFC 3339 time, for the stamp tests.
    fn ms(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn a_one_day_analysis_writes_clocks_alone() {
        let (s, e) = (ms("2024-02-06T10:40:00.268Z"), ms("2024-02-06T23:59:59.999Z"));
        let st = Stamp::new(Zone::default(), Some((s, e)));
        assert_eq!(st.at(s), "10:40:00.268");
        assert_eq!(st.at(e), "23:59:59.999");
        assert_eq!(st.end(s, e), "23:59:59.999");
        assert_eq!(st.span(s, e), "10:40:00.268 → 23:59:59.999");
        // Where the report states the day, and a time off it (a maintenance
        // window the day before) says its own.
        assert_eq!(st.full(s), "2024-02-06 10:40:00.268");
        assert_eq!(st.at(ms("2024-02-05T22:00:00Z")), "2024-02-05 22:00:00.000");
        assert_eq!(
            st.span(ms("2024-02-05T22:00:00Z"), ms("2024-02-05T23:00:00Z")),
            "2024-02-05 22:00:00.000 → 23:00:00.000"
        );
    }

    #[test]
    fn a_two_day_analysis_dates_every_time_but_a_span_end_on_its_starts_day() {
        let (s, e) = (ms("2024-02-06T10:40:00.268Z"), ms("2024-02-07T07:07:34.903Z"));
        let st = Stamp::new(Zone::default(), Some((s, e)));
        assert_eq!(st.at(s), "2024-02-06 10:40:00.268");
        assert_eq!(st.at(ms("2024-02-07T07:03:24.665Z")), "2024-02-07 07:03:24.665");
        assert_eq!(st.end(s, ms("2024-02-06T10:45:00Z")), "10:45:00.000");
        assert_eq!(st.span(s, e), "2024-02-06 10:40:00.268 → 2024-02-07 07:07:34.903");
        // A week of logs: the first and the last day are not next to each other.
        let week = Stamp::new(Zone::default(), Some((s, ms("2024-02-13T01:00:00Z"))));
        assert_eq!(week.at(ms("2024-02-10T12:00:00Z")), "2024-02-10 12:00:00.000");
        // No range, no day stated.
        assert_eq!(Stamp::new(Zone::default(), None).at(s), "2024-02-06 10:40:00.268");
    }

    #[test]
    fn a_span_across_midnight_carries_the_next_days_date() {
        let (s, e) = (ms("2024-02-06T23:58:30.000Z"), ms("2024-02-07T00:01:10.500Z"));
        let st = Stamp::new(Zone::default(), Some((s, e)));
        assert_eq!(st.span(s, e), "2024-02-06 23:58:30.000 → 2024-02-07 00:01:10.500");
        assert_eq!(st.at(ms("2024-02-07T00:00:00Z")), "2024-02-07 00:00:00.000");
        assert_eq!(st.at(ms("2024-02-06T23:59:59.999Z")), "2024-02-06 23:59:59.999");
        // One millisecond short of midnight is still one day.
        let one = Stamp::new(Zone::default(), Some((s, ms("2024-02-06T23:59:59.999Z"))));
        assert_eq!(one.at(s), "23:58:30.000");
    }

    #[test]
    fn a_list_dates_its_first_time_and_each_that_starts_a_day() {
        let ts = ["2024-02-06T22:00:00Z", "2024-02-06T23:30:00Z", "2024-02-07T00:10:00Z", "2024-02-07T01:00:00Z"];
        let times: Vec<i64> = ts.iter().map(|t| ms(t)).collect();
        let st = Stamp::new(Zone::default(), Some((times[0], times[3])));
        assert_eq!(
            st.list(&times),
            ["2024-02-06 22:00:00.000", "23:30:00.000", "2024-02-07 00:10:00.000", "01:00:00.000"]
        );
        let one = Stamp::new(Zone::default(), Some((times[0], times[1])));
        assert_eq!(one.list(&times[..2]), ["22:00:00.000", "23:30:00.000"]);
        assert!(st.list(&[]).is_empty());
    }

    #[test]
    fn days_are_the_report_zones_not_utcs() {
        let seoul: Zone = "Asia/Seoul".parse().unwrap();
        let ny: Zone = "America/New_York".parse().unwrap();
        // 10:00Z → 16:00Z is one day in UTC, 19:00 → 01:00 the next day in Seoul.
        let (s, e) = (ms("2024-02-06T10:00:00Z"), ms("2024-02-06T16:00:00Z"));
        assert_eq!(Stamp::new(Zone::default(), Some((s, e))).at(e), "16:00:00.000");
        let st = Stamp::new(seoul, Some((s, e)));
        assert_eq!(st.at(s), "2024-02-06 19:00:00.000");
        assert_eq!(st.at(e), "2024-02-07 01:00:00.000");
        assert_eq!(st.end(s, e), "2024-02-07 01:00:00.000");
        // 22:00Z → 02:00Z crosses UTC midnight; in New York it is 17:00 → 21:00 of one day.
        let (s, e) = (ms("2024-02-06T22:00:00Z"), ms("2024-02-07T02:00:00Z"));
        assert_eq!(Stamp::new(Zone::default(), Some((s, e))).at(e), "2024-02-07 02:00:00.000");
        let st = Stamp::new(ny, Some((s, e)));
        assert_eq!(st.span(s, e), "17:00:00.000 → 21:00:00.000");
        assert_eq!(st.full(e), "2024-02-06 21:00:00.000");
    }

    #[test]
    fn zones_and_offsets_parse() {
        assert!("nowhere/atall".parse::<Zone>().is_err());
        assert_eq!(parse_offset(b"+0900"), Some(32400));
        assert_eq!(parse_offset(b"-05:30"), Some(-19800));
        assert_eq!(parse_offset(b"+25:00"), None);
        assert_eq!("UTC".parse::<Zone>().unwrap().to_string(), "UTC");
    }

    #[test]
    fn durations_parse_and_print() {
        assert_eq!(parse_duration("30s"), Ok(30_000));
        assert_eq!(parse_duration("5m"), Ok(300_000));
        assert_eq!(parse_duration("1500ms"), Ok(1500));
        assert_eq!(parse_duration("1m30s"), Ok(90_000));
        assert!(parse_duration("30").is_err());
        assert!(parse_duration("fast").is_err());
        assert_eq!(human_duration(41_000), "41.0s");
        assert_eq!(human_duration(192_000), "3m12s");
    }

    #[test]
    fn since_until_times_parse() {
        let utc = Zone::default();
        assert_eq!(parse_time("2024-02-06T10:47:03Z", &utc), parse_time("2024-02-06 10:47:03", &utc));
        let seoul: Zone = "Asia/Seoul".parse().unwrap();
        assert_eq!(parse_time("2024-02-06 10:47", &seoul).unwrap(), parse_time("2024-02-06T01:47:00Z", &utc).unwrap());
        assert!(parse_time("yesterday", &utc).is_err());
    }

    const ZONES: [&str; 9] = [
        "UTC",
        "+05:30",
        "-08:00",
        "+14:00",
        "Europe/London",
        "America/New_York",
        "Asia/Kolkata",
        "Australia/Lord_Howe",
        "Europe/Amsterdam",
    ];

    /// The day-cached writer against `rfc3339`, for times one after another
    /// from `start` by `steps`: the same day again, the next, a DST change
    /// (`Australia/Lord_Howe` moves by half an hour; Amsterdam kept local
    /// mean time, an offset in seconds, until 1937), before 1970, years
    /// past 9999 and times chrono cannot hold.
    fn times_match(zone: &Zone, start: i64, steps: &[i64]) {
        let times = Times::new(*zone);
        let mut t = start;
        for &step in std::iter::once(&0).chain(steps) {
            t = t.saturating_add(step);
            let cached = times.with(t, str::to_string);
            assert_eq!(cached, rfc3339(t, zone), "{t} in {zone}");
        }
    }

    #[test]
    fn times_write_what_rfc3339_writes() {
        for z in ZONES {
            let zone: Zone = z.parse().unwrap();
            // 2024-03-10 and 2024-11-03 (New York), 2024-03-31 and
            // 2024-10-27 (Europe), 2024-04-07 and 2024-10-06 (Lord Howe):
            // every hour over a week of each.
            for start in [
                1_709_856_000_000,
                1_730_419_200_000,
                1_711_584_000_000,
                1_729_728_000_000,
                1_712_188_800_000,
                1_728_000_000_000,
            ] {
                times_match(&zone, start, &[3_600_000; 24 * 7]);
            }
            times_match(&zone, -2_000_000_000_000, &[1, 999, 86_399_000, 1, 7_200_000]);
            times_match(&zone, 253_402_300_799_000, &[999, 1, 86_400_000, -86_400_000]);
            times_match(&zone, i64::MIN, &[1, i64::MAX]);
            times_match(&zone, i64::MAX - 5, &[1, -1]);
        }
    }

    proptest::proptest! {
        /// Any times, one after another, in any of the zones: as `rfc3339`.
        #[test]
        fn times_write_what_rfc3339_writes_anywhere(
            zone in 0usize..ZONES.len(),
            start in -62_167_219_200_000i64..253_402_300_800_000,
            steps in proptest::collection::vec(proptest::prop_oneof![0i64..1_000, 0i64..86_400_000, -86_400_000i64..0, 0i64..40_000_000_000], 0..40),
        ) {
            times_match(&ZONES[zone].parse().unwrap(), start, &steps);
        }
    }
}
