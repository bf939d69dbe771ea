//! What a contact search means, in one place: how a query is read and which contacts it
//! finds. The store answers it from indexes (`store::search` for names, the phone and email
//! indexes for the rest), and a store without its name index answers with
//! `Query::matches`, so both give the same contacts.
//!
//! - Words: the tokens of the first name, last name and company, folded for case and
//!   accents (`jurgen` finds `Jürgen`). A query word finds the contacts with a word that
//!   starts with it (`jo` finds `John`).
//! - Emails: a query word with an `@` is an address, found whole (`Ann@Example.com` finds
//!   `ann@example.com`, `ann@ex` finds nobody): the email index holds addresses, not their
//!   pieces.
//! - Phones: a query of at least `MIN_PHONE_DIGITS` digits (spaces, `+`, `-`, `.`, `(`,
//!   `)` between them are ignored) finds the numbers that start with them, read as an
//!   international number (`+1 613 555`, `0044 20 7946`) or, written without `+` or `00`,
//!   also as a number of the search's region (`613 555 0123` in `US`, `020 7946` in `GB`,
//!   its leading trunk `0` dropped).
//! - Every part of a query must be found in the same contact.
//!
//! Words are only names and companies so that an import writes two or three entries a
//! contact to the name index, not five (its emails and phones have their own indexes
//! already): the index had halved the import's speed.

use rlibphonenumber::Region;

use super::contact::Contact;
use super::email::normalize_email;
use super::phone::calling_code;
use super::text::fold_text;

/// Fewer digits than this are read as a word (`3m`, `42`): a phone search on three digits
/// would find a large share of any store.
pub const MIN_PHONE_DIGITS: usize = 4;

/// The most digits an E.164 number has.
pub const MAX_PHONE_DIGITS: usize = 15;

/// One part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// Folded; found as the prefix of a contact's word.
    Word(String),
    /// An address as the store keeps it; found whole.
    Email(String),
    /// The digits an E.164 number may start with (without its `+`), any of them: the number
    /// as typed, and as a number of the region.
    Phone(Vec<String>),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    terms: Vec<Term>,
}

impl Query {
    /// Reads what was typed, numbers as international ones only. Blank text is the empty
    /// query, which every contact matches.
    pub fn parse(text: &str) -> Query {
        Query::parse_in(text, None)
    }

    /// Reads what was typed; a number written without `+` or `00` is also read as a
    /// number of `region`.
    pub fn parse_in(text: &str, region: Option<Region>) -> Query {
        let code = region.and_then(calling_code);
        let mut terms = Vec::new();
        // Consecutive pieces of digits and phone punctuation are one number, as people
        // write them: `+1 (613) 555-0123`.
        let mut number: Vec<&str> = Vec::new();
        let mut pieces = text.split_whitespace().peekable();
        while let Some(piece) = pieces.next() {
            if is_phone_like(piece) {
                number.push(piece);
                if pieces.peek().is_some_and(|p| is_phone_like(p)) {
                    continue;
                }
                let written = number.concat();
                let digits: String = written.chars().filter(char::is_ascii_digit).collect();
                if (MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS + 2).contains(&digits.len()) {
                    terms.push(Term::Phone(number_starts(
                        &written,
                        &digits,
                        code.as_deref(),
                    )));
                } else {
                    for part in number.drain(..) {
                        terms.extend(tokens(part).map(|t| Term::Word(t.to_string())));
                    }
                }
                number.clear();
                continue;
            }
            if piece.contains('@') {
                match normalize_email(piece) {
                    Ok(address) => terms.push(Term::Email(address)),
                    // Not an address yet (`ann@ex`, being typed): it finds nobody, as the
                    // index holds whole addresses.
                    Err(_) => terms.push(Term::Email(fold_text(piece))),
                }
                continue;
            }
            let folded = fold_text(piece);
            terms.extend(tokens(&folded).map(|t| Term::Word(t.to_string())));
        }
        terms.dedup();
        Query { terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// Whether `contact` is found by every term.
    pub fn matches(&self, contact: &Contact) -> bool {
        if self.terms.is_empty() {
            return true;
        }
        let words = words(contact);
        self.terms.iter().all(|term| match term {
            Term::Word(w) => words.iter().any(|have| have.starts_with(w.as_str())),
            Term::Email(address) => contact.emails.iter().any(|e| e == address),
            Term::Phone(starts) => contact.phones.iter().any(|p| {
                e164_digits(p).is_some_and(|d| starts.iter().any(|s| d.starts_with(s.as_str())))
            }),
        })
    }
}

/// The digits a number's E.164 form may start with, for a number written as `written`
/// (with its punctuation) whose digits are `digits`; `code` is the region's calling code.
fn number_starts(written: &str, digits: &str, code: Option<&str>) -> Vec<String> {
    let international = written.starts_with('+') || digits.starts_with("00");
    let as_typed = if written.starts_with('+') {
        digits
    } else {
        digits.strip_prefix("00").unwrap_or(digits)
    };
    let mut out = Vec::new();
    if (1..=MAX_PHONE_DIGITS).contains(&as_typed.len()) && !as_typed.starts_with('0') {
        out.push(as_typed.to_string());
    }
    if let (false, Some(code)) = (international, code) {
        let national = digits.trim_start_matches('0');
        let local = format!("{code}{national}");
        if !national.is_empty() && local.len() <= MAX_PHONE_DIGITS && !out.contains(&local) {
            out.push(local);
        }
    }
    out
}

/// Digits and the punctuation phones are written with, and at least one digit.
fn is_phone_like(piece: &str) -> bool {
    piece.bytes().any(|b| b.is_ascii_digit())
        && piece
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'(' | b')'))
}

/// The digits of a phone stored as `+` and at most fifteen digits (an E.164 number, which
/// the phone index keys by its number), or `None` for a phone kept as written.
pub fn e164_digits(phone: &str) -> Option<&str> {
    phone.strip_prefix('+').filter(|d| {
        (1..=MAX_PHONE_DIGITS).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Letters and digits in a row: what a name is split into.
fn tokens(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
}

/// Every word a contact is found by, folded: its name and company tokens.
pub fn words(contact: &Contact) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for_each_word(contact, |w| out.push(w.to_string()));
    out.sort_unstable();
    out.dedup();
    out
}

/// Each word of `words`, maybe repeated, without collecting them: what the import's
/// writer keys the name index by, once per contact it writes.
pub fn for_each_word(contact: &Contact, mut each: impl FnMut(&str)) {
    let mut folded = String::new();
    for field in [&contact.first_name, &contact.last_name, &contact.company]
        .into_iter()
        .flatten()
    {
        folded.clear();
        for c in field.chars() {
            super::text::push_folded(c, &mut folded);
        }
        tokens(&folded).for_each(&mut each);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact() -> Contact {
        Contact {
            first_name: Some("Jürgen".into()),
            last_name: Some("O'Brien-Łódź".into()),
            company: Some("ACME Widgets".into()),
            emails: vec!["jurgen.ob@example.com".into()],
            phones: vec!["+16135550123".into(), "+442079460123".into()],
            ..Default::default()
        }
    }

    fn us() -> Option<Region> {
        super::super::phone::parse_region("US")
    }

    #[test]
    fn words_are_folded_name_and_company_tokens() {
        assert_eq!(
            words(&contact()),
            ["acme", "brien", "jurgen", "lodz", "o", "widgets"]
        );
    }

    #[test]
    fn a_query_is_read_into_words_addresses_and_number_starts() {
        assert_eq!(
            Query::parse_in(
                "  Jür  +1 (613) 555-0123 Ann@Example.com ann@ex o'b 42 3m ",
                us()
            )
            .terms(),
            [
                Term::Word("jur".into()),
                Term::Phone(vec!["16135550123".into()]),
                Term::Email("ann@example.com".into()),
                Term::Email("ann@ex".into()),
                Term::Word("o".into()),
                Term::Word("b".into()),
                Term::Word("42".into()),
                Term::Word("3m".into()),
            ]
        );
        // Without `+`: as typed, and as a number of the region.
        assert_eq!(
            Query::parse_in("613-555", us()).terms(),
            [Term::Phone(vec!["613555".into(), "1613555".into()])]
        );
        // A trunk 0 is dropped; `00` is the international prefix.
        let gb = super::super::phone::parse_region("GB");
        assert_eq!(
            Query::parse_in("020 7946", gb).terms(),
            [Term::Phone(vec!["44207946".into()])]
        );
        assert_eq!(
            Query::parse_in("0044 20 7946", gb).terms(),
            [Term::Phone(vec!["44207946".into()])]
        );
        assert!(Query::parse(" \t ").is_empty());
    }

    #[test]
    fn every_term_must_be_found_in_the_one_contact() {
        let c = contact();
        for found in [
            "jurgen",
            "JURG",
            "lodz",
            "łódź brien",
            "acme jur",
            "Jurgen.OB@Example.com",
            "613-555-0123",
            "(613) 555",
            "+1613555",
            "+44 20 7946",
            "jurgen 613 555",
            "",
        ] {
            assert!(Query::parse_in(found, us()).matches(&c), "{found:?}");
        }
        for missed in [
            "jurgen smith",
            "urgen",
            "jurgen.ob@",
            "example.com",
            "0123",
            "5550123",
            "020 7946",
            "x@y.com",
        ] {
            assert!(!Query::parse_in(missed, us()).matches(&c), "{missed:?}");
        }
    }
}
