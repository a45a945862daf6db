//! Criterion benches per stage, each with `Throughput::Bytes` so the numbers
//! read as GB/s: chunking, the byte scan, the prefilter, layout parsing, timestamps (the
//! hand parser beside chrono's), grammar matching, and correlation.
//! Input: 32 MB from the seeded generator (`rollcall-gen bulk`).

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rollcall::analysis::{self, Options};
use rollcall::broker;
use rollcall::correlate;
use rollcall::extract::bytes::ByteScan;
use rollcall::extract::prefilter::Prefilter;
use rollcall::extract::Extractor;
use rollcall::grammar;
use rollcall::input::chunk::split;
use rollcall::layout::timestamp::DateFormat;
use rollcall::layout::Layouts;
use rollcall::noise::Thresholds;
use rollcall::timefmt::Zone;
use std::process::Command;

fn bulk(bytes: &str) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_rollcall-gen"))
        .args(["bulk", "--bytes", bytes, "--seed", "7"])
        .output()
        .expect("rollcall-gen runs");
    assert!(out.status.success());
    out.stdout
}

fn stages(c: &mut Criterion) {
    let data = bulk("32M");
    let layouts = Layouts::builtin();
    let layout = &layouts.detect(&data[..65536]).unwrap();
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').take(200_000).collect();
    let line_bytes: u64 = lines.iter().map(|l| l.len() as u64 + 1).sum();
    let g = grammar::load_builtin();
    let x = Extractor::new(g.clone(), Zone::default());

    let mut grp = c.benchmark_group("stages");
    grp.sample_size(10);
    grp.throughput(Throughput::Bytes(data.len() as u64));
    grp.bench_function("chunking", |b| b.iter(|| split(black_box(&data), 4 << 20, &|l| layout.is_head(l)).len()));
    grp.bench_function("newline_count", |b| b.iter(|| memchr::memchr_iter(b'\n', black_box(&data)).count()));
    // The one pass the extractor makes over every byte: newlines per block
    // and the NUL / non-ASCII check (it replaced the count above and a
    // separate check).
    grp.bench_function("byte_scan", |b| {
        b.iter(|| data.chunks(4 << 20).map(|c| ByteScan::new(black_box(c)).newlines()).sum::<u64>())
    });
    let pf = Prefilter::new(&g.literals());
    grp.bench_function("prefilter", |b| {
        b.iter(|| {
            let (mut n, mut pos) = (0, 0);
            while let Some(h) = pf.next(&data, pos) {
                n += 1;
                pos = h + 1;
            }
            n
        })
    });
    grp.bench_function("extract_chunk", |b| b.iter(|| x.chunk(layout, black_box(&data), 0).events.len()));

    grp.throughput(Throughput::Bytes(line_bytes));
    grp.bench_function("layout_parse", |b| {
        b.iter(|| lines.iter().filter(|l| layout.with_record(black_box(l), b"", |r| r.level).is_some()).count())
    });
    // The rules of the layout's families, record-scope ones gated by their
    // literals: what the extractor runs.
    let set = g.rule_set(&layout.families);
    grp.bench_function("grammar_match_rule_set", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter(|l| {
                    layout.with_record(l, b"", |r| g.classify_in(&set, r.logger, r.level, r.message, r.body).is_some())
                        == Some(true)
                })
                .count()
        })
    });
    grp.bench_function("grammar_match", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter(|l| {
                    layout.with_record(l, b"", |r| g.classify(r.logger, r.level, r.message, r.body).is_some())
                        == Some(true)
                })
                .count()
        })
    });

    let stamps: Vec<&[u8]> = lines.iter().map(|l| &l[1..24.min(l.len())]).collect();
    grp.throughput(Throughput::Bytes(stamps.iter().map(|s| s.len() as u64).sum()));
    let df = DateFormat::compile(None).unwrap();
    grp.bench_function("timestamp_by_hand", |b| {
        b.iter(|| stamps.iter().filter(|s| df.parse(black_box(s)).is_some()).count())
    });
    grp.bench_function("timestamp_chrono", |b| {
        b.iter(|| {
            stamps
                .iter()
                .filter(|s| {
                    std::str::from_utf8(s)
                        .ok()
                        .and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S,%3f").ok())
                        .is_some()
                })
                .count()
        })
    });

    let dir = std::env::temp_dir().join(format!("rollcall-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bulk.log");
    std::fs::write(&file, &data).unwrap();
    // Every event kept: the correlation bench measures the lines' events.
    let opts = Options { thin_after: None, ..Options::new(vec![file.display().to_string()]) };
    let events = analysis::run(&opts, &layouts, &x).events;
    grp.throughput(Throughput::Elements(events.len() as u64));
    grp.bench_function("correlation", |b| {
        b.iter_batched(
            || events.clone(),
            |mut evs| {
                let t = Thresholds::default();
                let hosts = broker::resolve(&mut evs, t.gap_ms, &broker::Hints::default());
                let tl = correlate::timelines(&evs, &hosts, t.gap_ms, evs.last().map(|e| e.time), false).0;
                let zone = Zone::default();
                let facts = rollcall::noise::Facts {
                    timelines: &tl,
                    configs: &[],
                    racks: &Default::default(),
                    host_broker: &Default::default(),
                    topics: None,
                    topics_input: None,
                    maintenance: None,
                    thresholds: t,
                    stamp: rollcall::timefmt::Stamp::new(
                        zone,
                        evs.first().zip(evs.last()).map(|(a, b)| (a.time, b.time)),
                    ),
                };
                rollcall::noise::findings(&facts, &evs).len()
            },
            BatchSize::LargeInput,
        )
    });
    grp.throughput(Throughput::Bytes(data.len() as u64));
    grp.bench_function("whole_analysis", |b| b.iter(|| analysis::run(&opts, &layouts, &x).events.len()));
    grp.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, stages);
criterion_main!(benches);
