//! Read-ahead: a stream read (and decompressed) straight into the buffers
//! it is analysed in, on its own thread.
//!
//! A stream (stdin, a FIFO, a gzip or zstd file) is read into [`Slots`]:
//! a few large buffers that the reading side fills in turn and the
//! analysing side ([`super::chunk::StreamChunker`]) cuts into blocks of
//! whole records where they lie, without copying them. A slot being
//! filled publishes how far it is filled, so the analysing side can take
//! the lines that have arrived when the input goes quiet. That gives three
//! things a blocking `read` in the analysing loop cannot:
//! - reading and decompressing overlap with analysis, on another core: the
//!   next slot is filled while the last one is analysed;
//! - each byte is copied once, by the `read` itself (a pipe's bytes used to
//!   be read into small pieces and copied again into the block buffer, a
//!   tenth of a pipe's CPU time);
//! - the analysing side can tell "more bytes are here" from "the input is
//!   quiet", so a live input (`kubectl logs -f`) is analysed as its lines
//!   arrive instead of when a slot fills.
//!
//! Memory stays bounded: [`SLOTS`] buffers of fixed size, reused.
//!
//! The one place with `unsafe` code: a slot is written by one side and read
//! by the other at the same time, in ranges that never overlap (see
//! [`Slots`]).

use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::time::Duration;

/// Buffers a stream goes round in: one analysed while the next is filled.
pub const SLOTS: usize = 2;
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

/// The buffers a stream is read into.
///
/// Each slot is `room` bytes where the analysing side puts the record
/// carried over from the slot before, then `data` bytes that the source is
/// read into. The protocol that keeps the two sides apart:
/// - a slot is *given* to the filler (its `filled` reset to `room` first);
///   the filler writes only bytes at and after `filled`, and publishes each
///   read by raising `filled` (release);
/// - the analysing side reads and writes only bytes before the `filled` it
///   loaded (acquire), and the room, which the filler never touches; once
///   the filler said the slot ended, the whole slot is the analysing side's
///   until it is given again.
pub struct Slots {
    bufs: [*mut u8; SLOTS],
    /// What `bufs` point into, freed when the slots are dropped.
    _owned: [Owned; SLOTS],
    room: usize,
    cap: usize,
    filled: [AtomicUsize; SLOTS],
}

// SAFETY: the buffers are plain bytes owned by `Slots`; the protocol above
// keeps the two threads' accesses to them disjoint, ordered by `filled`'s
// release/acquire and the filler's channel.
unsafe impl Send for Slots {}
unsafe impl Sync for Slots {}

impl Slots {
    /// `room` bytes for a carried record, then `data` bytes per slot. The
    /// buffers are zeroed lazily by the system: a page of room that no
    /// carried record reaches is never resident.
    pub fn new(room: usize, data: usize) -> Slots {
        let cap = room + data.max(1);
        let mut owned: [Owned; SLOTS] = std::array::from_fn(|_| Owned::new(cap));
        let bufs = std::array::from_fn(|i| owned[i].as_mut_ptr());
        Slots { bufs, _owned: owned, room, cap, filled: std::array::from_fn(|_| AtomicUsize::new(room)) }
    }

    /// Where a slot's data starts (the room before it is for a carried record).
    pub fn room(&self) -> usize {
        self.room
    }

    /// A slot's size, room included.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// How far slot `i` is filled, as published by the filler.
    pub fn filled(&self, i: usize) -> usize {
        self.filled[i].load(Ordering::Acquire)
    }

    fn publish(&self, i: usize, n: usize) {
        self.filled[i].store(n, Ordering::Release);
    }

    /// Makes slot `i` empty before it is given to the filler.
    pub fn reset(&self, i: usize) {
        self.publish(i, self.room);
    }

    /// The filler's side: slot `i` from `from` to its end.
    ///
    /// # Safety
    /// Only the filler of slot `i`, while the slot is given to it, with
    /// `from` at least the slot's `filled`.
    // The bytes are shared by design: which side may touch which of them
    // is the protocol's, not the borrow checker's, to say.
    #[allow(clippy::mut_from_ref)]
    unsafe fn spare(&self, i: usize, from: usize) -> &mut [u8] {
        debug_assert!(from <= self.cap);
        // SAFETY: in bounds; the caller owns these bytes (see above).
        unsafe { std::slice::from_raw_parts_mut(self.bufs[i].add(from), self.cap - from) }
    }

    /// The analysing side's view of bytes of slot `i`.
    ///
    /// # Safety
    /// `at` ends at or before the `filled` last loaded (or anywhere in a
    /// slot that ended), and no `&mut` to these bytes is alive.
    pub unsafe fn get(&self, i: usize, at: std::ops::Range<usize>) -> &[u8] {
        assert!(at.start <= at.end && at.end <= self.cap);
        // SAFETY: in bounds; the caller owns these bytes (see above).
        unsafe { std::slice::from_raw_parts(self.bufs[i].add(at.start), at.len()) }
    }

    /// Writes one byte of slot `i` (a newline ending a cut long line).
    ///
    /// # Safety
    /// As [`Slots::get`], and no view of the byte is alive.
    pub unsafe fn set(&self, i: usize, at: usize, b: u8) {
        assert!(at < self.cap);
        // SAFETY: in bounds; the caller owns the byte.
        unsafe { *self.bufs[i].add(at) = b }
    }

    /// Copies bytes `from` of slot `i` to `to` in slot `j` (the same slot
    /// or another; the ranges may overlap).
    ///
    /// # Safety
    /// As [`Slots::get`] for both ranges, and no view of them is alive.
    pub unsafe fn copy(&self, i: usize, from: std::ops::Range<usize>, j: usize, to: usize) {
        assert!(from.start <= from.end && from.end <= self.cap && to + from.len() <= self.cap);
        // SAFETY: both ranges are in bounds and owned by the caller;
        // `copy` allows overlap.
        unsafe { std::ptr::copy(self.bufs[i].add(from.start), self.bufs[j].add(to), from.len()) }
    }
}

/// A slot's bytes: pages mapped for it alone, so that they are zeroed
/// lazily whatever the heap did before, and given back when dropped. From
/// the heap, a slot stops being lazy once glibc has seen a large block
/// freed (it then raises its mmap threshold and serves the next one from
/// the heap, zeroed by hand): a directory of compressed logs, read one
/// after another, kept each stream's slots resident (10 MB more for ten
/// `.zst` files, issue 4, session 8). The heap only when mapping fails.
enum Owned {
    Map(memmap2::MmapMut),
    Heap(Box<[u8]>),
}

impl Owned {
    fn new(cap: usize) -> Owned {
        match memmap2::MmapMut::map_anon(cap) {
            Ok(m) => Owned::Map(m),
            Err(_) => Owned::Heap(vec![0u8; cap].into_boxed_slice()),
        }
    }

    /// The start of the bytes; a move of `Owned` does not move them.
    fn as_mut_ptr(&mut self) -> *mut u8 {
        match self {
            Owned::Map(m) => m.as_mut_ptr(),
            Owned::Heap(b) => b.as_mut_ptr(),
        }
    }
}

/// How a slot's filling ended.
#[derive(Debug)]
pub enum End {
    /// The slot is full; more may come in the next one.
    Full,
    /// The input ended.
    Eof,
    /// The source failed; the bytes before the error are in the slot.
    Err(io::Error),
}

/// What fills a stream's slots: in order, each as it is given.
pub trait Feed {
    /// Takes the slots; all of them are given, to be filled in order
    /// (slot 0 first).
    fn begin(&mut self, slots: &Arc<Slots>) -> io::Result<()>;
    /// Gives slot `i` back to be filled again, after its turn comes round.
    fn give(&mut self, i: usize);
    /// Waits up to `wait` for slot `i`, the first given one not yet ended,
    /// to grow or end. Returns how far it is filled, and how it ended.
    fn wait(&mut self, slots: &Slots, i: usize, wait: Duration) -> (usize, Option<End>);
}

/// Reads one slot, `read` by `read`, from where it is filled to its end;
/// with `once`, one `read` only.
fn fill_slot(src: &mut dyn Read, slots: &Slots, i: usize, once: bool) -> (usize, Option<End>) {
    let mut len = slots.filled(i);
    loop {
        if len == slots.cap() {
            return (len, Some(End::Full));
        }
        // SAFETY: slot `i` is given to this filler, and `len` is its `filled`.
        match src.read(unsafe { slots.spare(i, len) }) {
            Ok(0) => return (len, Some(End::Eof)),
            Ok(n) => {
                len += n;
                slots.publish(i, len);
                if once {
                    return (len, (len == slots.cap()).then_some(End::Full));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (len, Some(End::Err(e))),
        }
    }
}

/// A source read on the analysing thread itself, one `read` per wait: it
/// is never quiet (a slice, or a test's reader).
pub struct Eager<R>(pub R);

impl<R: Read> Feed for Eager<R> {
    fn begin(&mut self, _: &Arc<Slots>) -> io::Result<()> {
        Ok(())
    }

    fn give(&mut self, _: usize) {}

    fn wait(&mut self, slots: &Slots, i: usize, _: Duration) -> (usize, Option<End>) {
        fill_slot(&mut self.0, slots, i, true)
    }
}

/// A source read on a thread of its own, slot after slot.
pub struct ReadAhead {
    src: Option<Box<dyn Read + Send>>,
    /// Slots given back to the reading thread.
    free: Option<SyncSender<usize>>,
    /// How each slot's filling ended, in slot order.
    ended: Option<Receiver<(usize, End)>>,
}

impl ReadAhead {
    /// A reader for `src`; its thread starts with [`Feed::begin`], ends at
    /// the end of the input, on a read error (handed over as the slot's
    /// end), or when this end is dropped.
    pub fn new(src: Box<dyn Read + Send>) -> ReadAhead {
        ReadAhead { src: Some(src), free: None, ended: None }
    }
}

impl Feed for ReadAhead {
    fn begin(&mut self, slots: &Arc<Slots>) -> io::Result<()> {
        let Some(mut src) = self.src.take() else { return Ok(()) };
        let (free, given) = mpsc::sync_channel::<usize>(SLOTS);
        let (tx, ended) = mpsc::sync_channel(SLOTS);
        for i in 0..SLOTS {
            // Cannot fail: the channel has room for every slot.
            let _ = free.send(i);
        }
        let slots = Arc::clone(slots);
        std::thread::Builder::new().name("rollcall-read".into()).spawn(move || {
            // Ends when the analysing side is gone.
            for i in given.iter() {
                let (len, end) = fill_slot(&mut src, &slots, i, false);
                let end = end.unwrap_or(End::Full);
                let last = !matches!(end, End::Full);
                if tx.send((len, end)).is_err() || last {
                    return;
                }
            }
        })?;
        self.free = Some(free);
        self.ended = Some(ended);
        Ok(())
    }

    fn give(&mut self, i: usize) {
        if let Some(free) = &self.free {
            // The thread may have ended; then nothing is filled any more.
            let _ = free.try_send(i);
        }
    }

    fn wait(&mut self, slots: &Slots, i: usize, wait: Duration) -> (usize, Option<End>) {
        let Some(ended) = &self.ended else { return (slots.filled(i), Some(End::Eof)) };
        match ended.recv_timeout(wait) {
            Ok((len, end)) => (len, Some(end)),
            // Under `--follow`, Ctrl-C ends the stream where it is.
            Err(RecvTimeoutError::Timeout) => (slots.filled(i), stopped().then_some(End::Eof)),
            Err(RecvTimeoutError::Disconnected) => (slots.filled(i), Some(End::Eof)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_mappings_of_their_own_even_after_the_heap_saw_large_frees() {
        // glibc raises its mmap threshold when a large mapped block is
        // freed, and then serves the next from the heap, zeroed by hand
        // (every page resident). Slots map their pages themselves: page
        // aligned, where a heap block never is (its header comes first).
        drop(vec![0u8; 8 << 20]);
        let page = 4096;
        for _ in 0..3 {
            let slots = Slots::new(1 << 20, 2 << 20);
            for &b in &slots.bufs {
                assert_eq!(b as usize % page, 0, "a slot is a mapping, not a heap block");
            }
            // SAFETY: nothing else uses these fresh slots.
            assert!(unsafe { slots.get(0, 0..slots.cap()) }.iter().all(|&b| b == 0), "lazily zeroed");
        }
    }

    /// `n` bytes counting up, in reads of at most `step`.
    struct Counting(usize, usize, usize);
    impl Read for Counting {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.2.min(out.len()).min(self.1 - self.0);
            for b in &mut out[..n] {
                *b = (self.0 % 251) as u8;
                self.0 += 1;
            }
            Ok(n)
        }
    }

    fn bytes(slots: &Slots, i: usize, len: usize) -> Vec<u8> {
        // SAFETY: the slot ended; the test is the only reader.
        unsafe { slots.get(i, slots.room()..len) }.to_vec()
    }

    #[test]
    fn the_thread_fills_given_slots_in_order_and_never_runs_ahead() {
        let slots = Arc::new(Slots::new(16, 1000));
        let mut r = ReadAhead::new(Box::new(Counting(0, 2500, 300)));
        r.begin(&slots).unwrap();
        let expect = |from: usize, to: usize| (from..to).map(|k| (k % 251) as u8).collect::<Vec<u8>>();
        let (len, end) = r.wait(&slots, 0, STOP_POLL * 50);
        assert!(matches!(end, Some(End::Full)) && len == 1016);
        assert_eq!(bytes(&slots, 0, len), expect(0, 1000));
        let (len, end) = r.wait(&slots, 1, STOP_POLL * 50);
        assert!(matches!(end, Some(End::Full)) && len == 1016);
        assert_eq!(bytes(&slots, 1, len), expect(1000, 2000));
        // Both slots are full and neither was given back: the thread waits.
        let (len, end) = r.wait(&slots, 0, QUIET);
        assert!(end.is_none(), "{end:?}");
        assert_eq!(len, 1016, "slot 0 is left as it was");
        assert_eq!(bytes(&slots, 0, len), expect(0, 1000));
        slots.reset(0);
        r.give(0);
        let (len, end) = r.wait(&slots, 0, STOP_POLL * 50);
        assert!(matches!(end, Some(End::Eof)), "{end:?}");
        assert_eq!(bytes(&slots, 0, len), expect(2000, 2500));
    }

    #[test]
    fn a_read_error_ends_the_slot_after_the_bytes_before_it() {
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
        let slots = Arc::new(Slots::new(4, 100));
        let mut r = ReadAhead::new(Box::new(Fails(false)));
        r.begin(&slots).unwrap();
        let (len, end) = r.wait(&slots, 0, STOP_POLL * 50);
        assert_eq!(bytes(&slots, 0, len), b"abc");
        assert_eq!(end.map(|e| format!("{e:?}")), Some(format!("{:?}", End::Err(io::Error::other("disk on fire")))));
        // The thread has ended: nothing more, and no hang.
        assert!(matches!(r.wait(&slots, 1, QUIET).1, Some(End::Eof)));
    }

    #[test]
    fn a_quiet_pipe_shows_what_arrived_without_ending_the_slot() {
        use std::io::Write;
        let (rx, mut tx) = std::io::pipe().unwrap();
        let slots = Arc::new(Slots::new(8, 1 << 16));
        let mut r = ReadAhead::new(Box::new(rx));
        r.begin(&slots).unwrap();
        tx.write_all(b"first line\n").unwrap();
        let mut len = 8;
        let t = std::time::Instant::now();
        while len < 19 && t.elapsed() < Duration::from_secs(5) {
            let (l, end) = r.wait(&slots, 0, QUIET);
            assert!(end.is_none(), "the pipe is open: {end:?}");
            len = l;
        }
        assert_eq!(bytes(&slots, 0, len), b"first line\n");
        tx.write_all(b"second\n").unwrap();
        drop(tx);
        let (len, end) = loop {
            match r.wait(&slots, 0, QUIET) {
                (_, None) => continue,
                done => break done,
            }
        };
        assert!(matches!(end, Some(End::Eof)));
        assert_eq!(bytes(&slots, 0, len), b"first line\nsecond\n");
    }
}
