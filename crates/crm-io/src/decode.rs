//! Text encodings of input files: the byte stream the sequential reader parses is UTF-8.
//!
//! - UTF-8: a leading byte-order mark (`EF BB BF`, as Excel writes it) is skipped; nothing else
//!   changes, and bytes that are not UTF-8 are reported by the reader with their line and column.
//! - GB18030 (and so GBK and GB2312): the file is decoded line by line into UTF-8, without
//!   replacement. A byte sequence that is not GB18030 is passed on as the byte `0xFF`, which is
//!   never valid UTF-8, so the reader reports it at its line and column (or skips the row under
//!   `--skip-invalid`), exactly as an invalid byte of a UTF-8 file. Splitting lines on raw bytes is
//!   exact: no GB18030 multi-byte sequence contains the byte `\n`.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use encoding_rs::{DecoderResult, GB18030};

use crate::options::Encoding;

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Opens `path` as a UTF-8 byte stream: the BOM of a UTF-8 file skipped, a GB18030 file decoded.
pub fn open_utf8(path: &Path, encoding: Encoding) -> std::io::Result<Box<dyn Read>> {
    let mut r = BufReader::with_capacity(1 << 16, File::open(path)?);
    match encoding {
        Encoding::Utf8 => {
            skip_bom(&mut r)?;
            Ok(Box::new(r))
        }
        Encoding::Gbk => Ok(Box::new(Gb18030Lines::new(r))),
    }
}

/// Skips a leading UTF-8 byte-order mark of `r`; returns whether there was one.
pub fn skip_bom(r: &mut impl BufRead) -> std::io::Result<bool> {
    // `fill_buf` at the start of a file returns at least the three bytes unless the file is
    // shorter (a short read of a regular file only happens at its end).
    let has = r.fill_buf()?.starts_with(BOM);
    if has {
        r.consume(BOM.len());
    }
    Ok(has)
}

/// A reader of GB18030 text that yields UTF-8, one line at a time (see the module docs for the
/// invalid-byte marker).
pub struct Gb18030Lines<R> {
    inner: R,
    raw: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
}

impl<R: BufRead> Gb18030Lines<R> {
    /// Decodes `inner`.
    pub fn new(inner: R) -> Self {
        Gb18030Lines {
            inner,
            raw: Vec::with_capacity(256),
            out: Vec::with_capacity(512),
            pos: 0,
        }
    }

    /// Decodes the next line into `out`; `false` at the end of the input.
    fn refill(&mut self) -> std::io::Result<bool> {
        self.raw.clear();
        self.out.clear();
        self.pos = 0;
        if self.inner.read_until(b'\n', &mut self.raw)? == 0 {
            return Ok(false);
        }
        decode_gb18030_line(&self.raw, &mut self.out);
        Ok(true)
    }
}

impl<R: BufRead> Read for Gb18030Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.out.len() && !self.refill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Appends the UTF-8 form of the GB18030 bytes `raw` to `out`; each malformed sequence becomes
/// the byte `0xFF` (invalid UTF-8, reported by the reader).
pub fn decode_gb18030_line(raw: &[u8], out: &mut Vec<u8>) {
    if let Some(s) = GB18030.decode_without_bom_handling_and_without_replacement(raw) {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    let mut decoder = GB18030.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(raw.len() * 3 / 2 + 4);
    let mut src = raw;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(src, &mut text, true);
        src = &src[read..];
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => {
                let more = decoder
                    .max_utf8_buffer_length_without_replacement(src.len())
                    .unwrap_or(src.len().saturating_mul(4));
                text.reserve(more.max(4));
            }
            DecoderResult::Malformed(_, _) => {
                out.extend_from_slice(text.as_bytes());
                text.clear();
                out.push(0xFF);
            }
        }
    }
    out.extend_from_slice(text.as_bytes());
}

/// The message for bytes that are not valid text in `encoding`.
pub fn invalid_text(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Utf8 => {
            "bytes that are not valid UTF-8 (if the file is a Chinese export, e.g. from Excel, \
             try --encoding gbk)"
        }
        Encoding::Gbk => "bytes that are not valid GB18030/GBK text",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(raw: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        Gb18030Lines::new(raw).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn gb18030_lines_decode_and_mark_invalid_bytes() {
        let (gbk, _, bad) = GB18030.encode("张三,2024-01-01,¥12\n李四,x\n");
        assert!(!bad);
        assert_eq!(
            String::from_utf8(decode_all(&gbk)).unwrap(),
            "张三,2024-01-01,¥12\n李四,x\n"
        );
        // A lone lead byte and an invalid byte: each one marker, the rest decoded.
        let out = decode_all(b"a\x81,b\n\xff\xffc\n");
        assert_eq!(out, b"a\xff,b\n\xff\xffc\n");
        let out = decode_all(b"\xd5\xc5\x81\n");
        assert_eq!(out, b"\xe5\xbc\xa0\xff\n");
    }

    #[test]
    fn bom_is_skipped_once() {
        let mut r: &[u8] = b"\xEF\xBB\xBFa,b\n";
        assert!(skip_bom(&mut r).unwrap());
        assert_eq!(r, b"a,b\n");
        let mut r: &[u8] = b"a,b\n";
        assert!(!skip_bom(&mut r).unwrap());
        assert_eq!(r, b"a,b\n");
    }
}
