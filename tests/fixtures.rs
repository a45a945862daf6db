//! Fixture snapshots: every `fixtures/NAME/` is analysed as a user would
//! (`rollcall --format json [args] fixtures/NAME/`) and its JSON compared with
//! `tests/expected/NAME.json`. Review a change with
//! `ROLLCALL_BLESS=1 cargo test --release --test fixtures` and `git diff`.

mod common;
use common::*;

/// What each scenario must give, independent of the snapshot.
const EXPECT: &[(&str, &str, &[&str], i32)] = &[
    ("clean-roll", "expected_noise", &[], 0),
    ("two-brokers-out", "anomalous", &["overlapping_outage"], 1),
    ("broker-never-back", "anomalous", &["broker_never_recovered"], 1),
    ("records-expired", "anomalous", &["records_lost"], 1),
    ("msk-seed", "expected_noise", &[], 0),
];

#[test]
fn every_fixture_matches_its_snapshot() {
    let bless = std::env::var_os("ROLLCALL_BLESS").is_some();
    let mut failures = Vec::new();
    for name in fixtures() {
        let out = run_fixture(&name, "json");
        let path = root().join("tests/expected").join(format!("{name}.json"));
        if bless {
            std::fs::write(&path, &out.stdout).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("no snapshot {}", path.display()));
        if want != out.stdout {
            failures.push(format!("{name}: output differs from {} (bless and review the diff)", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_fixture_has_its_verdict_anomalies_and_exit_code() {
    let names = fixtures();
    for (name, verdict, anomalies, code) in EXPECT {
        assert!(names.iter().any(|n| n == name), "fixture {name} is missing");
        let out = run_fixture(name, "json");
        let j = out.json();
        assert_eq!(j["verdict"], *verdict, "{name}");
        assert_eq!(kinds(&j), anomalies.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{name}");
        assert_eq!(out.code, *code, "{name}: {}", out.stderr);
        assert!(out.stderr.is_empty(), "{name}: {}", out.stderr);
    }
    for n in &names {
        assert!(EXPECT.iter().any(|(e, ..)| e == n), "fixture {n} has no expectation in tests/fixtures.rs");
    }
}

#[test]
fn clean_roll_shows_three_brokers_one_at_a_time() {
    let j = run_fixture("clean-roll", "json").json();
    let brokers: Vec<&str> =
        j["brokers"].as_array().unwrap().iter().map(|b| b["broker"].as_str().unwrap_or("null")).collect();
    assert_eq!(brokers, vec!["1", "2", "3"]);
    let mut last_end = String::new();
    for b in j["brokers"].as_array().unwrap() {
        let w = b["windows"].as_array().unwrap();
        assert_eq!(w.len(), 1, "each broker restarts once");
        assert_eq!(w[0]["open"], false);
        assert!(w[0]["start"].as_str().unwrap() > last_end.as_str(), "windows do not overlap");
        last_end = w[0]["end"].as_str().unwrap().to_string();
        assert!(b["hosts"][0].as_str().unwrap().starts_with(&format!("b-{}.", b["broker"].as_str().unwrap())));
    }
}

#[test]
fn overlap_names_the_two_brokers_with_evidence_in_both_logs() {
    let j = run_fixture("two-brokers-out", "json").json();
    let a = &j["anomalies"][0];
    assert_eq!(a["kind"], "overlapping_outage");
    assert_eq!(a["severity"], "critical");
    assert_eq!(a["brokers"], serde_json::json!(["2", "3"]));
    let inputs: std::collections::BTreeSet<&str> =
        a["evidence"].as_array().unwrap().iter().map(|e| e["input"].as_str().unwrap()).collect();
    assert!(inputs.len() == 2, "evidence from both clients: {inputs:?}");
}

#[test]
fn records_lost_counts_records_per_partition_for_the_producer() {
    let j = run_fixture("records-expired", "json").json();
    let a = &j["anomalies"][0];
    assert_eq!(a["kind"], "records_lost");
    assert_eq!(a["clients"], serde_json::json!(["console-producer"]));
    assert_eq!(a["brokers"], serde_json::json!(["3"]), "expired during broker 3's outage");
    let msg = a["message"].as_str().unwrap();
    assert!(msg.contains("record(s)") && msg.contains("orders-"), "{msg}");
    for e in a["evidence"].as_array().unwrap() {
        assert_eq!(e["input"], "fixtures/records-expired/producer.log");
    }
}

#[test]
fn never_back_window_is_open_and_others_are_closed() {
    let j = run_fixture("broker-never-back", "json").json();
    for b in j["brokers"].as_array().unwrap() {
        for w in b["windows"].as_array().unwrap() {
            let open = b["broker"] == "2";
            assert_eq!(w["open"], open, "broker {}", b["broker"]);
            assert_eq!(w["ended_by"].is_null(), open);
        }
    }
}

#[test]
fn fixtures_are_what_the_seeded_generator_makes() {
    for (name, ..) in EXPECT.iter().filter(|(n, ..)| *n != "msk-seed") {
        let dir = temp_dir(&format!("gen-{name}"));
        let out = run(env!("CARGO_BIN_EXE_rollcall-gen"), &["scenario", name, dir.to_str().unwrap()], None);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        files.sort();
        for f in &files {
            let fresh = std::fs::read(dir.join(f)).unwrap();
            let committed = read(format!("fixtures/{name}/{}", f.to_string_lossy()));
            assert!(fresh == committed, "fixtures/{name}/{} differs from the generator's output", f.to_string_lossy());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
