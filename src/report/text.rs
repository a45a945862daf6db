//! `--format text`: for a person at 3 a.m. The verdict and the one thing to
//! do come first; then each broker's outage windows; then every anomaly with
//! its advice and evidence (`input:line`, ready to paste into a ticket).

use super::printable;
use crate::analysis::{Analysis, Verdict};
use crate::noise::Severity;
use crate::timefmt::{clock, date, human_duration};
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

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn ev_list(a: &Analysis, ev: &[(u32, u64)]) -> String {
    ev.iter().map(|&(i, l)| format!("{}:{l}", printable(a.input_name(i)))).collect::<Vec<_>>().join(", ")
}

pub fn write(a: &Analysis, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let c = Paint { on: color };
    let z = &a.zone;
    // 1. The verdict, and the single most important thing.
    match a.verdict {
        Verdict::Anomalous => {
            let crit = a.findings.iter().filter(|f| f.severity == Severity::Critical).count();
            writeln!(
                out,
                "{} {}",
                c.red("ANOMALOUS:"),
                c.bold(&format!(
                    "{} beyond the expected rolling-update noise{}",
                    plural(a.findings.len(), "problem", "problems"),
                    if crit > 0 { format!(" ({crit} critical)") } else { String::new() }
                ))
            )?;
            let top = &a.findings[0];
            writeln!(out, "  {} {}", c.bold("First:"), printable(&top.message))?;
            writeln!(out, "  {} {}", c.bold("Do:"), top.advice)?;
        }
        Verdict::ExpectedNoise => {
            let names: Vec<&str> = a.timelines.iter().filter_map(|t| t.broker.as_deref()).collect();
            let what = match names.len() {
                0 => "leader moves and retries, no broker outage seen".to_string(),
                1 => format!("broker {} went out and clients retried", names[0]),
                _ => format!("brokers {} went out one at a time and clients retried", names.join(", ")),
            };
            writeln!(
                out,
                "{} {}",
                c.green("EXPECTED NOISE:"),
                c.bold(&format!("{}. Nothing to do.", printable(&what)))
            )?;
        }
        Verdict::Clean => {
            writeln!(out, "{} {}", c.green("CLEAN:"), c.bold("no Kafka client disruption in these logs."))?;
        }
    }
    let lines: u64 = a.inputs.iter().map(|i| i.lines).sum();
    let range = a.time_range.map_or(String::new(), |(s, e)| {
        format!(", {} {} → {} ({})", date(s, z), clock(s, z), clock(e, z), human_duration(e - s))
    });
    writeln!(
        out,
        "  {}",
        c.dim(&format!(
            "{} from {} ({} lines){range}; times in {z}",
            plural(a.events.len(), "event", "events"),
            plural(a.inputs.len(), "input", "inputs"),
            lines
        ))
    )?;
    // 2. The roll sequence: the order brokers went out, and the rule.
    if !a.roll.steps.is_empty() {
        writeln!(out)?;
        let rule = if a.roll.one_at_a_time { c.green("one at a time") } else { c.red("NOT one at a time") };
        writeln!(out, "{} ({rule})", c.bold("Roll sequence"))?;
        for (k, s) in a.roll.steps.iter().enumerate() {
            let after = match s.gap_ms {
                None => String::new(),
                Some(g) if g >= 0 => format!("  {} after the previous broker was back", human_duration(g)),
                Some(g) => c.red(&format!("  out {} before the previous broker was back", human_duration(-g))),
            };
            let slow = if s.within_expected { String::new() } else { c.yellow("  longer than AWS's ~2 min") };
            writeln!(
                out,
                "  {}. broker {:<4} {} → {}  {:>7}{after}{slow}",
                k + 1,
                printable(&s.broker),
                clock(s.start, z),
                clock(s.end, z),
                human_duration(s.end - s.start)
            )?;
        }
    }
    // 3. The timeline.
    if !a.timelines.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", c.bold("Broker timeline"))?;
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
            writeln!(out, "  {}{hosts}", c.bold(&printable(&head)))?;
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
                writeln!(
                    out,
                    "    {} → {}  {:>7}  {:>4} ev  {}  {}",
                    clock(w.start, z),
                    clock(w.end, z),
                    human_duration(w.duration()),
                    w.events,
                    kinds,
                    state
                )?;
                let clients = w.clients.iter().map(|s| printable(s)).collect::<Vec<_>>().join(", ");
                writeln!(
                    out,
                    "      {}",
                    c.dim(&format!("clients: {clients}; first lines: {}", ev_list(a, &w.evidence)))
                )?;
            }
        }
    }
    // 4. The anomalies.
    if !a.findings.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", c.bold("Anomalies"))?;
        for (k, f) in a.findings.iter().enumerate() {
            let sev = match f.severity {
                Severity::Critical => c.red("CRITICAL"),
                Severity::Warning => c.yellow("WARNING"),
            };
            writeln!(out, "  {}. {sev} {}: {}", k + 1, f.kind.as_str(), printable(&f.message))?;
            writeln!(out, "     advice: {}", f.advice)?;
            writeln!(out, "     evidence: {}", ev_list(a, &f.evidence))?;
        }
    }
    // 5. Clients: what each one went through.
    if !a.clients.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", c.bold("Clients"))?;
        for cl in &a.clients {
            let role = cl.role.map_or(String::new(), |r| format!(" ({})", r.as_str()));
            let mut parts = vec![format!("disrupted {}", human_duration(cl.disrupted_ms))];
            if cl.retries > 0 {
                parts.push(format!("{} retries", cl.retries));
            }
            if !cl.records_lost.is_empty() {
                let lost: Vec<String> = cl.records_lost.iter().map(|(tp, n)| format!("{tp} ({n})")).collect();
                parts.push(c.red(&format!("lost {}", lost.join(", "))));
            }
            if cl.failed > 0 {
                parts.push(c.red(&format!("{} failed for good", cl.failed)));
            }
            parts.push(match (cl.recovered, cl.recovered_at) {
                (Some(true), Some(t)) => format!("recovered by {}", clock(t, z)),
                (None, _) => "recovery not visible (its log shows WARN only)".to_string(),
                _ => c.yellow("no sign of recovery before its logs end"),
            });
            writeln!(out, "  {}{role}  {}", printable(&cl.client), parts.join(", "))?;
        }
    }
    // 6. What these logs cannot show.
    if !a.blind_spots.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", c.bold("Blind spots"))?;
        for b in &a.blind_spots {
            let who = b.input.map_or(String::new(), |i| format!("{}: ", printable(a.input_name(i))));
            writeln!(out, "  {who}{}", b.message)?;
        }
    }
    // 7. Inputs, and what could not be read.
    writeln!(out)?;
    writeln!(out, "{}", c.bold("Inputs"))?;
    for i in &a.inputs {
        let fmt = i.format.as_deref().unwrap_or("layout unknown");
        writeln!(
            out,
            "  {}  {}{}, {} lines, {}",
            printable(&i.name),
            fmt,
            if i.compression.name() == "plain" { String::new() } else { format!(" ({})", i.compression.name()) },
            i.lines,
            plural(i.events, "event", "events")
        )?;
        for e in &i.errors {
            let at = e.line.map_or(String::new(), |l| format!("line {l}: "));
            writeln!(out, "    {} {at}{}", c.yellow("problem:"), printable(&e.message))?;
        }
    }
    Ok(())
}
