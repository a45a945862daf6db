//! Reporters: one module per format over one `Analysis`. They read the
//! analysis and nothing else; log text they print is escaped for its
//! medium (control bytes never reach a terminal, `<script>` never runs in a
//! browser, a `|` never breaks a Markdown table).
//!
//! What every human-facing format says the same way — the verdict's
//! headline, how a roll step relates to the one before, a one-line summary
//! of an evidence line — is decided here once, so text, Markdown and HTML
//! cannot drift apart.

pub mod events;
pub mod follow;
pub mod html;
pub mod json;
pub mod markdown;
pub mod text;

use crate::analysis::{Analysis, Verdict};
use crate::event::Event;
use crate::impact::RollStep;
use crate::noise::Severity;
use crate::timefmt::{human_duration, Stamp};
use std::io::{self, Write};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: the verdict first, then the timeline and the anomalies.
    Text,
    /// The JSON timeline of the contract (schema_version 1).
    Json,
    /// One JSON object per event (NDJSON).
    Events,
    /// For an incident ticket: verdict, roll table, anomalies, blind spots.
    Markdown,
    /// One self-contained page with an SVG timeline (no network needed).
    Html,
}

/// How the text report may look: colours, and the width to fit (None: do
/// not wrap, as when the report goes to a file or a pipe).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    pub width: Option<usize>,
}

pub fn write(format: Format, a: &Analysis, out: &mut dyn Write, style: Style) -> io::Result<()> {
    match format {
        Format::Text => text::write(a, out, style),
        Format::Json => json::write(a, out),
        Format::Events => events::write(a, out),
        Format::Markdown => markdown::write(a, out),
        Format::Html => html::write(a, out),
    }
}

/// Characters that would reorder the text around them on screen (Unicode
/// bidi embeddings, overrides and isolates, and the invisible marks): a log
/// line must not make `evil.log:12` read as something else
/// (CVE-2021-42574, "Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Log text made safe for a terminal or a one-line field: every control
/// character (C0 including ESC, tab and newline, DEL, C1) and every bidi
/// control becomes `�`, so nothing from a log can move the cursor, change
/// colours, set the window title or reorder what is shown.
pub fn printable(s: &str) -> String {
    // Nearly all log text is printable ASCII: then a copy, not a walk of
    // its characters (a large input's HTML made a third of its time here).
    if s.bytes().all(|b| (b' '..b'\x7f').contains(&b)) {
        return s.to_string();
    }
    s.chars().map(|c| if c.is_control() || is_bidi_control(c) { '\u{fffd}' } else { c }).collect()
}

/// The verdict in a few words, the same in every human-facing format.
pub struct Headline {
    /// `ANOMALOUS`, `EXPECTED NOISE` or `CLEAN`.
    pub label: &'static str,
    /// One sentence saying what the logs show (already printable).
    pub summary: String,
    /// For an anomalous roll: the first finding's message and advice.
    pub first: Option<(String, String)>,
}

pub fn headline(a: &Analysis) -> Headline {
    match a.verdict {
        Verdict::Anomalous => {
            let crit = a.findings.iter().filter(|f| f.severity == Severity::Critical).count();
            let summary = format!(
                "{} beyond the expected rolling-update noise{}",
                plural(a.findings.len(), "problem", "problems"),
                if crit > 0 { format!(" ({crit} critical)") } else { String::new() }
            );
            let first = a.findings.first().map(|f| (printable(&f.message), printable(&f.advice)));
            Headline { label: "ANOMALOUS", summary, first }
        }
        Verdict::ExpectedNoise => {
            let names: Vec<&str> = a.timelines.iter().filter_map(|t| t.broker.as_deref()).collect();
            let what = match names.len() {
                0 => "leader moves and retries, no broker outage seen".to_string(),
                1 => format!("broker {} went out and clients retried", names[0]),
                _ => format!("brokers {} went out one at a time and clients retried", names.join(", ")),
            };
            Headline { label: "EXPECTED NOISE", summary: format!("{}. Nothing to do.", printable(&what)), first: None }
        }
        Verdict::Clean => {
            Headline { label: "CLEAN", summary: "no Kafka client disruption in these logs.".to_string(), first: None }
        }
    }
}

/// How the human reports write the analysis's times (`Stamp`): the clock
/// alone within one day, with the date when the analysis spans days.
pub fn stamp(a: &Analysis) -> Stamp {
    Stamp::new(a.zone, a.time_range)
}

/// What the report covers: events, inputs, lines, the time range and zone.
/// The range's start always carries its date: the day the clocks below
/// are on when there is one.
pub fn scope(a: &Analysis) -> String {
    let (z, ts) = (&a.zone, stamp(a));
    let lines: u64 = a.inputs.iter().map(|i| i.lines).sum();
    let range = a
        .time_range
        .map_or(String::new(), |(s, e)| format!(", {} → {} ({})", ts.full(s), ts.end(s, e), human_duration(e - s)));
    format!(
        "{} from {} ({lines} lines){range}; times in {z}",
        plural(a.weight, "event", "events"),
        plural(a.inputs.len(), "input", "inputs"),
    )
}

/// How much of an input was read: its lines, or, for a log whose events
/// were extracted on another host, the NDJSON input they came from.
pub fn extent(i: &crate::analysis::InputReport) -> String {
    match &i.via {
        Some(v) => format!("read from {v}"),
        None => format!("{} lines", i.lines),
    }
}

pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The roll's steps, made as they are written.
pub fn roll_steps(a: &Analysis) -> impl Iterator<Item = RollStep<'_>> {
    crate::impact::steps(&a.timelines, &a.thresholds)
}

/// How a roll step followed the one before: the phrase, and whether it
/// broke the one-at-a-time rule. None for the first step.
pub fn step_after(s: &RollStep<'_>) -> Option<(String, bool)> {
    match s.gap_ms {
        None => None,
        Some(g) if g >= 0 => Some((format!("{} after the previous broker was back", human_duration(g)), false)),
        Some(g) => Some((format!("out {} before the previous broker was back", human_duration(-g)), true)),
    }
}

/// What an evidence line said ([`event_summary`]), when it is an event
/// the analysis kept for it (`Options::keep_evidence`): a configuration
/// dump or a `--topics` line is none.
pub fn evidence_summary(a: &Analysis, line: (u32, u64)) -> Option<String> {
    a.evidence.get(&line).map(|e| event_summary(a, e))
}

/// `input:line`, printable.
pub fn evidence_ref(a: &Analysis, (input, line): (u32, u64)) -> String {
    format!("{}:{line}", printable(a.input_name(input)))
}

/// What an event's line said, in one printable line: time, kind, broker,
/// client, host, partition, error or message template.
pub fn event_summary(a: &Analysis, e: &Event) -> String {
    use std::fmt::Write as _;
    let mut s = format!("{} {}", stamp(a).at(e.time), e.kind.as_str());
    if let Some(b) = &e.broker {
        let _ = write!(s, " broker {b}");
    }
    if let Some(c) = &e.client {
        let _ = write!(s, " client {c}");
    }
    if let Some(h) = &e.host {
        let _ = write!(s, " host {h}");
        if let Some(p) = e.port {
            let _ = write!(s, ":{p}");
        }
    }
    if let Some(tp) = e.topic_partition() {
        let _ = write!(s, " {tp}");
    }
    if let Some(n) = e.count {
        let _ = write!(s, " ({n} records)");
    }
    if let Some(err) = &e.error {
        let _ = write!(s, ": {err}");
    }
    if let Some(t) = &e.template {
        let _ = write!(s, ": \"{t}\"");
    }
    printable(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_neutralises_c0_c1_del_and_bidi_controls() {
        let evil = "a\x1b[2J\x07b\x7fc\u{9b}31md\u{202e}gol.exe\u{2066}e\tf\ng\r";
        let p = printable(evil);
        assert_eq!(p, "a\u{fffd}[2J\u{fffd}b\u{fffd}c\u{fffd}31md\u{fffd}gol.exe\u{fffd}e\u{fffd}f\u{fffd}g\u{fffd}");
        assert!(!p.chars().any(|c| c.is_control() || is_bidi_control(c)));
        assert_eq!(printable("b-2.demo:9094 — ünïcode ok"), "b-2.demo:9094 — ünïcode ok");
        assert_eq!(printable("plain ASCII ~ \x7f"), "plain ASCII ~ \u{fffd}");
    }

    proptest::proptest! {
        /// The copy of printable ASCII changes nothing: any text, ASCII or
        /// not, with controls or not, reads as the character walk reads it.
        #[test]
        fn printable_is_the_character_walk(s in "(?s).{0,40}|[ -~]{0,40}|[\x00-\x7f]{0,40}") {
            let walk: String = s.chars().map(|c| if c.is_control() || is_bidi_control(c) { '\u{fffd}' } else { c }).collect();
            proptest::prop_assert_eq!(printable(&s), walk);
        }
    }
}
