//! The whole pipeline on arbitrary bytes, through the library: the bytes
//! are written to a file (mapped when plain, streamed when they start with
//! gzip or zstd magic) and analysed as `rollcall FILE` would, with the
//! chunk size and line limit taken from the first bytes so that chunk and
//! line boundaries fall everywhere; then every report format is written.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rollcall::analysis::{self, Options};
use rollcall::extract::Extractor;
use rollcall::layout::Layouts;
use rollcall::report::{self, Format};
use rollcall::timefmt::Zone;
use std::sync::OnceLock;

/// Layouts, zones and extractors built once (per zone, and with a short
/// line limit that exercises the cut-line path on small inputs).
struct Fixed {
    layouts: Layouts,
    zones: [Zone; 2],
    x: [[Extractor; 2]; 2],
}

fn fixed() -> &'static Fixed {
    static F: OnceLock<Fixed> = OnceLock::new();
    F.get_or_init(|| {
        let zones: [Zone; 2] = [Zone::default(), "Europe/Berlin".parse().expect("a known zone")];
        let x = |z: Zone, short: bool| {
            let x = Extractor::new(rollcall::grammar::load_builtin(), z);
            if short {
                x.with_max_line(64)
            } else {
                x
            }
        };
        Fixed {
            layouts: Layouts::builtin(),
            zones,
            x: [[x(zones[0], false), x(zones[0], true)], [x(zones[1], false), x(zones[1], true)]],
        }
    })
}

fn scratch() -> &'static std::path::Path {
    static P: OnceLock<std::path::PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm".into() } else { std::env::temp_dir() };
        base.join(format!("rollcall-fuzz-{}.log", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, rest)) = data.split_first() else { return };
    let f = fixed();
    let path = scratch();
    if std::fs::write(path, rest).is_err() {
        return;
    }
    let chunk_size = [1, 7, 64, 4096, analysis::CHUNK_SIZE][(knobs & 7) as usize % 5];
    let z = usize::from(knobs & 8 != 0);
    // Every format is written: the analysis keeps what each reads.
    let opts = Options {
        zone: f.zones[z],
        chunk_size,
        keep_events: true,
        keep_evidence: true,
        keep_density: true,
        ..Options::new(vec![path.display().to_string()])
    };
    let a = analysis::run(&opts, &f.layouts, &f.x[z][usize::from(knobs & 16 != 0)]);
    // Colour and a narrow terminal width exercise the text report's wrapping.
    let style = report::Style { color: knobs & 32 != 0, width: (knobs & 64 != 0).then_some(40) };
    for f in [Format::Text, Format::Json, Format::Events, Format::Markdown, Format::Html] {
        report::write(f, &a, &mut std::io::sink(), style).expect("a sink never fails");
    }
});
