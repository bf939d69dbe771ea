//! Email addresses: trimmed, `mailto:` removed, lowercased, checked for a shape mail can
//! be delivered to, with a message that says what is missing.

/// Splits a cell that holds several addresses: on `:` `;` `,` and line breaks, never on
/// spaces, so `priya at example.com` stays one value with one message. The `:` of a
/// `mailto:` is no separator, and neither is anything inside a display name's quotes or an
/// address's angle brackets (`"Doe, Jane" <jane@example.com>`).
pub fn split_emails(cell: &str) -> Vec<&str> {
    split_outside_quotes(cell, true).unwrap_or_else(|| {
        // An unpaired `"` or `<` is a typo, not a display name: split as if it were not
        // there, rather than reading the rest of the cell as one address.
        split_outside_quotes(cell, false).unwrap_or_default()
    })
}

/// The trimmed, non-empty pieces of `cell`; `None` when `quotes` is asked for and a quote
/// or an angle bracket is left open.
fn split_outside_quotes(cell: &str, quotes: bool) -> Option<Vec<&str>> {
    fn push<'a>(pieces: &mut Vec<&'a str>, piece: &'a str) {
        let piece = piece.trim();
        if !piece.is_empty() {
            pieces.push(piece);
        }
    }
    let mut pieces = Vec::new();
    let (mut quoted, mut bracketed) = (false, false);
    let mut start = 0;
    for (i, c) in cell.char_indices() {
        match c {
            '"' if quotes => quoted = !quoted,
            '<' if quotes && !quoted => bracketed = true,
            '>' if quotes && !quoted => bracketed = false,
            _ if quoted || bracketed => {}
            ':' if cell[start..i].trim().eq_ignore_ascii_case("mailto") => {}
            ',' | ';' | ':' | '\n' | '\r' => {
                push(&mut pieces, &cell[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted || bracketed {
        return None;
    }
    push(&mut pieces, &cell[start..]);
    Some(pieces)
}

/// Why a cell is not an address mail can be delivered to: the cell as written and the
/// first rule it breaks. Shown in the row's `invalid_email` message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{address}: {problem}")]
pub struct EmailError {
    /// The cell as written.
    pub address: String,
    pub problem: EmailProblem,
}

/// The first rule an address breaks, in the order a message explains them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailProblem {
    #[error("no @ in the address")]
    NoAt,
    #[error("more than one @")]
    SeveralAts,
    #[error("nothing before the @")]
    NothingBeforeAt,
    #[error("missing the domain after the @")]
    NoDomain,
    #[error("contains spaces")]
    Spaces,
    #[error("longer than an address may be")]
    TooLong,
    #[error("misplaced dot")]
    MisplacedDot,
    #[error("characters an address cannot hold before the @")]
    BadCharacters,
    #[error("the domain {0:?} has no dot (such as {0}.com)")]
    DomainWithoutDot(String),
    #[error("the domain {0:?} is not a valid domain name")]
    BadDomain(String),
    #[error("the domain {0:?} does not end in a top-level domain")]
    NoTopLevelDomain(String),
}

/// The stored form of an address, or why it is not one.
pub fn normalize_email(raw: &str) -> Result<String, EmailError> {
    let trimmed = raw.trim();
    // `Priya <priya@example.com>`, as mail programs export an address with its display
    // name: the address is what is in the brackets.
    let trimmed = match (trimmed.rfind('<'), trimmed.strip_suffix('>')) {
        (Some(open), Some(inner)) => inner[open + 1..].trim(),
        _ => trimmed.trim_matches(|c| c == '<' || c == '>'),
    };
    let without_scheme = match trimmed.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("mailto:") => trimmed[7..].trim_start(),
        _ => trimmed,
    };
    match plain_address(without_scheme) {
        Some(email) => Ok(email),
        None => by_the_rules(raw, without_scheme),
    }
}

/// `address` (`raw` without its brackets and scheme) judged rule by rule, in the order a
/// message explains the first rule it breaks.
fn by_the_rules(raw: &str, address: &str) -> Result<String, EmailError> {
    let refuse = |problem| {
        Err(EmailError {
            address: raw.to_string(),
            problem,
        })
    };
    let email = address.to_lowercase();
    let (local, domain) = match email.split_once('@') {
        None => return refuse(EmailProblem::NoAt),
        Some(parts) => parts,
    };
    if domain.contains('@') {
        return refuse(EmailProblem::SeveralAts);
    }
    if local.is_empty() {
        return refuse(EmailProblem::NothingBeforeAt);
    }
    if domain.is_empty() {
        return refuse(EmailProblem::NoDomain);
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return refuse(EmailProblem::Spaces);
    }
    if local.len() > 64 || email.len() > 254 {
        return refuse(EmailProblem::TooLong);
    }
    if local.starts_with('.')
        || local.ends_with('.')
        || email.as_bytes().windows(2).any(|w| w == b"..")
    {
        return refuse(EmailProblem::MisplacedDot);
    }
    let allowed = |c: char| {
        c.is_alphanumeric()
            || matches!(
                c,
                '!' | '#'
                    | '$'
                    | '%'
                    | '&'
                    | '\''
                    | '*'
                    | '+'
                    | '-'
                    | '/'
                    | '='
                    | '?'
                    | '^'
                    | '_'
                    | '`'
                    | '{'
                    | '|'
                    | '}'
                    | '~'
                    | '.'
            )
    };
    if !local.chars().all(allowed) {
        return refuse(EmailProblem::BadCharacters);
    }
    if !domain.contains('.') {
        return refuse(EmailProblem::DomainWithoutDot(domain.to_string()));
    }
    let label_ok = |l: &&str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if !domain.split('.').all(|l| label_ok(&l)) {
        return refuse(EmailProblem::BadDomain(domain.to_string()));
    }
    let tld = domain.rsplit('.').next().unwrap_or_default();
    if tld.chars().count() < 2 || tld.chars().all(|c| c.is_ascii_digit()) {
        return refuse(EmailProblem::NoTopLevelDomain(domain.to_string()));
    }
    Ok(email)
}

/// The characters an address may hold before the @ besides letters and digits.
const LOCAL_SPECIALS: &[u8] = b"!#$%&'*+-/=?^_`{|}~.";

/// The stored form of an ASCII address that keeps every rule of [`normalize_email`],
/// found in one pass over its bytes; `None` for anything else, which those rules then
/// judge and explain. Most addresses are plain ASCII, and the rules' separate passes over
/// the characters cost more than the rest of checking a row's email.
fn plain_address(address: &str) -> Option<String> {
    let bytes = address.as_bytes();
    if !address.is_ascii() || bytes.len() > 254 {
        return None;
    }
    let at = memchr::memchr(b'@', bytes)?;
    let (local, domain) = (&bytes[..at], &bytes[at + 1..]);
    if local.is_empty() || local.len() > 64 || local[0] == b'.' || local[local.len() - 1] == b'.' {
        return None;
    }
    let mut previous = 0u8;
    for &c in local {
        let allowed = c.is_ascii_alphanumeric() || LOCAL_SPECIALS.contains(&c);
        if !allowed || (c == b'.' && previous == b'.') {
            return None;
        }
        previous = c;
    }
    // Labels of letters, digits and inner hyphens, at least two of them, the last one
    // (the top-level domain) of two characters or more and not all digits.
    let mut labels = 0;
    for label in domain.split(|&c| c == b'.') {
        let ok = !label.is_empty()
            && label[0] != b'-'
            && label[label.len() - 1] != b'-'
            && label
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'-');
        if !ok {
            return None;
        }
        labels += 1;
    }
    let tld = domain.rsplit(|&c| c == b'.').next()?;
    if labels < 2 || tld.len() < 2 || tld.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(address.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The shortcut answers only for addresses the rules accept, with the same form.
        #[test]
        fn the_one_pass_check_agrees_with_the_rules(
            address in "[a-zA-Z0-9.@_+\\-'!#]{0,12}(@[a-zA-Z0-9.\\-]{0,12})?(\\.[a-zA-Z0-9\\-]{0,4})?",
        ) {
            if let Some(fast) = plain_address(&address) {
                prop_assert_eq!(Ok(fast), by_the_rules(&address, &address), "{}", address);
            }
        }
    }

    #[test]
    fn the_one_pass_check_answers_for_plain_addresses_and_leaves_the_rest() {
        for ok in [
            "jane.doe@example.com",
            "A+b@x.co.uk",
            "o'brien@mail.example.org",
        ] {
            assert_eq!(plain_address(ok), Some(ok.to_ascii_lowercase()), "{ok}");
        }
        for not in [
            "jane@example",
            "jane@@x.com",
            ".jane@x.com",
            "ja..ne@x.com",
            "jane@x..com",
            "jane@-x.com",
            "jane@x.c",
            "jane@x.123",
            "jane doe@x.com",
            "jané@x.com",
            "@x.com",
        ] {
            assert_eq!(plain_address(not), None, "{not}");
        }
    }

    #[test]
    fn normalizes() {
        assert_eq!(
            normalize_email(" MailTo:Jane.Doe@Example.COM ").unwrap(),
            "jane.doe@example.com"
        );
        assert_eq!(normalize_email("<a+b@x.co.uk>").unwrap(), "a+b@x.co.uk");
    }

    #[test]
    fn splits_on_colons_semicolons_commas_and_lines_but_not_spaces() {
        assert_eq!(
            split_emails("a@x.com:b@x.com; c@x.com,d@x.com\ne@x.com\r\nf@x.com"),
            ["a@x.com", "b@x.com", "c@x.com", "d@x.com", "e@x.com", "f@x.com"]
        );
        assert_eq!(
            split_emails("priya at example.com"),
            ["priya at example.com"]
        );
        assert_eq!(split_emails("a@x.com b@x.com"), ["a@x.com b@x.com"]);
        assert_eq!(split_emails(" ;: ,\n"), Vec::<&str>::new());
    }

    #[test]
    fn a_mailto_scheme_is_no_separator() {
        assert_eq!(
            split_emails("mailto:a@x.com:MAILTO:b@x.com; mailto: c@x.com"),
            ["mailto:a@x.com", "MAILTO:b@x.com", "mailto: c@x.com"]
        );
        let stored: Vec<_> = split_emails("mailto:a@x.com:MAILTO:b@x.com")
            .into_iter()
            .map(|e| normalize_email(e).unwrap())
            .collect();
        assert_eq!(stored, ["a@x.com", "b@x.com"]);
    }

    #[test]
    fn display_names_keep_their_commas_and_give_their_address() {
        assert_eq!(
            split_emails("\"Doe, Jane\" <Jane@X.com>, Priya <priya@example.com>"),
            ["\"Doe, Jane\" <Jane@X.com>", "Priya <priya@example.com>"]
        );
        assert_eq!(
            normalize_email("\"Doe, Jane\" <Jane@X.com>").unwrap(),
            "jane@x.com"
        );
        assert_eq!(
            normalize_email("Priya <mailto:priya@example.com>").unwrap(),
            "priya@example.com"
        );
        // An unpaired quote or bracket is a typo: the cell is split as if it were absent.
        assert_eq!(
            split_emails("o\"brien@x.com, a@x.com"),
            ["o\"brien@x.com", "a@x.com"]
        );
        assert_eq!(split_emails("<a@x.com, b@x.com"), ["<a@x.com", "b@x.com"]);
    }

    #[test]
    fn a_cell_with_spaces_is_one_invalid_address() {
        let e = normalize_email("priya at example.com").unwrap_err();
        assert_eq!(e.to_string(), "priya at example.com: no @ in the address");
    }

    #[test]
    fn explains_refusals() {
        assert_eq!(
            normalize_email("jane.example.com").unwrap_err().to_string(),
            "jane.example.com: no @ in the address"
        );
        assert_eq!(
            normalize_email("Jane@Example").unwrap_err().to_string(),
            "Jane@Example: the domain \"example\" has no dot (such as example.com)"
        );
        assert_eq!(
            normalize_email("jane@@x.com").unwrap_err().problem,
            EmailProblem::SeveralAts
        );
        assert!(normalize_email("jane doe@x.com").is_err());
        assert!(normalize_email("jane@x..com").is_err());
    }
}
