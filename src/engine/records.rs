//! Records with their place in the file. `csv_core` parses (RFC 4180, quotes, embedded line
//! breaks); this loop feeds it and watches the raw bytes it consumes, which the `csv`
//! crate's reader hides: that is how blank lines (which the parser skips) are counted, how
//! CR-only files get true line numbers, and where each record starts.

use std::io::{self, Read};

/// The cells of one record in one allocation: the text of every field back to back and
/// where each ends. A million rows of sixteen columns cost two allocations a row, not
/// seventeen.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cells {
    text: String,
    ends: Vec<u32>,
}

impl Cells {
    pub fn from_strings<S: AsRef<str>>(cells: &[S]) -> Cells {
        let mut out = Cells::default();
        for c in cells {
            out.text.push_str(c.as_ref());
            out.ends.push(out.text.len() as u32);
        }
        out
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..end)
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + Clone + '_ {
        (0..self.ends.len()).map(move |i| self.get(i).unwrap_or(""))
    }

    /// Replaces every cell by the part of it `keep` returns.
    pub fn keep_in_each(&mut self, keep: impl for<'a> Fn(&'a str) -> &'a str) {
        let mut kept = Cells::default();
        for cell in self.iter() {
            kept.text.push_str(keep(cell));
            kept.ends.push(kept.text.len() as u32);
        }
        *self = kept;
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }
}

/// The longest record we accept: far beyond any contact, small enough that a stray quote
/// in a huge file cannot take the machine's memory.
pub const MAX_RECORD_BYTES: usize = 128 * 1024 * 1024;

/// Why a record could not be read, with the line it started on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("the record starting on line {line} is longer than 128 MB")]
    TooLarge { line: u64 },
    #[error("line {line} is not valid UTF-8")]
    NotUtf8 { line: u64 },
}

/// A parsed record and where it was in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordPlace {
    /// Line (1-based) of the record's first byte.
    pub line: u64,
    /// Byte offset of the record's first byte in the decoded stream.
    pub offset: u64,
    /// Empty lines skipped just before this record.
    pub blank_lines_before: u64,
}

pub struct RecordReader<R: Read> {
    inner: R,
    core: csv_core::Reader,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// Parsed field bytes of the current record, and where each field ends.
    out: Vec<u8>,
    ends: Vec<usize>,
    line: u64,
    offset: u64,
    prev_cr: bool,
    /// Empty lines after the last record.
    trailing_blanks: u64,
}

impl<R: Read> RecordReader<R> {
    pub fn new(inner: R, delimiter: u8) -> Self {
        RecordReader {
            inner,
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            buf: vec![0; 256 * 1024],
            start: 0,
            end: 0,
            eof: false,
            out: vec![0; 4096],
            ends: vec![0; 64],
            line: 1,
            offset: 0,
            prev_cr: false,
            trailing_blanks: 0,
        }
    }

    /// Lines seen so far: after the end of the file, the number of lines it has.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Empty lines after the last record, known once `read` has returned `None`.
    pub fn trailing_blanks(&self) -> u64 {
        self.trailing_blanks
    }

    /// Reads the next record into `cells`; `None` at the end of the input.
    pub fn read(&mut self, cells: &mut Cells) -> io::Result<Option<RecordPlace>> {
        let mut nout = 0;
        let mut nend = 0;
        let mut place: Option<RecordPlace> = None;
        let mut blanks = 0u64;
        loop {
            if self.start == self.end && !self.eof {
                self.end = self.inner.read(&mut self.buf)?;
                self.start = 0;
                if self.end == 0 {
                    self.eof = true;
                }
            }
            let input = &self.buf[self.start..self.end];
            let (result, nin, o, e) =
                self.core
                    .read_record(input, &mut self.out[nout..], &mut self.ends[nend..]);
            let consumed_from = self.start;
            self.start += nin;
            self.watch(consumed_from, nin, &mut place, &mut blanks);
            nout += o;
            nend += e;
            use csv_core::ReadRecordResult::*;
            match result {
                InputEmpty => continue,
                OutputFull => {
                    let len = self.out.len();
                    if len >= MAX_RECORD_BYTES {
                        let line = place.map(|p| p.line).unwrap_or(self.line);
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            RecordError::TooLarge { line },
                        ));
                    }
                    self.out.resize(len * 2, 0);
                }
                OutputEndsFull => {
                    let len = self.ends.len();
                    self.ends.resize(len * 2, 0);
                }
                Record => {
                    // One UTF-8 check for the whole record; fields end on ASCII delimiters,
                    // so every field boundary is a character boundary.
                    let total = if nend == 0 { 0 } else { self.ends[nend - 1] };
                    let text = match std::str::from_utf8(&self.out[..total]) {
                        Ok(t) => t,
                        Err(_) => {
                            // Never replace bytes silently: the file is not the encoding its
                            // start said it was.
                            let line = place.map(|p| p.line).unwrap_or(self.line);
                            return Err(io::Error::new(
                                io::ErrorKind::InvalidData,
                                RecordError::NotUtf8 { line },
                            ));
                        }
                    };
                    cells.text.clear();
                    cells.text.push_str(text);
                    cells.ends.clear();
                    cells
                        .ends
                        .extend(self.ends[..nend].iter().map(|&e| e as u32));
                    let place = place.unwrap_or(RecordPlace {
                        line: self.line,
                        offset: self.offset,
                        blank_lines_before: blanks,
                    });
                    return Ok(Some(place));
                }
                End => {
                    self.trailing_blanks = blanks;
                    return Ok(None);
                }
            }
        }
    }

    /// Follows the consumed bytes: line breaks (LF, CRLF or a lone CR), blank lines before
    /// the record (the parser skips them silently), and the record's first byte. Between
    /// line breaks only the first byte matters, so the rest of a line is skipped with one
    /// byte search.
    fn watch(
        &mut self,
        from: usize,
        len: usize,
        place: &mut Option<RecordPlace>,
        blanks: &mut u64,
    ) {
        let bytes = &self.buf[from..from + len];
        let base = self.offset;
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            if b == b'\r' || b == b'\n' {
                let completes_crlf = b == b'\n' && self.prev_cr;
                self.prev_cr = b == b'\r';
                // The second half of a CRLF: the line break was counted at the CR.
                if !completes_crlf {
                    if place.is_none() {
                        *blanks += 1;
                    }
                    self.line += 1;
                }
                i += 1;
            } else {
                self.prev_cr = false;
                if place.is_none() {
                    *place = Some(RecordPlace {
                        line: self.line,
                        offset: base + i as u64,
                        blank_lines_before: *blanks,
                    });
                }
                i = memchr::memchr2(b'\r', b'\n', &bytes[i..]).map_or(bytes.len(), |k| i + k);
            }
        }
        self.offset = base + len as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &[u8]) -> (Vec<(Vec<String>, u64, u64)>, u64) {
        let mut r = RecordReader::new(text, b',');
        let mut cells = Cells::default();
        let mut out = Vec::new();
        while let Some(p) = r.read(&mut cells).unwrap() {
            out.push((cells.to_vec(), p.line, p.blank_lines_before));
        }
        (out, r.trailing_blanks())
    }

    #[test]
    fn counts_blank_lines_and_lines() {
        let (recs, trailing) = read_all(b"t\n\n\nh,1\n,\n\na,b\n\n");
        let lines: Vec<(u64, u64)> = recs.iter().map(|r| (r.1, r.2)).collect();
        assert_eq!(lines, [(1, 0), (4, 2), (5, 0), (7, 1)]);
        assert_eq!(trailing, 1);
    }

    #[test]
    fn crlf_and_cr_only() {
        let (recs, _) = read_all(b"a\r\n\r\nb\r\n");
        assert_eq!(
            recs.iter().map(|r| (r.1, r.2)).collect::<Vec<_>>(),
            [(1, 0), (3, 1)]
        );
        let (recs, _) = read_all(b"a\r\rb\rc");
        assert_eq!(
            recs.iter().map(|r| (r.1, r.2)).collect::<Vec<_>>(),
            [(1, 0), (3, 1), (4, 0)]
        );
    }

    #[test]
    fn quoted_line_breaks_are_content() {
        let (recs, _) = read_all(b"a,\"x\n\ny\"\nb,c\n");
        assert_eq!(recs[0].0, ["a", "x\n\ny"]);
        assert_eq!((recs[1].1, recs[1].2), (4, 0));
    }
}
