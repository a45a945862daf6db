//! Sources: paths, directories and `-` in; readable byte sources out.
//!
//! Directories are walked recursively in sorted order (directory symlinks are
//! not followed, so a link loop cannot trap the walk). Each input is named
//! as the user would type it: the argument joined with the entry's relative
//! path. A file named `args` inside a directory is skipped: it is where a
//! fixture keeps its extra command-line arguments. Problems are `input::Error`s that name the input; they are reported
//! and the other inputs are still read.

pub mod chunk;
pub mod decompress;
pub mod endings;
pub mod pipe;
pub mod readahead;

use std::io;
use std::path::{Path, PathBuf};

/// One input to analyse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputSpec {
    /// The name reports use.
    pub name: String,
    /// `None` is standard input.
    pub path: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{name}: no such file or directory")]
    NotFound { name: String },
    #[error("{name}: cannot read: {source}")]
    Unreadable {
        name: String,
        #[source]
        source: io::Error,
    },
    #[error("{name}: {kind} stream ends early after {bytes} bytes: {source}")]
    Truncated {
        name: String,
        kind: &'static str,
        bytes: u64,
        #[source]
        source: io::Error,
    },
    #[error("{name}: read error after {bytes} bytes: {source}")]
    Read {
        name: String,
        bytes: u64,
        #[source]
        source: io::Error,
    },
    #[error("{name}: not a regular file or directory (a FIFO, socket or device is read only when named)")]
    Special { name: String },
}

impl Error {
    pub fn input(&self) -> &str {
        match self {
            Error::NotFound { name }
            | Error::Unreadable { name, .. }
            | Error::Truncated { name, .. }
            | Error::Read { name, .. }
            | Error::Special { name } => name,
        }
    }

    /// The message without the input's name (the JSON puts it beside it).
    pub fn detail(&self) -> String {
        let full = self.to_string();
        full.strip_prefix(self.input()).and_then(|s| s.strip_prefix(": ")).unwrap_or(&full).to_string()
    }
}

/// Expands the command line's inputs. `-` is stdin; directories expand to
/// their files, recursively, sorted by name.
pub fn expand(args: &[String]) -> (Vec<InputSpec>, Vec<Error>) {
    let mut specs = Vec::new();
    let mut errors = Vec::new();
    for a in args {
        if a == "-" {
            specs.push(InputSpec { name: "-".into(), path: None });
            continue;
        }
        let p = Path::new(a);
        match std::fs::metadata(p) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => errors.push(Error::NotFound { name: a.clone() }),
            Err(e) => errors.push(Error::Unreadable { name: a.clone(), source: e }),
            Ok(m) if m.is_dir() => walk(p, a.trim_end_matches('/'), &mut specs, &mut errors),
            Ok(_) => specs.push(InputSpec { name: a.clone(), path: Some(p.to_path_buf()) }),
        }
    }
    (specs, errors)
}

fn walk(dir: &Path, name: &str, specs: &mut Vec<InputSpec>, errors: &mut Vec<Error>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            errors.push(Error::Unreadable { name: name.to_string(), source: e });
            return;
        }
    };
    let mut list: Vec<_> = entries.filter_map(Result::ok).collect();
    list.sort_by_key(|e| e.file_name());
    for e in list {
        // A fixture keeps its command-line arguments in an `args` file
        // beside its logs (README, "Development"); it is not a log.
        if e.file_name() == "args" {
            continue;
        }
        let child = format!("{name}/{}", e.file_name().to_string_lossy());
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            walk(&e.path(), &child, specs, errors);
        } else if ft.is_symlink() {
            // Follow links to files, never to directories (no loops).
            match std::fs::metadata(e.path()) {
                Ok(m) if m.is_file() => specs.push(InputSpec { name: child, path: Some(e.path()) }),
                Ok(m) if m.is_dir() => {}
                Ok(_) => errors.push(Error::Special { name: child }),
                Err(err) => errors.push(Error::Unreadable { name: child, source: err }),
            }
        } else if ft.is_file() {
            specs.push(InputSpec { name: child, path: Some(e.path()) });
        } else {
            // A FIFO, socket or device found by the walk is named, not
            // opened: nothing promises a writer, and the read could block
            // forever. Named on the command line, it is read (issue 7).
            errors.push(Error::Special { name: child });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_expand_sorted_and_missing_paths_are_named() {
        let dir = std::env::temp_dir().join(format!("rollcall-expand-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("b")).unwrap();
        std::fs::write(dir.join("b/2.log"), "x").unwrap();
        std::fs::write(dir.join("a.log"), "x").unwrap();
        std::fs::write(dir.join("c.log.gz"), "x").unwrap();
        let d = dir.display().to_string();
        let (specs, errors) = expand(&[d.clone(), format!("{d}/nope.log"), "-".into()]);
        let names: Vec<_> = specs.iter().map(|s| s.name.strip_prefix(&d).unwrap_or(&s.name).to_string()).collect();
        assert_eq!(names, vec!["/a.log", "/b/2.log", "/c.log.gz", "-"]);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].to_string().ends_with("nope.log: no such file or directory"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
