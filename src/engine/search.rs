//! What a contact search means, in one place: the words a contact is found by and how a
//! query is read. The store indexes exactly these words (`store::search`), and a store
//! without its index answers with `Query::matches`, so both give the same contacts.
//!
//! - Words: the tokens of the first name, last name and company, folded for case and
//!   accents (`jurgen` finds `Jürgen`), and each email address whole. A query word finds
//!   the contacts with a word that starts with it (`jo` finds `John`, `ann@ex` finds
//!   `ann@example.com`).
//! - Phones: a query of at least `MIN_PHONE_DIGITS` digits (spaces, `+`, `-`, `.`, `(`,
//!   `)` between them are ignored) finds the phones that end with those digits (the last
//!   four, the national number, the whole number) or, as an international number, start
//!   with them (`+1 613 555`).
//! - Every part of a query must be found in the same contact.

use super::contact::Contact;
use super::text::fold_text;

/// Fewer digits than this are read as a word (`3m`, `42`): a phone search on three digits
/// would find a large share of any store.
pub const MIN_PHONE_DIGITS: usize = 4;

/// The most digits an E.164 number has; a phone's suffix is indexed on its last ones.
pub const MAX_PHONE_DIGITS: usize = 15;

/// One part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// Folded; found as the prefix of a contact's word.
    Word(String),
    /// Digits only, `MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS` of them.
    Phone(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    terms: Vec<Term>,
}

impl Query {
    /// Reads what was typed. Blank text is the empty query, which every contact matches.
    pub fn parse(text: &str) -> Query {
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
                let digits: String = number
                    .concat()
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect();
                if (MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS).contains(&digits.len()) {
                    terms.push(Term::Phone(digits));
                } else {
                    for part in number.drain(..) {
                        terms.extend(tokens(part).map(|t| Term::Word(t.to_string())));
                    }
                }
                number.clear();
                continue;
            }
            let folded = fold_text(piece);
            if folded.contains('@') {
                terms.push(Term::Word(folded));
                continue;
            }
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
        let phones: Vec<String> = contact.phones.iter().map(|p| phone_digits(p)).collect();
        self.terms.iter().all(|term| match term {
            Term::Word(w) => words.iter().any(|have| have.starts_with(w.as_str())),
            Term::Phone(d) => contact
                .phones
                .iter()
                .zip(&phones)
                .any(|(p, digits)| phone_found_by(p, digits, d)),
        })
    }
}

/// Digits and the punctuation phones are written with, and at least one digit.
fn is_phone_like(piece: &str) -> bool {
    piece.bytes().any(|b| b.is_ascii_digit())
        && piece
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'(' | b')'))
}

/// Whether a phone (as stored, and its digits) is found by the digits of a query.
fn phone_found_by(phone: &str, digits: &str, query: &str) -> bool {
    digits.ends_with(query) || (is_e164(phone) && digits.starts_with(query))
}

/// `+` and at most fifteen digits: the phones stored under their number (see
/// `store::index`), whose leading digits can be searched.
pub fn is_e164(phone: &str) -> bool {
    phone.strip_prefix('+').is_some_and(|d| {
        (1..=MAX_PHONE_DIGITS).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit())
    })
}

/// The digits of a phone as stored; its suffix index holds the last `MAX_PHONE_DIGITS`.
pub fn phone_digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// Letters and digits in a row: what a name is split into.
fn tokens(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
}

/// Every word a contact is found by, folded: name and company tokens, emails whole.
pub fn words(contact: &Contact) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for field in [&contact.first_name, &contact.last_name, &contact.company]
        .into_iter()
        .flatten()
    {
        let folded = fold_text(field);
        out.extend(tokens(&folded).map(str::to_string));
    }
    out.extend(contact.emails.iter().map(|e| fold_text(e)));
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact() -> Contact {
        Contact {
            first_name: Some("Jürgen".into()),
            last_name: Some("O'Brien-Łódź".into()),
            company: Some("ACME Widgets".into()),
            emails: vec!["Jurgen.OB@Example.com".into()],
            phones: vec!["+16135550123".into()],
            ..Default::default()
        }
    }

    #[test]
    fn words_are_folded_tokens_and_whole_emails() {
        assert_eq!(
            words(&contact()),
            [
                "acme",
                "brien",
                "jurgen",
                "jurgen.ob@example.com",
                "lodz",
                "o",
                "widgets"
            ]
        );
    }

    #[test]
    fn a_query_is_read_into_words_and_phone_digits() {
        assert_eq!(
            Query::parse("  Jür  +1 (613) 555-0123 ann@Ex o'b 42 3m ").terms(),
            [
                Term::Word("jur".into()),
                Term::Phone("16135550123".into()),
                Term::Word("ann@ex".into()),
                Term::Word("o".into()),
                Term::Word("b".into()),
                Term::Word("42".into()),
                Term::Word("3m".into()),
            ]
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
            "jurgen.ob@",
            "0123",
            "613-555-0123",
            "+1613555",
            "",
        ] {
            assert!(Query::parse(found).matches(&c), "{found:?}");
        }
        for missed in [
            "jurgen smith",
            "urgen",
            "example.com",
            "5550",
            "61355",
            "x@y",
        ] {
            assert!(!Query::parse(missed).matches(&c), "{missed:?}");
        }
    }
}
