//! The command line as a user drives it: flags, usage errors, outputs.

mod common;
use common::*;

const SEED: &str = "fixtures/msk-seed/console.log";

#[test]
fn tz_reads_zoneless_times_in_the_zone_and_prints_in_it() {
    let j = rollcall(&["--format", "json", "--tz", "Asia/Seoul", SEED], None).json();
    assert_eq!(j["timezone_assumed"], "Asia/Seoul");
    assert_eq!(j["time_range"]["start"], "2024-02-06T10:47:03.491+09:00");
    let ev = rollcall(&["--format", "events", "--tz", "+09:00", SEED], None);
    assert!(ev.stdout.starts_with("{\"time\":\"2024-02-06T10:47:03.491+09:00\""), "{}", ev.stdout);
    let utc = rollcall(&["--format", "json", SEED], None).json();
    assert_eq!(utc["timezone_assumed"], "UTC");
    assert_eq!(utc["time_range"]["start"], "2024-02-06T10:47:03.491Z");
}

#[test]
fn zoned_timestamps_ignore_tz_for_their_instant() {
    // Spring Boot 3 prints its offset: --tz changes how times are shown, not when they were.
    let a = rollcall(&["--format", "json", "fixtures/clean-roll/consumer.log"], None).json();
    let b = rollcall(&["--format", "json", "--tz", "Asia/Seoul", "fixtures/clean-roll/consumer.log"], None).json();
    let (sa, sb) = (
        a["brokers"][0]["windows"][0]["start"].as_str().unwrap(),
        b["brokers"][0]["windows"][0]["start"].as_str().unwrap(),
    );
    let pa = chrono::DateTime::parse_from_rfc3339(sa).unwrap();
    let pb = chrono::DateTime::parse_from_rfc3339(sb).unwrap();
    assert_eq!(pa, pb);
    assert!(sb.ends_with("+09:00"));
}

#[test]
fn since_and_until_keep_only_events_between() {
    let all = rollcall(&["--format", "events", SEED], None);
    assert_eq!(all.stdout.lines().count(), 3);
    let late = rollcall(&["--format", "events", "--since", "2024-02-06 11:00", SEED], None);
    assert_eq!(late.stdout.lines().count(), 1);
    let early = rollcall(&["--format", "events", "--until", "2024-02-06T11:00:00Z", SEED], None);
    assert_eq!(early.stdout.lines().count(), 2);
    let none = rollcall(&["--format", "json", "--since", "2030-01-01", SEED], None);
    assert_eq!(none.json()["verdict"], "clean");
}

#[test]
fn out_writes_the_report_to_a_file() {
    let dir = temp_dir("out");
    let path = dir.join("timeline.json");
    let out = rollcall(&["--format", "json", "--out", path.to_str().unwrap(), "fixtures/two-brokers-out/"], None);
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    let j: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(j["verdict"], "anomalous");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn quiet_prints_nothing_and_keeps_the_exit_code() {
    let out = rollcall(&["--quiet", "fixtures/two-brokers-out/"], None);
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    let out = rollcall(&["-q", "fixtures/clean-roll/"], None);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
}

#[test]
fn color_is_only_for_terminals_unless_asked() {
    let plain = rollcall(&["fixtures/two-brokers-out/"], None);
    assert!(!plain.stdout.contains('\x1b'), "a pipe gets no colour");
    let forced = rollcall(&["--color", "always", "fixtures/two-brokers-out/"], None);
    assert!(forced.stdout.starts_with("\x1b[1;31mANOMALOUS:"), "{}", forced.stdout);
    let json = rollcall(&["--color", "always", "--format", "json", "fixtures/two-brokers-out/"], None);
    assert!(!json.stdout.contains('\x1b'), "JSON is never coloured");
}

#[test]
fn text_report_opens_with_verdict_then_the_first_thing_to_do() {
    let out = rollcall(&["--color", "never", "fixtures/broker-never-back/"], None);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("ANOMALOUS: 1 problem"), "{}", lines[0]);
    assert!(lines[1].contains("broker 2 was still out when the logs end"), "{}", lines[1]);
    assert!(lines[2].trim_start().starts_with("Do: "));
    assert!(out.stdout.contains("Broker timeline"));
    assert!(out.stdout.contains("evidence: fixtures/broker-never-back/"));
}

#[test]
fn a_custom_layout_pattern_is_compiled_and_used() {
    let log = "2024-02-06T10:47:03.491+09:00 ~ WARN  ~ org.apache.kafka.clients.NetworkClient ~ [Producer clientId=producer-1] Connection to node 3 (b-3.x.abc.c2.kafka.us-east-1.amazonaws.com/10.0.3.13:9094) could not be established. Node may not be available.\n";
    let detected = rollcall(&["--format", "json"], Some(log.as_bytes()));
    assert_eq!(detected.code, 2, "no built-in layout reads this");
    let pattern = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} ~ %-5level ~ %logger ~ %msg%n";
    let out = rollcall(&["--format", "json", "--layout", pattern], Some(log.as_bytes()));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["inputs"][0]["format"], "custom");
    assert_eq!(j["brokers"][0]["broker"], "3");
    assert_eq!(j["brokers"][0]["windows"][0]["start"], "2024-02-06T01:47:03.491Z");
    let bad = rollcall(&["--layout", "%d %p %frobnicate %m"], Some(log.as_bytes()));
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown conversion '%frobnicate'"), "{}", bad.stderr);
}

#[test]
fn an_extra_grammar_adds_rules_and_a_bad_one_is_refused_with_its_line() {
    let dir = temp_dir("grammar");
    let log = "[2024-02-06 10:47:03,491] WARN [Producer clientId=p] Brand new warning about node 2 (org.apache.kafka.clients.NetworkClient)\n";
    let unknown = rollcall(&["--format", "json"], Some(log.as_bytes()));
    assert_eq!(unknown.code, 1);
    assert_eq!(kinds(&unknown.json()), vec!["unknown_warnings"]);
    let good = dir.join("extra.toml");
    std::fs::write(
        &good,
        r#"
[[rule]]
id = "site.brand_new"
kind = "disconnected"
logger = "NetworkClient"
templates = [{ text = "Brand new warning about node {node}" }]
[[rule.sample]]
line = "[2024-02-06 10:47:03,491] WARN [Producer clientId=p] Brand new warning about node 7 (org.apache.kafka.clients.NetworkClient)"
expect = { node = "7" }
"#,
    )
    .unwrap();
    let known = rollcall(&["--format", "events", "--grammar", good.to_str().unwrap()], Some(log.as_bytes()));
    assert_eq!(known.code, 0, "{}", known.stderr);
    assert!(known.stdout.contains("\"kind\":\"disconnected\",\"broker\":\"2\""), "{}", known.stdout);
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[[rule]]\nid = \"x.y\"\nkind = \"exploded\"\ntemplates = [{ text = \"boom {node}\" }]\n")
        .unwrap();
    let out = rollcall(&["--grammar", bad.to_str().unwrap()], Some(log.as_bytes()));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(&format!("{}:3: rule x.y: unknown event kind 'exploded'", bad.display())),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("= help: use one of"), "{}", out.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    for args in
        [&["--gap", "soon"][..], &["--tz", "Mars/Base"], &["--format", "xml"], &["--no-such-flag"], &["--threads", "0"]]
    {
        let mut a = args.to_vec();
        a.push(SEED);
        let out = rollcall(&a, None);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(!out.stderr.is_empty());
    }
    let help = rollcall(&["--help"], None);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("--max-outage"));
    let v = rollcall(&["--version"], None);
    assert_eq!(v.stdout.trim(), format!("rollcall {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn maintenance_and_topics_are_checked_before_anything_is_read() {
    let bad = rollcall(&["--maintenance", "2024-02-06 10:00", SEED], None);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("is not START..END"), "{}", bad.stderr);
    let reversed = rollcall(&["--maintenance", "2024-02-06 12:00..2024-02-06 10:00", SEED], None);
    assert_eq!(reversed.code, 2);
    let missing = rollcall(&["--topics", "tests/data/nope.topics", SEED], None);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("--topics tests/data/nope.topics: cannot read"), "{}", missing.stderr);
    let dir = temp_dir("topics");
    let junk = dir.join("junk.topics");
    std::fs::write(&junk, "this is not kafka-topics output\n").unwrap();
    let out = rollcall(&["--topics", junk.to_str().unwrap(), SEED], None);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains(&format!("{}:1", junk.display())), "{}", out.stderr);
    let ok = rollcall(&["--format", "json", "--maintenance", "2024-02-06 10:00..2024-02-06 12:00", SEED], None);
    assert_eq!(ok.code, 0, "the seed's lines are all inside: {}", ok.stderr);
    assert_eq!(ok.json()["maintenance"]["start"], "2024-02-06T10:00:00.000Z");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 5: `rollcall grammars` lists layouts and every family's rules with
/// the client versions they cover.
#[test]
fn grammars_lists_layouts_families_rules_and_versions() {
    let out = rollcall(&["grammars"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for family in ["java", "librdkafka", "sarama", "franz-go", "kafkajs"] {
        assert!(out.stdout.contains(&format!("\n{family} (grammars/{family}.toml, ")), "{family}:\n{}", out.stdout);
    }
    for layout in ["librdkafka", "python-logging", "dotnet-console", "go-log", "franz-go-basic", "kafka-log4j"] {
        assert!(out.stdout.contains(&format!("\n  {layout} ")), "{layout}");
    }
    let line = out.stdout.lines().find(|l| l.trim_start().starts_with("librdkafka.connection_failed ")).unwrap();
    assert!(line.contains("connection_failed") && line.contains("1.6.0+"), "{line}");
    // The repository has a grammars/ directory: the note says how to read it as a path.
    assert!(out.stderr.contains("write ./grammars"), "{}", out.stderr);
}

/// Issue 4: `grammars --prefilter LAYOUT` prints what the one scan looks for
/// in that layout, one literal per line (what `benches/compare.sh` hands
/// `rg -F -f` and `grep -F -f` for a same-job comparison). Every line an
/// event of a Kafka-layout fixture cites holds one of them.
#[test]
fn grammars_prefilter_prints_the_literals_every_event_line_holds() {
    let out = rollcall(&["grammars", "--prefilter", "kafka-log4j"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lits: Vec<&str> = out.stdout.lines().collect();
    for want in ["WARN", "ERROR", "disconnected", "Config values:"] {
        assert!(lits.contains(&want), "{want}: {lits:?}");
    }
    assert!(!lits.iter().any(|l| l.starts_with('%')), "librdkafka's markers are not in a Java scan: {lits:?}");
    let rd = rollcall(&["grammars", "--prefilter", "librdkafka"], None);
    assert!(rd.stdout.lines().any(|l| l == "%4|"), "{}", rd.stdout);
    let mut checked = 0;
    for fixture in std::fs::read_dir(root().join("fixtures")).unwrap() {
        let dir = fixture.unwrap().path();
        let j = rollcall(&["--format", "json", dir.to_str().unwrap()], None).json();
        let java: Vec<String> = j["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["format"] == "kafka-log4j")
            .map(|i| i["name"].as_str().unwrap().to_string())
            .collect();
        for input in java {
            let text = std::fs::read_to_string(&input).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            let events = rollcall(&["--format", "events", &input], None);
            for ev in events.stdout.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()) {
                let line = lines[ev["line"].as_u64().unwrap() as usize - 1];
                assert!(lits.iter().any(|l| line.contains(l)), "{input}: {line}");
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} events checked");
    let bad = rollcall(&["grammars", "--prefilter", "nope"], None);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("kafka-log4j"), "{}", bad.stderr);
}

#[test]
fn a_path_named_grammars_is_read_when_it_is_not_the_first_word_alone() {
    for args in [&["./grammars"][..], &["--", "grammars"], &["--format", "json", "grammars"]] {
        let out = rollcall(args, None);
        assert_eq!(out.code, 2, "{args:?}: TOML files are inputs in no known layout");
        assert!(out.stderr.contains("grammars/sarama.toml:1: unknown layout"), "{args:?}: {}", out.stderr);
    }
}

#[test]
fn check_grammar_accepts_a_good_file_and_shows_file_line_and_help_for_a_bad_one() {
    let dir = temp_dir("check-grammar");
    let rule = |sample: &str, more: &str| {
        format!(
            r#"family = "acme"

[[rule]]
id = "acme.gone"
kind = "disconnected"
templates = [{{ text = "broker {{node}} went away", versions = "1.0+" }}]
[[rule.sample]]
line = "[sarama] 2024/02/06 10:47:03 broker 2 {sample}"
{more}"#
        )
    };
    let good = dir.join("good.toml");
    std::fs::write(&good, rule("went away", "expect = { node = \"2\" }\n")).unwrap();
    let out = rollcall(&["check-grammar", good.to_str().unwrap()], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("ok, 1 rule(s), 1 sample(s) match"), "{}", out.stdout);
    let bad = dir.join("bad.toml");
    let wrong_family = "\n[[rule]]\nid = \"librdkafka.connection_failed\"\nkind = \"connection_failed\"\ntemplates = [{ text = \"{oops\" }]\n";
    std::fs::write(&bad, rule("left", wrong_family)).unwrap();
    let out = rollcall(&["check-grammar", bad.to_str().unwrap()], None);
    assert_eq!(out.code, 2);
    let b = bad.display();
    assert!(
        out.stderr
            .contains(&format!("{b}:11: rule id 'librdkafka.connection_failed' is not in the file's family 'acme'")),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(&format!("{b}:13: rule librdkafka.connection_failed: bad template")), "{}", out.stderr);
    assert!(out.stderr.contains("= help: "), "{}", out.stderr);
    // Templates first: a file that does not load is not sample-checked. Fix it, and the sample fails.
    let text = std::fs::read_to_string(&bad).unwrap();
    std::fs::write(&bad, &text[..text.find("\n[[rule]]\nid = \"librdkafka").unwrap()]).unwrap();
    let out = rollcall(&["check-grammar", bad.to_str().unwrap()], None);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains(&format!("{b}:7: rule acme.gone: sample 1 does not match")), "{}", out.stderr);
    assert!(out.stderr.contains("= help: the template expects \" went away\" after \"broker\""), "{}", out.stderr);
    let missing = rollcall(&["check-grammar", "no/such.toml"], None);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("no/such.toml"), "{}", missing.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn issue_5_an_unrecognised_input_is_named_with_the_closest_layout() {
    let dir = temp_dir("unrecognised");
    std::fs::write(dir.join("near.log"), "[2024-02-06 10:47:03,491] 42 Node 2 disconnected.\n").unwrap();
    std::fs::write(dir.join("good.log"), "[2024-02-06 10:47:03,491] INFO [Producer clientId=p] Node 2 disconnected. (org.apache.kafka.clients.NetworkClient)\n").unwrap();
    let out = rollcall(&["--format", "json", dir.to_str().unwrap()], None);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("near.log:1: unknown layout")
            && out.stderr.contains("closest: kafka-log4j (timestamp matched, level field did not at column 27)"),
        "{}",
        out.stderr
    );
    let j = out.json();
    let near =
        j["inputs"].as_array().unwrap().iter().find(|i| i["name"].as_str().unwrap().ends_with("near.log")).unwrap();
    assert!(near["format"].is_null() && near["errors"][0]["message"].as_str().unwrap().contains("closest"));
    assert_eq!(j["brokers"][0]["broker"], "2", "the readable input is still analysed");
}

#[test]
fn issue_5_time_only_logs_take_the_date_from_the_name_or_date() {
    let dir = temp_dir("time-only");
    let line = "10:47:03.491 [kafka-producer-network-thread | p-1] INFO  org.apache.kafka.clients.NetworkClient - [Producer clientId=p-1] Node 2 disconnected.\n";
    std::fs::write(dir.join("app.log"), line).unwrap();
    std::fs::write(dir.join("app-2024-02-07.log"), line).unwrap();
    let undated = dir.join("app.log");
    let out = rollcall(&["--format", "json", undated.to_str().unwrap()], None);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("app.log:1: layout logback-time-only has time-only timestamps")
            && out.stderr.contains("--date"),
        "{}",
        out.stderr
    );
    let out = rollcall(&["--format", "json", "--date", "2024-02-06", undated.to_str().unwrap()], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["brokers"][0]["windows"][0]["start"], "2024-02-06T10:47:03.491Z");
    let dated = dir.join("app-2024-02-07.log");
    let out = rollcall(&["--format", "json", dated.to_str().unwrap()], None);
    assert_eq!(out.json()["brokers"][0]["windows"][0]["start"], "2024-02-07T10:47:03.491Z");
    let bad = rollcall(&["--date", "7 Feb", dated.to_str().unwrap()], None);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--date"), "{}", bad.stderr);
}

#[test]
fn issue_5_layout_names_and_json_fields_override_detection() {
    let log = "{\"ts\":\"2024-02-06T10:47:03.491Z\",\"sev\":\"error\",\"text\":\"[Connection] Connection error: connect ECONNREFUSED 10.0.2.12:9092\",\"logger\":\"kafkajs\",\"peer\":\"b-2.x.kafka.us-east-1.amazonaws.com:9092\"}\n";
    let detected = rollcall(&["--format", "json"], Some(log.as_bytes()));
    assert_eq!(detected.code, 2, "no preset has these names");
    let spec = "json:time=ts,level=sev,message=text,logger=logger,broker=peer";
    let out = rollcall(&["--format", "json", "--layout", spec], Some(log.as_bytes()));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["inputs"][0]["format"], "custom-json");
    assert_eq!(j["brokers"][0]["broker"], "2");
    let kafka = "[2024-02-06 10:47:03,491] WARN [Producer clientId=p] Node 2 disconnected. (org.apache.kafka.clients.NetworkClient)\n";
    let forced = rollcall(&["--layout", "kafkajs"], Some(kafka.as_bytes()));
    assert_eq!(forced.code, 2);
    assert!(forced.stderr.contains("no line matches --layout 'kafkajs'"), "{}", forced.stderr);
    let unknown = rollcall(&["--layout", "kafkajz"], Some(kafka.as_bytes()));
    assert!(unknown.stderr.contains("no built-in layout"), "{}", unknown.stderr);
}

#[test]
fn issue_5_escaped_docker_lines_are_read_as_the_application_wrote_them() {
    // Docker escapes `"` and (as Go does) `<`, `>` and `&` inside the line; the
    // raw-byte prefilter still finds the candidates (its literals avoid escapable
    // bytes, see prefilter.rs) and the layout reads the unescaped text.
    let inner = r#"[2024-02-06 10:47:03,491] INFO [Consumer clientId=c-1, groupId=g] Discovered group coordinator b-2.x.kafka.us-east-1.amazonaws.com:9092 (id: 2147483645 rack: null) (org.apache.kafka.clients.consumer.internals.ConsumerCoordinator)"#;
    let warn = r#"[2024-02-06 10:47:04,000] INFO [Consumer clientId=c-1, groupId=g] Node 2 disconnected. \u003c\"quoted\" \u0026 more\u003e (org.apache.kafka.clients.NetworkClient)"#;
    let log = format!(
        "{{\"log\":\"{}\\n\",\"stream\":\"stdout\",\"time\":\"2024-02-06T10:47:03.491Z\"}}\n{{\"log\":\"{warn}\\n\",\"stream\":\"stdout\",\"time\":\"2024-02-06T10:47:04.000Z\"}}\n",
        inner
    );
    let out = rollcall(&["--format", "events"], Some(log.as_bytes()));
    let kinds: Vec<serde_json::Value> = out.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(kinds.len(), 2, "{}", out.stdout);
    assert_eq!(kinds[0]["kind"], "coordinator_discovered");
    assert_eq!(kinds[1]["kind"], "disconnected");
    assert_eq!(kinds[1]["line"], 2);
}
