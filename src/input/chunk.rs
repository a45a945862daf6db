//! Chunks: line-aligned, record-aligned pieces of an input.
//!
//! A chunk always starts at the head line of a record and ends just before
//! another one, so that a stack trace stays with the line that logged it
//! and chunks can be processed in parallel. Mapped files are split at
//! nominal offsets moved forward to the next head line; streams are read
//! into large reused slots and cut where they lie, and the last, possibly
//! incomplete record of a slot is carried over to the next one. A line longer than the limit is kept
//! by its first `max_line + 1` bytes (the extractor reports it), so a
//! stream's memory stays bounded whatever it holds.

use super::readahead::{End, Feed, Slots, QUIET, SLOTS};
use std::io;
use std::ops::Range;
use std::sync::Arc;

/// How far past a nominal split point we look for a head line before
/// splitting at a plain line boundary.
const MAX_SEEK: usize = 1 << 20;

/// Splits `data` into ranges of about `size` bytes, each starting at a head
/// line (or, failing that within `MAX_SEEK`, at a line start).
pub fn split(data: &[u8], size: usize, is_head: &dyn Fn(&[u8]) -> bool) -> Vec<Range<usize>> {
    let size = size.max(1);
    let mut out = Vec::with_capacity(data.len() / size + 1);
    let mut start = 0;
    while start < data.len() {
        let nominal = start + size;
        if nominal >= data.len() {
            out.push(start..data.len());
            break;
        }
        let cut = next_head(data, nominal, is_head);
        out.push(start..cut);
        start = cut;
    }
    out
}

/// The start of the first head line at or after the line following `from`.
fn next_head(data: &[u8], from: usize, is_head: &dyn Fn(&[u8]) -> bool) -> usize {
    let Some(nl) = memchr::memchr(b'\n', &data[from..]) else {
        return data.len();
    };
    let first = from + nl + 1;
    let mut p = first;
    while p < data.len() && p - first < MAX_SEEK {
        let e = memchr::memchr(b'\n', &data[p..]).map_or(data.len(), |i| p + i);
        if is_head(&data[p..e]) {
            return p;
        }
        p = e + 1;
    }
    if p >= data.len() {
        // No head up to the end: the rest belongs to the record in
        // progress. Cutting it at a line would orphan its continuation
        // lines (a `Caused by:` that carries the event; issue 7).
        return data.len();
    }
    first
}

/// Reads a stream into its slots (`readahead`) and hands out whole
/// records where they lie.
///
/// A slot is handed out as it fills, cut at its last record head; the
/// unfinished record after the cut is copied into the room before the next
/// slot's data, so records stay whole and each byte is copied once by the
/// `read` (and again only if it belongs to the record that straddles two
/// slots).
///
/// When the source goes quiet (a live input between lines), what has
/// arrived is handed out at once, its last line taken as complete: a live
/// line is analysed when it arrives, not when the slot fills. A stack
/// trace written after a pause then starts the next piece and is reported
/// without its head, as in a file that starts mid-record.
pub struct StreamChunker<F> {
    feed: F,
    slots: Arc<Slots>,
    /// The slot being read, its first byte not handed out, and how far it
    /// is known to be filled.
    cur: usize,
    start: usize,
    seen: usize,
    /// The slot ended full, or the input ended (or failed).
    full: bool,
    eof: bool,
    /// The last wait ended with the source quiet.
    quiet: bool,
    /// `cur` ended full and what could be was handed out: its rest moves
    /// to the next slot on the next call.
    moving: bool,
    /// Dropping the rest of an over-long line: the kept bytes end at the
    /// first value, and the bytes from there to the second were dropped
    /// (no newline yet).
    discard: Option<(usize, usize)>,
    /// The source's error, handed out once.
    err: Option<io::Error>,
    max_line: usize,
    /// Bytes read from the source, all of them.
    pub bytes: u64,
}

impl<F: Feed> StreamChunker<F> {
    /// Each slot takes `capacity` bytes of data, at least `max_line + 2` so
    /// that a record and the head line after it fit when they are no longer
    /// than that; its room takes the longest record carried over: one cut
    /// within `MAX_SEEK` of a head and a line of `max_line + 1` bytes.
    pub fn new(mut feed: F, capacity: usize, max_line: usize) -> StreamChunker<F> {
        let slots = Arc::new(Slots::new(MAX_SEEK + max_line + 2, capacity.max(max_line + 2)));
        let err = feed.begin(&slots).err();
        StreamChunker {
            feed,
            cur: 0,
            start: slots.room(),
            seen: slots.room(),
            slots,
            full: false,
            eof: err.is_some(),
            quiet: false,
            moving: false,
            discard: None,
            err,
            max_line,
            bytes: 0,
        }
    }

    /// Where the bytes waiting to be handed out end.
    fn end(&self) -> usize {
        self.discard.map_or(self.seen, |(kept, _)| kept)
    }

    /// The bytes of the current slot in `at`.
    fn view(&self, at: Range<usize>) -> &[u8] {
        debug_assert!(at.end <= self.seen || self.full || self.eof);
        // SAFETY: up to `seen`, loaded from the slot's `filled` (or the
        // whole slot once it ended), is this side's; nothing writes it
        // while `&self` is borrowed.
        unsafe { self.slots.get(self.cur, at) }
    }

    /// Waits until the current slot has something to hand out: it ended,
    /// or it holds a whole line and the source went quiet. Returns the
    /// source's error, once.
    fn fill(&mut self) -> Option<io::Error> {
        if self.moving {
            self.move_on();
        }
        self.quiet = false;
        while !self.full && !self.eof {
            // A slot being filled only wakes this side when it ends: the
            // first bytes of a quiet source are seen at the next look.
            let (filled, end) = self.feed.wait(&self.slots, self.cur, QUIET);
            let grew = filled > self.seen;
            self.bytes += (filled - self.seen) as u64;
            self.seen = filled;
            if self.discard.is_some() {
                self.drop_long_rest();
            }
            match end {
                Some(End::Full) => self.full = true,
                Some(End::Eof) => self.eof = true,
                Some(End::Err(e)) => {
                    // What was read stays usable: the caller reports the
                    // error and still gets the data before it.
                    self.eof = true;
                    self.err = Some(e);
                }
                None if !grew
                    && self.discard.is_none()
                    && memchr::memchr(b'\n', self.view(self.start..self.seen)).is_some() =>
                {
                    self.quiet = true;
                    break;
                }
                None => {}
            }
        }
        self.err.take()
    }

    /// Drops the newly arrived rest of an over-long line; at its newline,
    /// moves the kept bytes up to the bytes after it.
    fn drop_long_rest(&mut self) {
        let Some((kept, dropped)) = self.discard else { return };
        match memchr::memchr(b'\n', self.view(dropped..self.seen)) {
            None => self.discard = Some((kept, self.seen)),
            Some(k) => {
                let to = dropped + k + 1 - (kept - self.start);
                // SAFETY: both ranges end before `seen`, no view is alive.
                unsafe { self.slots.copy(self.cur, self.start..kept, self.cur, to) };
                self.start = to;
                self.discard = None;
            }
        }
    }

    /// With the current slot full: if its last, unfinished line has grown
    /// past `max_line`, keep its first `max_line + 1` bytes, end them with a
    /// newline and drop the rest of the line as it arrives.
    fn cut_long_line(&mut self) {
        if self.discard.is_some() {
            return;
        }
        let line = memchr::memrchr(b'\n', self.view(self.start..self.seen)).map_or(self.start, |i| self.start + i + 1);
        if self.seen - line > self.max_line + 1 {
            let keep = line + self.max_line + 1;
            // SAFETY: before `seen`, no view is alive.
            unsafe { self.slots.set(self.cur, keep, b'\n') };
            self.discard = Some((keep + 1, self.seen));
        }
    }

    /// Carries the current slot's unfinished record into the room of the
    /// next slot, gives the current one back to be filled, and moves on.
    fn move_on(&mut self) {
        let next = (self.cur + 1) % SLOTS;
        let rest = self.start..self.end();
        let room = self.slots.room();
        assert!(rest.len() <= room, "a carried record is cut to fit the room");
        // SAFETY: the current slot ended, so all of it is this side's; the
        // next slot's room is never written by the filler; no view is alive.
        unsafe { self.slots.copy(self.cur, rest.clone(), next, room - rest.len()) };
        self.slots.reset(self.cur);
        self.feed.give(self.cur);
        self.cur = next;
        self.start = room - rest.len();
        self.seen = room;
        self.discard = self.discard.map(|_| (room, room));
        self.full = false;
        self.moving = false;
    }

    /// Fills the buffer and shows it without handing anything out, so that
    /// the layout can be told before the first cut. An I/O error is
    /// returned once, here or from `next_chunk`. The flag is true when more
    /// input cannot add to what is shown (the slot is full or the input
    /// has ended).
    pub fn peek(&mut self) -> (&[u8], Option<io::Error>, bool) {
        let err = self.fill();
        (self.view(self.start..self.end()), err, self.eof || self.full)
    }

    /// The next run of whole records, or `None` at the end. `is_head` tells
    /// where records start. An I/O error is returned once, after which the
    /// data read before it is still handed out.
    pub fn next_chunk(&mut self, is_head: &dyn Fn(&[u8]) -> bool) -> (Option<&[u8]>, Option<io::Error>) {
        let mut err = None;
        loop {
            err = err.or(self.fill());
            if self.full {
                self.cut_long_line();
            }
            let (start, end) = (self.start, self.end());
            let data = self.view(start..end);
            let cut = if self.eof {
                end
            } else if self.quiet {
                memchr::memrchr(b'\n', data).map_or(start, |nl| start + nl + 1)
            } else {
                match memchr::memrchr(b'\n', data) {
                    None => start,
                    Some(nl) => {
                        // A long line being cut stays with its record: what
                        // follows it (a stack trace) has not come yet.
                        let fallback = match self.discard {
                            Some(_) => memchr::memrchr(b'\n', &data[..nl]).map_or(0, |i| i + 1),
                            None => nl + 1,
                        };
                        start + last_head_start(data, nl + 1, is_head).unwrap_or(fallback)
                    }
                }
            };
            // A full slot's cut is its last: its rest moves on next time.
            self.moving = !self.eof && !self.quiet;
            if cut > start {
                self.start = cut;
                return (Some(self.view(start..cut)), err);
            }
            if self.eof {
                return (None, err);
            }
            // A full slot without one whole line (a slot smaller than a
            // line): all of it moves on.
        }
    }
}

/// The start of the last head line that begins before `end` (exclusive)
/// and is not the very first line; `None` if there is none close by.
fn last_head_start(data: &[u8], end: usize, is_head: &dyn Fn(&[u8]) -> bool) -> Option<usize> {
    let mut line_end = end.checked_sub(1)?;
    loop {
        let s = memchr::memrchr(b'\n', &data[..line_end]).map_or(0, |i| i + 1);
        if s == 0 || end - s > MAX_SEEK {
            return None;
        }
        if is_head(&data[s..line_end]) {
            return Some(s);
        }
        line_end = s - 1;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::input::readahead::{Eager, ReadAhead};
    use std::io::Read;

    fn head(l: &[u8]) -> bool {
        l.first() == Some(&b'[')
    }

    /// A reader that gives at most `n` bytes per read.
    pub(crate) struct Trickle<'a>(pub &'a [u8], pub usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    const TEXT: &[u8] = b"[1] a\n\tat x\n\tat y\n[2] b\n[3] c\nCaused by: z\n[4] d";

    #[test]
    fn mapped_splits_keep_records_whole() {
        for size in [1, 3, 7, 12, 100] {
            let parts = split(TEXT, size, &head);
            let joined: Vec<u8> = parts.iter().flat_map(|r| TEXT[r.clone()].to_vec()).collect();
            assert_eq!(joined, TEXT);
            for r in &parts {
                assert!(head(&TEXT[r.start..]), "size {size}: chunk at {} starts mid-record", r.start);
            }
        }
    }

    #[test]
    fn issue7_a_split_never_orphans_the_last_records_continuation_lines() {
        // No head after the nominal cut: the rest stays with its record.
        let text = b"[1] a\n[2] b\n\tat x\n\tat y\nCaused by: z\n";
        for size in 1..text.len() {
            for r in split(text, size, &head) {
                assert!(head(&text[r.start..]), "size {size}: chunk at {} starts mid-record", r.start);
            }
        }
    }

    /// `Trickle` over bytes of its own, for the reading thread.
    struct Owned(Vec<u8>, usize, usize);
    impl Read for Owned {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = Trickle(&self.0[self.2..], self.1).read(out)?;
            self.2 += n;
            Ok(n)
        }
    }

    /// Every chunk until the end, joined, checking that each starts a
    /// record (the first may not: the input may start mid-record).
    fn drain<F: Feed>(c: &mut StreamChunker<F>, what: &str) -> Vec<u8> {
        let mut all = Vec::new();
        loop {
            let (chunk, err) = c.next_chunk(&head);
            assert!(err.is_none(), "{what}: {err:?}");
            let Some(chunk) = chunk else { break };
            assert!(all.is_empty() || head(chunk), "{what}: {:?}", String::from_utf8_lossy(chunk));
            all.extend_from_slice(chunk);
        }
        all
    }

    #[test]
    fn streams_hand_out_whole_records_whatever_the_read_size() {
        // Every record fits a slot (raised to max_line + 2 = 22 bytes); most
        // are carried from one slot into the next's room.
        for read in [1, 7, 64] {
            for cap in [8, 22, 23, 4096] {
                let what = format!("read {read} cap {cap}");
                let mut c = StreamChunker::new(Eager(Trickle(TEXT, read)), cap, 20);
                assert_eq!(drain(&mut c, &what), TEXT, "{what}");
                assert_eq!(c.bytes, TEXT.len() as u64);
                let mut t = StreamChunker::new(ReadAhead::new(Box::new(Owned(TEXT.to_vec(), read, 0))), cap, 20);
                assert_eq!(drain(&mut t, &what), TEXT, "{what}, on a thread");
                assert_eq!(t.bytes, TEXT.len() as u64);
            }
        }
    }

    #[test]
    fn many_slots_of_records_go_round_on_a_thread() {
        // 40,000 records through two slots of 4 KiB: each slot is reused
        // hundreds of times, and almost every slot ends mid-record.
        let mut text = Vec::new();
        for i in 0..40_000 {
            text.extend_from_slice(format!("[{i}] record\n").as_bytes());
            if i % 7 == 0 {
                text.extend_from_slice(b"\tat some.Frame(Frame.java:1)\n");
            }
        }
        for read in [100, 5000, 1 << 20] {
            let mut t = StreamChunker::new(ReadAhead::new(Box::new(Owned(text.clone(), read, 0))), 4096, 1024);
            assert!(drain(&mut t, "thread") == text, "read {read}: the chunks are the input");
            assert_eq!(t.bytes, text.len() as u64);
        }
    }

    #[test]
    fn long_lines_are_cut_in_bounded_memory() {
        let mut text = b"[1] short\n[2] ".to_vec();
        text.extend(std::iter::repeat_n(b'x', 100_000));
        text.extend_from_slice(b"\n\tat y\n[3] after\n");
        for read in [7, 4096, 1 << 20] {
            let mut c = StreamChunker::new(Eager(Trickle(&text, read)), 64, 32);
            let mut t = StreamChunker::new(ReadAhead::new(Box::new(Owned(text.clone(), read, 0))), 64, 32);
            for (all, bytes) in [(drain(&mut c, "eager"), c.bytes), (drain(&mut t, "thread"), t.bytes)] {
                let lines: Vec<&[u8]> = all.split(|&b| b == b'\n').collect();
                assert_eq!(lines.len(), 5, "four lines and the final empty piece");
                assert_eq!(lines[1].len(), 33, "the long line's first max_line + 1 bytes");
                assert!(lines[1].starts_with(b"[2] xxx"));
                assert_eq!(&lines[2..], [&b"\tat y"[..], b"[3] after", b""], "its continuation stays with it");
                assert_eq!(bytes, text.len() as u64);
            }
            // Room for a carried record (whole pages, `Slots::new`), then 64 bytes.
            assert!((MAX_SEEK + 34..MAX_SEEK + 34 + crate::input::readahead::PAGE).contains(&c.slots.room()));
            assert_eq!(c.slots.cap(), c.slots.room() + 64, "the slots never grow");
        }
    }

    /// A reader that gives `data` in reads of `n` bytes, then fails.
    struct Fails(Vec<u8>, usize);
    impl Read for Fails {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::other("disk on fire"));
            }
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0.drain(..n);
            Ok(n)
        }
    }

    #[test]
    fn a_read_error_comes_once_after_the_bytes_before_it() {
        let text = b"[1] a\n[2] b\n\tat c\n[3] cut mid-li";
        for cap in [8, 4096] {
            let mut t = StreamChunker::new(ReadAhead::new(Box::new(Fails(text.to_vec(), 5))), cap, 20);
            let mut all = Vec::new();
            let mut errors = Vec::new();
            loop {
                let (chunk, err) = t.next_chunk(&head);
                let chunk = chunk.map(<[u8]>::to_vec);
                errors.extend(err.map(|e| (e.to_string(), t.bytes)));
                let Some(chunk) = chunk else { break };
                all.extend_from_slice(&chunk);
            }
            assert_eq!(all, text, "cap {cap}: every byte before the error, the cut line too");
            assert_eq!(errors, [("disk on fire".to_string(), text.len() as u64)], "cap {cap}");
        }
    }

    #[test]
    fn a_quiet_pipe_hands_out_what_arrived_and_a_busy_one_fills_slots() {
        use std::io::Write;
        use std::time::{Duration, Instant};
        let (rx, mut tx) = std::io::pipe().unwrap();
        let mut t = StreamChunker::new(ReadAhead::new(Box::new(rx)), 1 << 20, 1024);
        tx.write_all(b"[1] first line\n[2] no newline yet").unwrap();
        let t0 = Instant::now();
        let (chunk, err) = t.next_chunk(&head);
        assert!(err.is_none());
        assert_eq!(chunk, Some(&b"[1] first line\n"[..]), "the whole line, while the pipe stays open");
        assert!(t0.elapsed() < Duration::from_millis(500), "{:?}", t0.elapsed());
        // A writer that never pauses for long: the slot fills before a cut.
        let writer = std::thread::spawn(move || {
            tx.write_all(b"\n").unwrap();
            for i in 0..100_000 {
                tx.write_all(format!("[{i}] busy\n").as_bytes()).unwrap();
            }
        });
        let (chunk, _) = t.next_chunk(&head);
        let chunk = chunk.unwrap();
        assert!(chunk.starts_with(b"[2] no newline yet\n[0] busy\n"));
        assert!(chunk.len() > 900_000, "a busy pipe is not cut into small pieces: {}", chunk.len());
        writer.join().unwrap();
        let rest = drain(&mut t, "rest");
        assert!(rest.ends_with(b"[99999] busy\n"));
    }
}
