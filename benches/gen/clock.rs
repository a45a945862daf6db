//! Epoch milliseconds to calendar text, without a date crate.
//!
//! Everything is UTC. The calendar conversion is the usual days-from-civil
//! arithmetic on the proleptic Gregorian calendar: count years from March, so
//! that the leap day is the last day of a year, in 400-year eras of 146 097
//! days.

/// 1970-01-01 is this many days after 0000-03-01.
const EPOCH_SHIFT_DAYS: i64 = 719_468;
const DAYS_PER_ERA: i64 = 146_097;
const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of the date `year-month-day`.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * DAYS_PER_ERA + day_of_era - EPOCH_SHIFT_DAYS
}

/// The date `(year, month, day)` of a count of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + EPOCH_SHIFT_DAYS;
    let era = shifted.div_euclid(DAYS_PER_ERA);
    let day_of_era = shifted - era * DAYS_PER_ERA;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

/// Epoch milliseconds of a UTC date and time of day.
pub fn epoch_ms(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> i64 {
    let seconds = i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
    days_from_civil(year, month, day) * MS_PER_DAY + seconds * 1000
}

/// Writes `yyyy-MM-dd<sep>HH:mm:ss<frac_sep>SSS` for epoch milliseconds `t`,
/// remembering the text of the last second: consecutive log lines mostly share
/// it, and this keeps timestamps off the bulk generator's profile.
pub struct Stamp {
    separator: u8,
    second: i64,
    text: [u8; 19],
}

impl Stamp {
    /// `separator` goes between date and time: `b' '` for log4j's `%d`,
    /// `b'T'` for the ISO form of Spring Boot 3.
    pub fn new(separator: u8) -> Stamp {
        Stamp { separator, second: i64::MIN, text: [0; 19] }
    }

    pub fn push(&mut self, out: &mut Vec<u8>, t: i64, fraction_separator: u8) {
        let second = t.div_euclid(1000);
        if second != self.second {
            self.second = second;
            self.fill(second);
        }
        out.extend_from_slice(&self.text);
        out.push(fraction_separator);
        push_digits(out, t.rem_euclid(1000) as u64, 3);
    }

    fn fill(&mut self, second: i64) {
        let (year, month, day) = civil_from_days(second.div_euclid(86_400));
        let of_day = second.rem_euclid(86_400);
        let mut text = Vec::with_capacity(19);
        push_digits(&mut text, year as u64, 4);
        text.push(b'-');
        push_digits(&mut text, u64::from(month), 2);
        text.push(b'-');
        push_digits(&mut text, u64::from(day), 2);
        text.push(self.separator);
        push_digits(&mut text, (of_day / 3600) as u64, 2);
        text.push(b':');
        push_digits(&mut text, (of_day / 60 % 60) as u64, 2);
        text.push(b':');
        push_digits(&mut text, (of_day % 60) as u64, 2);
        self.text.copy_from_slice(&text);
    }
}

/// Appends `value` zero-padded to `width` digits (more if it needs them).
pub fn push_digits(out: &mut Vec<u8>, value: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = value;
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for _ in len..width {
        out.push(b'0');
    }
    out.extend(digits[..len].iter().rev());
}

/// Appends a non-negative number in decimal, as `{}` would, without going
/// through `core::fmt` (the bulk generator writes millions of them).
pub fn push_number(out: &mut Vec<u8>, value: u64) {
    push_digits(out, value, 1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kafka_text(t: i64) -> String {
        let mut out = Vec::new();
        Stamp::new(b' ').push(&mut out, t, b',');
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn civil_round_trips_across_leap_days_and_eras() {
        for days in -800_000..800_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn kafka_and_spring_stamps() {
        let t = epoch_ms(2024, 2, 6, 10, 47, 3) + 491;
        assert_eq!(t, 1_707_216_423_491);
        assert_eq!(kafka_text(t), "2024-02-06 10:47:03,491");
        let mut out = Vec::new();
        Stamp::new(b'T').push(&mut out, t, b'.');
        assert_eq!(out, b"2024-02-06T10:47:03.491");
        assert_eq!(kafka_text(epoch_ms(2024, 2, 29, 23, 59, 59) + 7), "2024-02-29 23:59:59,007");
    }

    #[test]
    fn stamp_cache_follows_the_clock() {
        let mut stamp = Stamp::new(b' ');
        let mut out = Vec::new();
        let t = epoch_ms(2023, 12, 31, 23, 59, 59) + 999;
        stamp.push(&mut out, t, b',');
        out.push(b'|');
        stamp.push(&mut out, t + 1, b',');
        assert_eq!(out, b"2023-12-31 23:59:59,999|2024-01-01 00:00:00,000");
    }

    #[test]
    fn digits() {
        let mut out = Vec::new();
        push_digits(&mut out, 7, 3);
        out.push(b' ');
        push_number(&mut out, 0);
        out.push(b' ');
        push_number(&mut out, 2_147_483_646);
        assert_eq!(out, b"007 0 2147483646");
    }
}
