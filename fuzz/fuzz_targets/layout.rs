//! Layout parsing on arbitrary bytes: detection over the built-in layouts,
//! every line through every layout (head, record, suffix, timestamp), and,
//! when the first byte asks for it, a user pattern (`--layout`) taken from
//! the first line and applied to the rest.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rollcall::layout::{Layout, Layouts};
use rollcall::timefmt::Zone;
use std::sync::OnceLock;

/// Built once: compiling the layouts per input cost 90% of the run time.
fn fixed() -> &'static (Layouts, [Zone; 2]) {
    static F: OnceLock<(Layouts, [Zone; 2])> = OnceLock::new();
    F.get_or_init(|| (Layouts::builtin(), [Zone::default(), "Europe/Berlin".parse().expect("a known zone")]))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let (ls, zones) = fixed();
    if mode & 1 == 1 {
        // `--layout PATTERN` on the first line, logs after it.
        let (pat, logs) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &b""[..]),
        };
        let Ok(pat) = std::str::from_utf8(pat) else { return };
        if let Ok(ls) = Layouts::forced(pat) {
            let _ = ls.detect(logs).map(|l| lines(&l, logs, zones));
        }
        return;
    }
    let _ = ls.detect(rest);
    for l in ls.all() {
        lines(l, rest, zones);
    }
});

fn lines(l: &Layout, data: &[u8], zones: &[Zone]) {
    let mut it = data.split(|&b| b == b'\n').peekable();
    while let Some(head) = it.next() {
        let body = it.peek().copied().unwrap_or_default();
        let _ = l.is_head(head);
        let _ = l.strip_suffix(head);
        if let Some(Some(t)) = l.with_record(head, body, |r| r.time) {
            for z in zones {
                let _ = t.to_utc_millis(z).map(|ms| rollcall::timefmt::rfc3339(ms, z));
            }
        }
    }
}
