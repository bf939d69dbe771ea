//! Cell hygiene: the small text rules every value goes through before a field reads it,
//! and the one function that makes a string safe to show on a terminal.

use std::borrow::Cow;

/// Characters that look like nothing but break equality: no-break spaces, zero-width
/// characters and stray byte-order marks that exports leave inside cells.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00A0}'
            | '\u{2007}'
            | '\u{202F}'
            | '\u{200B}'
            | '\u{200C}'
            | '\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
    )
}

/// Values that mean "nothing" in the exports people send.
const PLACEHOLDERS: &[&str] = &["n/a", "#n/a", "none", "null", "-", "?", "unknown"];
const LONGEST_PLACEHOLDER: usize = {
    let (mut i, mut longest) = (0, 0);
    while i < PLACEHOLDERS.len() {
        if PLACEHOLDERS[i].len() > longest {
            longest = PLACEHOLDERS[i].len();
        }
        i += 1;
    }
    longest
};

/// What a value may keep of its tabs and line breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Tabs and line breaks stay (a CRLF becomes one line break): notes, and cells that are
    /// split on them before anything is stored (phones, emails).
    Keep,
    /// Each run of tabs and line breaks becomes one space, so words do not run together:
    /// every other field.
    Flatten,
}

/// What cleaning took out of a value beside spaces and invisible characters: the parts
/// that could drive a terminal. Each is worth a `control_characters` warning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    /// `ESC [ … m`, `ESC ] … BEL`, `ESC P … ESC \`, and their 8-bit forms.
    pub escape_sequences: bool,
    pub nul: bool,
    /// A carriage return that does not end a line (it moves the cursor back on a terminal).
    pub carriage_return: bool,
    /// Any other C0 or C1 control character, or DEL.
    pub controls: bool,
}

impl Removed {
    fn merge(&mut self, other: Removed) {
        self.escape_sequences |= other.escape_sequences;
        self.nul |= other.nul;
        self.carriage_return |= other.carriage_return;
        self.controls |= other.controls;
    }

    pub fn any(&self) -> bool {
        self.escape_sequences || self.nul || self.carriage_return || self.controls
    }

    /// "an escape sequence and a NUL byte": what was removed, in the user's words.
    pub fn describe(&self) -> String {
        let parts: Vec<&str> = [
            (self.escape_sequences, "escape sequences"),
            (self.nul, "NUL bytes"),
            (self.carriage_return, "stray carriage returns"),
            (self.controls, "control characters"),
        ]
        .into_iter()
        .filter_map(|(yes, what)| yes.then_some(what))
        .collect();
        match parts.as_slice() {
            [] => String::new(),
            [one] => (*one).to_string(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }
}

/// Trims a cell, removes invisible characters, control characters and escape sequences,
/// and turns placeholders into the empty string. Tabs and line breaks stay
/// (`clean_value` with `Layout::Flatten` folds them).
pub fn clean_cell(raw: &str) -> Cow<'_, str> {
    clean_value(raw, Layout::Keep, &mut Removed::default())
}

/// `clean_cell` for a value going to a field; what was removed is added to `removed`, so
/// the row can warn. (An out-parameter, not a returned pair: measured, returning the larger
/// value cost the common case a tenth more per cell.)
#[inline]
pub fn clean_value<'a>(raw: &'a str, layout: Layout, removed: &mut Removed) -> Cow<'a, str> {
    // Printable ASCII, the common case, borrows: no allocation, and one pass over the
    // bytes, as the ASCII check it replaced. The rest is kept out of line so that this
    // path stays as short as it was.
    if is_printable_ascii(raw.as_bytes()) {
        return trimmed(raw);
    }
    clean_other(raw, layout, removed)
}

fn trimmed(raw: &str) -> Cow<'_, str> {
    let t = raw.trim();
    Cow::Borrowed(if is_placeholder(t) { "" } else { t })
}

fn clean_other<'a>(raw: &'a str, layout: Layout, removed: &mut Removed) -> Cow<'a, str> {
    if !needs_rebuild(raw, layout, true) {
        return trimmed(raw);
    }
    let (text, found) = rebuild(raw, layout, true);
    removed.merge(found);
    let value = match text.trim() {
        t if t.len() == text.len() => Cow::Owned(text),
        t => Cow::Owned(t.to_string()),
    };
    without_placeholder(value)
}

/// Removes control characters and escape sequences from a value and leaves everything else
/// as it is (spaces, placeholders, invisible characters): for cells written back into files
/// people open, which must keep the original values but never carry terminal controls.
/// Tabs and line breaks stay.
pub fn strip_controls(raw: &str) -> Cow<'_, str> {
    if !is_printable_ascii(raw.as_bytes()) && needs_rebuild(raw, Layout::Keep, false) {
        Cow::Owned(rebuild(raw, Layout::Keep, false).0)
    } else {
        Cow::Borrowed(raw)
    }
}

/// Whether cleaning changes more than the ends of a value. One with no control byte to
/// remove and none of the lead bytes of an invisible character (0xC2, 0xE2, 0xEF; 0xC2 also
/// leads the C1 controls) is ruled out without decoding it.
fn needs_rebuild(raw: &str, layout: Layout, drop_invisible: bool) -> bool {
    let bytes = raw.as_bytes();
    if has_ascii_control(bytes) {
        let kept = |b: u8| layout == Layout::Keep && matches!(b, b'\t' | b'\n');
        if bytes.iter().any(|&b| (b < 0x20 || b == 0x7F) && !kept(b)) {
            return true;
        }
    }
    if raw.is_ascii() {
        return false;
    }
    let lead = if drop_invisible {
        memchr::memchr3(0xC2, 0xE2, 0xEF, bytes)
    } else {
        memchr::memchr(0xC2, bytes)
    };
    lead.is_some()
        && raw
            .chars()
            .any(|c| is_c1(c) || (drop_invisible && is_invisible(c)))
}

fn without_placeholder(value: Cow<'_, str>) -> Cow<'_, str> {
    if is_placeholder(&value) {
        Cow::Borrowed("")
    } else {
        value
    }
}

/// The slow path of cleaning: one walk over the characters, dropping escape sequences
/// whole (their parameters and payload too: `ESC]0;title BEL` leaves nothing behind).
fn rebuild(raw: &str, layout: Layout, drop_invisible: bool) -> (String, Removed) {
    let mut out = String::with_capacity(raw.len());
    let mut removed = Removed::default();
    let mut chars = raw.chars().peekable();
    // Set after a tab or line break was written as a space, so a run gives one space.
    let mut folded = false;
    while let Some(c) = chars.next() {
        let layout_char = match c {
            '\r' if chars.peek() == Some(&'\n') => {
                chars.next();
                Some('\n')
            }
            '\t' | '\n' => Some(c),
            _ => None,
        };
        if let Some(l) = layout_char {
            match layout {
                Layout::Keep => out.push(l),
                Layout::Flatten if !folded => {
                    out.push(' ');
                    folded = true;
                }
                Layout::Flatten => {}
            }
            continue;
        }
        folded = false;
        match c {
            '\u{1B}' => {
                removed.escape_sequences = true;
                skip_escape(&mut chars);
            }
            '\u{9B}' => {
                removed.escape_sequences = true;
                skip_csi(&mut chars);
            }
            // DCS, SOS, OSC, PM, APC: a string up to its terminator.
            '\u{90}' | '\u{98}' | '\u{9D}' | '\u{9E}' | '\u{9F}' => {
                removed.escape_sequences = true;
                skip_string(&mut chars);
            }
            '\0' => removed.nul = true,
            '\r' => removed.carriage_return = true,
            c if is_control(c) => removed.controls = true,
            '\u{00A0}' | '\u{2007}' | '\u{202F}' if drop_invisible => out.push(' '),
            c if drop_invisible && is_invisible(c) => {}
            c => out.push(c),
        }
    }
    (out, removed)
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// After an ESC: the rest of the sequence it starts (ECMA-48), whatever its kind.
fn skip_escape(chars: &mut Chars<'_>) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            skip_string(chars);
        }
        // Intermediate bytes, then one final byte: `ESC ( B`, `ESC # 8`.
        Some(' '..='/') => {
            while chars.next_if(|c| matches!(c, ' '..='/')).is_some() {}
            chars.next_if(|c| matches!(c, '0'..='~'));
        }
        // A two-character sequence: `ESC c` (reset), `ESC 7`, `ESC =`.
        Some('0'..='~') => {
            chars.next();
        }
        // A lone ESC: only it goes.
        _ => {}
    }
}

/// After `ESC [` or U+009B: parameter and intermediate bytes, then the final byte.
fn skip_csi(chars: &mut Chars<'_>) {
    while chars.next_if(|c| matches!(c, ' '..='?')).is_some() {}
    chars.next_if(|c| matches!(c, '@'..='~'));
}

/// After the opening of an OSC, DCS, SOS, PM or APC: everything up to BEL, ST (`ESC \` or
/// U+009C), CAN or SUB — or the end of the value, as a terminal would swallow it.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{07}' | '\u{9C}' | '\u{18}' | '\u{1A}' => return,
            '\u{1B}' => {
                // `ESC \` ends the string; any other ESC starts a sequence of its own.
                if chars.next_if_eq(&'\\').is_none() {
                    skip_escape(chars);
                }
                return;
            }
            _ => {}
        }
    }
}

/// C0 controls, DEL and C1 controls.
fn is_control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}')
}

fn is_c1(c: char) -> bool {
    matches!(c, '\u{80}'..='\u{9F}')
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The bytes of a word that are below 0x20 or equal to 0x7F, as high bits (exact for
/// whether there is any: the classic "has less than" and "has zero" word tricks).
fn control_bits(word: u64) -> u64 {
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    let del = word ^ (ONES * 0x7F);
    let is_del = del.wrapping_sub(ONES) & !del & HIGHS;
    below_space | is_del
}

/// Every byte is 0x20..=0x7E: eight bytes at a time, as `is_ascii` checks them.
#[inline]
pub fn is_printable_ascii(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let word = u64::from_le_bytes(w);
        if (word & HIGHS) | control_bits(word) != 0 {
            return false;
        }
    }
    words.remainder().iter().all(|&b| (0x20..0x7F).contains(&b))
}

/// Some byte is a C0 control or DEL (multi-byte characters never hold one).
fn has_ascii_control(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        if control_bits(u64::from_le_bytes(w)) != 0 {
            return true;
        }
    }
    words.remainder().iter().any(|&b| b < 0x20 || b == 0x7F)
}

/// True when a (trimmed) value is one of the "nothing here" placeholders.
/// The values of a list cell (tags, multiple options). Seed 004 separates them with `,`,
/// `;` or `.`; we also take `:` (seed 001's separator). A `.` is a separator only where it
/// cannot be part of a value: in a cell with no other separator, between pieces that are
/// all words (`vip.spring`, `Blue. Yellow. Green`), never in `v2.0` or `3.5 stars`.
pub fn split_list(value: &str) -> Vec<&str> {
    fn pieces<'a>(s: &'a str, seps: &[char]) -> Vec<&'a str> {
        s.split(seps)
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect()
    }
    if value.contains([',', ';', ':']) || !value.contains('.') {
        return pieces(value, &[',', ';', ':']);
    }
    let by_dot = pieces(value, &['.']);
    let wordy = |p: &&str| {
        p.chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '-' || c == '\'')
    };
    if by_dot.iter().all(wordy) {
        by_dot
    } else {
        pieces(value, &[])
    }
}

pub fn is_placeholder(value: &str) -> bool {
    value.len() <= LONGEST_PLACEHOLDER && PLACEHOLDERS.iter().any(|p| value.eq_ignore_ascii_case(p))
}

/// Lowercases and keeps only letters and digits: the key used to compare headers and
/// option names whatever their spacing, case and punctuation.
pub fn fold_key(value: &str) -> String {
    folded(value).collect()
}

/// True when `value` folds to `key` (as `fold_key` would), without allocating.
pub fn folds_to(value: &str, key: &str) -> bool {
    folded(value).eq(key.chars())
}

fn folded(value: &str) -> impl Iterator<Item = char> + '_ {
    value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(|c| fold_accent(c).to_lowercase())
}

/// Removes the accents of the Latin letters found in French, German and Spanish headers,
/// so that `Téléphone` and `Telephone` fold to the same key.
fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ß' => 's',
        other => other,
    }
}

/// A Latin letter without its accent, lower-cased, into `out` (`ß` as `ss`, `æ` as `ae`).
/// Wider than the header folding above: names carry Polish, Czech, Turkish, Vietnamese
/// and Nordic letters. Country names and contact search fold with it.
pub fn push_folded(c: char, out: &mut String) {
    let plain = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ạ' | 'ả' | 'ấ' | 'ầ' | 'ẩ' | 'ẫ'
        | 'ậ' | 'ắ' | 'ằ' | 'ẳ' | 'ẵ' | 'ặ' => 'a',
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => 'c',
        'ď' | 'đ' | 'ð' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' | 'ẹ' | 'ẻ' | 'ẽ' | 'ế' | 'ề' | 'ể' | 'ễ'
        | 'ệ' => 'e',
        'ğ' | 'ĝ' | 'ġ' | 'ģ' => 'g',
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' | 'İ' | 'ỉ' | 'ĩ' | 'ị' => 'i',
        'ķ' => 'k',
        'ł' | 'ľ' | 'ĺ' | 'ļ' => 'l',
        'ñ' | 'ń' | 'ň' | 'ņ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' | 'ơ' | 'ọ' | 'ỏ' | 'ố' | 'ồ' | 'ổ' | 'ỗ'
        | 'ộ' | 'ớ' | 'ờ' | 'ở' | 'ỡ' | 'ợ' => 'o',
        'ŕ' | 'ř' => 'r',
        'ś' | 'š' | 'ş' | 'ș' => 's',
        'ť' | 'ţ' | 'ț' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' | 'ư' | 'ụ' | 'ủ' | 'ũ' | 'ứ' | 'ừ' | 'ử'
        | 'ữ' | 'ự' => 'u',
        'ý' | 'ÿ' | 'ỳ' | 'ỷ' | 'ỹ' | 'ỵ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        'ŵ' => 'w',
        'ß' => return out.push_str("ss"),
        'æ' => return out.push_str("ae"),
        'œ' => return out.push_str("oe"),
        'þ' => return out.push_str("th"),
        other if other.is_uppercase() => {
            // Upper-case accented letters: fold their lower-case form.
            for lower in other.to_lowercase() {
                if lower == other {
                    out.push(lower);
                } else {
                    push_folded(lower, out);
                }
            }
            return;
        }
        other => other,
    };
    out.push(plain);
}

/// `value` lower-cased and without accents, everything else kept: what a search compares,
/// so that `jurgen` finds `Jürgen` and `LODZ` finds `Łódź`.
pub fn fold_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        push_folded(c, &mut out);
    }
    out
}

/// A name rolodex makes from what someone typed or gave as a flag — a tag, a list's name:
/// cleaned as a cell is, and without the characters that reverse how text reads (a list
/// named with U+202E would read backwards in every list that shows it). Both front ends
/// clean labels with this, so the wizard and the command line store the same name.
pub fn clean_label(raw: &str) -> String {
    clean_cell(raw)
        .chars()
        .filter(|&c| !is_bidi_control(c))
        .collect()
}

/// The characters that change the direction text is shown in.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Makes any string safe to print on a terminal: control characters (C0, DEL, C1) become
/// the visible Unicode control pictures or `\u{..}` escapes, and bidirectional overrides
/// become `<U+202E>`-style placeholders. An escape sequence therefore arrives as harmless text
/// such as `␛[31m`.
pub fn sanitize_for_terminal(value: &str) -> String {
    if !value.chars().any(needs_escape) {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\u{0}'..='\u{1F}' => {
                // U+2400 block: ␀ ␁ … ␟ are the control pictures of C0.
                out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'))
            }
            '\u{7F}' => out.push('\u{2421}'),
            c if needs_escape(c) => out.push_str(&format!("<U+{:04X}>", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}'
        | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        | '\u{061C}')
}

/// The columns rolodex adds after the original ones: the results file's and the error
/// file's. A file whose header ends with them was written by rolodex, so its cells are read
/// back through [`restore`].
pub const RESULTS_COLUMNS: [&str; 2] = ["Import Status", "Errors"];
pub const ERROR_COLUMNS: [&str; 1] = ["Error"];

/// Whether a file with this header is a results or error file rolodex wrote (or `history
/// --csv` printed), whose cells `report::neutralize` changed.
pub fn written_by_rolodex(header: &[String]) -> bool {
    let ends_with = |tail: &[&str]| {
        header.len() > tail.len()
            && header[header.len() - tail.len()..]
                .iter()
                .zip(tail)
                .all(|(h, t)| h.trim() == *t)
    };
    ends_with(&RESULTS_COLUMNS) || ends_with(&ERROR_COLUMNS)
}

/// The cell `report::neutralize` was given: one `'` fewer where it added one, and every other
/// cell as it is (`'Tis`, `'6135551234` and `'` itself were never neutralized).
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if would_run(rest.trim_start_matches('\'')) => rest,
        _ => cell,
    }
}

/// Whether a spreadsheet would run `cell` as a formula.
pub fn would_run(cell: &str) -> bool {
    let Some(first) = cell.chars().next() else {
        return false;
    };
    if !matches!(first, '=' | '+' | '-' | '@' | '\t' | '\r') {
        return false;
    }
    let rest = &cell[first.len_utf8()..];
    // `+16135551234` (E.164) and `-12.5` are values a spreadsheet only displays; anything
    // else after `+` or `-` is arithmetic it would evaluate.
    let e164 =
        first == '+' && (7..=15).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_digit());
    let number = first == '-' && {
        let (int, frac) = rest.split_once('.').unwrap_or((rest, "0"));
        !int.is_empty()
            && !frac.is_empty()
            && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    };
    !(e164 || number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_cells_split_on_the_separators_of_the_seeds() {
        assert_eq!(
            split_list("Blue, Yellow;Green"),
            ["Blue", "Yellow", "Green"]
        );
        assert_eq!(split_list("a@x:b"), ["a@x", "b"]);
        assert_eq!(split_list("vip.spring"), ["vip", "spring"]);
        assert_eq!(
            split_list("Blue. Yellow. Green."),
            ["Blue", "Yellow", "Green"]
        );
        // A dot inside a value that is not a list of words stays.
        assert_eq!(split_list("v2.0"), ["v2.0"]);
        assert_eq!(split_list("3.5 stars"), ["3.5 stars"]);
        assert_eq!(split_list("Dr. Who, Blue"), ["Dr. Who", "Blue"]);
        assert_eq!(split_list("  "), Vec::<&str>::new());
    }

    #[test]
    fn fold_text_drops_case_and_accents_and_keeps_the_rest() {
        assert_eq!(
            fold_text("Jürgen Łódź-ÆSIR ß 12"),
            "jurgen lodz-aesir ss 12"
        );
        assert_eq!(fold_text("Zoë KIM"), "zoe kim");
    }

    #[test]
    fn placeholders_become_empty() {
        for p in [
            "N/A", "n/a", "#N/A", "none", "NULL", "-", "?", "Unknown", "  n/a  ",
        ] {
            assert_eq!(clean_cell(p), "", "{p}");
        }
        assert_eq!(clean_cell("Nadia"), "Nadia");
    }

    #[test]
    fn invisible_characters_are_removed() {
        assert_eq!(clean_cell("\u{FEFF}Jane\u{200B} "), "Jane");
        assert_eq!(clean_cell("Jane\u{00A0}Doe"), "Jane Doe");
    }

    #[test]
    fn headers_fold_across_case_spacing_accents() {
        assert_eq!(fold_key("Téléphone"), "telephone");
        assert_eq!(fold_key("E-mail Address"), "emailaddress");
        assert_eq!(fold_key(" First_Name "), "firstname");
    }

    #[test]
    fn terminal_sanitizer_shows_escapes() {
        assert_eq!(sanitize_for_terminal("a\u{1b}[31mb"), "a\u{241b}[31mb");
        assert_eq!(sanitize_for_terminal("\u{1b}[2J"), "\u{241b}[2J");
        assert_eq!(
            sanitize_for_terminal("\u{1b}]52;c;aGk=\u{7}"),
            "\u{241b}]52;c;aGk=\u{2407}"
        );
        assert_eq!(sanitize_for_terminal("x\u{202E}y"), "x<U+202E>y");
        assert_eq!(sanitize_for_terminal("\u{9b}1m"), "<U+009B>1m");
        assert_eq!(sanitize_for_terminal("plain"), "plain");
        let all: String = (0u32..0x300).filter_map(char::from_u32).collect();
        let safe = sanitize_for_terminal(&all);
        assert!(!safe.chars().any(is_control), "{safe:?}");
    }

    fn removed(value: &str, layout: Layout) -> (String, Removed) {
        let mut removed = Removed::default();
        let value = clean_value(value, layout, &mut removed).into_owned();
        (value, removed)
    }

    #[test]
    fn escape_sequences_go_whole() {
        for (raw, want) in [
            ("Ev\u{1b}[2Jil", "Evil"),
            ("\u{1b}[38;5;196mRed\u{1b}[0m", "Red"),
            ("\u{1b}]52;c;Y3VybCBldmls\u{7}Ada", "Ada"),
            ("\u{1b}]0;pwned\u{1b}\\Ada", "Ada"),
            ("\u{1b}Pq#0;2;0;0;0\u{1b}\\Ada", "Ada"),
            ("\u{9b}31mAda", "Ada"),
            ("\u{9d}0;title\u{9c}Ada", "Ada"),
            ("\u{90}payload\u{9c}Ada", "Ada"),
            ("Ada\u{1b}]0;never closed", "Ada"),
            ("\u{1b}cAda", "Ada"),
            ("\u{1b}(BAda", "Ada"),
            ("A\u{1b}]0;t\u{1b}[2Jda", "Ada"),
            ("Ada\u{1b}", "Ada"),
        ] {
            let (value, r) = removed(raw, Layout::Flatten);
            assert_eq!(value, want, "{raw:?}");
            assert!(r.escape_sequences, "{raw:?}");
        }
    }

    #[test]
    fn controls_nul_and_stray_returns_are_removed() {
        let (v, r) = removed("+1 212\u{0} 334 5678", Layout::Keep);
        assert_eq!(v, "+1 212 334 5678");
        assert!(r.nul && !r.escape_sequences);
        let (v, r) = removed("Ada\rEve", Layout::Flatten);
        assert_eq!(v, "AdaEve");
        assert!(r.carriage_return);
        let (v, r) = removed("A\u{7}d\u{7f}a\u{85}\u{8}", Layout::Flatten);
        assert_eq!(v, "Ada");
        assert!(r.controls);
        assert_eq!(
            r.describe(),
            "control characters",
            "only what was removed is named"
        );
        let (_, r) = removed("\u{1b}[2J\u{0}", Layout::Flatten);
        assert_eq!(r.describe(), "escape sequences and NUL bytes");
    }

    #[test]
    fn notes_keep_tabs_and_line_breaks_other_fields_get_a_space() {
        let note = "line one\r\nline\ttwo\n\nend";
        let (v, r) = removed(note, Layout::Keep);
        assert_eq!(v, "line one\nline\ttwo\n\nend");
        assert!(
            !r.any(),
            "a line break is layout, not a control to warn about"
        );
        let (v, r) = removed("1 Main St\r\n\tSuite 4", Layout::Flatten);
        assert_eq!(v, "1 Main St Suite 4");
        assert!(!r.any());
    }

    #[test]
    fn bidi_controls_are_kept_in_values() {
        let (v, r) = removed("\u{202E}evil\u{2066}x\u{2069}", Layout::Flatten);
        assert_eq!(v, "\u{202E}evil\u{2066}x\u{2069}");
        assert!(!r.any());
    }

    #[test]
    fn a_formula_behind_an_escape_is_still_a_formula() {
        assert_eq!(
            clean_cell("\u{1b}[0m=cmd|' /C calc'!A0"),
            "=cmd|' /C calc'!A0"
        );
        assert_eq!(strip_controls("\u{0}\r=1+1"), "=1+1");
    }

    #[test]
    fn stripping_leaves_everything_but_controls() {
        assert_eq!(strip_controls("  N/A\u{a0} "), "  N/A\u{a0} ");
        assert_eq!(strip_controls(" Ev\u{1b}[2Jil\n"), " Evil\n");
        assert!(matches!(strip_controls("plain text"), Cow::Borrowed(_)));
        assert!(matches!(strip_controls("Zoë\tx"), Cow::Borrowed(_)));
    }

    #[test]
    fn printable_ascii_is_found_a_word_at_a_time() {
        for b in 0u8..=255 {
            for len in [1, 7, 8, 9, 17] {
                for at in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    let naive = bytes.iter().all(|&x| (0x20..0x7F).contains(&x));
                    assert_eq!(is_printable_ascii(&bytes), naive, "{b:#x} at {at} of {len}");
                    let control = bytes.iter().any(|&x| x < 0x20 || x == 0x7F);
                    assert_eq!(
                        has_ascii_control(&bytes),
                        control,
                        "{b:#x} at {at} of {len}"
                    );
                }
            }
        }
        assert!(is_printable_ascii(b""));
    }

    #[test]
    fn plain_cells_borrow() {
        assert!(matches!(
            clean_cell(" Ada Lovelace "),
            Cow::Borrowed("Ada Lovelace")
        ));
        assert!(matches!(clean_cell("Zoë"), Cow::Borrowed("Zoë")));
    }
}
