//! Many hosts (issue 6, item 5): `rollcall --format events` on each host,
//! one `rollcall *.ndjson` to correlate. The central analysis must give the
//! windows, anomalies and verdict of the analysis of the logs themselves,
//! with evidence naming the original logs and lines, except for what the
//! events cannot carry (client configuration dumps), which it must say.

mod common;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// A window as the tests compare it: broker, start, end, events, open, kinds.
type Win = (Value, String, String, u64, bool, String);

fn windows(j: &Value) -> Vec<Win> {
    let mut out = Vec::new();
    for b in j["brokers"].as_array().unwrap() {
        for w in b["windows"].as_array().unwrap() {
            out.push((
                b["broker"].clone(),
                w["start"].as_str().unwrap().to_string(),
                w["end"].as_str().unwrap().to_string(),
                w["events"].as_u64().unwrap(),
                w["open"].as_bool().unwrap(),
                w["kinds"].to_string(),
            ));
        }
    }
    out
}

fn anomaly_kinds(j: &Value) -> BTreeSet<String> {
    j["anomalies"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap().to_string()).collect()
}

/// Evidence of windows then anomalies, as (input, line), with `strip` cut
/// off the front of input names (the host qualifier).
fn evidence(j: &Value, strip: &dyn Fn(&str) -> Option<String>) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut take = |ev: &Value| {
        for e in ev.as_array().unwrap() {
            let input = e["input"].as_str().unwrap();
            let name = strip(input).unwrap_or_else(|| panic!("evidence names {input}"));
            out.push((name, e["line"].as_u64().unwrap()));
        }
    };
    for b in j["brokers"].as_array().unwrap() {
        for w in b["windows"].as_array().unwrap() {
            take(&w["evidence"]);
        }
    }
    // Findings read from configuration dumps point at the dump's line, which
    // is no event: `config_risk`, and a `single_bootstrap` whose
    // bootstrap.servers names one broker (it is still flagged centrally
    // from the client's behaviour, with that behaviour's lines).
    for a in j["anomalies"].as_array().unwrap() {
        if a["kind"] != "config_risk" && a["kind"] != "single_bootstrap" {
            take(&a["evidence"]);
        }
    }
    out
}

/// `rollcall --format events ARGS INPUTS > dir/host.ndjson`.
fn extract(args: &[String], inputs: &[&str], out: &Path) {
    let mut a: Vec<&str> = vec!["--format", "events"];
    a.extend(args.iter().map(String::as_str));
    a.extend(inputs);
    let o = rollcall(&a, None);
    assert!(o.code <= 1, "{inputs:?}: {}", o.stderr);
    std::fs::write(out, o.stdout).unwrap();
}

fn analyse(args: &[String], inputs: &[&str]) -> Out {
    let mut a: Vec<&str> = vec!["--format", "json"];
    a.extend(args.iter().map(String::as_str));
    a.extend(inputs);
    rollcall(&a, None)
}

/// (1) Every fixture: its events, read back, give the analysis of its logs.
/// The one documented difference: configuration dumps are not events, so
/// `config_risk` is not flagged centrally, and a blind spot says so.
#[test]
fn every_fixture_read_back_from_its_events_gives_the_same_analysis() {
    let dir = temp_dir("fleet-each");
    for name in fixtures() {
        let args = fixture_args(&name);
        let logs = format!("fixtures/{name}/");
        let ndjson = dir.join(format!("{name}.ndjson"));
        extract(&args, &[&logs], &ndjson);
        let raw = analyse(&args, &[&logs]);
        let central = analyse(&args, &[ndjson.to_str().unwrap()]);
        assert!(central.stderr.is_empty(), "{name}: {}", central.stderr);
        let (r, c) = (raw.json(), central.json());

        assert_eq!(windows(&c), windows(&r), "{name}: windows");
        let prefix = format!("{name}:");
        let strip = |s: &str| s.strip_prefix(&prefix).map(String::from);
        assert_eq!(evidence(&c, &strip), evidence(&r, &|s: &str| Some(s.to_string())), "{name}: evidence");

        let (rk, ck) = (anomaly_kinds(&r), anomaly_kinds(&c));
        let lost: BTreeSet<&String> = rk.difference(&ck).collect();
        assert!(ck.is_subset(&rk), "{name}: central anomalies {ck:?} not in {rk:?}");
        assert!(lost.iter().all(|k| *k == "config_risk"), "{name}: lost {lost:?}");
        let spots = c["blind_spots"].to_string();
        assert!(spots.contains("configuration dumps are not in the events"), "{name}: {spots}");
        if lost.is_empty() {
            assert_eq!(c["verdict"], r["verdict"], "{name}");
            assert_eq!(central.code, raw.code, "{name}");
        } else {
            // Only the configuration finding is missing: noise, not clean.
            assert_eq!(r["verdict"], "anomalous");
            let expect = if ck.is_empty() { "expected_noise" } else { "anomalous" };
            assert_eq!(c["verdict"], expect, "{name}");
            assert!(raw.stdout.contains("\"config_risk\""), "{name}");
        }
        // The logs of the central report are the host's, named after it.
        let named: Vec<&str> = c["inputs"].as_array().unwrap()[1..]
            .iter()
            .filter_map(|i| i["via"].as_str().map(|_| i["name"].as_str().unwrap()))
            .collect();
        assert!(!named.is_empty() || r["brokers"].as_array().unwrap().is_empty(), "{name}");
        assert!(named.iter().all(|n| n.starts_with(&prefix)), "{name}: {named:?}");
        let _ = std::fs::remove_file(&ndjson);
    }
}

/// (2) and (3) A roll seen by two hosts: each extracts its own log; one
/// process correlates both and finds what the logs together show, with
/// evidence naming each host's log and line.
#[test]
fn two_hosts_correlated_together_equal_all_logs_at_once() {
    let dir = temp_dir("fleet-two");
    for name in ["two-brokers-out", "coordinator-moves", "broker-never-back", "librdkafka-records-lost"] {
        let args = fixture_args(name);
        let producer = format!("fixtures/{name}/producer.log");
        let consumer = format!("fixtures/{name}/consumer.log");
        // Events of the same millisecond are ordered by input, so the hosts
        // are given in the order the directory lists their logs.
        let (a, b) = (dir.join("host-a.ndjson"), dir.join("host-b.ndjson"));
        extract(&args, &[&consumer], &a);
        extract(&args, &[&producer], &b);
        let raw = analyse(&args, &[&format!("fixtures/{name}/")]);
        let r = raw.json();
        // Small chunks and several threads: a host's NDJSON is cut into
        // many chunks whose origins must join one list.
        let mut cargs = args.clone();
        cargs.extend(["--chunk-size", "700", "--threads", "3"].map(String::from));
        let central = analyse(&cargs, &[a.to_str().unwrap(), b.to_str().unwrap()]);
        let c = central.json();
        assert_eq!(central.code, raw.code, "{name}: {}", central.stderr);
        assert_eq!(windows(&c), windows(&r), "{name}");
        assert_eq!(anomaly_kinds(&c), anomaly_kinds(&r), "{name}");
        assert_eq!(c["verdict"], r["verdict"], "{name}");
        // host-a read the consumer's log, host-b the producer's.
        let host = |s: &str| {
            s.strip_prefix("host-a:")
                .filter(|p| *p == consumer)
                .or_else(|| s.strip_prefix("host-b:").filter(|p| *p == producer))
                .map(String::from)
        };
        let ev = evidence(&c, &host);
        assert!(!ev.is_empty(), "{name}");
        assert_eq!(ev, evidence(&r, &|s: &str| Some(s.to_string())), "{name}: evidence lines");
        let names: Vec<&str> = c["inputs"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
        let (ha, hb) = (format!("host-a:{consumer}"), format!("host-b:{producer}"));
        assert!(names.contains(&ha.as_str()) && names.contains(&hb.as_str()), "{names:?}");
        // Per-client impact is judged the same way from the hosts' spans.
        let recovered = |j: &Value| -> Vec<String> {
            j["clients"].as_array().unwrap().iter().map(|c| format!("{} {}", c["client"], c["recovered"])).collect()
        };
        assert_eq!(recovered(&c), recovered(&r), "{name}");
    }
    // The text report an engineer pastes names the host, the log and the line.
    let (a, b) = (dir.join("host-a.ndjson"), dir.join("host-b.ndjson"));
    let text = rollcall(&["--color", "never", a.to_str().unwrap(), b.to_str().unwrap()], None);
    let raw = rollcall(&["--color", "never", "fixtures/librdkafka-records-lost/"], None);
    let first = |t: &str| t.lines().find(|l| l.contains("evidence:")).map(str::to_string).unwrap_or_default();
    let want = first(&raw.stdout)
        .replace(
            "fixtures/librdkafka-records-lost/consumer.log",
            "host-a:fixtures/librdkafka-records-lost/consumer.log",
        )
        .replace(
            "fixtures/librdkafka-records-lost/producer.log",
            "host-b:fixtures/librdkafka-records-lost/producer.log",
        );
    assert!(want.contains("host-"), "{}", raw.stdout);
    assert_eq!(first(&text.stdout), want);
}

/// (3) continued: `--format events` of the central process names the
/// original logs too, so its output can be correlated again (a region's
/// collector feeding a global one).
#[test]
fn events_of_events_keep_the_original_lines() {
    let dir = temp_dir("fleet-again");
    let name = "two-brokers-out";
    let a = dir.join("host-a.ndjson");
    extract(&[], &[&format!("fixtures/{name}/")], &a);
    let again = rollcall(&["--format", "events", a.to_str().unwrap()], None);
    assert_eq!(again.code, 1, "{}", again.stderr);
    let first: Vec<Value> =
        std::fs::read_to_string(&a).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let second: Vec<Value> = again.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(first.len(), second.len());
    for (x, y) in first.iter().zip(&second) {
        assert_eq!(y["input"].as_str().unwrap(), format!("host-a:{}", x["input"].as_str().unwrap()));
        for k in ["time", "kind", "line", "broker", "client", "node", "host", "input_end", "input_info"] {
            assert_eq!(x[k], y[k], "{k}: {x} / {y}");
        }
    }
}

/// (4) A damaged NDJSON line is named with its input and line, counted, and
/// the rest analysed; exit 2. Wrong types, huge numbers and non-JSON bytes
/// never panic.
#[test]
fn a_corrupted_line_is_named_and_the_rest_analysed() {
    let dir = temp_dir("fleet-bad");
    let name = "two-brokers-out";
    let good = dir.join("good.ndjson");
    extract(&[], &[&format!("fixtures/{name}/")], &good);
    let text = std::fs::read_to_string(&good).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let n = lines.len();
    assert!(n > 20);
    // Line 6 cut in the middle (a host that died while writing), line 9 with
    // a node id as a string, line 12 with a line number of 10^30, and raw
    // bytes that are no UTF-8 after the last line.
    let cut = lines[5].len() / 2;
    lines[5].truncate(cut);
    lines[8] = lines[8].replacen("\"kind\"", "\"node\":\"two\",\"kind\"", 1);
    lines[11] = lines[11].replacen("\"line\":", "\"line\":1000000000000000000000000000000,\"was\":", 1);
    let mut bad = lines.join("\n").into_bytes();
    bad.extend_from_slice(b"\n\xff\xfe{\"time\":\n");
    let path = dir.join("host-c.ndjson");
    std::fs::write(&path, &bad).unwrap();
    let out = analyse(&[], &[path.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let p = path.to_str().unwrap();
    for (line, what) in [(6, "not JSON"), (9, "`node`"), (12, "`line`")] {
        assert!(
            out.stderr.lines().any(|l| l.starts_with(&format!("rollcall: {p}:{line}: ")) && l.contains(what)),
            "line {line}: {}",
            out.stderr
        );
    }
    assert!(out.stderr.contains("2 such line(s)"), "the cut line and the raw bytes: {}", out.stderr);
    let j = out.json();
    let file = &j["inputs"][0];
    assert_eq!(file["name"], p);
    assert_eq!(file["errors"].as_array().unwrap().len(), 3, "{file}");
    let events: u64 = j["inputs"].as_array().unwrap().iter().map(|i| i["events"].as_u64().unwrap()).sum();
    assert_eq!(events as usize, n - 3, "every other line is analysed");
    // The rest still shows the roll's trouble.
    assert_eq!(j["verdict"], "anomalous");
    assert!(anomaly_kinds(&j).contains("overlapping_outage"));
}

/// The layout is found by itself and can be forced; `rollcall grammars`
/// lists it; a log forced as events is refused line by line, not misread.
#[test]
fn the_events_layout_is_detected_forced_and_listed() {
    let dir = temp_dir("fleet-layout");
    let e = dir.join("x.ndjson");
    extract(&[], &["fixtures/records-expired/"], &e);
    let auto = analyse(&[], &[e.to_str().unwrap()]).json();
    assert_eq!(auto["inputs"][0]["format"], "events");
    let forced = rollcall(&["--format", "json", "--layout", "events", e.to_str().unwrap()], None).json();
    assert_eq!(windows(&forced), windows(&auto));
    let list = rollcall(&["grammars"], None);
    assert!(list.stdout.lines().any(|l| l.trim_start().starts_with("events ")), "{}", list.stdout);
    let wrong = rollcall(&["--format", "json", "--layout", "events", "fixtures/records-expired/producer.log"], None);
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    assert!(wrong.stderr.contains("producer.log"), "{}", wrong.stderr);
}

/// Read from standard input (compressed, as `kubectl exec ... | gzip`
/// would bring it), the logs keep the names the host gave them, or are
/// qualified by `--label`.
#[test]
fn events_on_stdin_are_named_by_the_label() {
    let out = rollcall(&["--format", "events", "fixtures/records-expired/"], None);
    let gz = gzip(out.stdout.as_bytes());
    let plain = rollcall(&["--format", "json", "-"], Some(&gz)).json();
    let labelled = rollcall(&["--format", "json", "--label", "pod-7", "-"], Some(&gz)).json();
    let names = |j: &Value| -> Vec<String> {
        j["inputs"].as_array().unwrap()[1..].iter().map(|i| i["name"].as_str().unwrap().to_string()).collect()
    };
    assert!(names(&plain).iter().all(|n| n.starts_with("fixtures/records-expired/")), "{:?}", names(&plain));
    assert!(names(&labelled).iter().all(|n| n.starts_with("pod-7:fixtures/records-expired/")));
    assert_eq!(windows(&plain), windows(&labelled));
    assert!(!windows(&plain).is_empty());
}

/// `kubectl logs POD | rollcall --format events --label POD -`: the events
/// of a pipe are written as they are found, before the log's end is known,
/// so they carry no span of it, and librdkafka's second tellings (echoes)
/// are not dropped yet. The central process drops echoes per log and fills
/// lone clients as the host would have, so the windows are those of the
/// logs; it never calls a window open from such events, and says why.
#[test]
fn events_written_live_give_the_windows_and_never_claim_a_broker_never_came_back() {
    let dir = temp_dir("fleet-live");
    let live = |name: &str, log: &str| {
        let path = format!("fixtures/{name}/{log}");
        let out = rollcall(&["--format", "events", "--label", &path, "-"], Some(&read(&path)));
        assert!(out.code <= 1, "{}", out.stderr);
        assert!(!out.stdout.contains("input_end"), "a pipe's events are written before its end");
        let p = dir.join(format!("{log}.ndjson"));
        std::fs::write(&p, out.stdout).unwrap();
        p.to_str().unwrap().to_string()
    };
    let name = "librdkafka-records-lost";
    let (c, p) = (live(name, "consumer.log"), live(name, "producer.log"));
    let told_twice = std::fs::read_to_string(&p).unwrap().matches("\"echo\":true").count();
    assert!(told_twice > 5, "the producer's log tells failures twice: {told_twice}");
    let raw = analyse(&[], &[&format!("fixtures/{name}/")]).json();
    let central = analyse(&[], &[&c, &p]).json();
    assert_eq!(windows(&central), windows(&raw), "echoes dropped per log, as on the host");
    assert_eq!(anomaly_kinds(&central), anomaly_kinds(&raw));

    let name = "broker-never-back";
    let (c, p) = (live(name, "consumer.log"), live(name, "producer.log"));
    let with = analyse(&[], &[&format!("fixtures/{name}/")]).json();
    assert!(anomaly_kinds(&with).contains("broker_never_recovered"), "the fixture's point");
    let j = analyse(&[], &[&c, &p]).json();
    assert!(!anomaly_kinds(&j).contains("broker_never_recovered"));
    let shut = |w: &Vec<Win>| w.iter().map(|x| (x.0.clone(), x.1.clone(), x.2.clone(), x.3)).collect::<Vec<_>>();
    assert_eq!(shut(&windows(&j)), shut(&windows(&with)), "the same windows, none open");
    assert!(windows(&j).iter().all(|w| !w.4));
    let spots = j["blind_spots"].to_string();
    assert!(spots.contains("never decides that a window is still open"), "{spots}");
    // Where a log beside them shows INFO lines up to its end, that end is
    // observed, as for any WARN-only log beside an INFO one: the producer's
    // live events and the consumer's log give the two logs' result.
    let both = analyse(&[], &[&p, &format!("fixtures/{name}/consumer.log")]).json();
    assert_eq!(windows(&both), windows(&with));
    assert_eq!(anomaly_kinds(&both), anomaly_kinds(&with));
}

/// A long stream of many hosts' events is thinned as a log is, each log by
/// its own clock, while it streams (issue 4: bounded memory): past the
/// budget, the central analysis of one NDJSON of two hosts' interleaved
/// events still gives the windows, evidence, anomalies and verdict of the
/// logs themselves, read from a pipe or from the file.
#[test]
fn many_hosts_events_thinned_as_they_stream_give_what_the_logs_give() {
    let dir = temp_dir("fleet-thin");
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    for (host, seed) in [("a", "3"), ("b", "4")] {
        let gen = run(env!("CARGO_BIN_EXE_rollcall-gen"), &["bulk", "--bytes", "6M", "--seed", seed], None);
        std::fs::write(logs.join(format!("{host}.log")), &gen.stdout).unwrap();
    }
    let logs = logs.to_str().unwrap();
    let ndjson = dir.join("hosts.ndjson");
    extract(&[], &[logs], &ndjson);
    let events = std::fs::read(&ndjson).unwrap();
    let origins: BTreeSet<&str> =
        ["a.log", "b.log"].into_iter().filter(|l| String::from_utf8_lossy(&events).contains(*l)).collect();
    assert_eq!(origins.len(), 2, "one input naming both logs");
    let thin = ["--thin-after".to_string(), "0".to_string()];
    let raw = analyse(&thin, &[logs]);
    let r = raw.json();
    assert!(windows(&r).len() > 6, "the logs hold many windows");
    let piped = rollcall(&["--format", "json", "--thin-after", "0", "-"], Some(&events));
    let file = analyse(&thin, &[ndjson.to_str().unwrap()]);
    for central in [piped, file] {
        let c = central.json();
        assert_eq!(central.code, raw.code, "{}", central.stderr);
        assert_eq!(windows(&c), windows(&r));
        assert_eq!(anomaly_kinds(&c), anomaly_kinds(&r));
        assert_eq!(c["verdict"], r["verdict"]);
        let original = |s: &str| Some(s.rsplit_once(':').map_or(s, |(_, p)| p).to_string());
        assert_eq!(evidence(&c, &original), evidence(&r, &|s: &str| Some(s.to_string())));
        // Every event the host wrote is counted once, thinned or not.
        let counted: u64 = c["inputs"].as_array().unwrap().iter().filter_map(|i| i["events"].as_u64()).sum();
        assert_eq!(counted, events.iter().filter(|&&b| b == b'\n').count() as u64);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
