//! `--format text`: for a person at 3 a.m. The verdict and the one thing to
//! do come first; then each broker's outage windows; then every anomaly with
//! its advice and evidence (`input:line`, ready to paste into a ticket).
//!
//! On a terminal the report is coloured (unless `NO_COLOR`) and every line
//! is wrapped to the terminal's width, continuation lines indented under
//! their first; a word longer than the width (a long host name) is split,
//! never cut, so nothing is lost. To a file or a pipe nothing is wrapped,
//! so `grep` sees whole lines. Log text goes through `printable` first: the
//! only escape sequences in the output are the colours written here.

use super::{headline, plural, printable, roll_steps, scope, stamp, step_after, Style};
use crate::analysis::{Analysis, Verdict};
use crate::noise::Severity;
use crate::timefmt::human_duration;
use std::io::{self, Write};

struct Paint {
    on: bool,
}

impl Paint {
    fn p(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.p("1", s)
    }
    fn red(&self, s: &str) -> String {
        self.p("1;31", s)
    }
    fn yellow(&self, s: &str) -> String {
        self.p("1;33", s)
    }
    fn green(&self, s: &str) -> String {
        self.p("1;32", s)
    }
    fn dim(&self, s: &str) -> String {
        self.p("2", s)
    }
}

fn ev_list(a: &Analysis, ev: &[(u32, u64)]) -> String {
    ev.iter().map(|&e| super::evidence_ref(a, e)).collect::<Vec<_>>().join(", ")
}

/// Columns a string takes on screen: our own colour sequences take none.
/// (One column per char: wide CJK characters are counted as one.)
fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut esc = false;
    for c in s.chars() {
        match (esc, c) {
            (false, '\x1b') => esc = true,
            (true, 'm') => esc = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}

/// Splits `s` after `n` visible columns, keeping colour sequences whole.
fn split_visible(s: &str, n: usize) -> (&str, &str) {
    let mut seen = 0;
    let mut esc = false;
    for (i, c) in s.char_indices() {
        match (esc, c) {
            (false, '\x1b') => esc = true,
            (true, 'm') => esc = false,
            (true, _) => {}
            (false, _) => {
                if seen == n {
                    return s.split_at(i);
                }
                seen += 1;
            }
        }
    }
    (s, "")
}

/// `text` broken into lines of at most `width` columns, the first after
/// `first` columns of indent, the others after `rest`: at spaces where it
/// can, inside a word where one word is wider than the line.
fn wrap(text: &str, first: usize, rest: usize, width: usize) -> Vec<String> {
    // Below this a line is too narrow to read anyway: overflow instead.
    const NARROWEST: usize = 20;
    let mut avail = width.saturating_sub(first).max(NARROWEST);
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut cur_w = 0;
    for tok in text.split_inclusive(' ') {
        let word = tok.trim_end_matches(' ');
        if cur_w > 0 && cur_w + visible_len(word) > avail {
            lines.push(cur.trim_end().to_string());
            cur.clear();
            cur_w = 0;
            avail = width.saturating_sub(rest).max(NARROWEST);
        }
        if cur_w == 0 && word.is_empty() {
            continue;
        }
        let mut t = tok;
        while cur_w == 0 && visible_len(t.trim_end_matches(' ')) > avail {
            let (head, tail) = split_visible(t, avail);
            lines.push(head.to_string());
            t = tail;
            avail = width.saturating_sub(rest).max(NARROWEST);
        }
        cur.push_str(t);
        cur_w += visible_len(t);
    }
    if cur_w > 0 || lines.is_empty() {
        lines.push(cur.trim_end().to_string());
    }
    lines
}

/// Writes report lines, wrapped to the width when there is one.
struct Lines<'o> {
    out: &'o mut dyn Write,
    width: Option<usize>,
}

impl Lines<'_> {
    /// One line of the report: `indent` then `text`; continuation lines are
    /// indented `hang` more columns.
    fn line(&mut self, indent: usize, hang: usize, text: &str) -> io::Result<()> {
        let Some(width) = self.width else {
            return writeln!(self.out, "{:indent$}{text}", "");
        };
        for (k, l) in wrap(text, indent, indent + hang, width).iter().enumerate() {
            let pad = if k == 0 { indent } else { indent + hang };
            writeln!(self.out, "{:pad$}{l}", "")?;
        }
        Ok(())
    }

    fn blank(&mut self) -> io::Result<()> {
        writeln!(self.out)
    }
}

pub fn write(a: &Analysis, out: &mut dyn Write, style: Style) -> io::Result<()> {
    let c = Paint { on: style.color };
    let mut o = Lines { out, width: style.width };
    let ts = stamp(a);
    // 1. The verdict, and the single most important thing.
    let h = headline(a);
    let label = format!("{}:", h.label);
    let label = match a.verdict {
        Verdict::Anomalous => c.red(&label),
        Verdict::ExpectedNoise | Verdict::Clean => c.green(&label),
    };
    o.line(0, 2, &format!("{label} {}", c.bold(&h.summary)))?;
    if let Some((message, advice)) = &h.first {
        o.line(2, 2, &format!("{} {message}", c.bold("First:")))?;
        o.line(2, 2, &format!("{} {advice}", c.bold("Do:")))?;
    }
    o.line(2, 2, &c.dim(&scope(a)))?;
    // 2. The roll sequence: the order brokers went out, and the rule.
    if a.roll.steps > 0 {
        o.blank()?;
        let rule = if a.roll.one_at_a_time { c.green("one at a time") } else { c.red("NOT one at a time") };
        o.line(0, 2, &format!("{} ({rule})", c.bold("Roll sequence")))?;
        for (k, s) in roll_steps(a).enumerate() {
            let after = match step_after(&s) {
                None => String::new(),
                Some((phrase, false)) => format!("  {phrase}"),
                Some((phrase, true)) => c.red(&format!("  {phrase}")),
            };
            let slow = if s.within_expected { String::new() } else { c.yellow("  longer than AWS's ~2 min") };
            o.line(
                2,
                5,
                &format!(
                    "{}. broker {:<4} {}  {:>7}{after}{slow}",
                    k + 1,
                    printable(s.broker),
                    ts.span(s.start, s.end),
                    human_duration(s.end - s.start)
                ),
            )?;
        }
    }
    // 3. The timeline.
    if !a.timelines.is_empty() {
        o.blank()?;
        o.line(0, 2, &c.bold("Broker timeline"))?;
        for t in &a.timelines {
            let head = match &t.broker {
                Some(b) => format!("broker {b}"),
                None => "no broker named (events that name none, outside any one broker's outage)".to_string(),
            };
            let hosts = if t.hosts.is_empty() {
                String::new()
            } else {
                format!("  {}", c.dim(&printable(&t.hosts.join(", "))))
            };
            o.line(2, 4, &format!("{}{hosts}", c.bold(&printable(&head))))?;
            for w in &t.windows {
                let kinds = w.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ");
                let state = if w.open {
                    c.red("still out at end of logs")
                } else {
                    match w.ended_by {
                        Some(crate::correlate::EndedBy::Recovery) => "back (recovery seen)".to_string(),
                        _ => String::new(),
                    }
                };
                o.line(
                    4,
                    4,
                    &format!(
                        "{}  {:>7}  {:>4} ev  {}  {}",
                        ts.span(w.start, w.end),
                        human_duration(w.duration()),
                        w.events,
                        kinds,
                        state
                    ),
                )?;
                let clients = w.clients.iter().map(|s| printable(s)).collect::<Vec<_>>().join(", ");
                o.line(6, 2, &c.dim(&format!("clients: {clients}; first lines: {}", ev_list(a, &w.evidence))))?;
            }
        }
    }
    // 4. The anomalies.
    if !a.findings.is_empty() {
        o.blank()?;
        o.line(0, 2, &c.bold("Anomalies"))?;
        for (k, f) in a.findings.iter().enumerate() {
            let sev = match f.severity {
                Severity::Critical => c.red("CRITICAL"),
                Severity::Warning => c.yellow("WARNING"),
            };
            o.line(2, 3, &format!("{}. {sev} {}: {}", k + 1, f.kind.as_str(), printable(&f.message)))?;
            o.line(5, 2, &format!("advice: {}", printable(&f.advice)))?;
            o.line(5, 2, &format!("evidence: {}", ev_list(a, &f.evidence)))?;
        }
    }
    // 5. Clients: what each one went through.
    if !a.clients.is_empty() {
        o.blank()?;
        o.line(0, 2, &c.bold("Clients"))?;
        for cl in &a.clients {
            let role = cl.role.map_or(String::new(), |r| format!(" ({})", r.as_str()));
            let mut parts = vec![format!("disrupted {}", human_duration(cl.disrupted_ms))];
            if cl.retries > 0 {
                parts.push(format!("{} retries", cl.retries));
            }
            if !cl.records_lost.is_empty() {
                let lost: Vec<String> =
                    cl.records_lost.iter().map(|(tp, n)| format!("{} ({n})", printable(tp))).collect();
                parts.push(c.red(&format!("lost {}", lost.join(", "))));
            }
            if cl.failed > 0 {
                parts.push(c.red(&format!("{} failed for good", cl.failed)));
            }
            parts.push(match (cl.recovered, cl.recovered_at) {
                (Some(true), Some(t)) => format!("recovered by {}", ts.at(t)),
                (None, _) => "recovery not visible (its log shows WARN only)".to_string(),
                _ => c.yellow("no sign of recovery before its logs end"),
            });
            o.line(2, 4, &format!("{}{role}  {}", printable(&cl.client), parts.join(", ")))?;
        }
    }
    // 6. What these logs cannot show.
    if !a.blind_spots.is_empty() {
        o.blank()?;
        o.line(0, 2, &c.bold("Blind spots"))?;
        for b in &a.blind_spots {
            let who = b.input.map_or(String::new(), |i| format!("{}: ", printable(a.input_name(i))));
            o.line(2, 2, &format!("{who}{}", printable(&b.message)))?;
        }
    }
    // 7. Inputs, and what could not be read.
    o.blank()?;
    o.line(0, 2, &c.bold("Inputs"))?;
    for i in &a.inputs {
        let fmt = i.format.as_deref().unwrap_or("layout unknown");
        o.line(
            2,
            4,
            &format!(
                "{}  {}{}, {}, {}",
                printable(&i.name),
                printable(fmt),
                if i.compression.name() == "plain" { String::new() } else { format!(" ({})", i.compression.name()) },
                printable(&super::extent(i)),
                plural(i.events, "event", "events")
            ),
        )?;
        for e in &i.errors {
            let at = e.line.map_or(String::new(), |l| format!("line {l}: "));
            o.line(4, 2, &format!("{} {at}{}", c.yellow("problem:"), printable(&e.message)))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_indents_continuations() {
        let l = wrap("one two three four five six seven eight nine ten eleven", 2, 4, 24);
        assert_eq!(l, vec!["one two three four", "five six seven eight", "nine ten eleven"]);
        for (k, x) in l.iter().enumerate() {
            assert!(x.chars().count() + if k == 0 { 2 } else { 4 } <= 24, "{x:?}");
        }
    }

    #[test]
    fn wrap_splits_a_word_wider_than_the_line_without_losing_any_of_it() {
        let host = "b-12.a-very-long-cluster-name.abcdef.c2.kafka.us-east-1.amazonaws.com:9094";
        let l = wrap(&format!("broker 12  {host}"), 2, 4, 30);
        assert!(l.iter().all(|x| x.chars().count() <= 28), "{l:?}");
        assert_eq!(l.concat().replace(' ', ""), format!("broker12{host}"));
    }

    #[test]
    fn colour_sequences_take_no_columns_and_are_never_split() {
        let red = "\x1b[1;31mCRITICAL\x1b[0m";
        assert_eq!(visible_len(red), 8);
        let l = wrap(&format!("{red} {red} {red}"), 0, 0, 20);
        assert_eq!(l, vec![format!("{red} {red}"), red.to_string()]);
        let (h, t) = split_visible(red, 4);
        assert_eq!((h, t), ("\x1b[1;31mCRIT", "ICAL\x1b[0m"));
    }

    #[test]
    fn wrap_keeps_an_empty_line_and_survives_a_tiny_width() {
        assert_eq!(wrap("", 0, 0, 80), vec![String::new()]);
        let l = wrap("abcdefghijklmnopqrstuvwxyz0123456789", 10, 10, 5);
        assert_eq!(l.concat(), "abcdefghijklmnopqrstuvwxyz0123456789");
    }
}
