//! The same logs give byte-identical JSON however they are read (a pipe in
//! time order: one that goes back says so, below): memory
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
    // Piped, thinned from the first event and let go block by block: the
    // fold waits for the runs the thinner holds back, and gives the file's
    // report.
    let b = bulk.to_str().unwrap();
    let whole = rollcall(&["--format", "json", b], None);
    for extra in
        [&["--thin-after", "0"][..], &["--thin-after", "0", "--chunk-size", "65536"], &["--chunk-size", "65536"]]
    {
        let piped = rollcall(&[&["--format", "json", "--label", b][..], extra].concat(), Some(&read(&bulk)));
        assert_eq!(piped.code, whole.code, "{extra:?}: {}", piped.stderr);
        assert!(piped.stdout == whole.stdout, "{extra:?}: the pipe's report differs from the file's");
    }
    let windows: usize =
        run_json(&bulk)["brokers"].as_array().unwrap().iter().map(|b| b["windows"].as_array().unwrap().len()).sum();
    assert!(windows > 20, "the generated log has {windows} windows");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn run_json(p: &std::path::Path) -> serde_json::Value {
    rollcall(&["--format", "json", p.to_str().unwrap()], None).json()
}

/// Every fixture log piped on its own gives the report of the file: a
/// pipe that is a run's only input is folded as it settles, its events not
/// kept (`analysis::Folding`), and the file is sorted whole.
#[test]
fn every_fixture_log_piped_gives_the_files_report() {
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    let mut dirs = vec![root().join("fixtures")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap().filter_map(Result::ok) {
            match e.path().is_dir() {
                true => dirs.push(e.path()),
                false => files.push(e.path()),
            }
        }
    }
    files.sort();
    assert!(files.len() > 40, "fixture logs found: {}", files.len());
    let maint = ["--maintenance", "2024-02-06 10:40..2024-02-06 10:50"];
    for f in &files {
        let name = f.strip_prefix(root()).unwrap().to_str().unwrap();
        let data = read(f);
        for extra in
            [&["--format", "json"][..], &["--format", "markdown"], &[&["--format", "json"][..], &maint].concat()]
        {
            let file = rollcall(&[extra, &[name]].concat(), None);
            let piped = rollcall(&[extra, &["--label", name]].concat(), Some(&data));
            assert_eq!(piped.code, file.code, "{name} {extra:?}: {}", piped.stderr);
            assert!(piped.stdout == file.stdout, "{name} {extra:?}: the pipe's report differs from the file's");
            assert_eq!(piped.stderr, file.stderr, "{name} {extra:?}");
        }
    }
}

/// A log of one client whose failures are logged without its name
/// (`ErrorLoggingCallback`) gives them to that client; if a second client
/// is named after them, they are nobody's. Piped, the fold holds them back
/// until it knows which: the reports are the file's either way.
#[test]
fn a_pipe_learns_whose_nameless_lines_are_as_the_file_does() {
    let file = "fixtures/records-expired/producer.log";
    let text = String::from_utf8(read(file)).unwrap();
    let first_nameless = text.lines().position(|l| l.contains("ErrorLoggingCallback")).unwrap();
    // The same log, its client renamed from just after its first nameless line.
    let two: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| match i > first_nameless + 2 {
            true => l.replace("clientId=console-producer", "clientId=second-producer") + "\n",
            false => format!("{l}\n"),
        })
        .collect();
    assert!(two.contains("clientId=second-producer"));
    let dir = temp_dir("nameless");
    let path = dir.join("two.log");
    std::fs::write(&path, &two).unwrap();
    let p = path.to_str().unwrap();
    for (data, arg) in [(text.as_bytes(), file), (two.as_bytes(), p)] {
        let whole = rollcall(&["--format", "json", arg], None);
        let piped = rollcall(&["--format", "json", "--label", arg], Some(data));
        assert_eq!(piped.code, whole.code, "{arg}: {}", piped.stderr);
        assert!(piped.stdout == whole.stdout, "{arg}: the pipe's report differs from the file's");
    }
    // The one client's records expired, by its name; with two, nobody's.
    let clients = |a: &str| {
        let j = rollcall(&["--format", "json", a], None).json();
        j["clients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["client"].to_string(), c["records_lost"].clone()))
            .collect::<Vec<_>>()
    };
    assert!(clients(file)
        .iter()
        .any(|(c, lost)| c.contains("console-producer") && lost.as_object().is_some_and(|m| !m.is_empty())));
    assert!(clients(p).iter().all(|(_, lost)| lost.as_object().is_none_or(|m| m.is_empty())));
}

/// Logs piped out of time order (the later half first): the fold cannot
/// put the earlier half back in order, so it analyses those events as they
/// come and says so in a blind spot naming the line where the time goes
/// back. The file itself is sorted whole, and a pipe in order says nothing.
#[test]
fn a_pipe_whose_time_goes_back_says_so() {
    let file = "fixtures/records-expired/producer.log";
    let text = String::from_utf8(read(file)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let cut = lines.len() / 2;
    let cut = cut + lines[cut..].iter().position(|l| l.starts_with('[')).unwrap();
    let swapped = [&lines[cut..], &lines[..cut]].concat().join("\n") + "\n";
    let goes_back = format!("at line {}", lines.len() - cut + 1);
    let spot = |j: &serde_json::Value| {
        j["blind_spots"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|b| b["message"].as_str().map(str::to_string))
            .find(|m| m.contains("time goes back"))
    };
    // Read in small blocks: the fold lets events go block by block.
    let small = ["--chunk-size", "1000", "--max-line", "4094"];
    let piped =
        rollcall(&[&["--format", "json", "--label", "swapped.log"][..], &small].concat(), Some(swapped.as_bytes()));
    assert!(piped.code <= 1, "{}", piped.stderr);
    let j = piped.json();
    let m = spot(&j).expect("a blind spot says the time went back");
    assert!(m.contains(&goes_back), "{m} names {goes_back}");
    assert!(!j["brokers"].as_array().unwrap().is_empty(), "the events are still analysed");
    let dir = temp_dir("swapped");
    std::fs::write(dir.join("swapped.log"), &swapped).unwrap();
    let sorted = rollcall(&["--format", "json", dir.join("swapped.log").to_str().unwrap()], None);
    assert_eq!(spot(&sorted.json()), None, "a file is sorted whole");
    let in_order = rollcall(&[&["--format", "json", "--label", file][..], &small].concat(), Some(text.as_bytes()));
    assert_eq!(spot(&in_order.json()), None);
    assert!(in_order.stdout == rollcall(&["--format", "json", file], None).stdout, "in order, the pipe is the file");
}
