//! The three log lines of the seed documents (`../shared/seeds/`, copied to
//! `fixtures/msk-seed/console.log`), piped on stdin plain and gzipped.

mod common;
use common::*;

fn check(out: &Out) {
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["verdict"], "expected_noise");
    assert_eq!(j["anomalies"], serde_json::json!([]));
    assert_eq!(j["inputs"][0]["format"], "kafka-log4j");
    assert_eq!(j["inputs"][0]["lines"], 3);
}

#[test]
fn seed_lines_on_stdin_are_expected_noise() {
    let seed = read("fixtures/msk-seed/console.log");
    check(&rollcall(&["--format", "json"], Some(&seed)));
    check(&rollcall(&["--format", "json", "-"], Some(&gzip(&seed))));
}

#[test]
fn seed_events_are_not_leader_and_connection_failed_for_broker_2() {
    let seed = read("fixtures/msk-seed/console.log");
    for input in [seed.clone(), gzip(&seed)] {
        let out = rollcall(&["--format", "events"], Some(&input));
        assert_eq!(out.code, 0);
        let evs: Vec<serde_json::Value> = out.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(evs.len(), 3);
        for e in &evs[..2] {
            assert_eq!(e["kind"], "not_leader");
            assert_eq!(e["topic_partition"], "mskversionupgradetest-0");
            assert_eq!(e["client"], "console-producer");
        }
        assert_eq!(evs[2]["kind"], "connection_failed");
        assert_eq!(evs[2]["broker"], "2");
        assert_eq!(evs[2]["node"], 2147483645);
        assert_eq!(evs[2]["line"], 3);
        assert_eq!(evs[2]["input"], "-");
    }
}

#[test]
fn seed_text_report_opens_with_the_verdict() {
    let seed = read("fixtures/msk-seed/console.log");
    let out = rollcall(&["--color", "never"], Some(&seed));
    assert!(out.stdout.starts_with("EXPECTED NOISE: broker 2 went out"), "{}", out.stdout);
    assert!(!out.stdout.contains('\x1b'));
}
