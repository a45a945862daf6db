//! The reports for people — text on a terminal, Markdown for a ticket, HTML
//! with an SVG timeline — against every fixture and against a hostile log:
//! a Kafka client line whose client id and message hold `<script>`, table
//! pipes, backticks, terminal escape sequences, a C1 control and a bidi
//! override. Whatever the medium, log text must arrive as text.

mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The hostile line, logged by the producer's Sender at WARN so that it
/// becomes an `unknown` event and an `unknown_warnings` anomaly.
const HOSTILE: &str = "[2024-02-06 10:41:35,001] WARN [Producer clientId=evil<script>alert(1)</script>|`x`\x1b[Hq] \
    Odd thing <script>alert(\"pwned\")</script> | a|b `tick` <img src=x onerror=alert(2)> \x1b[Hhome \x1b]title\x07 \
    \u{9b}csi \u{202e}cod.exe (org.apache.kafka.clients.producer.internals.Sender)\n";

/// A copy of the two-brokers-out producer log with the hostile line inside
/// broker 1's outage.
fn hostile_input() -> PathBuf {
    let dir = temp_dir("hostile");
    let log = String::from_utf8(read("fixtures/two-brokers-out/producer.log")).unwrap();
    let mut lines: Vec<&str> = log.split_inclusive('\n').collect();
    lines.insert(30, HOSTILE);
    let path = dir.join("producer.log");
    std::fs::write(&path, lines.concat()).unwrap();
    path
}

fn run_on(path: &Path, format: &str, extra: &[&str]) -> Out {
    let p = path.display().to_string();
    let mut args = vec!["--format", format];
    args.extend_from_slice(extra);
    args.push(&p);
    rollcall(&args, None)
}

/// Nothing that a terminal or a browser would act on instead of showing.
fn assert_no_controls(what: &str, s: &str) {
    for c in s.chars() {
        let bad = (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        assert!(!bad, "{what}: control character U+{:04X} in the output", c as u32);
    }
}

fn windows(j: &Value) -> usize {
    j["brokers"].as_array().unwrap().iter().map(|b| b["windows"].as_array().unwrap().len()).sum()
}

#[test]
fn the_hostile_line_is_an_unknown_warning_in_the_analysis() {
    let j = run_on(&hostile_input(), "json", &[]).json();
    let msgs: Vec<&str> = j["anomalies"].as_array().unwrap().iter().map(|a| a["message"].as_str().unwrap()).collect();
    assert!(msgs.iter().any(|m| m.contains("<script>") && m.contains('\u{202e}')), "{msgs:?}");
    let clients: Vec<&str> = j["clients"].as_array().unwrap().iter().map(|c| c["client"].as_str().unwrap()).collect();
    assert!(clients.iter().any(|c| c.contains("<script>") && c.contains('\x1b')), "{clients:?}");
}

#[test]
fn markdown_has_verdict_roll_table_anomalies_with_evidence_and_blind_spots() {
    for name in fixtures() {
        let j = run_fixture(&name, "json").json();
        let md = run_fixture(&name, "markdown");
        let m = &md.stdout;
        let label = match j["verdict"].as_str().unwrap() {
            "anomalous" => "ANOMALOUS",
            "expected_noise" => "EXPECTED NOISE",
            _ => "CLEAN",
        };
        assert!(m.starts_with(&format!("## rollcall: {label}\n")), "{name}: {m}");
        let steps = j["roll"]["steps"].as_array().unwrap();
        if !steps.is_empty() {
            let table: Vec<&str> = m
                .split("### Roll sequence")
                .nth(1)
                .unwrap_or_else(|| panic!("{name}: no roll sequence"))
                .lines()
                .skip_while(|l| !l.starts_with("| #"))
                .take_while(|l| l.starts_with('|'))
                .collect();
            assert_eq!(table.len(), steps.len() + 2, "{name}: header, rule and one row per step");
            for (row, step) in table[2..].iter().zip(steps) {
                assert!(row.contains(&format!("| {} |", step["broker"].as_str().unwrap())), "{name}: {row}");
            }
        }
        for a in j["anomalies"].as_array().unwrap() {
            assert!(m.contains(&format!("`{}`", a["kind"].as_str().unwrap())), "{name}: {}", a["kind"]);
            for e in a["evidence"].as_array().unwrap() {
                let at = format!("`{}:{}`", e["input"].as_str().unwrap(), e["line"]);
                assert!(m.contains(&at), "{name}: evidence {at} missing");
            }
        }
        let plain = unescape(m);
        for a in j["anomalies"].as_array().unwrap() {
            let msg = a["message"].as_str().unwrap();
            assert!(plain.contains(msg) && plain.contains(a["advice"].as_str().unwrap()), "{name}: {msg}");
        }
        for b in j["blind_spots"].as_array().unwrap() {
            let msg = b["message"].as_str().unwrap();
            assert!(plain.contains(msg), "{name}: blind spot {msg}");
        }
        assert_eq!(md.code, if j["anomalies"].as_array().unwrap().is_empty() { 0 } else { 1 }, "{name}");
        assert_no_controls(&name, m);
    }
}

/// Markdown source as it reads once rendered: backslash escapes removed.
fn unescape(m: &str) -> String {
    let mut out = String::with_capacity(m.len());
    let mut chars = m.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&n) if c == '\\' && n.is_ascii_punctuation() => {
                out.push(n);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

#[test]
fn markdown_shows_hostile_log_text_as_text() {
    let out = run_on(&hostile_input(), "markdown", &[]);
    let m = &out.stdout;
    assert_no_controls("markdown", m);
    assert!(m.contains("\\<script\\>"), "{m}");
    // Every `<` is escaped, but for the report's own <details> around the inputs.
    for (i, _) in m.match_indices('<') {
        let ours = ["<details>", "</details>", "<summary>", "</summary>"].iter().any(|t| m[i..].starts_with(t));
        assert!(ours || m[..i].ends_with('\\'), "unescaped < at {}", &m[i..(i + 20).min(m.len())]);
    }
    // Every table row has as many cell separators as its header.
    let mut cells = None;
    for l in m.lines() {
        if !l.starts_with('|') {
            cells = None;
            continue;
        }
        let n = l.match_indices('|').filter(|(i, _)| !l[..*i].ends_with('\\')).count();
        match cells {
            None => cells = Some(n),
            Some(h) => assert_eq!(n, h, "a log text split a table cell: {l}"),
        }
    }
}

#[test]
fn html_has_a_bar_per_window_and_a_mark_per_anomaly() {
    for name in fixtures() {
        let j = run_fixture(&name, "json").json();
        let h = run_fixture(&name, "html").stdout;
        assert!(h.starts_with("<!DOCTYPE html>") && h.ends_with("</html>\n"), "{name}");
        assert_eq!(h.matches("<rect class=\"bar").count(), windows(&j), "{name}: bars");
        assert_eq!(h.matches("<rect class=\"mark ").count(), j["anomalies"].as_array().unwrap().len(), "{name}");
        for b in j["brokers"].as_array().unwrap() {
            if let Some(id) = b["broker"].as_str() {
                assert!(h.contains(&format!("data-broker=\"{id}\"")), "{name}: broker {id} has no bar");
            }
        }
        for c in j["clients"].as_array().unwrap() {
            assert!(h.contains(&format!("<title>events of {} over time", c["client"].as_str().unwrap())), "{name}");
        }
        // A bar's tooltip keeps its lines: the span, the events, the
        // clients, then each evidence line (escaping the whole tooltip once
        // ran them together with replacement characters).
        let titles = |class: &str| -> Vec<String> {
            h.split(class)
                .skip(1)
                .map(|r| r[r.find("<title>").unwrap() + 7..r.find("</title>").unwrap()].to_string())
                .collect()
        };
        for t in titles("<rect class=\"bar") {
            let lines: Vec<&str> = t.lines().collect();
            assert!(lines.len() >= 4, "{name}: {t}");
            assert!(lines[1].contains(" events: ") && lines[2].starts_with("clients: "), "{name}: {t}");
            assert!(!lines[0].contains('\u{fffd}'), "{name}: {t}");
        }
        for t in titles("<rect class=\"mark ") {
            assert!(t.lines().count() >= 2 && !t.lines().next().unwrap().ends_with('\u{fffd}'), "{name}: {t}");
        }
        // Self-contained: nothing is fetched (the SVG namespace is a name, not a fetch).
        let fetches = h.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        for needle in ["http://", "https://", " src=", "<link", "<script", "@import"] {
            assert!(!fetches.contains(needle), "{name}: {needle}");
        }
        assert_no_controls(&name, &h);
    }
}

#[test]
fn html_shows_hostile_log_text_as_text() {
    let h = run_on(&hostile_input(), "html", &[]).stdout;
    assert_no_controls("html", &h);
    let lower = h.to_lowercase();
    assert!(!lower.contains("<script") && !lower.contains("<img"), "markup from the log got through");
    assert!(h.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"), "the message is shown as text");
    assert!(h.contains("evil&lt;script&gt;alert(1)&lt;/script&gt;|`x`\u{fffd}[Hq"), "the client id is shown as text");
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|b| {
        std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(b)).find(|p| p.is_file())
    })
}

/// The page as Chromium builds it (`--dump-dom`): what a reader gets.
fn dump_dom(chrome: &Path, html: &Path) -> String {
    let profile = temp_dir(&format!("chromium-{}", html.file_stem().unwrap().to_string_lossy()));
    let out = Command::new("timeout")
        .arg("120")
        .arg(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(out.status.success(), "chromium failed on {}: {}", html.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_fixtures_html_renders_in_headless_chromium() {
    let Some(chrome) = chromium() else {
        eprintln!("SKIPPED: no chromium on PATH (apt-get install -y chromium); the HTML was not rendered");
        return;
    };
    let dir = temp_dir("html");
    let mut pages: Vec<(String, usize, PathBuf)> = Vec::new();
    for name in fixtures() {
        let j = run_fixture(&name, "json").json();
        let path = dir.join(format!("{name}.html"));
        std::fs::write(&path, run_fixture(&name, "html").stdout).unwrap();
        pages.push((name, windows(&j), path));
    }
    let hostile = hostile_input();
    let path = dir.join("hostile.html");
    std::fs::write(&path, run_on(&hostile, "html", &[]).stdout).unwrap();
    pages.push(("hostile".into(), windows(&run_on(&hostile, "json", &[]).json()), path));
    for (name, windows, path) in pages {
        let dom = dump_dom(&chrome, &path);
        assert!(dom.contains("<svg"), "{name}: no timeline in the DOM");
        assert_eq!(dom.matches("<rect class=\"bar").count(), windows, "{name}: the DOM lacks broker bars");
        assert!(!dom.to_lowercase().contains("<script"), "{name}: a script element in the DOM");
        if name == "hostile" {
            assert!(dom.contains("&lt;script&gt;alert("), "the hostile text is in the DOM as text");
            assert!(!dom.to_lowercase().contains("<img"), "the hostile <img> became an element");
        }
    }
}

#[test]
fn text_never_passes_control_bytes_from_logs() {
    let path = hostile_input();
    let plain = run_on(&path, "text", &["--color", "never"]).stdout;
    assert_no_controls("text", &plain);
    assert!(plain.contains("\u{fffd}[Hhome"), "{plain}");
    let coloured = run_on(&path, "text", &["--color", "always"]).stdout;
    // The only escape sequences are our colours: ESC [ digits/semicolons m.
    for (i, _) in coloured.match_indices('\x1b') {
        let rest = &coloured[i + 1..];
        let sgr = rest.strip_prefix('[').and_then(|r| r.split_once('m')).map(|(p, _)| p);
        assert!(
            sgr.is_some_and(|p| p.chars().all(|c| c.is_ascii_digit() || c == ';')),
            "not a colour: {:?}",
            &rest[..rest.len().min(12)]
        );
    }
    assert_no_controls("coloured text without its colours", &strip_sgr(&coloured));
    assert!(!coloured.contains('\u{202e}') && !coloured.contains('\u{9b}'));
}

fn strip_sgr(s: &str) -> String {
    let mut out = String::new();
    let mut esc = false;
    for c in s.chars() {
        match (esc, c) {
            (false, '\x1b') => esc = true,
            (true, 'm') => esc = false,
            (true, _) => {}
            (false, c) => out.push(c),
        }
    }
    out
}

#[test]
fn text_fits_the_width_and_loses_nothing() {
    for name in ["two-brokers-out", "config-risk", "unknown-warnings"] {
        let dir = format!("fixtures/{name}/");
        let full = rollcall(&["--color", "never", &dir], None).stdout;
        let narrow = rollcall(&["--color", "never", "--width", "60", &dir], None).stdout;
        for l in narrow.lines() {
            assert!(l.chars().count() <= 60, "{name}: {} columns: {l}", l.chars().count());
        }
        let squash = |s: &str| s.split_whitespace().collect::<String>();
        assert_eq!(squash(&narrow), squash(&full), "{name}: wrapping lost or changed text");
        assert!(full.lines().any(|l| l.chars().count() > 60), "{name}: nothing needed wrapping");
        // Wrapped with colours, the visible text is the same.
        let coloured = rollcall(&["--color", "always", "--width", "60", &dir], None).stdout;
        assert_eq!(strip_sgr(&coloured), narrow, "{name}");
    }
}

/// Runs `sh -c script` on a pseudo-terminal (util-linux `script`), as a user
/// at a terminal would; None when `script` is not installed.
fn on_a_terminal(script: &str, no_color: Option<&str>) -> Option<String> {
    let bin = env!("CARGO_BIN_EXE_rollcall");
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &script.replace("ROLLCALL", bin), "/dev/null"]).current_dir(root());
    cmd.env_remove("NO_COLOR");
    if let Some(v) = no_color {
        cmd.env("NO_COLOR", v);
    }
    let out = cmd.output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n"))
}

#[test]
fn on_a_terminal_colour_is_auto_and_honours_no_color_and_the_width_is_the_terminals() {
    let run = "stty rows 40 cols 72; ROLLCALL fixtures/two-brokers-out/";
    let Some(auto) = on_a_terminal(run, None) else {
        eprintln!("SKIPPED: no util-linux `script` to run rollcall on a pseudo-terminal");
        return;
    };
    assert!(auto.contains("\x1b[1;31mANOMALOUS:"), "a terminal gets colours: {auto}");
    for l in strip_sgr(&auto).lines() {
        assert!(l.chars().count() <= 72, "wider than the terminal: {l}");
    }
    let no_color = on_a_terminal(run, Some("1")).unwrap();
    assert!(!no_color.contains('\x1b') && no_color.contains("ANOMALOUS:"), "NO_COLOR=1: {no_color}");
    let empty = on_a_terminal(run, Some("")).unwrap();
    assert!(empty.contains('\x1b'), "an empty NO_COLOR does not count");
    let forced = on_a_terminal("ROLLCALL --color never fixtures/two-brokers-out/", None).unwrap();
    assert!(!forced.contains('\x1b'));
    let piped = rollcall(&["fixtures/two-brokers-out/"], None).stdout;
    assert!(!piped.contains('\x1b'), "a pipe gets no colours");
    assert!(piped.lines().any(|l| l.chars().count() > 72), "a pipe is not wrapped");
}
