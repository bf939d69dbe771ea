//! Reading a file: refuse what is not a CSV, find the encoding, the delimiter and the header
//! row, then stream the records with their spreadsheet row numbers. Nothing here holds more
//! than one record and a small sample in memory, whatever the size of the file.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};
use serde::{Deserialize, Serialize};

use super::error::{EngineError, Result};
pub use super::records::Cells;
use super::records::{RecordError, RecordReader, MAX_RECORD_BYTES};
use super::sheet;
use super::text::{restore, written_by_rolodex};

/// How much of the start of a file is sampled to detect encoding, delimiter and header.
const SAMPLE_BYTES: usize = 256 * 1024;
/// How many records of the sample are looked at to guess the delimiter and the header.
const SAMPLE_RECORDS: usize = 50;
/// The delimiters we sniff for, in order of preference when they score the same.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// What the user may decide instead of the sniffers.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReadOptions {
    pub delimiter: Option<u8>,
    pub encoding: Option<String>,
    /// The spreadsheet row (1-based, blank lines counted) that holds the header.
    pub header_row: Option<u64>,
    /// The sheet of a workbook to read, by name or number (from 1); the first otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
}

/// What was detected about a file; shown by `preview`, kept with every job.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileInfo {
    pub path: PathBuf,
    pub size: u64,
    /// WHATWG name: `UTF-8`, `UTF-16LE`, `UTF-16BE`, `windows-1252`, …
    pub encoding: String,
    /// False when the encoding was guessed from too little or too ambiguous text: the
    /// review then warns, naming values as they were decoded. Jobs kept before detection
    /// existed read as confident.
    #[serde(default = "confident")]
    pub encoding_confident: bool,
    pub bom: bool,
    pub delimiter: char,
    /// Spreadsheet row of the header (1-based).
    pub header_row: u64,
    pub header: Vec<String>,
    /// Rows of the whole file when the sample covered it, else an estimate from the sample.
    pub approx_rows: u64,
    pub rows_exact: bool,
    /// What kind of file it is; jobs kept before other formats were read are CSV.
    #[serde(default)]
    pub format: Format,
}

/// The kinds of file rolodex reads. A CSV is streamed; the others are read whole by their
/// own reader into a [`Table`] (a workbook's sheet or an address book is small next to a
/// CSV export, and their libraries read them whole anyway).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    #[default]
    Csv,
    Xlsx,
    Xls,
    Ods,
    /// A vCard address book (`.vcf`), one row per card (`engine::vcard`).
    #[serde(rename = "vcard")]
    VCard,
}

impl Format {
    /// What the file is, as `preview` says it.
    pub fn describe(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Xlsx => "Excel workbook (.xlsx)",
            Format::Xls => "Excel 97-2003 workbook (.xls)",
            Format::Ods => "OpenDocument spreadsheet (.ods)",
            Format::VCard => "vCard address book",
        }
    }

    /// What one record of the file is called: a `row`, a vCard's `card`.
    pub fn record(self) -> &'static str {
        match self {
            Format::VCard => "card",
            _ => "row",
        }
    }

    /// Where a record is, in its format's words: `row 5`, or `card 3 (line 41)` (a card's
    /// ordinal alone would leave the user counting cards in an editor).
    pub fn place(self, row: u64, line: u64) -> String {
        match self {
            Format::VCard => format!("card {row} (line {line})"),
            _ => format!("row {row}"),
        }
    }
}

/// The rows of a file read whole: data rows only (below the header), each with the row
/// number and line its own format gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub rows: Vec<RawRow>,
}

/// One data record as read: the cells exactly as decoded, and where it stands in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawRow {
    /// Spreadsheet row number: header and title lines count, blank lines count.
    pub row: u64,
    /// Line of the file where the record starts.
    pub line: u64,
    pub cells: Cells,
}

impl RawRow {
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// An opened, sniffed file, ready to stream its rows as often as needed.
#[derive(Debug, Clone)]
pub struct Source {
    pub info: FileInfo,
    encoding: &'static Encoding,
    /// A results or error file rolodex wrote: its cells are read back as they were before
    /// they were neutralized for spreadsheets.
    restore_cells: bool,
    /// When the encoding is a doubtful guess: a few sampled values with letters outside
    /// ASCII, as decoded, for the user to judge.
    doubtful_values: Vec<String>,
    /// The rows of a file that is not a CSV, read whole when it was opened.
    table: Option<std::sync::Arc<Table>>,
    /// A workbook's sheets, and which one was read.
    sheets: Option<Sheets>,
}

/// A workbook's worksheets, in the order of their tabs, and which one was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheets {
    pub names: Vec<String>,
    pub chosen: usize,
}

fn confident() -> bool {
    true
}

impl Source {
    /// Opens `path`, refuses what is not a text CSV, and detects how to read it.
    pub fn open(path: &Path, options: &ReadOptions) -> Result<Source> {
        let metadata = std::fs::metadata(path).map_err(|e| EngineError::from_io(path, e))?;
        if metadata.is_dir() {
            return Err(EngineError::IsDirectory(path.to_path_buf()));
        }
        if !metadata.is_file() {
            // A FIFO or a device would block or never end: refuse before opening it.
            return Err(EngineError::NotAFile(path.to_path_buf()));
        }
        let mut file = File::open(path).map_err(|e| EngineError::from_io(path, e))?;
        let sample = read_sample(&mut file, path)?;
        let whole_file = (sample.len() as u64) >= metadata.len();

        if let Some(source) = open_other_format(path, &sample, options)? {
            return Ok(source);
        }
        if options.sheet.is_some() {
            return Err(EngineError::SheetOfCsv(path.to_path_buf()));
        }
        refuse_other_formats(path, &sample)?;
        let (encoding, bom, encoding_confident) = match &options.encoding {
            Some(label) => {
                let enc = Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
                    EngineError::UnknownEncoding {
                        path: path.to_path_buf(),
                        label: label.clone(),
                    }
                })?;
                // The user's word is taken as it is: no doubt to report.
                (enc, bom_length(&sample, enc) > 0, true)
            }
            None => detect_encoding(path, &sample, whole_file)?,
        };
        let text = decode_sample(&sample, encoding, whole_file);
        if text
            .trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
            .is_empty()
        {
            return Err(EngineError::Empty(path.to_path_buf()));
        }
        let delimiter = match options.delimiter {
            Some(d) => d,
            None => sniff_delimiter(&text),
        };
        let (sampled, offsets) = sample_rows_at(&text, delimiter, whole_file);
        let header_row = match options.header_row {
            Some(n) => n,
            None => detect_header_row(&sampled)
                .ok_or_else(|| EngineError::NoHeader(path.to_path_buf()))?,
        };
        let header = sampled
            .iter()
            .find(|r| r.row == header_row)
            .map(|r| r.cells.to_vec());
        let mut header = match header {
            Some(h) => h,
            None if options.header_row.is_some() => {
                return Err(EngineError::HeaderRowOutOfRange {
                    path: path.to_path_buf(),
                    requested: header_row as usize,
                    available: sampled.iter().map(|r| r.row).max().unwrap_or(0) as usize,
                })
            }
            None => return Err(EngineError::NoHeader(path.to_path_buf())),
        };
        let restore_cells = written_by_rolodex(&header);
        if restore_cells {
            for cell in &mut header {
                *cell = restore(cell).to_string();
            }
        }
        let data_in_sample = sampled
            .iter()
            .filter(|r| r.row > header_row && !r.is_blank())
            .count() as u64;
        if whole_file && data_in_sample == 0 {
            return Err(EngineError::HeaderOnly(path.to_path_buf()));
        }
        let approx_rows = if whole_file {
            data_in_sample
        } else {
            // The sample's text stands for the file's bytes in the same proportion (a
            // UTF-16 file decodes to about half its bytes).
            let decoded_len =
                metadata.len() as f64 * text.len() as f64 / sample.len().max(1) as f64;
            estimate_rows(&sampled, &offsets, header_row, decoded_len).unwrap_or_else(|| {
                let bytes_per_row = (sample.len() as u64).max(1) / data_in_sample.max(1);
                metadata.len() / bytes_per_row.max(1)
            })
        };
        let doubtful_values = if encoding_confident {
            Vec::new()
        } else {
            values_outside_ascii(&sampled, header_row)
        };
        let info = FileInfo {
            path: path.to_path_buf(),
            size: metadata.len(),
            encoding: encoding.name().to_string(),
            encoding_confident,
            bom,
            delimiter: delimiter as char,
            header_row,
            header,
            approx_rows,
            rows_exact: whole_file,
            format: Format::Csv,
        };
        Ok(Source {
            info,
            encoding,
            restore_cells,
            doubtful_values,
            table: None,
            sheets: None,
        })
    }

    /// A source whose rows another format's reader read whole. `info` says what was read
    /// (its header, format, and how many rows: `approx_rows` is exact here); cells of a
    /// file rolodex wrote are restored as for a CSV.
    pub fn from_table(mut info: FileInfo, table: Table) -> Source {
        let restore_cells = written_by_rolodex(&info.header);
        if restore_cells {
            for cell in &mut info.header {
                *cell = restore(cell).to_string();
            }
        }
        info.approx_rows = table.rows.iter().filter(|r| !r.is_blank()).count() as u64;
        info.rows_exact = true;
        Source {
            info,
            encoding: UTF_8,
            restore_cells,
            doubtful_values: Vec::new(),
            table: Some(std::sync::Arc::new(table)),
            sheets: None,
        }
    }

    /// A workbook's sheets and which was read; `None` for other files.
    pub fn sheets(&self) -> Option<&Sheets> {
        self.sheets.as_ref()
    }

    /// The review's warning when the encoding is a doubtful guess: which encoding was
    /// assumed, values as they read in it, and how to choose another.
    pub fn encoding_doubt(&self) -> Option<String> {
        if self.info.encoding_confident {
            return None;
        }
        let shown = if self.doubtful_values.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = self
                .doubtful_values
                .iter()
                .map(|v| format!("{v:?}"))
                .collect();
            format!("; values read as {}", quoted.join(", "))
        };
        Some(format!(
            "{}: the encoding was guessed as {} with low confidence{shown}. If these look \
             wrong, import again with --encoding and the file's encoding (windows-1251, \
             windows-1250, Shift_JIS, GB18030, ISO-8859-7, …)",
            self.info.path.display(),
            self.info.encoding
        ))
    }

    /// Streams the data rows below the header, from the start of the file.
    pub fn rows(&self) -> Result<Rows> {
        self.rows_tapped(None)
    }

    fn rows_tapped(&self, tap: Option<Checksum>) -> Result<Rows> {
        let path = &self.info.path;
        let feed = match &self.table {
            Some(table) => Feed::Table {
                table: table.clone(),
                next: 0,
            },
            None => {
                let reader = open_decoded(path, self.encoding, tap)?;
                Feed::Csv(Box::new(RecordReader::new(
                    reader,
                    self.info.delimiter as u8,
                )))
            }
        };
        let delimiter = self.info.delimiter as u8;
        Ok(Rows {
            feed,
            cells: Cells::default(),
            path: path.clone(),
            encoding: self.encoding,
            delimiter,
            header_row: self.info.header_row,
            row: 0,
            blank_rows: 0,
            last_start: None,
            finished: false,
            restore_cells: self.restore_cells,
        })
    }

    /// Reads the whole file once, checking what can only be known at its end (a quote never
    /// closed, bytes that are not the detected encoding), and counts its rows exactly. An
    /// import calls it before writing anything, so a bad file costs nothing. Returns the
    /// file's checksum (as `file_checksum`), computed from the same read.
    pub fn check_whole_file(&mut self) -> Result<String> {
        let (sum, rows) = self.verify()?;
        self.info.approx_rows = rows;
        self.info.rows_exact = true;
        Ok(sum)
    }

    /// `check_whole_file` of a source other threads are reading too: the checksum and the
    /// exact number of data rows, leaving the source as it is.
    pub fn verify(&self) -> Result<(String, u64)> {
        let never = std::sync::atomic::AtomicBool::new(false);
        let verified = self.verify_until(&never)?;
        // Only `stop` ends the read early, and it is never set.
        verified.ok_or(EngineError::Interrupted("the file check"))
    }

    /// `verify`, given up (`None`) soon after `stop` is set.
    pub fn verify_until(
        &self,
        stop: &std::sync::atomic::AtomicBool,
    ) -> Result<Option<(String, u64)>> {
        if let Some(table) = &self.table {
            // The table was read whole when the file was opened: what is left is the
            // checksum of the file's bytes, which resume compares.
            let sum = file_checksum(&self.info.path)
                .map_err(|e| EngineError::from_io(&self.info.path, e))?;
            let rows = table.rows.iter().filter(|r| !r.is_blank()).count() as u64;
            return Ok(Some((sum, rows)));
        }
        let checksum = Checksum::default();
        let mut rows = self.rows_tapped(Some(checksum.clone()))?;
        let mut n: u64 = 0;
        while rows.advance()?.is_some() {
            n += 1;
            if n.is_multiple_of(4096) && stop.load(std::sync::atomic::Ordering::Relaxed) {
                return Ok(None);
            }
        }
        Ok(Some((checksum.hex(), n)))
    }

    /// Every data row's cells, once, without keeping them.
    pub fn read_through(&self, each: &mut dyn FnMut(&Cells)) -> Result<()> {
        self.rows()?.visit(each).map(drop)
    }

    pub fn header(&self) -> &[String] {
        &self.info.header
    }

    /// Names the file by its absolute path (kept with a job, so `resume` works from any
    /// directory); the path is left as it was if it cannot be resolved.
    pub fn make_absolute(&mut self) {
        if let Ok(abs) = std::fs::canonicalize(&self.info.path) {
            self.info.path = abs;
        }
    }
}

/// Where the rows come from: a CSV streamed record by record, or a table read whole.
enum Feed {
    /// Boxed: the reader's buffers dwarf a table's handle.
    Csv(Box<RecordReader<Box<dyn Read + Send>>>),
    Table {
        table: std::sync::Arc<Table>,
        next: usize,
    },
}

/// The data rows of a file, one at a time; blank rows are counted, not returned.
pub struct Rows {
    feed: Feed,
    cells: Cells,
    path: PathBuf,
    encoding: &'static Encoding,
    delimiter: u8,
    header_row: u64,
    row: u64,
    blank_rows: u64,
    /// (byte offset, line) of the last record read, to check it at the end of the file.
    last_start: Option<(u64, u64)>,
    finished: bool,
    restore_cells: bool,
}

impl Rows {
    /// Blank rows below the header seen so far.
    pub fn blank_rows(&self) -> u64 {
        self.blank_rows
    }

    fn count_blank_lines(&mut self, n: u64) {
        for _ in 0..n {
            self.row += 1;
            if self.row > self.header_row {
                self.blank_rows += 1;
            }
        }
    }

    /// The next data row, or `None` at the end of the file.
    pub fn next_row(&mut self) -> Result<Option<RawRow>> {
        Ok(self.advance()?.map(|(row, line)| RawRow {
            row,
            line,
            cells: std::mem::take(&mut self.cells),
        }))
    }

    /// Shows every remaining row's cells to `each`, reusing one buffer; how many rows.
    fn visit(mut self, each: &mut dyn FnMut(&Cells)) -> Result<u64> {
        let mut n = 0;
        while self.advance()?.is_some() {
            each(&self.cells);
            n += 1;
        }
        Ok(n)
    }

    /// Reads the next data row into `self.cells`: its row and line, or `None` at the end.
    fn advance(&mut self) -> Result<Option<(u64, u64)>> {
        loop {
            if self.finished {
                return Ok(None);
            }
            let reader = match &mut self.feed {
                Feed::Csv(reader) => reader,
                Feed::Table { table, next } => {
                    let Some(raw) = table.rows.get(*next) else {
                        self.finished = true;
                        return Ok(None);
                    };
                    *next += 1;
                    if raw.is_blank() {
                        self.blank_rows += 1;
                        continue;
                    }
                    self.cells = raw.cells.clone();
                    if self.restore_cells {
                        self.cells.keep_in_each(restore);
                    }
                    return Ok(Some((raw.row, raw.line)));
                }
            };
            let place = reader
                .read(&mut self.cells)
                .map_err(|e| record_error(&self.path, e))?;
            let Some(place) = place else {
                self.finished = true;
                let trailing = reader.trailing_blanks();
                self.count_blank_lines(trailing);
                if let Some((offset, line)) = self.last_start {
                    check_last_record_closed(
                        &self.path,
                        self.encoding,
                        self.delimiter,
                        offset,
                        line,
                    )?;
                }
                return Ok(None);
            };
            self.count_blank_lines(place.blank_lines_before);
            self.row += 1;
            self.last_start = Some((place.offset, place.line));
            if self.row <= self.header_row {
                continue;
            }
            if self.cells.iter().all(|c| c.trim().is_empty()) {
                self.blank_rows += 1;
                continue;
            }
            if self.restore_cells {
                self.cells.keep_in_each(restore);
            }
            return Ok(Some((self.row, place.line)));
        }
    }
}

impl Iterator for Rows {
    type Item = Result<RawRow>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_row().transpose()
    }
}

fn read_sample(file: &mut File, path: &Path) -> Result<Vec<u8>> {
    let mut sample = Vec::with_capacity(SAMPLE_BYTES.min(64 * 1024));
    file.by_ref()
        .take(SAMPLE_BYTES as u64)
        .read_to_end(&mut sample)
        .map_err(|e| EngineError::from_io(path, e))?;
    Ok(sample)
}

/// Reads a file of another format than CSV that rolodex knows (each format's reader
/// recognises its own files from their name and first bytes); `None` for anything else,
/// which is then read as a CSV or refused by `refuse_other_formats`.
fn open_other_format(path: &Path, sample: &[u8], options: &ReadOptions) -> Result<Option<Source>> {
    if let Some(kind) = sheet::workbook_kind(path, sample) {
        return open_workbook(path, kind, options).map(Some);
    }
    if super::vcard::is_vcard(sample) {
        return open_vcard(path, options).map(Some);
    }
    Ok(None)
}

/// An address book: a row per card, under the headers its cards fill (`engine::vcard`).
fn open_vcard(path: &Path, options: &ReadOptions) -> Result<Source> {
    let book = super::vcard::read(path, options.encoding.as_deref())?;
    let rows = book
        .cards
        .into_iter()
        .map(|card| RawRow {
            row: card.ordinal,
            line: card.line,
            cells: Cells::from_strings(&card.cells),
        })
        .collect();
    let info = FileInfo {
        path: path.to_path_buf(),
        size: std::fs::metadata(path).map_or(0, |m| m.len()),
        encoding: book.encoding.to_string(),
        encoding_confident: true,
        bom: book.bom,
        delimiter: ',',
        // No header row: the header is made of the properties the cards fill.
        header_row: 0,
        header: book.header,
        approx_rows: 0,
        rows_exact: true,
        format: Format::VCard,
    };
    Ok(Source::from_table(info, Table { rows }))
}

/// A workbook's sheet as a source: its header found as in a CSV (or on `--header-row`),
/// the rows below it read as a CSV's would be.
fn open_workbook(path: &Path, kind: sheet::Kind, options: &ReadOptions) -> Result<Source> {
    let size = std::fs::metadata(path)
        .map_err(|e| EngineError::from_io(path, e))?
        .len();
    let read = sheet::read(path, kind, options.sheet.as_deref())?;
    let sheets = Sheets {
        chosen: read.chosen,
        names: read.names.clone(),
    };
    let mut rows: Vec<RawRow> = read
        .rows
        .into_iter()
        .map(|(row, cells)| RawRow {
            row,
            line: row,
            cells: Cells::from_strings(&cells),
        })
        .collect();
    if rows.iter().all(RawRow::is_blank) {
        return Err(EngineError::EmptySheet {
            path: path.to_path_buf(),
            sheet: sheets.names.get(sheets.chosen).cloned().unwrap_or_default(),
            sheets: sheet::list_sheets(&sheets.names),
        });
    }
    let header_row = match options.header_row {
        Some(n) => n,
        None => detect_header_row(&rows[..rows.len().min(2000)])
            .ok_or_else(|| EngineError::NoHeader(path.to_path_buf()))?,
    };
    let Some(at) = rows.iter().position(|r| r.row == header_row) else {
        return Err(EngineError::HeaderRowOutOfRange {
            path: path.to_path_buf(),
            requested: header_row as usize,
            available: rows.last().map_or(0, |r| r.row) as usize,
        });
    };
    let data = rows.split_off(at + 1);
    if data.iter().all(RawRow::is_blank) {
        return Err(EngineError::HeaderOnly(path.to_path_buf()));
    }
    let info = FileInfo {
        path: path.to_path_buf(),
        size,
        // What calamine hands over is Unicode text, whatever the workbook stored.
        encoding: UTF_8.name().to_string(),
        encoding_confident: true,
        bom: false,
        delimiter: ',',
        header_row,
        header: rows[at].cells.to_vec(),
        approx_rows: 0,
        rows_exact: true,
        format: match kind {
            sheet::Kind::Xlsx => Format::Xlsx,
            sheet::Kind::Xls => Format::Xls,
            sheet::Kind::Ods => Format::Ods,
        },
    };
    let mut source = Source::from_table(info, Table { rows: data });
    source.sheets = Some(sheets);
    Ok(source)
}

/// Spreadsheets, archives and documents renamed `.csv` are named, with what to do instead.
fn refuse_other_formats(path: &Path, sample: &[u8]) -> Result<()> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    let spreadsheet = |format, advice| {
        Err(EngineError::Spreadsheet {
            path: path.to_path_buf(),
            format,
            advice,
        })
    };
    // Workbooks (.xlsx, .xls, .ods) were read before this: a ZIP here is something else.
    if sample.starts_with(b"PK\x03\x04") {
        return match ext.as_str() {
            "numbers" => spreadsheet(
                "an Apple Numbers file (.numbers)",
                "in Numbers use File > Export To > CSV, then import the .csv",
            ),
            _ => spreadsheet("a ZIP archive", "unzip it and import the .csv inside"),
        };
    }
    refuse_binary_magic(path, sample)?;
    if sample.starts_with(b"%PDF") {
        return spreadsheet(
            "a PDF document",
            "export the contacts from the program that made it as CSV",
        );
    }
    if sample.starts_with(&[0x1F, 0x8B]) {
        return spreadsheet(
            "a gzip-compressed file",
            "decompress it first (gunzip FILE) and import the result",
        );
    }
    // "Export to Excel" from many web apps is an HTML table saved as .xls or .csv.
    let head = String::from_utf8_lossy(&sample[..sample.len().min(512)])
        .trim_start_matches('\u{FEFF}')
        .trim_start()
        .to_ascii_lowercase();
    if head.starts_with("<!doctype html") || head.starts_with("<html") || head.starts_with("<table")
    {
        return spreadsheet(
            "an HTML page (a web table saved under another name)",
            "open it in your spreadsheet and save it as CSV, or export CSV from the web app",
        );
    }
    if ext == "numbers" {
        return spreadsheet(
            "an Apple Numbers file (.numbers)",
            "in Numbers use File > Export To > CSV, then import the .csv",
        );
    }
    Ok(())
}

fn bom_length(sample: &[u8], encoding: &'static Encoding) -> usize {
    match Encoding::for_bom(sample) {
        Some((enc, len)) if enc == encoding => len,
        _ => 0,
    }
}

/// BOM first; then UTF-16 recognised by its NUL pattern; then UTF-8 if the bytes are valid;
/// Windows-1252 otherwise. A sample that is mostly NUL and control bytes is binary data.
/// The encoding, whether a BOM starts the file, and whether the encoding is sure: a BOM,
/// UTF-16 and valid UTF-8 are; anything else is chardetng's guess (see `guess_legacy`).
fn detect_encoding(
    path: &Path,
    sample: &[u8],
    whole_file: bool,
) -> Result<(&'static Encoding, bool, bool)> {
    if let Some((enc, _)) = Encoding::for_bom(sample) {
        return Ok((enc, true, true));
    }
    if let Some(enc) = utf16_without_bom(sample) {
        return Ok((enc, false, true));
    }
    refuse_binary(path, sample)?;
    match std::str::from_utf8(sample) {
        Ok(_) => Ok((UTF_8, false, true)),
        // A character cut in two by the end of the sample is not an error.
        Err(e) if e.error_len().is_none() => Ok((UTF_8, false, true)),
        Err(_) => {
            let (enc, confident) = guess_legacy(sample, whole_file);
            Ok((enc, false, confident))
        }
    }
}

/// How much of the start of a file chardetng reads: a contact export shows its script in
/// its first rows, and the guess runs once per file, before any row is read.
const DETECT_BYTES: usize = 64 * 1024;

/// chardetng's guess for a file that is neither UTF-8 nor UTF-16, and whether it is sure.
/// chardetng 1.0 gives no score (0.1's `guess_assess` said yes whatever the text), so
/// sureness is judged on the text the guess decodes: no malformed byte, enough words with
/// letters outside ASCII to go on, and those words written as people write, in one script
/// each (`Words`). Mojibake breaks that: `Ð˜Ð²Ð°Ð½`, `Jьrgen`, `Ã©`.
fn guess_legacy(sample: &[u8], whole_file: bool) -> (&'static Encoding, bool) {
    let prefix = &sample[..sample.len().min(DETECT_BYTES)];
    let last = whole_file && prefix.len() == sample.len();
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(prefix, last);
    let guess = detector.guess(None, Utf8Detection::Deny);
    let sure = decode_strict(prefix, guess, last).is_some_and(|text| Words::count(&text).sure());
    (guess, sure)
}

/// The words of a sample that hold letters outside ASCII, sorted into those written in one
/// script and those that are not words a person writes.
#[derive(Debug, Default, PartialEq, Eq)]
struct Words {
    plausible: usize,
    implausible: usize,
}

impl Words {
    /// Fewer such words than this and the guess rests on too little text.
    const ENOUGH: usize = 5;
    /// The share of odd words, in percent, a real file may hold (a stray `²`, `N°`).
    const ODD_PERCENT: usize = 5;

    fn count(text: &str) -> Words {
        let mut words = Words::default();
        // A word ends at ASCII that is not a letter, and at spaces and punctuation.
        let is_separator = |c: char| {
            (c.is_ascii() && !c.is_ascii_alphabetic())
                || c.is_whitespace()
                || matches!(c, '\u{2000}'..='\u{206F}' | '\u{3000}'..='\u{303F}' | '«' | '»' | '€' | '№')
        };
        for word in text.split(is_separator) {
            if word.is_ascii() {
                continue;
            }
            if word_is_plausible(word) {
                words.plausible += 1;
            } else {
                words.implausible += 1;
            }
        }
        words
    }

    fn sure(&self) -> bool {
        let all = self.plausible + self.implausible;
        self.plausible >= Self::ENOUGH && self.implausible * 100 <= all * Self::ODD_PERCENT
    }
}

/// The scripts a word's letters may come from; a word keeps to one (Latin letters may sit
/// beside CJK, as in `ABC株式会社`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
    Hebrew,
    Arabic,
    Thai,
    Cjk,
    Hangul,
}

fn script_of(c: char) -> Option<Script> {
    Some(match c {
        'a'..='z' | 'A'..='Z' => Script::Latin,
        '\u{00C0}'..='\u{024F}' if c != '×' && c != '÷' => Script::Latin,
        // Combining accents: Vietnamese windows-1258 writes tones with them.
        '\u{0300}'..='\u{036F}' | '\u{1E00}'..='\u{1EFF}' => Script::Latin,
        '\u{0370}'..='\u{03FF}' | '\u{1F00}'..='\u{1FFF}' => Script::Greek,
        '\u{0400}'..='\u{052F}' => Script::Cyrillic,
        '\u{0590}'..='\u{05FF}' => Script::Hebrew,
        '\u{0600}'..='\u{06FF}'
        | '\u{0750}'..='\u{077F}'
        | '\u{FB50}'..='\u{FDFF}'
        | '\u{FE70}'..='\u{FEFF}' => Script::Arabic,
        '\u{0E00}'..='\u{0E7F}' => Script::Thai,
        '\u{3040}'..='\u{30FF}'
        | '\u{31F0}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF00}'..='\u{FFEF}' => Script::Cjk,
        '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}' | '\u{AC00}'..='\u{D7AF}' => {
            Script::Hangul
        }
        _ => return None,
    })
}

/// Every character a letter, all of one script.
fn word_is_plausible(word: &str) -> bool {
    let mut seen: Option<Script> = None;
    for c in word.chars() {
        let Some(script) = script_of(c) else {
            return false;
        };
        seen = match (seen, script) {
            (None, s) => Some(s),
            (Some(a), b) if a == b => Some(a),
            (Some(Script::Latin), Script::Cjk) | (Some(Script::Cjk), Script::Latin) => {
                Some(Script::Cjk)
            }
            _ => return false,
        };
    }
    true
}

/// `bytes` decoded, or `None` when they hold a sequence the encoding does not have. Unless
/// `last`, a character cut by the end of the bytes is left out, not malformed.
fn decode_strict(bytes: &[u8], encoding: &'static Encoding, last: bool) -> Option<String> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(bytes.len() * 3);
    let (result, _) = decoder.decode_to_string_without_replacement(bytes, &mut text, last);
    match result {
        encoding_rs::DecoderResult::InputEmpty => Some(text),
        encoding_rs::DecoderResult::Malformed(_, _) | encoding_rs::DecoderResult::OutputFull => {
            None
        }
    }
}

/// Up to three different values of the sampled data rows that hold letters outside ASCII,
/// as decoded: what the user looks at to tell a right guess from mojibake.
fn values_outside_ascii(sampled: &[RawRow], header_row: u64) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    let cells = sampled
        .iter()
        .filter(|r| r.row > header_row)
        .flat_map(|r| r.cells.iter());
    for cell in cells {
        let value = cell.trim();
        if value.is_ascii() || values.iter().any(|v| v == value) {
            continue;
        }
        values.push(value.chars().take(40).collect());
        if values.len() == 3 {
            break;
        }
    }
    values
}

/// The share of NUL and control bytes (tab, line feed, carriage return and form feed
/// aside), in percent, above which a sample is binary data. Text holds a handful at most —
/// a stray NUL or escape sequence, which import removes from the value with a warning —
/// while random or compressed bytes hold about 11% and most binary formats far more.
const BINARY_SHARE_PERCENT: usize = 10;

/// Refuses a sample by the share of its NUL and control bytes, never by one byte.
fn refuse_binary(path: &Path, sample: &[u8]) -> Result<()> {
    let is_control =
        |b: &u8| (*b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)) || *b == 0x7F;
    let controls = sample.iter().filter(|b| is_control(b)).count();
    if controls * 100 <= sample.len() * BINARY_SHARE_PERCENT {
        return Ok(());
    }
    let first = sample.iter().position(is_control).unwrap_or(0);
    Err(EngineError::Binary {
        path: path.to_path_buf(),
        what: format!(
            "{}% of the first {} bytes are NUL or control bytes, the first at byte {first}",
            (controls * 100 + sample.len() / 2) / sample.len().max(1),
            sample.len()
        ),
    })
}

/// Formats known by their first bytes that are neither text nor a spreadsheet.
const BINARY_MAGIC: &[(&[u8], &str)] = &[
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (&[0xFF, 0xD8, 0xFF], "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"SQLite format 3\0", "an SQLite database"),
    (
        b"redb\x1a\x0a\xa9\x0d\x0a",
        "a redb database, such as a rolodex store",
    ),
    (b"\x7fELF", "a program (ELF)"),
    (&[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], "a 7-Zip archive"),
    (
        &[0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00],
        "an xz-compressed file",
    ),
    (&[0x28, 0xB5, 0x2F, 0xFD], "a zstd-compressed file"),
    (b"BZh", "a bzip2-compressed file"),
    (b"Rar!\x1a\x07", "a RAR archive"),
];

/// Refuses a file whose first bytes name a binary format, whatever its share of controls.
fn refuse_binary_magic(path: &Path, sample: &[u8]) -> Result<()> {
    for (magic, what) in BINARY_MAGIC {
        // "BZh" starts text too: bzip2 follows it with the block size and a fixed signature.
        let bzip2_checked = *magic != b"BZh"
            || (sample.get(3).is_some_and(|b| (b'1'..=b'9').contains(b))
                && sample.get(4..10) == Some(&[0x31, 0x41, 0x59, 0x26, 0x53, 0x59][..]));
        if sample.starts_with(magic) && bzip2_checked {
            return Err(EngineError::Binary {
                path: path.to_path_buf(),
                what: (*what).to_string(),
            });
        }
    }
    Ok(())
}

/// Text in UTF-16 without a BOM has a NUL in every other byte for Latin text.
fn utf16_without_bom(sample: &[u8]) -> Option<&'static Encoding> {
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let even = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|&&b| b == 0)
        .count();
    if odd * 10 >= pairs * 4 && even * 20 < pairs {
        Some(UTF_16LE)
    } else if even * 10 >= pairs * 4 && odd * 20 < pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

fn decode_sample(sample: &[u8], encoding: &'static Encoding, whole_file: bool) -> String {
    let mut bytes = sample;
    if !whole_file {
        // Drop the last partial line so a cut character or record does not mislead the sniffers.
        if let Some(pos) = bytes.iter().rposition(|&b| b == b'\n') {
            bytes = &bytes[..=pos];
        }
    }
    let (text, _, _) = encoding.decode(bytes);
    text.into_owned()
}

/// The file's rows as UTF-8 text; with a `Checksum`, every byte of the file goes through it.
fn open_decoded(
    path: &Path,
    encoding: &'static Encoding,
    tap: Option<Checksum>,
) -> Result<Box<dyn Read + Send>> {
    let mut file = File::open(path).map_err(|e| EngineError::from_io(path, e))?;
    if encoding == UTF_8 {
        // The fast path: bytes go straight to the CSV parser; only the BOM is skipped.
        let mut bom = [0u8; 3];
        let n = file
            .read(&mut bom)
            .map_err(|e| EngineError::from_io(path, e))?;
        let skip = n == 3 && bom == [0xEF, 0xBB, 0xBF];
        if !skip {
            file.seek(SeekFrom::Start(0))
                .map_err(|e| EngineError::from_io(path, e))?;
        }
        return Ok(match tap {
            Some(tap) => {
                if skip {
                    tap.update(&bom);
                }
                Box::new(Tapped { inner: file, tap })
            }
            None => Box::new(file),
        });
    }
    let mut decoder = encoding_rs_io::DecodeReaderBytesBuilder::new();
    decoder.encoding(Some(encoding)).bom_override(true);
    Ok(match tap {
        Some(tap) => Box::new(decoder.build(Tapped { inner: file, tap })),
        None => Box::new(decoder.build(file)),
    })
}

/// SHA-256 of the bytes read through a `Tapped` reader, shared with whoever asks for it.
#[derive(Clone, Default)]
struct Checksum(std::sync::Arc<std::sync::Mutex<sha2::Sha256>>);

impl Checksum {
    fn update(&self, bytes: &[u8]) {
        use sha2::Digest;
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .update(bytes);
    }

    fn hex(&self) -> String {
        use sha2::Digest;
        let hasher = self.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        hex(&hasher.finalize())
    }
}

struct Tapped<R> {
    inner: R,
    tap: Checksum,
}

impl<R: Read> Read for Tapped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.tap.update(&buf[..n]);
        Ok(n)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Rows of the decoded sample, numbered as spreadsheet rows (blank lines count).
#[cfg(test)]
fn sample_rows(text: &str, delimiter: u8, whole_file: bool) -> Vec<RawRow> {
    sample_rows_at(text, delimiter, whole_file).0
}

/// The first records of the sample (all of them when it is the whole file, else at most
/// 2,000), and where each starts in the decoded text.
fn sample_rows_at(text: &str, delimiter: u8, whole_file: bool) -> (Vec<RawRow>, Vec<u64>) {
    let mut reader = RecordReader::new(text.as_bytes(), delimiter);
    let mut rows = Vec::new();
    let mut offsets = Vec::new();
    let mut cells = Cells::default();
    let mut row = 0;
    let limit = if whole_file { usize::MAX } else { 2000 };
    while rows.len() < limit {
        let Ok(Some(place)) = reader.read(&mut cells) else {
            break;
        };
        row += place.blank_lines_before + 1;
        rows.push(RawRow {
            row,
            line: place.line,
            cells: std::mem::take(&mut cells),
        });
        offsets.push(place.offset);
    }
    (rows, offsets)
}

/// How many data rows a file holds, from the records sampled at its start: the data rows
/// between the first below the header and the last one read (which the sample's end may
/// have cut) per byte of text they span, times the text below the header. Measured on the
/// rows read, not on the whole sample: a sample holds more text than its first 2,000
/// rows, and dividing it by them overestimated the size of a row (a 39,936-row file was
/// estimated at 23,753). `None` when the sample holds too few rows to measure.
fn estimate_rows(
    sampled: &[RawRow],
    offsets: &[u64],
    header_row: u64,
    decoded_len: f64,
) -> Option<u64> {
    let first = sampled.iter().position(|r| r.row > header_row)?;
    let last = sampled.len().checked_sub(1)?;
    if last <= first {
        return None;
    }
    let span = offsets.get(last)?.checked_sub(*offsets.get(first)?)?;
    let rows = sampled[first..last]
        .iter()
        .filter(|r| !r.is_blank())
        .count();
    if span == 0 || rows == 0 {
        return None;
    }
    let below_header = (decoded_len - *offsets.get(first)? as f64).max(0.0);
    Some((below_header * rows as f64 / span as f64).round() as u64)
}

/// Scores each candidate by how many of the first records share one field count above one.
pub fn sniff_delimiter(text: &str) -> u8 {
    let mut best = (b',', 0usize, 0usize);
    for &delimiter in &DELIMITERS {
        let counts: Vec<usize> = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text.as_bytes())
            .records()
            .take(SAMPLE_RECORDS)
            .filter_map(|r| r.ok())
            .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
            .map(|r| r.len())
            .collect();
        let (width, agreeing) = mode(&counts);
        if width < 2 {
            continue;
        }
        let score = agreeing;
        if score > best.1 || (score == best.1 && width > best.2) {
            best = (delimiter, score, width);
        }
    }
    best.0
}

fn mode(values: &[usize]) -> (usize, usize) {
    let mut counts: std::collections::BTreeMap<usize, usize> = Default::default();
    for &v in values {
        *counts.entry(v).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(value, count)| (count, value))
        .unwrap_or((0, 0))
}

/// The header is the first row that looks like one: as many named cells as the data has
/// fields, mostly text. Title and note lines above it are skipped.
pub fn detect_header_row(rows: &[RawRow]) -> Option<u64> {
    let non_blank: Vec<&RawRow> = rows.iter().filter(|r| !r.is_blank()).collect();
    let filled = |r: &RawRow| r.cells.iter().filter(|c| !c.trim().is_empty()).count();
    let widths: Vec<usize> = non_blank.iter().map(|r| filled(r)).collect();
    let (width, _) = mode(&widths);
    let looks_like_header = |r: &RawRow| {
        let named = filled(r);
        let texty = r
            .cells
            .iter()
            .filter(|c| {
                let t = c.trim();
                !t.is_empty() && t.chars().any(char::is_alphabetic) && !t.contains('@')
            })
            .count();
        named * 3 >= width.max(1) && named >= width.min(2) && texty * 2 > named
    };
    non_blank
        .iter()
        .find(|r| looks_like_header(r))
        .map(|r| r.row)
}

/// At the end of the file, a quote that was opened and never closed has swallowed the rest
/// of the file into the last record. Re-scan that record's raw text to tell.
fn check_last_record_closed(
    path: &Path,
    encoding: &'static Encoding,
    delimiter: u8,
    offset: u64,
    line: u64,
) -> Result<()> {
    let mut reader = open_decoded(path, encoding, None)?;
    std::io::copy(&mut reader.by_ref().take(offset), &mut std::io::sink())
        .map_err(|e| EngineError::from_io(path, e))?;
    let mut tail = Vec::new();
    reader
        .take(MAX_RECORD_BYTES as u64)
        .read_to_end(&mut tail)
        .map_err(|e| EngineError::from_io(path, e))?;
    match unclosed_quote_line(&tail, delimiter) {
        Some(lines_in) => Err(EngineError::UnterminatedQuote {
            path: path.to_path_buf(),
            line: line + lines_in,
        }),
        None => Ok(()),
    }
}

/// SHA-256 of a file, hex: kept with a job so `resume` can tell the file has not changed.
pub fn file_checksum(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Turns the reader's I/O errors into the file errors users read.
fn record_error(path: &Path, e: std::io::Error) -> EngineError {
    let inner = e
        .get_ref()
        .and_then(|i| i.downcast_ref::<RecordError>())
        .copied();
    match inner {
        Some(RecordError::TooLarge { line }) => EngineError::RecordTooLarge {
            path: path.to_path_buf(),
            line,
        },
        Some(RecordError::NotUtf8 { line }) => EngineError::NotUtf8 {
            path: path.to_path_buf(),
            line,
        },
        None => EngineError::from_io(path, e),
    }
}

/// RFC 4180 quote state over raw bytes: `Some(n)` when a quoted field opened `n` lines into
/// `bytes` is still open at the end.
fn unclosed_quote_line(bytes: &[u8], delimiter: u8) -> Option<u64> {
    let mut line = 0u64;
    let mut field_start = true;
    let mut in_quotes = false;
    let mut opened_at = 0u64;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_quotes {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    in_quotes = false;
                }
            } else if b == b'\n' {
                line += 1;
            }
        } else if field_start && b == b'"' {
            in_quotes = true;
            opened_at = line;
            field_start = false;
        } else if b == delimiter || b == b'\n' || b == b'\r' {
            if b == b'\n' {
                line += 1;
            }
            field_start = true;
        } else {
            field_start = false;
        }
        i += 1;
    }
    in_quotes.then_some(opened_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_streams_its_rows_counts_blanks_and_checks_the_file_bytes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("book.bin");
        std::fs::write(&path, b"any bytes").expect("write");
        let row = |row: u64, cells: &[&str]| RawRow {
            row,
            line: row,
            cells: Cells::from_strings(cells),
        };
        let info = FileInfo {
            path: path.clone(),
            size: 9,
            encoding: "UTF-8".into(),
            encoding_confident: true,
            bom: false,
            delimiter: ',',
            header_row: 1,
            header: vec!["Name".into(), "Phone".into()],
            approx_rows: 0,
            rows_exact: false,
            format: Format::Csv,
        };
        let table = Table {
            rows: vec![
                row(2, &["Ada", "1"]),
                row(3, &["", " "]),
                row(4, &["Bo", "2"]),
            ],
        };
        let source = Source::from_table(info, table);
        assert_eq!(source.info.approx_rows, 2);
        assert!(source.info.rows_exact);
        for _ in 0..2 {
            let mut rows = source.rows().expect("rows");
            let read: Vec<RawRow> = rows.by_ref().map(|r| r.expect("row")).collect();
            assert_eq!(read.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 4]);
            assert_eq!(read[1].cells.to_vec(), ["Bo", "2"]);
            assert_eq!(rows.blank_rows(), 1);
        }
        let (sum, n) = source.verify().expect("verify");
        assert_eq!(n, 2);
        assert_eq!(sum, file_checksum(&path).expect("checksum"));
    }

    #[test]
    fn words_people_write_are_plausible_and_mojibake_is_not() {
        for word in [
            "Müller",
            "Łódź",
            "Москва",
            "Αθήνα",
            "東京都千代田区",
            "ABC株式会社",
            "서울",
        ] {
            assert!(word_is_plausible(word), "{word}");
        }
        // UTF-8 read as windows-1252, windows-1252 read as windows-1251, windows-1251 read
        // as windows-1252 with a symbol among the letters, a control character.
        for word in ["Ã©", "Ð˜Ð²Ð°Ð½", "Jьrgen", "Ì®ñêâà", "caf\u{81}"] {
            assert!(!word_is_plausible(word), "{word}");
        }
    }

    #[test]
    fn a_guess_is_sure_on_enough_words_and_few_odd_ones() {
        let words = |text: &str| Words::count(text);
        assert_eq!(
            words("Name,City\nRenée,Köln\n"),
            Words {
                plausible: 2,
                implausible: 0
            }
        );
        assert!(!words("Renée,Köln").sure(), "two words are too few");
        assert!(words("Renée,Köln,Zoë,José,Müller,Grüße").sure());
        assert!(
            !words("Renée,Köln,Zoë,José,Müller,Ã©").sure(),
            "one odd word in six"
        );
        // Punctuation outside ASCII separates words, it does not make them odd.
        assert!(words("café – “quoted”,€5,«Zoë»,Renée,Köln,José").sure());
    }

    #[test]
    fn legacy_encodings_are_guessed_from_the_sample() {
        let text = "Фамилия;Имя;Город\nПетров;Иван;Москва\nСмирнова;Анна;Санкт-Петербург\nКузнецов;Дмитрий;Новосибирск\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        assert_eq!(
            guess_legacy(&bytes, true),
            (encoding_rs::WINDOWS_1251, true)
        );
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode("Name\nJürgen\n");
        assert_eq!(
            guess_legacy(&bytes, true),
            (encoding_rs::WINDOWS_1252, false)
        );
        // A sample cut inside a two-byte character is not malformed.
        let (bytes, _, _) =
            encoding_rs::SHIFT_JIS.encode("姓,名\n佐藤,太郎\n鈴木,花子\n高橋,健一\n田中,美咲\n");
        let cut = &bytes[..bytes.len() - 2];
        assert_eq!(guess_legacy(cut, false), (encoding_rs::SHIFT_JIS, true));
    }

    #[test]
    fn the_whole_file_check_sums_every_byte_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let text = "Name,Phone\nAda,+1 212 334 5678\n\nGrace,\"+1 212\n334 5679\"\n";
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        let files: [(&str, Vec<u8>); 4] = [
            ("plain.csv", text.as_bytes().to_vec()),
            (
                "bom.csv",
                [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
            ),
            ("utf16.csv", utf16),
            ("latin1.csv", b"Name,City\nRen\xe9,Z\xfcrich\n".to_vec()),
        ];
        for (name, bytes) in files {
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            let mut source = Source::open(&path, &ReadOptions::default()).unwrap();
            let sum = source.check_whole_file().unwrap();
            assert_eq!(sum, file_checksum(&path).unwrap(), "{name}");
            assert!(source.info.rows_exact);
        }
    }

    #[test]
    fn the_whole_file_check_gives_up_once_told_to() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.csv");
        let mut text = String::from("Name,Phone\n");
        for i in 0..10_000 {
            text.push_str(&format!("P{i},+1 212 334 {:04}\n", i % 10_000));
        }
        std::fs::write(&path, text).unwrap();
        let source = Source::open(&path, &ReadOptions::default()).unwrap();
        let stop = std::sync::atomic::AtomicBool::new(true);
        assert_eq!(source.verify_until(&stop).unwrap(), None);
        let (sum, rows) = source.verify().unwrap();
        assert_eq!(rows, 10_000);
        assert_eq!(sum, file_checksum(&path).unwrap());
    }

    fn open_bytes(bytes: &[u8]) -> Result<Source> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.csv");
        std::fs::write(&path, bytes).unwrap();
        Source::open(&path, &ReadOptions::default())
    }

    fn binary_reason(bytes: &[u8]) -> Option<String> {
        match open_bytes(bytes) {
            Err(EngineError::Binary { what, .. }) => Some(what),
            _ => None,
        }
    }

    #[test]
    fn one_nul_or_escape_does_not_make_a_file_binary() {
        let source = open_bytes(b"Name,Phone\nAda,+1 212\x00 334 5678\n").unwrap();
        assert_eq!(source.info.encoding, "UTF-8");
        let source = open_bytes(b"Name,Phone\n\x1b]0;x\x07Ada,+1 212 334 5678\n").unwrap();
        assert_eq!(source.header(), ["Name", "Phone"]);
    }

    #[test]
    fn binary_is_told_by_the_share_of_control_bytes() {
        // A deterministic stand-in for random bytes: about 11% of them are controls.
        let mut x: u32 = 12345;
        let random: Vec<u8> = (0..8192)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        let what = binary_reason(&random).expect("random bytes are binary");
        assert!(
            what.contains("of the first 8192 bytes are NUL or control bytes"),
            "{what}"
        );
        let mut padded = b"Name,Phone\n".to_vec();
        padded.extend(std::iter::repeat_n(0u8, 40));
        padded.extend(b"Ada,1\n");
        assert!(
            binary_reason(&padded).is_some(),
            "a sample mostly NUL is binary"
        );
    }

    #[test]
    fn binary_formats_are_told_by_their_first_bytes() {
        let png = b"\x89PNG\r\n\x1a\nName,Phone\nAda,1\n";
        assert_eq!(binary_reason(png).as_deref(), Some("a PNG image"));
        let store = b"redb\x1a\x0a\xa9\x0d\x0aName,Phone\n";
        assert!(binary_reason(store).unwrap().contains("rolodex store"));
        // Text that happens to start like a magic number is still text.
        let text = b"BZh,Phone\nAda,+1 212 334 5678\n";
        assert_eq!(open_bytes(text).unwrap().header(), ["BZh", "Phone"]);
    }

    #[test]
    fn utf16_without_a_bom_is_still_text() {
        let text = "Name,Phone\nAda,+1 212 334 5678\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(open_bytes(&le).unwrap().info.encoding, "UTF-16LE");
        let be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert_eq!(open_bytes(&be).unwrap().info.encoding, "UTF-16BE");
    }

    #[test]
    fn sniffs_each_delimiter() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter("a;b;c\n1,5;2;3\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\tc\n1\t2\t3\n"), b'\t');
        assert_eq!(sniff_delimiter("a|b|c\n1|2|3\n"), b'|');
    }

    #[test]
    fn a_large_file_is_estimated_from_the_rows_sampled_not_the_whole_sample() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("large.csv");
        // Rows of about 60 bytes: the 256 kB sample holds far more than the 2,000 rows
        // it reads, which the estimate used to divide the whole sample by.
        let mut text = String::from("First Name,Last Name,Phone,Email\n");
        for i in 0..39_936 {
            text.push_str(&format!(
                "Person{i:05},Surname{i:05},+1 212 555 {:04},p{i:05}@example.com\n",
                i % 10_000
            ));
        }
        std::fs::write(&path, &text).unwrap();
        let source = Source::open(&path, &ReadOptions::default()).unwrap();
        assert!(!source.info.rows_exact);
        let estimate = source.info.approx_rows as f64;
        assert!(
            (estimate - 39_936.0).abs() / 39_936.0 < 0.05,
            "estimated {estimate} rows for 39,936"
        );
    }

    #[test]
    fn header_below_title_lines() {
        let rows = sample_rows(
            "Contacts export\nGenerated 2024-01-01,,\n\nName,Phone,Email\nAnn,1,a@x.com\nBob,2,b@x.com\n",
            b',',
            true,
        );
        assert_eq!(detect_header_row(&rows), Some(4));
    }

    #[test]
    fn unclosed_quote_is_found() {
        assert_eq!(unclosed_quote_line(b"a,\"b\nc,d\n", b','), Some(0));
        assert_eq!(unclosed_quote_line(b"a,\"b\"\"\nc\",d\n", b','), None);
        assert_eq!(unclosed_quote_line(b"x,37\"N,y\n", b','), None);
    }
}
