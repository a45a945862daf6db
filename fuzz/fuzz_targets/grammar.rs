//! Grammar matching on arbitrary bytes: the built-in rules classify any
//! logger/level/message/body (split from the input at `\x00`), and the
//! extractor turns any record into an event or nothing. With the first
//! byte odd, the input is a grammar file instead: loading, compiling and
//! sample-checking it must give errors, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rollcall::event::Level;
use rollcall::extract::Extractor;
use rollcall::grammar;
use rollcall::layout::Layouts;
use std::sync::OnceLock;

struct Fixed {
    grammar: grammar::Grammar,
    x: Extractor,
    layouts: Layouts,
}

fn fixed() -> &'static Fixed {
    static F: OnceLock<Fixed> = OnceLock::new();
    F.get_or_init(|| Fixed {
        grammar: grammar::load_builtin(),
        x: Extractor::new(grammar::load_builtin(), Default::default()),
        layouts: Layouts::builtin(),
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode & 1 == 1 {
        let src = String::from_utf8_lossy(rest);
        if let Ok(g) = grammar::load_str("fuzz.toml", &src) {
            let _ = grammar::check::check_samples(&g);
            let _ = Extractor::new(g, Default::default());
        }
        return;
    }
    let f = fixed();
    let mut parts = rest.splitn(3, |&b| b == 0);
    let logger = parts.next().unwrap_or_default();
    let message = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();
    let levels = [None, Some(Level::Info), Some(Level::Warn), Some(Level::Error)];
    let level = levels[(mode >> 1) as usize % levels.len()];
    let (_, msg) = rollcall::extract::split_context(message);
    let _ = f.grammar.classify(logger, level, msg, body);
    // The same bytes as a record of each layout, through the extractor.
    for l in f.layouts.all() {
        let _ = l.with_record(message, body, |r| {
            let _ = f.x.event(r, 0, 1);
            let _ = f.x.config_dump(l, r, 0, 1);
        });
    }
    let _ = rollcall::extract::mask(message);
});
