//! `--format html`: one self-contained page for an incident ticket or a
//! postmortem. No network, no script: inline CSS and an inline SVG
//! timeline, so it opens from a mail attachment or an air-gapped laptop and
//! passes a strict Content-Security-Policy.
//!
//! The timeline has one row per broker with its outage windows as bars
//! (red: still out at the end of the logs; amber: longer than
//! `--max-outage`), a row per anomaly spanning its time (critical ones are
//! also shaded across the rows of their brokers), and per client a
//! histogram of its events over time. Every mark carries a `<title>`
//! (shown on hover) with its evidence lines, and is a link to its details
//! under the timeline (click). Below come the verdict, the roll sequence,
//! the anomalies with advice and evidence, the windows, the clients, the
//! blind spots and the inputs.
//!
//! All text that came from a log goes through `esc`: control characters
//! neutralised as for a terminal, and `& < > " '` as entities, so a log
//! line holding `<script>` is shown, never run — in element content and in
//! attribute values alike.

use super::{evidence_ref, evidence_summary, headline, plural, printable, roll_steps, scope, stamp, step_after};
use crate::analysis::{Analysis, Dot};
use crate::correlate::EndedBy;
use crate::noise::Severity;
use crate::timefmt::{clock, date, human_duration, rfc3339};
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, Write};

/// Log-derived text for HTML element content or a quoted attribute value.
pub fn esc(s: &str) -> String {
    let p = printable(s);
    let mut out = String::with_capacity(p.len() + 16);
    // The characters to escape are ASCII, and no byte of a longer UTF-8
    // character is: the text between them is copied in runs.
    let mut from = 0;
    for (i, b) in p.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&p[from..i]);
        out.push_str(entity);
        from = i + 1;
    }
    out.push_str(&p[from..]);
    out
}

// The SVG's geometry, in its own units (it scales to the page width).
const WIDTH: f64 = 1200.0;
const LABEL: f64 = 190.0;
const RIGHT: f64 = 16.0;
const AXIS: f64 = 28.0;
const ROW: f64 = 26.0;
const BAR: f64 = 16.0;
/// Histogram bins across the whole time range, per client.
const BINS: usize = 120;
/// Narrowest bar drawn, so that a one-event window stays visible.
const MIN_BAR: f64 = 2.0;

const STYLE: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1240px;padding:0 16px;color:#1d2330}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #dde;padding-bottom:4px}
.verdict{padding:12px 16px;border-radius:6px;margin:12px 0}.verdict b{font-size:17px}
.anomalous{background:#fde8e8;border-left:6px solid #c0392b}.expected_noise,.clean{background:#e6f6ec;border-left:6px solid #27ae60}
.meta{color:#667;font-size:13px}table{border-collapse:collapse;font-size:13px;width:100%}
th,td{border:1px solid #dde;padding:3px 7px;text-align:left;vertical-align:top}th{background:#f4f5f8}
td.n{text-align:right;font-variant-numeric:tabular-nums}code,.ev{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.bad{color:#c0392b;font-weight:600}.warn{color:#b9770e;font-weight:600}
article{border:1px solid #dde;border-radius:6px;padding:8px 12px;margin:8px 0}
article.critical{border-left:5px solid #c0392b}article.warning{border-left:5px solid #e0a800}
:target{outline:3px solid #3b82f6;background:#eef4ff}ul.ev{margin:4px 0;padding-left:20px}
svg{width:100%;height:auto;background:#fbfbfd;border:1px solid #dde;border-radius:6px}
svg text{font:11px system-ui,sans-serif;fill:#333}svg .tick{stroke:#e3e5ec}svg .axis text{fill:#667}
svg .bar{fill:#3b82f6}svg .bar.long{fill:#e0a800}svg .bar.open{fill:#c0392b}
svg .mark.critical{fill:#c0392b}svg .mark.warning{fill:#e0a800}svg .band{fill:#c0392b;opacity:.10}
svg .maint{fill:#27ae60;opacity:.07}svg .dens{fill:#7c8aa5}svg .sep{stroke:#c9ccd6}
svg a:hover rect{stroke:#111;stroke-width:1}
.legend i{display:inline-block;width:12px;height:10px;margin:0 4px 0 12px;border-radius:2px}
";

/// What the colours of the timeline mean.
const LEGEND: &str = "<p class=\"meta legend\"><i style=\"background:#3b82f6\"></i>outage window \
<i style=\"background:#e0a800\"></i>longer than --max-outage \
<i style=\"background:#c0392b\"></i>still out at the end of the logs \
<i style=\"background:#f6d5d1\"></i>critical anomaly across its brokers \
<i style=\"background:#7c8aa5\"></i>events per client (scaled per client)</p>";

/// Time → x, over the analysis's time range.
struct Scale {
    t0: i64,
    t1: i64,
}

impl Scale {
    fn x(&self, t: i64) -> f64 {
        LABEL + (t - self.t0) as f64 / (self.t1 - self.t0) as f64 * (WIDTH - LABEL - RIGHT)
    }

    /// x and width of a span, at least `MIN_BAR` wide.
    fn span(&self, s: i64, e: i64) -> (f64, f64) {
        let x = self.x(s);
        (x, (self.x(e) - x).max(MIN_BAR))
    }

    /// A round tick step giving at most about ten ticks.
    fn step(&self) -> i64 {
        const STEPS: [i64; 17] = [
            1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
            3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000,
        ];
        let span = self.t1 - self.t0;
        STEPS.into_iter().find(|s| span / s <= 10).unwrap_or(span / 10 + 1)
    }
}

/// Evidence lines as `<title>` text, escaped: `input:line` and what the
/// line said, each on a line of its own.
fn ev_titles(a: &Analysis, ev: &[(u32, u64)]) -> String {
    ev.iter()
        .map(|&e| match evidence_summary(a, e) {
            Some(what) => format!("\n{}  {}", esc(&evidence_ref(a, e)), esc(&what)),
            None => format!("\n{}", esc(&evidence_ref(a, e))),
        })
        .collect()
}

/// Evidence lines as a list under an anomaly or a window.
fn ev_list(a: &Analysis, ev: &[(u32, u64)]) -> String {
    let mut s = String::from("<ul class=\"ev\">");
    for &e in ev {
        let what = evidence_summary(a, e).map_or(String::new(), |x| format!(" {}", esc(&x)));
        let _ = write!(s, "<li><code>{}</code>{what}</li>", esc(&evidence_ref(a, e)));
    }
    s.push_str("</ul>");
    s
}

fn svg(a: &Analysis) -> String {
    let (z, ts) = (&a.zone, stamp(a));
    let Some((t0, t1)) = a.time_range else {
        return String::new();
    };
    let sc = Scale { t0, t1: t1.max(t0 + 1_000) };
    // Events per client per bin, for the density rows: binned by the
    // client's number, then by its name (no client's row is named too).
    let d = &a.density;
    let bin_ms = ((sc.t1 - sc.t0) as f64 / BINS as f64).max(1.0);
    let bin = |t: i64| (((t - sc.t0).max(0) as f64 / bin_ms) as usize).min(BINS - 1);
    let mut by_number: Vec<Option<Vec<usize>>> = vec![None; d.clients.len() + 1];
    for e in &d.events {
        let row = if e.client == Dot::NO_CLIENT { d.clients.len() } else { e.client as usize };
        let bins = by_number[row].get_or_insert_with(|| vec![0; BINS]);
        add_run(bins, bin(e.start), bin(e.time), e.weight as usize);
    }
    let mut density: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let names = d.clients.iter().map(|c| &**c).chain(["(no client id)"]);
    for (name, bins) in names.zip(by_number).filter_map(|(n, b)| Some((n, b?))) {
        match density.entry(name) {
            Entry::Vacant(v) => {
                v.insert(bins);
            }
            Entry::Occupied(mut o) => o.get_mut().iter_mut().zip(bins).for_each(|(a, b)| *a += b),
        }
    }
    let rows = a.timelines.len() + a.findings.len() + density.len();
    let height = AXIS + ROW * rows as f64 + ROW / 2.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"img\" \
         aria-label=\"outage timeline\">"
    );
    let bottom = height - ROW / 2.0;
    // Axis: ticks and clock labels. The day is stated at the left; the
    // first tick of each later day is labelled with its date instead of its
    // clock (as chart axes mark midnight), so an axis over days says where
    // each begins without labels too wide for the ticks' spacing.
    s.push_str("<g class=\"axis\">");
    let step = sc.step();
    let mut t = (sc.t0 / step + 1) * step;
    let mut day = date(sc.t0, z);
    while t < sc.t1 {
        let x = sc.x(t);
        let on = date(t, z);
        let label = if on != day {
            day = on.clone();
            on
        } else {
            let c = clock(t, z);
            c.get(..8).unwrap_or(&c).to_string()
        };
        let _ = write!(
            s,
            "<line class=\"tick\" x1=\"{x:.1}\" y1=\"{AXIS}\" x2=\"{x:.1}\" y2=\"{bottom:.0}\"/>\
             <text x=\"{x:.1}\" y=\"18\" text-anchor=\"middle\">{label}</text>"
        );
        t += step;
    }
    let _ = write!(s, "<text x=\"4\" y=\"18\">{}</text></g>", esc(&format!("{} ({z})", date(sc.t0, z))));
    if let Some((ms, me)) = a.maintenance {
        let (x, w) = sc.span(ms.max(sc.t0), me.min(sc.t1));
        if me >= sc.t0 && ms <= sc.t1 {
            let _ = write!(
                s,
                "<rect class=\"maint\" x=\"{x:.1}\" y=\"{AXIS}\" width=\"{w:.1}\" height=\"{:.0}\">\
                 <title>maintenance window</title></rect>",
                bottom - AXIS
            );
        }
    }
    // Rows of brokers, where each timeline sits.
    let row_y = |k: usize| AXIS + ROW * k as f64;
    let broker_row: HashMap<&str, usize> =
        a.timelines.iter().enumerate().filter_map(|(k, t)| t.broker.as_deref().map(|b| (b, k))).collect();
    // Critical findings shaded across their brokers' rows, under the bars.
    for f in a.findings.iter().filter(|f| f.severity == Severity::Critical) {
        for b in &f.brokers {
            if let Some(&k) = broker_row.get(b.as_str()) {
                let (x, w) = sc.span(f.start, f.end);
                let _ = write!(
                    s,
                    "<rect class=\"band\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{ROW}\"/>",
                    row_y(k)
                );
            }
        }
    }
    s.push_str("<g class=\"brokers\">");
    for (k, t) in a.timelines.iter().enumerate() {
        let y = row_y(k);
        let name = t.broker.as_deref().map_or("no broker named".to_string(), |b| format!("broker {b}"));
        let _ = write!(
            s,
            "<text x=\"4\" y=\"{:.1}\">{}<title>{}</title></text>",
            y + ROW / 2.0 + 4.0,
            esc(&name),
            esc(&t.hosts.join(", "))
        );
        for (j, w) in t.windows.iter().enumerate() {
            let (x, wd) = sc.span(w.start, w.end);
            let class = if w.open {
                "bar open"
            } else if w.duration() > a.thresholds.max_outage_ms {
                "bar long"
            } else {
                "bar"
            };
            let kinds = w.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ");
            // Each part escaped on its own: the line breaks between them
            // are the tooltip's, and escaping the whole turned them into
            // replacement characters.
            let title = format!(
                "{}: {} ({}){}\n{} events: {}\nclients: {}{}",
                esc(&name),
                esc(&ts.span(w.start, w.end)),
                human_duration(w.duration()),
                if w.open { ", still out at the end of the logs" } else { "" },
                w.events,
                esc(&kinds),
                esc(&w.clients.join(", ")),
                ev_titles(a, &w.evidence)
            );
            let _ = write!(
                s,
                "<a href=\"#w-{k}-{j}\"><rect class=\"{class}\" data-broker=\"{}\" x=\"{x:.1}\" y=\"{:.1}\" \
                 width=\"{wd:.1}\" height=\"{BAR}\" rx=\"2\"><title>{}</title></rect></a>",
                esc(t.broker.as_deref().unwrap_or("")),
                y + (ROW - BAR) / 2.0,
                title
            );
        }
    }
    s.push_str("</g><g class=\"anomalies\">");
    let base = a.timelines.len();
    for (k, f) in a.findings.iter().enumerate() {
        let y = row_y(base + k);
        let sev = match f.severity {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
        };
        let _ = write!(
            s,
            "<line class=\"sep\" x1=\"0\" y1=\"{y:.1}\" x2=\"{WIDTH}\" y2=\"{y:.1}\"/>\
             <text x=\"4\" y=\"{:.1}\">{}. {}</text>",
            y + ROW / 2.0 + 4.0,
            k + 1,
            f.kind.as_str()
        );
        let (x, w) = sc.span(f.start.max(sc.t0), f.end.min(sc.t1));
        let title = format!("{sev} {}: {}{}", f.kind.as_str(), esc(&f.message), ev_titles(a, &f.evidence));
        let _ = write!(
            s,
            "<a href=\"#a-{k}\"><rect class=\"mark {sev}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" \
             height=\"{:.1}\" rx=\"5\"><title>{}</title></rect></a>",
            y + (ROW - BAR / 1.5) / 2.0,
            BAR / 1.5,
            title
        );
    }
    s.push_str("</g><g class=\"density\">");
    let base = base + a.findings.len();
    for (k, (client, bins)) in density.iter().enumerate() {
        let y = row_y(base + k);
        let _ = write!(
            s,
            "<line class=\"sep\" x1=\"0\" y1=\"{y:.1}\" x2=\"{WIDTH}\" y2=\"{y:.1}\"/>\
             <text x=\"4\" y=\"{:.1}\">{}<title>events of {} over time</title></text>",
            y + ROW / 2.0 + 4.0,
            esc(&shorten(client, 28)),
            esc(client)
        );
        let most = bins.iter().copied().max().unwrap_or(1).max(1) as f64;
        for (b, &n) in bins.iter().enumerate().filter(|(_, n)| **n > 0) {
            let from = sc.t0 + (b as f64 * bin_ms) as i64;
            let to = sc.t0 + ((b + 1) as f64 * bin_ms) as i64;
            let (x, w) = sc.span(from, to);
            let h = (ROW - 6.0) * n as f64 / most;
            let _ = write!(
                s,
                "<rect class=\"dens\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\">\
                 <title>{}: {n} events {}</title></rect>",
                y + ROW - 3.0 - h,
                (w - 0.5).max(1.0),
                esc(client),
                ts.span(from, to)
            );
        }
    }
    s.push_str("</g></svg>");
    s
}

/// Counts the `weight` lines of an event whose first line fell in bin
/// `first` and its last in bin `last`. One line is one event; a thinned
/// run (`thin`) keeps only its first and last times and its count, so the
/// lines between are spread evenly over the bins between, as alike lines
/// with no pause longer than the gap are (the run ends at such a pause).
/// The bins get exactly `weight` lines in all.
fn add_run(bins: &mut [usize], first: usize, last: usize, weight: usize) {
    if weight == 0 {
        return;
    }
    if first >= last || weight == 1 {
        bins[last] += weight;
        return;
    }
    bins[first] += 1;
    bins[last] += 1;
    // The lines between, spread over the bins from `first` to `last` by
    // cumulative share, so that the rounding adds up to their number.
    let (between, n) = (weight - 2, last - first + 1);
    for (k, b) in bins[first..=last].iter_mut().enumerate() {
        *b += between * (k + 1) / n - between * k / n;
    }
}

/// At most `n` characters, with `…` in the middle when cut (the ends of a
/// client id or host name tell them apart).
fn shorten(s: &str, n: usize) -> String {
    let count = s.chars().count();
    if count <= n {
        return s.to_string();
    }
    let head: String = s.chars().take(n / 2).collect();
    let tail: String = s.chars().skip(count - (n - n / 2 - 1)).collect();
    format!("{head}…{tail}")
}

pub fn write(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let (z, ts) = (&a.zone, stamp(a));
    let h = headline(a);
    let mut s = String::with_capacity(64 * 1024);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
         <title>rollcall: {}</title><style>{STYLE}</style></head><body>\n",
        esc(h.label)
    );
    let _ = write!(s, "<h1>Rolling update: {}</h1>", esc(&h.label.to_lowercase()));
    let _ = writeln!(
        s,
        "<p class=\"meta\">{}. Hover a bar for its evidence lines, click it for the details below.</p>",
        esc(&scope(a))
    );
    s.push_str(&svg(a));
    if a.time_range.is_some() {
        s.push_str(LEGEND);
    }
    // The verdict.
    let _ = write!(s, "\n<div class=\"verdict {}\"><b>{}:</b> {}", a.verdict.as_str(), esc(h.label), esc(&h.summary));
    if let Some((message, advice)) = &h.first {
        let _ = write!(s, "<br><b>First:</b> {}<br><b>Do:</b> {}", esc(message), esc(advice));
    }
    s.push_str("</div>\n");
    // The roll sequence.
    if a.roll.steps > 0 {
        let rule = if a.roll.one_at_a_time { "one at a time" } else { "<span class=\"bad\">NOT one at a time</span>" };
        let _ = write!(
            s,
            "<h2>Roll sequence ({rule})</h2><table><tr><th>#</th><th>broker</th><th>out</th><th>back</th>\
             <th>duration</th><th>after the previous one</th></tr>"
        );
        for (k, st) in roll_steps(a).enumerate() {
            let after = match step_after(&st) {
                None => "—".to_string(),
                Some((p, false)) => esc(&p),
                Some((p, true)) => format!("<span class=\"bad\">{}</span>", esc(&p)),
            };
            let slow = if st.within_expected { "" } else { " <span class=\"warn\">longer than AWS's ~2 min</span>" };
            let _ = write!(
                s,
                "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}{slow}</td>\
                 <td>{after}</td></tr>",
                k + 1,
                esc(st.broker),
                ts.at(st.start),
                ts.end(st.start, st.end),
                human_duration(st.end - st.start)
            );
        }
        s.push_str("</table>\n");
    }
    // The anomalies.
    if !a.findings.is_empty() {
        s.push_str("<h2>Anomalies</h2>");
        for (k, f) in a.findings.iter().enumerate() {
            let (class, sev) = match f.severity {
                Severity::Critical => ("critical", "<span class=\"bad\">CRITICAL</span>"),
                Severity::Warning => ("warning", "<span class=\"warn\">WARNING</span>"),
            };
            let who: Vec<String> = f
                .brokers
                .iter()
                .map(|b| format!("broker {}", esc(b)))
                .chain(f.clients.iter().map(|c| format!("client {}", esc(c))))
                .collect();
            let _ = writeln!(
                s,
                "<article id=\"a-{k}\" class=\"{class}\"><b>{}.</b> {sev} <code>{}</code>: {}\
                 <div class=\"meta\">{} → {}{}</div><div><b>Advice:</b> {}</div>{}</article>",
                k + 1,
                f.kind.as_str(),
                esc(&f.message),
                esc(&rfc3339(f.start, z)),
                ts.end(f.start, f.end),
                if who.is_empty() { String::new() } else { format!("; {}", who.join(", ")) },
                esc(&f.advice),
                ev_list(a, &f.evidence)
            );
        }
    }
    // The windows, each a link target of its bar.
    if !a.timelines.is_empty() {
        s.push_str(
            "<h2>Broker windows</h2><table><tr><th>broker</th><th>out</th><th>back</th><th>duration</th>\
             <th>events</th><th>kinds</th><th>clients</th><th>ended</th><th>evidence</th></tr>",
        );
        for (k, t) in a.timelines.iter().enumerate() {
            let broker = t.broker.as_deref().map_or("<i>none named</i>".to_string(), esc);
            let hosts = esc(&t.hosts.join(", "));
            for (j, w) in t.windows.iter().enumerate() {
                let kinds = w.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ");
                let clients = w.clients.iter().map(|c| esc(c)).collect::<Vec<_>>().join(", ");
                let ended = match (w.open, w.ended_by) {
                    (true, _) => "<span class=\"bad\">still out at end of logs</span>",
                    (false, Some(EndedBy::Recovery)) => "recovery seen",
                    _ => "last symptom",
                };
                let _ = write!(
                    s,
                    "<tr id=\"w-{k}-{j}\"><td title=\"{hosts}\">{broker}</td><td>{}</td><td>{}</td>\
                     <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{clients}</td><td>{ended}</td>\
                     <td>{}</td></tr>",
                    ts.at(w.start),
                    ts.end(w.start, w.end),
                    human_duration(w.duration()),
                    w.events,
                    esc(&kinds),
                    ev_list(a, &w.evidence)
                );
            }
        }
        s.push_str("</table>\n");
    }
    // Clients.
    if !a.clients.is_empty() {
        s.push_str(
            "<h2>Clients</h2><table><tr><th>client</th><th>role</th><th>disrupted</th><th>retries</th>\
             <th>records lost</th><th>failed</th><th>recovered</th></tr>",
        );
        for c in &a.clients {
            let lost = c.records_lost.iter().map(|(tp, n)| format!("{tp} ({n})")).collect::<Vec<_>>().join(", ");
            let rec = match (c.recovered, c.recovered_at) {
                (Some(true), Some(t)) => format!("by {}", ts.at(t)),
                (None, _) => "not visible (WARN-only log)".to_string(),
                _ => "<span class=\"warn\">no sign before its logs end</span>".to_string(),
            };
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"bad\">{}</td>\
                 <td class=\"n\">{}</td><td>{rec}</td></tr>",
                esc(&c.client),
                c.role.map_or("", |r| r.as_str()),
                human_duration(c.disrupted_ms),
                c.retries,
                esc(&lost),
                c.failed
            );
        }
        s.push_str("</table>\n");
    }
    // Blind spots.
    if !a.blind_spots.is_empty() {
        s.push_str("<h2>Blind spots</h2><ul>");
        for b in &a.blind_spots {
            let who = b.input.map_or(String::new(), |i| format!("<code>{}</code>: ", esc(a.input_name(i))));
            let _ = write!(s, "<li>{who}{}</li>", esc(&b.message));
        }
        s.push_str("</ul>\n");
    }
    // Inputs.
    s.push_str("<h2>Inputs</h2><ul>");
    for i in &a.inputs {
        let _ = write!(
            s,
            "<li><code>{}</code>: {}, {}, {}",
            esc(&i.name),
            esc(i.format.as_deref().unwrap_or("layout unknown")),
            esc(&super::extent(i)),
            plural(i.events, "event", "events")
        );
        for e in &i.errors {
            let at = e.line.map_or(String::new(), |l| format!("line {l}: "));
            let _ = write!(s, "<br><span class=\"warn\">problem:</span> {}", esc(&format!("{at}{}", e.message)));
        }
        s.push_str("</li>");
    }
    let _ = write!(
        s,
        "</ul>\n<p class=\"meta\">Report by rollcall {}; verdict <code>{}</code>.</p>\n</body></html>\n",
        env!("CARGO_PKG_VERSION"),
        a.verdict.as_str()
    );
    out.write_all(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esc_turns_markup_and_controls_into_text() {
        assert_eq!(esc("<script>alert('x')</script>"), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
        assert_eq!(esc("a\"b&c"), "a&quot;b&amp;c");
        assert_eq!(esc("\x1b]0;title\x07"), "\u{fffd}]0;title\u{fffd}");
        assert_eq!(esc("é<ü>&\u{202e}"), "é&lt;ü&gt;&amp;\u{fffd}");
    }

    proptest::proptest! {
        /// Escaping in runs writes what escaping a character at a time
        /// wrote (the form it replaced, kept as the reference).
        #[test]
        fn esc_in_runs_is_esc_by_character(s in "(?s).{0,40}") {
            let by_char: String = printable(&s)
                .chars()
                .map(|c| match c {
                    '&' => "&amp;".to_string(),
                    '<' => "&lt;".to_string(),
                    '>' => "&gt;".to_string(),
                    '"' => "&quot;".to_string(),
                    '\'' => "&#39;".to_string(),
                    c => c.to_string(),
                })
                .collect();
            proptest::prop_assert_eq!(esc(&s), by_char);
        }
    }

    #[test]
    fn ticks_are_round_and_few() {
        let sc = Scale { t0: 0, t1: 13 * 60_000 };
        assert_eq!(sc.step(), 120_000);
        let sc = Scale { t0: 0, t1: 5_000 };
        assert_eq!(sc.step(), 1_000);
        let sc = Scale { t0: 0, t1: 30 * 86_400_000 };
        assert!(30 * 86_400_000 / sc.step() <= 10);
        assert_eq!(sc.span(0, 0).1, MIN_BAR);
    }

    #[test]
    fn a_thinned_run_is_spread_over_the_bins_it_spans() {
        let mut bins = vec![0; 10];
        add_run(&mut bins, 2, 6, 12);
        assert_eq!(bins.iter().sum::<usize>(), 12, "every line counted once");
        assert_eq!(&bins[..2], [0, 0]);
        assert_eq!(&bins[7..], [0, 0, 0]);
        assert!(bins[2..=6].iter().all(|&n| n >= 2), "first, last and between: {bins:?}");
        // A lone event, or a run within one bin, stays where its line is.
        let mut bins = vec![0; 4];
        add_run(&mut bins, 1, 1, 5);
        add_run(&mut bins, 0, 3, 1);
        assert_eq!(bins, [0, 5, 0, 1]);
        // Two lines: one at each end.
        let mut bins = vec![0; 4];
        add_run(&mut bins, 0, 3, 2);
        assert_eq!(bins, [1, 0, 0, 1]);
    }

    #[test]
    fn shorten_keeps_both_ends() {
        assert_eq!(shorten("consumer-orders-processor-1", 30), "consumer-orders-processor-1");
        let s = shorten("consumer-orders-processor-with-a-long-name-17", 20);
        assert_eq!(s.chars().count(), 20);
        assert!(s.starts_with("consumer-o") && s.ends_with("name-17"), "{s}");
    }
}
