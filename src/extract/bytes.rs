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

/// Newlines before each block, and where odd bytes start.
#[derive(Debug, Default)]
pub struct ByteScan {
    /// `before[k]`: newlines in the bytes before block `k`; the last entry
    /// is the chunk's total.
    before: Vec<u64>,
    /// The start of the first block with a NUL byte or a byte >= 0x80.
    pub odd_from: Option<usize>,
}

impl ByteScan {
    pub fn new(data: &[u8]) -> ByteScan {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2, checked just above.
                return unsafe { scan_avx2(data) };
            }
        }
        scan_portable(data)
    }

    /// Newlines in the whole chunk.
    pub fn newlines(&self) -> u64 {
        self.before.last().copied().unwrap_or(0)
    }

    /// Newlines in `data[..pos]` (`data` is the chunk scanned).
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
#[derive(Debug)]
pub struct LineCounter<'a> {
    scan: &'a ByteScan,
    data: &'a [u8],
    at: usize,
    before_at: u64,
}

impl<'a> LineCounter<'a> {
    pub fn new(scan: &'a ByteScan, data: &'a [u8]) -> LineCounter<'a> {
        LineCounter { scan, data, at: 0, before_at: 0 }
    }

    /// Newlines in `data[..pos]`.
    pub fn before(&mut self, pos: usize) -> u64 {
        let n = if pos >= self.at && pos - self.at <= BLOCK {
            self.before_at + count(&self.data[self.at..pos])
        } else {
            self.scan.newlines_before(self.data, pos)
        };
        self.at = pos;
        self.before_at = n;
        n
    }
}

/// One block: its newlines, and whether a byte is NUL or >= 0x80. Byte-wide
/// lanes cannot overflow: a block has `BLOCK / LANES` = 32 steps.
#[inline(always)]
fn block(b: &[u8]) -> (u64, bool) {
    let mut nl = [0u8; LANES];
    // `x ^ 0x80` maps 1..=0x7f above 0x80, and NUL and 0x80..=0xff to 0x80
    // or below: one unsigned minimum finds both kinds of odd byte.
    let mut low = [u8::MAX; LANES];
    for step in b.chunks_exact(LANES) {
        let step: &[u8; LANES] = step.try_into().unwrap_or(&[b' '; LANES]);
        for i in 0..LANES {
            nl[i] += u8::from(step[i] == b'\n');
            low[i] = low[i].min(step[i] ^ 0x80);
        }
    }
    let n = nl.iter().map(|&x| u64::from(x)).sum();
    (n, low.iter().fold(u8::MAX, |a, &x| a.min(x)) <= 0x80)
}

#[inline(always)]
fn scan_generic(data: &[u8]) -> ByteScan {
    let mut before = Vec::with_capacity(data.len() / BLOCK + 2);
    let mut odd_from = None;
    let mut total = 0;
    let mut blocks = data.chunks_exact(BLOCK);
    for (k, b) in (&mut blocks).enumerate() {
        before.push(total);
        let (n, odd) = block(b);
        total += n;
        if odd && odd_from.is_none() {
            odd_from = Some(k * BLOCK);
        }
    }
    let rest = blocks.remainder();
    before.push(total);
    if !rest.is_empty() {
        total += count(rest);
        if odd_from.is_none() && rest.iter().any(|&x| x == 0 || x >= 0x80) {
            odd_from = Some(data.len() - rest.len());
        }
        before.push(total);
    }
    ByteScan { before, odd_from }
}

fn scan_portable(data: &[u8]) -> ByteScan {
    scan_generic(data)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn scan_avx2(data: &[u8]) -> ByteScan {
    scan_generic(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Kernel = fn(&[u8]) -> ByteScan;

    /// Every kernel the machine can run.
    fn kernels() -> Vec<(&'static str, Kernel)> {
        let mut v: Vec<(&'static str, Kernel)> = vec![("portable", scan_portable)];
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is there, checked just above.
            v.push(("avx2", |d| unsafe { scan_avx2(d) }));
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
                let mut c = LineCounter::new(&s, &d);
                for pos in (0..=len).step_by(97).chain([len]) {
                    assert_eq!(s.newlines_before(&d, pos), count(&d[..pos]), "{name} len {len} pos {pos}");
                    assert_eq!(c.before(pos), count(&d[..pos]), "{name} len {len} pos {pos}");
                }
                // Backwards and far jumps go through the table.
                for pos in [len, 0, len / 2, len / 3] {
                    assert_eq!(c.before(pos), count(&d[..pos]), "{name} len {len} pos {pos}");
                }
            }
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
