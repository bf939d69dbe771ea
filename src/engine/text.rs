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

/// Trims a cell, removes invisible characters, and turns placeholders into the empty string.
pub fn clean_cell(raw: &str) -> Cow<'_, str> {
    // The common case — nothing invisible — borrows: no allocation per cell. Invisible
    // characters are not ASCII, and every one is encoded with a lead byte of 0xC2, 0xE2 or
    // 0xEF, so most cells are ruled out without decoding them (a short cell is checked
    // for ASCII faster than a three-byte search can start).
    if raw.is_ascii()
        || memchr::memchr3(0xC2, 0xE2, 0xEF, raw.as_bytes()).is_none()
        || !raw.chars().any(is_invisible)
    {
        let trimmed = raw.trim();
        return if is_placeholder(trimmed) {
            Cow::Borrowed("")
        } else {
            Cow::Borrowed(trimmed)
        };
    }
    let without: String = raw
        .chars()
        .map(|c| {
            if c == '\u{00A0}' || c == '\u{2007}' || c == '\u{202F}' {
                ' '
            } else {
                c
            }
        })
        .filter(|c| !is_invisible(*c))
        .collect();
    let trimmed = without.trim();
    if is_placeholder(trimmed) {
        Cow::Borrowed("")
    } else {
        Cow::Owned(trimmed.to_string())
    }
}

/// True when a (trimmed) value is one of the "nothing here" placeholders.
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(sanitize_for_terminal("x\u{202E}y"), "x<U+202E>y");
        assert_eq!(sanitize_for_terminal("\u{9b}1m"), "<U+009B>1m");
        assert_eq!(sanitize_for_terminal("plain"), "plain");
    }
}
