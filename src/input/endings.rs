//! Line endings: CR-only inputs (classic Mac OS, some serial consoles and
//! Windows tools) read as lines.
//!
//! Everything downstream splits on `\n`. An input whose first bytes hold a
//! bare `\r` (one followed by anything but `\n`) and no `\n` at all is
//! CR-only, and its `\r` bytes become `\n` as they are read. LF and CRLF
//! inputs pass through untouched (a CRLF line's `\r` is stripped per line
//! by the layout). The test costs one look at the first read.

use std::io::{self, Read};

/// Do an input's first bytes say it is CR-only? `None` while they cannot
/// tell (no `\n`, and no `\r` except maybe the very last byte).
pub fn cr_only(head: &[u8]) -> Option<bool> {
    if memchr::memchr(b'\n', head).is_some() {
        return Some(false);
    }
    memchr::memchr_iter(b'\r', head).any(|i| i + 1 < head.len()).then_some(true)
}

/// How far the first bytes are read ahead to decide, at most.
const LOOK_AHEAD: usize = 64 << 10;

/// A reader that turns a CR-only input into an LF one. It reads ahead
/// until its first bytes decide (a `\n`, a bare `\r`, end of input or
/// `LOOK_AHEAD` bytes), so a CR that a read happens to end on is judged
/// with the byte after it.
pub struct CrLines<R> {
    inner: R,
    /// The bytes read ahead, and how many of them were handed out.
    head: Vec<u8>,
    given: usize,
    /// `None` until the first bytes decide.
    translate: Option<bool>,
}

impl<R: Read> CrLines<R> {
    pub fn new(inner: R) -> CrLines<R> {
        CrLines { inner, head: Vec::new(), given: 0, translate: None }
    }

    fn decide(&mut self) -> io::Result<bool> {
        let mut tmp = [0u8; 8192];
        loop {
            // An error leaves `head` as it is: the next call goes on from it.
            let n = self.inner.read(&mut tmp)?;
            let from = self.head.len().saturating_sub(1);
            self.head.extend_from_slice(&tmp[..n]);
            let d = cr_only(&self.head[from..]);
            if n == 0 || d.is_some() || self.head.len() >= LOOK_AHEAD {
                let t = d == Some(true);
                if t {
                    to_lf(&mut self.head);
                }
                self.translate = Some(t);
                return Ok(t);
            }
        }
    }
}

fn to_lf(b: &mut [u8]) {
    for x in b.iter_mut().filter(|x| **x == b'\r') {
        *x = b'\n';
    }
}

impl<R: Read> Read for CrLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let translate = match self.translate {
            Some(t) => t,
            None => self.decide()?,
        };
        if self.given < self.head.len() {
            let n = buf.len().min(self.head.len() - self.given);
            buf[..n].copy_from_slice(&self.head[self.given..self.given + n]);
            self.given += n;
            return Ok(n);
        }
        let n = self.inner.read(buf)?;
        if translate {
            to_lf(&mut buf[..n]);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::input::chunk::tests::Trickle;

    fn through(data: &[u8], read: usize) -> Vec<u8> {
        let mut out = Vec::new();
        CrLines::new(Trickle(data, read)).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn cr_only_becomes_lf_and_the_rest_passes() {
        for read in [1, 2, 5, 4096] {
            assert_eq!(through(b"a\rb\rc\r", read), b"a\nb\nc\n", "read {read}");
            assert_eq!(through(b"a\r\nb\r\n", read), b"a\r\nb\r\n", "CRLF untouched, read {read}");
            assert_eq!(through(b"a\nb\rc\n", read), b"a\nb\rc\n", "LF with a stray CR, read {read}");
        }
    }

    #[test]
    fn the_first_bytes_decide_only_when_they_can() {
        assert_eq!(cr_only(b"abc"), None);
        assert_eq!(cr_only(b"abc\r"), None, "maybe a CRLF cut between reads");
        assert_eq!(cr_only(b"abc\rd"), Some(true));
        assert_eq!(cr_only(b"abc\r\n"), Some(false));
    }
}
