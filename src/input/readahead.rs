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

use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

/// How often a followed file waiting at its end looks at its path for a
/// successor: a `stat` (and a 64-byte read) a few times a second costs
/// nothing, and a rotation is seen well within a second.
const LOOK_EVERY: Duration = Duration::from_millis(250);
/// How many first bytes of a followed file are kept to tell that it was
/// truncated and written again from its start.
const HEAD: usize = 64;

/// A file that is still being written, read as `tail -F` does: at its end,
/// wait for more until [`stop`], and now and then look at the path it was
/// opened by (`LOOK_EVERY`, only while nothing new comes). When the path
/// names another file (rename rotation: logrotate's `create`, log4j and
/// logback rolling appenders), the old file is read to its end and the
/// read ends there, with the new file handed over by [`Successor`]; when
/// the file at the path is the same but was truncated (`copytruncate`),
/// the read ends and the same file, from its start, is handed over. While
/// the path is gone the old file is still read (a writer may still hold
/// it), and the path is looked at until a file takes it again. Each part
/// is a read of its own because its line numbers start again at 1
/// (`analysis`, "Following across rotation" in docs/design.md).
pub struct Tail {
    file: File,
    path: PathBuf,
    /// The input's name, and the one its successor will be given, for the
    /// notes on stderr.
    name: String,
    next_name: String,
    /// Bytes read from `file` so far: its offset.
    read: u64,
    /// The first bytes read, and how many there are.
    head: [u8; HEAD],
    head_len: usize,
    looked: Instant,
    /// The successor found, handed over once the old file is read to its end.
    pending: Option<File>,
    how: Change,
    /// What was last said about the path (gone, unreadable), said once.
    said: Option<Change>,
    next: Arc<Mutex<Option<Next>>>,
    /// The last read found nothing new.
    idle: bool,
    done: bool,
}

/// What took a followed file's place when its read ended.
#[derive(Debug)]
pub enum Next {
    /// The file now at the path (or the same file again, from its start,
    /// when it was truncated).
    File(File),
    /// A successor is there but cannot be read; it was still so when the
    /// follow ended.
    Unreadable(io::Error),
}

/// The analysing side's end of a [`Tail`]: what followed the file, once
/// its read has ended.
pub struct Successor(Arc<Mutex<Option<Next>>>);

impl Successor {
    pub fn take(&self) -> Option<Next> {
        // A poisoned lock means the reading thread panicked: nothing follows.
        self.0.lock().ok().and_then(|mut n| n.take())
    }
}

/// What looking at a followed file's path tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    /// The path names the file being read, no shorter than what was read.
    Same,
    /// The path names another file (device or inode differ).
    Replaced,
    /// The same file, but shorter than what was read, or with other first
    /// bytes than those read: it was truncated (and maybe written again).
    Truncated,
    /// Nothing at the path.
    Gone,
    /// A successor that cannot be read (told once, tried again).
    Unreadable,
}

/// Looks at `path` for a successor of `file`, of which `read` bytes were
/// read, starting with `head`.
fn look(file: &File, path: &Path, read: u64, head: &[u8]) -> io::Result<Change> {
    use std::os::unix::fs::MetadataExt;
    let at = match std::fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Change::Gone),
        Err(e) => return Err(e),
        Ok(m) => m,
    };
    let open = file.metadata()?;
    if (at.dev(), at.ino()) != (open.dev(), open.ino()) {
        return Ok(Change::Replaced);
    }
    if open.len() < read {
        return Ok(Change::Truncated);
    }
    Ok(if rewritten(file, head)? { Change::Truncated } else { Change::Same })
}

/// Does `file` no longer start with `head`, its first bytes as read? Then
/// it was truncated and written again, maybe already past where it was
/// read (a burst of lines right after `copytruncate`): a log is never
/// rewritten in place otherwise.
fn rewritten(file: &File, head: &[u8]) -> io::Result<bool> {
    use std::os::unix::fs::FileExt;
    let mut now = [0u8; HEAD];
    let n = file.read_at(&mut now[..head.len().min(HEAD)], 0)?;
    Ok(now[..n] != *head)
}

impl Tail {
    /// Follows `file`, opened by `path`, for the input `name`; a successor
    /// will be called `next_name`.
    pub fn new(file: File, path: PathBuf, name: String, next_name: String) -> (Tail, Successor) {
        let next = Arc::new(Mutex::new(None));
        let tail = Tail {
            file,
            path,
            name,
            next_name,
            read: 0,
            head: [0; HEAD],
            head_len: 0,
            looked: Instant::now(),
            pending: None,
            how: Change::Same,
            said: None,
            next: Arc::clone(&next),
            idle: false,
            done: false,
        };
        (tail, Successor(next))
    }

    fn hand_over(&self, next: Option<Next>) {
        if let Ok(mut n) = self.next.lock() {
            *n = next;
        }
    }

    /// Looks at the path, and readies the successor if there is one.
    fn look(&mut self) {
        let change = look(&self.file, &self.path, self.read, &self.head[..self.head_len]);
        let how = *change.as_ref().unwrap_or(&Change::Unreadable);
        let found = match change {
            Ok(Change::Same) => {
                self.said = None;
                return;
            }
            Ok(Change::Gone) => {
                if self.said != Some(Change::Gone) {
                    note(&format!(
                        "{} is gone (deleted or renamed away); waiting for a file to take its name",
                        self.name
                    ));
                    self.said = Some(Change::Gone);
                }
                return;
            }
            // The same file from its start, through a descriptor of its
            // own (the old one is done with).
            Ok(Change::Truncated) => self.file.try_clone().and_then(from_start).map(Some),
            Ok(_) => match File::open(&self.path) {
                Ok(f) if f.metadata().is_ok_and(|m| m.is_file()) => Ok(Some(f)),
                Ok(_) => Err(io::Error::other("not a regular file")),
                // Gone again between the look and the open.
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        match found {
            Ok(Some(f)) => {
                self.how = how;
                self.pending = Some(f);
                // An earlier failure is over.
                self.hand_over(None);
            }
            Ok(None) => {}
            Err(e) => {
                // Kept for the report, should the follow end before it can
                // be read (before the note: a Ctrl-C that follows it must
                // find it).
                let text = e.to_string();
                self.hand_over(Some(Next::Unreadable(e)));
                if self.said != Some(Change::Unreadable) {
                    note(&format!(
                        "{} cannot be followed on: the file now at {} cannot be read ({text}); still trying (Ctrl-C ends with the report)",
                        self.name,
                        self.path.display()
                    ));
                    self.said = Some(Change::Unreadable);
                }
            }
        }
    }
}

impl Read for Tail {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.done || buf.is_empty() {
                return Ok(0);
            }
            let n = self.file.read(buf)?;
            if n > 0 && std::mem::take(&mut self.idle) && rewritten(&self.file, &self.head[..self.head_len])? {
                // The first bytes after a wait come from a file truncated
                // and written again past where it was read: they are its
                // middle, read again from its start by the successor.
                self.how = Change::Truncated;
                let f = self.file.try_clone()?;
                return from_start(f).map(|f| self.end(f));
            }
            if n > 0 {
                let keep = n.min(HEAD - self.head_len);
                self.head[self.head_len..self.head_len + keep].copy_from_slice(&buf[..keep]);
                self.head_len += keep;
                self.read += n as u64;
                return Ok(n);
            }
            self.idle = true;
            if stopped() {
                return Ok(0);
            }
            if let Some(f) = self.pending.take() {
                // The old file is read to its end: this read ends here.
                return Ok(self.end(f));
            }
            if self.looked.elapsed() >= LOOK_EVERY {
                self.looked = Instant::now();
                self.look();
                match self.pending.take() {
                    // A renamed file may have got lines since its last
                    // read: they are read first.
                    Some(f) if self.how == Change::Replaced => {
                        self.pending = Some(f);
                        continue;
                    }
                    // A truncated one has nothing past where it was read;
                    // its successor shares its offset (`try_clone`), so it
                    // is not read again.
                    Some(f) => return Ok(self.end(f)),
                    None => {}
                }
            }
            std::thread::sleep(STOP_POLL);
        }
    }
}

/// `file`, a clone of a followed file's descriptor, made to read from
/// the start. (A clone shares the offset: the one cloned is done with.)
fn from_start(mut file: File) -> io::Result<File> {
    file.seek(io::SeekFrom::Start(0))?;
    Ok(file)
}

impl Tail {
    /// Ends this read, handing `next` over, and tells the operator.
    fn end(&mut self, next: File) -> usize {
        let what = match self.how {
            Change::Truncated => format!("{} was truncated (copytruncate rotation)", self.name),
            _ => format!("{} was rotated (another file now has its path); its end was read", self.name),
        };
        self.hand_over(Some(Next::File(next)));
        note(&format!(
            "{what}; following the file at {} from its start as \"{}\"",
            self.path.display(),
            self.next_name
        ));
        self.done = true;
        0
    }
}

/// A note to the operator on stderr, as it happens: only a follow writes
/// them (its rotations), while the operator watches.
fn note(text: &str) {
    eprintln!("rollcall: note: {text}");
}

/// Where a slot's data starts is a multiple of this (see [`Slots::new`]).
pub(crate) const PAGE: usize = 4096;

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
    /// At least `room` bytes for a carried record, then `data` bytes per
    /// slot. The buffers are zeroed lazily by the system: a page of room
    /// that no carried record reaches is never resident.
    ///
    /// The room is rounded up to whole pages, so that the source is read
    /// into page-aligned memory, as the pipe's own pages are. The kernel
    /// copies a pipe's bytes out with `rep movsb`, which on the AMD EPYC
    /// hosts copied 3-4 times slower to a destination two bytes off the
    /// source's alignment (the room was `MAX_SEEK + max_line + 2`): reading
    /// 300 MB from `cat` took 0.24 s of system time against 0.07 s aligned
    /// (issue 4, session 9).
    pub fn new(room: usize, data: usize) -> Slots {
        let room = room.next_multiple_of(PAGE);
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
/// `.zst` files, issue 4, session 8). The heap only when mapping fails,
/// and then the data is not page-aligned either (`Slots::new`): slower to
/// read a pipe into on some CPUs, still correct.
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
        for _ in 0..3 {
            let slots = Slots::new(1 << 20, 2 << 20);
            for &b in &slots.bufs {
                assert_eq!(b as usize % PAGE, 0, "a slot is a mapping, not a heap block");
            }
            // SAFETY: nothing else uses these fresh slots.
            assert!(unsafe { slots.get(0, 0..slots.cap()) }.iter().all(|&b| b == 0), "lazily zeroed");
        }
    }

    #[test]
    fn the_source_is_read_into_page_aligned_memory() {
        for room in [0, 4, 16, (1 << 20) + (1 << 20) + 2] {
            let slots = Slots::new(room, 1 << 16);
            assert!(slots.room() >= room);
            for i in 0..SLOTS {
                // SAFETY: nothing else uses these fresh slots.
                let data = unsafe { slots.get(i, slots.room()..slots.cap()) };
                assert_eq!(data.as_ptr() as usize % PAGE, 0, "room {room}: data starts on a page");
            }
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
        let full = slots.room() + 1000;
        let expect = |from: usize, to: usize| (from..to).map(|k| (k % 251) as u8).collect::<Vec<u8>>();
        let (len, end) = r.wait(&slots, 0, STOP_POLL * 50);
        assert!(matches!(end, Some(End::Full)) && len == full);
        assert_eq!(bytes(&slots, 0, len), expect(0, 1000));
        let (len, end) = r.wait(&slots, 1, STOP_POLL * 50);
        assert!(matches!(end, Some(End::Full)) && len == full);
        assert_eq!(bytes(&slots, 1, len), expect(1000, 2000));
        // Both slots are full and neither was given back: the thread waits.
        let (len, end) = r.wait(&slots, 0, QUIET);
        assert!(end.is_none(), "{end:?}");
        assert_eq!(len, full, "slot 0 is left as it was");
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

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rollcall-tail-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn append(path: &Path, text: &str) {
        use std::io::Write;
        std::fs::OpenOptions::new().append(true).create(true).open(path).unwrap().write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn looking_at_the_path_tells_each_kind_of_rotation() {
        let dir = scratch("look");
        let path = dir.join("app.log");
        std::fs::write(&path, "first line\nsecond line\n").unwrap();
        let mut f = File::open(&path).unwrap();
        let mut text = String::new();
        f.read_to_string(&mut text).unwrap();
        let (read, head) = (text.len() as u64, text.as_bytes());
        assert_eq!(look(&f, &path, read, head).unwrap(), Change::Same);
        append(&path, "third line\n");
        assert_eq!(look(&f, &path, read, head).unwrap(), Change::Same, "a file that grows is the same file");
        // copytruncate: shorter than what was read.
        std::fs::write(&path, "new\n").unwrap();
        assert_eq!(look(&f, &path, read, head).unwrap(), Change::Truncated);
        // ... or already written past it again: other first bytes.
        std::fs::write(&path, "a new first line, longer than the old file was\n").unwrap();
        assert_eq!(look(&f, &path, read, head).unwrap(), Change::Truncated);
        std::fs::write(&path, format!("{text}more\n")).unwrap();
        assert_eq!(look(&f, &path, read, head).unwrap(), Change::Same, "the same start, longer: not truncated");
        // Rename rotation: another file at the path, however alike.
        std::fs::rename(&path, dir.join("app.log.1")).unwrap();
        assert_eq!(look(&f, &path, read, head).unwrap(), Change::Gone);
        std::fs::write(&path, &text).unwrap();
        assert_eq!(look(&f, &path, read, head).unwrap(), Change::Replaced);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Reads a `Tail` up to the end of its part; a part that does not end
    /// (a rotation missed) fails the test instead of hanging it.
    fn drain(mut t: Tail) -> (Tail, String) {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut out = Vec::new();
            let mut buf = [0u8; 7];
            loop {
                match t.read(&mut buf).unwrap() {
                    0 => break,
                    n => out.extend_from_slice(&buf[..n]),
                }
            }
            let _ = tx.send((t, String::from_utf8(out).unwrap()));
        });
        rx.recv_timeout(Duration::from_secs(10)).expect("the part ends")
    }

    fn successor(s: &Successor) -> String {
        match s.take() {
            Some(Next::File(mut f)) => {
                let mut text = String::new();
                f.read_to_string(&mut text).unwrap();
                text
            }
            other => panic!("no successor: {other:?}"),
        }
    }

    #[test]
    fn a_renamed_file_is_read_to_its_end_before_its_successor() {
        let dir = scratch("rename");
        let path = dir.join("app.log");
        std::fs::write(&path, "one\n").unwrap();
        let (mut t, next) = Tail::new(File::open(&path).unwrap(), path.clone(), "app.log".into(), "app.log (2)".into());
        let mut buf = [0u8; 64];
        assert_eq!(t.read(&mut buf).unwrap(), 4);
        // The writer still had the old file open for a last line when the
        // new one was made.
        std::fs::rename(&path, dir.join("app.log.1")).unwrap();
        append(&dir.join("app.log.1"), "two\n");
        std::fs::write(&path, "three\n").unwrap();
        let (mut t, read) = drain(t);
        assert_eq!(read, "two\n", "the old file's last line, then its end");
        assert_eq!(successor(&next), "three\n");
        assert_eq!(t.read(&mut buf).unwrap(), 0, "the part stays ended");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_truncated_and_written_again_is_read_again_from_its_start() {
        for rest in ["short\n", "a burst written right after the truncation, longer than what was read\n"] {
            let dir = scratch("truncate");
            let path = dir.join("app.log");
            std::fs::write(&path, "the first part\n").unwrap();
            let (mut t, next) =
                Tail::new(File::open(&path).unwrap(), path.clone(), "app.log".into(), "app.log (2)".into());
            let mut buf = [0u8; 64];
            assert_eq!(t.read(&mut buf).unwrap(), 15);
            // As a read at its end leaves it, while it waits (the test
            // cannot tell when a waiting read has begun).
            t.idle = true;
            let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            f.set_len(0).unwrap();
            std::io::Write::write_all(&mut &f, rest.as_bytes()).unwrap();
            assert_eq!(drain(t).1, "", "nothing of the new text in the old part");
            assert_eq!(successor(&next), rest, "the new text from its start");
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}
