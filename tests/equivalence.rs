//! The same logs give byte-identical JSON however they are read: memory
//! mapped, piped, gzip or zstd, on one thread or two, whatever the chunk
//! size (chunk boundaries in the middle of multi-line records included).

mod common;
use common::*;

const FILES: &[&str] = &["fixtures/records-expired/producer.log", "fixtures/records-expired/consumer.log"];

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
                assert!(out.stdout == base.stdout, "{file} {format}: {name} differs from the mapped file");
            }
        }
    }
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
