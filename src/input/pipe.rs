//! A wider pipe for a streamed input.
//!
//! Linux gives a pipe 64 KiB. The read-ahead thread (`readahead`) drains it
//! as fast as it fills, so every 64 KiB the writer (`cat`, `kubectl logs`)
//! blocks and is woken, and so is the reader. On a busy host those
//! hand-overs were most of `cat 1g.log | rollcall` (issue 4, session 9:
//! 3.4–4.4 s with 64 KiB, 1.3–1.7 s with 1 MiB, in the same minutes; on a
//! quiet host 1.30 against 1.16 s). Asking for 1 MiB (the most an
//! unprivileged process may, by `/proc/sys/fs/pipe-max-size`'s default)
//! cuts the hand-overs sixteenfold.
//! The writer only gets to write further ahead; the reader still sees
//! every byte as soon as it is written, so a quiet pipe's latency is the
//! same.

use std::os::fd::AsFd;

/// The pipe size asked for.
pub const WIDE: usize = 1 << 20;

/// Widens `fd` to [`WIDE`] bytes if it is a pipe or a FIFO; returns the
/// size it has after, or `None` where it is not a pipe (a file, a
/// terminal), or the system refused (a lower `pipe-max-size`, the user's
/// pipe quota spent). Never fails: a narrow pipe is only slower.
pub fn widen(fd: impl AsFd) -> Option<usize> {
    #[cfg(target_os = "linux")]
    {
        let fd = fd.as_fd();
        let now = rustix::pipe::fcntl_getpipe_size(fd).ok()?;
        if now >= WIDE {
            return Some(now);
        }
        rustix::pipe::fcntl_setpipe_size(fd, WIDE).ok().or(Some(now))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = fd;
        None
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn max_size() -> usize {
        std::fs::read_to_string("/proc/sys/fs/pipe-max-size").ok().and_then(|s| s.trim().parse().ok()).unwrap_or(WIDE)
    }

    #[test]
    fn a_pipe_is_widened_and_a_file_is_left_alone() {
        let (r, _w) = std::io::pipe().unwrap();
        let want = WIDE.min(max_size());
        assert!(rustix::pipe::fcntl_getpipe_size(&r).unwrap() < want, "the system's default (64 KiB) is narrower");
        assert_eq!(widen(&r), Some(want));
        assert_eq!(rustix::pipe::fcntl_getpipe_size(&r).unwrap(), want);
        // Asked again: nothing to do.
        assert_eq!(widen(&r), Some(want));
        let f = std::fs::File::open("Cargo.toml").unwrap();
        assert_eq!(widen(&f), None);
    }
}
