//! The one pass over every byte of a chunk: newlines counted per block and
//! the first block holding a NUL or non-ASCII byte.
//!
//! Line numbers and the byte check used to be two passes (a `memchr` count
//! between records and a NUL / non-ASCII scan), each streaming the chunk
//! through the caches. Both are a compare and an accumulate per byte, so
//! one loop does both; the per-block counts make the line of any position
//! a table look-up plus a count inside one block. Everything rarer (which
//! byte is odd, how many, whether the UTF-8 is valid) is left to the slow
//! path from the first odd block on, which a clean log never takes.
//!
//! The kernel is plain Rust that the compiler vectorises; it is compiled
//! twice, for the baseline (SSE2) and with AVX2, and the AVX2 copy is used
//! when the CPU has it (measured in docs/performance.md, "Hot path,
//! session 2").

/// Bytes per block of the newline table. A position's line costs a count
/// of at most this many bytes; the table costs 8 bytes per block.
pub const BLOCK: usize = 1024;
/// Bytes per inner step: byte-wide counters over this many lanes.
const LANES: usize = 32;

/// Newlines before each block, and where odd bytes start. Built all at
/// once (`new`) or window by window (`start`, `extend`): extraction runs
/// the prefilter over each window right after this pass has read it, so
/// that the bytes come from the cache, not from memory, the second time.
#[derive(Debug)]
pub struct ByteScan {
    /// `before[k]`: newlines in the bytes before block `k`; the last entry
    /// is the total of the bytes scanned so far.
    before: Vec<u64>,
    /// The start of the first block with a NUL byte or a byte >= 0x80.
    pub odd_from: Option<usize>,
    /// Bytes scanned so far: whole blocks, or the whole chunk.
    scanned: usize,
}

impl Default for ByteScan {
    fn default() -> ByteScan {
        ByteScan::start(0)
    }
}

impl ByteScan {
    pub fn new(data: &[u8]) -> ByteScan {
        let mut s = ByteScan::start(data.len());
        s.extend(data, data.len());
        s
    }

    /// Nothing scanned yet of a chunk of `len` bytes; the table is
    /// reserved once, at its final size.
    pub fn start(len: usize) -> ByteScan {
        let mut before = Vec::with_capacity(len / BLOCK + 2);
        before.push(0);
        ByteScan { before, odd_from: None, scanned: 0 }
    }

    /// How many bytes from the chunk's start are scanned.
    pub fn scanned(&self) -> usize {
        self.scanned
    }

    /// Scans on to `upto` (rounded down to a block, or the chunk's end):
    /// afterwards every position up to `scanned()` has its line.
    pub fn extend(&mut self, data: &[u8], upto: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2, checked just above.
                return unsafe { extend_avx2(self, data, upto) };
            }
        }
        extend_portable(self, data, upto)
    }

    /// Newlines in the whole chunk (once it is scanned to its end).
    pub fn newlines(&self) -> u64 {
        self.before.last().copied().unwrap_or(0)
    }

    /// Newlines in `data[..pos]` (`data` is the chunk scanned, at least to
    /// the block holding `pos`).
    pub fn newlines_before(&self, data: &[u8], pos: usize) -> u64 {
        let k = pos / BLOCK;
        self.before[k] + count(&data[k * BLOCK..pos])
    }
}

/// Newlines in `s` (memchr's vectorised count).
pub fn count(s: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', s).count() as u64
}

/// Counts a position's newlines from the last one asked for when it is
/// close, from the table otherwise: records are visited in order, mostly a
/// few lines apart.
#[derive(Debug, Default)]
pub struct LineCounter {
    at: usize,
    before_at: u64,
}

impl LineCounter {
    pub fn new() -> LineCounter {
        LineCounter::default()
    }

    /// Newlines in `data[..pos]`; `scan` has read `data` past `pos`.
    pub fn before(&mut self, scan: &ByteScan, data: &[u8], pos: usize) -> u64 {
        let n = if pos >= self.at && pos - self.at <= BLOCK {
            self.before_at + count(&data[self.at..pos])
        } else {
            scan.newlines_before(data, pos)
        };
        self.at = pos;
        self.before_at = n;
        n
    }
}

/// One block's newlines; its lowest `x ^ 0x80` per lane goes into `low`.
/// `x ^ 0x80` maps 1..=0x7f above 0x80, and NUL and 0x80..=0xff to 0x80 or
/// below: one unsigned minimum finds both kinds of odd byte, and `low` is
/// only reduced once per window (`odd`), not once per block. Byte-wide
/// lanes cannot overflow: a block has `BLOCK / LANES` = 32 steps. A fixed
/// size array, indexed by constants: no bounds checks or slice splitting
/// left in the loop.
#[inline(always)]
fn block(b: &[u8; BLOCK], low: &mut [u8; LANES]) -> u64 {
    let mut nl = [0u8; LANES];
    for step in 0..BLOCK / LANES {
        for i in 0..LANES {
            let x = b[step * LANES + i];
            nl[i] += u8::from(x == b'\n');
            low[i] = low[i].min(x ^ 0x80);
        }
    }
    lane_sum(&nl)
}

/// Was any byte behind `low` (see `block`) NUL or >= 0x80?
#[inline(always)]
fn odd(low: &[u8; LANES]) -> bool {
    low.iter().fold(u8::MAX, |a, &x| a.min(x)) <= 0x80
}

/// Is a byte of the block NUL or >= 0x80? The slow path that finds the
/// first odd block of a window that has one.
fn block_is_odd(b: &[u8]) -> bool {
    b.iter().any(|&x| x == 0 || x >= 0x80)
}

/// The sum of the byte lanes, each at most `BLOCK / LANES` = 32, eight at a
/// time in a `u64`: pairs added into 16-bit lanes (at most 64 each), then
/// the four summed by one multiply into the top 16 bits (at most 256). The
/// compiler's own sum extracted the 32 bytes one by one, a third of the
/// pass's instructions.
#[inline(always)]
fn lane_sum(nl: &[u8; LANES]) -> u64 {
    const PAIRS: u64 = 0x00ff_00ff_00ff_00ff;
    let mut n = 0;
    for k in 0..LANES / 8 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&nl[k * 8..k * 8 + 8]);
        let w = u64::from_le_bytes(w);
        let pairs = (w & PAIRS) + ((w >> 8) & PAIRS);
        n += pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48;
    }
    n
}

#[inline(always)]
fn extend_generic(s: &mut ByteScan, data: &[u8], upto: usize) {
    let upto = if upto >= data.len() { data.len() } else { upto / BLOCK * BLOCK };
    if upto <= s.scanned {
        return;
    }
    // Locals, not fields: the loop keeps them in registers (through
    // `&mut self` it stored them on every block).
    let mut before = std::mem::take(&mut s.before);
    let mut odd_from = s.odd_from;
    let mut total = before.last().copied().unwrap_or(0);
    let from = s.scanned;
    let mut low = [u8::MAX; LANES];
    let mut blocks = data[from..upto].chunks_exact(BLOCK);
    for b in &mut blocks {
        let Ok(b) = <&[u8; BLOCK]>::try_from(b) else { unreachable!("chunks_exact gives whole blocks") };
        total += block(b, &mut low);
        before.push(total);
    }
    if odd_from.is_none() && odd(&low) {
        // Rare: which block of the window was it?
        odd_from = data[from..upto].chunks_exact(BLOCK).position(block_is_odd).map(|k| from + k * BLOCK);
    }
    // Only the chunk's end leaves a part block.
    let rest = blocks.remainder();
    if !rest.is_empty() {
        total += count(rest);
        if odd_from.is_none() && block_is_odd(rest) {
            odd_from = Some(upto - rest.len());
        }
        before.push(total);
    }
    *s = ByteScan { before, odd_from, scanned: upto };
}

fn extend_portable(s: &mut ByteScan, data: &[u8], upto: usize) {
    extend_generic(s, data, upto)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn extend_avx2(s: &mut ByteScan, data: &[u8], upto: usize) {
    extend_generic(s, data, upto)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Kernel = fn(&[u8]) -> ByteScan;

    fn scan_portable(d: &[u8]) -> ByteScan {
        let mut s = ByteScan::start(d.len());
        extend_portable(&mut s, d, d.len());
        s
    }

    /// The same scan in uneven windows (7 bytes, then one block and a bit,
    /// then the rest), as extraction runs it.
    fn scan_windows(d: &[u8]) -> ByteScan {
        let mut s = ByteScan::start(d.len());
        for upto in [7, BLOCK + 9, 3 * BLOCK - 1, d.len()] {
            s.extend(d, upto);
            assert!(s.scanned() <= d.len() && (s.scanned() % BLOCK == 0 || s.scanned() == d.len()));
        }
        s
    }

    /// Every kernel the machine can run.
    fn kernels() -> Vec<(&'static str, Kernel)> {
        let mut v: Vec<(&'static str, Kernel)> = vec![("portable", scan_portable), ("windows", scan_windows)];
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            v.push(("avx2", |d| {
                let mut s = ByteScan::start(d.len());
                // SAFETY: AVX2 is there, checked just above.
                unsafe { extend_avx2(&mut s, d, d.len()) };
                s
            }));
        }
        v
    }

    fn text(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if x % 7 == 0 {
                    b'\n'
                } else {
                    b'a' + (x % 26) as u8
                }
            })
            .collect()
    }

    #[test]
    fn counts_every_newline_at_every_position() {
        for len in [0, 1, 31, 32, 1023, 1024, 1025, 3000, 5 * BLOCK] {
            let d = text(len, len as u64 + 7);
            for (name, k) in kernels() {
                let s = k(&d);
                assert_eq!(s.newlines(), count(&d), "{name} len {len}");
                assert_eq!(s.odd_from, None, "{name} len {len}");
                let mut c = LineCounter::new();
                for pos in (0..=len).step_by(97).chain([len]) {
                    assert_eq!(s.newlines_before(&d, pos), count(&d[..pos]), "{name} len {len} pos {pos}");
                    assert_eq!(c.before(&s, &d, pos), count(&d[..pos]), "{name} len {len} pos {pos}");
                }
                // Backwards and far jumps go through the table.
                for pos in [len, 0, len / 2, len / 3] {
                    assert_eq!(c.before(&s, &d, pos), count(&d[..pos]), "{name} len {len} pos {pos}");
                }
            }
        }
    }

    #[test]
    fn lane_sums_hold_up_to_full_lanes() {
        for (lanes, want) in [([32u8; LANES], 32 * 32), ([0; LANES], 0), ([1; LANES], 32)] {
            assert_eq!(lane_sum(&lanes), want);
        }
        let mut d = vec![b'\n'; 3 * BLOCK];
        d[5] = b'a';
        for (name, k) in kernels() {
            assert_eq!(k(&d).newlines(), 3 * BLOCK as u64 - 1, "{name}: a block of newlines only");
        }
    }

    #[test]
    fn finds_the_block_of_the_first_nul_or_non_ascii_byte() {
        let len = 4 * BLOCK + 100;
        for bad in [0u8, 0x80, 0xc3, 0xff] {
            for at in [0, 31, 32, BLOCK - 1, BLOCK, 3 * BLOCK + 5, 4 * BLOCK, len - 1] {
                let mut d = text(len, 3);
                d[at] = bad;
                for (name, k) in kernels() {
                    let s = k(&d);
                    let want = if at >= 4 * BLOCK { 4 * BLOCK } else { at / BLOCK * BLOCK };
                    assert_eq!(s.odd_from, Some(want), "{name} byte {bad:#x} at {at}");
                    assert_eq!(s.newlines(), count(&d), "{name}");
                }
            }
        }
        // 0x7f and 0x01 are ASCII: not odd.
        let mut d = text(2 * BLOCK, 5);
        d[10] = 0x7f;
        d[BLOCK + 3] = 0x01;
        for (name, k) in kernels() {
            assert_eq!(k(&d).odd_from, None, "{name}");
        }
    }
}
