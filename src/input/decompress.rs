//! Compression chosen by magic bytes, on files and on stdin alike.

use std::io::{self, BufRead, BufReader, Read};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compression {
    #[default]
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// Recognises gzip (`1f 8b`) and zstd (`28 b5 2f fd`) by their magic.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "plain",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// Wraps a reader in the decoder its first bytes call for.
pub fn decoder<'a, R: Read + Send + 'a>(r: R) -> io::Result<(Box<dyn Read + Send + 'a>, Compression)> {
    let mut br = BufReader::with_capacity(256 << 10, r);
    let c = Compression::sniff(br.fill_buf()?);
    let out: Box<dyn Read + Send + 'a> = match c {
        Compression::None => Box::new(br),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(br)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(br)?),
    };
    Ok((out, c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_and_zstd_are_found_by_magic() {
        let text = b"[2024-02-06 10:47:03,491] WARN hello (x.Y)\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text).unwrap();
        let gz = gz.finish().unwrap();
        let zs = zstd::encode_all(&text[..], 3).unwrap();
        for (bytes, want) in [(gz, Compression::Gzip), (zs, Compression::Zstd), (text.to_vec(), Compression::None)] {
            let (mut r, c) = decoder(&bytes[..]).unwrap();
            assert_eq!(c, want);
            let mut out = Vec::new();
            r.read_to_end(&mut out).unwrap();
            assert_eq!(out, text);
        }
    }

    #[test]
    fn truncated_gzip_is_an_error_after_the_good_part() {
        let text = "[2024-02-06 10:47:03,491] WARN hello (x.Y)\n".repeat(2000);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let (mut r, _) = decoder(&gz[..gz.len() / 2]).unwrap();
        let mut out = Vec::new();
        assert!(r.read_to_end(&mut out).is_err());
    }
}
