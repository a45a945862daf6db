//! Hostile input (issue 7): what lands in a log directory besides logs.
//! Each case checks the message (input and line), the exit code of the
//! contract, and that whatever could be read was analysed (the JSON).
//! Cases `tests/bad_input.rs` already covers (invalid UTF-8, NUL bytes,
//! a 100 MB line, a truncated gzip, missing paths) are extended there.

mod common;
use common::*;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

const GOOD: &str = "fixtures/msk-seed/console.log";
const ROLL: &str = "fixtures/clean-roll/producer.log";

/// Inputs scale down in debug builds, where the binary's decoders and
/// scanners run unoptimised; `cargo test --release` (CI) runs the full size.
const fn full_or(full: u64, debug: u64) -> u64 {
    if cfg!(debug_assertions) {
        debug
    } else {
        full
    }
}

fn entry<'a>(j: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    j["inputs"].as_array().unwrap().iter().find(|i| i["name"] == name).unwrap_or_else(|| panic!("{name} in {j}"))
}

fn no_panic(out: &Out) {
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

/// Runs rollcall under `ulimit -v` (KiB): an allocation past the limit
/// aborts the process, so a pass proves the memory bound.
fn rollcall_limited(kib: u64, args: &[&str], stdin: Option<&[u8]>) -> Out {
    let script = format!("ulimit -v {kib}; exec \"$0\" \"$@\"");
    let mut all = vec!["-c", script.as_str(), env!("CARGO_BIN_EXE_rollcall")];
    all.extend_from_slice(args);
    run("sh", &all, stdin)
}

#[test]
fn cr_only_line_endings_read_as_lines() {
    let lf = read(GOOD);
    let cr: Vec<u8> = lf.iter().map(|&b| if b == b'\n' { b'\r' } else { b }).collect();
    let dir = temp_dir("cr");
    let p = dir.join("mac.log");
    std::fs::write(&p, &cr).unwrap();
    let want = rollcall(&["--format", "events", "--label", "x"], Some(&lf));
    for out in [
        rollcall(&["--format", "events", "--label", "x"], Some(&cr)),
        rollcall(&["--format", "events", "--label", "x", "-"], Some(&gzip(&cr))),
    ] {
        assert_eq!(out.code, 0, "CR-only endings are not an error: {}", out.stderr);
        assert_eq!(out.stdout, want.stdout, "same events and line numbers as with LF");
    }
    let out = rollcall(&["--format", "json", p.to_str().unwrap()], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["inputs"][0]["lines"], 3);
    assert_eq!(j["inputs"][0]["events"], 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A file preallocated or cut by `copytruncate`: a hole of zeros, then
/// the log. The zeros are named, the log after them is analysed, and the
/// time it takes is bounded by a linear scan.
#[test]
fn a_sparse_file_of_zeros_is_named_and_the_log_after_it_read() {
    let dir = temp_dir("sparse");
    let size = full_or(2 << 30, 256 << 20);
    let hole = dir.join("hole.log");
    let f = std::fs::File::create(&hole).unwrap();
    f.set_len(size).unwrap();
    drop(f);
    let tail = dir.join("copytruncated.log");
    let mut f = std::fs::File::create(&tail).unwrap();
    f.set_len(size).unwrap();
    use std::io::Seek;
    f.seek(std::io::SeekFrom::End(0)).unwrap();
    f.write_all(b"\n").unwrap();
    f.write_all(&read(GOOD)).unwrap();
    drop(f);
    let t = Instant::now();
    let out = rollcall(&["--format", "json", hole.to_str().unwrap(), tail.to_str().unwrap()], None);
    let took = t.elapsed();
    no_panic(&out);
    assert!(took < Duration::from_secs(120), "{size} bytes of zeros took {took:?}");
    assert_eq!(out.code, 2, "{}", out.stderr);
    let h = hole.display();
    assert!(out.stderr.contains(&format!("{h}:1: only NUL bytes ({size} bytes)")), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("{}:1: {size} NUL byte(s)", tail.display())),
        "the zeros before the log are named: {}",
        out.stderr
    );
    let j = out.json();
    let e = entry(&j, tail.to_str().unwrap());
    assert_eq!(e["format"], "kafka-log4j");
    assert_eq!(e["events"], 3, "the log after the hole is analysed: {e}");
    assert_eq!(e["lines"], 4);
    assert_eq!(entry(&j, hole.to_str().unwrap())["bytes"], size);
    eprintln!("sparse: {size} bytes in {took:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn flip(data: &mut [u8], at: usize) {
    for b in &mut data[at..at + 16] {
        *b ^= 0x5a;
    }
}

/// Truncated and corrupt gzip and zstd: the part before the damage is
/// analysed, the damage is named with the line where reading stopped.
#[test]
fn truncated_and_corrupt_gzip_and_zstd_keep_what_they_had() {
    let dir = temp_dir("damaged");
    // Big enough for several zstd blocks (128 KiB each): a cut frame then
    // still has whole blocks to give.
    const BIG: &str = "fixtures/heavy-retries/producer.log";
    let text = read(BIG);
    let all = rollcall(&["--format", "json", BIG], None).json();
    let total = all["inputs"][0]["events"].as_u64().unwrap();
    let gz = gzip(&text);
    let zs = zstd::encode_all(&text[..], 3).unwrap();
    let mut cases: Vec<(&str, &str, Vec<u8>)> = vec![
        ("trunc.log.gz", "gzip", gz[..gz.len() / 2].to_vec()),
        ("trunc.log.zst", "zstd", zs[..zs.len() / 2].to_vec()),
    ];
    let mut g = gz.clone();
    flip(&mut g, gz.len() / 2);
    cases.push(("corrupt.log.gz", "gzip", g));
    let mut z = zs.clone();
    flip(&mut z, zs.len() / 2);
    cases.push(("corrupt.log.zst", "zstd", z));
    for (name, kind, bytes) in cases {
        let p = dir.join(name);
        std::fs::write(&p, &bytes).unwrap();
        let out = rollcall(&["--format", "json", GOOD, p.to_str().unwrap()], None);
        no_panic(&out);
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        let j = out.json();
        let e = entry(&j, p.to_str().unwrap());
        let line = e["errors"][0]["line"].as_u64().unwrap_or_else(|| panic!("{name}: the error has a line: {e}"));
        let msg = format!("{}:{line}: {kind} stream ends early or is corrupt after", p.display());
        assert!(out.stderr.contains(&msg), "{name}: {}", out.stderr);
        assert!(line > 1 && line <= e["lines"].as_u64().unwrap() + 1, "{name}: {e}");
        let events = e["events"].as_u64().unwrap();
        assert!(events > 0 && events < total, "{name}: the part before the damage is analysed: {e}");
        assert_eq!(entry(&j, GOOD)["events"], 3, "the other input is analysed");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A gzip bomb: 1 GiB of zeros in about 1 MiB (concatenated members, which
/// `gzip -d` and rollcall both read). It is streamed through a fixed
/// buffer, so it runs under a 1 GiB address-space limit, and it ends in a
/// clear error, not a report of nothing.
#[test]
fn a_gzip_bomb_runs_in_bounded_memory_with_a_clear_error() {
    let unit = gzip(&vec![0u8; 1 << 20]);
    let n = full_or(1024, 64);
    let bomb: Vec<u8> = (0..n).flat_map(|_| unit.iter().copied()).collect();
    assert!(bomb.len() < (n as usize) << 11, "about 1 KiB per MiB: {}", bomb.len());
    let dir = temp_dir("bomb");
    let p = dir.join("bomb.log.gz");
    std::fs::write(&p, &bomb).unwrap();
    let t = Instant::now();
    let out = rollcall_limited(1 << 20, &["--format", "json", "--threads", "2", GOOD, p.to_str().unwrap()], None);
    no_panic(&out);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let size = n << 20;
    assert!(out.stderr.contains(&format!("{}:1: only NUL bytes ({size} bytes)", p.display())), "{}", out.stderr);
    let j = out.json();
    assert_eq!(entry(&j, p.to_str().unwrap())["bytes"], size, "every byte was decompressed and counted");
    assert_eq!(entry(&j, GOOD)["events"], 3);
    eprintln!("bomb: {} -> {size} bytes in {:?}", bomb.len(), t.elapsed());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// chmod 000 denies reads to everyone but root. Under root (containers,
/// CI) the file is readable and must simply be analysed; the denied path
/// is then checked only where the test can observe it.
#[test]
fn unreadable_files_are_named_or_read_when_privileged() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("perm");
    let p = dir.join("secret.log");
    std::fs::write(&p, read(GOOD)).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    let privileged = std::fs::File::open(&p).is_ok();
    for arg in [p.to_str().unwrap(), dir.to_str().unwrap()] {
        let out = rollcall(&["--format", "json", ROLL, arg], None);
        no_panic(&out);
        let j = out.json();
        assert!(entry(&j, ROLL)["events"].as_u64().unwrap() > 10, "the readable input is analysed");
        let e = entry(&j, p.to_str().unwrap());
        if privileged {
            assert!(out.code <= 1, "root reads mode-000 files: {}", out.stderr);
            assert_eq!(e["errors"], serde_json::json!([]));
            assert_eq!(e["events"], 3);
        } else {
            assert_eq!(out.code, 2);
            assert!(out.stderr.contains(&format!("{}: cannot read: Permission denied", p.display())), "{}", out.stderr);
            assert_eq!(e["errors"][0]["line"], serde_json::Value::Null);
        }
    }
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn symlink_loops_in_a_directory_end_and_are_named() {
    use std::os::unix::fs::symlink;
    let dir = temp_dir("loops");
    std::fs::write(dir.join("good.log"), read(GOOD)).unwrap();
    symlink(dir.join("b.log"), dir.join("a.log")).unwrap();
    symlink(dir.join("a.log"), dir.join("b.log")).unwrap();
    symlink(".", dir.join("self")).unwrap();
    symlink("..", dir.join("up")).unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    symlink(&dir, dir.join("sub/back")).unwrap();
    let d = dir.to_str().unwrap();
    let t = Instant::now();
    let out = rollcall(&["--format", "json", d], None);
    assert!(t.elapsed() < Duration::from_secs(30));
    no_panic(&out);
    assert_eq!(out.code, 2, "{}", out.stderr);
    for name in ["a.log", "b.log"] {
        assert!(
            out.stderr.contains(&format!("{d}/{name}: cannot read: Too many levels of symbolic links")),
            "{}",
            out.stderr
        );
    }
    let j = out.json();
    let names: Vec<&str> = j["inputs"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 3, "good.log and the two links, each once: {names:?}");
    assert_eq!(entry(&j, &format!("{d}/good.log"))["events"], 3);
    // A loop named on the command line is walked once, not forever.
    let out = rollcall(&["--format", "json", &format!("{d}/self")], None);
    assert_eq!(out.code, 2);
    assert_eq!(entry(&out.json(), &format!("{d}/self/good.log"))["events"], 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn mkfifo(p: &Path) {
    let st = std::process::Command::new("mkfifo").arg(p).status().expect("mkfifo runs");
    assert!(st.success());
}

/// A FIFO named on the command line is read as a stream until its writer
/// closes it. One met inside a directory is named and skipped: nothing
/// guarantees a writer, and reading it could block forever.
#[test]
fn a_fifo_is_read_until_its_writer_closes() {
    let dir = temp_dir("fifo");
    let p = dir.join("live.log");
    mkfifo(&p);
    let writer = {
        let p = p.clone();
        std::thread::spawn(move || {
            let mut w = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
            for line in read(GOOD).split_inclusive(|&b| b == b'\n') {
                w.write_all(line).unwrap();
                w.flush().unwrap();
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let out = rollcall(&["--format", "json", p.to_str().unwrap()], None);
    writer.join().unwrap();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["inputs"][0]["events"], 3);
    assert_eq!(j["inputs"][0]["lines"], 3);
    std::fs::copy(root().join(GOOD), dir.join("good.log")).unwrap();
    let t = Instant::now();
    let out = rollcall(&["--format", "json", dir.to_str().unwrap()], None);
    assert!(t.elapsed() < Duration::from_secs(30), "a FIFO without a writer does not block the walk");
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains(&format!("{}: not a regular file or directory", p.display())), "{}", out.stderr);
    assert_eq!(entry(&out.json(), &format!("{}/good.log", dir.display()))["events"], 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn paths_that_do_not_exist_are_named_among_good_ones() {
    let out = rollcall(&["--format", "json", "no/such/dir/", GOOD, "no-such.log.gz"], None);
    assert_eq!(out.code, 2);
    for n in ["no/such/dir/", "no-such.log.gz"] {
        assert!(out.stderr.contains(&format!("rollcall: {n}: no such file or directory")), "{}", out.stderr);
    }
    let j = out.json();
    assert_eq!(entry(&j, GOOD)["events"], 3);
    assert_eq!(j["verdict"], "expected_noise");
}

fn event_lines(out: &Out) -> Vec<serde_json::Value> {
    out.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Records out of time order (threads, merged files) give the same
/// timeline as the sorted log: events are ordered by time, not by line.
#[test]
fn timestamps_out_of_order_give_the_same_windows() {
    let text = String::from_utf8(read(ROLL)).unwrap();
    assert!(text.lines().all(|l| l.starts_with('[')), "one line per record in this fixture");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.reverse();
    let shuffled = lines.join("\n") + "\n";
    let a = rollcall(&["--format", "json", "--label", "p"], Some(text.as_bytes())).json();
    let b = rollcall(&["--format", "json", "--label", "p"], Some(shuffled.as_bytes()));
    assert_eq!(b.code, 0, "{}", b.stderr);
    let b = b.json();
    let strip = |v: &serde_json::Value| {
        let mut v = v["brokers"].clone();
        for br in v.as_array_mut().unwrap() {
            for w in br["windows"].as_array_mut().unwrap() {
                w.as_object_mut().unwrap().remove("evidence");
            }
        }
        v
    };
    assert_eq!(strip(&a), strip(&b));
    assert_eq!(a["time_range"], b["time_range"]);
}

/// A clock that jumps back an hour and forward a day, and a log dated in
/// the future: every record keeps the time it says, nothing is dropped.
#[test]
fn clock_jumps_and_future_dates_keep_their_times() {
    let l = |t: &str, n: u32| {
        format!("[{t}] WARN [Producer clientId=p] Node {n} disconnected. (org.apache.kafka.clients.NetworkClient)\n")
    };
    let text = [
        l("2024-02-06 10:00:00,000", 1),
        l("2024-02-06 09:00:00,000", 2),
        l("2024-02-07 10:00:00,000", 3),
        l("2099-12-31 23:59:59,999", 1),
    ]
    .concat();
    // From a file: a pipe's events come live, in line order; a file's are
    // sorted by time.
    let dir = temp_dir("jumps");
    let path = dir.join("jumps");
    std::fs::write(&path, &text).unwrap();
    let out = rollcall(&["--format", "events", path.to_str().unwrap()], None);
    assert!(out.code <= 1, "{}", out.stderr);
    let ev = event_lines(&out);
    let got: Vec<(String, u64)> =
        ev.iter().map(|e| (e["time"].as_str().unwrap().to_string(), e["line"].as_u64().unwrap())).collect();
    assert_eq!(
        got,
        vec![
            ("2024-02-06T09:00:00.000Z".to_string(), 2),
            ("2024-02-06T10:00:00.000Z".to_string(), 1),
            ("2024-02-07T10:00:00.000Z".to_string(), 3),
            ("2099-12-31T23:59:59.999Z".to_string(), 4),
        ]
    );
    let j = rollcall(&["--format", "json", "--label", "jumps"], Some(text.as_bytes())).json();
    assert_eq!(j["time_range"]["end"], "2099-12-31T23:59:59.999Z");
    assert_eq!(j["inputs"][0]["events"], 4);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Europe/Berlin: 02:30 does not exist on 2024-03-31 and happens twice on
/// 2024-10-27. A time in the gap is read with the offset before the jump
/// (+01:00), so it lands an hour on, at 03:30+02:00 (as Java's
/// `ZonedDateTime` shifts it); an ambiguous one is its first occurrence
/// (+02:00). Neither is dropped, and the times either side are exact.
#[test]
fn dst_changes_under_tz_are_read_not_dropped() {
    let l = |t: &str| {
        format!("[{t}] WARN [Producer clientId=p] Node 1 disconnected. (org.apache.kafka.clients.NetworkClient)\n")
    };
    let text = [
        l("2024-03-31 01:59:59,000"),
        l("2024-03-31 02:30:00,000"),
        l("2024-03-31 03:00:00,000"),
        l("2024-10-27 01:59:59,000"),
        l("2024-10-27 02:30:00,000"),
        l("2024-10-27 03:00:00,000"),
    ]
    .concat();
    let dir = temp_dir("dst");
    let path = dir.join("dst");
    std::fs::write(&path, &text).unwrap();
    let out = rollcall(&["--format", "events", "--tz", "Europe/Berlin", path.to_str().unwrap()], None);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(out.code <= 1, "{}", out.stderr);
    let times: Vec<String> = event_lines(&out).iter().map(|e| e["time"].as_str().unwrap().to_string()).collect();
    assert_eq!(
        times,
        vec![
            "2024-03-31T01:59:59.000+01:00",
            "2024-03-31T03:00:00.000+02:00",
            "2024-03-31T03:30:00.000+02:00",
            "2024-10-27T01:59:59.000+02:00",
            "2024-10-27T02:30:00.000+02:00",
            "2024-10-27T03:00:00.000+01:00",
        ]
    );
}

/// A grammar file with bad templates is a usage error: every problem is
/// named with its file and line, and nothing is analysed with half a grammar.
#[test]
fn a_grammar_with_bad_templates_names_each_problem() {
    let dir = temp_dir("badgrammar");
    let p = dir.join("bad.toml");
    std::fs::write(
        &p,
        r#"family = "bad"

[[rule]]
id = "bad.unclosed"
kind = "disconnected"
templates = [{ text = "Node {node disconnected" }]

[[rule]]
id = "bad.name"
kind = "disconnected"
templates = [{ text = "Node {no-de} gone" }]

[[rule]]
id = "bad.kind"
kind = "on_fire"
templates = [{ text = "Node {node} on fire" }]
"#,
    )
    .unwrap();
    let out = rollcall(&["--format", "json", "--grammar", p.to_str().unwrap(), GOOD], None);
    no_panic(&out);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let f = p.display();
    for (line, what) in [(6, "bad.unclosed"), (11, "bad.name"), (15, "bad.kind")] {
        assert!(out.stderr.contains(&format!("{f}:{line}: rule {what}")), "line {line}: {}", out.stderr);
    }
    assert!(out.stdout.is_empty(), "no report from a broken grammar");
    // Not TOML at all: named with its line too.
    std::fs::write(&p, "[[rule]\nid = \n").unwrap();
    let out = rollcall(&["--grammar", p.to_str().unwrap(), GOOD], None);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains(&format!("{f}:1: ")), "{}", out.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Regression (issue 7, found by the chunking properties): a stream's
/// first chunk was cut before its layout was known, at the last whole
/// line of the buffer, so a record straddling that cut lost the
/// continuation lines after it, here the `Expiring` line that makes the
/// record `records_expired`.
#[test]
fn issue7_first_stream_chunk_ends_between_records() {
    let head = "[2024-02-06 11:25:14,002] ERROR Error when sending message to topic orders with key: null, value: 62 bytes with error: (org.apache.kafka.clients.producer.internals.ErrorLoggingCallback)\n";
    let cont = "org.apache.kafka.common.errors.TimeoutException: Expiring 5 record(s) for orders-2:120001 ms has passed since batch creation\n";
    let at = "\tat org.apache.kafka.clients.producer.internals.Sender.sendProducerData(Sender.java:397)\n";
    // --chunk-size 256 --max-line 1022: a 1024-byte stream buffer.
    let mut text = String::new();
    let mut n = 0;
    while text.len() + head.len() + cont.len() < 1000 {
        text.push_str(&format!("[2024-02-06 11:25:13,{n:03}] INFO filler {n} (com.example.App)\n"));
        n += 1;
    }
    text.push_str(head);
    text.push_str(cont);
    assert!(text.len() < 1024 && text.len() + at.len() > 1024, "the stack line straddles the buffer's end");
    text.push_str(at);
    let args = ["--format", "events", "--chunk-size", "256", "--max-line", "1022", "--label", "s"];
    let out = rollcall(&args, Some(text.as_bytes()));
    assert!(out.stdout.contains("\"kind\":\"records_expired\""), "{}\n{}", out.stdout, out.stderr);
    let whole = rollcall(&["--format", "events", "--label", "s"], Some(text.as_bytes()));
    assert_eq!(out.stdout, whole.stdout);
}

/// Accounting (issue 7): per input, lines read, records parsed, and Kafka
/// client lines not understood; `--strict` makes the last an exit 2.
#[test]
fn every_input_counts_what_it_could_not_understand() {
    let out = rollcall(&["--format", "json", "fixtures/unknown-warnings/"], None);
    assert_eq!(out.code, 1, "unknown warnings are an anomaly, not a failure: {}", out.stderr);
    let j = out.json();
    let c = entry(&j, "fixtures/unknown-warnings/consumer.log");
    let events = rollcall(&["--format", "events", "fixtures/unknown-warnings/consumer.log"], None);
    let unknown = events.stdout.lines().filter(|l| l.contains("\"kind\":\"unknown\"")).count() as u64;
    assert!(unknown > 0);
    assert_eq!(c["not_understood"], unknown, "each unknown warning is counted: {c}");
    let first = c["first_not_understood"].as_u64().unwrap();
    let first_unknown = events
        .stdout
        .lines()
        .filter(|l| l.contains("\"kind\":\"unknown\""))
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["line"].as_u64().unwrap());
    assert_eq!(Some(first), first_unknown.min());
    assert!(c["records"].as_u64().unwrap() >= c["events"].as_u64().unwrap());
    let strict = rollcall(&["--strict", "-q", "fixtures/unknown-warnings/"], None);
    assert_eq!(strict.code, 2);
    assert!(
        strict.stderr.contains(&format!(
            "fixtures/unknown-warnings/consumer.log:{first}: {unknown} Kafka client line(s) not understood (--strict)"
        )),
        "{}",
        strict.stderr
    );
    let clean = rollcall(&["--strict", "--format", "json", GOOD], None);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    let g = &clean.json()["inputs"][0];
    assert_eq!((g["lines"].as_u64(), g["records"].as_u64(), g["not_understood"].as_u64()), (Some(3), Some(3), Some(0)));
}

/// A Kafka record whose date cannot be real, and a stack-trace line with no
/// head before it: neither can become an event, both are counted.
#[test]
fn undated_and_headless_kafka_lines_are_counted_not_dropped() {
    let text = [
        "\tat org.apache.kafka.clients.NetworkClient.poll(NetworkClient.java:583) WARN\n",
        "[2024-13-45 10:00:00,000] WARN [Producer clientId=p] Connection to node 1 (b-1.x.amazonaws.com/10.0.0.1:9094) could not be established. Broker may not be available. (org.apache.kafka.clients.NetworkClient)\n",
        "[2024-02-06 10:00:00,000] WARN [Producer clientId=p] Connection to node 1 (b-1.x.amazonaws.com/10.0.0.1:9094) could not be established. Broker may not be available. (org.apache.kafka.clients.NetworkClient)\n",
    ]
    .concat();
    let ev = rollcall(&["--format", "events", "--label", "odd"], Some(text.as_bytes()));
    assert!(ev.stdout.contains("\"kind\":\"connection_failed\""), "{}", ev.stdout);
    let out = rollcall(&["--format", "json", "--label", "odd"], Some(text.as_bytes()));
    assert!(out.code <= 1, "{}", out.stderr);
    let i = &out.json()["inputs"][0];
    assert_eq!(i["events"], 1, "{i}");
    assert_eq!(i["not_understood"], 2, "{i}");
    assert_eq!(i["first_not_understood"], 1);
    let strict = rollcall(&["--strict", "-q", "--label", "odd"], Some(text.as_bytes()));
    assert_eq!(strict.code, 2);
    assert!(strict.stderr.contains("odd:1: 2 Kafka client line(s) not understood"), "{}", strict.stderr);
    // February 30th parses as a head, but no zone can place it in time.
    let feb30 = text.replace("2024-13-45", "2024-02-30");
    let out = rollcall(&["--format", "json", "--tz", "Europe/Berlin", "--label", "odd"], Some(feb30.as_bytes()));
    let i = &out.json()["inputs"][0];
    assert_eq!(
        (i["records"].as_u64(), i["events"].as_u64(), i["not_understood"].as_u64()),
        (Some(2), Some(1), Some(2)),
        "{i}"
    );
}
