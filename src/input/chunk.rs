//! Chunks: line-aligned, record-aligned pieces of an input.
//!
//! A chunk always starts at the head line of a record and ends just before
//! another one, so that a stack trace stays with the line that logged it
//! and chunks can be processed in parallel. Mapped files are split at
//! nominal offsets moved forward to the next head line; streams are read
//! into one large reused buffer, and the last, possibly incomplete record
//! is carried over to the next read. A line longer than the limit is kept
//! by its first `max_line + 1` bytes (the extractor reports it), so a
//! stream's memory stays bounded whatever it holds.

use super::readahead::Feed;
use std::io;
use std::ops::Range;

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

/// Reads a stream into a reused buffer and hands out whole records.
///
/// When the source goes quiet (a live input between lines), what has
/// arrived is handed out at once, its last line taken as complete: a live
/// line is analysed when it arrives, not when the buffer fills. A stack
/// trace written after a pause then starts the next piece and is reported
/// without its head, as in a file that starts mid-record.
pub struct StreamChunker<R> {
    src: R,
    buf: Vec<u8>,
    /// Bytes of `buf` in use.
    len: usize,
    /// Bytes already handed out at the front of `buf`.
    given: usize,
    eof: bool,
    /// The last fill stopped because the source was quiet.
    quiet: bool,
    /// Dropping the rest of an over-long line.
    discarding: bool,
    max_line: usize,
    /// Bytes read from the source, all of them.
    pub bytes: u64,
}

impl<R: Feed> StreamChunker<R> {
    /// `capacity` is clamped so a line of `max_line + 1` bytes and its
    /// newline always fit.
    pub fn new(src: R, capacity: usize, max_line: usize) -> StreamChunker<R> {
        let cap = capacity.max(max_line + 2);
        StreamChunker {
            src,
            buf: vec![0; cap],
            len: 0,
            given: 0,
            eof: false,
            quiet: false,
            discarding: false,
            max_line,
            bytes: 0,
        }
    }

    /// Fills the buffer; returns false at end of input.
    fn fill(&mut self) -> io::Result<()> {
        if self.given > 0 {
            self.buf.copy_within(self.given..self.len, 0);
            self.len -= self.given;
            self.given = 0;
        }
        self.quiet = false;
        while self.len < self.buf.len() && !self.eof {
            if self.len > 0
                && !self.discarding
                && !self.src.more_ready()
                && memchr::memchr(b'\n', &self.buf[..self.len]).is_some()
            {
                self.quiet = true;
                break;
            }
            let n = match self.src.read(&mut self.buf[self.len..]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // What was read stays usable: the caller reports the
                    // error and still gets the data before it.
                    self.eof = true;
                    return Err(e);
                }
            };
            if n == 0 {
                self.eof = true;
                break;
            }
            self.bytes += n as u64;
            if self.discarding {
                // The newline already stands at the end of the kept part.
                match memchr::memchr(b'\n', &self.buf[self.len..self.len + n]) {
                    Some(k) => {
                        self.buf.copy_within(self.len + k + 1..self.len + n, self.len);
                        self.len += n - k - 1;
                        self.discarding = false;
                    }
                    None => continue,
                }
            } else {
                self.len += n;
            }
            if self.len == self.buf.len() {
                self.cut_long_line();
            }
        }
        Ok(())
    }

    /// With the buffer full: if its last, unfinished line has grown past
    /// `max_line`, keep its first `max_line + 1` bytes, end it with a
    /// newline and drop the rest of it as it arrives.
    fn cut_long_line(&mut self) {
        let start = memchr::memrchr(b'\n', &self.buf[..self.len]).map_or(0, |i| i + 1);
        if self.len - start > self.max_line + 1 {
            let keep = start + self.max_line + 1;
            self.buf[keep] = b'\n';
            self.len = keep + 1;
            self.discarding = true;
        }
    }

    /// Fills the buffer and shows it without handing anything out, so that
    /// the layout can be told before the first cut. An I/O error is
    /// returned once, here or from `next_chunk`. The flag is true when more
    /// input cannot add to what is shown (the buffer is full or the input
    /// has ended).
    pub fn peek(&mut self) -> (&[u8], Option<io::Error>, bool) {
        let err = self.fill().err();
        (&self.buf[..self.len], err, self.eof || self.len == self.buf.len())
    }

    /// The next run of whole records, or `None` at the end. `is_head` tells
    /// where records start. An I/O error is returned once, after which the
    /// data read before it is still handed out.
    pub fn next_chunk(&mut self, is_head: &dyn Fn(&[u8]) -> bool) -> (Option<&[u8]>, Option<io::Error>) {
        let err = self.fill().err();
        if self.len == 0 {
            return (None, err);
        }
        let cut = if self.eof {
            self.len
        } else if self.quiet {
            memchr::memrchr(b'\n', &self.buf[..self.len]).map_or(self.len, |nl| nl + 1)
        } else {
            let data = &self.buf[..self.len];
            match memchr::memrchr(b'\n', data) {
                None => self.len,
                Some(nl) => last_head_start(data, nl + 1, is_head).unwrap_or(nl + 1),
            }
        };
        self.given = cut;
        (Some(&self.buf[..cut]), err)
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
    use crate::input::readahead::Eager;
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

    #[test]
    fn streams_hand_out_whole_records_whatever_the_read_size() {
        // Every record fits the buffer (cap is raised to max_line + 2 = 22).
        for read in [1, 7, 64] {
            for cap in [8, 22, 4096] {
                let mut c = StreamChunker::new(Eager(Trickle(TEXT, read)), cap, 20);
                let mut all = Vec::new();
                loop {
                    let (chunk, err) = c.next_chunk(&head);
                    assert!(err.is_none());
                    let Some(chunk) = chunk else { break };
                    assert!(head(chunk), "read {read} cap {cap}: {:?}", String::from_utf8_lossy(chunk));
                    all.extend_from_slice(chunk);
                }
                assert_eq!(all, TEXT, "read {read} cap {cap}");
                assert_eq!(c.bytes, TEXT.len() as u64);
            }
        }
    }

    #[test]
    fn long_lines_are_cut_in_bounded_memory() {
        let mut text = b"[1] short\n[2] ".to_vec();
        text.extend(std::iter::repeat_n(b'x', 100_000));
        text.extend_from_slice(b"\n[3] after\n");
        let mut c = StreamChunker::new(Eager(Trickle(&text, 4096)), 64, 32);
        let mut all = Vec::new();
        while let (Some(chunk), _) = c.next_chunk(&head) {
            all.extend_from_slice(chunk);
        }
        let lines: Vec<&[u8]> = all.split(|&b| b == b'\n').collect();
        assert_eq!(lines.len(), 4, "three lines and the final empty piece");
        assert_eq!(lines[1].len(), 33);
        assert_eq!(lines[2], b"[3] after");
        assert_eq!(c.bytes, text.len() as u64);
        assert_eq!(c.buf.len(), 64, "the buffer never grows");
    }
}
