//! Fixture snapshots: every `fixtures/NAME/` is analysed as a user would
//! (`rollcall --format json [args] fixtures/NAME/`) and its JSON compared with
//! `tests/expected/NAME.json`. Review a change with
//! `ROLLCALL_BLESS=1 cargo test --release --test fixtures` and `git diff`.

mod common;
use common::*;

/// What each scenario must give, independent of the snapshot: verdict,
/// anomaly kinds, exit code. The hard negatives (heavy but normal noise)
/// must stay expected_noise.
const EXPECT: &[(&str, &str, &[&str], i32)] = &[
    ("clean-roll", "expected_noise", &[], 0),
    ("two-brokers-out", "anomalous", &["overlapping_outage"], 1),
    ("broker-never-back", "anomalous", &["broker_never_recovered"], 1),
    ("records-expired", "anomalous", &["records_lost"], 1),
    ("msk-seed", "expected_noise", &[], 0),
    ("long-outage", "anomalous", &["long_outage"], 1),
    ("repeated-outage", "anomalous", &["repeated_outage"], 1),
    ("retries-exhausted", "anomalous", &["config_risk", "retries_exhausted"], 1),
    ("not-enough-replicas", "anomalous", &["config_risk", "not_enough_replicas"], 1),
    ("single-bootstrap", "anomalous", &["single_bootstrap"], 1),
    ("config-risk", "anomalous", &["config_risk"], 1),
    ("unexplained-errors", "anomalous", &["unexplained_errors"], 1),
    ("unknown-warnings", "anomalous", &["unknown_warnings"], 1),
    // Issue 5: the other clients, each in its own layouts.
    ("librdkafka-clean-roll", "expected_noise", &[], 0),
    ("librdkafka-records-lost", "anomalous", &["records_lost"], 1),
    ("sarama-clean-roll", "expected_noise", &[], 0),
    ("sarama-two-brokers-out", "anomalous", &["overlapping_outage"], 1),
    ("franz-go-clean-roll", "expected_noise", &[], 0),
    ("franz-go-two-brokers-out", "anomalous", &["overlapping_outage"], 1),
    // Hard negatives.
    ("heavy-retries", "expected_noise", &[], 0),
    ("coordinator-moves", "expected_noise", &[], 0),
    ("slow-restarts", "expected_noise", &[], 0),
    // Issue 5: other clients and wrapped logs.
    ("kafkajs-clean-roll", "expected_noise", &[], 0),
    ("kafkajs-crash", "anomalous", &["retries_exhausted"], 1),
    ("cri-clean-roll", "expected_noise", &[], 0),
    ("docker-records-expired", "anomalous", &["records_lost"], 1),
    ("mixed-clients", "expected_noise", &[], 0),
];

/// The generator scenario behind each fixture (most have their own).
fn scenario_of(fixture: &str) -> Option<&str> {
    match fixture {
        "msk-seed" => None,
        "unexplained-errors" => Some("clean-roll"),
        other => Some(other),
    }
}

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
    for (name, ..) in EXPECT {
        let Some(scenario) = scenario_of(name) else { continue };
        let dir = temp_dir(&format!("gen-{name}"));
        let out = run(env!("CARGO_BIN_EXE_rollcall-gen"), &["scenario", scenario, dir.to_str().unwrap()], None);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        files.sort();
        for f in &files {
            let f = f.to_string_lossy();
            let fresh = std::fs::read(dir.join(&*f)).unwrap();
            let committed = read(format!("fixtures/{name}/{f}"));
            // A deflate backend may pack the same text differently: a
            // gzipped fixture is the generator's when its text is.
            let (fresh, committed) =
                if f.ends_with(".gz") { (gunzip(&fresh), gunzip(&committed)) } else { (fresh, committed) };
            assert!(fresh == committed, "fixtures/{name}/{f} differs from the generator's output");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut text = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut text).expect("a gzipped fixture decompresses");
    text
}

#[test]
fn every_anomaly_kind_of_the_contract_has_a_fixture() {
    let kinds = [
        "overlapping_outage",
        "long_outage",
        "broker_never_recovered",
        "repeated_outage",
        "records_lost",
        "retries_exhausted",
        "not_enough_replicas",
        "single_bootstrap",
        "config_risk",
        "unexplained_errors",
        "unknown_warnings",
    ];
    for k in kinds {
        assert!(EXPECT.iter().any(|(_, _, a, _)| a.contains(&k)), "no fixture raises {k}");
    }
}

#[test]
fn the_roll_section_shows_order_gaps_and_the_one_at_a_time_rule() {
    let clean = run_fixture("clean-roll", "json").json();
    let steps = clean["roll"]["steps"].as_array().unwrap();
    let order: Vec<&str> = steps.iter().map(|s| s["broker"].as_str().unwrap()).collect();
    assert_eq!(order, vec!["1", "2", "3"]);
    assert_eq!(clean["roll"]["one_at_a_time"], true);
    assert!(steps[1]["gap_ms"].as_i64().unwrap() > 60_000, "MSK waits for the ISR to catch up");
    let two = run_fixture("two-brokers-out", "json").json();
    assert_eq!(two["roll"]["one_at_a_time"], false);
    let late = two["roll"]["steps"].as_array().unwrap().iter().find(|s| s["waited"] == false).unwrap();
    assert_eq!(late["broker"], "3");
    assert!(late["gap_ms"].as_i64().unwrap() < 0);
    let slow = run_fixture("slow-restarts", "json").json();
    assert!(slow["roll"]["steps"].as_array().unwrap().iter().all(|s| s["within_expected_impact"] == false));
}

#[test]
fn client_impact_counts_losses_and_recoveries() {
    let j = run_fixture("records-expired", "json").json();
    let p = j["clients"].as_array().unwrap().iter().find(|c| c["client"] == "console-producer").unwrap();
    assert_eq!(p["role"], "producer");
    let lost: u64 = p["records_lost"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert!(lost > 0);
    let c = j["clients"].as_array().unwrap().iter().find(|c| c["role"] == "consumer").unwrap();
    assert_eq!(c["recovered"], true);
    let never = run_fixture("broker-never-back", "json").json();
    let c = never["clients"].as_array().unwrap().iter().find(|c| c["role"] == "consumer").unwrap();
    assert_eq!(c["recovered"], false, "its logs end inside the outage");
}

#[test]
fn blind_spots_say_what_warn_only_logs_cannot_show() {
    let j = run_fixture("not-enough-replicas", "json").json();
    let msgs: Vec<&str> = j["blind_spots"].as_array().unwrap().iter().map(|b| b["message"].as_str().unwrap()).collect();
    assert!(msgs.iter().any(|m| m.starts_with("logs WARN and above only")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.starts_with("every input logs WARN and above only")), "{msgs:?}");
    assert!(!msgs.iter().any(|m| m.starts_with("no --topics")), "--topics was given");
    let p = &j["clients"][0];
    assert!(p["recovered"].is_null(), "a WARN-only log alone cannot tell: {p}");
}

#[test]
fn topics_name_the_cause_and_attribute_partitions() {
    let j = run_fixture("not-enough-replicas", "json").json();
    let risk = j["anomalies"].as_array().unwrap().iter().find(|a| a["kind"] == "config_risk").unwrap();
    assert!(risk["message"].as_str().unwrap().contains("payments has min.insync.replicas 3 with replication factor 3"));
    assert_eq!(risk["evidence"][0]["input"], "tests/data/not-enough-replicas.topics");
    let ner = j["anomalies"].as_array().unwrap().iter().find(|a| a["kind"] == "not_enough_replicas").unwrap();
    assert!(ner["advice"].as_str().unwrap().contains("--topics says payments has RF 3 and min.insync.replicas 3"));
    let names: Vec<&str> = j["inputs"].as_array().unwrap().iter().map(|i| i["format"].as_str().unwrap_or("")).collect();
    assert!(names.contains(&"kafka-topics"));
}

#[test]
fn windows_end_at_the_first_sign_of_recovery_when_there_is_one() {
    let j = run_fixture("long-outage", "json").json();
    let all: Vec<&serde_json::Value> =
        j["brokers"].as_array().unwrap().iter().flat_map(|b| b["windows"].as_array().unwrap()).collect();
    assert!(all.iter().all(|w| w["ended_by"] == "recovery" || w["ended_by"] == "last_symptom"));
    let b2 = j["brokers"].as_array().unwrap().iter().find(|b| b["broker"] == "2").unwrap();
    assert!(b2["windows"][0]["duration_ms"].as_i64().unwrap() > 300_000);
}

/// Issue 5: every family's clean roll is three windows, one per broker, one
/// at a time, named by id with the MSK host, whatever layout carried it.
#[test]
fn other_clients_clean_rolls_show_each_broker_once_in_turn() {
    for (family, layouts) in [
        ("librdkafka", ["librdkafka", "python-logging"]),
        ("sarama", ["go-log", "go-log"]),
        ("franz-go", ["franz-go-basic", "franz-go-basic"]),
    ] {
        let name = format!("{family}-clean-roll");
        let j = run_fixture(&name, "json").json();
        let formats: Vec<&str> =
            j["inputs"].as_array().unwrap().iter().map(|i| i["format"].as_str().unwrap()).collect();
        let mut want = layouts.to_vec();
        want.sort();
        let mut got = formats.clone();
        got.sort();
        assert_eq!(got, want, "{name}: layouts detected");
        let brokers: Vec<&str> =
            j["brokers"].as_array().unwrap().iter().map(|b| b["broker"].as_str().unwrap_or("null")).collect();
        assert_eq!(brokers, vec!["1", "2", "3"], "{name}");
        let mut last_end = String::new();
        for b in j["brokers"].as_array().unwrap() {
            let w = b["windows"].as_array().unwrap();
            assert_eq!(w.len(), 1, "{name}: broker {} restarts once", b["broker"]);
            assert_eq!(w[0]["open"], false, "{name}");
            assert!(w[0]["start"].as_str().unwrap() > last_end.as_str(), "{name}: windows do not overlap");
            assert!(w[0]["duration_ms"].as_i64().unwrap() > 30_000, "{name}: a restart, not a blip");
            last_end = w[0]["end"].as_str().unwrap().to_string();
            let host = b["hosts"][0].as_str().unwrap();
            assert!(host.starts_with(&format!("b-{}.", b["broker"].as_str().unwrap())), "{name}: {host}");
        }
    }
}

#[test]
fn other_clients_two_brokers_out_name_brokers_2_and_3() {
    for name in ["sarama-two-brokers-out", "franz-go-two-brokers-out"] {
        let j = run_fixture(name, "json").json();
        let a = &j["anomalies"][0];
        assert_eq!(a["kind"], "overlapping_outage", "{name}");
        assert_eq!(a["brokers"], serde_json::json!(["2", "3"]), "{name}");
        let open: Vec<&serde_json::Value> = j["brokers"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|b| b["windows"].as_array().unwrap())
            .filter(|w| w["open"] == true)
            .collect();
        assert!(open.is_empty(), "{name}: every broker came back");
    }
}

/// librdkafka prints each failure at level 3 twice when the application has
/// no error callback (FAIL, then ERROR on the app thread), and an application
/// with one logs it again: each failure counts once.
#[test]
fn librdkafka_echoes_count_once() {
    let log = read("fixtures/librdkafka-clean-roll/producer.log");
    let log = String::from_utf8(log).unwrap();
    let fail_connects = log.lines().filter(|l| l.contains("|FAIL|") && l.contains("Connect to")).count();
    let echo_lines: Vec<usize> = log
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("|ERROR|") && l.contains("Connect to"))
        .map(|(i, _)| i + 1)
        .collect();
    assert!(fail_connects > 10 && echo_lines.len() > 10, "the fixture has failures and their echoes");
    let ev = run_fixture("librdkafka-clean-roll", "events");
    let producer: Vec<serde_json::Value> = ev
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["input"].as_str().unwrap().ends_with("producer.log"))
        .collect();
    let connects = producer.iter().filter(|e| e["kind"] == "connection_failed").count();
    assert_eq!(connects, fail_connects, "one event per failure, not per telling");
    for e in &producer {
        assert!(!echo_lines.contains(&(e["line"].as_u64().unwrap() as usize)), "an echo line was counted: {e}");
    }
    // The Python producer's error callback (`Kafka error: KafkaError{code=_TRANSPORT,...}`).
    let log = String::from_utf8(read("fixtures/librdkafka-records-lost/producer.log")).unwrap();
    let relayed = log.lines().filter(|l| l.contains(" FAIL [rdkafka#") && l.contains("Connect to")).count();
    let callbacks = log.lines().filter(|l| l.contains("KafkaError{code=_TRANSPORT")).count();
    assert!(callbacks > 10);
    let ev = run_fixture("librdkafka-records-lost", "events");
    let connects = ev
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["input"].as_str().unwrap().ends_with("producer.log") && e["kind"] == "connection_failed")
        .count();
    assert_eq!(connects, relayed);
}

#[test]
fn librdkafka_timed_out_messages_are_records_lost_during_broker_2() {
    let log = String::from_utf8(read("fixtures/librdkafka-records-lost/producer.log")).unwrap();
    let timed_out = log.lines().filter(|l| l.contains("_MSG_TIMED_OUT")).count();
    let j = run_fixture("librdkafka-records-lost", "json").json();
    let a = &j["anomalies"][0];
    assert_eq!(a["kind"], "records_lost");
    assert_eq!(a["clients"], serde_json::json!(["rdkafka#producer-1"]));
    assert_eq!(a["brokers"], serde_json::json!(["2"]), "lost while broker 2 was out");
    assert!(a["message"].as_str().unwrap().contains(&format!("lost {timed_out} record(s)")), "{}", a["message"]);
    // The advice is librdkafka's settings, not the Java client's.
    let advice = a["advice"].as_str().unwrap();
    assert!(advice.contains("message.timeout.ms") && !advice.contains("at 120000 or more"), "{advice}");
    let formats: Vec<&str> = j["inputs"].as_array().unwrap().iter().map(|i| i["format"].as_str().unwrap()).collect();
    assert!(formats.contains(&"dotnet-console") && formats.contains(&"python-logging"), "{formats:?}");
}

/// The broker windows and anomalies of a report, with input names made
/// relative to their fixture so that two fixtures compare.
fn timeline(name: &str) -> (serde_json::Value, serde_json::Value) {
    let text = run_fixture(name, "json").stdout.replace(&format!("fixtures/{name}/"), "");
    let j: serde_json::Value = serde_json::from_str(&text).unwrap();
    let kinds: Vec<&str> = j["anomalies"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    (j["brokers"].clone(), serde_json::json!([kinds, j["verdict"]]))
}

#[test]
fn issue_5_wrapped_java_logs_give_the_timeline_of_the_plain_ones() {
    for (wrapped, plain) in [("cri-clean-roll", "clean-roll"), ("docker-records-expired", "records-expired")] {
        let (w, wa) = timeline(wrapped);
        let (p, pa) = timeline(plain);
        assert_eq!(w, p, "{wrapped}: windows, kinds, clients and evidence lines as in {plain}");
        assert_eq!(wa, pa, "{wrapped}: verdict and anomalies as in {plain}");
        let j = run_fixture(wrapped, "json").json();
        let formats: Vec<&str> =
            j["inputs"].as_array().unwrap().iter().map(|i| i["format"].as_str().unwrap()).collect();
        let wrapper = if wrapped.starts_with("cri") { "cri" } else { "docker-json" };
        assert!(formats.iter().all(|f| f.ends_with(&format!(" in {wrapper}"))), "{formats:?}");
    }
}

#[test]
fn issue_5_kafkajs_roll_names_brokers_by_their_msk_hosts() {
    let j = run_fixture("kafkajs-clean-roll", "json").json();
    assert_eq!(j["inputs"][0]["format"], "kafkajs");
    let brokers = j["brokers"].as_array().unwrap();
    let ids: Vec<&str> = brokers.iter().map(|b| b["broker"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["1", "2", "3"]);
    let mut last_end = String::new();
    for b in brokers {
        let id = b["broker"].as_str().unwrap();
        assert_eq!(
            b["hosts"],
            serde_json::json!([format!("b-{id}.demo-cluster.abc123.c2.kafka.us-east-1.amazonaws.com:9092")])
        );
        let w = b["windows"].as_array().unwrap();
        assert_eq!(w.len(), 1, "broker {id} restarts once");
        assert_eq!(w[0]["open"], false);
        assert!(w[0]["duration_ms"].as_i64().unwrap() > 30_000, "the whole restart, not one line");
        assert!(w[0]["start"].as_str().unwrap() > last_end.as_str(), "one at a time");
        last_end = w[0]["end"].as_str().unwrap().to_string();
        assert_eq!(w[0]["clients"], serde_json::json!(["orders-api"]));
    }
}

#[test]
fn issue_5_kafkajs_crash_points_at_the_crash_line() {
    let j = run_fixture("kafkajs-crash", "json").json();
    let a = j["anomalies"].as_array().unwrap().iter().find(|a| a["kind"] == "retries_exhausted").unwrap();
    let log = String::from_utf8(read("fixtures/kafkajs-crash/kafkajs.log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    let line = a["evidence"][0]["line"].as_u64().unwrap() as usize;
    assert!(lines[line - 1].contains("[Consumer] Crash: KafkaJSNumberOfRetriesExceeded"), "{}", lines[line - 1]);
    assert_eq!(a["brokers"], serde_json::json!(["2"]), "it crashed while broker 2 was out");
}

#[test]
fn kafkajs_roles_come_from_the_message_namespace() {
    // kafkajs' clientId names no role; `[Runner]` and `[Producer]` do.
    let out = run_fixture("mixed-clients", "events");
    let role_of = |rule: &str| -> Vec<serde_json::Value> {
        out.stdout
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|e| e["rule"] == rule)
            .map(|e| e.get("role").cloned().unwrap_or(serde_json::Value::Null))
            .collect()
    };
    let rejoins = role_of("kafkajs.rejoin");
    assert!(!rejoins.is_empty() && rejoins.iter().all(|r| r == "consumer"), "{rejoins:?}");
    let sends = role_of("kafkajs.send_failed");
    assert!(!sends.is_empty() && sends.iter().all(|r| r == "producer"), "{sends:?}");
    let conns = role_of("kafkajs.connection_error");
    assert!(!conns.is_empty() && conns.iter().all(|r| r.is_null()), "shared by both: {conns:?}");

    let j = run_fixture("mixed-clients", "json").json();
    let spots: Vec<&str> =
        j["blind_spots"].as_array().unwrap().iter().map(|b| b["message"].as_str().unwrap()).collect();
    assert!(!spots.iter().any(|m| m.starts_with("no consumer lines")), "orders-api consumes: {spots:?}");
    // Its producer and consumer share the clientId: no one role is claimed.
    let api = j["clients"].as_array().unwrap().iter().find(|c| c["client"] == "orders-api").unwrap();
    assert!(api["role"].is_null(), "{api}");
}

#[test]
fn issue_5_kafkajs_json_inside_cri_and_docker_gives_the_same_windows() {
    let windows = |j: &serde_json::Value| -> Vec<(String, String, String, serde_json::Value)> {
        let mut v = Vec::new();
        for b in j["brokers"].as_array().unwrap() {
            for w in b["windows"].as_array().unwrap() {
                v.push((b["broker"].to_string(), w["start"].to_string(), w["end"].to_string(), w["kinds"].clone()));
            }
        }
        v
    };
    for name in ["kafkajs-clean-roll", "kafkajs-crash"] {
        let plain = run_fixture(name, "json").json();
        let text = String::from_utf8(read(format!("fixtures/{name}/kafkajs.log"))).unwrap();
        let cri: String = text.lines().map(|l| format!("2024-02-06T10:50:00.000000001Z stdout F {l}\n")).collect();
        let docker: String = text
            .lines()
            .map(|l| {
                format!(
                    "{{\"log\":{},\"stream\":\"stdout\",\"time\":\"2024-02-06T10:50:00.1Z\"}}\n",
                    serde_json::json!(format!("{l}\n"))
                )
            })
            .collect();
        for (wrapper, wrapped) in [("cri", cri), ("docker-json", docker)] {
            let out = rollcall(&["--format", "json"], Some(wrapped.as_bytes()));
            let j = out.json();
            assert_eq!(j["inputs"][0]["format"], format!("kafkajs in {wrapper}"));
            assert_eq!(windows(&j), windows(&plain), "{name} in {wrapper}");
            assert_eq!(kinds(&j), kinds(&plain), "{name} in {wrapper}");
        }
    }
}

/// Issue 5: a directory of three clients' logs of one roll (a Java producer,
/// a librdkafka producer gzipped, a kafkajs service) is one timeline: one
/// window per broker, each told by all three clients, each input read in its
/// own layout.
#[test]
fn issue_5_mixed_clients_directory_is_one_timeline() {
    let out = run_fixture("mixed-clients", "json");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["verdict"], "expected_noise");
    assert!(kinds(&j).is_empty(), "{:?}", kinds(&j));
    let mut formats: Vec<(String, String)> = j["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].as_str().unwrap().to_string(), i["format"].as_str().unwrap().to_string()))
        .collect();
    formats.sort();
    let want = [
        ("fixtures/mixed-clients/java-producer.log", "kafka-log4j"),
        ("fixtures/mixed-clients/node-orders-api.log", "kafkajs"),
        ("fixtures/mixed-clients/rdkafka-producer.log.gz", "librdkafka"),
    ];
    assert_eq!(formats, want.map(|(n, f)| (n.to_string(), f.to_string())));
    for i in j["inputs"].as_array().unwrap() {
        assert!(i["events"].as_u64().unwrap() > 10, "every input tells of the roll: {i}");
    }
    let brokers = j["brokers"].as_array().unwrap();
    let ids: Vec<&str> = brokers.iter().map(|b| b["broker"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["1", "2", "3"]);
    let mut last_end = String::new();
    for b in brokers {
        let w = b["windows"].as_array().unwrap();
        assert_eq!(w.len(), 1, "broker {}: one window for the three clients, not one per client", b["broker"]);
        assert_eq!(w[0]["open"], false);
        assert_eq!(
            w[0]["clients"],
            serde_json::json!(["console-producer", "orders-api", "rdkafka#producer-1"]),
            "broker {}: Java, kafkajs and librdkafka all saw it",
            b["broker"]
        );
        assert!(w[0]["start"].as_str().unwrap() > last_end.as_str(), "one at a time");
        assert!(w[0]["duration_ms"].as_i64().unwrap() > 30_000, "the whole restart");
        last_end = w[0]["end"].as_str().unwrap().to_string();
    }
    assert_eq!(j["roll"]["one_at_a_time"], true);
}
