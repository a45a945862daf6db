//! Helpers shared by the end-to-end tests: they drive the built binaries.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Out {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Out {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs rollcall from the crate root with `args`, feeding `stdin` if given.
pub fn rollcall(args: &[&str], stdin: Option<&[u8]>) -> Out {
    run(env!("CARGO_BIN_EXE_rollcall"), args, stdin)
}

pub fn run(bin: &str, args: &[&str], stdin: Option<&[u8]>) -> Out {
    let mut cmd = Command::new(bin);
    cmd.args(args).current_dir(root()).env_remove("NO_COLOR");
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the binary runs");
    if let Some(data) = stdin {
        let mut si = child.stdin.take().expect("stdin is piped");
        let data = data.to_vec();
        // Write from another thread so a full stdout pipe cannot deadlock us.
        std::thread::spawn(move || {
            let _ = si.write_all(&data);
        });
    }
    let o = child.wait_with_output().expect("the binary finishes");
    Out {
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        code: o.status.code().unwrap_or(-1),
    }
}

/// The fixture directories, sorted.
pub fn fixtures() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("fixtures"))
        .expect("fixtures/ exists")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The extra arguments of a fixture (its `args` file: one per line).
pub fn fixture_args(name: &str) -> Vec<String> {
    match std::fs::read_to_string(root().join("fixtures").join(name).join("args")) {
        Ok(s) => s.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from).collect(),
        Err(_) => Vec::new(),
    }
}

/// Runs a fixture as a user would: `rollcall [args] fixtures/NAME/`.
pub fn run_fixture(name: &str, format: &str) -> Out {
    let dir = format!("fixtures/{name}/");
    let extra = fixture_args(name);
    let mut args: Vec<&str> = vec!["--format", format, "--color", "never"];
    args.extend(extra.iter().map(String::as_str));
    args.push(&dir);
    rollcall(&args, None)
}

/// A fresh directory for one call: tests of one binary run in parallel,
/// and two that shared a directory rewrote each other's inputs (the HTML
/// test once read a hostile log another test was rewriting: no windows).
pub fn temp_dir(tag: &str) -> PathBuf {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("rollcall-test-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn read(p: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(root().join(p)).unwrap()
}

pub fn kinds(json: &serde_json::Value) -> Vec<String> {
    let mut k: Vec<String> =
        json["anomalies"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap().to_string()).collect();
    k.sort();
    k.dedup();
    k
}
