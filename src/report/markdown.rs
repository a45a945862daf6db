//! `--format markdown`: the report to paste into an incident ticket or a
//! postmortem (GitHub, GitLab, Jira's Markdown, Confluence's import). The
//! verdict first, then the roll sequence as a table, the anomalies with
//! their advice and evidence (`input:line`), the blind spots, and each
//! broker's windows.
//!
//! Everything that came from a log (messages, hosts, client ids, input
//! names) goes through `text` or `code` below: control characters are
//! neutralised as for a terminal, and Markdown's own characters are
//! escaped so that a `|` cannot split a table cell, a `<script>` or an
//! `<img>` is shown rather than rendered, and `*`/`_`/`` ` `` do not start
//! emphasis or code. Only ASCII punctuation is escaped: CommonMark takes a
//! backslash before any of it literally, so the escapes are always safe.

use super::{evidence_ref, evidence_summary, headline, plural, printable, roll_steps, scope, stamp, step_after};
use crate::analysis::Analysis;
use crate::correlate::EndedBy;
use crate::noise::Severity;
use crate::timefmt::{human_duration, rfc3339};
use std::io::{self, Write};

/// Log-derived text for Markdown prose or a table cell.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in printable(s).chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' | '!') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Log-derived text as an inline code span: a fence longer than any run of
/// backticks inside it, padded when it starts or ends with one. (Not for
/// table cells: GFM splits cells at a `|` even inside code.)
pub fn code(s: &str) -> String {
    let s = printable(s);
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{s}{pad}{fence}")
}

pub fn write(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let (z, ts) = (&a.zone, stamp(a));
    let h = headline(a);
    writeln!(out, "## rollcall: {}", h.label)?;
    writeln!(out)?;
    writeln!(out, "**{}:** {}", h.label, text(&h.summary))?;
    if let Some((message, advice)) = &h.first {
        writeln!(out)?;
        writeln!(out, "- **First:** {}", text(message))?;
        writeln!(out, "- **Do:** {}", text(advice))?;
    }
    writeln!(out)?;
    writeln!(out, "_{}._", text(&scope(a)))?;

    if a.roll.steps > 0 {
        writeln!(out)?;
        let rule = if a.roll.one_at_a_time { "one at a time" } else { "**NOT one at a time**" };
        writeln!(out, "### Roll sequence ({rule})")?;
        writeln!(out)?;
        writeln!(out, "| # | broker | out | back | duration | after the previous one |")?;
        writeln!(out, "| ---: | --- | --- | --- | ---: | --- |")?;
        for (k, s) in roll_steps(a).enumerate() {
            let after = match step_after(&s) {
                None => "—".to_string(),
                Some((phrase, false)) => phrase,
                Some((phrase, true)) => format!("**{phrase}**"),
            };
            let slow = if s.within_expected { "" } else { " (longer than AWS's ~2 min)" };
            writeln!(
                out,
                "| {} | {} | {} | {} | {}{slow} | {after} |",
                k + 1,
                text(s.broker),
                ts.at(s.start),
                ts.end(s.start, s.end),
                human_duration(s.end - s.start)
            )?;
        }
    }

    if !a.findings.is_empty() {
        writeln!(out)?;
        writeln!(out, "### Anomalies")?;
        for (k, f) in a.findings.iter().enumerate() {
            let sev = match f.severity {
                Severity::Critical => "CRITICAL",
                Severity::Warning => "WARNING",
            };
            writeln!(out)?;
            writeln!(out, "{}. **{sev}** `{}`: {}", k + 1, f.kind.as_str(), text(&f.message))?;
            let who: Vec<String> = f
                .brokers
                .iter()
                .map(|b| format!("broker {}", text(b)))
                .chain(f.clients.iter().map(|c| format!("client {}", text(c))))
                .collect();
            let when = format!("{} → {}", rfc3339(f.start, z), ts.end(f.start, f.end));
            if who.is_empty() {
                writeln!(out, "   - when: {when}")?;
            } else {
                writeln!(out, "   - when: {when}; {}", who.join(", "))?;
            }
            writeln!(out, "   - advice: {}", text(&f.advice))?;
            if !f.evidence.is_empty() {
                writeln!(out, "   - evidence:")?;
                for &ev in &f.evidence {
                    match evidence_summary(a, ev) {
                        Some(what) => writeln!(out, "     - {} {}", code(&evidence_ref(a, ev)), text(&what))?,
                        None => writeln!(out, "     - {}", code(&evidence_ref(a, ev)))?,
                    }
                }
            }
        }
    }

    if !a.blind_spots.is_empty() {
        writeln!(out)?;
        writeln!(out, "### Blind spots")?;
        writeln!(out)?;
        for b in &a.blind_spots {
            match b.input {
                Some(i) => writeln!(out, "- {}: {}", code(a.input_name(i)), text(&b.message))?,
                None => writeln!(out, "- {}", text(&b.message))?,
            }
        }
    }

    if !a.timelines.is_empty() {
        writeln!(out)?;
        writeln!(out, "### Broker windows")?;
        writeln!(out)?;
        writeln!(out, "| broker | out | back | duration | events | kinds | clients | ended | first lines |")?;
        writeln!(out, "| --- | --- | --- | ---: | ---: | --- | --- | --- | --- |")?;
        for t in &a.timelines {
            let broker = t.broker.as_deref().map_or("_none named_".to_string(), text);
            for w in &t.windows {
                let kinds = w.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ");
                let clients = w.clients.iter().map(|c| text(c)).collect::<Vec<_>>().join(", ");
                let ended = match (w.open, w.ended_by) {
                    (true, _) => "**still out at end of logs**",
                    (false, Some(EndedBy::Recovery)) => "recovery seen",
                    _ => "last symptom",
                };
                let ev = w.evidence.iter().map(|&e| text(&evidence_ref(a, e))).collect::<Vec<_>>().join(", ");
                writeln!(
                    out,
                    "| {broker} | {} | {} | {} | {} | {} | {clients} | {ended} | {ev} |",
                    ts.at(w.start),
                    ts.end(w.start, w.end),
                    human_duration(w.duration()),
                    w.events,
                    text(&kinds)
                )?;
            }
        }
        let named: Vec<_> = a.timelines.iter().filter(|t| t.broker.is_some() && !t.hosts.is_empty()).collect();
        if !named.is_empty() {
            writeln!(out)?;
            for t in named {
                let hosts = t.hosts.iter().map(|h| code(h)).collect::<Vec<_>>().join(", ");
                writeln!(out, "- broker {}: {hosts}", text(t.broker.as_deref().unwrap_or_default()))?;
            }
        }
    }

    writeln!(out)?;
    writeln!(out, "<details><summary>Inputs</summary>")?;
    writeln!(out)?;
    for i in &a.inputs {
        let fmt = i.format.as_deref().map_or("layout unknown".to_string(), text);
        let extent = text(&super::extent(i));
        writeln!(out, "- {}: {fmt}, {extent}, {}", code(&i.name), plural(i.events, "event", "events"))?;
        for e in &i.errors {
            let at = e.line.map_or(String::new(), |l| format!("line {l}: "));
            writeln!(out, "  - problem: {at}{}", text(&e.message))?;
        }
    }
    writeln!(out)?;
    writeln!(out, "</details>")?;
    writeln!(out)?;
    writeln!(out, "_Report by rollcall {}._", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_what_markdown_would_interpret() {
        assert_eq!(text("a|b"), "a\\|b");
        assert_eq!(text("<script>alert(1)</script>"), "\\<script\\>alert(1)\\</script\\>");
        assert_eq!(
            text("*x* _y_ `z` [l](u) ![i](u) &amp; ~~s~~ #h \\"),
            "\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u) \\!\\[i\\](u) \\&amp; \\~\\~s\\~\\~ \\#h \\\\"
        );
        assert_eq!(text("line\nbreak\x1b[31m"), "line\u{fffd}break\u{fffd}\\[31m");
        assert_eq!(text("b-2.demo:9094"), "b-2.demo:9094");
    }

    #[test]
    fn code_spans_outlast_the_backticks_inside() {
        assert_eq!(code("producer.log:12"), "`producer.log:12`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x``"), "``` `x`` ```");
        assert_eq!(code("a\x1bb"), "`a\u{fffd}b`");
    }
}
