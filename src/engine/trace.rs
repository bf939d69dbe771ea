//! What `rolodex trace TEXT` looks for in the rows of past jobs: a name, an email or a
//! phone number, however the file wrote it. Letters are compared case- and accent-blind
//! (`jose` finds `José`); a number with at least seven digits is compared on its digits, so
//! `+1 212 334 5678` finds `(212) 334-5678` and `2123345678` finds `+1-212-334-5678 x4`.

use super::records::Cells;
use super::text::fold_key;

/// Digits a number needs before it is compared as a phone number.
const PHONE_DIGITS: usize = 7;

pub struct Needle {
    /// The text folded (letters and digits only, lower case, no accents).
    folded: String,
    /// The text's digits, when it reads as a phone number.
    digits: Option<String>,
}

impl Needle {
    /// `None` when the text has nothing to look for (no letter or digit).
    pub fn new(text: &str) -> Option<Needle> {
        let folded = fold_key(text);
        if folded.is_empty() {
            return None;
        }
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let phone_like = digits.len() >= PHONE_DIGITS && !text.chars().any(char::is_alphabetic);
        Some(Needle {
            folded,
            digits: phone_like.then_some(digits),
        })
    }

    /// Whether any cell of a row mentions what is looked for.
    pub fn found_in(&self, cells: &Cells) -> bool {
        cells.iter().any(|cell| self.found_in_cell(cell))
    }

    fn found_in_cell(&self, cell: &str) -> bool {
        if let Some(digits) = &self.digits {
            let cell_digits: String = cell.chars().filter(char::is_ascii_digit).collect();
            // The cell holds the number (perhaps with an extension after it), or the number
            // with its country code ends with the cell's national one.
            if cell_digits.contains(digits.as_str())
                || (cell_digits.len() >= PHONE_DIGITS && digits.ends_with(&cell_digits))
            {
                return true;
            }
        }
        fold_key(cell).contains(&self.folded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(needle: &str, cell: &str) -> bool {
        Needle::new(needle)
            .expect("something to look for")
            .found_in(&Cells::from_strings(&["x", cell]))
    }

    #[test]
    fn names_and_emails_are_found_whatever_the_case_and_accents() {
        assert!(finds("jose", "José Núñez"));
        assert!(finds("Grace Hopper", "grace  hopper"));
        assert!(finds("GRACE@example.com", "Grace@Example.com"));
        assert!(!finds("grace", "Ada Lovelace"));
    }

    #[test]
    fn numbers_are_found_however_they_were_written() {
        assert!(finds("+1 212 334 5678", "(212) 334-5678"));
        assert!(finds("2123345678", "+1-212-334-5678 ext. 4"));
        assert!(!finds("+1 212 334 5678", "(212) 334-5679"));
        // Short digit runs are text, not phone numbers: 2023 is not every 2023 in a date.
        assert!(!finds("2023", "(212) 334-5678"));
        assert!(finds("2023", "joined 2023-01-04"));
    }

    #[test]
    fn nothing_to_look_for_is_refused() {
        assert!(Needle::new("  -- ").is_none());
    }
}
