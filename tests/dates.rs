//! Times in the human reports carry their date when the analysis spans
//! more than one day (a night-time roll across midnight), and stay clocks
//! alone within one day. The log is written here: a Spring Boot consumer
//! whose brokers go out before, across and after midnight.

mod common;
use common::*;
use rollcall::timefmt::{rfc3339, Zone};
use std::path::{Path, PathBuf};

const MIN: i64 = 60_000;

/// A consumer's log from `start` (UTC milliseconds) for 25 minutes: an
/// INFO line each minute, broker 1 out at +0:30 and again at +20:00,
/// broker 2 out from +9:56 to +10:04. Timestamps carry `Z`, so `--tz`
/// changes only the zone the report is written in.
fn log_from(start: i64, tag: &str) -> PathBuf {
    let line = |t: i64, level: &str, class: &str, msg: &str| {
        format!(
            "{}  {level} 1 --- [orders-service] [ntainer#0-0-C-1] {class:<40} : [Consumer clientId=consumer-orders-1, groupId=orders] {msg}\n",
            rfc3339(t, &Zone::default())
        )
    };
    let info = |t: i64| line(t, "INFO", "o.a.k.c.c.internals.ConsumerCoordinator", "Successfully joined group");
    let down = |t: i64, node: u32| {
        line(
            t,
            "WARN",
            "org.apache.kafka.clients.NetworkClient",
            &format!(
                "Connection to node {node} (b-{node}.demo-cluster.abc123.c2.kafka.us-east-1.amazonaws.com/10.0.{node}.1{node}:9094) could not be established. Node may not be available."
            ),
        )
    };
    let mut lines: Vec<(i64, String)> = (0..=25).map(|m| (start + m * MIN, info(start + m * MIN))).collect();
    for (from, node) in [(30_000, 1), (9 * MIN + 56_000, 2), (20 * MIN, 1)] {
        lines.extend((0..=4).map(|k| (start + from + k * 2_000, down(start + from + k * 2_000, node))));
    }
    lines.sort_by_key(|(t, _)| *t);
    let path = temp_dir(tag).join("app.log");
    std::fs::write(&path, lines.into_iter().map(|(_, l)| l).collect::<String>()).unwrap();
    path
}

/// 2024-02-06 at `hh:mm` UTC, in milliseconds.
fn feb6(hh: i64, mm: i64) -> i64 {
    1_707_177_600_000 + hh * 3_600_000 + mm * MIN
}

fn report(path: &Path, format: &str, tz: &str) -> Out {
    let out = rollcall(&["--format", format, "--color", "never", "--tz", tz, path.to_str().unwrap()], None);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    out
}

fn repeated_message(j: &serde_json::Value) -> String {
    let a = j["anomalies"].as_array().unwrap();
    let r = a.iter().find(|a| a["kind"] == "repeated_outage").unwrap_or_else(|| panic!("no repeated_outage: {j:#}"));
    r["message"].as_str().unwrap().to_string()
}

#[test]
fn a_roll_across_midnight_dates_its_times_in_every_report() {
    assert_eq!(rfc3339(feb6(23, 50), &Zone::default()), "2024-02-06T23:50:00.000Z");
    let log = log_from(feb6(23, 50), "dates-midnight");

    let text = report(&log, "text", "UTC").stdout;
    // The summary line, the window across midnight, a window the next day
    // (its end on its start's day: the clock alone), the headline message.
    for want in [
        "2024-02-06 23:50:00.000 → 2024-02-07 00:15:00.000 (25m00s); times in UTC",
        "2024-02-06 23:59:56.000 → 2024-02-07 00:00:04.000",
        "2024-02-07 00:10:00.000 → 00:10:08.000",
        "broker 1 went out 2 times (at 2024-02-06 23:50:30.000, 2024-02-07 00:10:00.000)",
    ] {
        assert!(text.contains(want), "text lacks {want:?}:\n{text}");
    }
    // No time of the next day is written as a bare clock: each start of
    // broker 1's second window carries its date.
    let dated = text.matches("2024-02-07 00:10:00.000").count();
    assert_eq!(text.matches("00:10:00.000").count(), dated, "{text}");
    assert!(dated >= 4, "roll, timeline, headline and anomaly: {text}");

    let j = report(&log, "json", "UTC").json();
    assert!(repeated_message(&j).ends_with("(at 2024-02-06 23:50:30.000, 2024-02-07 00:10:00.000)"), "{j:#}");
    // The contract's RFC 3339 fields are as they were.
    assert_eq!(j["time_range"]["start"], "2024-02-06T23:50:00.000Z");
    assert_eq!(j["time_range"]["end"], "2024-02-07T00:15:00.000Z");

    let md = report(&log, "markdown", "UTC").stdout;
    assert!(md.contains("| 2024-02-07 00:10:00.000 | 00:10:08.000 |"), "{md}");
    assert!(md.contains("| 2024-02-06 23:59:56.000 | 2024-02-07 00:00:04.000 |"), "{md}");
    let html = report(&log, "html", "UTC").stdout;
    assert!(html.contains("<td>2024-02-07 00:10:00.000</td><td>00:10:08.000</td>"), "{html}");
    // The axis marks where the next day begins.
    assert!(html.contains(">2024-02-07</text>"), "{html}");
}

#[test]
fn a_one_day_roll_keeps_clocks_alone_and_a_zone_decides_the_day() {
    // 09:50Z → 10:15Z: one day in UTC; 23:50 → 00:15 in Kiritimati (+14).
    let log = log_from(feb6(9, 50), "dates-zone");
    let text = report(&log, "text", "UTC").stdout;
    assert!(text.contains("2024-02-06 09:50:00.000 → 10:15:00.000 (25m00s); times in UTC"), "{text}");
    assert!(text.contains("(at 09:50:30.000, 10:10:00.000)"), "{text}");
    // The summary line states the day, once; nothing else does.
    assert_eq!(text.matches("2024-02-").count(), 1, "{text}");

    let text = report(&log, "text", "Pacific/Kiritimati").stdout;
    assert!(
        text.contains("2024-02-06 23:50:00.000 → 2024-02-07 00:15:00.000 (25m00s); times in Pacific/Kiritimati"),
        "{text}"
    );
    let j = report(&log, "json", "Pacific/Kiritimati").json();
    assert!(repeated_message(&j).ends_with("(at 2024-02-06 23:50:30.000, 2024-02-07 00:10:00.000)"), "{j:#}");
    assert_eq!(j["time_range"]["start"], "2024-02-06T23:50:00.000+14:00");
}

#[test]
fn follow_dates_its_lines_once_the_input_has_crossed_midnight() {
    let log = log_from(feb6(23, 50), "dates-follow");
    let input = std::fs::read(&log).unwrap();
    let out = rollcall(&["--follow", "--color", "never", "-"], Some(&input));
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    // By 00:10 the input has shown both days: the line says which one.
    let live: Vec<&str> = out.stdout.lines().take_while(|l| !l.starts_with("ANOMALOUS")).collect();
    assert!(live.iter().any(|l| l.starts_with("2024-02-07 00:10:00.000  broker 1 OUT")), "{live:#?}");
    assert!(
        live.iter()
            .any(|l| l.starts_with("2024-02-07 00:10:08.000  broker 1 BACK") && l.contains("since 00:10:00.000")),
        "{live:#?}"
    );
}
