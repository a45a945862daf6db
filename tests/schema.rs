//! `docs/timeline.schema.json` is the JSON Schema of `--format json`: the
//! output of every fixture (found in `fixtures/`, run with its `args` file as
//! `tests/fixtures.rs` does) must validate against it, and so must the
//! edge cases that change the document's shape (no events, an unreadable
//! input, `--maintenance`, `--tz`). The schema must also refuse what breaks
//! the contract, or it would prove nothing.

mod common;
use common::*;
use serde_json::{json, Value};

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("docs/timeline.schema.json")).expect("the schema exists");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::meta::validate(&schema).expect("the schema is a valid JSON Schema");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

fn problems(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn every_fixture_validates_against_the_schema() {
    let v = validator();
    let names = fixtures();
    assert!(names.len() >= 10, "fixtures found: {names:?}");
    let mut failures = Vec::new();
    for name in names {
        let out = run_fixture(&name, "json");
        let p = problems(&v, &out.json());
        if !p.is_empty() {
            failures.push(format!("{name}:\n  {}", p.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What it shows, the arguments, and stdin if any.
type Case<'a> = (&'a str, Vec<&'a str>, Option<&'a [u8]>);

#[test]
fn edge_shapes_validate_too() {
    let v = validator();
    let cases: Vec<Case> = vec![
        ("no events at all", vec!["--format", "json", "-"], Some(b"nothing kafka here\n")),
        ("empty stdin", vec!["--format", "json", "-"], Some(b"")),
        ("an unreadable input", vec!["--format", "json", "fixtures/clean-roll/", "no/such/file.log"], None),
        (
            "maintenance and a zone",
            vec![
                "--format",
                "json",
                "--tz",
                "Asia/Seoul",
                "--maintenance",
                "2024-02-06 19:40..2024-02-06 19:45",
                "fixtures/clean-roll/",
            ],
            None,
        ),
    ];
    for (what, args, stdin) in cases {
        let out = rollcall(&args, stdin);
        let doc = out.json();
        let p = problems(&v, &doc);
        assert!(p.is_empty(), "{what}: {}", p.join("\n"));
    }
}

/// Many hosts: logs read from rollcall's NDJSON carry `via` and unknown
/// sizes, and a damaged NDJSON line is an input error.
#[test]
fn events_read_back_from_ndjson_validate() {
    let v = validator();
    let events = rollcall(&["--format", "events", "fixtures/broker-never-back/"], None).stdout;
    let damaged = format!("{events}{{\"time\":\"2024-02-06T10:47:03.491Z\",\"kind\":\"meteor\"}}\n");
    for (what, text) in [("events", events.as_str()), ("a damaged line", damaged.as_str())] {
        let doc = rollcall(&["--format", "json", "--label", "host-a", "-"], Some(text.as_bytes())).json();
        assert!(doc["inputs"][1]["via"] == "host-a", "{what}: {}", doc["inputs"]);
        let p = problems(&v, &doc);
        assert!(p.is_empty(), "{what}: {}", p.join("\n"));
    }
}

/// One way to break a good document.
type Breakage = fn(&mut Value);

#[test]
fn the_schema_refuses_documents_that_break_the_contract() {
    let v = validator();
    let good = run_fixture("two-brokers-out", "json").json();
    assert!(problems(&v, &good).is_empty());
    let broken: &[(&str, Breakage)] = &[
        ("no verdict", |d| drop(d.as_object_mut().unwrap().remove("verdict"))),
        ("an unknown verdict", |d| d["verdict"] = json!("fine")),
        ("schema_version 2", |d| d["schema_version"] = json!(2)),
        ("a time without milliseconds", |d| d["time_range"]["start"] = json!("2024-02-06T10:40:00Z")),
        ("a time without an offset", |d| d["brokers"][0]["windows"][0]["end"] = json!("2024-02-06T10:41:43.264")),
        ("a numeric broker id", |d| d["brokers"][0]["broker"] = json!(1)),
        ("an anomaly kind outside the contract", |d| d["anomalies"][0]["kind"] = json!("gremlins")),
        ("an event kind outside the contract", |d| d["brokers"][0]["windows"][0]["kinds"]["gremlins"] = json!(1)),
        ("evidence line 0", |d| d["anomalies"][0]["evidence"][0]["line"] = json!(0)),
        ("a window without open", |d| drop(d["brokers"][0]["windows"][0].as_object_mut().unwrap().remove("open"))),
    ];
    for (what, breaks) in broken {
        let mut doc = good.clone();
        breaks(&mut doc);
        assert!(!problems(&v, &doc).is_empty(), "the schema accepts {what}");
    }
    // More fields are allowed: the contract says more may be added.
    let mut more = good.clone();
    more["brokers"][0]["rack"] = json!("use1-az1");
    more["future"] = json!({"anything": true});
    assert!(problems(&v, &more).is_empty());
}
