//! The same logs give byte-identical JSON however they are read: memory
//! mapped, piped, gzip or zstd, on one thread or two, whatever the chunk
//! size (chunk boundaries in the middle of multi-line records included).

mod common;
use common::*;

// The librdkafka log repeats its errors (echoes): a pipe must drop them
// as a file does, though its events are written as they are found.
const FILES: &[&str] = &[
    "fixtures/records-expired/producer.log",
    "fixtures/records-expired/consumer.log",
    "fixtures/librdkafka-records-lost/producer.log",
];

#[test]
fn every_path_gives_the_same_json_and_events() {
    for file in FILES {
        let data = read(file);
        let zst = zstd::encode_all(&data[..], 3).unwrap();
        for format in ["json", "events"] {
            let base = rollcall(&["--format", format, file], None);
            assert!(base.code <= 1, "{}", base.stderr);
            assert!(base.stdout.len() > 100);
            let variants: Vec<(String, Out)> = vec![
                ("stdin".into(), rollcall(&["--format", format, "--label", file], Some(&data))),
                ("gzip stdin".into(), rollcall(&["--format", format, "--label", file, "-"], Some(&gzip(&data)))),
                ("zstd stdin".into(), rollcall(&["--format", format, "--label", file], Some(&zst))),
                ("threads 1".into(), rollcall(&["--format", format, "--threads", "1", file], None)),
                ("threads 2".into(), rollcall(&["--format", format, "--threads", "2", file], None)),
                ("chunk 7".into(), rollcall(&["--format", format, "--threads", "2", "--chunk-size", "7", file], None)),
                (
                    "chunk 4k".into(),
                    rollcall(&["--format", format, "--threads", "2", "--chunk-size", "4096", file], None),
                ),
                (
                    // A 4 KiB stream buffer: records are carried across reads.
                    "stdin small buffer".into(),
                    rollcall(
                        &["--format", format, "--chunk-size", "1000", "--max-line", "4094", "--label", file],
                        Some(&data),
                    ),
                ),
            ];
            for (name, out) in variants {
                assert_eq!(out.code, base.code, "{file} {format} {name}: {}", out.stderr);
                if format == "events" && name.contains("stdin") {
                    // A pipe is live: its events are written as found.
                    assert_live_form(&base.stdout, &out.stdout, &format!("{file} {name}"));
                } else {
                    assert!(out.stdout == base.stdout, "{file} {format}: {name} differs from the mapped file");
                }
            }
        }
    }
}

/// Live events (a pipe) are the file's events in line order, each with
/// what its own line tells: the same times, kinds, lines and captures, and
/// the same broker wherever the line names one. Only what needs the lines
/// after it (attribution by time, a lone client's name) is left out.
fn assert_live_form(file: &str, live: &str, what: &str) {
    let parse = |s: &str| -> Vec<serde_json::Value> {
        let mut v: Vec<serde_json::Value> = s.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        v.sort_by_key(|e| e["line"].as_u64());
        v
    };
    let (file, live) = (parse(file), parse(live));
    assert_eq!(file.len(), live.len(), "{what}: event count");
    let mut named = 0;
    for (f, l) in file.iter().zip(&live) {
        for k in ["time", "kind", "input", "line", "topic_partition", "node", "host", "port", "error", "rule", "count"]
        {
            assert_eq!(f[k], l[k], "{what}: {k} of line {}", f["line"]);
        }
        if f["attributed"] == "time" {
            assert!(l["broker"].is_null(), "{what}: line {} has no broker of its own", f["line"]);
        } else {
            assert_eq!(f["broker"], l["broker"], "{what}: broker of line {}", f["line"]);
            named += usize::from(!l["broker"].is_null());
        }
        if !l["client"].is_null() {
            assert_eq!(f["client"], l["client"], "{what}: client of line {}", f["line"]);
        }
    }
    assert!(named > 0, "{what}: some live events name their broker");
}

#[test]
fn a_compressed_file_on_disk_reads_like_the_plain_one() {
    let dir = temp_dir("gzfile");
    let data = read(FILES[0]);
    let gz = dir.join("producer.log.gz");
    std::fs::write(&gz, gzip(&data)).unwrap();
    let zs = dir.join("producer.log.zst");
    std::fs::write(&zs, zstd::encode_all(&data[..], 3).unwrap()).unwrap();
    let plain = rollcall(&["--format", "events", FILES[0]], None);
    for p in [&gz, &zs] {
        let out = rollcall(&["--format", "events", p.to_str().unwrap()], None);
        assert_eq!(out.stdout.replace(p.to_str().unwrap(), FILES[0]), plain.stdout);
    }
    // Compression is found by magic bytes, not by the name.
    let hidden = dir.join("producer.txt");
    std::fs::write(&hidden, gzip(&data)).unwrap();
    let out = rollcall(&["--format", "events", hidden.to_str().unwrap()], None);
    assert_eq!(out.stdout.replace(hidden.to_str().unwrap(), FILES[0]), plain.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn crlf_line_endings_change_nothing_but_the_bytes() {
    let data = read("fixtures/msk-seed/console.log");
    let crlf: Vec<u8> = String::from_utf8(data.clone()).unwrap().replace('\n', "\r\n").into_bytes();
    let a = rollcall(&["--format", "events"], Some(&data));
    let b = rollcall(&["--format", "events"], Some(&crlf));
    assert_eq!(b.code, 0, "CRLF is not an error: {}", b.stderr);
    assert!(b.stderr.is_empty());
    assert_eq!(a.stdout, b.stdout);
}

/// Past its budget, an input's alike noise is thinned (`rollcall::thin`) to
/// bound memory. Thinning from the very first event must change no report:
/// every fixture, a generated day of rolls with dozens of windows, and four
/// hosts whose rolls do not line up (so that events naming no broker,
/// attributed by time, fall between different brokers' windows) give the
/// same JSON; and the events the JSON counts are the lines that `--format
/// events` (never thinned) writes one by one.
#[test]
fn thinning_alike_noise_changes_no_report() {
    let dir = temp_dir("thin");
    let gen = |bytes: &str, seed: &str, to: &std::path::Path| {
        let out = run(env!("CARGO_BIN_EXE_rollcall-gen"), &["bulk", "--bytes", bytes, "--seed", seed], None);
        std::fs::write(to, &out.stdout).unwrap();
    };
    let bulk = dir.join("bulk.log");
    gen("30M", "7", &bulk);
    let hosts = dir.join("hosts");
    std::fs::create_dir(&hosts).unwrap();
    for seed in ["1", "2", "3", "4"] {
        gen("20M", seed, &hosts.join(format!("host-{seed}.log")));
    }
    let mut cases: Vec<Vec<String>> = fixtures()
        .into_iter()
        .map(|f| {
            let mut a = fixture_args(&f);
            a.push(format!("fixtures/{f}/"));
            a
        })
        .collect();
    cases.push(vec![bulk.to_str().unwrap().to_string()]);
    cases.push(vec![hosts.to_str().unwrap().to_string()]);
    for case in cases {
        let args: Vec<&str> = case.iter().map(String::as_str).collect();
        let with = |extra: &[&str]| rollcall(&[extra, &args[..]].concat(), None);
        let whole = with(&["--format", "json"]);
        let thinned = with(&["--format", "json", "--thin-after", "0"]);
        assert_eq!(thinned.code, whole.code, "{case:?}: {}", thinned.stderr);
        assert!(thinned.stdout == whole.stdout, "{case:?}: thinning changed the report");
        let counted: u64 = whole.json()["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["format"] != "kafka-topics")
            .map(|i| i["events"].as_u64().unwrap())
            .sum();
        let events = with(&["--format", "events"]);
        assert_eq!(counted, events.stdout.lines().count() as u64, "{case:?}");
    }
    let windows: usize =
        run_json(&bulk)["brokers"].as_array().unwrap().iter().map(|b| b["windows"].as_array().unwrap().len()).sum();
    assert!(windows > 20, "the generated log has {windows} windows");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn run_json(p: &std::path::Path) -> serde_json::Value {
    rollcall(&["--format", "json", p.to_str().unwrap()], None).json()
}
