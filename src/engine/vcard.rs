//! Reading a vCard address book (`.vcf`: vCard 2.1, 3.0 and 4.0, as Apple Contacts, Google
//! Contacts and Outlook export them) as a table: one row per card, under a header the
//! column mapping already knows ("First Name", "Mobile Phone", "Email", "Categories", …).
//!
//! A small parser of our own rather than a crate: `vcard4` reads 4.0 only and refuses any
//! CHARSET but UTF-8; `ical`'s vCard parser and `ical_vcard` unfold content lines but decode
//! neither 2.1's quoted-printable (with its `=` soft line breaks) nor CHARSET parameters, and
//! none of them says on which line a card starts, which every message here names. What an
//! address book needs is small: content lines, their parameters, a dozen properties. Its
//! conformance is pinned by the unit tests below and by the exports in `fixtures/vcards/`.
//!
//! The file is read whole (an address book is small next to a CSV export; a photo is skipped
//! without being decoded or copied). A card's row number is its ordinal, its line is the
//! line of its `BEGIN:VCARD`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

use super::error::{EngineError, Result, VCardError};

/// The columns a card can fill, in the order the header shows them. Each name is one the
/// column mapping's synonyms take to the right field; those with no field (middle name,
/// department, fax, pager, birthday) are shown and left unmapped unless the user maps them.
const COLUMNS: [&str; 23] = [
    FIRST, MIDDLE, LAST, FULL, COMPANY, DEPARTMENT, TITLE, MOBILE, WORK, HOME, PHONE, FAX, PAGER,
    EMAIL, WEBSITE, STREET, CITY, STATE, ZIP, COUNTRY, BIRTHDAY, NOTES, CATEGORIES,
];
const FIRST: &str = "First Name";
const MIDDLE: &str = "Middle Name";
const LAST: &str = "Last Name";
const FULL: &str = "Full Name";
const COMPANY: &str = "Company";
const DEPARTMENT: &str = "Department";
const TITLE: &str = "Job Title";
const MOBILE: &str = "Mobile Phone";
const WORK: &str = "Work Phone";
const HOME: &str = "Home Phone";
const PHONE: &str = "Phone";
const FAX: &str = "Fax";
const PAGER: &str = "Pager";
const EMAIL: &str = "Email";
const WEBSITE: &str = "Website";
const STREET: &str = "Street";
const CITY: &str = "City";
const STATE: &str = "State";
const ZIP: &str = "Postal Code";
const COUNTRY: &str = "Country";
const BIRTHDAY: &str = "Birthday";
const NOTES: &str = "Notes";
const CATEGORIES: &str = "Categories";

/// Several values in one phone or email cell are joined with this; the phone and email
/// splitters take each apart again.
const JOIN: &str = "; ";

/// Whether `sample` (the start of a file) is a vCard: `BEGIN:VCARD` first, after an optional
/// byte order mark and blank lines, whatever the file is called.
pub fn is_vcard(sample: &[u8]) -> bool {
    let head = &sample[..sample.len().min(4096)];
    let text: Cow<str> = match Encoding::for_bom(head) {
        Some((enc, len)) => enc.decode_without_bom_handling(&head[len..]).0,
        None => String::from_utf8_lossy(head),
    };
    let start = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    start
        .get(..11)
        .is_some_and(|s| s.eq_ignore_ascii_case("BEGIN:VCARD"))
}

/// An address book read whole: the header its cards fill, and one row per card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Book {
    /// WHATWG name of the file's encoding (values with a CHARSET are decoded in theirs).
    pub encoding: &'static str,
    pub bom: bool,
    pub header: Vec<String>,
    pub cards: Vec<Card>,
}

/// One card as a row: its ordinal, the line of its `BEGIN:VCARD`, a cell per column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub ordinal: u64,
    pub line: u64,
    pub cells: Vec<String>,
}

/// Reads the whole address book at `path`; `encoding` is the user's `--encoding`, if any.
pub fn read(path: &Path, encoding: Option<&str>) -> Result<Book> {
    let bytes = std::fs::read(path).map_err(|e| EngineError::from_io(path, e))?;
    let user_encoding = match encoding {
        Some(label) => Some(Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
            EngineError::UnknownEncoding {
                path: path.to_path_buf(),
                label: label.to_string(),
            }
        })?),
        None => None,
    };
    let (file_encoding, bom) = file_encoding(&bytes, user_encoding);
    // A UTF-16 file is turned into UTF-8 first; every other file is read as bytes, each
    // value decoded by its own CHARSET (2.1) or the file's encoding.
    let utf8: Cow<[u8]> = if file_encoding == UTF_8 || !file_encoding.is_ascii_compatible() {
        match file_encoding.decode_with_bom_removal(&bytes).0 {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        }
    } else {
        Cow::Borrowed(&bytes[..])
    };
    let default_charset = if file_encoding.is_ascii_compatible() {
        file_encoding
    } else {
        UTF_8
    };
    let cards = parse(
        path,
        &utf8,
        Charset {
            default: default_charset,
            // The user's word is taken over what the bytes look like.
            sniff_utf8: user_encoding.is_none(),
        },
    )?;
    if cards.is_empty() {
        return Err(EngineError::Empty(path.to_path_buf()));
    }
    let header: Vec<&str> = COLUMNS
        .into_iter()
        .filter(|c| cards.iter().any(|card| card.cells.contains_key(c)))
        .collect();
    let cards = cards
        .iter()
        .map(|card| Card {
            ordinal: card.ordinal,
            line: card.line,
            cells: header
                .iter()
                .map(|c| card.cells.get(c).cloned().unwrap_or_default())
                .collect(),
        })
        .collect();
    Ok(Book {
        encoding: file_encoding.name(),
        bom,
        header: header.iter().map(|h| h.to_string()).collect(),
        cards,
    })
}

/// The encoding of the file's bytes, and whether a BOM starts it: the user's, a BOM's,
/// UTF-8 when every byte is valid UTF-8, else windows-1252 (Outlook writes 2.1 cards in the
/// system's code page; a CHARSET parameter on a value overrides it).
fn file_encoding(bytes: &[u8], user: Option<&'static Encoding>) -> (&'static Encoding, bool) {
    let bom = Encoding::for_bom(bytes);
    if let Some(enc) = user {
        return (enc, bom.is_some_and(|(b, _)| b == enc));
    }
    if let Some((enc, _)) = bom {
        return (enc, true);
    }
    match std::str::from_utf8(bytes) {
        Ok(_) => (UTF_8, false),
        Err(_) => (WINDOWS_1252, false),
    }
}

/// How a value without a CHARSET parameter is decoded: as UTF-8 when its bytes are
/// (`sniff_utf8`), else in `default`.
#[derive(Debug, Clone, Copy)]
struct Charset {
    default: &'static Encoding,
    sniff_utf8: bool,
}

/// One card read: where it is and its cells by column name.
#[derive(Debug, Default)]
struct CardRow {
    ordinal: u64,
    line: u64,
    cells: BTreeMap<&'static str, String>,
}

/// Where the parser is, for messages.
#[derive(Clone, Copy)]
struct Place<'p> {
    path: &'p Path,
    card: u64,
    line: u64,
}

/// One content line, unfolded: its group (`item1` of `item1.TEL`), name, parameters and
/// value bytes (still encoded), and the line it starts on.
#[derive(Debug)]
struct Property {
    group: Option<String>,
    name: String,
    params: Vec<(String, String)>,
    value: Vec<u8>,
    at: u64,
}

impl Property {
    /// Every value of parameter `key` (TYPE=a,b and 2.1's bare `;WORK;CELL` are both
    /// TYPE), lowercased.
    fn param(&self, key: &str) -> impl Iterator<Item = String> + '_ {
        let key = key.to_string();
        self.params
            .iter()
            .filter(move |(k, _)| *k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim().trim_matches('"').to_ascii_lowercase())
    }

    fn has_type(&self, wanted: &[&str]) -> bool {
        self.param("type").any(|t| wanted.contains(&t.as_str()))
    }

    fn preferred(&self) -> bool {
        self.has_type(&["pref"]) || self.param("pref").next().is_some()
    }

    fn encoding(&self) -> Option<String> {
        self.param("encoding").next()
    }
}

/// The properties whose values a row uses; any other (PHOTO, LOGO, KEY, X-…) is passed over
/// without its folded lines being copied.
const WANTED: [&str; 15] = [
    "BEGIN",
    "END",
    "VERSION",
    "N",
    "FN",
    "TEL",
    "EMAIL",
    "ORG",
    "TITLE",
    "ADR",
    "NOTE",
    "CATEGORIES",
    "BDAY",
    "URL",
    "X-ABLABEL",
];

/// Splits `bytes` into cards of unfolded properties and turns each into a row.
fn parse(path: &Path, bytes: &[u8], default: Charset) -> Result<Vec<CardRow>> {
    let lines: Vec<&[u8]> = bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect();
    let mut cards = Vec::new();
    let mut open: Option<(Place, Vec<Property>)> = None;
    let mut version = Version::V3;
    let mut i = 0;
    while i < lines.len() {
        let at = i as u64 + 1;
        let first = lines[i];
        i += 1;
        if first.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Some(head) = Head::parse(first) else {
            if open.as_ref().is_some_and(|(_, props)| follows_blob(props)) {
                // 2.1 writers may leave a base64 blob's lines unindented.
                continue;
            }
            let text = String::from_utf8_lossy(first).into_owned();
            return Err(match &open {
                Some((place, _)) => VCardError::NotAProperty {
                    path: path.to_path_buf(),
                    card: place.card,
                    line: place.line,
                    at,
                    text,
                },
                None => VCardError::OutsideCard {
                    path: path.to_path_buf(),
                    at,
                    text,
                },
            }
            .into());
        };
        let wanted = WANTED.contains(&head.name.as_str());
        let quoted_printable = head.quoted_printable();
        // Unfold: lines that start with a space or tab continue this one; a
        // quoted-printable value ending in `=` continues on the next line whatever it
        // starts with.
        let mut value = if wanted {
            first[head.value_start..].to_vec()
        } else {
            Vec::new()
        };
        let mut ends_soft = quoted_printable && first.ends_with(b"=");
        while i < lines.len() {
            let next = lines[i];
            let folded = matches!(next.first(), Some(b' ' | b'\t'));
            if ends_soft {
                if wanted {
                    value.pop();
                    value.extend_from_slice(next);
                }
                ends_soft = next.ends_with(b"=");
                i += 1;
            } else if folded {
                if wanted {
                    // 2.1 folds at a space that belongs to the value; 3.0 and 4.0 insert one.
                    let keep = if version == Version::V21 {
                        next
                    } else {
                        &next[1..]
                    };
                    value.extend_from_slice(keep);
                }
                ends_soft = quoted_printable && next.ends_with(b"=");
                i += 1;
            } else {
                break;
            }
        }
        let prop = Property {
            group: head.group,
            name: head.name,
            params: head.params,
            value,
            at,
        };
        match prop.name.as_str() {
            "BEGIN" if is(&prop.value, b"VCARD") => {
                if let Some((place, _)) = open {
                    return Err(VCardError::Unclosed {
                        path: path.to_path_buf(),
                        card: place.card,
                        line: place.line,
                        next: format!("the next BEGIN:VCARD on line {at}"),
                    }
                    .into());
                }
                version = Version::V3;
                open = Some((
                    Place {
                        path,
                        card: cards.len() as u64 + 1,
                        line: at,
                    },
                    Vec::new(),
                ));
            }
            "END" if is(&prop.value, b"VCARD") => match open.take() {
                Some((place, props)) => cards.push(card_row(place, &props, default)?),
                None => {
                    return Err(VCardError::OutsideCard {
                        path: path.to_path_buf(),
                        at,
                        text: "END:VCARD".into(),
                    }
                    .into())
                }
            },
            _ => match &mut open {
                Some((_, props)) => {
                    if prop.name == "VERSION" && is(&prop.value, b"2.1") {
                        version = Version::V21;
                    }
                    props.push(prop);
                }
                None => {
                    return Err(VCardError::OutsideCard {
                        path: path.to_path_buf(),
                        at,
                        text: String::from_utf8_lossy(first).into_owned(),
                    }
                    .into())
                }
            },
        }
    }
    if let Some((place, _)) = open {
        return Err(VCardError::Unclosed {
            path: path.to_path_buf(),
            card: place.card,
            line: place.line,
            next: "the end of the file".into(),
        }
        .into());
    }
    Ok(cards)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    V21,
    /// 3.0 and 4.0 read alike here.
    V3,
}

fn is(value: &[u8], word: &[u8]) -> bool {
    value.trim_ascii().eq_ignore_ascii_case(word)
}

/// Whether the last property of the card was a base64 blob (its unindented lines follow).
fn follows_blob(props: &[Property]) -> bool {
    // Unwanted properties keep no value, so the blob is known by its parameters only.
    props
        .last()
        .is_some_and(|p| p.encoding().is_some_and(|e| e == "b" || e == "base64"))
}

/// The part of a content line before its value.
struct Head {
    group: Option<String>,
    name: String,
    params: Vec<(String, String)>,
    value_start: usize,
}

impl Head {
    /// `group.NAME;PARAM=v;BARE:value`; `None` when the line has no `:` after a name.
    fn parse(line: &[u8]) -> Option<Head> {
        let mut in_quotes = false;
        let colon = line.iter().position(|&b| {
            if b == b'"' {
                in_quotes = !in_quotes;
            }
            b == b':' && !in_quotes
        })?;
        let head = std::str::from_utf8(&line[..colon]).ok()?;
        let mut parts = split_outside_quotes(head, ';').into_iter();
        let full_name = parts.next()?.trim();
        let (group, name) = match full_name.rsplit_once('.') {
            Some((g, n)) => (Some(g.to_string()), n),
            None => (None, full_name),
        };
        let valid = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if !valid(name) || group.as_deref().is_some_and(|g| !valid(g)) {
            return None;
        }
        let params = parts
            .filter(|p| !p.trim().is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.trim().to_ascii_lowercase(), v.trim().to_string()),
                // 2.1's bare parameters: an encoding, a charset-less `PREF`, or a type.
                None => {
                    let bare = p.trim().to_ascii_lowercase();
                    match bare.as_str() {
                        "quoted-printable" | "base64" | "8bit" | "7bit" | "b" => {
                            ("encoding".to_string(), bare)
                        }
                        _ => ("type".to_string(), bare),
                    }
                }
            })
            .collect();
        Some(Head {
            group,
            name: name.to_ascii_uppercase(),
            params,
            value_start: colon + 1,
        })
    }

    fn quoted_printable(&self) -> bool {
        self.params
            .iter()
            .any(|(k, v)| k == "encoding" && v.eq_ignore_ascii_case("quoted-printable"))
    }
}

fn split_outside_quotes(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut in_quotes = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == '"' {
            in_quotes = !in_quotes;
        } else if c == sep && !in_quotes {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts
}

/// A value's text: quoted-printable decoded, then its CHARSET (or the file's encoding)
/// decoded; escapes are left for the caller, which knows whether the value is structured.
fn decode_value(place: Place, prop: &Property, charset: Charset) -> Result<String> {
    let raw: Cow<[u8]> =
        match prop.encoding().as_deref() {
            Some("quoted-printable") => Cow::Owned(decode_qp(&prop.value).map_err(|bad| {
                VCardError::BadQuotedPrintable {
                    path: place.path.to_path_buf(),
                    card: place.card,
                    line: place.line,
                    at: prop.at,
                    property: prop.name.clone(),
                    bad,
                }
            })?),
            _ => Cow::Borrowed(&prop.value[..]),
        };
    let encoding = match prop.param("charset").next() {
        Some(label) => {
            Encoding::for_label(label.as_bytes()).ok_or_else(|| VCardError::UnknownCharset {
                path: place.path.to_path_buf(),
                card: place.card,
                line: place.line,
                at: prop.at,
                property: prop.name.clone(),
                charset: label.clone(),
            })?
        }
        // Bytes that are valid UTF-8 are read so even in a 2.1 card without CHARSET.
        None if charset.sniff_utf8 && std::str::from_utf8(&raw).is_ok() => UTF_8,
        None => charset.default,
    };
    Ok(encoding.decode_without_bom_handling(&raw).0.into_owned())
}

/// Quoted-printable bytes decoded; `Err` with the offending text for an `=` not followed by
/// two hex digits (a soft line break was already joined by the unfolding).
fn decode_qp(value: &[u8]) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        let b = value[i];
        if b != b'=' {
            out.push(b);
            i += 1;
            continue;
        }
        let hex = value.get(i + 1..i + 3);
        let byte = hex
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match byte {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            // A trailing `=` is a soft break at the very end of the value.
            None if i + 1 == value.len() => i += 1,
            None => {
                let end = (i + 3).min(value.len());
                return Err(String::from_utf8_lossy(&value[i..end]).into_owned());
            }
        }
    }
    Ok(out)
}

/// `\n`, `\,`, `\;`, `\\` (and `\:` as Google writes URLs) unescaped; any other backslash
/// is kept, as a 2.1 value such as `C:\Users` means it.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(c @ (',' | ';' | '\\' | ':')) => out.push(c),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The components of a structured value (`N`, `ADR`, `ORG`), split on `;` that is not
/// escaped, each unescaped and trimmed.
fn components(text: &str) -> Vec<String> {
    split_unescaped(text, ';')
        .into_iter()
        .map(|c| unescape(c).trim().to_string())
        .collect()
}

/// A list value (`CATEGORIES`), split on `,` that is not escaped.
fn list(text: &str) -> Vec<String> {
    split_unescaped(text, ',')
        .into_iter()
        .map(|c| unescape(c).trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

fn split_unescaped(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(&text[start..i]);
            start = i + 1;
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Which column a phone goes to, from its TYPE (or Apple's label on its group).
fn phone_column(prop: &Property, label: Option<&str>) -> &'static str {
    let by_types = |types: &[String]| {
        let has = |words: &[&str]| types.iter().any(|t| words.contains(&t.as_str()));
        if has(&["fax"]) {
            Some(FAX)
        } else if has(&["pager"]) {
            Some(PAGER)
        } else if has(&["cell", "mobile", "iphone"]) {
            Some(MOBILE)
        } else if has(&["work"]) {
            Some(WORK)
        } else if has(&["home"]) {
            Some(HOME)
        } else {
            None
        }
    };
    let types: Vec<String> = prop.param("type").collect();
    if let Some(column) = by_types(&types) {
        return column;
    }
    // Apple and Google name a grouped number's kind in X-ABLabel: `_$!<Mobile>!$_`,
    // `_$!<HomeFAX>!$_`, or the user's own words ("iPhone", "Work Fax").
    if let Some(label) = label {
        let label = label.to_ascii_lowercase();
        let words: Vec<String> = ["fax", "pager", "mobile", "iphone", "cell", "work", "home"]
            .into_iter()
            .filter(|w| label.contains(w))
            .map(str::to_string)
            .collect();
        if let Some(column) = by_types(&words) {
            return column;
        }
    }
    PHONE
}

/// A TEL value as a phone cell: 4.0's `tel:` URI and its `;ext=` written the usual way.
fn phone_text(value: &str) -> String {
    let value = value.trim();
    let value = value
        .strip_prefix("tel:")
        .or_else(|| value.strip_prefix("TEL:"))
        .unwrap_or(value);
    match value.split_once(";ext=") {
        Some((number, ext)) => format!("{number} ext. {ext}"),
        None => value.split(';').next().unwrap_or(value).to_string(),
    }
}

/// A BDAY as a date: `19850412` and `1985-04-12T00:00:00Z` read as `1985-04-12`, a date
/// without year (`--0412`, or Apple's year 1604 with X-APPLE-OMIT-YEAR) as `--04-12`.
fn birthday(value: &str, omit_year: Option<&str>) -> String {
    let date = value.trim().split('T').next().unwrap_or("").to_string();
    let digits: String = date.chars().filter(char::is_ascii_digit).collect();
    let no_year = date.starts_with("--") || omit_year.is_some_and(|y| date.starts_with(y));
    match (no_year, digits.len()) {
        (true, 4) => format!("--{}-{}", &digits[..2], &digits[2..]),
        (true, 8) => format!("--{}-{}", &digits[4..6], &digits[6..]),
        (false, 8) => format!("{}-{}-{}", &digits[..4], &digits[4..6], &digits[6..]),
        _ => date,
    }
}

/// Google adds every contact to its system group `myContacts`: no tag an admin chose.
const SYSTEM_GROUPS: [&str; 1] = ["mycontacts"];

/// Turns one card's properties into its cells.
fn card_row(place: Place, props: &[Property], default: Charset) -> Result<CardRow> {
    let mut row = CardRow {
        ordinal: place.card,
        line: place.line,
        cells: BTreeMap::new(),
    };
    let text = |p: &Property| decode_value(place, p, default);
    let labels: BTreeMap<&str, String> = props
        .iter()
        .filter(|p| p.name == "X-ABLABEL")
        .filter_map(|p| Some((p.group.as_deref()?, text(p).ok()?)))
        .collect();
    let omit_year = props
        .iter()
        .find(|p| p.name == "BDAY")
        .and_then(|p| p.param("x-apple-omit-year").next());
    let mut phones: BTreeMap<&'static str, Vec<(bool, String)>> = BTreeMap::new();
    let mut emails: Vec<(bool, String)> = Vec::new();
    let mut address: Option<(bool, Vec<String>)> = None;
    let (mut full, mut org, mut notes, mut tags) = (None, None, Vec::new(), Vec::new());
    for p in props {
        let set = |row: &mut CardRow, column: &'static str, value: String| {
            let value = value.trim().to_string();
            if !value.is_empty() {
                row.cells.entry(column).or_insert(value);
            }
        };
        match p.name.as_str() {
            "N" => {
                let parts = components(&text(p)?);
                let part = |i: usize| parts.get(i).cloned().unwrap_or_default();
                set(&mut row, LAST, part(0));
                set(&mut row, FIRST, part(1));
                set(&mut row, MIDDLE, part(2).replace(',', " "));
            }
            "FN" => full = Some(unescape(&text(p)?)),
            "ORG" => {
                let parts = components(&text(p)?);
                org = parts.first().cloned();
                set(
                    &mut row,
                    COMPANY,
                    parts.first().cloned().unwrap_or_default(),
                );
                let rest: Vec<&str> = parts[1.min(parts.len())..]
                    .iter()
                    .map(String::as_str)
                    .filter(|s| !s.is_empty())
                    .collect();
                set(&mut row, DEPARTMENT, rest.join(", "));
            }
            "TITLE" => set(&mut row, TITLE, unescape(&text(p)?)),
            "TEL" => {
                let label = p.group.as_deref().and_then(|g| labels.get(g));
                let column = phone_column(p, label.map(String::as_str));
                let number = phone_text(&unescape(&text(p)?));
                if !number.is_empty() {
                    phones
                        .entry(column)
                        .or_default()
                        .push((p.preferred(), number));
                }
            }
            "EMAIL" => {
                let value = unescape(&text(p)?);
                let value = value.trim();
                let value = value.strip_prefix("mailto:").unwrap_or(value);
                if !value.is_empty() {
                    emails.push((p.preferred(), value.to_string()));
                }
            }
            "ADR" => {
                // The preferred address, else the first.
                let pref = p.preferred();
                if address.as_ref().is_none_or(|(had, _)| pref && !had) {
                    address = Some((pref, components(&text(p)?)));
                }
            }
            "URL" => set(&mut row, WEBSITE, unescape(&text(p)?)),
            "BDAY" => set(
                &mut row,
                BIRTHDAY,
                birthday(&text(p)?, omit_year.as_deref()),
            ),
            "NOTE" => notes.push(unescape(&text(p)?).trim().to_string()),
            "CATEGORIES" => tags.extend(
                list(&text(p)?)
                    .into_iter()
                    .filter(|t| !SYSTEM_GROUPS.contains(&t.to_lowercase().as_str())),
            ),
            _ => {}
        }
    }
    // FN stands in for an empty N, unless it only repeats the company (a company's card).
    if !row.cells.contains_key(FIRST) && !row.cells.contains_key(LAST) {
        if let Some(full) = full.map(|f| f.trim().to_string()) {
            let is_company = org
                .as_deref()
                .is_some_and(|o| o.trim().eq_ignore_ascii_case(&full));
            if !full.is_empty() && !is_company {
                row.cells.insert(FULL, full);
            }
        }
    }
    for (column, mut numbers) in phones {
        // Preferred first; otherwise in the card's order (the sort is stable).
        numbers.sort_by_key(|(pref, _)| !pref);
        let joined: Vec<String> = numbers.into_iter().map(|(_, n)| n).collect();
        row.cells.insert(column, joined.join(JOIN));
    }
    emails.sort_by_key(|(pref, _)| !pref);
    let emails: Vec<String> = emails.into_iter().map(|(_, e)| e).collect();
    if !emails.is_empty() {
        row.cells.insert(EMAIL, emails.join(JOIN));
    }
    if let Some((_, parts)) = address {
        let part = |i: usize| parts.get(i).map_or("", String::as_str);
        // Post office box, extended address and street make one street line; a street
        // written on several lines reads as one.
        let street: Vec<String> = [part(0), part(1), part(2)]
            .into_iter()
            .flat_map(|s| s.split('\n'))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let mut set = |column: &'static str, value: &str| {
            if !value.trim().is_empty() {
                row.cells.insert(column, value.trim().to_string());
            }
        };
        set(STREET, &street.join(", "));
        set(CITY, part(3));
        set(STATE, part(4));
        set(ZIP, part(5));
        set(COUNTRY, part(6));
    }
    let notes: Vec<String> = notes.into_iter().filter(|n| !n.is_empty()).collect();
    if !notes.is_empty() {
        row.cells.insert(NOTES, notes.join("\n"));
    }
    if !tags.is_empty() {
        row.cells.insert(CATEGORIES, tags.join(", "));
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cards(text: &[u8]) -> Result<Vec<CardRow>> {
        parse(
            Path::new("book.vcf"),
            text,
            Charset {
                default: WINDOWS_1252,
                sniff_utf8: true,
            },
        )
    }

    fn one(text: &str) -> BTreeMap<&'static str, String> {
        let mut all = cards(text.as_bytes()).expect("cards");
        assert_eq!(all.len(), 1);
        all.remove(0).cells
    }

    #[test]
    fn a_vcard_is_told_by_its_first_line_whatever_its_name() {
        assert!(is_vcard(b"BEGIN:VCARD\r\nVERSION:3.0\r\n"));
        assert!(is_vcard(b"\xEF\xBB\xBF\r\n\r\n  begin:vcard\n"));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("BEGIN:VCARD\r\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert!(is_vcard(&utf16));
        assert!(!is_vcard(b"Name,BEGIN:VCARD\n"));
        assert!(!is_vcard(b"BEGIN:VCALENDAR\n"));
        assert!(!is_vcard(b""));
    }

    #[test]
    fn folded_lines_are_joined_by_version() {
        // 3.0 and 4.0: the fold inserts one space or tab, removed again.
        let cells = one(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:one long\r\n  line and\r\n\tmore\r\nEND:VCARD\r\n",
        );
        assert_eq!(cells[NOTES], "one long line andmore");
        // 2.1: the fold happens at a space of the value, which stays.
        let cells = one("BEGIN:VCARD\nVERSION:2.1\nNOTE:one long\n line\nEND:VCARD\n");
        assert_eq!(cells[NOTES], "one long line");
    }

    #[test]
    fn quoted_printable_soft_breaks_and_charsets_are_decoded() {
        let text = b"BEGIN:VCARD\r\nVERSION:2.1\r\n\
N;CHARSET=Windows-1252;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen\r\n\
NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Caf=C3=A9 au =\r\nlait=0D=0Azweite Zeile\r\n\
ORG;CHARSET=ISO-8859-1:Soci\xe9t\xe9\r\n\
TITLE;QUOTED-PRINTABLE:Gesch=E4ftsf=FChrer\r\n\
END:VCARD\r\n";
        let all = cards(text).expect("cards");
        let cells = &all[0].cells;
        assert_eq!(cells[FIRST], "Jürgen");
        assert_eq!(cells[LAST], "Müller");
        assert_eq!(cells[NOTES], "Café au lait\r\nzweite Zeile");
        assert_eq!(cells[COMPANY], "Société");
        // No CHARSET and not UTF-8: the file's encoding (windows-1252 here).
        assert_eq!(cells[TITLE], "Geschäftsführer");
    }

    #[test]
    fn bad_quoted_printable_names_card_line_and_bytes() {
        let text = "BEGIN:VCARD\nVERSION:2.1\nFN:A\nEND:VCARD\nBEGIN:VCARD\nVERSION:2.1\nNOTE;ENCODING=QUOTED-PRINTABLE:50=ZZ off\nEND:VCARD\n";
        let err = cards(text.as_bytes()).expect_err("bad escape");
        let message = err.to_string();
        assert!(message.contains("card 2 (line 5)"), "{message}");
        assert!(message.contains("NOTE on line 7"), "{message}");
        assert!(message.contains("\"=ZZ\""), "{message}");
        assert_eq!(decode_qp(b"a=3Db="), Ok(b"a=b".to_vec()));
    }

    #[test]
    fn escapes_and_structured_values() {
        assert_eq!(unescape(r"a\, b\; c\nd\\e\:f"), "a, b; c\nd\\e:f");
        assert_eq!(unescape(r"C:\Users"), r"C:\Users");
        assert_eq!(
            components(r"Doe;Jane\; Ann;;;"),
            ["Doe", "Jane; Ann", "", "", ""]
        );
        assert_eq!(
            list(r"Friends,Work\, Paris, ,VIP"),
            ["Friends", "Work, Paris", "VIP"]
        );
        let cells = one("BEGIN:VCARD\nVERSION:4.0\nFN:X\nADR;TYPE=work:;Suite 5;1 Main St\\nFloor 2;Springfield\\, East;IL;62701;USA\nEND:VCARD\n");
        assert_eq!(cells[STREET], "Suite 5, 1 Main St, Floor 2");
        assert_eq!(cells[CITY], "Springfield, East");
        assert_eq!(cells[STATE], "IL");
        assert_eq!(cells[ZIP], "62701");
        assert_eq!(cells[COUNTRY], "USA");
        // A quoted parameter may hold the `:` and `;` that otherwise end the name.
        let cells = one("BEGIN:VCARD\nVERSION:4.0\nFN:X\nADR;LABEL=\"Suite: 5; Main St\";TYPE=home:;;5 Main St;Springfield;;;\nEND:VCARD\n");
        assert_eq!(cells[STREET], "5 Main St");
        assert_eq!(cells[CITY], "Springfield");
    }

    #[test]
    fn phones_go_by_type_label_and_preference() {
        let cells = one("BEGIN:VCARD\nVERSION:3.0\nN:Doe;Jane;;;\n\
TEL;TYPE=WORK,VOICE:+1 212 555 0101\n\
TEL;TYPE=CELL:+1 212 555 0102\n\
TEL;type=CELL;type=pref:+1 212 555 0103\n\
TEL;TYPE=WORK;TYPE=FAX:+1 212 555 0104\n\
item1.TEL:+1 212 555 0105\nitem1.X-ABLabel:_$!<Mobile>!$_\n\
item2.TEL:+1 212 555 0106\nitem2.X-ABLabel:_$!<Other>!$_\n\
TEL;VALUE=uri;TYPE=home:tel:+1-212-555-0107;ext=12\n\
END:VCARD\n");
        assert_eq!(cells[WORK], "+1 212 555 0101");
        assert_eq!(
            cells[MOBILE],
            "+1 212 555 0103; +1 212 555 0102; +1 212 555 0105"
        );
        assert_eq!(cells[FAX], "+1 212 555 0104");
        assert_eq!(cells[PHONE], "+1 212 555 0106");
        assert_eq!(cells[HOME], "+1-212-555-0107 ext. 12");
        // 2.1's bare types.
        let cells = one("BEGIN:VCARD\nVERSION:2.1\nTEL;HOME;VOICE:555\nTEL;CELL:556\nEND:VCARD\n");
        assert_eq!(
            (cells[HOME].as_str(), cells[MOBILE].as_str()),
            ("555", "556")
        );
    }

    #[test]
    fn full_name_stands_in_for_an_empty_n_but_not_for_a_company() {
        let cells = one("BEGIN:VCARD\nVERSION:3.0\nN:;;;;\nFN:Prince\nEND:VCARD\n");
        assert_eq!(cells.get(FULL).map(String::as_str), Some("Prince"));
        let cells =
            one("BEGIN:VCARD\nVERSION:3.0\nN:;;;;\nFN:Acme Inc.\nORG:Acme Inc.;Sales\nEND:VCARD\n");
        assert_eq!(cells.get(FULL), None);
        assert_eq!(cells[COMPANY], "Acme Inc.");
        assert_eq!(cells[DEPARTMENT], "Sales");
        let cells = one("BEGIN:VCARD\nVERSION:3.0\nN:Doe;Jane;;;\nFN:Jane Doe\nEND:VCARD\n");
        assert_eq!(cells.get(FULL), None);
    }

    #[test]
    fn blobs_are_skipped_even_unindented() {
        let cells = one("BEGIN:VCARD\nVERSION:2.1\nN:Doe;Jane\nPHOTO;TYPE=JPEG;ENCODING=BASE64:\n/9j/4AAQSkZJRgABAQAAAQ\nABAAD/2wBDAAMCAgICAgMC\n\nEMAIL;INTERNET:jane@example.com\nEND:VCARD\n");
        assert_eq!(cells[EMAIL], "jane@example.com");
        let cells = one("BEGIN:VCARD\nVERSION:3.0\nN:Doe;Jane\nPHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ\n SkZJRgAB\n AQAAAQ\nEMAIL:jane@example.com\nEND:VCARD\n");
        assert_eq!(cells[EMAIL], "jane@example.com");
    }

    #[test]
    fn structural_errors_name_card_and_line() {
        let err = cards(b"BEGIN:VCARD\nFN:A\nEND:VCARD\n\nBEGIN:VCARD\nFN:B\n")
            .expect_err("unclosed")
            .to_string();
        assert!(
            err.contains("card 2 (line 5) has no END:VCARD before the end of the file"),
            "{err}"
        );
        let err = cards(b"BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nFN:B\nEND:VCARD\n")
            .expect_err("unclosed")
            .to_string();
        assert!(
            err.contains("card 1 (line 1) has no END:VCARD before the next BEGIN:VCARD on line 3"),
            "{err}"
        );
        let err = cards(b"BEGIN:VCARD\nFN:A\njust words\nEND:VCARD\n")
            .expect_err("not a property")
            .to_string();
        assert!(
            err.contains("card 1 (line 1): line 3 is not a vCard property"),
            "{err}"
        );
        let err = cards(b"BEGIN:VCARD\nFN;CHARSET=klingon:A\nEND:VCARD\n")
            .expect_err("charset")
            .to_string();
        assert!(err.contains("unknown character set \"klingon\""), "{err}");
    }

    #[test]
    fn a_byte_order_mark_or_utf16_file_reads_like_utf8() {
        let dir = tempfile::tempdir().expect("temp dir");
        let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Søren;Åse;;;\r\nEND:VCARD\r\n";
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        for (name, bytes, encoding) in [
            (
                "bom.vcf",
                [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
                "UTF-8",
            ),
            ("utf16.vcf", utf16, "UTF-16LE"),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).expect("write");
            let book = read(&path, None).expect(name);
            assert_eq!(book.encoding, encoding, "{name}");
            assert!(book.bom, "{name}");
            assert_eq!(book.header, ["First Name", "Last Name"], "{name}");
            assert_eq!(
                book.cards,
                [Card {
                    ordinal: 1,
                    line: 1,
                    cells: vec!["Åse".into(), "Søren".into()]
                }]
            );
        }
        // The user's encoding decides for values without CHARSET.
        let path = dir.path().join("koi8.vcf");
        let (bytes, _, _) = encoding_rs::KOI8_R.encode("BEGIN:VCARD\nN:Петров;Иван\nEND:VCARD\n");
        std::fs::write(&path, &bytes).expect("write");
        let book = read(&path, Some("koi8-r")).expect("koi8");
        assert_eq!(book.cards[0].cells, ["Иван", "Петров"]);
    }

    #[test]
    fn birthdays_and_categories() {
        assert_eq!(birthday("19850412", None), "1985-04-12");
        assert_eq!(birthday("1985-04-12T00:00:00Z", None), "1985-04-12");
        assert_eq!(birthday("--0412", None), "--04-12");
        assert_eq!(birthday("1604-04-12", Some("1604")), "--04-12");
        let cells = one("BEGIN:VCARD\nVERSION:3.0\nFN:A B\nCATEGORIES:myContacts,Clients\nCATEGORIES:VIP\nEND:VCARD\n");
        assert_eq!(cells[CATEGORIES], "Clients, VIP");
    }
}
