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
            Ok(Box::new(CrlfAsLf::new(r)))
        }
        Encoding::Gbk => Ok(Box::new(CrlfAsLf::new(Gb18030Lines::new(r)))),
    }
}

/// A reader that turns every `\r\n` line end into `\n` (a lone `\r` is kept), so the csv parser
/// numbers lines the same whatever the line ends: csv-core counts a line at its `\n`, and after
/// a `\r\n` it takes the next record's position before that `\n`, one line short. A `\r\n`
/// inside a quoted field spanning lines reads as `\n`, as most CSV readers return it.
pub struct CrlfAsLf<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
}

impl<R: Read> CrlfAsLf<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        CrlfAsLf {
            inner,
            buf: vec![0; 1 << 16],
            pos: 0,
            len: 0,
            eof: false,
        }
    }
}

impl<R: Read> Read for CrlfAsLf<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        // Bounded: every pass hands out bytes, reaches the end, or reads more from `inner`
        // (which ends at its end of file).
        loop {
            let mut o = 0;
            while o < out.len() && self.pos < self.len {
                let b = self.buf[self.pos];
                if b == b'\r' {
                    match self.buf.get(self.pos + 1) {
                        Some(b'\n') if self.pos + 1 < self.len => {
                            self.pos += 1;
                            continue;
                        }
                        // The byte after it is not read yet.
                        _ if self.pos + 1 >= self.len && !self.eof => break,
                        _ => {}
                    }
                }
                out[o] = b;
                o += 1;
                self.pos += 1;
            }
            if o > 0 {
                return Ok(o);
            }
            if self.eof && self.pos >= self.len {
                return Ok(0);
            }
            // Keep what is left (at most a held-back carriage return) and read more.
            self.buf.copy_within(self.pos..self.len, 0);
            self.len -= self.pos;
            self.pos = 0;
            let read = self.inner.read(&mut self.buf[self.len..])?;
            if read == 0 {
                self.eof = true;
            } else {
                self.len += read;
            }
        }
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

    /// Reads one byte per call, so every `\r\n` is split across reads.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), out.first_mut()) {
                (Some((&b, rest)), Some(o)) => {
                    *o = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn through_crlf_as_lf(input: &[u8], chunk: usize) -> Vec<u8> {
        let mut r = CrlfAsLf::new(Trickle(input));
        let mut out = Vec::new();
        let mut buf = vec![0; chunk];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                return out;
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn crlf_becomes_lf_whatever_the_reads() {
        let cases: [(&[u8], &[u8]); 5] = [
            (b"a,b\r\n1,2\r\n", b"a,b\n1,2\n"),
            (b"a\rb\r", b"a\rb\r"),
            (b"\r\r\n\n", b"\r\n\n"),
            (b"x\r", b"x\r"),
            (b"", b""),
        ];
        for (input, want) in cases {
            for chunk in [1, 2, 3, 64] {
                assert_eq!(
                    through_crlf_as_lf(input, chunk),
                    want,
                    "{input:?} by {chunk}"
                );
            }
        }
    }
}
