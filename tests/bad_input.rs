//! Bad input gets a clear error naming the input (and the line where there
//! is one), the other inputs are still analysed, and the exit code is 2.

mod common;
use common::*;
use std::path::Path;

const GOOD: &str = "fixtures/msk-seed/console.log";

/// Runs the good fixture and `bad` together; returns the output and the
/// JSON entry of `bad`.
fn with_good(bad: &Path) -> (Out, serde_json::Value) {
    let out = rollcall(&["--format", "json", GOOD, bad.to_str().unwrap()], None);
    let j = out.json();
    let inputs = j["inputs"].as_array().unwrap();
    let good = inputs.iter().find(|i| i["name"] == GOOD).expect("the good input is reported");
    assert_eq!(good["events"], 3, "the good input is still analysed");
    assert_eq!(good["errors"], serde_json::json!([]));
    let entry = inputs.iter().find(|i| i["name"] == bad.to_str().unwrap()).cloned().expect("the bad input is named");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    (out, entry)
}

fn seed_lines() -> String {
    String::from_utf8(read(GOOD)).unwrap()
}

#[test]
fn invalid_utf8_is_named_with_its_line_and_the_line_still_counts() {
    let dir = temp_dir("utf8");
    let p = dir.join("latin1.log");
    let mut data = seed_lines().into_bytes();
    let second = data.iter().position(|&b| b == b'\n').unwrap() + 1;
    data.splice(second..second, b"[2024-02-06 10:47:03,000] INFO caf\xe9 (com.example.App)\n".iter().copied());
    std::fs::write(&p, &data).unwrap();
    let (out, entry) = with_good(&p);
    assert!(out.stderr.contains(&format!("{}:2: invalid UTF-8", p.display())), "{}", out.stderr);
    assert_eq!(entry["events"], 3, "the lines around it are analysed");
    assert_eq!(entry["errors"][0]["line"], 2);
}

#[test]
fn nul_bytes_are_named_with_their_line() {
    let dir = temp_dir("nul");
    let p = dir.join("zeros.log");
    let mut data = seed_lines().into_bytes();
    data.extend_from_slice(&[0u8; 4096]);
    data.extend_from_slice(b"\n[2024-02-06 11:30:00,000] WARN [Producer clientId=p] Node 1 disconnected. (org.apache.kafka.clients.NetworkClient)\n");
    std::fs::write(&p, &data).unwrap();
    let (out, entry) = with_good(&p);
    assert!(out.stderr.contains(&format!("{}:4: 4096 NUL byte(s)", p.display())), "{}", out.stderr);
    assert_eq!(entry["events"], 4, "the line after the zeros is read");
}

#[test]
fn a_100_mb_line_is_cut_reported_and_what_follows_is_read() {
    let dir = temp_dir("long");
    let p = dir.join("huge.log");
    let mut data = b"[2024-02-06 10:47:00,000] WARN [Producer clientId=p] Node 1 disconnected. ".to_vec();
    data.extend(std::iter::repeat_n(b'x', 100 << 20));
    data.extend_from_slice(b" (org.apache.kafka.clients.NetworkClient)\n");
    data.extend_from_slice(seed_lines().as_bytes());
    std::fs::write(&p, &data).unwrap();
    let (out, entry) = with_good(&p);
    assert!(out.stderr.contains(&format!("{}:1: line longer than 1048576 bytes", p.display())), "{}", out.stderr);
    assert_eq!(entry["lines"], 4);
    assert_eq!(entry["events"], 4, "the long line's head and the three lines after it");
    // The same through a pipe, in bounded memory.
    let piped = rollcall(&["--format", "json", "--label", "huge.log"], Some(&data));
    assert_eq!(piped.code, 2);
    assert!(piped.stderr.contains("huge.log:1: line longer than 1048576 bytes"), "{}", piped.stderr);
    assert_eq!(piped.json()["inputs"][0]["events"], 4);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_truncated_gzip_keeps_what_it_had() {
    let dir = temp_dir("trunc");
    let p = dir.join("producer.log.gz");
    let gz = gzip(&read("fixtures/clean-roll/producer.log"));
    std::fs::write(&p, &gz[..gz.len() * 2 / 3]).unwrap();
    let (out, entry) = with_good(&p);
    // Named with the line the stream broke in (issue 7): the one after the
    // last whole line read, or the cut one.
    let line = entry["errors"][0]["line"].as_u64().expect("the error names a line");
    assert!(line > 1 && line <= entry["lines"].as_u64().unwrap() + 1, "{entry}");
    assert!(
        out.stderr.contains(&format!("{}:{line}: gzip stream ends early or is corrupt after", p.display())),
        "{}",
        out.stderr
    );
    assert!(entry["events"].as_u64().unwrap() > 10, "the part before the cut is analysed: {entry}");
}

#[test]
fn missing_and_unreadable_paths_are_named() {
    let dir = temp_dir("missing");
    std::os::unix::fs::symlink(dir.join("gone.log"), dir.join("dangling.log")).unwrap();
    let missing = dir.join("nope.log");
    let out = rollcall(&["--format", "json", GOOD, missing.to_str().unwrap(), dir.to_str().unwrap()], None);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains(&format!("{}: no such file or directory", missing.display())), "{}", out.stderr);
    assert!(out.stderr.contains("dangling.log: cannot read"), "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["verdict"], "expected_noise", "the readable input still gives its verdict");
    assert_eq!(j["inputs"].as_array().unwrap().len(), 3);
}

#[test]
fn an_unknown_layout_is_an_error_that_shows_the_line() {
    let dir = temp_dir("layout");
    let p = dir.join("mystery.log");
    std::fs::write(&p, "Tue Feb  6 10:47:03 2024 something happened\nand again\n").unwrap();
    let (out, entry) = with_good(&p);
    assert!(out.stderr.contains(&format!("{}:1: unknown layout", p.display())), "{}", out.stderr);
    assert!(out.stderr.contains("--layout"), "the error says what to do: {}", out.stderr);
    assert!(out.stderr.contains("something happened"));
    assert_eq!(entry["format"], serde_json::Value::Null);
    assert_eq!(entry["lines"], 2);
}

#[test]
fn an_empty_input_is_clean_not_an_error() {
    let out = rollcall(&["--format", "json"], Some(b""));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["verdict"], "clean");
}

#[test]
fn binary_junk_never_panics() {
    let mut junk = Vec::new();
    let mut x: u64 = 0x9e3779b97f4a7c15;
    for _ in 0..200_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        junk.push((x >> 24) as u8);
    }
    let mut mixed = seed_lines().into_bytes();
    mixed.extend_from_slice(&junk);
    for input in [junk.clone(), mixed, gzip(&junk)] {
        let out = rollcall(&["--format", "json"], Some(&input));
        assert!(out.code == 0 || out.code == 2, "{}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        out.json();
    }
}
