//! Live input: `kubectl logs -f ... | rollcall --format events` writes each
//! event while the input is still open, and a stream's memory stays bounded.
//! Timings here are generous bounds on behaviour (an event must come out
//! before the input ends), not speed measurements.

mod common;
use common::*;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a test waits for an event it expects; far above the one
/// second the tool promises, so a loaded CI machine does not flake.
const PATIENCE: Duration = Duration::from_secs(20);

#[test]
fn events_come_out_while_the_input_is_still_open() {
    let log = read("fixtures/clean-roll/producer.log");
    let text = String::from_utf8(log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let first_warn = lines.iter().position(|l| l.contains(" WARN ")).expect("the fixture has warnings");

    let mut child = spawn(&["--format", "events", "--label", "pod"]);
    let mut stdin = child.stdin.take().unwrap();
    let rx = lines_of(&mut child);

    // The quiet INFO start, then the first warning, written slowly: one
    // line at a time, as a live pod logs them.
    for l in &lines[..=first_warn] {
        writeln!(stdin, "{l}").unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    let got = rx.recv_timeout(PATIENCE).expect("an event before the input ends");
    let ev: serde_json::Value = serde_json::from_str(&got).unwrap();
    assert_eq!(ev["input"], "pod");
    assert_eq!(ev["line"], (first_warn + 1) as u64, "the first event is the first warning's line");
    assert!(rx.try_recv().is_err(), "nothing past the lines written so far");

    // The input stays open and quiet for a while; then the rest arrives.
    std::thread::sleep(Duration::from_millis(300));
    for l in &lines[first_warn + 1..] {
        writeln!(stdin, "{l}").unwrap();
    }
    drop(stdin);
    let rest: Vec<String> = rx.iter().collect();
    let status = child.wait().unwrap();
    assert!(status.code().unwrap() <= 1);

    // Together, the same events as the file gives, in line order.
    let file = rollcall(&["--format", "events", "fixtures/clean-roll/producer.log"], None);
    assert_eq!(rest.len() + 1, file.stdout.lines().count());
    let mut lines_seen: Vec<u64> = std::iter::once(&got)
        .chain(&rest)
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["line"].as_u64().unwrap())
        .collect();
    let sorted = {
        let mut s = lines_seen.clone();
        s.sort();
        s
    };
    assert_eq!(lines_seen, sorted, "live events come in line order");
    lines_seen.dedup();
    assert_eq!(lines_seen.len(), rest.len() + 1, "no event written twice");
}

#[test]
fn a_lone_continuation_line_waits_for_the_layout() {
    // The first line a live input shows is a stack-trace line: the layout
    // is found once real head lines arrive, and nothing is lost.
    let log = read("fixtures/clean-roll/producer.log");
    let mut data = b"\tat org.apache.kafka.clients.NetworkClient.poll(NetworkClient.java:1)\n".to_vec();
    data.extend_from_slice(&log);
    let cut = data.iter().position(|&b| b == b'\n').unwrap() + 1;
    let out = slowly(&["--format", "json"], &[&data[..cut], &data[cut..]]);
    let plain = rollcall(&["--format", "json"], Some(&log));
    assert_eq!(out.code, plain.code, "{}", out.stderr);
    let (a, b) = (out.json(), plain.json());
    assert_eq!(a["inputs"][0]["format"], "kafka-log4j");
    assert_eq!(a["inputs"][0]["events"], b["inputs"][0]["events"]);
    let windows = |j: &serde_json::Value| -> Vec<(String, String, String, u64)> {
        let mut v = Vec::new();
        for b in j["brokers"].as_array().unwrap() {
            for w in b["windows"].as_array().unwrap() {
                let s = |k: &str| w[k].as_str().unwrap().to_string();
                v.push((b["broker"].to_string(), s("start"), s("end"), w["events"].as_u64().unwrap()));
            }
        }
        v
    };
    assert!(!windows(&b).is_empty());
    assert_eq!(windows(&a), windows(&b), "the same windows, one line further down");
}

/// Starts rollcall with every standard stream piped. The process is killed
/// when the test ends, so a failed `--follow` test leaves nothing running.
fn spawn(args: &[&str]) -> Reaped {
    let child = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    Reaped(Some(child))
}

/// A child process that is killed and reaped when dropped (until taken
/// back with `into_inner`).
struct Reaped(Option<std::process::Child>);

impl Reaped {
    fn into_inner(mut self) -> std::process::Child {
        self.0.take().expect("taken once")
    }
}

impl std::ops::Deref for Reaped {
    type Target = std::process::Child;
    fn deref(&self) -> &std::process::Child {
        self.0.as_ref().expect("not taken")
    }
}

impl std::ops::DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        self.0.as_mut().expect("not taken")
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Some(c) = &mut self.0 {
            // Already ended in a passing test; both calls then fail harmlessly.
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Runs rollcall on stdin written in pieces, with a pause after each so
/// that the input looks quiet between them.
fn slowly(args: &[&str], pieces: &[&[u8]]) -> Out {
    let mut child = spawn(args);
    let mut stdin = child.stdin.take().unwrap();
    let pieces: Vec<Vec<u8>> = pieces.iter().map(|p| p.to_vec()).collect();
    std::thread::spawn(move || {
        for p in pieces {
            let _ = stdin.write_all(&p).and_then(|()| stdin.flush());
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let o = child.into_inner().wait_with_output().unwrap();
    Out {
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        code: o.status.code().unwrap_or(-1),
    }
}

/// A long batch run shows a progress bar on stderr when stderr is a
/// terminal, and never when it is a pipe; stdout is the same either way.
#[test]
fn progress_only_on_a_terminal() {
    let dir = temp_dir("progress");
    let log = dir.join("big.log");
    let gen = run(env!("CARGO_BIN_EXE_rollcall-gen"), &["bulk", "--bytes", "80M"], None);
    assert_eq!(gen.code, 0, "{}", gen.stderr);
    std::fs::write(&log, gen.stdout.as_bytes()).unwrap();
    let log = log.to_str().unwrap();

    let piped = rollcall(&["--format", "json", log], None);
    assert!(piped.code <= 1, "{}", piped.stderr);
    assert!(piped.stderr.is_empty(), "no progress into a pipe: {:?}", &piped.stderr[..piped.stderr.len().min(200)]);

    let Some(script) = ["/usr/bin/script", "/bin/script"].into_iter().find(|p| std::path::Path::new(p).exists()) else {
        eprintln!("SKIPPED: no `script` (util-linux) to give rollcall a terminal");
        return;
    };
    let json = dir.join("out.json");
    let cmd = format!("{} --format json {log} > {}", env!("CARGO_BIN_EXE_rollcall"), json.display());
    let tty = Command::new(script).args(["-qec", &cmd, "/dev/null"]).output().unwrap();
    let shown = String::from_utf8_lossy(&tty.stdout);
    // How far it got before it was cleared depends on the machine's speed.
    assert!(shown.contains("/76.29 MiB"), "a bar with the bytes to read: {:?}", &shown[..shown.len().min(300)]);
    assert!(shown.ends_with("\u{1b}[2K"), "the bar is cleared at the end");
    assert_eq!(std::fs::read_to_string(&json).unwrap(), piped.stdout, "the report is untouched by the bar");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Reads a child's stdout on a thread, a line at a time.
fn lines_of(child: &mut std::process::Child) -> mpsc::Receiver<String> {
    lines_in(child.stdout.take().unwrap())
}

/// Reads a stream on a thread, a line at a time.
fn lines_in(r: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for l in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for a line containing `want`; returns every line up to it.
fn until(rx: &mpsc::Receiver<String>, want: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let l = rx.recv_timeout(PATIENCE).unwrap_or_else(|_| panic!("no line with {want:?} after {seen:#?}"));
        let done = l.contains(want);
        seen.push(l);
        if done {
            return seen;
        }
    }
}

fn interrupt(child: &std::process::Child) {
    let ok = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success();
    assert!(ok, "kill -INT");
}

/// The clean roll's lines, and the line (1-based) of the first event that
/// names broker 2 itself (the live view knows no attribution by time).
fn clean_roll() -> (Vec<String>, usize) {
    let text = String::from_utf8(read("fixtures/clean-roll/producer.log")).unwrap();
    (text.lines().map(String::from).collect(), first_line_naming("2"))
}

/// The line (1-based) of the clean roll's first event that names `broker`.
fn first_line_naming(broker: &str) -> usize {
    let events = rollcall(&["--format", "events", "fixtures/clean-roll/producer.log"], None);
    events
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["broker"] == broker && e["attributed"] == "line")
        .unwrap_or_else(|| panic!("broker {broker} goes out in the clean roll"))["line"]
        .as_u64()
        .unwrap() as usize
}

#[test]
fn follow_tells_each_window_as_it_opens_and_closes_then_the_report() {
    let (lines, first_of_2) = clean_roll();
    let mut child = spawn(&["--follow"]);
    let mut stdin = child.stdin.take().unwrap();
    let rx = lines_of(&mut child);
    for l in &lines[..first_of_2] {
        writeln!(stdin, "{l}").unwrap();
        stdin.flush().unwrap();
    }
    // Broker 1 went out and came back, broker 2 is out: said while the
    // input is still open, in that order.
    let seen = until(&rx, "broker 2 OUT");
    let at = |what: &str| seen.iter().position(|l| l.contains(what)).unwrap_or_else(|| panic!("{what}: {seen:#?}"));
    assert!(at("broker 1 OUT") < at("broker 1 BACK"));
    assert!(seen[at("broker 1 BACK")].contains("ended by its last symptom"), "{seen:#?}");
    assert!(seen[at("broker 2 OUT")].contains(&format!("(-:{first_of_2})")), "{seen:#?}");
    assert!(rx.try_recv().is_err(), "broker 2 is still out: nothing more to say yet");
    for l in &lines[first_of_2..] {
        writeln!(stdin, "{l}").unwrap();
    }
    drop(stdin);
    let rest: Vec<String> = rx.iter().collect();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let verdict = rest.iter().position(|l| l.starts_with("EXPECTED NOISE")).expect("the report at the end");
    assert!(rest[..verdict].iter().any(|l| l.contains("broker 2 BACK")), "{rest:#?}");
    assert!(rest[..verdict].iter().any(|l| l.contains("broker 3 OUT")), "{rest:#?}");
}

#[test]
fn ctrl_c_ends_a_follow_with_the_report() {
    let (lines, _) = clean_roll();
    let mut child = spawn(&["--follow"]);
    let mut stdin = child.stdin.take().unwrap();
    let rx = lines_of(&mut child);
    for l in &lines {
        writeln!(stdin, "{l}").unwrap();
    }
    stdin.flush().unwrap();
    until(&rx, "broker 3 OUT");
    // The input stays open (as `kubectl logs -f` would): only Ctrl-C ends it.
    interrupt(&child);
    let rest: Vec<String> = rx.iter().collect();
    assert_eq!(child.wait().unwrap().code(), Some(0), "{rest:#?}");
    assert!(rest.iter().any(|l| l.starts_with("EXPECTED NOISE")), "{rest:#?}");
    drop(stdin);
}

/// `rollcall --follow DIR/app.log` on the clean roll up to broker 2's first
/// line, once it has said `broker 2 OUT`.
struct Followed {
    lines: Vec<String>,
    first_of_2: usize,
    dir: std::path::PathBuf,
    path: std::path::PathBuf,
    child: Reaped,
    /// Its stdout and its stderr, line by line.
    out: mpsc::Receiver<String>,
    err: mpsc::Receiver<String>,
}

fn follow_to_broker_2(tag: &str) -> Followed {
    let (lines, first_of_2) = clean_roll();
    let dir = temp_dir(tag);
    let path = dir.join("app.log");
    std::fs::write(&path, lines[..first_of_2].join("\n") + "\n").unwrap();
    let mut child = spawn(&["--follow", path.to_str().unwrap()]);
    let out = lines_of(&mut child);
    let err = lines_in(child.stderr.take().unwrap());
    until(&out, "broker 2 OUT");
    Followed { lines, first_of_2, dir, path, child, out, err }
}

#[test]
fn follow_reads_a_growing_file_as_tail_f_does() {
    let Followed { lines, first_of_2, dir, path, mut child, out: rx, .. } = follow_to_broker_2("follow");
    let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all((lines[first_of_2..].join("\n") + "\n").as_bytes()).unwrap();
    until(&rx, "broker 3 OUT");
    interrupt(&child);
    let rest: Vec<String> = rx.iter().collect();
    assert_eq!(child.wait().unwrap().code(), Some(0), "{rest:#?}");
    assert!(rest.iter().any(|l| l.starts_with("EXPECTED NOISE")), "{rest:#?}");
    assert!(rest.iter().any(|l| l.contains("app.log")), "the report names the file");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// How a followed file is rotated in the tests below.
#[derive(Clone, Copy, PartialEq)]
enum Rotation {
    /// logrotate's `create`, log4j and logback rolling appenders.
    Rename,
    /// logrotate's `copytruncate`.
    CopyTruncate,
}

/// Follows app.log through a rotation in the middle of broker 2's window:
/// the rest of the roll is told live from the new file, with its own line
/// numbers, and the final report is the one the two parts give as files
/// named as the follow names them.
fn follow_across(rotation: Rotation) {
    let Followed { lines, first_of_2, dir, path, mut child, out: rx, err: stderr } = follow_to_broker_2("rotate");
    let first_of_3 = first_line_naming("3");
    let (first, rest) = (lines[..first_of_2].join("\n") + "\n", lines[first_of_2..].join("\n") + "\n");
    match rotation {
        Rotation::Rename => {
            std::fs::rename(&path, dir.join("app.log.1")).unwrap();
            std::fs::write(&path, &rest).unwrap();
        }
        Rotation::CopyTruncate => {
            std::fs::copy(&path, dir.join("app.log.1")).unwrap();
            let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            f.set_len(0).unwrap();
            (&f).write_all(rest.as_bytes()).unwrap();
        }
    }
    let successor = format!("{} (after rotation 1)", path.display());
    let seen = until(&rx, "broker 3 OUT");
    let out3 = seen.last().unwrap();
    assert!(out3.contains(&format!("({successor}:{})", first_of_3 - first_of_2)), "{seen:#?}");
    interrupt(&child);
    let rest_out: Vec<String> = rx.iter().collect();
    assert_eq!(child.wait().unwrap().code(), Some(0), "{rest_out:#?}");
    let notes: Vec<String> = stderr.iter().collect();
    let said = match rotation {
        Rotation::Rename => "app.log was rotated",
        Rotation::CopyTruncate => "app.log was truncated",
    };
    assert_eq!(notes.iter().filter(|l| l.starts_with("rollcall: note: ") && l.contains(said)).count(), 1, "{notes:#?}");
    assert_eq!(notes.len(), 1, "nothing else on stderr: {notes:#?}");
    let report = rest_out.iter().position(|l| l.starts_with("EXPECTED NOISE")).expect("the report");
    let report = rest_out[report..].join("\n") + "\n";
    assert!(report.contains(&format!("  {}  kafka-log4j, {first_of_2} lines", path.display())), "{report}");
    let n = lines.len() - first_of_2;
    assert!(report.contains(&format!("  {successor}  kafka-log4j, {n} lines")), "{report}");

    // The same report from the two parts as files with those names.
    std::fs::write(&path, &first).unwrap();
    let successor_file = dir.join("app.log (after rotation 1)");
    std::fs::write(&successor_file, &rest).unwrap();
    let parts = [path.to_str().unwrap(), successor_file.to_str().unwrap()];
    let batch = rollcall(&parts, None);
    assert_eq!(batch.code, 0, "{}", batch.stderr);
    assert_eq!(report, batch.stdout);
    // One window of broker 2 across the rotation, with evidence in both.
    let json = rollcall(&[&["--format", "json"][..], &parts[..]].concat(), None).json();
    let b2 = json["brokers"].as_array().unwrap().iter().find(|b| b["broker"] == "2").unwrap();
    let windows = b2["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 1, "{b2:#}");
    let inputs: Vec<&str> =
        windows[0]["evidence"].as_array().unwrap().iter().map(|e| e["input"].as_str().unwrap()).collect();
    assert!(inputs.contains(&parts[0]) && inputs.contains(&parts[1]), "{inputs:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn follow_goes_on_with_the_new_file_after_rename_rotation() {
    follow_across(Rotation::Rename);
}

#[test]
fn follow_reads_a_file_again_from_its_start_after_copytruncate() {
    follow_across(Rotation::CopyTruncate);
}

/// A successor that cannot be read is named on stderr at once and tried
/// again; still unreadable when the follow ends, it is an input error
/// (exit 2) and what was read is still reported. (The tests run as root,
/// whom no permission stops: a directory stands for the unreadable file.)
#[test]
fn an_unreadable_successor_is_tried_again_then_named_as_an_input_error() {
    for recovers in [false, true] {
        let Followed { lines, first_of_2, dir, path, mut child, out: rx, err: stderr } =
            follow_to_broker_2("rotate-unreadable");
        std::fs::rename(&path, dir.join("app.log.1")).unwrap();
        std::fs::create_dir(&path).unwrap();
        until(&stderr, "cannot be read (not a regular file); still trying");
        if recovers {
            std::fs::remove_dir(&path).unwrap();
            std::fs::write(&path, lines[first_of_2..].join("\n") + "\n").unwrap();
            until(&rx, "broker 3 OUT");
        }
        interrupt(&child);
        let rest: Vec<String> = rx.iter().collect();
        let code = child.wait().unwrap().code();
        let notes: Vec<String> = stderr.iter().collect();
        assert!(rest.iter().any(|l| l.starts_with("EXPECTED NOISE")), "the report of what was read: {rest:#?}");
        let error = format!("rollcall: {} (after rotation 1): cannot read: not a regular file", path.display());
        if recovers {
            assert_eq!(code, Some(0), "{notes:#?}");
            assert!(!notes.contains(&error), "{notes:#?}");
        } else {
            assert_eq!(code, Some(2), "{notes:#?}");
            assert!(notes.contains(&error), "{notes:#?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
