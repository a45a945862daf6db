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
use std::sync::OnceLock;

fn fixed() -> &'static (Layouts, Extractor) {
    static F: OnceLock<(Layouts, Extractor)> = OnceLock::new();
    F.get_or_init(|| (Layouts::builtin(), Extractor::new(rollcall::grammar::load_builtin(), Default::default())))
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
    let (layouts, x) = fixed();
    let path = scratch();
    if std::fs::write(path, rest).is_err() {
        return;
    }
    let chunk_size = [1, 7, 64, 4096, analysis::CHUNK_SIZE][(knobs & 7) as usize % 5];
    let zone = if knobs & 8 != 0 { "Europe/Berlin".parse().unwrap() } else { Default::default() };
    let opts = Options {
        inputs: vec![path.display().to_string()],
        zone,
        thresholds: Default::default(),
        since: None,
        until: None,
        chunk_size,
        stdin_label: None,
        topics: None,
        maintenance: None,
    };
    let a = if knobs & 16 != 0 {
        // A short line limit exercises the cut-line path on small inputs.
        let short = Extractor::new(rollcall::grammar::load_builtin(), opts.zone).with_max_line(64);
        analysis::run(&opts, layouts, &short)
    } else {
        analysis::run(&opts, layouts, x)
    };
    for f in [Format::Text, Format::Json, Format::Events] {
        report::write(f, &a, &mut std::io::sink(), knobs & 32 != 0).expect("a sink never fails");
    }
});
