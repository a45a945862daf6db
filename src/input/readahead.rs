//! Read-ahead: a stream read (and decompressed) on its own thread.
//!
//! A stream (stdin, a FIFO, a gzip or zstd file) is read by a thread of its
//! own that hands pieces to the analysing side through a bounded channel.
//! That gives two things a blocking `read` in the analysing loop cannot:
//! - reading and decompressing overlap with analysis, on another core;
//! - the analysing side can tell "more bytes are here" from "the input is
//!   quiet" ([`Feed::more_ready`]), so a live input (`kubectl logs -f`) is
//!   analysed as its lines arrive instead of when a 16 MiB buffer fills.
//!
//! Memory stays bounded: at most `PIECES` pieces of at most `PIECE` bytes are
//! in flight, and their buffers are recycled.

use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError};
use std::time::Duration;

/// The largest piece one `read` of the source fills.
const PIECE: usize = 256 << 10;
/// Pieces in flight between the reading thread and the analysis (4 MiB).
const PIECES: usize = 16;
/// How long a quiet source is waited for before what has arrived is
/// analysed. Short enough that a live line's event is out well within a
/// second; long enough that a fast pipe never looks quiet.
pub const QUIET: Duration = Duration::from_millis(25);

/// Set on Ctrl-C under `--follow`: every stream then ends where it is, and
/// the report is written from what was read.
static STOP: AtomicBool = AtomicBool::new(false);
/// How often a stream waiting for bytes looks at [`STOP`].
const STOP_POLL: Duration = Duration::from_millis(100);

/// Ends every stream being read (the reading threads are left blocked in
/// their `read`; the process is about to finish).
pub fn stop() {
    STOP.store(true, Ordering::Relaxed);
}

fn stopped() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// A file that is still being written, read as `tail -f` does: at its end,
/// wait for more until [`stop`]. (A file rotated away is not followed to
/// its successor.)
pub struct Tail<R>(pub R);

impl<R: Read> Read for Tail<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.0.read(buf)?;
            if n > 0 || buf.is_empty() || stopped() {
                return Ok(n);
            }
            std::thread::sleep(STOP_POLL);
        }
    }
}

/// A byte source that can tell whether more bytes are at hand.
pub trait Feed: Read {
    /// True when more bytes (or the end) can be read now or very soon;
    /// false when the source is quiet, as a live input between lines is.
    fn more_ready(&mut self) -> bool;
}

/// A plain reader is never quiet: reading it never waits on anyone
/// (a slice, or a test's reader).
pub struct Eager<R>(pub R);

impl<R: Read> Read for Eager<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> Feed for Eager<R> {
    fn more_ready(&mut self) -> bool {
        true
    }
}

/// A buffer and how many of its bytes were read. Buffers keep their full
/// length as they go round: zeroing a recycled one before each read cost
/// a fifth of a pipe's analysis (a pipe's reads bring 64 KiB at a time,
/// and the rest of the 256 KiB was zeroed again every time).
type Piece = io::Result<(Vec<u8>, usize)>;

/// The analysing end of a stream read on its own thread.
pub struct ReadAhead {
    pieces: Receiver<Piece>,
    recycle: SyncSender<Vec<u8>>,
    cur: Vec<u8>,
    /// Bytes of `cur` that were read, and how many of those were handed out.
    len: usize,
    pos: usize,
    /// The reading thread has ended (end of input, or an error).
    done: bool,
    /// The source's error, given by the read after the bytes before it.
    err: Option<io::Error>,
}

impl ReadAhead {
    /// Starts reading `src` on a new thread. The thread ends at the end of
    /// the input, on a read error (handed over as the last piece), or when
    /// this end is dropped.
    pub fn spawn(mut src: Box<dyn Read + Send>) -> io::Result<ReadAhead> {
        let (tx, pieces) = mpsc::sync_channel::<Piece>(PIECES);
        let (recycle, spare) = mpsc::sync_channel::<Vec<u8>>(PIECES + 2);
        std::thread::Builder::new().name("rollcall-read".into()).spawn(move || loop {
            // (The first buffer handed back is the empty one `cur` starts with.)
            let mut buf = match spare.try_recv() {
                Ok(b) if b.len() == PIECE => b,
                Ok(_) | Err(TryRecvError::Empty | TryRecvError::Disconnected) => vec![0; PIECE],
            };
            let n = loop {
                match src.read(&mut buf) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other,
                }
            };
            let piece = match n {
                Ok(0) => return,
                Ok(n) => Ok((buf, n)),
                Err(e) => Err(e),
            };
            let failed = piece.is_err();
            if tx.send(piece).is_err() || failed {
                return;
            }
        })?;
        Ok(ReadAhead { pieces, recycle, cur: Vec::new(), len: 0, pos: 0, done: false, err: None })
    }

    /// Takes the next piece, waiting at most `wait`.
    /// True when a piece (or the source's error, kept for the next read)
    /// came.
    fn next_piece(&mut self, wait: Duration) -> bool {
        match self.pieces.recv_timeout(wait) {
            Ok(Ok((piece, len))) => {
                let old = std::mem::replace(&mut self.cur, piece);
                self.len = len;
                // The thread may have ended; then the buffer is just dropped.
                let _ = self.recycle.try_send(old);
                self.pos = 0;
                true
            }
            Ok(Err(e)) => {
                self.err = Some(e);
                self.done = true;
                true
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => {
                self.done = true;
                false
            }
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.len {
            if let Some(e) = self.err.take() {
                return Err(e);
            }
            if self.done || out.is_empty() {
                return Ok(0);
            }
            if !self.next_piece(STOP_POLL) && stopped() {
                self.done = true;
            }
        }
        let n = out.len().min(self.len - self.pos);
        out[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Feed for ReadAhead {
    fn more_ready(&mut self) -> bool {
        if self.pos < self.len || self.done {
            return true;
        }
        // The end of input, found while waiting, counts as ready too.
        self.next_piece(QUIET) || self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::Instant;

    #[test]
    fn gives_every_byte_in_order() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut r = ReadAhead::spawn(Box::new(io::Cursor::new(data.clone()))).unwrap();
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, data);
        assert!(r.more_ready(), "the end counts as ready");
    }

    #[test]
    fn an_error_comes_after_the_bytes_before_it() {
        struct Fails(bool);
        impl Read for Fails {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                if self.0 {
                    return Err(io::Error::other("disk on fire"));
                }
                self.0 = true;
                out[..3].copy_from_slice(b"abc");
                Ok(3)
            }
        }
        let mut r = ReadAhead::spawn(Box::new(Fails(false))).unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(r.read(&mut buf).unwrap(), 3);
        assert!(r.more_ready());
        assert_eq!(r.read(&mut buf).unwrap_err().to_string(), "disk on fire");
        assert_eq!(r.read(&mut buf).unwrap(), 0);
    }

    #[test]
    fn a_quiet_pipe_is_told_from_a_busy_one() {
        let (rx, mut tx) = std::io::pipe().unwrap();
        let mut r = ReadAhead::spawn(Box::new(rx)).unwrap();
        tx.write_all(b"first line\n").unwrap();
        let mut buf = [0u8; 64];
        assert_eq!(r.read(&mut buf).unwrap(), 11);
        let t = Instant::now();
        assert!(!r.more_ready(), "nothing more was written");
        assert!(t.elapsed() < Duration::from_millis(500));
        tx.write_all(b"second\n").unwrap();
        drop(tx);
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"second\n");
    }
}
